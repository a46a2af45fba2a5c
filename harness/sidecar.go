package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evalctl/evalctl/harness/result"
)

// writePredictions streams every evaluation's predictions to path as JSON
// lines, atomically (temporary file, sync, rename).
func writePredictions(path string, all []evalPreds) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	w := result.NewPredictionWriter(f)
	var werr error
	for _, ep := range all {
		for i := range ep.preds {
			p := &ep.preds[i]
			rp := result.Prediction{Eval: ep.key, Index: p.Index, ID: p.ID, Label: p.Label, Pred: p.Pred, Invalid: p.Invalid, Changed: p.Changed}
			if p.Invalid == "" {
				rp.Probs = p.Probs
			}
			if len(ep.groups) > 0 {
				rp.Groups = make(map[string]string, len(ep.groups))
				for g, name := range ep.groups {
					rp.Groups[name] = p.Groups[g]
				}
			}
			if werr = w.Write(&rp); werr != nil {
				break
			}
		}
		if werr != nil {
			break
		}
	}
	ferr := w.Flush()
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, ferr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
