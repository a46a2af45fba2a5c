package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPRFScikitLearn checks ClassPRF and PRFAverage against scikit-learn
// 1.2.1 precision_recall_fscore_support(..., zero_division=0). The first case
// is the docstring example of sklearn.metrics.precision_score
// (y_true [0,1,2,0,1,2], y_pred [0,2,1,0,0,1]: macro 0.22, micro 0.33,
// weighted 0.22, per class [0.67, 0, 0]); all figures were recomputed with
// scikit-learn 1.2.1 via /usr/bin/python3.
func TestPRFScikitLearn(t *testing.T) {
	type prf struct{ p, r, f float64 }
	tests := []struct {
		name                  string
		yt, yp                []int
		k                     int
		micro, macro, weighed prf
	}{
		{"precision_score docstring", []int{0, 1, 2, 0, 1, 2}, []int{0, 2, 1, 0, 0, 1}, 3,
			prf{1.0 / 3, 1.0 / 3, 1.0 / 3}, prf{0.2222222222222222, 0.3333333333333333, 0.26666666666666666}, prf{0.2222222222222222, 0.3333333333333333, 0.26666666666666666}},
		{"imbalanced, class 3 never predicted", []int{0, 0, 0, 1, 1, 2, 2, 2, 2, 3}, []int{0, 1, 0, 1, 1, 2, 0, 2, 1, 1}, 4,
			prf{0.6, 0.6, 0.6}, prf{0.5166666666666666, 0.5416666666666666, 0.47619047619047616}, prf{0.6799999999999999, 0.6, 0.580952380952381}},
		{"class 3 absent from labels and predictions", []int{0, 1, 2, 0}, []int{0, 1, 1, 0}, 4,
			prf{0.75, 0.75, 0.75}, prf{0.5, 0.6666666666666666, 0.5555555555555555}, prf{0.625, 0.75, 0.6666666666666666}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cm := ConfusionMatrix(tc.yp, tc.yt, tc.k, nil)
			for avg, want := range map[Average]prf{Micro: tc.micro, Macro: tc.macro, Weighted: tc.weighed} {
				p, r, f := PRFAverage(cm, tc.k, avg)
				assert.InDelta(t, want.p, p, 1e-12, "%s precision", avg)
				assert.InDelta(t, want.r, r, 1e-12, "%s recall", avg)
				assert.InDelta(t, want.f, f, 1e-12, "%s f1", avg)
			}
		})
	}
	// average=None on the imbalanced case.
	cm := ConfusionMatrix([]int{0, 1, 0, 1, 1, 2, 0, 2, 1, 1}, []int{0, 0, 0, 1, 1, 2, 2, 2, 2, 3}, 4, nil)
	p, r, f, s := ClassPRF(cm, 4)
	assert.InDeltaSlice(t, []float64{0.6666666666666666, 0.4, 1.0, 0}, p, 1e-12)
	assert.InDeltaSlice(t, []float64{0.6666666666666666, 1.0, 0.5, 0}, r, 1e-12)
	assert.InDeltaSlice(t, []float64{0.6666666666666666, 0.5714285714285715, 0.6666666666666666, 0}, f, 1e-12)
	assert.Equal(t, []float64{3, 2, 4, 1}, s)
	// average="binary": pos_label=1 (1.0, 0.75, 0.857…) and pos_label=0
	// (0.667, 1.0, 0.8) for y_true [0,1,1,0,1,1], y_pred [0,1,0,0,1,1].
	cm = ConfusionMatrix([]int{0, 1, 0, 0, 1, 1}, []int{0, 1, 1, 0, 1, 1}, 2, nil)
	p, r, f, _ = ClassPRF(cm, 2)
	assert.InDeltaSlice(t, []float64{0.6666666666666666, 1.0}, p, 1e-12)
	assert.InDeltaSlice(t, []float64{1.0, 0.75}, r, 1e-12)
	assert.InDeltaSlice(t, []float64{0.8, 0.8571428571428571}, f, 1e-12)
	// Macro F1 agrees with F1MacroFromConfusion.
	_, _, fm := PRFAverage(cm, 2, Macro)
	assert.InDelta(t, F1MacroFromConfusion(cm, 2), fm, 1e-15)
	// No examples: zero_division=0 everywhere.
	p0, r0, f0 := PRFAverage(make([]float64, 4), 2, Weighted)
	assert.Equal(t, [3]float64{0, 0, 0}, [3]float64{p0, r0, f0})
	assert.Equal(t, "weighted", Weighted.String())
	assert.Panics(t, func() { PRFAverage(cm, 2, Average(9)) })
}
