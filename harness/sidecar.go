package harness

import (
	"fmt"

	"github.com/evalctl/evalctl/harness/result"
)

// writePredictions streams every evaluation's predictions to path as JSON
// lines, atomically.
func writePredictions(path string, all []evalPreds) error {
	f, err := result.CreateAtomic(path)
	if err != nil {
		return err
	}
	w := result.NewPredictionWriter(f)
	for _, ep := range all {
		for i := range ep.preds {
			p := &ep.preds[i]
			rp := result.Prediction{Eval: ep.key, Index: p.Index, ID: p.ID, Label: p.Label, Pred: p.Pred, Invalid: p.Invalid, Changed: p.Changed}
			if p.Invalid == "" {
				rp.Probs = p.Probs
			}
			if ep.regression {
				v, tg := p.Value, p.Target
				rp.Target = &tg
				if p.Invalid == "" {
					rp.Score = &v
				}
			}
			if len(ep.groups) > 0 {
				rp.Groups = make(map[string]string, len(ep.groups))
				for g, name := range ep.groups {
					rp.Groups[name] = p.Groups[g]
				}
			}
			if err := w.Write(&rp); err != nil {
				f.Abort()
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}
