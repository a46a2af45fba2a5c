package dataset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// images_f4.npy holds 4 arrays of shape [2, 3]; the joins add group and
// label columns from CSV files.

func TestJoinByRow(t *testing.T) {
	t.Parallel()
	groups := writeTemp(t, "groups.csv", []byte("sex,age,label\nf,30,1\nm,41,0\nf,25,1\nm,60,0\n"))
	cols, recs, err := readAll(t, Spec{Path: td("images_f4.npy"), Joins: []JoinSpec{{Path: groups, On: JoinOnRow, Columns: []string{"sex", "label"}}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"images_f4", "sex", "label"}, colNames(cols))
	require.Len(t, recs, 4)
	assert.Equal(t, str("m"), recs[3].Values[1])
	assert.Equal(t, num(0), recs[3].Values[2])
	assert.Equal(t, Array, recs[3].Values[0].Kind)
	g, err := CompileGroup(cols, GroupSpec{Column: "sex"})
	require.NoError(t, err)
	s, err := g.Group(recs[2])
	require.NoError(t, err)
	assert.Equal(t, "f", s)

	r, err := Open(Spec{Path: td("images_f4.npy"), Joins: []JoinSpec{{Path: groups, On: JoinOnRow}}})
	require.NoError(t, err)
	defer r.Close()
	require.Implements(t, (*Lener)(nil), r)
	assert.Equal(t, 4, r.(Lener).Len())
	assert.Equal(t, []string{"images_f4", "sex", "age", "label"}, colNames(r.Columns()))

	files := Spec{Path: td("images_f4.npy"), Joins: []JoinSpec{{Path: groups, On: JoinOnRow}}}.Files()
	assert.Equal(t, []string{td("images_f4.npy"), groups}, files)
}

func TestJoinByID(t *testing.T) {
	t.Parallel()
	base := writeTemp(t, "base.jsonl", []byte(`{"id": 3, "x": [1, 2]}
{"id": 1, "x": [3, 4]}
{"id": 2, "x": [5, 6]}
`))
	side := writeTemp(t, "side.csv", []byte("id,group\n1,a\n2,b\n3,c\n4,d\n"))
	cols, recs, err := readAll(t, Spec{Path: base, Joins: []JoinSpec{{Path: side, On: "id"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"id", "x", "group"}, colNames(cols))
	var got []string
	for _, r := range recs {
		got = append(got, r.Values[2].Str)
	}
	assert.Equal(t, []string{"c", "a", "b"}, got)
}

func TestJoinErrors(t *testing.T) {
	t.Parallel()
	short := writeTemp(t, "short.csv", []byte("g\na\nb\n"))
	long := writeTemp(t, "long.csv", []byte("g\na\nb\nc\nd\ne\n"))
	dup := writeTemp(t, "dup.csv", []byte("id,g\n1,a\n1,b\n"))
	ids := writeTemp(t, "ids.csv", []byte("id,g\n1,a\n2,b\n"))
	base := writeTemp(t, "base.csv", []byte("id,x\n1,0.5\n7,1.5\n"))
	clash := writeTemp(t, "clash.csv", []byte("images_f4,g\n1,a\n2,b\n3,c\n4,d\n"))
	npy := td("images_f4.npy")
	for _, tc := range []struct {
		name string
		spec Spec
		want string
	}{
		{"fewer rows", Spec{Path: npy, Joins: []JoinSpec{{Path: short, On: "row"}}},
			"join by row: " + short + " has only 2 rows but testdata/images_f4.npy has more (testdata/images_f4.npy[2] is row 3)"},
		{"more rows", Spec{Path: npy, Joins: []JoinSpec{{Path: long, On: "row"}}},
			"join by row: testdata/images_f4.npy has 4 rows but " + long + " has more (" + long + ":6 is row 5)"},
		{"missing id", Spec{Path: base, Joins: []JoinSpec{{Path: ids, On: "id"}}},
			base + `:3: join: id "7" (column "id") is not in ` + ids + " (2 ids)"},
		{"duplicate id", Spec{Path: base, Joins: []JoinSpec{{Path: dup, On: "id"}}},
			dup + `:3: join id "1" appears twice in ` + dup + " (first at " + dup + ":2)"},
		{"no id in base", Spec{Path: npy, Joins: []JoinSpec{{Path: ids, On: "id"}}},
			`join ` + ids + `: on: testdata/images_f4.npy has no column "id"`},
		{"unknown column", Spec{Path: npy, Joins: []JoinSpec{{Path: short, On: "row", Columns: []string{"gg"}}}},
			`join ` + short + `: columns: ` + short + ` has no column "gg" (did you mean "g"?)`},
		{"clash", Spec{Path: npy, Joins: []JoinSpec{{Path: clash, On: "row"}}},
			`column "images_f4" is already a column of testdata/images_f4.npy`},
		{"no on", Spec{Path: npy, Joins: []JoinSpec{{Path: short}}}, "on is required"},
		{"idx", Spec{Path: npy, Joins: []JoinSpec{{Path: td("labels-idx1-ubyte"), On: "row"}}}, "idx files cannot be joined"},
		{"side missing", Spec{Path: npy, Joins: []JoinSpec{{Path: "nope.csv", On: "row"}}}, "join: open csv: open nope.csv: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, tc.spec)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestJoinedColumnErrorsNameTheJoinedRow: a bad label or group that comes
// from a joined file is reported at that file's line, not at the base
// file's row the record was joined to.
func TestJoinedColumnErrorsNameTheJoinedRow(t *testing.T) {
	t.Parallel()
	byRow := writeTemp(t, "labels.csv", []byte("label\n1\n0\nseven\n0\n"))
	base := writeTemp(t, "base.jsonl", []byte("{\"id\": 3, \"x\": [1, 2]}\n{\"id\": 1, \"x\": [3, 4]}\n"))
	byID := writeTemp(t, "ids.csv", []byte("id,label\n1,0\n2,1\n3,x\n"))
	tests := []struct {
		name string
		spec Spec
		row  int
		want string
	}{
		{"by row", Spec{Path: td("images_f4.npy"), Joins: []JoinSpec{{Path: byRow, On: JoinOnRow}}}, 2, byRow + ":4"},
		{"by id", Spec{Path: base, Joins: []JoinSpec{{Path: byID, On: "id"}}}, 0, byID + ":4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cols, recs, err := readAll(t, tt.spec)
			require.NoError(t, err)
			l, err := CompileLabel(cols, LabelSpec{Column: "label", Classes: []string{"0", "1"}})
			require.NoError(t, err)
			_, err = l.Label(recs[tt.row])
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
