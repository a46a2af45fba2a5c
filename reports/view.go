package reports

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
)

// summaryRow is one model × task on the clean variant.
type summaryRow struct {
	Model, Task, Kind, Provider string
	N, Invalid                  int
	InvalidPolicy               string
	Metrics                     map[string]result.Metric
	Eff                         *result.Efficiency
	Eval                        *result.Evaluation
}

type robustRow struct {
	Model, Task, Metric string
	Clean, MeanCorrupt  float64
	Worst               float64
	WorstCell           string
	Higher              bool
	// From the summary, NaN when absent: HELM's per-example worst case,
	// consistency with the clean predictions, and mCE against the baseline.
	WorstCase, Consistency, MCE float64
}

type fairRow struct {
	Model, Task string
	S           result.GroupSummary
}

type view struct {
	R       *result.Result
	Rows    []summaryRow
	Columns []string // metric names in first-seen order
	Robust  []robustRow
	Fair    []fairRow
	// Blocks are further tables (counterfactuals, distribution shift), shown
	// after fairness and robustness when they have rows.
	Blocks []block
}

// block is a titled table.
type block struct {
	Title  string
	Header []string
	Rows   [][]string
}

// withCI formats a metric value with its interval, if any.
func withCI(m result.Metric) string {
	s := fmtNum(float64(m.Value))
	if m.CI != nil && !m.CI.Low.IsNaN() {
		s += fmt.Sprintf(" [%.4f, %.4f]", float64(m.CI.Low), float64(m.CI.High))
	}
	return s
}

// extraBlocks builds the counterfactual, shift, privacy and cost tables.
func extraBlocks(r *result.Result) []block {
	var out []block
	for _, b := range []block{counterfactualBlock(r), shiftBlock(r), privacyBlock(r), costBlock(r)} {
		if len(b.Rows) > 0 {
			out = append(out, b)
		}
	}
	return out
}

// counterfactualBlock tabulates the counterfactual substitutions of every
// clean evaluation: flip rate, changed inputs and the metric's change.
func counterfactualBlock(r *result.Result) block {
	cf := block{Title: "Counterfactuals", Header: []string{"Model", "Task", "Substitution", "Flip rate", "Changed inputs", "Metric delta"}}
	for _, e := range r.Evaluations {
		if e.Variant != "clean" || e.Fairness == nil {
			continue
		}
		for _, c := range e.Fairness.Counterfactual {
			cf.Rows = append(cf.Rows, []string{e.Model, e.Task, c.Name, withCI(c.FlipRate), fmt.Sprint(c.FlipRate.N),
				c.MetricDelta.Name + " " + withCI(c.MetricDelta)})
		}
	}
	return cf
}

// shiftBlock tabulates in- against out-of-distribution figures per shift
// dataset of every robustness section.
func shiftBlock(r *result.Result) block {
	sh := block{Title: "Distribution shift", Header: []string{"Model", "Task", "Shift dataset", "Metric", "In-distribution", "Out-of-distribution", "Gap", "Effective robustness"}}
	for _, rb := range r.Robustness {
		byName := map[string]result.Metric{}
		for _, m := range rb.Summary {
			byName[m.Name] = m
		}
		for _, m := range rb.Summary {
			ds, ok := strings.CutPrefix(m.Name, "ood:")
			if !ok {
				continue
			}
			er := "n/a"
			if e, ok := byName["effective_robustness:"+ds]; ok && !e.Value.IsNaN() {
				er = fmtNum(float64(e.Value))
			}
			sh.Rows = append(sh.Rows, []string{rb.Model, rb.Task, ds, rb.Metric, fmtNum(float64(rb.Clean.Value)), fmtNum(float64(m.Value)),
				fmtNum(float64(byName["id_ood_gap:"+ds].Value)), er})
		}
	}
	return sh
}

