package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/harness/onnx"
	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/reports"
)

func init() {
	register(&command{
		Name:      "run",
		UsageLine: "run [--model NAME=PATH]... [--set key.path=value]... [--out DIR] [--limit N] [--shard i/n] [--batch-size N] [--format table|md|json|none] [--wide] [--gzip] [--no-gates] [--no-cache] [--ort-lib PATH] [--power-watts W] [--grid-intensity G] SUITE.yaml",
		Short:     "evaluate every model of a suite on every task",
		Long: `Run evaluates every model on every task of the suite. It shows progress on
stderr, prints a summary table on stdout, and writes DIR/result.json (schema
evalctl.result/v1) and DIR/predictions.jsonl, both atomically (with --gzip or
the suite's output.gzip, DIR/predictions.jsonl.gz: compare, rescore, merge and
leaderboard read either).

Predictions are cached in DIR/cache in chunks keyed by the model, data,
settings and runtime, so a run that was interrupted resumes where it stopped
when started again with the same --out.

--model NAME=PATH points the suite's model NAME at another file (a new
checkpoint), --set key.path=value changes any suite key ("runtime.batch_size=64",
"tasks.sst2.metrics=[accuracy, nll]"), and ${VAR} or ${VAR:-default} in the
suite's values are read from the environment; all of them are checked like
the file and recorded in the result (suite.overrides).

Each evaluation records its cost: wall and CPU seconds, energy (RAPL or NVML
counters where readable, else estimated from --power-watts or the suite's
cost.power_watts) and carbon at --grid-intensity gCO2e/kWh (default: the
world average, 475); see docs/cards.md.

The suite's gates are checked after the run; if any fails, the exit status is 3.`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("out", "", "output folder (default out/<suite name>)")
			limit := fs.Int("limit", 0, "evaluate only the first N examples of each dataset")
			shard := fs.String("shard", "", "evaluate shard i of n (\"i/n\"); merge the shards with evalctl merge")
			batch := fs.Int("batch-size", 0, "override the suite's runtime.batch_size")
			format := fs.String("format", "table", "stdout summary: table, md, json or none")
			noGates := fs.Bool("no-gates", false, "do not fail on the suite's gates")
			noCache := fs.Bool("no-cache", false, "recompute predictions even if cached")
			wide := fs.Bool("wide", false, "table: every metric with its interval and every column, not the compact summary")
			label := fs.String("label", "", "a name for this run, recorded in the result (e.g. the checkpoint, \"step-2000\"); the leaderboard labels rows of same-named models from different runs with it")
			gzipPreds := fs.Bool("gzip", false, "write the predictions gzip-compressed, as DIR/predictions.jsonl.gz (suite key output.gzip)")
			lib := fs.String("ort-lib", "", "path to the ONNX Runtime shared library")
			watts := fs.Float64("power-watts", 0, "CPU power draw in watts, to estimate energy where RAPL is not readable (overrides the suite's cost.power_watts)")
			grid := fs.Float64("grid-intensity", 0, "carbon intensity of electricity in gCO2e/kWh (overrides the suite's cost.grid_intensity; default 475, the world average)")
			var ov overrideFlags
			ov.add(fs)
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("usage: run takes one SUITE.yaml")
				}
				if *limit < 0 {
					return usageErrorf("--limit %d: want >= 0", *limit)
				}
				if *batch < 0 || (*batch == 0 && flagGiven(fs, "batch-size")) {
					return usageErrorf("--batch-size %d: want >= 1", *batch)
				}
				var sh harness.Shard
				if *shard != "" {
					var err error
					if sh, err = harness.ParseShard(*shard); err != nil {
						return withCode(exitUsage, err)
					}
				}
				if *watts < 0 || *grid < 0 {
					return usageErrorf("--power-watts %v, --grid-intensity %v: want >= 0", *watts, *grid)
				}
				if !validFormat(*format, "table", "md", "json", "none") {
					return usageErrorf("--format %q: want table, md, json or none", *format)
				}
				s, err := loadSuiteWith(args[0], ov.overrides())
				if err != nil {
					printSuiteErrors(e, err)
					return &exitError{code: exitUsage, err: fmt.Errorf("%s is invalid", args[0])}
				}
				dir := *out
				if dir == "" {
					dir = filepath.Join("out", s.Name)
				}
				rt, err := ort.Init(*lib)
				if err != nil {
					return withCode(exitRuntime, fmt.Errorf("%w\nrun `evalctl doctor` for help", err))
				}
				bar := newProgressBar(e.stderr)
				res, err := harness.Run(ctx, s, harness.Options{
					OutDir: dir, Limit: *limit, Shard: sh, BatchSize: *batch, NoCache: *noCache, Gzip: *gzipPreds, Label: *label,
					PowerWatts: *watts, GridIntensity: *grid,
					Open: openORT, Facts: modelFacts, ORTVersion: rt.Version, ORTLibrary: rt.Library,
					Version: evalctlVersion(), Args: append([]string{"evalctl", "run"}, args...),
					Progress: bar.update,
					Warn:     bar.warn,
				})
				if err != nil {
					return withCode(exitRuntime, err)
				}
				fmt.Fprintf(e.stderr, "evalctl: wrote %s\n", filepath.Join(dir, harness.ResultFile))
				if err := printResultWide(e.stdout, res, *format, *wide); err != nil {
					return err
				}
				if !*noGates && gatesFailed(res) {
					for _, g := range res.Gates {
						if !g.Pass {
							fmt.Fprintln(e.stderr, reports.TerminalText(fmt.Sprintf("evalctl: gate failed: %s (%s %s): %s", g.Expr, g.Model, g.Task, g.Reason)))
						}
					}
					return errGateFailed
				}
				return nil
			}
		},
	})
}

// flagGiven reports whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

func validFormat(f string, valid ...string) bool {
	for _, v := range valid {
		if f == v {
			return true
		}
	}
	return false
}

func gatesFailed(r *result.Result) bool {
	for _, g := range r.Gates {
		if !g.Pass {
			return true
		}
	}
	return false
}

// openORT opens a model with ONNX Runtime under the suite's runtime settings.
func openORT(path string, rt suite.Runtime) (*harness.OpenedModel, error) {
	m, err := ort.Open(path, ort.Options{
		Providers: rt.ProviderNames(), AllowFallback: *rt.AllowFallback,
		IntraOpThreads: rt.IntraOpThreads, InterOpThreads: rt.InterOpThreads,
		GraphOptimization: string(rt.GraphOptimization), AllowSpinning: rt.AllowSpinning,
	})
	if err != nil {
		return nil, err
	}
	return &harness.OpenedModel{Model: m, Inputs: m.Inputs(), Outputs: m.Outputs(), Provider: m.Provider(), Notes: m.ProviderNotes()}, nil
}

// modelFacts reads parameter count, opset and producer from the .onnx file.
func modelFacts(path string) (harness.ModelFacts, error) {
	m, err := onnx.ReadFile(path)
	if err != nil {
		return harness.ModelFacts{}, err
	}
	return harness.ModelFacts{Parameters: m.ParameterCount, Opset: m.Opsets[""], Producer: m.Producer + " " + m.ProducerVersion}, nil
}
