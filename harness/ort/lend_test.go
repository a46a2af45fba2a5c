//go:build cgo

package ort

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openLend opens a fixture (see testdata/README.md), skipping without
// ONNX Runtime unless EVALCTL_REQUIRE_ORT=1.
func openLend(t *testing.T, name string) *Model {
	t.Helper()
	if _, err := Init(""); err != nil {
		if os.Getenv("EVALCTL_REQUIRE_ORT") == "1" {
			t.Fatalf("EVALCTL_REQUIRE_ORT=1 but onnxruntime is unusable: %v", err)
		}
		t.Skipf("onnxruntime not available: %v", err)
	}
	m, err := Open(filepath.Join("testdata", name+".onnx"), Options{IntraOpThreads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func lendInput(name string, rows int, width int64, seed float32) tensor.Tensor {
	d := make([]float32, int64(rows)*width)
	for i := range d {
		d[i] = seed + float32(i)*0.25 - 1
	}
	return tensor.Tensor{Name: name, DType: tensor.Float32, Shape: []int64{int64(rows), width}, Data: d}
}

// TestRunIntoLendsWhatRunReturns checks that RunInto lends exactly the
// outputs Run returns (Run is the reference: it is covered against
// hand-computed values in ort_test.go), for preallocated float32 outputs
// (identity, linear_softmax, symbolic_dim), ones ONNX Runtime allocates
// (ZipMap's int64 label of unnamed shape, the ZipMap sequence) and float16.
func TestRunIntoLendsWhatRunReturns(t *testing.T) {
	for _, tc := range []struct {
		model string
		input func(rows int) tensor.Tensor
	}{
		{"identity_float32", func(r int) tensor.Tensor { return lendInput("x", r, 3, 0) }},
		{"linear_softmax", func(r int) tensor.Tensor { return lendInput("x", r, 2, 0.5) }},
		{"zipmap_int", func(r int) tensor.Tensor { return lendInput("float_input", r, 2, 0.1) }},
		{"cast_all", func(r int) tensor.Tensor { return lendInput("x", r, 3, 2) }},
		{"symbolic_dim", func(r int) tensor.Tensor {
			in := lendInput("tokens", r, 20, 0)
			in.Shape = []int64{int64(r), 5, 4}
			return in
		}},
	} {
		t.Run(tc.model, func(t *testing.T) {
			m := openLend(t, tc.model)
			for _, rows := range []int{3, 1, 5} { // a smaller batch reuses a larger pooled buffer
				in := []tensor.Tensor{tc.input(rows)}
				want, err := m.Run(context.Background(), in)
				require.NoError(t, err)
				calls := 0
				err = m.RunInto(context.Background(), in, func(got []tensor.Tensor) error {
					calls++
					require.Len(t, got, len(want))
					for i := range want {
						assert.Equal(t, want[i].Name, got[i].Name)
						assert.Equal(t, want[i].DType, got[i].DType)
						assert.Equal(t, want[i].Shape, got[i].Shape)
						assert.Equal(t, want[i].Keys, got[i].Keys)
						assert.Equal(t, want[i].Data, got[i].Data, "output %s, %d rows", want[i].Name, rows)
					}
					return nil
				})
				require.NoError(t, err)
				assert.Equal(t, 1, calls)
			}
		})
	}
}

// TestRunIntoLendsPooledMemory pins down the lifetime rule: a preallocated
// output is pooled memory, which RunInto recycles after fn returns (here
// poisoned with NaN, so that a kept slice visibly goes bad).
func TestRunIntoLendsPooledMemory(t *testing.T) {
	m := openLend(t, "linear_softmax")
	poisonLent = true
	t.Cleanup(func() { poisonLent = false })
	var kept []float32
	err := m.RunInto(context.Background(), []tensor.Tensor{lendInput("x", 2, 2, 0)}, func(out []tensor.Tensor) error {
		kept = out[1].Data.([]float32) // "probs": kept against the rule
		for _, p := range kept {
			require.False(t, math.IsNaN(float64(p)))
		}
		return nil
	})
	require.NoError(t, err)
	require.Len(t, kept, 6)
	for _, p := range kept {
		assert.True(t, math.IsNaN(float64(p)), "lent memory was not recycled after fn returned")
	}
}

func TestRunIntoErrors(t *testing.T) {
	m := openLend(t, "identity_float32")
	in := []tensor.Tensor{lendInput("x", 2, 3, 0)}
	boom := errors.New("boom")
	err := m.RunInto(context.Background(), in, func([]tensor.Tensor) error { return boom })
	assert.ErrorIs(t, err, boom, "fn's error is returned as is")

	called := false
	fn := func([]tensor.Tensor) error { called = true; return nil }
	err = m.RunInto(context.Background(), []tensor.Tensor{lendInput("nope", 2, 3, 0)}, fn)
	assert.ErrorContains(t, err, `unknown input "nope"`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = m.RunInto(ctx, in, fn)
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, m.Close())
	err = m.RunInto(context.Background(), in, fn)
	assert.ErrorIs(t, err, ErrClosed)
	assert.False(t, called, "fn must not run when the run fails")
}

// TestRunIntoConcurrent runs RunInto and Run from several goroutines (run
// it with -race): fn runs without the model lock, so lent buffers of
// concurrent calls must never be shared.
func TestRunIntoConcurrent(t *testing.T) {
	m := openLend(t, "identity_float32")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 20 {
				in := lendInput("x", 1+(g+k)%4, 3, float32(g*100+k))
				src := in.Data.([]float32)
				err := m.RunInto(context.Background(), []tensor.Tensor{in}, func(out []tensor.Tensor) error {
					if !assert.Equal(t, src, out[0].Data) {
						return errors.New("mismatch")
					}
					_, err := m.Run(context.Background(), []tensor.Tensor{in}) // fn may call Run
					return err
				})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
}
