package reports

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/metrics"
)

// privacyResult is a hand-made result with one membership-inference
// evaluation (numbers invented, intervals containing the values).
func privacyResult() *result.Result {
	ci := func(lo, hi float64) *result.CI {
		return &result.CI{Low: result.Float(lo), High: result.Float(hi), Level: 0.95, Resamples: 1000, Method: "percentile-by-class"}
	}
	return &result.Result{Schema: result.Schema, Suite: result.Suite{Name: "privacy"}, Evaluations: []result.Evaluation{{
		Model: "overfit", Task: "membership-lira", Kind: "membership_inference", Dataset: "members", Variant: "clean", N: 500,
		Metrics: []result.Metric{
			{Name: "membership_auc", Value: 0.7012, CI: ci(0.6551, 0.7466), N: 500},
			{Name: "membership_balanced_accuracy", Value: 0.652, CI: ci(0.62, 0.69), N: 500},
			{Name: "membership_tpr@fpr0.001", Value: 0.012, CI: ci(0, 0.04), N: 500},
			{Name: "membership_tpr@fpr0.01", Value: 0.06, CI: ci(0.02, 0.1), N: 500},
		},
		Privacy: &result.Privacy{Attack: "lira", Members: "members", NonMembers: "non-members", MembersN: 250, NonMembersN: 250,
			References: []string{"reference-1", "reference-2"},
			ROC:        []result.ROCPoint{{Threshold: result.Float(math.Inf(1))}, {Threshold: 3, FPR: 0, TPR: 0.012}, {Threshold: 1, FPR: 0.2, TPR: 0.5}, {Threshold: -2, FPR: 1, TPR: 1}}},
	}}}
}

func TestPrivacySection(t *testing.T) {
	r := privacyResult()
	cases := []struct {
		name  string
		write func(*bytes.Buffer) error
		want  []string
	}{
		{"table", func(b *bytes.Buffer) error { return WriteTable(b, r) }, []string{"Privacy: membership inference", "lira vs reference-1, reference-2",
			"members (250)", "non-members (250)", "0.7012 [0.6551, 0.7466]", "0.0120 [0.0000, 0.0400]"}},
		{"markdown", func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }, []string{"Privacy: membership inference", "| overfit | membership-lira | lira vs reference-1, reference-2 |",
			"0.7012 [0.6551, 0.7466]"}},
		{"html", func(b *bytes.Buffer) error { return WriteHTML(b, r, HTMLOptions{}) }, []string{`<h2 id="privacy">`, `id="privacy-table"`,
			"overfit / membership-lira: lira attack", "false-positive rate", "(log–log)", "0.7012 [0.6551, 0.7466]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, c.write(&b))
			for _, w := range c.want {
				assert.Contains(t, b.String(), w)
			}
		})
	}
}

func TestROCSVG(t *testing.T) {
	// The linear chart maps (FPR, TPR) = (0.2, 0.5) into the 300×300 frame
	// with margins L 46, R 12, T 24, B 40: x = 46 + 0.2·242 = 94.4,
	// y = 260 − 0.5·236 = 142.0.
	svg := string(rocSVG("t", privacyResult().Evaluations[0].Privacy.ROC))
	assert.Contains(t, svg, "94.4,142.0")
	assert.Equal(t, 2, strings.Count(svg, "<svg "), "a linear and a log–log chart")
	assert.Empty(t, rocSVG("t", nil))
}

func TestNoPrivacySectionWithoutAttacks(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, fixture(), HTMLOptions{}))
	assert.NotContains(t, b.String(), `id="privacy"`)
	b.Reset()
	require.NoError(t, WriteTable(&b, fixture()))
	assert.NotContains(t, b.String(), "Privacy")
}

// TestPrivacyMetricNames keeps reports' copy of the names (reports reads
// the result schema only) in step with the metric table's.
func TestPrivacyMetricNames(t *testing.T) {
	assert.Equal(t, metrics.ForKind("membership_inference", metrics.ScopeTask), privacyMetrics)
}
