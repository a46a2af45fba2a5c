package dataset

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// FeatureSpec declares how the columns of a record become one example's
// feature vector (a flat []float32 with a per-example shape).
type FeatureSpec struct {
	// Columns lists the columns concatenated in order; ["*"] means every
	// column except those in Exclude.
	Columns []string
	// Exclude lists columns left out of ["*"] (typically the label).
	Exclude []string
	// Scale multiplies every numeric and array value first; 0 means 1.
	Scale float64
	// Mean and Std normalise each numeric or array feature after scaling:
	//
	//	out = (x·scale − mean[c]) / std[c]
	//
	// with one value for all features, one per channel (the first axis of
	// Shape, e.g. 3 for [3,32,32]), or one per feature (Width values).
	// Empty means mean 0 and std 1. One-hot features are never normalised.
	Mean, Std []float64
	// Shape is the per-example output shape; its product must equal the
	// width. Empty means the array's own shape for a single array column,
	// [C,H,W] with Layout hwc_to_chw, and [width] otherwise.
	Shape []int
	// Layout is "" (values as stored) or "hwc_to_chw": a single array
	// column of shape [H,W,C] is written as [C,H,W].
	Layout string
	// OneHot encodes nominal and string columns as one 0/1 feature per
	// category, in declared (ARFF) or Categories order; numeric columns are
	// left as they are.
	OneHot bool
	// Categories gives the category list of string columns (and overrides
	// a nominal column's declared order). It is required for a one-hot
	// string column.
	Categories map[string][]string
	// Fill replaces missing numbers (every element of a missing array)
	// when FillMissing is true; a missing one-hot value becomes all zeros.
	// Without FillMissing a missing value is an error naming the example
	// and the column.
	Fill        float64
	FillMissing bool
	// AllowNonFinite passes NaN and ±Inf input values to the model as they
	// are. Without it such a value is an error naming the example, the
	// column and (for arrays) the element, so that bad data is never
	// counted as invalid model output.
	AllowNonFinite bool
}

// Layouts accepted by FeatureSpec.Layout.
const (
	LayoutAsIs     = ""
	LayoutHWCToCHW = "hwc_to_chw"
)

type partKind int

const (
	partNumber partKind = iota
	partArray
	partOneHot
)

// part is one selected column's slice of the output.
type part struct {
	col   int // index into Record.Values
	name  string
	kind  partKind
	off   int
	width int
	shape []int // input array shape
	perm  []int // array: out[off+i] = in[perm[i]]; nil = identity
	cats  []string
	index map[string]int
	file  string // Column.File
}

// loc locates rec for an error about this part's column.
func (p *part) loc(rec Record) string { return columnLoc(rec, p.file) }

// columnLoc locates rec for an error about a column read from file (see
// Column.File): the column's own file and row rather than the first file
// of the data set.
func columnLoc(rec Record, file string) string {
	if file == "" {
		return rec.Loc
	}
	if loc, ok := rec.Joined[file]; ok {
		return loc
	}
	return file + "[" + strconv.Itoa(rec.Index) + "]"
}

// Encoder writes feature vectors; build it with [CompileFeatures]. It is
// read-only after compilation and safe for concurrent use.
type Encoder struct {
	parts       []part
	width       int
	shape       []int
	a, b        []float32 // out = x·a[i] + b[i] per output position
	fill        float32
	a64, b64    []float64 // the same in float64 (Encode64)
	fill64      float64
	fillMissing bool
	nonFinite   bool // AllowNonFinite
}

// findColumn returns the index of the named column or an error suggesting
// the nearest name.
func findColumn(cols []Column, name, what string) (int, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		if c.Name == name {
			return i, nil
		}
		names[i] = c.Name
	}
	return -1, fmt.Errorf("%s: unknown column %q%s", what, name, suggest(name, names))
}

func product(shape []int) int {
	p := 1
	for _, d := range shape {
		p *= d
	}
	return p
}

