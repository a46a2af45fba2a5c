package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixture values come from testdata/gen_fixtures.py, which documents the
// formula of every array.

func TestNPYDtypes(t *testing.T) {
	t.Parallel()
	// np.arange(6).reshape(3, 2).astype(dtype); bool gives [[0,1],[1,1],[1,1]].
	want := [][]float32{{0, 1}, {2, 3}, {4, 5}}
	for _, name := range []string{"le_f4", "le_f8", "le_i8", "le_i4", "u1", "be_f4", "be_f8", "be_i8", "be_i4", "i1", "le_i2", "le_u2", "le_u4", "le_u8", "b1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, err := Open(Spec{Path: td("dt_" + name + ".npy")})
			require.NoError(t, err)
			defer r.Close()
			assert.Equal(t, []Column{{Name: "dt_" + name, Kind: Array, Shape: []int{2}}}, r.Columns())
			assert.Equal(t, 3, r.(Lener).Len())
			i := 0
			for r.Next() {
				rec := r.Record()
				w := want[i]
				if name == "b1" {
					w = [][]float32{{0, 1}, {1, 1}, {1, 1}}[i]
				}
				want := arr([]int{2}, w...)
				if strings.Contains(name, "8") || strings.Contains(name, "4") && !strings.HasSuffix(name, "f4") {
					// f8, i4, u4, i8, u8: float32 is not exact for every value of
					// the type, so the values are also kept in float64.
					for _, x := range w {
						want.Arr64 = append(want.Arr64, float64(x))
					}
				}
				assert.Equal(t, want, rec.Values[0])
				assert.Equal(t, i, rec.Index)
				i++
			}
			require.NoError(t, r.Err())
			assert.Equal(t, 3, i)
		})
	}
}

func TestNPYVersionsAndLabels(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"images_f4.npy", "images_v2.npy", "images_v3.npy"} {
		cols, recs, err := readAll(t, Spec{Path: td(name)})
		require.NoError(t, err, name)
		assert.Equal(t, []int{2, 3}, cols[0].Shape)
		require.Len(t, recs, 4)
		for i, rec := range recs {
			for k, x := range rec.Values[0].Arr {
				assert.Equal(t, float32(i*6+k)/4, x, "%s[%d][%d]", name, i, k)
			}
		}
		assert.Equal(t, "testdata/"+name+"[3]", recs[3].Loc)
	}
	cols, recs, err := readAll(t, Spec{Path: td("labels_i8.npy")})
	require.NoError(t, err)
	assert.Equal(t, []Column{{Name: "labels_i8", Kind: Number}}, cols)
	var got []float64
	for _, r := range recs {
		got = append(got, r.Values[0].Num)
	}
	assert.Equal(t, []float64{0, 1, 2, 1}, got)
}

func TestNPYMultiFile(t *testing.T) {
	t.Parallel()
	cols, recs, err := readAll(t, Spec{Format: NPY, Paths: []ColumnFile{{"image", td("images_f4.npy")}, {"label", td("labels_i8.npy")}}})
	require.NoError(t, err)
	assert.Equal(t, []Column{{Name: "image", Kind: Array, Shape: []int{2, 3}}, {Name: "label", Kind: Number, File: td("labels_i8.npy")}}, cols)
	require.Len(t, recs, 4)
	assert.Equal(t, "testdata/images_f4.npy[2]", recs[2].Loc)
	assert.Equal(t, num(2), recs[2].Values[1])
}

