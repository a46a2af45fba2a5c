package tasks

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/robustness"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Unless a comment says otherwise, every expected number in this file is
// computed by hand from the fixture below and the formulas in the doc
// comment of Classifier.Robustness; the arithmetic is written next to it.

const robTol = 1e-12

// robPred is a 3-class prediction with probability 0.8 on the predicted
// class and 0.1 on the others.
func robPred(i, label, pred int) Prediction {
	p := []float64{0.1, 0.1, 0.1}
	p[pred] = 0.8
	return Prediction{Index: i, Label: label, Pred: pred, Probs: p}
}

func robPreds(labels, preds []int) []Prediction {
	out := make([]Prediction, len(labels))
	for i := range labels {
		out[i] = robPred(i, labels[i], preds[i])
	}
	return out
}

// The robustness fixture: 6 examples of a 3-class task, 2 perturbations ×
// 2 severities.
//
//	example      0 1 2 3 4 5   correct          acc    same as clean
//	label        0 1 2 0 1 2
//	clean        0 1 2 0 1 1   T T T T T F      5/6
//	noise@1      0 1 2 0 0 1   T T T T F F      4/6    5/6
//	noise@2      0 1 2 1 0 0   T T T F F F      3/6    3/6
//	blur@1       0 1 2 0 1 2   T T T T T T      6/6    5/6
//	blur@2       0 1 0 0 1 1   T T F T T F      4/6    5/6
//
// mean_corrupted = ((4/6+3/6)/2 + (6/6+4/6)/2)/2 = (7/12+10/12)/2 = 17/24
// absolute_drop  = 5/6 − 17/24 = 3/24 = 1/8; relative_drop = (1/8)/(5/6) = 0.15
// worst case     = examples 0 and 1 are correct everywhere: 2/6
// consistency    = (5+3+5+5)/24 = 18/24 = 0.75
// all variants   = examples 0 and 1 never change: 2/6
// ECE            = |acc − 0.8| (every confidence is 0.8, one bin): clean
// 1/30; cells 2/15, 3/10, 1/5, 2/15; ece_mean_corrupted =
// ((2/15+3/10)/2 + (1/5+2/15)/2)/2 = 23/120.
var (
	robLabels = []int{0, 1, 2, 0, 1, 2}
	robClean  = []int{0, 1, 2, 0, 1, 1}
	robCells  = map[string][]int{
		"noise@1": {0, 1, 2, 0, 0, 1},
		"noise@2": {0, 1, 2, 1, 0, 0},
		"blur@1":  {0, 1, 2, 0, 1, 2},
		"blur@2":  {0, 1, 0, 0, 1, 1},
	}
)

// robVariants returns the fixture's variants, deliberately not sorted.
func robVariants() []VariantPredictions {
	var out []VariantPredictions
	for _, name := range []string{"noise@2", "blur@1", "noise@1", "blur@2"} {
		p, sev, _ := strings.Cut(name, "@")
		s, _ := strconv.Atoi(sev)
		out = append(out, VariantPredictions{Perturbation: p, Severity: s, Preds: robPreds(robLabels, robCells[name])})
	}
	return out
}

func newRobClassifier(t testing.TB, cfg ClassificationConfig) *Classifier {
	t.Helper()
	cfg.Classes = []string{"a", "b", "c"}
	c, err := NewClassifier(cfg)
	require.NoError(t, err)
	return c
}

func robSummary(t *testing.T, s *RobustnessScores, name string) MetricValue {
	t.Helper()
	m, ok := s.SummaryValue(name)
	require.True(t, ok, "summary %q missing", name)
	return m
}

