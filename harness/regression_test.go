package harness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// linearModel predicts 2·a + 1 from features [a, b]; it returns NaN for
// a = 99 so that invalid outputs can be tested.
type linearModel struct{}

func (linearModel) Run(_ context.Context, in []tensor.Tensor) ([]tensor.Tensor, error) {
	x := in[0].Data.([]float32)
	n := int(in[0].Shape[0])
	out := tensor.New("value", tensor.Float32, []int64{int64(n), 1})
	o := out.Data.([]float32)
	for i := 0; i < n; i++ {
		o[i] = 2*x[i*2] + 1
		if x[i*2] == 99 {
			o[i] = float32(math.NaN())
		}
	}
	return []tensor.Tensor{out}, nil
}

func (linearModel) Close() error { return nil }

func linearOpener(string, suite.Runtime) (*OpenedModel, error) {
	return &OpenedModel{Model: linearModel{}, Provider: "fake",
		Inputs:  []tensor.Info{{Name: "x", DType: tensor.Float32, Shape: []int64{-1, 2}}},
		Outputs: []tensor.Info{{Name: "value", DType: tensor.Float32, Shape: []int64{-1, 1}}}}, nil
}

func writeRegression(t *testing.T, rows [][3]float64, invalid string) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,y\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%g,%g,%g\n", r[0], r[1], r[2])
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "reg.csv"), []byte(b.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.onnx"), []byte("fake"), 0o644))
	y := fmt.Sprintf(`version: 1
name: reg
seed: 3
bootstrap: {resamples: 300}
models: [{name: lin, path: m.onnx}]
datasets:
  - name: d
    format: csv
    path: reg.csv
    features: [{name: x, columns: [a, b]}]
    label: {column: y}
tasks:
  - {name: r, kind: regression, dataset: d, invalid: %s}
`, invalid)
	p := filepath.Join(dir, "s.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	return p
}

// TestRegressionTask checks the regression kind end to end against values
// computed here from the definitions: MAE = mean|ŷ−y|, RMSE = √mean(ŷ−y)²,
// R² = 1 − SS_res/SS_tot, Pearson r, and Spearman ρ (no ties here, so the
// Pearson r of the ranks).
func TestRegressionTask(t *testing.T) {
	rows := [][3]float64{{0, 1, 1.5}, {1, 0, 2.5}, {2, 5, 5.5}, {3, 1, 6}, {4, 2, 9.5}, {5, 0, 10}, {6, 3, 13.5}, {7, 1, 14}}
	p := writeRegression(t, rows, "wrong")
	s, err := suite.Load(p)
	require.NoError(t, err)
	res, err := Run(context.Background(), s, Options{OutDir: filepath.Join(filepath.Dir(p), "out"), Open: linearOpener, Now: fixedNow})
	require.NoError(t, err)
	ev := res.Evaluations[0]
	assert.Equal(t, "regression", ev.Kind)
	assert.Equal(t, 8, ev.N)

	pred, target := make([]float64, len(rows)), make([]float64, len(rows))
	var mae, mse, mean float64
	for i, r := range rows {
		pred[i], target[i] = 2*r[0]+1, r[2]
		mae += math.Abs(pred[i]-target[i]) / 8
		mse += (pred[i] - target[i]) * (pred[i] - target[i]) / 8
		mean += target[i] / 8
	}
	var ssRes, ssTot float64
	for i := range rows {
		ssRes += (pred[i] - target[i]) * (pred[i] - target[i])
		ssTot += (target[i] - mean) * (target[i] - mean)
	}
	pearson := func(x, y []float64) float64 {
		var mx, my float64
		for i := range x {
			mx, my = mx+x[i]/float64(len(x)), my+y[i]/float64(len(y))
		}
		var sxy, sxx, syy float64
		for i := range x {
			sxy += (x[i] - mx) * (y[i] - my)
			sxx += (x[i] - mx) * (x[i] - mx)
			syy += (y[i] - my) * (y[i] - my)
		}
		return sxy / math.Sqrt(sxx*syy)
	}
	rank := func(v []float64) []float64 {
		idx := make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
		r := make([]float64, len(v))
		for k, i := range idx {
			r[i] = float64(k + 1)
		}
		return r
	}
	want := map[string]float64{"mae": mae, "rmse": math.Sqrt(mse), "r2": 1 - ssRes/ssTot,
		"pearson": pearson(target, pred), "spearman": pearson(rank(target), rank(pred))}
	for name, w := range want {
		m, ok := ev.Metric(name)
		require.True(t, ok, name)
		assert.InDelta(t, w, float64(m.Value), 1e-6, name)
		require.NotNil(t, m.CI, name)
		assert.LessOrEqual(t, float64(m.CI.Low), float64(m.Value)+1e-12, name)
		assert.GreaterOrEqual(t, float64(m.CI.High), float64(m.Value)-1e-12, name)
	}
	n := 0
	require.NoError(t, result.ReadPredictions(filepath.Join(filepath.Dir(p), "out", PredictionsFile), func(pr *result.Prediction) error {
		require.NotNil(t, pr.Score)
		require.NotNil(t, pr.Target)
		assert.InDelta(t, 2*rows[pr.Index][0]+1, *pr.Score, 1e-6)
		assert.Equal(t, rows[pr.Index][2], *pr.Target)
		n++
		return nil
	}))
	assert.Equal(t, 8, n)
}

func TestRegressionInvalidOutputs(t *testing.T) {
	rows := [][3]float64{{0, 1, 1}, {1, 0, 3}, {99, 5, 5}, {3, 1, 7}}
	for _, tc := range []struct {
		policy  string
		defined bool
	}{{"wrong", false}, {"exclude", true}} {
		p := writeRegression(t, rows, tc.policy)
		s, err := suite.Load(p)
		require.NoError(t, err)
		res, err := Run(context.Background(), s, Options{OutDir: filepath.Join(filepath.Dir(p), "out"), Open: linearOpener, Now: fixedNow})
		require.NoError(t, err)
		ev := res.Evaluations[0]
		assert.Equal(t, 1, ev.Invalid, tc.policy)
		m, _ := ev.Metric("mae")
		if tc.defined {
			assert.InDelta(t, 0, float64(m.Value), 1e-12, "the three valid predictions are exact")
		} else {
			assert.True(t, m.Value.IsNaN())
			assert.Contains(t, m.Undefined, "NaN or Inf")
		}
	}
}

func TestRegressionNeedsNumericTarget(t *testing.T) {
	p := writeRegression(t, [][3]float64{{0, 1, 1}}, "wrong")
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "reg.csv"))
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(p), "reg.csv"), []byte(strings.Replace(string(b), "1\n", "one\n", 1)), 0o644))
	s, err := suite.Load(p)
	require.NoError(t, err)
	_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: linearOpener, Now: fixedNow})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "target column \"y\" is string")
	assert.False(t, errors.Is(err, context.Canceled))
}

