package reports

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
)

// AdaptationRow is one adapted model on one task, for comparing adaptation
// methods side by side (Bommasani et al. 2021, §4.4): what the adaptation
// cost and what it bought.
type AdaptationRow struct {
	// Dataset is the evaluated data; rows that share it are comparable.
	Dataset string `json:"dataset"`
	Task    string `json:"task"`
	Model   string `json:"model"`
	// Method, Base, TrainableParams, TrainExamples and Compute come from the
	// model's adaptation record (suite models[].adaptation, or the harness's
	// own probes).
	Method          string `json:"method"`
	Base            string `json:"base,omitempty"`
	TrainableParams int64  `json:"trainable_params"`
	TrainExamples   int64  `json:"train_examples"`
	Compute         string `json:"compute,omitempty"`
	// Accuracy is "accuracy" when the task reports it, else the task's first
	// metric; Calibration its first ece… metric, else brier (absent: Name "").
	Accuracy    result.Metric `json:"accuracy"`
	Calibration result.Metric `json:"calibration"`
	// WorstGroup is the lowest-scoring group on the accuracy metric across
	// the fairness attributes ("" without a fairness section).
	WorstGroup      string       `json:"worst_group,omitempty"`
	WorstGroupValue result.Float `json:"worst_group_value"`
	// MeanCorrupted and WorstCase summarise the robustness section (NaN
	// without one).
	MeanCorrupted result.Float `json:"mean_corrupted"`
	WorstCase     result.Float `json:"worst_case"`
}

// AdaptationGroup is the adapted models evaluated on one dataset.
type AdaptationGroup struct {
	Dataset string          `json:"dataset"`
	Tasks   []string        `json:"tasks"`
	Rows    []AdaptationRow `json:"rows"`
}

// Adaptations returns r's adapted models (those with an adaptation record)
// on the clean variant, grouped by evaluated dataset so that shipped heads
// and the harness's probes on the same test data sit side by side; groups in
// order of first appearance, rows in result order.
func Adaptations(r *result.Result) []AdaptationGroup {
	adapt := map[string]*result.Adaptation{}
	for _, m := range r.Models {
		if m.Adaptation != nil {
			adapt[m.Name] = m.Adaptation
		}
	}
	var groups []AdaptationGroup
	idx := map[string]int{}
	for i := range r.Evaluations {
		e := &r.Evaluations[i]
		a := adapt[e.Model]
		if e.Variant != "clean" || a == nil {
			continue
		}
		row := AdaptationRow{Dataset: e.Dataset, Task: e.Task, Model: e.Model, Method: a.Method, Base: a.Base,
			TrainableParams: a.TrainableParams, TrainExamples: a.TrainExamples, Compute: a.Compute,
			WorstGroupValue: result.Float(math.NaN()), MeanCorrupted: result.Float(math.NaN()), WorstCase: result.Float(math.NaN())}
		row.Accuracy, _ = e.Metric("accuracy")
		if row.Accuracy.Name == "" && len(e.Metrics) > 0 {
			row.Accuracy = e.Metrics[0]
		}
		row.Calibration = calibrationMetric(e)
		if row.Accuracy.Name != "" {
			row.WorstGroup, row.WorstGroupValue = worstGroup(e, row.Accuracy)
		}
		if rb := robustnessOf(r, e.Model, e.Task); rb != nil {
			row.MeanCorrupted = meanCorrupted(rb)
			if m, ok := summaryMetric(rb, "worst_case_accuracy"); ok {
				row.WorstCase = m.Value
			}
		}
		j, ok := idx[e.Dataset]
		if !ok {
			j = len(groups)
			idx[e.Dataset] = j
			groups = append(groups, AdaptationGroup{Dataset: e.Dataset})
		}
		g := &groups[j]
		if !contains(g.Tasks, e.Task) {
			g.Tasks = append(g.Tasks, e.Task)
		}
		g.Rows = append(g.Rows, row)
	}
	return groups
}

