package reports

import (
	"encoding/json"
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
	assert.Contains(t, s, `task &#34;sst2&#34; was scored on 2 different sets of examples (data d1; data d2)`)
	assert.Contains(t, s, "sst2 [data d1]")
	assert.Contains(t, s, "sst2 [data d2]")
	// large beats both on both d1 columns: win rate 1; lora 0.5; small 0.
	// other is alone in its columns (< 2 values): no win rate.
	assert.Regexp(t, `large</a></td><td data-v="1">1 <span title="paired tests could not separate this model from lora">≈</span></td><td data-v="1"><b>1.0000</b>`, s)
	assert.Contains(t, s, `lora</a></td><td data-v="1">1 <span`)
	assert.Contains(t, s, `<td data-v="" title="no other model was scored on the same examples"><b>n/a</b>`)
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

// TestBoardWinRates: HELM's mean win rate within each scenario (a task on
// one data set) and metric family, then averaged over families and over
// scenarios; parameters and machine-bound figures do not count.
// Hand-computed:
// scenario A: accuracy ↑ m1 .9, m2 .8 → 1, 0; macro_f1 ↑ m1 .7, m2 .9 →
// 0, 1; so the accuracy family gives m1 .5, m2 .5; nll ↓ m1 .3, m2 .5 →
// calibration m1 1, m2 0 (the temperature and examples/s are skipped).
// A: m1 (.5 + 1)/2 = .75, m2 .25 (pooling the three columns would give
// m1 .667). Scenario B: accuracy ↑ m1 .6, m3 .7 → 0, 1; worst group ↑
// m1 .5, m3 .4 → 1, 0: B gives m1 .5, m3 .5.
// Headline: m1 (.75 + .5)/2 = .625, m2 .25, m3 .5. Families: accuracy
// m1 (.5 + 0)/2 = .25, m2 .5, m3 1; calibration m1 1, m2 0, m3 none;
// fairness m1 1, m2 none, m3 0; no efficiency win rate.
func TestBoardWinRates(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	cols := []lbColumn{
		{scen: 0, Family: "accuracy", Metric: "accuracy", Higher: true},
		{scen: 0, Family: "accuracy", Metric: "macro_f1", Higher: true},
		{scen: 0, Family: "calibration", Metric: "nll"},
		{scen: 0, Family: "calibration", Metric: "temperature", NotRanked: whyParameter},
		{scen: 0, Family: "efficiency", Metric: "examples_per_second", Higher: true, NotRanked: whyMachine},
		{scen: 1, Family: "accuracy", Metric: "accuracy", Higher: true},
		{scen: 1, Family: "fairness", Metric: "worst_group:accuracy", Higher: true},
	}
	values := [][]float64{
		{0.9, 0.7, 0.3, 9, 100, 0.6, 0.5},   // m1
		{0.8, 0.9, 0.5, 1, 900, nan, nan},   // m2
		{nan, nan, nan, nan, nan, 0.7, 0.4}, // m3
	}
	w := boardWinRates(values, cols, 2)
	near := func(want, got []float64, what string) {
		t.Helper()
		require.Len(t, got, len(want), what)
		for i := range want {
			if math.IsNaN(want[i]) {
				assert.True(t, math.IsNaN(got[i]), "%s m%d: %v", what, i+1, got[i])
				continue
			}
			assert.InDelta(t, want[i], got[i], 1e-12, "%s m%d", what, i+1)
		}
	}
	near([]float64{0.625, 0.25, 0.5}, w.overall, "headline")
	near([]float64{0.75, 0.25, nan}, w.scenario[0], "scenario A")
	near([]float64{0.5, nan, 0.5}, w.scenario[1], "scenario B")
	near([]float64{0.25, 0.5, 1}, w.family["accuracy"], "accuracy")
	near([]float64{1, 0, nan}, w.family["calibration"], "calibration")
	near([]float64{1, nan, 0}, w.family["fairness"], "fairness")
	assert.Nil(t, w.family["efficiency"], "efficiency is never ranked")
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
	assert.Contains(t, s, `model &#34;large&#34; (the same file) was scored on sst2 in runs r1 and r2`)
	assert.Contains(t, s, "3 models")
	for label, sha := range map[string]string{"small · step-1000": "aaaa", "small · r2": "ffff"} {
		page, err := os.ReadFile(filepath.Join(dir, "models", pageName(label)+".html"))
		require.NoError(t, err, label)
		assert.Contains(t, string(page), "<td>"+sha+"</td>", label)
		assert.NotContains(t, string(page), map[string]string{"aaaa": "ffff", "ffff": "aaaa"}[sha], label)
	}
}

// testFamily stands in for cmd/evalctl's wiring of the metric table
// (metrics.FamilyOf), which reports may not import.
func testFamily(name string) (string, bool) {
	switch name {
	case "accuracy", "balanced_accuracy", "auroc", "macro_f1", "token_perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte":
		return "accuracy", true
	case "nll", "brier", "ece", "nll_ts", "ece_ts":
		return "calibration", true
	case "temperature":
		return "calibration", false
	}
	if strings.HasPrefix(name, "kshot_accuracy@") {
		return "accuracy", true
	}
	return "", true
}

// TestLeaderboardFamilies is issue 13 item 6 on the bundled suites' real
// results: figures grouped by metric family (robustness, fairness and
// efficiency from the results' sections), a win rate per family and per
// scenario, each scenario with its headline metric.
//
// Hand-computed for credit (two models, figures read from
// testdata/credit-fairness.result.json): accuracy family — accuracy
// logreg .7400 > mlp .7233, balanced_accuracy logreg .6651 > .5770, auroc
// mlp .7637 > .7543: mlp 1/3, logreg 2/3; calibration — nll .5298 < .5304,
// brier .3532 < .3550, ece .0568 < .0631, all mlp: mlp 1, logreg 0;
// fairness — worst group on accuracy mlp .6061 > .5806, every defined
// *_difference and the sex-swap flip rate (.02 < .0467) lower for mlp:
// mlp 1, logreg 0 (the foreign_worker criteria are undefined and left
// out). Scenario win rate mlp (1/3 + 1 + 1)/3 = 7/9, logreg 2/9, which is
// also their headline (credit is their only scenario).
func TestLeaderboardFamilies(t *testing.T) {
	t.Parallel()
	var rs []*result.Result
	for _, f := range []string{"quickstart", "spam-shift", "credit-fairness"} {
		r, err := result.ReadFile(filepath.Join("testdata", f+".result.json"))
		require.NoError(t, err)
		rs = append(rs, r)
	}
	dir := t.TempDir()
	require.NoError(t, Leaderboard(rs, dir, LeaderboardOptions{Family: testFamily}))
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(dir, p))
		require.NoError(t, err, p)
		return string(b)
	}
	idx := read("index.html")
	assert.Contains(t, idx, `<th colspan="4">Mean win rate by family</th>`, "accuracy, calibration, robustness, fairness")
	for _, f := range []string{"accuracy", "calibration", "robustness", "fairness"} {
		assert.Contains(t, idx, `">`+f+`</th>`, f)
	}
	assert.NotContains(t, idx, `">efficiency</th>`, "efficiency is never ranked")
	// mlp: headline 7/9, families accuracy 1/3, calibration 1, fairness 1.
	assert.Contains(t, idx, `mlp</a></td><td data-v="3">3</td><td data-v="0.7777777777777777"><b>0.7778</b></td><td data-v="0.3333333333333333">0.3333</td><td data-v="1">1.0000</td><td data-v=""></td><td data-v="1">1.0000</td>`)
	assert.Contains(t, idx, `logreg</a></td><td data-v="7">7</td><td data-v="0.2222222222222222"><b>0.2222</b></td><td data-v="0.6666666666666666">0.6667</td><td data-v="0">0.0000</td><td data-v=""></td><td data-v="0">0.0000</td>`)
	// Each scenario: its win rate and its headline (the task's first metric).
	assert.Contains(t, idx, `spam-bag</a></td><td data-v="">–</td><td data-v="" title="no other model was scored on the same examples"><b>n/a</b>`, "compared with no one: no rank")
	assert.Contains(t, idx, `title="headline of credit: accuracy: accuracy (higher is better)">accuracy ↑</th>`)
	assert.Contains(t, idx, `title="headline of mail-perplexity: accuracy: token_perplexity (lower is better)">token_perplexity ↓</th>`)

	// The same standings in machine-readable form.
	var board BoardFile
	require.NoError(t, json.Unmarshal([]byte(read("leaderboard.json")), &board))
	require.Len(t, board.Entries, 10)
	byModel := map[string]BoardEntry{}
	for _, e := range board.Entries {
		byModel[e.Model] = e
	}
	mlp := byModel["mlp"]
	assert.Equal(t, 3, mlp.Rank)
	assert.InDelta(t, 7.0/9, float64(mlp.MeanWinRate), 1e-12)
	assert.InDelta(t, 1.0/3, float64(mlp.FamilyWins["accuracy"]), 1e-12)
	assert.InDelta(t, 1, float64(mlp.Scenarios["credit"].FamilyWins["fairness"]), 1e-12)
	require.NotNil(t, mlp.Scenarios["credit"].Headline)
	assert.Equal(t, "accuracy", mlp.Scenarios["credit"].Headline.Name)
	assert.InDelta(t, 0.7233, float64(mlp.Scenarios["credit"].Headline.Value), 1e-4)
	assert.InDelta(t, 0.02, float64(mlp.Scenarios["credit"].Figures["fairness/flip_rate:sex-swap"]), 1e-12)
	assert.NotContains(t, mlp.Scenarios, "fashion", "only the scenarios the model has")
	assert.Equal(t, 0, byModel["spam-bag"].Rank, "compared with no one")
	assert.True(t, byModel["spam-bag"].MeanWinRate.IsNaN())
	assert.Equal(t, "mlp", board.Entries[2].Model, "entries in rank order")

	credit := read("tasks/" + pageName("credit") + ".html")
	assert.Contains(t, credit, "headline metric: accuracy")
	assert.Contains(t, credit, `<th colspan="4">accuracy</th><th colspan="4">calibration</th>`)
	assert.Contains(t, credit, `title="sex=female &amp; age=&lt;=25 &amp; foreign_worker=yes">0.6061</td>`, "the worst group is named on hover")
	assert.Contains(t, credit, `flip_rate:sex-swap ↓`)
	assert.Contains(t, credit, `demographic_parity_difference:sex ↓`)
	assert.NotContains(t, credit, "demographic_parity_ratio", "ratios repeat the differences")
	assert.NotContains(t, credit, "difference:foreign_worker", "undefined criteria are left out")

	fashion := read("tasks/" + pageName("fashion") + ".html")
	for _, want := range []string{
		`<th colspan="3">accuracy</th><th colspan="6">calibration</th><th colspan="4">robustness</th><th colspan="2">efficiency</th>`,
		`title="calibration: temperature, has no better direction: shown, not ranked">temperature</th>`,
		`data-lower="1" title="robustness: mce (lower is better)">mce ↓</th>`, // mCE, kept apart from the calibration metric mce
		// linear-probe is the mCE baseline: its mCE is 1 by definition.
		`<td data-v="0">0.0000</td><td data-v="0.7735000000000001" title="[0.7576, 0.7889]">0.7735`,
	} {
		assert.Contains(t, fashion, want)
	}
	assert.Contains(t, fashion, `title="efficiency: examples_per_second (higher is better), depends on the machine and its load: shown, not ranked">examples_per_second ↑</th>`)
}

