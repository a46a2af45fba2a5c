package compare

import (
	"fmt"
	"math"
	"slices"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
)

// example holds what the paired tests need from one prediction.
type example struct {
	correct bool
	invalid bool
	probs   []float64
	label   int
}

// predIndex maps evaluation key → example index → example.
type predIndex map[string]map[int]example

func loadPreds(path string) (predIndex, error) {
	idx := predIndex{}
	err := result.ReadPredictions(path, func(p *result.Prediction) error {
		m := idx[p.Eval]
		if m == nil {
			m = map[int]example{}
			idx[p.Eval] = m
		}
		if _, dup := m[p.Index]; dup {
			return fmt.Errorf("eval %q: duplicate example index %d", p.Eval, p.Index)
		}
		m[p.Index] = example{correct: p.Invalid == "" && p.Label >= 0 && p.Pred == p.Label,
			invalid: p.Invalid != "", probs: p.Probs, label: p.Label}
		return nil
	})
	return idx, err
}

// perExample returns the per-example loss or score of metric on x, and
// false when x does not count for it.
type perExample func(x example) (float64, bool)

// termsOf returns the per-example statistic whose mean is metric, and the
// paired test the metric table names for it (metrics.PairedTestOf); false
// when compare cannot recompute metric from predictions. A McNemar metric's
// terms are, by the table's definition, whether the argmax is the label.
func termsOf(metric string) (perExample, metrics.PairedTest, bool) {
	test := metrics.PairedTestOf(metric)
	if test == metrics.McNemarTest {
		return correct, test, true
	}
	switch metrics.Canonical(metric) {
	case "nll":
		return nll, test, true
	case "brier", "brier_score":
		return brier, test, true
	}
	return nil, test, false
}

// correct is 1 when the argmax is the label, 0 otherwise (labelled examples only).
func correct(x example) (float64, bool) { return b2f(x.correct), x.label >= 0 }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// nll is metrics.NLLTerms of one example: −ln clip(p_y, 1e-15, 1)
// (scikit-learn's clipping).
func nll(x example) (float64, bool) {
	if x.invalid || x.label < 0 || x.label >= len(x.probs) {
		return 0, false
	}
	return metrics.NLLTerms(nil, x.probs, len(x.probs), []int{x.label})[0], true
}

// brier is (p_1 − y)² for K = 2 (scikit-learn's brier_score_loss) and
// metrics.BrierTerms, Σ_k (p_k − 1[k=y])², for K > 2.
func brier(x example) (float64, bool) {
	if x.invalid || x.label < 0 || x.label >= len(x.probs) {
		return 0, false
	}
	if len(x.probs) == 2 {
		d := x.probs[1] - float64(x.label)
		return d * d, true
	}
	return metrics.BrierTerms(nil, x.probs, len(x.probs), []int{x.label})[0], true
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// checkRecomputed reports whether the mean of f over the side's examples
// reproduces the reported value.
func checkRecomputed(f perExample, ex map[int]example, reported result.Float, invalidPolicy string) (float64, bool) {
	var vs []float64
	for _, x := range ex {
		if x.invalid && tasks.InvalidPolicy(invalidPolicy) == tasks.InvalidExclude {
			continue
		}
		if v, ok := f(x); ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return math.NaN(), false
	}
	m := mean(vs)
	return m, math.Abs(m-float64(reported)) <= 1e-6+1e-6*math.Abs(float64(reported))
}

// pairedTest runs the paired bootstrap (or the exact McNemar test where the
// metric table names it: accuracy, acc) on the
// examples both sides have. It returns false when it could not.
func pairedTest(c *result.Comparison, r *result.CompareRow, be, ce *result.Evaluation, bp, cp predIndex, opts Options) bool {
	f, test, ok := termsOf(r.Metric)
	if !ok || test != metrics.McNemarTest {
		// Every classification metric other than McNemar's (which gets
		// McNemar below) is recomputed with the task's own definition.
		if pairedClassification(c, r, be, ce, bp, cp, opts) {
			return true
		}
	}
	if !ok {
		return false
	}
	bx, cx := bp[be.Key()], cp[ce.Key()]
	if len(bx) == 0 || len(cx) == 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("%s: no predictions in the sidecar(s): unpaired test", ce.Key()))
		return false
	}
	for _, s := range []struct {
		name string
		ex   map[int]example
		v    result.Float
		pol  string
	}{{"base", bx, r.Base, be.InvalidPolicy}, {"cand", cx, r.Cand, ce.InvalidPolicy}} {
		if got, ok := checkRecomputed(f, s.ex, s.v, s.pol); !ok {
			c.Notes = append(c.Notes, fmt.Sprintf("%s %s: %s recomputed from predictions is %.6g, result says %.6g: unpaired test", s.name, ce.Key(), r.Metric, got, float64(s.v)))
			return false
		}
	}
	a, b, ac, bc := orderByIndex(bx, cx, f, be.InvalidPolicy, ce.InvalidPolicy)
	n := len(a)
	if n == 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("%s: no example indices in common: unpaired test", ce.Key()))
		return false
	}
	if n < len(bx) || n < len(cx) {
		c.Notes = append(c.Notes, fmt.Sprintf("%s %s: paired on %d examples (base has %d, cand %d)", ce.Key(), r.Metric, n, len(bx), len(cx)))
	}
	stat := func(idx []int) (float64, float64) {
		sa, sb := 0.0, 0.0
		for _, i := range idx {
			sa += a[i]
			sb += b[i]
		}
		return sa / float64(len(idx)), sb / float64(len(idx))
	}
	delta, dci, p := metrics.PairedBootstrap(n, stat, opts.Resamples, opts.Level, opts.Seed)
	r.Delta = result.Float(delta)
	r.DeltaCI = &result.CI{Low: result.Float(dci.Low), High: result.Float(dci.High), Level: dci.Level, Resamples: dci.Resamples, Method: "paired " + dci.Method + " bootstrap"}
	r.P, r.Test, r.Paired = result.Float(p), "paired bootstrap", n
	if test == metrics.McNemarTest {
		b01, b10, pm := metrics.McNemar(ac, bc)
		r.B01, r.B10, r.P, r.Test = b01, b10, result.Float(pm), "exact McNemar"
	}
	return true
}

func orderByIndex(bx, cx map[int]example, f perExample, bpol, cpol string) (a, b []float64, ac, bc []bool) {
	keys := make([]int, 0, len(bx))
	for i := range bx {
		if _, ok := cx[i]; ok {
			keys = append(keys, i)
		}
	}
	slices.Sort(keys)
	for _, i := range keys {
		x, y := bx[i], cx[i]
		if (x.invalid && tasks.InvalidPolicy(bpol) == tasks.InvalidExclude) || (y.invalid && tasks.InvalidPolicy(cpol) == tasks.InvalidExclude) {
			continue
		}
		va, oka := f(x)
		vb, okb := f(y)
		if !oka || !okb {
			continue
		}
		a, b = append(a, va), append(b, vb)
		ac, bc = append(ac, x.correct), append(bc, y.correct)
	}
	return
}
