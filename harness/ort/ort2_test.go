package ort_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/evalctl/evalctl/harness/harnesstest"
	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On a CPU-only library (the npm onnxruntime-node build) the GPU providers
// cannot be loaded: without fallback Open fails naming the provider and ORT's
// reason; with fallback it uses cpu and records why.
func TestProviderFallback(t *testing.T) {
	rt := requireORT(t)
	for _, p := range []struct{ name, ortName string }{{"cuda", "CUDAExecutionProvider"}, {"tensorrt", "TensorrtExecutionProvider"}} {
		t.Run(p.name, func(t *testing.T) {
			if slices.Contains(rt.Providers, p.ortName) {
				t.Skipf("%s is available in %s; this test covers libraries without it", p.ortName, rt.Library)
			}
			assert.NotEmpty(t, rt.Unavailable[p.ortName], "Runtime.Unavailable should say why %s is missing", p.ortName)

			_, err := ort.Open(fixture("cnn"), ort.Options{Providers: []string{p.name}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "execution provider "+p.name+" could not be loaded: ")
			assert.Contains(t, err.Error(), fixture("cnn"))

			_, err = ort.Open(fixture("cnn"), ort.Options{Providers: []string{p.name, "cpu"}})
			require.Error(t, err, "cpu listed second is still no fallback without AllowFallback")

			m, err := ort.Open(fixture("cnn"), ort.Options{Providers: []string{p.name, "cpu"}, AllowFallback: true})
			require.NoError(t, err)
			defer m.Close()
			assert.Equal(t, "cpu", m.Provider())
			notes := m.ProviderNotes()
			require.Len(t, notes, 2)
			assert.Contains(t, notes[0], "execution provider "+p.name+" could not be loaded")
			assert.Equal(t, "using cpu instead of "+p.name, notes[1])

			m2, err := ort.Open(fixture("cnn"), ort.Options{Providers: []string{p.name}, AllowFallback: true})
			require.NoError(t, err)
			defer m2.Close()
			assert.Equal(t, "cpu", m2.Provider())
			assert.Contains(t, m2.ProviderNotes()[len(m2.ProviderNotes())-1], "fell back to cpu after "+p.name+" failed")
		})
	}
}

func TestCPUProviderNotes(t *testing.T) {
	m := open(t, "cnn", ort.Options{Providers: []string{"cpu"}, IntraOpThreads: 1, GraphOptimization: "basic"})
	assert.Equal(t, "cpu", m.Provider())
	assert.Empty(t, m.ProviderNotes())
}

func TestOpenErrors(t *testing.T) {
	requireORT(t)
	_, err := ort.Open("testdata/nope.onnx", ort.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "testdata/nope.onnx")

	_, err = ort.Open(fixture("cnn"), ort.Options{Providers: []string{"rocm"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown execution provider "rocm"`)

	_, err = ort.Open("testdata/README.md", ort.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "onnxruntime cannot load it")
}

// Every fixture passes the conformance test every harness.Model must pass.
func TestConformance(t *testing.T) {
	requireORT(t)
	for _, name := range []string{
		"identity_float32", "identity_float16", "identity_float64", "identity_int64", "identity_int32",
		"identity_uint8", "identity_bool", "cast_all", "encoder", "fixed_batch", "linear_softmax",
		"zipmap_int", "zipmap_str", "log_nan", "cnn", "symbolic_dim", "external_data",
	} {
		t.Run(name, func(t *testing.T) {
			m, err := ort.Open(fixture(name), ort.Options{IntraOpThreads: 1})
			require.NoError(t, err)
			harnesstest.TestModel(t, m)
		})
	}
}

func TestRunAfterClose(t *testing.T) {
	requireORT(t)
	m, err := ort.Open(fixture("identity_float32"), ort.Options{})
	require.NoError(t, err)
	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "Close is idempotent")
	_, err = m.Run(context.Background(), []tensor.Tensor{f32("x", []int64{1, 3}, 1, 2, 3)})
	assert.ErrorIs(t, err, ort.ErrClosed)
}

func TestContextCancelled(t *testing.T) {
	m := open(t, "identity_float32", ort.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.Run(ctx, []tensor.Tensor{f32("x", []int64{1, 3}, 1, 2, 3)})
	assert.ErrorIs(t, err, context.Canceled)

	// A live, cancellable context runs normally, and the model stays usable.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	out, err := m.Run(ctx2, []tensor.Tensor{f32("x", []int64{1, 3}, 1, 2, 3)})
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 2, 3}, out[0].Data)
}

// The encoder takes a masked mean of token embeddings, so padding must not
// change the logits: [3 4] equals [3 4 0 0] with mask [1 1 0 0].
func TestEncoderPadding(t *testing.T) {
	m := open(t, "encoder", ort.Options{})
	in := m.Inputs()
	require.Len(t, in, 2)
	assert.Equal(t, []string{"batch", "sequence"}, in[0].DimParams)
	assert.Equal(t, "[batch, sequence]", in[0].ShapeString())
	i64 := func(name string, shape []int64, v ...int64) tensor.Tensor {
		return tensor.Tensor{Name: name, DType: tensor.Int64, Shape: shape, Data: v}
	}
	short := run(t, m, i64("input_ids", []int64{1, 2}, 3, 4), i64("attention_mask", []int64{1, 2}, 1, 1))
	padded := run(t, m, i64("attention_mask", []int64{1, 4}, 1, 1, 0, 0), i64("input_ids", []int64{1, 4}, 3, 4, 0, 0))
	assert.InDeltaSlice(t, short[0].Float64s(), padded[0].Float64s(), 1e-6)
	assert.Equal(t, []int64{1, 2}, short[0].Shape)
}

func TestSymbolicDim(t *testing.T) {
	m := open(t, "symbolic_dim", ort.Options{})
	in := m.Inputs()[0]
	assert.Equal(t, []int64{-1, -1, 4}, in.Shape)
	assert.Equal(t, []string{"batch", "seq_len", ""}, in.DimParams)
	// mean over seq_len of rows (1..4) and (5..8) per feature: one batch row,
	// seq_len 2 → mean of 1,5 = 3 etc.
	out := run(t, m, f32("tokens", []int64{1, 2, 4}, 1, 2, 3, 4, 5, 6, 7, 8))
	assert.Equal(t, []float32{3, 4, 5, 6}, out[0].Data)
	assert.Equal(t, []int64{1, 4}, out[0].Shape)
}

// external_data.onnx keeps w = arange(256)/256 reshaped [32, 8] in a side
// file; y[j] = sum_i x[i] * w[i][j]. With x = e_1 (one-hot at i=1), y = w[1].
func TestExternalData(t *testing.T) {
	m := open(t, "external_data", ort.Options{})
	x := make([]float32, 32)
	x[1] = 1
	out := run(t, m, f32("x", []int64{1, 32}, x...))
	want := make([]float32, 8)
	for j := range want {
		want[j] = float32(8+j) / 256
	}
	assert.Equal(t, want, out[0].Data)
}

// Outputs are owned by the caller: changing them does not affect a later run.
func TestOutputsOwned(t *testing.T) {
	m := open(t, "linear_softmax", ort.Options{})
	in := f32("x", []int64{1, 2}, 1, 2)
	a := run(t, m, in)
	a[0].Data.([]float32)[0] = float32(math.NaN())
	b := run(t, m, in)
	assert.False(t, math.IsNaN(float64(b[0].Data.([]float32)[0])))
	assert.Equal(t, []float32{1, 2}, in.Data, "inputs untouched")
}

func TestNoCgoErrorWording(t *testing.T) {
	// The stub's message is fixed by the brief; keep it stable.
	assert.Contains(t, ort.ErrNoCgo.Error(), "evalctl was built without cgo; rebuild with CGO_ENABLED=1")
	assert.False(t, errors.Is(ort.ErrClosed, ort.ErrNoCgo))
}
