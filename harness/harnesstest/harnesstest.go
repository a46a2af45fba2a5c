package harnesstest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// Batch is the number of rows in the batch TestModel builds when the batch
// axis is dynamic.
const Batch = 3

// symbolicSize is the size given to dynamic non-batch axes.
const symbolicSize = 4

// TestModel runs the conformance checks on m, building random inputs from
// m's Describer: floats uniform in [-1, 1), integers uniform in [0, 8) (so
// token ids and class indices stay inside any plausible range), random bools,
// and short strings. Axis 0 is the batch axis: Batch rows when it is dynamic,
// the declared size when fixed. Other dynamic axes get size 4, the same for
// axes sharing a symbolic name. The generator is seeded, so a failure is
// reproducible. A model that is not a Describer gets only the Close checks;
// use TestModelWithInputs for it.
func TestModel(t *testing.T, m harness.Model) {
	t.Helper()
	testModel(t, m)
}

// reporter is the part of *testing.T the checks use, so that the package's
// own tests can record violations instead of failing.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

func testModel(t reporter, m harness.Model) {
	t.Helper()
	d, ok := m.(harness.Describer)
	if !ok {
		t.Logf("%T is not a harness.Describer; checking Close only (use TestModelWithInputs)", m)
		checkClose(t, m, nil)
		return
	}
	inputs, err := RandomInputs(d.Inputs(), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Errorf("build inputs: %v", err)
		checkClose(t, m, nil)
		return
	}
	testModelWithInputs(t, m, inputs)
}

// TestModelWithInputs runs the conformance checks with the given batch,
// whose axis 0 is the batch axis of every input. It closes m.
func TestModelWithInputs(t *testing.T, m harness.Model, inputs []tensor.Tensor) {
	t.Helper()
	testModelWithInputs(t, m, inputs)
}

func testModelWithInputs(t reporter, m harness.Model, inputs []tensor.Tensor) {
	t.Helper()
	defer checkClose(t, m, inputs)
	ctx := context.Background()
	before := cloneAll(inputs)
	outs, err := m.Run(ctx, inputs)
	if err != nil {
		t.Errorf("Run(%s) = %v; want no error", describe(inputs), err)
		return
	}
	for i := range inputs {
		if !equalTensor(inputs[i], before[i], 0) {
			t.Errorf("Run modified input %q", inputs[i].Name)
		}
	}
	checkOutputs(t, m, outs)

	n, ok := batchSize(inputs)
	if !ok {
		t.Logf("inputs do not share a batch axis 0; skipping batch-invariance checks")
		return
	}
	// Reversed batch: row r of the result must be row n-1-r of the original.
	rev := make([]int, n)
	for i := range rev {
		rev[i] = n - 1 - i
	}
	if n > 1 {
		routs, err := m.Run(ctx, takeAll(inputs, rev))
		if err != nil {
			t.Errorf("Run(reversed batch) = %v; want no error", err)
		} else {
			compareRows(t, "reversed batch", outs, routs, n, rev)
		}
	}
	// Single rows, when the batch axis is dynamic.
	if !dynamicBatch(m) {
		return
	}
	for r := 0; r < n; r++ {
		souts, err := m.Run(ctx, takeAll(inputs, []int{r}))
		if err != nil {
			t.Errorf("Run(row %d alone) = %v; want no error", r, err)
			continue
		}
		compareRows(t, fmt.Sprintf("row %d alone", r), outs, souts, n, []int{r})
	}
}

