package dataset

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// parquetBatch is the number of rows read from a row group at a time.
const parquetBatch = 64

// maxListDepth bounds the nesting of Parquet lists read as arrays.
const maxListDepth = 8

// pqColumn maps one output column to one Parquet leaf column.
type pqColumn struct {
	name     string
	kind     Kind // Number, String, Array or List
	leaf     int  // index of the leaf column in the file's schema
	maxDef   int  // definition level of a present leaf value
	fieldDef int  // definition level at which the top field is not null
	repDefs  []int
	num      func(parquet.Value) float64 // Number and Array leaves
}

// parquetReader streams a Parquet file one row group at a time, and within
// a row group parquetBatch rows at a time.
type parquetReader struct {
	stream
	name    string
	file    *parquet.File
	columns []pqColumn
	skipped []string
	nrows   int

	group  int // index of the current row group
	rows   parquet.Rows
	buf    []parquet.Row
	n, pos int // rows in buf, next row of buf
	inRG   int // row index inside the current row group
	// groupEnd says the current row group has no rows beyond buf.
	groupEnd bool
	row      int // row index in the file
	prefix   []Record
}

func openParquet(spec Spec) (r Reader, err error) {
	f, err := os.Open(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("open parquet: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open parquet: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", spec.Path)
	}
	return newParquetReader(spec.Path, f, st.Size(), f)
}

// newParquetReader reads the footer and schema of a Parquet file and
// infers the shapes of array columns from the first rows.
func newParquetReader(name string, ra io.ReaderAt, size int64, closer io.Closer) (pr *parquetReader, err error) {
	defer func() {
		// parquet-go panics on some malformed inputs (found by fuzzing);
		// evalctl never panics on bad data.
		if p := recover(); p != nil {
			pr, err = nil, fmt.Errorf("%s: malformed parquet file: %v", name, p)
		}
	}()
	file, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable parquet file: %w", name, err)
	}
	p := &parquetReader{name: name, file: file, stream: stream{closer: closer}, nrows: int(file.NumRows())}
	if err := p.mapSchema(file.Schema()); err != nil {
		return nil, err
	}
	if len(p.columns) == 0 {
		return nil, fmt.Errorf("%s: no column evalctl can read (skipped: %s)", name, strings.Join(p.skipped, "; "))
	}
	p.cols = make([]Column, len(p.columns))
	hasArray := false
	for i, c := range p.columns {
		p.cols[i] = Column{Name: c.name, Kind: c.kind}
		hasArray = hasArray || c.kind == Array
	}
	if hasArray {
		// Infer each array column's per-example shape from the first rows,
		// as the JSONL reader does; the rows are kept and replayed.
		for len(p.prefix) < inferRows && p.next() {
			p.prefix = append(p.prefix, p.rec)
		}
		if p.err != nil {
			return nil, p.err
		}
		p.done = false
		for i := range p.cols {
			if p.cols[i].Kind != Array {
				continue
			}
			var shape []int
			for k, rec := range p.prefix {
				v := rec.Values[i]
				if v.Kind != Array {
					continue
				}
				if shape == nil && k == firstArray(p.prefix, i) {
					shape = v.Shape
				} else if !equalInts(shape, v.Shape) {
					shape = nil
					break
				}
			}
			p.cols[i].Shape = shape
		}
	}
	return p, nil
}

// firstArray returns the index of the first record whose column i holds an
// array, or -1.
func firstArray(recs []Record, i int) int {
	for k, r := range recs {
		if r.Values[i].Kind == Array {
			return k
		}
	}
	return -1
}

// Len returns the number of rows in the file (from its footer).
func (p *parquetReader) Len() int { return p.nrows }

