package reports

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture is a hand-made result with every section a report shows. Its
// numbers are invented but consistent (CIs contain values, gaps = best − worst).
func fixture() *result.Result {
	ci := func(lo, hi float64) *result.CI {
		return &result.CI{Low: result.Float(lo), High: result.Float(hi), Level: 0.95, Resamples: 1000, Method: "percentile bootstrap"}
	}
	rel := []result.Reliability{{Metric: "ece_15", Bins: []result.ReliabilityBin{
		{Lower: 0.5, Upper: 0.6, Confidence: 0.55, Accuracy: 0.50, Count: 40},
		{Lower: 0.7, Upper: 0.8, Confidence: 0.75, Accuracy: 0.70, Count: 120},
		{Lower: 0.9, Upper: 1.0, Confidence: 0.95, Accuracy: 0.97, Count: 340}}}}
	eval := func(model, task, variant string, acc float64) result.Evaluation {
		e := result.Evaluation{Model: model, Task: task, Kind: "classification", Dataset: task + "-dev", Variant: variant, N: 500, InvalidPolicy: "wrong",
			Metrics: []result.Metric{
				{Name: "accuracy", Value: result.Float(acc), CI: ci(acc-0.03, acc+0.03), N: 500, HigherIsBetter: true},
				{Name: "ece_15", Value: result.Float((1 - acc) / 4), CI: ci((1-acc)/4-0.01, (1-acc)/4+0.01), N: 500, Spec: map[string]string{"binning": "equal-width", "bins": "15"}},
				{Name: "auroc", Value: result.Float(math.NaN()), N: 500, HigherIsBetter: true, Undefined: "one class present"},
			}}
		if variant == "clean" {
			e.Reliability = rel
			e.Efficiency = &result.Efficiency{Examples: 500, Batches: 16, BatchSize: 32, WallSeconds: 2, InferenceSeconds: 1.5, ExamplesPerSecond: 250,
				LatencyMs: result.Latency{P50: 9.5, P90: 11, P99: 14.25, Mean: 9.9}, ModelBytes: 1 << 20, Parameters: 250000}
		}
		return e
	}
	small := eval("small", "sst2", "clean", 0.86)
	small.Invalid = 2
	small.Fairness = &result.Fairness{Attributes: []string{"sex"}, MinGroupN: 30,
		Groups: []result.Group{
			{Attribute: "sex", Value: "female", N: 240, Metrics: []result.Metric{{Name: "accuracy", Value: 0.82, CI: ci(0.77, 0.87), HigherIsBetter: true}}},
			{Attribute: "sex", Value: "male", N: 260, Metrics: []result.Metric{{Name: "accuracy", Value: 0.90, CI: ci(0.86, 0.94), HigherIsBetter: true}}}},
		Summaries: []result.GroupSummary{{Attribute: "sex", Metric: "accuracy", Worst: "female", WorstValue: 0.82, Best: "male", BestValue: 0.90,
			Difference: 0.08, Ratio: 0.9111, DiffCI: ci(0.02, 0.14)}}}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &result.Result{
		Schema:  result.Schema,
		Run:     result.Run{ID: "run-0001", EvalctlVersion: "v0.1.0", GoVersion: "go1.26.8", Started: t0, Finished: t0.Add(90 * time.Second)},
		Suite:   result.Suite{Name: "demo", Path: "suites/demo.yaml", SHA256: "5u1t3", Seed: 42, Resamples: 1000, Confidence: 0.95},
		Runtime: result.Runtime{ORTVersion: "1.30.0", RequestedProviders: []string{"cuda", "cpu"}, BatchSize: 32},
		Models: []result.Model{
			{Name: "small", Path: "small.onnx", SHA256: "aaaa", Parameters: 250000, Provider: "cpu", Adaptation: &result.Adaptation{Method: "linear-probe", TrainableParams: 1538}},
			{Name: "large", Path: "large.onnx", SHA256: "bbbb", Parameters: 4000000, Provider: "cuda", Adaptation: &result.Adaptation{Method: "fine-tune", TrainableParams: 4000000}},
			{Name: "lora", Path: "lora.onnx", SHA256: "cccc", Parameters: 4000000, Provider: "cuda", Adaptation: &result.Adaptation{Method: "lora", TrainableParams: 65536}}},
		Datasets: []result.Dataset{{Name: "sst2-dev", Format: "jsonl", Files: []result.File{{Path: "dev.jsonl", SHA256: "d5d5"}}, Examples: 500}},
		Evaluations: []result.Evaluation{small, eval("small", "sst2", "gaussian_noise@1", 0.80), eval("small", "sst2", "gaussian_noise@3", 0.70),
			eval("large", "sst2", "clean", 0.91), eval("lora", "sst2", "clean", 0.90)},
		Robustness: []result.Robustness{{Model: "small", Task: "sst2", Metric: "accuracy", Clean: result.Metric{Name: "accuracy", Value: 0.86, HigherIsBetter: true},
			Cells: []result.RobustnessCell{{Perturbation: "gaussian_noise", Severity: 1, Value: 0.80}, {Perturbation: "gaussian_noise", Severity: 3, Value: 0.70},
				{Perturbation: "typo", Severity: 1, Value: 0.84}, {Perturbation: "typo", Severity: 3, Value: 0.78}},
			Summary: []result.Metric{{Name: "worst_case_accuracy", Value: 0.66, HigherIsBetter: true}}}},
		Gates: []result.Gate{{Expr: "accuracy >= 0.85", Model: "small", Task: "sst2", Metric: "accuracy", Value: 0.86, Threshold: 0.85, Pass: true},
			{Expr: "ece_15 <= 0.03", Model: "small", Task: "sst2", Metric: "ece_15", Value: 0.035, Threshold: 0.03, Reason: "ece_15 = 0.035, want <= 0.03"}},
	}
}

