package dataset

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fixtures are written by testdata/gen/parquet.go; the expected values
// are the ones it writes.

func TestParquetTypes(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"types.parquet", "types_v2_zstd.parquet"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, err := Open(Spec{Path: td(name)})
			require.NoError(t, err)
			require.Implements(t, (*Lener)(nil), r)
			assert.Equal(t, 5, r.(Lener).Len())
			require.NoError(t, r.Close())

			cols, recs, err := readAll(t, Spec{Path: td(name)})
			require.NoError(t, err)
			assert.Equal(t, []string{"id", "small", "u8", "x", "f", "flag", "name", "vec", "mat", "choices", "image.bytes", "image.path"}, colNames(cols))
			kinds := make([]Kind, len(cols))
			for i, c := range cols {
				kinds[i] = c.Kind
			}
			assert.Equal(t, []Kind{Number, Number, Number, Number, Number, Number, String, Array, Array, List, String, String}, kinds)
			assert.Equal(t, []int{3}, cols[7].Shape)
			assert.Equal(t, []int{2, 2}, cols[8].Shape)
			require.Len(t, recs, 5)
			r0, r1, r2 := recs[0].Values, recs[1].Values, recs[2].Values
			assert.Equal(t, []Value{num(0), num(-3), num(200), num(1.5), num(0.25), num(1), str("alpha")}, r0[:7])
			assert.Equal(t, Value{}, r1[3], "null double is missing")
			assert.Equal(t, Value{}, r1[6], "null string is missing")
			assert.Equal(t, num(255), r2[2], "uint8 is unsigned")
			assert.Equal(t, arr([]int{3}, 4, 5, 6), r1[7])
			assert.Equal(t, arr([]int{2, 2}, 9, 10, 11, 12), r2[8])
			assert.Equal(t, Value{Kind: List, List: []string{"red", "green", "blue"}}, r1[9])
			assert.Equal(t, Value{Kind: List, List: []string{}}, r2[9], "empty list")
			assert.Equal(t, "c.png", r2[11].Str)
			assert.Equal(t, td(name)+"[4]", recs[4].Loc)
			for i, rec := range recs {
				assert.Equal(t, i, rec.Index)
			}
		})
	}
}

func TestParquetFeaturesAndChoices(t *testing.T) {
	t.Parallel()
	cols, recs, err := readAll(t, Spec{Path: td("types.parquet")})
	require.NoError(t, err)
	enc, err := CompileFeatures(cols, FeatureSpec{Columns: []string{"vec", "x"}, FillMissing: true, Fill: -1})
	require.NoError(t, err)
	dst := make([]float32, enc.Width())
	require.NoError(t, enc.Encode(recs[1], dst))
	assert.Equal(t, []float32{4, 5, 6, -1}, dst)
	choices, err := Choices(cols, "choices")
	require.NoError(t, err)
	got, err := choices(recs[0])
	require.NoError(t, err)
	assert.Equal(t, []string{"yes", "no"}, got)
	_, err = choices(recs[2])
	assert.ErrorContains(t, err, `types.parquet[2]: column "choices": empty list of choices`)
	_, err = Choices(cols, "name")
	assert.ErrorContains(t, err, `column "name" is a string column; choices need a list of strings`)
	lab, err := CompileLabel(cols, LabelSpec{Column: "small"})
	require.NoError(t, err)
	_, err = lab.Label(recs[0])
	assert.ErrorContains(t, err, "label -3 is negative")
}

func TestParquetErrors(t *testing.T) {
	t.Parallel()
	_, _, err := readAll(t, Spec{Path: td("ragged.parquet")})
	assert.EqualError(t, err, `testdata/ragged.parquet: row group 0, row 1 (row 1 of the file): column "mat": ragged nested list: a list at depth 2 has 1 elements, an earlier one 2`)
	_, _, err = readAll(t, Spec{Path: td("small.csv"), Format: Parquet})
	assert.ErrorContains(t, err, "testdata/small.csv: not a readable parquet file")
	good, err := os.ReadFile(td("types.parquet"))
	require.NoError(t, err)
	p := writeTemp(t, "cut.parquet", good[:len(good)/2])
	_, _, err = readAll(t, Spec{Path: p})
	assert.ErrorContains(t, err, "cut.parquet: not a readable parquet file")
	_, _, err = readAll(t, Spec{Path: t.TempDir(), Format: Parquet})
	assert.ErrorContains(t, err, "not a regular file")
}

func TestParquetRowGroupsStream(t *testing.T) {
	t.Parallel()
	// types.parquet has row groups of 2 rows: reading must cross them in
	// order, and a corrupted page in a later group is reported with its
	// row group, after the earlier rows were read.
	r, err := Open(Spec{Path: td("types.parquet")})
	require.NoError(t, err)
	defer r.Close()
	var ids []float64
	for r.Next() {
		ids = append(ids, r.Record().Values[0].Num)
	}
	require.NoError(t, r.Err())
	assert.Equal(t, []float64{0, 1, 2, 3, 4}, ids)
	pr := r.(*parquetReader)
	assert.Equal(t, 3, len(pr.file.RowGroups()))
}

func FuzzParquet(f *testing.F) {
	addSeeds(f, "types.parquet", "types_v2_zstd.parquet", "ragged.parquet")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newParquetReader("f.parquet", bytes.NewReader(data), int64(len(data)), nil)
		if err == nil {
			drain(t, r)
		}
	})
}
