package compare

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/gate"
	"github.com/evalctl/evalctl/harness/result"
)

var update = flag.Bool("update", false, "rewrite golden files")

// mkSide builds a one-model, one-task result whose accuracy, nll and brier are
// computed here from the per-example predictions it also writes to a
// sidecar, so that the paired tests must reproduce them. correct[i] says
// whether example i is right; the predicted class gets probability conf.
func mkSide(t *testing.T, model string, correct []bool, conf float64, datasetSHA string) (*result.Result, string) {
	t.Helper()
	n := len(correct)
	var preds []result.Prediction
	acc, nll, brier := 0.0, 0.0, 0.0
	for i, c := range correct {
		y := i % 2
		pred := y
		if !c {
			pred = 1 - y
		}
		p := []float64{0, 0}
		p[pred] = conf
		p[1-pred] = 1 - conf
		preds = append(preds, result.Prediction{Eval: model + "/sst2/clean", Index: i, Label: y, Pred: pred, Probs: p})
		if c {
			acc++
		}
		nll += -math.Log(p[y])
		brier += (p[1] - float64(y)) * (p[1] - float64(y))
	}
	ci := func(v float64) *result.CI {
		se := math.Sqrt(v * (1 - v) / float64(n))
		return &result.CI{Low: result.Float(v - 1.96*se), High: result.Float(v + 1.96*se), Level: 0.95, Resamples: 1000, Method: "percentile bootstrap"}
	}
	a := acc / float64(n)
	r := &result.Result{
		Schema:   result.Schema,
		Run:      result.Run{ID: "run-" + model},
		Suite:    result.Suite{Name: "demo", Seed: 7, Resamples: 500, Confidence: 0.95},
		Models:   []result.Model{{Name: model}},
		Datasets: []result.Dataset{{Name: "sst2-dev", Files: []result.File{{Path: "dev.jsonl", SHA256: datasetSHA}}, Examples: n}},
		Evaluations: []result.Evaluation{{Model: model, Task: "sst2", Dataset: "sst2-dev", Variant: "clean", N: n, InvalidPolicy: "wrong",
			Metrics: []result.Metric{
				{Name: "accuracy", Value: result.Float(a), CI: ci(a), N: n, HigherIsBetter: true},
				{Name: "nll", Value: result.Float(nll / float64(n)), N: n},
				{Name: "brier", Value: result.Float(brier / float64(n)), N: n},
				{Name: "auroc", Value: result.Float(math.NaN()), N: n, HigherIsBetter: true, Undefined: "test fixture"},
			}}},
	}
	path := filepath.Join(t.TempDir(), model+".predictions.jsonl")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := result.NewPredictionWriter(f)
	for i := range preds {
		require.NoError(t, w.Write(&preds[i]))
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	return r, path
}

// pattern returns n booleans, true except at the indices in wrong.
func pattern(n int, wrong ...int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	for _, i := range wrong {
		out[i] = false
	}
	return out
}

func rng(a, b int) []int {
	var out []int
	for i := a; i < b; i++ {
		out = append(out, i)
	}
	return out
}

func gates(t *testing.T, exprs ...string) []gate.Gate {
	var gs []gate.Gate
	for _, e := range exprs {
		g, err := gate.ParseFlag(e)
		require.NoError(t, err)
		gs = append(gs, g)
	}
	return gs
}

func TestCompareGates(t *testing.T) {
	t.Parallel()
	const n = 200
	base, bp := mkSide(t, "m", pattern(n, rng(0, 30)...), 0.8, "aaa") // accuracy 0.85
	tests := []struct {
		name     string
		cand     []bool
		gates    []string
		verdict  result.Verdict
		wantPass []bool
		reason   string
	}{
		// 6 more errors, all discordant one way: b10=6, b01=0, McNemar p = 2/64 = 0.03125.
		{"significant drop fails may-drop", pattern(n, rng(0, 36)...), []string{"accuracy may drop at most 0.01"}, result.VerdictWorse, []bool{false}, "accuracy dropped by 0.03 from 0.85 to 0.82"},
		{"significant drop fails if significant", pattern(n, rng(0, 36)...), []string{"accuracy may drop at most 0.01 if significant"}, result.VerdictWorse, []bool{false}, "p=0.031"},
		// 3 more errors: p = 2/8 = 0.25, not significant.
		{"small drop passes if significant", pattern(n, rng(0, 33)...), []string{"accuracy may drop at most 0.01 if significant"}, result.VerdictNoChange, []bool{true}, "not significantly"},
		{"small drop fails without if", pattern(n, rng(0, 33)...), []string{"accuracy may drop at most 0.01"}, result.VerdictNoChange, []bool{false}, "dropped by 0.015"},
		{"improvement passes", pattern(n, rng(0, 10)...), []string{"accuracy may drop at most 0", "accuracy >= 0.9", "nll may rise at most 0"}, result.VerdictBetter, []bool{true, true, true}, ""},
		{"absolute fails", pattern(n, rng(0, 30)...), []string{"accuracy >= 0.9"}, result.VerdictNoChange, []bool{false}, "accuracy = 0.85, want >= 0.9"},
		{"nan fails", pattern(n, rng(0, 30)...), []string{"auroc may drop at most 0.1"}, result.VerdictNoChange, []bool{false}, "undefined"},
		{"nan absolute fails", pattern(n, rng(0, 30)...), []string{"auroc >= 0"}, result.VerdictNoChange, []bool{false}, "undefined (NaN): test fixture"},
		{"scope matches nothing", pattern(n, rng(0, 30)...), []string{"task=other: accuracy may drop at most 0.1"}, result.VerdictNoChange, []bool{false}, "no compared row"},
		{"rise gate", pattern(n, rng(0, 36)...), []string{"nll may rise at most 0.01"}, result.VerdictWorse, []bool{false}, "nll rose by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cand, cp := mkSide(t, "m", tt.cand, 0.8, "aaa")
			c, err := Compare(base, cand, bp, cp, Options{Gates: gates(t, tt.gates...)})
			require.NoError(t, err)
			require.Empty(t, c.Notes)
			require.Len(t, c.Rows, 4)
			acc := c.Rows[0]
			assert.Equal(t, "accuracy", acc.Metric)
			assert.Equal(t, "exact McNemar", acc.Test)
			assert.Equal(t, n, acc.Paired)
			assert.Equal(t, tt.verdict, acc.Verdict)
			assert.Equal(t, "paired bootstrap", c.Rows[1].Test, "nll is recomputable")
			require.Len(t, c.Gates, len(tt.wantPass))
			failed := false
			for i, want := range tt.wantPass {
				assert.Equal(t, want, c.Gates[i].Pass, "gate %s: %s", c.Gates[i].Expr, c.Gates[i].Reason)
				failed = failed || !want
			}
			assert.Equal(t, failed, c.Failed())
			if tt.reason != "" {
				assert.Contains(t, c.Gates[0].Reason, tt.reason)
			}
		})
	}
}

