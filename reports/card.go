package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
)

// Card is one model's evaluation card: the sections of Model Cards
// (Mitchell et al. 2019) that an evaluation can fill, built from one or
// more results of the model (several suites merge into one card).
type Card struct {
	Model    string
	Results  int
	Sections []CardSection
}

// CardSection is one section of a card: facts (label, text), tables, and a
// line saying why it is empty when it has neither.
type CardSection struct {
	ID, Title string
	Facts     [][2]string
	Lists     []CardList
	Tables    []block
	Empty     string
}

// CardList is a titled list of sentences (out-of-scope uses).
type CardList struct {
	Title string
	Items []string
}

// BuildCards builds one card per model found in results, in first-seen
// order; model, when not empty, selects one. A model that appears in
// several results must be the same file (same SHA-256) in each.
func BuildCards(results []*result.Result, model string) ([]Card, error) {
	type entry struct {
		info    result.Model
		from    []int // indices of the results holding the model
		adapted *result.Adaptation
		text    *result.Card
	}
	var order []string
	models := map[string]*entry{}
	for i, r := range results {
		for _, m := range r.Models {
			e, ok := models[m.Name]
			if !ok {
				e = &entry{info: m}
				models[m.Name] = e
				order = append(order, m.Name)
			} else if e.info.SHA256 != "" && m.SHA256 != "" && e.info.SHA256 != m.SHA256 {
				return nil, fmt.Errorf("model %q is a different file in result %d (sha256 %.12s) than in result %d (sha256 %.12s); rename one to make separate cards",
					m.Name, i+1, m.SHA256, e.from[0]+1, e.info.SHA256)
			}
			e.from = append(e.from, i)
			if e.adapted == nil && m.Adaptation != nil {
				e.adapted = m.Adaptation
			}
			if e.text == nil && m.Card != nil {
				e.text = m.Card
			}
		}
	}
	if model != "" {
		if _, ok := models[model]; !ok {
			return nil, fmt.Errorf("model %q is in none of the results (models: %s)", model, strings.Join(order, ", "))
		}
		order = []string{model}
	}
	var cards []Card
	for _, name := range order {
		e := models[name]
		var rs []*result.Result
		for _, i := range e.from {
			rs = append(rs, results[i])
		}
		cards = append(cards, buildCard(name, e.info, e.adapted, e.text, rs))
	}
	return cards, nil
}

// cardEval is one evaluation of the card's model with the result it is from.
type cardEval struct {
	r *result.Result
	e *result.Evaluation
}

func buildCard(name string, info result.Model, ad *result.Adaptation, text *result.Card, rs []*result.Result) Card {
	c := Card{Model: name, Results: len(rs)}
	var evals []cardEval
	for _, r := range rs {
		for i := range r.Evaluations {
			if r.Evaluations[i].Model == name {
				evals = append(evals, cardEval{r, &r.Evaluations[i]})
			}
		}
	}
	c.Sections = []CardSection{
		detailsSection(info, ad, text, rs),
		intendedSection(text),
		adaptationSection(ad),
		dataSection(evals, rs),
		abilitiesSection(evals),
		weaknessSection(name, evals, rs),
		biasSection(evals),
		privacySection(evals),
		costSection(evals),
		provenanceSection(name, rs),
	}
	return c
}

// suiteName labels a result in tables: its suite's name.
func suiteName(r *result.Result) string { return r.Suite.Name }

func detailsSection(m result.Model, ad *result.Adaptation, text *result.Card, rs []*result.Result) CardSection {
	s := CardSection{ID: "model", Title: "Model details"}
	s.Facts = append(s.Facts, [2]string{"Name", m.Name})
	base := "none recorded (a base model, or the suite gives no adaptation)"
	if ad != nil && ad.Base != "" {
		base = ad.Base
	}
	s.Facts = append(s.Facts, [2]string{"Base model", base})
	s.Facts = append(s.Facts, [2]string{"File", fmt.Sprintf("%s (%s, sha256 %s)", m.Path, fmtBytes(m.SizeBytes), m.SHA256)})
	if m.Parameters > 0 {
		s.Facts = append(s.Facts, [2]string{"Parameters", fmtCount(m.Parameters)})
	}
	if m.Producer != "" || m.Opset > 0 {
		s.Facts = append(s.Facts, [2]string{"Format", fmt.Sprintf("ONNX opset %d, produced by %s", m.Opset, strings.TrimSpace(m.Producer))})
	}
	var provs []string
	for _, r := range rs {
		for _, x := range r.Models {
			if x.Name == m.Name && x.Provider != "" && !containsStr(provs, x.Provider) {
				provs = append(provs, x.Provider)
			}
		}
	}
	if len(provs) > 0 {
		s.Facts = append(s.Facts, [2]string{"Execution provider", strings.Join(provs, ", ")})
	}
	if text != nil {
		if text.Owners != "" {
			s.Facts = append(s.Facts, [2]string{"Owners", text.Owners})
		}
		if text.License != "" {
			s.Facts = append(s.Facts, [2]string{"Licence", text.License})
		}
		if text.Notes != "" {
			s.Facts = append(s.Facts, [2]string{"Notes", text.Notes})
		}
	}
	return s
}

