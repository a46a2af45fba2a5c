package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLeaderboardFamilies: the command wires the metric table's families
// into the leaderboard, so the bundled suites' results group their task
// metrics by family (k-shot probe accuracies under accuracy, the _ts
// figures and the temperature under calibration, the temperature unranked).
func TestLeaderboardFamilies(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	var args []string
	for _, f := range []string{"quickstart", "spam-shift", "credit-fairness"} {
		args = append(args, filepath.Join("..", "..", "reports", "testdata", f+".result.json"))
	}
	code, _, errOut := runCLI(t, append([]string{"leaderboard", "--out", out}, args...)...)
	require.Equal(t, exitOK, code, errOut)
	idx, err := os.ReadFile(filepath.Join(out, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(idx), "Mean win rate by family")
	assert.NotContains(t, string(idx), ">other</th>", "every metric of the bundled suites has a family")
	pages, err := filepath.Glob(filepath.Join(out, "tasks", "fashion-[0-9a-f]*.html"))
	require.NoError(t, err)
	require.Len(t, pages, 1)
	fashion, err := os.ReadFile(pages[0])
	require.NoError(t, err)
	for _, want := range []string{
		`title="calibration: nll_ts (lower is better)"`,
		`title="calibration: temperature, `,
	} {
		assert.Contains(t, string(fashion), want)
	}
	probes, err := filepath.Glob(filepath.Join(out, "tasks", "fashion-probes-*.html"))
	require.NoError(t, err)
	require.Len(t, probes, 1)
	b, err := os.ReadFile(probes[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), `title="accuracy: kshot_accuracy@5 (higher is better)"`)
}
