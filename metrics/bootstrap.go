package metrics

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// CI is a two-sided bootstrap confidence interval.
type CI struct {
	// Low and High bound the interval.
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	// Level is the nominal coverage, for example 0.95.
	Level float64 `json:"level"`
	// Resamples is the number of bootstrap replicates the interval was
	// computed from; replicates whose statistic was NaN (undefined on that
	// resample) are left out and not counted.
	Resamples int `json:"resamples"`
	// Method names how the replicates were drawn.
	Method string `json:"method"`
}

// Bootstrap methods recorded in CI.Method.
const (
	// MethodPercentile: percentile bootstrap over resampled example indices.
	MethodPercentile = "percentile"
	// MethodMultinomial: percentile bootstrap with the resample drawn as a
	// multinomial over cells (confusion-matrix cells or distinct values);
	// identical in distribution to resampling examples.
	MethodMultinomial = "percentile-multinomial"
	// MethodStratified: percentile bootstrap drawn as a multinomial over
	// strata of sorted values, with a normal term for the spread inside each
	// stratum; the first two moments of every replicate are exact.
	MethodStratified = "percentile-stratified"
)

func checkBootstrap(resamples int, level float64) {
	if resamples < 1 {
		panic(badResamp)
	}
	if !(level > 0 && level < 1) {
		panic(badLevel)
	}
}

// newRand returns the generator for resample r: PCG seeded with (seed, r),
// so each replicate is the same whatever goroutine computes it.
func newRand(seed uint64, r int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(r)))
}

// parallel calls f(worker, r) for r in [0, resamples) on up to GOMAXPROCS
// goroutines. Each worker index is used by one goroutine at a time.
func parallel(resamples int, f func(worker, r int)) int {
	workers := runtime.GOMAXPROCS(0)
	if workers > resamples {
		workers = resamples
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := w; r < resamples; r += workers {
				f(w, r)
			}
		}(w)
	}
	wg.Wait()
	return workers
}