func intendedSection(text *result.Card) CardSection {
	s := CardSection{ID: "intended-use", Title: "Intended use"}
	if text != nil && text.IntendedUse != "" {
		s.Facts = append(s.Facts, [2]string{"Intended use", text.IntendedUse})
	}
	if text != nil && len(text.OutOfScope) > 0 {
		s.Lists = append(s.Lists, CardList{Title: "Out-of-scope uses", Items: text.OutOfScope})
	}
	if len(s.Facts) == 0 && len(s.Lists) == 0 {
		s.Empty = "Not stated: add a card mapping (intended_use, out_of_scope, license) to the model in the suite."
	}
	return s
}

func adaptationSection(ad *result.Adaptation) CardSection {
	s := CardSection{ID: "adaptation", Title: "Adaptation"}
	if ad == nil {
		s.Empty = "No adaptation recorded: a base model, or the suite gives no adaptation for it."
		return s
	}
	s.Facts = append(s.Facts, [2]string{"Method", ad.Method})
	if ad.Base != "" {
		s.Facts = append(s.Facts, [2]string{"Adapted from", ad.Base})
	}
	s.Facts = append(s.Facts, [2]string{"Trainable parameters", fmtCount(ad.TrainableParams)})
	s.Facts = append(s.Facts, [2]string{"Training examples", fmtCount(ad.TrainExamples)})
	if ad.Compute != "" {
		s.Facts = append(s.Facts, [2]string{"Compute", ad.Compute})
	}
	if ad.Notes != "" {
		s.Facts = append(s.Facts, [2]string{"Notes", ad.Notes})
	}
	return s
}

func dataSection(evals []cardEval, rs []*result.Result) CardSection {
	s := CardSection{ID: "data", Title: "Evaluation data"}
	t := block{Header: []string{"Suite", "Dataset", "Format", "Examples", "Files (sha256)"}}
	for _, r := range rs {
		used := map[string]bool{}
		for _, ce := range evals {
			if ce.r == r {
				used[ce.e.Dataset] = true
				if ce.e.Scoring != nil && ce.e.Scoring.CalibrationDataset != "" {
					used[ce.e.Scoring.CalibrationDataset] = true
				}
			}
		}
		for _, d := range r.Datasets {
			if !used[d.Name] {
				continue
			}
			var fs []string
			for _, f := range d.Files {
				fs = append(fs, fmt.Sprintf("%s %s", f.Path, f.SHA256))
			}
			t.Rows = append(t.Rows, []string{suiteName(r), d.Name, d.Format, fmt.Sprint(d.Examples), strings.Join(fs, "; ")})
		}
	}
	if len(t.Rows) == 0 {
		s.Empty = "The results hold no evaluation of this model."
		return s
	}
	s.Tables = append(s.Tables, t)
	return s
}

// biasKinds are task kinds whose figures are biases, not abilities.
var biasKinds = map[string]bool{"weat": true, "pair_preference": true}

// isCalibrationMetric reports whether a metric measures calibration.
func isCalibrationMetric(name string) bool {
	base := strings.TrimSuffix(name, "_ts")
	switch base {
	case "ece", "ece_adaptive", "rms_ce", "mce", "classwise_ece", "nll", "brier":
		return true
	}
	return strings.HasPrefix(base, "ece_")
}

