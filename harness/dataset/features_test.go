package dataset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tabular columns used by the feature tests.
var tabCols = []Column{
	{Name: "age", Kind: Number},
	{Name: "purpose", Kind: String},
	{Name: "class", Kind: Nominal, Nominal: []string{"good", "bad"}},
	{Name: "img", Kind: Array, Shape: []int{2, 2, 3}},
	{Name: "ids", Kind: Array},
}

func tabRec(age Value, purpose Value, class Value, img Value) Record {
	return Record{Index: 4, Loc: "x.csv:6", Values: []Value{age, purpose, class, img, {}}}
}

func TestEncodeTabular(t *testing.T) {
	t.Parallel()
	enc, err := CompileFeatures(tabCols, FeatureSpec{
		Columns:    []string{"age", "purpose", "class"},
		OneHot:     true,
		Categories: map[string][]string{"purpose": {"car", "tv"}},
		Scale:      2,
		Mean:       []float64{10, 0, 0, 0, 0},
		Std:        []float64{4, 1, 1, 1, 1},
	})
	require.NoError(t, err)
	assert.Equal(t, 5, enc.Width())
	assert.Equal(t, []int{5}, enc.Shape())
	assert.Equal(t, []string{"age", "purpose=car", "purpose=tv", "class=good", "class=bad"}, enc.Names())
	dst := make([]float32, 5)
	require.NoError(t, enc.Encode(tabRec(num(31), str("tv"), nom("bad", 1), Value{}), dst))
	// age: (31·2 − 10) / 4 = 13; one-hot slots are never normalised.
	assert.Equal(t, []float32{13, 0, 1, 0, 1}, dst)

	err = enc.Encode(tabRec(num(31), str("boat"), nom("bad", 1), Value{}), dst)
	assert.EqualError(t, err, `x.csv:6: column "purpose": value "boat" is not one of the categories [car, tv]`)
	err = enc.Encode(tabRec(Value{}, str("tv"), nom("bad", 1), Value{}), dst)
	assert.EqualError(t, err, `x.csv:6: column "age": missing value (set fill on the feature to replace missing values, e.g. fill: 0)`)
	err = enc.Encode(tabRec(num(1), str("tv"), nom("bad", 1), Value{}), dst[:3])
	assert.EqualError(t, err, "x.csv:6: encode: destination has length 3, want 5")

	// FillMissing: the fill value is normalised like data; one-hot becomes zeros.
	enc, err = CompileFeatures(tabCols, FeatureSpec{Columns: []string{"age", "class"}, OneHot: true, FillMissing: true, Fill: -1, Mean: []float64{1}, Std: []float64{2}})
	require.NoError(t, err)
	dst = make([]float32, 3)
	require.NoError(t, enc.Encode(tabRec(Value{}, Value{}, Value{}, Value{}), dst))
	assert.Equal(t, []float32{-1, 0, 0}, dst) // (−1 − 1) / 2 = −1
}

func TestEncodeImage(t *testing.T) {
	t.Parallel()
	// img[h][w][c] = 100h + 10w + c (values 0..112), shape [2,2,3].
	var pix []float32
	for h := 0; h < 2; h++ {
		for w := 0; w < 2; w++ {
			for c := 0; c < 3; c++ {
				pix = append(pix, float32(100*h+10*w+c))
			}
		}
	}
	rec := tabRec(num(0), str(""), nom("good", 0), arr([]int{2, 2, 3}, pix...))
	enc, err := CompileFeatures(tabCols, FeatureSpec{
		Columns: []string{"img"},
		Layout:  LayoutHWCToCHW,
		Mean:    []float64{0, 1, 2},
		Std:     []float64{1, 1, 0.5},
	})
	require.NoError(t, err)
	assert.Equal(t, []int{3, 2, 2}, enc.Shape())
	dst := make([]float32, 12)
	require.NoError(t, enc.Encode(rec, dst))
	// Channel c holds 100h+10w+c at [c][h][w], minus mean[c], over std[c]:
	// c=0: 0,10,100,110; c=1: (1,11,101,111)−1; c=2: ((2,12,102,112)−2)/0.5.
	assert.Equal(t, []float32{0, 10, 100, 110, 0, 10, 100, 110, 0, 20, 200, 220}, dst)
	names := enc.Names()
	assert.Equal(t, []string{"img[0,0,0]", "img[0,1,0]", "img[1,0,0]", "img[1,1,0]", "img[0,0,1]"}, names[:5])

	// As stored, with an explicit shape and scale 1/255 style scaling.
	enc, err = CompileFeatures(tabCols, FeatureSpec{Columns: []string{"img"}, Shape: []int{1, 12}, Scale: 0.5})
	require.NoError(t, err)
	require.NoError(t, enc.Encode(rec, dst))
	assert.Equal(t, []float32{0, 0.5, 1, 5, 5.5, 6}, dst[:6])

	err = enc.Encode(tabRec(num(0), str(""), nom("good", 0), arr([]int{3}, 1, 2, 3)), dst)
	assert.EqualError(t, err, `x.csv:6: column "img": expected an array of shape [2 2 3] (12 values), found shape [3] (3 values)`)
	err = enc.Encode(tabRec(num(0), str(""), nom("good", 0), num(3)), dst)
	assert.EqualError(t, err, `x.csv:6: column "img": expected an array, found a number`)
}

func TestCompileFeaturesErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		spec FeatureSpec
		want string
	}{
		{"unknown", FeatureSpec{Columns: []string{"agee"}}, `features: unknown column "agee" (did you mean "age"?)`},
		{"unknown far", FeatureSpec{Columns: []string{"zzzzzz"}}, `features: unknown column "zzzzzz" (known: age, purpose, class, img, ids)`},
		{"exclude", FeatureSpec{Columns: []string{"*"}, Exclude: []string{"clas"}}, `features: exclude: unknown column "clas" (did you mean "class"?)`},
		{"none", FeatureSpec{}, `features: no columns given (list them, or use ["*"] for all)`},
		{"star mixed", FeatureSpec{Columns: []string{"age", "*"}}, `features: "*" must be the only entry of columns`},
		{"twice", FeatureSpec{Columns: []string{"age", "age"}}, `features: column "age" listed twice`},
		{"string", FeatureSpec{Columns: []string{"*"}, Exclude: []string{"ids"}}, `features: column "purpose" is a string column; set one_hot (with categories for a string column) or exclude it`},
		{"no categories", FeatureSpec{Columns: []string{"purpose"}, OneHot: true}, `features: column "purpose" is a string column; one_hot needs its categories`},
		{"categories typo", FeatureSpec{Columns: []string{"purpose"}, OneHot: true, Categories: map[string][]string{"purpos": {"a"}}}, `features: categories given for "purpos", which is not a selected column (did you mean "purpose"?)`},
		{"varying", FeatureSpec{Columns: []string{"ids"}}, `features: column "ids" has a shape that varies between examples; features need a fixed shape`},
		{"shape", FeatureSpec{Columns: []string{"img", "age"}, Shape: []int{1, 12}}, `features: shape [1 12] holds 12 values but the features have width 13 (img: array [2 2 3], age: number)`},
		{"layout", FeatureSpec{Columns: []string{"img", "age"}, Layout: LayoutHWCToCHW}, `features: layout hwc_to_chw needs exactly one array column of shape [H,W,C]; found img: array [2 2 3], age: number`},
		{"layout name", FeatureSpec{Columns: []string{"img"}, Layout: "chw"}, `features: unknown layout "chw" (expected "" or "hwc_to_chw")`},
		{"mean len", FeatureSpec{Columns: []string{"img"}, Mean: []float64{1, 2, 3}}, `features: mean has 3 values; expected 1, one per channel (2 for shape [2 2 3]) or one per feature (12)`},
		{"std zero", FeatureSpec{Columns: []string{"age"}, Std: []float64{0}}, `features: std[0] is 0; it must be finite and non-zero`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := CompileFeatures(tabCols, c.spec)
			assert.EqualError(t, err, c.want)
		})
	}
}

