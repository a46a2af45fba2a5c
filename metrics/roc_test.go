package metrics

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rocCase is one entry of testdata/roc.json, written by
// testdata/gen_roc.py from scikit-learn 1.2.1 (roc_curve, roc_auc_score).
type rocCase struct {
	Name      string             `json:"name"`
	Score     []float64          `json:"score"`
	Pos       []bool             `json:"pos"`
	AUC       float64            `json:"auc"`
	Curve     [][3]*float64      `json:"curve"`
	CurveDrop [][3]*float64      `json:"curve_drop"`
	TPRAt     map[string]float64 `json:"tpr_at"`
	BalAcc    float64            `json:"balanced_accuracy"`
}

func TestROCAgainstScikitLearn(t *testing.T) {
	b, err := os.ReadFile("testdata/roc.json")
	require.NoError(t, err)
	var f struct {
		Cases []rocCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Cases)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			auc, err := ROCAUC(c.Score, c.Pos)
			require.NoError(t, err)
			assert.InDelta(t, c.AUC, auc, 1e-12, "roc_auc_score")
			for _, drop := range []bool{false, true} {
				want := c.Curve
				if drop {
					want = c.CurveDrop
				}
				got, err := ROCCurve(c.Score, c.Pos, drop)
				require.NoError(t, err)
				require.Len(t, got, len(want), "roc_curve(drop_intermediate=%v) points", drop)
				for i, w := range want {
					if i == 0 {
						assert.True(t, math.IsInf(got[0].Threshold, 1))
					} else {
						assert.Equal(t, *w[0], got[i].Threshold, "threshold %d", i)
					}
					assert.InDelta(t, *w[1], got[i].FPR, 1e-12, "fpr %d", i)
					assert.InDelta(t, *w[2], got[i].TPR, 1e-12, "tpr %d", i)
				}
			}
			full, err := ROCCurve(c.Score, c.Pos, false)
			require.NoError(t, err)
			thin, err := ROCCurve(c.Score, c.Pos, true)
			require.NoError(t, err)
			for _, x := range []struct {
				key string
				fpr float64
			}{{"0.001", 0.001}, {"0.01", 0.01}, {"0.1", 0.1}, {"0.5", 0.5}} {
				assert.InDelta(t, c.TPRAt[x.key], TPRAtFPR(full, x.fpr), 1e-12, "tpr at fpr %s", x.key)
				assert.InDelta(t, c.TPRAt[x.key], TPRAtFPR(thin, x.fpr), 1e-12, "tpr at fpr %s, dropped curve", x.key)
			}
			assert.InDelta(t, c.BalAcc, BestBalancedAccuracy(full), 1e-12)
			assert.InDelta(t, c.BalAcc, BestBalancedAccuracy(thin), 1e-12)
		})
	}
}

func TestROCHandComputed(t *testing.T) {
	// Scores 0.1 (neg), 0.35 (pos), 0.4 (neg), 0.8 (pos): thresholds
	// 0.8 → (0, ½), 0.4 → (½, ½), 0.35 → (½, 1), 0.1 → (1, 1); AUC = 3/4
	// (three of the four positive–negative pairs are ordered right).
	score, pos := []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}
	curve, err := ROCCurve(score, pos, false)
	require.NoError(t, err)
	want := []ROCPoint{{math.Inf(1), 0, 0}, {0.8, 0, 0.5}, {0.4, 0.5, 0.5}, {0.35, 0.5, 1}, {0.1, 1, 1}}
	assert.Equal(t, want, curve)
	f, _, err := Attack(score, pos, []float64{0, 0.5})
	require.NoError(t, err)
	assert.Equal(t, 0.75, f.AUC)
	assert.Equal(t, 0.75, f.BalancedAccuracy) // threshold 0.8 or 0.35: (½ + 1)/2
	assert.Equal(t, []float64{0.5, 1}, f.TPRAtFPR)
}

func TestROCErrors(t *testing.T) {
	cases := []struct {
		name  string
		score []float64
		pos   []bool
		want  string
	}{
		{"no positive", []float64{1, 2}, []bool{false, false}, "no positive examples"},
		{"no negative", []float64{1, 2}, []bool{true, true}, "no negative examples"},
		{"NaN score", []float64{1, math.NaN()}, []bool{true, false}, "NaN"},
		{"lengths", []float64{1}, []bool{true, false}, "one label per score"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ROCCurve(c.score, c.pos, true)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestAttackCIs(t *testing.T) {
	// A perfectly separating score: every stratified resample still
	// separates, so every interval is the point [1, 1]; a constant score
	// gives AUC ½ on every resample.
	score := []float64{5, 4, 3, 2, 1, 0}
	pos := []bool{true, true, true, false, false, false}
	cis := AttackCIs(score, pos, []float64{0.01}, 200, 0.95, 1)
	require.Len(t, cis, 3)
	for _, ci := range cis {
		assert.Equal(t, 1.0, ci.Low)
		assert.Equal(t, 1.0, ci.High)
		assert.Equal(t, 200, ci.Resamples)
		assert.Equal(t, MethodStratifiedResample, ci.Method)
	}
	flat := AttackCIs([]float64{1, 1, 1, 1}, []bool{true, false, true, false}, nil, 50, 0.9, 1)
	assert.Equal(t, 0.5, flat[0].Low)
	assert.Equal(t, 0.5, flat[0].High)
	// Same seed, same interval, whatever GOMAXPROCS.
	a := AttackCIs([]float64{0.3, 0.9, 0.1, 0.7, 0.5, 0.2}, []bool{true, true, false, true, false, false}, nil, 300, 0.95, 9)
	b := AttackCIs([]float64{0.3, 0.9, 0.1, 0.7, 0.5, 0.2}, []bool{true, true, false, true, false, false}, nil, 300, 0.95, 9)
	assert.Equal(t, a, b)
}

func TestThinCurve(t *testing.T) {
	var c []ROCPoint
	for i := range 10 {
		c = append(c, ROCPoint{FPR: float64(i)})
	}
	got := ThinCurve(c, 4)
	assert.Equal(t, []float64{0, 3, 6, 9}, []float64{got[0].FPR, got[1].FPR, got[2].FPR, got[3].FPR})
	assert.Len(t, ThinCurve(c, 20), 10)
}
