package harness

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/robustness"
	"github.com/evalctl/evalctl/tasks"
)

// Intervals for the robustness figures that span evaluations. Each is a
// percentile bootstrap (seeded from the suite's seed and the figure's name):
//
//   - the ID–OOD gap resamples the in-distribution and the out-of-
//     distribution examples independently (two samples);
//   - effective robustness resamples both datasets once per replicate, with
//     the same draw for every model, recomputes every model's ID and OOD
//     accuracy, refits the logit line and takes each model's residual;
//   - mCE resamples the examples once per replicate, with the same draw for
//     the model and the baseline and for every perturbation (they are the
//     same examples), and recomputes the corruption errors with
//     robustness.MCE.

func (r *runner) ciSeed(name string) uint64 { return metrics.SubSeed(r.s.Seed, name) }

func (r *runner) resamples() (int, float64) {
	return *r.s.Bootstrap.Resamples, r.s.Bootstrap.Confidence
}

func draw(rng *rand.Rand, n int, buf []int) []int {
	buf = buf[:0]
	for i := 0; i < n; i++ {
		buf = append(buf, rng.IntN(n))
	}
	return buf
}

// meanAt is the mean of v over idx, skipping NaN (excluded examples).
func meanAt(v []float64, idx []int) float64 {
	s, n := 0.0, 0
	for _, i := range idx {
		if x := v[i]; !math.IsNaN(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

func ciOf(reps []float64, level float64) *result.CI {
	ci := metrics.PercentileCI(reps, level)
	return &result.CI{Low: result.Float(ci.Low), High: result.Float(ci.High), Level: level, Resamples: ci.Resamples, Method: ci.Method}
}

// gapCI is the interval of clean − OOD for one model and shift dataset.
func (r *runner) gapCI(o *taskOutcome, ds string) *result.CI {
	res, level := r.resamples()
	stat := o.shiftStat[ds]
	if res < 1 || o.cleanStat == nil || stat == nil || o.cleanN == 0 || o.shiftN[ds] == 0 {
		return nil
	}
	nA, nB := o.cleanN, o.shiftN[ds]
	reps := metrics.BootstrapReplicates(res, 1, r.ciSeed("id_ood_gap:"+ds), func(rng *rand.Rand, dst []float64) {
		a := draw(rng, nA, nil)
		b := draw(rng, nB, nil)
		dst[0] = o.cleanStat(a) - stat(b)
	})
	return ciOf(reps[0], level)
}

// effectiveCI returns each model's effective-robustness interval on one
// shift dataset (models in order; nil where undefined).
func (r *runner) effectiveCI(models []string, outs []*taskOutcome, ds string) map[string]*result.CI {
	res, level := r.resamples()
	if res < 1 || len(models) < 2 {
		return nil
	}
	nA, nB := len(outs[0].cleanCorrect), len(outs[0].shiftCorrect[ds])
	for _, o := range outs {
		if len(o.cleanCorrect) != nA || len(o.shiftCorrect[ds]) != nB || nA == 0 || nB == 0 {
			return nil
		}
	}
	reps := metrics.BootstrapReplicates(res, len(models), r.ciSeed("effective_robustness:"+ds), func(rng *rand.Rand, dst []float64) {
		a := draw(rng, nA, nil)
		b := draw(rng, nB, nil)
		pts := make([]tasks.ShiftPoint, len(models))
		for j, o := range outs {
			pts[j] = tasks.ShiftPoint{Model: models[j], ID: meanAt(o.cleanCorrect, a), OOD: meanAt(o.shiftCorrect[ds], b)}
		}
		resid, _, _, err := tasks.EffectiveRobustness(pts)
		for j, m := range models {
			if err != nil {
				dst[j] = math.NaN()
			} else {
				dst[j] = resid[m]
			}
		}
	})
	out := map[string]*result.CI{}
	for j, m := range models {
		out[m] = ciOf(reps[j], level)
	}
	return out
}

// mceCI is the interval of mCE and relative mCE of a model against the
// baseline, from per-example correctness on the same examples.
func (r *runner) mceCI(model, base *taskOutcome) (mce, rel *result.CI) {
	res, level := r.resamples()
	sc := model.robustness
	if res < 1 || sc == nil || base == nil || len(model.cleanCorrect) == 0 || len(model.cleanCorrect) != len(base.cleanCorrect) {
		return nil, nil
	}
	type cell struct{ m, b []float64 }
	byPert := map[string][]cell{}
	for _, c := range sc.Cells {
		key := fmt.Sprintf("%s@%d", c.Perturbation, c.Severity)
		m, b := model.variantCorrect[key], base.variantCorrect[key]
		if len(m) != len(model.cleanCorrect) || len(b) != len(m) {
			return nil, nil
		}
		byPert[c.Perturbation] = append(byPert[c.Perturbation], cell{m, b})
	}
	var set []string
	for _, p := range sc.Corruptions {
		if len(byPert[p]) > 0 {
			set = append(set, p)
		}
	}
	if len(set) == 0 {
		return nil, nil
	}
	n := len(model.cleanCorrect)
	reps := metrics.BootstrapReplicates(res, 2, r.ciSeed("mce"), func(rng *rand.Rand, dst []float64) {
		idx := draw(rng, n, nil)
		mt := robustness.Table{Clean: 1 - meanAt(model.cleanCorrect, idx), Values: make(map[string][]float64, len(set))}
		bt := robustness.Table{Clean: 1 - meanAt(base.cleanCorrect, idx), Values: make(map[string][]float64, len(set))}
		for _, p := range set {
			for _, c := range byPert[p] {
				mt.Values[p] = append(mt.Values[p], 1-meanAt(c.m, idx))
				bt.Values[p] = append(bt.Values[p], 1-meanAt(c.b, idx))
			}
		}
		ce, err := robustness.MCE(mt, bt)
		if err != nil { // a replicate whose baseline errors sum to 0: no value
			dst[0], dst[1] = math.NaN(), math.NaN()
			return
		}
		dst[0], dst[1] = ce.MCE, ce.RelativeMCE
	})
	return ciOf(reps[0], level), ciOf(reps[1], level)
}
