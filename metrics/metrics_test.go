package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmptyAndNaN(t *testing.T) {
	nan := math.NaN()
	for name, v := range map[string]float64{
		"Accuracy":         Accuracy(nil, nil, nil),
		"BalancedAccuracy": BalancedAccuracy(nil, nil, 3, nil),
		"F1Macro":          F1Macro(nil, nil, 3, nil),
		"F1Micro":          F1Micro(nil, nil, 3, nil),
		"MCC":              MCC(nil, nil, 3, nil),
		"TopKAccuracy":     TopKAccuracy(nil, 3, nil, 1, nil),
		"NLL":              NLL(nil, 3, nil, nil),
		"Brier":            Brier(nil, 3, nil, nil),
		"BrierBinary":      BrierBinary(nil, nil, nil),
		"AURC":             AURC(nil, nil),
		"AccuracyAtCov":    AccuracyAtCoverage(nil, nil, 0.1),
		"MAE":              MAE(nil, nil, nil),
		"RMSE":             RMSE(nil, nil, nil),
		"R2":               R2(nil, nil, nil),
		"Pearson":          Pearson(nil, nil, nil),
		"Spearman":         Spearman(nil, nil, nil),
		"NLL NaN":          NLL([]float64{nan, 1}, 2, []int{0}, nil),
		"Brier NaN":        Brier([]float64{nan, 1}, 2, []int{0}, nil),
		"TopK NaN":         TopKAccuracy([]float64{nan, 1, 0}, 3, []int{0}, 1, nil),
		"Accuracy NaN w":   Accuracy([]int{1}, []int{1}, []float64{nan}),
		"MAE NaN":          MAE([]float64{nan}, []float64{1}, nil),
		"Pearson NaN":      Pearson([]float64{nan, 1, 2}, []float64{1, 2, 3}, nil),
		"Spearman NaN":     Spearman([]float64{nan, 1, 2}, []float64{1, 2, 3}, nil),
		"AURC NaN":         AURC([]float64{nan, 1}, []bool{true, false}),
	} {
		assert.True(t, math.IsNaN(v), "%s = %v; want NaN", name, v)
	}
	v, err := AUROC([]float64{nan, 1, 0.5, 0.5}, 2, []int{0, 1}, nil)
	assert.NoError(t, err)
	assert.True(t, math.IsNaN(v), "AUROC with NaN")
	_, err = AUROC(nil, 2, nil, nil)
	assert.ErrorIs(t, err, ErrUndefined)
}

func TestPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Accuracy length":    func() { Accuracy([]int{1}, []int{1, 2}, nil) },
		"Accuracy weights":   func() { Accuracy([]int{1}, []int{1}, []float64{1, 2}) },
		"Confusion class":    func() { ConfusionMatrix([]int{3}, []int{0}, 3, nil) },
		"Confusion k":        func() { ConfusionMatrix(nil, nil, 0, nil) },
		"NLL probs length":   func() { NLL([]float64{0.5, 0.5, 1}, 2, []int{0}, nil) },
		"NLL rows":           func() { NLL([]float64{0.5, 0.5}, 2, []int{0, 1}, nil) },
		"NLL label":          func() { NLL([]float64{0.5, 0.5}, 2, []int{2}, nil) },
		"TopK topk":          func() { TopKAccuracy([]float64{1}, 1, []int{0}, 0, nil) },
		"BrierBinary label":  func() { BrierBinary([]float64{0.3}, []int{2}, nil) },
		"Softmax T":          func() { Softmax(make([]float64, 2), []float64{1, 2}, 2, 0) },
		"Bootstrap level":    func() { BootstrapCI(3, func([]int) float64 { return 0 }, 10, 1, 1) },
		"Bootstrap resample": func() { BootstrapCI(3, func([]int) float64 { return 0 }, 0, 0.9, 1) },
		"ConfusionCI counts": func() { BootstrapConfusionCI([]float64{0.5, 1, 1, 1}, 2, AccuracyFromConfusion, 10, 0.9, 1) },
		"McNemar length":     func() { McNemar([]bool{true}, nil) },
		"Coverage":           func() { AccuracyAtCoverage([]float64{1}, []bool{true}, 1.5) },
	} {
		assert.Panics(t, f, name)
	}
	defer func() {
		r := recover()
		require.NotNil(t, r)
		assert.Equal(t, "metrics: slice length mismatch", r)
	}()
	MAE([]float64{1}, nil, nil)
}

