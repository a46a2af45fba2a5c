package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/evalctl/evalctl/harness/compare"
	"github.com/evalctl/evalctl/harness/gate"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/reports"
)

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// writeOutput writes what render produces to path atomically, or to stdout
// when path is "" or "-".
func writeOutput(e *env, path string, render func(io.Writer) error) error {
	if path == "" || path == "-" {
		return render(e.stdout)
	}
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return err
	}
	if err := result.WriteFileAtomic(path, b.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "evalctl: wrote %s\n", path)
	return nil
}

func readResult(path string) (*result.Result, error) {
	r, err := result.ReadFile(path)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	return r, nil
}

func init() {
	register(&command{
		Name: "report", UsageLine: "report [--format table|md|html|json] [--view summary|adaptation] [--wide] [-o FILE] RESULT.json",
		Short: "render a result as a table, Markdown, HTML or JSON",
		Long: `Report renders a result file. table is for terminals (compact: headline
metrics as value ± interval half-width; --wide for every metric and column), md for pull-request
comments, html a self-contained page (inline CSS and SVG charts: reliability
diagrams, per-group bars, severity curves, the adaptation Pareto chart,
efficiency and provenance), json the result itself.

--view adaptation shows, in any format, adaptation methods side by side: per
evaluated dataset, one row per adapted model (models[].adaptation, and the
harness's probes) with method, base, trainable parameters, training examples
and compute beside accuracy, calibration, worst group and robustness.`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			format := fs.String("format", "table", "table, md, html or json")
			out := fs.String("o", "", "write to FILE instead of stdout")
			wide := fs.Bool("wide", false, "table: every metric with its interval and every column, not the compact summary")
			view := fs.String("view", "summary", "summary (the whole result) or adaptation (adaptation methods side by side)")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("usage: report takes one RESULT.json")
				}
				if *view != "summary" && *view != "adaptation" {
					return usageErrorf("--view %q: want summary or adaptation", *view)
				}
				r, err := readResult(args[0])
				if err != nil {
					return err
				}
				if *view == "adaptation" {
					renders := map[string]func(io.Writer, *result.Result) error{"table": reports.WriteAdaptationTable,
						"md": reports.WriteAdaptationMarkdown, "html": reports.WriteAdaptationHTML, "json": reports.WriteAdaptationJSON}
					render, ok := renders[*format]
					if !ok {
						return usageErrorf("--format %q: want table, md, html or json", *format)
					}
					return writeOutput(e, *out, func(w io.Writer) error { return render(w, r) })
				}
				var render func(io.Writer) error
				switch *format {
				case "table":
					render = func(w io.Writer) error { return printResultWide(w, r, "table", *wide) }
				case "md":
					render = func(w io.Writer) error { return reports.WriteMarkdown(w, r) }
				case "html":
					render = func(w io.Writer) error { return reports.WriteHTML(w, r, reports.HTMLOptions{}) }
				case "json":
					render = func(w io.Writer) error { return reports.WriteJSON(w, r) }
				default:
					return usageErrorf("--format %q: want table, md, html or json", *format)
				}
				return writeOutput(e, *out, render)
			}
		},
	})
	register(&command{
		Name:      "compare",
		UsageLine: "compare [--gate EXPR]... [--format table|md|json|junit] [-o FILE] [--junit FILE] [--force] [--all-variants] BASE.json CAND.json",
		Short:     "compare two results with paired tests and regression gates",
		Long: `Compare matches two results task by task and model by model and reports, per
metric, both values, the difference, a paired confidence interval and p-value
on the same examples (paired bootstrap; exact McNemar for accuracy) and a
verdict: better, worse or no significant change.

The candidate suite's own gates (those its run recorded) are checked again on
the candidate. Gates (--gate, repeatable) add absolute ("accuracy >= 0.85")
or regression gates ("ece may rise at most 0.01", "accuracy may drop at most
0.02 if significant"), optionally scoped: "task=T model=M: accuracy >= 0.8".
Exit status 3 when any gate fails, 2 when the results are not comparable
(different datasets, unless --force) or have nothing in common (no model,
task or metric matched: the message names what each side has).`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var gates multiFlag
			fs.Var(&gates, "gate", "a gate expression (repeatable)")
			format := fs.String("format", "table", "table, md, json or junit")
			out := fs.String("o", "", "write the report to FILE instead of stdout")
			junit := fs.String("junit", "", "also write JUnit XML to FILE (each gate and each compared metric a test case)")
			force := fs.Bool("force", false, "compare even when datasets differ")
			all := fs.Bool("all-variants", false, "compare perturbed variants too, not only clean")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) != 2 {
					return usageErrorf("usage: compare takes BASE.json and CAND.json")
				}
				base, err := readResult(args[0])
				if err != nil {
					return err
				}
				cand, err := readResult(args[1])
				if err != nil {
					return err
				}
				opts := compare.Options{Force: *force, AllVariants: *all}
				for _, s := range gates {
					g, err := gate.ParseFlag(s)
					if err == nil {
						err = gate.Validate(g, gate.MetricNames(cand))
					}
					if err != nil {
						return withCode(exitUsage, fmt.Errorf("--gate %q: %w", s, err))
					}
					opts.Gates = append(opts.Gates, g)
				}
				c, err := compare.Compare(base, cand, compare.SidecarPath(args[0], base), compare.SidecarPath(args[1], cand), opts)
				if err != nil {
					if errors.Is(err, compare.ErrDatasetMismatch) || errors.Is(err, compare.ErrNothingInCommon) {
						return withCode(exitUsage, err)
					}
					return withCode(exitRuntime, err)
				}
				of := func(write func(io.Writer, *result.Comparison) error) func(io.Writer) error {
					return func(w io.Writer) error { return write(w, c) }
				}
				renders := map[string]func(io.Writer) error{
					"table": func(w io.Writer) error { return terminalSafe(w, of(reports.WriteCompareTable)) }, "md": of(reports.WriteCompareMarkdown),
					"json": of(reports.WriteCompareJSON), "junit": of(reports.WriteCompareJUnit),
				}
				render, ok := renders[*format]
				if !ok {
					return usageErrorf("--format %q: want table, md, json or junit", *format)
				}
				if err := writeOutput(e, *out, render); err != nil {
					return err
				}
				if *junit != "" {
					if err := writeOutput(e, *junit, of(reports.WriteCompareJUnit)); err != nil {
						return err
					}
				}
				if c.Failed() {
					for _, g := range c.Gates {
						if !g.Pass {
							fmt.Fprintln(e.stderr, reports.TerminalText(fmt.Sprintf("evalctl: gate failed (%s): %s (%s %s): %s", g.Source, g.Expr, g.Model, g.Task, g.Reason)))
						}
					}
					return errGateFailed
				}
				return nil
			}
		},
	})
	register(&command{
		Name: "leaderboard", UsageLine: "leaderboard --out SITE/ [--title T] [--metric M]... RESULT.json...",
		Short: "build a static leaderboard site from result files",
		Long: `Leaderboard writes a static site (no network, works from file://): one row per
model file, ranked by HELM's mean win rate overall, per metric family
(accuracy, calibration, robustness, fairness, bias, privacy) and per scenario
(a task on one set of examples) with its headline metric; a page per scenario with
every figure grouped by family, a page per model, and per-example predictions
paged and loaded lazily. Results are merged only where comparable (same task
and dataset hash). Models that a paired test on the same examples cannot
separate are marked as tied.`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("out", "", "output folder (required)")
			title := fs.String("title", "", "page title")
			var only multiFlag
			fs.Var(&only, "metric", "restrict columns to this metric or figure (repeatable)")
			return func(_ context.Context, e *env, args []string) error {
				if *out == "" || len(args) == 0 {
					return usageErrorf("usage: leaderboard needs --out SITE/ and at least one RESULT.json")
				}
				var rs []*result.Result
				var sidecars []string
				for _, p := range args {
					r, err := readResult(p)
					if err != nil {
						return err
					}
					rs = append(rs, r)
					sidecars = append(sidecars, compare.SidecarPath(p, r))
				}
				ties, err := compare.TieGroups(rs, sidecars, compare.Options{})
				if err != nil {
					return withCode(exitRuntime, err)
				}
				if err := reports.Leaderboard(rs, *out, reports.LeaderboardOptions{Title: *title, Metrics: only, Ties: ties, Sidecars: sidecars, Family: metrics.Ranking}); err != nil {
					return withCode(exitRuntime, err)
				}
				fmt.Fprintf(e.stderr, "evalctl: wrote %s/index.html\n", strings.TrimSuffix(*out, "/"))
				return nil
			}
		},
	})
}

// metricFamily tells the leaderboard a task metric's family and whether it