// TestLeaderboardFigures: figures from the result's sections land in their
// family, efficiency of cached predictions is marked and explained, and
// --metric selects figures by name or by the name before ":".
func TestLeaderboardFigures(t *testing.T) {
	t.Parallel()
	r := lbResult("r1", "d1", map[string][2]float64{"small": {0.80, 0.5}, "large": {0.90, 0.3}}, 1)
	for i := range r.Evaluations {
		e := &r.Evaluations[i]
		e.Efficiency = &result.Efficiency{ExamplesPerSecond: float64(100 * (i + 1)), LatencyMs: result.Latency{P50: 2}, Cached: e.Model == "small"}
		e.Fairness = &result.Fairness{Counterfactual: []result.Counterfactual{{Name: "swap",
			FlipRate: result.Metric{Name: "flip_rate", Value: result.Float(0.1 * float64(i+1))}}}}
		r.Robustness = append(r.Robustness, result.Robustness{Model: e.Model, Task: e.Task, Metric: "accuracy",
			Clean:   result.Metric{Name: "accuracy", HigherIsBetter: true},
			Summary: []result.Metric{{Name: "mean_corrupted", Value: result.Float(0.5 + 0.1*float64(i)), HigherIsBetter: true}, {Name: "consistency", Value: 1, HigherIsBetter: true}}})
	}
	require.Equal(t, "large", r.Evaluations[0].Model) // sorted: large, small
	page := func(dir, name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		return string(b)
	}
	dir := t.TempDir()
	require.NoError(t, Leaderboard([]*result.Result{r}, dir, LeaderboardOptions{Family: testFamily}))
	sc := page(dir, "tasks/"+pageName("sst2")+".html")
	// large: accuracy .9 > .8 and nll .3 < .5; flip rate .1 < .2; mean
	// corrupted .5 < .6 (small wins robustness). Win rate: large (1 + 1 + 1
	// + 0)/4 over accuracy, calibration, fairness, robustness = .75.
	assert.Contains(t, sc, `<th colspan="2">accuracy</th><th colspan="2">calibration</th><th colspan="2">robustness</th><th colspan="2">fairness</th><th colspan="2">efficiency</th>`)
	assert.Contains(t, sc, `large</a></td><td data-v="0.75"><b>0.7500</b></td>`)
	assert.NotContains(t, sc, "consistency", "only the mean, worst case, mCE and shifted scores are leaderboard figures")
	assert.Contains(t, sc, `<td data-v="100">100.0000</td>`, "large computed its predictions")
	assert.Contains(t, sc, `<td data-v="200">200.0000*</td>`, "small's came from the cache")
	assert.Contains(t, sc, CachedLegend)
	mp := page(dir, "models/"+pageName("small")+".html")
	assert.Contains(t, mp, "<td>sst2</td><td>robustness</td><td>mean_corrupted</td>")
	assert.Contains(t, mp, `<td>sst2</td><td>efficiency</td><td>examples_per_second</td><td data-v="200">200.0000*</td><td></td><td data-v="">not ranked</td>`)

	dir = t.TempDir()
	require.NoError(t, Leaderboard([]*result.Result{r}, dir, LeaderboardOptions{Family: testFamily, Metrics: []string{"accuracy", "flip_rate"}}))
	sc = page(dir, "tasks/"+pageName("sst2")+".html")
	assert.Contains(t, sc, "flip_rate:swap ↓")
	assert.Contains(t, sc, "accuracy ↑")
	for _, gone := range []string{"nll", "mean_corrupted", "examples_per_second", CachedLegend} {
		assert.NotContains(t, sc, gone)
	}
}

