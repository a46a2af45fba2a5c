package harness

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chunkFiles lists the cache chunks a run wrote under out.
func chunkFiles(t *testing.T, out string) []string {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir(filepath.Join(out, "cache"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "chunk-") {
			files = append(files, p)
		}
		return err
	}))
	require.NotEmpty(t, files)
	return files
}

// tamper rewrites every cached chunk with edit; with rehash the chunk's
// SHA-256 is recomputed, as a forger would.
func tamper(t *testing.T, out string, rehash bool, edit func(f *chunkFile)) {
	t.Helper()
	for _, p := range chunkFiles(t, out) {
		orig, err := os.ReadFile(p)
		require.NoError(t, err)
		body, ok := unsealChunk(orig)
		require.True(t, ok, "a chunk as written passes its check")
		var f chunkFile
		require.NoError(t, json.Unmarshal(body, &f))
		edit(&f)
		b, err := json.Marshal(&f)
		require.NoError(t, err)
		if rehash {
			b = sealChunk(b)
		} else {
			b = append(b, orig[len(body):]...) // the original integrity line
		}
		require.NoError(t, os.WriteFile(p, b, 0o644))
	}
}

// TestTamperedCacheIsRecomputed reproduces issue 11's cases: a chunk whose
// predicted classes or probabilities were rewritten (which used to give
// accuracy 0.473 instead of 0.858 with no warning), a forged chunk (hash
// recomputed) with a class index out of range or too few probabilities
// (which used to panic), and a chunk that is not JSON. Each is detected,
// reported with a warning naming the file, and recomputed, so the metrics
// equal a run without a cache.
func TestTamperedCacheIsRecomputed(t *testing.T) {
	cases := []struct {
		name   string
		rehash bool
		edit   func(f *chunkFile)
	}{
		{"classes rewritten", false, func(f *chunkFile) {
			for i := range f.Entries {
				f.Entries[i].Pred = (f.Entries[i].Pred + 1) % 3
			}
		}},
		{"probabilities rewritten", false, func(f *chunkFile) {
			for i := range f.Entries {
				f.Entries[i].Probs = []float64{1, 0, 0}
			}
		}},
		{"class out of range, rehashed", true, func(f *chunkFile) { f.Entries[0].Pred = 99 }},
		{"too few probabilities, rehashed", true, func(f *chunkFile) { f.Entries[0].Probs = f.Entries[0].Probs[:1] }},
		{"not a chunk", false, func(f *chunkFile) { f.Key = "" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _, _ := writeFixture(t, 1500, "")
			want, err := runFixture(t, p, &fakeModel{}, func(o *Options) { o.OutDir += "-clean" })
			require.NoError(t, err)
			out := filepath.Join(filepath.Dir(p), "out")
			_, err = runFixture(t, p, &fakeModel{}, nil)
			require.NoError(t, err)
			tamper(t, out, c.rehash, c.edit)
			var warnings []string
			f := &fakeModel{}
			got, err := runFixture(t, p, f, func(o *Options) { o.Warn = func(s string) { warnings = append(warnings, s) } })
			require.NoError(t, err)
			assert.Equal(t, want.Evaluations[0].Metrics, got.Evaluations[0].Metrics)
			assert.Zero(t, got.Run.Resumed, "no damaged chunk is trusted")
			assert.NotEmpty(t, f.batches, "the damaged chunks are run again")
			require.Len(t, warnings, 2, "one warning per damaged chunk")
			assert.Contains(t, warnings[0], "chunk-000000.json is damaged")
			// The recomputed chunks are sound again.
			again, err := runFixture(t, p, &fakeModel{}, nil)
			require.NoError(t, err)
			assert.Equal(t, 1500, again.Run.Resumed)
		})
	}
}

// TestAllInvalidOutputsDoNotAbortTheRun reproduces issue 11's case of a
// model whose every output is NaN under invalid: exclude: the evaluation is
// recorded as undefined with the reason, the run goes on, and a gate on it
// fails.
func TestAllInvalidOutputsDoNotAbortTheRun(t *testing.T) {
	p, _, _ := writeFixture(t, 40, "gates: [\"accuracy >= 0.1\"]\n")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(b), "kind: classification", "kind: classification\n    invalid: exclude", 1)), 0o644))
	res, err := runFixture(t, p, &fakeModel{nanAbove: -1e9}, nil)
	require.NoError(t, err)
	ev := res.Evaluations[0]
	assert.Equal(t, 0, ev.N)
	assert.Equal(t, 40, ev.Invalid)
	for _, m := range ev.Metrics {
		assert.True(t, m.Value.IsNaN(), m.Name)
		assert.Contains(t, m.Undefined, "all 40 outputs were invalid")
	}
	require.Len(t, res.Gates, 1)
	assert.False(t, res.Gates[0].Pass)
}

// TestEfficiencySurvivesTheCache checks that a run whose predictions all
// come from the cache reports the cost of the run that computed them
// (issue 13: it used to report 0 examples/s and 0 ms), marked as cached.
func TestEfficiencySurvivesTheCache(t *testing.T) {
	p, _, _ := writeFixture(t, 1500, "")
	first, err := runFixture(t, p, &fakeModel{}, nil)
	require.NoError(t, err)
	again, err := runFixture(t, p, &fakeModel{}, nil)
	require.NoError(t, err)
	a, b := first.Evaluations[0].Efficiency, again.Evaluations[0].Efficiency
	assert.False(t, a.Cached)
	assert.True(t, b.Cached)
	assert.Equal(t, 1500, b.CachedExamples)
	assert.Equal(t, a.Batches, b.Batches)
	assert.InDelta(t, a.InferenceSeconds, b.InferenceSeconds, 1e-6)
	assert.GreaterOrEqual(t, b.WallSeconds, a.InferenceSeconds, "the stored wall time covers at least the stored inference")
	assert.Positive(t, b.ExamplesPerSecond)
	assert.Equal(t, a.LatencyMs.P50, b.LatencyMs.P50)
	assert.Equal(t, a.LatencyMs.P99, b.LatencyMs.P99)
}
