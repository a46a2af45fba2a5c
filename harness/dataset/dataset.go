package dataset

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/evalctl/evalctl/harness/inputerr"
)

// Format is a data set file format.
type Format int

// The supported formats. Auto, the zero value, picks the format from the file
// name extension (see [DetectFormat]).
const (
	Auto Format = iota
	CSV
	JSONL
	NPY
	NPZ
	IDX
	ARFF
	Parquet
	ImageFolder
)

var formatNames = [...]string{"auto", "csv", "jsonl", "npy", "npz", "idx", "arff", "parquet", "imagefolder"}

// String returns the lower-case name of the format, as accepted by [ParseFormat].
func (f Format) String() string {
	if f < 0 || int(f) >= len(formatNames) {
		return fmt.Sprintf("Format(%d)", int(f))
	}
	return formatNames[f]
}

// MarshalText encodes the format as its name.
func (f Format) MarshalText() ([]byte, error) {
	if f < 0 || int(f) >= len(formatNames) {
		return nil, fmt.Errorf("unknown format %d", int(f))
	}
	return []byte(formatNames[f]), nil
}

// UnmarshalText decodes a format name (see [ParseFormat]).
func (f *Format) UnmarshalText(b []byte) error {
	v, err := ParseFormat(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Formats returns the names of the supported formats, "auto" excluded, in
// declaration order.
func Formats() []string { return append([]string(nil), formatNames[1:]...) }

// ParseFormat parses a format name: "auto", "csv", "jsonl" (also "ndjson"),
// "npy", "npz", "idx", "arff", "parquet" or "imagefolder", in any letter
// case.
func ParseFormat(s string) (Format, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "ndjson" {
		return JSONL, nil
	}
	for i, n := range formatNames {
		if n == l {
			return Format(i), nil
		}
	}
	return Auto, fmt.Errorf("unknown format %q%s", s, suggest(l, formatNames[:]))
}

// DetectFormat guesses a format from a file name: .csv/.tsv, .jsonl/.ndjson,
// .npy, .npz, .arff, .parquet, and IDX names (.idx, or containing "-idx" or
// "-ubyte", optionally gzipped). It returns Auto when nothing matches (an
// image folder is never detected: name its format).
func DetectFormat(path string) Format {
	base := strings.ToLower(filepath.Base(path))
	base = strings.TrimSuffix(base, ".gz")
	switch ext := filepath.Ext(base); ext {
	case ".csv", ".tsv":
		return CSV
	case ".jsonl", ".ndjson":
		return JSONL
	case ".npy":
		return NPY
	case ".npz":
		return NPZ
	case ".arff":
		return ARFF
	case ".idx":
		return IDX
	case ".parquet":
		return Parquet
	}
	if strings.Contains(base, "-idx") || strings.Contains(base, "-ubyte") || strings.Contains(base, ".idx") {
		return IDX
	}
	return Auto
}

// Kind is the kind of a value or of a column.
//
// A Value has kind Missing, Number, String, Array or List. A Column has
// kind Number, String, Array, Nominal or List; the values of a Nominal
// column have kind String (or Missing). A List is a list of strings, such
// as the answer choices of a multiple-choice question.
type Kind int

// The kinds. Missing is the zero value, so Value{} is a missing value.
const (
	Missing Kind = iota
	Number
	String
	Array
	Nominal
	List
)

var kindNames = [...]string{"missing", "number", "string", "array", "nominal", "list"}

// String returns the lower-case name of the kind.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// MarshalText encodes the kind as its name.
func (k Kind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("unknown kind %d", int(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a kind name ("number", "string", "array", "nominal",
// "list", "missing").
func (k *Kind) UnmarshalText(b []byte) error {
	l := strings.ToLower(strings.TrimSpace(string(b)))
	for i, n := range kindNames {
		if n == l {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown kind %q%s", string(b), suggest(l, kindNames[:]))
}

// Value is one cell of a record.
//
// Kind says which field holds the value: Num for Number, Str for String, Arr
// (row-major, C order) and Shape for Array, List for List. For a value of a
// Nominal column, Str holds the value and Num its 0-based index in
// Column.Nominal.
//
// Arr64 holds an Array's values in float64 as well, where the file stores
// them in a type float32 does not represent exactly (NPY/NPZ f8, i4, u4,
// i8, u8); Arr holds them rounded to float32. A model input declared
// float64 or int64 reads Arr64 when it is set (Encoder.Encode64). Whoever
// changes Arr sets Arr64 to nil.
type Value struct {
	Kind  Kind
	Num   float64
	Str   string
	Arr   []float32
	Shape []int
	List  []string
	Arr64 []float64
}

// Column describes one column of a data set.
type Column struct {
	// Name is the column name (CSV header, JSON key, ARFF attribute, NPZ
	// entry without ".npy", or ColumnFile.Column).
	Name string
	// Kind is Number, String, Array or Nominal.
	Kind Kind
	// Nominal lists a Nominal column's values in declared (ARFF) order.
	Nominal []string
	// Shape is the per-example shape of an Array column; nil when the
	// shape varies between records (JSONL only).
	Shape []int
	// File is the file the column is read from when a data set's columns
	// come from several files side by side (multi-file NPY and IDX), so
	// that an error about the column (a bad label) names that file and
	// row; empty when Record.Loc names the column's file.
	File string
	// Note explains an inferred kind that may surprise: for a CSV column
	// read as strings although its first rows also hold numbers, the
	// first value that is not a number and its line.
	Note string
}

// Record is one example.
type Record struct {
	// Index is the 0-based row number.
	Index int
	// Loc locates the record for error messages: "file:line" (1-based line
	// where the record starts) for text formats, "file[row]" otherwise.
	Loc string
	// Values holds one value per column, aligned with Reader.Columns().
	Values []Value
	// Joined locates the rows a record's joined columns were read from,
	// keyed by the joined file's path (JoinSpec.Path, also the added
	// columns' Column.File), so that an error about such a column names
	// the joined file and its line rather than the base file's; nil when
	// the data set has no joins.
	Joined map[string]string
}

// Reader streams the records of a data set.
//
// Use it as
//
//	for r.Next() {
//		rec := r.Record()
//		...
//	}
//	if err := r.Err(); err != nil { ... }
//
// Next returns false at the end of the data or at the first error; Err then
// reports the error (nil at a clean end). Each Record is fresh: the reader
// never reuses or changes a returned record's slices. Close releases the
// files; it is safe to call more than once. A Reader is not safe for
// concurrent use.
type Reader interface {
	Columns() []Column
	Next() bool
	Record() Record
	Err() error
	Close() error
}

// Lener is implemented by readers that know their number of records before
// reading them (NPY, NPZ, IDX, Parquet and image folders).
type Lener interface {
	Len() int
}

// ColumnFile names one file of a multi-file data set: the file at Path
// becomes the column Column.
type ColumnFile struct {
	Column string
	Path   string
}

// Spec says which files to read and how.
type Spec struct {
	// Format is the file format; Auto detects it from the file name.
	Format Format
	// Path is the file of a single-file data set (CSV, JSONL, ARFF, NPZ,
	// NPY, or one IDX file).
	Path string
	// Paths lists the files of a multi-file NPY or IDX data set, one column
	// per file, read side by side (row i of the data set is row i of every
	// file).
	Paths []ColumnFile
	// Delimiter separates CSV fields; 0 means ',' (or '\t' for a .tsv file).
	Delimiter rune
	// Missing lists the tokens read as missing values. nil means the
	// format's default: "", "?" and "NA" for CSV, "?" for ARFF (always
	// missing there) and none for JSONL, where null is missing and tokens
	// apply to string values. An empty, non-nil slice means none.
	Missing []string
	// Kinds overrides the inferred kind of CSV and JSONL columns (Number,
	// String; Array for JSONL).
	Kinds map[string]Kind
	// Joins add columns from other files (see JoinSpec).
	Joins []JoinSpec
	// Image decodes a column of image paths or bytes into an array column
	// (see ImageSpec). An ImageFolder data set always decodes its image
	// column, with the defaults when Image is nil.
	Image *ImageSpec

	base bool // set by openDerived: Joins and Image are already handled
}

// Files returns every file the spec reads, in order, for provenance hashes:
// the data file(s), every image of an image folder or named by a CSV or
// JSONL image column, and the joined files.
func (s Spec) Files() []string {
	var out []string
	switch {
	case s.Format == ImageFolder:
		out = append(out, imageFolderFiles(s.Path)...)
	case s.Path != "":
		out = append(out, s.Path)
	}
	for _, p := range s.Paths {
		out = append(out, p.Path)
	}
	if s.Image != nil && s.Format != ImageFolder {
		out = append(out, imageFiles(s)...)
	}
	for _, j := range s.Joins {
		out = append(out, j.Path)
	}
	return out
}

// Open checks the spec, opens its files and returns a streaming reader.
// Header problems (a bad NPY header, unequal IDX counts, an unknown ARFF
// type) are reported here; problems in records are reported by Next/Err.
// Errors of both are marked as invalid input (package inputerr), except a
// failure of the operating system to read (EIO).
func Open(spec Spec) (Reader, error) {
	r, err := open(spec)
	return r, inputerr.Mark(err)
}

func open(spec Spec) (Reader, error) {
	if !spec.base && (len(spec.Joins) > 0 || spec.Image != nil || spec.Format == ImageFolder) {
		return openDerived(spec)
	}
	f := spec.Format
	if f == Auto {
		name := spec.Path
		if name == "" && len(spec.Paths) > 0 {
			name = spec.Paths[0].Path
		}
		f = DetectFormat(name)
		if f == Auto {
			return nil, fmt.Errorf("%s: cannot tell the format from the file name; set format (csv, jsonl, npy, npz, idx, arff, parquet or imagefolder)", name)
		}
	}
	if spec.Path == "" && len(spec.Paths) == 0 {
		return nil, fmt.Errorf("open %s data set: no path given", f)
	}
	if spec.Path != "" && len(spec.Paths) > 0 {
		return nil, fmt.Errorf("open %s data set: give either path or paths, not both", f)
	}
	if len(spec.Paths) > 0 && f != NPY && f != IDX {
		return nil, fmt.Errorf("open %s data set: paths (one file per column) is only for npy and idx; use path", f)
	}
	if len(spec.Kinds) > 0 && f != CSV && f != JSONL {
		return nil, fmt.Errorf("open %s data set: kinds can only be set for csv and jsonl columns", f)
	}
	switch f {
	case CSV:
		return openCSV(spec)
	case JSONL:
		return openJSONL(spec)
	case ARFF:
		return openARFF(spec)
	case NPZ:
		return openNPZ(spec.Path)
	case Parquet:
		return openParquet(spec)
	case ImageFolder:
		return openImageFolder(spec)
	case NPY, IDX:
		files := spec.Paths
		if len(files) == 0 {
			files = []ColumnFile{{Column: defaultColumnName(spec.Path, f), Path: spec.Path}}
		}
		return openColumnFiles(files, f)
	}
	return nil, fmt.Errorf("unknown format %d", int(f))
}

// defaultColumnName names the single column of a one-file NPY or IDX data
// set after the file: "x.npy" → "x", "t10k-images-idx3-ubyte.gz" →
// "t10k-images".
func defaultColumnName(path string, f Format) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, ".gz")
	base = strings.TrimSuffix(base, ".npy")
	if f == IDX {
		if i := strings.Index(base, "-idx"); i > 0 {
			base = base[:i]
		} else if i := strings.Index(base, ".idx"); i > 0 {
			base = base[:i]
		}
	}
	return base
}

// missingSet builds the set of missing tokens.
func missingSet(tokens, defaults []string) map[string]bool {
	if tokens == nil {
		tokens = defaults
	}
	m := make(map[string]bool, len(tokens))
	for _, t := range tokens {
		m[t] = true
	}
	return m
}

// checkKinds validates Spec.Kinds against the columns and applies it.
func checkKinds(name string, cols []Column, kinds map[string]Kind, allowed ...Kind) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	for col, k := range kinds {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return fmt.Errorf("%s: kinds: column %q: kind %s is not allowed here (allowed: %s)", name, col, k, kindList(allowed))
		}
		i := indexOf(names, col)
		if i < 0 {
			return fmt.Errorf("%s: kinds: unknown column %q%s", name, col, suggest(col, names))
		}
		cols[i].Kind = k
		if k != Array {
			cols[i].Shape = nil
		}
	}
	return nil
}

func kindList(ks []Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = k.String()
	}
	return strings.Join(s, ", ")
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// stream is the state every text-format reader shares: its columns, the
// current record, the first error and the file to close. Readers embed it
// for Columns, Record, Err and Close.
type stream struct {
	closer io.Closer
	cols   []Column
	rec    Record
	err    error
	done   bool
}

func (s *stream) Columns() []Column { return s.cols }
func (s *stream) Record() Record    { return s.rec }
func (s *stream) Err() error        { return inputerr.Mark(s.err) }

// Close releases the file; it is safe to call more than once.
func (s *stream) Close() error {
	s.done = true
	if s.closer == nil {
		return nil
	}
	err := s.closer.Close()
	s.closer = nil
	return err
}

// fail records err as the reader's error and ends the stream.
func (s *stream) fail(err error) bool {
	s.err, s.done = err, true
	return false
}
