package fairness

import (
	"fmt"
	"math"

	"github.com/evalctl/evalctl/metrics"
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

// PercentileInterval computes a percentile bootstrap interval for m on idx
// with [metrics.BootstrapCI]: it draws b.Resamples samples of len(idx)
// indices from idx with replacement, evaluates m on each, and returns the
// (1−Level)/2 and (1+Level)/2 quantiles of the defined replicates, using
// linear interpolation between order statistics (numpy's default "linear"
// method). The seed passed to metrics.BootstrapCI is
// metrics.SubSeed(b.Seed, label), so label selects the random stream. m is called from
// several goroutines at once (see [Metric]).
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
	if b.Resamples == 0 {
		out.Lo, out.Hi = Undefined("no resamples"), Undefined("no resamples")
		return out, nil
	}
	ci := metrics.BootstrapCI(len(idx), func(pos []int) float64 {
		sample := make([]int, len(pos))
		for j, p := range pos {
			sample[j] = idx[p]
		}
		return m(sample).V
	}, b.Resamples, level, metrics.SubSeed(b.Seed, label))
	out.Defined = ci.Resamples
	if math.IsNaN(ci.Low) {
		out.Lo, out.Hi = Undefined("metric undefined in every resample"), Undefined("metric undefined in every resample")
		return out, nil
	}
	out.Lo, out.Hi = Value{V: ci.Low}, Value{V: ci.High}
	return out, nil
}