// mapSchema turns the file's schema into output columns: leaves are
// columns, struct fields become "parent.child" columns, and (nested) lists
// of numbers become arrays, lists of strings list columns. Anything else
// is skipped and named in p.skipped.
func (p *parquetReader) mapSchema(s *parquet.Schema) error {
	leafIndex := map[string]int{}
	for i, path := range s.Columns() {
		leafIndex[strings.Join(path, "\x00")] = i
	}
	seen := map[string]bool{}
	var walk func(prefix string, path []string, f parquet.Field, def int, repDefs []int)
	add := func(name string, path []string, leaf parquet.Node, def, fieldDef int, repDefs []int) {
		idx, ok := leafIndex[strings.Join(path, "\x00")]
		if !ok {
			p.skipped = append(p.skipped, name+" (leaf not found)")
			return
		}
		if seen[name] {
			p.skipped = append(p.skipped, name+" (duplicate name)")
			return
		}
		num, isString, why := leafConversion(leaf.Type())
		if why != "" {
			p.skipped = append(p.skipped, name+" ("+why+")")
			return
		}
		c := pqColumn{name: name, leaf: idx, maxDef: def, fieldDef: fieldDef, repDefs: repDefs, num: num}
		switch {
		case len(repDefs) == 0 && isString:
			c.kind = String
		case len(repDefs) == 0:
			c.kind = Number
		case isString && len(repDefs) == 1:
			c.kind = List
		case isString:
			p.skipped = append(p.skipped, name+" (nested list of strings)")
			return
		case len(repDefs) > maxListDepth:
			p.skipped = append(p.skipped, name+fmt.Sprintf(" (lists nested deeper than %d)", maxListDepth))
			return
		default:
			c.kind = Array
		}
		seen[name] = true
		p.columns = append(p.columns, c)
	}
	// elem handles the element of a list: a leaf, or another list.
	var elem func(name string, path []string, n parquet.Node, def, fieldDef int, repDefs []int)
	elem = func(name string, path []string, n parquet.Node, def, fieldDef int, repDefs []int) {
		if n.Optional() {
			def++
		}
		switch {
		case n.Leaf():
			add(name, path, n, def, fieldDef, repDefs)
		case isList(n):
			inner := n.Fields()[0]
			def++
			reps := append(append([]int(nil), repDefs...), def)
			if inner.Leaf() {
				add(name, append(path, inner.Name()), inner, def, fieldDef, reps)
				return
			}
			if len(inner.Fields()) != 1 {
				p.skipped = append(p.skipped, name+" (list of structs)")
				return
			}
			e := inner.Fields()[0]
			elem(name, append(append(path, inner.Name()), e.Name()), e, def, fieldDef, reps)
		default:
			p.skipped = append(p.skipped, name+" (list of structs or maps)")
		}
	}
	walk = func(prefix string, path []string, f parquet.Field, def int, repDefs []int) {
		name := f.Name()
		if prefix != "" {
			name = prefix + "." + name
		}
		path = append(append([]string(nil), path...), f.Name())
		switch {
		case f.Repeated():
			// A repeated field without a LIST annotation: a legacy list.
			def++
			reps := append(append([]int(nil), repDefs...), def)
			if f.Leaf() {
				add(name, path, f, def, def-1, reps)
				return
			}
			p.skipped = append(p.skipped, name+" (repeated group)")
		case f.Leaf():
			if f.Optional() {
				def++
			}
			add(name, path, f, def, def, repDefs)
		case isList(f):
			if f.Optional() {
				def++
			}
			fieldDef := def
			inner := f.Fields()[0]
			def++
			reps := append(append([]int(nil), repDefs...), def)
			if inner.Leaf() { // two-level list
				add(name, append(path, inner.Name()), inner, def, fieldDef, reps)
				return
			}
			if len(inner.Fields()) != 1 {
				p.skipped = append(p.skipped, name+" (list of structs)")
				return
			}
			e := inner.Fields()[0]
			elem(name, append(append(path, inner.Name()), e.Name()), e, def, fieldDef, reps)
		case isMap(f):
			p.skipped = append(p.skipped, name+" (map)")
		default: // a struct: its fields become "name.field" columns
			if f.Optional() {
				def++
			}
			for _, c := range f.Fields() {
				walk(name, path, c, def, repDefs)
			}
		}
	}
	for _, f := range s.Fields() {
		walk("", nil, f, 0, nil)
	}
	return nil
}

// isList reports whether n is a LIST-annotated group with one repeated child.
func isList(n parquet.Node) bool {
	if n.Leaf() || len(n.Fields()) != 1 || !n.Fields()[0].Repeated() {
		return false
	}
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.ListType); ok {
			return true
		}
	}
	if ct := t.ConvertedType(); ct != nil && *ct == deprecated.List {
		return true
	}
	return false
}

