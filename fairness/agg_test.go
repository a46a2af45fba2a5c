package fairness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEqualizedOddsAgg checks agg="mean" as fairlearn's
// test/unit/metrics/test_fairness_metrics.py test_equalized_odds_difference
// and test_equalized_odds_ratio state it (the mean of the TPR and FPR
// differences, or ratios, of MetricFrame.difference/ratio(method=...)), on
// TestBinaryCriteriaHand's data, hand computed:
//
//	between_groups: TPR ½ vs 1, FPR ½ vs 1 → differences ½, ½; ratios ½, ½
//	to_overall: TPR 0.3, FPR ⅓ → mean 19/60; ratios 0.625, ⅔ → mean 31/48
func TestEqualizedOddsAgg(t *testing.T) {
	label := []int{1, 1, 0, 0, 1, 1, 1, 0}
	pred := []int{1, 0, 1, 0, 1, 1, 1, 1}
	attrs := []Attribute{{Name: "g", Values: []string{"a", "a", "a", "a", "b", "b", "b", "b"}}}
	r, err := BinaryCriteria(label, pred, nil, attrs, Options{})
	require.NoError(t, err)
	tests := []struct {
		name          string
		c             Criteria
		diff, ratio   float64
		wdiff, wratio float64
	}{
		{"between_groups", r.BetweenGroups[0], 0.5, 0.5, 0.5, 0.5},
		{"to_overall", r.ToOverall[0], 19.0 / 60, 31.0 / 48, 1.0 / 3, 0.625},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.diff, tc.c.EqualizedOddsDifferenceMean.V, 1e-15)
			assert.InDelta(t, tc.ratio, tc.c.EqualizedOddsRatioMean.V, 1e-15)
			assert.InDelta(t, tc.wdiff, tc.c.EqualizedOddsDifference.V, 1e-15)
			assert.InDelta(t, tc.wratio, tc.c.EqualizedOddsRatio.V, 1e-15)
		})
	}
	u := EqualizedOdds(Undefined("no positive examples"), Of(0.2), Mean, false)
	assert.False(t, u.Defined())
	assert.Equal(t, "TPR part undefined: no positive examples", u.Reason)
	assert.Equal(t, "FPR part undefined: x", EqualizedOdds(Of(0.1), Undefined("x"), WorstCase, true).Reason)
	assert.InDelta(t, 0.1, EqualizedOdds(Of(0.1), Of(0.3), WorstCase, true).V, 0)
}
