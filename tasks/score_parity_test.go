package tasks

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/metrics"
)

func binaryPreds(p1 []float64, label []int) []Prediction {
	out := make([]Prediction, len(p1))
	for i, p := range p1 {
		pred := 0
		if p > 0.5 {
			pred = 1
		}
		out[i] = Prediction{Index: i, Label: label[i], Pred: pred, Probs: []float64{1 - p, p}}
	}
	return out
}

// TestParityMetrics scores the peer-named suite metrics through a Classifier.
//   - brier_binary: scikit-learn's brier_score_loss docstring example
//     (y_true [0,1,1,0], y_prob [.1,.9,.8,.3] → 0.0375; rechecked with
//     scikit-learn 1.2.1), half of the two-class "brier".
//   - ece/rms_ce/mce_binary: torchmetrics' BinaryCalibrationError docstring
//     example (n_bins=2: 0.2900, 0.2918, 0.3167).
//   - ece_10_bin: HELMSpec (10 equal-mass bins, top label), whatever the
//     calibration section says.
func TestParityMetrics(t *testing.T) {
	names := []string{"brier", "brier_binary", "ece_binary", "rms_ce_binary", "mce_binary", "ece_10_bin"}
	c, err := NewClassifier(ClassificationConfig{Classes: []string{"neg", "pos"}, Scores: ScoresProbabilities, Metrics: names, Bins: 2})
	require.NoError(t, err)

	s, err := c.Score(binaryPreds([]float64{0.1, 0.9, 0.8, 0.3}, []int{0, 1, 1, 0}))
	require.NoError(t, err)
	assert.InDelta(t, 0.075, s.Metrics[0].Value, 1e-12)
	assert.InDelta(t, 0.0375, s.Metrics[1].Value, 1e-12)
	assert.Equal(t, "pos", s.Metrics[1].Spec["positive_class"])

	p1 := []float64{0.25, 0.25, 0.55, 0.75, 0.75}
	y := []int{0, 0, 1, 1, 1}
	s, err = c.Score(binaryPreds(p1, y))
	require.NoError(t, err)
	got := map[string]MetricValue{}
	for _, m := range s.Metrics {
		got[m.Name] = m
	}
	assert.InDelta(t, 0.2900, got["ece_binary"].Value, 5e-5)
	assert.InDelta(t, 0.2918, got["rms_ce_binary"].Value, 5e-5)
	assert.InDelta(t, 0.3167, got["mce_binary"].Value, 5e-5)
	assert.Equal(t, "positive-class", got["ece_binary"].Spec["mode"])
	assert.False(t, got["ece_binary"].HigherIsBetter)

	probs := make([]float64, 0, 10)
	for _, p := range p1 {
		probs = append(probs, 1-p, p)
	}
	helm := metrics.CalibrationError(probs, 2, y, metrics.HELMSpec, nil).Value
	assert.InDelta(t, helm, got["ece_10_bin"].Value, 1e-12)
	assert.Equal(t, "equal-mass", got["ece_10_bin"].Spec["binning"])
	assert.Equal(t, "10", got["ece_10_bin"].Spec["bins"])
	// A reliability diagram comes with every calibration metric.
	assert.Len(t, s.Reliability, 4)
}

// TestParityMetricsNeedBinary: the positive-class metrics are undefined,
// with the reason, for more than two classes.
func TestParityMetricsNeedBinary(t *testing.T) {
	c, err := NewClassifier(ClassificationConfig{Classes: []string{"a", "b", "c"}, Scores: ScoresProbabilities,
		Metrics: []string{"brier_binary", "ece_binary", "ece_10_bin"}})
	require.NoError(t, err)
	s, err := c.Score([]Prediction{{Label: 0, Pred: 0, Probs: []float64{0.6, 0.3, 0.1}}, {Label: 2, Pred: 1, Probs: []float64{0.2, 0.5, 0.3}}})
	require.NoError(t, err)
	for _, m := range s.Metrics[:2] {
		assert.True(t, math.IsNaN(m.Value), m.Name)
		assert.Contains(t, m.Undefined, "needs a binary task (2 classes, class 1 positive), found 3 classes")
	}
	assert.False(t, math.IsNaN(s.Metrics[2].Value))
}

// TestEdgesConfig: calibration.edges reaches ece and is recorded; the
// expected values are TestCalibrationEdgeRule's hand computation (0.5625
// left-closed as torchmetrics, 0.4375 right-closed).
func TestEdgesConfig(t *testing.T) {
	preds := binaryPreds([]float64{0.25, 0.5, 0.5, 1.0}, []int{0, 1, 1, 0})
	for _, tc := range []struct {
		rule metrics.EdgeRule
		want float64
	}{{metrics.LeftClosed, 0.5625}, {metrics.RightClosed, 0.4375}} {
		c, err := NewClassifier(ClassificationConfig{Classes: []string{"n", "p"}, Scores: ScoresProbabilities,
			Metrics: []string{"ece_binary"}, Bins: 2, Edges: tc.rule})
		require.NoError(t, err)
		s, err := c.Score(preds)
		require.NoError(t, err)
		assert.InDelta(t, tc.want, s.Metrics[0].Value, 1e-12, tc.rule.String())
		if tc.rule == metrics.LeftClosed {
			assert.Equal(t, "left-closed", s.Metrics[0].Spec["edges"])
		} else {
			assert.NotContains(t, s.Metrics[0].Spec, "edges")
		}
	}
}
