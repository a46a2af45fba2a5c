package reports

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/evalctl/evalctl/harness/result"
)

func cmpNum(f result.Float) string {
	if f.IsNaN() {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", float64(f))
}

func cmpSigned(f result.Float) string {
	if f.IsNaN() {
		return "n/a"
	}
	return fmt.Sprintf("%+.4f", float64(f))
}

func cmpCI(ci *result.CI) string {
	if ci == nil || ci.Low.IsNaN() || ci.High.IsNaN() {
		return ""
	}
	return fmt.Sprintf("[%+.4f, %+.4f]", float64(ci.Low), float64(ci.High))
}

func cmpP(p result.Float) string {
	if p.IsNaN() {
		return "n/a"
	}
	if p < 1e-4 {
		return "<1e-4"
	}
	return fmt.Sprintf("%.4f", float64(p))
}

func cmpArrow(r result.CompareRow) string {
	switch r.Verdict {
	case result.VerdictBetter:
		return "better"
	case result.VerdictWorse:
		return "WORSE"
	case result.VerdictNotTested:
		return "not tested"
	}
	return "~"
}

func cmpModel(r result.CompareRow) string {
	if r.BaseModel != r.Model {
		return r.BaseModel + " → " + r.Model
	}
	return r.Model
}

func cmpStatus(g result.CompareGate) string {
	if g.Pass {
		return "PASS"
	}
	return "FAIL"
}

func cmpScope(g result.CompareGate) string {
	s := g.Model + "/" + g.Task
	if s == "/" {
		return "*"
	}
	return s
}

// WriteCompareTable writes the comparison as aligned plain text for a
// terminal (`evalctl compare --format table`).
func WriteCompareTable(w io.Writer, c *result.Comparison) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "TASK\tMODEL\tMETRIC\tBASE\tCAND\tDELTA\t%g%% CI\tP\tTEST\tVERDICT\n", c.Level*100)
	for _, r := range c.Rows {
		task := r.Task
		if r.Variant != "clean" {
			task += " (" + r.Variant + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", task, cmpModel(r), r.Metric, cmpNum(r.Base), cmpNum(r.Cand),
			cmpSigned(r.Delta), cmpCI(r.DeltaCI), cmpP(r.P), r.Test, cmpArrow(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(c.Gates) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "GATE\tFROM\tSCOPE\tVALUE\tSTATUS\tREASON")
		for _, g := range c.Gates {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", g.Expr, cmpSource(g), cmpScope(g), cmpNum(g.Value), cmpStatus(g), g.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, n := range c.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
	_, err := fmt.Fprintln(w, cmpSummary(c))
	return err
}

// cmpSource says where a gate came from: "suite" or "--gate".
func cmpSource(g result.CompareGate) string {
	if g.Source == result.GateSourceSuite {
		return "suite"
	}
	return "--gate"
}

// cmpLegend explains each test named in rows, in a fixed order, for the
// reader of a p-value.
func cmpLegend(rows []result.CompareRow) []string {
	used := map[string]bool{}
	for _, r := range rows {
		used[r.Test] = true
	}
	var out []string
	for _, t := range []struct{ name, text string }{
		{"exact McNemar", "two-sided exact binomial test on the examples that one model got right and the other wrong (same examples on both sides)"},
		{"paired bootstrap", "both metrics recomputed on the same resamples of the shared examples; p is twice the smaller share of resampled changes on either side of 0"},
		{"unpaired z (from CIs)", "normal test from the two reported confidence intervals (no shared predictions: conservative)"},
		{"none", "no test: no predictions and no interval, or an undefined value"},
	} {
		if used[t.name] {
			out = append(out, t.name+": "+t.text)
		}
	}
	return out
}

// cmpSummary counts the rows better and worse and the gates passed and failed.
func cmpSummary(c *result.Comparison) string {
	fail := 0
	for _, g := range c.Gates {
		if !g.Pass {
			fail++
		}
	}
	better, worse := 0, 0
	for _, r := range c.Rows {
		switch r.Verdict {
		case result.VerdictBetter:
			better++
		case result.VerdictWorse:
			worse++
		}
	}
	s := fmt.Sprintf("%d rows: %d better, %d worse (significant at %g%%)", len(c.Rows), better, worse, c.Level*100)
	if len(c.Gates) > 0 {
		s += fmt.Sprintf("; gates: %d passed, %d failed", len(c.Gates)-fail, fail)
	}
	return s
}

// cmpMDCode writes s as a Markdown code span inside a table cell.
func cmpMDCode(s string) string { return strings.ReplaceAll(markdownCode(s), "|", `\|`) }

// WriteCompareMarkdown writes the comparison as GitHub-flavoured Markdown,
// fit for a pull-request comment: a headline with the gate outcome, the
// gates, then the metric table (worse rows first) and notes in a collapsed
// block.
func WriteCompareMarkdown(w io.Writer, c *result.Comparison) error {
	var b strings.Builder
	head := "✅ evalctl compare: all gates passed"
	if c.Failed() {
		head = "❌ evalctl compare: gates failed"
	} else if len(c.Gates) == 0 {
		head = "evalctl compare"
	}
	fmt.Fprintf(&b, "### %s\n\n", head)
	fmt.Fprintf(&b, "Baseline %s (%s) vs candidate %s (%s). %s.\n\n", cmpMDCode(c.Base.RunID), markdownText(c.Base.Suite), cmpMDCode(c.Cand.RunID), markdownText(c.Cand.Suite), cmpSummary(c))
	if len(c.Gates) > 0 {
		b.WriteString("| Gate | From | Scope | Value | Status | Reason |\n|---|---|---|---:|:---:|---|\n")
		for _, g := range c.Gates {
			st := "✅ PASS"
			if !g.Pass {
				st = "❌ FAIL"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", cmpMDCode(g.Expr), markdownText(cmpSource(g)), markdownText(cmpScope(g)), cmpNum(g.Value), st, markdownText(g.Reason))
		}
		b.WriteString("\n")
	}
	var changed, unchanged []result.CompareRow
	for _, pass := range []result.Verdict{result.VerdictWorse, result.VerdictBetter, result.VerdictNoChange, result.VerdictNotTested} {
		for _, r := range c.Rows {
			if r.Verdict != pass {
				continue
			}
			if pass == result.VerdictWorse || pass == result.VerdictBetter {
				changed = append(changed, r)
			} else {
				unchanged = append(unchanged, r)
			}
		}
	}
	if len(changed) > 0 {
		cmpMDRows(&b, c, changed)
	} else {
		b.WriteString("No metric changed significantly.\n")
	}
	if len(unchanged) > 0 {
		noun := "rows"
		if len(unchanged) == 1 {
			noun = "row"
		}
		fmt.Fprintf(&b, "\n<details><summary>%d unchanged or untested %s</summary>\n\n", len(unchanged), noun)
		cmpMDRows(&b, c, unchanged)
		b.WriteString("\n</details>\n")
	}
	if legend := cmpLegend(c.Rows); len(legend) > 0 {
		b.WriteString("\nWhere each p-value comes from (the Test column):\n\n")
		for _, l := range legend {
			name, text, _ := strings.Cut(l, ": ")
			fmt.Fprintf(&b, "- **%s**: %s.\n", name, markdownText(text))
		}
	}
	if len(c.Notes) > 0 {
		b.WriteString("\n<details><summary>Notes</summary>\n\n")
		for _, n := range c.Notes {
			b.WriteString("- " + markdownText(n) + "\n")
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cmpMDRows writes rows as a Markdown table with its header.
func cmpMDRows(b *strings.Builder, c *result.Comparison, rows []result.CompareRow) {
	fmt.Fprintf(b, "| Task | Model | Metric | Base | Cand | Δ | %g%% CI of Δ | p | Test | Verdict |\n|---|---|---|---:|---:|---:|---|---:|---|---|\n", c.Level*100)
	for _, r := range rows {
		v := r.Verdict.String()
		switch r.Verdict {
		case result.VerdictWorse:
			v = "🔻 **worse**"
		case result.VerdictBetter:
			v = "🔺 better"
		}
		task := r.Task
		if r.Variant != "clean" {
			task += " (" + r.Variant + ")"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", markdownText(task), markdownText(cmpModel(r)), markdownText(r.Metric),
			cmpNum(r.Base), cmpNum(r.Cand), cmpSigned(r.Delta), cmpCI(r.DeltaCI), cmpP(r.P), r.Test, v)
	}
}

// WriteCompareJSON writes the comparison as an indented JSON document with
// "schema_version": result.CompareSchema. NaN numbers are null.
func WriteCompareJSON(w io.Writer, c *result.Comparison) error {
	doc := struct {
		SchemaVersion string `json:"schema_version"`
		Failed        bool   `json:"failed"`
		*result.Comparison
	}{result.CompareSchema, c.Failed(), c}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

type cmpJUnitSuites struct {
	XMLName  xml.Name        `xml:"testsuites"`
	Name     string          `xml:"name,attr"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Suites   []cmpJUnitSuite `xml:"testsuite"`
}

type cmpJUnitSuite struct {
	Name      string         `xml:"name,attr"`
	Tests     int            `xml:"tests,attr"`
	Failures  int            `xml:"failures,attr"`
	Errors    int            `xml:"errors,attr"`
	Time      string         `xml:"time,attr"`
	TestCases []cmpJUnitCase `xml:"testcase"`
}

type cmpJUnitCase struct {
	Name      string           `xml:"name,attr"`
	ClassName string           `xml:"classname,attr"`
	Time      string           `xml:"time,attr"`
	Failure   *cmpJUnitFailure `xml:"failure,omitempty"`
	SystemOut string           `xml:"system-out,omitempty"`
}

type cmpJUnitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteCompareJUnit writes the comparison as JUnit XML with two test suites:
// "evalctl gates", one test case per evaluated gate (class name
// "evalctl.gate.<task>" for --gate gates, "evalctl.suite-gate.<task>" for the
// candidate suite's own, name "<model>: <expr>"), failing gates with a
// <failure> whose message is the reason; and "evalctl metrics", one test case
// per compared metric (class "evalctl.metric.<task>", name
// "<model>: <metric>"), which passes (only gates fail a comparison) and
// carries both values, the change, its interval, p-value, test and verdict.
// CI systems (GitHub, GitLab, Jenkins) show these as test results.
func WriteCompareJUnit(w io.Writer, c *result.Comparison) error {
	gs := cmpJUnitSuite{Name: "evalctl gates", Time: "0"}
	for _, g := range c.Gates {
		task := g.Task
		if task == "" {
			task = "all"
		}
		name := g.Expr
		if g.Model != "" {
			name = g.Model + ": " + g.Expr
		}
		class := "evalctl.gate." + task
		if g.Source == result.GateSourceSuite {
			class = "evalctl.suite-gate." + task
		}
		tc := cmpJUnitCase{Name: name, ClassName: class, Time: "0"}
		if !g.Pass {
			gs.Failures++
			tc.Failure = &cmpJUnitFailure{Message: g.Reason, Type: "GateFailed",
				Text: fmt.Sprintf("%s\nfrom: %s\nscope: %s\nvalue: %s\nthreshold: %g\n", g.Expr, cmpSource(g), cmpScope(g), cmpNum(g.Value), g.Threshold)}
		} else if g.Reason != "" {
			tc.SystemOut = g.Reason
		}
		gs.TestCases = append(gs.TestCases, tc)
	}
	gs.Tests = len(gs.TestCases)
	ms := cmpJUnitSuite{Name: "evalctl metrics", Time: "0"}
	for _, r := range c.Rows {
		name := cmpModel(r) + ": " + r.Metric
		if r.Variant != "clean" {
			name += " (" + r.Variant + ")"
		}
		out := fmt.Sprintf("base %s, cand %s, change %s", cmpNum(r.Base), cmpNum(r.Cand), cmpSigned(r.Delta))
		if ci := cmpCI(r.DeltaCI); ci != "" {
			out += fmt.Sprintf(", %g%% CI %s", c.Level*100, ci)
		}
		out += fmt.Sprintf(", p %s (%s): %s", cmpP(r.P), r.Test, r.Verdict)
		ms.TestCases = append(ms.TestCases, cmpJUnitCase{Name: name, ClassName: "evalctl.metric." + r.Task, Time: "0", SystemOut: out})
	}
	ms.Tests = len(ms.TestCases)
	doc := cmpJUnitSuites{Name: "evalctl compare", Tests: gs.Tests + ms.Tests, Failures: gs.Failures, Suites: []cmpJUnitSuite{gs, ms}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