// CompileFeatures checks spec against the columns and returns an encoder.
// Errors name unknown columns (with the nearest valid name), columns that
// cannot be encoded, and shape or normalisation mismatches.
func CompileFeatures(cols []Column, spec FeatureSpec) (*Encoder, error) {
	const what = "features"
	sel, err := selectColumns(cols, spec)
	if err != nil {
		return nil, err
	}
	for name := range spec.Categories {
		if !slices.Contains(sel, name) {
			return nil, fmt.Errorf("%s: categories given for %q, which is not a selected column%s", what, name, suggest(name, sel))
		}
	}
	e := &Encoder{fill: float32(spec.Fill), fill64: spec.Fill, fillMissing: spec.FillMissing, nonFinite: spec.AllowNonFinite}
	for _, name := range sel {
		ci, err := findColumn(cols, name, what)
		if err != nil {
			return nil, err
		}
		c := cols[ci]
		p := part{col: ci, name: name, off: e.width, file: c.File}
		switch c.Kind {
		case Number:
			p.kind, p.width = partNumber, 1
		case Array:
			if c.Shape == nil {
				return nil, fmt.Errorf("%s: column %q has a shape that varies between examples; features need a fixed shape", what, name)
			}
			p.kind, p.shape, p.width = partArray, c.Shape, product(c.Shape)
		case String, Nominal:
			if !spec.OneHot && c.Note != "" {
				return nil, fmt.Errorf("%s: column %q is read as text because %s (kinds are inferred from the first %d rows); fix that value, list it under missing, or exclude the column", what, name, c.Note, inferRows)
			}
			if !spec.OneHot {
				return nil, fmt.Errorf("%s: column %q is a %s column; set one_hot (with categories for a string column) or exclude it", what, name, c.Kind)
			}
			cats, ok := spec.Categories[name]
			if !ok {
				if c.Kind == String {
					return nil, fmt.Errorf("%s: column %q is a string column; one_hot needs its categories", what, name)
				}
				cats = c.Nominal
			}
			if len(cats) == 0 {
				return nil, fmt.Errorf("%s: column %q: empty category list", what, name)
			}
			p.kind, p.cats, p.width = partOneHot, cats, len(cats)
			p.index = make(map[string]int, len(cats))
			for i, v := range cats {
				if _, dup := p.index[v]; dup {
					return nil, fmt.Errorf("%s: column %q: category %q listed twice", what, name, v)
				}
				p.index[v] = i
			}
		default:
			return nil, fmt.Errorf("%s: column %q has kind %s, which cannot be encoded", what, name, c.Kind)
		}
		e.parts = append(e.parts, p)
		e.width += p.width
	}
	if e.width == 0 {
		return nil, fmt.Errorf("%s: the selected columns have width 0", what)
	}
	switch spec.Layout {
	case LayoutAsIs:
	case LayoutHWCToCHW:
		if len(e.parts) != 1 || e.parts[0].kind != partArray || len(e.parts[0].shape) != 3 {
			return nil, fmt.Errorf("%s: layout %s needs exactly one array column of shape [H,W,C]; found %s", what, LayoutHWCToCHW, describeParts(e.parts))
		}
		p := &e.parts[0]
		h, w, c := p.shape[0], p.shape[1], p.shape[2]
		p.perm = make([]int, p.width)
		for ch := 0; ch < c; ch++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					p.perm[(ch*h+y)*w+x] = (y*w+x)*c + ch
				}
			}
		}
	default:
		return nil, fmt.Errorf("%s: unknown layout %q (expected \"\" or %q)", what, spec.Layout, LayoutHWCToCHW)
	}
	switch {
	case len(spec.Shape) > 0:
		for _, d := range spec.Shape {
			if d <= 0 {
				return nil, fmt.Errorf("%s: shape %v has a non-positive dimension", what, spec.Shape)
			}
		}
		if product(spec.Shape) != e.width {
			return nil, fmt.Errorf("%s: shape %v holds %d values but the features have width %d (%s)", what, spec.Shape, product(spec.Shape), e.width, describeParts(e.parts))
		}
		e.shape = slices.Clone(spec.Shape)
	case spec.Layout == LayoutHWCToCHW:
		s := e.parts[0].shape
		e.shape = []int{s[2], s[0], s[1]}
	case len(e.parts) == 1 && e.parts[0].kind == partArray:
		e.shape = slices.Clone(e.parts[0].shape)
	default:
		e.shape = []int{e.width}
	}
	if err := e.compileNorm(spec); err != nil {
		return nil, err
	}
	return e, nil
}

