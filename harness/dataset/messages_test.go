package dataset

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// passwd is the start of a system file, the campaign's example of a file
// of another format given as data.
const passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"

// TestMessages is issue 11 case 18: each message names the right file and
// line, says what was expected and found, and never echoes a whole line of
// a file of another format.
func TestMessages(t *testing.T) {
	t.Parallel()
	longField := "1\n" + strings.Repeat("2\n", 120) + strings.Repeat("text ", 40) + "\n"
	cases := []struct {
		name    string
		run     func() error
		want    string
		notWant string
	}{
		{"missing value hint names the suite key fill", func() error {
			return encodeCSV(t, "x,y\n1,2\n3,\n", FeatureSpec{Columns: []string{"x", "y"}})
		}, `a.csv:3: column "y": missing value (set fill on the feature to replace missing values, e.g. fill: 0)`, "fill_missing"},
		{"label error names the label file, not the image file", func() error {
			cols, recs, err := readAll(t, Spec{Format: IDX, Paths: []ColumnFile{{"image", td("images-idx3-ubyte")}, {"label", td("labels-idx1-ubyte")}}})
			require.NoError(t, err)
			l, err := CompileLabel(cols, LabelSpec{Column: "label", Classes: []string{"a", "b", "c"}})
			require.NoError(t, err)
			_, err = l.Label(recs[0]) // labels [7, 0, 9]
			return err
		}, `testdata/labels-idx1-ubyte[0]: label column "label": label 7 is outside the 3 classes [a, b, c]`, "images-idx3"},
		{"header-only CSV", func() error {
			_, _, err := readAll(t, Spec{Path: writeTemp(t, "h.csv", []byte("x,y,label\n"))})
			return err
		}, `h.csv: the file has a header row but no data rows (a data set needs at least one example)`, "string column"},
		{"text in a number column within the first 100 rows", func() error {
			return encodeCSV(t, "x,y\n1,0\n2,1\nabc,0\n4,1\n", FeatureSpec{Columns: []string{"x"}})
		}, `features: column "x" is read as text because "abc" on line 4 is not a number, though other values are (kinds are inferred from the first 100 rows)`, ""},
		{"text in a label column within the first 100 rows", func() error {
			cols, _, err := readAll(t, Spec{Path: writeTemp(t, "l.csv", []byte("x,y\n1,0\n2,one\n"))})
			require.NoError(t, err)
			_, err = CompileLabel(cols, LabelSpec{Column: "y"})
			return err
		}, `label: column "y" is read as text because "one" on line 3 is not a number, though other values are`, ""},
		{"a long value after row 100 is quoted short", func() error {
			return encodeCSV(t, "x\n"+longField, FeatureSpec{Columns: []string{"x"}})
		}, `a.csv:123: column "x": expected a number, found "text text text text text…"`, strings.Repeat("text ", 6)},
		{"a column with no values in the first rows", func() error {
			return encodeCSV(t, "x,y\n1,\n2,NA\n", FeatureSpec{Columns: []string{"x", "y"}})
		}, `features: column "y" is read as text because every value in its first rows is missing`, "string column"},
		{"ARFF reader given a system file", func() error {
			_, _, err := readAll(t, Spec{Format: ARFF, Path: writeTemp(t, "passwd", []byte(passwd))})
			return err
		}, `passwd:1: expected @relation, @attribute or @data, found "root:x:0:0:root:/root:/b…"`, "/bin/bash"},
		{"CSV reader given a system file: header names quoted short", func() error {
			return encodeCSV(t, passwd, FeatureSpec{Columns: []string{"pixel"}})
		}, `features: unknown column "pixel" (known: "root:x:0:0:root:/root:/b…")`, "/bin/bash"},
		{"control characters are escaped", func() error {
			return encodeCSV(t, "x\n"+strings.Repeat("1\n", 101)+"\x1b[2J\n", FeatureSpec{Columns: []string{"x"}})
		}, `expected a number, found "\x1b[2J"`, "\x1b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			if tc.notWant != "" {
				assert.NotContains(t, err.Error(), tc.notWant)
			}
		})
	}
}

// encodeCSV reads CSV text from a.csv and encodes every record with fs.
func encodeCSV(t *testing.T, text string, fs FeatureSpec) error {
	cols, recs, err := readAll(t, Spec{Format: CSV, Path: writeTemp(t, "a.csv", []byte(text))})
	if err != nil {
		return err
	}
	enc, err := CompileFeatures(cols, fs)
	if err != nil {
		return err
	}
	dst := make([]float32, enc.Width())
	for _, r := range recs {
		if err := enc.Encode(r, dst); err != nil {
			return fmt.Errorf("%w", err)
		}
	}
	return nil
}
