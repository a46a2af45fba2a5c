package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

// writeCompareResult writes a one-model, one-task result with the given
// accuracy (and a CI, so that compare can run its unpaired test) and
// recorded suite gates.
func writeCompareResult(t *testing.T, dir, task string, acc float64, gates []result.Gate) string {
	t.Helper()
	r := &result.Result{
		Schema:   result.Schema,
		Run:      result.Run{ID: "run-" + filepath.Base(dir)},
		Suite:    result.Suite{Name: "ci", Seed: 1, Resamples: 100, Confidence: 0.95},
		Models:   []result.Model{{Name: "m"}},
		Datasets: []result.Dataset{{Name: "dev", Files: []result.File{{Path: "dev.csv", SHA256: "abc"}}, Examples: 100}},
		Evaluations: []result.Evaluation{{Model: "m", Task: task, Dataset: "dev", Variant: "clean", N: 100,
			Metrics: []result.Metric{{Name: "accuracy", Value: result.Float(acc), N: 100, HigherIsBetter: true,
				CI: &result.CI{Low: result.Float(acc - 0.05), High: result.Float(acc + 0.05), Level: 0.95}}}}},
		Gates: gates,
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	p := filepath.Join(dir, "result.json")
	require.NoError(t, result.WriteFile(p, r))
	return p
}

func TestCompareExitCodes(t *testing.T) {
	dir := t.TempDir()
	base := writeCompareResult(t, filepath.Join(dir, "base"), "sst2", 0.85, nil)
	pass := writeCompareResult(t, filepath.Join(dir, "pass"), "sst2", 0.86,
		[]result.Gate{{Expr: "accuracy >= 0.8", Model: "m", Task: "sst2", Metric: "accuracy", Pass: true}})
	// The run recorded its failing suite gate; compare must not pass it.
	fail := writeCompareResult(t, filepath.Join(dir, "fail"), "sst2", 0.86,
		[]result.Gate{{Expr: "accuracy >= 0.9", Model: "m", Task: "sst2", Metric: "accuracy"}})
	renamed := writeCompareResult(t, filepath.Join(dir, "renamed"), "sst2-v2", 0.86, nil)
	junit := filepath.Join(dir, "gates.xml")
	tests := []struct {
		name     string
		args     []string
		code     int
		inStdout []string
		inStderr []string
		cases    int // JUnit test cases, when > 0
	}{
		{"suite gate passes", []string{base, pass}, exitOK, []string{"accuracy >= 0.8", "suite", "PASS"}, nil, 0},
		{"suite gate fails: exit 3", []string{base, fail}, exitGate, []string{"accuracy >= 0.9", "FAIL", "accuracy = 0.86, want >= 0.9"},
			[]string{"gate failed (suite): accuracy >= 0.9"}, 0},
		{"suite gate fails in md", []string{base, fail, "--format", "md"}, exitGate, []string{"❌ evalctl compare: gates failed", "| `accuracy >= 0.9` | suite |"}, nil, 0},
		// One suite gate + one --gate + one compared metric.
		{"junit has gates and metrics", []string{base, fail, "--gate", "accuracy may drop at most 0.1", "--format", "junit", "--junit", junit}, exitGate,
			[]string{`tests="3" failures="1"`, `classname="evalctl.suite-gate.sst2"`, `classname="evalctl.metric.sst2"`}, nil, 3},
		{"renamed task: exit 2", []string{base, renamed}, exitUsage, nil,
			[]string{"nothing in common", "the baseline has sst2 (dataset dev), the candidate sst2-v2 (dataset dev)"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"compare"}, tt.args...)...)
			require.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, s := range tt.inStdout {
				assert.Contains(t, out, s)
			}
			for _, s := range tt.inStderr {
				assert.Contains(t, errOut, s)
			}
			if tt.cases > 0 {
				b, err := os.ReadFile(junit)
				require.NoError(t, err)
				assert.Equal(t, tt.cases, strings.Count(string(b), "<testcase "))
			}
		})
	}
}

func TestReportAdaptationView(t *testing.T) {
	const fixture = "../../reports/testdata/fixture.result.json"
	tests := []struct {
		name string
		args []string
		code int
		out  string
		err  string
	}{
		{"table", []string{"--view", "adaptation"}, exitOK, "adaptation methods side by side", ""},
		{"md", []string{"--view", "adaptation", "--format", "md"}, exitOK, "| Model | Task | Method | Base | Trainable params | Train examples | Compute |", ""},
		{"html", []string{"--view", "adaptation", "--format", "html"}, exitOK, "<table class=\"adaptation\">", ""},
		{"json", []string{"--view", "adaptation", "--format", "json"}, exitOK, `"trainable_params": 65536`, ""},
		{"unknown view", []string{"--view", "adapt"}, exitUsage, "", `--view "adapt": want summary or adaptation`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"report", fixture}, tt.args...)...)
			require.Equal(t, tt.code, code, errOut)
			assert.Contains(t, out, tt.out)
			assert.Contains(t, errOut, tt.err)
		})
	}
}