func TestLabel(t *testing.T) {
	t.Parallel()
	l, err := CompileLabel(tabCols, LabelSpec{Column: "class"})
	require.NoError(t, err)
	assert.Equal(t, []string{"good", "bad"}, l.Classes())
	k, err := l.Label(tabRec(num(0), str(""), nom("bad", 1), Value{}))
	require.NoError(t, err)
	assert.Equal(t, 1, k)
	// Classes reorder a nominal column's classes.
	l, err = CompileLabel(tabCols, LabelSpec{Column: "class", Classes: []string{"bad", "good"}})
	require.NoError(t, err)
	k, err = l.Label(tabRec(num(0), str(""), nom("bad", 1), Value{}))
	require.NoError(t, err)
	assert.Equal(t, 0, k)

	l, err = CompileLabel(tabCols, LabelSpec{Column: "age", Classes: []string{"a", "b", "c"}})
	require.NoError(t, err)
	k, err = l.Label(tabRec(num(2), str(""), Value{}, Value{}))
	require.NoError(t, err)
	assert.Equal(t, 2, k)
	_, err = l.Label(tabRec(num(3), str(""), Value{}, Value{}))
	assert.EqualError(t, err, `x.csv:6: label column "age": label 3 is outside the 3 classes [a, b, c]`)
	_, err = l.Label(tabRec(num(1.5), str(""), Value{}, Value{}))
	assert.EqualError(t, err, `x.csv:6: label column "age": expected an integer class index, found 1.5`)
	_, err = l.Label(tabRec(Value{}, str(""), Value{}, Value{}))
	assert.EqualError(t, err, `x.csv:6: label column "age": missing label`)

	l, err = CompileLabel(tabCols, LabelSpec{Column: "age"})
	require.NoError(t, err)
	assert.Nil(t, l.Classes())
	_, err = l.Label(tabRec(num(-1), str(""), Value{}, Value{}))
	assert.EqualError(t, err, `x.csv:6: label column "age": label -1 is negative`)

	l, err = CompileLabel(tabCols, LabelSpec{Column: "purpose", Classes: []string{"car", "tv"}})
	require.NoError(t, err)
	_, err = l.Label(tabRec(num(0), str("boat"), Value{}, Value{}))
	assert.EqualError(t, err, `x.csv:6: label column "purpose": value "boat" is not one of the classes [car, tv]`)

	for spec, want := range map[string]string{
		"purpose": `label: column "purpose" holds strings; give classes to map them to class indices`,
		"img":     `label: column "img" is an array column; a label must be a number, string or nominal column`,
		"clss":    `label: unknown column "clss" (did you mean "class"?)`,
	} {
		_, err := CompileLabel(tabCols, LabelSpec{Column: spec})
		assert.EqualError(t, err, want)
	}
	_, err = CompileLabel(tabCols, LabelSpec{Column: "age", Classes: []string{"a", "a"}})
	assert.EqualError(t, err, `label: class "a" listed twice`)
}