func TestCompareDatasetMismatch(t *testing.T) {
	t.Parallel()
	base, bp := mkSide(t, "m", pattern(20, 1), 0.8, "aaa")
	cand, cp := mkSide(t, "m", pattern(20, 2), 0.8, "bbb")
	_, err := Compare(base, cand, bp, cp, Options{})
	require.ErrorIs(t, err, ErrDatasetMismatch)
	assert.Contains(t, err.Error(), `task "sst2"`)
	c, err := Compare(base, cand, bp, cp, Options{Force: true})
	require.NoError(t, err)
	assert.Contains(t, c.Notes[0], "forced: no paired test")
	assert.Equal(t, "unpaired z (from CIs)", c.Rows[0].Test)
}

func TestCompareSingleModelsDifferentNames(t *testing.T) {
	t.Parallel()
	base, bp := mkSide(t, "ckpt-100", pattern(50, 1, 2), 0.7, "aaa")
	cand, cp := mkSide(t, "ckpt-200", pattern(50, 1), 0.7, "aaa")
	c, err := Compare(base, cand, bp, cp, Options{})
	require.NoError(t, err)
	require.NotEmpty(t, c.Rows)
	assert.Equal(t, "ckpt-100", c.Rows[0].BaseModel)
	assert.Equal(t, "ckpt-200", c.Rows[0].Model)
	assert.Equal(t, 50, c.Rows[0].Paired)
	assert.Contains(t, c.Notes[0], "no model names in common")
}

func TestCompareRecomputeMismatch(t *testing.T) {
	t.Parallel()
	base, bp := mkSide(t, "m", pattern(40, 1), 0.8, "aaa")
	cand, cp := mkSide(t, "m", pattern(40, 2), 0.8, "aaa")
	cand.Evaluations[0].Metrics[0].Value = 0.5 // not what the predictions say
	c, err := Compare(base, cand, bp, cp, Options{})
	require.NoError(t, err)
	assert.Equal(t, "unpaired z (from CIs)", c.Rows[0].Test)
	assert.Contains(t, c.Notes[0], "recomputed from predictions is 0.975, result says 0.5")
}

