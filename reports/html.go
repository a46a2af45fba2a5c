package reports

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"

	"github.com/evalctl/evalctl/harness/result"
)

//go:embed templates
var templateFS embed.FS

var reportTmpl = template.Must(template.ParseFS(templateFS, "templates/report.html.tmpl"))

func css() template.CSS {
	b, _ := templateFS.ReadFile("templates/style.css")
	return template.CSS(b)
}

// HTMLOptions configures WriteHTML.
type HTMLOptions struct {
	// ParetoMetric is the metric on the adaptation chart's y axis (default "accuracy").
	ParetoMetric string
}

type reportData struct {
	R                        *result.Result
	Schema                   string
	CSS                      template.CSS
	Header                   []string
	Rows                     [][]string
	Gates                    [][]string
	GatesPassed, GatesFailed int
	Reliability, Groups      []template.HTML
	Severity, Pareto         []template.HTML
	FairHeader, RobustHeader []string
	FairRows, RobustRows     [][]string
	ParetoMetric             string
	Adapt, Eff               [][]string
	Prov                     [][2]string
	// Cost is the cost table (energy per 1,000 examples), when recorded.
	Cost block
	// Privacy: ROC charts and the attack table.
	ROC     []template.HTML
	Privacy block
	// Counterfactual and Shift are the counterfactual substitutions and the
	// distribution-shift figures, when the run has them.
	Counterfactual, Shift block
}