// RandomInputs builds one random tensor per input description, as TestModel
// does (see there for the value ranges and axis sizes).
func RandomInputs(infos []tensor.Info, rng *rand.Rand) ([]tensor.Tensor, error) {
	sizes := map[string]int64{}
	var out []tensor.Tensor
	for _, in := range infos {
		if in.Kind != tensor.KindTensor {
			return nil, fmt.Errorf("input %q is %s; only tensors can be generated", in.Name, in.Kind)
		}
		shape := make([]int64, len(in.Shape))
		for k, d := range in.Shape {
			switch {
			case d >= 0:
				shape[k] = d
			case k < len(in.DimParams) && in.DimParams[k] != "":
				p := in.DimParams[k]
				if _, ok := sizes[p]; !ok {
					sizes[p] = symbolicSize
					if k == 0 {
						sizes[p] = Batch
					}
				}
				shape[k] = sizes[p]
			case k == 0:
				shape[k] = Batch
			default:
				shape[k] = symbolicSize
			}
		}
		switch in.DType {
		case tensor.Float32, tensor.Float64, tensor.Float16, tensor.Int64, tensor.Int32, tensor.Uint8, tensor.Bool, tensor.String:
		default:
			return nil, fmt.Errorf("input %q has element type %s; cannot generate it", in.Name, in.DType)
		}
		t := tensor.New(in.Name, in.DType, shape)
		for i := 0; i < t.Len(); i++ {
			switch in.DType {
			case tensor.Float32, tensor.Float64, tensor.Float16:
				t.SetFloat(i, rng.Float64()*2-1)
			case tensor.Bool:
				t.SetFloat(i, float64(rng.IntN(2)))
			case tensor.String:
				t.Data.([]string)[i] = string(rune('a' + rng.IntN(26)))
			default:
				t.SetFloat(i, float64(rng.IntN(8)))
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func describe(ts []tensor.Tensor) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %s%v", t.Name, t.DType, t.Shape)
	}
	return "[" + s + "]"
}

func checkOutputs(t reporter, m harness.Model, outs []tensor.Tensor) {
	t.Helper()
	for _, o := range outs {
		if err := o.Check(); err != nil {
			t.Errorf("output %q fails Check: %v", o.Name, err)
		}
	}
	d, ok := m.(harness.Describer)
	if !ok {
		return
	}
	decl := d.Outputs()
	if len(outs) != len(decl) {
		t.Errorf("Run returned %d outputs; the model declares %d", len(outs), len(decl))
		return
	}
	for i, want := range decl {
		got := outs[i]
		if got.Name != want.Name {
			t.Errorf("output %d is %q; declared %q", i, got.Name, want.Name)
		}
		switch want.Kind {
		case tensor.KindTensor:
			if got.DType != want.DType {
				t.Errorf("output %q is %s; declared %s", got.Name, got.DType, want.DType)
			}
			if len(want.Shape) > 0 && len(got.Shape) != len(want.Shape) {
				t.Errorf("output %q has shape %v; declared %s", got.Name, got.Shape, want.ShapeString())
				continue
			}
			for k, w := range want.Shape {
				if w >= 0 && got.Shape[k] != w {
					t.Errorf("output %q has shape %v; declared %s", got.Name, got.Shape, want.ShapeString())
					break
				}
			}
		case tensor.KindSequenceOfMaps:
			if got.DType != tensor.Float32 || len(got.Shape) != 2 || int64(len(got.Keys)) != got.Shape[1] {
				t.Errorf("sequence-of-maps output %q is %s%v with %d keys; want float32 [n, k] with k keys", got.Name, got.DType, got.Shape, len(got.Keys))
			}
		}
	}
}

func checkClose(t reporter, m harness.Model, inputs []tensor.Tensor) {
	t.Helper()
	if err := m.Close(); err != nil {
		t.Errorf("Close() = %v; want nil", err)
	}
	if inputs != nil {
		if _, err := safeRun(m, inputs); err == nil {
			t.Errorf("Run after Close succeeded; want an error")
		}
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("second Close panicked: %v", r)
			}
		}()
		if err := m.Close(); err != nil {
			t.Logf("second Close() = %v (allowed)", err)
		}
	}()
}

func safeRun(m harness.Model, inputs []tensor.Tensor) (out []tensor.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return m.Run(context.Background(), inputs)
}

// batchSize returns the shared size of axis 0 of all inputs.
func batchSize(inputs []tensor.Tensor) (int, bool) {
	n := int64(-1)
	for _, in := range inputs {
		if len(in.Shape) == 0 || (n >= 0 && in.Shape[0] != n) {
			return 0, false
		}
		n = in.Shape[0]
	}
	return int(n), n > 0
}

// dynamicBatch reports whether axis 0 of every input is dynamic (unknown
// when m is not a Describer: then single rows are tried).
func dynamicBatch(m harness.Model) bool {
	d, ok := m.(harness.Describer)
	if !ok {
		return true
	}
	for _, in := range d.Inputs() {
		if len(in.Shape) == 0 || in.Shape[0] >= 0 {
			return false
		}
	}
	return true
}