// scrub replaces timestamps so golden files do not depend on the clock.
var timeRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	got = timeRE.ReplaceAll(got, []byte("TIME"))
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./reports/... -update to create %s", path)
	assert.Equal(t, string(want), string(got), "%s differs; rerun with -update if intended", path)
}

func TestWriteFixture(t *testing.T) {
	// The browser check script renders this file.
	if *update {
		require.NoError(t, result.WriteFile(filepath.Join("testdata", "fixture.result.json"), fixture()))
		// A second run: another task, and sst2 on different data (not merged).
		r2 := lbResult("run-0002", "e7e7", map[string][2]float64{"small": {0.84, 0.41}, "tiny": {0.70, 0.8}}, 5)
		for _, m := range []string{"small", "large", "lora", "tiny"} {
			v := map[string]float64{"small": 0.88, "large": 0.93, "lora": 0.925, "tiny": 0.75}[m]
			r2.Evaluations = append(r2.Evaluations, result.Evaluation{Model: m, Task: "fmnist", Dataset: "fmnist-test", Variant: "clean", N: 1000,
				Metrics: []result.Metric{{Name: "accuracy", Value: result.Float(v), HigherIsBetter: true}, {Name: "nll", Value: result.Float(1.2 - v)}}})
		}
		r2.Datasets = append(r2.Datasets, result.Dataset{Name: "fmnist-test", Files: []result.File{{Path: "t10k.idx", SHA256: "f00d"}}, Examples: 1000})
		r2.Predictions = "fixture2.predictions.jsonl"
		require.NoError(t, result.WriteFile(filepath.Join("testdata", "fixture2.result.json"), r2))
		var lines []string
		for i := range 1000 {
			lines = append(lines, fmt.Sprintf(`{"eval":"small/fmnist/clean","i":%d,"y":%d,"pred":%d,"p":[%g,%g]}`, i, i%2, (i%2)^b2i(i%9 == 0), 0.8, 0.2))
		}
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "fixture2.predictions.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	}
	r, err := result.ReadFile(filepath.Join("testdata", "fixture.result.json"))
	require.NoError(t, err)
	assert.Len(t, r.Evaluations, len(fixture().Evaluations))
}

func TestGoldenText(t *testing.T) {
	r := fixture()
	var b bytes.Buffer
	require.NoError(t, WriteTable(&b, r))
	golden(t, "report.table.golden", b.Bytes())
	b.Reset()
	require.NoError(t, WriteMarkdown(&b, r))
	golden(t, "report.md.golden", b.Bytes())
	assert.Contains(t, b.String(), "1 of 2 gates failed")
	assert.Contains(t, b.String(), "| female (0.8200) | male (0.9000) | 0.0800 [0.0200, 0.1400] |")
	// Mean corrupted = (0.80+0.70+0.84+0.78)/4 = 0.78; worst = 0.70 at gaussian_noise@3.
	assert.Contains(t, b.String(), "| 0.8600 | 0.7800 | 0.7000 (gaussian_noise@3) |")
	// The fixture's summary has worst_case_accuracy 0.66 and no mCE.
	assert.Contains(t, b.String(), "| 0.7000 (gaussian_noise@3) | 0.6600 |")
}

func TestGoldenHTML(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, fixture(), HTMLOptions{}))
	golden(t, "report.html.golden", b.Bytes())
	s := b.String()
	for _, id := range []string{`id="summary-table"`, `id="calibration"`, `id="fairness"`, `id="robustness"`, `id="adaptation"`, `id="efficiency-table"`, `id="provenance-table"`} {
		assert.Contains(t, s, id)
	}
	assert.NotContains(t, s, "<script", "the run report is script-free")
	assert.NotContains(t, s, "http://www.w3.org/1999", "no external references besides the SVG namespace")
	// 3 reliability bins per clean evaluation × 3 models.
	assert.Equal(t, 9, bytes.Count(b.Bytes(), []byte(`class="bin"`)))
}

