package harness

import (
	"os"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunCost checks the cost section of a run on the fake model: the
// suite's power figure and grid intensity are used where no RAPL counter
// is readable, flags override them, a resumed run says that its
// predictions came from the cache, and the model's card fields are copied
// into the result.
func TestRunCost(t *testing.T) {
	p, _, _ := writeFixture(t, 60, "cost: {power_watts: 20, grid_intensity: 100}\n")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	y := strings.Replace(string(b), "  - {name: fake, path: model.onnx}",
		"  - name: fake\n    path: model.onnx\n    card: {intended_use: tests, out_of_scope: [production], license: MIT}", 1)
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	noRAPL := t.TempDir()

	res, err := runFixture(t, p, &fakeModel{}, func(o *Options) { o.PowercapRoot = noRAPL })
	require.NoError(t, err)
	require.Equal(t, &result.Card{IntendedUse: "tests", OutOfScope: []string{"production"}, License: "MIT"}, res.Models[0].Card)
	c := res.Evaluations[0].Cost
	require.NotNil(t, c)
	assert.Equal(t, 60, c.Examples)
	assert.Equal(t, 0, c.CachedExamples)
	assert.Greater(t, c.WallSeconds, 0.0)
	assert.Equal(t, "estimated: 20 W × wall time", c.Energy.Method)
	// 20 W over the pass's wall time; carbon at 100 g/kWh.
	assert.InDelta(t, 20*c.WallSeconds, float64(c.Energy.Value), 1e-9)
	assert.InDelta(t, float64(c.Energy.Value)/3.6e6*100, float64(c.Carbon.Value), 1e-12)
	assert.Equal(t, 100.0, c.GridIntensity)
	assert.Equal(t, "suite cost.grid_intensity", c.GridSource)
	assert.Nil(t, c.GPUEnergy, "the fake model runs on the CPU")

	// The same run again resumes from the cache: no energy to report.
	res, err = runFixture(t, p, &fakeModel{}, func(o *Options) {
		o.PowercapRoot, o.GridIntensity, o.PowerWatts = noRAPL, 300, 50
	})
	require.NoError(t, err)
	c = res.Evaluations[0].Cost
	assert.Equal(t, 0, c.Examples)
	assert.Equal(t, 60, c.CachedExamples)
	assert.False(t, c.Energy.Present())
	assert.Equal(t, "all 60 predictions came from the cache; the run that computed them did not store its energy", c.CPUEnergy.Absent)
	assert.Equal(t, 300.0, c.GridIntensity)
	assert.Equal(t, "--grid-intensity", c.GridSource)

	// No power figure and no RAPL: absent, with the reason; time is still
	// measured and the default grid intensity recorded.
	p2, _, _ := writeFixture(t, 60, "")
	res, err = runFixture(t, p2, &fakeModel{}, func(o *Options) { o.PowercapRoot = noRAPL })
	require.NoError(t, err)
	c = res.Evaluations[0].Cost
	assert.Equal(t, 60, c.Examples)
	assert.False(t, c.Energy.Present())
	assert.Contains(t, c.CPUEnergy.Absent, "no RAPL counters")
	assert.Contains(t, c.CPUEnergy.Absent, "no power figure to estimate from (suite cost.power_watts or --power-watts)")
	assert.Equal(t, "energy absent", c.Carbon.Absent)
	assert.Equal(t, 475.0, c.GridIntensity)
}
