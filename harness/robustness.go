package harness

import (
	"math"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/robustness"
	"github.com/evalctl/evalctl/tasks"
)

// robustnessSummaries builds one result.Robustness per model × task with a
// robustness section, adding the suite-level figures that need several
// models: mCE against the named baseline model and effective robustness
// (Taori et al. 2020) on each shift dataset.
func (r *runner) robustnessSummaries(outcomes map[string]map[string]*taskOutcome) ([]result.Robustness, error) {
	var out []result.Robustness
	for ti := range r.s.Tasks {
		t := &r.s.Tasks[ti]
		rs := t.Robustness
		byModel := outcomes[t.Name]
		// A generation task's variants carry their own change rates and
		// metric drops (harness/generation.go).
		if rs == nil || len(byModel) == 0 || t.Kind == string(tasks.Generation) {
			continue
		}
		// Effective robustness per shift dataset, fitted across the models.
		effective := map[string]map[string]float64{} // dataset → model → residual
		fitErr := map[string]string{}
		for _, ds := range rs.Shift {
			var pts []tasks.ShiftPoint
			for _, m := range r.s.Models {
				if o := byModel[m.Name]; o != nil {
					pts = append(pts, tasks.ShiftPoint{Model: m.Name, ID: o.clean, OOD: o.shift[ds]})
				}
			}
			res, _, _, err := tasks.EffectiveRobustness(pts)
			if err != nil {
				fitErr[ds] = err.Error()
				continue
			}
			effective[ds] = res
		}
		effCI := map[string]map[string]*result.CI{}
		for _, ds := range rs.Shift {
			var names []string
			var outs []*taskOutcome
			for _, m := range r.s.Models {
				if o := byModel[m.Name]; o != nil {
					names, outs = append(names, m.Name), append(outs, o)
				}
			}
			if _, ok := effective[ds]; ok {
				effCI[ds] = r.effectiveCI(names, outs, ds)
			}
		}
		var baseline *tasks.RobustnessScores
		if rs.Baseline != "" && byModel[rs.Baseline] != nil {
			baseline = byModel[rs.Baseline].robustness
		}
		for _, m := range r.s.Models {
			o := byModel[m.Name]
			if o == nil {
				continue
			}
			rb := result.Robustness{Model: m.Name, Task: t.Name, Metric: rs.Metric}
			if sc := o.robustness; sc != nil {
				rb.Clean = convertMetrics([]tasks.MetricValue{sc.Clean})[0]
				rb.Summary = convertMetrics(sc.Summary)
				for _, c := range sc.Cells {
					cell := result.RobustnessCell{Perturbation: c.Perturbation, Severity: c.Severity, Value: result.Float(c.Value.Value),
						ECE: result.Float(c.ECE.Value), Consistency: result.Float(c.Consistency.Value)}
					if c.Value.Resamples > 0 {
						cell.CI = convertMetrics([]tasks.MetricValue{c.Value})[0].CI
					}
					rb.Cells = append(rb.Cells, cell)
				}
				if baseline != nil {
					_, mce, rel, err := tasks.CorruptionError(sc, baseline)
					if err != nil {
						rb.Summary = append(rb.Summary, undefinedMetric("mce", err.Error()))
					} else {
						m1 := scalarMetric("mce", mce, false, map[string]string{"baseline": rs.Baseline})
						m2 := scalarMetric("relative_mce", rel, false, map[string]string{"baseline": rs.Baseline})
						m1.CI, m2.CI = r.mceCI(o, byModel[rs.Baseline])
						rb.Summary = append(rb.Summary, m1, m2)
					}
				}
				if rs.BaselineErrors != nil {
					rb.Summary = append(rb.Summary, publishedMCE(sc, rs)...)
				}
				rb.Parameters = imageParamTable(sc, rs)
			} else {
				rb.Clean = scalarMetric(rs.Metric, o.clean, tasks.HigherIsBetter(rs.Metric), nil)
			}
			for _, ds := range rs.Shift {
				ood := o.shift[ds]
				gap := scalarMetric("id_ood_gap:"+ds, o.clean-ood, false, map[string]string{"definition": "in-distribution minus out-of-distribution " + rs.Metric})
				gap.CI = r.gapCI(o, ds)
				rb.Summary = append(rb.Summary, scalarMetric("ood:"+ds, ood, tasks.HigherIsBetter(rs.Metric), nil), gap)
				if e, ok := effective[ds]; ok {
					er := scalarMetric("effective_robustness:"+ds, e[m.Name], true,
						map[string]string{"fit": "logit-linear across the suite's models (Taori et al. 2020)"})
					er.CI = effCI[ds][m.Name]
					rb.Summary = append(rb.Summary, er)
				} else {
					rb.Summary = append(rb.Summary, undefinedMetric("effective_robustness:"+ds, fitErr[ds]))
				}
			}
			out = append(out, rb)
		}
	}
	return out, nil
}

func scalarMetric(name string, v float64, higher bool, spec map[string]string) result.Metric {
	return result.Metric{Name: name, Value: result.Float(v), HigherIsBetter: higher, Spec: spec}
}

func undefinedMetric(name, reason string) result.Metric {
	return result.Metric{Name: name, Value: result.Float(math.NaN()), Undefined: reason}
}

// publishedMCE is mCE and relative mCE against the section's published
// baseline errors (baseline_errors, baseline_clean_error); no interval, as
// the published numbers carry none. relative_mce is left out without a
// clean baseline error.
func publishedMCE(sc *tasks.RobustnessScores, rs *suite.RobustnessSpec) []result.Metric {
	base := robustness.PublishedBaseline{Errors: map[string][]float64{}, Clean: math.NaN()}
	for c, e := range rs.BaselineErrors {
		base.Errors[c] = e
	}
	if rs.BaselineCleanError != nil {
		base.Clean = *rs.BaselineCleanError
	}
	_, mce, rel, err := tasks.PublishedCorruptionError(sc, base)
	if err != nil {
		return []result.Metric{undefinedMetric("mce", err.Error())}
	}
	spec := map[string]string{"baseline": "published errors (baseline_errors)"}
	out := []result.Metric{scalarMetric("mce", mce, false, spec)}
	if !math.IsNaN(rel) {
		out = append(out, scalarMetric("relative_mce", rel, false, spec))
	}
	return out
}

// imageParamTable is the parameter table of the section's image
// perturbations, "" when it has none.
func imageParamTable(sc *tasks.RobustnessScores, rs *suite.RobustnessSpec) string {
	for _, c := range sc.Cells {
		if p, err := robustness.Lookup(c.Perturbation); err == nil && p.Kind() == robustness.KindImage {
			t, err := robustness.ParseParamTable(rs.Parameters)
			if err != nil {
				return rs.Parameters
			}
			return string(t)
		}
	}
	return ""
}