func describeParts(parts []part) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		switch p.kind {
		case partArray:
			s[i] = fmt.Sprintf("%s: array %v", p.name, p.shape)
		case partOneHot:
			s[i] = fmt.Sprintf("%s: one-hot %d", p.name, p.width)
		default:
			s[i] = p.name + ": number"
		}
	}
	return strings.Join(s, ", ")
}

// selectColumns resolves Columns/Exclude to column names.
func selectColumns(cols []Column, spec FeatureSpec) ([]string, error) {
	const what = "features"
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	for _, x := range spec.Exclude {
		if !slices.Contains(names, x) {
			return nil, fmt.Errorf("%s: exclude: unknown column %q%s", what, x, suggest(x, names))
		}
	}
	if len(spec.Columns) == 0 {
		return nil, fmt.Errorf("%s: no columns given (list them, or use [\"*\"] for all)", what)
	}
	var sel []string
	if len(spec.Columns) == 1 && spec.Columns[0] == "*" {
		for _, n := range names {
			if !slices.Contains(spec.Exclude, n) {
				sel = append(sel, n)
			}
		}
		if len(sel) == 0 {
			return nil, fmt.Errorf("%s: every column is excluded", what)
		}
		return sel, nil
	}
	if len(spec.Exclude) > 0 {
		return nil, fmt.Errorf("%s: exclude only applies to columns [\"*\"]", what)
	}
	for _, n := range spec.Columns {
		if n == "*" {
			return nil, fmt.Errorf("%s: \"*\" must be the only entry of columns", what)
		}
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("%s: unknown column %q%s", what, n, suggest(n, names))
		}
		if slices.Contains(sel, n) {
			return nil, fmt.Errorf("%s: column %q listed twice", what, n)
		}
		sel = append(sel, n)
	}
	return sel, nil
}

// compileNorm turns Scale, Mean and Std into per-position a and b.
func (e *Encoder) compileNorm(spec FeatureSpec) error {
	scale := spec.Scale
	if scale == 0 {
		scale = 1
	}
	if math.IsNaN(scale) || math.IsInf(scale, 0) {
		return fmt.Errorf("features: scale must be finite, found %v", scale)
	}
	channelOf := func(n int, what string) (func(i int) int, error) {
		switch {
		case n == 0 || n == 1:
			return func(int) int { return 0 }, nil
		case n == e.width:
			return func(i int) int { return i }, nil
		case n == e.shape[0]:
			per := e.width / e.shape[0]
			return func(i int) int { return i / per }, nil
		}
		return nil, fmt.Errorf("features: %s has %d values; expected 1, one per channel (%d for shape %v) or one per feature (%d)", what, n, e.shape[0], e.shape, e.width)
	}
	mc, err := channelOf(len(spec.Mean), "mean")
	if err != nil {
		return err
	}
	sc, err := channelOf(len(spec.Std), "std")
	if err != nil {
		return err
	}
	for i, s := range spec.Std {
		if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("features: std[%d] is %v; it must be finite and non-zero", i, s)
		}
	}
	for i, m := range spec.Mean {
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return fmt.Errorf("features: mean[%d] is %v; it must be finite", i, m)
		}
	}
	e.a = make([]float32, e.width)
	e.b = make([]float32, e.width)
	e.a64 = make([]float64, e.width)
	e.b64 = make([]float64, e.width)
	for i := range e.a {
		mean, std := 0.0, 1.0
		if len(spec.Mean) > 0 {
			mean = spec.Mean[mc(i)]
		}
		if len(spec.Std) > 0 {
			std = spec.Std[sc(i)]
		}
		e.a64[i], e.b64[i] = scale/std, -mean/std
		e.a[i], e.b[i] = float32(e.a64[i]), float32(e.b64[i])
	}
	return nil
}

