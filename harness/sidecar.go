package harness

import (
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/tasks"
)

// evalPreds is the predictions of one evaluation (or of a task's
// calibration split), kept for the sidecar.
type evalPreds struct {
	key     string
	groups  []string
	classes []string
	preds   []tasks.Prediction
	resumed int
	// regression sidecar lines carry the value and target.
	regression bool
}

// sidecarPred converts one prediction to its sidecar line.
func sidecarPred(ep *evalPreds, p *tasks.Prediction) result.Prediction {
	rp := result.Prediction{Eval: ep.key, Index: p.Index, ID: p.ID, Label: p.Label, Pred: p.Pred, Invalid: p.Invalid,
		Changed: p.Changed, Vector: p.Vector, Ranked: p.Ranked, KShot: p.KShot,
		Text: p.Text, Tokens: p.Tokens, Stop: p.Stop, References: p.References, Want: p.Want}
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
	for _, t := range p.Texts {
		tl := result.TextLL{LL: result.Float(t.LL), Greedy: t.Greedy, Tokens: t.Tokens, Chars: t.Chars, Bytes: t.Bytes, Words: t.Words}
		if t.HasUncond {
			u := result.Float(t.Uncond)
			tl.UncondLL = &u
		}
		rp.LLs = append(rp.LLs, tl)
	}
	return rp
}

// writePredictions streams every evaluation's predictions to path as JSON
// lines, atomically.
// A path ending in result.GzipSuffix is written gzip-compressed.
func writePredictions(path string, all []evalPreds) error {
	f, err := result.CreateAtomic(path)
	if err != nil {
		return err
	}
	var out io.Writer = f
	var zw *gzip.Writer
	if strings.HasSuffix(path, result.GzipSuffix) {
		zw = gzip.NewWriter(f)
		out = zw
	}
	w := result.NewPredictionWriter(out)
	for i := range all {
		ep := &all[i]
		for j := range ep.preds {
			rp := sidecarPred(ep, &ep.preds[j])
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
	if zw != nil {
		if err := zw.Close(); err != nil {
			f.Abort()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return f.Commit()
}

// toTaskPreds converts sidecar lines to predictions, ordering group values
// as groups lists them.
func toTaskPreds(stored []result.Prediction, groups []string) []tasks.Prediction {
	out := make([]tasks.Prediction, len(stored))
	for i, p := range stored {
		tp := tasks.Prediction{Index: p.Index, ID: p.ID, Label: p.Label, Pred: p.Pred, Probs: p.Probs, Invalid: p.Invalid,
			Changed: p.Changed, Vector: p.Vector, Ranked: p.Ranked, KShot: p.KShot,
			Text: p.Text, Tokens: p.Tokens, Stop: p.Stop, References: p.References, Want: p.Want}
		if p.Score != nil {
			tp.Value = *p.Score
		} else if p.Invalid != "" {
			tp.Value = math.NaN()
		}
		if p.Target != nil {
			tp.Target = *p.Target
		}
		if tp.Invalid != "" {
			tp.Probs = nil
		}
		for _, t := range p.LLs {
			tl := tasks.TextLL{LL: float64(t.LL), Greedy: t.Greedy, Tokens: t.Tokens, Chars: t.Chars, Bytes: t.Bytes, Words: t.Words}
			if t.UncondLL != nil {
				tl.Uncond, tl.HasUncond = float64(*t.UncondLL), true
			}
			tp.Texts = append(tp.Texts, tl)
		}
		if len(groups) > 0 {
			tp.Groups = make([]string, len(groups))
			for g, name := range groups {
				tp.Groups[g] = p.Groups[name]
			}
		}
		out[i] = tp
	}
	return out
}

// WritePredictions writes grouped predictions as a sidecar, atomically, in
// evaluation order.
func WritePredictions(path string, res *result.Result, preds map[string][]result.Prediction) error {
	var keys []string
	seen := map[string]bool{}
	for _, ev := range res.Evaluations {
		if !seen[ev.Key()] {
			keys = append(keys, ev.Key())
			seen[ev.Key()] = true
		}
	}
	var rest []string
	for k := range preds {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	var all []evalPreds
	for _, k := range append(keys, rest...) {
		ps := preds[k]
		ep := evalPreds{key: k}
		var groups []string
		if len(ps) > 0 {
			for g := range ps[0].Groups {
				groups = append(groups, g)
			}
			sort.Strings(groups)
		}
		ep.groups = groups
		ep.preds = toTaskPreds(ps, groups)
		ep.regression = len(ps) > 0 && ps[0].Target != nil
		all = append(all, ep)
	}
	return writePredictions(path, all)
}
