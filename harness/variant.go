package harness

import (
	"fmt"
	"math"
	"strings"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/robustness"
)

// variant is one version of a task's data: the clean dataset, a perturbation
// at a severity, a distribution-shift dataset, or a counterfactual
// substitution. A variant's transform edits each record before encoding.
type variant struct {
	name         string // "clean", "gaussian_noise@3", "shift:<dataset>", "counterfactual:<name>"
	perturbation string
	severity     int
	dataset      *suite.Dataset
	// build returns the record transform once the dataset's columns are
	// known; nil build means no transform.
	build func(cols []dataset.Column) (transform, error)
	// key identifies the transform in cache keys.
	key []any
}

// transform edits one record in place and reports whether it changed it.
type transform func(rec *dataset.Record) (bool, error)

var cleanVariant = variant{name: "clean"}

// perturbationVariants expands a task's robustness section into variants.
func (r *runner) perturbationVariants(t *suite.Task) ([]variant, error) {
	rs := t.Robustness
	var out []variant
	for _, ps := range rs.Perturbations {
		names := []string{ps.Name}
		switch ps.Name {
		case "image":
			names = robustness.SetNames(robustness.KindImage)
		case "tabular":
			names = robustness.Names(robustness.KindTabular)
		case "text":
			names = robustness.Names(robustness.KindText)
		}
		for _, name := range names {
			p, err := robustness.Lookup(name)
			if err != nil {
				return nil, err
			}
			for _, sev := range ps.Severities {
				v := variant{name: fmt.Sprintf("%s@%d", name, sev), perturbation: name, severity: sev}
				seed, sev, ps := r.s.Seed, sev, ps
				switch p.Kind() {
				case robustness.KindImage:
					lo, hi := rs.Range[0], rs.Range[1]
					table, err := robustness.ParseParamTable(rs.Parameters)
					if err != nil {
						return nil, fmt.Errorf("robustness.parameters: %w", err)
					}
					v.build = func(cols []dataset.Column) (transform, error) {
						return imageTransform(cols, rs.Column, name, sev, seed, lo, hi, table)
					}
					v.key = []any{name, sev, seed, rs.Column, lo, hi}
					if table != robustness.DefaultParamTable {
						v.key = append(v.key, string(table)) // default: the key it always had
					}
				case robustness.KindText:
					v.build = func(cols []dataset.Column) (transform, error) {
						return textTransform(cols, rs.Column, name, sev, seed)
					}
					v.key = []any{name, sev, seed, rs.Column}
				case robustness.KindTabular:
					d, _ := r.s.Dataset(t.Dataset)
					v.build = func(cols []dataset.Column) (transform, error) {
						return r.tabularTransform(d, cols, ps, name, sev, seed)
					}
					v.key = []any{name, sev, seed, ps.Features, ps.Fill}
				}
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// arrayColumn finds the column to perturb: the named one, or the only column
// of the wanted kind.
func pickColumn(cols []dataset.Column, name string, kinds ...dataset.Kind) (int, error) {
	var cands []int
	var all []string
	for i, c := range cols {
		all = append(all, c.Name)
		if name != "" && c.Name == name {
			return i, nil
		}
		for _, k := range kinds {
			if c.Kind == k {
				cands = append(cands, i)
			}
		}
	}
	if name != "" {
		return 0, fmt.Errorf("robustness column %q not found (columns: %s)", name, strings.Join(all, ", "))
	}
	if len(cands) != 1 {
		return 0, fmt.Errorf("cannot choose the column to perturb among %d %s columns; set robustness.column", len(cands), kinds[0])
	}
	return cands[0], nil
}

func imageTransform(cols []dataset.Column, colName, name string, sev int, seed uint64, lo, hi float64, table robustness.ParamTable) (transform, error) {
	col, err := pickColumn(cols, colName, dataset.Array)
	if err != nil {
		return nil, err
	}
	p, err := robustness.LookupImageIn(table, name)
	if err != nil {
		return nil, err
	}
	scale := hi - lo
	return func(rec *dataset.Record) (bool, error) {
		v := &rec.Values[col]
		if v.Kind != dataset.Array {
			return false, fmt.Errorf("%s: column %q is %s, want an image array", rec.Loc, cols[col].Name, v.Kind)
		}
		img := robustness.Image{C: 1, Pix: make([]float32, len(v.Arr))}
		switch len(v.Shape) {
		case 2:
			img.H, img.W = v.Shape[0], v.Shape[1]
		case 3:
			img.C, img.H, img.W = v.Shape[0], v.Shape[1], v.Shape[2]
		default:
			return false, fmt.Errorf("%s: column %q has shape %v, want [H, W] or [C, H, W]", rec.Loc, cols[col].Name, v.Shape)
		}
		for i, x := range v.Arr {
			// min(1, max(0, y)) as math.Min and math.Max compute it (−0
			// becomes 0, NaN stays NaN) without their calls.
			y := (float64(x) - lo) / scale
			if y <= 0 {
				y = 0
			} else if y > 1 {
				y = 1
			}
			img.Pix[i] = float32(y)
		}
		if err := p.Apply(img, img, sev, robustness.ExampleRNG(seed, name, sev, rec.Index)); err != nil {
			return false, fmt.Errorf("%s: %s@%d: %w", rec.Loc, name, sev, err)
		}
		// The perturbed image becomes the value in place of the record's
		// array, which is never written to (records may be replayed).
		for i, x := range img.Pix {
			img.Pix[i] = float32(lo + float64(x)*scale)
		}
		v.Arr, v.Arr64 = img.Pix, nil
		return true, nil
	}, nil
}

func textTransform(cols []dataset.Column, colName, name string, sev int, seed uint64) (transform, error) {
	col, err := pickColumn(cols, colName, dataset.String)
	if err != nil {
		return nil, err
	}
	p, err := robustness.LookupText(name)
	if err != nil {
		return nil, err
	}
	return func(rec *dataset.Record) (bool, error) {
		v := &rec.Values[col]
		if v.Kind != dataset.String {
			return false, nil
		}
		out, err := p.Apply(v.Str, sev, robustness.ExampleRNG(seed, name, sev, rec.Index))
		if err != nil {
			return false, fmt.Errorf("%s: %s@%d: %w", rec.Loc, name, sev, err)
		}
		changed := out != v.Str
		v.Str = out
		return changed, nil
	}, nil
}

// tabularTransform perturbs numeric columns. Feature standard deviations come
// from a first pass over the clean dataset.
func (r *runner) tabularTransform(d *suite.Dataset, cols []dataset.Column, ps suite.PerturbationSpec, name string, sev int, seed uint64) (transform, error) {
	p, err := robustness.LookupTabular(name)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{d.ID: true}
	if d.Label != nil {
		skip[d.Label.Column] = true
	}
	for _, g := range d.Groups {
		skip[g.Column] = true
	}
	var idx []int
	if len(ps.Features) > 0 {
		for _, f := range ps.Features {
			i, err := pickColumn(cols, f, dataset.Number)
			if err != nil {
				return nil, err
			}
			idx = append(idx, i)
		}
	} else {
		for i, c := range cols {
			if c.Kind == dataset.Number && !skip[c.Name] {
				idx = append(idx, i)
			}
		}
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("dataset %q has no numeric columns for %s", d.Name, name)
	}
	params := robustness.TabularParams{}
	if ps.Fill != nil {
		params.Fill = []float64{*ps.Fill}
	}
	params.Std, err = r.columnStd(d, idx)
	if err != nil {
		return nil, err
	}
	return func(rec *dataset.Record) (bool, error) {
		row := make([]float64, len(idx))
		for k, i := range idx {
			v := rec.Values[i]
			if v.Kind == dataset.Number {
				row[k] = v.Num
			} else {
				row[k] = math.NaN()
			}
		}
		out := make([]float64, len(row))
		if err := p.Apply(out, row, params, sev, robustness.ExampleRNG(seed, name, sev, rec.Index)); err != nil {
			return false, fmt.Errorf("%s: %s@%d: %w", rec.Loc, name, sev, err)
		}
		changed := false
		for k, i := range idx {
			if math.IsNaN(out[k]) {
				changed = changed || rec.Values[i].Kind != dataset.Missing
				rec.Values[i] = dataset.Value{}
				continue
			}
			changed = changed || out[k] != row[k]
			rec.Values[i] = dataset.Value{Kind: dataset.Number, Num: out[k]}
		}
		return changed, nil
	}, nil
}

// columnStd computes the population standard deviation of numeric columns
// in one streaming pass (Welford), ignoring missing values.
func (r *runner) columnStd(d *suite.Dataset, idx []int) ([]float64, error) {
	rd, err := dataset.Open(datasetSpec(r.s, d))
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", d.Name, err)
	}
	defer rd.Close()
	n := make([]float64, len(idx))
	mean := make([]float64, len(idx))
	m2 := make([]float64, len(idx))
	for row := 0; rd.Next(); row++ {
		if row%4096 == 0 {
			if err := r.stopped(); err != nil {
				return nil, err
			}
		}
		rec := rd.Record()
		for k, i := range idx {
			v := rec.Values[i]
			if v.Kind != dataset.Number {
				continue
			}
			n[k]++
			delta := v.Num - mean[k]
			mean[k] += delta / n[k]
			m2[k] += delta * (v.Num - mean[k])
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	std := make([]float64, len(idx))
	for k := range idx {
		if n[k] > 0 {
			std[k] = math.Sqrt(m2[k] / n[k])
		}
	}
	return std, nil
}

// counterfactualTransform substitutes a column's value through a swap map.
func counterfactualTransform(cols []dataset.Column, cf suite.CounterfactualSpec) (transform, error) {
	col, err := pickColumn(cols, cf.Column, dataset.String, dataset.Nominal)
	if err != nil {
		return nil, err
	}
	c := cols[col]
	if c.Kind != dataset.String && c.Kind != dataset.Nominal {
		return nil, fmt.Errorf("counterfactual %q: column %q is %s; substitution needs a string or nominal column", cf.Name, c.Name, c.Kind)
	}
	nominal := map[string]int{}
	for i, n := range c.Nominal {
		nominal[n] = i
	}
	if c.Kind == dataset.Nominal {
		for from, to := range cf.Swap {
			for _, val := range []string{from, to} {
				if _, ok := nominal[val]; !ok {
					return nil, fmt.Errorf("counterfactual %q: %q is not a value of nominal column %q (values: %s)", cf.Name, val, c.Name, strings.Join(c.Nominal, ", "))
				}
			}
		}
	}
	return func(rec *dataset.Record) (bool, error) {
		v := &rec.Values[col]
		if v.Kind == dataset.Missing {
			return false, nil
		}
		to, ok := cf.Swap[v.Str]
		if !ok || to == v.Str {
			return false, nil
		}
		v.Str = to
		if c.Kind == dataset.Nominal {
			v.Num = float64(nominal[to])
		}
		return true, nil
	}, nil
}

// counterfactualVariant is the variant of a fairness counterfactual: a value
// swap in one column, or word substitution in text columns.
func (r *runner) counterfactualVariant(cf suite.CounterfactualSpec) (variant, error) {
	v := variant{name: "counterfactual:" + cf.Name, key: []any{cf.Column, cf.Swap},
		build: func(cols []dataset.Column) (transform, error) { return counterfactualTransform(cols, cf) }}
	if cf.Words != "" {
		pairs, err := counterfactualWordPairs(r.s, cf.Words)
		if err != nil {
			return variant{}, err
		}
		v.key = []any{cf.Words, cf.Columns, pairs}
		v.build = func(cols []dataset.Column) (transform, error) {
			return textCounterfactualTransform(cols, cf.Name, cf.Columns, pairs)
		}
	}
	return v, nil
}