// npyBytes builds an NPY file by hand.
func npyBytes(major byte, header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.WriteByte(major)
	b.WriteByte(0)
	if major == 1 {
		_ = binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestNPYErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		path string // fixture, or "" to use data
		data []byte
		want string
	}{
		{"fortran", td("fortran.npy"), nil, "testdata/fortran.npy: npy header: fortran_order is True: Fortran-ordered arrays are not supported; save a C-ordered array (numpy.ascontiguousarray)"},
		{"truncated", td("truncated.npy"), nil, "testdata/truncated.npy[3]: truncated file: expected 12 bytes for the row, found 7"},
		{"unicode", td("unicode.npy"), nil, `testdata/unicode.npy: npy header: unsupported dtype "<U2" (supported: f4, f8, i1, i2, i4, i8, u1, u2, u4, u8, b1, with byte order <, > or |)`},
		{"magic", "", []byte("PK\x03\x04 not numpy"), `X: not an npy file: expected magic \x93NUMPY, found "PK\x03\x04 n"`},
		{"short", "", []byte("\x93NU"), "X: not an npy file: too short for the magic string"},
		{"version", "", npyBytes(4, "{}", nil), "X: unsupported npy format version 4.0 (supported: 1, 2, 3)"},
		{"header cut", "", []byte("\x93NUMPY\x01\x00\x50\x00{'descr'"), "X: truncated npy header: expected 80 bytes"},
		{"no shape", "", npyBytes(1, "{'descr': '<f4', 'fortran_order': False}", nil), `X: npy header: missing key "shape"`},
		{"scalar", "", npyBytes(2, "{'descr': '<f4', 'fortran_order': False, 'shape': ()}", []byte{0, 0, 0, 0}), "X: expected an array with at least one dimension (examples first), found a scalar"},
		{"structured", "", npyBytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", nil), "X: npy header: descr: expected a simple dtype string such as '<f4', found a tuple or list (structured dtypes are not supported)"},
		{"syntax", "", npyBytes(1, "{'descr': '<f4' 'shape': (1,)}", nil), `X: npy header: at byte 16: expected ',' or '}'`},
		{"trailing", "", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), "X: 4 bytes of data after the last of 1 rows (does the header shape match the data?)"},
		{"huge row", "", npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 100000, 100000), }", nil), "X: one example of shape [100000 100000] is larger than 1073741824 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := c.path
			if p == "" {
				p = writeTemp(t, "x.npy", c.data)
			}
			_, _, err := readAll(t, Spec{Path: p})
			require.Error(t, err)
			assert.Equal(t, strings.ReplaceAll(c.want, "X", p), err.Error())
		})
	}
}

func TestNPZ(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"data.npz", "data_deflated.npz"} {
		r, err := Open(Spec{Path: td(name)})
		require.NoError(t, err)
		assert.Equal(t, []Column{{Name: "x", Kind: Array, Shape: []int{2, 3}}, {Name: "y", Kind: Number, File: td(name) + "/y.npy"}}, r.Columns())
		assert.Equal(t, 4, r.(Lener).Len())
		var n int
		for r.Next() {
			rec := r.Record()
			assert.Equal(t, "testdata/"+name+"["+string(rune('0'+n))+"]", rec.Loc)
			assert.Equal(t, float32(n*6+5)/4, rec.Values[0].Arr[5])
			assert.Equal(t, []float64{0, 1, 2, 1}[n], rec.Values[1].Num)
			n++
		}
		require.NoError(t, r.Err())
		require.NoError(t, r.Close())
		assert.Equal(t, 4, n)
	}
	_, _, err := readAll(t, Spec{Path: td("mismatch.npz")})
	assert.EqualError(t, err, "testdata/mismatch.npz/y.npy: 3 rows but testdata/mismatch.npz/x.npy has 4 rows")
	_, _, err = readAll(t, Spec{Path: td("notnpy.npz")})
	assert.EqualError(t, err, `testdata/notnpy.npz: expected only .npy entries in an npz archive, found "readme.txt"`)
	p := writeTemp(t, "x.npz", []byte("not a zip"))
	_, _, err = readAll(t, Spec{Path: p})
	assert.EqualError(t, err, p+": not an npz (zip) file: zip: not a valid zip file")
}

