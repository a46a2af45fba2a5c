package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

func openIDXFile(path, column string) (*rowSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open idx: %w", err)
	}
	s, err := newIDXSource(path, column, f, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// multiCloser closes a gzip reader and then its file.
type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var first error
	for _, c := range m {
		if c == nil {
			continue
		}
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// quietCloser closes a decompressor, whose Close only repeats a read error
// that Next has already reported.
type quietCloser struct{ c io.Closer }

func (q quietCloser) Close() error {
	_ = q.c.Close()
	return nil
}

// newIDXSource reads an IDX header (plain or gzip-compressed, told apart by
// the magic bytes) and returns a source positioned at the data.
//
// IDX layout: two zero bytes, an element type byte (0x08 u8, 0x09 i8, 0x0B
// i16, 0x0C i32, 0x0D f32, 0x0E f64), the number of dimensions, then each
// dimension as a big-endian uint32, then the data in C order, big-endian.
func newIDXSource(name, column string, r io.Reader, closer io.Closer) (*rowSource, error) {
	br := bufio.NewReaderSize(r, chunkBytes)
	magic, err := br.Peek(2)
	if err != nil {
		return nil, fmt.Errorf("%s: not an idx file: too short for the magic number", name)
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		closer = multiCloser{quietCloser{zr}, closer}
		br = bufio.NewReaderSize(zr, chunkBytes)
	}
	var head [4]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return nil, fmt.Errorf("%s: not an idx file: too short for the magic number", name)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("%s: not an idx file: expected magic 00 00 TT NN, found % x", name, head[:])
	}
	be := binary.BigEndian
	var dt dtype
	switch head[2] {
	case 0x08:
		dt = dtype{kind: 'u', size: 1, order: be}
	case 0x09:
		dt = dtype{kind: 'i', size: 1, order: be}
	case 0x0B:
		dt = dtype{kind: 'i', size: 2, order: be}
	case 0x0C:
		dt = dtype{kind: 'i', size: 4, order: be}
	case 0x0D:
		dt = dtype{kind: 'f', size: 4, order: be}
	case 0x0E:
		dt = dtype{kind: 'f', size: 8, order: be}
	default:
		return nil, fmt.Errorf("%s: unknown idx element type 0x%02x (expected 08, 09, 0b, 0c, 0d or 0e)", name, head[2])
	}
	nd := int(head[3])
	if nd == 0 {
		return nil, fmt.Errorf("%s: idx file has 0 dimensions, expected at least 1 (examples first)", name)
	}
	shape := make([]int, nd)
	for i := range shape {
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("%s: truncated idx header: expected %d dimensions, found %d", name, nd, i)
		}
		d := be.Uint32(b[:])
		if uint64(d) > 1<<31-1 {
			return nil, fmt.Errorf("%s: idx dimension %d is too large (%d)", name, i, d)
		}
		shape[i] = int(d)
	}
	return newRowSource(name, column, shape, dt, br, closer)
}