func newView(r *result.Result) *view {
	v := &view{R: r}
	prov := map[string]string{}
	for _, m := range r.Models {
		prov[m.Name] = m.Provider
	}
	seen := map[string]bool{}
	for i := range r.Evaluations {
		e := &r.Evaluations[i]
		if e.Variant != "clean" {
			continue
		}
		row := summaryRow{Model: e.Model, Task: e.Task, Kind: e.Kind, Provider: prov[e.Model], N: e.N,
			Invalid: e.Invalid, InvalidPolicy: e.InvalidPolicy, Metrics: map[string]result.Metric{}, Eff: e.Efficiency, Eval: e}
		for _, m := range e.Metrics {
			row.Metrics[m.Name] = m
			if !seen[m.Name] {
				seen[m.Name] = true
				v.Columns = append(v.Columns, m.Name)
			}
		}
		v.Rows = append(v.Rows, row)
		if e.Fairness != nil {
			for _, s := range e.Fairness.Summaries {
				v.Fair = append(v.Fair, fairRow{e.Model, e.Task, s})
			}
		}
	}
	for _, rb := range r.Robustness {
		rr := robustRow{Model: rb.Model, Task: rb.Task, Metric: rb.Metric, Clean: float64(rb.Clean.Value),
			Higher: rb.Clean.HigherIsBetter, MeanCorrupt: math.NaN(), Worst: math.NaN()}
		sum, n := 0.0, 0
		for _, c := range rb.Cells {
			x := float64(c.Value)
			if math.IsNaN(x) {
				continue
			}
			sum += x
			n++
			if math.IsNaN(rr.Worst) || (rr.Higher && x < rr.Worst) || (!rr.Higher && x > rr.Worst) {
				rr.Worst, rr.WorstCell = x, fmt.Sprintf("%s@%d", c.Perturbation, c.Severity)
			}
		}
		if n > 0 {
			rr.MeanCorrupt = sum / float64(n)
		}
		rr.WorstCase, rr.Consistency, rr.MCE = math.NaN(), math.NaN(), math.NaN()
		for _, m := range rb.Summary {
			switch m.Name {
			case "mean_corrupted":
				rr.MeanCorrupt = float64(m.Value) // the summary's definition wins over the plain cell mean
			case "worst_case_accuracy":
				rr.WorstCase = float64(m.Value)
			case "consistency":
				rr.Consistency = float64(m.Value)
			case "mce":
				rr.MCE = float64(m.Value)
			}
		}
		v.Robust = append(v.Robust, rr)
	}
	v.Blocks = extraBlocks(r)
	return v
}

// fmtNum formats a value with 4 significant decimals, "n/a" for NaN.
func fmtNum(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", x)
}

// fmtMetric formats "value [low, high]".
func fmtMetric(m result.Metric, ok bool) string {
	if !ok {
		return ""
	}
	s := fmtNum(float64(m.Value))
	if m.CI != nil && !m.CI.Low.IsNaN() && !m.CI.High.IsNaN() {
		s += fmt.Sprintf(" [%.4f, %.4f]", float64(m.CI.Low), float64(m.CI.High))
	}
	return s
}

func (row summaryRow) metric(name string) string {
	m, ok := row.Metrics[name]
	return fmtMetric(m, ok)
}

func (row summaryRow) invalid() string {
	if row.Invalid == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", row.Invalid, row.InvalidPolicy)
}

func (row summaryRow) speed() (eps, p50, p99 string) {
	if row.Eff == nil {
		return "", "", ""
	}
	c := ""
	if row.Eff.Cached {
		c = "*"
	}
	return fmt.Sprintf("%.1f%s", row.Eff.ExamplesPerSecond, c), fmt.Sprintf("%.2f", row.Eff.LatencyMs.P50), fmt.Sprintf("%.2f", row.Eff.LatencyMs.P99)
}

func (v *view) header() []string {
	h := []string{"Model", "Task"}
	h = append(h, v.Columns...)
	return append(h, "N", "Invalid", "Provider", "Ex/s", "p50 ms", "p99 ms")
}

func (v *view) cells(row summaryRow) []string {
	c := []string{row.Model, row.Task}
	for _, m := range v.Columns {
		c = append(c, row.metric(m))
	}
	eps, p50, p99 := row.speed()
	return append(c, fmt.Sprint(row.N), row.invalid(), row.Provider, eps, p50, p99)
}

func (v *view) fairHeader() []string {
	return []string{"Model", "Task", "Attribute", "Metric", "Worst group", "Best group", "Gap", "Ratio"}
}

func (f fairRow) cells() []string {
	gap := fmtNum(float64(f.S.Difference))
	if f.S.DiffCI != nil && !f.S.DiffCI.Low.IsNaN() {
		gap += fmt.Sprintf(" [%.4f, %.4f]", float64(f.S.DiffCI.Low), float64(f.S.DiffCI.High))
	}
	return []string{f.Model, f.Task, f.S.Attribute, f.S.Metric,
		fmt.Sprintf("%s (%s)", f.S.Worst, fmtNum(float64(f.S.WorstValue))),
		fmt.Sprintf("%s (%s)", f.S.Best, fmtNum(float64(f.S.BestValue))), gap, fmtNum(float64(f.S.Ratio))}
}

func (v *view) robustHeader() []string {
	return []string{"Model", "Task", "Metric", "Clean", "Mean corrupted", "Worst cell", "Worst case", "Consistency", "mCE"}
}

func (rr robustRow) cells() []string {
	w := fmtNum(rr.Worst)
	if rr.WorstCell != "" {
		w += " (" + rr.WorstCell + ")"
	}
	return []string{rr.Model, rr.Task, rr.Metric, fmtNum(rr.Clean), fmtNum(rr.MeanCorrupt), w,
		fmtNum(rr.WorstCase), fmtNum(rr.Consistency), fmtNum(rr.MCE)}
}

func gateHeader() []string { return []string{"Gate", "Scope", "Value", "Status", "Reason"} }

func gateCells(g result.Gate) []string {
	st := "PASS"
	if !g.Pass {
		st = "FAIL"
	}
	scope := strings.Trim(g.Model+"/"+g.Task, "/")
	if scope == "" {
		scope = "*"
	}
	return []string{g.Expr, scope, fmtNum(float64(g.Value)), st, g.Reason}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