func TestRobustnessHandFixture(t *testing.T) {
	c := newRobClassifier(t, ClassificationConfig{})
	s, err := c.Robustness(robPreds(robLabels, robClean), robVariants(), RobustnessConfig{})
	require.NoError(t, err)
	assert.Equal(t, "accuracy", s.Metric)
	assert.Equal(t, []string{"blur", "noise"}, s.Corruptions)
	assert.Equal(t, 6, s.N)
	assert.InDelta(t, 5.0/6, s.Clean.Value, robTol)

	// Cells sorted by perturbation, then severity.
	want := []struct {
		name     string
		acc, ece float64
		cons     float64
	}{
		{"blur@1", 6.0 / 6, 1.0 / 5, 5.0 / 6},
		{"blur@2", 4.0 / 6, 2.0 / 15, 5.0 / 6},
		{"noise@1", 4.0 / 6, 2.0 / 15, 5.0 / 6},
		{"noise@2", 3.0 / 6, 3.0 / 10, 3.0 / 6},
	}
	require.Len(t, s.Cells, len(want))
	for i, w := range want {
		cell := s.Cells[i]
		assert.Equal(t, w.name, fmt.Sprintf("%s@%d", cell.Perturbation, cell.Severity))
		assert.InDelta(t, w.acc, cell.Value.Value, robTol, w.name)
		assert.InDelta(t, w.ece, cell.ECE.Value, robTol, w.name)
		assert.InDelta(t, w.cons, cell.Consistency.Value, robTol, w.name)
		assert.True(t, math.IsNaN(cell.Value.Low), "no resamples, no interval")
	}

	for _, tc := range []struct {
		name   string
		want   float64
		higher bool
	}{
		{SummaryMeanCorrupted, 17.0 / 24, true},
		{SummaryAbsoluteDrop, 1.0 / 8, false},
		{SummaryRelativeDrop, 0.15, false},
		{SummaryWorstCaseAccuracy, 2.0 / 6, true},
		{SummaryConsistency, 0.75, true},
		{SummaryConsistencyAllVariants, 2.0 / 6, true},
		{SummaryECEClean, 1.0 / 30, false},
		{SummaryECEMeanCorrupted, 23.0 / 120, false},
	} {
		m := robSummary(t, s, tc.name)
		assert.InDelta(t, tc.want, m.Value, robTol, tc.name)
		assert.Equal(t, tc.higher, m.HigherIsBetter, tc.name)
		assert.Empty(t, m.Undefined, tc.name)
	}
	assert.Len(t, s.Summary, 8)
}

// TestRobustnessMatchesRobustnessPackage cross-checks the summaries with
// the plain-data functions of package robustness on the same fixture.
func TestRobustnessMatchesRobustnessPackage(t *testing.T) {
	c := newRobClassifier(t, ClassificationConfig{})
	s, err := c.Robustness(robPreds(robLabels, robClean), robVariants(), RobustnessConfig{})
	require.NoError(t, err)

	correct := func(pred []int) []bool {
		out := make([]bool, len(pred))
		for i := range pred {
			out[i] = pred[i] == robLabels[i]
		}
		return out
	}
	acc := func(pred []int) float64 { return metrics.Accuracy(pred, robLabels, nil) }
	tab := robustness.Table{Clean: acc(robClean), Values: map[string][]float64{
		"noise": {acc(robCells["noise@1"]), acc(robCells["noise@2"])},
		"blur":  {acc(robCells["blur@1"]), acc(robCells["blur@2"])},
	}}
	mean, err := tab.Mean(nil)
	require.NoError(t, err)
	assert.InDelta(t, mean, robSummary(t, s, SummaryMeanCorrupted).Value, robTol)
	drop := robustness.DropFrom(tab.Clean, mean)
	assert.InDelta(t, drop.Absolute, robSummary(t, s, SummaryAbsoluteDrop).Value, robTol)
	assert.InDelta(t, drop.Relative, robSummary(t, s, SummaryRelativeDrop).Value, robTol)

	var perCorrect [][]bool
	var perPred [][]int
	for _, name := range []string{"noise@1", "noise@2", "blur@1", "blur@2"} {
		perCorrect = append(perCorrect, correct(robCells[name]))
		perPred = append(perPred, robCells[name])
	}
	// Worst case and all-variant consistency by plain counting: an example
	// counts if it is correct in every version / predicted the same in
	// every variant.
	var wc, inv float64
	for i, ok := range correct(robClean) {
		same := true
		for k := range perCorrect {
			ok = ok && perCorrect[k][i]
			same = same && perPred[k][i] == robClean[i]
		}
		wc += robB2F(ok) / float64(len(robClean))
		inv += robB2F(same) / float64(len(robClean))
	}
	assert.InDelta(t, wc, robSummary(t, s, SummaryWorstCaseAccuracy).Value, robTol)
	assert.InDelta(t, inv, robSummary(t, s, SummaryConsistencyAllVariants).Value, robTol)
}

