package harness

import (
	"math"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks"
)

// fairnessSection computes the per-group view of the clean predictions and
// the flip rates of the counterfactual runs.
func (r *runner) fairnessSection(t *suite.Task, clean *variantRun, cfs []*variantRun) (*result.Fairness, error) {
	f := t.Fairness
	positive := -1
	classes := clean.ev.Classes
	if f.Positive != "" {
		for i, c := range classes {
			if c == f.Positive {
				positive = i
			}
		}
	} else if len(classes) == 2 {
		positive = 1
	}
	out := &result.Fairness{MinGroupN: *f.MinGroupSize}
	sc := &tasks.FairnessScores{}
	if len(clean.preds.groups) > 0 {
		var err error
		sc, err = clean.clf.Fairness(clean.preds.preds, clean.preds.groups, tasks.FairnessConfig{
			Attributes: f.Attributes, Intersections: f.Intersections, MinGroupSize: *f.MinGroupSize,
			Positive: positive, Metrics: f.Metrics,
			Method: f.Method, Agg: f.Agg,
		})
		if err != nil {
			return nil, err
		}
		out = &result.Fairness{Attributes: sc.Attributes, MinGroupN: sc.MinGroupN, Criteria: convertMetrics(sc.Criteria)}
	}
	for _, g := range sc.Groups {
		out.Groups = append(out.Groups, result.Group{Attribute: g.Attribute, Value: g.Value, N: g.N, Small: g.Small, Metrics: convertMetrics(g.Metrics)})
	}
	for _, s := range sc.Summaries {
		gs := result.GroupSummary{Attribute: s.Attribute, Metric: s.Metric, Worst: s.Worst, WorstValue: result.Float(s.WorstValue),
			Best: s.Best, BestValue: result.Float(s.BestValue), Difference: result.Float(s.Difference), Ratio: result.Float(s.Ratio)}
		if !math.IsNaN(s.DiffLow) {
			gs.DiffCI = &result.CI{Low: result.Float(s.DiffLow), High: result.Float(s.DiffHigh), Level: r.s.Bootstrap.Confidence,
				Resamples: *r.s.Bootstrap.Resamples, Method: "percentile bootstrap"}
		}
		out.Summaries = append(out.Summaries, gs)
	}
	for i, cf := range f.Counterfactual {
		if i >= len(cfs) {
			break
		}
		vr := cfs[i]
		changed := make([]bool, len(vr.preds.preds))
		for j, p := range vr.preds.preds {
			changed[j] = p.Changed
		}
		cs, err := clean.clf.Counterfactual(cf.Name, clean.preds.preds, vr.preds.preds, changed, "accuracy")
		if err != nil {
			return nil, err
		}
		fl := convertMetrics([]tasks.MetricValue{cs.FlipRate, cs.MetricDelta})
		out.Counterfactual = append(out.Counterfactual, result.Counterfactual{Name: cf.Name, FlipRate: fl[0], MetricDelta: fl[1]})
	}
	return out, nil
}
