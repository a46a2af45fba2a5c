package tasks

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/metrics"
)

// DefaultMinGroupSize is the minimum group size used when
// FairnessConfig.MinGroupSize is 0. Thirty examples is the usual rule of
// thumb below which a per-group accuracy or ECE is mostly noise (a group of
// 30 has a binomial standard error of up to 0.09 on accuracy, and ECE is
// biased upward on few examples). fairlearn has no minimum; WILDS only
// leaves out empty groups.
const DefaultMinGroupSize = 30

// Per-group metric names that only the fairness view knows, besides the
// classification task's own metrics. They need a positive class
// (FairnessConfig.Positive ≥ 0) and follow fairlearn's definitions, except
// that a rate without a denominator is undefined, not 0.
const (
	// MetricSelectionRate is P(ŷ = positive), fairlearn's selection_rate.
	// It has no better direction, so its summaries carry no worst or best
	// group, only the difference and ratio.
	MetricSelectionRate = "selection_rate"
	// MetricTPR is TP / (TP + FN) (higher is better); undefined for a group
	// without positive examples.
	MetricTPR = "tpr"
	// MetricFPR is FP / (FP + TN) (lower is better); undefined for a group
	// without negative examples.
	MetricFPR = "fpr"
)

// FairnessConfig configures the per-group view of a classification task.
type FairnessConfig struct {
	// Attributes are the group attribute names to use; each must be among
	// the groupNames given to Fairness. Empty means all of them.
	Attributes []string
	// Intersections also reports the intersection of all chosen attributes
	// (groups such as "sex=female & age=<=25", every combination of values,
	// empty ones with n = 0). Ignored when only one attribute is chosen.
	Intersections bool
	// MinGroupSize: groups with fewer examples are reported, flagged Small,
	// and left out of worst/best, differences, ratios and criteria. 0 means
	// DefaultMinGroupSize (30); 1 flags nothing but empty groups. Negative
	// is an error.
	MinGroupSize int
	// Positive is the class index treated as positive by the binary
	// criteria and by selection_rate, tpr and fpr; every other class is
	// negative, so for a multiclass task this is one-vs-rest for that class.
	// -1 means no positive class: a binary task then gets no criteria, and
	// a multiclass task gets the criteria one-vs-rest for every class, named
	// "<criterion>:<attribute>:class=<class name>". Note that the zero
	// value makes class 0 positive.
	Positive int
	// Metrics computed per group: names of the classification task (see
	// Metrics("classification")) and selection_rate, tpr, fpr. Empty means
	// the task's configured metrics, or its defaults if it has none.
	Metrics []string
	// Method is fairlearn's method for the criteria:
	// fairness.MethodBetweenGroups (default, also when empty; max − min,
	// min / max) or fairness.MethodToOverall (largest gap to, and smallest
	// ratio with, the overall value; no interval is computed).
	Method fairness.Method
	// Agg combines the TPR and FPR parts of equalized odds: worst_case
	// (default) or mean, as fairlearn's agg.
	Agg fairness.Agg
}

// GroupScore is one group's metrics.
type GroupScore struct {
	// Attribute is the attribute name, or "a & b" for an intersection.
	Attribute string
	// Value is the group's value of the attribute ("female"); for an
	// intersection the full cell, "sex=female & age=<=25".
	Value string
	// N is the number of scored examples in the group.
	N int
	// Small is N < MinGroupN: the group is left out of the summaries.
	Small bool
	// Metrics are the group's metrics, with bootstrap intervals seeded per
	// group when the task has resamples.
	Metrics []MetricValue
}

