package tasks

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/robustness"
)

// VariantPredictions is one perturbed copy of the clean data: the
// predictions of the same model on the same examples, in the same order,
// after perturbation Perturbation at severity Severity (1..5).
type VariantPredictions struct {
	Perturbation string
	Severity     int
	Preds        []Prediction
}

// Name returns the variant's name as the harness writes it,
// "<perturbation>@<severity>", for example "gaussian_noise@3".
func (v VariantPredictions) Name() string {
	return v.Perturbation + "@" + strconv.Itoa(v.Severity)
}

// RobustnessConfig configures the robustness view of a classification
// task.
type RobustnessConfig struct {
	// Metric is the headline metric measured on every variant: any
	// classification metric (see Metrics("classification")). Empty means
	// "accuracy". Its direction comes from HigherIsBetter.
	Metric string
	// CorruptionSet lists the perturbations averaged into mean_corrupted
	// and ece_mean_corrupted, and used by CorruptionError. Empty means every
	// perturbation present. Worst-case accuracy and consistency always use
	// every variant.
	CorruptionSet []string
}

// RobustnessCell is the result of one perturbation at one severity.
type RobustnessCell struct {
	Perturbation string
	Severity     int
	// Value is the headline metric on the variant.
	Value MetricValue
	// ECE is the task's top-label calibration error ("ece") on the variant.
	ECE MetricValue
	// Consistency is the share of examples whose predicted class on the
	// variant equals the clean one (see RobustnessScores.Summary).
	Consistency MetricValue
}

// RobustnessScores is the robustness view of one model on one task.
type RobustnessScores struct {
	// Metric is the headline metric.
	Metric string
	// Clean is the headline metric on the clean predictions.
	Clean MetricValue
	// Corruptions is the corruption set used, sorted.
	Corruptions []string
	// N is the number of labelled examples; Invalid counts the predictions,
	// clean and perturbed together, whose output held NaN or Inf.
	N, Invalid int
	// Cells holds one entry per variant, sorted by perturbation then
	// severity.
	Cells []RobustnessCell
	// Summary holds, in this order, mean_corrupted, absolute_drop,
	// relative_drop, worst_case_accuracy, consistency,
	// consistency_all_variants, ece_clean and ece_mean_corrupted; see
	// Classifier.Robustness for their definitions.
	Summary []MetricValue
}

// SummaryValue returns the summary with the given name.
func (s *RobustnessScores) SummaryValue(name string) (MetricValue, bool) {
	for _, m := range s.Summary {
		if m.Name == name {
			return m, true
		}
	}
	return MetricValue{}, false
}

// Cell returns the cell of a perturbation at a severity.
func (s *RobustnessScores) Cell(perturbation string, severity int) (RobustnessCell, bool) {
	for _, c := range s.Cells {
		if c.Perturbation == perturbation && c.Severity == severity {
			return c, true
		}
	}
	return RobustnessCell{}, false
}

// The names of the robustness summaries.
const (
	SummaryMeanCorrupted          = "mean_corrupted"
	SummaryAbsoluteDrop           = "absolute_drop"
	SummaryRelativeDrop           = "relative_drop"
	SummaryWorstCaseAccuracy      = "worst_case_accuracy"
	SummaryConsistency            = "consistency"
	SummaryConsistencyAllVariants = "consistency_all_variants"
	SummaryECEClean               = "ece_clean"
	SummaryECEMeanCorrupted       = "ece_mean_corrupted"
)