func TestCompareUnpaired(t *testing.T) {
	t.Parallel()
	base, _ := mkSide(t, "m", pattern(200, rng(0, 30)...), 0.8, "aaa")
	cand, _ := mkSide(t, "m", pattern(200, rng(0, 60)...), 0.8, "aaa")
	c, err := Compare(base, cand, "", "", Options{})
	require.NoError(t, err)
	r := c.Rows[0]
	// se_b = sqrt(.85·.15/200) = .02525, se_c = sqrt(.7·.3/200) = .03240;
	// z = −.15/√(se_b²+se_c²) = −3.653, p = 2.6e-4.
	assert.InDelta(t, 2.6e-4, float64(r.P), 0.2e-4)
	assert.Equal(t, result.VerdictWorse, r.Verdict)
	assert.Equal(t, "not tested", c.Rows[1].Verdict.String(), "nll has no CI in the fixture")
}

func TestGolden(t *testing.T) {
	t.Parallel()
	base, bp := mkSide(t, "m", pattern(200, rng(0, 30)...), 0.8, "aaa")
	cand, cp := mkSide(t, "m", pattern(200, rng(0, 36)...), 0.8, "aaa")
	// The candidate's run recorded one suite gate; compare checks it again.
	cand.Gates = []result.Gate{{Expr: "accuracy >= 0.83", Model: "m", Task: "sst2", Metric: "accuracy", Pass: true}}
	c, err := Compare(base, cand, bp, cp, Options{Gates: gates(t,
		"accuracy may drop at most 0.01", "accuracy >= 0.8", "task=sst2 model=m: nll may rise at most 0.5 if significant", "auroc >= 0.5")})
	require.NoError(t, err)
	// The golden is the document `evalctl compare --format json` writes
	// (reports.WriteCompareJSON); reports renders it in every format.
	path := filepath.Join("testdata", "compare.json.golden")
	type document struct {
		SchemaVersion string `json:"schema_version"`
		Failed        bool   `json:"failed"`
		result.Comparison
	}
	if *update {
		b, err := json.MarshalIndent(document{result.CompareSchema, c.Failed(), *c}, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, append(b, '\n'), 0o644))
	}
	raw, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	var want document
	require.NoError(t, json.Unmarshal(raw, &want))
	assert.Equal(t, result.CompareSchema, want.SchemaVersion)
	assert.Equal(t, c.Failed(), want.Failed)
	wantJSON, err := json.MarshalIndent(&want.Comparison, "", "  ")
	require.NoError(t, err)
	gotJSON, err := json.MarshalIndent(c, "", "  ")
	require.NoError(t, err)
	assert.Equal(t, string(wantJSON), string(gotJSON), "%s differs; rerun with -update if intended", path)
}

func TestTieGroups(t *testing.T) {
	t.Parallel()
	const n = 200
	// a: 30 wrong; b: 32 wrong (2 more, McNemar p = 0.5: tied with a);
	// c: 60 wrong (28 more than b, p < 1e-6: separate).
	ra, pa := mkSide(t, "a", pattern(n, rng(0, 30)...), 0.8, "aaa")
	rb, pb := mkSide(t, "b", pattern(n, rng(0, 32)...), 0.8, "aaa")
	rc, pc := mkSide(t, "c", pattern(n, rng(0, 60)...), 0.8, "aaa")
	g, err := TieGroups([]*result.Result{rc, ra, rb}, []string{pc, pa, pb}, Options{})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"a", "b"}}, g["sst2|aaa|accuracy"])
	// Without predictions nothing can be shown tied.
	g, err = TieGroups([]*result.Result{rc, ra, rb}, nil, Options{})
	require.NoError(t, err)
	assert.Empty(t, g)
}

