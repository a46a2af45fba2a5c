package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The exit codes are a contract with CI systems (docs/cli.md): 2 for invalid
// input (the suite, the data, a model that does not fit its task, a result
// or sidecar that does not parse), 1 for a runtime failure, a bug (a panic)
// or an interrupted run, 3 for a failed gate.

// linearSuite writes a suite over the linear fixture model with the given
// datasets section and returns its path.
func linearSuite(t *testing.T, dir, model, datasets string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("../../harness/ort/testdata", model))
	require.NoError(t, err)
	y := fmt.Sprintf(`version: 1
name: exitcodes
seed: 1
bootstrap: {resamples: 0}
runtime: {batch_size: 16}
models:
  - {name: m, path: %s}
datasets:
%s
tasks:
  - {name: t, kind: classification, dataset: d, output: probs, metrics: [accuracy]}
`, abs, datasets)
	p := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	return p
}

const csvDataset = `  - name: d
    format: csv
    path: data.csv
    features: [{name: x, columns: [x1, x2]}]
    label: {column: label, classes: [red, green, blue]}`

// badCSV copies testdata/linear.csv with line n (1-based) replaced.
func badCSV(t *testing.T, dir string, n int, with string) {
	t.Helper()
	b, err := os.ReadFile("testdata/linear.csv")
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	lines[n-1] = with
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.csv"), []byte(strings.Join(lines, "\n")), 0o644))
}

func TestExitCodeInvalidInput(t *testing.T) {
	requireORT(t)
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) []string
		want  string
	}{
		{"a CSV value that is not a number", func(t *testing.T, dir string) []string {
			// After row 100 the column's kind is fixed (number), so the
			// reader meets the text while streaming.
			badCSV(t, dir, 110, "0.5,abc,red,a")
			return []string{"run", linearSuite(t, dir, "linear_softmax.onnx", csvDataset)}
		}, "data.csv:110"},
		{"a label outside the classes", func(t *testing.T, dir string) []string {
			badCSV(t, dir, 7, "0.5,0.5,purple,a")
			return []string{"run", linearSuite(t, dir, "linear_softmax.onnx", csvDataset)}
		}, "purple"},
		{"an unknown feature column", func(t *testing.T, dir string) []string {
			badCSV(t, dir, 2, "-1.05,0.18,blue,b")
			return []string{"run", linearSuite(t, dir, "linear_softmax.onnx", strings.Replace(csvDataset, "[x1, x2]", "[x1, x3]", 1))}
		}, "x3"},
		{"an NPY file that is not NPY", func(t *testing.T, dir string) []string {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "x.npy"), []byte("x1,x2\n1,2\n"), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "y.npy"), []byte("label\nred\n"), 0o644))
			return []string{"run", linearSuite(t, dir, "linear_softmax.onnx", `  - name: d
    format: npy
    files: [{column: x, path: x.npy}, {column: label, path: y.npy}]
    features: [{name: x, columns: [x]}]
    label: {column: label, classes: [red, green, blue]}`)}
		}, "x.npy"},
		{"a JSONL line that does not parse", func(t *testing.T, dir string) []string {
			var b strings.Builder
			for i := range 20 {
				if i == 11 {
					b.WriteString("{\"x1\": 0.5, \"x2\": \n")
					continue
				}
				fmt.Fprintf(&b, "{\"x1\": %d, \"x2\": 0.5, \"label\": \"red\"}\n", i%3)
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, "data.jsonl"), []byte(b.String()), 0o644))
			return []string{"run", linearSuite(t, dir, "linear_softmax.onnx", strings.Replace(csvDataset, "csv", "jsonl", 2))}
		}, "data.jsonl:12"},
		{"a model whose input is a string tensor", func(t *testing.T, dir string) []string {
			badCSV(t, dir, 2, "-1.05,0.18,blue,b")
			return []string{"run", linearSuite(t, dir, "string_input.onnx", csvDataset)}
		}, `model input "x" takes string tensors`},
		{"a truncated sidecar given to compare", func(t *testing.T, dir string) []string {
			base, cand := filepath.Join(dir, "base"), filepath.Join(dir, "cand")
			for _, out := range []string{base, cand} {
				code, _, errOut := runCLI(t, "run", "testdata/linear.yaml", "--out", out, "--format", "none")
				require.Equal(t, exitOK, code, errOut)
			}
			side := filepath.Join(cand, "predictions.jsonl")
			b, err := os.ReadFile(side)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(side, b[:len(b)/2], 0o644)) // cut mid-line
			return []string{"compare", filepath.Join(base, "result.json"), filepath.Join(cand, "result.json")}
		}, "predictions.jsonl:"},
		{"a result file that is not JSON", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "result.json")
			require.NoError(t, os.WriteFile(p, []byte("{\"schema\": \"evalctl.result/v1\", "), 0o644))
			return []string{"report", p}
		}, "result.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := tc.setup(t, dir)
			if args[0] == "run" {
				args = append(args, "--out", filepath.Join(dir, "out"), "--format", "none")
			}
			code, out, errOut := runCLI(t, args...)
			assert.Equal(t, exitUsage, code, "stdout %q stderr %q", out, errOut)
			assert.Contains(t, errOut, tc.want)
			assert.NotContains(t, errOut, "goroutine ", "no stack trace for bad input")
		})
	}
}

func TestResamplesAreBounded(t *testing.T) {
	code, _, errOut := runCLI(t, "rescore", "--resamples", "100000000", "result.json")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--resamples 100000000 is more than the limit of 100000")
}

func TestExitCodeGateFailureIs3(t *testing.T) {
	requireORT(t)
	code, _, errOut := runCLI(t, "run", "testdata/linear-gate.yaml", "--out", t.TempDir(), "--format", "none")
	assert.Equal(t, exitGate, code, errOut)
}

func TestExitCodeInterruptedRunIs1(t *testing.T) {
	requireORT(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"run", "testdata/linear.yaml", "--out", t.TempDir(), "--format", "none"}, &out, &errb)
	assert.Equal(t, exitRuntime, code, errb.String())
	assert.Contains(t, errb.String(), "context canceled")
}

// TestExitCodePanicIs1: a panic anywhere in a command is reported as an
// internal error with exit 1, never 2 and never a crash.
func TestExitCodePanicIs1(t *testing.T) {
	saved := commands
	t.Cleanup(func() { commands = saved })
	register(&command{Name: "test-panic", Setup: func(*flag.FlagSet) func(context.Context, *env, []string) error {
		return func(context.Context, *env, []string) error {
			var probs []float64
			_ = probs[99]
			return nil
		}
	}})
	code, _, errOut := runCLI(t, "test-panic")
	assert.Equal(t, exitRuntime, code)
	assert.Contains(t, errOut, "internal error")
	assert.Contains(t, errOut, "index out of range [99] with length 0")
}