// Width returns the number of features per example.
func (e *Encoder) Width() int { return e.width }

// Shape returns the per-example output shape (product = Width). The slice
// is a copy.
func (e *Encoder) Shape() []int { return slices.Clone(e.shape) }

// Names returns one name per feature: the column name for a number,
// "col[i,j,k]" (index into the stored array) for an array element, and
// "col=value" for a one-hot feature.
func (e *Encoder) Names() []string {
	out := make([]string, 0, e.width)
	for _, p := range e.parts {
		switch p.kind {
		case partNumber:
			out = append(out, p.name)
		case partOneHot:
			for _, c := range p.cats {
				out = append(out, p.name+"="+c)
			}
		case partArray:
			idx := make([]string, len(p.shape))
			for i := 0; i < p.width; i++ {
				in := i
				if p.perm != nil {
					in = p.perm[i]
				}
				for d := len(p.shape) - 1; d >= 0; d-- {
					idx[d] = strconv.Itoa(in % p.shape[d])
					in /= p.shape[d]
				}
				out = append(out, p.name+"["+strings.Join(idx, ",")+"]")
			}
		}
	}
	return out
}

// errFillHint is the hint for missing values; fill is the suite's feature key.
const errFillHint = "set fill on the feature to replace missing values, e.g. fill: 0"

// Encode writes the features of rec into dst, which must have length
// Width(). It does not allocate. Errors name rec.Loc and the column.
func (e *Encoder) Encode(rec Record, dst []float32) error {
	return encode(e, rec, dst, e.a, e.b, e.fill, arrayOf32)
}

// Encode64 writes the features of rec into dst in float64, for a model
// input declared float64: a number reaches dst as read (a CSV, JSONL,
// ARFF or Parquet number, a 1-D NPY element), an array element from a
// float64 or 32/64-bit integer NPY/NPZ/IDX file as stored (Value.Arr64),
// any other array element widened exactly from float32; scale, mean and
// std are applied in float64. dst must have length Width(). Errors name
// rec.Loc and the column.
func (e *Encoder) Encode64(rec Record, dst []float64) error {
	return encode(e, rec, dst, e.a64, e.b64, e.fill64, arrayOf64)
}

// ErrNotInteger is wrapped by the error for a value that an int64 model
// input cannot take exactly.
var ErrNotInteger = errors.New("value is not an integer an int64 input can take exactly")

// maxExactInt is 2^53: beyond it a number read as float64 may already have
// been rounded, so an int64 input would not get the file's value.
const maxExactInt = 1 << 53

// EncodeInt64 writes the features of rec into dst as integers, for a model
// input declared int64: each value, computed as Encode64 does, must be a
// whole number within ±2^53 (where float64, the type numbers are read in,
// holds every integer exactly). Anything else is an error wrapping
// ErrNotInteger that names the example, the column and the element.
func (e *Encoder) EncodeInt64(rec Record, dst []int64) error {
	if len(dst) != e.width {
		return fmt.Errorf("%s: encode: destination has length %d, want %d", rec.Loc, len(dst), e.width)
	}
	buf := make([]float64, e.width)
	if err := e.Encode64(rec, buf); err != nil {
		return err
	}
	for i, x := range buf {
		if x != math.Trunc(x) || math.Abs(x) > maxExactInt {
			p := e.partAt(i)
			elem := ""
			if p.kind == partArray {
				elem = strings.TrimPrefix(e.Names()[i], p.name)
			}
			format := byte('g')
			if x == math.Trunc(x) && !math.IsInf(x, 0) {
				format = 'f' // a whole number in full: 9007199254740994
			}
			return fmt.Errorf("%s: column %q%s: %w: found %s (integers from -2^53 to 2^53 pass exactly)", p.loc(rec), p.name, elem, ErrNotInteger, strconv.FormatFloat(x, format, -1, 64))
		}
		dst[i] = int64(x)
	}
	return nil
}