// isMap reports whether n is a MAP-annotated group.
func isMap(n parquet.Node) bool {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.MapType); ok {
			return true
		}
	}
	ct := t.ConvertedType()
	return ct != nil && (*ct == deprecated.Map || *ct == deprecated.MapKeyValue)
}

// leafConversion says how a leaf's values are read: as numbers (num) or as
// strings (isString). why is non-empty for unsupported types.
func leafConversion(t parquet.Type) (num func(parquet.Value) float64, isString bool, why string) {
	var lt format.LogicalTypeValue
	if l := t.LogicalType(); l != nil {
		lt = l.Value
	}
	switch t.Kind() {
	case parquet.Boolean:
		return func(v parquet.Value) float64 {
			if v.Boolean() {
				return 1
			}
			return 0
		}, false, ""
	case parquet.Int32, parquet.Int64:
		switch x := lt.(type) {
		case *format.IntType:
			if !x.IsSigned {
				if t.Kind() == parquet.Int32 {
					return func(v parquet.Value) float64 { return float64(uint32(v.Int32())) }, false, ""
				}
				return func(v parquet.Value) float64 { return float64(uint64(v.Int64())) }, false, ""
			}
		case *format.DecimalType:
			scale := math.Pow10(int(x.Scale))
			return func(v parquet.Value) float64 { return float64(v.Int64()) / scale }, false, ""
		}
		if t.Kind() == parquet.Int32 {
			return func(v parquet.Value) float64 { return float64(v.Int32()) }, false, ""
		}
		return func(v parquet.Value) float64 { return float64(v.Int64()) }, false, ""
	case parquet.Float:
		return func(v parquet.Value) float64 { return float64(v.Float()) }, false, ""
	case parquet.Double:
		return func(v parquet.Value) float64 { return v.Double() }, false, ""
	case parquet.ByteArray, parquet.FixedLenByteArray:
		switch lt.(type) {
		case *format.DecimalType:
			return nil, false, "decimal stored as bytes"
		case *format.Float16Type:
			return func(v parquet.Value) float64 { return float16ToFloat(v.ByteArray()) }, false, ""
		}
		return nil, true, ""
	}
	return nil, false, "type " + t.String()
}

// float16ToFloat decodes a little-endian IEEE 754 half-precision number.
func float16ToFloat(b []byte) float64 {
	if len(b) != 2 {
		return math.NaN()
	}
	h := uint16(b[0]) | uint16(b[1])<<8
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}

// Next reads the next row, replaying the rows read to infer shapes first.
func (p *parquetReader) Next() bool {
	if len(p.prefix) > 0 {
		p.rec = p.prefix[0]
		p.prefix[0] = Record{}
		p.prefix = p.prefix[1:]
		return true
	}
	return p.next()
}

func (p *parquetReader) next() (ok bool) {
	if p.done {
		return false
	}
	defer func() {
		if r := recover(); r != nil {
			ok = p.fail(fmt.Errorf("%s: row group %d, row %d: malformed parquet data: %v", p.name, p.group, p.inRG, r))
		}
	}()
	for p.pos >= p.n {
		if err := p.fill(); err != nil {
			if err == io.EOF {
				p.done = true
				return false
			}
			return p.fail(err)
		}
	}
	row := p.buf[p.pos]
	p.pos++
	byLeaf := make([][]parquet.Value, len(p.file.Schema().Columns()))
	row.Range(func(ci int, vals []parquet.Value) bool {
		if ci < len(byLeaf) {
			byLeaf[ci] = vals
		}
		return true
	})
	loc := p.name + "[" + strconv.Itoa(p.row) + "]"
	vals := make([]Value, len(p.columns))
	for i := range p.columns {
		c := &p.columns[i]
		v, err := c.decode(byLeaf[c.leaf])
		if err != nil {
			return p.fail(fmt.Errorf("%s: row group %d, row %d (row %d of the file): column %q: %w", p.name, p.group, p.inRG, p.row, c.name, err))
		}
		vals[i] = v
	}
	p.rec = Record{Index: p.row, Loc: loc, Values: vals}
	p.row++
	p.inRG++
	return true
}