// Robustness compares the predictions of one model on the clean data with
// its predictions on perturbed copies of it. Every variant must hold the
// same examples as clean in the same order (same length, same Index and
// Label at each position); an error names the first variant that does not.
//
// Examples and invalid outputs are handled as Score handles them: unlabelled
// examples are skipped, and a NaN/Inf output is scored as wrong (uniform
// probabilities) or left out, following the task's invalid policy, in the
// clean data and in each variant separately.
//
// With m the headline metric (cfg.Metric), C the corruption set and S_p the
// severities present for perturbation p:
//
//	mean_corrupted           (1/|C|) Σ_{p∈C} (1/|S_p|) Σ_{s∈S_p} m(p, s)
//	absolute_drop            m(clean) − mean_corrupted     (higher-is-better m)
//	                         mean_corrupted − m(clean)     (lower-is-better m)
//	relative_drop            absolute_drop / |m(clean)|    (NaN when m(clean) = 0)
//	worst_case_accuracy      (1/n) Σ_i min_{v∈{clean}∪V} correct_i(v)
//	consistency              Σ_i Σ_{v∈V} [ŷ_i(v) = ŷ_i(clean)] / (n·|V|)
//	consistency_all_variants (1/n) Σ_i Π_{v∈V} [ŷ_i(v) = ŷ_i(clean)]
//	ece_clean                ECE on the clean data
//	ece_mean_corrupted       mean_corrupted with m = ECE
//
// mean_corrupted is the mean over perturbations of the mean over severities
// (robustness.Table.Mean), which is the plain mean over cells when every
// perturbation has the same severities. The drops are signed so that a
// positive drop is always worse, whatever the metric's direction; both are
// lower-is-better. worst_case_accuracy is HELM's per-instance worst case
// (Liang et al. 2022) over the clean data and every variant, not only the
// corruption set; consistency counts (example, variant) pairs over every
// variant, and consistency_all_variants is CheckList's invariance pass rate
// (Ribeiro et al. 2020). An invalid output is never consistent and never
// correct under the "wrong" policy; under "exclude" it is left out: the
// pair is not counted, the worst case runs over the example's valid
// versions, and an example without any is left out.
//
// Intervals: every summary comes from one joint percentile bootstrap that
// resamples example indices and applies each draw to the clean data and
// every variant at once (so the intervals reflect the pairing), seeded
// from the task seed; replicate r draws its indices as metrics.BootstrapCI
// does. Except for the calibration errors (below), Clean is exactly
// Score's value and interval for the metric, and each cell's Value is
// computed as Score computes it, with a bootstrap seeded from the task seed
// and the variant's name. ECE intervals, in cells and when the headline
// metric is a calibration error, come from metrics.BootstrapCalibrationCI
// (O(bins) per replicate) instead of Score's general bootstrap. On 10,000
// examples × 55 variants with 1,000 resamples the whole call takes about
// 2 s on 2 cores, mostly the joint ECE bootstrap.
func (c *Classifier) Robustness(clean []Prediction, variants []VariantPredictions, cfg RobustnessConfig) (*RobustnessScores, error) {
	metric := cfg.Metric
	if metric == "" {
		metric = "accuracy"
	}
	known, _ := Metrics(string(Classification))
	if !slices.Contains(known, metric) {
		return nil, fmt.Errorf("robustness: unknown metric %q; known metrics are %s", metric, strings.Join(known, ", "))
	}
	if len(variants) == 0 {
		return nil, errors.New("robustness: no perturbed variants to compare with the clean predictions")
	}
	if err := c.checkRobustPreds(clean); err != nil {
		return nil, fmt.Errorf("robustness: clean: %w", err)
	}
	order, err := c.checkVariants(clean, variants)
	if err != nil {
		return nil, err
	}
	set, err := corruptionSet(cfg.CorruptionSet, variants)
	if err != nil {
		return nil, err
	}
	var lab []int // positions of the labelled examples
	for i := range clean {
		if clean[i].Label >= 0 {
			lab = append(lab, i)
		}
	}
	if len(lab) == 0 {
		return nil, fmt.Errorf("robustness: %w", ErrNoExamples)
	}

	base := c.newRobustEval(clean, lab)
	evals := make([]*robustEval, len(order))
	out := &RobustnessScores{Metric: metric, Corruptions: set, N: len(lab), Invalid: base.invalid}
	out.Clean = c.cellMetric(metric, base)
	for e, vi := range order {
		v := &variants[vi]
		ev := c.newRobustEval(v.Preds, lab)
		ev.perturbation, ev.severity = v.Perturbation, v.Severity
		evals[e] = ev
		out.Invalid += ev.invalid
		gc := *c
		gc.cfg.Seed = metrics.SubSeed(c.cfg.Seed, "robustness\x00cell\x00"+v.Name())
		out.Cells = append(out.Cells, RobustnessCell{
			Perturbation: v.Perturbation, Severity: v.Severity,
			Value:       gc.cellMetric(metric, ev),
			ECE:         gc.cellMetric("ece", ev),
			Consistency: gc.cellConsistency(base, ev),
		})
	}
	sum, err := c.robustSummary(metric, set, base, evals, out)
	if err != nil {
		return nil, err
	}
	out.Summary = sum
	return out, nil
}

// checkRobustPreds checks the fields Score relies on.
func (c *Classifier) checkRobustPreds(preds []Prediction) error {
	k := c.K()
	for i := range preds {
		p := &preds[i]
		if p.Label >= k || p.Label < -1 {
			return fmt.Errorf("%s: label %d is not -1 (unlabelled) or a class index in [0, %d)", robustDescribe(i, p), p.Label, k)
		}
		if p.Invalid == "" && (p.Pred < 0 || p.Pred >= k || len(p.Probs) != k) {
			return fmt.Errorf("%s: predicted class %d with %d probabilities; want a class in [0, %d) and %d probabilities",
				robustDescribe(i, p), p.Pred, len(p.Probs), k, k)
		}
	}
	return nil
}

func robustDescribe(i int, p *Prediction) string {
	if p.ID != "" {
		return fmt.Sprintf("prediction %d (example %d, id %q)", i, p.Index, p.ID)
	}
	return fmt.Sprintf("prediction %d (example %d)", i, p.Index)
}