// percentileCI returns the (1−level)/2 and (1+level)/2 quantiles of the
// finite replicates, linearly interpolated (numpy.percentile's default).
func percentileCI(reps []float64, level float64, method string) CI {
	v := reps[:0:0]
	for _, x := range reps {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	ci := CI{Low: math.NaN(), High: math.NaN(), Level: level, Resamples: len(v), Method: method}
	if len(v) == 0 {
		return ci
	}
	sort.Float64s(v)
	ci.Low = quantile7(v, (1-level)/2)
	ci.High = quantile7(v, (1+level)/2)
	return ci
}

func quantile7(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// BootstrapCI returns the percentile bootstrap confidence interval (Efron &
// Tibshirani 1993, §13.3) of a statistic of n examples. Each of resamples
// replicates draws n indices uniformly with replacement and calls stat with
// them; Low and High are the (1−level)/2 and (1+level)/2 quantiles of the
// replicates (linear interpolation). Replicate r uses a PCG generator seeded
// with (seed, r), so the interval is the same for a given seed however many
// goroutines run. stat is called concurrently from several goroutines and
// must not modify idx or shared state; replicates where it returns NaN are
// dropped (CI.Resamples counts the rest).
//
// It panics if resamples < 1 or level is outside (0, 1). For n = 0 the
// bounds are NaN.
func BootstrapCI(n int, stat func(idx []int) float64, resamples int, level float64, seed uint64) CI {
	checkBootstrap(resamples, level)
	reps := make([]float64, resamples)
	if n <= 0 {
		return percentileCI(nil, level, MethodPercentile)
	}
	bufs := make([][]int, runtime.GOMAXPROCS(0))
	parallel(resamples, func(w, r int) {
		if bufs[w] == nil {
			bufs[w] = make([]int, n)
		}
		idx := bufs[w]
		rng := newRand(seed, r)
		for j := range idx {
			idx[j] = rng.IntN(n)
		}
		reps[r] = stat(idx)
	})
	return percentileCI(reps, level, MethodPercentile)
}

// PairedBootstrap compares two systems scored on the same n examples. stat
// returns the metric of system a and of system b on the examples idx; each
// replicate resamples examples jointly for both systems (seeded as in
// BootstrapCI). It returns delta = b − a on the full data, the percentile CI
// of the replicated differences, and a two-sided bootstrap p-value for
// H0: delta = 0,
//
//	p = min(1, 2·(1 + min(#{δ* ≤ 0}, #{δ* ≥ 0})) / (R + 1))
//
// where R is the number of finite replicates (the +1 keeps p above 0).
func PairedBootstrap(n int, stat func(idx []int) (a, b float64), resamples int, level float64, seed uint64) (delta float64, ci CI, p float64) {
	checkBootstrap(resamples, level)
	if n <= 0 {
		return math.NaN(), percentileCI(nil, level, MethodPercentile), math.NaN()
	}
	full := make([]int, n)
	for i := range full {
		full[i] = i
	}
	a, b := stat(full)
	delta = b - a
	var le, ge, tot int
	reps := make([]float64, resamples)
	bufs := make([][]int, runtime.GOMAXPROCS(0))
	parallel(resamples, func(w, r int) {
		if bufs[w] == nil {
			bufs[w] = make([]int, n)
		}
		idx := bufs[w]
		rng := newRand(seed, r)
		for j := range idx {
			idx[j] = rng.IntN(n)
		}
		a, b := stat(idx)
		reps[r] = b - a
	})
	ci = percentileCI(reps, level, MethodPercentile)
	for _, d := range reps {
		if math.IsNaN(d) {
			continue
		}
		tot++
		if d <= 0 {
			le++
		}
		if d >= 0 {
			ge++
		}
	}
	if tot == 0 {
		return delta, ci, math.NaN()
	}
	p = math.Min(1, 2*float64(1+min(le, ge))/float64(tot+1))
	return delta, ci, p
}

// multinomial draws counts for cells with probabilities proportional to
// size (non-negative) summing to total, by conditional binomials:
// dst_j ~ Binomial(n − Σ_{i<j} dst_i, size_j / Σ_{i≥j} size_i).
func multinomial(dst []float64, size []float64, n float64, rng *rand.Rand) {
	var left float64
	for _, s := range size {
		left += s
	}
	rem := n
	for j, s := range size {
		switch {
		case rem == 0 || s == 0:
			dst[j] = 0
		case s >= left:
			dst[j] = rem
		default:
			dst[j] = binomial(rng, rem, s/left)
		}
		rem -= dst[j]
		left -= s
	}
}

// binomial draws from Binomial(n, p). Small means use inversion (BINV of
// Kachitvichyanukul & Schmeiser 1988), which is exact and costs O(np);
// larger ones use gonum's rejection sampler.
func binomial(rng *rand.Rand, n, p float64) float64 {
	if p <= 0 || n == 0 {
		return 0
	}
	if p >= 1 {
		return n
	}
	q := p
	if q > 0.5 {
		q = 1 - q
	}
	var x float64
	if n*q < 30 {
		s := q / (1 - q)
		a := (n + 1) * s
		r := math.Pow(1-q, n)
		u := rng.Float64()
		for u > r && x < n {
			u -= r
			x++
			r *= a/x - s
		}
	} else {
		x = distuv.Binomial{N: n, P: q, Src: rng}.Rand()
	}
	if q != p {
		x = n - x
	}
	return x
}

// BootstrapConfusionCI returns the percentile bootstrap CI of a statistic of
// the confusion matrix, such as AccuracyFromConfusion, F1MacroFromConfusion
// or MCCFromConfusion. Resampling n examples with replacement and tallying
// them is the same, in distribution, as drawing the k×k cell counts from a
// multinomial with n trials and probabilities cm/n, so the replicates are
// exact and each costs O(k²) instead of O(n). cm must be an unweighted
// confusion matrix (non-negative integer counts, as ConfusionMatrix with nil
// weights returns); for weighted data use BootstrapCI. stat is called
// concurrently and must not keep its argument. Seeding is as in BootstrapCI.
func BootstrapConfusionCI(cm []float64, k int, stat func(cm []float64, k int) float64, resamples int, level float64, seed uint64) CI {
	return BootstrapConfusionCIs(cm, k, []func([]float64, int) float64{stat}, resamples, level, seed)[0]
}

// BootstrapConfusionCIs is BootstrapConfusionCI for several statistics at
// once: each replicate's cell counts are drawn once and given to every
// statistic, so the intervals come from the same replicates (and each equals
// what BootstrapConfusionCI returns for the same seed).
func BootstrapConfusionCIs(cm []float64, k int, stats []func(cm []float64, k int) float64, resamples int, level float64, seed uint64) []CI {
	checkCM(cm, k)
	checkBootstrap(resamples, level)
	n := cmTotal(cm)
	for _, c := range cm {
		if c < 0 || c != math.Trunc(c) {
			panic("metrics: confusion counts must be non-negative integers")
		}
	}
	out := make([]CI, len(stats))
	if n == 0 {
		for i := range out {
			out[i] = percentileCI(nil, level, MethodMultinomial)
		}
		return out
	}
	reps := make([][]float64, len(stats))
	for i := range reps {
		reps[i] = make([]float64, resamples)
	}
	bufs := make([][]float64, runtime.GOMAXPROCS(0))
	parallel(resamples, func(w, r int) {
		if bufs[w] == nil {
			bufs[w] = make([]float64, len(cm))
		}
		multinomial(bufs[w], cm, n, newRand(seed, r))
		for i, stat := range stats {
			reps[i][r] = stat(bufs[w], k)
		}
	})
	for i := range out {
		out[i] = percentileCI(reps[i], level, MethodMultinomial)
	}
	return out
}

// MaxStrata is the number of cells BootstrapMeanCI resamples: data with at
// most this many distinct values are resampled exactly.
const MaxStrata = 256

// strata summarises sorted values as cells of (count, mean, variance).
type strata struct {
	count, mean, vari []float64
}

func makeStrata(values []float64, max int) (strata, bool) {
	s := append([]float64(nil), values...)
	sortFloats(s)
	var st strata
	// Distinct values first: exact when few.
	for j := 0; j < len(s); {
		e := j + 1
		for e < len(s) && s[e] == s[j] {
			e++
		}
		st.count = append(st.count, float64(e-j))
		st.mean = append(st.mean, s[j])
		j = e
		if len(st.count) > max {
			break
		}
	}
	if len(st.count) <= max {
		st.vari = make([]float64, len(st.count))
		return st, true
	}
	st = strata{}
	q, r := len(s)/max, len(s)%max
	start := 0
	for b := 0; b < max; b++ {
		size := q
		if b < r {
			size++
		}
		part := s[start : start+size]
		start += size
		var m float64
		for _, v := range part {
			m += v
		}
		m /= float64(size)
		var vv float64
		for _, v := range part {
			vv += (v - m) * (v - m)
		}
		st.count = append(st.count, float64(size))
		st.mean = append(st.mean, m)
		st.vari = append(st.vari, vv/float64(size))
	}
	return st, false
}

// draw returns the resampled sum over the strata for one replicate.
func (st strata) draw(buf []float64, n float64, rng *rand.Rand) float64 {
	multinomial(buf, st.count, n, rng)
	var sum, v float64
	for j, m := range buf {
		sum += m * st.mean[j]
		v += m * st.vari[j]
	}
	if v > 0 {
		sum += math.Sqrt(v) * rng.NormFloat64()
	}
	return sum
}

// BootstrapMeanCI returns the percentile bootstrap CI of the mean of
// per-example values (for example NLLTerms, BrierTerms, or 0/1 correctness),
// without visiting every example in every replicate.
//
// If the values take at most MaxStrata distinct values, a replicate draws
// how many times each distinct value is resampled from a multinomial; this is
// exactly the ordinary bootstrap (CI.Method = MethodMultinomial). Otherwise
// the sorted values are cut into MaxStrata strata of equal size; a replicate
// draws the stratum counts M_s exactly from a multinomial and adds, for the
// spread inside strata, a normal term with variance Σ_s M_s σ_s², where σ_s² is
// the variance inside stratum s:
//
//	mean* = (Σ_s M_s μ_s + sqrt(Σ_s M_s σ_s²)·Z) / n
//
// Given M, the exact within-stratum sum has mean M_s μ_s and variance
// M_s σ_s², so every replicate has exactly the bootstrap's conditional mean
// and variance; only the higher moments inside strata are approximated by the
// normal (CI.Method = MethodStratified). A replicate costs O(MaxStrata).
// Seeding is as in BootstrapCI. Empty input or NaN gives NaN bounds.
func BootstrapMeanCI(values []float64, resamples int, level float64, seed uint64) CI {
	checkBootstrap(resamples, level)
	if len(values) == 0 || hasNaN(values) {
		return percentileCI(nil, level, MethodMultinomial)
	}
	st, exact := makeStrata(values, MaxStrata)
	method := MethodStratified
	if exact {
		method = MethodMultinomial
	}
	n := float64(len(values))
	reps := make([]float64, resamples)
	bufs := make([][]float64, runtime.GOMAXPROCS(0))
	parallel(resamples, func(w, r int) {
		if bufs[w] == nil {
			bufs[w] = make([]float64, len(st.count))
		}
		reps[r] = st.draw(bufs[w], n, newRand(seed, r)) / n
	})
	return percentileCI(reps, level, method)
}

// McNemar returns McNemar's (1947) exact test of whether systems a and b
// have the same accuracy on the same examples: b01 counts examples a gets
// wrong and b right, b10 the reverse, and the two-sided p-value is
//
//	p = min(1, 2·P(X ≤ min(b01, b10))),  X ~ Binomial(b01 + b10, ½)
//
// as statsmodels' mcnemar(table, exact=True). With no discordant pairs p = 1.
// It panics if the lengths differ.
func McNemar(aCorrect, bCorrect []bool) (b01, b10 int, p float64) {
	if len(aCorrect) != len(bCorrect) {
		panic(badLength)
	}
	for i, a := range aCorrect {
		switch {
		case !a && bCorrect[i]:
			b01++
		case a && !bCorrect[i]:
			b10++
		}
	}
	m := b01 + b10
	if m == 0 {
		return 0, 0, 1
	}
	x := min(b01, b10)
	// P(X ≤ x) for X ~ Bin(m, ½) is the regularised incomplete beta I_½(m−x, x+1).
	var cdf float64
	if x == m {
		cdf = 1
	} else {
		cdf = mathext.RegIncBeta(float64(m-x), float64(x+1), 0.5)
	}
	return b01, b10, math.Min(1, 2*cdf)
}

// calibrationSubstrata is the number of confidence strata per (bin, outcome)
// cell in BootstrapCalibrationCI.
const calibrationSubstrata = 8

// BootstrapCalibrationCI returns a percentile bootstrap CI of the calibration
// error of confidences conf and 0/1 outcomes (see Confidences) under spec,
// without visiting every example in every replicate. The bins are fixed at
// those of the full sample (for EqualMass the true bootstrap would re-place
// the edges in each replicate; this is the one approximation in the bin
// assignment). Within every (bin, outcome) cell the confidences are cut into
// up to 8 strata of equal size; a replicate draws the stratum counts exactly
// from a multinomial and, as BootstrapMeanCI, adds a normal term for the
// spread of confidence inside each stratum. Counts and accuracies per bin are
// therefore exact; mean confidences per bin have exact first two moments.
// Replicates cost O(bins·16). Seeding is as in BootstrapCI.
func BootstrapCalibrationCI(conf, outcome []float64, spec CalibrationSpec, resamples int, level float64, seed uint64) CI {
	if len(conf) != len(outcome) {
		panic(badLength)
	}
	checkBootstrap(resamples, level)
	if len(conf) == 0 || hasNaN(conf) || hasNaN(outcome) {
		return percentileCI(nil, level, MethodStratified)
	}
	edges := BinEdges(conf, spec.bins(), spec.Binning)
	nb := len(edges)
	if spec.Edges == LeftClosed {
		nb++ // the bin [1, 1] (see BinIndex)
	}
	cells := make([][]float64, 2*nb) // cell = 2*bin + outcome
	for i, c := range conf {
		b := BinIndex(edges, c, spec.Edges)
		o := 0
		if outcome[i] >= 0.5 {
			o = 1
		}
		cells[2*b+o] = append(cells[2*b+o], c)
	}
	var st strata
	var cellOf []int // stratum → cell
	for cell, vals := range cells {
		if len(vals) == 0 {
			continue
		}
		s, _ := makeStrata(vals, calibrationSubstrata)
		st.count = append(st.count, s.count...)
		st.mean = append(st.mean, s.mean...)
		st.vari = append(st.vari, s.vari...)
		for range s.count {
			cellOf = append(cellOf, cell)
		}
	}
	n := float64(len(conf))
	reps := make([]float64, resamples)
	type buf struct {
		m    []float64
		bins []ReliabilityBin
		vari []float64
	}
	bufs := make([]*buf, runtime.GOMAXPROCS(0))
	parallel(resamples, func(w, r int) {
		if bufs[w] == nil {
			bufs[w] = &buf{m: make([]float64, len(st.count)), bins: make([]ReliabilityBin, nb), vari: make([]float64, nb)}
		}
		bf := bufs[w]
		rng := newRand(seed, r)
		multinomial(bf.m, st.count, n, rng)
		for b := range bf.bins {
			bf.bins[b] = ReliabilityBin{}
			bf.vari[b] = 0
		}
		for j, m := range bf.m {
			if m == 0 {
				continue
			}
			cell := cellOf[j]
			b := &bf.bins[cell/2]
			b.Count += m
			b.Confidence += m * st.mean[j]
			bf.vari[cell/2] += m * st.vari[j]
			if cell%2 == 1 {
				b.Accuracy += m
			}
		}
		for b := range bf.bins {
			bb := &bf.bins[b]
			if bb.Count == 0 {
				continue
			}
			if bf.vari[b] > 0 {
				bb.Confidence += math.Sqrt(bf.vari[b]) * rng.NormFloat64()
			}
			bb.Confidence /= bb.Count
			bb.Accuracy /= bb.Count
		}
		reps[r] = calibrationValue(bf.bins, n, spec.Norm)
	})
	return percentileCI(reps, level, MethodStratified)
}

// BootstrapReplicates runs resamples bootstrap replicates of a statistic
// that draws its own resample from rng and writes k values into dst. Use it
// when one replicate must resample several things consistently — two
// independent samples (a gap between datasets), or the examples shared by
// several models (a fit across models). Replicate r uses the generator of
// BootstrapCI's replicate r, so results do not depend on the number of
// goroutines. replicate is called concurrently and must only write dst.
// The result holds one slice of resamples values per output j.
//
// It panics if resamples < 1 or k < 1.
func BootstrapReplicates(resamples, k int, seed uint64, replicate func(rng *rand.Rand, dst []float64)) [][]float64 {
	if resamples < 1 || k < 1 {
		panic(badResamp)
	}
	flat := make([]float64, resamples*k)
	parallel(resamples, func(_, r int) {
		replicate(newRand(seed, r), flat[r*k:(r+1)*k])
	})
	out := make([][]float64, k)
	for j := range out {
		out[j] = make([]float64, resamples)
		for r := 0; r < resamples; r++ {
			out[j][r] = flat[r*k+j]
		}
	}
	return out
}

// PercentileCI returns the percentile interval at level of replicate values
// (NaN replicates are dropped), as BootstrapCI computes it.
//
// It panics if level is outside (0, 1).
func PercentileCI(reps []float64, level float64) CI {
	if !(level > 0 && level < 1) {
		panic(badLevel)
	}
	return percentileCI(reps, level, MethodPercentile)
}