// fill reads the next batch of rows, moving to the next row group when the
// current one is exhausted. It returns io.EOF after the last row group.
func (p *parquetReader) fill() error {
	groups := p.file.RowGroups()
	for {
		if p.rows != nil && p.groupEnd {
			err := p.rows.Close()
			p.rows, p.groupEnd = nil, false
			if err != nil {
				return fmt.Errorf("%s: row group %d: %w", p.name, p.group, err)
			}
			p.group++
		}
		if p.rows == nil {
			if p.group >= len(groups) {
				return io.EOF
			}
			p.rows = groups[p.group].Rows()
			p.inRG = 0
			if p.buf == nil {
				p.buf = make([]parquet.Row, parquetBatch)
			}
		}
		n, err := p.rows.ReadRows(p.buf)
		p.n, p.pos = n, 0
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: row group %d, after row %d: %w", p.name, p.group, p.inRG, err)
		}
		p.groupEnd = err != nil || n == 0
		if n > 0 {
			return nil
		}
	}
}

// Close releases the row group and the file.
func (p *parquetReader) Close() error {
	if p.rows != nil {
		p.rows.Close()
		p.rows = nil
	}
	return p.stream.Close()
}

// decode turns the values of one row in the column's leaf into a Value.
func (c *pqColumn) decode(vals []parquet.Value) (Value, error) {
	if len(vals) == 0 {
		return Value{}, errors.New("no value in the row")
	}
	if len(c.repDefs) == 0 {
		v := vals[0]
		if len(vals) != 1 {
			return Value{}, fmt.Errorf("expected one value, found %d", len(vals))
		}
		if v.DefinitionLevel() < c.maxDef || v.IsNull() {
			return Value{}, nil
		}
		if c.kind == String {
			return Value{Kind: String, Str: string(v.ByteArray())}, nil
		}
		return Value{Kind: Number, Num: c.num(v)}, nil
	}
	first := vals[0].DefinitionLevel()
	if first < c.fieldDef {
		return Value{}, nil // a null list is a missing value
	}
	if first < c.repDefs[0] { // an empty list
		if c.kind == List {
			return Value{Kind: List, List: []string{}}, nil
		}
		return Value{Kind: Array, Arr: []float32{}, Shape: make([]int, len(c.repDefs))}, nil
	}
	if c.kind == List {
		out := make([]string, 0, len(vals))
		for i, v := range vals {
			if v.DefinitionLevel() < c.maxDef {
				return Value{}, fmt.Errorf("element %d of the list is null", i)
			}
			out = append(out, string(v.ByteArray()))
		}
		return Value{Kind: List, List: out}, nil
	}
	k := len(c.repDefs)
	shape := make([]int, k)
	set := make([]bool, k)
	cur := make([]int, k)
	closeFrom := func(j int) error {
		for x := k - 1; x >= j; x-- {
			switch {
			case !set[x]:
				shape[x], set[x] = cur[x], true
			case shape[x] != cur[x]:
				return fmt.Errorf("ragged nested list: a list at depth %d has %d elements, an earlier one %d", x+1, cur[x], shape[x])
			}
			cur[x] = 0
		}
		return nil
	}
	arr := make([]float32, 0, len(vals))
	for i, v := range vals {
		r, d := v.RepetitionLevel(), v.DefinitionLevel()
		if i > 0 {
			if r == 0 || r > k {
				return Value{}, fmt.Errorf("bad repetition level %d", r)
			}
			if err := closeFrom(r); err != nil {
				return Value{}, err
			}
			cur[r-1]++
		}
		for j := r; j < k; j++ { // new lists start at depths r and deeper
			if j > 0 && d < c.repDefs[j] {
				return Value{}, fmt.Errorf("empty or null nested list at depth %d", j+1)
			}
			cur[j] = 1
		}
		if d < c.maxDef {
			return Value{}, fmt.Errorf("element %d of the list is null", len(arr))
		}
		arr = append(arr, float32(c.num(v)))
	}
	if err := closeFrom(0); err != nil {
		return Value{}, err
	}
	return Value{Kind: Array, Arr: arr, Shape: shape}, nil
}
