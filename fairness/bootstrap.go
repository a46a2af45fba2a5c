package fairness

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
)

// Bootstrap configures the percentile bootstrap used for per-group
// intervals. Resamples = 0 disables it. The random stream of each interval
// is derived from Seed and a label (metric name and group key), so results
// are deterministic for a seed and do not depend on the order in which
// groups are computed.
type Bootstrap struct {
	Resamples int     // number of resamples; 0 disables intervals
	Seed      uint64  // base seed
	Level     float64 // central coverage, e.g. 0.95; 0 means 0.95
}

// Interval is a confidence interval. Defined is the number of resamples in
// which the metric was defined (not NaN); percentiles are taken over those.
type Interval struct {
	Lo, Hi    Value
	Level     float64
	Resamples int
	Defined   int
}

// PercentileInterval computes a percentile bootstrap interval for m on idx:
// it draws b.Resamples samples of len(idx) indices from idx with
// replacement, evaluates m on each, and returns the (1−Level)/2 and
// (1+Level)/2 quantiles of the defined replicates, using linear
// interpolation between order statistics (numpy's default "linear"
// method). label selects the random stream.
func PercentileInterval(m Metric, idx []int, b Bootstrap, label string) (Interval, error) {
	level := b.Level
	if level == 0 {
		level = 0.95
	}
	if b.Resamples < 0 {
		return Interval{}, fmt.Errorf("fairness: bootstrap resamples %d is negative", b.Resamples)
	}
	if !(level > 0 && level < 1) {
		return Interval{}, fmt.Errorf("fairness: bootstrap level %v is not in (0, 1)", b.Level)
	}
	out := Interval{Level: level, Resamples: b.Resamples}
	if len(idx) == 0 {
		out.Lo, out.Hi = Undefined("empty group"), Undefined("empty group")
		return out, nil
	}
	rng := rand.New(rand.NewPCG(b.Seed, labelHash(label)))
	sample := make([]int, len(idx))
	reps := make([]float64, 0, b.Resamples)
	for r := 0; r < b.Resamples; r++ {
		for i := range sample {
			sample[i] = idx[rng.IntN(len(idx))]
		}
		if v := m(sample); v.Defined() {
			reps = append(reps, v.V)
		}
	}
	out.Defined = len(reps)
	if len(reps) == 0 {
		out.Lo, out.Hi = Undefined("metric undefined in every resample"), Undefined("metric undefined in every resample")
		return out, nil
	}
	slices.Sort(reps)
	out.Lo = Value{V: quantileLinear(reps, (1-level)/2)}
	out.Hi = Value{V: quantileLinear(reps, (1+level)/2)}
	return out, nil
}

// quantileLinear returns the p-quantile of sorted x with numpy's "linear"
// rule: h = (n−1)p, x[⌊h⌋] + (h−⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
func quantileLinear(x []float64, p float64) float64 {
	h := float64(len(x)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[i] + (h-lo)*(x[i+1]-x[i])
}

func labelHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
