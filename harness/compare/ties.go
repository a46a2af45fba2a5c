package compare

import (
	"fmt"
	"math"
	"sort"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/metrics"
)

// TieGroups computes leaderboard tie groups: for every column (task,
// dataset identity, metric) whose metric is recomputable from predictions
// (accuracy, nll, brier), models are sorted best first and each adjacent
// pair with predictions on common example indices is tested on the same
// examples (the metric table's paired test: exact McNemar for accuracy,
// paired bootstrap otherwise). Pairs
// not significant at opts.Level are chained into one group, so a group is a
// run of neighbours none of whose adjacent steps is significant (as asked in
// HELM #4336). Only groups of two or more models are returned.
//
// sidecars are the prediction sidecar paths parallel to results ("" for
// none). Keys are result.ColumnKey(task, dataset hash, metric). When a
// model appears in several results for one column, the latest finished run
// is used.
func TieGroups(results []*result.Result, sidecars []string, opts Options) (map[string][][]string, error) {
	if opts.Level <= 0 || opts.Level >= 1 {
		opts.Level = 0.95
	}
	if opts.Resamples <= 0 {
		opts.Resamples = 1000
	}
	type entry struct {
		model    string
		value    float64
		higher   bool
		ex       map[int]example
		policy   string
		finished int64
	}
	cols := map[string]map[string]*entry{}
	for ri, r := range results {
		var idx predIndex
		if ri < len(sidecars) && sidecars[ri] != "" {
			var err error
			if idx, err = loadPreds(sidecars[ri]); err != nil {
				return nil, fmt.Errorf("tie groups: result %d (%s): %w", ri, r.Run.ID, err)
			}
		}
		for _, e := range r.Evaluations {
			if e.Variant != "clean" {
				continue
			}
			for _, m := range e.Metrics {
				if _, _, ok := termsOf(m.Name); !ok || m.Value.IsNaN() {
					continue
				}
				key := result.ColumnKey(e.Task, r.DatasetHash(e.Dataset), m.Name)
				if cols[key] == nil {
					cols[key] = map[string]*entry{}
				}
				fin := r.Run.Finished.UnixNano()
				if old := cols[key][e.Model]; old != nil && old.finished > fin {
					continue
				}
				cols[key][e.Model] = &entry{model: e.Model, value: float64(m.Value), higher: m.HigherIsBetter, ex: idx[e.Key()], policy: e.InvalidPolicy, finished: fin}
			}
		}
	}
	out := map[string][][]string{}
	for key, byModel := range cols {
		var es []*entry
		for _, e := range byModel {
			es = append(es, e)
		}
		sort.Slice(es, func(a, b int) bool {
			if es[a].value != es[b].value {
				return (es[a].value > es[b].value) == es[a].higher
			}
			return es[a].model < es[b].model
		})
		metric := metricOf(key)
		var groups [][]string
		cur := []string{es[0].model}
		for i := 1; i < len(es); i++ {
			p := pairedP(metric, es[i-1].ex, es[i].ex, es[i-1].policy, es[i].policy, opts)
			if !math.IsNaN(p) && p >= 1-opts.Level {
				cur = append(cur, es[i].model)
				continue
			}
			if len(cur) > 1 {
				groups = append(groups, cur)
			}
			cur = []string{es[i].model}
		}
		if len(cur) > 1 {
			groups = append(groups, cur)
		}
		if len(groups) > 0 {
			out[key] = groups
		}
	}
	return out, nil
}

func metricOf(key string) string {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '|' {
			return key[i+1:]
		}
	}
	return key
}

// pairedP returns the p-value of the paired test of metric between two
// sides' examples (NaN when they share none).
func pairedP(metric string, ax, bx map[int]example, apol, bpol string, opts Options) float64 {
	f, test, _ := termsOf(metric)
	if len(ax) == 0 || len(bx) == 0 {
		return math.NaN()
	}
	a, b, ac, bc := orderByIndex(ax, bx, f, apol, bpol)
	if len(a) == 0 {
		return math.NaN()
	}
	if test == metrics.McNemarTest {
		_, _, p := metrics.McNemar(ac, bc)
		return p
	}
	_, _, p := metrics.PairedBootstrap(len(a), func(idx []int) (float64, float64) {
		sa, sb := 0.0, 0.0
		for _, i := range idx {
			sa += a[i]
			sb += b[i]
		}
		return sa / float64(len(idx)), sb / float64(len(idx))
	}, opts.Resamples, opts.Level, opts.Seed)
	return p
}