func TestRobustnessCorruptionSet(t *testing.T) {
	// Only noise: mean_corrupted = (4/6+3/6)/2 = 7/12; ECE (2/15+3/10)/2 = 13/60.
	// Worst case and consistency still use every variant.
	c := newRobClassifier(t, ClassificationConfig{})
	s, err := c.Robustness(robPreds(robLabels, robClean), robVariants(), RobustnessConfig{CorruptionSet: []string{"noise"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"noise"}, s.Corruptions)
	assert.InDelta(t, 7.0/12, robSummary(t, s, SummaryMeanCorrupted).Value, robTol)
	assert.InDelta(t, 5.0/6-7.0/12, robSummary(t, s, SummaryAbsoluteDrop).Value, robTol)
	assert.InDelta(t, 13.0/60, robSummary(t, s, SummaryECEMeanCorrupted).Value, robTol)
	assert.InDelta(t, 2.0/6, robSummary(t, s, SummaryWorstCaseAccuracy).Value, robTol)
	assert.InDelta(t, 0.75, robSummary(t, s, SummaryConsistency).Value, robTol)
}

func TestRobustnessLowerIsBetterDrop(t *testing.T) {
	// NLL with a = −ln 0.8 (correct) and b = −ln 0.1 (wrong): a cell with
	// accuracy p has NLL p·a + (1−p)·b, and the corruption mean is linear,
	// so mean_corrupted = (17/24)·a + (7/24)·b, clean = (5/6)·a + (1/6)·b,
	// and the drop, signed so that worse is positive, is
	// mean_corrupted − clean = (5/6 − 17/24)(b − a) = (b − a)/8 > 0.
	a, b := -math.Log(0.8), -math.Log(0.1)
	c := newRobClassifier(t, ClassificationConfig{})
	s, err := c.Robustness(robPreds(robLabels, robClean), robVariants(), RobustnessConfig{Metric: "nll"})
	require.NoError(t, err)
	clean := 5.0/6*a + 1.0/6*b
	assert.InDelta(t, clean, s.Clean.Value, 1e-12)
	assert.False(t, s.Clean.HigherIsBetter)
	mc := robSummary(t, s, SummaryMeanCorrupted)
	assert.InDelta(t, 17.0/24*a+7.0/24*b, mc.Value, 1e-12)
	assert.False(t, mc.HigherIsBetter)
	drop := robSummary(t, s, SummaryAbsoluteDrop)
	assert.InDelta(t, (b-a)/8, drop.Value, 1e-12)
	assert.Greater(t, drop.Value, 0.0)
	assert.Contains(t, drop.Spec["definition"], "mean_corrupted − clean")
	assert.InDelta(t, (b-a)/8/clean, robSummary(t, s, SummaryRelativeDrop).Value, 1e-12)
}

func TestRobustnessIntervals(t *testing.T) {
	c := newRobClassifier(t, ClassificationConfig{Resamples: 300, Seed: 7, Metrics: []string{"accuracy"}})
	clean := robPreds(robLabels, robClean)
	s, err := c.Robustness(clean, robVariants(), RobustnessConfig{})
	require.NoError(t, err)

	// The clean value is exactly what Score reports, interval included.
	sc, err := c.Score(clean)
	require.NoError(t, err)
	acc, ok := sc.Metric("accuracy")
	require.True(t, ok)
	assert.Equal(t, acc, s.Clean)

	// Each cell's value is Score's on that variant.
	for _, v := range robVariants() {
		vs, err := c.Score(v.Preds)
		require.NoError(t, err)
		va, _ := vs.Metric("accuracy")
		cell, ok := s.Cell(v.Perturbation, v.Severity)
		require.True(t, ok)
		assert.InDelta(t, va.Value, cell.Value.Value, robTol, v.Name())
		assert.Equal(t, 300, cell.Value.Resamples)
	}

	for _, m := range s.Summary {
		require.False(t, math.IsNaN(m.Low), m.Name)
		assert.LessOrEqual(t, m.Low, m.Value+robTol, m.Name)
		assert.GreaterOrEqual(t, m.High, m.Value-robTol, m.Name)
		assert.Equal(t, 0.95, m.Level, m.Name)
		assert.Positive(t, m.Resamples, m.Name)
	}
	// Pairing: every replicate's drop is (clean − corrupted) on the same
	// draw; with 6 examples the drop's interval is narrower than the two
	// marginal intervals stacked.
	mc := robSummary(t, s, SummaryMeanCorrupted)
	drop := robSummary(t, s, SummaryAbsoluteDrop)
	assert.Less(t, drop.High-drop.Low, (mc.High-mc.Low)+(s.Clean.High-s.Clean.Low))

	// Determinism: the same seed gives the same intervals whatever the
	// number of workers; another seed gives others.
	prev := runtime.GOMAXPROCS(1)
	s1, err := c.Robustness(clean, robVariants(), RobustnessConfig{})
	runtime.GOMAXPROCS(prev)
	require.NoError(t, err)
	assert.Equal(t, s.Summary, s1.Summary)
	assert.Equal(t, s.Cells, s1.Cells)

	// On 300 random examples (6 are too few: the quantiles of a discrete
	// bootstrap often coincide) seed 8 moves every interval.
	rc, rv := robRandom(300, 9)
	s7, err := c.Robustness(rc, rv, RobustnessConfig{})
	require.NoError(t, err)
	c8 := newRobClassifier(t, ClassificationConfig{Resamples: 300, Seed: 8})
	s8, err := c8.Robustness(rc, rv, RobustnessConfig{})
	require.NoError(t, err)
	for i := range s7.Summary {
		assert.Equal(t, s7.Summary[i].Value, s8.Summary[i].Value, s7.Summary[i].Name)
		assert.False(t, s7.Summary[i].Low == s8.Summary[i].Low && s7.Summary[i].High == s8.Summary[i].High,
			"%s: seed 8 gave the same interval as seed 7", s7.Summary[i].Name)
	}
}

// robRandom returns n random 3-class clean predictions and 2 × 3 variants
// in which each prediction is redrawn with probability 0.1·severity.
func robRandom(n int, seed uint64) ([]Prediction, []VariantPredictions) {
	rng := rand.New(rand.NewPCG(seed, 1))
	mk := func(flip float64, from []Prediction) []Prediction {
		out := make([]Prediction, n)
		for i := range out {
			y := i % 3
			pred := y
			if from != nil {
				pred = from[i].Pred
			}
			if rng.Float64() < flip {
				pred = rng.IntN(3)
			}
			p := []float64{0, 0, 0}
			p[pred] = 0.5 + 0.5*rng.Float64()
			p[(pred+1)%3] = (1 - p[pred]) / 2
			p[(pred+2)%3] = (1 - p[pred]) / 2
			out[i] = Prediction{Index: i, Label: y, Pred: pred, Probs: p}
		}
		return out
	}
	clean := mk(0.2, nil)
	var vs []VariantPredictions
	for _, name := range []string{"a", "b"} {
		for sev := 1; sev <= 3; sev++ {
			vs = append(vs, VariantPredictions{Perturbation: name, Severity: sev, Preds: mk(0.1*float64(sev), clean)})
		}
	}
	return clean, vs
}

// TestJointBootstrapMatchesBootstrapCI checks that the joint bootstrap draws
// exactly the replicates of metrics.BootstrapCI.
func TestJointBootstrapMatchesBootstrapCI(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 57)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	stat := func(idx []int) float64 {
		var s float64
		for _, j := range idx {
			s += x[j] * x[j]
		}
		return s / float64(len(idx))
	}
	want := metrics.BootstrapCI(len(x), stat, 199, 0.9, 42)
	got := robustJointBootstrap(len(x), 2, func(w []float64, _ *robustScratch, dst []float64) {
		var s float64
		for j, wj := range w {
			s += wj * x[j] * x[j]
		}
		dst[0] = s / float64(len(x))
		dst[1] = math.NaN()
	}, 199, 0.9, 42)
	// Same draws; only the order of the floating-point sums differs.
	assert.InDelta(t, want.Low, got[0].Low, 1e-12)
	assert.InDelta(t, want.High, got[0].High, 1e-12)
	assert.Equal(t, want.Resamples, got[0].Resamples)
	assert.Equal(t, want.Method, got[0].Method)
	assert.True(t, math.IsNaN(got[1].Low))
	assert.Equal(t, 0, got[1].Resamples)
}