func TestClassEdgeCases(t *testing.T) {
	// Class 2 is never predicted and never present; class 1 is never predicted.
	pred := []int{0, 0, 0, 3}
	label := []int{0, 1, 0, 3}
	p, r := PrecisionRecall(pred, label, 4, nil)
	// Hand-computed: class 0 TP 2 FP 1 → p 2/3, r 1; class 1 TP 0, FN 1 → p 0 (0/0), r 0;
	// class 2 absent → 0, 0; class 3 → 1, 1.
	assert.InDeltaSlice(t, []float64{2.0 / 3, 0, 0, 1}, p, 1e-15)
	assert.InDeltaSlice(t, []float64{1, 0, 0, 1}, r, 1e-15)
	// Macro F1 averages classes 0, 1, 3 (class 2 occurs nowhere): (0.8 + 0 + 1)/3.
	assert.InDelta(t, 1.8/3, F1Macro(pred, label, 4, nil), 1e-15)
	// Balanced accuracy averages recall over present classes 0, 1, 3.
	assert.InDelta(t, 2.0/3, BalancedAccuracy(pred, label, 4, nil), 1e-15)
	// MCC is 0/0 when a single class is predicted: sklearn returns 0.
	assert.Equal(t, 0.0, MCC([]int{1, 1, 1}, []int{0, 1, 1}, 2, nil))

	// AUROC undefined with one class present, never 0.5.
	v, err := AUROC([]float64{0.3, 0.7, 0.6, 0.4}, 2, []int{1, 1}, nil)
	assert.True(t, math.IsNaN(v))
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrUndefined))
	assert.Contains(t, err.Error(), "single class")
	_, err = AUROC([]float64{0.3, 0.3, 0.4, 0.7, 0.1, 0.2}, 3, []int{0, 1}, nil)
	assert.ErrorContains(t, err, "class 2")
	ovr := AUROCOneVsRest([]float64{0.3, 0.3, 0.4, 0.7, 0.1, 0.2}, 3, []int{0, 1}, nil)
	assert.Equal(t, []float64{0, 0}, ovr[:2]) // each positive scores below its negative
	assert.True(t, math.IsNaN(ovr[2]))
	_, err = AveragePrecision([]float64{0.3, 0.7, 0.6, 0.4}, 2, []int{0, 0}, nil)
	assert.ErrorIs(t, err, ErrUndefined)
	// Only positives: AUROC undefined, AP defined (precision 1 at every threshold).
	auc, ap, aucErr, apErr := AUROCAveragePrecision([]float64{0.3, 0.7, 0.6, 0.4}, 2, []int{1, 1}, nil)
	assert.True(t, math.IsNaN(auc))
	assert.ErrorIs(t, aucErr, ErrUndefined)
	assert.NoError(t, apErr)
	assert.Equal(t, 1.0, ap)
}

func TestCheckProbabilities(t *testing.T) {
	assert.NoError(t, CheckProbabilities([]float64{0.2, 0.8, 1, 0}, 2, 1e-9))
	assert.EqualError(t, CheckProbabilities([]float64{0.2, 0.8, 0.5, 0.6}, 2, 1e-6),
		"example 1: probabilities sum to 1.1, want 1 within 1e-06")
	assert.EqualError(t, CheckProbabilities([]float64{0.2, 0.8, math.Inf(1), 0}, 2, 1e-6),
		"example 1: class 0: probability is +Inf")
	assert.EqualError(t, CheckProbabilities([]float64{1.5, -0.5}, 2, 1e-6),
		"example 0: class 0: probability 1.5 outside [0, 1]")
	assert.EqualError(t, CheckLabels([]int{0, 1, 5}, 3), "example 2: class 5 outside [0, 3)")
}

