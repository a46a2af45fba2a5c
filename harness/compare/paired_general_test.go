package compare

import (
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/tasks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// addECE marks a fixture side as a classification evaluation and adds its
// ECE, computed by the task's own scorer from the side's predictions.
func addECE(t *testing.T, r *result.Result, sidecar string) {
	t.Helper()
	ev := &r.Evaluations[0]
	ev.Kind, ev.Classes = "classification", []string{"neg", "pos"}
	var preds []tasks.Prediction
	require.NoError(t, result.ReadPredictions(sidecar, func(p *result.Prediction) error {
		preds = append(preds, tasks.Prediction{Index: p.Index, Label: p.Label, Pred: p.Pred, Probs: p.Probs})
		return nil
	}))
	c, err := tasks.NewClassifier(tasks.ClassificationConfig{Classes: ev.Classes, Scores: tasks.ScoresProbabilities, Metrics: []string{"ece"}})
	require.NoError(t, err)
	s, err := c.Score(preds)
	require.NoError(t, err)
	m, _ := s.Metric("ece")
	ev.Metrics = append(ev.Metrics, result.Metric{Name: "ece", Value: result.Float(m.Value), N: m.N})
}

// TestPairedAnyClassificationMetric: a metric that is not a mean of
// per-example terms (ECE) is still compared with a paired bootstrap, by
// recomputing it with the task's definition on resampled shared examples.
func TestPairedAnyClassificationMetric(t *testing.T) {
	base, bp := mkSide(t, "m", pattern(200, rng(0, 30)...), 0.9, "sha")
	cand, cp := mkSide(t, "m", pattern(200, rng(0, 10)...), 0.7, "sha")
	addECE(t, base, bp)
	addECE(t, cand, cp)
	c, err := Compare(base, cand, bp, cp, Options{Resamples: 300})
	require.NoError(t, err)
	var ece *result.CompareRow
	for i := range c.Rows {
		if c.Rows[i].Metric == "ece" {
			ece = &c.Rows[i]
		}
	}
	require.NotNil(t, ece)
	assert.Equal(t, "paired bootstrap", ece.Test)
	assert.Equal(t, 200, ece.Paired)
	require.NotNil(t, ece.DeltaCI)
	assert.LessOrEqual(t, float64(ece.DeltaCI.Low), float64(ece.Delta))
	assert.GreaterOrEqual(t, float64(ece.DeltaCI.High), float64(ece.Delta))
}
