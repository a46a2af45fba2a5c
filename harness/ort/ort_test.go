package ort_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var (
	_ harness.Model     = (*ort.Model)(nil)
	_ harness.Describer = (*ort.Model)(nil)
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// requireORT loads ONNX Runtime the way evalctl does (ort.Init("") runs
// FindLibrary). Without a library the test is skipped, unless
// EVALCTL_REQUIRE_ORT=1 (set by CI), which makes it fail.
func requireORT(t testing.TB) *ort.Runtime {
	t.Helper()
	rt, err := ort.Init("")
	if err == nil {
		return rt
	}
	if os.Getenv("EVALCTL_REQUIRE_ORT") == "1" {
		t.Fatalf("EVALCTL_REQUIRE_ORT=1 but onnxruntime is unusable: %v", err)
	}
	if errors.Is(err, ort.ErrLibraryNotFound) || errors.Is(err, ort.ErrNoCgo) {
		t.Skipf("skipping ONNX Runtime test: %v", err)
	}
	t.Fatalf("onnxruntime found but not loadable: %v", err)
	return nil
}

func fixture(name string) string { return filepath.Join("testdata", name+".onnx") }

func open(t *testing.T, name string, opt ort.Options) *ort.Model {
	t.Helper()
	requireORT(t)
	m, err := ort.Open(fixture(name), opt)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func run(t *testing.T, m *ort.Model, in ...tensor.Tensor) []tensor.Tensor {
	t.Helper()
	out, err := m.Run(context.Background(), in)
	require.NoError(t, err)
	for _, o := range out {
		require.NoError(t, o.Check())
	}
	return out
}

func f32(name string, shape []int64, v ...float32) tensor.Tensor {
	return tensor.Tensor{Name: name, DType: tensor.Float32, Shape: shape, Data: v}
}

func TestInit(t *testing.T) {
	rt := requireORT(t)
	assert.NotEmpty(t, rt.Version)
	assert.Contains(t, rt.Providers, "CPUExecutionProvider")
	again, err := ort.Init("")
	require.NoError(t, err)
	assert.Equal(t, rt, again)
	same, err := ort.Init(rt.Library)
	require.NoError(t, err)
	assert.Equal(t, rt.Library, same.Library)

	other := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	require.NoError(t, os.WriteFile(other, nil, 0o644))
	_, err = ort.Init(other)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already loaded from")
}

// Every element type goes in and comes out unchanged through Identity.
func TestRoundTrip(t *testing.T) {
	shape := []int64{2, 3}
	tests := []struct {
		dtype string
		data  any
	}{
		{"float32", []float32{0, -1.5, 3.25, float32(math.Inf(1)), 1e-30, -7}},
		{"float16", []uint16{0x0000, 0x3c00, 0xc000, 0x7c00, 0x0001, 0x7bff}}, // 0, 1, -2, +Inf, min subnormal, max
		{"float64", []float64{0, -1.5, math.Pi, math.MaxFloat64, 1e-300, -7}},
		{"int64", []int64{0, -1, math.MaxInt64, math.MinInt64, 42, 7}},
		{"int32", []int32{0, -1, math.MaxInt32, math.MinInt32, 42, 7}},
		{"uint8", []uint8{0, 1, 127, 128, 254, 255}},
		{"bool", []bool{true, false, false, true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.dtype, func(t *testing.T) {
			m := open(t, "identity_"+tt.dtype, ort.Options{})
			dt, err := tensor.ParseDType(tt.dtype)
			require.NoError(t, err)
			in := tensor.Tensor{Name: "x", DType: dt, Shape: shape, Data: tt.data}
			out := run(t, m, in)
			require.Len(t, out, 1)
			assert.Equal(t, "y", out[0].Name)
			assert.Equal(t, dt, out[0].DType)
			assert.Equal(t, shape, out[0].Shape)
			assert.Equal(t, tt.data, out[0].Data)
		})
	}
}

// Cast from float32 to every other type: ONNX Cast truncates toward zero for
// integers and maps non-zero to true; float16 must equal tensor.Float32ToHalf.
func TestCastAll(t *testing.T) {
	m := open(t, "cast_all", ort.Options{})
	x := []float32{0, 0.5, 1.5, 2, 3.25, 200}
	out := run(t, m, f32("x", []int64{2, 3}, x...))
	require.Len(t, out, 6)
	half := make([]uint16, len(x))
	for i, v := range x {
		half[i] = tensor.Float32ToHalf(v)
	}
	want := map[string]any{
		"y_float16": half,
		"y_float64": []float64{0, 0.5, 1.5, 2, 3.25, 200},
		"y_int64":   []int64{0, 0, 1, 2, 3, 200},
		"y_int32":   []int32{0, 0, 1, 2, 3, 200},
		"y_uint8":   []uint8{0, 0, 1, 2, 3, 200},
		"y_bool":    []bool{false, true, true, true, true, true},
	}
	for _, o := range out {
		assert.Equal(t, want[o.Name], o.Data, o.Name)
		assert.Equal(t, []int64{2, 3}, o.Shape, o.Name)
	}
}

// linear_softmax.onnx: probs = softmax(x @ W + b) with W and b as in
// scripts/gen_fixtures.py (LINEAR_W, LINEAR_B).
func TestLinearSoftmax(t *testing.T) {
	W := [2][3]float64{{1, 0, -1}, {0, 1, 1}}
	b := [3]float64{0, 0.5, -0.5}
	m := open(t, "linear_softmax", ort.Options{})
	x := [][2]float64{{0, 0}, {1, 2}, {-1, 0.5}}
	in := f32("x", []int64{3, 2})
	for _, r := range x {
		in.Data = append(in.Data.([]float32), float32(r[0]), float32(r[1]))
	}
	out := run(t, m, in)
	require.Len(t, out, 2)
	logits, probs := out[0].Float64s(), out[1].Float64s()
	for r, xr := range x {
		var z [3]float64
		var sum float64
		for c := 0; c < 3; c++ {
			z[c] = xr[0]*W[0][c] + xr[1]*W[1][c] + b[c]
			sum += math.Exp(z[c])
		}
		for c := 0; c < 3; c++ {
			assert.InDelta(t, z[c], logits[r*3+c], 1e-6, "logit row %d class %d", r, c)
			assert.InDelta(t, math.Exp(z[c])/sum, probs[r*3+c], 1e-6, "prob row %d class %d", r, c)
		}
	}
	// Row 0 by hand: logits (0, 0.5, -0.5); softmax = (1, e^0.5, e^-0.5)/3.25525.
	assert.InDeltaSlice(t, []float64{0.307196, 0.506480, 0.186324}, probs[:3], 1e-6)
}

// zipLinear returns the LinearClassifier probabilities of the ZipMap fixtures
// (ZIP_COEF, ZIP_INTERCEPT in scripts/gen_fixtures.py), in class-label order.
func zipLinear(x [2]float64) [3]float64 {
	coef := [3][2]float64{{1, 0}, {0, 1}, {-1, -1}}
	icpt := [3]float64{0, 0, 0.5}
	var p [3]float64
	var sum float64
	for c := range p {
		p[c] = math.Exp(coef[c][0]*x[0] + coef[c][1]*x[1] + icpt[c])
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
	return p
}

func TestZipMap(t *testing.T) {
	x := [][2]float64{{0, 0}, {2, -1}, {-1, 3}}
	tests := []struct {
		model    string
		labels   []string // class labels in model order
		wantKeys []string // sorted: int64 keys numerically, strings bytewise
	}{
		{"zipmap_int", []string{"10", "2", "7"}, []string{"2", "7", "10"}},
		{"zipmap_str", []string{"virginica", "setosa", "versicolor"}, []string{"setosa", "versicolor", "virginica"}},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			m := open(t, tt.model, ort.Options{})
			outs := m.Outputs()
			require.Len(t, outs, 2)
			assert.Equal(t, tensor.KindSequenceOfMaps, outs[1].Kind)
			assert.Equal(t, tensor.Float32, outs[1].DType)
			in := f32("float_input", []int64{int64(len(x)), 2})
			for _, r := range x {
				in.Data = append(in.Data.([]float32), float32(r[0]), float32(r[1]))
			}
			out := run(t, m, in)
			require.Len(t, out, 2)
			label, prob := out[0], out[1]
			assert.Equal(t, "output_probability", prob.Name)
			assert.Equal(t, tt.wantKeys, prob.Keys)
			assert.Equal(t, []int64{3, 3}, prob.Shape)
			got := prob.Float64s()
			for r, xr := range x {
				p := zipLinear(xr)
				best := 0
				for c := range p {
					j := slices.Index(tt.wantKeys, tt.labels[c])
					assert.InDelta(t, p[c], got[r*3+j], 1e-6, "row %d key %s", r, tt.labels[c])
					if p[c] > p[best] {
						best = c
					}
				}
				var gotLabel string
				if label.DType == tensor.String {
					gotLabel = label.Data.([]string)[r]
				} else {
					gotLabel = strconv.FormatInt(label.Data.([]int64)[r], 10)
				}
				assert.Equal(t, tt.labels[best], gotLabel, "label of row %d", r)
			}
		})
	}
}

func TestFixedBatch(t *testing.T) {
	m := open(t, "fixed_batch", ort.Options{})
	assert.Equal(t, []int64{4, 3}, m.Inputs()[0].Shape)
	x := make([]float32, 12)
	want := make([]float32, 12)
	for i := range x {
		x[i] = float32(i) - 5
		want[i] = 2 * x[i]
	}
	out := run(t, m, f32("x", []int64{4, 3}, x...))
	assert.Equal(t, want, out[0].Data)

	_, err := m.Run(context.Background(), []tensor.Tensor{f32("x", []int64{3, 3}, x[:9]...)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the model wants [4, 3] (axis 0 must be 4)")
}

func TestInputErrors(t *testing.T) {
	requireORT(t)
	ids := func(name string, shape []int64) tensor.Tensor { return tensor.New(name, tensor.Int64, shape) }
	tests := []struct {
		name  string
		model string
		in    []tensor.Tensor
		want  string
	}{
		{"unknown name", "identity_float32", []tensor.Tensor{f32("X", []int64{1, 3}, 1, 2, 3)},
			`unknown input "X" (model inputs: x float32[batch, 3])`},
		{"missing", "encoder", []tensor.Tensor{ids("input_ids", []int64{1, 2})},
			`missing input "attention_mask" (model inputs: input_ids int64[batch, sequence], attention_mask int64[batch, sequence])`},
		{"twice", "identity_float32", []tensor.Tensor{f32("x", []int64{1, 3}, 1, 2, 3), f32("x", []int64{1, 3}, 1, 2, 3)},
			`input "x" given twice`},
		{"dtype", "identity_float32", []tensor.Tensor{tensor.New("x", tensor.Float64, []int64{1, 3})},
			`input "x" is float64; the model wants float32`},
		{"data length", "identity_float32", []tensor.Tensor{f32("x", []int64{2, 3}, 1, 2, 3)},
			`shape [2 3] needs 6 elements, data has 3`},
		{"rank", "identity_float32", []tensor.Tensor{f32("x", []int64{3}, 1, 2, 3)},
			`input "x" has shape [3] (rank 1); the model wants [batch, 3]`},
		{"fixed dim", "identity_float32", []tensor.Tensor{f32("x", []int64{1, 2}, 1, 2)},
			`(axis 1 must be 3)`},
		{"symbolic mismatch", "encoder", []tensor.Tensor{ids("input_ids", []int64{2, 5}), ids("attention_mask", []int64{2, 6})},
			`dimension "sequence" is 5 in input "input_ids" but 6 in input "attention_mask"`},
		{"zero batch", "identity_float32", []tensor.Tensor{f32("x", []int64{0, 3})},
			`axis 0 must be positive`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := open(t, tt.model, ort.Options{})
			_, err := m.Run(context.Background(), tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), fixture(tt.model))
		})
	}
}

// log(x): NaN for x < 0, -Inf for 0, and ordinary values otherwise must come
// through unchanged (evalctl counts NaN/Inf later; it must see them).
func TestNaNOutputs(t *testing.T) {
	m := open(t, "log_nan", ort.Options{})
	out := run(t, m, f32("x", []int64{2, 2}, -1, 0, 1, float32(math.E)))
	y := out[0].Data.([]float32)
	assert.True(t, math.IsNaN(float64(y[0])), "log(-1) = %v; want NaN", y[0])
	assert.True(t, math.IsInf(float64(y[1]), -1), "log(0) = %v; want -Inf", y[1])
	assert.Equal(t, float32(0), y[2])
	assert.InDelta(t, 1, y[3], 1e-6)
}

// TestSpinningDoesNotChangeOutputs opens the CNN fixture with ONNX
// Runtime's thread spinning on and off at two intra-op threads: the
// setting only changes how idle threads wait, never the outputs.
func TestSpinningDoesNotChangeOutputs(t *testing.T) {
	in := f32("image", []int64{4, 1, 28, 28})
	for i := 0; i < 4*784; i++ {
		in.Data = append(in.Data.([]float32), float32(i%97)/97)
	}
	var got [2][]float64
	for k, spin := range []bool{false, true} {
		m := open(t, "cnn", ort.Options{IntraOpThreads: 2, AllowSpinning: spin})
		out := run(t, m, in)
		require.Len(t, out, 1)
		got[k] = out[0].Float64s()
	}
	assert.Equal(t, got[0], got[1])
}