// compareRows checks that row i of got equals row rows[i] of full, for every
// output whose axis 0 has the batch size.
func compareRows(t reporter, what string, full, got []tensor.Tensor, n int, rows []int) {
	t.Helper()
	if len(got) != len(full) {
		t.Errorf("%s: %d outputs; the full batch gave %d", what, len(got), len(full))
		return
	}
	for o := range full {
		f, g := full[o], got[o]
		if f.Check() != nil || g.Check() != nil {
			continue // reported by checkOutputs
		}
		if len(f.Shape) == 0 || f.Shape[0] != int64(n) {
			continue // not batch-major
		}
		if len(g.Shape) == 0 || g.Shape[0] != int64(len(rows)) || !slices.Equal(f.Shape[1:], g.Shape[1:]) {
			t.Errorf("%s: output %q has shape %v; want [%d %v...]", what, g.Name, g.Shape, len(rows), f.Shape[1:])
			continue
		}
		if !slices.Equal(f.Keys, g.Keys) {
			t.Errorf("%s: output %q has keys %v; the full batch gave %v", what, g.Name, g.Keys, f.Keys)
			continue
		}
		want := take(f, rows)
		if !equalTensor(g, want, tolerance(f.DType)) {
			t.Errorf("%s: output %q = %v; the same rows of the full batch gave %v (tolerance %g)", what, g.Name, g.Data, want.Data, tolerance(f.DType))
		}
	}
}

func tolerance(dt tensor.DType) float64 {
	switch dt {
	case tensor.Float32, tensor.Float64:
		return 1e-5
	case tensor.Float16:
		return 1e-3
	}
	return 0
}

// equalTensor compares name, type, shape, keys and data; floats within tol
// relative to max(1, |a|, |b|), NaN equal to NaN.
func equalTensor(a, b tensor.Tensor, tol float64) bool {
	if a.Name != b.Name || a.DType != b.DType || !slices.Equal(a.Shape, b.Shape) || !slices.Equal(a.Keys, b.Keys) {
		return false
	}
	if a.Check() != nil || b.Check() != nil {
		return false
	}
	if a.DType == tensor.String {
		return slices.Equal(a.Data.([]string), b.Data.([]string))
	}
	for i := 0; i < a.Len(); i++ {
		x, y := a.Float(i), b.Float(i)
		switch {
		case x == y, math.IsNaN(x) && math.IsNaN(y):
		case tol > 0 && math.Abs(x-y) <= tol*math.Max(1, math.Max(math.Abs(x), math.Abs(y))):
		default:
			return false
		}
	}
	return true
}

func cloneAll(ts []tensor.Tensor) []tensor.Tensor {
	out := make([]tensor.Tensor, len(ts))
	for i, t := range ts {
		out[i] = clone(t)
	}
	return out
}

func clone(t tensor.Tensor) tensor.Tensor {
	t.Shape = slices.Clone(t.Shape)
	t.Keys = slices.Clone(t.Keys)
	switch d := t.Data.(type) {
	case []float32:
		t.Data = slices.Clone(d)
	case []float64:
		t.Data = slices.Clone(d)
	case []uint16:
		t.Data = slices.Clone(d)
	case []int64:
		t.Data = slices.Clone(d)
	case []int32:
		t.Data = slices.Clone(d)
	case []uint8:
		t.Data = slices.Clone(d)
	case []bool:
		t.Data = slices.Clone(d)
	case []string:
		t.Data = slices.Clone(d)
	}
	return t
}

func takeAll(ts []tensor.Tensor, rows []int) []tensor.Tensor {
	out := make([]tensor.Tensor, len(ts))
	for i, t := range ts {
		out[i] = take(t, rows)
	}
	return out
}

// take returns the given rows (axis 0) of t as a new tensor.
func take(t tensor.Tensor, rows []int) tensor.Tensor {
	out := t
	out.Shape = slices.Clone(t.Shape)
	out.Shape[0] = int64(len(rows))
	out.Keys = slices.Clone(t.Keys)
	width := tensor.NumElements(t.Shape[1:])
	switch d := t.Data.(type) {
	case []float32:
		out.Data = takeRows(d, width, rows)
	case []float64:
		out.Data = takeRows(d, width, rows)
	case []uint16:
		out.Data = takeRows(d, width, rows)
	case []int64:
		out.Data = takeRows(d, width, rows)
	case []int32:
		out.Data = takeRows(d, width, rows)
	case []uint8:
		out.Data = takeRows(d, width, rows)
	case []bool:
		out.Data = takeRows(d, width, rows)
	case []string:
		out.Data = takeRows(d, width, rows)
	}
	return out
}

func takeRows[T any](d []T, width int, rows []int) []T {
	out := make([]T, 0, width*len(rows))
	for _, r := range rows {
		out = append(out, d[r*width:(r+1)*width]...)
	}
	return out
}
