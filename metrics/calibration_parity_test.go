package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCalibrationTorchmetricsDocs reproduces the docstring examples of
// torchmetrics' BinaryCalibrationError and MulticlassCalibrationError
// (src/torchmetrics/classification/calibration_error.py, "Example:"
// sections; the printed tensors are rounded to 4 decimals). Binary mode bins
// the positive-class probability (TopLabel false); no confidence lies on an
// edge, so both edge rules agree.
func TestCalibrationTorchmetricsDocs(t *testing.T) {
	binP1 := []float64{0.25, 0.25, 0.55, 0.75, 0.75}
	binY := []int{0, 0, 1, 1, 1}
	binProbs := make([]float64, 0, 2*len(binP1))
	for _, p := range binP1 {
		binProbs = append(binProbs, 1-p, p)
	}
	mcProbs := []float64{
		0.25, 0.20, 0.55,
		0.55, 0.05, 0.40,
		0.10, 0.30, 0.60,
		0.90, 0.05, 0.05,
	}
	mcY := []int{0, 1, 2, 0}
	tests := []struct {
		name  string
		probs []float64
		k     int
		label []int
		bins  int
		top   bool
		norm  Norm
		want  float64
	}{
		{"BinaryCalibrationError l1", binProbs, 2, binY, 2, false, L1, 0.2900},
		{"BinaryCalibrationError l2", binProbs, 2, binY, 2, false, L2, 0.2918},
		{"BinaryCalibrationError max", binProbs, 2, binY, 2, false, Max, 0.3167},
		{"MulticlassCalibrationError l1", mcProbs, 3, mcY, 3, true, L1, 0.2000},
		{"MulticlassCalibrationError l2", mcProbs, 3, mcY, 3, true, L2, 0.2082},
		{"MulticlassCalibrationError max", mcProbs, 3, mcY, 3, true, Max, 0.2333},
	}
	for _, tc := range tests {
		for _, rule := range []EdgeRule{RightClosed, LeftClosed} {
			t.Run(tc.name+" "+rule.String(), func(t *testing.T) {
				spec := CalibrationSpec{Bins: tc.bins, Binning: EqualWidth, Norm: tc.norm, TopLabel: tc.top, Edges: rule}
				got := CalibrationError(tc.probs, tc.k, tc.label, spec, nil)
				assert.InDelta(t, tc.want, got.Value, 5e-5)
			})
		}
	}
}

// TestCalibrationEdgeRule puts confidences exactly on bin edges. Expected
// values are hand computations from the two rules: torchmetrics'
// _binning_bucketize (bucketize(right=True) − 1 over len(boundaries) bins:
// [0, .5), [.5, 1), [1, 1]) and Guo et al.'s right-closed bins ([0, .5],
// (.5, 1]).
//
//	conf    0.25 0.5 0.5 1.0
//	outcome 0    1   1   0
//
// left:  {.25} gap .25 ·¼ + {.5,.5} gap .5 ·½ + {1} gap 1 ·¼ = 0.5625
// right: {.25,.5,.5} acc ⅔ conf 1.25/3, gap .25 ·¾ + {1} gap 1 ·¼ = 0.4375
func TestCalibrationEdgeRule(t *testing.T) {
	conf := []float64{0.25, 0.5, 0.5, 1.0}
	outcome := []float64{0, 1, 1, 0}
	tests := []struct {
		rule     EdgeRule
		norm     Norm
		want     float64
		wantBins int
	}{
		{LeftClosed, L1, 0.5625, 3},
		{RightClosed, L1, 0.4375, 2},
		{LeftClosed, Max, 1, 3},
		{RightClosed, Max, 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.rule.String()+" "+tc.norm.String(), func(t *testing.T) {
			spec := CalibrationSpec{Bins: 2, Binning: EqualWidth, Norm: tc.norm, TopLabel: false, Edges: tc.rule}
			got := CalibrationErrorFromConfidence(conf, outcome, spec, nil)
			assert.InDelta(t, tc.want, got.Value, 1e-12)
			require.Len(t, got.Bins, tc.wantBins)
			if tc.rule == LeftClosed {
				assert.Equal(t, ReliabilityBin{Lower: 1, Upper: 1, Confidence: 1, Accuracy: 0, Count: 1}, got.Bins[2])
			}
			ci := BootstrapCalibrationCI(conf, outcome, spec, 200, 0.95, 1)
			assert.LessOrEqual(t, ci.Low, ci.High)
		})
	}
	// No confidence reaches 1: the extra bin is not reported.
	got := CalibrationErrorFromConfidence([]float64{0.2, 0.7}, []float64{0, 1}, CalibrationSpec{Bins: 2, Edges: LeftClosed}, nil)
	assert.Len(t, got.Bins, 2)
}

func TestBinIndex(t *testing.T) {
	edges := []float64{0.5, 1}
	tests := []struct {
		c           float64
		right, left int
	}{
		{-0.1, 0, 0}, {0, 0, 0}, {0.25, 0, 0}, {0.5, 0, 1}, {0.75, 1, 1}, {1, 1, 2}, {1.2, 1, 2},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.right, BinIndex(edges, tc.c, RightClosed), "right %v", tc.c)
		assert.Equal(t, tc.left, BinIndex(edges, tc.c, LeftClosed), "left %v", tc.c)
	}
}

func TestEdgeRuleText(t *testing.T) {
	for _, r := range []EdgeRule{RightClosed, LeftClosed} {
		b, err := r.MarshalText()
		require.NoError(t, err)
		var back EdgeRule
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, r, back)
	}
	var r EdgeRule
	assert.ErrorContains(t, r.UnmarshalText([]byte("middle")), `unknown edge rule "middle" (known: right, left)`)
	_, err := EdgeRule(7).MarshalText()
	assert.Error(t, err)
	assert.Equal(t, "positive-class, 2 equal-width bins, l1, left-closed", CalibrationSpec{Bins: 2, Edges: LeftClosed}.String())
}
