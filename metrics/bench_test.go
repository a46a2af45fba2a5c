package metrics

import (
	"math/rand/v2"
	"testing"
)

// Benchmark sizes (examples), as gonum's Small/Medium/Large.
const (
	benchSmall  = 1_000
	benchMedium = 100_000
	benchLarge  = 1_000_000
	benchK      = 10
)

type benchData struct {
	n, k    int
	probs   []float64
	label   []int
	pred    []int
	conf    []float64
	outcome []float64
	correct []bool
}

// newBenchData draws a seeded synthetic k-class problem: logits N(0,1) with
// +2 on the true class, probabilities by softmax, predictions by argmax.
func newBenchData(n, k int) *benchData {
	rng := rand.New(rand.NewPCG(1, 1))
	d := &benchData{n: n, k: k, probs: make([]float64, n*k), label: make([]int, n)}
	for i := 0; i < n; i++ {
		d.label[i] = rng.IntN(k)
		for c := 0; c < k; c++ {
			d.probs[i*k+c] = rng.NormFloat64()
		}
		d.probs[i*k+d.label[i]] += 2
	}
	Softmax(d.probs, d.probs, k, 1)
	d.pred = Argmax(nil, d.probs, k)
	d.conf, d.outcome = Confidences(d.probs, k, d.label, true)
	d.correct = make([]bool, n)
	for i, o := range d.outcome {
		d.correct[i] = o == 1
	}
	return d
}

var sink float64

func benchPoint(b *testing.B, n int) {
	d := newBenchData(n, benchK)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink = d.allPoint()
	}
}

// allPoint computes every classification, calibration and selective
// prediction point metric once.
func (d *benchData) allPoint() float64 {
	k := d.k
	cm := ConfusionMatrix(d.pred, d.label, k, nil)
	s := AccuracyFromConfusion(cm, k) + BalancedAccuracyFromConfusion(cm, k) +
		F1MacroFromConfusion(cm, k) + MCCFromConfusion(cm, k)
	p, r := PrecisionRecallFromConfusion(cm, k)
	s += p[0] + r[0]
	s += TopKAccuracy(d.probs, k, d.label, 5, nil)
	auc, ap, _, _ := AUROCAveragePrecision(d.probs, k, d.label, nil)
	s += auc + ap + NLL(d.probs, k, d.label, nil) + Brier(d.probs, k, d.label, nil)
	for _, spec := range []CalibrationSpec{ECESpec, HELMSpec, {Bins: 15, Norm: Max, TopLabel: true}, {Bins: 15, Norm: L2, TopLabel: true}} {
		s += CalibrationErrorFromConfidence(d.conf, d.outcome, spec, nil).Value
	}
	cw, _ := ClasswiseECE(d.probs, k, d.label, ECESpec, nil)
	s += cw + AURC(d.conf, d.correct) + AccuracyAtCoverage(d.conf, d.correct, 0.1)
	return s
}

// allCI computes a 1000-resample CI for every metric that has a fast path:
// the confusion-matrix metrics (exact multinomial), NLL, Brier and top-5
// accuracy (BootstrapMeanCI) and the top-label ECE family
// (BootstrapCalibrationCI).
func (d *benchData) allCI(resamples int) float64 {
	k := d.k
	cm := ConfusionMatrix(d.pred, d.label, k, nil)
	var s float64
	for _, ci := range BootstrapConfusionCIs(cm, k, []func([]float64, int) float64{AccuracyFromConfusion, BalancedAccuracyFromConfusion, F1MacroFromConfusion, MCCFromConfusion}, resamples, 0.95, 1) {
		s += ci.Low
	}
	s += BootstrapMeanCI(NLLTerms(nil, d.probs, k, d.label), resamples, 0.95, 1).Low
	s += BootstrapMeanCI(BrierTerms(nil, d.probs, k, d.label), resamples, 0.95, 1).Low
	top5 := make([]float64, d.n)
	for i := range top5 {
		top5[i] = TopKAccuracy(d.probs[i*k:(i+1)*k], k, d.label[i:i+1], 5, nil)
	}
	s += BootstrapMeanCI(top5, resamples, 0.95, 1).Low
	for _, spec := range []CalibrationSpec{ECESpec, HELMSpec, {Bins: 15, Norm: Max, TopLabel: true}, {Bins: 15, Norm: L2, TopLabel: true}} {
		s += BootstrapCalibrationCI(d.conf, d.outcome, spec, resamples, 0.95, 1).Low
	}
	return s
}

func BenchmarkPointSmall(b *testing.B)  { benchPoint(b, benchSmall) }
func BenchmarkPointMedium(b *testing.B) { benchPoint(b, benchMedium) }
func BenchmarkPointLarge(b *testing.B)  { benchPoint(b, benchLarge) }

func benchCI(b *testing.B, n int) {
	d := newBenchData(n, benchK)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink = d.allCI(1000)
	}
}

func BenchmarkCISmall(b *testing.B)  { benchCI(b, benchSmall) }
func BenchmarkCIMedium(b *testing.B) { benchCI(b, benchMedium) }
func BenchmarkCILarge(b *testing.B)  { benchCI(b, benchLarge) }

// BenchmarkIssue1M is the issue's benchmark: every classification and
// calibration point metric plus a 1000-resample CI for each metric with a
// fast path, on 1,000,000 predictions over 10 classes.
func BenchmarkIssue1M(b *testing.B) {
	d := newBenchData(benchLarge, benchK)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink = d.allPoint() + d.allCI(1000)
	}
}

// BenchmarkBootstrapCIGenericLarge is the general index-resampling path at
// 1M examples (accuracy per replicate); multiply by 1000/10 for the naive
// cost the fast paths avoid.
func BenchmarkBootstrapCIGenericLarge(b *testing.B) {
	d := newBenchData(benchLarge, benchK)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink = BootstrapCI(d.n, func(idx []int) float64 {
			var hit float64
			for _, j := range idx {
				if d.pred[j] == d.label[j] {
					hit++
				}
			}
			return hit / float64(len(idx))
		}, 10, 0.95, 1).Low
	}
}

// BenchmarkSetupLarge only builds the 1M-example data, so its CPU time can
// be subtracted from whole-process measurements of the others.
func BenchmarkSetupLarge(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = newBenchData(benchLarge, benchK).probs[0]
	}
}