func TestIDX(t *testing.T) {
	t.Parallel()
	for _, gz := range []string{"", ".gz"} {
		spec := Spec{Format: IDX, Paths: []ColumnFile{
			{"image", td("images-idx3-ubyte" + gz)},
			{"label", td("labels-idx1-ubyte" + gz)},
		}}
		cols, recs, err := readAll(t, spec)
		require.NoError(t, err)
		assert.Equal(t, []Column{{Name: "image", Kind: Array, Shape: []int{2, 2}}, {Name: "label", Kind: Number, File: td("labels-idx1-ubyte" + gz)}}, cols)
		require.Len(t, recs, 3)
		// pixel (i, h, w) = 10*i + 2*h + w; labels [7, 0, 9].
		for i, rec := range recs {
			assert.Equal(t, arr([]int{2, 2}, float32(10*i), float32(10*i+1), float32(10*i+2), float32(10*i+3)), rec.Values[0])
			assert.Equal(t, num([]float64{7, 0, 9}[i]), rec.Values[1])
		}
		assert.Equal(t, "testdata/images-idx3-ubyte"+gz+"[1]", recs[1].Loc)
	}
	// A single IDX file, auto-detected, named after the file.
	cols, recs, err := readAll(t, Spec{Path: td("floats-idx2-f32.gz")})
	require.NoError(t, err)
	assert.Equal(t, []Column{{Name: "floats", Kind: Array, Shape: []int{2}}}, cols)
	assert.Equal(t, arr([]int{2}, 0.5, -1.5), recs[0].Values[0])
	assert.Equal(t, arr([]int{2}, 2.25, 1e-3), recs[1].Values[0])
}

func TestIDXErrors(t *testing.T) {
	t.Parallel()
	_, _, err := readAll(t, Spec{Format: IDX, Paths: []ColumnFile{{"image", td("images-idx3-ubyte.gz")}, {"label", td("labels4-idx1-ubyte.gz")}}})
	assert.EqualError(t, err, "testdata/labels4-idx1-ubyte.gz: 4 rows but testdata/images-idx3-ubyte.gz has 3 rows")
	_, _, err = readAll(t, Spec{Path: td("truncated-idx3-ubyte.gz")})
	assert.EqualError(t, err, "testdata/truncated-idx3-ubyte.gz[2]: truncated file: expected 4 bytes for the row, found 1")
	_, _, err = readAll(t, Spec{Format: IDX, Paths: []ColumnFile{{"a", td("labels-idx1-ubyte")}, {"a", td("labels-idx1-ubyte.gz")}}})
	assert.EqualError(t, err, `testdata/labels-idx1-ubyte.gz: duplicate column "a" (also from testdata/labels-idx1-ubyte)`)

	var gzBad bytes.Buffer
	zw := gzip.NewWriter(&gzBad)
	_, _ = zw.Write([]byte{0, 0, 0x08, 1, 0, 0, 0, 2, 5, 6, 7}) // 3 data bytes for 2 rows
	require.NoError(t, zw.Close())
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"magic", []byte{1, 2, 8, 1, 0, 0, 0, 1}, "X: not an idx file: expected magic 00 00 TT NN, found 01 02 08 01"},
		{"type", []byte{0, 0, 0x07, 1, 0, 0, 0, 1}, "X: unknown idx element type 0x07 (expected 08, 09, 0b, 0c, 0d or 0e)"},
		{"dims", []byte{0, 0, 0x08, 0}, "X: idx file has 0 dimensions, expected at least 1 (examples first)"},
		{"header", []byte{0, 0, 0x08, 3, 0, 0, 0, 1}, "X: truncated idx header: expected 3 dimensions, found 1"},
		{"short", []byte{0}, "X: not an idx file: too short for the magic number"},
		{"truncated row", []byte{0, 0, 0x0C, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0}, "X[1]: truncated file: expected 4 bytes for the row, found 2"},
		{"extra gz", gzBad.Bytes(), "X: 1 bytes of data after the last of 2 rows (does the header shape match the data?)"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, "X: gzip: unexpected EOF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := writeTemp(t, "x-idx1-ubyte", c.data)
			_, _, err := readAll(t, Spec{Path: p})
			require.Error(t, err)
			assert.Equal(t, strings.ReplaceAll(c.want, "X", p), err.Error())
		})
	}
}
