package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireORT skips (or, with EVALCTL_REQUIRE_ORT=1 as in CI, fails) when no
// ONNX Runtime library can be found the way evalctl finds it.
func requireORT(t *testing.T) {
	t.Helper()
	if _, _, err := ort.FindLibrary(""); err != nil {
		if os.Getenv("EVALCTL_REQUIRE_ORT") == "1" {
			t.Fatalf("ONNX Runtime is required: %v", err)
		}
		t.Skipf("no ONNX Runtime (run scripts/fetch-ort.sh): %v", err)
	}
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Usage:"},
		{[]string{"help"}, exitOK, "The commands are"},
		{[]string{"help", "run"}, exitOK, "usage: evalctl run"},
		{[]string{"rn"}, exitUsage, `did you mean "run"?`},
		{[]string{"run"}, exitUsage, "run takes one SUITE.yaml"},
		{[]string{"run", "--limit", "x", "s.yaml"}, exitUsage, "invalid value"},
		{[]string{"run", "--shard", "5/2", "testdata/linear.yaml"}, exitUsage, "0 <= i < n"},
		{[]string{"validate", "../../harness/suite/testdata/unknown-key.bad.yaml"}, exitUsage, `did you mean "adaptation"?`},
		{[]string{"validate", "testdata/linear.yaml"}, exitOK, "ok"},
		{[]string{"inspect", "../../harness/ort/testdata/linear_softmax.onnx"}, exitOK, "logits"},
		{[]string{"inspect", "testdata/linear.csv"}, exitUsage, "linear.csv"},
		{[]string{"version"}, exitOK, "evalctl"},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		assert.Equal(t, tc.code, code, "%v: stdout %q stderr %q", tc.args, out, errOut)
		assert.Contains(t, out+errOut, tc.want, "%v", tc.args)
	}
}

// handAccuracy recomputes the linear fixture's accuracy from its definition:
// probs = softmax(x·W + b), W = [[1,0,-1],[0,1,1]], b = [0, 0.5, -0.5]
// (harness/ort/testdata/README.md).
func handAccuracy(t *testing.T) float64 {
	f, err := os.Open("testdata/linear.csv")
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	right := 0
	for _, r := range rows[1:] {
		x1, _ := strconv.ParseFloat(r[0], 64)
		x2, _ := strconv.ParseFloat(r[1], 64)
		z := []float64{x1, x2 + 0.5, -x1 + x2 - 0.5}
		best := 0
		for c := range z {
			if z[c] > z[best] {
				best = c
			}
		}
		if []string{"red", "green", "blue"}[best] == r[2] {
			right++
		}
	}
	return float64(right) / float64(len(rows)-1)
}

func TestRunEndToEnd(t *testing.T) {
	requireORT(t)
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "run", "testdata/linear.yaml", "--out", dir, "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, errOut, "result.json")
	res, err := result.ReadFile(filepath.Join(dir, "result.json"))
	require.NoError(t, err)
	assert.Equal(t, "cpu", res.Models[0].Provider)
	assert.Equal(t, int64(9), res.Models[0].Parameters, "W (6) + b (3)")
	ev := res.Evaluations[0]
	acc, _ := ev.Metric("accuracy")
	assert.InDelta(t, handAccuracy(t), float64(acc.Value), 1e-12)
	assert.Equal(t, 120, ev.N)
	assert.NotZero(t, ev.Efficiency.ExamplesPerSecond)
	assert.True(t, res.Gates[0].Pass)
	assert.Contains(t, out, `"schema": "evalctl.result/v1"`)
}

func TestRunGateFailureExits3(t *testing.T) {
	requireORT(t)
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "run", "testdata/linear-gate.yaml", "--out", dir, "--format", "none")
	assert.Equal(t, exitGate, code, errOut)
	assert.Contains(t, errOut, "gate failed: accuracy >= 0.99")
	code, _, errOut = runCLI(t, "run", "testdata/linear-gate.yaml", "--out", dir, "--format", "none", "--no-gates")
	assert.Equal(t, exitOK, code, errOut)
}

func TestRunMissingRuntimeExits1(t *testing.T) {
	if os.Getenv("EVALCTL_ORT_LIB") != "" {
		t.Skip("EVALCTL_ORT_LIB is set")
	}
	// --ort-lib naming a missing file is a runtime error with advice. (ORT may
	// already be loaded in this process by another test; then Init reports
	// the conflict, which is also exit 1.)
	code, _, errOut := runCLI(t, "run", "testdata/linear.yaml", "--out", t.TempDir(), "--ort-lib", "/nonexistent/libonnxruntime.so")
	assert.Equal(t, exitRuntime, code, errOut)
	assert.Contains(t, errOut, "libonnxruntime")
}

func TestProbabilitiesMatchHandComputation(t *testing.T) {
	requireORT(t)
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "run", "testdata/linear.yaml", "--out", dir, "--format", "none", "--limit", "5")
	require.Equal(t, exitOK, code, errOut)
	f, _ := os.Open("testdata/linear.csv")
	rows, _ := csv.NewReader(f).ReadAll()
	f.Close()
	n := 0
	require.NoError(t, result.ReadPredictions(filepath.Join(dir, "predictions.jsonl"), func(p *result.Prediction) error {
		r := rows[p.Index+1]
		x1, _ := strconv.ParseFloat(r[0], 64)
		x2, _ := strconv.ParseFloat(r[1], 64)
		z := []float64{x1, x2 + 0.5, -x1 + x2 - 0.5}
		s := math.Exp(z[0]) + math.Exp(z[1]) + math.Exp(z[2])
		for c := range z {
			assert.InDelta(t, math.Exp(z[c])/s, p.Probs[c], 1e-6, "example %d class %d", p.Index, c)
		}
		n++
		return nil
	}))
	assert.Equal(t, 5, n, "--limit 5")
}
