package dataset

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEncode64KeepsFileValues checks that Encode64 passes numbers as read
// (float64) where Encode rounds them to float32: float32(0.8) is
// 0.800000011920929 (IEEE 754 binary32 nearest to 0.8), which is above 0.8
// and lands in ECE bin (0.8, 0.9] beside 0.9.
func TestEncode64KeepsFileValues(t *testing.T) {
	num := func(x float64) Value { return Value{Kind: Number, Num: x} }
	for _, tc := range []struct {
		name string
		cols []Column
		vals []Value
		spec FeatureSpec
		want []float64
	}{
		{name: "numbers as read", cols: []Column{{Name: "p", Kind: Number}, {Name: "q", Kind: Number}},
			vals: []Value{num(0.8), num(0.1)}, spec: FeatureSpec{Columns: []string{"p", "q"}}, want: []float64{0.8, 0.1}},
		// 1 + 2^-40 is exact in float64; float32 keeps 24 bits and gives 1.
		{name: "float64 array", cols: []Column{{Name: "a", Kind: Array, Shape: []int{2}}},
			vals: []Value{{Kind: Array, Arr: []float32{1, 0.8}, Arr64: []float64{1 + 0x1p-40, 0.8}, Shape: []int{2}}},
			spec: FeatureSpec{Columns: []string{"a"}}, want: []float64{1 + 0x1p-40, 0.8}},
		// A float32 array (an image) widens exactly.
		{name: "float32 array widens", cols: []Column{{Name: "a", Kind: Array, Shape: []int{2}}},
			vals: []Value{arr([]int{2}, 0.5, 0.25)}, spec: FeatureSpec{Columns: []string{"a"}}, want: []float64{0.5, 0.25}},
		// (0.8 − 0.5)/0.25 as x·(1/0.25) + (−0.5/0.25) in float64: 0.8·4 is
		// exact (3.2000000000000002, the double nearest 3.2), minus 2 gives
		// 1.2000000000000002; through float32 it would be 1.2000000476837158.
		{name: "normalised in float64", cols: []Column{{Name: "p", Kind: Number}},
			vals: []Value{num(0.8)}, spec: FeatureSpec{Columns: []string{"p"}, Mean: []float64{0.5}, Std: []float64{0.25}}, want: []float64{1.2000000000000002}},
		{name: "fill", cols: []Column{{Name: "p", Kind: Number}},
			vals: []Value{{Kind: Missing}}, spec: FeatureSpec{Columns: []string{"p"}, Fill: 0.1, FillMissing: true}, want: []float64{0.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := CompileFeatures(tc.cols, tc.spec)
			require.NoError(t, err)
			rec := Record{Loc: "x.csv:2", Values: tc.vals}
			got := make([]float64, e.Width())
			require.NoError(t, e.Encode64(rec, got))
			assert.Equal(t, tc.want, got)
			// The float32 path is unchanged: the same values rounded.
			got32 := make([]float32, e.Width())
			require.NoError(t, e.Encode(rec, got32))
			for i, x := range tc.want {
				assert.InDelta(t, x, float64(got32[i]), 1e-6)
			}
		})
	}
	assert.Greater(t, float64(float32(0.8)), 0.8, "the rounding this guards against")
}

// TestEncodeInt64 checks exact integers for int64 inputs and the errors
// for values an int64 input cannot take.
func TestEncodeInt64(t *testing.T) {
	cols := []Column{{Name: "id", Kind: Number}, {Name: "a", Kind: Array, Shape: []int{2}}}
	spec := FeatureSpec{Columns: []string{"id", "a"}}
	e, err := CompileFeatures(cols, spec)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		vals []Value
		want []int64
		err  string
	}{
		// 2^40 + 1 and 2^31 + 1 need more than float32's 24 bits.
		{name: "exact", vals: []Value{{Kind: Number, Num: 1<<40 + 1}, {Kind: Array, Arr: []float32{1 << 31, 7}, Arr64: []float64{1<<31 + 1, 7}, Shape: []int{2}}},
			want: []int64{1<<40 + 1, 1<<31 + 1, 7}},
		{name: "negative and 2^53", vals: []Value{{Kind: Number, Num: -3}, {Kind: Array, Arr64: []float64{1 << 53, -(1 << 53)}, Arr: []float32{0, 0}, Shape: []int{2}}},
			want: []int64{-3, 1 << 53, -(1 << 53)}},
		{name: "fraction", vals: []Value{{Kind: Number, Num: 1.5}, arr([]int{2}, 1, 2)},
			err: `x.csv:4: column "id": value is not an integer an int64 input can take exactly: found 1.5`},
		{name: "beyond 2^53", vals: []Value{{Kind: Number, Num: 1}, {Kind: Array, Arr: []float32{0, 0}, Arr64: []float64{0, 1<<53 + 2}, Shape: []int{2}}},
			err: `x.csv:4: column "a"[1]: value is not an integer an int64 input can take exactly: found 9007199254740994`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]int64, 3)
			err := e.EncodeInt64(Record{Loc: "x.csv:4", Values: tc.vals}, got)
			if tc.err != "" {
				require.ErrorIs(t, err, ErrNotInteger)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestNPYFloat64ArrayKeepsPrecision reads a float64 NPY file written here
// (header as numpy.save writes it for np.array([[0.1, 0.8]])) and checks
// that the values reach Encode64 bit for bit.
func TestNPYFloat64ArrayKeepsPrecision(t *testing.T) {
	header := "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }"
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), 0)
	b = append(b, header...)
	for _, x := range []float64{0.1, 0.8} {
		u := math.Float64bits(x)
		for k := range 8 {
			b = append(b, byte(u>>(8*k)))
		}
	}
	p := filepath.Join(t.TempDir(), "x.npy")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	cols, recs, err := readAll(t, Spec{Path: p})
	require.NoError(t, err)
	e, err := CompileFeatures(cols, FeatureSpec{Columns: []string{"x"}})
	require.NoError(t, err)
	got := make([]float64, 2)
	require.NoError(t, e.Encode64(recs[0], got))
	assert.Equal(t, []float64{0.1, 0.8}, got)
}
