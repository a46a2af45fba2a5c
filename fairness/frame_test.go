package fairness

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/evalctl/evalctl/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// meanMetric returns the mean of x over idx, a simple metric whose group
// values are easy to compute by hand.
func meanMetric(x []float64) Metric {
	return ScalarMetric(func(idx []int) float64 {
		var s float64
		for _, i := range idx {
			s += x[i]
		}
		return s / float64(len(idx))
	})
}

func TestComputeHandExample(t *testing.T) {
	t.Parallel()
	// Hand computation: groups a = {0,1} mean 0.3, b = {2,3,4} mean 0.6,
	// c = {5} mean 1.0; overall mean = (0.2+0.4+0.5+0.6+0.7+1.0)/6 = 0.5666…
	x := []float64{0.2, 0.4, 0.5, 0.6, 0.7, 1.0}
	attr := []Attribute{{Name: "g", Values: []string{"a", "a", "b", "b", "b", "c"}}}
	overall := 3.4 / 6
	tests := []struct {
		name                  string
		opts                  Options
		higher                bool
		min, max              float64
		minG, maxG            string
		worst, best           string
		diffB, diffO, ratB, r float64
	}{
		{"all groups, higher is better", Options{}, true, 0.3, 1.0, "g=a", "g=c", "g=a", "g=c",
			0.7, 1.0 - overall, 0.3, 0.3 / overall},
		{"lower is better swaps worst and best", Options{}, false, 0.3, 1.0, "g=a", "g=c", "g=c", "g=a",
			0.7, 1.0 - overall, 0.3, 0.3 / overall},
		{"group c (n=1) below minimum size is excluded", Options{MinGroupSize: 2}, true, 0.3, 0.6, "g=a", "g=b", "g=a", "g=b",
			0.3, overall - 0.3, 0.5, 0.3 / overall},
		{"small groups included on request", Options{MinGroupSize: 2, IncludeSmallGroups: true}, true, 0.3, 1.0, "g=a", "g=c", "g=a", "g=c",
			0.7, 1.0 - overall, 0.3, 0.3 / overall},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Compute(attr, []Spec{{Name: "m", Fn: meanMetric(x), HigherIsBetter: tc.higher}}, tc.opts)
			require.NoError(t, err)
			m := f.Metric("m")
			require.NotNil(t, m)
			assert.InDelta(t, overall, m.Overall.V, 1e-15)
			b := m.Breakdown("g")
			require.NotNil(t, b)
			require.Len(t, b.Groups, 3)
			assert.Equal(t, []int{2, 3, 1}, []int{b.Groups[0].N, b.Groups[1].N, b.Groups[2].N})
			assert.InDelta(t, tc.min, b.Min.V, 1e-15)
			assert.InDelta(t, tc.max, b.Max.V, 1e-15)
			assert.Equal(t, tc.minG, b.MinGroup)
			assert.Equal(t, tc.maxG, b.MaxGroup)
			assert.Equal(t, tc.worst, b.Worst)
			assert.Equal(t, tc.best, b.Best)
			assert.InDelta(t, tc.diffB, b.DifferenceBetween.V, 1e-15)
			assert.InDelta(t, tc.diffO, b.DifferenceToOverall.V, 1e-15)
			assert.InDelta(t, tc.ratB, b.RatioBetween.V, 1e-15)
			assert.InDelta(t, tc.r, b.RatioToOverall.V, 1e-15)
			assert.Equal(t, tc.opts.MinGroupSize == 2, b.Group("g=c").Small)
		})
	}
}