// partAt returns the part that writes output position i.
func (e *Encoder) partAt(i int) *part {
	for k := range e.parts {
		if p := &e.parts[k]; i >= p.off && i < p.off+p.width {
			return p
		}
	}
	return &e.parts[len(e.parts)-1]
}

// arrayOf32 and arrayOf64 return an Array value's elements in the
// encoder's precision.
func arrayOf32(v *Value) []float32 { return v.Arr }

func arrayOf64(v *Value) []float64 {
	if v.Arr64 != nil {
		return v.Arr64
	}
	out := make([]float64, len(v.Arr))
	for i, x := range v.Arr {
		out[i] = float64(x)
	}
	return out
}

// encode is Encode and Encode64: out = x·a + b per position, in T.
func encode[T float32 | float64](e *Encoder, rec Record, dst []T, a0, b0 []T, fill T, arrayOf func(*Value) []T) error {
	if len(dst) != e.width {
		return fmt.Errorf("%s: encode: destination has length %d, want %d", rec.Loc, len(dst), e.width)
	}
	for pi := range e.parts {
		p := &e.parts[pi]
		if p.col >= len(rec.Values) {
			return fmt.Errorf("%s: encode: record has %d values, column %q needs index %d", rec.Loc, len(rec.Values), p.name, p.col)
		}
		v := &rec.Values[p.col]
		out := dst[p.off : p.off+p.width]
		a, b := a0[p.off:p.off+p.width], b0[p.off:p.off+p.width]
		if v.Kind == Missing {
			if !e.fillMissing {
				return fmt.Errorf("%s: column %q: missing value (%s)", p.loc(rec), p.name, errFillHint)
			}
			if p.kind == partOneHot {
				clear(out)
				continue
			}
			for i := range out {
				out[i] = fill*a[i] + b[i]
			}
			continue
		}
		switch p.kind {
		case partNumber:
			if v.Kind != Number {
				return fmt.Errorf("%s: column %q: expected a number, found %s", p.loc(rec), p.name, article(v.Kind))
			}
			x := T(v.Num)
			if x-x != 0 && !e.nonFinite {
				return nonFiniteError(p.loc(rec), p.name, "", v.Num)
			}
			out[0] = x*a[0] + b[0]
		case partArray:
			if v.Kind != Array {
				return fmt.Errorf("%s: column %q: expected an array, found %s", p.loc(rec), p.name, article(v.Kind))
			}
			if len(v.Arr) != p.width {
				return fmt.Errorf("%s: column %q: expected an array of shape %v (%d values), found shape %v (%d values)", p.loc(rec), p.name, p.shape, p.width, v.Shape, len(v.Arr))
			}
			src := arrayOf(v)
			if !e.nonFinite {
				if err := checkFinite(p.loc(rec), p, src); err != nil {
					return err
				}
			}
			if p.perm != nil {
				for i, j := range p.perm {
					out[i] = src[j]*a[i] + b[i]
				}
			} else {
				arr := src[:len(out)]
				for i, x := range arr {
					out[i] = x*a[i] + b[i]
				}
			}
		case partOneHot:
			if v.Kind != String {
				return fmt.Errorf("%s: column %q: expected a category, found %s", p.loc(rec), p.name, article(v.Kind))
			}
			k, ok := p.index[v.Str]
			if !ok {
				return fmt.Errorf("%s: column %q: value %q is not one of the categories [%s]", p.loc(rec), p.name, v.Str, strings.Join(p.cats, ", "))
			}
			clear(out)
			out[k] = 1
		}
	}
	return nil
}

