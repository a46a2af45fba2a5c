package dataset

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/evalctl/evalctl/harness/inputerr"
)

// dtype is a fixed-size numeric element type of an NPY or IDX file.
type dtype struct {
	kind  byte // 'f' float, 'i' signed, 'u' unsigned, 'b' bool
	size  int  // bytes
	order binary.ByteOrder
}

// decode32 converts len(dst) elements from src (len(dst)*size bytes).
func (d dtype) decode32(dst []float32, src []byte) {
	switch {
	case d.kind == 'u' && d.size == 1:
		for i, b := range src[:len(dst)] {
			dst[i] = float32(b)
		}
	case d.kind == 'b':
		for i, b := range src[:len(dst)] {
			if b != 0 {
				dst[i] = 1
			} else {
				dst[i] = 0
			}
		}
	case d.kind == 'f' && d.size == 4:
		for i := range dst {
			dst[i] = math.Float32frombits(d.order.Uint32(src[4*i:]))
		}
	default:
		for i := range dst {
			dst[i] = float32(d.decode64(src[i*d.size:]))
		}
	}
}

// wide says whether the type holds values float32 does not represent
// exactly: float64 and 32- or 64-bit integers. Their arrays are also kept
// in float64 (Value.Arr64).
func (d dtype) wide() bool {
	return (d.kind == 'f' && d.size == 8) || ((d.kind == 'i' || d.kind == 'u') && d.size >= 4)
}

// decodeWide converts len(dst) elements from src into dst (float64) and
// out (float32, rounded).
func (d dtype) decodeWide(dst []float64, out []float32, src []byte) {
	for i := range dst {
		dst[i] = d.decode64(src[i*d.size:])
		out[i] = float32(dst[i])
	}
}

// decode64 converts one element.
func (d dtype) decode64(b []byte) float64 {
	switch d.kind {
	case 'b':
		if b[0] != 0 {
			return 1
		}
		return 0
	case 'f':
		if d.size == 4 {
			return float64(math.Float32frombits(d.order.Uint32(b)))
		}
		return math.Float64frombits(d.order.Uint64(b))
	case 'u':
		switch d.size {
		case 1:
			return float64(b[0])
		case 2:
			return float64(d.order.Uint16(b))
		case 4:
			return float64(d.order.Uint32(b))
		default:
			return float64(d.order.Uint64(b))
		}
	default:
		switch d.size {
		case 1:
			return float64(int8(b[0]))
		case 2:
			return float64(int16(d.order.Uint16(b)))
		case 4:
			return float64(int32(d.order.Uint32(b)))
		default:
			return float64(int64(d.order.Uint64(b)))
		}
	}
}

// maxRowBytes bounds one example (1 GiB) so a corrupt header cannot ask for
// absurd sizes.
const maxRowBytes = 1 << 30

// chunkBytes is how much of a large row is read at a time.
const chunkBytes = 64 << 10

// rowSource streams the fixed-size rows of one array file as one column.
type rowSource struct {
	name   string // for errors and Loc, e.g. "x.npy" or "a.npz/x.npy"
	col    Column
	n      int // rows
	dt     dtype
	elems  int // elements per row
	r      *bufio.Reader
	closer io.Closer
	buf    []byte
}

// newRowSource checks the array shape (first axis = rows) and builds the
// source. r must be positioned at the first data byte.
func newRowSource(name, column string, shape []int, dt dtype, r io.Reader, closer io.Closer) (*rowSource, error) {
	if len(shape) == 0 {
		return nil, fmt.Errorf("%s: expected an array with at least one dimension (examples first), found a scalar", name)
	}
	elems := 1
	for _, d := range shape[1:] {
		if d < 0 {
			return nil, fmt.Errorf("%s: negative dimension in shape %v", name, shape)
		}
		if d > 0 && elems > maxRowBytes/dt.size/d {
			return nil, fmt.Errorf("%s: one example of shape %v is larger than %d bytes", name, shape[1:], maxRowBytes)
		}
		elems *= d
	}
	if shape[0] < 0 {
		return nil, fmt.Errorf("%s: negative dimension in shape %v", name, shape)
	}
	col := Column{Name: column, Kind: Number}
	if len(shape) > 1 {
		col.Kind = Array
		col.Shape = append([]int(nil), shape[1:]...)
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, chunkBytes)
	}
	return &rowSource{name: name, col: col, n: shape[0], dt: dt, elems: elems, r: br, closer: closer}, nil
}

func (s *rowSource) truncated(row, need, got int) error {
	return fmt.Errorf("%s[%d]: truncated file: expected %d bytes for the row, found %d", s.name, row, need, got)
}

func (s *rowSource) readErr(row int, err error) error {
	return fmt.Errorf("%s[%d]: read: %w", s.name, row, err)
}