// WriteHTML writes r as one self-contained HTML file (inline CSS and SVG,
// no scripts, no network): summary table, gates, reliability diagrams,
// per-group bars with CIs, counterfactual substitutions, metric-vs-severity
// curves (one y axis per task), distribution shift, privacy, the adaptation
// chart (metric vs trainable parameters with the Pareto frontier, every
// model included), efficiency, cost and provenance. Sections without data
// are left out.
func WriteHTML(w io.Writer, r *result.Result, opts HTMLOptions) error {
	if opts.ParetoMetric == "" {
		opts.ParetoMetric = "accuracy"
	}
	v := newView(r)
	d := reportData{R: r, Schema: result.Schema, CSS: css(), Header: v.header(), FairHeader: v.fairHeader(),
		RobustHeader: v.robustHeader(), ParetoMetric: opts.ParetoMetric, Prov: provenance(r), Cost: costBlock(r)}
	for _, row := range v.Rows {
		d.Rows = append(d.Rows, v.cells(row))
		e := row.Eval
		for _, rel := range e.Reliability {
			var bins []binPoint
			for _, b := range rel.Bins {
				bins = append(bins, binPoint{b.Lower, b.Upper, float64(b.Confidence), float64(b.Accuracy), b.Count})
			}
			d.Reliability = append(d.Reliability, reliabilitySVG(fmt.Sprintf("%s / %s (%s)", e.Model, e.Task, rel.Metric), bins))
		}
		if e.Fairness != nil {
			byMetric := map[string][]bar{}
			for _, g := range e.Fairness.Groups {
				for _, m := range g.Metrics {
					br := bar{Label: fmt.Sprintf("%s=%s (n=%d)", g.Attribute, g.Value, g.N), Value: float64(m.Value), Lo: math.NaN(), Hi: math.NaN(), Small: g.Small}
					if m.CI != nil {
						br.Lo, br.Hi = float64(m.CI.Low), float64(m.CI.High)
					}
					byMetric[m.Name] = append(byMetric[m.Name], br)
				}
			}
			for _, name := range sortedKeys(byMetric) {
				d.Groups = append(d.Groups, barsSVG(fmt.Sprintf("%s / %s: %s by group", e.Model, e.Task, name), name, byMetric[name]))
			}
		}
		if e.Efficiency != nil {
			f := e.Efficiency
			d.Eff = append(d.Eff, []string{e.Model, e.Task, fmt.Sprint(f.Examples), fmt.Sprint(f.BatchSize), fmt.Sprintf("%.1f", f.ExamplesPerSecond),
				fmt.Sprintf("%.2f", f.LatencyMs.P50), fmt.Sprintf("%.2f", f.LatencyMs.P90), fmt.Sprintf("%.2f", f.LatencyMs.P99),
				fmt.Sprintf("%.2f", float64(f.ModelBytes)/1e6), fmt.Sprint(f.Parameters), fmt.Sprint(f.Cached)})
		}
	}
	d.Privacy, d.Counterfactual, d.Shift = privacyBlock(r), counterfactualBlock(r), shiftBlock(r)
	for _, e := range r.Evaluations {
		if e.Privacy != nil {
			if svg := rocSVG(fmt.Sprintf("%s / %s: %s attack", e.Model, e.Task, e.Privacy.Attack), e.Privacy.ROC); svg != "" {
				d.ROC = append(d.ROC, svg)
			}
		}
	}
	for _, f := range v.Fair {
		d.FairRows = append(d.FairRows, f.cells())
	}
	for _, rr := range v.Robust {
		d.RobustRows = append(d.RobustRows, rr.cells())
	}
	// The charts of one task share their y axis.
	type span struct{ lo, hi float64 }
	taskY := map[string]span{}
	curves := make([][]series, len(r.Robustness))
	for i, rb := range r.Robustness {
		by := map[string]*series{}
		for _, c := range rb.Cells {
			s := by[c.Perturbation]
			if s == nil {
				s = &series{Name: c.Perturbation, X: []float64{0}, Y: []float64{float64(rb.Clean.Value)}}
				by[c.Perturbation] = s
			}
			s.X, s.Y = append(s.X, float64(c.Severity)), append(s.Y, float64(c.Value))
		}
		var ss []series
		for _, k := range sortedKeys(by) {
			s := *by[k]
			sortXY(&s)
			ss = append(ss, s)
		}
		curves[i] = ss
		key := rb.Task + "\x00" + rb.Metric
		y, seen := taskY[key]
		if !seen {
			y = span{math.Inf(1), math.Inf(-1)}
		}
		lo, hi := yRange(ss)
		taskY[key] = span{math.Min(y.lo, lo), math.Max(y.hi, hi)}
	}
	for i, rb := range r.Robustness {
		y := taskY[rb.Task+"\x00"+rb.Metric]
		if svg := linesSVG(fmt.Sprintf("%s / %s: %s", rb.Model, rb.Task, rb.Metric), "severity (0 = clean)", rb.Metric, curves[i], y.lo, y.hi); svg != "" {
			d.Severity = append(d.Severity, svg)
		}
	}
	// Adaptation: per task, one point per model with adaptation metadata.
	adapt := map[string]*result.Adaptation{}
	for _, m := range r.Models {
		if m.Adaptation != nil {
			adapt[m.Name] = m.Adaptation
			a := m.Adaptation
			d.Adapt = append(d.Adapt, []string{m.Name, a.Method, a.Base, fmt.Sprint(a.TrainableParams), fmt.Sprint(a.TrainExamples), a.Compute})
		}
	}
	// One chart per evaluated dataset, so that models adapted in different
	// tasks on the same test data (shipped heads, the harness's probes) meet
	// on the same axes.
	byData := map[string][]point{}
	for _, row := range v.Rows {
		a := adapt[row.Model]
		m, ok := row.Metrics[opts.ParetoMetric]
		if a == nil || !ok || a.TrainableParams < 0 || m.Value.IsNaN() {
			continue
		}
		key := row.Task
		if row.Eval != nil && row.Eval.Dataset != "" {
			key = row.Eval.Dataset
		}
		byData[key] = append(byData[key], point{row.Model, float64(a.TrainableParams), float64(m.Value)})
	}
	for _, k := range sortedKeys(byData) {
		d.Pareto = append(d.Pareto, scatterSVG(k+": "+opts.ParetoMetric+" vs trainable parameters", "trainable parameters (log scale; 0 at the left)", opts.ParetoMetric, byData[k]))
	}
	for _, g := range r.Gates {
		d.Gates = append(d.Gates, gateCells(g))
		if g.Pass {
			d.GatesPassed++
		} else {
			d.GatesFailed++
		}
	}
	return reportTmpl.Execute(w, d)
}

func sortXY(s *series) {
	idx := make([]int, len(s.X))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s.X[idx[a]] < s.X[idx[b]] })
	x, y := make([]float64, len(idx)), make([]float64, len(idx))
	for i, j := range idx {
		x[i], y[i] = s.X[j], s.Y[j]
	}
	s.X, s.Y = x, y
}
