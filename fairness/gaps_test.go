package fairness

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gapFixture is ten examples in two groups, with hand-computed figures:
//
//	group f (0–3): labels 1 1 0 0, predictions 1 0 0 1: accuracy 2/4,
//	  selection rate 2/4, TPR 1/2, FPR 1/2;
//	group m (4–9): labels 1 1 1 0 0 0, predictions 1 1 0 0 0 1:
//	  accuracy 4/6, selection rate 3/6, TPR 2/3, FPR 1/3.
func gapFixture() (label, pred []int, attrs []Attribute) {
	label = []int{1, 1, 0, 0, 1, 1, 1, 0, 0, 0}
	pred = []int{1, 0, 0, 1, 1, 1, 0, 0, 0, 1}
	attrs = []Attribute{
		{Name: "sex", Values: []string{"f", "f", "f", "f", "m", "m", "m", "m", "m", "m"}},
		{Name: "age", Values: []string{"y", "y", "o", "o", "y", "y", "y", "o", "o", "o"}},
	}
	return label, pred, attrs
}

func identity(n int) []int {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return all
}

func TestMembers(t *testing.T) {
	_, _, attrs := gapFixture()
	m := Members(attrs, true)
	require.Len(t, m, 3, "sex, age, sex|age")
	assert.Equal(t, []int{0, 1, 2, 3}, m[0]["sex=f"])
	assert.Equal(t, []int{4, 5, 6, 7, 8, 9}, m[0]["sex=m"])
	assert.Equal(t, []int{2, 3, 7, 8, 9}, m[1]["age=o"])
	assert.Equal(t, []int{4, 5, 6}, m[2]["sex=m|age=y"])
	assert.Len(t, Members(attrs[:1], true), 1, "one attribute has no intersection")
	// The keys and sizes are those of Compute's groups.
	f, err := Compute(attrs, []Spec{{Name: "n", Fn: ScalarMetric(func(idx []int) float64 { return float64(len(idx)) })}}, Options{Intersect: true})
	require.NoError(t, err)
	for b, bd := range f.Metrics[0].Breakdowns {
		for _, g := range bd.Groups {
			assert.Len(t, m[b][g.Key], g.N, g.Key)
		}
	}
}

func TestSpreadAtIdentity(t *testing.T) {
	label, pred, attrs := gapFixture()
	acc := Accuracy(label, pred, nil)
	f, err := Compute(attrs[:1], []Spec{{Name: "accuracy", Fn: acc, HigherIsBetter: true}}, Options{MinGroupSize: 1})
	require.NoError(t, err)
	bd := f.Metrics[0].Breakdowns[0]
	s := NewSpread(bd, Members(attrs[:1], false)[0], len(label), acc)
	all := identity(len(label))
	// 4/6 − 2/4 (hand count, gapFixture).
	assert.InDelta(t, 4.0/6-2.0/4, s.Difference(all), 1e-12)
	assert.InDelta(t, bd.DifferenceBetween.V, s.Difference(all), 1e-12)
	assert.InDelta(t, bd.DifferenceBetween.V, s.PairDifference(all), 1e-12)
	// A resample without group f leaves the fixed pair undefined and one
	// defined group of two, so no gap either.
	assert.True(t, math.IsNaN(s.PairDifference([]int{4, 5, 6})))
	assert.True(t, math.IsNaN(s.Difference([]int{4, 5, 6})))
	// Resampled with replacement: f = {0, 0, 1} (accuracy 2/3), m = {7, 9}
	// (accuracy 1/2); the fixed pair is m − f, the re-chosen gap |…|.
	assert.InDelta(t, 0.5-2.0/3, s.PairDifference([]int{0, 0, 1, 7, 9}), 1e-12)
	assert.InDelta(t, 2.0/3-0.5, s.Difference([]int{0, 0, 1, 7, 9}), 1e-12)
}

func TestConfusionCell(t *testing.T) {
	for _, tc := range []struct{ y, p, want int }{
		{1, 1, CellTP}, {0, 1, CellFP}, {0, 0, CellTN}, {1, 0, CellFN},
	} {
		assert.Equal(t, tc.want, ConfusionCell(tc.y, tc.p), "y=%d p=%d", tc.y, tc.p)
	}
}

