package compare

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/evalctl/evalctl/harness/result"
)

// Schema is the schema_version of the JSON comparison document.
const Schema = "evalctl.compare/v1"

func num(f result.Float) string {
	if f.IsNaN() {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", float64(f))
}

func signed(f result.Float) string {
	if f.IsNaN() {
		return "n/a"
	}
	return fmt.Sprintf("%+.4f", float64(f))
}

func ciText(ci *result.CI) string {
	if ci == nil || ci.Low.IsNaN() || ci.High.IsNaN() {
		return ""
	}
	return fmt.Sprintf("[%+.4f, %+.4f]", float64(ci.Low), float64(ci.High))
}

func pText(p result.Float) string {
	if p.IsNaN() {
		return "n/a"
	}
	if p < 1e-4 {
		return "<1e-4"
	}
	return fmt.Sprintf("%.4f", float64(p))
}

func arrow(r Row) string {
	switch r.Verdict {
	case Better:
		return "better"
	case Worse:
		return "WORSE"
	case NotTested:
		return "not tested"
	}
	return "~"
}

func modelLabel(r Row) string {
	if r.BaseModel != r.Model {
		return r.BaseModel + " → " + r.Model
	}
	return r.Model
}

func status(g GateResult) string {
	if g.Pass {
		return "PASS"
	}
	return "FAIL"
}

func gateScope(g GateResult) string {
	s := g.Model + "/" + g.Task
	if s == "/" {
		return "*"
	}
	return s
}

// WriteTable writes the comparison as aligned plain text for a terminal.
func (c *Comparison) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "TASK\tMODEL\tMETRIC\tBASE\tCAND\tDELTA\t%g%% CI\tP\tTEST\tVERDICT\n", c.Level*100)
	for _, r := range c.Rows {
		task := r.Task
		if r.Variant != "clean" {
			task += " (" + r.Variant + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", task, modelLabel(r), r.Metric, num(r.Base), num(r.Cand),
			signed(r.Delta), ciText(r.DeltaCI), pText(r.P), r.Test, arrow(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(c.Gates) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "GATE\tFROM\tSCOPE\tVALUE\tSTATUS\tREASON")
		for _, g := range c.Gates {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", g.Expr, sourceLabel(g), gateScope(g), num(g.Value), status(g), g.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, n := range c.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
	_, err := fmt.Fprintln(w, c.summary())
	return err
}

// sourceLabel says where a gate came from: "suite" or "--gate".
func sourceLabel(g GateResult) string {
	if g.Source == SourceSuite {
		return "suite"
	}
	return "--gate"
}

// testLegend explains each test named in rows, in a fixed order, for the
// reader of a p-value.
func testLegend(rows []Row) []string {
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

func (c *Comparison) summary() string {
	fail := 0
	for _, g := range c.Gates {
		if !g.Pass {
			fail++
		}
	}
	better, worse := 0, 0
	for _, r := range c.Rows {
		switch r.Verdict {
		case Better:
			better++
		case Worse:
			worse++
		}
	}
	s := fmt.Sprintf("%d rows: %d better, %d worse (significant at %g%%)", len(c.Rows), better, worse, c.Level*100)
	if len(c.Gates) > 0 {
		s += fmt.Sprintf("; gates: %d passed, %d failed", len(c.Gates)-fail, fail)
	}
	return s
}

// mdCode escapes s for a Markdown code span inside a table cell.
func mdCode(s string) string { return "`" + strings.ReplaceAll(s, "|", `\|`) + "`" }

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// WriteMarkdown writes the comparison as GitHub-flavoured Markdown, fit for
// a pull-request comment: a headline with the gate outcome, the gates, then
// the metric table (worse rows first) and notes in a collapsed block.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	head := "✅ evalctl compare: all gates passed"
	if c.Failed() {
		head = "❌ evalctl compare: gates failed"
	} else if len(c.Gates) == 0 {
		head = "evalctl compare"
	}
	fmt.Fprintf(&b, "### %s\n\n", head)
	fmt.Fprintf(&b, "Baseline `%s` (%s) vs candidate `%s` (%s). %s.\n\n", mdEscape(c.Base.RunID), mdEscape(c.Base.Suite), mdEscape(c.Cand.RunID), mdEscape(c.Cand.Suite), c.summary())
	if len(c.Gates) > 0 {
		b.WriteString("| Gate | From | Scope | Value | Status | Reason |\n|---|---|---|---:|:---:|---|\n")
		for _, g := range c.Gates {
			st := "✅ PASS"
			if !g.Pass {
				st = "❌ FAIL"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", mdCode(g.Expr), mdEscape(sourceLabel(g)), mdEscape(gateScope(g)), num(g.Value), st, mdEscape(g.Reason))
		}
		b.WriteString("\n")
	}
	var changed, unchanged []Row
	for _, pass := range []Verdict{Worse, Better, NoChange, NotTested} {
		for _, r := range c.Rows {
			if r.Verdict != pass {
				continue
			}
			if pass == Worse || pass == Better {
				changed = append(changed, r)
			} else {
				unchanged = append(unchanged, r)
			}
		}
	}
	if len(changed) > 0 {
		c.mdRows(&b, changed)
	} else {
		b.WriteString("No metric changed significantly.\n")
	}
	if len(unchanged) > 0 {
		noun := "rows"
		if len(unchanged) == 1 {
			noun = "row"
		}
		fmt.Fprintf(&b, "\n<details><summary>%d unchanged or untested %s</summary>\n\n", len(unchanged), noun)
		c.mdRows(&b, unchanged)
		b.WriteString("\n</details>\n")
	}
	if legend := testLegend(c.Rows); len(legend) > 0 {
		b.WriteString("\nWhere each p-value comes from (the Test column):\n\n")
		for _, l := range legend {
			name, text, _ := strings.Cut(l, ": ")
			fmt.Fprintf(&b, "- **%s**: %s.\n", name, mdEscape(text))
		}
	}
	if len(c.Notes) > 0 {
		b.WriteString("\n<details><summary>Notes</summary>\n\n")
		for _, n := range c.Notes {
			b.WriteString("- " + mdEscape(n) + "\n")
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdRows writes rows as a Markdown table with its header.
func (c *Comparison) mdRows(b *strings.Builder, rows []Row) {
	fmt.Fprintf(b, "| Task | Model | Metric | Base | Cand | Δ | %g%% CI of Δ | p | Test | Verdict |\n|---|---|---|---:|---:|---:|---|---:|---|---|\n", c.Level*100)
	for _, r := range rows {
		v := r.Verdict.String()
		switch r.Verdict {
		case Worse:
			v = "🔻 **worse**"
		case Better:
			v = "🔺 better"
		}
		task := r.Task
		if r.Variant != "clean" {
			task += " (" + r.Variant + ")"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(task), mdEscape(modelLabel(r)), mdEscape(r.Metric),
			num(r.Base), num(r.Cand), signed(r.Delta), ciText(r.DeltaCI), pText(r.P), r.Test, v)
	}
}

// WriteJSON writes the comparison as an indented JSON document with
// "schema_version": Schema. NaN numbers are null.
func (c *Comparison) WriteJSON(w io.Writer) error {
	doc := struct {
		SchemaVersion string `json:"schema_version"`
		Failed        bool   `json:"failed"`
		*Comparison
	}{Schema, c.Failed(), c}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Time      string      `xml:"time,attr"`
	TestCases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the comparison as JUnit XML with two test suites:
// "evalctl gates", one test case per evaluated gate (class name
// "evalctl.gate.<task>" for --gate gates, "evalctl.suite-gate.<task>" for the
// candidate suite's own, name "<model>: <expr>"), failing gates with a
// <failure> whose message is the reason; and "evalctl metrics", one test case
// per compared metric (class "evalctl.metric.<task>", name
// "<model>: <metric>"), which passes (only gates fail a comparison) and
// carries both values, the change, its interval, p-value, test and verdict.
// CI systems (GitHub, GitLab, Jenkins) show these as test results.
func (c *Comparison) WriteJUnit(w io.Writer) error {
	gs := junitSuite{Name: "evalctl gates", Time: "0"}
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
		if g.Source == SourceSuite {
			class = "evalctl.suite-gate." + task
		}
		tc := junitCase{Name: name, ClassName: class, Time: "0"}
		if !g.Pass {
			gs.Failures++
			tc.Failure = &junitFailure{Message: g.Reason, Type: "GateFailed",
				Text: fmt.Sprintf("%s\nfrom: %s\nscope: %s\nvalue: %s\nthreshold: %g\n", g.Expr, sourceLabel(g), gateScope(g), num(g.Value), g.Threshold)}
		} else if g.Reason != "" {
			tc.SystemOut = g.Reason
		}
		gs.TestCases = append(gs.TestCases, tc)
	}
	gs.Tests = len(gs.TestCases)
	ms := junitSuite{Name: "evalctl metrics", Time: "0"}
	for _, r := range c.Rows {
		name := modelLabel(r) + ": " + r.Metric
		if r.Variant != "clean" {
			name += " (" + r.Variant + ")"
		}
		out := fmt.Sprintf("base %s, cand %s, change %s", num(r.Base), num(r.Cand), signed(r.Delta))
		if ci := ciText(r.DeltaCI); ci != "" {
			out += fmt.Sprintf(", %g%% CI %s", c.Level*100, ci)
		}
		out += fmt.Sprintf(", p %s (%s): %s", pText(r.P), r.Test, r.Verdict)
		ms.TestCases = append(ms.TestCases, junitCase{Name: name, ClassName: "evalctl.metric." + r.Task, Time: "0", SystemOut: out})
	}
	ms.Tests = len(ms.TestCases)
	doc := junitSuites{Name: "evalctl compare", Tests: gs.Tests + ms.Tests, Failures: gs.Failures, Suites: []junitSuite{gs, ms}}
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
