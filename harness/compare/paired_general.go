package compare

import (
	"fmt"
	"math"
	"slices"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
)

// pairedClassification runs the paired bootstrap for any classification
// metric, recomputed from the predictions with the task's own definition
// (tasks.Classifier.Statistic): both sides are restricted to the examples
// they share, and each replicate resamples those examples jointly. It
// returns false (and the caller falls back) when the metric cannot be
// recomputed to the reported value or an invalid-output exclusion would
// misalign the two sides.
func pairedClassification(c *result.Comparison, r *result.CompareRow, be, ce *result.Evaluation, bp, cp predIndex, opts Options) bool {
	if be.Kind != string(tasks.Classification) || ce.Kind != string(tasks.Classification) || len(be.Classes) < 2 || !slices.Equal(be.Classes, ce.Classes) {
		return false
	}
	bx, cx := bp[be.Key()], cp[ce.Key()]
	if len(bx) == 0 || len(cx) == 0 {
		return false
	}
	var keys []int
	for i, x := range bx {
		y, ok := cx[i]
		if !ok || x.label < 0 || x.label != y.label || x.invalid || y.invalid {
			continue // unlabelled, disagreeing labels or invalid outputs are not paired
		}
		keys = append(keys, i)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return false
	}
	side := func(ev *result.Evaluation, ex map[int]example) (func(idx []int) float64, error) {
		cfg := tasks.ClassificationConfig{Classes: ev.Classes, Scores: tasks.ScoresProbabilities,
			Invalid: tasks.InvalidPolicy(ev.InvalidPolicy), Metrics: []string{r.Metric}}
		if s := ev.Scoring; s != nil {
			cfg.Bins = s.Bins
			b, err := metrics.ParseBinning(s.Binning)
			if err != nil {
				return nil, fmt.Errorf("%s: scoring.binning: %w", ev.Key(), err)
			}
			cfg.Binning = b
			if s.Edges != "" {
				if err := cfg.Edges.UnmarshalText([]byte(s.Edges)); err != nil {
					return nil, fmt.Errorf("%s: scoring.edges: %w", ev.Key(), err)
				}
			}
		}
		clf, err := tasks.NewClassifier(cfg)
		if err != nil {
			return nil, err
		}
		preds := make([]tasks.Prediction, len(keys))
		for j, i := range keys {
			x := ex[i]
			if len(x.probs) != len(ev.Classes) {
				return nil, fmt.Errorf("example %d has %d probabilities", i, len(x.probs))
			}
			pred := 0
			for k, p := range x.probs {
				if p > x.probs[pred] {
					pred = k
				}
			}
			preds[j] = tasks.Prediction{Index: i, Label: x.label, Pred: pred, Probs: x.probs}
		}
		stat, n := clf.Statistic(r.Metric, preds)
		if n != len(keys) {
			return nil, fmt.Errorf("positions misaligned")
		}
		return stat, nil
	}
	sa, err1 := side(be, bx)
	sb, err2 := side(ce, cx)
	if err1 != nil || err2 != nil {
		return false
	}
	all := make([]int, len(keys))
	for i := range all {
		all[i] = i
	}
	// Only when every example is shared does the recomputed value have to
	// reproduce the reported one; otherwise the test is on the common part.
	full := len(keys) == len(bx) && len(keys) == len(cx)
	for _, s := range []struct {
		name string
		stat func([]int) float64
		v    result.Float
	}{{"base", sa, r.Base}, {"cand", sb, r.Cand}} {
		got := s.stat(all)
		if math.IsNaN(got) || (full && math.Abs(got-float64(s.v)) > 1e-6+1e-6*math.Abs(float64(s.v))) {
			return false
		}
	}
	if !full {
		c.Notes = append(c.Notes, fmt.Sprintf("%s %s: paired on %d examples (base has %d, cand %d)", ce.Key(), r.Metric, len(keys), len(bx), len(cx)))
	}
	delta, dci, p := metrics.PairedBootstrap(len(keys), func(idx []int) (float64, float64) { return sa(idx), sb(idx) }, opts.Resamples, opts.Level, opts.Seed)
	r.Delta = result.Float(delta)
	r.DeltaCI = &result.CI{Low: result.Float(dci.Low), High: result.Float(dci.High), Level: dci.Level, Resamples: dci.Resamples, Method: "paired " + dci.Method + " bootstrap"}
	r.P, r.Test, r.Paired = result.Float(p), "paired bootstrap", len(keys)
	return true
}
