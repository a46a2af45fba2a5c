package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

// TestRunLabel: `run --label` is recorded as the result's run.label, which
// the leaderboard uses to tell checkpoints of one model name apart.
func TestRunLabel(t *testing.T) {
	requireORT(t)
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "run", "testdata/linear.yaml", "--out", dir, "--format", "none", "--label", "step-2000")
	require.Equal(t, exitOK, code, errOut)
	r, err := result.ReadFile(filepath.Join(dir, "result.json"))
	require.NoError(t, err)
	assert.Equal(t, "step-2000", r.Run.Label)
}
