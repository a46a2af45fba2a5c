package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/harness/compare"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
)

// suiteFor loads the suite to score with: --suite if given, else the suite
// the result was made from, which must still have the same hash.
func suiteFor(explicit string, r *result.Result) (*suite.Suite, error) {
	path := explicit
	if path == "" {
		path = r.Suite.Path
	}
	// The result's own suite is loaded with the overrides its run recorded
	// (--model, --set, ${VAR}s), so that it is scored as it was run.
	var s *suite.Suite
	var err error
	if explicit == "" {
		s, err = loadSuiteWith(path, suite.Replay(r.Suite.Overrides))
	} else {
		s, err = loadSuite(path)
	}
	if err != nil {
		return nil, err
	}
	if explicit == "" && s.SHA256 != r.Suite.SHA256 {
		return nil, usageErrorf("suite %s changed since the run (sha256 %.12s, the result has %.12s); pass --suite to score with the new version", path, s.SHA256, r.Suite.SHA256)
	}
	return s, nil
}

func init() {
	register(&command{
		Name:      "rescore",
		UsageLine: "rescore [--suite SUITE.yaml] [--seed N] [--resamples N] [--out DIR] [--format table|md|json|none] RESULT.json",
		Short:     "recompute every metric from stored predictions, without models",
		Long: `Rescore recomputes every metric, interval, fairness view and robustness summary
of a result from its predictions sidecar, with no model and no ONNX Runtime.
Edit the suite (new metrics, other calibration bins) and pass it with --suite,
or change the bootstrap with --seed and --resamples. Writes DIR/result.json
(default: the result's own folder) and prints the summary.`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			suitePath := fs.String("suite", "", "suite to score with (default: the result's own, unchanged)")
			seed := fs.Int64("seed", -1, "bootstrap seed (default: the suite's)")
			resamples := fs.Int("resamples", -1, "bootstrap resamples (default: the suite's)")
			out := fs.String("out", "", "output folder (default: the result's folder)")
			format := fs.String("format", "table", "stdout summary: table, md, json or none")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("usage: rescore takes one RESULT.json")
				}
				if *resamples > suite.MaxResamples {
					return usageErrorf("--resamples %d is more than the limit of %d", *resamples, suite.MaxResamples)
				}
				r, err := readResult(args[0])
				if err != nil {
					return err
				}
				s, err := suiteFor(*suitePath, r)
				if err != nil {
					return err
				}
				sidecar := compare.SidecarPath(args[0], r)
				if sidecar == "" {
					return usageErrorf("%s has no predictions sidecar (the run had output.predictions: false)", args[0])
				}
				preds, err := harness.ReadPredictions(sidecar)
				if err != nil {
					return withCode(exitUsage, err)
				}
				var opt harness.RescoreOptions
				if *seed >= 0 {
					v := uint64(*seed)
					opt.Seed = &v
				}
				if *resamples >= 0 {
					opt.Resamples = resamples
				}
				res, err := harness.Rescore(s, r, preds, opt)
				if err != nil {
					return withCode(exitUsage, err)
				}
				dir := *out
				if dir == "" {
					dir = filepath.Dir(args[0])
				}
				if err := saveResult(e, dir, res, preds, s.Output.Gzip || strings.HasSuffix(sidecar, result.GzipSuffix)); err != nil {
					return err
				}
				return printResult(e.stdout, res, *format)
			}
		},
	})
	register(&command{
		Name:      "merge",
		UsageLine: "merge [--suite SUITE.yaml] --out DIR [--format table|md|json|none] SHARD.json...",
		Short:     "merge the results of evalctl run --shard i/n into one",
		Long: `Merge combines the results of the shards of one run (evalctl run --shard i/n
for every i, on any machines: a Kubernetes Indexed Job, a Slurm array, a CI
matrix; see examples/) into the result of the whole run. Predictions are
concatenated in example order and every metric, interval and summary is
recomputed from them, so the merged result equals a single-machine run. The
shards must come from the same suite, models and data and cover every shard
exactly once.`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			suitePath := fs.String("suite", "", "suite to score with (default: the shards' own, unchanged)")
			out := fs.String("out", "", "output folder (required)")
			format := fs.String("format", "table", "stdout summary: table, md, json or none")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) == 0 || *out == "" {
					return usageErrorf("usage: merge needs --out DIR and the shards' result.json files")
				}
				var shards []*result.Result
				var preds []map[string][]result.Prediction
				gz := false
				for _, p := range args {
					r, err := readResult(p)
					if err != nil {
						return err
					}
					sidecar := compare.SidecarPath(p, r)
					if sidecar == "" {
						return usageErrorf("%s has no predictions sidecar; merge needs the per-example predictions", p)
					}
					ps, err := harness.ReadPredictions(sidecar)
					if err != nil {
						return withCode(exitUsage, err)
					}
					shards = append(shards, r)
					preds = append(preds, ps)
					gz = gz || strings.HasSuffix(sidecar, result.GzipSuffix)
				}
				s, err := suiteFor(*suitePath, shards[0])
				if err != nil {
					return err
				}
				res, all, err := harness.Merge(s, shards, preds)
				if err != nil {
					return withCode(exitUsage, err)
				}
				if err := saveResult(e, *out, res, all, gz || s.Output.Gzip); err != nil {
					return err
				}
				if err := printResult(e.stdout, res, *format); err != nil {
					return err
				}
				if gatesFailed(res) {
					return errGateFailed
				}
				return nil
			}
		},
	})
}

// saveResult writes DIR/result.json and DIR/predictions.jsonl atomically
// (predictions.jsonl.gz, gzip-compressed, when gz is set: the input was).
func saveResult(e *env, dir string, res *result.Result, preds map[string][]result.Prediction, gz bool) error {
	res.Predictions = harness.PredictionsFile
	if gz {
		res.Predictions += result.GzipSuffix
	}
	if err := harness.WritePredictions(filepath.Join(dir, res.Predictions), res, preds); err != nil {
		return withCode(exitRuntime, err)
	}
	p := filepath.Join(dir, harness.ResultFile)
	if err := result.WriteFile(p, res); err != nil {
		return withCode(exitRuntime, err)
	}
	fmt.Fprintf(e.stderr, "evalctl: wrote %s\n", p)
	return nil
}