func TestTopKTies(t *testing.T) {
	// Row (0.4, 0.4, 0.2), label 0: sklearn ranks the tied class 1 above class 0,
	// so top-1 misses and top-2 hits (checked in vectors.json with tied scores).
	probs := []float64{0.4, 0.4, 0.2}
	assert.Equal(t, 0.0, TopKAccuracy(probs, 3, []int{0}, 1, nil))
	assert.Equal(t, 1.0, TopKAccuracy(probs, 3, []int{1}, 1, nil))
	assert.Equal(t, 1.0, TopKAccuracy(probs, 3, []int{0}, 2, nil))
}

func TestSelective(t *testing.T) {
	conf := []float64{0.9, 0.5, 0.8, 0.5, 0.7}
	correct := []bool{true, false, false, true, true}
	cov, risk := RiskCoverage(conf, correct)
	// Order: .9 (ok), .8 (wrong), .7 (ok), .5 idx1 (wrong), .5 idx3 (ok): stable for ties.
	assert.Equal(t, []float64{0.2, 0.4, 0.6, 0.8, 1}, cov)
	assert.InDeltaSlice(t, []float64{0, 0.5, 1.0 / 3, 0.5, 0.4}, risk, 1e-15)
	assert.InDelta(t, (0+0.5+1.0/3+0.5+0.4)/5, AURC(conf, correct), 1e-15)
	// int(0.1*5) = 0 → the single most confident example.
	assert.Equal(t, 1.0, AccuracyAtCoverage(conf, correct, 0.1))
	assert.InDelta(t, 2.0/3, AccuracyAtCoverage(conf, correct, 0.5), 1e-15) // int(2.5)=2 → top 3
	assert.InDelta(t, 0.6, AccuracyAtCoverage(conf, correct, 1), 1e-15)
}

func TestSoftmaxAndTemperature(t *testing.T) {
	dst := make([]float64, 3)
	Softmax(dst, []float64{1000, 1000, 1000 - math.Log(2)}, 3, 1)
	assert.InDeltaSlice(t, []float64{0.4, 0.4, 0.2}, dst, 1e-12, "no overflow at large logits")

	// Labels drawn from softmax(z/T0): the fitted T recovers T0, and the fitted
	// NLL is no higher than at T=1 (the property the fit promises).
	rng := rand.New(rand.NewPCG(3, 4))
	const n, k, T0 = 20000, 5, 2.5
	z := make([]float64, n*k)
	label := make([]int, n)
	p := make([]float64, k)
	for i := 0; i < n; i++ {
		for c := 0; c < k; c++ {
			z[i*k+c] = 3 * rng.NormFloat64()
		}
		Softmax(p, z[i*k:(i+1)*k], k, T0)
		u, acc := rng.Float64(), 0.0
		label[i] = k - 1
		for c := 0; c < k; c++ {
			acc += p[c]
			if u < acc {
				label[i] = c
				break
			}
		}
	}
	T, err := FitTemperature(z, k, label)
	require.NoError(t, err)
	assert.InDelta(t, T0, T, 0.1, "fitted temperature")
	probs := make([]float64, n*k)
	Softmax(probs, z, k, T)
	fitted := NLL(probs, k, label, nil)
	Softmax(probs, z, k, 1)
	assert.LessOrEqual(t, fitted, NLL(probs, k, label, nil))
	for _, dT := range []float64{0.9, 1.1} {
		Softmax(probs, z, k, T*dT)
		assert.LessOrEqual(t, fitted, NLL(probs, k, label, nil), "T is a minimum")
	}

	// Separable data: NLL falls as T → 0; the search bound is returned.
	T, err = FitTemperature([]float64{5, 0, 0, 5}, 2, []int{0, 1})
	require.NoError(t, err)
	assert.InDelta(t, 1e-3, T, 1e-12)
	_, err = FitTemperature(nil, 2, nil)
	assert.ErrorIs(t, err, ErrUndefined)
	_, err = FitTemperature([]float64{math.NaN(), 0}, 2, []int{0})
	assert.ErrorContains(t, err, "example 0")
}