func TestCompareSuiteGates(t *testing.T) {
	t.Parallel()
	const n = 200
	base, bp := mkSide(t, "m", pattern(n, rng(0, 30)...), 0.8, "aaa") // accuracy 0.85
	tests := []struct {
		name     string
		recorded []result.Gate
		flags    []string
		wantPass []bool
		wantSrc  []string
		reason   string
	}{
		// The candidate has 36 errors in 200: accuracy 0.82 (hand count).
		{"suite gate passes", []result.Gate{{Expr: "accuracy >= 0.8", Model: "m", Task: "sst2"}}, nil,
			[]bool{true}, []string{result.GateSourceSuite}, ""},
		{"suite gate fails without any --gate", []result.Gate{{Expr: "accuracy >= 0.83", Model: "m", Task: "sst2", Pass: true}}, nil,
			[]bool{false}, []string{result.GateSourceSuite}, "accuracy = 0.82, want >= 0.83"},
		{"suite gate before flags", []result.Gate{{Expr: "accuracy >= 0.9", Model: "m", Task: "sst2"}}, []string{"accuracy may drop at most 0.1"},
			[]bool{false, true}, []string{result.GateSourceSuite, result.GateSourceFlag}, "want >= 0.9"},
		{"unparsable recorded gate kept as recorded", []result.Gate{{Expr: "accuracy >>= 1", Pass: false, Reason: "as recorded"}}, nil,
			[]bool{false}, []string{result.GateSourceSuite}, "as recorded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cand, cp := mkSide(t, "m", pattern(n, rng(0, 36)...), 0.8, "aaa")
			cand.Gates = tt.recorded
			c, err := Compare(base, cand, bp, cp, Options{Gates: gates(t, tt.flags...)})
			require.NoError(t, err)
			require.Len(t, c.Gates, len(tt.wantPass))
			failed := false
			for i := range tt.wantPass {
				assert.Equal(t, tt.wantPass[i], c.Gates[i].Pass, c.Gates[i].Reason)
				assert.Equal(t, tt.wantSrc[i], c.Gates[i].Source)
				failed = failed || !tt.wantPass[i]
			}
			assert.Equal(t, failed, c.Failed())
			if tt.reason != "" {
				assert.Contains(t, c.Gates[0].Reason, tt.reason)
			}
			// accuracy, nll, brier and auroc are compared (mkSide's metrics).
			assert.Len(t, c.Rows, 4)
		})
	}
}

func TestCompareNothingInCommon(t *testing.T) {
	t.Parallel()
	base, bp := mkSide(t, "m", pattern(20, 1), 0.8, "aaa")
	base2, bp2 := mkSide(t, "m2", pattern(20, 1), 0.8, "aaa")
	twoModels := func(r, r2 *result.Result) *result.Result {
		out := *r
		out.Models = append(append([]result.Model(nil), r.Models...), r2.Models...)
		out.Evaluations = append(append([]result.Evaluation(nil), r.Evaluations...), r2.Evaluations...)
		return &out
	}
	tests := []struct {
		name string
		mod  func(t *testing.T) (*result.Result, string)
		want []string
	}{
		{"no model in common", func(t *testing.T) (*result.Result, string) {
			a, _ := mkSide(t, "x", pattern(20, 1), 0.8, "aaa")
			b, _ := mkSide(t, "y", pattern(20, 1), 0.8, "aaa")
			return twoModels(a, b), ""
		}, []string{"no model in common", "the baseline has m", "the candidate x, y"}},
		{"renamed task", func(t *testing.T) (*result.Result, string) {
			c, cp := mkSide(t, "m", pattern(20, 2), 0.8, "aaa")
			c.Evaluations[0].Task = "sst2-renamed"
			return c, cp
		}, []string{"no task in common on the clean variant", "m (base) with m (cand)", "the baseline has sst2 (dataset sst2-dev)", "the candidate sst2-renamed (dataset sst2-dev)"}},
		{"only perturbed variants", func(t *testing.T) (*result.Result, string) {
			c, cp := mkSide(t, "m", pattern(20, 2), 0.8, "aaa")
			c.Evaluations[0].Variant = "typo@1"
			return c, cp
		}, []string{"no task in common on the clean variant", "the candidate none"}},
		{"no metric in common", func(t *testing.T) (*result.Result, string) {
			c, cp := mkSide(t, "m", pattern(20, 2), 0.8, "aaa")
			for i := range c.Evaluations[0].Metrics {
				c.Evaluations[0].Metrics[i].Name += "_renamed"
			}
			return c, cp
		}, []string{"m/sst2/clean match but share no metric"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cand, cp := tt.mod(t)
			b, p := base, bp
			if tt.name == "no model in common" {
				b, p = twoModels(base, base2), bp2
				b.Models, b.Evaluations = b.Models[:1], b.Evaluations[:1]
			}
			_, err := Compare(b, cand, p, cp, Options{})
			require.ErrorIs(t, err, ErrNothingInCommon)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
