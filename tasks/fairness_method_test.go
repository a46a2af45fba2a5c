package tasks

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/fairness"
)

// TestFairnessMethodAgg: fairness.method and fairness.agg select fairlearn's
// method and agg; the values equal fairness.BinaryCriteria's (whose mean
// forms are checked by hand in fairness.TestEqualizedOddsAgg, following
// fairlearn's test_equalized_odds_difference/_ratio).
func TestFairnessMethodAgg(t *testing.T) {
	t.Parallel()
	preds := handFixture()
	label, pred := make([]int, len(preds)), make([]int, len(preds))
	sex, age := make([]string, len(preds)), make([]string, len(preds))
	for i, p := range preds {
		label[i], pred[i], sex[i], age[i] = p.Label, p.Pred, p.Groups[0], p.Groups[1]
	}
	rep, err := fairness.BinaryCriteria(label, pred, nil,
		[]fairness.Attribute{{Name: "sex", Values: sex}, {Name: "age", Values: age}}, fairness.Options{MinGroupSize: 1})
	require.NoError(t, err)
	c := newBinary(t, ClassificationConfig{Resamples: 100})
	for _, tc := range []struct {
		method fairness.Method
		agg    fairness.Agg
		want   []fairness.Criteria
	}{
		{fairness.MethodToOverall, fairness.Mean, rep.ToOverall},
		{"", fairness.Mean, rep.BetweenGroups},
		{fairness.MethodToOverall, "", rep.ToOverall},
	} {
		s, err := c.Fairness(preds, groupNames, FairnessConfig{MinGroupSize: 1, Positive: 1, Method: tc.method, Agg: tc.agg})
		require.NoError(t, err)
		for _, cr := range tc.want {
			attr := displayAttribute(cr.Attribute)
			eoD, eoR := cr.EqualizedOddsDifference, cr.EqualizedOddsRatio
			if tc.agg == fairness.Mean {
				eoD, eoR = cr.EqualizedOddsDifferenceMean, cr.EqualizedOddsRatioMean
			}
			m := criterion(t, s, "equalized_odds_difference:"+attr)
			assert.InDelta(t, eoD.V, m.Value, tol, attr)
			assert.InDelta(t, eoR.V, criterion(t, s, "equalized_odds_ratio:"+attr).Value, tol, attr)
			assert.InDelta(t, cr.DemographicParityRatio.V, criterion(t, s, "demographic_parity_ratio:"+attr).Value, tol, attr)
			if tc.method == fairness.MethodToOverall {
				assert.Equal(t, "to_overall", m.Spec["method"])
				assert.True(t, math.IsNaN(m.Low))
			} else {
				assert.Equal(t, "between_groups", m.Spec["method"])
				assert.LessOrEqual(t, m.Low, m.High)
			}
			if tc.agg == fairness.Mean {
				assert.Equal(t, "mean of TPR and FPR", m.Spec["aggregation"])
			}
		}
	}
}