// GroupSummary compares the groups of one attribute (or intersection) on
// one metric, over the eligible groups: not small, not empty, and with a
// defined value (fairlearn leaves NaN groups out the same way).
type GroupSummary struct {
	Attribute, Metric string
	// Worst and Best are the Values of the worst and best groups, respecting
	// the metric's direction (ties go to the first group in sorted order).
	// Empty for selection_rate, which has no direction, and when no group
	// is eligible; WorstValue and BestValue are then NaN.
	Worst, Best           string
	WorstValue, BestValue float64
	// Difference = max_g m(g) − min_g m(g) and Ratio = min_g m(g) / max_g
	// m(g) over the eligible groups (fairlearn's difference and ratio with
	// method="between_groups"). With one eligible group both are NaN (a
	// gap needs two groups). Ratio is NaN when the maximum is 0 and
	// meaningless for metrics that can be negative (mcc).
	Difference, Ratio float64
	// DiffLow and DiffHigh are a percentile bootstrap interval of
	// Difference when the task has resamples, NaN otherwise: the interval of
	// the difference between the two groups that are the full sample's
	// maximum and minimum, both held fixed. Each replicate resamples all
	// examples of the evaluation (not each group separately). Re-choosing
	// the extreme groups in every replicate would bias the replicates
	// upwards (a max − min of noisy values) and the interval could miss the
	// estimate; with the pair fixed it holds the estimate and reaches below
	// zero when the two groups' order is itself uncertain. For accuracy,
	// selection_rate, tpr and fpr a replicate is drawn as a multinomial over
	// (group, cell) counts, O(groups) instead of O(n); other metrics are
	// recomputed on resampled indices.
	DiffLow, DiffHigh float64
	// Undefined says why Difference or Ratio is NaN, when one is.
	Undefined string
}

// FairnessScores is the per-group view of one evaluation.
type FairnessScores struct {
	// Attributes are the attributes used, in order.
	Attributes []string
	// MinGroupN is the minimum group size applied.
	MinGroupN int
	// N is the number of scored examples; Invalid the number of predictions
	// whose output held NaN or Inf (scored by the task's invalid policy).
	N, Invalid int
	// Groups lists every group of every attribute, then the intersection's
	// cells, each sorted by value.
	Groups []GroupScore
	// Summaries has one entry per attribute (then intersection) × metric.
	Summaries []GroupSummary
	// Criteria are fairlearn's between-groups criteria
	// demographic_parity_difference/_ratio,
	// equalized_odds_difference/_ratio (worst case of TPR and FPR) and
	// equal_opportunity_difference/_ratio, named
	// "<criterion>:<attribute>", with the same bootstrap intervals as
	// GroupSummary.DiffLow/DiffHigh. Differences are lower-is-better,
	// ratios higher-is-better.
	Criteria []MetricValue
}

