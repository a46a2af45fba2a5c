package metrics

import (
	"math"
)

// NLLEpsilon is the smallest probability NLL uses: the probability of the
// true class is clipped to [NLLEpsilon, 1] before its logarithm is taken, so
// a confident mistake costs at most −ln(1e-15) ≈ 34.54 nats instead of +Inf.
// This is scikit-learn's log_loss clipping before version 1.2 (eps=1e-15).
const NLLEpsilon = 1e-15

// NLL returns the weighted mean negative log-likelihood (natural log) of the
// true class:
//
//	Σ_i w_i · −ln(clip(p_{i,label_i}, NLLEpsilon, 1)) / Σ_i w_i
//
// probs is n*k, row-major. Rows are used as given: unlike scikit-learn's
// log_loss, NLL does not renormalise rows that do not sum to 1 (use
// CheckProbabilities first). For rows that sum to 1 it equals
// log_loss(labels=range(k), eps=1e-15). If weights is nil, all weights are 1.
func NLL(probs []float64, k int, label []int, weights []float64) float64 {
	n := rows(probs, k, len(label))
	checkWeights(n, weights)
	var s, tot float64
	for i := 0; i < n; i++ {
		y := label[i]
		if y < 0 || y >= k {
			panic(badClass)
		}
		p := probs[i*k+y]
		if math.IsNaN(p) {
			return math.NaN()
		}
		p = math.Min(math.Max(p, NLLEpsilon), 1)
		w := weight(weights, i)
		s -= w * math.Log(p)
		tot += w
	}
	return s / tot
}

// NLLTerms writes into dst the per-example negative log-likelihood
// −ln(clip(p_{i,label_i}, NLLEpsilon, 1)) and returns dst (allocated when
// nil). It is the input BootstrapMeanCI needs for a CI of NLL.
func NLLTerms(dst []float64, probs []float64, k int, label []int) []float64 {
	n := rows(probs, k, len(label))
	dst = resize(dst, n)
	for i := 0; i < n; i++ {
		y := label[i]
		if y < 0 || y >= k {
			panic(badClass)
		}
		dst[i] = -math.Log(math.Min(math.Max(probs[i*k+y], NLLEpsilon), 1))
	}
	return dst
}

func resize(dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(badLength)
	}
	return dst
}

// Brier returns the multiclass Brier score of Brier (1950): the squared
// error summed over classes, averaged over examples,
//
//	Σ_i w_i Σ_c (p_ic − [label_i = c])² / Σ_i w_i
//
// It lies in [0, 2] for probability rows. For k = 2 it is twice BrierBinary.
// If weights is nil, all weights are 1.
func Brier(probs []float64, k int, label []int, weights []float64) float64 {
	n := rows(probs, k, len(label))
	checkWeights(n, weights)
	var s, tot float64
	for i := 0; i < n; i++ {
		w := weight(weights, i)
		s += w * brierTerm(probs[i*k:(i+1)*k], label[i])
		tot += w
	}
	return s / tot
}

func brierTerm(row []float64, y int) float64 {
	if y < 0 || y >= len(row) {
		panic(badClass)
	}
	var e float64
	for c, p := range row {
		d := p
		if c == y {
			d = p - 1
		}
		e += d * d
	}
	return e
}

// BrierTerms writes into dst the per-example multiclass Brier terms
// Σ_c (p_ic − [label_i = c])² and returns dst (allocated when nil).
func BrierTerms(dst []float64, probs []float64, k int, label []int) []float64 {
	n := rows(probs, k, len(label))
	dst = resize(dst, n)
	for i := 0; i < n; i++ {
		dst[i] = brierTerm(probs[i*k:(i+1)*k], label[i])
	}
	return dst
}

// BrierBinary returns scikit-learn's brier_score_loss: the weighted mean
// squared difference between the probability of the positive class and the
// 0/1 label,
//
//	Σ_i w_i (p1_i − label_i)² / Σ_i w_i
//
// If weights is nil, all weights are 1. It panics if a label is not 0 or 1.
func BrierBinary(p1 []float64, label []int, weights []float64) float64 {
	if len(p1) != len(label) {
		panic(badLength)
	}
	checkWeights(len(p1), weights)
	var s, tot float64
	for i, p := range p1 {
		y := label[i]
		if y != 0 && y != 1 {
			panic(badBinary)
		}
		d := p - float64(y)
		w := weight(weights, i)
		s += w * d * d
		tot += w
	}
	return s / tot
}

