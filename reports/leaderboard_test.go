package reports

import (
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

func TestWinRates(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	// Hand-computed from HELM's rule, wins = worse + (ties−1)/2 over n−1:
	// column 0 (higher better) 0.9, 0.8, 0.8, –: 2/2, 0.5/2, 0.5/2;
	// column 1 (lower better) 1, 2, –, 3: 2/2, 1/2, –, 0/2;
	// column 2 has one value and is skipped.
	values := [][]float64{{0.9, 1, 5}, {0.8, 2, nan}, {0.8, nan, nan}, {nan, 3, nan}}
	got := WinRates(values, []bool{true, false, true})
	want := []float64{1, 0.375, 0.25, 0}
	for i := range want {
		assert.InDelta(t, want[i], got[i], 1e-12, "row %d", i)
	}
	assert.True(t, math.IsNaN(WinRates([][]float64{{nan}}, []bool{true})[0]))
}

func lbResult(id, datasetSHA string, models map[string][2]float64, finished int) *result.Result {
	r := fixture()
	r.Run.ID = id
	r.Run.Finished = r.Run.Started.Add(timeDur(finished))
	r.Datasets[0].Files[0].SHA256 = datasetSHA
	r.Evaluations = nil
	r.Robustness = nil
	for _, name := range sortedKeys(models) {
		v := models[name]
		r.Evaluations = append(r.Evaluations, result.Evaluation{Model: name, Task: "sst2", Dataset: "sst2-dev", Variant: "clean", N: 100,
			Metrics: []result.Metric{{Name: "accuracy", Value: result.Float(v[0]), HigherIsBetter: true}, {Name: "nll", Value: result.Float(v[1])}}})
	}
	return r
}

func TestLeaderboard(t *testing.T) {
	t.Parallel()
	a := lbResult("r1", "d1", map[string][2]float64{"small": {0.80, 0.5}, "large": {0.90, 0.3}, "lora": {0.89, 0.31}}, 1)
	b := lbResult("r2", "d2", map[string][2]float64{"other": {0.95, 0.2}}, 2)
	dir := t.TempDir()
	ties := map[string][][]string{result.ColumnKey("sst2", "d1", "accuracy"): {{"large", "lora"}}, result.ColumnKey("sst2", "d1", "nll"): {{"large", "lora"}}}
	require.NoError(t, Leaderboard([]*result.Result{a, b}, dir, LeaderboardOptions{Ties: ties}))
	idx, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	s := string(idx)
	assert.Contains(t, s, `task &#34;sst2&#34; was run on 2 different datasets`)
	assert.Contains(t, s, "sst2 [data d1]")
	assert.Contains(t, s, "sst2 [data d2]")
	// large beats both on both d1 columns: win rate 1; lora 0.5; small 0.
	// other is alone in its columns (< 2 values): no win rate.
	assert.Regexp(t, `large</a></td><td data-v="1">1 <span title="paired tests could not separate this model from lora">≈</span></td><td data-v="1"><b>1.0000</b>`, s)
	assert.Contains(t, s, `lora</a></td><td data-v="1">1 <span`)
	assert.Contains(t, s, `<td data-v=""><b>n/a</b>`)
	for _, f := range []string{"models/" + pageName("large") + ".html", "models/" + pageName("other") + ".html",
		"tasks/" + pageName("sst2@d1") + ".html", "tasks/" + pageName("sst2@d2") + ".html", "site.js", "style.css"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
}

func TestLeaderboardSize(t *testing.T) {
	t.Parallel()
	// 50 models × 10 tasks × 3 metrics must stay under 5 MB (excluding per-example pages).
	r := fixture()
	r.Evaluations = nil
	r.Robustness = nil
	for m := range 50 {
		for k := range 10 {
			v := float64((m*7+k*3)%100) / 100
			r.Evaluations = append(r.Evaluations, result.Evaluation{Model: fmt.Sprintf("model-%02d", m), Task: fmt.Sprintf("task-%d", k), Dataset: "sst2-dev", Variant: "clean",
				Metrics: []result.Metric{{Name: "accuracy", Value: result.Float(v), HigherIsBetter: true, CI: &result.CI{Low: result.Float(v - 0.01), High: result.Float(v + 0.01)}},
					{Name: "ece_15", Value: result.Float(1 - v)}, {Name: "f1", Value: result.Float(v), HigherIsBetter: true}}})
		}
	}
	dir := t.TempDir()
	require.NoError(t, Leaderboard([]*result.Result{r}, dir, LeaderboardOptions{}))
	var total int64
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return err
	}))
	t.Logf("50 models × 10 tasks × 3 metrics: %d bytes", total)
	assert.Less(t, total, int64(5<<20))
}