// isSelectiveMetric reports whether a metric is a selective-prediction figure.
func isSelectiveMetric(name string) bool {
	base := strings.TrimSuffix(name, "_ts")
	return base == "aurc" || strings.HasPrefix(base, "selective_acc@")
}

func abilitiesSection(evals []cardEval) CardSection {
	s := CardSection{ID: "abilities", Title: "Measured abilities"}
	t := block{Header: []string{"Suite", "Task", "Kind", "Dataset", "Metric", "Value [CI]", "n"}}
	for _, ce := range evals {
		e := ce.e
		if e.Variant != "clean" || biasKinds[e.Kind] {
			continue
		}
		for _, m := range e.Metrics {
			if strings.HasSuffix(m.Name, "_ts") || isSelectiveMetric(m.Name) {
				continue
			}
			t.Rows = append(t.Rows, []string{suiteName(ce.r), e.Task, e.Kind, e.Dataset, m.Name, metricCell(m), fmt.Sprint(m.N)})
		}
	}
	if len(t.Rows) == 0 {
		s.Empty = "No task measured an ability of this model."
		return s
	}
	s.Tables = append(s.Tables, t)
	return s
}

// metricCell formats a metric with its interval, or n/a with the reason.
func metricCell(m result.Metric) string {
	if m.Value.IsNaN() {
		if m.Undefined != "" {
			return "n/a (" + m.Undefined + ")"
		}
		return "n/a"
	}
	return withCI(m)
}

// ciCell formats a value with an optional interval.
func ciCell(v result.Float, ci *result.CI) string {
	return withCI(result.Metric{Value: v, CI: ci})
}

func weaknessSection(name string, evals []cardEval, rs []*result.Result) CardSection {
	s := CardSection{ID: "weaknesses", Title: "Weaknesses"}
	// Worst groups: the worst group per attribute and metric, with its interval.
	wg := block{Title: "Worst groups", Header: []string{"Suite", "Task", "Attribute", "Metric", "Worst group", "Value [CI]", "n", "Best group", "Value"}}
	for _, ce := range evals {
		f := ce.e.Fairness
		if ce.e.Variant != "clean" || f == nil {
			continue
		}
		for _, sm := range f.Summaries {
			wv, n := ciCell(sm.WorstValue, nil), ""
			for _, g := range f.Groups {
				if g.Attribute == sm.Attribute && g.Value == sm.Worst {
					for _, m := range g.Metrics {
						if m.Name == sm.Metric {
							wv = metricCell(m)
						}
					}
					n = fmt.Sprint(g.N)
				}
			}
			wg.Rows = append(wg.Rows, []string{suiteName(ce.r), ce.e.Task, sm.Attribute, sm.Metric, sm.Worst, wv, n, sm.Best, fmtNum(float64(sm.BestValue))})
		}
	}
	// Worst corruption cells: the three worst per task.
	wc := block{Title: "Worst corruption cells", Header: []string{"Suite", "Task", "Metric", "Perturbation", "Severity", "Value [CI]", "Clean", "Drop"}}
	// Largest shift gaps, largest first.
	type gap struct {
		row []string
		v   float64
	}
	var gaps []gap
	for _, r := range rs {
		for _, rb := range r.Robustness {
			if rb.Model != name {
				continue
			}
			cells := append([]result.RobustnessCell(nil), rb.Cells...)
			higher := rb.Clean.HigherIsBetter
			sort.SliceStable(cells, func(i, j int) bool {
				a, b := float64(cells[i].Value), float64(cells[j].Value)
				if math.IsNaN(a) != math.IsNaN(b) {
					return !math.IsNaN(a)
				}
				if higher {
					return a < b
				}
				return a > b
			})
			for _, cl := range cells[:min(3, len(cells))] {
				drop := float64(rb.Clean.Value) - float64(cl.Value)
				if !higher {
					drop = -drop
				}
				wc.Rows = append(wc.Rows, []string{suiteName(r), rb.Task, rb.Metric, cl.Perturbation, fmt.Sprint(cl.Severity),
					ciCell(cl.Value, cl.CI), fmtNum(float64(rb.Clean.Value)), fmtNum(drop)})
			}
			byName := map[string]result.Metric{}
			for _, m := range rb.Summary {
				byName[m.Name] = m
			}
			for _, m := range rb.Summary {
				ds, ok := strings.CutPrefix(m.Name, "id_ood_gap:")
				if !ok {
					continue
				}
				gaps = append(gaps, gap{v: float64(m.Value), row: []string{suiteName(r), rb.Task, rb.Metric, ds,
					fmtNum(float64(rb.Clean.Value)), fmtNum(float64(byName["ood:"+ds].Value)), metricCell(m)}})
			}
		}
	}
	sort.SliceStable(gaps, func(i, j int) bool { return math.Abs(gaps[i].v) > math.Abs(gaps[j].v) })
	sg := block{Title: "Largest distribution-shift gaps", Header: []string{"Suite", "Task", "Metric", "Shift dataset", "In-distribution", "Shifted", "Gap [CI]"}}
	for _, g := range gaps {
		sg.Rows = append(sg.Rows, g.row)
	}
	// Calibration before and after temperature scaling; selective prediction.
	cal := block{Title: "Calibration (before and after temperature scaling)", Header: []string{"Suite", "Task", "Metric", "Before [CI]", "After temperature scaling [CI]"}}
	sel := block{Title: "Selective prediction", Header: []string{"Suite", "Task", "Metric", "Value [CI]"}}
	for _, ce := range evals {
		e := ce.e
		if e.Variant != "clean" {
			continue
		}
		for _, m := range e.Metrics {
			if strings.HasSuffix(m.Name, "_ts") {
				continue
			}
			switch {
			case isCalibrationMetric(m.Name):
				after := "not fitted (no calibration split)"
				if ts, ok := e.Metric(m.Name + "_ts"); ok {
					after = metricCell(ts)
				}
				cal.Rows = append(cal.Rows, []string{suiteName(ce.r), e.Task, m.Name, metricCell(m), after})
			case isSelectiveMetric(m.Name):
				sel.Rows = append(sel.Rows, []string{suiteName(ce.r), e.Task, m.Name, metricCell(m)})
			}
		}
	}
	return s.withTables("Not measured: the suites declare no fairness groups, perturbations, shift datasets, calibration or selective-prediction metrics for this model.", wg, wc, sg, cal, sel)
}

