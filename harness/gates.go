package harness

import (
	"errors"
	"fmt"
	"sort"

	"github.com/evalctl/evalctl/harness/gate"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
)

// SuiteMetrics returns every metric name the suite's tasks can report,
// sorted: the listed metrics, the temperature-scaled "_ts" variants of the
// probabilistic ones where a calibration split is declared, "temperature",
// the fairness criteria ("demographic_parity_difference:sex", ...) and the
// robustness summaries
// ("mean_corrupted", "worst_case_accuracy", "mce", ...).
func SuiteMetrics(s *suite.Suite) []string {
	seen := map[string]bool{}
	for _, t := range s.Tasks {
		for _, m := range t.Metrics {
			seen[m] = true
			if t.Calibration.Dataset != "" {
				// Temperature scaling reports the probabilistic metrics
				// (the metric table's Probabilistic) again as name_ts.
				if info, _, ok := metrics.Lookup(m); ok && info.Probabilistic {
					seen[m+"_ts"] = true
				}
				seen["temperature"] = true
			}
		}
		if f := t.Fairness; f != nil {
			attrs := f.Attributes
			if len(attrs) == 0 {
				if d, ok := s.Dataset(t.Dataset); ok {
					for _, g := range d.Groups {
						attrs = append(attrs, g.Name)
					}
				}
			}
			for _, c := range []string{"demographic_parity", "equalized_odds", "equal_opportunity"} {
				for _, a := range attrs {
					seen[c+"_difference:"+a] = true
					seen[c+"_ratio:"+a] = true
				}
			}
		}
		if t.Kind == string(tasks.Generation) && (t.Robustness != nil || (t.Fairness != nil && len(t.Fairness.Counterfactual) > 0)) {
			seen[tasks.MaxChangeRate] = true
		}
		if rs := t.Robustness; rs != nil && t.Kind != string(tasks.Generation) {
			for _, m := range []string{tasks.SummaryMeanCorrupted, tasks.SummaryAbsoluteDrop, tasks.SummaryRelativeDrop,
				tasks.SummaryWorstCaseAccuracy, tasks.SummaryConsistency, tasks.SummaryECEMeanCorrupted} {
				seen[m] = true
			}
			if rs.Baseline != "" {
				seen["mce"], seen["relative_mce"] = true, true
			}
			for _, d := range rs.Shift {
				seen["ood:"+d], seen["id_ood_gap:"+d], seen["effective_robustness:"+d] = true, true, true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// ParseGates parses and validates the suite's gates against the metrics its
// tasks report, before any model is loaded. Errors carry the gate's position.
func ParseGates(s *suite.Suite) ([]gate.Gate, error) {
	known := SuiteMetrics(s)
	var out []gate.Gate
	var errs []error
	for i, gs := range s.Gates {
		line, col := gs.Pos()
		path := fmt.Sprintf("gates[%d]", i)
		g, err := gate.Parse(gs.Expr)
		if err == nil {
			err = gate.Validate(g, known)
		}
		if err == nil && g.Regression() {
			err = fmt.Errorf("%q compares against a baseline; put it in `evalctl compare --gate`, not in the suite", gs.Expr)
		}
		if err != nil {
			errs = append(errs, &suite.Error{File: s.File, Line: line, Col: col, Path: path, Err: err})
			continue
		}
		g.Task, g.Model = gs.Task, gs.Model
		out = append(out, g)
	}
	return out, errors.Join(errs...)
}

// evaluateGates applies absolute gates to a result.
func evaluateGates(gs []gate.Gate, r *result.Result) []result.Gate {
	var out []result.Gate
	for _, g := range gs {
		out = append(out, gate.Evaluate(g, r)...)
	}
	return out
}
