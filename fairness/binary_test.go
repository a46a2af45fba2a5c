package fairness

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type vectorFile struct {
	SklearnVersion string    `json:"sklearn_version"`
	Label          []int     `json:"label"`
	Pred           []int     `json:"pred"`
	Weight         []float64 `json:"weight"`
	Sex            []string  `json:"sex"`
	Age            []string  `json:"age"`
	Overall        map[string]float64
	Breakdowns     []struct {
		Attribute string                         `json:"attribute"`
		Groups    map[string]map[string]*float64 `json:"groups"`
		Summaries map[string]map[string]float64  `json:"summaries"`
		Criteria  map[string]map[string]float64  `json:"criteria"`
	} `json:"breakdowns"`
}

// TestBinaryCriteriaAgainstSklearn compares every figure with
// testdata/vectors.json, written by testdata/gen_vectors.py from
// scikit-learn 1.2.1 per-group weighted confusion matrices
// (sklearn.metrics.confusion_matrix) and fairlearn's definitions.
func TestBinaryCriteriaAgainstSklearn(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var v vectorFile
	require.NoError(t, json.Unmarshal(raw, &v))
	require.Equal(t, "1.2.1", v.SklearnVersion)
	attrs := []Attribute{{Name: "sex", Values: v.Sex}, {Name: "age", Values: v.Age}}
	r, err := BinaryCriteria(v.Label, v.Pred, v.Weight, attrs, Options{Intersect: true})
	require.NoError(t, err)
	const tol = 1e-12
	for _, name := range []string{NameSelectionRate, NameTruePositiveRate, NameFalsePositiveRate} {
		assert.InDelta(t, v.Overall[name], r.Frame.Metric(name).Overall.V, tol, "overall %s", name)
	}
	require.Len(t, r.BetweenGroups, len(v.Breakdowns))
	for k, want := range v.Breakdowns {
		assert.Equal(t, want.Attribute, r.BetweenGroups[k].Attribute)
		for _, name := range []string{NameSelectionRate, NameTruePositiveRate, NameFalsePositiveRate} {
			b := r.Frame.Metric(name).Breakdown(want.Attribute)
			require.NotNil(t, b, want.Attribute)
			require.Len(t, b.Groups, len(want.Groups))
			for key, g := range want.Groups {
				got := b.Group(key)
				require.NotNil(t, got, key)
				if g == nil { // empty intersection cell
					assert.Equal(t, 0, got.N, key)
					assert.True(t, math.IsNaN(got.Value.V), key)
					continue
				}
				assert.Equal(t, int(*g["n"]), got.N, key)
				assert.InDelta(t, *g[name], got.Value.V, tol, "%s %s", key, name)
				idx := groupIndices(attrs, key)
				c, err := ConfusionCounts(v.Label, v.Pred, v.Weight, idx)
				require.NoError(t, err)
				assert.InDelta(t, *g["tp"], c.TP, tol, key)
				assert.InDelta(t, *g["fp"], c.FP, tol, key)
				assert.InDelta(t, *g["tn"], c.TN, tol, key)
				assert.InDelta(t, *g["fn"], c.FN, tol, key)
			}
			s := want.Summaries[name]
			assert.InDelta(t, s["min"], b.Min.V, tol)
			assert.InDelta(t, s["max"], b.Max.V, tol)
			assert.InDelta(t, s["difference_between"], b.DifferenceBetween.V, tol, "%s %s", want.Attribute, name)
			assert.InDelta(t, s["difference_to_overall"], b.DifferenceToOverall.V, tol, "%s %s", want.Attribute, name)
			assert.InDelta(t, s["ratio_between"], b.RatioBetween.V, tol, "%s %s", want.Attribute, name)
			assert.InDelta(t, s["ratio_to_overall"], b.RatioToOverall.V, tol, "%s %s", want.Attribute, name)
		}
		for method, got := range map[string]Criteria{"between": r.BetweenGroups[k], "to_overall": r.ToOverall[k]} {
			w := want.Criteria[method]
			assert.InDelta(t, w["demographic_parity_difference"], got.DemographicParityDifference.V, tol, "%s %s DPD", want.Attribute, method)
			assert.InDelta(t, w["demographic_parity_ratio"], got.DemographicParityRatio.V, tol, "%s %s DPR", want.Attribute, method)
			assert.InDelta(t, w["equalized_odds_difference"], got.EqualizedOddsDifference.V, tol, "%s %s EOD", want.Attribute, method)
			assert.InDelta(t, w["equalized_odds_ratio"], got.EqualizedOddsRatio.V, tol, "%s %s EOR", want.Attribute, method)
			assert.InDelta(t, w["equal_opportunity_difference"], got.EqualOpportunityDifference.V, tol, "%s %s EOppD", want.Attribute, method)
			assert.InDelta(t, w["equal_opportunity_ratio"], got.EqualOpportunityRatio.V, tol, "%s %s EOppR", want.Attribute, method)
		}
	}
}