func biasSection(evals []cardEval) CardSection {
	s := CardSection{ID: "biases", Title: "Biases"}
	gaps := block{Title: "Group gaps", Header: []string{"Suite", "Task", "Attribute", "Metric", "Gap (best − worst) [CI]", "Ratio (worst / best)"}}
	crit := block{Title: "Group-fairness criteria", Header: []string{"Suite", "Task", "Criterion", "Value [CI]"}}
	cf := block{Title: "Counterfactual substitutions", Header: []string{"Suite", "Task", "Substitution", "Flip rate [CI]", "Changed inputs", "Metric delta [CI]"}}
	intr := block{Title: "Intrinsic bias (WEAT, pair preference)", Header: []string{"Suite", "Task", "Kind", "Metric", "Value [CI]", "n"}}
	for _, ce := range evals {
		e := ce.e
		if e.Variant != "clean" {
			continue
		}
		if f := e.Fairness; f != nil {
			for _, sm := range f.Summaries {
				gaps.Rows = append(gaps.Rows, []string{suiteName(ce.r), e.Task, sm.Attribute, sm.Metric, ciCell(sm.Difference, sm.DiffCI), fmtNum(float64(sm.Ratio))})
			}
			for _, m := range f.Criteria {
				crit.Rows = append(crit.Rows, []string{suiteName(ce.r), e.Task, m.Name, metricCell(m)})
			}
			for _, c := range f.Counterfactual {
				cf.Rows = append(cf.Rows, []string{suiteName(ce.r), e.Task, c.Name, metricCell(c.FlipRate), fmt.Sprint(c.FlipRate.N),
					c.MetricDelta.Name + " " + metricCell(c.MetricDelta)})
			}
		}
		if biasKinds[e.Kind] {
			for _, m := range e.Metrics {
				intr.Rows = append(intr.Rows, []string{suiteName(ce.r), e.Task, e.Kind, m.Name, metricCell(m), fmt.Sprint(m.N)})
			}
		}
	}
	return s.withTables("Not measured: the suites declare no fairness groups, counterfactual substitutions, WEAT or pair-preference tasks for this model.", gaps, crit, cf, intr)
}

