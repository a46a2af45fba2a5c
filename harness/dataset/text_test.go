package dataset

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values below are read off the fixture files by eye.

func TestCSVSmall(t *testing.T) {
	t.Parallel()
	cols, recs, err := readAll(t, Spec{Path: td("small.csv")})
	require.NoError(t, err)
	assert.Equal(t, []Column{
		{Name: "sepal_length", Kind: Number},
		{Name: "sepal_width", Kind: Number},
		{Name: "species", Kind: String},
		{Name: "note", Kind: String},
	}, cols)
	require.Len(t, recs, 4)
	assert.Equal(t, Record{Index: 0, Loc: "testdata/small.csv:2", Values: []Value{num(5.1), num(3.5), str("setosa"), str("short, wide")}}, recs[0])
	assert.Equal(t, Record{Index: 1, Loc: "testdata/small.csv:3", Values: []Value{num(4.9), {}, str("setosa"), {}}}, recs[1])
	assert.Equal(t, []Value{num(7), num(3.2), str("versicolor"), str(`says "hi"`)}, recs[2].Values)
	// The fourth record's quoted field spans lines 5 and 6.
	assert.Equal(t, Record{Index: 3, Loc: "testdata/small.csv:5", Values: []Value{num(6.3), {}, str("virginica"), str("two\nlines")}}, recs[3])
}

func TestCSVDelimiterAndKinds(t *testing.T) {
	t.Parallel()
	cols, recs, err := readAll(t, Spec{Path: td("semicolon.csv"), Delimiter: ';'})
	require.NoError(t, err)
	assert.Equal(t, []Column{{Name: "a", Kind: Number}, {Name: "b", Kind: String}}, cols)
	assert.Equal(t, []Value{num(1), str("x y")}, recs[0].Values)

	// Kinds overrides the inference: "a" read as strings.
	cols, recs, err = readAll(t, Spec{Path: td("semicolon.csv"), Delimiter: ';', Kinds: map[string]Kind{"a": String}})
	require.NoError(t, err)
	assert.Equal(t, String, cols[0].Kind)
	assert.Equal(t, str("2"), recs[1].Values[0])

	// A .tsv file defaults to tabs.
	p := writeTemp(t, "x.tsv", []byte("a\tb\n1\t2\n"))
	cols, _, err = readAll(t, Spec{Path: p})
	require.NoError(t, err)
	assert.Len(t, cols, 2)
}

func TestCSVMissingTokens(t *testing.T) {
	t.Parallel()
	// With no missing tokens, "NA" and "?" are ordinary strings, so the
	// column becomes a string column.
	cols, recs, err := readAll(t, Spec{Path: td("small.csv"), Missing: []string{}})
	require.NoError(t, err)
	assert.Equal(t, String, cols[1].Kind)
	assert.Equal(t, str("NA"), recs[1].Values[1])
	assert.Equal(t, str(""), recs[1].Values[3])
	// Forcing it numeric makes "NA" an error on its line.
	_, _, err = readAll(t, Spec{Path: td("small.csv"), Missing: []string{}, Kinds: map[string]Kind{"sepal_width": Number}})
	assert.EqualError(t, err, `testdata/small.csv:3: column "sepal_width": expected a number, found "NA"`)
}

