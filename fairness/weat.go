package fairness

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// DefaultWEATSamples is the default permutation budget, sent-bias'
// default n_samples.
const DefaultWEATSamples = 100000

// WEATOptions configures [WEAT].
type WEATOptions struct {
	// Samples is the permutation budget: the test is exact when the number
	// of partitions binom(|X|+|Y|, |X|) is at most Samples, and otherwise
	// draws Samples−1 random partitions plus one hallucinated positive, as
	// sent-bias does. 0 means DefaultWEATSamples.
	Samples int
	// Seed selects the random partitions of the sampled test.
	Seed uint64
}

// WEATResult is the result of [WEAT].
type WEATResult struct {
	// EffectSize d = [mean_{x∈X} s(x,A,B) − mean_{y∈Y} s(y,A,B)] /
	// std_{w∈X∪Y} s(w,A,B), with the sample standard deviation (ddof = 1).
	// Undefined when that deviation is 0.
	EffectSize Value
	// Statistic S = Σ_{x∈X} s(x,A,B) − Σ_{y∈Y} s(y,A,B).
	Statistic float64
	// PValue is the one-sided permutation p-value P[S_i ≥ S] over
	// partitions (X_i, Y_i) of X∪Y with |X_i| = |X|, ties counted as
	// exceeding (conservative).
	PValue float64
	// Exact is true when every partition was enumerated.
	Exact bool
	// Partitions is the p-value's denominator: all partitions when Exact,
	// otherwise the samples drawn plus the hallucinated one.
	Partitions int
	// Ties is the number of partitions whose statistic equalled S (within
	// 1e-12 relative to Σ|s|); they are included in the numerator.
	Ties int
	// AssocX and AssocY are s(w,A,B) for each target word of X and Y.
	AssocX, AssocY []float64
}

