package harness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeModel is a 3-class linear model on 4 features: logits_c = 2·x_c + 0.5·x_3.
// It records the batch sizes it saw and can fail after a number of calls.
type fakeModel struct {
	fixed     int64   // fixed batch size, 0 for dynamic
	noise     float32 // weight of x_3 in every logit instead of 0.5 when set
	nanAbove  float32 // when set, rows with x_0 above it output NaN
	batches   []int
	failAfter int
	closed    bool
}

func (f *fakeModel) Run(_ context.Context, in []tensor.Tensor) ([]tensor.Tensor, error) {
	if f.closed {
		return nil, errors.New("fake: closed")
	}
	if f.failAfter > 0 && len(f.batches) >= f.failAfter {
		return nil, errors.New("fake: injected failure")
	}
	x := in[0].Data.([]float32)
	b := int(in[0].Shape[0])
	if f.fixed > 0 && int64(b) != f.fixed {
		return nil, fmt.Errorf("fake: batch %d, want fixed %d", b, f.fixed)
	}
	f.batches = append(f.batches, b)
	out := tensor.New("logits", tensor.Float32, []int64{int64(b), 3})
	o := out.Data.([]float32)
	w := f.noise
	defer func() {
		for i := 0; i < b && f.nanAbove != 0; i++ {
			if x[i*4] > f.nanAbove {
				o[i*3] = float32(math.NaN())
			}
		}
	}()
	for i := 0; i < b; i++ {
		for c := 0; c < 3; c++ {
			if w == 0 {
				o[i*3+c] = 2*x[i*4+c] + 0.5*x[i*4+3]
			} else {
				// A worse model: the noise feature pushes class 0.
				o[i*3+c] = 2 * x[i*4+c]
				if c == 0 {
					o[i*3+c] += w * x[i*4+3]
				}
			}
		}
	}
	return []tensor.Tensor{out}, nil
}

func (f *fakeModel) Close() error { f.closed = true; return nil }

func (f *fakeModel) opener() Opener {
	return func(string, suite.Runtime) (*OpenedModel, error) {
		bs := int64(-1)
		if f.fixed > 0 {
			bs = f.fixed
		}
		return &OpenedModel{Model: f, Provider: "fake",
			Inputs:  []tensor.Info{{Name: "x", DType: tensor.Float32, Shape: []int64{bs, 4}}},
			Outputs: []tensor.Info{{Name: "logits", DType: tensor.Float32, Shape: []int64{bs, 3}}},
		}, nil
	}
}

// writeFixture writes a CSV of n rows, a dummy model file and a suite, and
// returns the suite path and the rows.
func writeFixture(t *testing.T, n int, extra string) (string, [][4]float64, []int) {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("a,b,c,d,label,group\n")
	rows := make([][4]float64, n)
	labels := make([]int, n)
	for i := range rows {
		for j := range rows[i] {
			rows[i][j] = math.Round(rng.NormFloat64()*100) / 100
		}
		labels[i] = rng.IntN(3)
		rows[i][labels[i]] += 0.8 // make the model right more often than not
		g := "g1"
		if i%3 == 0 {
			g = "g2"
		}
		fmt.Fprintf(&b, "%g,%g,%g,%g,%s,%s\n", rows[i][0], rows[i][1], rows[i][2], rows[i][3], []string{"x", "y", "z"}[labels[i]], g)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.csv"), []byte(b.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.onnx"), []byte("not read by the fake"), 0o644))
	y := `version: 1
name: tiny
seed: 7
bootstrap: {resamples: 200}
runtime: {batch_size: 8}
models:
  - {name: fake, path: model.onnx}
datasets:
  - name: tiny
    format: csv
    path: data.csv
    features:
      - {name: x, columns: [a, b, c, d]}
    label: {column: label, classes: [x, y, z]}
    groups: [{column: group}]
tasks:
  - name: cls
    kind: classification
    dataset: tiny
    metrics: [accuracy, nll, ece, macro_f1]
` + extra
	p := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	return p, rows, labels
}

func fixedNow() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func runFixture(t *testing.T, suitePath string, f *fakeModel, mod func(*Options)) (*result.Result, error) {
	t.Helper()
	s, err := suite.Load(suitePath)
	require.NoError(t, err)
	opt := Options{OutDir: filepath.Join(filepath.Dir(suitePath), "out"), Open: f.opener(), Now: fixedNow}
	if mod != nil {
		mod(&opt)
	}
	return Run(context.Background(), s, opt)
}

