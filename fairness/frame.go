package fairness

import (
	"fmt"
	"math"
	"strings"
)

// Spec names a metric and says which direction is better.
type Spec struct {
	Name           string
	Fn             Metric
	HigherIsBetter bool
}

// Options configures [Compute].
type Options struct {
	// MinGroupSize flags groups with fewer examples; flagged groups are
	// reported but left out of min/max, worst/best, differences and ratios
	// unless IncludeSmallGroups is set. 0 flags nothing.
	MinGroupSize       int
	IncludeSmallGroups bool
	// Intersect adds the intersection of all attributes (groups such as
	// "sex=female|age=<=25") after the per-attribute breakdowns. It needs at
	// least two attributes.
	Intersect bool
	// Bootstrap configures per-group percentile intervals (and one for the
	// overall value). Ignored when CI is set.
	Bootstrap Bootstrap
	// CI, if set, computes the interval of metric m on idx instead of the
	// built-in bootstrap; label identifies the metric and group.
	CI func(m Metric, idx []int, label string) (Interval, error)
}

// Group is one group's result.
type Group struct {
	Key      string // "sex=female" or "sex=female|age=<=25"
	N        int    // number of examples
	Value    Value
	CI       *Interval // nil when no interval was asked for
	Small    bool      // N < Options.MinGroupSize
	Excluded string    // why the group is left out of the summaries; "" if it is in
}

// Breakdown is a metric disaggregated by one attribute or one intersection
// of attributes, with fairlearn's summaries over the eligible groups.
type Breakdown struct {
	Attribute string // "sex", or "sex|age" for an intersection
	Groups    []Group
	// Min and Max are fairlearn's group_min and group_max.
	Min, Max           Value
	MinGroup, MaxGroup string
	// Worst and Best are the groups with the worst and best value: the
	// minimum and maximum when higher is better, the reverse otherwise.
	Worst, Best string
	// DifferenceBetween = max − min (fairlearn difference, between_groups).
	DifferenceBetween Value
	// DifferenceToOverall = max_g |m(g) − overall| (difference, to_overall).
	DifferenceToOverall Value
	// RatioBetween = min / max (ratio, between_groups).
	RatioBetween Value
	// RatioToOverall = min_g min(m(g)/overall, overall/m(g)) (ratio, to_overall).
	RatioToOverall Value
}

// MetricResult is one metric's overall value and breakdowns.
type MetricResult struct {
	Name           string
	HigherIsBetter bool
	N              int
	Overall        Value
	OverallCI      *Interval
	Breakdowns     []Breakdown
}

// Frame is the result of [Compute], one entry per metric in input order.
type Frame struct {
	Metrics []MetricResult
}

// Metric returns the result named name, or nil.
func (f *Frame) Metric(name string) *MetricResult {
	for i := range f.Metrics {
		if f.Metrics[i].Name == name {
			return &f.Metrics[i]
		}
	}
	return nil
}

// Breakdown returns the breakdown for attribute (or "a|b" intersection), or nil.
func (m *MetricResult) Breakdown(attribute string) *Breakdown {
	for i := range m.Breakdowns {
		if m.Breakdowns[i].Attribute == attribute {
			return &m.Breakdowns[i]
		}
	}
	return nil
}

// Group returns the group with key, or nil.
func (b *Breakdown) Group(key string) *Group {
	for i := range b.Groups {
		if b.Groups[i].Key == key {
			return &b.Groups[i]
		}
	}
	return nil
}