// Fairness disaggregates the classification metrics over the groups of
// preds. preds[i].Groups[j] is the value of attribute groupNames[j].
// Predictions are filtered and scored exactly as Score does (unlabelled
// examples are skipped; NaN/Inf outputs follow the task's invalid policy),
// and each per-group metric is the task's own metric on the group's
// examples, with a bootstrap interval seeded from the task seed and the
// group. See FairnessConfig, GroupSummary and FairnessScores for the rules.
func (c *Classifier) Fairness(preds []Prediction, groupNames []string, cfg FairnessConfig) (*FairnessScores, error) {
	cols, err := chooseAttributes(groupNames, cfg.Attributes)
	if err != nil {
		return nil, err
	}
	minN := cfg.MinGroupSize
	switch {
	case minN < 0:
		return nil, fmt.Errorf("fairness: minimum group size %d is negative", minN)
	case minN == 0:
		minN = DefaultMinGroupSize
	}
	k := c.K()
	if cfg.Positive < -1 || cfg.Positive >= k {
		return nil, fmt.Errorf("fairness: positive class %d is not -1 or a class index in [0, %d)", cfg.Positive, k)
	}
	names, err := c.fairnessMetrics(cfg)
	if err != nil {
		return nil, err
	}
	values := make([][]string, len(cols))
	for i := range preds {
		p := &preds[i]
		if err := c.checkPrediction(i, p); err != nil {
			return nil, fmt.Errorf("fairness: %w", err)
		}
		if len(p.Groups) != len(groupNames) {
			return nil, fmt.Errorf("fairness: %s has %d group values for %d group attributes (%s)",
				describe(i, p), len(p.Groups), len(groupNames), strings.Join(groupNames, ", "))
		}
		if !c.scored(p) {
			continue
		}
		for j, col := range cols {
			values[j] = append(values[j], p.Groups[col])
		}
	}
	d, invalid := c.prepare(preds)
	if len(d.label) == 0 {
		return nil, fmt.Errorf("fairness: %w", ErrNoExamples)
	}
	if len(values[0]) != len(d.label) {
		return nil, fmt.Errorf("fairness: internal error: %d group rows for %d scored examples", len(values[0]), len(d.label))
	}
	attrs := make([]fairness.Attribute, len(cols))
	out := &FairnessScores{MinGroupN: minN, N: len(d.label), Invalid: invalid}
	for j, col := range cols {
		attrs[j] = fairness.Attribute{Name: groupNames[col], Values: values[j]}
		out.Attributes = append(out.Attributes, groupNames[col])
	}
	opts := fairness.Options{MinGroupSize: minN, Intersect: cfg.Intersections && len(attrs) > 1}
	v := c.newView(d, cfg.Positive)
	specs := make([]fairness.Spec, len(names))
	for i, name := range names {
		higher, _ := fairnessDirection(name)
		specs[i] = fairness.Spec{Name: name, Fn: v.fn(name), HigherIsBetter: higher}
	}
	frame, err := fairness.Compute(attrs, specs, opts)
	if err != nil {
		return nil, fmt.Errorf("fairness: %w", err)
	}
	members := fairness.Members(attrs, opts.Intersect)

	// Groups, with the task's metrics and intervals on each.
	for b, bd := range frame.Metrics[0].Breakdowns {
		for g, grp := range bd.Groups {
			idx := members[b][grp.Key]
			gs := GroupScore{Attribute: displayAttribute(bd.Attribute), Value: displayValue(bd.Attribute, grp.Key), N: grp.N, Small: grp.Small}
			gc := *c
			gc.cfg.Seed = metrics.SubSeed(c.cfg.Seed, "group\x00"+grp.Key)
			for m, name := range names {
				gs.Metrics = append(gs.Metrics, v.groupValue(&gc, name, idx, frame.Metrics[m].Breakdowns[b].Groups[g].Value))
			}
			out.Groups = append(out.Groups, gs)
		}
	}

	// Summaries, with a bootstrap interval of the difference.
	seed := c.seedFor("fairness\x00between-groups")
	for b := range frame.Metrics[0].Breakdowns {
		for m, name := range names {
			bd := frame.Metrics[m].Breakdowns[b]
			s := summarize(bd, name)
			if c.cfg.Resamples > 0 && !math.IsNaN(s.Difference) {
				var ci metrics.CI
				// The interval is that of the difference between the two
				// groups that are the full sample's maximum and minimum, both
				// held fixed: the bootstrap distribution of max − min over
				// re-chosen groups is biased upwards and its percentile
				// interval can exclude the estimate.
				if cs := v.cellStat(name, bd); cs != nil {
					ci = v.cells(bd, members[b], cs.Width()).Bootstrap([]func([]float64, int) float64{cs.PairDifference}, c.cfg.Resamples, c.cfg.Confidence, seed)[0]
				} else {
					sp := fairness.NewSpread(bd, members[b], len(d.label), specs[m].Fn)
					ci = metrics.BootstrapCI(len(d.label), sp.PairDifference, c.cfg.Resamples, c.cfg.Confidence, seed)
				}
				s.DiffLow, s.DiffHigh = ci.Low, ci.High
			}
			out.Summaries = append(out.Summaries, s)
		}
	}

	// Criteria: for the positive class, or one-vs-rest for every class.
	switch {
	case cfg.Positive >= 0:
		crit, err := c.criteria(v, cfg.Positive, attrs, opts, members, seed, "", cfg)
		if err != nil {
			return nil, err
		}
		out.Criteria = crit
	case k > 2:
		for class := 0; class < k; class++ {
			cv := c.newView(d, class)
			crit, err := c.criteria(cv, class, attrs, opts, members, seed, ":class="+c.cfg.Classes[class], cfg)
			if err != nil {
				return nil, err
			}
			out.Criteria = append(out.Criteria, crit...)
		}
	}
	return out, nil
}