// worstGroup is the lowest-scoring group on metric m (in m's direction)
// across e's fairness attributes and their intersections, as
// "attribute=value" ("a=x & b=y" for an intersection), and its value; ""
// and NaN without a fairness summary of m.
func worstGroup(e *result.Evaluation, m result.Metric) (string, result.Float) {
	group, value := "", result.Float(math.NaN())
	if e.Fairness == nil {
		return group, value
	}
	for _, s := range e.Fairness.Summaries {
		if s.Metric != m.Name || s.WorstValue.IsNaN() {
			continue
		}
		worse := s.WorstValue < value
		if !m.HigherIsBetter {
			worse = s.WorstValue > value
		}
		if group == "" || worse {
			group, value = s.Attribute+"="+s.Worst, s.WorstValue
			if strings.Contains(s.Attribute, " & ") { // an intersection: "sex=f & age=<=25"
				group = s.Worst
			}
		}
	}
	return group, value
}

// robustnessOf is r's robustness section of model on task (nil if none).
func robustnessOf(r *result.Result, model, task string) *result.Robustness {
	for i := range r.Robustness {
		if rb := &r.Robustness[i]; rb.Model == model && rb.Task == task {
			return rb
		}
	}
	return nil
}

// summaryMetric is rb's summary figure called name.
func summaryMetric(rb *result.Robustness, name string) (result.Metric, bool) {
	for _, m := range rb.Summary {
		if m.Name == name {
			return m, true
		}
	}
	return result.Metric{}, false
}

