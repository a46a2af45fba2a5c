package dataset

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// npyMagic starts every NPY file.
var npyMagic = []byte("\x93NUMPY")

// maxNPYHeader bounds the header length.
const maxNPYHeader = 1 << 20

func openNPYFile(path, column string) (*rowSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open npy: %w", err)
	}
	s, err := newNPYSource(path, column, f, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// newNPYSource reads an NPY header from r and returns a source positioned at
// the data.
func newNPYSource(name, column string, r io.Reader, closer io.Closer) (*rowSource, error) {
	br := bufio.NewReaderSize(r, chunkBytes)
	shape, dt, err := readNPYHeader(name, br)
	if err != nil {
		return nil, err
	}
	return newRowSource(name, column, shape, dt, br, closer)
}

func readNPYHeader(name string, r io.Reader) ([]int, dtype, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, dtype{}, fmt.Errorf("%s: not an npy file: too short for the magic string", name)
	}
	if !bytes.Equal(pre[:6], npyMagic) {
		return nil, dtype{}, fmt.Errorf("%s: not an npy file: expected magic \\x93NUMPY, found %q", name, pre[:6])
	}
	major := pre[6]
	var hlen int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, dtype{}, fmt.Errorf("%s: truncated npy header", name)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, dtype{}, fmt.Errorf("%s: truncated npy header", name)
		}
		n := binary.LittleEndian.Uint32(b[:])
		if n > maxNPYHeader {
			return nil, dtype{}, fmt.Errorf("%s: npy header of %d bytes is too long (at most %d)", name, n, maxNPYHeader)
		}
		hlen = int(n)
	default:
		return nil, dtype{}, fmt.Errorf("%s: unsupported npy format version %d.%d (supported: 1, 2, 3)", name, major, pre[7])
	}
	h := make([]byte, hlen)
	if _, err := io.ReadFull(r, h); err != nil {
		return nil, dtype{}, fmt.Errorf("%s: truncated npy header: expected %d bytes", name, hlen)
	}
	shape, dt, err := parseNPYHeader(string(h))
	if err != nil {
		return nil, dtype{}, fmt.Errorf("%s: npy header: %w", name, err)
	}
	return shape, dt, nil
}

// parseNPYHeader parses the Python dict literal of an NPY header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (10, 28, 28), }.
func parseNPYHeader(h string) ([]int, dtype, error) {
	p := &pyParser{s: strings.TrimRight(h, " \n\x00")}
	v, err := p.value(0)
	if err != nil {
		return nil, dtype{}, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, dtype{}, fmt.Errorf("unexpected text %s after the dictionary", excerpt(p.s[p.i:]))
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, dtype{}, fmt.Errorf("expected a dictionary, found %s", pyType(v))
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := d[k]; !ok {
			return nil, dtype{}, fmt.Errorf("missing key %q", k)
		}
	}
	descr, ok := d["descr"].(string)
	if !ok {
		return nil, dtype{}, fmt.Errorf("descr: expected a simple dtype string such as '<f4', found %s (structured dtypes are not supported)", pyType(d["descr"]))
	}
	dt, err := parseDescr(descr)
	if err != nil {
		return nil, dtype{}, err
	}
	fo, ok := d["fortran_order"].(bool)
	if !ok {
		return nil, dtype{}, fmt.Errorf("fortran_order: expected True or False, found %s", pyType(d["fortran_order"]))
	}
	if fo {
		return nil, dtype{}, errors.New("fortran_order is True: Fortran-ordered arrays are not supported; save a C-ordered array (numpy.ascontiguousarray)")
	}
	tup, ok := d["shape"].([]any)
	if !ok {
		return nil, dtype{}, fmt.Errorf("shape: expected a tuple, found %s", pyType(d["shape"]))
	}
	shape := make([]int, len(tup))
	for i, x := range tup {
		n, ok := x.(int)
		if !ok {
			return nil, dtype{}, fmt.Errorf("shape: expected integers, found %s", pyType(x))
		}
		shape[i] = n
	}
	return shape, dt, nil
}

// parseDescr parses a numpy type string such as "<f4", ">i8" or "|u1".
func parseDescr(s string) (dtype, error) {
	bad := fmt.Errorf("unsupported dtype %s (supported: f4, f8, i1, i2, i4, i8, u1, u2, u4, u8, b1, with byte order <, > or |)", excerpt(s))
	if len(s) < 3 {
		return dtype{}, bad
	}
	var order binary.ByteOrder
	switch s[0] {
	case '<', '|':
		order = binary.LittleEndian
	case '>':
		order = binary.BigEndian
	case '=':
		order = binary.NativeEndian
	default:
		return dtype{}, bad
	}
	size, err := strconv.Atoi(s[2:])
	if err != nil {
		return dtype{}, bad
	}
	kind := s[1]
	ok := false
	switch kind {
	case 'f':
		ok = size == 4 || size == 8
	case 'i', 'u':
		ok = size == 1 || size == 2 || size == 4 || size == 8
	case 'b':
		ok = size == 1
	}
	if !ok {
		return dtype{}, bad
	}
	return dtype{kind: kind, size: size, order: order}, nil
}

// pyParser parses the subset of Python literals used by NPY headers:
// dicts, tuples, lists, strings, integers, True, False and None.
type pyParser struct {
	s string
	i int
}

func pyType(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case int:
		return fmt.Sprintf("integer %d", v)
	case bool:
		return "a boolean"
	case nil:
		return "None"
	case []any:
		return "a tuple or list"
	case map[string]any:
		return "a dictionary"
	}
	return fmt.Sprintf("%T", v)
}

func (p *pyParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyParser) errf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *pyParser) value(depth int) (any, error) {
	if depth > 16 {
		return nil, p.errf("nested too deeply")
	}
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end of header")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		d := map[string]any{}
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return d, nil
			}
			k, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, p.errf("expected a string key, found %s", pyType(k))
			}
			p.skipSpace()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, p.errf("expected ':' after key %q", ks)
			}
			p.i++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d[ks] = v
			if err := p.sep('}'); err != nil {
				return nil, err
			}
		}
	case c == '(' || c == '[':
		end := byte(')')
		if c == '[' {
			end = ']'
		}
		p.i++
		items := []any{}
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == end {
				p.i++
				return items, nil
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
			if err := p.sep(end); err != nil {
				return nil, err
			}
		}
	case c == '\'' || c == '"':
		j := strings.IndexByte(p.s[p.i+1:], c)
		if j < 0 {
			return nil, p.errf("unterminated string")
		}
		v := p.s[p.i+1 : p.i+1+j]
		p.i += j + 2
		return v, nil
	case c == '-' || (c >= '0' && c <= '9'):
		j := p.i + 1
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j < len(p.s) && p.s[j] == 'L' { // Python 2 long
			j++
		}
		n, err := strconv.Atoi(strings.TrimSuffix(p.s[p.i:j], "L"))
		if err != nil {
			return nil, p.errf("bad integer %q", p.s[p.i:j])
		}
		p.i = j
		return n, nil
	default:
		for _, w := range []struct {
			word string
			v    any
		}{{"True", true}, {"False", false}, {"None", nil}} {
			if strings.HasPrefix(p.s[p.i:], w.word) {
				p.i += len(w.word)
				return w.v, nil
			}
		}
		return nil, p.errf("unexpected character %q", c)
	}
}

// sep consumes a ',' or sees the closing bracket.
func (p *pyParser) sep(end byte) error {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ',' {
		p.i++
		return nil
	}
	if p.i < len(p.s) && p.s[p.i] == end {
		return nil
	}
	return p.errf("expected ',' or %q", end)
}
