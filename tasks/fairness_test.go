package tasks

import (
	"fmt"
	"math"
	"testing"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tol = 1e-12

// pr builds a binary prediction: probability 0.9 on the predicted class.
func pr(label, pred int, groups ...string) Prediction {
	probs := []float64{0.9, 0.1}
	if pred == 1 {
		probs = []float64{0.1, 0.9}
	}
	return Prediction{Label: label, Pred: pred, Probs: probs, Groups: groups}
}

var groupNames = []string{"sex", "age"}

// handFixture is the hand-computed fixture of these tests: ten examples of
// a binary task (class 1 "pos" is positive) with two attributes.
//
//	#  y ŷ sex    age      #  y ŷ sex  age
//	1  1 1 female young    7  1 1 male young
//	2  1 0 female young    8  0 0 male young
//	3  0 0 female old      9  0 0 male old
//	4  0 1 female old     10  1 0 male old
//	5  1 1 female old
//	6  0 0 female young
//
// By hand:
//
//	group   n  accuracy  selection  TPR        FPR
//	female  6  4/6       3/6        2/3 (2/3)  1/3 (1/3)
//	male    4  3/4       1/4        1/2 (1/2)  0   (0/2)
//	young   5  4/5       2/5        2/3 (2/3)  0   (0/2)
//	old     5  3/5       2/5        1/2 (1/2)  1/3 (1/3)
//
// Intersections (accuracy): female&old 2/3 (n 3), female&young 2/3 (n 3),
// male&old 1/2 (n 2), male&young 1 (n 2).
func handFixture() []Prediction {
	return []Prediction{
		pr(1, 1, "female", "young"), pr(1, 0, "female", "young"), pr(0, 0, "female", "old"),
		pr(0, 1, "female", "old"), pr(1, 1, "female", "old"), pr(0, 0, "female", "young"),
		pr(1, 1, "male", "young"), pr(0, 0, "male", "young"), pr(0, 0, "male", "old"),
		pr(1, 0, "male", "old"),
	}
}

func newBinary(t *testing.T, cfg ClassificationConfig) *Classifier {
	t.Helper()
	cfg.Classes = []string{"neg", "pos"}
	c, err := NewClassifier(cfg)
	require.NoError(t, err)
	return c
}

func group(t *testing.T, s *FairnessScores, attr, value string) GroupScore {
	t.Helper()
	for _, g := range s.Groups {
		if g.Attribute == attr && g.Value == value {
			return g
		}
	}
	require.Failf(t, "no group", "%s=%s", attr, value)
	return GroupScore{}
}

func (g GroupScore) metric(t *testing.T, name string) MetricValue {
	t.Helper()
	for _, m := range g.Metrics {
		if m.Name == name {
			return m
		}
	}
	require.Failf(t, "no metric", "%s in %s=%s", name, g.Attribute, g.Value)
	return MetricValue{}
}

func summary(t *testing.T, s *FairnessScores, attr, metric string) GroupSummary {
	t.Helper()
	for _, x := range s.Summaries {
		if x.Attribute == attr && x.Metric == metric {
			return x
		}
	}
	require.Failf(t, "no summary", "%s %s", attr, metric)
	return GroupSummary{}
}

func criterion(t *testing.T, s *FairnessScores, name string) MetricValue {
	t.Helper()
	for _, m := range s.Criteria {
		if m.Name == name {
			return m
		}
	}
	require.Failf(t, "no criterion", name)
	return MetricValue{}
}

func TestFairnessHandFixture(t *testing.T) {
	t.Parallel()
	c := newBinary(t, ClassificationConfig{Metrics: []string{"accuracy", "nll", "ece"}})
	s, err := c.Fairness(handFixture(), groupNames, FairnessConfig{
		MinGroupSize: 2, Positive: 1,
		Metrics: []string{"accuracy", "selection_rate", "tpr", "fpr", "nll", "ece"},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"sex", "age"}, s.Attributes)
	assert.Equal(t, 10, s.N)
	assert.Equal(t, 2, s.MinGroupN)

	type want struct {
		attr, value        string
		n                  int
		acc, sel, tpr, fpr float64
	}
	for _, w := range []want{
		{"sex", "female", 6, 4.0 / 6, 3.0 / 6, 2.0 / 3, 1.0 / 3},
		{"sex", "male", 4, 3.0 / 4, 1.0 / 4, 1.0 / 2, 0},
		{"age", "young", 5, 4.0 / 5, 2.0 / 5, 2.0 / 3, 0},
		{"age", "old", 5, 3.0 / 5, 2.0 / 5, 1.0 / 2, 1.0 / 3},
	} {
		g := group(t, s, w.attr, w.value)
		assert.Equal(t, w.n, g.N, w.value)
		assert.False(t, g.Small, w.value)
		assert.InDelta(t, w.acc, g.metric(t, "accuracy").Value, tol, w.value)
		assert.InDelta(t, w.sel, g.metric(t, "selection_rate").Value, tol, w.value)
		assert.InDelta(t, w.tpr, g.metric(t, "tpr").Value, tol, w.value)
		assert.InDelta(t, w.fpr, g.metric(t, "fpr").Value, tol, w.value)
		assert.True(t, math.IsNaN(g.metric(t, "accuracy").Low), "no resamples, no interval")
	}

	// Worst/best respect direction; selection_rate has none.
	for _, w := range []struct {
		attr, metric, worst, best  string
		worstV, bestV, diff, ratio float64
	}{
		{"sex", "accuracy", "female", "male", 4.0 / 6, 3.0 / 4, 3.0/4 - 4.0/6, (4.0 / 6) / (3.0 / 4)},
		{"sex", "tpr", "male", "female", 1.0 / 2, 2.0 / 3, 2.0/3 - 1.0/2, 0.75},
		{"sex", "fpr", "female", "male", 1.0 / 3, 0, 1.0 / 3, 0},
		{"age", "accuracy", "old", "young", 3.0 / 5, 4.0 / 5, 1.0 / 5, 0.75},
	} {
		sm := summary(t, s, w.attr, w.metric)
		assert.Equal(t, w.worst, sm.Worst, "%s %s", w.attr, w.metric)
		assert.Equal(t, w.best, sm.Best, "%s %s", w.attr, w.metric)
		assert.InDelta(t, w.worstV, sm.WorstValue, tol)
		assert.InDelta(t, w.bestV, sm.BestValue, tol)
		assert.InDelta(t, w.diff, sm.Difference, tol, "%s %s", w.attr, w.metric)
		assert.InDelta(t, w.ratio, sm.Ratio, tol, "%s %s", w.attr, w.metric)
		assert.True(t, math.IsNaN(sm.DiffLow))
	}
	sel := summary(t, s, "sex", "selection_rate")
	assert.Empty(t, sel.Worst)
	assert.Empty(t, sel.Best)
	assert.True(t, math.IsNaN(sel.WorstValue))
	assert.InDelta(t, 0.25, sel.Difference, tol)
	assert.InDelta(t, 0.5, sel.Ratio, tol)
	// NLL and ECE are lower-is-better: the worst group has the larger value.
	ece := summary(t, s, "sex", "ece")
	assert.GreaterOrEqual(t, ece.WorstValue, ece.BestValue)

	// Criteria by hand (sex): DP 1/2 − 1/4; EO max(TPR gap 1/6, FPR gap
	// 1/3) and min(TPR ratio 3/4, FPR ratio 0/(1/3)); EOpp = TPR gap.
	// (age): DP 0 and ratio 1; EO max(1/6, 1/3), EOpp 1/6.
	for name, v := range map[string]float64{
		"demographic_parity_difference:sex": 0.25, "demographic_parity_ratio:sex": 0.5,
		"equalized_odds_difference:sex": 1.0 / 3, "equalized_odds_ratio:sex": 0,
		"equal_opportunity_difference:sex": 1.0 / 6, "equal_opportunity_ratio:sex": 0.75,
		"demographic_parity_difference:age": 0, "demographic_parity_ratio:age": 1,
		"equalized_odds_difference:age": 1.0 / 3, "equal_opportunity_difference:age": 1.0 / 6,
	} {
		m := criterion(t, s, name)
		assert.InDelta(t, v, m.Value, tol, name)
		assert.Equal(t, "pos", m.Spec["positive"])
	}
	assert.False(t, criterion(t, s, "demographic_parity_difference:sex").HigherIsBetter)
	assert.True(t, criterion(t, s, "demographic_parity_ratio:sex").HigherIsBetter)
	assert.Len(t, s.Criteria, 12, "6 criteria × 2 attributes")
}

// TestFairnessCriteriaMatchLibrary checks the criteria against
// fairness.BinaryCriteria called directly on the same labels.
func TestFairnessCriteriaMatchLibrary(t *testing.T) {
	t.Parallel()
	preds := handFixture()
	c := newBinary(t, ClassificationConfig{})
	s, err := c.Fairness(preds, groupNames, FairnessConfig{MinGroupSize: 1, Positive: 1, Intersections: true})
	require.NoError(t, err)
	label, pred := make([]int, len(preds)), make([]int, len(preds))
	sex, age := make([]string, len(preds)), make([]string, len(preds))
	for i, p := range preds {
		label[i], pred[i], sex[i], age[i] = p.Label, p.Pred, p.Groups[0], p.Groups[1]
	}
	rep, err := fairness.BinaryCriteria(label, pred, nil,
		[]fairness.Attribute{{Name: "sex", Values: sex}, {Name: "age", Values: age}}, fairness.Options{MinGroupSize: 1, Intersect: true})
	require.NoError(t, err)
	require.Len(t, rep.BetweenGroups, 3)
	for _, cr := range rep.BetweenGroups {
		attr := displayAttribute(cr.Attribute)
		assert.InDelta(t, cr.DemographicParityDifference.V, criterion(t, s, "demographic_parity_difference:"+attr).Value, tol)
		assert.InDelta(t, cr.EqualizedOddsDifference.V, criterion(t, s, "equalized_odds_difference:"+attr).Value, tol)
		assert.InDelta(t, cr.EqualizedOddsRatio.V, criterion(t, s, "equalized_odds_ratio:"+attr).Value, tol)
		assert.InDelta(t, cr.EqualOpportunityRatio.V, criterion(t, s, "equal_opportunity_ratio:"+attr).Value, tol)
	}
}

// TestFairnessGroupsMatchScore checks that a group's metrics are exactly
// what Score reports on the group's predictions alone (same metric code,
// same invalid policy).
func TestFairnessGroupsMatchScore(t *testing.T) {
	t.Parallel()
	names := []string{"accuracy", "macro_f1", "nll", "brier", "ece", "auroc"}
	for _, policy := range []InvalidPolicy{InvalidWrong, InvalidExclude} {
		preds := handFixture()
		// An invalid output in group female/old, and an unlabelled example.
		bad := pr(1, 1, "female", "old")
		bad.Invalid, bad.Probs, bad.Pred = "nan", []float64{math.NaN(), math.NaN()}, -1
		unl := pr(-1, 1, "male", "old")
		preds = append(preds, bad, unl)
		c := newBinary(t, ClassificationConfig{Metrics: names, Invalid: policy})
		s, err := c.Fairness(preds, groupNames, FairnessConfig{MinGroupSize: 1, Positive: -1})
		require.NoError(t, err)
		assert.Equal(t, 1, s.Invalid)
		assert.Empty(t, s.Criteria, "binary task without a positive class: no criteria")
		for _, w := range []struct{ attr, value string }{{"sex", "female"}, {"sex", "male"}, {"age", "old"}} {
			col := map[string]int{"sex": 0, "age": 1}[w.attr]
			var sub []Prediction
			for _, p := range preds {
				if p.Groups[col] == w.value {
					sub = append(sub, p)
				}
			}
			want, err := c.Score(sub)
			require.NoError(t, err)
			g := group(t, s, w.attr, w.value)
			assert.Equal(t, want.N, g.N, "%s %s", policy, w.value)
			for _, m := range want.Metrics {
				got := g.metric(t, m.Name)
				if math.IsNaN(m.Value) {
					assert.True(t, math.IsNaN(got.Value), "%s %s %s", policy, w.value, m.Name)
					continue
				}
				assert.InDelta(t, m.Value, got.Value, tol, "%s %s %s", policy, w.value, m.Name)
			}
		}
		// female: 6 valid (4 correct) + the invalid one: wrong → 4/7, exclude → 4/6.
		acc := group(t, s, "sex", "female").metric(t, "accuracy").Value
		if policy == InvalidWrong {
			assert.InDelta(t, 4.0/7, acc, tol)
		} else {
			assert.InDelta(t, 4.0/6, acc, tol)
		}
	}
}

func TestFairnessSmallGroupsAndIntersections(t *testing.T) {
	t.Parallel()
	c := newBinary(t, ClassificationConfig{})
	s, err := c.Fairness(handFixture(), groupNames, FairnessConfig{MinGroupSize: 3, Positive: 1, Intersections: true, Metrics: []string{"accuracy"}})
	require.NoError(t, err)
	// Cells in sorted order; the male cells (n = 2) are small.
	var cells []string
	for _, g := range s.Groups {
		if g.Attribute == "sex & age" {
			cells = append(cells, g.Value)
		}
	}
	assert.Equal(t, []string{"sex=female & age=old", "sex=female & age=young", "sex=male & age=old", "sex=male & age=young"}, cells)
	mo := group(t, s, "sex & age", "sex=male & age=old")
	assert.True(t, mo.Small)
	assert.Equal(t, 2, mo.N)
	assert.InDelta(t, 0.5, mo.metric(t, "accuracy").Value, tol, "small groups are still reported")
	assert.InDelta(t, 1.0, group(t, s, "sex & age", "sex=male & age=young").metric(t, "accuracy").Value, tol)
	// Only the female cells (2/3 each) are eligible: gap 0, ratio 1, and the
	// tie goes to the first cell. With the male cells the gap would be 1/2.
	sm := summary(t, s, "sex & age", "accuracy")
	assert.InDelta(t, 0, sm.Difference, tol)
	assert.InDelta(t, 1, sm.Ratio, tol)
	assert.Equal(t, "sex=female & age=old", sm.Worst)
	// Per attribute, male (n = 4) is not small.
	assert.False(t, group(t, s, "sex", "male").Small)

	all, err := c.Fairness(handFixture(), groupNames, FairnessConfig{MinGroupSize: 1, Positive: 1, Intersections: true, Metrics: []string{"accuracy"}})
	require.NoError(t, err)
	sm = summary(t, all, "sex & age", "accuracy")
	assert.InDelta(t, 0.5, sm.Difference, tol)
	assert.Equal(t, "sex=male & age=old", sm.Worst)
	assert.Equal(t, "sex=male & age=young", sm.Best)
	assert.InDelta(t, 0.25, criterion(t, all, "demographic_parity_difference:sex").Value, tol)
	// Intersection DP by hand: selection female&old 2/3, female&young 1/3,
	// male&old 0, male&young 1/2 → 2/3.
	assert.InDelta(t, 2.0/3, criterion(t, all, "demographic_parity_difference:sex & age").Value, tol)

	// The default minimum (30) flags every group of this fixture, so no
	// summary or criterion is defined, and nothing panics.
	def, err := c.Fairness(handFixture(), groupNames, FairnessConfig{Positive: 1, Metrics: []string{"accuracy"}})
	require.NoError(t, err)
	assert.Equal(t, DefaultMinGroupSize, def.MinGroupN)
	sm = summary(t, def, "sex", "accuracy")
	assert.True(t, math.IsNaN(sm.Difference))
	assert.Equal(t, "no eligible group", sm.Undefined)
	assert.Empty(t, sm.Worst)
	assert.True(t, math.IsNaN(criterion(t, def, "equalized_odds_difference:sex").Value))
}

func TestFairnessEmptyGroupsAndUndefined(t *testing.T) {
	t.Parallel()
	// An intersection with an empty cell (female&mid has no example), a
	// group without positives (TPR undefined) and one with a single class
	// (AUROC undefined): all reported, none crash.
	preds := []Prediction{
		pr(0, 0, "female", "old"), pr(0, 1, "female", "old"), pr(1, 1, "male", "old"),
		pr(0, 0, "male", "mid"), pr(1, 0, "male", "mid"),
	}
	c := newBinary(t, ClassificationConfig{Resamples: 50, Seed: 3})
	s, err := c.Fairness(preds, groupNames, FairnessConfig{MinGroupSize: 1, Positive: 1, Intersections: true,
		Metrics: []string{"accuracy", "tpr", "auroc", "ece"}})
	require.NoError(t, err)
	e := group(t, s, "sex & age", "sex=female & age=mid")
	assert.Equal(t, 0, e.N)
	for _, m := range e.Metrics {
		assert.True(t, math.IsNaN(m.Value), m.Name)
		assert.Equal(t, "empty group", m.Undefined, m.Name)
	}
	f := group(t, s, "sex", "female")
	assert.True(t, math.IsNaN(f.metric(t, "tpr").Value))
	assert.Contains(t, f.metric(t, "tpr").Undefined, "no positive examples")
	assert.True(t, math.IsNaN(f.metric(t, "auroc").Value))
	assert.NotEmpty(t, f.metric(t, "auroc").Undefined)
	// TPR: female has no positives → undefined and left out; male has a TP
	// (example 3) and an FN (example 5) → 1/2; one eligible group → no gap.
	assert.True(t, math.IsNaN(summary(t, s, "sex", "tpr").Difference))
	assert.Contains(t, summary(t, s, "sex", "tpr").Undefined, "only one group is eligible")
	assert.True(t, math.IsNaN(criterion(t, s, "equal_opportunity_difference:sex").Value))
}

func TestFairnessIntervalsDeterministic(t *testing.T) {
	t.Parallel()
	cfg := FairnessConfig{MinGroupSize: 2, Positive: 1, Metrics: []string{"accuracy", "selection_rate", "ece"}}
	run := func(seed uint64) *FairnessScores {
		c := newBinary(t, ClassificationConfig{Resamples: 200, Seed: seed})
		s, err := c.Fairness(handFixture(), groupNames, cfg)
		require.NoError(t, err)
		return s
	}
	a, b, other := run(7), run(7), run(8)
	// %v prints NaN as NaN, so equal NaN fields compare equal.
	assert.Equal(t, fmt.Sprintf("%v", a), fmt.Sprintf("%v", b), "same seed, same intervals")
	assert.NotEqual(t, fmt.Sprintf("%v", a.Summaries), fmt.Sprintf("%v", other.Summaries), "another seed, other intervals")

	for _, sm := range a.Summaries {
		require.False(t, math.IsNaN(sm.DiffLow), "%s %s", sm.Attribute, sm.Metric)
		assert.LessOrEqual(t, sm.DiffLow, sm.DiffHigh)
		// The interval is that of the fixed pair's difference (max group
		// minus min group of the full sample), so it holds the estimate and
		// may reach below zero when the order of the two groups is uncertain.
		assert.LessOrEqual(t, sm.DiffLow, sm.Difference, "%s %s", sm.Attribute, sm.Metric)
		assert.GreaterOrEqual(t, sm.DiffHigh, sm.Difference, "%s %s", sm.Attribute, sm.Metric)
	}
	fa := group(t, a, "sex", "female").metric(t, "accuracy")
	assert.Equal(t, 200, fa.Resamples)
	assert.LessOrEqual(t, fa.Low, 4.0/6)
	assert.GreaterOrEqual(t, fa.High, 4.0/6)
	dp := criterion(t, a, "demographic_parity_difference:sex")
	assert.LessOrEqual(t, dp.Low, dp.High)
	assert.Equal(t, 0.95, dp.Level)
	// A group's interval is Score's interval on the group's predictions,
	// with the task seed XOR the FNV-1a hash of "group\x00<key>".
	var female []Prediction
	for _, p := range handFixture() {
		if p.Groups[0] == "female" {
			female = append(female, p)
		}
	}
	gc := newBinary(t, ClassificationConfig{Resamples: 200, Seed: metrics.SubSeed(7, "group\x00sex=female"), Metrics: []string{"accuracy", "ece"}})
	want, err := gc.Score(female)
	require.NoError(t, err)
	for _, m := range want.Metrics {
		got := group(t, a, "sex", "female").metric(t, m.Name)
		assert.Equal(t, m.Low, got.Low, m.Name)
		assert.Equal(t, m.High, got.High, m.Name)
	}
}

// TestSpreadAtIdentityEqualsSummary checks that the bootstrap statistic,
// applied to the unresampled examples, gives back the reported gap: the
// interval is of the same estimator.
func TestSpreadAtIdentityEqualsSummary(t *testing.T) {
	t.Parallel()
	preds := handFixture()
	c := newBinary(t, ClassificationConfig{})
	d, _ := c.prepare(preds)
	sex := make([]string, len(preds))
	for i, p := range preds {
		sex[i] = p.Groups[0]
	}
	attrs := []fairness.Attribute{{Name: "sex", Values: sex}}
	v := c.newView(d, 1)
	for _, name := range []string{"accuracy", "fpr", "nll"} {
		f, err := fairness.Compute(attrs, []fairness.Spec{{Name: name, Fn: v.fn(name)}}, fairness.Options{MinGroupSize: 1})
		require.NoError(t, err)
		bd := f.Metrics[0].Breakdowns[0]
		sp := fairness.NewSpread(bd, fairness.Members(attrs, false)[0], len(d.label), v.fn(name))
		all := make([]int, len(d.label))
		for i := range all {
			all[i] = i
		}
		assert.InDelta(t, bd.DifferenceBetween.V, sp.Difference(all), tol, name)
	}
	// The cell form (multinomial bootstrap) on the full counts gives back
	// the gap and ratio too.
	for _, name := range []string{"accuracy", "selection_rate", "tpr", "fpr"} {
		f, err := fairness.Compute(attrs, []fairness.Spec{{Name: name, Fn: v.fn(name)}}, fairness.Options{MinGroupSize: 1})
		require.NoError(t, err)
		bd := f.Metrics[0].Breakdowns[0]
		cs := v.cellStat(name, bd)
		require.NotNil(t, cs, name)
		l := v.cells(bd, fairness.Members(attrs, false)[0], cs.Width())
		assert.InDelta(t, bd.DifferenceBetween.V, l.Statistic(cs.Difference), tol, name)
		assert.InDelta(t, bd.RatioBetween.V, l.Statistic(cs.Ratio), tol, name)
	}
	assert.Nil(t, v.cellStat("nll", fairness.Breakdown{}))
}

func TestFairnessMulticlassOneVsRest(t *testing.T) {
	t.Parallel()
	// Three classes; group a: y 0 1 2, ŷ 0 1 1; group b: y 0 2 2, ŷ 2 2 2
	// (the fixture of fairness.TestMulticlassCriteria). Class 2 one-vs-rest:
	// selection a 0/3, b 3/3 → DP difference 1; TPR a 0/1, b 2/2 → EOpp 1.
	mk := func(y, p int, g string) Prediction {
		probs := []float64{0.1, 0.1, 0.1}
		probs[p] = 0.8
		return Prediction{Label: y, Pred: p, Probs: probs, Groups: []string{g}}
	}
	preds := []Prediction{mk(0, 0, "a"), mk(1, 1, "a"), mk(2, 1, "a"), mk(0, 2, "b"), mk(2, 2, "b"), mk(2, 2, "b")}
	c, err := NewClassifier(ClassificationConfig{Classes: []string{"x", "y", "z"}})
	require.NoError(t, err)
	s, err := c.Fairness(preds, []string{"g"}, FairnessConfig{MinGroupSize: 1, Positive: -1, Metrics: []string{"accuracy"}})
	require.NoError(t, err)
	assert.Len(t, s.Criteria, 18, "6 criteria × 3 classes")
	assert.InDelta(t, 1, criterion(t, s, "demographic_parity_difference:g:class=z").Value, tol)
	assert.InDelta(t, 1, criterion(t, s, "equal_opportunity_difference:g:class=z").Value, tol)
	assert.InDelta(t, 1, criterion(t, s, "equal_opportunity_difference:g:class=x").Value, tol)
	assert.Equal(t, "z", criterion(t, s, "demographic_parity_difference:g:class=z").Spec["positive"])

	one, err := c.Fairness(preds, []string{"g"}, FairnessConfig{MinGroupSize: 1, Positive: 2, Metrics: []string{"accuracy", "selection_rate"}})
	require.NoError(t, err)
	assert.Len(t, one.Criteria, 6)
	assert.InDelta(t, 1, criterion(t, one, "demographic_parity_difference:g").Value, tol)
	assert.InDelta(t, 1, group(t, one, "g", "b").metric(t, "selection_rate").Value, tol)
}

func TestFairnessErrors(t *testing.T) {
	t.Parallel()
	c := newBinary(t, ClassificationConfig{})
	tests := []struct {
		name  string
		preds []Prediction
		names []string
		cfg   FairnessConfig
		want  string
	}{
		{"unknown attribute", handFixture(), groupNames, FairnessConfig{Attributes: []string{"race"}},
			`unknown group attribute "race"; the dataset's group attributes are sex, age`},
		{"no attributes", handFixture(), nil, FairnessConfig{}, "declares no group attributes"},
		{"attribute twice", handFixture(), groupNames, FairnessConfig{Attributes: []string{"sex", "sex"}}, "listed twice"},
		{"negative minimum", handFixture(), groupNames, FairnessConfig{MinGroupSize: -1}, "negative"},
		{"positive out of range", handFixture(), groupNames, FairnessConfig{Positive: 2}, "positive class 2"},
		{"unknown metric", handFixture(), groupNames, FairnessConfig{Metrics: []string{"acc"}}, `unknown metric "acc"; known metrics are accuracy`},
		{"rate without positive", handFixture(), groupNames, FairnessConfig{Positive: -1, Metrics: []string{"tpr"}}, "needs a positive class"},
		{"group count", []Prediction{pr(1, 1, "female")}, groupNames, FairnessConfig{}, "prediction 0 (example 0) has 1 group values for 2 group attributes (sex, age)"},
		{"label out of range", []Prediction{pr(2, 1, "female", "old")}, groupNames, FairnessConfig{}, "label 2 is not"},
		{"nothing to score", []Prediction{pr(-1, 1, "female", "old")}, groupNames, FairnessConfig{}, "no examples to score"},
		{"separator in name", handFixture(), []string{"a|b", "age"}, FairnessConfig{}, "must not contain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Fairness(tc.preds, tc.names, tc.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := c.Fairness([]Prediction{pr(-1, 1, "female", "old")}, groupNames, FairnessConfig{})
	assert.ErrorIs(t, err, ErrNoExamples)
}

// counterfactualFixture, by hand:
//
//	i  y  ŷ  ŷ'  changed  flip
//	0  1  1  0   yes      yes
//	1  0  0  0   yes      no
//	2  1  0  1   yes      yes
//	3  0  1  1   yes      no
//	4  1  1  0   no       (not counted; ŷ' ignored)
//	5  0  0  1   yes      yes
//
// Changed 5, flipped 3 → flip rate 3/5; Wilson 95% interval for 3/5 is
// (0.230724, 0.882379) (z = 1.959964, Wilson 1927 formula in Python).
// Accuracy original: correct 0, 1, 4, 5 → 4/6. Counterfactual with
// example 4 kept: predictions 0 0 1 1 1 1 → correct 1, 2, 4 → 3/6. Delta
// −1/6.
func counterfactualFixture() (orig, cf []Prediction, changed []bool) {
	y := []int{1, 0, 1, 0, 1, 0}
	p := []int{1, 0, 0, 1, 1, 0}
	q := []int{0, 0, 1, 1, 0, 1}
	for i := range y {
		orig = append(orig, pr(y[i], p[i]))
		cf = append(cf, pr(y[i], q[i]))
	}
	return orig, cf, []bool{true, true, true, true, false, true}
}

func TestCounterfactualHand(t *testing.T) {
	t.Parallel()
	orig, cf, changed := counterfactualFixture()
	c := newBinary(t, ClassificationConfig{})
	s, err := c.Counterfactual("sex=female→male", orig, cf, changed, "")
	require.NoError(t, err)
	assert.Equal(t, 5, s.Changed)
	assert.InDelta(t, 0.6, s.FlipRate.Value, tol)
	assert.Equal(t, 5, s.FlipRate.N)
	assert.InDelta(t, 0.23072428127601297, s.FlipRate.Low, 1e-9)
	assert.InDelta(t, 0.8823792257673521, s.FlipRate.High, 1e-9)
	assert.Equal(t, "wilson", s.FlipRate.Method)
	assert.Equal(t, "accuracy_delta", s.MetricDelta.Name)
	assert.InDelta(t, -1.0/6, s.MetricDelta.Value, tol)
	assert.Equal(t, 6, s.MetricDelta.N)
	assert.True(t, math.IsNaN(s.MetricDelta.Low), "no resamples, no interval")

	// The same delta from fairness.MetricChange with metrics.Accuracy.
	label, op, cp := make([]int, 6), make([]int, 6), make([]int, 6)
	for i := range orig {
		label[i], op[i], cp[i] = orig[i].Label, orig[i].Pred, cf[i].Pred
	}
	ch, err := fairness.MetricChange(func(p []int) float64 { return metrics.Accuracy(p, label, nil) }, op,
		[]fairness.Counterfactual{{Name: "x", Pred: cp, Changed: changed}})
	require.NoError(t, err)
	assert.InDelta(t, ch[0].Delta.V, s.MetricDelta.Value, tol)

	// With resamples: a seeded paired bootstrap, the same for the same seed.
	cb := newBinary(t, ClassificationConfig{Resamples: 300, Seed: 1})
	s1, err := cb.Counterfactual("swap", orig, cf, changed, "nll")
	require.NoError(t, err)
	s2, err := cb.Counterfactual("swap", orig, cf, changed, "nll")
	require.NoError(t, err)
	assert.Equal(t, s1, s2)
	assert.False(t, s1.MetricDelta.HigherIsBetter)
	assert.LessOrEqual(t, s1.MetricDelta.Low, s1.MetricDelta.Value)
	assert.GreaterOrEqual(t, s1.MetricDelta.High, s1.MetricDelta.Value)
	assert.NotEmpty(t, s1.MetricDelta.Spec["p_value"])
	// NLL by hand: a correct example costs −ln 0.9, a wrong one −ln 0.1;
	// original 4 right 2 wrong, counterfactual 3 and 3 → delta
	// (ln 0.9 − ln 0.1)/6 = ln 9 / 6.
	assert.InDelta(t, math.Log(9)/6, s1.MetricDelta.Value, tol)
}

func TestCounterfactualInvalidAndUnlabelled(t *testing.T) {
	t.Parallel()
	orig, cf, changed := counterfactualFixture()
	// Example 1's counterfactual output is NaN; example 5 is unlabelled.
	cf[1].Invalid, cf[1].Pred, cf[1].Probs = "nan", -1, []float64{math.NaN(), math.NaN()}
	orig[5].Label, cf[5].Label = -1, -1

	wrong := newBinary(t, ClassificationConfig{Invalid: InvalidWrong})
	s, err := wrong.Counterfactual("x", orig, cf, changed, "accuracy")
	require.NoError(t, err)
	// "wrong": example 1 now flips (valid → invalid): flips 0, 1, 2, 5 of 5.
	assert.InDelta(t, 4.0/5, s.FlipRate.Value, tol)
	// Delta over labelled 0..4: original correct 0, 1, 4 → 3/5; cf correct
	// 2, 4 (1 is invalid → wrong) → 2/5.
	assert.InDelta(t, -1.0/5, s.MetricDelta.Value, tol)
	assert.Equal(t, 5, s.MetricDelta.N)

	excl := newBinary(t, ClassificationConfig{Invalid: InvalidExclude})
	s, err = excl.Counterfactual("x", orig, cf, changed, "accuracy")
	require.NoError(t, err)
	// "exclude": example 1 is left out: flips 0, 2, 5 of 4.
	assert.InDelta(t, 3.0/4, s.FlipRate.Value, tol)
	assert.Equal(t, 4, s.FlipRate.N)
	// Delta over 0, 2, 3, 4: original correct 0, 4 → 2/4; cf correct 2, 4 → 2/4.
	assert.InDelta(t, 0, s.MetricDelta.Value, tol)
	assert.Equal(t, 5, s.Changed)
}

func TestCounterfactualErrors(t *testing.T) {
	t.Parallel()
	orig, cf, changed := counterfactualFixture()
	c := newBinary(t, ClassificationConfig{})
	_, err := c.Counterfactual("x", orig, cf[:5], changed, "")
	assert.ErrorContains(t, err, "6 original and 5 counterfactual predictions")
	_, err = c.Counterfactual("x", orig, cf, changed[:2], "")
	assert.ErrorContains(t, err, "2 changed flags for 6 predictions")
	_, err = c.Counterfactual("x", orig, cf, changed, "bogus")
	assert.ErrorContains(t, err, `unknown metric "bogus"`)
	bad := append([]Prediction(nil), cf...)
	bad[3].Label = 1
	_, err = c.Counterfactual("x", orig, bad, changed, "")
	assert.ErrorContains(t, err, "prediction 3 (example 0) does not match")
	_, err = c.Counterfactual("x", nil, nil, nil, "")
	assert.ErrorIs(t, err, ErrNoExamples)

	none, err := c.Counterfactual("x", orig, cf, make([]bool, 6), "")
	require.NoError(t, err)
	assert.Equal(t, 0, none.Changed)
	assert.True(t, math.IsNaN(none.FlipRate.Value))
	assert.Equal(t, "substitution changed no example", none.FlipRate.Undefined)
	assert.InDelta(t, 0, none.MetricDelta.Value, tol)
}