func TestLeaderboardPredictionPages(t *testing.T) {
	t.Parallel()
	r := lbResult("r1", "d1", map[string][2]float64{"small": {0.8, 0.5}}, 1)
	dir := t.TempDir()
	side := filepath.Join(dir, "p.jsonl")
	var lines []string
	for i := range 7 {
		lines = append(lines, fmt.Sprintf(`{"eval":"small/sst2/clean","i":%d,"y":1,"pred":%d,"p":[0.3,0.7]}`, i, i%2))
	}
	require.NoError(t, os.WriteFile(side, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	out := filepath.Join(dir, "site")
	require.NoError(t, Leaderboard([]*result.Result{r}, out, LeaderboardOptions{Sidecars: []string{side}, PageSize: 3}))
	// 7 rows at 3 per page: pages 1..3.
	pg := pageName("0_small/sst2/clean")
	assert.True(t, strings.HasPrefix(pg, "0_small_sst2_clean-"), pg)
	for n := 1; n <= 3; n++ {
		assert.FileExists(t, filepath.Join(out, "data", pg, fmt.Sprintf("page-%d.js", n)))
	}
	assert.NoFileExists(t, filepath.Join(out, "data", pg, "page-4.js"))
	b, err := os.ReadFile(filepath.Join(out, "data", pg, "page-3.js"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), `evalctlPage(3, [{"eval":"small/sst2/clean","i":6,`), string(b))
	assert.FileExists(t, filepath.Join(out, "predictions", pg+".html"))
	mp, err := os.ReadFile(filepath.Join(out, "models", pageName("small")+".html"))
	require.NoError(t, err)
	assert.Contains(t, string(mp), `href="../predictions/`+pg+`.html"`)
}

// TestLeaderboardPagesUnique is issue 11 case 14: models named "a b",
// "a_b" and "a/b" (one slug) get a page each, and each prediction page
// holds the rows of its own model only.
func TestLeaderboardPagesUnique(t *testing.T) {
	t.Parallel()
	names := []string{"a b", "a_b", "a/b"}
	r := lbResult("r1", "d1", map[string][2]float64{"a b": {0.7, 0.5}, "a_b": {0.8, 0.4}, "a/b": {0.9, 0.3}}, 1)
	dir := t.TempDir()
	side := filepath.Join(dir, "p.jsonl")
	var lines []string
	for mi, m := range names {
		for i := range 2 {
			lines = append(lines, fmt.Sprintf(`{"eval":%q,"i":%d,"y":1,"pred":%d,"p":[0.3,0.7]}`, m+"/sst2/clean", i, mi))
		}
	}
	require.NoError(t, os.WriteFile(side, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	out := filepath.Join(dir, "site")
	require.NoError(t, Leaderboard([]*result.Result{r}, out, LeaderboardOptions{Sidecars: []string{side}}))
	models, err := filepath.Glob(filepath.Join(out, "models", "a_b-*.html"))
	require.NoError(t, err)
	assert.Len(t, models, 3)
	seen := map[string]bool{}
	for mi, m := range names {
		page := pageName(m)
		assert.False(t, seen[page], page)
		seen[page] = true
		body, err := os.ReadFile(filepath.Join(out, "models", page+".html"))
		require.NoError(t, err, m)
		assert.Contains(t, string(body), template.HTMLEscapeString(m))
		pred := pageName("0_" + m + "/sst2/clean")
		js, err := os.ReadFile(filepath.Join(out, "data", pred, "page-1.js"))
		require.NoError(t, err, m)
		// Two rows, both of this model (pred = model index).
		assert.Equal(t, 2, strings.Count(string(js), `"eval":`), m)
		assert.Equal(t, 2, strings.Count(string(js), fmt.Sprintf(`"pred":%d`, mi)), m)
	}
}

func TestPageNamer(t *testing.T) {
	p := newPageNamer()
	a, b := p.name("a b"), p.name("a_b")
	assert.NotEqual(t, a, b)
	assert.Equal(t, a, p.name("a b"), "stable for the same name")
	assert.Regexp(t, `^a_b-[0-9a-f]{8}$`, a)
	// A forced collision (the same page name already taken by another
	// name, case-insensitively) gets a counter.
	p.taken[strings.ToLower(pageName("X"))] = true
	assert.Equal(t, pageName("X")+"-2", p.name("X"))
	assert.Regexp(t, `^_-[0-9a-f]{8}$`, pageName(""))
	assert.Regexp(t, `^_\.\.-[0-9a-f]{8}$`, pageName(".."))
	assert.Len(t, pageName(strings.Repeat("x", 500)), 64+1+8)
}

// TestScenarioWinRates: the headline is HELM's mean win rate within each
// scenario (a task on one data set), averaged over the scenarios a model
// has; fitted parameters do not count. Hand-computed:
// scenario A, accuracy ↑ m1 .9, m2 .8, m5 .85 → 1, 0, .5; nll ↓ m1 .3,
// m2 .5, m5 .2 → .5, 0, 1; temperature (a parameter) is skipped, so A gives
// m1 .75, m2 0, m5 .75. Scenario B, accuracy ↑ m3 .5, m4 .7, m5 .6 → 0, 1,
// .5. Headline: m1 .75, m2 0, m3 0, m4 1, m5 (.75 + .5)/2 = .625 (pooling
// the three columns instead would give m5 .667).
func TestScenarioWinRates(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	cols := []lbColumn{{TaskKey: "A", Metric: "accuracy", Higher: true}, {TaskKey: "A", Metric: "nll"}, {TaskKey: "A", Metric: "temperature", Param: true},
		{TaskKey: "B", Metric: "accuracy", Higher: true}}
	values := [][]float64{
		{0.9, 0.3, 9, nan},   // m1
		{0.8, 0.5, 1, nan},   // m2
		{nan, nan, nan, 0.5}, // m3
		{nan, nan, nan, 0.7}, // m4
		{0.85, 0.2, 5, 0.6},  // m5
	}
	got := scenarioWinRates(values, cols)
	for i, want := range []float64{0.75, 0, 0, 1, 0.625} {
		assert.InDelta(t, want, got[i], 1e-12, "m%d", i+1)
	}
}

// TestLeaderboardCheckpoints is issue 13 item 7: two runs of a model name
// with different model files (checkpoints) are two rows, labelled with
// their run's --label (else its id), each model page with its own file's
// hash; runs of the same file merge into one row.
func TestLeaderboardCheckpoints(t *testing.T) {
	t.Parallel()
	a := lbResult("r1", "d1", map[string][2]float64{"small": {0.80, 0.5}, "large": {0.9, 0.3}}, 1)
	a.Run.Label = "step-1000"
	b := lbResult("r2", "d1", map[string][2]float64{"small": {0.85, 0.4}, "large": {0.9, 0.3}}, 2)
	b.Models[0].SHA256 = "ffff" // small: another checkpoint; large: the same file
	require.Equal(t, "small", b.Models[0].Name)
	dir := t.TempDir()
	require.NoError(t, Leaderboard([]*result.Result{a, b}, dir, LeaderboardOptions{}))
	idx, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	s := string(idx)
	assert.Contains(t, s, ">small · step-1000</a>")
	assert.Contains(t, s, ">small · r2</a>")
	assert.Equal(t, 1, strings.Count(s, ">large</a>"), "the same file in two runs is one row")
	assert.Contains(t, s, `model &#34;large&#34; (the same file) has`)
	assert.Contains(t, s, "3 models")
	for label, sha := range map[string]string{"small · step-1000": "aaaa", "small · r2": "ffff"} {
		page, err := os.ReadFile(filepath.Join(dir, "models", pageName(label)+".html"))
		require.NoError(t, err, label)
		assert.Contains(t, string(page), "<td>"+sha+"</td>", label)
		assert.NotContains(t, string(page), map[string]string{"aaaa": "ffff", "ffff": "aaaa"}[sha], label)
	}
}