// expectedAccuracy is computed by hand from the fake model's formula.
func expectedAccuracy(rows [][4]float64, labels []int) float64 {
	right := 0
	for i, r := range rows {
		best := 0
		for c := 1; c < 3; c++ {
			if 2*float32(r[c])+0.5*float32(r[3]) > 2*float32(r[best])+0.5*float32(r[3]) {
				best = c
			}
		}
		if best == labels[i] {
			right++
		}
	}
	return float64(right) / float64(len(rows))
}

func TestRunScoresAndWritesFiles(t *testing.T) {
	p, rows, labels := writeFixture(t, 300, "")
	f := &fakeModel{}
	res, err := runFixture(t, p, f, nil)
	require.NoError(t, err)
	require.Len(t, res.Evaluations, 1)
	ev := res.Evaluations[0]
	assert.Equal(t, 300, ev.N)
	acc, ok := ev.Metric("accuracy")
	require.True(t, ok)
	assert.InDelta(t, expectedAccuracy(rows, labels), float64(acc.Value), 1e-12)
	require.NotNil(t, acc.CI)
	assert.LessOrEqual(t, float64(acc.CI.Low), float64(acc.Value))
	assert.GreaterOrEqual(t, float64(acc.CI.High), float64(acc.Value))
	assert.Equal(t, "fake", res.Models[0].Provider)
	assert.Equal(t, []int{8, 8}, f.batches[:2])
	assert.Equal(t, 300%8, f.batches[len(f.batches)-1], "the final partial batch is shrunk for a dynamic batch axis")

	// The files on disk decode back to the same result.
	back, err := result.ReadFile(filepath.Join(filepath.Dir(p), "out", ResultFile))
	require.NoError(t, err)
	assert.Equal(t, res.Evaluations[0].Metrics, back.Evaluations[0].Metrics)
	n := 0
	require.NoError(t, result.ReadPredictions(filepath.Join(filepath.Dir(p), "out", PredictionsFile), func(pr *result.Prediction) error {
		assert.Equal(t, "fake/cls/clean", pr.Eval)
		assert.Contains(t, []string{"g1", "g2"}, pr.Groups["group"])
		assert.Len(t, pr.Probs, 3)
		n++
		return nil
	}))
	assert.Equal(t, 300, n)
}

func TestBatchSizeDoesNotChangePredictions(t *testing.T) {
	p, _, _ := writeFixture(t, 130, "")
	var results []*result.Result
	for _, bs := range []int{1, 64} {
		res, err := runFixture(t, p, &fakeModel{}, func(o *Options) {
			o.BatchSize, o.NoCache = bs, true
			o.OutDir = filepath.Join(filepath.Dir(p), fmt.Sprint("out", bs))
		})
		require.NoError(t, err)
		results = append(results, res)
	}
	assert.Equal(t, results[0].Evaluations[0].Metrics, results[1].Evaluations[0].Metrics)
}

func TestFixedBatchIsPadded(t *testing.T) {
	p, rows, labels := writeFixture(t, 10, "")
	f := &fakeModel{fixed: 4}
	res, err := runFixture(t, p, f, nil)
	require.NoError(t, err)
	assert.Equal(t, []int{4, 4, 4}, f.batches, "10 examples in fixed batches of 4: the last is padded")
	acc, _ := res.Evaluations[0].Metric("accuracy")
	assert.InDelta(t, expectedAccuracy(rows, labels), float64(acc.Value), 1e-12)
	assert.Equal(t, 10, res.Evaluations[0].N)
}

func TestResumeFromCache(t *testing.T) {
	p, _, _ := writeFixture(t, 2500, "")
	// First run fails in the third chunk: chunks 0 and 1 (2048 examples) are cached.
	_, err := runFixture(t, p, &fakeModel{failAfter: 2048/8 + 10}, nil)
	require.ErrorContains(t, err, "injected failure")
	f := &fakeModel{}
	res, err := runFixture(t, p, f, nil)
	require.NoError(t, err)
	assert.Equal(t, 2048, res.Run.Resumed)
	assert.Equal(t, (2500-2048+7)/8, len(f.batches), "only the uncached examples are run")
	// A clean run with the cache disabled gives the same metrics.
	full, err := runFixture(t, p, &fakeModel{}, func(o *Options) { o.NoCache = true; o.OutDir += "2" })
	require.NoError(t, err)
	assert.Equal(t, full.Evaluations[0].Metrics, res.Evaluations[0].Metrics)
}