// chooseAttributes returns the column of each chosen attribute in
// groupNames, in the order chosen (all of groupNames when chosen is empty).
func chooseAttributes(groupNames, chosen []string) ([]int, error) {
	if len(groupNames) == 0 {
		return nil, errors.New("fairness: the dataset declares no group attributes")
	}
	if len(chosen) == 0 {
		cols := make([]int, len(groupNames))
		for i := range cols {
			cols[i] = i
		}
		return cols, nil
	}
	var cols []int
	for _, a := range chosen {
		col := slices.Index(groupNames, a)
		if col < 0 {
			return nil, fmt.Errorf("fairness: unknown group attribute %q; the dataset's group attributes are %s", a, strings.Join(groupNames, ", "))
		}
		if slices.Contains(cols, col) {
			return nil, fmt.Errorf("fairness: group attribute %q listed twice", a)
		}
		cols = append(cols, col)
	}
	return cols, nil
}

// fairnessMetrics resolves and checks cfg.Metrics.
func (c *Classifier) fairnessMetrics(cfg FairnessConfig) ([]string, error) {
	names := cfg.Metrics
	if len(names) == 0 {
		names = c.cfg.Metrics
	}
	if len(names) == 0 {
		names = DefaultMetrics(string(Classification))
	}
	known, _ := Metrics(string(Classification))
	known = append(slices.Clone(known), metrics.ForKind(string(Classification), metrics.ScopeGroup)...)
	seen := map[string]bool{}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("fairness: unknown metric %q; known metrics are %s", n, strings.Join(known, ", "))
		}
		if seen[n] {
			return nil, fmt.Errorf("fairness: metric %q listed twice", n)
		}
		seen[n] = true
		if (n == MetricSelectionRate || n == MetricTPR || n == MetricFPR) && cfg.Positive < 0 {
			return nil, fmt.Errorf("fairness: metric %q needs a positive class; set positive to a class index", n)
		}
	}
	return slices.Clone(names), nil
}

// fairnessDirection returns whether higher is better and whether the
// metric has a direction at all.
func fairnessDirection(name string) (higher, directed bool) {
	m, _, ok := metrics.Lookup(name)
	return ok && m.Dir == metrics.HigherBetter, !ok || m.Dir != metrics.Neither
}

// scored reports whether prepare keeps p (the same rule as prepare).
func (c *Classifier) scored(p *Prediction) bool {
	return p.Label >= 0 && !(p.Invalid != "" && c.cfg.Invalid == InvalidExclude)
}

// checkPrediction rejects labels, predicted classes and probability rows
// that the metrics would panic on.
func (c *Classifier) checkPrediction(i int, p *Prediction) error {
	k := c.K()
	if p.Label >= k || p.Label < -1 {
		return fmt.Errorf("%s: label %d is not -1 (unlabelled) or a class index in [0, %d)", describe(i, p), p.Label, k)
	}
	if p.Invalid == "" && (p.Pred < 0 || p.Pred >= k || len(p.Probs) != k) {
		return fmt.Errorf("%s: predicted class %d with %d probabilities; want a class in [0, %d) and %d probabilities", describe(i, p), p.Pred, len(p.Probs), k, k)
	}
	return nil
}

func describe(i int, p *Prediction) string {
	if p.ID != "" {
		return fmt.Sprintf("prediction %d (example %d, id %q)", i, p.Index, p.ID)
	}
	return fmt.Sprintf("prediction %d (example %d)", i, p.Index)
}

// view holds the scored examples and the metric callbacks over them.
type view struct {
	c      *Classifier // copy without resamples: point values only
	d      *scoringData
	yb, pb []int // labels and predictions binarised on the positive class
}

