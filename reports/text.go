package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/evalctl/evalctl/harness/result"
)

func table(w io.Writer, title string, header []string, rows [][]string) error {
	if title != "" {
		if _, err := fmt.Fprintln(w, TerminalText(title)); err != nil {
			return err
		}
	}
	header, rows = terminalRows(header, rows)
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithRowAutoWrap(tw.WrapNone))
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
}

// WriteTable writes r as terminal tables: one row per model × task (clean
// variant) with every metric and its CI, invalid outputs, provider,
// examples/s and p50/p99 batch latency; then fairness (worst group, gap),
// robustness (clean, mean corrupted, worst case) and gates when present.
// Examples/s marked "*" come from cached predictions.
func WriteTable(w io.Writer, r *result.Result) error {
	v := newView(r)
	fmt.Fprintf(w, "%s  run %s  suite %s (seed %d)\n", result.Schema, terminalCell(r.Run.ID), terminalCell(r.Suite.Name), r.Suite.Seed)
	var rows [][]string
	for _, row := range v.Rows {
		rows = append(rows, v.cells(row))
	}
	if err := table(w, "", v.header(), rows); err != nil {
		return err
	}
	if v.anyCached() {
		fmt.Fprintln(w, CachedLegend)
	}
	if len(v.Fair) > 0 {
		rows = nil
		for _, f := range v.Fair {
			rows = append(rows, f.cells())
		}
		if err := table(w, "\nFairness", v.fairHeader(), rows); err != nil {
			return err
		}
	}
	if len(v.Robust) > 0 {
		rows = nil
		for _, rr := range v.Robust {
			rows = append(rows, rr.cells())
		}
		if err := table(w, "\nRobustness", v.robustHeader(), rows); err != nil {
			return err
		}
	}
	for _, bl := range v.Blocks {
		if err := table(w, "\n"+bl.Title, bl.Header, bl.Rows); err != nil {
			return err
		}
	}
	if len(r.Gates) > 0 {
		rows = nil
		for _, g := range r.Gates {
			rows = append(rows, gateCells(g))
		}
		if err := table(w, "\nGates", gateHeader(), rows); err != nil {
			return err
		}
	}
	return nil
}

func mdRow(b *strings.Builder, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" " + markdownCell(c) + " |")
	}
	b.WriteString("\n")
}

func mdTable(b *strings.Builder, header []string, rows [][]string) {
	mdRow(b, header)
	b.WriteString("|")
	for range header {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		mdRow(b, r)
	}
}

// WriteMarkdown writes r as GitHub-flavoured Markdown fit for a
// pull-request comment: a headline with the gate outcome, the summary
// table, fairness and robustness tables when present, the gates, and the
// provenance in a collapsed block.
func WriteMarkdown(w io.Writer, r *result.Result) error {
	v := newView(r)
	var b strings.Builder
	failed := 0
	for _, g := range r.Gates {
		if !g.Pass {
			failed++
		}
	}
	switch {
	case len(r.Gates) == 0:
		fmt.Fprintf(&b, "### evalctl: %s\n\n", markdownText(r.Suite.Name))
	case failed == 0:
		fmt.Fprintf(&b, "### ✅ evalctl: %s — all %d gates passed\n\n", markdownText(r.Suite.Name), len(r.Gates))
	default:
		fmt.Fprintf(&b, "### ❌ evalctl: %s — %d of %d gates failed\n\n", markdownText(r.Suite.Name), failed, len(r.Gates))
	}
	var rows [][]string
	for _, row := range v.Rows {
		rows = append(rows, v.cells(row))
	}
	mdTable(&b, v.header(), rows)
	if len(v.Fair) > 0 {
		b.WriteString("\n**Fairness**\n\n")
		rows = nil
		for _, f := range v.Fair {
			rows = append(rows, f.cells())
		}
		mdTable(&b, v.fairHeader(), rows)
	}
	if len(v.Robust) > 0 {
		b.WriteString("\n**Robustness**\n\n")
		rows = nil
		for _, rr := range v.Robust {
			rows = append(rows, rr.cells())
		}
		mdTable(&b, v.robustHeader(), rows)
	}
	for _, bl := range v.Blocks {
		b.WriteString("\n**" + markdownText(bl.Title) + "**\n\n")
		mdTable(&b, bl.Header, bl.Rows)
	}
	if len(r.Gates) > 0 {
		b.WriteString("\n**Gates**\n\n")
		rows = nil
		for _, g := range r.Gates {
			c := gateCells(g)
			c[0] = markdownCode(c[0])
			if g.Pass {
				c[3] = "✅ PASS"
			} else {
				c[3] = "❌ FAIL"
			}
			rows = append(rows, c)
		}
		mdTable(&b, gateHeader(), rows)
	}
	b.WriteString("\n<details><summary>Provenance</summary>\n\n")
	for _, kv := range provenance(r) {
		fmt.Fprintf(&b, "- %s: %s\n", markdownText(kv[0]), markdownCode(kv[1]))
	}
	b.WriteString("\n</details>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// provenance lists key/value pairs describing how r was produced.
func provenance(r *result.Result) [][2]string {
	out := [][2]string{
		{"schema", result.Schema}, {"run", r.Run.ID}, {"evalctl", r.Run.EvalctlVersion}, {"go", r.Run.GoVersion},
		{"started", r.Run.Started.UTC().Format("2006-01-02T15:04:05Z")}, {"finished", r.Run.Finished.UTC().Format("2006-01-02T15:04:05Z")},
		{"suite", fmt.Sprintf("%s (%s) sha256 %s", r.Suite.Name, r.Suite.Path, r.Suite.SHA256)},
		{"seed", fmt.Sprint(r.Suite.Seed)}, {"bootstrap", fmt.Sprintf("%d resamples, %g confidence", r.Suite.Resamples, r.Suite.Confidence)},
		{"onnxruntime", r.Runtime.ORTVersion}, {"providers requested", strings.Join(r.Runtime.RequestedProviders, ", ")},
		{"batch size", fmt.Sprint(r.Runtime.BatchSize)},
	}
	if r.Run.Limit > 0 {
		out = append(out, [2]string{"limit", fmt.Sprint(r.Run.Limit)})
	}
	for _, m := range r.Models {
		out = append(out, [2]string{"model " + m.Name, fmt.Sprintf("%s sha256 %s, %d params, provider %s", m.Path, m.SHA256, m.Parameters, m.Provider)})
	}
	for _, d := range r.Datasets {
		var hs []string
		for _, f := range d.Files {
			hs = append(hs, f.Path+" "+f.SHA256)
		}
		out = append(out, [2]string{"dataset " + d.Name, fmt.Sprintf("%d examples; %s", d.Examples, strings.Join(hs, "; "))})
	}
	return out
}

// WriteJSON writes r as indented JSON in the result schema (NaN as null).
func WriteJSON(w io.Writer, r *result.Result) error {
	if r.Schema == "" {
		r.Schema = result.Schema
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
