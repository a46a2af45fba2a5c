package harness

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

// TestResultGolden pins the result JSON a run writes (schema
// evalctl.result/v1) on the fake-model fixture: every field, with the
// machine-dependent ones (host, Go version, temporary paths, timings)
// scrubbed. Refresh with go test ./harness -run ResultGolden -update.
func TestResultGolden(t *testing.T) {
	p, _, _ := writeFixture(t, 60, "gates:\n  - accuracy >= 0.5\n")
	res, err := runFixture(t, p, &fakeModel{}, func(o *Options) {
		// No RAPL counters and a 65 W figure: the cost is estimated on
		// every machine alike.
		o.PowercapRoot, o.PowerWatts = t.TempDir(), 65
	})
	require.NoError(t, err)
	scrub(res)
	got, err := json.MarshalIndent(res, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	golden := filepath.Join("testdata", "result.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./harness -run ResultGolden -update")
	assert.Equal(t, string(want), string(got))
	// The golden file is itself a valid result.
	_, err = result.Decode(want)
	assert.NoError(t, err)
}

func scrub(r *result.Result) {
	r.Run.Host, r.Run.GoVersion, r.Suite.Path = "HOST", "GO", "SUITE"
	for i := range r.Evaluations {
		if e := r.Evaluations[i].Efficiency; e != nil {
			e.WallSeconds, e.InferenceSeconds, e.ExamplesPerSecond = 0, 0, 0
			e.LatencyMs = result.Latency{}
		}
		if c := r.Evaluations[i].Cost; c != nil {
			c.WallSeconds, c.CPUSeconds = 0, 0
			c.CPUEnergy.Value, c.Energy.Value, c.Carbon.Value = 0, 0, 0
		}
	}
}
