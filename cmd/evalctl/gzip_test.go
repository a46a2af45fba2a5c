package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

// Predictions written gzip-compressed are read by compare, rescore and merge
// as the plain ones are, with the same numbers.
func TestGzipPredictions(t *testing.T) {
	requireORT(t)
	dir := t.TempDir()
	plain, gz := filepath.Join(dir, "plain"), filepath.Join(dir, "gz")
	code, _, errOut := runCLI(t, "run", "testdata/linear.yaml", "--out", plain, "--format", "none")
	require.Equal(t, exitOK, code, errOut)
	code, _, errOut = runCLI(t, "run", "testdata/linear.yaml", "--out", gz, "--format", "none", "--gzip")
	require.Equal(t, exitOK, code, errOut)

	zb, err := os.ReadFile(filepath.Join(gz, "predictions.jsonl.gz"))
	require.NoError(t, err)
	assert.Equal(t, []byte{0x1f, 0x8b}, zb[:2], "gzip magic")
	pb, err := os.ReadFile(filepath.Join(plain, "predictions.jsonl"))
	require.NoError(t, err)
	assert.Less(t, len(zb), len(pb)/2, "compressed to less than half")
	assert.NoFileExists(t, filepath.Join(gz, "predictions.jsonl"))
	want, err := result.ReadFile(filepath.Join(plain, "result.json"))
	require.NoError(t, err)
	got, err := result.ReadFile(filepath.Join(gz, "result.json"))
	require.NoError(t, err)
	assert.Equal(t, "predictions.jsonl.gz", got.Predictions)
	accuracy := func(r *result.Result) float64 { m, _ := r.Evaluations[0].Metric("accuracy"); return float64(m.Value) }

	// compare pairs the examples of a plain and a compressed sidecar.
	code, out, errOut := runCLI(t, "compare", filepath.Join(plain, "result.json"), filepath.Join(gz, "result.json"), "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	var doc struct {
		Rows []struct {
			Metric string `json:"metric"`
			Test   string `json:"test"`
			Paired int    `json:"paired"`
		} `json:"rows"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.NotEmpty(t, doc.Rows)
	assert.Equal(t, "exact McNemar", doc.Rows[0].Test)
	assert.Equal(t, 120, doc.Rows[0].Paired, "linear.csv has 120 examples")

	// rescore reads the compressed sidecar and keeps it compressed.
	re := filepath.Join(dir, "rescored")
	code, _, errOut = runCLI(t, "rescore", filepath.Join(gz, "result.json"), "--out", re, "--format", "none")
	require.Equal(t, exitOK, code, errOut)
	rr, err := result.ReadFile(filepath.Join(re, "result.json"))
	require.NoError(t, err)
	assert.Equal(t, "predictions.jsonl.gz", rr.Predictions)
	assert.Equal(t, accuracy(want), accuracy(rr))

	// merge reads compressed shards.
	var shards []string
	for _, sh := range []string{"0/2", "1/2"} {
		d := filepath.Join(dir, "shard"+sh[:1])
		code, _, errOut = runCLI(t, "run", "testdata/linear.yaml", "--out", d, "--format", "none", "--gzip", "--shard", sh)
		require.Equal(t, exitOK, code, errOut)
		shards = append(shards, filepath.Join(d, "result.json"))
	}
	merged := filepath.Join(dir, "merged")
	code, _, errOut = runCLI(t, append([]string{"merge", "--out", merged, "--format", "none"}, shards...)...)
	require.Equal(t, exitOK, code, errOut)
	mr, err := result.ReadFile(filepath.Join(merged, "result.json"))
	require.NoError(t, err)
	assert.Equal(t, accuracy(want), accuracy(mr))
	assert.Equal(t, want.Evaluations[0].N, mr.Evaluations[0].N)
}