// TestCriteriaStatsAtIdentity checks the cell forms against BinaryCriteria
// and the hand figures of gapFixture: at the full counts each statistic is
// the reported criterion.
func TestCriteriaStatsAtIdentity(t *testing.T) {
	label, pred, attrs := gapFixture()
	attrs = attrs[:1]
	rep, err := BinaryCriteria(label, pred, nil, attrs, Options{MinGroupSize: 1})
	require.NoError(t, err)
	members := Members(attrs, false)[0]
	sel, tpr, fpr := rep.Frame.Metric(NameSelectionRate).Breakdowns[0], rep.Frame.Metric(NameTruePositiveRate).Breakdowns[0], rep.Frame.Metric(NameFalsePositiveRate).Breakdowns[0]
	cells := TallyCells(sel, members, 4, func(i int) int { return ConfusionCell(label[i], pred[i]) })
	for _, tc := range []struct {
		agg  Agg
		hand []float64 // dp diff, dp ratio, eo diff, eo ratio, eopp diff, eopp ratio
	}{
		// Selection rates 1/2 and 1/2; TPR 1/2 and 2/3; FPR 1/2 and 1/3.
		{WorstCase, []float64{0, 1, 1.0 / 6, (1.0 / 3) / (1.0 / 2), 1.0 / 6, 0.75}},
		{Mean, []float64{0, 1, 1.0 / 6, (0.75 + 2.0/3) / 2, 1.0 / 6, 0.75}},
	} {
		stats := CriteriaStats(RateCells(sel, Confusion.SelectionRate), RateCells(tpr, Confusion.TruePositiveRate), RateCells(fpr, Confusion.FalsePositiveRate), tc.agg)
		values := rep.BetweenGroups[0].Values(tc.agg)
		require.Len(t, stats, len(CriterionNames()))
		for j, name := range CriterionNames() {
			assert.InDelta(t, tc.hand[j], values[j].V, 1e-12, "%s %s", tc.agg, name)
			assert.InDelta(t, values[j].V, cells.Statistic(stats[j]), 1e-12, "%s %s", tc.agg, name)
		}
	}
	// Accuracy from correct/wrong cells: 2/4 and 4/6.
	accBD := func() Breakdown {
		f, err := Compute(attrs, []Spec{{Name: "accuracy", Fn: Accuracy(label, pred, nil), HigherIsBetter: true}}, Options{MinGroupSize: 1})
		require.NoError(t, err)
		return f.Metrics[0].Breakdowns[0]
	}()
	acc := AccuracyCells(accBD)
	assert.Equal(t, 2, acc.Width())
	ac := TallyCells(accBD, members, 2, func(i int) int {
		if label[i] == pred[i] {
			return CellCorrect
		}
		return CellWrong
	})
	assert.InDelta(t, 4.0/6-0.5, ac.Statistic(acc.Difference), 1e-12)
	assert.InDelta(t, 0.5/(4.0/6), ac.Statistic(acc.Ratio), 1e-12)
	assert.InDelta(t, 4.0/6-0.5, ac.Statistic(acc.PairDifference), 1e-12)
}

func TestCellsBootstrap(t *testing.T) {
	label, pred, attrs := gapFixture()
	attrs = attrs[:1]
	f, err := Compute(attrs, []Spec{{Name: "accuracy", Fn: Accuracy(label, pred, nil), HigherIsBetter: true}}, Options{MinGroupSize: 1})
	require.NoError(t, err)
	bd := f.Metrics[0].Breakdowns[0]
	cells := TallyCells(bd, Members(attrs, false)[0], 2, func(i int) int {
		if label[i] == pred[i] {
			return CellCorrect
		}
		return CellWrong
	})
	acc := AccuracyCells(bd)
	a := cells.Bootstrap([]func([]float64, int) float64{acc.PairDifference}, 200, 0.9, 7)
	b := cells.Bootstrap([]func([]float64, int) float64{acc.PairDifference}, 200, 0.9, 7)
	require.Len(t, a, 1)
	assert.Equal(t, a, b, "same seed, same interval")
	assert.LessOrEqual(t, a[0].Low, bd.DifferenceBetween.V)
	assert.GreaterOrEqual(t, a[0].High, bd.DifferenceBetween.V)
}

func TestResolveAndByMethod(t *testing.T) {
	m, a := Resolve("", "")
	assert.Equal(t, MethodBetweenGroups, m)
	assert.Equal(t, WorstCase, a)
	m, a = Resolve(MethodToOverall, Mean)
	assert.Equal(t, MethodToOverall, m)
	assert.Equal(t, Mean, a)
	r := &BinaryReport{BetweenGroups: []Criteria{{Attribute: "between"}}, ToOverall: []Criteria{{Attribute: "overall"}}}
	assert.Equal(t, "between", r.ByMethod(MethodBetweenGroups)[0].Attribute)
	assert.Equal(t, "overall", r.ByMethod(MethodToOverall)[0].Attribute)
	assert.Equal(t, "between", r.ByMethod("")[0].Attribute)
}

func TestExtremes(t *testing.T) {
	bd := Breakdown{Min: Of(0.2), Max: Of(0.9)}
	w, b := bd.Extremes(true)
	assert.Equal(t, []float64{0.2, 0.9}, []float64{w.V, b.V})
	w, b = bd.Extremes(false)
	assert.Equal(t, []float64{0.9, 0.2}, []float64{w.V, b.V})
}
