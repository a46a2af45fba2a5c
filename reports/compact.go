package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
)

// CachedLegend explains the "*" that marks efficiency figures of
// predictions read from the cache.
const CachedLegend = "* from cached predictions: the timings of the run that computed them"

// headlineMetrics returns the columns of the compact table: each task's
// first metric (the one its suite lists first), then the first calibration
// metric (ece…, then brier) reported, at most three in all.
func (v *view) headlineMetrics() []string {
	var out []string
	seen := map[string]bool{}
	add := func(m string) {
		if !seen[m] && len(out) < 3 {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, row := range v.Rows {
		if len(row.Eval.Metrics) > 0 {
			add(row.Eval.Metrics[0].Name)
		}
	}
	if m := v.calibrationColumn(); m != "" {
		add(m)
	}
	return out
}

// calibrationColumn is the first ece… metric reported, else brier, else "".
func (v *view) calibrationColumn() string {
	for _, prefix := range []string{"ece", "brier"} {
		for _, m := range v.Columns {
			if strings.HasPrefix(m, prefix) {
				return m
			}
		}
	}
	return ""
}

// plusMinus formats a metric as "value ± half-width of its interval".
func plusMinus(m result.Metric, ok bool) string {
	if !ok {
		return ""
	}
	s := fmtNum(float64(m.Value))
	if m.CI != nil && !m.CI.Low.IsNaN() && !m.CI.High.IsNaN() && s != "n/a" {
		s += fmt.Sprintf(" ± %.4f", float64(m.CI.High-m.CI.Low)/2)
	}
	return s
}

// anyCached reports whether a row's efficiency figures come from the cache.
func (v *view) anyCached() bool {
	for _, row := range v.Rows {
		if row.Eff != nil && row.Eff.Cached {
			return true
		}
	}
	return false
}

// WriteCompactTable writes r for a terminal in little width: one row per
// model × task with the headline metrics (each task's first metric and a
// calibration metric) as value ± interval half-width, examples, invalid
// outputs when any, examples/s and median batch latency; the robustness
// summary without its detail columns; the failed gates only. Efficiency
// marked "*" comes from cached predictions (a legend says so). WriteTable
// (evalctl --wide) shows everything.
func WriteCompactTable(w io.Writer, r *result.Result) error {
	v := newView(r)
	fmt.Fprintf(w, "run %s  suite %s (seed %d)\n", r.Run.ID, r.Suite.Name, r.Suite.Seed)
	heads := v.headlineMetrics()
	invalid := false
	for _, row := range v.Rows {
		invalid = invalid || row.Invalid > 0
	}
	header := append([]string{"Model", "Task"}, heads...)
	header = append(header, "N")
	if invalid {
		header = append(header, "Invalid")
	}
	header = append(header, "Ex/s", "p50 ms")
	var rows [][]string
	for _, row := range v.Rows {
		c := []string{row.Model, row.Task}
		for _, m := range heads {
			mm, ok := row.Metrics[m]
			c = append(c, plusMinus(mm, ok))
		}
		c = append(c, fmt.Sprint(row.N))
		if invalid {
			c = append(c, row.invalid())
		}
		eps, p50, _ := row.speed()
		rows = append(rows, append(c, eps, p50))
	}
	if err := table(w, "", header, rows); err != nil {
		return err
	}
	if len(v.Robust) > 0 {
		rows = nil
		for _, rr := range v.Robust {
			rows = append(rows, []string{rr.Model, rr.Task, rr.Metric, fmtNum(rr.Clean), fmtNum(rr.MeanCorrupt), fmtNum(rr.WorstCase)})
		}
		if err := table(w, "\nRobustness", []string{"Model", "Task", "Metric", "Clean", "Mean corrupted", "Worst case"}, rows); err != nil {
			return err
		}
	}
	if len(v.Fair) > 0 {
		rows = nil
		for _, f := range v.Fair {
			rows = append(rows, []string{f.Model, f.Task, f.S.Attribute + " " + f.S.Metric,
				fmt.Sprintf("%s (%s)", f.S.Worst, fmtNum(float64(f.S.WorstValue))), fmtNum(float64(f.S.Difference))})
		}
		if err := table(w, "\nFairness", []string{"Model", "Task", "Attribute metric", "Worst group", "Gap"}, rows); err != nil {
			return err
		}
	}
	failed := 0
	rows = nil
	for _, g := range r.Gates {
		if !g.Pass {
			failed++
			rows = append(rows, []string{g.Expr, strings.Trim(g.Model+"/"+g.Task, "/"), g.Reason})
		}
	}
	switch {
	case len(r.Gates) == 0:
	case failed == 0:
		fmt.Fprintf(w, "\nGates: all %d passed\n", len(r.Gates))
	default:
		if err := table(w, fmt.Sprintf("\nGates: %d of %d failed", failed, len(r.Gates)), []string{"Gate", "Scope", "Reason"}, rows); err != nil {
			return err
		}
	}
	if v.anyCached() {
		fmt.Fprintln(w, CachedLegend)
	}
	_, err := fmt.Fprintf(w, "± is half the %g%% interval. --wide shows all %d metrics with their intervals and every column.\n",
		r.Suite.Confidence*100, len(v.Columns))
	return err
}
