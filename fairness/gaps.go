package fairness

import (
	"math"
	"slices"

	"github.com/evalctl/evalctl/metrics"
)

// This file holds the resampling forms of the group gaps that [Compute]
// reports: a difference (or ratio) between groups as a statistic of a
// resample of all examples, so that a caller's bootstrap gives it an
// interval. Two forms exist: [Spread] recomputes a [Metric] on each group's
// resampled examples; [CellMetric] reads a group's value from counts of
// example kinds ([Cells]), which a multinomial bootstrap
// (metrics.BootstrapConfusionCIs) draws in O(groups) per replicate instead
// of O(n).

// Members maps, for every breakdown in [Compute]'s order (each attribute,
// then the intersection when intersect is set and there are at least two
// attributes), each group key ([Group].Key) to the indices of its examples
// in ascending order. An empty intersection cell maps to nil.
func Members(attrs []Attribute, intersect bool) []map[string][]int {
	var out []map[string][]int
	for _, g := range buildGroupings(attrs, intersect) {
		m := make(map[string][]int, len(g.keys))
		for i, key := range g.keys {
			if g.groups[i] != nil {
				m[key] = g.groups[i]
			}
		}
		out = append(out, m)
	}
	return out
}

// Extremes returns the values of b's worst and best groups: the minimum and
// maximum when higherIsBetter, the reverse otherwise (both undefined when
// no group is eligible).
func (b *Breakdown) Extremes(higherIsBetter bool) (worst, best Value) {
	if higherIsBetter {
		return b.Min, b.Max
	}
	return b.Max, b.Min
}

// Spread is a metric's gap between the eligible groups of a breakdown as a
// statistic of a resample of all n examples.
type Spread struct {
	gid  []int // example → eligible group position, or -1
	kept int   // number of eligible groups
	fn   Metric
	// lo and hi are the eligible positions of the full sample's minimum
	// and maximum groups (-1 when unknown).
	lo, hi int
}

// NewSpread prepares the gap of fn over bd's eligible groups; members is
// bd's entry of [Members] and n the number of examples.
func NewSpread(bd Breakdown, members map[string][]int, n int, fn Metric) *Spread {
	s := &Spread{gid: make([]int, n), fn: fn, lo: -1, hi: -1}
	for i := range s.gid {
		s.gid[i] = -1
	}
	for _, g := range bd.Groups {
		if g.Excluded != "" {
			continue
		}
		if g.Key == bd.MinGroup {
			s.lo = s.kept
		}
		if g.Key == bd.MaxGroup {
			s.hi = s.kept
		}
		for _, i := range members[g.Key] {
			s.gid[i] = s.kept
		}
		s.kept++
	}
	return s
}

