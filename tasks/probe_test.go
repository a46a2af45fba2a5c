package tasks

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type probeRef struct {
	TrainX [][]float32 `json:"train_x"`
	TrainY []int       `json:"train_y"`
	TestX  [][]float32 `json:"test_x"`
	TestY  []int       `json:"test_y"`
	LogReg []struct {
		C         float64     `json:"C"`
		Coef      [][]float64 `json:"coef"` // K×D
		Intercept []float64   `json:"intercept"`
		Probs     [][]float64 `json:"test_probs"`
		OptCoef   [][]float64 `json:"opt_coef"`
		OptProbs  [][]float64 `json:"opt_test_probs"`
	} `json:"logreg"`
	KNN []struct {
		K     int         `json:"k"`
		Probs [][]float64 `json:"test_probs"`
		Pred  []int       `json:"pred"`
	} `json:"knn"`
}

func matrixOf(rows [][]float32) Matrix {
	m := Matrix{N: len(rows), D: len(rows[0])}
	for _, r := range rows {
		m.Data = append(m.Data, r...)
	}
	return m
}

func loadProbeRef(t *testing.T) *probeRef {
	t.Helper()
	b, err := os.ReadFile("testdata/probe_ref.json")
	require.NoError(t, err)
	var ref probeRef
	require.NoError(t, json.Unmarshal(b, &ref))
	return &ref
}

// TestLogRegMatchesSklearn compares against scikit-learn 1.2's
// LogisticRegression(multi_class="multinomial", C=C, tol=1e-10), whose
// numbers testdata/gen_probe_ref.py wrote. W is unique (penalised); the
// intercepts are unique only up to a common shift, so they are compared
// centred, and the probabilities directly. sklearn stops at a gradient of
// about 3e-6 (its ftol), so it is matched to 1e-4; the script's polished
// optimum of the same objective (gradient < 1e-8) is matched to 1e-6.
func TestLogRegMatchesSklearn(t *testing.T) {
	ref := loadProbeRef(t)
	x, xt := matrixOf(ref.TrainX), matrixOf(ref.TestX)
	for _, r := range ref.LogReg {
		lr, err := FitLogReg(x, ref.TrainY, 3, LogRegConfig{C: r.C, GradTol: 1e-10, FTol: 1e-14})
		require.NoError(t, err)
		assert.True(t, lr.Converged, "C=%v", r.C)
		for c := 0; c < 3; c++ {
			for j := 0; j < x.D; j++ {
				assert.InDelta(t, r.Coef[c][j], lr.Coef[j*3+c], 1e-4, "C=%v W[%d,%d]", r.C, c, j)
				assert.InDelta(t, r.OptCoef[c][j], lr.Coef[j*3+c], 1e-6, "C=%v optimum W[%d,%d]", r.C, c, j)
			}
		}
		mean := func(v []float64) float64 { return (v[0] + v[1] + v[2]) / 3 }
		b := lr.Coef[x.D*3:]
		for c := 0; c < 3; c++ {
			assert.InDelta(t, r.Intercept[c]-mean(r.Intercept), b[c]-mean(b), 1e-4, "C=%v b[%d]", r.C, c)
		}
		p := lr.PredictProba(xt, nil)
		for i := range r.Probs {
			for c := 0; c < 3; c++ {
				assert.InDelta(t, r.Probs[i][c], p[i*3+c], 1e-4, "C=%v p[%d,%d]", r.C, i, c)
				assert.InDelta(t, r.OptProbs[i][c], p[i*3+c], 1e-6, "C=%v optimum p[%d,%d]", r.C, i, c)
			}
		}
		assert.Equal(t, int64(15), lr.Params())
	}
}

func TestKNNMatchesSklearn(t *testing.T) {
	ref := loadProbeRef(t)
	x, xt := matrixOf(ref.TrainX), matrixOf(ref.TestX)
	for _, r := range ref.KNN {
		m, err := FitKNN(x, ref.TrainY, 3, r.K)
		require.NoError(t, err)
		p := m.PredictProba(xt, nil)
		preds := ProbePredictions(make([]Prediction, xt.N), p, 3)
		for i := range r.Probs {
			for c := 0; c < 3; c++ {
				assert.InDelta(t, r.Probs[i][c], p[i*3+c], 1e-12, "k=%d p[%d,%d]", r.K, i, c)
			}
			assert.Equal(t, r.Pred[i], preds[i].Pred, "k=%d example %d", r.K, i)
		}
	}
}

