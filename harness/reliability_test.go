package harness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/inputerr"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// panicModel panics on its second call, as a bug in a decoder or a binding
// would: the pass must turn it into an error, not crash the process.
type panicModel struct {
	fakeModel
	calls int
}

func (p *panicModel) Run(ctx context.Context, in []tensor.Tensor) ([]tensor.Tensor, error) {
	p.calls++
	if p.calls == 2 {
		var probs []float64
		_ = probs[99] // index out of range [99] with length 0
	}
	return p.fakeModel.Run(ctx, in)
}

func TestPipelinePanicIsAnErrorNotInvalidInput(t *testing.T) {
	p, _, _ := writeFixture(t, 100, "")
	s, err := suite.Load(p)
	require.NoError(t, err)
	pm := &panicModel{}
	open := func(path string, rt suite.Runtime) (*OpenedModel, error) {
		om, err := pm.fakeModel.opener()(path, rt)
		if err == nil {
			om.Model = pm
		}
		return om, err
	}
	_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Now: fixedNow})
	require.Error(t, err)
	assert.True(t, inputerr.IsPanic(err), "%v", err)
	assert.False(t, inputerr.Is(err), "a panic is never the input's fault (exit 1, not 2)")
	assert.Contains(t, err.Error(), "index out of range [99] with length 0")
}

// TestErrorClasses checks which failures are marked as invalid input
// (exit 2 in evalctl) and which are not (exit 1).
func TestErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(t *testing.T, dir string)
		model   *fakeModel
		invalid bool
		want    string
	}{
		{"text in a numeric column after the rows that fix its kind", func(t *testing.T, dir string) {
			replaceLine(t, filepath.Join(dir, "data.csv"), 150, "0.1,abc,0.3,0.4,x,g1")
		}, &fakeModel{}, true, "data.csv:151"},
		{"a label outside the classes", func(t *testing.T, dir string) {
			replaceLine(t, filepath.Join(dir, "data.csv"), 20, "0.1,0.2,0.3,0.4,purple,g1")
		}, &fakeModel{}, true, "purple"},
		{"too few fields in a row", func(t *testing.T, dir string) {
			replaceLine(t, filepath.Join(dir, "data.csv"), 30, "0.1,0.2")
		}, &fakeModel{}, true, "data.csv:31"},
		{"the model fails to run", nil, &fakeModel{failAfter: 2}, false, "injected failure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, _ := writeFixture(t, 200, "")
			if tc.edit != nil {
				tc.edit(t, filepath.Dir(p))
			}
			_, err := runFixture(t, p, tc.model, nil)
			require.Error(t, err)
			assert.Equal(t, tc.invalid, inputerr.Is(err), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestStringInputIsASignatureError: a model whose input is a string tensor
// used to panic ("tensor: SetFloat on string"); it is now a clear error
// naming the input, marked as invalid input.
func TestStringInputIsASignatureError(t *testing.T) {
	p, _, _ := writeFixture(t, 20, "")
	f := &fakeModel{}
	s, err := suite.Load(p)
	require.NoError(t, err)
	open := func(path string, rt suite.Runtime) (*OpenedModel, error) {
		om, err := f.opener()(path, rt)
		if err == nil {
			om.Inputs[0].DType = tensor.String
		}
		return om, err
	}
	_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Now: fixedNow})
	require.Error(t, err)
	assert.True(t, inputerr.Is(err), "%v", err)
	assert.False(t, inputerr.IsPanic(err))
	assert.Contains(t, err.Error(), `model input "x" takes string tensors`)
}

// replaceLine replaces line n (1-based, the header is line 1) of a file.
func replaceLine(t *testing.T, path string, n int, with string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	lines[n] = with
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644))
}