// WEAT runs the Word Embedding Association Test of Caliskan et al. (2017)
// on embeddings, or SEAT (May et al. 2019) when the embeddings are
// sentence encodings of templates such as "This is [w].". It follows
// W4ngatang/sent-bias sentbias/weat.py:
//
//	cos(u,v)   = u·v / sqrt((u·u)(v·v))
//	s(w,A,B)   = mean_{a∈A} cos(w,a) − mean_{b∈B} cos(w,b)
//	S(X,Y,A,B) = Σ_{x∈X} s(x,A,B) − Σ_{y∈Y} s(y,A,B)
//	d          = [mean_X s − mean_Y s] / std_{X∪Y} s        (ddof = 1)
//	p          = #{partitions i : S_i ≥ S} / #partitions
//
// Because Σ_{X_i} s + Σ_{Y_i} s is the same for every partition, S_i ≥ S
// is decided on Σ_{x∈X_i} s alone, as sent-bias does. Differences from
// sent-bias: ties are detected with a tolerance of 1e-12·Σ|s| instead of
// exact float equality (so a tie is never lost to summation order, which
// only makes p larger), the sampled test draws partitions with a seeded
// PCG rather than numpy's global state, and |X| ≠ |Y| is allowed (sent-bias
// asserts equal sizes; partitions then keep the sizes |X| and |Y|).
//
// All vectors must have the same dimension and a non-zero norm; the four
// sets must not be empty.
func WEAT(X, Y, A, B [][]float64, opts WEATOptions) (WEATResult, error) {
	var r WEATResult
	dim := -1
	for _, set := range []struct {
		name string
		v    [][]float64
	}{{"X", X}, {"Y", Y}, {"A", A}, {"B", B}} {
		if len(set.v) == 0 {
			return r, fmt.Errorf("fairness: weat: set %s is empty", set.name)
		}
		for i, v := range set.v {
			if dim < 0 {
				dim = len(v)
			}
			if len(v) != dim || dim == 0 {
				return r, fmt.Errorf("fairness: weat: %s[%d] has dimension %d, want %d", set.name, i, len(v), dim)
			}
			nrm := dot(v, v)
			if nrm == 0 || math.IsNaN(nrm) || math.IsInf(nrm, 0) {
				return r, fmt.Errorf("fairness: weat: %s[%d] has norm %v; cosine undefined", set.name, i, math.Sqrt(nrm))
			}
		}
	}
	samples := opts.Samples
	if samples == 0 {
		samples = DefaultWEATSamples
	}
	if samples < 1 || samples > 1<<40 {
		return r, fmt.Errorf("fairness: weat: samples %d not in [1, 2^40]", samples)
	}
	assoc := func(w []float64) float64 {
		var sa, sb float64
		for _, a := range A {
			sa += cosine(w, a)
		}
		for _, b := range B {
			sb += cosine(w, b)
		}
		return sa/float64(len(A)) - sb/float64(len(B))
	}
	all := make([]float64, 0, len(X)+len(Y))
	var sumX, sumY, absSum float64
	for _, x := range X {
		s := assoc(x)
		r.AssocX = append(r.AssocX, s)
		sumX += s
	}
	for _, y := range Y {
		s := assoc(y)
		r.AssocY = append(r.AssocY, s)
		sumY += s
	}
	all = append(append(all, r.AssocX...), r.AssocY...)
	for _, s := range all {
		absSum += math.Abs(s)
	}
	r.Statistic = sumX - sumY
	if sd := stdDev(all); len(all) < 2 || sd == 0 || math.IsNaN(sd) {
		r.EffectSize = Undefined("association scores of X∪Y have zero spread")
	} else {
		r.EffectSize = Value{V: (sumX/float64(len(X)) - sumY/float64(len(Y))) / sd}
	}

	threshold := sumX - 1e-12*math.Max(absSum, 1e-300)
	k := len(X)
	var hits, total int
	if parts, ok := binomial(len(all), k, samples); ok {
		r.Exact = true
		// Enumerate all k-subsets of all, tracking the running sum.
		var rec func(start, left int, sum float64)
		rec = func(start, left int, sum float64) {
			if left == 0 {
				total++
				if sum >= threshold {
					hits++
					if sum <= sumX+(sumX-threshold) {
						r.Ties++
					}
				}
				return
			}
			for i := start; i <= len(all)-left; i++ {
				rec(i+1, left-1, sum+all[i])
			}
		}
		rec(0, k, 0)
		if total != parts {
			return r, fmt.Errorf("fairness: weat: enumerated %d partitions, want %d", total, parts)
		}
	} else {
		rng := rand.New(rand.NewPCG(opts.Seed, 0x5745415421)) // "WEAT!"
		hits, total = 1, 1
		perm := make([]float64, len(all))
		copy(perm, all)
		for it := 0; it < samples-1; it++ {
			// Partial Fisher–Yates: a uniform random k-subset in perm[:k].
			var sum float64
			for i := 0; i < k; i++ {
				j := i + rng.IntN(len(perm)-i)
				perm[i], perm[j] = perm[j], perm[i]
				sum += perm[i]
			}
			total++
			if sum >= threshold {
				hits++
				if sum <= sumX+(sumX-threshold) {
					r.Ties++
				}
			}
		}
	}
	r.Partitions = total
	r.PValue = float64(hits) / float64(total)
	return r, nil
}

// binomial returns binom(n, k) and true if it is at most limit, or false.
// c·(n−k+i)/i is an integer at every step, and c ≤ limit before each
// multiplication, so nothing overflows while limit·n < 2⁶³.
func binomial(n, k, limit int) (int, bool) {
	if k > n-k {
		k = n - k
	}
	c := 1
	for i := 1; i <= k; i++ {
		c = c * (n - k + i) / i
		if c > limit {
			return 0, false
		}
	}
	return c, true
}

func dot(u, v []float64) float64 {
	var s float64
	for i := range u {
		s += u[i] * v[i]
	}
	return s
}

func cosine(u, v []float64) float64 {
	return dot(u, v) / math.Sqrt(dot(u, u)*dot(v, v))
}

// stdDev is the sample standard deviation (ddof = 1).
func stdDev(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)-1))
}