// TestTemperatureNeverWorse is a property test over random splits.
func TestTemperatureNeverWorse(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 20; trial++ {
		n, k := 50+rng.IntN(200), 2+rng.IntN(6)
		z := make([]float64, n*k)
		label := make([]int, n)
		scale := 0.1 + 5*rng.Float64()
		for i := range label {
			label[i] = rng.IntN(k)
			for c := 0; c < k; c++ {
				z[i*k+c] = scale * rng.NormFloat64()
			}
			z[i*k+label[i]] += rng.Float64() * 3
		}
		T, err := FitTemperature(z, k, label)
		require.NoError(t, err)
		probs := make([]float64, n*k)
		Softmax(probs, z, k, T)
		fitted := NLL(probs, k, label, nil)
		Softmax(probs, z, k, 1)
		assert.LessOrEqual(t, fitted, NLL(probs, k, label, nil)+1e-12, "trial %d", trial)
	}
}

func TestRegressionEdge(t *testing.T) {
	assert.True(t, math.IsNaN(R2([]float64{1, 2}, []float64{3, 3}, nil)), "constant target")
	assert.True(t, math.IsNaN(Pearson([]float64{1, 2}, []float64{3, 3}, nil)), "constant input")
	assert.Equal(t, []float64{1.5, 1.5, 3, 4.5, 4.5}, Ranks(nil, []float64{2, 2, 5, 7, 7}))
	// Weight 2 equals repetition.
	assert.InDelta(t, Pearson([]float64{1, 1, 2, 4}, []float64{1, 1, 3, 3}, nil),
		Pearson([]float64{1, 2, 4}, []float64{1, 3, 3}, []float64{2, 1, 1}), 1e-15)
}

func TestMcNemar(t *testing.T) {
	a := []bool{true, true, false, false, true, false}
	b := []bool{true, false, true, true, true, true}
	b01, b10, p := McNemar(a, b)
	// b01 = 3 (a wrong, b right), b10 = 1; p = 2·P(Bin(4,½) ≤ 1) = 2·5/16.
	assert.Equal(t, 3, b01)
	assert.Equal(t, 1, b10)
	assert.InDelta(t, 0.625, p, 1e-12)
	_, _, p = McNemar(a, a)
	assert.Equal(t, 1.0, p)
}

func gomaxprocs(n int) func() {
	old := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(old) }
}

func TestBootstrapDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 500)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	mean := func(idx []int) float64 {
		var s float64
		for _, i := range idx {
			s += x[i]
		}
		return s / float64(len(idx))
	}
	var cis []CI
	for _, procs := range []int{1, 2, 7} {
		restore := gomaxprocs(procs)
		cis = append(cis, BootstrapCI(len(x), mean, 200, 0.9, 42))
		cm := []float64{30, 5, 2, 40}
		cis = append(cis, BootstrapConfusionCI(cm, 2, MCCFromConfusion, 200, 0.9, 42))
		cis = append(cis, BootstrapMeanCI(x, 200, 0.9, 42))
		restore()
	}
	for i := 3; i < len(cis); i++ {
		assert.Equal(t, cis[i%3], cis[i], "GOMAXPROCS must not change the CI (%d)", i)
	}
	assert.NotEqual(t, cis[0], BootstrapCI(len(x), mean, 200, 0.9, 43), "the seed matters")
	cm := []float64{30, 5, 2, 40}
	many := BootstrapConfusionCIs(cm, 2, []func([]float64, int) float64{AccuracyFromConfusion, MCCFromConfusion}, 200, 0.9, 42)
	assert.Equal(t, cis[1], many[1], "BootstrapConfusionCIs shares replicates with BootstrapConfusionCI")
	assert.Equal(t, BootstrapConfusionCI(cm, 2, AccuracyFromConfusion, 200, 0.9, 42), many[0])
}

