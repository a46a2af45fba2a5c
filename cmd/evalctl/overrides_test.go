package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

func TestValidateOverrides(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"--set ok", []string{"--set", "runtime.batch_size=8", "testdata/linear.yaml"}, exitOK, "testdata/linear.yaml: ok", ""},
		{"--set wrong type names the flag", []string{"--set", "runtime.batch_size=eight", "testdata/linear.yaml"}, exitUsage, "",
			`--set runtime.batch_size=eight: runtime.batch_size: wrong type: expected an integer, found "eight"`},
		{"--set gate names the flag", []string{"--set", "gates=[acuracy >= 0.5]", "testdata/linear.yaml"}, exitUsage, "",
			`--set gates=[acuracy >= 0.5]: gates[0]: gate "acuracy >= 0.5": unknown metric "acuracy"`},
		{"--model unknown name", []string{"--model", "bert=x.onnx", "testdata/linear.yaml"}, exitUsage, "",
			`--model bert=x.onnx: invalid value: models has no element named "bert"`},
		{"--model missing file", []string{"--model", "linear=nowhere.onnx", "testdata/linear.yaml"}, exitUsage, "",
			`--model linear=nowhere.onnx: models[0].path: file not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"validate"}, tt.args...)...)
			require.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, out, tt.stdout)
			assert.Contains(t, errOut, tt.stderr)
		})
	}
}

func TestRunOverridesRecorded(t *testing.T) {
	requireORT(t)
	dir := t.TempDir()
	model, err := filepath.Abs("../../harness/ort/testdata/linear_softmax.onnx")
	require.NoError(t, err)
	// A copy of the model stands for a new checkpoint.
	ckpt := filepath.Join(dir, "ckpt.onnx")
	b, err := os.ReadFile(model)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(ckpt, b, 0o644))
	code, _, errOut := runCLI(t, "run", "testdata/linear.yaml", "--out", filepath.Join(dir, "out"), "--format", "none",
		"--model", "linear="+ckpt, "--set", "runtime.batch_size=7", "--set", "tasks[0].metrics=[accuracy, nll]")
	require.Equal(t, exitOK, code, errOut)
	res, err := result.ReadFile(filepath.Join(dir, "out", "result.json"))
	require.NoError(t, err)
	assert.Equal(t, ckpt, res.Models[0].Path)
	assert.Equal(t, 7, res.Runtime.BatchSize)
	overrides := []string{"--model linear=" + ckpt, "--set runtime.batch_size=7", "--set tasks[0].metrics=[accuracy, nll]"}
	assert.Equal(t, overrides, res.Suite.Overrides)
	names := func(r *result.Result) []string {
		var out []string
		for _, m := range r.Evaluations[0].Metrics {
			out = append(out, m.Name)
		}
		return out
	}
	assert.Equal(t, []string{"accuracy", "nll"}, names(res))

	// rescore replays the recorded overrides: the same metrics, not the file's.
	code, _, errOut = runCLI(t, "rescore", filepath.Join(dir, "out", "result.json"), "--out", filepath.Join(dir, "re"), "--format", "none")
	require.Equal(t, exitOK, code, errOut)
	re, err := result.ReadFile(filepath.Join(dir, "re", "result.json"))
	require.NoError(t, err)
	assert.Equal(t, names(res), names(re))
	assert.Equal(t, overrides, re.Suite.Overrides)
	assert.Equal(t, res.Evaluations[0].Metrics[0].Value, re.Evaluations[0].Metrics[0].Value)
}
