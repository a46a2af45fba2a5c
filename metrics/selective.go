package metrics

import (
	"math"
)

// selectiveOrder returns the example indices sorted by confidence,
// descending; ties keep their input order (a stable sort), so the result is
// deterministic. HELM sorts with numpy's default (unstable) argsort, whose
// order among ties is unspecified.
func selectiveOrder(conf []float64) []int {
	return orderDesc(conf)
}

// RiskCoverage returns the risk–coverage curve of selective prediction
// (Geifman & El-Yaniv 2017): examples are sorted by confidence, most
// confident first (ties in input order), and for m = 1..n the model answers
// the first m:
//
//	coverage[m−1] = m/n,  risk[m−1] = (errors among the first m) / m
//
// It panics if the lengths differ; empty input gives empty slices and NaN
// confidence gives NaN risks.
func RiskCoverage(conf []float64, correct []bool) (coverage, risk []float64) {
	if len(conf) != len(correct) {
		panic(badLength)
	}
	n := len(conf)
	coverage = make([]float64, n)
	risk = make([]float64, n)
	nan := hasNaN(conf)
	var errs float64
	for m, i := range selectiveOrder(conf) {
		if !correct[i] {
			errs++
		}
		coverage[m] = float64(m+1) / float64(n)
		risk[m] = errs / float64(m+1)
		if nan {
			risk[m] = math.NaN()
		}
	}
	return coverage, risk
}

// AURC returns the area under the risk–coverage curve as the mean of the
// risks at the n coverage levels (the discrete AURC of Geifman et al. 2019):
//
//	AURC = (1/n) Σ_{m=1..n} risk(m/n)
//
// It equals 1 − HELM's selective_cov_acc_area. Lower is better. Empty input
// or NaN gives NaN.
func AURC(conf []float64, correct []bool) float64 {
	_, risk := RiskCoverage(conf, correct)
	var s float64
	for _, r := range risk {
		s += r
	}
	return s / float64(len(risk))
}

// AccuracyAtCoverage returns the accuracy of the most confident examples at
// coverage c as HELM defines selective_acc@10 (c = 0.1): with examples sorted
// by confidence, descending, it is the cumulative accuracy at 0-based index
// int(c·n), that is the accuracy of the int(c·n)+1 most confident examples
// (the index is clamped to n−1). Ties are kept in input order. It panics if
// c is outside [0, 1] or the lengths differ; empty input or NaN gives NaN.
func AccuracyAtCoverage(conf []float64, correct []bool, c float64) float64 {
	if len(conf) != len(correct) {
		panic(badLength)
	}
	if !(c >= 0 && c <= 1) {
		panic("metrics: coverage must be in [0, 1]")
	}
	n := len(conf)
	if n == 0 || hasNaN(conf) {
		return math.NaN()
	}
	m := int(c * float64(n))
	if m > n-1 {
		m = n - 1
	}
	var hit float64
	for _, i := range selectiveOrder(conf)[:m+1] {
		if correct[i] {
			hit++
		}
	}
	return hit / float64(m+1)
}