// TestSampleStatMatchesMetric checks that each bootstrap statistic, on the
// identity draw, equals the task's own metric on the same data (the fast
// paths: means of terms and equal-width calibration; and the general one).
func TestSampleStatMatchesMetric(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, k = 200, 4
	preds := make([]Prediction, n)
	for i := range preds {
		p := make([]float64, k)
		var s float64
		for j := range p {
			p[j] = rng.ExpFloat64()
			s += p[j]
		}
		for j := range p {
			p[j] /= s
		}
		preds[i] = Prediction{Index: i, Label: rng.IntN(k), Probs: p, Pred: argmax(p)}
		if i%17 == 0 {
			preds[i].Invalid, preds[i].Pred = "nan", -1
		}
	}
	for _, policy := range []InvalidPolicy{InvalidWrong, InvalidExclude} {
		for _, binning := range []metrics.Binning{metrics.EqualWidth, metrics.EqualMass} {
			c, err := NewClassifier(ClassificationConfig{Classes: []string{"a", "b", "c", "d"}, Invalid: policy, Binning: binning})
			require.NoError(t, err)
			lab := make([]int, n)
			ones := make([]float64, n)
			for i := range lab {
				lab[i], ones[i] = i, 1
			}
			e := c.newRobustEval(preds, lab)
			for _, name := range []string{"accuracy", "top2_accuracy", "nll", "brier", "ece", "rms_ce", "mce", "ece_adaptive", "macro_f1", "auroc"} {
				want, _ := c.metric(name, e.d)
				got := c.sampleStat(name, e)(ones, &robustScratch{})
				assert.InDelta(t, want.Value, got, 1e-12, "%s, %s, %s", name, policy, binning)
			}
			// A resample with repeats: the counts w against the metric on
			// the resampled rows themselves.
			w := make([]float64, n)
			var rows []int
			for range n {
				j := rng.IntN(n)
				w[j]++
				if e.rowOf[j] >= 0 {
					rows = append(rows, e.rowOf[j])
				}
			}
			for _, name := range []string{"accuracy", "nll", "ece", "mce", "ece_adaptive", "macro_f1"} {
				want, _ := c.metric(name, e.d.subset(rows))
				got := c.sampleStat(name, e)(w, &robustScratch{})
				assert.InDelta(t, want.Value, got, 1e-12, "resample: %s, %s, %s", name, policy, binning)
			}
		}
	}
}

