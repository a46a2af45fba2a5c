package tasks

import (
	"testing"

	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A scikit-learn ZipMap output arrives (from harness/ort) as a dense [n, k]
// tensor whose columns follow the sorted class keys. Decode must put each
// column under the task's class of the same name (or index), whatever the
// order, and reject keys that match no class.
func TestDecodeZipMapKeys(t *testing.T) {
	out := tensor.Tensor{Name: "output_probability", DType: tensor.Float32, Shape: []int64{2, 3},
		Data: []float32{0.2, 0.5, 0.3, 0.6, 0.1, 0.3}, Keys: []string{"10", "2", "7"}}
	c, err := NewClassifier(ClassificationConfig{Classes: []string{"2", "7", "10"}})
	require.NoError(t, err)
	preds := make([]Prediction, 2)
	require.NoError(t, c.Decode(out, 2, preds))
	assert.Equal(t, ScoresProbabilities, c.Mode(), "an output named like prob* holds probabilities")
	assert.InDeltaSlice(t, []float64{0.5, 0.3, 0.2}, preds[0].Probs, 1e-7)
	assert.Equal(t, 0, preds[0].Pred, "class \"2\"")
	assert.InDeltaSlice(t, []float64{0.1, 0.3, 0.6}, preds[1].Probs, 1e-7)
	assert.Equal(t, 2, preds[1].Pred, "class \"10\"")

	// Integer keys index the class list when the names do not match.
	byIndex, _ := NewClassifier(ClassificationConfig{Classes: []string{"a", "b"}})
	two := tensor.Tensor{Name: "output_probability", DType: tensor.Float32, Shape: []int64{1, 2}, Data: []float32{0.9, 0.1}, Keys: []string{"0", "1"}}
	require.NoError(t, byIndex.Decode(two, 1, make([]Prediction, 1)))

	bad, _ := NewClassifier(ClassificationConfig{Classes: []string{"a", "b", "c"}})
	err = bad.Decode(out, 2, make([]Prediction, 2))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `class key "10" matches no class`)
}