// checkVariants checks every variant against clean and returns the
// variants' positions sorted by perturbation, then severity.
func (c *Classifier) checkVariants(clean []Prediction, variants []VariantPredictions) ([]int, error) {
	seen := map[string]bool{}
	for vi := range variants {
		v := &variants[vi]
		switch {
		case v.Perturbation == "":
			return nil, fmt.Errorf("robustness: variant %d has no perturbation name", vi)
		case v.Severity < 1 || v.Severity > robustness.MaxSeverity:
			return nil, fmt.Errorf("robustness: variant %s: severity %d is outside 1..%d", v.Name(), v.Severity, robustness.MaxSeverity)
		case seen[v.Name()]:
			return nil, fmt.Errorf("robustness: variant %s given twice", v.Name())
		case len(v.Preds) != len(clean):
			return nil, fmt.Errorf("robustness: variant %s has %d predictions, the clean data %d; variants must hold the same examples in the same order",
				v.Name(), len(v.Preds), len(clean))
		}
		seen[v.Name()] = true
		for i := range v.Preds {
			p, q := &v.Preds[i], &clean[i]
			if p.Index != q.Index {
				return nil, fmt.Errorf("robustness: variant %s: prediction %d is example %d, the clean prediction %d is example %d; variants must hold the same examples in the same order",
					v.Name(), i, p.Index, i, q.Index)
			}
			if p.Label != q.Label {
				return nil, fmt.Errorf("robustness: variant %s: %s has label %d, the clean prediction has label %d", v.Name(), robustDescribe(i, p), p.Label, q.Label)
			}
		}
		if err := c.checkRobustPreds(v.Preds); err != nil {
			return nil, fmt.Errorf("robustness: variant %s: %w", v.Name(), err)
		}
	}
	order := make([]int, len(variants))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		va, vb := &variants[order[a]], &variants[order[b]]
		if va.Perturbation != vb.Perturbation {
			return va.Perturbation < vb.Perturbation
		}
		return va.Severity < vb.Severity
	})
	return order, nil
}

// corruptionSet resolves cfg.CorruptionSet against the perturbations present.
func corruptionSet(chosen []string, variants []VariantPredictions) ([]string, error) {
	var present []string
	for _, v := range variants {
		if !slices.Contains(present, v.Perturbation) {
			present = append(present, v.Perturbation)
		}
	}
	slices.Sort(present)
	if len(chosen) == 0 {
		return present, nil
	}
	set := slices.Clone(chosen)
	slices.Sort(set)
	for i, name := range set {
		if i > 0 && set[i-1] == name {
			return nil, fmt.Errorf("robustness: corruption %q listed twice in the corruption set", name)
		}
		if !slices.Contains(present, name) {
			return nil, fmt.Errorf("robustness: corruption %q in the corruption set has no variants (perturbations present: %s)", name, strings.Join(present, ", "))
		}
	}
	return set, nil
}

// robustEval is one evaluation (clean or a variant) in the form the
// robustness summaries need. Positions j index the labelled examples.
type robustEval struct {
	perturbation string
	severity     int
	d            *scoringData
	invalid      int
	// rowOf[j] is the row of position j in d, or -1 when its output was
	// invalid and the policy excludes it.
	rowOf []int
	// pred[j] is the predicted class, or -1 for an invalid output.
	pred []int
	// correct[j] is pred[j] = label (false for an invalid output).
	correct []bool
}

func (c *Classifier) newRobustEval(preds []Prediction, lab []int) *robustEval {
	d, invalid := c.prepare(preds)
	e := &robustEval{d: d, invalid: invalid, rowOf: make([]int, len(lab)), pred: make([]int, len(lab)), correct: make([]bool, len(lab))}
	row := 0
	for j, i := range lab {
		p := &preds[i]
		e.pred[j] = -1
		if p.Invalid != "" && c.cfg.Invalid == InvalidExclude {
			e.rowOf[j] = -1
			continue
		}
		e.rowOf[j] = row
		row++
		if p.Invalid == "" {
			e.pred[j] = p.Pred
			e.correct[j] = p.Pred == p.Label
		}
	}
	return e
}

func (e *robustEval) scored(j int) bool { return e.rowOf[j] >= 0 }

const undefinedAllExcluded = "no prediction left to score: every output was NaN or Inf and the invalid policy excludes them"

// cellMetric scores one metric on one evaluation. It is c.metric, except
// that the intervals of the calibration errors come from
// metrics.BootstrapCalibrationCI, which costs O(bins) per replicate instead
// of O(n).
func (c *Classifier) cellMetric(name string, e *robustEval) MetricValue {
	d := e.d
	if len(d.label) == 0 {
		return MetricValue{Name: name, Value: math.NaN(), Low: math.NaN(), High: math.NaN(),
			HigherIsBetter: HigherIsBetter(name), Undefined: undefinedAllExcluded}
	}
	spec, isCal := c.calSpec(name)
	if !isCal {
		mv, _ := c.metric(name, d)
		return mv
	}
	conf, outcome := metrics.Confidences(d.probs, d.k, d.label, spec.TopLabel)
	mv := MetricValue{Name: name, N: len(d.label), Low: math.NaN(), High: math.NaN(), Spec: calSpecMap(spec),
		Value: metrics.CalibrationErrorFromConfidence(conf, outcome, spec, nil).Value}
	if c.cfg.Resamples > 0 && !math.IsNaN(mv.Value) {
		ci := metrics.BootstrapCalibrationCI(conf, outcome, spec, c.cfg.Resamples, c.cfg.Confidence, c.seedFor(name))
		mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
	}
	return mv
}