// TestBootstrapCoverage: the 90% percentile CI of a mean covers the true mean
// in roughly 90% of synthetic data sets (binomial noise: 200 trials, sd ≈ 2%).
func TestBootstrapCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const trials, n = 200, 100
	var hitResample, hitMean int
	x := make([]float64, n)
	for tr := 0; tr < trials; tr++ {
		for i := range x {
			x[i] = rng.ExpFloat64() // true mean 1, skewed
		}
		ci := BootstrapCI(n, func(idx []int) float64 {
			var s float64
			for _, i := range idx {
				s += x[i]
			}
			return s / n
		}, 300, 0.9, uint64(tr))
		if ci.Low <= 1 && 1 <= ci.High {
			hitResample++
		}
		ci = BootstrapMeanCI(x, 300, 0.9, uint64(tr))
		if ci.Low <= 1 && 1 <= ci.High {
			hitMean++
		}
	}
	for name, hit := range map[string]int{"BootstrapCI": hitResample, "BootstrapMeanCI": hitMean} {
		rate := float64(hit) / trials
		assert.InDelta(t, 0.88, rate, 0.07, "%s coverage %v", name, rate) // percentile CIs undercover slightly for skewed data at n=100
	}
}

// TestFastPathsMatchResampling: the multinomial fast paths have the same
// distribution as resampling examples, so their intervals agree with
// BootstrapCI's to Monte Carlo error.
func TestFastPathsMatchResampling(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	const n, k = 3000, 3
	pred, label := make([]int, n), make([]int, n)
	terms := make([]float64, n)
	for i := range pred {
		label[i] = rng.IntN(k)
		pred[i] = label[i]
		if rng.Float64() < 0.3 {
			pred[i] = rng.IntN(k)
		}
		terms[i] = rng.ExpFloat64() // continuous: stratified path
	}
	slow := BootstrapCI(n, func(idx []int) float64 {
		p, l := make([]int, len(idx)), make([]int, len(idx))
		for j, i := range idx {
			p[j], l[j] = pred[i], label[i]
		}
		return MCC(p, l, k, nil)
	}, 1000, 0.9, 1)
	fast := BootstrapConfusionCI(ConfusionMatrix(pred, label, k, nil), k, MCCFromConfusion, 1000, 0.9, 2)
	width := slow.High - slow.Low
	assert.InDelta(t, slow.Low, fast.Low, 0.15*width)
	assert.InDelta(t, slow.High, fast.High, 0.15*width)
	assert.Equal(t, MethodMultinomial, fast.Method)

	slow = BootstrapCI(n, func(idx []int) float64 {
		var s float64
		for _, i := range idx {
			s += terms[i]
		}
		return s / n
	}, 1000, 0.9, 1)
	fast = BootstrapMeanCI(terms, 1000, 0.9, 2)
	assert.Equal(t, MethodStratified, fast.Method)
	width = slow.High - slow.Low
	assert.InDelta(t, slow.Low, fast.Low, 0.15*width)
	assert.InDelta(t, slow.High, fast.High, 0.15*width)
}