// LabelSpec says which column holds the class label.
type LabelSpec struct {
	// Column is the label column.
	Column string
	// Classes, when given, names the classes in model output order. String
	// and nominal labels are looked up in it; an integer label i means
	// Classes[i]. Nominal columns default to their declared order.
	Classes []string
}

// Labeler maps records to class indices; build it with [CompileLabel].
type Labeler struct {
	col     int
	name    string
	kind    Kind
	classes []string
	index   map[string]int
	file    string // Column.File
}

func (l *Labeler) loc(rec Record) string { return columnLoc(rec, l.file) }

// CompileLabel checks spec against the columns. A string column needs
// Classes; array columns cannot be labels.
func CompileLabel(cols []Column, spec LabelSpec) (*Labeler, error) {
	ci, err := findColumn(cols, spec.Column, "label")
	if err != nil {
		return nil, err
	}
	c := cols[ci]
	l := &Labeler{col: ci, name: c.Name, kind: c.Kind, classes: slices.Clone(spec.Classes), file: c.File}
	switch c.Kind {
	case Nominal:
		if l.classes == nil {
			l.classes = slices.Clone(c.Nominal)
		}
	case String:
		if len(l.classes) == 0 && c.Note != "" {
			return nil, fmt.Errorf("label: column %q is read as text because %s (kinds are inferred from the first %d rows); fix that value or give classes", c.Name, c.Note, inferRows)
		}
		if len(l.classes) == 0 {
			return nil, fmt.Errorf("label: column %q holds strings; give classes to map them to class indices", c.Name)
		}
	case Number:
	default:
		return nil, fmt.Errorf("label: column %q is an %s column; a label must be a number, string or nominal column", c.Name, c.Kind)
	}
	if l.classes != nil {
		l.index = make(map[string]int, len(l.classes))
		for i, s := range l.classes {
			if _, dup := l.index[s]; dup {
				return nil, fmt.Errorf("label: class %q listed twice", s)
			}
			l.index[s] = i
		}
	}
	return l, nil
}

// Classes returns the class names in index order, or nil for a numeric
// label column without Classes (class i is then simply i).
func (l *Labeler) Classes() []string { return slices.Clone(l.classes) }

// Label returns the class index of rec. A missing label, a non-integer
// number or a label outside the class list is an error naming rec.Loc, the
// value and the classes — never a silent drop.
func (l *Labeler) Label(rec Record) (int, error) {
	if l.col >= len(rec.Values) {
		return 0, fmt.Errorf("%s: label: record has %d values, column %q needs index %d", rec.Loc, len(rec.Values), l.name, l.col)
	}
	v := rec.Values[l.col]
	switch v.Kind {
	case Missing:
		return 0, fmt.Errorf("%s: label column %q: missing label", l.loc(rec), l.name)
	case String:
		k, ok := l.index[v.Str]
		if !ok {
			return 0, fmt.Errorf("%s: label column %q: value %q is not one of the classes [%s]", l.loc(rec), l.name, v.Str, strings.Join(l.classes, ", "))
		}
		return k, nil
	case Number:
		if v.Num != math.Trunc(v.Num) || math.IsInf(v.Num, 0) || math.Abs(v.Num) > 1<<31 {
			return 0, fmt.Errorf("%s: label column %q: expected an integer class index, found %v", l.loc(rec), l.name, v.Num)
		}
		k := int(v.Num)
		if l.classes != nil && (k < 0 || k >= len(l.classes)) {
			return 0, fmt.Errorf("%s: label column %q: label %d is outside the %d classes [%s]", l.loc(rec), l.name, k, len(l.classes), strings.Join(l.classes, ", "))
		}
		if k < 0 {
			return 0, fmt.Errorf("%s: label column %q: label %d is negative", l.loc(rec), l.name, k)
		}
		return k, nil
	}
	return 0, fmt.Errorf("%s: label column %q: expected a number or string, found %s", l.loc(rec), l.name, article(v.Kind))
}