// outcome is e as the robustness package's worst-case and consistency
// summaries take it.
func (e *robustEval) outcome() robustness.Outcome {
	scored := make([]bool, len(e.rowOf))
	for j := range scored {
		scored[j] = e.scored(j)
	}
	return robustness.Outcome{Pred: e.pred, Correct: e.correct, Scored: scored}
}

func (c *Classifier) cellConsistency(base, e *robustEval) MetricValue {
	mv := MetricValue{Name: SummaryConsistency, HigherIsBetter: true, Low: math.NaN(), High: math.NaN(),
		Spec: map[string]string{"definition": "share of examples whose predicted class equals the clean prediction"}}
	terms, err := robustness.ConsistencyTerms(base.outcome(), e.outcome())
	if err != nil { // cannot happen: both evaluations cover the same positions
		mv.Value, mv.Undefined = math.NaN(), err.Error()
		return mv
	}
	mv.N = len(terms)
	if len(terms) == 0 {
		mv.Value, mv.Undefined = math.NaN(), undefinedAllExcluded
		return mv
	}
	mv.Value = floatMean(terms)
	if c.cfg.Resamples > 0 {
		ci := metrics.BootstrapMeanCI(terms, c.cfg.Resamples, c.cfg.Confidence, c.seedFor(SummaryConsistency))
		mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
	}
	return mv
}