// withTables adds the blocks that have rows to s; with none, s says empty.
func (s CardSection) withTables(empty string, bs ...block) CardSection {
	for _, b := range bs {
		if len(b.Rows) > 0 {
			s.Tables = append(s.Tables, b)
		}
	}
	if len(s.Tables) == 0 {
		s.Empty = empty
	}
	return s
}

// privacySection lists what the model reveals about its training data:
// membership-inference attacks (kind membership_inference) and extractable
// memorisation (kind extraction).
func privacySection(evals []cardEval) CardSection {
	s := CardSection{ID: "privacy", Title: "Privacy"}
	mia := block{Title: "Membership inference (lower is better)", Header: []string{"Suite", "Task", "Attack", "Members / non-members", "Metric", "Value [CI]"}}
	ext := block{Title: "Extractable memorisation (lower is better)", Header: []string{"Suite", "Task", "Dataset", "Metric", "Value [CI]", "n"}}
	for _, ce := range evals {
		e := ce.e
		if e.Variant != "clean" {
			continue
		}
		switch {
		case e.Privacy != nil:
			p := e.Privacy
			for _, m := range e.Metrics {
				mia.Rows = append(mia.Rows, []string{suiteName(ce.r), e.Task, p.Attack,
					fmt.Sprintf("%s (%d) / %s (%d)", p.Members, p.MembersN, p.NonMembers, p.NonMembersN), m.Name, metricCell(m)})
			}
		case e.Kind == "extraction":
			for _, m := range e.Metrics {
				ext.Rows = append(ext.Rows, []string{suiteName(ce.r), e.Task, e.Dataset, m.Name, metricCell(m), fmt.Sprint(m.N)})
			}
		}
	}
	return s.withTables("Not measured: the suites declare no membership-inference or extraction tasks for this model.", mia, ext)
}

func costSection(evals []cardEval) CardSection {
	s := CardSection{ID: "cost", Title: "Efficiency and cost"}
	eff := block{Title: "Efficiency (clean data)", Header: []string{"Suite", "Task", "Examples", "Examples/s", "p50 ms", "p99 ms", "Parameters", "Cached"}}
	cost := block{Title: "Cost of evaluation (all variants)", Header: append([]string{"Suite", "Task"}, costHeader...)}
	type key struct {
		r    *result.Result
		task string
	}
	var order []key
	totals := map[key]*costTotal{}
	grids := map[string]bool{}
	var gridNotes []string
	for _, ce := range evals {
		e := ce.e
		if e.Variant == "clean" && e.Efficiency != nil {
			f := e.Efficiency
			cached := ""
			if f.Cached {
				cached = fmt.Sprintf("%d", f.CachedExamples)
			}
			eff.Rows = append(eff.Rows, []string{suiteName(ce.r), e.Task, fmt.Sprint(f.Examples), fmt.Sprintf("%.1f", f.ExamplesPerSecond),
				fmt.Sprintf("%.2f", f.LatencyMs.P50), fmt.Sprintf("%.2f", f.LatencyMs.P99), fmtCount(f.Parameters), cached})
		}
		if e.Cost == nil {
			continue
		}
		k := key{ce.r, e.Task}
		if totals[k] == nil {
			totals[k] = newCostTotal()
			order = append(order, k)
		}
		totals[k].add(e.Cost)
		g := fmt.Sprintf("%g gCO2e/kWh (%s)", e.Cost.GridIntensity, e.Cost.GridSource)
		if !grids[g] {
			grids[g] = true
			gridNotes = append(gridNotes, g)
		}
	}
	for _, k := range order {
		cost.Rows = append(cost.Rows, append([]string{suiteName(k.r), k.task}, totals[k].cells()...))
	}
	if len(eff.Rows) > 0 {
		s.Tables = append(s.Tables, eff)
	}
	if len(cost.Rows) > 0 {
		s.Tables = append(s.Tables, cost)
		s.Facts = append(s.Facts, [2]string{"Grid carbon intensity", strings.Join(gridNotes, "; ")})
	}
	if len(s.Tables) == 0 {
		s.Empty = "No efficiency or cost figures in the results (written by an older evalctl?)."
	}
	return s
}

