package harness

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// datasetSpec turns a suite dataset into a reader spec with resolved paths.
func datasetSpec(s *suite.Suite, d *suite.Dataset) dataset.Spec {
	f, _ := dataset.ParseFormat(d.Format)
	spec := dataset.Spec{Format: f, Path: s.Resolve(d.Path), Missing: d.Missing}
	for _, cf := range d.Files {
		spec.Paths = append(spec.Paths, dataset.ColumnFile{Column: cf.Column, Path: s.Resolve(cf.Path)})
	}
	if d.Delimiter != "" {
		spec.Delimiter = []rune(d.Delimiter)[0]
	}
	s.ExtendSpec(d, &spec) // join and image sections
	return spec
}

// binding feeds one model input from one dataset feature.
type binding struct {
	input   tensor.Info
	feature int // index into encoders
	shape   []int64
	width   int
}

// encoders is a dataset compiled against its columns: features, label,
// groups and id.
type encoders struct {
	features []*dataset.Encoder
	names    []string
	label    *dataset.Labeler
	target   int // numeric target column of a regression, or -1
	groups   []*dataset.Grouper
	gnames   []string
	idCol    int
}

// compileDataset compiles a dataset's features, groups, id and label (for
// a regression, the numeric target column instead of a class label).
func compileDataset(d *suite.Dataset, cols []dataset.Column, regression bool) (*encoders, error) {
	e := &encoders{idCol: -1, target: -1}
	var exclude []string
	if d.Label != nil {
		exclude = append(exclude, d.Label.Column)
	}
	if d.ID != "" {
		exclude = append(exclude, d.ID)
	}
	for _, f := range d.Features {
		if f.Text != nil {
			continue // tokenized by the text encoder
		}
		spec := dataset.FeatureSpec{
			Columns: f.Columns, Exclude: f.Exclude,
			Scale: f.Scale, Mean: f.Mean, Std: f.Std, Shape: f.Shape, Layout: string(f.Layout),
			OneHot: f.OneHot, Categories: f.Categories,
			AllowNonFinite: d.AllowNonFinite,
		}
		if len(f.Columns) == 1 && f.Columns[0] == "*" {
			// "*" never includes the label or id column. Group columns may
			// be features (a model may see age); exclude them explicitly
			// when it must not.
			spec.Exclude = append(append([]string(nil), exclude...), f.Exclude...)
		}
		if f.Fill != nil {
			spec.Fill, spec.FillMissing = *f.Fill, true
		}
		enc, err := dataset.CompileFeatures(cols, spec)
		if err != nil {
			return nil, fmt.Errorf("dataset %q feature %q: %w", d.Name, f.Name, err)
		}
		e.features = append(e.features, enc)
		e.names = append(e.names, f.Name)
	}
	if d.Label != nil && regression {
		for i, c := range cols {
			if c.Name == d.Label.Column {
				e.target = i
			}
		}
		switch {
		case e.target < 0:
			return nil, fmt.Errorf("dataset %q: target column %q not found%s", d.Name, d.Label.Column, nearestColumn(d.Label.Column, cols))
		case cols[e.target].Kind != dataset.Number:
			return nil, fmt.Errorf("dataset %q: target column %q is %s; a regression needs numbers", d.Name, d.Label.Column, cols[e.target].Kind)
		}
	} else if d.Label != nil {
		l, err := dataset.CompileLabel(cols, dataset.LabelSpec{Column: d.Label.Column, Classes: d.Label.Classes})
		if err != nil {
			return nil, fmt.Errorf("dataset %q label: %w", d.Name, err)
		}
		e.label = l
	}
	for _, g := range d.Groups {
		gr, err := dataset.CompileGroup(cols, dataset.GroupSpec{Column: g.Column, Name: g.Name, Bins: g.Bins, BinLabels: g.Labels})
		if err != nil {
			return nil, fmt.Errorf("dataset %q group %q: %w", d.Name, g.Name, err)
		}
		e.groups = append(e.groups, gr)
		e.gnames = append(e.gnames, g.Name)
	}
	if d.ID != "" {
		for i, c := range cols {
			if c.Name == d.ID {
				e.idCol = i
			}
		}
		if e.idCol < 0 {
			return nil, fmt.Errorf("dataset %q: id column %q not found", d.Name, d.ID)
		}
	}
	return e, nil
}

func (e *encoders) id(rec dataset.Record) string {
	if e.idCol < 0 {
		return strconv.Itoa(rec.Index)
	}
	v := rec.Values[e.idCol]
	if v.Kind == dataset.Number {
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	}
	return v.Str
}

