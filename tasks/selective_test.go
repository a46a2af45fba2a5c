package tasks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Four predictions, by confidence: 0.9 right, 0.8 wrong, 0.7 right, 0.6 wrong
// (binary, so the confidence is the larger probability). By hand, with
// HELM's indexing (the int(c·n)+1 most confident, metrics.AccuracyAtCoverage):
// selective_acc@50 = 2 of the 3 most confident = 2/3; selective_acc@25 =
// 1 of the 2 most confident = 1/2; the risk–coverage curve is (0.25, 0),
// (0.5, 0.5), (0.75, 1/3), (1, 0.5).
func TestSelectiveCoverages(t *testing.T) {
	preds := []Prediction{
		{Label: 0, Pred: 0, Probs: []float64{0.9, 0.1}},
		{Label: 1, Pred: 0, Probs: []float64{0.8, 0.2}},
		{Label: 1, Pred: 1, Probs: []float64{0.3, 0.7}},
		{Label: 0, Pred: 1, Probs: []float64{0.4, 0.6}},
	}
	c, err := NewClassifier(ClassificationConfig{Classes: []string{"a", "b"}, Scores: ScoresProbabilities,
		Metrics: []string{"selective_acc@50", "selective_acc@25"}})
	require.NoError(t, err)
	s, err := c.Score(preds)
	require.NoError(t, err)
	m50, _ := s.Metric("selective_acc@50")
	m25, _ := s.Metric("selective_acc@25")
	assert.InDelta(t, 2.0/3, m50.Value, 1e-12)
	assert.InDelta(t, 0.5, m25.Value, 1e-12)
	assert.True(t, m50.HigherIsBetter)
	want := []CoveragePoint{{0.25, 0}, {0.5, 0.5}, {0.75, 1.0 / 3}, {1, 0.5}}
	require.Len(t, s.RiskCoverage, len(want))
	for i, p := range want {
		assert.InDelta(t, p.Coverage, s.RiskCoverage[i].Coverage, 1e-12)
		assert.InDelta(t, p.Risk, s.RiskCoverage[i].Risk, 1e-12)
	}
}

func TestValidMetric(t *testing.T) {
	for _, tc := range []struct {
		kind, name string
		ok         bool
	}{
		{"classification", "accuracy", true},
		{"classification", "selective_acc@10", true},
		{"classification", "selective_acc@2.5", true},
		{"classification", "selective_acc@0", false},
		{"classification", "selective_acc@101", false},
		{"classification", "selective_acc@x", false},
		{"regression", "selective_acc@10", false},
		{"regression", "mae", true},
		{"nope", "accuracy", false},
	} {
		assert.Equal(t, tc.ok, ValidMetric(tc.kind, tc.name), "%s %s", tc.kind, tc.name)
	}
}
