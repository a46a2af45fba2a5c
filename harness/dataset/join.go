package dataset

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/evalctl/evalctl/harness/inputerr"
)

// JoinOnRow is JoinSpec.On for a join by position: row i of the data set
// takes row i of the joined file.
const JoinOnRow = "row"

// JoinSpec adds columns from a second file to every record, for example
// group or label columns from a CSV beside NPY or IDX arrays.
type JoinSpec struct {
	// Format of the joined file; Auto detects it from the file name. Any
	// single-file format may be joined (csv, jsonl, parquet, arff, npz, npy).
	Format Format
	// Path is the joined file.
	Path string
	// On is JoinOnRow ("row"), or the name of an id column present in both
	// files: each record takes the joined row with the same id. Numbers
	// and strings compare by their text, so 7 matches "7".
	On string
	// Columns lists the columns to add (default: every column of the
	// joined file except On). They must not already be columns of the
	// data set.
	Columns []string
	// Delimiter and Missing configure a CSV file as in Spec.
	Delimiter rune
	Missing   []string
}

// openDerived opens the base data set of spec and applies its joins, then
// decodes its image column.
func openDerived(spec Spec) (Reader, error) {
	base := spec
	base.Joins, base.Image, base.base = nil, nil, true
	r, err := Open(base)
	if err != nil {
		return nil, err
	}
	name := spec.Path
	if name == "" && len(spec.Paths) > 0 {
		name = spec.Paths[0].Path
	}
	for _, j := range spec.Joins {
		jr, err := withJoin(r, j, name)
		if err != nil {
			r.Close()
			return nil, err
		}
		r = jr
	}
	if spec.Image != nil || spec.Format == ImageFolder {
		img := ImageSpec{}
		if spec.Image != nil {
			img = *spec.Image
		}
		dataFile := name
		if spec.Format == ImageFolder {
			img.Base, dataFile = "", "." // the listing gives paths as opened
		}
		ir, err := withImages(r, img, dataFile)
		if err != nil {
			r.Close()
			return nil, err
		}
		r = keepLen(r, ir)
	}
	return r, nil
}

// lenReader adds the Lener capability of the reader it wraps.
type lenReader struct {
	Reader
	l Lener
}

func (l lenReader) Len() int { return l.l.Len() }

// keepLen returns outer with inner's Len, when inner has one.
func keepLen(inner, outer Reader) Reader {
	if l, ok := inner.(Lener); ok {
		return lenReader{Reader: outer, l: l}
	}
	return outer
}

// joinReader adds the columns of a second reader to each record.
type joinReader struct {
	Reader
	side     Reader
	spec     JoinSpec
	baseName string
	cols     []Column
	take     []int             // side column index of each added column
	key      int               // base id column (by id) or -1 (by row)
	sideKey  int               // the joined file's id column, or -1
	where    map[string]string // a join by id: the joined file's location of each id
	index    map[string][]Value
	rows     int // base rows read
	rec      Record
	err      error
}

// withJoin opens j and wraps base so that its records carry j's columns.
// A join by row checks that both files have the same number of rows; a
// join by id holds the joined columns of the second file in memory, keyed
// by id (the data set itself still streams).
func withJoin(base Reader, j JoinSpec, baseName string) (Reader, error) {
	if j.Path == "" {
		return nil, fmt.Errorf("join: no path given")
	}
	if j.On == "" {
		return nil, fmt.Errorf("join %s: on is required (%q, or an id column present in both files)", j.Path, JoinOnRow)
	}
	f := j.Format
	if f == Auto {
		f = DetectFormat(j.Path)
	}
	switch f {
	case Auto:
		return nil, fmt.Errorf("join %s: cannot tell the format from the file name; set format", j.Path)
	case IDX, ImageFolder:
		return nil, fmt.Errorf("join %s: %s files cannot be joined (join a csv, jsonl, parquet, arff, npz or npy file)", j.Path, f)
	}
	side, err := Open(Spec{Format: f, Path: j.Path, Delimiter: j.Delimiter, Missing: j.Missing})
	if err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	jr := &joinReader{Reader: base, side: side, spec: j, baseName: baseName, key: -1, sideKey: -1}
	if err := jr.compile(); err != nil {
		side.Close()
		return nil, err
	}
	if jr.key >= 0 {
		if err := jr.load(); err != nil {
			side.Close()
			return nil, err
		}
	}
	return keepLen(base, jr), nil
}

func colNames(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// compile resolves the joined columns and the id column.
func (jr *joinReader) compile() error {
	j := jr.spec
	bcols, scols := jr.Reader.Columns(), jr.side.Columns()
	bnames, snames := colNames(bcols), colNames(scols)
	sideKey := -1
	defer func() { jr.sideKey = sideKey }()
	if j.On != JoinOnRow {
		jr.key = indexOf(bnames, j.On)
		if jr.key < 0 {
			return fmt.Errorf("join %s: on: %s has no column %q%s", j.Path, jr.baseName, j.On, suggest(j.On, bnames))
		}
		sideKey = indexOf(snames, j.On)
		if sideKey < 0 {
			return fmt.Errorf("join %s: on: %s has no column %q%s", j.Path, j.Path, j.On, suggest(j.On, snames))
		}
	}
	names := j.Columns
	if len(names) == 0 {
		for i, n := range snames {
			if i != sideKey {
				names = append(names, n)
			}
		}
	}
	jr.cols = slices.Clone(bcols)
	for _, n := range names {
		si := indexOf(snames, n)
		if si < 0 {
			return fmt.Errorf("join %s: columns: %s has no column %q%s", j.Path, j.Path, n, suggest(n, snames))
		}
		if si == sideKey {
			return fmt.Errorf("join %s: columns: %q is the id column the files are joined on", j.Path, n)
		}
		if indexOf(bnames, n) >= 0 || slices.Contains(jr.take, si) {
			return fmt.Errorf("join %s: column %q is already a column of %s; list the columns to add with columns", j.Path, n, jr.baseName)
		}
		jr.take = append(jr.take, si)
		c := scols[si]
		c.File = j.Path // errors about the column name the joined row (Record.Joined)
		jr.cols = append(jr.cols, c)
	}
	if len(jr.take) == 0 {
		return fmt.Errorf("join %s: no column to add", j.Path)
	}
	return nil
}

// idText renders an id value for matching.
func idText(v Value) (string, bool) {
	switch v.Kind {
	case Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64), true
	case String:
		return v.Str, true
	}
	return "", false
}

