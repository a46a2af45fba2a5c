//go:build cgo

package ort

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/evalctl/evalctl/tasks/tensor"
	ortgo "github.com/yalue/onnxruntime_go"
)

// Run feeds inputs, matched to the model's inputs by name, and returns every
// output in declared order.
//
// Errors: an unknown, duplicated or missing input name (the message lists
// the model's inputs); an element type other than the declared one; data
// whose length does not match the shape (tensor.Check); a rank or fixed
// dimension that differs from the declaration; a symbolic dimension (such as
// "batch") with different sizes in two inputs; ONNX Runtime's own failure.
//
// Ownership: the input slices are wrapped, not copied, and are only read;
// each output is copied into a new Go slice the caller owns. Every ort.Value
// created or received here is destroyed before Run returns (see doc.go).
//
// ctx is checked before the run; if it is cancelled during the run, ONNX
// Runtime is asked to terminate (RunOptions.Terminate) and Run returns an
// error wrapping ctx.Err().
func (m *Model) Run(ctx context.Context, inputs []tensor.Tensor) ([]tensor.Tensor, error) {
	out, _, err := m.run(ctx, inputs, false)
	return out, err
}

// RunInto runs the model like Run and lends the outputs to fn instead of
// returning them: fn sees every output in declared order, and RunInto
// returns fn's error (or Run's). It is Run without the output copy: each
// float32 tensor output whose shape follows from the inputs (fixed
// dimensions, or symbolic ones such as "batch" shared with an input) is
// written by ONNX Runtime straight into a buffer that RunInto takes from a
// pool and reuses for later calls, so no logits tensor is allocated or
// copied per call. Other outputs are converted as Run converts them.
//
// Lifetime: the outputs, and every slice reachable from them (Data, Shape,
// Keys), are valid only until fn returns. fn must not keep them, hand them
// to another goroutine that outlives the call, or change them; copy what
// must survive. After fn returns their memory may be overwritten by another
// RunInto at any time. fn runs without the model's lock, so other Run or
// RunInto calls on m may run inference meanwhile; fn may itself call Run.
//
// If ONNX Runtime rejects a preallocated output (its actual shape differs
// from the declared one), the run is repeated once with ONNX Runtime
// allocating that output.
func (m *Model) RunInto(ctx context.Context, inputs []tensor.Tensor, fn func(outputs []tensor.Tensor) error) error {
	out, lent, err := m.run(ctx, inputs, true)
	if err != nil {
		return err
	}
	defer func() {
		for _, b := range lent {
			if poisonLent {
				for i := range *b {
					(*b)[i] = float32(math.NaN())
				}
			}
			lendPool.Put(b)
		}
	}()
	return fn(out)
}

// RunOwned runs the model like Run, but every float32 tensor output whose
// shape follows from the inputs (see RunInto) is written by ONNX Runtime
// straight into a Go buffer, which the caller then owns: no output copy.
// It suits outputs that are fed back as inputs, such as a key/value
// cache. Buffers come from the pool RunInto uses; Recycle gives them back.
// Outputs whose shape does not follow from the inputs are copied as Run
// copies them.
func (m *Model) RunOwned(ctx context.Context, inputs []tensor.Tensor) ([]tensor.Tensor, error) {
	out, _, err := m.run(ctx, inputs, true)
	return out, err
}

// Recycle returns the float32 data of tensors obtained from RunOwned to the
// buffer pool shared by all models. The caller must not use the tensors or
// their data afterwards.
func (m *Model) Recycle(ts ...tensor.Tensor) {
	for i := range ts {
		if d, ok := ts[i].Data.([]float32); ok && cap(d) > 0 {
			lendPool.Put(&d)
		}
		ts[i].Data = nil
	}
}

// lendPool holds float32 output buffers for RunInto (*[]float32, any
// capacity), shared by all models; the garbage collector may empty it.
var lendPool sync.Pool

// poisonLent makes RunInto fill lent buffers with NaN after fn returns
// (tests set it to catch use after return).
var poisonLent bool

// lendBuf returns a pooled buffer of length n, or a new one.
func lendBuf(n int) *[]float32 {
	if p, ok := lendPool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]float32, n)
	return &b
}