func robustB2F(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// robustSummary computes the summaries and their joint bootstrap intervals.
func (c *Classifier) robustSummary(metric string, set []string, base *robustEval, evals []*robustEval, out *RobustnessScores) ([]MetricValue, error) {
	n := len(base.pred)
	higher := HigherIsBetter(metric)

	// Point values from the cells, through the robustness package.
	valTab := robustness.Table{Clean: out.Clean.Value, Values: map[string][]float64{}}
	eceTab := robustness.Table{Values: map[string][]float64{}}
	weights := make([]float64, len(evals)) // weight of each cell in the corruption mean
	count := map[string]int{}
	for e, ev := range evals {
		if slices.Contains(set, ev.perturbation) {
			valTab.Values[ev.perturbation] = append(valTab.Values[ev.perturbation], out.Cells[e].Value.Value)
			eceTab.Values[ev.perturbation] = append(eceTab.Values[ev.perturbation], out.Cells[e].ECE.Value)
			count[ev.perturbation]++
		}
	}
	for e, ev := range evals {
		if k := count[ev.perturbation]; k > 0 {
			weights[e] = 1 / (float64(len(set)) * float64(k))
		}
	}
	meanCorr, err := valTab.Mean(set)
	if err != nil {
		return nil, fmt.Errorf("robustness: %w", err)
	}
	c0 := *c // point values only; the summaries' intervals come from the joint bootstrap
	c0.cfg.Resamples = 0
	eceClean := c0.cellMetric("ece", base)
	eceMean, err := eceTab.Mean(set)
	if err != nil {
		return nil, fmt.Errorf("robustness: %w", err)
	}
	drop := robustness.DropFrom(out.Clean.Value, meanCorr)
	sign := 1.0
	if !higher {
		sign = -1
	}
	absDrop := sign * drop.Absolute
	relDrop := absDrop / math.Abs(out.Clean.Value)

	// Per-example worst case and consistency (robustness package).
	outs := make([]robustness.Outcome, len(evals))
	for e, ev := range evals {
		outs[e] = ev.outcome()
	}
	per, err := robustness.WorstCaseConsistency(base.outcome(), outs)
	if err != nil {
		return nil, fmt.Errorf("robustness: worst case: %w", err)
	}
	wc := per.WorstCase            // NaN: no valid version
	consNum := per.ConsistentPairs // consistent pairs of example j
	consDen := per.CountedPairs    // counted pairs of example j
	consAll := per.AllConsistent   // 1 if every counted pair is consistent, NaN if none
	wcVal, wcN := robustNanMean(wc, nil)
	consVal := robustRatio(consNum, consDen, nil)
	consAllVal, consAllN := robustNanMean(consAll, nil) // consAllN: examples with a counted pair
	var consPairs float64
	for _, d := range consDen {
		consPairs += d
	}

	mv := func(name string, v float64, higher bool, n int, spec map[string]string) MetricValue {
		m := MetricValue{Name: name, Value: v, N: n, HigherIsBetter: higher, Low: math.NaN(), High: math.NaN(), Spec: spec}
		if math.IsNaN(v) {
			m.Undefined = "a value it depends on is undefined (see the clean value and the cells)"
		}
		return m
	}
	setSpec := strings.Join(set, ",")
	dropDef := "clean − mean_corrupted"
	if !higher {
		dropDef = "mean_corrupted − clean (the metric is lower-is-better; a positive drop is worse)"
	}
	sums := []MetricValue{
		mv(SummaryMeanCorrupted, meanCorr, higher, n, map[string]string{"metric": metric, "corruptions": setSpec,
			"aggregation": "mean over corruptions of the mean over severities"}),
		mv(SummaryAbsoluteDrop, absDrop, false, n, map[string]string{"metric": metric, "definition": dropDef}),
		mv(SummaryRelativeDrop, relDrop, false, n, map[string]string{"metric": metric, "definition": "absolute_drop / |clean|"}),
		mv(SummaryWorstCaseAccuracy, wcVal, true, wcN, map[string]string{"over": "clean and every variant",
			"definition": "mean over examples of the minimum correctness (HELM worst case)"}),
		mv(SummaryConsistency, consVal, true, consAllN, map[string]string{"pairs": strconv.FormatFloat(consPairs, 'f', -1, 64),
			"definition": "share of (example, variant) pairs whose predicted class equals the clean one"}),
		mv(SummaryConsistencyAllVariants, consAllVal, true, consAllN, map[string]string{
			"definition": "share of examples whose predicted class is unchanged under every variant (CheckList INV)"}),
		eceClean,
		mv(SummaryECEMeanCorrupted, eceMean, false, n, map[string]string{"corruptions": setSpec,
			"aggregation": "mean over corruptions of the mean over severities"}),
	}
	sums[6].Name = SummaryECEClean
	for k, v := range eceClean.Spec {
		sums[7].Spec[k] = v
	}
	if out.Clean.Value == 0 {
		sums[2].Value, sums[2].Undefined = math.NaN(), "the clean value is 0"
	}
	if c.cfg.Resamples == 0 {
		return sums, nil
	}

	// One joint bootstrap for every summary.
	cleanStat := c0.sampleStat(metric, base)
	eceCleanStat := c0.sampleStat("ece", base)
	var corrStats, eceStats []sampleStat
	var corrW []float64
	for e, ev := range evals {
		if weights[e] > 0 {
			corrStats = append(corrStats, c0.sampleStat(metric, ev))
			eceStats = append(eceStats, c0.sampleStat("ece", ev))
			corrW = append(corrW, weights[e])
		}
	}
	joint := func(w []float64, sc *robustScratch, dst []float64) {
		var mc, me float64
		for s, st := range corrStats {
			mc += corrW[s] * st(w, sc)
			me += corrW[s] * eceStats[s](w, sc)
		}
		cl := cleanStat(w, sc)
		dst[0] = mc
		dst[1] = sign * (cl - mc)
		dst[2] = dst[1] / math.Abs(cl)
		dst[3], _ = robustNanMean(wc, w)
		dst[4] = robustRatio(consNum, consDen, w)
		dst[5], _ = robustNanMean(consAll, w)
		dst[6] = eceCleanStat(w, sc)
		dst[7] = me
	}
	cis := robustJointBootstrap(n, len(sums), joint, c.cfg.Resamples, c.cfg.Confidence, c.seedFor("robustness\x00summary"))
	for s := range sums {
		if math.IsNaN(sums[s].Value) {
			continue
		}
		ci := cis[s]
		sums[s].Low, sums[s].High, sums[s].Level, sums[s].Resamples, sums[s].Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
	}
	return sums, nil
}

// robustNanMean returns the weighted mean Σ w_j v_j / Σ w_j over the
// positions where v is not NaN (w nil: every weight 1), and how many
// positions with a positive weight were averaged.
func robustNanMean(v, w []float64) (float64, int) {
	var s, tot float64
	var n int
	for j, x := range v {
		wj := 1.0
		if w != nil {
			wj = w[j]
		}
		if wj == 0 || math.IsNaN(x) {
			continue
		}
		s += wj * x
		tot += wj
		n++
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return s / tot, n
}

// robustRatio returns Σ w_j num_j / Σ w_j den_j (w nil: every weight 1).
func robustRatio(num, den, w []float64) float64 {
	var a, b float64
	for j := range num {
		wj := 1.0
		if w != nil {
			wj = w[j]
		}
		a += wj * num[j]
		b += wj * den[j]
	}
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// robustScratch holds one bootstrap worker's buffers.
type robustScratch struct {
	rows            []int
	conf, outcome   []float64
	cnt, csum, asum []float64
}

// sampleStat computes a metric on a bootstrap resample of one evaluation,
// given as w[j], the number of times position j was drawn (positions
// excluded by the invalid policy are skipped); NaN when none is left.
type sampleStat func(w []float64, sc *robustScratch) float64

// sampleStat returns the statistic of one metric on one evaluation. Means
// of per-example terms and equal-width calibration errors are weighted sums
// in one sequential pass; other metrics rebuild the resampled data and call
// the task's metric. c must have Resamples = 0.
func (c *Classifier) sampleStat(name string, e *robustEval) sampleStat {
	d := e.d
	n := len(e.rowOf)
	byPos := func(terms []float64) []float64 {
		out := make([]float64, n)
		for j, r := range e.rowOf {
			if r < 0 {
				out[j] = math.NaN()
			} else {
				out[j] = terms[r]
			}
		}
		return out
	}
	var terms []float64
	switch name {
	case "accuracy":
		terms = make([]float64, len(d.label))
		for r, ok := range d.correct {
			terms[r] = robustB2F(ok)
		}
	case "top2_accuracy", "top5_accuracy":
		topk := 2
		if name == "top5_accuracy" {
			topk = 5
		}
		terms = make([]float64, len(d.label))
		for r := range terms {
			terms[r] = metrics.TopKAccuracy(d.probs[r*d.k:(r+1)*d.k], d.k, d.label[r:r+1], topk, nil)
		}
	case "nll":
		terms = metrics.NLLTerms(nil, d.probs, d.k, d.label)
	case "brier":
		terms = metrics.BrierTerms(nil, d.probs, d.k, d.label)
	}
	if terms != nil {
		t := byPos(terms)
		if robustHasNaN(t) {
			return func(w []float64, _ *robustScratch) float64 {
				v, _ := robustNanMean(t, w)
				return v
			}
		}
		return func(w []float64, _ *robustScratch) float64 {
			var s, tot float64
			for j, x := range t {
				s += w[j] * x
				tot += w[j]
			}
			return s / tot
		}
	}
	if spec, ok := c.calSpec(name); ok {
		return calibrationStat(spec, e)
	}
	return func(w []float64, sc *robustScratch) float64 {
		rows := sc.rows[:0]
		for j, r := range e.rowOf {
			for m := 0; r >= 0 && m < int(w[j]); m++ {
				rows = append(rows, r)
			}
		}
		sc.rows = rows
		if len(rows) == 0 {
			return math.NaN()
		}
		mv, _ := c.metric(name, d.subset(rows))
		return mv.Value
	}
}

// calibrationStat returns the calibration error of the resampled positions.
// With equal-width bins every example keeps its bin in every replicate, so
// the bins are precomputed and a replicate only sums; the value is
// computed as metrics.CalibrationErrorFromConfidence does.
func calibrationStat(spec metrics.CalibrationSpec, e *robustEval) sampleStat {
	d := e.d
	n := len(e.rowOf)
	var conf, outcome []float64
	if len(d.label) > 0 {
		conf, outcome = metrics.Confidences(d.probs, d.k, d.label, spec.TopLabel)
	}
	cp, op := make([]float64, n), make([]float64, n)
	for j, r := range e.rowOf {
		if r >= 0 {
			cp[j], op[j] = conf[r], outcome[r]
		}
	}
	if spec.Binning != metrics.EqualWidth || spec.Edges != metrics.RightClosed || robustHasNaN(conf) {
		return func(w []float64, sc *robustScratch) float64 {
			sc.conf, sc.outcome = sc.conf[:0], sc.outcome[:0]
			for j, r := range e.rowOf {
				for m := 0; r >= 0 && m < int(w[j]); m++ {
					sc.conf = append(sc.conf, cp[j])
					sc.outcome = append(sc.outcome, op[j])
				}
			}
			return metrics.CalibrationErrorFromConfidence(sc.conf, sc.outcome, spec, nil).Value
		}
	}
	edges := metrics.BinEdges(nil, spec.Bins, metrics.EqualWidth)
	nb := len(edges)
	// Positions grouped by bin: order[start[b]:start[b+1]] are bin b's, with
	// their confidences and outcomes alongside, so a replicate sums each bin
	// in registers.
	bin := make([]int, n)
	start := make([]int, nb+1)
	for j := range bin {
		bin[j] = -1
		if e.rowOf[j] >= 0 {
			bin[j] = min(sort.SearchFloat64s(edges, cp[j]), nb-1)
			start[bin[j]+1]++
		}
	}
	for b := range nb {
		start[b+1] += start[b]
	}
	order := make([]int, start[nb])
	confs, outs := make([]float64, start[nb]), make([]float64, start[nb])
	next := slices.Clone(start[:nb])
	for j, b := range bin {
		if b >= 0 {
			order[next[b]], confs[next[b]], outs[next[b]] = j, cp[j], op[j]
			next[b]++
		}
	}
	return func(w []float64, sc *robustScratch) float64 {
		if len(sc.cnt) < nb {
			sc.cnt, sc.csum, sc.asum = make([]float64, nb), make([]float64, nb), make([]float64, nb)
		}
		cnt, csum, asum := sc.cnt[:nb], sc.csum[:nb], sc.asum[:nb]
		for b := range nb {
			var nw, sconf, sout float64
			for k := start[b]; k < start[b+1]; k++ {
				wj := w[order[k]]
				nw += wj
				sconf += wj * confs[k]
				sout += wj * outs[k]
			}
			cnt[b], csum[b], asum[b] = nw, sconf, sout
		}
		var tot float64
		for _, c := range cnt {
			tot += c
		}
		if !(tot > 0) {
			return math.NaN()
		}
		var v float64
		for b, c := range cnt {
			if c == 0 {
				continue
			}
			gap := math.Abs(asum[b]/c - csum[b]/c)
			switch spec.Norm {
			case metrics.L1:
				v += c / tot * gap
			case metrics.L2:
				v += c / tot * gap * gap
			default: // metrics.Max
				v = math.Max(v, gap)
			}
		}
		if spec.Norm == metrics.L2 {
			v = math.Sqrt(v)
		}
		return v
	}
}

func robustHasNaN(v []float64) bool {
	return slices.ContainsFunc(v, math.IsNaN)
}

// robustJointBootstrap is metrics.BootstrapCI for several statistics
// computed on the same replicates: replicate r draws n indices with a PCG
// generator seeded with (seed, r), exactly as metrics.BootstrapCI, and
// stats writes every statistic of that draw into dst, given w[j], the
// number of times index j was drawn (a statistic of a multiset does not
// depend on the order of the draw). Each interval is the percentile
// interval (linear interpolation) of its finite replicates.
func robustJointBootstrap(n, nstats int, stats func(w []float64, sc *robustScratch, dst []float64), resamples int, level float64, seed uint64) []metrics.CI {
	reps := make([][]float64, nstats)
	for s := range reps {
		reps[s] = make([]float64, resamples)
	}
	workers := min(runtime.GOMAXPROCS(0), resamples)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts := make([]float64, n)
			dst := make([]float64, nstats)
			sc := &robustScratch{}
			for r := w; r < resamples; r += workers {
				rng := rand.New(rand.NewPCG(seed, uint64(r)))
				clear(counts)
				for range n {
					counts[rng.IntN(n)]++
				}
				stats(counts, sc, dst)
				for s, v := range dst {
					reps[s][r] = v
				}
			}
		}()
	}
	wg.Wait()
	out := make([]metrics.CI, nstats)
	for s, rs := range reps {
		out[s] = robustPercentileCI(rs, level)
	}
	return out
}

// robustPercentileCI is metrics.PercentileCI of the finite replicates (an
// infinite replicate is dropped like a NaN one).
func robustPercentileCI(reps []float64, level float64) metrics.CI {
	v := make([]float64, 0, len(reps))
	for _, x := range reps {
		if !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	return metrics.PercentileCI(v, level)
}

// CorruptionError returns the corruption errors of Hendrycks & Dietterich
// (2019) of a model against a baseline model, from the error rates
// E = 1 − accuracy of their cells (both must have Metric "accuracy"):
//
//	CE_c  = Σ_s E_{s,c} / Σ_s E^base_{s,c}
//	mCE   = mean_c CE_c
//	relative mCE = mean_c Σ_s (E_{s,c} − E_clean) / Σ_s (E^base_{s,c} − E^base_clean)
//
// over the model's corruption set; each corruption must be in the baseline
// with the same severities. ce maps each corruption to CE_c. 1 means as
// robust as the baseline; ImageNet-C papers print mCE ×100. A zero
// baseline denominator or an undefined cell is an error naming it.
func CorruptionError(model, baseline *RobustnessScores) (ce map[string]float64, mce, relMCE float64, err error) {
	if model == nil || baseline == nil {
		return nil, 0, 0, errors.New("mce: model or baseline robustness scores missing")
	}
	for _, s := range []struct {
		who string
		r   *RobustnessScores
	}{{"model", model}, {"baseline", baseline}} {
		if s.r.Metric != "accuracy" {
			return nil, 0, 0, fmt.Errorf("mce: the %s's robustness metric is %q; mCE needs accuracy cells (error = 1 − accuracy)", s.who, s.r.Metric)
		}
		if math.IsNaN(s.r.Clean.Value) {
			return nil, 0, 0, fmt.Errorf("mce: the %s's clean accuracy is undefined", s.who)
		}
	}
	set := model.Corruptions
	if len(set) == 0 {
		for _, c := range model.Cells {
			if !slices.Contains(set, c.Perturbation) {
				set = append(set, c.Perturbation)
			}
		}
	}
	mt := robustness.Table{Clean: 1 - model.Clean.Value, Values: map[string][]float64{}}
	bt := robustness.Table{Clean: 1 - baseline.Clean.Value, Values: map[string][]float64{}}
	for _, name := range set {
		ms, err := cellErrors(model, name, "model")
		if err != nil {
			return nil, 0, 0, err
		}
		bs, err := cellErrors(baseline, name, "baseline")
		if err != nil {
			return nil, 0, 0, err
		}
		if !slices.Equal(ms.sev, bs.sev) {
			return nil, 0, 0, fmt.Errorf("mce: corruption %q has severities %v for the model and %v for the baseline", name, ms.sev, bs.sev)
		}
		mt.Values[name], bt.Values[name] = ms.err, bs.err
	}
	res, err := robustness.MCE(mt, bt)
	if err != nil {
		return nil, 0, 0, err
	}
	return res.CE, res.MCE, res.RelativeMCE, nil
}

// PublishedCorruptionError is CorruptionError against published baseline
// errors (robustness.MCEPublished) instead of a baseline model: the model's
// error rates E = 1 − accuracy of its cells over its corruption set, which
// must have severities 1–5 each. relMCE is NaN when base.Clean is NaN.
func PublishedCorruptionError(model *RobustnessScores, base robustness.PublishedBaseline) (ce map[string]float64, mce, relMCE float64, err error) {
	if model == nil {
		return nil, 0, 0, errors.New("mce: model robustness scores missing")
	}
	if model.Metric != "accuracy" {
		return nil, 0, 0, fmt.Errorf("mce: the robustness metric is %q; mCE needs accuracy cells (error = 1 − accuracy)", model.Metric)
	}
	if math.IsNaN(model.Clean.Value) {
		return nil, 0, 0, errors.New("mce: the clean accuracy is undefined")
	}
	mt := robustness.Table{Clean: 1 - model.Clean.Value, Values: map[string][]float64{}}
	for _, name := range model.Corruptions {
		ms, err := cellErrors(model, name, "model")
		if err != nil {
			return nil, 0, 0, err
		}
		if !slices.Equal(ms.sev, []int{1, 2, 3, 4, 5}) {
			return nil, 0, 0, fmt.Errorf("mce: corruption %q was evaluated at severities %v; published baseline errors are over severities 1–5, so all five are needed", name, ms.sev)
		}
		mt.Values[name] = ms.err
	}
	res, err := robustness.MCEPublished(mt, base)
	if err != nil {
		return nil, 0, 0, err
	}
	return res.CE, res.MCE, res.RelativeMCE, nil
}

type sevErrors struct {
	sev []int
	err []float64
}

// cellErrors returns the severities and error rates of one corruption,
// in severity order (Cells are sorted).
func cellErrors(r *RobustnessScores, name, who string) (sevErrors, error) {
	var out sevErrors
	for _, c := range r.Cells {
		if c.Perturbation != name {
			continue
		}
		if math.IsNaN(c.Value.Value) {
			return out, fmt.Errorf("mce: the %s's accuracy on %s@%d is undefined", who, name, c.Severity)
		}
		out.sev = append(out.sev, c.Severity)
		out.err = append(out.err, 1-c.Value.Value)
	}
	if len(out.sev) == 0 {
		var have []string
		for _, c := range r.Cells {
			if !slices.Contains(have, c.Perturbation) {
				have = append(have, c.Perturbation)
			}
		}
		return out, fmt.Errorf("mce: corruption %q missing from the %s (it has %s)", name, who, strings.Join(have, ", "))
	}
	return out, nil
}

// ShiftPoint is one model's accuracy in distribution (ID) and on an
// out-of-distribution shift (OOD), both in (0, 1).
type ShiftPoint struct {
	Model   string
	ID, OOD float64
}

// EffectiveRobustness fits the line of Taori et al. (2020) across the
// suite's models,
//
//	logit(OOD) ≈ slope·logit(ID) + intercept,  logit(p) = ln(p/(1−p)),
//
// by least squares, and returns each model's effective robustness, its OOD
// accuracy above the line:
//
//	ER = OOD − σ(slope·logit(ID) + intercept),  σ(z) = 1/(1+e^−z)
//
// It needs at least 2 models with distinct names, accuracies strictly
// between 0 and 1 and at least two distinct ID accuracies. The line is
// fitted on the same models it scores, so with few models the fit is weak:
// with 2 models it passes through both and every residual is 0, and with a
// handful one model can move the line. Taori et al. fit it on about 200
// models; read residuals from a small suite as descriptive, not as a test.
func EffectiveRobustness(points []ShiftPoint) (residuals map[string]float64, slope, intercept float64, err error) {
	if len(points) < 2 {
		return nil, 0, 0, fmt.Errorf("effective robustness: need at least 2 models, have %d", len(points))
	}
	id, ood := make([]float64, len(points)), make([]float64, len(points))
	seen := map[string]bool{}
	for i, p := range points {
		if seen[p.Model] {
			return nil, 0, 0, fmt.Errorf("effective robustness: model %q given twice", p.Model)
		}
		seen[p.Model] = true
		if !(p.ID > 0 && p.ID < 1) || !(p.OOD > 0 && p.OOD < 1) {
			return nil, 0, 0, fmt.Errorf("effective robustness: model %q has ID accuracy %v and OOD accuracy %v; both must be strictly between 0 and 1 (logit is infinite at 0 and 1)", p.Model, p.ID, p.OOD)
		}
		id[i], ood[i] = p.ID, p.OOD
	}
	er, fit, err := robustness.EffectiveRobustness(id, ood)
	if err != nil {
		return nil, 0, 0, err
	}
	residuals = make(map[string]float64, len(points))
	for i, p := range points {
		residuals[p.Model] = er[i]
	}
	return residuals, fit.Slope, fit.Intercept, nil
}