// load reads the joined file into an index from id to the added values.
func (jr *joinReader) load() error {
	sideKey := jr.sideKey
	jr.index = map[string][]Value{}
	jr.where = map[string]string{}
	where := jr.where
	for jr.side.Next() {
		rec := jr.side.Record()
		id, ok := idText(rec.Values[sideKey])
		if !ok {
			return fmt.Errorf("%s: join id column %q: expected a number or string, found %s", rec.Loc, jr.spec.On, article(rec.Values[sideKey].Kind))
		}
		if first, dup := where[id]; dup {
			return fmt.Errorf("%s: join id %q appears twice in %s (first at %s)", rec.Loc, id, jr.spec.Path, first)
		}
		where[id] = rec.Loc
		vals := make([]Value, len(jr.take))
		for i, si := range jr.take {
			vals[i] = rec.Values[si]
		}
		jr.index[id] = vals
	}
	if err := jr.side.Err(); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	return nil
}

func (jr *joinReader) Columns() []Column { return jr.cols }
func (jr *joinReader) Record() Record    { return jr.rec }

// Err returns the join's error, or the data set's.
func (jr *joinReader) Err() error {
	if jr.err != nil {
		return inputerr.Mark(jr.err)
	}
	return jr.Reader.Err()
}

// Close closes both files.
func (jr *joinReader) Close() error {
	err := jr.Reader.Close()
	if serr := jr.side.Close(); err == nil {
		err = serr
	}
	return err
}

func (jr *joinReader) fail(err error) bool {
	jr.err = err
	return false
}

func (jr *joinReader) Next() bool {
	if jr.err != nil {
		return false
	}
	if !jr.Reader.Next() {
		if jr.Reader.Err() == nil && jr.key < 0 {
			// A join by row: the joined file must end too.
			if jr.side.Next() {
				return jr.fail(fmt.Errorf("join by row: %s has %d rows but %s has more (%s is row %d)", jr.baseName, jr.rows, jr.spec.Path, jr.side.Record().Loc, jr.rows+1))
			}
			if err := jr.side.Err(); err != nil {
				return jr.fail(fmt.Errorf("join: %w", err))
			}
		}
		return false
	}
	rec := jr.Reader.Record()
	jr.rows++
	var add []Value
	var sideLoc string
	if jr.key < 0 {
		if !jr.side.Next() {
			if err := jr.side.Err(); err != nil {
				return jr.fail(fmt.Errorf("join: %w", err))
			}
			return jr.fail(fmt.Errorf("join by row: %s has only %d rows but %s has more (%s is row %d)", jr.spec.Path, jr.rows-1, jr.baseName, rec.Loc, jr.rows))
		}
		srec := jr.side.Record()
		sideLoc = srec.Loc
		add = make([]Value, len(jr.take))
		for i, si := range jr.take {
			add[i] = srec.Values[si]
		}
	} else {
		id, ok := idText(rec.Values[jr.key])
		if !ok {
			return jr.fail(fmt.Errorf("%s: join id column %q: expected a number or string, found %s", rec.Loc, jr.spec.On, article(rec.Values[jr.key].Kind)))
		}
		add, ok = jr.index[id]
		if !ok {
			return jr.fail(fmt.Errorf("%s: join: id %q (column %q) is not in %s (%d ids)", rec.Loc, id, jr.spec.On, jr.spec.Path, len(jr.index)))
		}
		sideLoc = jr.where[id]
	}
	joined := make(map[string]string, len(rec.Joined)+1)
	maps.Copy(joined, rec.Joined)
	joined[jr.spec.Path] = sideLoc
	rec.Joined = joined
	vals := make([]Value, 0, len(rec.Values)+len(add))
	vals = append(append(vals, rec.Values...), add...)
	rec.Values = vals
	jr.rec = rec
	return true
}

// imageFiles lists the image files a CSV or JSONL data set names in its
// image column, for provenance hashes; nil when there are none or the
// data cannot be read (reading it later reports the error).
func imageFiles(spec Spec) []string {
	f := spec.Format
	if f == Auto {
		f = DetectFormat(spec.Path)
	}
	if f != CSV && f != JSONL {
		return nil
	}
	img := *spec.Image
	if checkImageSpec(&img) != nil {
		return nil
	}
	base := img.Base
	if base == "" {
		base = filepath.Dir(spec.Path)
	}
	s := spec
	s.Image = nil
	r, err := Open(s)
	if err != nil {
		return nil
	}
	defer r.Close()
	col := indexOf(colNames(r.Columns()), img.Column)
	if col < 0 {
		return nil
	}
	var out []string
	for r.Next() {
		v := r.Record().Values[col]
		if v.Kind != String || imageMagic(v.Str) != "" {
			continue
		}
		p := v.Str
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, filepath.FromSlash(p))
		}
		out = append(out, p)
	}
	return out
}
