package dataset

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

func openNPZ(path string) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open npz: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open npz: %w", err)
	}
	r, err := newNPZReader(path, f, st.Size(), f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// newNPZReader opens every .npy entry of the archive as a column, each with
// its own streaming reader.
func newNPZReader(name string, ra io.ReaderAt, size int64, closer io.Closer) (*columnsReader, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("%s: not an npz (zip) file: %w", name, err)
	}
	var srcs []*rowSource
	fail := func(err error) (*columnsReader, error) {
		for _, s := range srcs {
			_ = s.close()
		}
		return nil, err
	}
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue
		}
		entry := name + "/" + zf.Name
		if !strings.HasSuffix(zf.Name, ".npy") {
			return fail(fmt.Errorf("%s: expected only .npy entries in an npz archive, found %q", name, zf.Name))
		}
		if zf.Method != zip.Store && zf.Method != zip.Deflate {
			return fail(fmt.Errorf("%s: unsupported compression method %d (expected stored or deflated)", entry, zf.Method))
		}
		rc, err := zf.Open()
		if err != nil {
			return fail(fmt.Errorf("%s: %w", entry, err))
		}
		s, err := newNPYSource(entry, strings.TrimSuffix(zf.Name, ".npy"), rc, quietCloser{rc})
		if err != nil {
			rc.Close()
			return fail(err)
		}
		srcs = append(srcs, s)
	}
	if len(srcs) == 0 {
		return nil, errors.New(name + ": npz archive holds no arrays")
	}
	var closers []io.Closer
	if closer != nil {
		closers = append(closers, closer)
	}
	r, err := newColumnsReader(srcs, closers...)
	if err != nil {
		return fail(err)
	}
	r.loc = name
	return r, nil
}