func TestRobustnessInvalidOutputs(t *testing.T) {
	variants := func() []VariantPredictions {
		v := robVariants()
		for i := range v {
			if v[i].Name() == "noise@2" {
				v[i].Preds[0].Invalid = "nan" // example 0, correct and consistent before
				v[i].Preds[0].Pred = -1
				v[i].Preds[0].Probs = []float64{math.NaN(), math.NaN(), math.NaN()}
			}
		}
		return v
	}
	clean := robPreds(robLabels, robClean)

	// "wrong": noise@2 accuracy 2/6, noise mean (4/6+2/6)/2 = 1/2,
	// mean_corrupted (6/12+10/12)/2 = 2/3; example 0 is no longer correct
	// everywhere, worst case 1/6; consistency (5+2+5+5)/24 = 17/24;
	// all variants 1/6.
	c := newRobClassifier(t, ClassificationConfig{Invalid: InvalidWrong, Resamples: 50})
	s, err := c.Robustness(clean, variants(), RobustnessConfig{})
	require.NoError(t, err)
	assert.Equal(t, 1, s.Invalid)
	cell, _ := s.Cell("noise", 2)
	assert.InDelta(t, 2.0/6, cell.Value.Value, robTol)
	assert.Equal(t, 6, cell.Value.N)
	assert.InDelta(t, 2.0/3, robSummary(t, s, SummaryMeanCorrupted).Value, robTol)
	assert.InDelta(t, 1.0/6, robSummary(t, s, SummaryWorstCaseAccuracy).Value, robTol)
	assert.InDelta(t, 17.0/24, robSummary(t, s, SummaryConsistency).Value, robTol)
	assert.InDelta(t, 1.0/6, robSummary(t, s, SummaryConsistencyAllVariants).Value, robTol)

	// "exclude": noise@2 scores 5 examples, accuracy 2/5; noise mean
	// (4/6+2/5)/2 = 8/15; mean_corrupted (8/15+5/6)/2 = 41/60. Example 0's
	// worst case runs over its 4 valid versions (all correct): 2/6.
	// Consistency counts 23 pairs, 17 consistent; all variants 2/6.
	c = newRobClassifier(t, ClassificationConfig{Invalid: InvalidExclude, Resamples: 50})
	s, err = c.Robustness(clean, variants(), RobustnessConfig{})
	require.NoError(t, err)
	cell, _ = s.Cell("noise", 2)
	assert.InDelta(t, 2.0/5, cell.Value.Value, robTol)
	assert.Equal(t, 5, cell.Value.N)
	assert.Equal(t, 5, cell.Consistency.N)
	assert.InDelta(t, 41.0/60, robSummary(t, s, SummaryMeanCorrupted).Value, robTol)
	assert.InDelta(t, 5.0/6-41.0/60, robSummary(t, s, SummaryAbsoluteDrop).Value, robTol)
	assert.InDelta(t, 2.0/6, robSummary(t, s, SummaryWorstCaseAccuracy).Value, robTol)
	assert.InDelta(t, 17.0/23, robSummary(t, s, SummaryConsistency).Value, robTol)
	assert.InDelta(t, 2.0/6, robSummary(t, s, SummaryConsistencyAllVariants).Value, robTol)
	for _, m := range s.Summary {
		assert.False(t, math.IsNaN(m.Low), m.Name)
	}

	// "exclude" with a whole variant invalid: its cell is undefined and so
	// is every corruption mean it enters, with a reason; the rest stands.
	v := robVariants()
	for i := range v[0].Preds {
		v[0].Preds[i].Invalid, v[0].Preds[i].Pred = "inf", -1
	}
	s, err = c.Robustness(clean, v, RobustnessConfig{})
	require.NoError(t, err)
	cell, _ = s.Cell(v[0].Perturbation, v[0].Severity)
	assert.True(t, math.IsNaN(cell.Value.Value))
	assert.Contains(t, cell.Value.Undefined, "every output was NaN or Inf")
	mc := robSummary(t, s, SummaryMeanCorrupted)
	assert.True(t, math.IsNaN(mc.Value))
	assert.NotEmpty(t, mc.Undefined)
	assert.False(t, math.IsNaN(robSummary(t, s, SummaryWorstCaseAccuracy).Value))
}

