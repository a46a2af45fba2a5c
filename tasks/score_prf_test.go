package tasks

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func classPreds(yt, yp []int, k int) []Prediction {
	out := make([]Prediction, len(yt))
	for i := range yt {
		probs := make([]float64, k)
		for j := range probs {
			probs[j] = 0.1 / float64(k-1)
		}
		probs[yp[i]] = 0.9
		out[i] = Prediction{Index: i, Label: yt[i], Pred: yp[i], Probs: probs}
	}
	return out
}

// TestPRFSuiteNames scores scikit-learn's scorer names through a
// Classifier. Expected values: scikit-learn 1.2.1
// precision_recall_fscore_support(zero_division=0) on the cases of
// metrics.TestPRFScikitLearn (y_true [0,0,0,1,1,2,2,2,2,3],
// y_pred [0,1,0,1,1,2,0,2,1,1]; binary y_true [0,1,1,0,1,1],
// y_pred [0,1,0,0,1,1]).
func TestPRFSuiteNames(t *testing.T) {
	names := []string{"precision_micro", "precision_macro", "precision_weighted", "recall_macro", "recall_weighted",
		"f1_micro", "f1_macro", "f1_weighted", "macro_f1", "precision@b", "recall@c", "f1@d", "f1@zz", "f1"}
	c, err := NewClassifier(ClassificationConfig{Classes: []string{"a", "b", "c", "d"}, Scores: ScoresProbabilities,
		Metrics: names, Resamples: 200})
	require.NoError(t, err)
	s, err := c.Score(classPreds([]int{0, 0, 0, 1, 1, 2, 2, 2, 2, 3}, []int{0, 1, 0, 1, 1, 2, 0, 2, 1, 1}, 4))
	require.NoError(t, err)
	want := map[string]float64{
		"precision_micro": 0.6, "precision_macro": 0.5166666666666666, "precision_weighted": 0.6799999999999999,
		"recall_macro": 0.5416666666666666, "recall_weighted": 0.6,
		"f1_micro": 0.6, "f1_macro": 0.47619047619047616, "f1_weighted": 0.580952380952381, "macro_f1": 0.47619047619047616,
		"precision@b": 0.4, "recall@c": 0.5, "f1@d": 0,
	}
	for _, m := range s.Metrics {
		if w, ok := want[m.Name]; ok {
			assert.InDelta(t, w, m.Value, 1e-12, m.Name)
			assert.True(t, m.HigherIsBetter, m.Name)
			assert.LessOrEqual(t, m.Low, m.High, m.Name)
			continue
		}
		assert.True(t, math.IsNaN(m.Value), m.Name)
		switch m.Name {
		case "f1@zz":
			assert.Equal(t, `f1@zz: no class "zz" among [a b c d]`, m.Undefined)
		case "f1":
			assert.Contains(t, m.Undefined, "f1 is binary (class 1 positive) but the task has 4 classes")
		}
	}

	c, err = NewClassifier(ClassificationConfig{Classes: []string{"neg", "pos"}, Scores: ScoresProbabilities,
		Metrics: []string{"precision", "recall", "f1", "f1@neg"}})
	require.NoError(t, err)
	s, err = c.Score(classPreds([]int{0, 1, 1, 0, 1, 1}, []int{0, 1, 0, 0, 1, 1}, 2))
	require.NoError(t, err)
	for i, w := range []float64{1.0, 0.75, 0.8571428571428571, 0.8} {
		assert.InDelta(t, w, s.Metrics[i].Value, 1e-12, s.Metrics[i].Name)
	}
	assert.Equal(t, "pos", s.Metrics[0].Spec["positive_class"])
}

func TestPRFValidNames(t *testing.T) {
	for name, ok := range map[string]bool{
		"f1": true, "f1_weighted": true, "precision@cat": true, "recall_macro": true,
		"f1_samples": false, "precision@": false, "f2": false,
	} {
		assert.Equal(t, ok, ValidMetric("classification", name), name)
	}
}