// TestKNNAndCentroidByHand: 2-D points, worked out on paper.
//
// Train: (1,0) a, (2,0.1) a, (0,1) b, (0.1,3) b. Query (1,1) has cosine
// 0.7071 to (1,0), 0.7418 to (2,0.1) [(2.1)/(√2·√4.01)], 0.7071 to (0,1),
// 0.7305 to (0.1,3) [(3.1)/(√2·√9.01)]. 1-NN: (2,0.1) → a. 3-NN: (2,0.1) a,
// (0.1,3) b, then the tie (1,0)/(0,1) at 0.7071 goes to the earlier row
// (1,0) → a, so p = (2/3, 1/3).
// Centroids of the normalised rows: a = ((1 + 0.99875)/2, (0 + 0.04994)/2),
// b = ((0 + 0.03331)/2, (1 + 0.99944)/2); query (1,-0.2) is nearer a.
func TestKNNAndCentroidByHand(t *testing.T) {
	x := Matrix{N: 4, D: 2, Data: []float32{1, 0, 2, 0.1, 0, 1, 0.1, 3}}
	y := []int{0, 0, 1, 1}
	q := Matrix{N: 1, D: 2, Data: []float32{1, 1}}
	m1, err := FitKNN(x, y, 2, 1)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0}, m1.PredictProba(q, nil))
	m3, err := FitKNN(x, y, 2, 3)
	require.NoError(t, err)
	p := m3.PredictProba(q, nil)
	assert.InDelta(t, 2.0/3, p[0], 1e-12)
	assert.InDelta(t, 1.0/3, p[1], 1e-12)

	c, err := FitCentroid(x, y, 2)
	require.NoError(t, err)
	n2 := math.Sqrt(4.01)
	n4 := math.Sqrt(9.01)
	assert.InDelta(t, (1+2/n2)/2, c.Centroids[0][0], 1e-7)
	assert.InDelta(t, (0.1/n2)/2, c.Centroids[0][1], 1e-7)
	assert.InDelta(t, (0.1/n4)/2, c.Centroids[1][0], 1e-7)
	assert.InDelta(t, (1+3/n4)/2, c.Centroids[1][1], 1e-7)
	qa := Matrix{N: 1, D: 2, Data: []float32{1, -0.2}}
	pp := c.PredictProba(qa, nil)
	assert.Greater(t, pp[0], pp[1])
	sim := c.Similarities(qa, nil)
	e0, e1 := math.Exp(sim[0]), math.Exp(sim[1])
	assert.InDelta(t, e0/(e0+e1), pp[0], 1e-12, "T = 1 without a validation split")
	assert.Equal(t, int64(5), c.Params())
}

// TestLogRegSeparable: on linearly separable 2-D data a weakly regularised
// fit classifies the training points with high confidence.
func TestLogRegSeparable(t *testing.T) {
	x := Matrix{N: 6, D: 2, Data: []float32{-2, 0, -1.5, 0.5, -1, -0.5, 1, 0.5, 1.5, -0.5, 2, 0}}
	y := []int{0, 0, 0, 1, 1, 1}
	lr, err := FitLogReg(x, y, 2, LogRegConfig{C: 100})
	require.NoError(t, err)
	p := lr.PredictProba(x, nil)
	for i, c := range y {
		assert.Greater(t, p[i*2+c], 0.95, "row %d", i)
	}
	assert.Equal(t, 1.0, Accuracy(p, 2, y))
}

func TestProbeErrors(t *testing.T) {
	x := Matrix{N: 2, D: 1, Data: []float32{1, 2}}
	_, err := FitLogReg(x, []int{0, 3}, 2, LogRegConfig{C: 1})
	assert.ErrorContains(t, err, "example 1 has label 3")
	_, err = FitLogReg(x, []int{0, 1}, 2, LogRegConfig{C: 0})
	assert.ErrorContains(t, err, "C = 0")
	_, err = FitLogReg(Matrix{D: 1}, nil, 2, LogRegConfig{C: 1})
	assert.ErrorIs(t, err, ErrNoTrainingData)
	_, err = FitKNN(Matrix{N: 1, D: 1, Data: []float32{float32(math.NaN())}}, []int{0}, 2, 1)
	assert.ErrorContains(t, err, "non-finite")
	_, err = FitProbe("svm", x, []int{0, 1}, Matrix{}, nil, 2, ProbeConfig{})
	assert.ErrorContains(t, err, `unknown probe method "svm"`)
}

