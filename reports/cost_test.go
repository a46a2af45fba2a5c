package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

// TestReportCost: the table, Markdown and HTML reports and the leaderboard's
// model pages show the cost with energy per 1,000 examples (numbers from
// cardFixtures: sst2 is 130 J over 500 examples plus 65 J over 200, so
// 195 J / 700 × 1000 = 278.6 J).
func TestReportCost(t *testing.T) {
	rs := cardFixtures()
	var b bytes.Buffer
	require.NoError(t, WriteMarkdown(&b, rs[0]))
	assert.Contains(t, b.String(), "**Cost of evaluation**")
	assert.Contains(t, b.String(), "| small | sst2 | 700 (+300 cached) | 3.00 | 4.50 | 195 J | 278.6 J | 25.73 mgCO2e | estimated: 65 W × wall time |")
	b.Reset()
	require.NoError(t, WriteTable(&b, rs[0]))
	assert.Contains(t, b.String(), "278.6 J")
	b.Reset()
	require.NoError(t, WriteHTML(&b, rs[1], HTMLOptions{}))
	assert.Contains(t, b.String(), `<table id="cost-table">`)
	// WEAT: 12 J over 32 words = 375 J per 1,000; crows: GPU energy absent.
	assert.Contains(t, b.String(), "<td>375 J</td>")
	assert.Contains(t, b.String(), "<td>absent: GPU energy absent: NVML not available")

	// A result without cost (an older evalctl) has no cost table.
	b.Reset()
	require.NoError(t, WriteMarkdown(&b, fixture()))
	assert.NotContains(t, b.String(), "Cost of evaluation")

	dir := t.TempDir()
	require.NoError(t, Leaderboard(rs, dir, LeaderboardOptions{}))
	page, err := os.ReadFile(filepath.Join(dir, "models", "small.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "energy / 1,000 examples, sst2 (run run-0001)</th><td>278.6 J (estimated: 65 W × wall time)")
	assert.Contains(t, string(page), "energy / 1,000 examples, weat6 (run run-0002)</th><td>375 J (measured: rapl)")
	assert.Contains(t, string(page), "energy / 1,000 examples, crows (run run-0002)</th><td>n/a (energy absent: GPU energy absent")
}

func TestCostTotal(t *testing.T) {
	fig := func(v float64, m string) result.Figure {
		return result.Figure{Value: result.Float(v), Unit: "J", Method: m}
	}
	tt := newCostTotal()
	tt.add(&result.Cost{Examples: 100, WallSeconds: 1, Energy: fig(10, "measured: rapl"), Carbon: fig(1, "x")})
	tt.add(&result.Cost{Examples: 300, WallSeconds: 2, Energy: fig(30, "estimated: 65 W × wall time"), Carbon: fig(2, "x")})
	// 40 J over 400 examples: 100 J per 1,000; carbon 3 g.
	assert.Equal(t, []string{"400", "3.00", "0.00", "40 J", "100 J", "3 gCO2e", "measured: rapl; estimated: 65 W × wall time"}, tt.cells())
	tt.add(&result.Cost{Examples: 1, Energy: result.Figure{Absent: "no RAPL"}, Carbon: result.Figure{Absent: "energy absent"}})
	assert.Equal(t, []string{"401", "3.00", "0.00", "absent: no RAPL", "n/a", "n/a", ""}, tt.cells())
}