func TestCSVErrors(t *testing.T) {
	t.Parallel()
	long := "a,b\n" + strings.Repeat("1,2\n", 150) + "1,x\n" // line 152 breaks the numeric column
	cases := []struct {
		name, data string
		spec       Spec
		want       string
	}{
		{"fields", "a,b\n1,2\n3,4,5\n", Spec{}, "X:3: expected 2 fields, found 3"},
		{"fewer", "a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n", Spec{}, "X:3: expected 5 fields, found 4"},
		{"bare quote", "a,b\n1,x\"y\n", Spec{}, `X:2:4: bare " in non-quoted-field`},
		{"open quote", "a,b\n1,\"xy\n", Spec{}, `X:2:7: extraneous or missing " in quoted-field`},
		{"empty", "", Spec{}, "X: empty file, expected a header row"},
		{"duplicate", "a,b,a\n1,2,3\n", Spec{}, `X:1: duplicate column "a" (columns 1 and 3)`},
		{"empty name", "a,,c\n1,2,3\n", Spec{}, "X:1: column 2 has an empty name in the header row"},
		{"late string", long, Spec{}, `X:152: column "b": expected a number, found "x" (the first 100 rows made it a number column; set its kind to string to read it as text)`},
		{"delimiter", "a\n", Spec{Delimiter: '"'}, `X: invalid csv delimiter '"'`},
		{"kinds column", "age\n1\n", Spec{Kinds: map[string]Kind{"agee": String}}, `X: kinds: unknown column "agee" (did you mean "age"?)`},
		{"kinds kind", "age\n1\n", Spec{Kinds: map[string]Kind{"age": Array}}, `X: kinds: column "age": kind array is not allowed here (allowed: number, string)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := writeTemp(t, "x.csv", []byte(c.data))
			c.spec.Path = p
			_, _, err := readAll(t, c.spec)
			require.Error(t, err)
			assert.Equal(t, strings.ReplaceAll(c.want, "X", p), err.Error())
		})
	}
}

func TestJSONLSmall(t *testing.T) {
	t.Parallel()
	cols, recs, err := readAll(t, Spec{Path: td("small.jsonl")})
	require.NoError(t, err)
	assert.Equal(t, []Column{
		{Name: "id", Kind: Number},
		{Name: "text", Kind: String},
		{Name: "label", Kind: Number},
		{Name: "emb", Kind: Array, Shape: []int{2, 2}},
		{Name: "flag", Kind: Number},
	}, cols)
	require.Len(t, recs, 3)
	assert.Equal(t, Record{Index: 0, Loc: "testdata/small.jsonl:1", Values: []Value{num(1), str("good film"), num(1), arr([]int{2, 2}, 0.5, 1, 2, -1), num(1)}}, recs[0])
	assert.Equal(t, []Value{num(2), str("bad film"), num(0), arr([]int{2, 2}, 1, 2, 3, 4), num(0)}, recs[1].Values)
	// Line 3 is blank; line 4 has nulls, a missing key and another key order.
	assert.Equal(t, Record{Index: 2, Loc: "testdata/small.jsonl:4", Values: []Value{num(3), {}, num(1), {}, {}}}, recs[2])
}

func TestJSONLShapes(t *testing.T) {
	t.Parallel()
	// Shapes that vary within the prefix leave Column.Shape nil; each value
	// keeps its own shape. Missing tokens apply to strings.
	p := writeTemp(t, "x.jsonl", []byte(`{"ids": [1, 2, 3], "s": "NA"}`+"\n"+`{"ids": [4], "s": "b"}`+"\n"+`{"ids": [], "s": "c"}`))
	cols, recs, err := readAll(t, Spec{Path: p, Missing: []string{"NA"}})
	require.NoError(t, err)
	assert.Equal(t, Column{Name: "ids", Kind: Array}, cols[0])
	assert.Equal(t, arr([]int{1}, 4), recs[1].Values[0])
	assert.Equal(t, Value{Kind: Array, Shape: []int{0}}, recs[2].Values[0])
	assert.Equal(t, Value{}, recs[0].Values[1])
}

func TestJSONLErrors(t *testing.T) {
	t.Parallel()
	var prefix strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&prefix, "{\"a\": %d}\n", i)
	}
	cases := []struct{ name, data, want string }{
		{"array line", "{\"a\": 1}\n[1, 2]\n", "X:2: expected a JSON object, found an array"},
		{"number line", "3\n", "X:1: expected a JSON object, found a number"},
		{"invalid", "{\"a\": 1}\n{\"a\": x}\n", "X:2: invalid JSON: invalid character 'x' looking for beginning of value"},
		{"unterminated", "{\"a\": 1\n", "X:1: invalid JSON: unexpected end of line"},
		{"two objects", "{\"a\": 1} {\"a\": 2}\n", "X:1: expected one JSON object per line, found an object after it"},
		{"kind", "{\"a\": 1}\n{\"a\": \"x\"}\n", `X:2: column "a": expected a number, found a string`},
		{"nested object", "{\"a\": {\"b\": 1}}\n", `X:1: key "a": expected a number, string, boolean, array of numbers, array of strings or null, found an object`},
		{"ragged", "{\"a\": [[1, 2], [3]]}\n", `X:1: key "a": ragged array: element 1 has shape [1], element 0 has shape [2]`},
		{"ragged mix", "{\"a\": [1, [3]]}\n", `X:1: key "a": ragged array: element 1 is an array, earlier elements are numbers`},
		{"strings in array", "{\"a\": [1, \"x\"]}\n", `X:1: key "a": expected an array of numbers, found a string inside it`},
		{"numbers in list", "{\"a\": [\"x\", 1]}\n", `X:1: key "a": element 1 of a list of strings is a number; a list holds only strings (or only numbers)`},
		{"duplicate key", "{\"a\": 1, \"a\": 2}\n", `X:1: duplicate key "a"`},
		{"new key", prefix.String() + "{\"a\": 1, \"b\": 2}\n", `X:101: unexpected key "b": columns come from the first 100 lines: a`},
		{"empty", "\n\n", "X: empty file, expected one JSON object per line"},
		{"deep", "{\"a\": " + strings.Repeat("[", 40) + "1" + strings.Repeat("]", 40) + "}\n", `X:1: key "a": arrays nested deeper than 32`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := writeTemp(t, "x.jsonl", []byte(c.data))
			_, _, err := readAll(t, Spec{Path: p})
			require.Error(t, err)
			assert.Equal(t, strings.ReplaceAll(c.want, "X", p), err.Error())
		})
	}
}

func TestARFF(t *testing.T) {
	t.Parallel()
	cols, recs, err := readAll(t, Spec{Path: td("credit.arff")})
	require.NoError(t, err)
	assert.Equal(t, []Column{
		{Name: "checking_status", Kind: Nominal, Nominal: []string{"<0", "0<=X<200", "no checking"}},
		{Name: "duration", Kind: Number},
		{Name: "credit history", Kind: Nominal, Nominal: []string{"critical/other existing credit", "existing", "all paid"}},
		{Name: "age", Kind: Number},
		{Name: "purpose", Kind: String},
		{Name: "class", Kind: Nominal, Nominal: []string{"good", "bad"}},
	}, cols)
	require.Len(t, recs, 5)
	assert.Equal(t, Record{Index: 0, Loc: "testdata/credit.arff:13", Values: []Value{
		nom("<0", 0), num(6), nom("critical/other existing credit", 0), num(67), str("radio/tv"), nom("good", 0)}}, recs[0])
	assert.Equal(t, Record{Index: 1, Loc: "testdata/credit.arff:15", Values: []Value{
		nom("0<=X<200", 1), num(48), nom("existing", 1), {}, str("new car"), nom("bad", 1)}}, recs[1])
	assert.Equal(t, []Value{nom("no checking", 2), num(12), nom("all paid", 2), num(22.5), str("used car"), nom("good", 0)}, recs[2].Values)
	assert.Equal(t, []Value{{}, num(24), nom("existing", 1), num(35), {}, nom("bad", 1)}, recs[3].Values)
	// Sparse row: omitted numbers are 0, omitted nominals the first value.
	assert.Equal(t, Record{Index: 4, Loc: "testdata/credit.arff:18", Values: []Value{
		nom("<0", 0), num(30), nom("critical/other existing credit", 0), num(41), str("domestic appliance"), nom("bad", 1)}}, recs[4])
}

func TestARFFErrors(t *testing.T) {
	t.Parallel()
	head := "@relation r\n@attribute a numeric\n@attribute c {x,y}\n@data\n"
	cases := []struct{ name, data, want string }{
		{"number", head + "1,x\nabc,y\n", `X:6: attribute "a": expected a number, found "abc"`},
		{"nominal", head + "1,z\n", `X:5: attribute "c": value "z" is not one of {x, y}`},
		{"count", head + "1\n", "X:5: expected 2 values, found 1"},
		{"unterminated", head + "1,'x\n", "X:5: unterminated quote"},
		{"sparse range", head + "{0 1, 7 x}\n", "X:5: sparse row: index 7 out of range (0..1)"},
		{"sparse twice", head + "{0 1, 0 2}\n", "X:5: sparse row: index 0 given twice"},
		{"sparse entry", head + "{0}\n", `X:5: sparse row: expected "index value", found "0"`},
		{"weights", head + "{0 1}, {3}\n", `X:5: sparse row: unexpected text ", {3}" after '}' (instance weights are not supported)`},
		{"type", "@relation r\n@attribute a numerc\n@data\n", `X:2: attribute "a": unknown type "numerc" (expected numeric, real, integer, string, date or {nominal values}) (did you mean "numeric"?)`},
		{"relational", "@attribute a relational\n@data\n", `X:1: attribute "a": relational attributes are not supported`},
		{"no data", "@relation r\n@attribute a numeric\n", "X: no @data section"},
		{"data first", "@data\n1\n", "X:1: @data before any @attribute"},
		{"junk", "hello\n", `X:1: expected @relation, @attribute or @data, found "hello"`},
		{"duplicate", "@attribute a numeric\n@attribute a numeric\n@data\n", `X:2: duplicate attribute "a" (first declared on line 1)`},
		{"no type", "@attribute a\n@data\n", `X:1: attribute "a" has no type`},
		{"nominal end", "@attribute a {x,y\n@data\n", `X:1: attribute "a": nominal values must end with '}'`},
		{"nominal after", "@attribute a {x,y} z\n@data\n", `X:1: attribute "a": unexpected text "z" after the nominal values`},
		{"nominal dup", "@attribute a {x,x}\n@data\n", `X:1: attribute "a": duplicate nominal value "x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := writeTemp(t, "x.arff", []byte(c.data))
			_, _, err := readAll(t, Spec{Path: p})
			require.Error(t, err)
			assert.Equal(t, strings.ReplaceAll(c.want, "X", p), err.Error())
		})
	}
}

func TestARFFQuotedNames(t *testing.T) {
	t.Parallel()
	// Quoted names with spaces, escapes, a quoted '?' (a value, not missing)
	// and a nominal list without spaces before '{'.
	data := "@RELATION r\n@ATTRIBUTE \"my name\" STRING\n@attribute b{'it\\'s',no}\n@data\n'?','it\\'s'\n"
	p := writeTemp(t, "x.arff", []byte(data))
	cols, recs, err := readAll(t, Spec{Path: p})
	require.NoError(t, err)
	assert.Equal(t, "my name", cols[0].Name)
	assert.Equal(t, []string{"it's", "no"}, cols[1].Nominal)
	assert.Equal(t, []Value{str("?"), nom("it's", 0)}, recs[0].Values)
}
