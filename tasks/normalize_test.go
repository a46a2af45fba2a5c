package tasks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/tasks/tensor"
)

// TestNormalizeRows: rows that do not sum to 1 are an error naming the
// example, or with Normalize are rescaled; the NLL then equals
// scikit-learn 1.2.1's log_loss, which divides each row by its sum
// (log_loss([0,1,2], [[.5,.3,.4],[.1,.7,.3],[.2,.2,.2]]) = 0.8086887165883557).
func TestNormalizeRows(t *testing.T) {
	out := tensor.Tensor{Name: "probabilities", DType: tensor.Float64, Shape: []int64{3, 3},
		Data: []float64{0.5, 0.3, 0.4, 0.1, 0.7, 0.3, 0.2, 0.2, 0.2}}
	labels := []int{0, 1, 2}
	mk := func() []Prediction {
		p := make([]Prediction, 3)
		for i := range p {
			p[i] = Prediction{Index: 10 + i, ID: []string{"a", "b", "c"}[i], Label: labels[i]}
		}
		return p
	}

	c, err := NewClassifier(ClassificationConfig{Classes: []string{"x", "y", "z"}, Scores: ScoresProbabilities, Metrics: []string{"nll"}})
	require.NoError(t, err)
	err = c.Decode(out, 3, mk())
	require.Error(t, err)
	assert.Equal(t, `example 10 (id "a"): probabilities sum to 1.2, want 1 within 0.001; set the task's normalize: true to rescale each row by its sum (as scikit-learn's log_loss does), or scores: logits if the output holds unnormalised scores`, err.Error())

	c, err = NewClassifier(ClassificationConfig{Classes: []string{"x", "y", "z"}, Scores: ScoresProbabilities, Metrics: []string{"nll"}, Normalize: true})
	require.NoError(t, err)
	preds := mk()
	require.NoError(t, c.Decode(out, 3, preds))
	assert.InDeltaSlice(t, []float64{0.5 / 1.2, 0.3 / 1.2, 0.4 / 1.2}, preds[0].Probs, 1e-15)
	s, err := c.Score(preds)
	require.NoError(t, err)
	assert.InDelta(t, 0.8086887165883557, s.Metrics[0].Value, 1e-12)

	// Within the tolerance rows pass unchanged.
	ok := tensor.Tensor{Name: "probabilities", DType: tensor.Float64, Shape: []int64{1, 2}, Data: []float64{0.3, 0.7005}}
	c, err = NewClassifier(ClassificationConfig{Classes: []string{"x", "y"}, Scores: ScoresProbabilities})
	require.NoError(t, err)
	p := []Prediction{{Index: 0}}
	require.NoError(t, c.Decode(ok, 1, p))
	assert.Equal(t, []float64{0.3, 0.7005}, p[0].Probs)

	// A negative entry cannot be normalised.
	neg := tensor.Tensor{Name: "probabilities", DType: tensor.Float64, Shape: []int64{1, 2}, Data: []float64{-0.2, 0.7}}
	c, err = NewClassifier(ClassificationConfig{Classes: []string{"x", "y"}, Scores: ScoresProbabilities, Normalize: true})
	require.NoError(t, err)
	assert.EqualError(t, c.Decode(neg, 1, []Prediction{{Index: 4}}), "example 4: class 0: probability -0.2 is negative and cannot be normalised")
}
