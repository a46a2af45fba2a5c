package fairness

import (
	"fmt"
	"math"
)

// Counterfactual holds a model's predictions on counterfactual copies of
// the inputs in which one substitution was applied (for example
// "pronouns male→female" or "sex=female→male").
type Counterfactual struct {
	Name string
	// Pred[i] is the predicted class on the counterfactual copy of example i.
	Pred []int
	// Changed[i] says whether the substitution changed example i's input.
	// Unchanged examples are not counterfactuals and are left out of this
	// substitution's denominator. nil means every example changed.
	Changed []bool
}

// Flips is the flip statistic for one substitution or for all together.
type Flips struct {
	Name string
	// Rate = Σ_i Flip[i] / N over the examples the substitution applies to.
	Rate Value
	// N is the number of examples the substitution changed.
	N int
	// Flipped is the number of those whose predicted class changed.
	Flipped int
	// Flip[i] is 1 if example i's prediction changed, 0 if it did not, and
	// -1 if the substitution did not apply to example i. Bootstrap it
	// over the examples with Flip[i] ≥ 0.
	Flip []int8
}

// FlipReport is the result of [FlipRates].
type FlipReport struct {
	// Any counts an example as flipped if any substitution that applies to
	// it changes its prediction (CheckList's INV test with
	// "all_except_first"); its N counts examples changed by at least one
	// substitution.
	Any Flips
	// PerSubstitution has one entry per counterfactual, in input order.
	PerSubstitution []Flips
}

// FlipRates computes the counterfactual flip rate, the share of examples
// whose predicted class changes when a protected attribute is substituted
// (counterfactual token fairness, Garg et al. 2019; counterfactual
// fairness, Kusner et al. 2017; HELM's fairness perturbations):
//
//	flip rate = Σ_i [ŷ_i ≠ ŷ'_i] · c_i / Σ_i c_i
//
// where c_i says whether the substitution changed example i. Text
// substitutions from [TextSubstituter.SubstituteAll] and tabular ones from
// [SwapOneHot] return the Changed vector to pass here.
func FlipRates(orig []int, cfs []Counterfactual) (*FlipReport, error) {
	if len(cfs) == 0 {
		return nil, fmt.Errorf("fairness: no counterfactual predictions given")
	}
	n := len(orig)
	r := &FlipReport{Any: Flips{Name: "any", Flip: make([]int8, n)}}
	for i := range r.Any.Flip {
		r.Any.Flip[i] = -1
	}
	for k, cf := range cfs {
		if len(cf.Pred) != n {
			return nil, fmt.Errorf("fairness: counterfactual %q (%d): %d predictions for %d original predictions", cf.Name, k, len(cf.Pred), n)
		}
		if cf.Changed != nil && len(cf.Changed) != n {
			return nil, fmt.Errorf("fairness: counterfactual %q (%d): %d changed flags for %d examples", cf.Name, k, len(cf.Changed), n)
		}
		f := Flips{Name: cf.Name, Flip: make([]int8, n)}
		for i := 0; i < n; i++ {
			if cf.Changed != nil && !cf.Changed[i] {
				f.Flip[i] = -1
				continue
			}
			f.N++
			if r.Any.Flip[i] < 0 {
				r.Any.Flip[i] = 0
			}
			if cf.Pred[i] != orig[i] {
				f.Flip[i] = 1
				f.Flipped++
				r.Any.Flip[i] = 1
			}
		}
		f.Rate = share(f.Flipped, f.N, "substitution changed no example")
		r.PerSubstitution = append(r.PerSubstitution, f)
	}
	for _, v := range r.Any.Flip {
		if v >= 0 {
			r.Any.N++
		}
		if v == 1 {
			r.Any.Flipped++
		}
	}
	r.Any.Rate = share(r.Any.Flipped, r.Any.N, "no substitution changed any example")
	return r, nil
}

func share(k, n int, zero string) Value {
	if n == 0 {
		return Undefined(zero)
	}
	return Value{V: float64(k) / float64(n)}
}

// Change is the change of a metric under one substitution.
type Change struct {
	Name                     string
	Original, Counterfactual Value
	// Delta = Counterfactual − Original.
	Delta Value
}