func (c *Classifier) newView(d *scoringData, positive int) *view {
	c0 := *c
	c0.cfg.Resamples = 0
	v := &view{c: &c0, d: d}
	if positive >= 0 {
		v.yb, v.pb = make([]int, len(d.label)), make([]int, len(d.label))
		for i := range d.label {
			if d.label[i] == positive {
				v.yb[i] = 1
			}
			if d.pred[i] == positive {
				v.pb[i] = 1
			}
		}
	}
	return v
}

// fn returns the metric name as a fairness.Metric over indices into v.d.
// It is safe for concurrent use. Metrics that Classifier.metric computes as
// a mean of per-example terms (accuracy, nll, brier) are summed here from
// the same terms, in the same order, so the value is bit-identical without
// copying the group's probabilities; the others run Classifier.metric on
// the group's subset.
func (v *view) fn(name string) fairness.Metric {
	switch name {
	case MetricSelectionRate:
		return fairness.SelectionRate(v.pb, nil)
	case MetricTPR:
		return fairness.TruePositiveRate(v.yb, v.pb, nil)
	case MetricFPR:
		return fairness.FalsePositiveRate(v.yb, v.pb, nil)
	}
	if terms := v.terms(name); terms != nil {
		return func(idx []int) fairness.Value {
			if len(idx) == 0 {
				return fairness.Undefined("empty group")
			}
			s := 0.0
			for _, i := range idx {
				s += terms[i]
			}
			return fairness.Of(s / float64(len(idx)))
		}
	}
	return func(idx []int) fairness.Value {
		if len(idx) == 0 {
			return fairness.Undefined("empty group")
		}
		mv, _ := v.c.metric(name, v.d.subset(idx))
		if math.IsNaN(mv.Value) {
			if mv.Undefined == "" {
				mv.Undefined = "metric undefined on this group"
			}
			return fairness.Undefined(mv.Undefined)
		}
		return fairness.Value{V: mv.Value}
	}
}

// terms returns the per-example terms whose mean Classifier.metric reports
// for name, or nil when name is not such a mean.
func (v *view) terms(name string) []float64 {
	d := v.d
	switch name {
	case "accuracy":
		t := make([]float64, len(d.correct))
		for i, ok := range d.correct {
			if ok {
				t[i] = 1
			}
		}
		return t
	case "nll":
		return metrics.NLLTerms(nil, d.probs, d.k, d.label)
	case "brier":
		return metrics.BrierTerms(nil, d.probs, d.k, d.label)
	}
	return nil
}

// groupValue is metric name on the group idx with gc's bootstrap; value is
// the point value fairness.Compute found, which it must equal.
func (v *view) groupValue(gc *Classifier, name string, idx []int, value fairness.Value) MetricValue {
	higher, _ := fairnessDirection(name)
	mv := MetricValue{Name: name, Value: value.V, Undefined: value.Reason, N: len(idx), HigherIsBetter: higher, Low: math.NaN(), High: math.NaN()}
	if len(idx) == 0 {
		return mv
	}
	switch name {
	case MetricSelectionRate, MetricTPR, MetricFPR:
		mv.Spec = map[string]string{"positive_label": "1 after one-vs-rest binarisation"}
		if gc.cfg.Resamples > 0 && value.Defined() {
			fn := v.fn(name)
			ci := metrics.BootstrapCI(len(idx), func(pos []int) float64 {
				sample := make([]int, len(pos))
				for j, p := range pos {
					sample[j] = idx[p]
				}
				return fn(sample).V
			}, gc.cfg.Resamples, gc.cfg.Confidence, gc.seedFor(name))
			mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
		}
		return mv
	}
	full, _ := gc.metric(name, v.d.subset(idx))
	if full.Undefined == "" {
		full.Undefined = value.Reason
	}
	return full
}

func displayAttribute(attr string) string { return strings.ReplaceAll(attr, "|", " & ") }

