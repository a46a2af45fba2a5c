package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBatchSizeFlag is issue 11 case 15: --batch-size 0 and -1 are
// rejected before anything runs instead of being ignored.
func TestBatchSizeFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--batch-size", "0", "testdata/linear.yaml"}, "--batch-size 0: want >= 1"},
		{[]string{"run", "--batch-size=-1", "testdata/linear.yaml"}, "--batch-size -1: want >= 1"},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		assert.Equal(t, exitUsage, code, "%v: stdout %q stderr %q", tc.args, out, errOut)
		assert.Contains(t, errOut, tc.want, "%v", tc.args)
	}
}

// TestTerminalOutputHasNoControls is issue 11 case 13: a name holding
// escape codes reaches stderr with them made visible (\x1b), in suite
// errors and in progress lines.
func TestTerminalOutputHasNoControls(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s\x1b[2J.yaml")
	require.NoError(t, os.WriteFile(p, []byte("version: 1\nname: x\n"), 0o600))
	code, out, errOut := runCLI(t, "validate", p)
	assert.Equal(t, exitUsage, code)
	assert.NotContains(t, out+errOut, "\x1b")
	assert.Contains(t, errOut, `s\x1b[2J.yaml`)

	var b bytes.Buffer
	bar := newProgressBar(&b)
	bar.update(harness.Progress{Model: "m\x1b[31m", Task: "t\r", Variant: "clean", Done: 3, Total: 3, Finished: true})
	bar.warn("column \"\x1b]0;title\a\" is odd")
	assert.NotContains(t, b.String(), "\x1b")
	assert.NotContains(t, b.String(), "\r")
	assert.Contains(t, b.String(), `m\x1b[31m · t\r · clean`)
	assert.Contains(t, b.String(), `\x1b]0;title\x07`)
}

// TestValidateJSON is issue 13 item 13: validate --json reports each
// problem with file, line, col, key, kind and message, and exits 2 when a
// suite is invalid.
func TestValidateJSON(t *testing.T) {
	bad := "../../harness/suite/testdata/unknown-key.bad.yaml"
	code, out, _ := runCLI(t, "validate", "--json", bad, "testdata/linear.yaml")
	assert.Equal(t, exitUsage, code)
	var rep validateReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.False(t, rep.OK)
	require.Len(t, rep.Suites, 2)
	assert.Equal(t, bad, rep.Suites[0].File)
	assert.False(t, rep.Suites[0].OK)
	require.NotEmpty(t, rep.Suites[0].Errors)
	// The first problem of the fixture, as its golden file has it:
	// unknown-key.bad.yaml:4:33: models[0].adaptaton: unknown key "adaptaton" (did you mean "adaptation"?)
	assert.Equal(t, validateProblem{File: bad, Line: 4, Col: 33, Key: "models[0].adaptaton", Kind: "unknown key",
		Message: `unknown key "adaptaton" (did you mean "adaptation"?)`}, rep.Suites[0].Errors[0])
	assert.Equal(t, validateResult{File: "testdata/linear.yaml", OK: true, Name: "linear", Models: 1, Datasets: 1, Tasks: 1, Gates: 1}, rep.Suites[1])

	code, out, _ = runCLI(t, "validate", "--json", "testdata/linear.yaml")
	assert.Equal(t, exitOK, code)
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.True(t, rep.OK)

	// A file that cannot be read is a problem without a line.
	code, out, _ = runCLI(t, "validate", "--json", "nope.yaml")
	assert.Equal(t, exitUsage, code)
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Suites[0].Errors, 1)
	assert.Equal(t, "nope.yaml", rep.Suites[0].Errors[0].File)
	assert.Zero(t, rep.Suites[0].Errors[0].Line)
	assert.Contains(t, rep.Suites[0].Errors[0].Message, "no such file")
}

func TestTerminalSafe(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, terminalSafe(&b, func(w io.Writer) error {
		_, err := io.WriteString(w, "TASK  MODEL\nt     m\x1b[31m\x9b\n")
		return err
	}))
	assert.Equal(t, "TASK  MODEL\nt     m\\x1b[31m\\x9b\n", b.String())
}

// TestRunRejectsNonFiniteFeatures is issue 11 case 16 end to end: a NaN
// in the data stops the run with the file, line and column named (it is
// not scored as the model's invalid output), unless the dataset sets
// allow_non_finite, when the run completes and the example counts as
// invalid output.
func TestRunRejectsNonFiniteFeatures(t *testing.T) {
	requireORT(t)
	dir := t.TempDir()
	model, err := filepath.Abs("../../harness/ort/testdata/linear_softmax.onnx")
	require.NoError(t, err)
	csvText, err := os.ReadFile("testdata/linear.csv")
	require.NoError(t, err)
	lines := strings.Split(string(csvText), "\n")
	lines[2] = "nan," + strings.SplitN(lines[2], ",", 2)[1] // line 3: x1 = nan
	require.NoError(t, os.WriteFile(filepath.Join(dir, "linear.csv"), []byte(strings.Join(lines, "\n")), 0o600))
	yaml, err := os.ReadFile("testdata/linear.yaml")
	require.NoError(t, err)
	suiteText := strings.Replace(string(yaml), "../../../harness/ort/testdata/linear_softmax.onnx", model, 1)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	code, _, errOut := runCLI(t, "run", "--out", filepath.Join(dir, "out1"), "--format", "none", write("s.yaml", suiteText))
	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, errOut, `linear.csv:3: column "x1": input value is not finite: NaN`)

	allowed := strings.Replace(suiteText, "    groups: [{column: grp}]", "    groups: [{column: grp}]\n    allow_non_finite: true", 1)
	code, _, errOut = runCLI(t, "run", "--out", filepath.Join(dir, "out2"), "--format", "none", "--no-gates", write("allowed.yaml", allowed))
	require.Equal(t, exitOK, code, errOut)
	r, err := result.ReadFile(filepath.Join(dir, "out2", "result.json"))
	require.NoError(t, err)
	assert.Equal(t, 1, r.Evaluations[0].Invalid, "the NaN input gives a NaN output, counted as invalid")
}
