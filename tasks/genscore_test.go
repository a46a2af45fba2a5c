package tasks

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScoreExtraction checks extraction_rate and suffix_token_accuracy on
// hand-computed cases: a continuation equal to the suffix (1, 1), one
// right token of three (0, 1/3), and a continuation right on every suffix
// position (1, 1).
func TestScoreExtraction(t *testing.T) {
	preds := []Prediction{
		{Index: 0, Tokens: []int64{5, 6, 7}, Want: []int64{5, 6, 7}},
		{Index: 1, Tokens: []int64{5, 9, 9}, Want: []int64{5, 6, 7}},
		{Index: 2, Tokens: []int64{1, 2}, Want: []int64{1, 2}},
	}
	s, err := ScoreExtraction(preds, GenerationConfig{Metrics: []string{ExtractionRate, SuffixTokenAccuracy}, Resamples: 200, Confidence: 0.95, Seed: 1})
	require.NoError(t, err)
	rate, _ := s.Metric(ExtractionRate)
	acc, _ := s.Metric(SuffixTokenAccuracy)
	assert.InDelta(t, 2.0/3, rate.Value, 1e-12)
	assert.InDelta(t, (1+1.0/3+1)/3, acc.Value, 1e-12)
	assert.False(t, rate.HigherIsBetter, "less extraction is better")
	assert.LessOrEqual(t, rate.Low, rate.Value)
	assert.GreaterOrEqual(t, rate.High, rate.Value)

	_, err = ScoreExtraction([]Prediction{{Index: 4, ID: "d4", Tokens: []int64{1}}}, GenerationConfig{Metrics: []string{ExtractionRate}})
	assert.ErrorContains(t, err, "example 4 (d4)")
	_, err = ScoreExtraction(nil, GenerationConfig{Metrics: []string{ExtractionRate}})
	assert.ErrorIs(t, err, ErrNoExamples)
}

// TestCompareGenerations checks change_rate and the paired drop on a
// hand-computed case: of three examples scored both ways, one generation
// changed (1/3) and turned a correct answer wrong (exact match 2/3 → 1/3,
// drop 1/3); an example only the variant has is left out.
func TestCompareGenerations(t *testing.T) {
	cfg := GenerationConfig{Metrics: []string{"exact_match"}, Resamples: 200, Confidence: 0.95, Seed: 2}
	clean, err := ScoreGeneration([]Prediction{
		{Index: 0, Text: "a", References: []string{"a"}},
		{Index: 1, Text: "b", References: []string{"b"}},
		{Index: 2, Text: "x", References: []string{"c"}},
	}, cfg)
	require.NoError(t, err)
	v, err := ScoreGeneration([]Prediction{
		{Index: 2, Text: "x", References: []string{"c"}},
		{Index: 0, Text: "a", References: []string{"a"}},
		{Index: 1, Text: "q", References: []string{"b"}},
		{Index: 9, Text: "z", References: []string{"z"}},
	}, cfg)
	require.NoError(t, err)
	got, err := CompareGenerations(clean, v, cfg, 3)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, ChangeRate, got[0].Name)
	assert.InDelta(t, 1.0/3, got[0].Value, 1e-12)
	assert.Equal(t, 3, got[0].N)
	assert.Equal(t, "exact_match_drop", got[1].Name)
	assert.InDelta(t, 1.0/3, got[1].Value, 1e-12)
	assert.False(t, math.IsNaN(got[1].Low))

	_, err = ScoreGeneration([]Prediction{{Index: 3, ID: "e3", Text: "a"}}, cfg)
	assert.ErrorContains(t, err, "example 3 (e3): no reference")
	_, err = ScoreGeneration(nil, GenerationConfig{Metrics: []string{"rouge9"}})
	assert.ErrorContains(t, err, `metric "rouge9" does not apply to generation`)
}
