package metrics

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
)

func checkPair(x, y []float64, weights []float64) {
	if len(x) != len(y) {
		panic(badLength)
	}
	checkWeights(len(x), weights)
}

// MAE returns the weighted mean absolute error, as scikit-learn's
// mean_absolute_error:
//
//	Σ_i w_i |pred_i − target_i| / Σ_i w_i
//
// If weights is nil, all weights are 1.
func MAE(pred, target []float64, weights []float64) float64 {
	checkPair(pred, target, weights)
	var s, tot float64
	for i, p := range pred {
		w := weight(weights, i)
		s += w * math.Abs(p-target[i])
		tot += w
	}
	return s / tot
}

// RMSE returns the root of the weighted mean squared error, as
// scikit-learn's mean_squared_error(squared=False):
//
//	sqrt(Σ_i w_i (pred_i − target_i)² / Σ_i w_i)
//
// If weights is nil, all weights are 1.
func RMSE(pred, target []float64, weights []float64) float64 {
	checkPair(pred, target, weights)
	var s, tot float64
	for i, p := range pred {
		w := weight(weights, i)
		d := p - target[i]
		s += w * d * d
		tot += w
	}
	return math.Sqrt(s / tot)
}

// R2 returns the coefficient of determination, as scikit-learn's r2_score:
//
//	1 − Σ_i w_i (target_i − pred_i)² / Σ_i w_i (target_i − t̄)²,  t̄ = weighted mean of target
//
// When the targets are constant the ratio is undefined and R2 returns NaN
// (scikit-learn's default force_finite=True would report 1 or 0 instead).
// If weights is nil, all weights are 1.
func R2(pred, target []float64, weights []float64) float64 {
	checkPair(pred, target, weights)
	if len(pred) == 0 {
		return math.NaN()
	}
	mean := stat.Mean(target, weights)
	var res, tot float64
	for i, p := range pred {
		w := weight(weights, i)
		d := target[i] - p
		res += w * d * d
		e := target[i] - mean
		tot += w * e * e
	}
	if tot == 0 {
		return math.NaN()
	}
	return 1 - res/tot
}

// Pearson returns the weighted Pearson correlation coefficient
//
//	Σ w (x − x̄)(y − ȳ) / sqrt(Σ w (x − x̄)² · Σ w (y − ȳ)²)
//
// as scipy.stats.pearsonr (unweighted) and gonum's stat.Correlation. It is
// NaN when either input is constant. If weights is nil, all weights are 1.
func Pearson(x, y []float64, weights []float64) float64 {
	checkPair(x, y, weights)
	if len(x) < 2 {
		return math.NaN()
	}
	mx, my := stat.Mean(x, weights), stat.Mean(y, weights)
	var sxy, sxx, syy float64
	for i := range x {
		w := weight(weights, i)
		dx, dy := x[i]-mx, y[i]-my
		sxy += w * dx * dy
		sxx += w * dx * dx
		syy += w * dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// Ranks writes into dst the 1-based ranks of x with ties given the mean of
// the ranks they span (scipy.stats.rankdata(method="average")) and returns
// dst (allocated when nil). NaN values sort last.
func Ranks(dst, x []float64) []float64 {
	dst = resize(dst, len(x))
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		xa, xb := x[idx[a]], x[idx[b]]
		return xa < xb || (!math.IsNaN(xa) && math.IsNaN(xb))
	})
	for j := 0; j < len(idx); {
		e := j + 1
		for e < len(idx) && x[idx[e]] == x[idx[j]] {
			e++
		}
		r := float64(j+e+1) / 2 // mean of ranks j+1..e
		for t := j; t < e; t++ {
			dst[idx[t]] = r
		}
		j = e
	}
	return dst
}

// Spearman returns Spearman's rank correlation: the Pearson correlation of
// the ranks of x and y, ties receiving their average rank, as
// scipy.stats.spearmanr. If weights is nil, all weights are 1; with weights
// the ranks are unweighted and the correlation of ranks is weighted.
func Spearman(x, y []float64, weights []float64) float64 {
	checkPair(x, y, weights)
	if hasNaN(x) || hasNaN(y) {
		return math.NaN()
	}
	return Pearson(Ranks(nil, x), Ranks(nil, y), weights)
}