func TestPairedBootstrap(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	const n = 400
	a, b := make([]bool, n), make([]bool, n)
	for i := range a {
		a[i] = rng.Float64() < 0.6
		b[i] = a[i] || rng.Float64() < 0.3 // b is strictly better
	}
	acc := func(c []bool, idx []int) float64 {
		var s float64
		for _, i := range idx {
			if c[i] {
				s++
			}
		}
		return s / float64(len(idx))
	}
	delta, ci, p := PairedBootstrap(n, func(idx []int) (float64, float64) { return acc(a, idx), acc(b, idx) }, 500, 0.95, 1)
	assert.Greater(t, delta, 0.0)
	assert.Greater(t, ci.Low, 0.0, "b better, CI excludes 0")
	assert.Less(t, p, 0.01)
	// Identical systems: delta 0, p = 1.
	delta, _, p = PairedBootstrap(n, func(idx []int) (float64, float64) { return acc(a, idx), acc(a, idx) }, 200, 0.95, 1)
	assert.Equal(t, 0.0, delta)
	assert.Equal(t, 1.0, p)
}

func TestBinomialMoments(t *testing.T) {
	// Sampled mean and variance match n·p and n·p·(1−p) in both regimes.
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct{ n, p float64 }{{10, 0.3}, {1e6, 1e-5}, {1e6, 0.3}, {50, 0.9}} {
		const draws = 20000
		var s, s2 float64
		for i := 0; i < draws; i++ {
			x := binomial(rng, tc.n, tc.p)
			require.True(t, x >= 0 && x <= tc.n && x == math.Trunc(x))
			s += x
			s2 += x * x
		}
		mean := s / draws
		vari := s2/draws - mean*mean
		v := tc.n * tc.p * (1 - tc.p)
		assert.InDelta(t, tc.n*tc.p, mean, 5*math.Sqrt(v/draws), "mean %v", tc)
		assert.InDelta(t, v, vari, 0.05*v, "variance %v", tc)
	}
}

func TestBootstrapCalibrationCI(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	conf, out := calibratedSample(3000, rng)
	for i := range conf { // make it overconfident so ECE is well above 0
		conf[i] = math.Min(1, conf[i]+0.05)
	}
	for _, spec := range []CalibrationSpec{ECESpec, HELMSpec, {Bins: 10, Norm: Max, TopLabel: true}} {
		slow := BootstrapCI(len(conf), func(idx []int) float64 {
			c, o := make([]float64, len(idx)), make([]float64, len(idx))
			for j, i := range idx {
				c[j], o[j] = conf[i], out[i]
			}
			return CalibrationErrorFromConfidence(c, o, spec, nil).Value
		}, 400, 0.9, 1)
		fast := BootstrapCalibrationCI(conf, out, spec, 400, 0.9, 2)
		width := slow.High - slow.Low
		assert.InDelta(t, slow.Low, fast.Low, 0.25*width, "%v", spec)
		assert.InDelta(t, slow.High, fast.High, 0.25*width, "%v", spec)
	}
}

func TestOrderDesc(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	x := make([]float64, 2000)
	for i := range x {
		x[i] = math.Round(rng.NormFloat64()*4) / 4 // many ties, negatives, zeros
	}
	idx := orderDesc(x)
	require.Len(t, idx, len(x))
	for j := 1; j < len(idx); j++ {
		a, b := idx[j-1], idx[j]
		require.True(t, x[a] > x[b] || (x[a] == x[b] && a < b), "position %d: %v(%d) before %v(%d)", j, x[a], a, x[b], b)
	}
}

func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 5))
	x := make([]float64, 5000)
	for i := range x {
		x[i] = math.Round(rng.NormFloat64()*8) / 8
	}
	x[3] = math.Inf(-1)
	x[4] = math.Inf(1)
	want := append([]float64(nil), x...)
	slices.Sort(want)
	sortFloats(x)
	assert.Equal(t, want, x)
}