// next reads row number row.
func (s *rowSource) next(row int) (Value, error) {
	size := s.dt.size
	if s.col.Kind == Number {
		if cap(s.buf) < size {
			s.buf = make([]byte, size)
		}
		b := s.buf[:size]
		if k, err := io.ReadFull(s.r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return Value{}, s.truncated(row, size, k)
			}
			return Value{}, s.readErr(row, err)
		}
		return Value{Kind: Number, Num: s.dt.decode64(b)}, nil
	}
	if len(s.buf) < chunkBytes {
		s.buf = make([]byte, chunkBytes)
	}
	if s.elems*size <= chunkBytes { // the common case: one read
		b := s.buf[:s.elems*size]
		if k, err := io.ReadFull(s.r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return Value{}, s.truncated(row, len(b), k)
			}
			return Value{}, s.readErr(row, err)
		}
		out := make([]float32, s.elems)
		if s.dt.wide() {
			wide := make([]float64, s.elems)
			s.dt.decodeWide(wide, out, b)
			return Value{Kind: Array, Arr: out, Arr64: wide, Shape: slices.Clone(s.col.Shape)}, nil
		}
		s.dt.decode32(out, b)
		return Value{Kind: Array, Arr: out, Shape: slices.Clone(s.col.Shape)}, nil
	}
	// Grow the output as data arrives so a lying header cannot make us
	// allocate much more than the file holds.
	out := make([]float32, 0, chunkBytes)
	var wide []float64
	per := chunkBytes / size
	got := 0
	for len(out) < s.elems {
		k := min(per, s.elems-len(out))
		b := s.buf[:k*size]
		m, err := io.ReadFull(s.r, b)
		got += m
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return Value{}, s.truncated(row, s.elems*size, got)
			}
			return Value{}, s.readErr(row, err)
		}
		start := len(out)
		out = append(out, make([]float32, k)...)
		if s.dt.wide() {
			wide = append(wide, make([]float64, k)...)
			s.dt.decodeWide(wide[start:], out[start:], b)
			continue
		}
		s.dt.decode32(out[start:], b)
	}
	return Value{Kind: Array, Arr: out, Arr64: wide, Shape: slices.Clone(s.col.Shape)}, nil
}

// finish checks that no data follows the last row; reading to the end also
// lets gzip and zip verify their checksums.
func (s *rowSource) finish() error {
	var one [1]byte
	k, err := io.ReadFull(s.r, one[:])
	if k > 0 {
		extra, _ := io.Copy(io.Discard, s.r)
		return fmt.Errorf("%s: %d bytes of data after the last of %d rows (does the header shape match the data?)", s.name, extra+1, s.n)
	}
	if err != nil && err != io.EOF {
		return fmt.Errorf("%s: after the last of %d rows: %w", s.name, s.n, err)
	}
	return nil
}

func (s *rowSource) close() error {
	if s.closer == nil {
		return nil
	}
	err := s.closer.Close()
	s.closer = nil
	return err
}

// columnsReader reads several row sources side by side, one column each.
type columnsReader struct {
	srcs    []*rowSource
	loc     string // file name used in Record.Loc
	cols    []Column
	n       int
	row     int
	rec     Record
	err     error
	done    bool
	closers []io.Closer // extra closers (the zip file of an NPZ)
}

// newColumnsReader checks that all sources have the same number of rows.
func newColumnsReader(srcs []*rowSource, closers ...io.Closer) (*columnsReader, error) {
	c := &columnsReader{srcs: srcs, closers: closers}
	seen := map[string]string{}
	for i, s := range srcs {
		if i > 0 && s.n != srcs[0].n {
			return nil, fmt.Errorf("%s: %d rows but %s has %d rows", s.name, s.n, srcs[0].name, srcs[0].n)
		}
		if prev, ok := seen[s.col.Name]; ok {
			return nil, fmt.Errorf("%s: duplicate column %q (also from %s)", s.name, s.col.Name, prev)
		}
		seen[s.col.Name] = s.name
		col := s.col
		if i > 0 {
			col.File = s.name // Record.Loc names the first file
		}
		c.cols = append(c.cols, col)
	}
	if len(srcs) > 0 {
		c.n = srcs[0].n
		c.loc = srcs[0].name
	}
	return c, nil
}

func (c *columnsReader) Columns() []Column { return c.cols }
func (c *columnsReader) Record() Record    { return c.rec }
func (c *columnsReader) Err() error        { return inputerr.Mark(c.err) }

// Len returns the number of rows declared by the file headers.
func (c *columnsReader) Len() int { return c.n }

func (c *columnsReader) Next() bool {
	if c.done {
		return false
	}
	if c.row >= c.n {
		c.done = true
		for _, s := range c.srcs {
			if err := s.finish(); err != nil {
				c.err = err
				return false
			}
		}
		return false
	}
	vals := make([]Value, len(c.srcs))
	for i, s := range c.srcs {
		v, err := s.next(c.row)
		if err != nil {
			c.err, c.done = err, true
			return false
		}
		vals[i] = v
	}
	c.rec = Record{Index: c.row, Loc: c.loc + "[" + strconv.Itoa(c.row) + "]", Values: vals}
	c.row++
	return true
}

func (c *columnsReader) Close() error {
	c.done = true
	var errs []error
	for _, s := range c.srcs {
		errs = append(errs, s.close())
	}
	for _, cl := range c.closers {
		errs = append(errs, cl.Close())
	}
	c.closers = nil
	return errors.Join(errs...)
}

// openColumnFiles opens NPY or IDX files, one column each.
func openColumnFiles(files []ColumnFile, f Format) (Reader, error) {
	var srcs []*rowSource
	fail := func(err error) (Reader, error) {
		for _, s := range srcs {
			_ = s.close()
		}
		return nil, err
	}
	for _, cf := range files {
		if cf.Column == "" {
			return fail(fmt.Errorf("%s: no column name given", cf.Path))
		}
		var s *rowSource
		var err error
		if f == NPY {
			s, err = openNPYFile(cf.Path, cf.Column)
		} else {
			s, err = openIDXFile(cf.Path, cf.Column)
		}
		if err != nil {
			return fail(err)
		}
		srcs = append(srcs, s)
	}
	r, err := newColumnsReader(srcs)
	if err != nil {
		return fail(err)
	}
	return r, nil
}
