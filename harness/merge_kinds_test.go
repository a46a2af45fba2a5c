package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/require"
)

// TestEveryKindMergesAndRescores runs suites covering every task kind —
// classification with calibration, counterfactuals, perturbations and
// shift (quickstart, spam-shift), probes with k-shot curves
// (quickstart-probes), perplexity (spam-shift), multiple choice, perplexity
// and pair preference (the LM fixture), retrieval, WEAT, prompting and
// generation (prompting) — once on one
// machine and once as three shards, and checks that
//   - merging the shards' results gives the single-machine result, and
//   - rescoring the single-machine result from its sidecar gives it back,
//
// every metric, interval, group, summary and example count included
// (efficiency and provenance aside). Language-model log-likelihoods may
// differ in the last bits between batch compositions, so numbers are
// compared to 1e-9 relative.
func TestEveryKindMergesAndRescores(t *testing.T) {
	open := embORT(t)
	lm := writeLMSuite(t, "lm.onnx", 3, lmTasksYAML)
	lmClass := lmClassSuite(t, "      fewshot: {k: [0, 2]}\n")
	cases := []struct {
		name, suite string
		limit       int
	}{
		{"classification+probe", filepath.Join("..", "suites", "quickstart-probes.yaml"), 300},
		{"text+perplexity", filepath.Join("..", "suites", "spam-shift.yaml"), 90},
		{"multiple_choice+perplexity+pair_preference", lm, 0},
		{"classification by an LM, few-shot sweep", lmClass, 0},
		{"retrieval", filepath.Join("..", "suites", "retrieval.yaml"), 0},
		{"weat", filepath.Join("..", "suites", "weat.yaml"), 0},
		{"prompting sweep + generation with perturbations", filepath.Join("..", "suites", "prompting.yaml"), 30},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := suite.Load(c.suite)
			require.NoError(t, err)
			run := func(sh Shard, dir string) (*result.Result, map[string][]result.Prediction) {
				res, err := Run(context.Background(), s, Options{OutDir: dir, Open: open, Limit: c.limit, Shard: sh, Now: fixedNow})
				require.NoError(t, err)
				preds, err := ReadPredictions(filepath.Join(dir, PredictionsFile))
				require.NoError(t, err)
				return res, preds
			}
			full, fullPreds := run(Shard{}, t.TempDir())
			var shards []*result.Result
			var preds []map[string][]result.Prediction
			for i := range 3 {
				r, p := run(Shard{Index: i, Count: 3}, t.TempDir())
				shards, preds = append(shards, r), append(preds, p)
			}
			merged, _, err := Merge(s, shards, preds)
			require.NoError(t, err)
			assertSameResult(t, full, merged, "merged shards")

			rescored, err := Rescore(s, full, fullPreds, RescoreOptions{})
			require.NoError(t, err)
			assertSameResult(t, full, rescored, "rescored")
		})
	}
}

// assertSameResult compares two results, leaving out what differs between
// runs by design: provenance of the run, efficiency figures and fitting
// times.
func assertSameResult(t *testing.T, want, got *result.Result, what string) {
	t.Helper()
	norm := func(r *result.Result) any {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		var v any
		require.NoError(t, json.Unmarshal(b, &v))
		m := v.(map[string]any)
		delete(m, "run")
		delete(m, "predictions")
		return scrubVolatile(v)
	}
	var diffs []string
	diffJSON("", norm(want), norm(got), &diffs)
	sort.Strings(diffs)
	if len(diffs) > 20 {
		diffs = append(diffs[:20], fmt.Sprintf("... %d more", len(diffs)-20))
	}
	require.Empty(t, diffs, "%s differs from the single-machine run:\n%s", what, strings.Join(diffs, "\n"))
}

var volatileKeys = map[string]bool{"efficiency": true, "fit_seconds": true, "compute": true, "tokens_per_second": true,
	"tokens_run": true}

func scrubVolatile(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			if volatileKeys[k] {
				delete(x, k)
				continue
			}
			x[k] = scrubVolatile(x[k])
		}
	case []any:
		for i := range x {
			x[i] = scrubVolatile(x[i])
		}
	}
	return v
}

func diffJSON(path string, a, b any, out *[]string) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, a, b))
			return
		}
		for k := range x {
			if _, ok := y[k]; !ok {
				*out = append(*out, fmt.Sprintf("%s.%s: missing", path, k))
			}
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				*out = append(*out, fmt.Sprintf("%s.%s: unexpected %v", path, k, y[k]))
				continue
			}
			diffJSON(path+"."+k, x[k], y[k], out)
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			*out = append(*out, fmt.Sprintf("%s: %d items vs %v", path, len(x), b))
			return
		}
		for i := range x {
			diffJSON(fmt.Sprintf("%s[%d]", path, i), x[i], y[i], out)
		}
	case float64:
		y, ok := b.(float64)
		if !ok || math.Abs(x-y) > 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y))) {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, a, b))
		}
	default:
		if a != b {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, a, b))
		}
	}
}