// bind matches the model's inputs to the dataset's features: by the suite's
// explicit inputs mapping, then by equal names, then — for a model with one
// input and a dataset with one feature — to each other.
func bind(m *suite.Model, inputs []tensor.Info, e *encoders, batch int) ([]binding, int, error) {
	var out []binding
	fixed := 0
	for _, in := range inputs {
		fname, ok := m.Inputs[in.Name]
		if !ok {
			fname = in.Name
		}
		idx := -1
		for i, n := range e.names {
			if n == fname {
				idx = i
			}
		}
		if idx < 0 && len(inputs) == 1 && len(e.names) == 1 {
			idx = 0
		}
		if idx < 0 {
			return nil, 0, fmt.Errorf("model input %q has no dataset feature (features: %s); name a feature %q or map it under the model's inputs", in.Name, strings.Join(e.names, ", "), in.Name)
		}
		if in.Kind != tensor.KindTensor {
			return nil, 0, fmt.Errorf("model input %q is a %s; evalctl feeds tensors only", in.Name, in.Kind)
		}
		if in.DType == tensor.String {
			return nil, 0, fmt.Errorf("model input %q takes %s tensors, but feature %q is numeric: the model's signature does not fit a feature task (evalctl feeds numeric features as float32, float64, float16, int64, int32, uint8 or bool)", in.Name, in.DType, e.names[idx])
		}
		enc := e.features[idx]
		fshape := enc.Shape()
		if len(fshape) == 0 {
			fshape = []int{enc.Width()}
		}
		if len(in.Shape) > 0 {
			if len(in.Shape) != len(fshape)+1 {
				return nil, 0, fmt.Errorf("model input %q has shape %s but feature %q gives [batch, %s]; set the feature's shape", in.Name, in.ShapeString(), e.names[idx], joinInts(fshape))
			}
			for k, d := range in.Shape[1:] {
				if d > 0 && int(d) != fshape[k] {
					return nil, 0, fmt.Errorf("model input %q has shape %s but feature %q gives [batch, %s]", in.Name, in.ShapeString(), e.names[idx], joinInts(fshape))
				}
			}
			if in.Shape[0] > 0 {
				if fixed != 0 && fixed != int(in.Shape[0]) {
					return nil, 0, fmt.Errorf("model inputs disagree on a fixed batch size (%d vs %d)", fixed, in.Shape[0])
				}
				fixed = int(in.Shape[0])
			}
		}
		shape := make([]int64, len(fshape)+1)
		for k, d := range fshape {
			shape[k+1] = int64(d)
		}
		out = append(out, binding{input: in, feature: idx, shape: shape, width: enc.Width()})
	}
	if fixed > 0 {
		batch = fixed
	}
	return out, batch, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

// inputEncoder builds the model inputs of one batch from its records.
// Implementations: featureEncoder (numeric features from the dataset's
// feature specs); text encoders tokenize text fields.
type inputEncoder interface {
	// encode returns the input tensors for recs, with the batch axis sized
	// rows (rows >= len(recs); the extra rows are zero padding for models
	// with a fixed batch size).
	encode(recs []dataset.Record, rows int) ([]tensor.Tensor, error)
}

// featureEncoder feeds model inputs from compiled feature encoders.
type featureEncoder struct {
	binds []binding
	enc   *encoders
}

func (f *featureEncoder) encode(recs []dataset.Record, rows int) ([]tensor.Tensor, error) {
	ts := make([]tensor.Tensor, len(f.binds))
	for i, b := range f.binds {
		shape := append([]int64(nil), b.shape...)
		shape[0] = int64(rows)
		dt := b.input.DType
		if dt == tensor.Invalid {
			dt = tensor.Float32
		}
		ts[i] = tensor.New(b.input.Name, dt, shape)
		// float64 and int64 inputs get the file's values in their own
		// type, never through float32 (docs/suite.md, "Input types").
		switch d := ts[i].Data.(type) {
		case []float64:
			for r, rec := range recs {
				if err := f.enc.features[b.feature].Encode64(rec, d[r*b.width:(r+1)*b.width]); err != nil {
					return nil, err
				}
			}
			continue
		case []int64:
			for r, rec := range recs {
				if err := f.enc.features[b.feature].EncodeInt64(rec, d[r*b.width:(r+1)*b.width]); err != nil {
					return nil, fmt.Errorf("model input %q is int64: %w", b.input.Name, err)
				}
			}
			continue
		}
		buf, direct := ts[i].Data.([]float32)
		if !direct {
			buf = make([]float32, rows*b.width)
		}
		for r, rec := range recs {
			if err := f.enc.features[b.feature].Encode(rec, buf[r*b.width:(r+1)*b.width]); err != nil {
				return nil, err
			}
		}
		if !direct {
			for j, v := range buf {
				ts[i].SetFloat(j, float64(v))
			}
		}
	}
	return ts, nil
}

// declaredTypesKey is appended to the cache key of a pass that feeds a
// model numeric features: predictions cached before float64 and int64
// inputs were fed in their own type went through float32, so a model with
// such an input (and no text feature) gets new keys; every other pass
// keeps its key.
func declaredTypesKey(inputs []tensor.Info, d *suite.Dataset) []any {
	for _, f := range d.Features {
		if f.Text != nil {
			return nil
		}
	}
	for _, in := range inputs {
		if in.DType == tensor.Float64 || in.DType == tensor.Int64 {
			return []any{"inputs-as-declared"}
		}
	}
	return nil
}

func nearestColumn(name string, cols []dataset.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	if n := dataset.Nearest(name, names); n != "" {
		return fmt.Sprintf(" (did you mean %q?)", n)
	}
	return " (columns: " + strings.Join(names, ", ") + ")"
}

// targetValue reads a regression target, naming the record on error.
func (e *encoders) targetValue(rec dataset.Record, column string) (float64, error) {
	v := rec.Values[e.target]
	if v.Kind != dataset.Number {
		return 0, fmt.Errorf("%s: target %q is %s, want a number", rec.Loc, column, v.Kind)
	}
	return v.Num, nil
}
