package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// maxArrayDepth bounds the nesting of JSON arrays.
const maxArrayDepth = 32

// jval is one parsed JSON value.
type jval struct {
	kind  Kind // Missing (null), Number, String, Array or List
	num   float64
	str   string
	arr   []float32
	shape []int
	list  []string
}

type jrow struct {
	line int
	keys []string
	vals []jval
}

type jsonlReader struct {
	stream
	name    string
	br      *bufio.Reader
	index   map[string]int
	missing map[string]bool
	line    int
	prefix  []jrow
	preErr  error
	row     int
}

func openJSONL(spec Spec) (Reader, error) {
	f, err := os.Open(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("open jsonl: %w", err)
	}
	r, err := newJSONLReader(spec.Path, f, f, spec.Missing, spec.Kinds)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func newJSONLReader(name string, r io.Reader, closer io.Closer, missing []string, kinds map[string]Kind) (*jsonlReader, error) {
	j := &jsonlReader{
		name:    name,
		br:      bufio.NewReaderSize(stripBOM(r), 64<<10),
		stream:  stream{closer: closer},
		index:   map[string]int{},
		missing: missingSet(missing, nil),
	}
	for len(j.prefix) < inferRows {
		row, err := j.readRow()
		if err == io.EOF {
			break
		}
		if err != nil {
			j.preErr = err
			break
		}
		j.prefix = append(j.prefix, row)
		for i, k := range row.keys {
			ci, ok := j.index[k]
			if !ok {
				ci = len(j.cols)
				j.index[k] = ci
				j.cols = append(j.cols, Column{Name: k, Kind: Missing})
			}
			v := row.vals[i]
			c := &j.cols[ci]
			switch {
			case v.kind == Missing:
			case c.Kind == Missing:
				c.Kind = v.kind
				if v.kind == Array {
					c.Shape = v.shape
				}
			case c.Kind == Array && v.kind == Array && !equalInts(c.Shape, v.shape):
				c.Shape = nil // varies
			case c.Kind == Array && v.kind == List && equalInts(c.Shape, []int{0}):
				c.Kind, c.Shape = List, nil // [] first, then a list of strings
			}
		}
	}
	if len(j.prefix) == 0 && j.preErr == nil {
		return nil, fmt.Errorf("%s: empty file, expected one JSON object per line", name)
	}
	for i := range j.cols {
		if j.cols[i].Kind == Missing {
			j.cols[i].Kind = String // only nulls seen
		}
	}
	if err := checkKinds(name, j.cols, kinds, Number, String, Array, List); err != nil {
		return nil, err
	}
	return j, nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// readRow reads the next non-blank line and parses it.
func (j *jsonlReader) readRow() (jrow, error) {
	for {
		line, err := j.br.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			if err == io.EOF {
				return jrow{}, io.EOF
			}
			return jrow{}, fmt.Errorf("%s:%d: %w", j.name, j.line+1, err)
		}
		j.line++
		if err != nil && err != io.EOF {
			return jrow{}, fmt.Errorf("%s:%d: %w", j.name, j.line, err)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		keys, vals, perr := parseJSONObject(line)
		if perr != nil {
			return jrow{}, fmt.Errorf("%s:%d: %w", j.name, j.line, perr)
		}
		return jrow{line: j.line, keys: keys, vals: vals}, nil
	}
}

func describeToken(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '[':
			return "an array"
		case '{':
			return "an object"
		}
		return fmt.Sprintf("%q", string(v))
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", t)
}

func jsonErr(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of line")
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// parseJSONObject parses one line holding one JSON object, keeping the key
// order.
func parseJSONObject(line []byte) ([]string, []jval, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return nil, nil, jsonErr(err)
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("expected a JSON object, found %s", describeToken(t))
	}
	var keys []string
	var vals []jval
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, jsonErr(err)
		}
		key, ok := t.(string)
		if !ok {
			return nil, nil, fmt.Errorf("invalid JSON: expected a key, found %s", describeToken(t))
		}
		if indexOf(keys, key) >= 0 {
			return nil, nil, fmt.Errorf("duplicate key %q", key)
		}
		v, err := parseJSONValue(dec, key)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, key)
		vals = append(vals, v)
	}
	if _, err := dec.Token(); err != nil { // closing '}'
		return nil, nil, jsonErr(err)
	}
	if t, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, nil, jsonErr(err)
		}
		return nil, nil, fmt.Errorf("expected one JSON object per line, found %s after it", describeToken(t))
	}
	return keys, vals, nil
}

func parseJSONValue(dec *json.Decoder, key string) (jval, error) {
	t, err := dec.Token()
	if err != nil {
		return jval{}, jsonErr(err)
	}
	switch v := t.(type) {
	case nil:
		return jval{}, nil
	case bool:
		if v {
			return jval{kind: Number, num: 1}, nil
		}
		return jval{kind: Number, num: 0}, nil
	case json.Number:
		x, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return jval{}, fmt.Errorf("key %q: number %s is out of range", key, v)
		}
		return jval{kind: Number, num: x}, nil
	case string:
		return jval{kind: String, str: v}, nil
	case json.Delim:
		if v == '[' {
			var arr []float32
			var list []string
			shape, err := parseJSONArray(dec, key, &arr, 1, &list)
			if err != nil {
				return jval{}, err
			}
			if list != nil {
				return jval{kind: List, list: list}, nil
			}
			return jval{kind: Array, arr: arr, shape: shape}, nil
		}
	}
	return jval{}, fmt.Errorf("key %q: expected a number, string, boolean, array of numbers, array of strings or null, found %s", key, describeToken(t))
}