func TestParetoFrontier(t *testing.T) {
	// Fixture: small (1538, .86), lora (65536, .90), large (4e6, .91) are all on
	// the frontier; a model with more params and lower accuracy is not.
	ps := []point{{"large", 4e6, 0.91}, {"small", 1538, 0.86}, {"lora", 65536, 0.90}, {"bad", 1e5, 0.85}}
	assert.Equal(t, []int{1, 2, 0}, paretoFrontier(ps))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func timeDur(s int) time.Duration { return time.Duration(s) * time.Second }

func TestGoldenCompactText(t *testing.T) {
	r := fixture()
	var b bytes.Buffer
	require.NoError(t, WriteCompactTable(&b, r))
	golden(t, "report.compact.golden", b.Bytes())
	s := b.String()
	// accuracy 0.86 [0.83, 0.89]: half-width (0.89-0.83)/2 = 0.03.
	assert.Contains(t, s, "0.8600 ± 0.0300")
	assert.Contains(t, s, "Gates: 1 of 2 failed")
	assert.NotContains(t, s, CachedLegend, "nothing is cached in the fixture")
	for _, l := range strings.Split(s, "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(l), 120, l)
	}
}

// Efficiency figures from cached predictions are marked "*" with a legend,
// in the compact and the wide table.
func TestCachedLegend(t *testing.T) {
	r := fixture()
	for i := range r.Evaluations {
		if r.Evaluations[i].Model == "large" {
			r.Evaluations[i].Efficiency.Cached = true
		}
	}
	for name, write := range map[string]func(io.Writer, *result.Result) error{"compact": WriteCompactTable, "wide": WriteTable} {
		var b bytes.Buffer
		require.NoError(t, write(&b, r))
		assert.Contains(t, b.String(), "250.0* ", name)
		assert.Equal(t, 1, strings.Count(b.String(), CachedLegend), name)
	}
}