// TestLeaderboardLimitedRun: a run with --limit scored other examples than
// a full run of the same data, so its models form a scenario of their own
// (issue 13 item 6: win rates only among models scored on the same
// examples); a shard likewise.
func TestLeaderboardLimitedRun(t *testing.T) {
	t.Parallel()
	full := lbResult("r1", "d1", map[string][2]float64{"small": {0.80, 0.5}, "large": {0.90, 0.3}}, 1)
	quick := lbResult("r2", "d1", map[string][2]float64{"tiny": {0.99, 0.1}}, 2)
	quick.Run.Limit = 100
	shard := lbResult("r3", "d1", map[string][2]float64{"huge": {0.99, 0.1}}, 3)
	shard.Run.Shard = "1/4"
	dir := t.TempDir()
	require.NoError(t, Leaderboard([]*result.Result{full, quick, shard}, dir, LeaderboardOptions{}))
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	s := string(b)
	assert.Contains(t, s, "3 scenarios")
	assert.Contains(t, s, `was scored on 3 different sets of examples (data d1; data d1, first 100; data d1, shard 1/4)`)
	assert.Contains(t, s, ">sst2 [data d1, first 100]</a>")
	// tiny beats both on accuracy and nll, but on other examples: unranked.
	assert.Contains(t, s, `tiny</a></td><td data-v="">–</td>`)
	assert.Contains(t, s, `large</a></td><td data-v="1">1</td><td data-v="1"><b>1.0000</b>`)
}