func displayValue(attr, key string) string {
	if !strings.Contains(attr, "|") {
		return strings.TrimPrefix(key, attr+"=")
	}
	return strings.ReplaceAll(key, "|", " & ")
}

// summarize turns a fairness breakdown into a GroupSummary (without CI).
func summarize(bd fairness.Breakdown, name string) GroupSummary {
	s := GroupSummary{Attribute: displayAttribute(bd.Attribute), Metric: name,
		WorstValue: math.NaN(), BestValue: math.NaN(), DiffLow: math.NaN(), DiffHigh: math.NaN(),
		Difference: bd.DifferenceBetween.V, Ratio: bd.RatioBetween.V}
	switch {
	case !bd.DifferenceBetween.Defined():
		s.Undefined = bd.DifferenceBetween.Reason
	case !bd.RatioBetween.Defined():
		s.Undefined = "ratio: " + bd.RatioBetween.Reason
	}
	higher, directed := fairnessDirection(name)
	if !directed || bd.Worst == "" {
		return s
	}
	s.Worst, s.Best = displayValue(bd.Attribute, bd.Worst), displayValue(bd.Attribute, bd.Best)
	worst, best := bd.Extremes(higher)
	s.WorstValue, s.BestValue = worst.V, best.V
	return s
}

// criteria computes fairlearn's between-groups criteria on v's binarised
// labels and predictions, one set per breakdown, with bootstrap intervals
// (multinomial over group × confusion cells, see fairness.Cells) when the task
// has resamples.
func (c *Classifier) criteria(v *view, positive int, attrs []fairness.Attribute, opts fairness.Options, members []map[string][]int, seed uint64, suffix string, cfg FairnessConfig) ([]MetricValue, error) {
	rep, err := fairness.BinaryCriteria(v.yb, v.pb, nil, attrs, opts)
	if err != nil {
		return nil, fmt.Errorf("fairness criteria: %w", err)
	}
	n := len(v.yb)
	sel, tpr, fpr := rep.Frame.Metric(fairness.NameSelectionRate), rep.Frame.Metric(fairness.NameTruePositiveRate), rep.Frame.Metric(fairness.NameFalsePositiveRate)
	var out []MetricValue
	method, agg := fairness.Resolve(cfg.Method, cfg.Agg)
	for b, cr := range rep.ByMethod(method) {
		values := cr.Values(agg)
		var cis []metrics.CI
		if c.cfg.Resamples > 0 && method == fairness.MethodBetweenGroups {
			stats := fairness.CriteriaStats(v.cellStat(MetricSelectionRate, sel.Breakdowns[b]),
				v.cellStat(MetricTPR, tpr.Breakdowns[b]), v.cellStat(MetricFPR, fpr.Breakdowns[b]), agg)
			cis = v.cells(sel.Breakdowns[b], members[b], 4).Bootstrap(stats, c.cfg.Resamples, c.cfg.Confidence, seed)
		}
		for j, name := range fairness.CriterionNames() {
			mv := MetricValue{Name: name + ":" + displayAttribute(cr.Attribute) + suffix, Value: values[j].V, Undefined: values[j].Reason,
				N: n, HigherIsBetter: strings.HasSuffix(name, "_ratio"), Low: math.NaN(), High: math.NaN(),
				Spec: map[string]string{"method": string(method), "definition": "fairlearn", "positive": c.cfg.Classes[positive]}}
			if strings.HasPrefix(name, "equalized_odds") {
				mv.Spec["aggregation"] = string(agg) + " of TPR and FPR"
			}
			if method != fairness.MethodBetweenGroups {
				mv.Spec["interval"] = "not computed for method " + string(method)
			}
			if cis != nil && values[j].Defined() {
				ci := cis[j]
				mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
			}
			out = append(out, mv)
		}
	}
	return out, nil
}