// parseJSONArray parses the rest of an array whose '[' was read, appending
// its numbers to arr, and returns its shape. A top-level array whose first
// element is a string is a list of strings, stored in *list instead (list
// is nil for nested arrays).
func parseJSONArray(dec *json.Decoder, key string, arr *[]float32, depth int, list *[]string) ([]int, error) {
	if depth > maxArrayDepth {
		return nil, fmt.Errorf("key %q: arrays nested deeper than %d", key, maxArrayDepth)
	}
	n := 0
	var inner []int
	nested := false
	for {
		t, err := dec.Token()
		if err != nil {
			return nil, jsonErr(err)
		}
		if d, ok := t.(json.Delim); ok && d == ']' {
			return append([]int{n}, inner...), nil
		}
		switch v := t.(type) {
		case json.Number:
			if nested {
				return nil, fmt.Errorf("key %q: ragged array: element %d is a number, earlier elements are arrays", key, n)
			}
			x, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return nil, fmt.Errorf("key %q: number %s is out of range", key, v)
			}
			*arr = append(*arr, float32(x))
		case json.Delim:
			if v != '[' || (n > 0 && !nested) {
				if v == '[' {
					return nil, fmt.Errorf("key %q: ragged array: element %d is an array, earlier elements are numbers", key, n)
				}
				return nil, fmt.Errorf("key %q: expected an array of numbers, found %s inside it", key, describeToken(t))
			}
			sh, err := parseJSONArray(dec, key, arr, depth+1, nil)
			if err != nil {
				return nil, err
			}
			if nested && !equalInts(sh, inner) {
				return nil, fmt.Errorf("key %q: ragged array: element %d has shape %v, element 0 has shape %v", key, n, sh, inner)
			}
			nested, inner = true, sh
		case string:
			if n == 0 && list != nil {
				return nil, parseJSONStrings(dec, key, v, list)
			}
			return nil, fmt.Errorf("key %q: expected an array of numbers, found %s inside it", key, describeToken(t))
		default:
			return nil, fmt.Errorf("key %q: expected an array of numbers, found %s inside it", key, describeToken(t))
		}
		n++
	}
}

func (j *jsonlReader) Next() bool {
	if j.done {
		return false
	}
	var row jrow
	switch {
	case len(j.prefix) > 0:
		row = j.prefix[0]
		j.prefix[0] = jrow{}
		j.prefix = j.prefix[1:]
	case j.preErr != nil:
		return j.fail(j.preErr)
	default:
		var err error
		row, err = j.readRow()
		if err == io.EOF {
			j.done = true
			return false
		}
		if err != nil {
			return j.fail(err)
		}
	}
	loc := j.name + ":" + strconv.Itoa(row.line)
	vals := make([]Value, len(j.cols))
	for i, k := range row.keys {
		ci, ok := j.index[k]
		if !ok {
			names := make([]string, len(j.cols))
			for i, c := range j.cols {
				names[i] = c.Name
			}
			return j.fail(fmt.Errorf("%s: unexpected key %q: columns come from the first %d lines: %s", loc, k, inferRows, strings.Join(names, ", ")))
		}
		v := row.vals[i]
		if v.kind == String && j.missing[v.str] {
			continue
		}
		c := j.cols[ci]
		if v.kind == Missing {
			continue
		}
		if c.Kind == List && v.kind == Array && len(v.arr) == 0 && len(v.shape) == 1 {
			v = jval{kind: List, list: []string{}} // [] in a list column
		}
		if v.kind != c.Kind {
			return j.fail(fmt.Errorf("%s: column %q: expected %s, found %s", loc, c.Name, article(c.Kind), article(v.kind)))
		}
		switch v.kind {
		case Number:
			vals[ci] = Value{Kind: Number, Num: v.num}
		case String:
			vals[ci] = Value{Kind: String, Str: v.str}
		case Array:
			vals[ci] = Value{Kind: Array, Arr: v.arr, Shape: v.shape}
		case List:
			vals[ci] = Value{Kind: List, List: v.list}
		}
	}
	j.rec = Record{Index: j.row, Loc: loc, Values: vals}
	j.row++
	return true
}

func article(k Kind) string {
	switch k {
	case Number:
		return "a number"
	case String:
		return "a string"
	case Array:
		return "an array"
	case List:
		return "a list of strings"
	}
	return k.String()
}

// parseJSONStrings parses the rest of a list of strings whose '[' and first
// string were read.
func parseJSONStrings(dec *json.Decoder, key, first string, list *[]string) error {
	out := []string{first}
	for {
		t, err := dec.Token()
		if err != nil {
			return jsonErr(err)
		}
		switch v := t.(type) {
		case json.Delim:
			if v == ']' {
				*list = out
				return nil
			}
		case string:
			out = append(out, v)
			continue
		}
		return fmt.Errorf("key %q: element %d of a list of strings is %s; a list holds only strings (or only numbers)", key, len(out), describeToken(t))
	}
}