// Softmax writes into dst the row-wise softmax of logits/T, where logits is
// n*k and row-major:
//
//	dst_ic = exp(z_ic/T) / Σ_j exp(z_ij/T)
//
// It subtracts each row's maximum first, so large logits do not overflow.
// dst may be logits itself. It panics if the lengths differ, k < 1 or T is
// not positive.
func Softmax(dst, logits []float64, k int, T float64) {
	n := rows(logits, k, -1)
	if len(dst) != len(logits) {
		panic(badLength)
	}
	if !(T > 0) {
		panic("metrics: temperature must be positive")
	}
	for i := 0; i < n; i++ {
		z := logits[i*k : (i+1)*k]
		d := dst[i*k : (i+1)*k]
		m := math.Inf(-1)
		for _, v := range z {
			m = math.Max(m, v)
		}
		var s float64
		for c, v := range z {
			e := math.Exp((v - m) / T)
			d[c] = e
			s += e
		}
		for c := range d {
			d[c] /= s
		}
	}
}

// temperatureNLL returns the mean NLL of softmax(β·z), its first and second
// derivatives with respect to β = 1/T:
//
//	L(β) = mean_i [logsumexp(β z_i) − β z_{i,y_i}]
//	L'(β) = mean_i [E_{softmax}(z_i) − z_{i,y_i}],  L''(β) = mean_i Var_{softmax}(z_i) ≥ 0
//
// L is convex in β, which makes the 1-D minimisation safe.
func temperatureNLL(logits []float64, k int, label []int, beta float64) (l, g, h float64) {
	n := len(label)
	for i := 0; i < n; i++ {
		z := logits[i*k : (i+1)*k]
		m := math.Inf(-1)
		for _, v := range z {
			m = math.Max(m, beta*v)
		}
		var s, ez, ez2 float64
		for _, v := range z {
			e := math.Exp(beta*v - m)
			s += e
			ez += e * v
			ez2 += e * v * v
		}
		mu := ez / s
		l += m + math.Log(s) - beta*z[label[i]]
		g += mu - z[label[i]]
		h += ez2/s - mu*mu
	}
	fn := float64(n)
	return l / fn, g / fn, h / fn
}

// Temperature search range: T in [1/MaxInvT, 1/MinInvT].
const (
	minInvTemperature = 1e-3
	maxInvTemperature = 1e3
)

// FitTemperature fits the temperature scaling of Guo et al. (2017): the
// scalar T > 0 that minimises the mean negative log-likelihood of
// softmax(z/T) on the given logits (n*k, row-major) and labels, which should
// be a calibration split held out from the evaluation data. Temperature
// scaling never changes the argmax.
//
// The NLL is convex in β = 1/T (its second derivative is the mean variance of
// the logits under the softmax), so FitTemperature finds the root of the
// derivative with Newton steps safeguarded by bisection, to a relative
// tolerance of 1e-10 in β, over T ∈ [1e-3, 1e3]. If the minimum lies beyond
// that range (for instance when every example is classified correctly with a
// margin, and NLL keeps falling as T → 0) the bound is returned. The fitted T
// never has a higher NLL on the fitting data than T = 1.
//
// It returns an error wrapping ErrUndefined for empty input and for NaN or
// infinite logits. It panics on length mismatch or a label outside [0, k).
func FitTemperature(logits []float64, k int, label []int) (T float64, err error) {
	n := rows(logits, k, len(label))
	if n == 0 {
		return math.NaN(), undefined("temperature of empty input")
	}
	if err := CheckLabels(label, k); err != nil {
		panic(badClass)
	}
	for i, v := range logits {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN(), undefined("example %d: logit is %v", i/k, v)
		}
	}
	lo, hi := minInvTemperature, maxInvTemperature
	if _, g, _ := temperatureNLL(logits, k, label, lo); g >= 0 {
		return 1 / lo, nil
	}
	if _, g, _ := temperatureNLL(logits, k, label, hi); g <= 0 {
		return 1 / hi, nil
	}
	beta := 1.0
	for iter := 0; iter < 200; iter++ {
		_, g, h := temperatureNLL(logits, k, label, beta)
		if g > 0 {
			hi = beta
		} else if g < 0 {
			lo = beta
		} else {
			break
		}
		next := beta - g/h
		if !(next > lo && next < hi) || h <= 0 {
			next = (lo + hi) / 2
		}
		if math.Abs(next-beta) <= 1e-10*beta || hi-lo <= 1e-12*hi {
			beta = next
			break
		}
		beta = next
	}
	return 1 / beta, nil
}