// cells tallies the breakdown's examples (fairness.TallyCells) with the
// cell kinds of width: 2 counts correct and wrong predictions, 4 the
// confusion cells on v's positive class.
func (v *view) cells(bd fairness.Breakdown, members map[string][]int, width int) *fairness.Cells {
	kind := func(i int) int { return fairness.ConfusionCell(v.yb[i], v.pb[i]) }
	if width == 2 {
		kind = func(i int) int {
			if v.d.correct[i] {
				return fairness.CellCorrect
			}
			return fairness.CellWrong
		}
	}
	return fairness.TallyCells(bd, members, width, kind)
}

// cellStat returns the cell form of name over bd, or nil when name has
// none (only accuracy and the binary rates do).
func (v *view) cellStat(name string, bd fairness.Breakdown) *fairness.CellMetric {
	switch name {
	case "accuracy":
		return fairness.AccuracyCells(bd)
	case MetricSelectionRate:
		return fairness.RateCells(bd, fairness.Confusion.SelectionRate)
	case MetricTPR:
		return fairness.RateCells(bd, fairness.Confusion.TruePositiveRate)
	case MetricFPR:
		return fairness.RateCells(bd, fairness.Confusion.FalsePositiveRate)
	}
	return nil
}

// CounterfactualScore is the effect of one attribute substitution (for
// example "sex=female→male" or "pronouns he→she") on a classifier.
type CounterfactualScore struct {
	Name string
	// FlipRate is the share of substituted examples whose predicted class
	// changed (see Counterfactual), with a Wilson score interval.
	FlipRate MetricValue
	// MetricDelta is metric(counterfactual) − metric(original) over the
	// labelled examples, with a paired bootstrap interval when the task has
	// resamples.
	MetricDelta MetricValue
	// Changed is the number of examples the substitution actually changed.
	Changed int
}

// Counterfactual compares predictions on original inputs with predictions
// on counterfactual copies in which a protected attribute was substituted.
// orig and cf are aligned by position (same example, same label); changed[i]
// says whether the substitution altered example i (nil: all were).
//
// The flip rate is taken over the changed examples only, labelled or not,
// with fairness.FlipRates:
//
//	flip rate = Σ_i c_i [ŷ_i ≠ ŷ'_i] / Σ_i c_i
//
// Invalid (NaN/Inf) outputs follow the task's policy: with "exclude" a pair
// with an invalid side is left out; with "wrong" an invalid output counts
// as a class of its own, so one invalid side is a flip and two are not.
// The interval is Wilson's score interval at the task's confidence level
// (computed always; it needs no resampling).
//
// MetricDelta is metric (default "accuracy", any metric of the task) on the
// counterfactual predictions minus on the original ones, over all labelled
// examples; unchanged examples keep their original prediction, as in
// fairness.MetricChange, so the delta is diluted by the share of examples
// changed. Its interval is metrics.PairedBootstrap (examples resampled
// jointly for both sides), whose p-value for "no change" is in Spec.
func (c *Classifier) Counterfactual(name string, orig, cf []Prediction, changed []bool, metric string) (CounterfactualScore, error) {
	out := CounterfactualScore{Name: name}
	if len(orig) != len(cf) {
		return out, fmt.Errorf("counterfactual %q: %d original and %d counterfactual predictions", name, len(orig), len(cf))
	}
	if changed != nil && len(changed) != len(orig) {
		return out, fmt.Errorf("counterfactual %q: %d changed flags for %d predictions", name, len(changed), len(orig))
	}
	if metric == "" {
		metric = "accuracy"
	}
	if known, _ := Metrics(string(Classification)); !slices.Contains(known, metric) {
		return out, fmt.Errorf("counterfactual %q: unknown metric %q; known metrics are %s", name, metric, strings.Join(known, ", "))
	}
	n := len(orig)
	op, cp, mask := make([]int, n), make([]int, n), make([]bool, n)
	var oa, ca []Prediction
	for i := range orig {
		o, f := &orig[i], &cf[i]
		for _, p := range []*Prediction{o, f} {
			if err := c.checkPrediction(i, p); err != nil {
				return out, fmt.Errorf("counterfactual %q: %w", name, err)
			}
		}
		if o.Label != f.Label || (o.ID != "" && f.ID != "" && o.ID != f.ID) {
			return out, fmt.Errorf("counterfactual %q: %s does not match the counterfactual prediction at the same position (label %d, id %q); orig and cf must be aligned",
				name, describe(i, o), f.Label, f.ID)
		}
		isChanged := changed == nil || changed[i]
		if isChanged {
			out.Changed++
		}
		excluded := c.cfg.Invalid == InvalidExclude && (o.Invalid != "" || f.Invalid != "")
		mask[i] = isChanged && !excluded
		op[i], cp[i] = classOrInvalid(o), classOrInvalid(f)
		if o.Label < 0 || excluded {
			continue
		}
		oa = append(oa, *o)
		if isChanged {
			ca = append(ca, *f)
		} else {
			ca = append(ca, *o)
		}
	}
	if n == 0 {
		return out, fmt.Errorf("counterfactual %q: %w", name, ErrNoExamples)
	}
	rep, err := fairness.FlipRates(op, []fairness.Counterfactual{{Name: name, Pred: cp, Changed: mask}})
	if err != nil {
		return out, fmt.Errorf("counterfactual %q: %w", name, err)
	}
	f := rep.PerSubstitution[0]
	lo, hi := fairness.Wilson(f.Flipped, f.N, c.cfg.Confidence)
	out.FlipRate = MetricValue{Name: "flip_rate", Value: f.Rate.V, Undefined: f.Rate.Reason, N: f.N, Low: lo, High: hi,
		Level: c.cfg.Confidence, Method: "wilson",
		Spec: map[string]string{"substitution": name, "denominator": "changed examples", "flipped": strconv.Itoa(f.Flipped)}}
	out.MetricDelta = c.metricDelta(name, oa, ca, metric)
	return out, nil
}