func TestComputeIntersectionEmptyAndUndefined(t *testing.T) {
	t.Parallel()
	// sex=male|age=old has no example; sex=female|age=old has only
	// negatives, so its TPR is undefined. Neither may crash or enter the
	// summaries.
	label := []int{1, 0, 1, 0, 0, 1}
	pred := []int{1, 0, 0, 1, 0, 1}
	attrs := []Attribute{
		{Name: "sex", Values: []string{"female", "female", "male", "male", "female", "male"}},
		{Name: "age", Values: []string{"young", "young", "young", "young", "old", "young"}},
	}
	f, err := Compute(attrs, []Spec{{Name: "tpr", Fn: TruePositiveRate(label, pred, nil), HigherIsBetter: true}}, Options{Intersect: true})
	require.NoError(t, err)
	b := f.Metric("tpr").Breakdown("sex|age")
	require.NotNil(t, b)
	keys := []string{}
	for _, g := range b.Groups {
		keys = append(keys, g.Key)
	}
	assert.Equal(t, []string{"sex=female|age=old", "sex=female|age=young", "sex=male|age=old", "sex=male|age=young"}, keys)
	empty := b.Group("sex=male|age=old")
	assert.Equal(t, 0, empty.N)
	assert.True(t, math.IsNaN(empty.Value.V))
	assert.Equal(t, "empty group", empty.Value.Reason)
	undef := b.Group("sex=female|age=old")
	assert.True(t, math.IsNaN(undef.Value.V))
	assert.Equal(t, "no positive examples (label 1)", undef.Value.Reason)
	assert.Contains(t, undef.Excluded, "undefined")
	// Eligible: female|young TPR 1/1 = 1, male|young TPR 1/2 = 0.5.
	assert.InDelta(t, 0.5, b.DifferenceBetween.V, 1e-15)
	assert.InDelta(t, 0.5, b.RatioBetween.V, 1e-15)
	assert.Equal(t, "sex=male|age=young", b.Worst)
}

func TestComputeNoEligibleGroup(t *testing.T) {
	t.Parallel()
	attr := []Attribute{{Name: "g", Values: []string{"a", "b"}}}
	f, err := Compute(attr, []Spec{{Name: "m", Fn: meanMetric([]float64{1, 2})}}, Options{MinGroupSize: 5})
	require.NoError(t, err)
	b := f.Metrics[0].Breakdowns[0]
	assert.True(t, math.IsNaN(b.DifferenceBetween.V))
	assert.Equal(t, "no eligible group", b.DifferenceBetween.Reason)
	assert.Equal(t, "", b.Worst)
}

