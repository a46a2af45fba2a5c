package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/robustness"
	"github.com/evalctl/evalctl/tasks"
)

func init() {
	register(&command{
		Name: "list", UsageLine: "list [--json] [--kind KIND] metrics|kinds|perturbations|formats",
		Short: "list the metrics, task kinds, perturbations or data formats evalctl knows",
		Long: `List prints what a suite may name, read from evalctl's own tables:

  metrics        every metric (metrics/table.go): name, other accepted
                 spellings, task kinds, direction, interval method, definition
                 and reference; --kind keeps one task kind's
  kinds          the task kinds with their default and possible metrics
  perturbations  the robustness perturbations by input kind, with their
                 parameters at each severity
  formats        the dataset formats

With --json it prints one JSON array instead of a table.`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print a JSON array on stdout")
			kind := fs.String("kind", "", "with metrics: only the metrics of this task kind")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("usage: list takes one of metrics, kinds, perturbations, formats")
				}
				var rows []listRow
				switch args[0] {
				case "metrics":
					if *kind != "" && !contains(tasks.Kinds(), *kind) {
						return usageErrorf("list metrics: unknown kind %q (%s)", *kind, strings.Join(tasks.Kinds(), ", "))
					}
					rows = metricRows(*kind)
				case "kinds":
					rows = kindRows()
				case "perturbations":
					rows = perturbationRows()
				case "formats":
					for _, f := range dataset.Formats() {
						rows = append(rows, listRow{Name: f})
					}
				default:
					return usageErrorf("list: unknown list %q (want metrics, kinds, perturbations or formats)", args[0])
				}
				if *asJSON {
					return printListJSON(e.stdout, rows)
				}
				return printListText(e.stdout, args[0], rows)
			}
		},
	})
}

// listRow is one line of `evalctl list`; empty fields are left out of the
// JSON.
type listRow struct {
	Name          string   `json:"name"`
	Aliases       []string `json:"aliases,omitempty"`
	Kinds         []string `json:"kinds,omitempty"`
	Scope         string   `json:"scope,omitempty"`
	Family        string   `json:"family,omitempty"`
	Direction     string   `json:"direction,omitempty"`
	Form          string   `json:"form,omitempty"`
	Interval      string   `json:"interval,omitempty"`
	Listed        []string `json:"listed,omitempty"`
	Probabilistic bool     `json:"temperature_scaled,omitempty"`
	Doc           string   `json:"doc,omitempty"`
	Cite          string   `json:"cite,omitempty"`
	// Kinds list only.
	Defaults []string `json:"defaults,omitempty"`
	Metrics  []string `json:"metrics,omitempty"`
	// Perturbations only.
	Input  string   `json:"input,omitempty"`
	Params []string `json:"params,omitempty"`
	// ParamsImageNetC are an image perturbation's parameters in the
	// imagenet_c table; Params are the default (cifar10_c) table's.
	ParamsImageNetC []string `json:"params_imagenet_c,omitempty"`
}

func metricRows(kind string) []listRow {
	var rows []listRow
	for _, m := range metrics.Table() {
		if kind != "" && !m.AppliesTo(kind) {
			continue
		}
		r := listRow{Name: m.Name, Aliases: m.Aliases, Kinds: m.Kinds, Scope: string(m.Scope), Family: string(m.Family), Direction: m.Dir.String(),
			Form: string(m.Form), Interval: string(m.Interval), Probabilistic: m.Probabilistic, Doc: m.Doc, Cite: m.Cite}
		if len(m.Params) > 0 {
			r.Listed = m.Listed()
		}
		if r.Scope == "" {
			r.Scope = string(metrics.ScopeTask)
		}
		rows = append(rows, r)
	}
	return rows
}

func kindRows() []listRow {
	var rows []listRow
	for _, k := range tasks.Kinds() {
		ms, _ := tasks.Metrics(k)
		rows = append(rows, listRow{Name: k, Defaults: tasks.DefaultMetrics(k), Metrics: ms})
	}
	return rows
}

func perturbationRows() []listRow {
	var rows []listRow
	for _, k := range []robustness.Kind{robustness.KindImage, robustness.KindTabular, robustness.KindText} {
		for _, n := range robustness.Names(k) {
			p, err := robustness.Lookup(n)
			if err != nil {
				continue
			}
			r := listRow{Name: n, Input: k.String()}
			for s := 1; s <= robustness.MaxSeverity; s++ {
				r.Params = append(r.Params, p.Params(s))
				if k == robustness.KindImage {
					r.ParamsImageNetC = append(r.ParamsImageNetC, robustness.ParamsIn(robustness.ImageNetC, n, s))
				}
			}
			rows = append(rows, r)
		}
	}
	return rows
}

func printListJSON(w io.Writer, rows []listRow) error {
	if rows == nil {
		rows = []listRow{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

func printListText(w io.Writer, what string, rows []listRow) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	join := func(v []string) string {
		if len(v) == 0 {
			return "-"
		}
		return strings.Join(v, ", ")
	}
	switch what {
	case "metrics":
		fmt.Fprintln(tw, "NAME\tALSO\tKINDS\tFAMILY\tBETTER\tINTERVAL\tDEFINITION")
		for _, r := range rows {
			kinds := join(r.Kinds)
			if r.Scope != string(metrics.ScopeTask) {
				kinds += " [" + r.Scope + "]"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s (%s)\n", r.Name, join(r.Aliases), kinds, r.Family, r.Direction, r.Interval, r.Doc, r.Cite)
		}
	case "kinds":
		fmt.Fprintln(tw, "KIND\tDEFAULT METRICS\tMETRICS")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, join(r.Defaults), join(r.Metrics))
		}
	case "perturbations":
		fmt.Fprintln(tw, "NAME\tINPUT\tSEVERITY 1 … 5 (image: cifar10_c, then imagenet_c)")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, r.Input, strings.Join(r.Params, " | "))
			if r.ParamsImageNetC != nil {
				fmt.Fprintf(tw, "\t\t%s\n", strings.Join(r.ParamsImageNetC, " | "))
			}
		}
	default:
		fmt.Fprintln(tw, "FORMAT")
		for _, r := range rows {
			fmt.Fprintln(tw, r.Name)
		}
	}
	return tw.Flush()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