func TestLimitAndShards(t *testing.T) {
	p, _, _ := writeFixture(t, 100, "")
	seen := map[int]int{}
	for i := 0; i < 3; i++ {
		res, err := runFixture(t, p, &fakeModel{}, func(o *Options) {
			o.Limit, o.Shard = 50, Shard{Index: i, Count: 3}
			o.OutDir = filepath.Join(filepath.Dir(p), fmt.Sprint("shard", i))
		})
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("%d/3", i), res.Run.Shard)
		require.NoError(t, result.ReadPredictions(filepath.Join(filepath.Dir(p), fmt.Sprint("shard", i), PredictionsFile), func(pr *result.Prediction) error {
			seen[pr.Index]++
			assert.Equal(t, i, pr.Index%3)
			return nil
		}))
	}
	assert.Len(t, seen, 50, "the shards together cover the first 50 examples exactly once")
	for idx, c := range seen {
		assert.Equal(t, 1, c, "example %d", idx)
		assert.Less(t, idx, 50)
	}
}

func TestBadLabelNamesTheLine(t *testing.T) {
	p, _, _ := writeFixture(t, 20, "")
	data := filepath.Join(filepath.Dir(p), "data.csv")
	b, err := os.ReadFile(data)
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	lines[5] = "0.1,0.2,0.3,0.4,w,g1"
	require.NoError(t, os.WriteFile(data, []byte(strings.Join(lines, "\n")), 0o644))
	_, err = runFixture(t, p, &fakeModel{}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "data.csv:6")
	assert.Contains(t, err.Error(), `"w"`)
}

func TestGatesAreEvaluated(t *testing.T) {
	p, _, _ := writeFixture(t, 50, "gates:\n  - accuracy >= 0.99\n  - nll <= 100\n")
	res, err := runFixture(t, p, &fakeModel{}, nil)
	require.NoError(t, err)
	require.Len(t, res.Gates, 2)
	assert.False(t, res.Gates[0].Pass)
	assert.True(t, res.Gates[1].Pass)
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		err  bool
	}{
		{"0/4", Shard{0, 4}, false},
		{"3/4", Shard{3, 4}, false},
		{"4/4", Shard{}, true},
		{"-1/4", Shard{}, true},
		{"1", Shard{}, true},
		{"a/b", Shard{}, true},
	} {
		got, err := ParseShard(tc.in)
		if tc.err {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got)
	}
}

func TestRescoreReproducesTheRun(t *testing.T) {
	p, _, _ := writeFixture(t, 200, "")
	res, err := runFixture(t, p, &fakeModel{}, nil)
	require.NoError(t, err)
	s, err := suite.Load(p)
	require.NoError(t, err)
	preds, err := ReadPredictions(filepath.Join(filepath.Dir(p), "out", PredictionsFile))
	require.NoError(t, err)
	again, err := Rescore(s, res, preds, RescoreOptions{})
	require.NoError(t, err)
	assert.Equal(t, res.Evaluations[0].Metrics, again.Evaluations[0].Metrics, "same predictions, same seed: same numbers")

	seed := uint64(99)
	other, err := Rescore(s, res, preds, RescoreOptions{Seed: &seed})
	require.NoError(t, err)
	a, _ := res.Evaluations[0].Metric("nll")
	b, _ := other.Evaluations[0].Metric("nll")
	assert.Equal(t, a.Value, b.Value)
	assert.NotEqual(t, a.CI.Low, b.CI.Low, "a new seed gives a new interval")
}

func TestMergeShardsEqualsFullRun(t *testing.T) {
	p, _, _ := writeFixture(t, 150, "")
	full, err := runFixture(t, p, &fakeModel{}, func(o *Options) { o.OutDir += "-full" })
	require.NoError(t, err)
	s, err := suite.Load(p)
	require.NoError(t, err)
	var shards []*result.Result
	var preds []map[string][]result.Prediction
	for i := 0; i < 3; i++ {
		dir := filepath.Join(filepath.Dir(p), fmt.Sprint("shard", i))
		r, err := runFixture(t, p, &fakeModel{}, func(o *Options) { o.Shard = Shard{Index: i, Count: 3}; o.OutDir = dir })
		require.NoError(t, err)
		ps, err := ReadPredictions(filepath.Join(dir, PredictionsFile))
		require.NoError(t, err)
		shards = append(shards, r)
		preds = append(preds, ps)
	}
	merged, all, err := Merge(s, shards, preds)
	require.NoError(t, err)
	assert.Equal(t, full.Evaluations[0].Metrics, merged.Evaluations[0].Metrics)
	assert.Equal(t, 150, merged.Evaluations[0].Efficiency.Examples)
	assert.Len(t, all["fake/cls/clean"], 150)
	assert.Equal(t, "", merged.Run.Shard)

	_, _, err = Merge(s, shards[:2], preds[:2])
	require.Error(t, err)
	assert.Contains(t, err.Error(), "shard 2/3 is missing")
	_, _, err = Merge(s, []*result.Result{shards[0], shards[0], shards[2]}, preds)
	assert.ErrorContains(t, err, "given twice")
}