// classOrInvalid is p's predicted class, or -1 for an invalid output.
func classOrInvalid(p *Prediction) int {
	if p.Invalid != "" {
		return -1
	}
	return p.Pred
}

// metricDelta scores metric on aligned original and counterfactual
// predictions (both already filtered to the same scored examples).
func (c *Classifier) metricDelta(name string, orig, cf []Prediction, metric string) MetricValue {
	mv := MetricValue{Name: metric + "_delta", HigherIsBetter: HigherIsBetter(metric), Low: math.NaN(), High: math.NaN(),
		Spec: map[string]string{"metric": metric, "delta": "counterfactual − original", "unchanged_examples": "keep their original prediction"}}
	do, _ := c.prepare(orig)
	dc, _ := c.prepare(cf)
	n := len(do.label)
	mv.N = n
	if n == 0 {
		mv.Value, mv.Undefined = math.NaN(), "no labelled examples"
		return mv
	}
	c0 := *c
	c0.cfg.Resamples = 0
	stat := func(idx []int) (a, b float64) {
		ma, _ := c0.metric(metric, do.subset(idx))
		mb, _ := c0.metric(metric, dc.subset(idx))
		return ma.Value, mb.Value
	}
	a, _ := c0.metric(metric, do)
	b, _ := c0.metric(metric, dc)
	mv.Value = b.Value - a.Value
	mv.Spec["original"] = strconv.FormatFloat(a.Value, 'g', -1, 64)
	mv.Spec["counterfactual"] = strconv.FormatFloat(b.Value, 'g', -1, 64)
	switch {
	case math.IsNaN(a.Value):
		mv.Undefined = "metric undefined on original predictions: " + a.Undefined
		return mv
	case math.IsNaN(b.Value):
		mv.Undefined = "metric undefined on counterfactual predictions: " + b.Undefined
		return mv
	}
	if c.cfg.Resamples > 0 {
		_, ci, p := metrics.PairedBootstrap(n, stat, c.cfg.Resamples, c.cfg.Confidence, c.seedFor("counterfactual\x00"+name+"\x00"+metric))
		mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, "paired-"+ci.Method
		mv.Spec["p_value"] = strconv.FormatFloat(p, 'g', 4, 64)
	}
	return mv
}