// TestOrderInvariance: shuffling examples (with their weights) changes no
// metric, and scores stay in their documented ranges.
func TestOrderInvariance(t *testing.T) {
	d := newBenchData(400, 4)
	w := make([]float64, d.n)
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range w {
		w[i] = 0.5 + rng.Float64()
	}
	perm := rng.Perm(d.n)
	p2 := make([]float64, len(d.probs))
	l2, pr2, w2 := make([]int, d.n), make([]int, d.n), make([]float64, d.n)
	for j, i := range perm {
		copy(p2[j*4:(j+1)*4], d.probs[i*4:(i+1)*4])
		l2[j], pr2[j], w2[j] = d.label[i], d.pred[i], w[i]
	}
	all := func(probs []float64, label, pred []int, w []float64) []float64 {
		auc, ap, _, _ := AUROCAveragePrecision(probs, 4, label, w)
		return []float64{
			Accuracy(pred, label, w), BalancedAccuracy(pred, label, 4, w), F1Macro(pred, label, 4, w),
			MCC(pred, label, 4, w), TopKAccuracy(probs, 4, label, 2, w), auc, ap,
			NLL(probs, 4, label, w), Brier(probs, 4, label, w) / 2,
			CalibrationError(probs, 4, label, ECESpec, w).Value, CalibrationError(probs, 4, label, HELMSpec, w).Value,
		}
	}
	a, b := all(d.probs, d.label, d.pred, w), all(p2, l2, pr2, w2)
	for i := range a {
		assert.InDelta(t, a[i], b[i], 1e-12, "metric %d changes with example order", i)
		if i != 3 && i != 7 { // MCC in [-1, 1]; NLL unbounded
			assert.True(t, a[i] >= 0 && a[i] <= 1, "metric %d = %v outside [0, 1]", i, a[i])
		}
	}
}

func FuzzBinningUnmarshalText(f *testing.F) {
	for _, s := range []string{"equal-width", "equal-mass", "adaptive", "uniform", "", "l1", "max"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b Binning
		if err := b.UnmarshalText([]byte(s)); err == nil {
			txt, err := b.MarshalText()
			require.NoError(t, err)
			var again Binning
			require.NoError(t, again.UnmarshalText(txt))
			assert.Equal(t, b, again)
		}
		var n Norm
		if err := n.UnmarshalText([]byte(s)); err == nil {
			txt, err := n.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, s, string(txt))
		}
	})
}

// FuzzCalibrationError: arbitrary confidences and outcomes never panic and
// give a value in [0, 1] or NaN.
func FuzzCalibrationError(f *testing.F) {
	f.Add([]byte{10, 200, 30, 255, 0, 128}, uint8(15), true)
	f.Fuzz(func(t *testing.T, raw []byte, bins uint8, equalMass bool) {
		conf := make([]float64, len(raw)/2)
		out := make([]float64, len(raw)/2)
		for i := range conf {
			conf[i] = float64(raw[2*i]) / 255
			out[i] = float64(raw[2*i+1] & 1)
		}
		spec := CalibrationSpec{Bins: int(bins), Norm: Norm(bins % 3)}
		if equalMass {
			spec.Binning = EqualMass
		}
		v := CalibrationErrorFromConfidence(conf, out, spec, nil).Value
		if len(conf) == 0 {
			assert.True(t, math.IsNaN(v))
			return
		}
		assert.True(t, v >= 0 && v <= 1, "value %v", v)
	})
}

func TestBootstrapReplicatesMatchesBootstrapCI(t *testing.T) {
	// One output that resamples like BootstrapCI gives BootstrapCI's interval.
	x := []float64{1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0}
	mean := func(idx []int) float64 {
		s := 0.0
		for _, i := range idx {
			s += x[i]
		}
		return s / float64(len(idx))
	}
	want := BootstrapCI(len(x), mean, 300, 0.9, 5)
	reps := BootstrapReplicates(300, 2, 5, func(rng *rand.Rand, dst []float64) {
		idx := make([]int, len(x))
		for j := range idx {
			idx[j] = rng.IntN(len(x))
		}
		dst[0], dst[1] = mean(idx), -mean(idx)
	})
	got := PercentileCI(reps[0], 0.9)
	assert.Equal(t, want.Low, got.Low)
	assert.Equal(t, want.High, got.High)
	neg := PercentileCI(reps[1], 0.9)
	assert.InDelta(t, -want.High, neg.Low, 1e-12)
}