// groupIndices returns the examples in group key of the two-attribute
// fixture: "sex=…", "age=…" or "sex=…|age=…".
func groupIndices(attrs []Attribute, key string) []int {
	var idx []int
	for i := range attrs[0].Values {
		p, q := attrs[0].Name+"="+attrs[0].Values[i], attrs[1].Name+"="+attrs[1].Values[i]
		if key == p || key == q || key == p+"|"+q {
			idx = append(idx, i)
		}
	}
	return idx
}

func TestBinaryCriteriaHand(t *testing.T) {
	t.Parallel()
	// Hand computation, unit weights. Group a: y=1,1,0,0 ŷ=1,0,1,0 →
	// selection 2/4, TPR 1/2, FPR 1/2. Group b: y=1,1,1,0 ŷ=1,1,1,1 →
	// selection 1, TPR 1, FPR 1. Overall: selection 6/8, TPR 4/5, FPR 2/3.
	label := []int{1, 1, 0, 0, 1, 1, 1, 0}
	pred := []int{1, 0, 1, 0, 1, 1, 1, 1}
	attrs := []Attribute{{Name: "g", Values: []string{"a", "a", "a", "a", "b", "b", "b", "b"}}}
	r, err := BinaryCriteria(label, pred, nil, attrs, Options{})
	require.NoError(t, err)
	c := r.BetweenGroups[0]
	assert.InDelta(t, 0.5, c.DemographicParityDifference.V, 1e-15)
	assert.InDelta(t, 0.5, c.DemographicParityRatio.V, 1e-15)
	assert.InDelta(t, 0.5, c.EqualizedOddsDifference.V, 1e-15) // max(1−½, 1−½)
	assert.InDelta(t, 0.5, c.EqualizedOddsRatio.V, 1e-15)
	assert.InDelta(t, 0.5, c.EqualOpportunityDifference.V, 1e-15)
	o := r.ToOverall[0]
	// to_overall: selection |0.5−0.75|=0.25; TPR |0.5−0.8|=0.3; FPR |0.5−2/3|=1/6 and |1−2/3|=1/3.
	assert.InDelta(t, 0.25, o.DemographicParityDifference.V, 1e-15)
	assert.InDelta(t, 1.0/3, o.EqualizedOddsDifference.V, 1e-15)
	assert.InDelta(t, 0.3, o.EqualOpportunityDifference.V, 1e-15)
	// ratios to overall: selection min(0.5/0.75, 0.75/1)=2/3; TPR min(0.5/0.8, 0.8)=0.625;
	// FPR min(0.5/(2/3), (2/3)/1)=2/3 → EO ratio min(0.625, 2/3) = 0.625.
	assert.InDelta(t, 2.0/3, o.DemographicParityRatio.V, 1e-15)
	assert.InDelta(t, 0.625, o.EqualizedOddsRatio.V, 1e-15)
	assert.InDelta(t, 0.625, o.EqualOpportunityRatio.V, 1e-15)
}

func TestBinaryCriteriaWeights(t *testing.T) {
	t.Parallel()
	// Weight 2 on an example is the same as duplicating it.
	label := []int{1, 0, 1, 0}
	pred := []int{1, 1, 0, 0}
	attrs := []Attribute{{Name: "g", Values: []string{"a", "a", "b", "b"}}}
	w, err := BinaryCriteria(label, pred, []float64{2, 1, 1, 3}, attrs, Options{})
	require.NoError(t, err)
	dup, err := BinaryCriteria([]int{1, 1, 0, 1, 0, 0, 0}, []int{1, 1, 1, 0, 0, 0, 0}, nil,
		[]Attribute{{Name: "g", Values: []string{"a", "a", "a", "b", "b", "b", "b"}}}, Options{})
	require.NoError(t, err)
	assert.InDelta(t, dup.BetweenGroups[0].DemographicParityDifference.V, w.BetweenGroups[0].DemographicParityDifference.V, 1e-15)
	assert.InDelta(t, dup.ToOverall[0].EqualizedOddsDifference.V, w.ToOverall[0].EqualizedOddsDifference.V, 1e-15)
}