// GroupSpec says how a column becomes a fairness group label.
type GroupSpec struct {
	// Column is the attribute column.
	Column string
	// Name names the grouping in reports; empty means Column.
	Name string
	// Bins are strictly increasing edges for a numeric column. Bins are
	// right-closed: with edges b0 < b1 < … < bk, x ≤ b0 is bin 0,
	// b(i−1) < x ≤ b(i) is bin i, and x > bk is bin k+1.
	Bins []float64
	// BinLabels names the len(Bins)+1 bins; empty means "<=b0",
	// "(b0,b1]", …, ">bk".
	BinLabels []string
}

// Grouper maps records to group labels; build it with [CompileGroup].
type Grouper struct {
	col    int
	name   string
	column string
	kind   Kind
	bins   []float64
	labels []string
	file   string // Column.File
}

func (g *Grouper) loc(rec Record) string { return columnLoc(rec, g.file) }

// CompileGroup checks spec against the columns. String and nominal values
// are used as they are; numeric values are binned when Bins is given and
// printed (shortest form, e.g. "1") otherwise.
func CompileGroup(cols []Column, spec GroupSpec) (*Grouper, error) {
	ci, err := findColumn(cols, spec.Column, "group")
	if err != nil {
		return nil, err
	}
	c := cols[ci]
	g := &Grouper{col: ci, column: c.Name, name: spec.Name, kind: c.Kind, file: c.File}
	if g.name == "" {
		g.name = c.Name
	}
	switch c.Kind {
	case String, Nominal:
		if len(spec.Bins) > 0 {
			return nil, fmt.Errorf("group %q: bins need a numeric column; column %q is a %s column", g.name, c.Name, c.Kind)
		}
		if c.Kind == Nominal {
			g.labels = slices.Clone(c.Nominal)
		}
		return g, nil
	case Number:
	default:
		return nil, fmt.Errorf("group %q: column %q is an %s column; a group must be a number, string or nominal column", g.name, c.Name, c.Kind)
	}
	if len(spec.Bins) == 0 {
		if len(spec.BinLabels) > 0 {
			return nil, fmt.Errorf("group %q: bin labels given without bins", g.name)
		}
		return g, nil
	}
	for i, b := range spec.Bins {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			return nil, fmt.Errorf("group %q: bin edge %v is not finite", g.name, b)
		}
		if i > 0 && b <= spec.Bins[i-1] {
			return nil, fmt.Errorf("group %q: bins must be strictly increasing, found %v after %v", g.name, b, spec.Bins[i-1])
		}
	}
	g.bins = slices.Clone(spec.Bins)
	switch {
	case len(spec.BinLabels) == 0:
		f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
		g.labels = append(g.labels, "<="+f(g.bins[0]))
		for i := 1; i < len(g.bins); i++ {
			g.labels = append(g.labels, "("+f(g.bins[i-1])+","+f(g.bins[i])+"]")
		}
		g.labels = append(g.labels, ">"+f(g.bins[len(g.bins)-1]))
	case len(spec.BinLabels) != len(spec.Bins)+1:
		return nil, fmt.Errorf("group %q: %d bin edges make %d bins, but %d bin labels are given", g.name, len(spec.Bins), len(spec.Bins)+1, len(spec.BinLabels))
	default:
		g.labels = slices.Clone(spec.BinLabels)
	}
	return g, nil
}

// Name returns the grouping's name (GroupSpec.Name or the column).
func (g *Grouper) Name() string { return g.name }