// TestRegressionRescoreAndMerge: rescoring the sidecar reproduces the run,
// and merging two shards equals the single run.
func TestRegressionRescoreAndMerge(t *testing.T) {
	var rows [][3]float64
	for i := 0; i < 40; i++ {
		rows = append(rows, [3]float64{float64(i % 7), float64(i % 3), float64(2*(i%7)) + 0.3*float64(i%5)})
	}
	p := writeRegression(t, rows, "wrong")
	s, err := suite.Load(p)
	require.NoError(t, err)
	dir := filepath.Dir(p)
	full, err := Run(context.Background(), s, Options{OutDir: filepath.Join(dir, "full"), Open: linearOpener, Now: fixedNow})
	require.NoError(t, err)
	preds, err := ReadPredictions(filepath.Join(dir, "full", PredictionsFile))
	require.NoError(t, err)
	again, err := Rescore(s, full, preds, RescoreOptions{})
	require.NoError(t, err)
	assert.Equal(t, full.Evaluations[0].Metrics, again.Evaluations[0].Metrics)

	var shards []*result.Result
	var sp []map[string][]result.Prediction
	for i := 0; i < 2; i++ {
		out := filepath.Join(dir, fmt.Sprint("s", i))
		r, err := Run(context.Background(), s, Options{OutDir: out, Open: linearOpener, Now: fixedNow, Shard: Shard{Index: i, Count: 2}})
		require.NoError(t, err)
		ps, err := ReadPredictions(filepath.Join(out, PredictionsFile))
		require.NoError(t, err)
		shards, sp = append(shards, r), append(sp, ps)
	}
	merged, all, err := Merge(s, shards, sp)
	require.NoError(t, err)
	assert.Equal(t, full.Evaluations[0].Metrics, merged.Evaluations[0].Metrics)
	out := filepath.Join(dir, "merged.jsonl")
	require.NoError(t, WritePredictions(out, merged, all))
	n := 0
	require.NoError(t, result.ReadPredictions(out, func(pr *result.Prediction) error {
		require.NotNil(t, pr.Target)
		require.NotNil(t, pr.Score)
		n++
		return nil
	}))
	assert.Equal(t, 40, n)
}