func TestBinaryCriteriaErrors(t *testing.T) {
	t.Parallel()
	attrs := []Attribute{{Name: "g", Values: []string{"a", "b"}}}
	tests := []struct {
		name        string
		label, pred []int
		w           []float64
		want        string
	}{
		{"label not binary", []int{0, 2}, []int{0, 1}, nil, "example 1: label 2"},
		{"prediction negative", []int{0, 1}, []int{-1, 1}, nil, "example 0: prediction -1"},
		{"length", []int{0}, []int{0, 1}, nil, "1 labels and 2 predictions"},
		{"weights length", []int{0, 1}, []int{0, 1}, []float64{1}, "1 weights"},
		{"negative weight", []int{0, 1}, []int{0, 1}, []float64{1, -1}, "example 1: weight -1"},
		{"NaN weight", []int{0, 1}, []int{0, 1}, []float64{math.NaN(), 1}, "example 0: weight NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BinaryCriteria(tc.label, tc.pred, tc.w, attrs, Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestEqualizedOddsUndefinedPart(t *testing.T) {
	t.Parallel()
	// Group b has no negatives, so its FPR is undefined and b leaves the FPR
	// summary; with a single eligible FPR group the FPR difference is
	// undefined (fairlearn would report 0), and so is equalized odds, which
	// needs it.
	label := []int{1, 0, 1, 1}
	pred := []int{1, 1, 0, 1}
	attrs := []Attribute{{Name: "g", Values: []string{"a", "a", "b", "b"}}}
	r, err := BinaryCriteria(label, pred, nil, attrs, Options{})
	require.NoError(t, err)
	b := r.Frame.Metric(NameFalsePositiveRate).Breakdowns[0]
	assert.Equal(t, "no negative examples (label 0)", b.Group("g=b").Value.Reason)
	assert.False(t, b.DifferenceBetween.Defined())
	assert.Contains(t, b.DifferenceBetween.Reason, "only one group is eligible")
	// TPR: a = 1, b = 1/2 → equal opportunity difference 0.5; EO undefined.
	assert.InDelta(t, 0.5, r.BetweenGroups[0].EqualOpportunityDifference.V, 1e-15)
	assert.False(t, r.BetweenGroups[0].EqualizedOddsDifference.Defined())
}

func TestMulticlassCriteria(t *testing.T) {
	t.Parallel()
	// Hand computation, three classes. Group a: y=0,1,2 ŷ=0,1,1 (acc 2/3);
	// group b: y=0,2,2 ŷ=2,2,2 (acc 2/3... y=0→2 wrong, 2,2 right → 2/3).
	label := []int{0, 1, 2, 0, 2, 2}
	pred := []int{0, 1, 1, 2, 2, 2}
	attrs := []Attribute{{Name: "g", Values: []string{"a", "a", "a", "b", "b", "b"}}}
	r, err := MulticlassCriteria(label, pred, 3, nil, attrs, Options{})
	require.NoError(t, err)
	acc := r.Accuracy.Metric(NameAccuracy).Breakdowns[0]
	assert.InDelta(t, 2.0/3, acc.Group("g=a").Value.V, 1e-15)
	assert.InDelta(t, 2.0/3, acc.Group("g=b").Value.V, 1e-15)
	require.Len(t, r.PerClass, 3)
	// Class 2 one-vs-rest: a predicts 2 for 0/3 → selection 0; b for 3/3 → 1.
	c2 := r.PerClass[2].Report.BetweenGroups[0]
	assert.InDelta(t, 1.0, c2.DemographicParityDifference.V, 1e-15)
	assert.InDelta(t, 0.0, c2.DemographicParityRatio.V, 1e-15)
	// Class 2 TPR: a 0/1, b 2/2 → EOpp difference 1.
	assert.InDelta(t, 1.0, c2.EqualOpportunityDifference.V, 1e-15)
	// Class 0 TPR: a 1/1, b 0/1.
	assert.InDelta(t, 1.0, r.PerClass[0].Report.BetweenGroups[0].EqualOpportunityDifference.V, 1e-15)
	_, err = MulticlassCriteria(label, pred, 2, nil, attrs, Options{})
	assert.ErrorContains(t, err, "label 2 not in [0, 2)")
}

func TestCalibrationGap(t *testing.T) {
	t.Parallel()
	// The callback returns a fixed error per group; the gap is max − min.
	ece := map[int]float64{0: 0.02, 1: 0.10}
	m := ScalarMetric(func(idx []int) float64 {
		if len(idx) == 4 {
			return 0.05
		}
		return ece[idx[0]/2]
	})
	r, err := CalibrationGap(m, []Attribute{{Name: "g", Values: []string{"a", "a", "b", "b"}}}, Options{})
	require.NoError(t, err)
	b := r.Breakdowns[0]
	assert.InDelta(t, 0.08, b.DifferenceBetween.V, 1e-15)
	assert.InDelta(t, 0.05, b.DifferenceToOverall.V, 1e-15)
	assert.Equal(t, "g=b", b.Worst)
	assert.False(t, r.HigherIsBetter)
}

// FuzzBinaryCriteria checks properties on arbitrary inputs: no error for
// valid inputs, every defined rate in [0, 1], and results independent of
// example order (the examples are reversed).
func FuzzBinaryCriteria(f *testing.F) {
	f.Add([]byte{0x13, 0x25, 0x07, 0x31, 0x2a, 0x1f})
	f.Add([]byte{0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		n := len(data)
		label, pred := make([]int, n), make([]int, n)
		w := make([]float64, n)
		g1, g2 := make([]string, n), make([]string, n)
		for i, b := range data {
			label[i], pred[i] = int(b&1), int(b>>1&1)
			g1[i], g2[i] = string(rune('a'+b>>2&3)), string(rune('x'+b>>4&1))
			w[i] = float64(b>>5) / 2
		}
		run := func(label, pred []int, w []float64, g1, g2 []string) *BinaryReport {
			r, err := BinaryCriteria(label, pred, w, []Attribute{{"p", g1}, {"q", g2}}, Options{Intersect: true, MinGroupSize: 2})
			require.NoError(t, err)
			return r
		}
		a := run(label, pred, w, g1, g2)
		rev := func(x []int) []int { y := slices.Clone(x); slices.Reverse(y); return y }
		revS := func(x []string) []string { y := slices.Clone(x); slices.Reverse(y); return y }
		wr := slices.Clone(w)
		slices.Reverse(wr)
		b := run(rev(label), rev(pred), wr, revS(g1), revS(g2))
		for mi, m := range a.Frame.Metrics {
			inUnit(t, m.Overall)
			for bi, br := range m.Breakdowns {
				for gi, g := range br.Groups {
					inUnit(t, g.Value)
					same(t, g.Value, b.Frame.Metrics[mi].Breakdowns[bi].Groups[gi].Value)
				}
				for _, v := range []Value{br.DifferenceBetween, br.DifferenceToOverall, br.RatioBetween, br.RatioToOverall} {
					inUnit(t, v)
				}
				same(t, br.DifferenceBetween, b.Frame.Metrics[mi].Breakdowns[bi].DifferenceBetween)
				same(t, br.RatioToOverall, b.Frame.Metrics[mi].Breakdowns[bi].RatioToOverall)
			}
		}
		for k := range a.BetweenGroups {
			same(t, a.BetweenGroups[k].EqualizedOddsDifference, b.BetweenGroups[k].EqualizedOddsDifference)
			same(t, a.ToOverall[k].EqualizedOddsRatio, b.ToOverall[k].EqualizedOddsRatio)
		}
	})
}

func inUnit(t *testing.T, v Value) {
	t.Helper()
	if v.Defined() && (v.V < 0 || v.V > 1) {
		t.Fatalf("value %v outside [0, 1]", v.V)
	}
	if !v.Defined() && v.Reason == "" {
		t.Fatalf("undefined value without a reason")
	}
}

// same compares two values that may differ only by summation order.
func same(t *testing.T, a, b Value) {
	t.Helper()
	if a.Defined() != b.Defined() || (a.Defined() && math.Abs(a.V-b.V) > 1e-12) {
		t.Fatalf("order changed the result: %v vs %v", a, b)
	}
}

func TestAccuracyAdapter(t *testing.T) {
	t.Parallel()
	// Hand computation: examples 0..3 with labels 0 1 2 1 and predictions
	// 0 2 2 1; weights 1 2 3 4. Over {1, 2, 3}: correct 2 (w 3) and 3 (w 4)
	// of total 9 → 7/9. Unweighted over {0, 1}: 1/2.
	label, pred, w := []int{0, 1, 2, 1}, []int{0, 2, 2, 1}, []float64{1, 2, 3, 4}
	assert.InDelta(t, 7.0/9, Accuracy(label, pred, w)([]int{1, 2, 3}).V, 1e-15)
	assert.InDelta(t, 0.5, Accuracy(label, pred, nil)([]int{0, 1}).V, 1e-15)
	assert.Equal(t, "empty group", Accuracy(label, pred, nil)(nil).Reason)
	assert.Equal(t, "example index 4 out of range", Accuracy(label, pred, nil)([]int{4}).Reason)
	assert.Equal(t, "total weight is 0", Accuracy(label, pred, []float64{0, 0, 0, 0})([]int{0}).Reason)
}