func TestRobustnessErrors(t *testing.T) {
	c := newRobClassifier(t, ClassificationConfig{})
	clean := robPreds(robLabels, robClean)
	mutate := func(f func(v []VariantPredictions) []VariantPredictions) []VariantPredictions {
		return f(robVariants())
	}
	for _, tc := range []struct {
		name     string
		clean    []Prediction
		variants []VariantPredictions
		cfg      RobustnessConfig
		want     string
	}{
		{"short variant", clean, mutate(func(v []VariantPredictions) []VariantPredictions {
			v[1].Preds = v[1].Preds[:5]
			return v
		}), RobustnessConfig{}, "variant blur@1 has 5 predictions, the clean data 6"},
		{"reordered variant", clean, mutate(func(v []VariantPredictions) []VariantPredictions {
			v[2].Preds[3], v[2].Preds[4] = v[2].Preds[4], v[2].Preds[3]
			return v
		}), RobustnessConfig{}, "variant noise@1: prediction 3 is example 4, the clean prediction 3 is example 3"},
		{"label differs", clean, mutate(func(v []VariantPredictions) []VariantPredictions {
			v[0].Preds[2].Label = 1
			return v
		}), RobustnessConfig{}, "variant noise@2: prediction 2 (example 2) has label 1, the clean prediction has label 2"},
		{"bad predicted class", clean, mutate(func(v []VariantPredictions) []VariantPredictions {
			v[3].Preds[1].Pred = 3
			return v
		}), RobustnessConfig{}, "variant blur@2: prediction 1 (example 1): predicted class 3"},
		{"no variants", clean, nil,
			RobustnessConfig{}, "no perturbed variants"},
		{"duplicate", clean, mutate(func(v []VariantPredictions) []VariantPredictions {
			return append(v, v[0])
		}), RobustnessConfig{}, "variant noise@2 given twice"},
		{"severity", clean, mutate(func(v []VariantPredictions) []VariantPredictions {
			v[0].Severity = 6
			return v
		}), RobustnessConfig{}, "variant noise@6: severity 6 is outside 1..5"},
		{"no name", clean, mutate(func(v []VariantPredictions) []VariantPredictions {
			v[0].Perturbation = ""
			return v
		}), RobustnessConfig{}, "variant 0 has no perturbation name"},
		{"unknown corruption", clean, robVariants(), RobustnessConfig{CorruptionSet: []string{"fog"}},
			`corruption "fog" in the corruption set has no variants (perturbations present: blur, noise)`},
		{"corruption twice", clean, robVariants(), RobustnessConfig{CorruptionSet: []string{"blur", "blur"}},
			`corruption "blur" listed twice`},
		{"unknown metric", clean, robVariants(), RobustnessConfig{Metric: "acuracy"}, `unknown metric "acuracy"`},
		{"unlabelled", robPreds([]int{-1, -1, -1, -1, -1, -1}, robClean), []VariantPredictions{{Perturbation: "x", Severity: 1,
			Preds: robPreds([]int{-1, -1, -1, -1, -1, -1}, robClean)}}, RobustnessConfig{}, "no examples to score"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Robustness(tc.clean, tc.variants, tc.cfg)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	_, err := c.Robustness(append([]Prediction{{Index: 9, Label: 5, Probs: []float64{1, 0, 0}}}, clean[1:]...), robVariants(), RobustnessConfig{})
	assert.ErrorContains(t, err, "robustness: clean: prediction 0 (example 9): label 5 is not -1 (unlabelled) or a class index in [0, 3)")
}

func TestRobustnessOtherMetric(t *testing.T) {
	// macro F1 goes through the general bootstrap path; its corruption mean
	// is robustness.Table.Mean of the per-cell F1 (metrics.F1Macro).
	c := newRobClassifier(t, ClassificationConfig{Resamples: 40})
	s, err := c.Robustness(robPreds(robLabels, robClean), robVariants(), RobustnessConfig{Metric: "macro_f1"})
	require.NoError(t, err)
	f1 := func(name string) float64 { return metrics.F1Macro(robCells[name], robLabels, 3, nil) }
	tab := robustness.Table{Values: map[string][]float64{"noise": {f1("noise@1"), f1("noise@2")}, "blur": {f1("blur@1"), f1("blur@2")}}}
	want, err := tab.Mean(nil)
	require.NoError(t, err)
	assert.InDelta(t, want, robSummary(t, s, SummaryMeanCorrupted).Value, robTol)
	assert.InDelta(t, metrics.F1Macro(robClean, robLabels, 3, nil), s.Clean.Value, robTol)
	assert.False(t, math.IsNaN(robSummary(t, s, SummaryMeanCorrupted).Low))
}

// robScores builds RobustnessScores for CorruptionError from accuracies.
func robScores(clean float64, cells map[string][]float64) *RobustnessScores {
	s := &RobustnessScores{Metric: "accuracy", Clean: MetricValue{Value: clean}}
	for _, p := range []string{"blur", "noise", "snow"} {
		for sev, a := range cells[p] {
			s.Cells = append(s.Cells, RobustnessCell{Perturbation: p, Severity: sev + 1, Value: MetricValue{Value: a}})
		}
		if cells[p] != nil {
			s.Corruptions = append(s.Corruptions, p)
		}
	}
	return s
}

func TestCorruptionError(t *testing.T) {
	// Model: the fixture (clean error 1/6; noise errors 1/3, 1/2; blur 0, 1/3).
	c := newRobClassifier(t, ClassificationConfig{})
	model, err := c.Robustness(robPreds(robLabels, robClean), robVariants(), RobustnessConfig{})
	require.NoError(t, err)
	// Baseline: clean accuracy 0.875 (error 0.125); noise accuracies 0.5,
	// 0.25 (errors 0.5, 0.75); blur 0.75, 0.5 (errors 0.25, 0.5).
	base := robScores(0.875, map[string][]float64{"noise": {0.5, 0.25}, "blur": {0.75, 0.5}, "snow": {0.5}})
	// CE_noise = (1/3+1/2)/(0.5+0.75) = 2/3; CE_blur = (0+1/3)/(0.25+0.5) = 4/9
	// mCE = (2/3+4/9)/2 = 5/9
	// relative: noise ((1/3−1/6)+(1/2−1/6)) / ((0.5−0.125)+(0.75−0.125)) = (1/2)/1 = 1/2
	//           blur  ((0−1/6)+(1/3−1/6)) / ((0.25−0.125)+(0.5−0.125)) = 0
	// relative mCE = 1/4
	ce, mce, rel, err := CorruptionError(model, base)
	require.NoError(t, err)
	assert.InDelta(t, 2.0/3, ce["noise"], robTol)
	assert.InDelta(t, 4.0/9, ce["blur"], robTol)
	assert.Len(t, ce, 2, "the baseline's extra corruption is ignored")
	assert.InDelta(t, 5.0/9, mce, robTol)
	assert.InDelta(t, 0.25, rel, robTol)

	// Cross-check with robustness.MCE on the same error tables.
	res, err := robustness.MCE(
		robustness.Table{Clean: 1.0 / 6, Values: map[string][]float64{"noise": {1.0 / 3, 1.0 / 2}, "blur": {0, 1.0 / 3}}},
		robustness.Table{Clean: 0.125, Values: map[string][]float64{"noise": {0.5, 0.75}, "blur": {0.25, 0.5}}})
	require.NoError(t, err)
	assert.InDelta(t, res.MCE, mce, robTol)
	assert.InDelta(t, res.RelativeMCE, rel, robTol)

	// Against itself: every CE is 1.
	_, mce, _, err = CorruptionError(model, model)
	require.NoError(t, err)
	assert.InDelta(t, 1.0, mce, robTol)

	for _, tc := range []struct {
		name            string
		model, baseline *RobustnessScores
		want            string
	}{
		{"nil", model, nil, "missing"},
		{"not accuracy", &RobustnessScores{Metric: "nll"}, base, `the model's robustness metric is "nll"`},
		{"missing corruption", model, robScores(0.9, map[string][]float64{"noise": {0.5, 0.25}}),
			`corruption "blur" missing from the baseline (it has noise)`},
		{"severities", model, robScores(0.9, map[string][]float64{"noise": {0.5, 0.25}, "blur": {0.5}}),
			`corruption "blur" has severities [1 2] for the model and [1] for the baseline`},
		{"zero baseline errors", model, robScores(0.9, map[string][]float64{"noise": {0.5, 0.25}, "blur": {1, 1}}),
			`baseline errors sum to 0`},
		{"undefined cell", robScores(0.9, map[string][]float64{"blur": {math.NaN()}}), base,
			"the model's accuracy on blur@1 is undefined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := CorruptionError(tc.model, tc.baseline)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func robSigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func TestEffectiveRobustness(t *testing.T) {
	// Three models exactly on logit(OOD) = 0.5·logit(ID) − 1, at logit(ID)
	// = −1, 0, 1: the fit recovers the line and every residual is 0.
	var on []ShiftPoint
	for i, x := range []float64{-1, 0, 1} {
		on = append(on, ShiftPoint{Model: fmt.Sprint("m", i), ID: robSigmoid(x), OOD: robSigmoid(0.5*x - 1)})
	}
	res, slope, icpt, err := EffectiveRobustness(on)
	require.NoError(t, err)
	assert.InDelta(t, 0.5, slope, 1e-12)
	assert.InDelta(t, -1, icpt, 1e-12)
	for m, r := range res {
		assert.InDelta(t, 0, r, 1e-12, m)
	}

	// In logit space: A(−1,−1), B(0,0), C(1,1) on y = x, and D(0,2) above.
	// By hand: x̄ = 0, ȳ = 1/2, Sxx = 2, Sxy = (−1)(−3/2) + 1·(1/2) = 2,
	// so slope 1, intercept 1/2, and ER = OOD − σ(x + 1/2):
	// A σ(−1)−σ(−1/2) = 0.2689414−0.3775407 = −0.1085992,
	// B 1/2−σ(1/2) = 0.5−0.6224593 = −0.1224593,
	// C σ(1)−σ(3/2) = 0.7310586−0.8175745 = −0.0865159,
	// D σ(2)−σ(1/2) = 0.8807971−0.6224593 = 0.2583377.
	pts := []ShiftPoint{
		{"A", robSigmoid(-1), robSigmoid(-1)}, {"B", 0.5, 0.5}, {"C", robSigmoid(1), robSigmoid(1)}, {"D", 0.5, robSigmoid(2)},
	}
	res, slope, icpt, err = EffectiveRobustness(pts)
	require.NoError(t, err)
	assert.InDelta(t, 1, slope, 1e-12)
	assert.InDelta(t, 0.5, icpt, 1e-12)
	want := map[string]float64{"A": -0.1085992, "B": -0.1224593, "C": -0.0865159, "D": 0.2583377}
	for m, w := range want {
		assert.InDelta(t, w, res[m], 1e-7, m)
	}

	for _, tc := range []struct {
		name string
		pts  []ShiftPoint
		want string
	}{
		{"one model", pts[:1], "need at least 2 models, have 1"},
		{"duplicate", []ShiftPoint{{"A", 0.6, 0.5}, {"A", 0.7, 0.5}}, `model "A" given twice`},
		{"accuracy 1", []ShiftPoint{{"A", 0.6, 0.5}, {"B", 1, 0.5}}, `model "B" has ID accuracy 1 and OOD accuracy 0.5`},
		{"NaN", []ShiftPoint{{"A", 0.6, 0.5}, {"B", 0.7, math.NaN()}}, `model "B"`},
		{"same ID", []ShiftPoint{{"A", 0.6, 0.5}, {"B", 0.6, 0.4}}, "same ID accuracy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := EffectiveRobustness(tc.pts)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// BenchmarkRobustness measures a Fashion-MNIST-sized robustness section:
// 10,000 examples, 10 classes, 11 perturbations × 5 severities, 1,000
// resamples.
func BenchmarkRobustness(b *testing.B) {
	const n, k = 10000, 10
	rng := rand.New(rand.NewPCG(5, 6))
	mk := func(flip float64) []Prediction {
		out := make([]Prediction, n)
		for i := range out {
			y := i % k
			pred := y
			if rng.Float64() < flip {
				pred = rng.IntN(k)
			}
			p := make([]float64, k)
			for j := range p {
				p[j] = 0.02
			}
			p[pred] = 1 - 0.02*float64(k-1)
			out[i] = Prediction{Index: i, Label: y, Pred: pred, Probs: p}
		}
		return out
	}
	clean := mk(0.1)
	var vs []VariantPredictions
	for p := range 11 {
		for s := 1; s <= 5; s++ {
			vs = append(vs, VariantPredictions{Perturbation: fmt.Sprint("p", p), Severity: s, Preds: mk(0.1 + 0.05*float64(s))})
		}
	}
	c := newRobClassifier(b, ClassificationConfig{Resamples: 1000})
	c.cfg.Classes = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	b.ResetTimer()
	for range b.N {
		if _, err := c.Robustness(clean, vs, RobustnessConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRobustnessZeroCleanValue(t *testing.T) {
	// Every clean prediction wrong: accuracy 0, so relative_drop (drop/0)
	// is undefined; absolute_drop = 0 − mean_corrupted stays defined.
	clean := robPreds(robLabels, []int{1, 2, 0, 1, 2, 0})
	c := newRobClassifier(t, ClassificationConfig{Resamples: 30})
	s, err := c.Robustness(clean, robVariants(), RobustnessConfig{})
	require.NoError(t, err)
	assert.Equal(t, 0.0, s.Clean.Value)
	rel := robSummary(t, s, SummaryRelativeDrop)
	assert.True(t, math.IsNaN(rel.Value))
	assert.Equal(t, "the clean value is 0", rel.Undefined)
	assert.True(t, math.IsNaN(rel.Low))
	assert.InDelta(t, -17.0/24, robSummary(t, s, SummaryAbsoluteDrop).Value, robTol)
	assert.Equal(t, 0.0, robSummary(t, s, SummaryWorstCaseAccuracy).Value)
}

func robB2F(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