// TestShiftAndCorruptionIntervals runs three models of different quality on
// a dataset, a shifted copy and a perturbation, and checks that the
// cross-evaluation figures (ID–OOD gap, effective robustness, mCE) carry
// intervals that hold their estimates.
func TestShiftAndCorruptionIntervals(t *testing.T) {
	p, _, _ := writeFixture(t, 300, "")
	dir := filepath.Dir(p)
	// The shifted copy: every feature value scaled by 0.6 (harder to separate).
	b, err := os.ReadFile(filepath.Join(dir, "data.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := 1; i < len(lines); i++ {
		f := strings.Split(lines[i], ",")
		for j := 0; j < 4; j++ {
			var v float64
			fmt.Sscan(f[j], &v)
			f[j] = fmt.Sprint(v * 0.6)
		}
		lines[i] = strings.Join(f, ",")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shift.csv"), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	for _, m := range []string{"b.onnx", "c.onnx"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, m), []byte(m), 0o644))
	}
	y, err := os.ReadFile(p)
	require.NoError(t, err)
	suiteText := strings.Replace(string(y), "  - {name: fake, path: model.onnx}", "  - {name: fake, path: model.onnx}\n  - {name: b, path: b.onnx}\n  - {name: c, path: c.onnx}", 1)
	suiteText = strings.Replace(suiteText, "datasets:\n", `datasets:
  - name: shifted
    format: csv
    path: shift.csv
    features:
      - {name: x, columns: [a, b, c, d]}
    label: {column: label, classes: [x, y, z]}
`, 1)
	suiteText += `    robustness:
      perturbations: [{name: feature_noise, severities: [3]}]
      shift: [shifted]
      baseline: fake
`
	require.NoError(t, os.WriteFile(p, []byte(suiteText), 0o644))
	s, err := suite.Load(p)
	require.NoError(t, err)
	models := map[string]*fakeModel{"model.onnx": {}, "b.onnx": {noise: 1.5}, "c.onnx": {noise: 3}}
	open := func(path string, rt suite.Runtime) (*OpenedModel, error) {
		return models[filepath.Base(path)].opener()(path, rt)
	}
	res, err := Run(context.Background(), s, Options{OutDir: filepath.Join(dir, "out"), Open: open, Now: fixedNow})
	require.NoError(t, err)
	require.Len(t, res.Robustness, 3)
	for _, rb := range res.Robustness {
		for _, m := range rb.Summary {
			switch m.Name {
			case "id_ood_gap:shifted", "effective_robustness:shifted", "mce", "relative_mce":
				require.NotNil(t, m.CI, "%s %s", rb.Model, m.Name)
				if rb.Model == "fake" && (m.Name == "mce" || m.Name == "relative_mce") {
					assert.Equal(t, 1.0, float64(m.Value), "the baseline against itself")
					assert.Equal(t, 1.0, float64(m.CI.Low))
					continue
				}
				assert.LessOrEqual(t, float64(m.CI.Low), float64(m.Value), "%s %s", rb.Model, m.Name)
				assert.GreaterOrEqual(t, float64(m.CI.High), float64(m.Value), "%s %s", rb.Model, m.Name)
			}
		}
	}
}

// TestInvalidOutputsSurviveTheCache runs a model that outputs NaN for some
// examples twice: the second run reads every prediction from the cache and
// must score exactly as the first.
func TestInvalidOutputsSurviveTheCache(t *testing.T) {
	p, _, _ := writeFixture(t, 1500, "")
	first, err := runFixture(t, p, &fakeModel{nanAbove: 1.2}, nil)
	require.NoError(t, err)
	ev := first.Evaluations[0]
	require.Positive(t, ev.Invalid)
	again, err := runFixture(t, p, &fakeModel{nanAbove: 1.2}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1500, again.Run.Resumed)
	assert.Equal(t, ev.Invalid, again.Evaluations[0].Invalid)
	assert.Equal(t, ev.Metrics, again.Evaluations[0].Metrics)
}