// run is Run; with lend set, float32 outputs of known shape are written
// into pooled buffers, which are returned for the caller to put back.
func (m *Model) run(ctx context.Context, inputs []tensor.Tensor, lend bool) (out []tensor.Tensor, lent []*[]float32, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("run %s: %w", m.path, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess == nil {
		return nil, nil, fmt.Errorf("run %s: %w", m.path, ErrClosed)
	}
	defer func() {
		if derr := m.release(); derr != nil && err == nil {
			out, err = nil, fmt.Errorf("run %s: release onnxruntime values: %w", m.path, derr)
		}
		if err != nil {
			for _, b := range lent {
				lendPool.Put(b)
			}
			lent = nil
		}
	}()
	if err := m.bind(inputs); err != nil {
		return nil, nil, fmt.Errorf("run %s: %w", m.path, err)
	}
	for i, t := range m.bound {
		v, err := newValue(t)
		if err != nil {
			return nil, nil, fmt.Errorf("run %s: input %q: %w", m.path, t.Name, err)
		}
		m.inVals[i] = v
	}
	if m.hasF16 {
		if err := m.preallocF16(); err != nil {
			return nil, nil, fmt.Errorf("run %s: %w", m.path, err)
		}
	}
	var preset []int // outputs preallocated for lending
	if lend {
		if preset, lent, err = m.preallocLent(); err != nil {
			return nil, lent, fmt.Errorf("run %s: %w", m.path, err)
		}
	}

	runErr := m.runSession(ctx)
	if runErr != nil && len(preset) > 0 && ctx.Err() == nil {
		// ONNX Runtime refused a preallocated output (say, a declared
		// shape that the graph does not honour): let it allocate them.
		var errs []error
		for _, i := range preset {
			errs = append(errs, m.outVals[i].Destroy())
			m.outVals[i] = nil
		}
		for _, b := range lent {
			lendPool.Put(b)
		}
		lent = nil
		if err := errors.Join(errs...); err != nil {
			return nil, nil, fmt.Errorf("run %s: release onnxruntime values: %w", m.path, err)
		}
		runErr = m.runSession(ctx)
	}
	if runErr != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, lent, fmt.Errorf("run %s: %w (onnxruntime: %v)", m.path, cerr, runErr)
		}
		return nil, lent, fmt.Errorf("run %s: onnxruntime: %w", m.path, runErr)
	}

	out = make([]tensor.Tensor, len(m.outVals))
	for i, v := range m.outVals {
		t, err := m.convert(i, v)
		if err != nil {
			return nil, lent, fmt.Errorf("run %s: output %q: %w", m.path, m.outNames[i], err)
		}
		out[i] = t
	}
	return out, lent, nil
}

// runSession runs the session on m.inVals and m.outVals; if ctx is
// cancelled meanwhile, ONNX Runtime is asked to terminate.
func (m *Model) runSession(ctx context.Context) error {
	var stop func() bool
	var fired chan struct{}
	if ctx.Done() != nil {
		fired = make(chan struct{})
		stop = context.AfterFunc(ctx, func() {
			_ = m.runOpts.Terminate()
			close(fired)
		})
	}
	err := m.sess.RunWithOptions(m.inVals, m.outVals, m.runOpts)
	if stop != nil && !stop() {
		<-fired
		_ = m.runOpts.UnsetTerminate()
	}
	return err
}

// preallocLent creates, for every float32 tensor output whose shape follows
// from the inputs, an output tensor over a pooled buffer. It returns the
// output indices and the buffers.
func (m *Model) preallocLent() (idx []int, bufs []*[]float32, err error) {
	for i, info := range m.outputs {
		if info.Kind != tensor.KindTensor || info.DType != tensor.Float32 || m.outVals[i] != nil {
			continue
		}
		shape, ok := m.outShape(info)
		if !ok || len(shape) == 0 {
			continue
		}
		b := lendBuf(int(shape.FlattenedSize()))
		v, err := ortgo.NewTensor(shape, *b)
		if err != nil {
			lendPool.Put(b)
			return idx, bufs, fmt.Errorf("output %q: %w", info.Name, err)
		}
		m.outVals[i] = v
		idx = append(idx, i)
		bufs = append(bufs, b)
	}
	return idx, bufs, nil
}