func TestComputeErrors(t *testing.T) {
	t.Parallel()
	m := []Spec{{Name: "m", Fn: meanMetric([]float64{1, 2})}}
	tests := []struct {
		name  string
		attrs []Attribute
		specs []Spec
		opts  Options
		want  string
	}{
		{"no attributes", nil, m, Options{}, "no group attributes"},
		{"length mismatch", []Attribute{{"a", []string{"x", "y"}}, {"b", []string{"x"}}}, m, Options{}, `attribute "b" has 1 labels`},
		{"duplicate attribute", []Attribute{{"a", []string{"x"}}, {"a", []string{"x"}}}, m, Options{}, "given twice"},
		{"separator in name", []Attribute{{"a|b", []string{"x"}}}, m, Options{}, "must not contain"},
		{"intersection of one", []Attribute{{"a", []string{"x"}}}, m, Options{Intersect: true}, "at least two"},
		{"nameless metric", []Attribute{{"a", []string{"x"}}}, []Spec{{Fn: m[0].Fn}}, Options{}, "needs a name"},
		{"bad level", []Attribute{{"a", []string{"x"}}}, m, Options{Bootstrap: Bootstrap{Resamples: 10, Level: 1.5}}, "level"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.attrs, tc.specs, tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestBootstrapDeterministicAndCallback(t *testing.T) {
	t.Parallel()
	x := []float64{0.1, 0.9, 0.35, 0.7, 0.2, 0.55, 1, 0, 0, 1, 1, 1}
	attr := []Attribute{{Name: "g", Values: []string{"a", "a", "a", "a", "a", "a", "b", "b", "b", "b", "b", "b"}}}
	opts := Options{Bootstrap: Bootstrap{Resamples: 200, Seed: 7}}
	f1, err := Compute(attr, []Spec{{Name: "m", Fn: meanMetric(x)}}, opts)
	require.NoError(t, err)
	f2, err := Compute(attr, []Spec{{Name: "m", Fn: meanMetric(x)}}, opts)
	require.NoError(t, err)
	g1, g2 := f1.Metrics[0].Breakdowns[0].Groups[0], f2.Metrics[0].Breakdowns[0].Groups[0]
	require.NotNil(t, g1.CI)
	assert.Equal(t, *g1.CI, *g2.CI, "same seed, same interval")
	// Group a has mean 2.8/6; a percentile interval of resampled means of
	// data in [0, 1] lies in [0, 1] and around the point estimate.
	assert.LessOrEqual(t, g1.CI.Lo.V, 2.8/6)
	assert.GreaterOrEqual(t, g1.CI.Hi.V, 2.8/6)
	assert.GreaterOrEqual(t, g1.CI.Lo.V, 0.0)
	assert.LessOrEqual(t, g1.CI.Hi.V, 1.0)
	assert.Equal(t, 200, g1.CI.Defined)
	f3, err := Compute(attr, []Spec{{Name: "m", Fn: meanMetric(x)}}, Options{Bootstrap: Bootstrap{Resamples: 200, Seed: 8}})
	require.NoError(t, err)
	assert.NotEqual(t, *g1.CI, *f3.Metrics[0].Breakdowns[0].Groups[0].CI, "another seed, another interval")

	calls := 0
	opts.CI = func(m Metric, idx []int, label string) (Interval, error) {
		calls++
		return Interval{Lo: Value{V: -1}, Hi: Value{V: float64(len(idx))}}, nil
	}
	f4, err := Compute(attr, []Spec{{Name: "m", Fn: meanMetric(x)}}, opts)
	require.NoError(t, err)
	assert.Equal(t, 3, calls, "overall + 2 groups")
	assert.Equal(t, 6.0, f4.Metrics[0].Breakdowns[0].Groups[1].CI.Hi.V)
}

func TestPercentileIntervalUsesMetricsBootstrap(t *testing.T) {
	t.Parallel()
	// PercentileInterval must be metrics.BootstrapCI on the group's own
	// values, seeded with Seed XOR labelHash(label): the same replicates,
	// hence the same bounds, as calling metrics directly on the gathered
	// subset. The subset idx is deliberately not 0..n-1 so that a wrong
	// index mapping shows.
	x := []float64{5, 0.1, 9, 0.9, 0.35, 7, 0.7, 0.2}
	idx := []int{1, 3, 4, 6, 7}
	sub := []float64{0.1, 0.9, 0.35, 0.7, 0.2}
	b := Bootstrap{Resamples: 300, Seed: 11, Level: 0.9}
	iv, err := PercentileInterval(meanMetric(x), idx, b, "m\x00g=a")
	require.NoError(t, err)
	want := metrics.BootstrapCI(len(sub), func(pos []int) float64 {
		s := 0.0
		for _, p := range pos {
			s += sub[p]
		}
		return s / float64(len(pos))
	}, 300, 0.9, metrics.SubSeed(11, "m\x00g=a"))
	assert.Equal(t, want.Low, iv.Lo.V)
	assert.Equal(t, want.High, iv.Hi.V)
	assert.Equal(t, 300, iv.Defined)
	assert.Equal(t, 0.9, iv.Level)

	none, err := PercentileInterval(meanMetric(x), nil, b, "m")
	require.NoError(t, err)
	assert.Equal(t, "empty group", none.Lo.Reason)
	_, err = PercentileInterval(meanMetric(x), idx, Bootstrap{Resamples: -1}, "m")
	assert.ErrorContains(t, err, "negative")
}

func TestValueJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal([]Value{{V: 0.25}, Undefined("empty group")})
	require.NoError(t, err)
	assert.JSONEq(t, `[{"value":0.25},{"value":null,"reason":"empty group"}]`, string(b))
	var back []Value
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, 0.25, back[0].V)
	assert.True(t, math.IsNaN(back[1].V))
	assert.Equal(t, "empty group", back[1].Reason)
}

func TestAttributesFromMapSorted(t *testing.T) {
	t.Parallel()
	a := AttributesFromMap(map[string][]string{"sex": {"f"}, "age": {"y"}})
	assert.Equal(t, "age", a[0].Name)
	assert.Equal(t, "sex", a[1].Name)
}
