package harnesstest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder collects what the checks report instead of failing the test.
type recorder struct{ errs, logs []string }

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }
func (r *recorder) Logf(f string, a ...any)   { r.logs = append(r.logs, fmt.Sprintf(f, a...)) }
func (r *recorder) has(sub string) bool       { return contains(r.errs, sub) }
func contains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// fake computes y = 2x (float32 [batch, 3]) row by row; its flaws are
// switched on one at a time to check that TestModel notices each.
type fake struct {
	closed      int
	batch       int64 // declared axis 0: -1 dynamic
	leak        bool  // subtract the batch mean: rows depend on each other
	mutate      bool  // write into the input
	runAfter    bool  // Run succeeds after Close
	wrongDType  bool  // return float64 while declaring float32
	badLen      bool  // return fewer elements than the shape says
	panicClose  bool  // second Close panics
	failOnBatch bool  // Run fails for batches of one row
}

func (f *fake) Inputs() []tensor.Info {
	return []tensor.Info{{Name: "x", Kind: tensor.KindTensor, DType: tensor.Float32, Shape: []int64{f.batch, 3}, DimParams: []string{"batch", ""}}}
}

func (f *fake) Outputs() []tensor.Info {
	return []tensor.Info{{Name: "y", Kind: tensor.KindTensor, DType: tensor.Float32, Shape: []int64{f.batch, 3}, DimParams: []string{"batch", ""}}}
}

func (f *fake) Run(_ context.Context, in []tensor.Tensor) ([]tensor.Tensor, error) {
	if f.closed > 0 && !f.runAfter {
		return nil, errors.New("closed")
	}
	x := in[0].Data.([]float32)
	if f.failOnBatch && in[0].Shape[0] == 1 {
		return nil, errors.New("batch of one")
	}
	var mean float32
	if f.leak {
		for _, v := range x {
			mean += v / float32(len(x))
		}
	}
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = 2*v - mean
	}
	if f.mutate {
		x[0]++
	}
	out := tensor.Tensor{Name: "y", DType: tensor.Float32, Shape: append([]int64(nil), in[0].Shape...), Data: y}
	if f.wrongDType {
		y64 := make([]float64, len(y))
		for i, v := range y {
			y64[i] = float64(v)
		}
		out.DType, out.Data = tensor.Float64, y64
	}
	if f.badLen {
		out.Data = y[:len(y)-1]
	}
	return []tensor.Tensor{out}, nil
}

func (f *fake) Close() error {
	f.closed++
	if f.panicClose && f.closed > 1 {
		panic("double close")
	}
	return nil
}

func TestTestModel(t *testing.T) {
	tests := []struct {
		name string
		m    *fake
		want string // "" means no violation
	}{
		{"good", &fake{batch: -1}, ""},
		{"good fixed batch", &fake{batch: 4}, ""},
		{"batch dependent", &fake{batch: -1, leak: true}, "row 0 alone: output \"y\""},
		{"mutates input", &fake{batch: -1, mutate: true}, `Run modified input "x"`},
		{"runs after close", &fake{batch: -1, runAfter: true}, "Run after Close succeeded"},
		{"wrong dtype", &fake{batch: -1, wrongDType: true}, `output "y" is float64; declared float32`},
		{"bad length", &fake{batch: -1, badLen: true}, `output "y" fails Check`},
		{"panicking close", &fake{batch: -1, panicClose: true}, "second Close panicked"},
		{"fails on one row", &fake{batch: -1, failOnBatch: true}, "Run(row 0 alone)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r recorder
			testModel(&r, tt.m)
			if tt.want == "" {
				assert.Empty(t, r.errs)
			} else {
				assert.True(t, r.has(tt.want), "violations %q; want one containing %q", r.errs, tt.want)
			}
			assert.GreaterOrEqual(t, tt.m.closed, 1, "TestModel closes the model")
		})
	}
}

// The reversed-batch check catches row leakage even when the batch is fixed
// (no single-row runs possible): a model that outputs each row's successor.
type shifter struct{ fake }

func (s *shifter) Run(ctx context.Context, in []tensor.Tensor) ([]tensor.Tensor, error) {
	out, err := s.fake.Run(ctx, in)
	if err != nil {
		return nil, err
	}
	y := out[0].Data.([]float32)
	rotated := append(append([]float32(nil), y[3:]...), y[:3]...)
	out[0].Data = rotated
	return out, nil
}

func TestReversedBatchCatchesLeak(t *testing.T) {
	var r recorder
	testModel(&r, &shifter{fake{batch: 4}})
	assert.True(t, r.has("reversed batch: output \"y\""), "violations %q", r.errs)
}

type noDescribe struct{ closed bool }

func (n *noDescribe) Run(context.Context, []tensor.Tensor) ([]tensor.Tensor, error) {
	return nil, nil
}
func (n *noDescribe) Close() error { n.closed = true; return nil }

func TestNotDescriber(t *testing.T) {
	var r recorder
	m := &noDescribe{}
	testModel(&r, m)
	assert.Empty(t, r.errs)
	assert.True(t, contains(r.logs, "not a harness.Describer"))
	assert.True(t, m.closed)
}

func TestRandomInputs(t *testing.T) {
	infos := []tensor.Info{
		{Name: "ids", Kind: tensor.KindTensor, DType: tensor.Int64, Shape: []int64{-1, -1}, DimParams: []string{"batch", "seq"}},
		{Name: "mask", Kind: tensor.KindTensor, DType: tensor.Int64, Shape: []int64{-1, -1}, DimParams: []string{"batch", "seq"}},
		{Name: "img", Kind: tensor.KindTensor, DType: tensor.Float16, Shape: []int64{-1, 2}, DimParams: []string{"", ""}},
	}
	got, err := RandomInputs(infos, newRand())
	assert.NoError(t, err)
	assert.Equal(t, []int64{Batch, symbolicSize}, got[0].Shape)
	assert.Equal(t, got[0].Shape, got[1].Shape, "shared symbolic names get one size")
	assert.Equal(t, []int64{Batch, 2}, got[2].Shape)
	for _, v := range got[0].Data.([]int64) {
		assert.True(t, v >= 0 && v < 8, "int %d outside [0, 8)", v)
	}
	for i := 0; i < got[2].Len(); i++ {
		v := got[2].Float(i)
		assert.True(t, v >= -1 && v <= 1, "float %v outside [-1, 1]", v)
	}
	_, err = RandomInputs([]tensor.Info{{Name: "s", Kind: tensor.KindSequenceOfMaps}}, newRand())
	assert.Error(t, err)
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(3, 4)) }