// outShape resolves an output's declared shape against the symbolic
// dimensions bound by the current inputs; ok is false when some axis does
// not follow from them.
func (m *Model) outShape(info tensor.Info) (shape ortgo.Shape, ok bool) {
	shape = make(ortgo.Shape, len(info.Shape))
	for k, d := range info.Shape {
		if d >= 0 {
			shape[k] = d
			continue
		}
		p := info.DimParams[k]
		found := false
		for _, b := range m.dims {
			if p != "" && b.param == p {
				shape[k], found = b.size, true
			}
		}
		if !found {
			return nil, false
		}
	}
	return shape, true
}

// release destroys every ort.Value held in the scratch slices and clears
// them, so no value outlives a Run.
func (m *Model) release() error {
	var errs []error
	for i, v := range m.inVals {
		if v != nil {
			errs = append(errs, v.Destroy())
			m.inVals[i] = nil
		}
	}
	for i, v := range m.outVals {
		if v != nil {
			errs = append(errs, v.Destroy())
			m.outVals[i] = nil
		}
	}
	clear(m.bound)
	return errors.Join(errs...)
}

// bind matches inputs to the model's inputs by name into m.bound and checks
// element types and shapes.
func (m *Model) bind(inputs []tensor.Tensor) error {
	clear(m.bound)
	for i := range inputs {
		t := &inputs[i]
		j := slices.Index(m.inNames, t.Name)
		if j < 0 {
			return fmt.Errorf("unknown input %q (model inputs: %s)", t.Name, m.describeInputs())
		}
		if m.bound[j] != nil {
			return fmt.Errorf("input %q given twice", t.Name)
		}
		m.bound[j] = t
	}
	var missing []string
	for j, t := range m.bound {
		if t == nil {
			missing = append(missing, strconv.Quote(m.inNames[j]))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing input %s (model inputs: %s)", strings.Join(missing, ", "), m.describeInputs())
	}
	m.dims = m.dims[:0]
	for j, t := range m.bound {
		info := &m.inputs[j]
		if t.DType != info.DType {
			return fmt.Errorf("input %q is %s; the model wants %s", t.Name, t.DType, info.DType)
		}
		if err := t.Check(); err != nil {
			return err
		}
		if len(t.Shape) != len(info.Shape) {
			return fmt.Errorf("input %q has shape %v (rank %d); the model wants %s", t.Name, t.Shape, len(t.Shape), info.ShapeString())
		}
		for k, want := range info.Shape {
			got := t.Shape[k]
			// A symbolic axis after the first may be empty (a key/value
			// cache before the first token); the batch axis and fixed
			// axes never are.
			if got < 0 || (got == 0 && (k == 0 || want >= 0)) {
				return fmt.Errorf("input %q has shape %v; axis %d must be positive", t.Name, t.Shape, k)
			}
			if want >= 0 && got != want {
				return fmt.Errorf("input %q has shape %v; the model wants %s (axis %d must be %d)", t.Name, t.Shape, info.ShapeString(), k, want)
			}
			if p := info.DimParams[k]; want < 0 && p != "" {
				if err := m.bindDim(p, got, t.Name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (m *Model) bindDim(param string, size int64, input string) error {
	for _, b := range m.dims {
		if b.param == param {
			if b.size != size {
				return fmt.Errorf("dimension %q is %d in input %q but %d in input %q", param, b.size, b.input, size, input)
			}
			return nil
		}
	}
	m.dims = append(m.dims, dimBinding{param, size, input})
	return nil
}

func (m *Model) describeInputs() string {
	parts := make([]string, len(m.inputs))
	for i, in := range m.inputs {
		parts[i] = in.Name + " " + in.DType.String() + in.ShapeString()
	}
	return strings.Join(parts, ", ")
}

// preallocF16 creates the float16 output tensors (see doc.go): every axis
// must be fixed or a symbolic dimension bound by an input.
func (m *Model) preallocF16() error {
	for i, info := range m.outputs {
		if info.Kind != tensor.KindTensor || info.DType != tensor.Float16 {
			continue
		}
		shape, ok := m.outShape(info)
		if !ok {
			return fmt.Errorf("float16 output %q has shape %s with an axis that does not follow from the inputs; onnxruntime_go v1.27.0 cannot return float16 outputs of unknown shape", info.Name, info.ShapeString())
		}
		buf := make([]uint16, shape.FlattenedSize())
		v, err := ortgo.NewCustomDataTensor(shape, halfBytes(buf), ortgo.TensorElementDataTypeFloat16)
		if err != nil {
			return fmt.Errorf("output %q: %w", info.Name, err)
		}
		m.outVals[i] = v
		m.f16[i] = buf
	}
	return nil
}

func halfBytes(d []uint16) []byte {
	if len(d) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(d))), 2*len(d))
}

// newValue wraps t's data (no copy) as an ONNX Runtime tensor.
func newValue(t *tensor.Tensor) (ortgo.Value, error) {
	shape := ortgo.Shape(t.Shape)
	switch d := t.Data.(type) {
	case []float32:
		return wrap(shape, d)
	case []float64:
		return wrap(shape, d)
	case []int64:
		return wrap(shape, d)
	case []int32:
		return wrap(shape, d)
	case []uint8:
		return wrap(shape, d)
	case []bool:
		return wrap(shape, d)
	case []uint16:
		if len(shape) == 0 {
			return nil, errors.New("float16 scalars are not supported")
		}
		v, err := ortgo.NewCustomDataTensor(shape, halfBytes(d), ortgo.TensorElementDataTypeFloat16)
		if err != nil {
			return nil, err
		}
		return v, nil
	case []string:
		if len(shape) == 0 {
			return nil, errors.New("string scalars are not supported")
		}
		v, err := ortgo.NewStringTensor(shape)
		if err != nil {
			return nil, err
		}
		if err := v.SetContents(d); err != nil {
			_ = v.Destroy()
			return nil, err
		}
		return v, nil
	}
	return nil, fmt.Errorf("unsupported data type %T", t.Data)
}

func wrap[T ortgo.TensorData](shape ortgo.Shape, d []T) (ortgo.Value, error) {
	if len(shape) == 0 {
		v, err := ortgo.NewScalar(d[0])
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	v, err := ortgo.NewTensor(shape, d)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// convert turns output i into a Go-owned tensor. onnxruntime_go has already
// copied ORT-allocated tensor data into a fresh Go slice, which is taken over
// as is (the ort.Value wrapping it is destroyed by release, which leaves the
// Go slice alone), so there is exactly one copy per output.
func (m *Model) convert(i int, v ortgo.Value) (tensor.Tensor, error) {
	name := m.outNames[i]
	t := tensor.Tensor{Name: name}
	switch x := v.(type) {
	case *ortgo.Tensor[float32]:
		t.DType, t.Data = tensor.Float32, x.GetData()
	case *ortgo.Tensor[float64]:
		t.DType, t.Data = tensor.Float64, x.GetData()
	case *ortgo.Tensor[int64]:
		t.DType, t.Data = tensor.Int64, x.GetData()
	case *ortgo.Tensor[int32]:
		t.DType, t.Data = tensor.Int32, x.GetData()
	case *ortgo.Tensor[uint8]:
		t.DType, t.Data = tensor.Uint8, x.GetData()
	case *ortgo.Tensor[bool]:
		t.DType, t.Data = tensor.Bool, x.GetData()
	case *ortgo.CustomDataTensor:
		if m.f16[i] == nil {
			return t, fmt.Errorf("unexpected custom tensor of type %d", x.DataType())
		}
		t.DType, t.Data = tensor.Float16, m.f16[i]
		m.f16[i] = nil // the caller owns it now
	case *ortgo.StringTensor:
		s, err := x.GetContents()
		if err != nil {
			return t, err
		}
		t.DType, t.Data = tensor.String, s
	case *ortgo.Sequence:
		return denseFromSequence(name, x)
	default:
		return t, fmt.Errorf("unsupported onnxruntime value %T", v)
	}
	t.Shape = []int64(v.GetShape())
	return t, nil
}

// denseFromSequence converts a sequence of maps (ZipMap) into a dense float32
// tensor [n, k] with Keys sorted.
func denseFromSequence(name string, s *ortgo.Sequence) (tensor.Tensor, error) {
	vals, err := s.GetValues()
	if err != nil {
		return tensor.Tensor{}, err
	}
	var intKeys [][]int64
	var strKeys [][]string
	rows := make([][]float32, len(vals))
	for r, v := range vals {
		mp, ok := v.(*ortgo.Map)
		if !ok {
			return tensor.Tensor{}, fmt.Errorf("sequence element %d is %s, not a map", r, v.GetONNXType())
		}
		k, vv, err := mp.GetKeysAndValues()
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("sequence element %d: %w", r, err)
		}
		fv, ok := vv.(*ortgo.Tensor[float32])
		if !ok {
			return tensor.Tensor{}, fmt.Errorf("sequence element %d: map values are %T; only float32 is supported", r, vv)
		}
		rows[r] = fv.GetData()
		switch kk := k.(type) {
		case *ortgo.Tensor[int64]:
			intKeys = append(intKeys, kk.GetData())
		case *ortgo.StringTensor:
			c, err := kk.GetContents()
			if err != nil {
				return tensor.Tensor{}, fmt.Errorf("sequence element %d: keys: %w", r, err)
			}
			strKeys = append(strKeys, c)
		default:
			return tensor.Tensor{}, fmt.Errorf("sequence element %d: map keys are %T; want int64 or string", r, k)
		}
	}
	switch {
	case len(vals) == 0:
		return tensor.Tensor{Name: name, DType: tensor.Float32, Shape: []int64{0, 0}, Data: []float32{}}, nil
	case len(intKeys) == len(vals):
		return dense(name, intKeys, rows, func(k int64) string { return strconv.FormatInt(k, 10) })
	case len(strKeys) == len(vals):
		return dense(name, strKeys, rows, func(k string) string { return k })
	}
	return tensor.Tensor{}, errors.New("sequence mixes int64 and string map keys")
}

// dense lays out rows of (key, value) pairs as a [n, k] matrix whose columns
// follow the sorted keys of row 0; every row must have the same key set.
func dense[K cmp.Ordered](name string, keys [][]K, vals [][]float32, format func(K) string) (tensor.Tensor, error) {
	first := keys[0]
	k := len(first)
	sorted := slices.Clone(first)
	slices.Sort(sorted)
	col := make(map[K]int, k)
	for j, key := range sorted {
		if j > 0 && sorted[j-1] == key {
			return tensor.Tensor{}, fmt.Errorf("map key %s appears twice in sequence element 0", format(key))
		}
		col[key] = j
	}
	perm := make([]int, k) // perm[i] is the column of first[i]
	for i, key := range first {
		perm[i] = col[key]
	}
	out := make([]float32, len(keys)*k)
	var filled []bool
	for r, rk := range keys {
		if len(rk) != k || len(vals[r]) != k {
			return tensor.Tensor{}, fmt.Errorf("sequence element %d has %d keys; element 0 has %d", r, len(rk), k)
		}
		row := out[r*k : (r+1)*k]
		if slices.Equal(rk, first) { // the usual case: ZipMap keeps one key order
			for i, v := range vals[r] {
				row[perm[i]] = v
			}
			continue
		}
		if filled == nil {
			filled = make([]bool, k)
		}
		clear(filled)
		for i, key := range rk {
			j, ok := col[key]
			if !ok || filled[j] {
				return tensor.Tensor{}, fmt.Errorf("sequence element %d has keys %v; element 0 has %v", r, rk, first)
			}
			row[j] = vals[r][i]
			filled[j] = true
		}
	}
	names := make([]string, k)
	for j, key := range sorted {
		names[j] = format(key)
	}
	return tensor.Tensor{Name: name, DType: tensor.Float32, Shape: []int64{int64(len(keys)), int64(k)}, Data: out, Keys: names}, nil
}