// Labels returns the group labels known in advance (bin labels or nominal
// values), or nil when groups are only known from the data.
func (g *Grouper) Labels() []string { return slices.Clone(g.labels) }

// Group returns rec's group label. A missing value is an error naming
// rec.Loc.
func (g *Grouper) Group(rec Record) (string, error) {
	if g.col >= len(rec.Values) {
		return "", fmt.Errorf("%s: group %q: record has %d values, column %q needs index %d", rec.Loc, g.name, len(rec.Values), g.column, g.col)
	}
	v := rec.Values[g.col]
	switch v.Kind {
	case Missing:
		return "", fmt.Errorf("%s: group %q: column %q: missing value", g.loc(rec), g.name, g.column)
	case String:
		return v.Str, nil
	case Number:
		if math.IsNaN(v.Num) {
			return "", fmt.Errorf("%s: group %q: column %q: value is NaN", g.loc(rec), g.name, g.column)
		}
		if g.bins == nil {
			return strconv.FormatFloat(v.Num, 'g', -1, 64), nil
		}
		i, _ := slices.BinarySearch(g.bins, v.Num) // first edge >= x: right-closed
		return g.labels[i], nil
	}
	return "", fmt.Errorf("%s: group %q: column %q: expected a number or string, found %s", g.loc(rec), g.name, g.column, article(v.Kind))
}

// Text returns an accessor for a string or nominal column, for text tasks.
// The accessor reports a missing value as an error naming rec.Loc.
func Text(cols []Column, column string) (func(Record) (string, error), error) {
	ci, err := findColumn(cols, column, "text")
	if err != nil {
		return nil, err
	}
	c := cols[ci]
	if c.Kind != String && c.Kind != Nominal {
		return nil, fmt.Errorf("text: column %q is a %s column; text needs a string column", c.Name, c.Kind)
	}
	return func(rec Record) (string, error) {
		if ci >= len(rec.Values) {
			return "", fmt.Errorf("%s: text: record has %d values, column %q needs index %d", rec.Loc, len(rec.Values), c.Name, ci)
		}
		v := rec.Values[ci]
		switch v.Kind {
		case String:
			return v.Str, nil
		case Missing:
			return "", fmt.Errorf("%s: column %q: missing text", rec.Loc, c.Name)
		}
		return "", errors.New(rec.Loc + ": column " + strconv.Quote(c.Name) + ": expected a string, found " + article(v.Kind))
	}, nil
}

// checkFinite returns an error naming the first NaN or ±Inf element of an
// array value. The common case, every element finite, costs one
// multiply-add per element: x·0 is 0 for a finite x and NaN otherwise.
func checkFinite[T float32 | float64](loc string, p *part, arr []T) error {
	var z T
	for _, x := range arr {
		z += x * 0
	}
	if z == 0 {
		return nil
	}
	for i, x := range arr {
		if x-x != 0 {
			idx := make([]string, len(p.shape))
			in := i
			for d := len(p.shape) - 1; d >= 0; d-- {
				idx[d] = strconv.Itoa(in % p.shape[d])
				in /= p.shape[d]
			}
			return nonFiniteError(loc, p.name, "["+strings.Join(idx, ",")+"]", float64(x))
		}
	}
	return nil
}

// ErrNonFinite is wrapped by the error for a NaN or ±Inf input value.
var ErrNonFinite = errors.New("input value is not finite")

// nonFiniteError reports a NaN or infinite input value (or a finite one
// that overflows float32).
func nonFiniteError(loc, column, elem string, x float64) error {
	what := strconv.FormatFloat(x, 'g', -1, 64)
	if !math.IsNaN(x) && !math.IsInf(x, 0) {
		what += ", which overflows float32"
	}
	return fmt.Errorf("%s: column %q%s: %w: %s (set allow_non_finite: true on the dataset to pass NaN and Inf to the model, or list the token under missing and set fill)", loc, column, elem, ErrNonFinite, what)
}