func TestSplitAndShots(t *testing.T) {
	y := []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2}
	tr, va := SplitValidation(y, 3, 0.2, 7)
	assert.Len(t, va, 2, "one per class of 5; the single class-2 example stays in train")
	assert.Len(t, tr, 9)
	tr2, va2 := SplitValidation(y, 3, 0.2, 7)
	assert.Equal(t, tr, tr2, "deterministic")
	assert.Equal(t, va, va2)
	s := SampleShots(y, 3, 2, 1)
	assert.Len(t, s, 5, "2 + 2 + the one example of class 2")
	assert.Len(t, SampleShots(y, 3, 0, 1), 11)
}

// TestMeanCI: values 1, 2, 3: mean 2, s = 1, t_{0.975, 2} = 4.302653.
func TestMeanCI(t *testing.T) {
	m, lo, hi := MeanCI([]float64{1, 2, 3}, 0.95)
	assert.Equal(t, 2.0, m)
	h := 4.302652729911275 / math.Sqrt(3)
	assert.InDelta(t, 2-h, lo, 1e-9)
	assert.InDelta(t, 2+h, hi, 1e-9)
	_, lo, _ = MeanCI([]float64{1}, 0.95)
	assert.True(t, math.IsNaN(lo))
}

func TestFitProbeAndKShot(t *testing.T) {
	ref := loadProbeRef(t)
	x, xt := matrixOf(ref.TrainX), matrixOf(ref.TestX)
	tr, va := SplitValidation(ref.TrainY, 3, 0.2, 1)
	sub := func(idx []int) (Matrix, []int) {
		ys := make([]int, len(idx))
		for j, i := range idx {
			ys[j] = ref.TrainY[i]
		}
		return x.Subset(idx), ys
	}
	xtr, ytr := sub(tr)
	xva, yva := sub(va)
	for _, method := range ProbeMethods {
		fit, err := FitProbe(ProbeMethod(method), xtr, ytr, xva, yva, 3, ProbeConfig{NeighborsGrid: []int{1, 5}})
		require.NoError(t, err, method)
		acc := Accuracy(fit.Probe.PredictProba(xt, nil), 3, ref.TestY)
		assert.Greater(t, acc, 0.5, "%s: well above chance (1/3) on the separated fixture", method)
	}
	curve, err := KShotCurve("logreg", xtr, ytr, xva, yva, xt, ref.TestY, 3, []int{1, 5, 0}, 3, 9, 0.95, ProbeConfig{})
	require.NoError(t, err)
	require.Len(t, curve, 3)
	assert.Len(t, curve[0].Values, 3)
	assert.Equal(t, 3, curve[0].TrainExamples)
	assert.Len(t, curve[2].Values, 1, "all is fitted once")
	assert.Equal(t, xtr.N, curve[2].TrainExamples)
	assert.LessOrEqual(t, curve[0].Low, curve[0].Mean)
}

func synthetic(n, d, k int, seed uint64) (Matrix, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	centers := make([]float64, k*d)
	for i := range centers {
		centers[i] = rng.NormFloat64()
	}
	x := Matrix{N: n, D: d, Data: make([]float32, n*d)}
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = i % k
		for j := 0; j < d; j++ {
			x.Data[i*d+j] = float32(centers[y[i]*d+j] + 2*rng.NormFloat64())
		}
	}
	return x, y
}

// BenchmarkLogReg60kx512 fits the linear probe the issue sizes: 60,000
// embeddings of dimension 512, 10 classes, C = 1.
func BenchmarkLogReg60kx512(b *testing.B) {
	x, y := synthetic(60000, 512, 10, 3)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		lr, err := FitLogReg(x, y, 10, LogRegConfig{C: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(lr.Iterations), "iters")
		b.ReportMetric(time.Since(t0).Seconds(), "s/fit")
	}
}