func TestGroup(t *testing.T) {
	t.Parallel()
	g, err := CompileGroup(tabCols, GroupSpec{Column: "age", Name: "age group", Bins: []float64{25}, BinLabels: []string{"young", "old"}})
	require.NoError(t, err)
	assert.Equal(t, "age group", g.Name())
	// Right-closed: 25 falls in the first bin.
	for age, want := range map[float64]string{18: "young", 25: "young", 25.5: "old", 80: "old"} {
		got, err := g.Group(tabRec(num(age), Value{}, Value{}, Value{}))
		require.NoError(t, err)
		assert.Equal(t, want, got, "age %v", age)
	}
	g, err = CompileGroup(tabCols, GroupSpec{Column: "age", Bins: []float64{25, 40}})
	require.NoError(t, err)
	assert.Equal(t, []string{"<=25", "(25,40]", ">40"}, g.Labels())
	got, err := g.Group(tabRec(num(40), Value{}, Value{}, Value{}))
	require.NoError(t, err)
	assert.Equal(t, "(25,40]", got)
	_, err = g.Group(tabRec(Value{}, Value{}, Value{}, Value{}))
	assert.EqualError(t, err, `x.csv:6: group "age": column "age": missing value`)

	g, err = CompileGroup(tabCols, GroupSpec{Column: "age"})
	require.NoError(t, err)
	got, err = g.Group(tabRec(num(3), Value{}, Value{}, Value{}))
	require.NoError(t, err)
	assert.Equal(t, "3", got)

	g, err = CompileGroup(tabCols, GroupSpec{Column: "class"})
	require.NoError(t, err)
	assert.Equal(t, []string{"good", "bad"}, g.Labels())
	got, err = g.Group(tabRec(Value{}, Value{}, nom("bad", 1), Value{}))
	require.NoError(t, err)
	assert.Equal(t, "bad", got)

	cases := []struct {
		spec GroupSpec
		want string
	}{
		{GroupSpec{Column: "age", Bins: []float64{40, 25}}, `group "age": bins must be strictly increasing, found 25 after 40`},
		{GroupSpec{Column: "age", Bins: []float64{25}, BinLabels: []string{"a"}}, `group "age": 1 bin edges make 2 bins, but 1 bin labels are given`},
		{GroupSpec{Column: "purpose", Bins: []float64{1}}, `group "purpose": bins need a numeric column; column "purpose" is a string column`},
		{GroupSpec{Column: "sex"}, `group: unknown column "sex" (known: age, purpose, class, img, ids)`},
	}
	for _, c := range cases {
		_, err := CompileGroup(tabCols, c.spec)
		assert.EqualError(t, err, c.want)
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	f, err := Text(tabCols, "purpose")
	require.NoError(t, err)
	s, err := f(tabRec(Value{}, str("a car"), Value{}, Value{}))
	require.NoError(t, err)
	assert.Equal(t, "a car", s)
	_, err = f(tabRec(Value{}, Value{}, Value{}, Value{}))
	assert.EqualError(t, err, `x.csv:6: column "purpose": missing text`)
	_, err = Text(tabCols, "age")
	assert.EqualError(t, err, `text: column "age" is a number column; text needs a string column`)
}

func TestNearest(t *testing.T) {
	t.Parallel()
	known := []string{"accuracy", "f1", "auroc", "ece"}
	cases := []struct{ in, want string }{
		{"acuracy", "accuracy"}, // one deletion
		{"f2", "f1"},            // one substitution
		{"aurco", "auroc"},      // two substitutions of 5 runes
		{"bleu", ""},            // nothing close
		{"", ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Nearest(c.in, known), "Nearest(%q)", c.in)
	}
	assert.Equal(t, "", Nearest("x", nil))
	assert.Equal(t, 3, levenshtein([]rune("kitten"), []rune("sitting"))) // textbook example
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, f := range []Format{Auto, CSV, JSONL, NPY, NPZ, IDX, ARFF} {
		b, err := f.MarshalText()
		require.NoError(t, err)
		var g Format
		require.NoError(t, g.UnmarshalText(b))
		assert.Equal(t, f, g)
	}
	f, err := ParseFormat("NDJSON")
	require.NoError(t, err)
	assert.Equal(t, JSONL, f)
	_, err = ParseFormat("jsnl")
	assert.EqualError(t, err, `unknown format "jsnl" (did you mean "jsonl"?)`)
	for path, want := range map[string]Format{
		"a.csv": CSV, "a.TSV": CSV, "a.jsonl": JSONL, "a.npy": NPY, "a.npz": NPZ, "a.arff": ARFF,
		"t10k-images-idx3-ubyte.gz": IDX, "train-labels.idx1-ubyte": IDX, "a.txt": Auto,
	} {
		assert.Equal(t, want, DetectFormat(path), path)
	}
	var k Kind
	require.NoError(t, k.UnmarshalText([]byte("Nominal")))
	assert.Equal(t, Nominal, k)
	assert.EqualError(t, k.UnmarshalText([]byte("numbr")), `unknown kind "numbr" (did you mean "number"?)`)

	spec := Spec{Paths: []ColumnFile{{"image", "a.gz"}, {"label", "b.gz"}}}
	assert.Equal(t, []string{"a.gz", "b.gz"}, spec.Files())
	assert.Equal(t, []string{"x.csv"}, Spec{Path: "x.csv"}.Files())
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		spec Spec
		want string
	}{
		{Spec{Path: "a.txt"}, "a.txt: cannot tell the format from the file name; set format (csv, jsonl, npy, npz, idx, arff, parquet or imagefolder)"},
		{Spec{Format: CSV}, "open csv data set: no path given"},
		{Spec{Format: CSV, Path: "a", Paths: []ColumnFile{{"a", "b"}}}, "open csv data set: give either path or paths, not both"},
		{Spec{Format: CSV, Paths: []ColumnFile{{"a", "b"}}}, "open csv data set: paths (one file per column) is only for npy and idx; use path"},
		{Spec{Format: NPY, Path: "a.npy", Kinds: map[string]Kind{"a": Number}}, "open npy data set: kinds can only be set for csv and jsonl columns"},
		{Spec{Format: IDX, Paths: []ColumnFile{{"", "b"}}}, "b: no column name given"},
		{Spec{Path: "testdata/nope.csv"}, "open csv: open testdata/nope.csv: no such file or directory"},
	}
	for _, c := range cases {
		_, err := Open(c.spec)
		assert.EqualError(t, err, c.want)
	}
	// Close is idempotent and Next after Close is false.
	r, err := Open(Spec{Path: td("small.csv")})
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, r.Close())
	assert.False(t, r.Next())
}