// minMax returns the smallest and largest group value on the resample
// sample (indices into the examples); ok is false when fewer than
// min(2, eligible groups) groups are defined on it.
func (s *Spread) minMax(sample []int) (lo, hi float64, ok bool) {
	// Counting sort of the sample into its groups: one allocation.
	start := make([]int, s.kept+1)
	for _, i := range sample {
		if g := s.gid[i]; g >= 0 {
			start[g+1]++
		}
	}
	for g := 1; g <= s.kept; g++ {
		start[g] += start[g-1]
	}
	buf := make([]int, start[s.kept])
	next := slices.Clone(start[:s.kept])
	for _, i := range sample {
		if g := s.gid[i]; g >= 0 {
			buf[next[g]] = i
			next[g]++
		}
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	defined := 0
	for g := 0; g < s.kept; g++ {
		b := buf[start[g]:start[g+1]]
		if len(b) == 0 {
			continue
		}
		v := s.fn(b)
		if !v.Defined() {
			continue
		}
		lo, hi = math.Min(lo, v.V), math.Max(hi, v.V)
		defined++
	}
	return lo, hi, defined > 0 && defined >= min(2, s.kept)
}

// PairDifference is the metric of the full sample's maximum group minus
// that of its minimum group, both held fixed, on the resample (NaN when
// either is undefined or absent from it). Re-choosing the extreme groups
// in every replicate would bias the replicates upwards (a max − min of
// noisy values) and a percentile interval could miss the estimate.
func (s *Spread) PairDifference(sample []int) float64 {
	if s.lo < 0 || s.hi < 0 {
		return math.NaN()
	}
	var lo, hi []int
	for _, i := range sample {
		switch s.gid[i] {
		case s.lo:
			lo = append(lo, i)
		case s.hi:
			hi = append(hi, i)
		}
	}
	if len(lo) == 0 || len(hi) == 0 {
		return math.NaN()
	}
	a, b := s.fn(hi), s.fn(lo)
	if !a.Defined() || !b.Defined() {
		return math.NaN()
	}
	return a.V - b.V
}

// Difference is max − min over the groups defined on the resample
// (between_groups), re-choosing the extremes; at the identity resample it
// is [Breakdown].DifferenceBetween.
func (s *Spread) Difference(sample []int) float64 {
	lo, hi, ok := s.minMax(sample)
	if !ok {
		return math.NaN()
	}
	return hi - lo
}

// Cell kinds of an example, the positions of its count within its group's
// cells. Width 2 counts correct and wrong predictions (accuracy); width 4
// counts the confusion cells on a positive class (the binary rates).
const (
	CellCorrect = 0
	CellWrong   = 1
	CellTP      = 0
	CellFP      = 1
	CellTN      = 2
	CellFN      = 3
)

// ConfusionCell is the width-4 cell kind of an example with binarised label
// y and prediction p (1 is positive).
func ConfusionCell(y, p int) int {
	switch {
	case y == 1 && p == 1:
		return CellTP
	case p == 1:
		return CellFP
	case y == 1:
		return CellFN
	}
	return CellTN
}

// Cells tallies the examples of one breakdown into cells (group, kind):
// group g owns cells [g·width, (g+1)·width). Resampling n examples with
// replacement and tallying them is, in distribution, a multinomial draw of
// the cell counts. The cells sit in the first entries of a side×side
// "confusion matrix" whose other entries are 0, the form
// metrics.BootstrapConfusionCIs resamples.
type Cells struct {
	side int
	cm   []float64
}

// TallyCells counts bd's examples (members is bd's entry of [Members]) by
// group and kind(i) in [0, width).
func TallyCells(bd Breakdown, members map[string][]int, width int, kind func(i int) int) *Cells {
	side := max(1, int(math.Ceil(math.Sqrt(float64(len(bd.Groups)*width)))))
	for side*side < len(bd.Groups)*width {
		side++
	}
	l := &Cells{side: side, cm: make([]float64, side*side)}
	for g, grp := range bd.Groups {
		for _, i := range members[grp.Key] {
			l.cm[g*width+kind(i)]++
		}
	}
	return l
}

// Statistic evaluates each stat at the full counts (no resampling).
func (l *Cells) Statistic(stat func([]float64, int) float64) float64 { return stat(l.cm, l.side) }

// Bootstrap returns the percentile interval of each stat (a function of a
// replicate's cell counts such as [CellMetric].Difference) with
// metrics.BootstrapConfusionCIs.
func (l *Cells) Bootstrap(stats []func([]float64, int) float64, resamples int, level float64, seed uint64) []metrics.CI {
	return metrics.BootstrapConfusionCIs(l.cm, l.side, stats, resamples, level, seed)
}

// CellMetric is a group metric computed from a group's cell counts, over a
// breakdown's eligible groups.
type CellMetric struct {
	width    int
	eligible []bool
	value    func(cells []float64) Value
	// lo and hi index the full sample's minimum and maximum groups.
	lo, hi int
}

// NewCellMetric reads a group's value from its width cells with value; bd
// gives the eligible groups and the full sample's extreme groups.
func NewCellMetric(bd Breakdown, width int, value func(cells []float64) Value) *CellMetric {
	cs := &CellMetric{width: width, value: value, lo: -1, hi: -1}
	for g, grp := range bd.Groups {
		cs.eligible = append(cs.eligible, grp.Excluded == "")
		if grp.Key == bd.MinGroup {
			cs.lo = g
		}
		if grp.Key == bd.MaxGroup {
			cs.hi = g
		}
	}
	return cs
}

// AccuracyCells is accuracy from width-2 cells (CellCorrect, CellWrong).
func AccuracyCells(bd Breakdown) *CellMetric {
	return NewCellMetric(bd, 2, func(c []float64) Value { return Of(c[CellCorrect] / (c[CellCorrect] + c[CellWrong])) })
}

// RateCells is a binary rate (Confusion.SelectionRate, TruePositiveRate,
// FalsePositiveRate) from width-4 confusion cells.
func RateCells(bd Breakdown, rate func(Confusion) Value) *CellMetric {
	return NewCellMetric(bd, 4, func(c []float64) Value {
		return rate(Confusion{TP: c[CellTP], FP: c[CellFP], TN: c[CellTN], FN: c[CellFN]})
	})
}

// Width is the number of cells per group.
func (cs *CellMetric) Width() int { return cs.width }

// minMax is Spread.minMax on a replicate's cell counts.
func (cs *CellMetric) minMax(cm []float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	defined, kept := 0, 0
	for g, e := range cs.eligible {
		if !e {
			continue
		}
		kept++
		v := cs.value(cm[g*cs.width : (g+1)*cs.width])
		if !v.Defined() {
			continue
		}
		lo, hi = math.Min(lo, v.V), math.Max(hi, v.V)
		defined++
	}
	return lo, hi, defined > 0 && defined >= min(2, kept)
}

// PairDifference is [Spread].PairDifference on a replicate's cell counts.
func (cs *CellMetric) PairDifference(cm []float64, _ int) float64 {
	if cs.lo < 0 || cs.hi < 0 {
		return math.NaN()
	}
	a := cs.value(cm[cs.hi*cs.width : (cs.hi+1)*cs.width])
	b := cs.value(cm[cs.lo*cs.width : (cs.lo+1)*cs.width])
	if !a.Defined() || !b.Defined() {
		return math.NaN()
	}
	return a.V - b.V
}

// Difference is [Spread].Difference on a replicate's cell counts.
func (cs *CellMetric) Difference(cm []float64, _ int) float64 {
	lo, hi, ok := cs.minMax(cm)
	if !ok {
		return math.NaN()
	}
	return hi - lo
}

// Ratio is min / max over the groups defined on a replicate's cell counts
// (NaN when the maximum is 0).
func (cs *CellMetric) Ratio(cm []float64, _ int) float64 {
	lo, hi, ok := cs.minMax(cm)
	if !ok || hi == 0 {
		return math.NaN()
	}
	return lo / hi
}
