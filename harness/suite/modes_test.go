package suite_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
)

// TestModesDecodeTyped checks that the mode keys decode into their typed
// values, spelled in YAML as before, and that an absent key gets the
// documented default (docs/suite.md). Each want lists scores, invalid,
// binning and edges (as package metrics prints them), fairness method and agg.
func TestModesDecodeTyped(t *testing.T) {
	cases := map[string]string{
		"fairness: {}": "auto wrong equal-width right  ",
		"scores: logits\ninvalid: exclude\ncalibration: {binning: equal_mass, edges: left}\nfairness: {method: to_overall, agg: mean}":                  "logits exclude equal-mass left to_overall mean",
		"scores: probabilities\ninvalid: wrong\ncalibration: {binning: equal_width, edges: right}\nfairness: {method: between_groups, agg: worst_case}": "probabilities wrong equal-width right between_groups worst_case",
	}
	for task, want := range cases {
		s, err := suite.Parse([]byte(sectionSuite("classification", task, groupedData)), "testdata/modes.yaml")
		require.NoError(t, err, task)
		tk := s.Tasks[0]
		require.NotNil(t, tk.Fairness, task)
		got := fmt.Sprintf("%s %s %s %s %s %s", tk.Scores, tk.Invalid, tk.Calibration.Binning.Metrics(), tk.Calibration.Edges.Metrics(), tk.Fairness.Method, tk.Fairness.Agg)
		assert.Equal(t, want, got, task)
	}
	// The constants are the typed values consumers switch on.
	s, err := suite.Parse([]byte(sectionSuite("classification", "scores: logits\ninvalid: exclude\ncalibration: {binning: equal_mass, edges: left}\nfairness: {method: to_overall, agg: mean}", groupedData)), "testdata/modes.yaml")
	require.NoError(t, err)
	tk := s.Tasks[0]
	assert.Equal(t, tasks.ScoresLogits, tk.Scores)
	assert.Equal(t, tasks.InvalidExclude, tk.Invalid)
	assert.Equal(t, suite.EqualMass, tk.Calibration.Binning)
	assert.Equal(t, metrics.LeftClosed, tk.Calibration.Edges.Metrics())
	assert.Equal(t, fairness.MethodToOverall, tk.Fairness.Method)
	assert.Equal(t, fairness.Mean, tk.Fairness.Agg)
}

// TestModeEnumerations checks that the lists validation quotes in its
// errors are spelled from the typed constants, in the documented order.
func TestModeEnumerations(t *testing.T) {
	assert.Equal(t, []string{"auto", "logits", "probabilities"}, suite.ScoreModes)
	assert.Equal(t, []string{"wrong", "exclude"}, suite.InvalidPolicies)
	assert.Equal(t, []string{"equal_width", "equal_mass"}, suite.Binnings)
	assert.Equal(t, []string{"right", "left"}, suite.EdgeRules)
	assert.Equal(t, []string{"random", "first", "balanced"}, suite.Samplers)
	assert.Equal(t, []string{"logreg", "knn", "centroid"}, tasks.ProbeMethods)
	assert.Equal(t, []string{"loss", "confidence", "lira"}, tasks.AttackScores)
	assert.Equal(t, []string{"none", "cls", "mean", "max"}, tasks.Poolings)
}