// meanCorrupted is rb's mean_corrupted summary, else (as the summary table
// computes it) the mean of its cells; NaN without either.
func meanCorrupted(rb *result.Robustness) result.Float {
	if m, ok := summaryMetric(rb, "mean_corrupted"); ok {
		return m.Value
	}
	sum, n := 0.0, 0
	for _, c := range rb.Cells {
		if !c.Value.IsNaN() {
			sum += float64(c.Value)
			n++
		}
	}
	if n == 0 {
		return result.Float(math.NaN())
	}
	return result.Float(sum / float64(n))
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// calibrationMetric is e's first ece… metric, else brier.
func calibrationMetric(e *result.Evaluation) result.Metric {
	names := make([]string, 0, len(e.Metrics))
	for _, m := range e.Metrics {
		names = append(names, m.Name)
	}
	for _, prefix := range []string{"ece", "brier"} {
		for i, n := range names {
			if strings.HasPrefix(n, prefix) && !strings.HasSuffix(n, "_ts") {
				return e.Metrics[i]
			}
		}
	}
	return result.Metric{Value: result.Float(math.NaN())}
}

// adaptationHeader is the column header of every adaptation table.
func adaptationHeader(g AdaptationGroup) []string {
	acc, cal := "Accuracy", "Calibration"
	if len(g.Rows) > 0 {
		if n := g.Rows[0].Accuracy.Name; n != "" {
			acc = n
		}
		if n := g.Rows[0].Calibration.Name; n != "" {
			cal = n
		}
	}
	return []string{"Model", "Task", "Method", "Base", "Trainable params", "Train examples", "Compute",
		acc, cal, "Worst group", "Mean corrupted", "Worst case"}
}

func (a AdaptationRow) cells() []string {
	metric := func(m result.Metric) string {
		if m.Name == "" {
			return "—"
		}
		return plusMinus(m, true)
	}
	wg := "—"
	if a.WorstGroup != "" {
		wg = fmt.Sprintf("%s (%s)", a.WorstGroup, fmtNum(float64(a.WorstGroupValue)))
	}
	opt := func(f result.Float) string {
		if f.IsNaN() {
			return "—"
		}
		return fmtNum(float64(f))
	}
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	return []string{a.Model, a.Task, a.Method, dash(a.Base), fmtCount(a.TrainableParams), fmtCount(a.TrainExamples), dash(a.Compute),
		metric(a.Accuracy), metric(a.Calibration), wg, opt(a.MeanCorrupted), opt(a.WorstCase)}
}

func groupTitle(g AdaptationGroup) string {
	noun := "task"
	if len(g.Tasks) > 1 {
		noun = "tasks"
	}
	return fmt.Sprintf("%s (%s %s)", g.Dataset, noun, strings.Join(g.Tasks, ", "))
}

const adaptationNote = "± is half the confidence interval; the worst group is the lowest-scoring group on that metric; mean corrupted and worst case come from the robustness section."

// WriteAdaptationTable writes the adaptation view for a terminal: per
// evaluated dataset, one row per adapted model with its method, base,
// trainable parameters, training examples and compute beside its accuracy,
// calibration, worst group and robustness.
func WriteAdaptationTable(w io.Writer, r *result.Result) error {
	groups := Adaptations(r)
	fmt.Fprintf(w, "run %s  suite %s: adaptation methods side by side\n", r.Run.ID, r.Suite.Name)
	if len(groups) == 0 {
		_, err := fmt.Fprintln(w, "No model has an adaptation record (models[].adaptation in the suite).")
		return err
	}
	for _, g := range groups {
		var rows [][]string
		for _, a := range g.Rows {
			rows = append(rows, a.cells())
		}
		if err := table(w, "\n"+groupTitle(g), adaptationHeader(g), rows); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, adaptationNote)
	return err
}

// WriteAdaptationMarkdown writes the adaptation view as Markdown tables.
func WriteAdaptationMarkdown(w io.Writer, r *result.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### evalctl: %s — adaptation methods side by side\n", r.Suite.Name)
	groups := Adaptations(r)
	if len(groups) == 0 {
		b.WriteString("\nNo model has an adaptation record (models[].adaptation in the suite).\n")
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "\n**%s**\n\n", groupTitle(g))
		var rows [][]string
		for _, a := range g.Rows {
			rows = append(rows, a.cells())
		}
		mdTable(&b, adaptationHeader(g), rows)
	}
	if len(groups) > 0 {
		b.WriteString("\n" + adaptationNote + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteAdaptationJSON writes the adaptation view as JSON (NaN as null).
func WriteAdaptationJSON(w io.Writer, r *result.Result) error {
	groups := Adaptations(r)
	if groups == nil {
		groups = []AdaptationGroup{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Run    string            `json:"run"`
		Suite  string            `json:"suite"`
		Groups []AdaptationGroup `json:"groups"`
	}{r.Run.ID, r.Suite.Name, groups})
}

var adaptationTmpl = template.Must(template.New("adaptation").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Suite}} — adaptation methods</title>
<style>{{.CSS}}
.table-wrap{overflow-x:auto;max-width:100%}</style></head>
<body><main>
<h1>{{.Suite}}: adaptation methods side by side</h1>
<p>Run <code>{{.Run}}</code>. {{.Note}}</p>
{{if not .Groups}}<p>No model has an adaptation record (models[].adaptation in the suite).</p>{{end}}
{{range .Groups}}<h2>{{.Title}}</h2>
<div class="table-wrap"><table class="adaptation"><thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody></table></div>
{{end}}</main></body></html>
`))

// WriteAdaptationHTML writes the adaptation view as one self-contained HTML
// page (inline CSS, no scripts).
func WriteAdaptationHTML(w io.Writer, r *result.Result) error {
	type group struct {
		Title  string
		Header []string
		Rows   [][]string
	}
	d := struct {
		Suite, Run, Note string
		CSS              template.CSS
		Groups           []group
	}{Suite: r.Suite.Name, Run: r.Run.ID, Note: adaptationNote, CSS: css()}
	for _, g := range Adaptations(r) {
		hg := group{Title: groupTitle(g), Header: adaptationHeader(g)}
		for _, a := range g.Rows {
			hg.Rows = append(hg.Rows, a.cells())
		}
		d.Groups = append(d.Groups, hg)
	}
	return adaptationTmpl.Execute(w, d)
}