// MetricChange evaluates metric on the original predictions and on each
// counterfactual's predictions over all examples (an example the
// substitution did not change keeps its original prediction) and reports
// metric(counterfactual) − metric(original). metric receives a full
// prediction vector, for example
//
//	func(p []int) float64 { return metrics.Accuracy(p, label, nil) }
//
// and returns NaN when undefined.
func MetricChange(metric func(pred []int) float64, orig []int, cfs []Counterfactual) ([]Change, error) {
	if metric == nil {
		return nil, fmt.Errorf("fairness: no metric given")
	}
	o := Of(metric(orig))
	var out []Change
	for k, cf := range cfs {
		if len(cf.Pred) != len(orig) || (cf.Changed != nil && len(cf.Changed) != len(orig)) {
			return nil, fmt.Errorf("fairness: counterfactual %q (%d): lengths %d/%d do not match %d original predictions", cf.Name, k, len(cf.Pred), len(cf.Changed), len(orig))
		}
		p := append([]int(nil), cf.Pred...)
		for i := range p {
			if cf.Changed != nil && !cf.Changed[i] {
				p[i] = orig[i]
			}
		}
		c := Change{Name: cf.Name, Original: o, Counterfactual: Of(metric(p))}
		switch {
		case !c.Original.Defined():
			c.Delta = Undefined("metric undefined on original predictions")
		case !c.Counterfactual.Defined():
			c.Delta = Undefined("metric undefined on counterfactual predictions")
		default:
			c.Delta = Value{V: c.Counterfactual.V - c.Original.V}
		}
		out = append(out, c)
	}
	return out, nil
}

// OneHot describes how a categorical attribute is one-hot encoded in a
// feature row: Columns[k] is the index of the indicator column for the
// category Values[k].
type OneHot struct {
	Attribute string
	Columns   []int
	Values    []string
}

// SwapOneHot returns copies of rows in which the categorical attribute
// encoded by enc is replaced according to mapping (category → substitute
// category), by zeroing the old indicator column and setting the new one
// to the old indicator's value. Rows whose category is not a key of
// mapping are copied unchanged and have changed[i] = false. A row with no
// or several non-zero indicators is an error naming the row. rows is not
// modified.
func SwapOneHot(rows [][]float64, enc OneHot, mapping map[string]string) (out [][]float64, changed []bool, err error) {
	if len(enc.Columns) == 0 || len(enc.Columns) != len(enc.Values) {
		return nil, nil, fmt.Errorf("fairness: one-hot attribute %q: %d columns for %d values", enc.Attribute, len(enc.Columns), len(enc.Values))
	}
	col := map[string]int{}
	for k, v := range enc.Values {
		if _, dup := col[v]; dup {
			return nil, nil, fmt.Errorf("fairness: one-hot attribute %q: value %q listed twice", enc.Attribute, v)
		}
		col[v] = enc.Columns[k]
	}
	for from, to := range mapping {
		if _, ok := col[from]; !ok {
			return nil, nil, fmt.Errorf("fairness: one-hot attribute %q: mapping from unknown value %q", enc.Attribute, from)
		}
		if _, ok := col[to]; !ok {
			return nil, nil, fmt.Errorf("fairness: one-hot attribute %q: mapping to unknown value %q", enc.Attribute, to)
		}
	}
	out = make([][]float64, len(rows))
	changed = make([]bool, len(rows))
	for i, row := range rows {
		cur := -1
		for k, c := range enc.Columns {
			if c < 0 || c >= len(row) {
				return nil, nil, fmt.Errorf("fairness: row %d: one-hot column %d of attribute %q outside row of width %d", i, c, enc.Attribute, len(row))
			}
			if row[c] != 0 {
				if cur >= 0 {
					return nil, nil, fmt.Errorf("fairness: row %d: attribute %q has several non-zero indicators (%q and %q)", i, enc.Attribute, enc.Values[cur], enc.Values[k])
				}
				cur = k
			}
		}
		if cur < 0 {
			return nil, nil, fmt.Errorf("fairness: row %d: attribute %q has no non-zero indicator", i, enc.Attribute)
		}
		r := append([]float64(nil), row...)
		if to, ok := mapping[enc.Values[cur]]; ok && to != enc.Values[cur] {
			old := enc.Columns[cur]
			r[col[to]], r[old] = r[old], 0
			changed[i] = true
		}
		out[i] = r
	}
	return out, changed, nil
}

// SwapCode returns copies of rows in which the label- or ordinal-encoded
// value in column col is replaced according to mapping (code → substitute
// code). Rows whose code is not a key of mapping are copied unchanged with
// changed[i] = false. rows is not modified.
func SwapCode(rows [][]float64, col int, mapping map[float64]float64) (out [][]float64, changed []bool, err error) {
	out = make([][]float64, len(rows))
	changed = make([]bool, len(rows))
	for i, row := range rows {
		if col < 0 || col >= len(row) {
			return nil, nil, fmt.Errorf("fairness: row %d: column %d outside row of width %d", i, col, len(row))
		}
		r := append([]float64(nil), row...)
		if to, ok := mapping[r[col]]; ok && to != r[col] && !math.IsNaN(to) {
			r[col] = to
			changed[i] = true
		}
		out[i] = r
	}
	return out, changed, nil
}
