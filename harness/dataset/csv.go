package dataset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// inferRows is how many leading records CSV and JSONL readers buffer to
// infer column kinds.
const inferRows = 100

var defaultCSVMissing = []string{"", "?", "NA"}

type csvRow struct {
	line   int
	fields []string
}

type csvReader struct {
	stream
	name     string
	cr       *csv.Reader
	missing  map[string]bool
	inferred []bool // column kind came from the prefix, not Spec.Kinds
	prefix   []csvRow
	preErr   error // error met while reading the prefix, reported in order
	row      int
}

func openCSV(spec Spec) (Reader, error) {
	f, err := os.Open(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("open csv: %w", err)
	}
	delim := spec.Delimiter
	if delim == 0 && strings.EqualFold(filepath.Ext(spec.Path), ".tsv") {
		delim = '\t'
	}
	r, err := newCSVReader(spec.Path, f, f, delim, spec.Missing, spec.Kinds)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// stripBOM drops a leading UTF-8 byte order mark.
func stripBOM(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	return br
}

func newCSVReader(name string, r io.Reader, closer io.Closer, delim rune, missing []string, kinds map[string]Kind) (*csvReader, error) {
	if delim == 0 {
		delim = ','
	}
	if delim == '"' || delim == '\r' || delim == '\n' || delim == utf8.RuneError || !utf8.ValidRune(delim) {
		return nil, fmt.Errorf("%s: invalid csv delimiter %q", name, delim)
	}
	cr := csv.NewReader(stripBOM(r))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	c := &csvReader{name: name, cr: cr, stream: stream{closer: closer}, missing: missingSet(missing, defaultCSVMissing)}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file, expected a header row", name)
	}
	if err != nil {
		return nil, c.wrapErr(err)
	}
	seen := make(map[string]int, len(header))
	names := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fmt.Errorf("%s:1: column %d has an empty name in the header row", name, i+1)
		}
		if j, ok := seen[h]; ok {
			return nil, fmt.Errorf("%s:1: duplicate column %q (columns %d and %d)", name, h, j+1, i+1)
		}
		seen[h] = i
		names[i] = h
	}
	// Buffer a prefix to infer the column kinds.
	for len(c.prefix) < inferRows {
		fields, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			c.preErr = c.wrapErr(err)
			break
		}
		line, _ := cr.FieldPos(0)
		c.prefix = append(c.prefix, csvRow{line: line, fields: fields})
	}
	if len(c.prefix) == 0 && c.preErr == nil {
		return nil, fmt.Errorf("%s: the file has a header row but no data rows (a data set needs at least one example)", name)
	}
	c.cols = make([]Column, len(names))
	for i, n := range names {
		c.cols[i] = Column{Name: n, Kind: String}
		numbers := 0
		allNum := true
		var text csvRow // the first value that is not a number
		for _, row := range c.prefix {
			if i >= len(row.fields) {
				continue
			}
			t := strings.TrimSpace(row.fields[i])
			if c.missing[t] {
				continue
			}
			if _, err := strconv.ParseFloat(t, 64); err != nil {
				if allNum {
					text = csvRow{line: row.line, fields: []string{t}}
				}
				allNum = false
				continue
			}
			numbers++
		}
		if allNum && numbers > 0 {
			c.cols[i].Kind = Number
		}
		switch {
		case !allNum && numbers > 0:
			c.cols[i].Note = fmt.Sprintf("%s on line %d is not a number, though other values are", excerpt(text.fields[0]), text.line)
		case allNum && numbers == 0:
			c.cols[i].Note = "every value in its first rows is missing"
		}
	}
	if err := checkKinds(name, c.cols, kinds, Number, String); err != nil {
		return nil, err
	}
	c.inferred = make([]bool, len(c.cols))
	for i, col := range c.cols {
		_, set := kinds[col.Name]
		c.inferred[i] = !set
	}
	return c, nil
}

func (c *csvReader) wrapErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %w", c.name, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", c.name, err)
}

func (c *csvReader) Next() bool {
	if c.done {
		return false
	}
	var row csvRow
	switch {
	case len(c.prefix) > 0:
		row = c.prefix[0]
		c.prefix[0] = csvRow{}
		c.prefix = c.prefix[1:]
	case c.preErr != nil:
		c.err, c.done = c.preErr, true
		return false
	default:
		fields, err := c.cr.Read()
		if err == io.EOF {
			c.done = true
			return false
		}
		if err != nil {
			c.err, c.done = c.wrapErr(err), true
			return false
		}
		line, _ := c.cr.FieldPos(0)
		row = csvRow{line: line, fields: fields}
	}
	loc := c.name + ":" + strconv.Itoa(row.line)
	if len(row.fields) != len(c.cols) {
		c.err = fmt.Errorf("%s: expected %d fields, found %d", loc, len(c.cols), len(row.fields))
		c.done = true
		return false
	}
	vals := make([]Value, len(c.cols))
	for i, s := range row.fields {
		t := strings.TrimSpace(s)
		if c.missing[t] {
			continue
		}
		switch c.cols[i].Kind {
		case Number:
			x, err := strconv.ParseFloat(t, 64)
			if err != nil {
				hint := ""
				if c.inferred[i] {
					hint = fmt.Sprintf(" (the first %d rows made it a number column; set its kind to string to read it as text)", inferRows)
				}
				c.err = fmt.Errorf("%s: column %q: expected a number, found %s%s", loc, c.cols[i].Name, excerpt(s), hint)
				c.done = true
				return false
			}
			vals[i] = Value{Kind: Number, Num: x}
		default:
			vals[i] = Value{Kind: String, Str: s}
		}
	}
	c.rec = Record{Index: c.row, Loc: loc, Values: vals}
	c.row++
	return true
}
