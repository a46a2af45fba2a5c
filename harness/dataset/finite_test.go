package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeFirstError reads spec, compiles features over columns and encodes
// every record; it returns the first encoding error.
func encodeFirstError(t *testing.T, spec Spec, fs FeatureSpec) error {
	t.Helper()
	cols, recs, err := readAll(t, spec)
	require.NoError(t, err)
	enc, err := CompileFeatures(cols, fs)
	require.NoError(t, err)
	dst := make([]float32, enc.Width())
	for _, r := range recs {
		if err := enc.Encode(r, dst); err != nil {
			return err
		}
	}
	return nil
}

// f4npy writes a little-endian float32 NPY of the given shape.
func f4npy(t *testing.T, shape string, xs ...float32) string {
	var data bytes.Buffer
	require.NoError(t, binary.Write(&data, binary.LittleEndian, xs))
	h := "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }"
	return writeTemp(t, "x.npy", npyBytes(1, h, data.Bytes()))
}

// TestNonFiniteFeatures is issue 11 case 16: NaN and Inf in input features
// are rejected with the example and the column named, in every format,
// unless the dataset allows them.
func TestNonFiniteFeatures(t *testing.T) {
	t.Parallel()
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		name string
		spec Spec
		cols []string
		want string
	}{
		{"csv nan", Spec{Path: writeTemp(t, "a.csv", []byte("x,y\n1,2\n3,nan\n"))}, []string{"x", "y"},
			`a.csv:3: column "y": input value is not finite: NaN`},
		{"csv +Inf", Spec{Path: writeTemp(t, "b.csv", []byte("x,y\n+Inf,2\n"))}, []string{"x", "y"},
			`b.csv:2: column "x": input value is not finite: +Inf`},
		{"csv overflows float32", Spec{Path: writeTemp(t, "c.csv", []byte("x\n1e39\n"))}, []string{"x"},
			`c.csv:2: column "x": input value is not finite: 1e+39, which overflows float32`},
		{"arff NaN", Spec{Path: writeTemp(t, "d.arff", []byte("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1,2\n-Infinity,NaN\n"))}, []string{"a", "b"},
			`d.arff:6: column "a": input value is not finite: -Inf`},
		{"npy array element", Spec{Path: f4npy(t, "(2, 2, 2)", 0, 1, 2, 3, 4, 5, nan, 7)}, []string{"x"},
			`x.npy[1]: column "x"[1,0]: input value is not finite: NaN`},
		{"npy scalar column", Spec{Path: f4npy(t, "(3,)", 1, inf, 2)}, []string{"x"},
			`x.npy[1]: column "x"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := encodeFirstError(t, tc.spec, FeatureSpec{Columns: tc.cols})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "allow_non_finite: true")
			assert.True(t, errors.Is(err, ErrNonFinite))
			// With AllowNonFinite the same data encodes, values unchanged.
			assert.NoError(t, encodeFirstError(t, tc.spec, FeatureSpec{Columns: tc.cols, AllowNonFinite: true}))
		})
	}
}

// TestNonFiniteAllowedPassesThrough checks that an allowed NaN reaches the
// output as NaN (normalisation of NaN is NaN), and that finite data is
// encoded exactly as before (the check changes no number).
func TestNonFiniteAllowedPassesThrough(t *testing.T) {
	t.Parallel()
	cols := []Column{{Name: "a", Kind: Number}, {Name: "v", Kind: Array, Shape: []int{2}}}
	rec := Record{Loc: "r", Values: []Value{num(math.Inf(-1)), arr([]int{2}, 1, float32(math.NaN()))}}
	enc, err := CompileFeatures(cols, FeatureSpec{Columns: []string{"a", "v"}, AllowNonFinite: true, Scale: 2})
	require.NoError(t, err)
	dst := make([]float32, 3)
	require.NoError(t, enc.Encode(rec, dst))
	assert.True(t, math.IsInf(float64(dst[0]), -1))
	assert.Equal(t, float32(2), dst[1]) // 1·2
	assert.True(t, math.IsNaN(float64(dst[2])))

	enc, err = CompileFeatures(cols, FeatureSpec{Columns: []string{"a", "v"}, Scale: 2})
	require.NoError(t, err)
	require.NoError(t, enc.Encode(Record{Loc: "r", Values: []Value{num(-3), arr([]int{2}, 1, 1e30)}}, dst))
	assert.Equal(t, []float32{-6, 2, 2e30}, dst)
}