func provenanceSection(name string, rs []*result.Result) CardSection {
	s := CardSection{ID: "provenance", Title: "Provenance"}
	t := block{Header: []string{"Suite", "Suite file (sha256)", "Run", "evalctl", "ONNX Runtime", "Provider", "Seed", "Started", "Model sha256"}}
	for _, r := range rs {
		prov, sha := "", ""
		for _, m := range r.Models {
			if m.Name == name {
				prov, sha = m.Provider, m.SHA256
			}
		}
		t.Rows = append(t.Rows, []string{r.Suite.Name, fmt.Sprintf("%s (%s)", r.Suite.Path, r.Suite.SHA256), r.Run.ID, r.Run.EvalctlVersion,
			r.Runtime.ORTVersion, prov, fmt.Sprint(r.Suite.Seed), r.Run.Started.UTC().Format("2006-01-02T15:04:05Z"), sha})
	}
	s.Tables = append(s.Tables, t)
	return s
}

// fmtJoules formats an energy in J, kJ or MJ with 4 significant digits.
func fmtJoules(j float64) string {
	switch a := math.Abs(j); {
	case a >= 1e6:
		return fmt.Sprintf("%.4g MJ", j/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.4g kJ", j/1e3)
	}
	return fmt.Sprintf("%.4g J", j)
}

// fmtGrams formats a mass of CO2e in mg, g or kg with 4 significant digits.
func fmtGrams(g float64) string {
	switch a := math.Abs(g); {
	case a >= 1e3:
		return fmt.Sprintf("%.4g kgCO2e", g/1e3)
	case a < 1 && a > 0:
		return fmt.Sprintf("%.4g mgCO2e", g*1e3)
	}
	return fmt.Sprintf("%.4g gCO2e", g)
}

// fmtCount formats an integer with thousands separators.
func fmtCount(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtBytes formats a size in B, KiB, MiB or GiB.
func fmtBytes(n int64) string {
	f := float64(n)
	switch {
	case f >= 1<<30:
		return fmt.Sprintf("%.1f GiB", f/(1<<30))
	case f >= 1<<20:
		return fmt.Sprintf("%.1f MiB", f/(1<<20))
	case f >= 1<<10:
		return fmt.Sprintf("%.1f KiB", f/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cardIntro is the line under a card's title.
func cardIntro(c Card) string {
	src := "1 result"
	if c.Results != 1 {
		src = fmt.Sprintf("%d results", c.Results)
	}
	return "Sections follow Model Cards (Mitchell et al. 2019) where an evaluation can fill them; generated by evalctl from " + src + "."
}

// WriteCardMarkdown writes cards as Markdown, one after another.
func WriteCardMarkdown(w io.Writer, cards []Card) error {
	var b strings.Builder
	for i, c := range cards {
		if i > 0 {
			b.WriteString("\n---\n\n")
		}
		fmt.Fprintf(&b, "# Evaluation card: %s\n\n%s\n", c.Model, cardIntro(c))
		for _, s := range c.Sections {
			fmt.Fprintf(&b, "\n## %s\n\n", s.Title)
			for _, f := range s.Facts {
				fmt.Fprintf(&b, "- **%s**: %s\n", f[0], mdText(f[1]))
			}
			for _, l := range s.Lists {
				if len(s.Facts) > 0 {
					b.WriteString("\n")
				}
				fmt.Fprintf(&b, "**%s**\n\n", l.Title)
				for _, it := range l.Items {
					fmt.Fprintf(&b, "- %s\n", mdText(it))
				}
			}
			for j, t := range s.Tables {
				if j > 0 || len(s.Facts) > 0 || len(s.Lists) > 0 {
					b.WriteString("\n")
				}
				if t.Title != "" {
					fmt.Fprintf(&b, "**%s**\n\n", t.Title)
				}
				mdTable(&b, t.Header, t.Rows)
			}
			if s.Empty != "" {
				fmt.Fprintf(&b, "_%s_\n", s.Empty)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdText keeps free text on one Markdown line.
func mdText(s string) string { return strings.ReplaceAll(s, "\n", " ") }

var cardTmpl = template.Must(template.New("card.html.tmpl").Funcs(template.FuncMap{"intro": cardIntro}).ParseFS(templateFS, "templates/card.html.tmpl"))

// WriteCardHTML writes cards as one self-contained HTML page (inline CSS,
// no scripts, no network).
func WriteCardHTML(w io.Writer, cards []Card) error {
	return cardTmpl.Execute(w, struct {
		Cards []Card
		CSS   template.CSS
	}{cards, css()})
}