// Compute evaluates every metric overall and per group, like fairlearn's
// MetricFrame(metrics, y_true, y_pred, sensitive_features=attrs) followed by
// group_min, group_max, difference(method) and ratio(method) for both
// methods (fairlearn metrics/_metric_frame.py, _disaggregated_result.py).
// Unlike MetricFrame, several attributes give one breakdown each, and their
// intersection only when opts.Intersect is set.
//
// All attributes must have the same number of labels; that number is the
// number of examples, and metric callbacks receive indices below it.
func Compute(attrs []Attribute, metrics []Spec, opts Options) (*Frame, error) {
	n, err := checkAttributes(attrs)
	if err != nil {
		return nil, err
	}
	if opts.Intersect && len(attrs) < 2 {
		return nil, fmt.Errorf("fairness: intersection needs at least two attributes, got %d", len(attrs))
	}
	if opts.MinGroupSize < 0 {
		return nil, fmt.Errorf("fairness: minimum group size %d is negative", opts.MinGroupSize)
	}
	names := map[string]bool{}
	for i, s := range metrics {
		if s.Name == "" || s.Fn == nil {
			return nil, fmt.Errorf("fairness: metric %d needs a name and a function", i)
		}
		if names[s.Name] {
			return nil, fmt.Errorf("fairness: metric %q given twice", s.Name)
		}
		names[s.Name] = true
	}
	groupings := buildGroupings(attrs, opts.Intersect)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	f := &Frame{}
	for _, s := range metrics {
		r := MetricResult{Name: s.Name, HigherIsBetter: s.HigherIsBetter, N: n}
		r.Overall = evaluate(s.Fn, all)
		if r.OverallCI, err = interval(s.Fn, all, s.Name, opts); err != nil {
			return nil, err
		}
		for _, g := range groupings {
			b := Breakdown{Attribute: g.name}
			for k, key := range g.keys {
				idx := g.groups[k]
				grp := Group{Key: key, N: len(idx), Value: evaluate(s.Fn, idx)}
				grp.Small = opts.MinGroupSize > 0 && len(idx) < opts.MinGroupSize
				if grp.CI, err = interval(s.Fn, idx, s.Name+"\x00"+key, opts); err != nil {
					return nil, err
				}
				switch {
				case len(idx) == 0:
					grp.Excluded = "empty group"
				case grp.Small && !opts.IncludeSmallGroups:
					grp.Excluded = fmt.Sprintf("n = %d below minimum group size %d", len(idx), opts.MinGroupSize)
				case !grp.Value.Defined():
					grp.Excluded = "undefined: " + grp.Value.Reason
				}
				b.Groups = append(b.Groups, grp)
			}
			summarize(&b, r.Overall, s.HigherIsBetter)
			r.Breakdowns = append(r.Breakdowns, b)
		}
		f.Metrics = append(f.Metrics, r)
	}
	return f, nil
}

func evaluate(m Metric, idx []int) Value {
	if len(idx) == 0 {
		return Undefined("empty group")
	}
	v := m(idx)
	if math.IsNaN(v.V) && v.Reason == "" {
		v.Reason = "metric returned NaN"
	}
	if !math.IsNaN(v.V) {
		v.Reason = ""
	}
	return v
}

func interval(m Metric, idx []int, label string, opts Options) (*Interval, error) {
	if opts.CI != nil {
		iv, err := opts.CI(m, idx, label)
		if err != nil {
			return nil, fmt.Errorf("fairness: interval for %s: %w", strings.ReplaceAll(label, "\x00", " "), err)
		}
		return &iv, nil
	}
	if opts.Bootstrap.Resamples == 0 {
		return nil, nil
	}
	iv, err := PercentileInterval(m, idx, opts.Bootstrap, label)
	if err != nil {
		return nil, err
	}
	return &iv, nil
}

// summarize fills the summaries of b from its eligible groups. Ties for
// min/max go to the first group in key order.
func summarize(b *Breakdown, overall Value, higherIsBetter bool) {
	var eligible []Group
	for _, g := range b.Groups {
		if g.Excluded == "" {
			eligible = append(eligible, g)
		}
	}
	if len(eligible) == 0 {
		u := Undefined("no eligible group")
		b.Min, b.Max, b.DifferenceBetween, b.DifferenceToOverall, b.RatioBetween, b.RatioToOverall = u, u, u, u, u, u
		return
	}
	lo, hi := eligible[0], eligible[0]
	for _, g := range eligible[1:] {
		if g.Value.V < lo.Value.V {
			lo = g
		}
		if g.Value.V > hi.Value.V {
			hi = g
		}
	}
	b.Min, b.Max = lo.Value, hi.Value
	b.MinGroup, b.MaxGroup = lo.Key, hi.Key
	if higherIsBetter {
		b.Worst, b.Best = lo.Key, hi.Key
	} else {
		b.Worst, b.Best = hi.Key, lo.Key
	}
	if len(eligible) == 1 {
		// A gap needs two groups. fairlearn reports 0 here; a 0 would read
		// as "no disparity" when the other groups were only too small.
		u := Undefined("only one group is eligible (" + lo.Key + "); the others are empty, undefined or below the minimum size")
		b.DifferenceBetween, b.RatioBetween = u, u
	} else {
		b.DifferenceBetween = Value{V: hi.Value.V - lo.Value.V}
		b.RatioBetween = ratio(lo.Value.V, hi.Value.V, "maximum group value is 0")
	}
	if !overall.Defined() {
		u := Undefined("overall value undefined: " + overall.Reason)
		b.DifferenceToOverall, b.RatioToOverall = u, u
		return
	}
	d, r := 0.0, math.Inf(1)
	for _, g := range eligible {
		d = math.Max(d, math.Abs(g.Value.V-overall.V))
		if overall.V == 0 {
			continue
		}
		x := g.Value.V / overall.V
		if x > 1 {
			x = 1 / x
		}
		r = math.Min(r, x)
	}
	b.DifferenceToOverall = Value{V: d}
	if overall.V == 0 {
		b.RatioToOverall = Undefined("overall value is 0")
	} else {
		b.RatioToOverall = Value{V: r}
	}
}

func ratio(num, den float64, zeroReason string) Value {
	if den == 0 {
		return Undefined(zeroReason)
	}
	return Value{V: num / den}
}
