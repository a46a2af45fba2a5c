package fairness

import (
	"fmt"
	"math"

	"github.com/evalctl/evalctl/metrics"
)

// Metric names used by [BinaryCriteria] and [MulticlassCriteria].
const (
	NameSelectionRate     = "selection_rate"
	NameTruePositiveRate  = "true_positive_rate"
	NameFalsePositiveRate = "false_positive_rate"
	NameAccuracy          = "accuracy"
)

// Confusion holds weighted confusion counts for a binary task whose
// positive label is 1 (any other label is negative).
type Confusion struct {
	TP, FP, TN, FN float64
}

// ConfusionCounts sums weights into confusion cells over the examples idx:
//
//	TP = Σ w_i [y_i = 1][ŷ_i = 1]   FN = Σ w_i [y_i = 1][ŷ_i ≠ 1]
//	FP = Σ w_i [y_i ≠ 1][ŷ_i = 1]   TN = Σ w_i [y_i ≠ 1][ŷ_i ≠ 1]
//
// If weights is nil, all weights are 1. An index outside label, pred or
// weights is an error.
func ConfusionCounts(label, pred []int, weights []float64, idx []int) (Confusion, error) {
	var c Confusion
	for _, i := range idx {
		if i < 0 || i >= len(label) || i >= len(pred) || (weights != nil && i >= len(weights)) {
			return c, fmt.Errorf("fairness: example index %d out of range (labels %d, predictions %d, weights %d)", i, len(label), len(pred), len(weights))
		}
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		switch {
		case label[i] == 1 && pred[i] == 1:
			c.TP += w
		case label[i] == 1:
			c.FN += w
		case pred[i] == 1:
			c.FP += w
		default:
			c.TN += w
		}
	}
	return c, nil
}

// SelectionRate returns (TP + FP) / (TP + FP + TN + FN), undefined when the
// total is 0.
func (c Confusion) SelectionRate() Value {
	return ratioOf(c.TP+c.FP, c.TP+c.FP+c.TN+c.FN, "total weight is 0")
}

// TruePositiveRate returns TP / (TP + FN), undefined when there is no
// positive example.
func (c Confusion) TruePositiveRate() Value {
	return ratioOf(c.TP, c.TP+c.FN, "no positive examples (label 1)")
}

// FalsePositiveRate returns FP / (FP + TN), undefined when there is no
// negative example.
func (c Confusion) FalsePositiveRate() Value {
	return ratioOf(c.FP, c.FP+c.TN, "no negative examples (label 0)")
}

func ratioOf(num, den float64, zero string) Value {
	if den == 0 {
		return Undefined(zero)
	}
	return Value{V: num / den}
}

// rateMetric builds a Metric from a rate of the confusion counts.
func rateMetric(label, pred []int, weights []float64, rate func(c Confusion) Value) Metric {
	return func(idx []int) Value {
		if len(idx) == 0 {
			return Undefined("empty group")
		}
		c, err := ConfusionCounts(label, pred, weights, idx)
		if err != nil {
			return Undefined(err.Error())
		}
		return rate(c)
	}
}

// SelectionRate is fairlearn's selection_rate with pos_label 1:
//
//	P_w(ŷ = 1) = Σ w_i [ŷ_i = 1] / Σ w_i
//
// It is undefined when the total weight is 0. If weights is nil, all
// weights are 1. pred stands in for label in the confusion counts, so the
// label is not needed.
func SelectionRate(pred []int, weights []float64) Metric {
	return rateMetric(pred, pred, weights, Confusion.SelectionRate)
}

// TruePositiveRate is fairlearn's true_positive_rate (recall):
//
//	TPR = TP / (TP + FN)
//
// It is undefined, not 0 as in fairlearn, when the group has no positive
// examples. If weights is nil, all weights are 1.
func TruePositiveRate(label, pred []int, weights []float64) Metric {
	return rateMetric(label, pred, weights, Confusion.TruePositiveRate)
}

// FalsePositiveRate is fairlearn's false_positive_rate:
//
//	FPR = FP / (FP + TN)
//
// It is undefined, not 0 as in fairlearn, when the group has no negative
// examples. If weights is nil, all weights are 1.
func FalsePositiveRate(label, pred []int, weights []float64) Metric {
	return rateMetric(label, pred, weights, Confusion.FalsePositiveRate)
}

// Accuracy adapts [metrics.Accuracy] to a [Metric] over example indices:
//
//	acc = Σ w_i [ŷ_i = y_i] / Σ w_i
//
// for any number of classes. It is undefined for an empty group, an index
// outside label, pred or weights, or a total weight of 0. If weights is
// nil, all weights are 1.
func Accuracy(label, pred []int, weights []float64) Metric {
	return func(idx []int) Value {
		if len(idx) == 0 {
			return Undefined("empty group")
		}
		l, p := make([]int, len(idx)), make([]int, len(idx))
		var w []float64
		if weights != nil {
			w = make([]float64, len(idx))
		}
		for j, i := range idx {
			if i < 0 || i >= len(label) || i >= len(pred) || (weights != nil && i >= len(weights)) {
				return Undefined(fmt.Sprintf("example index %d out of range", i))
			}
			l[j], p[j] = label[i], pred[i]
			if w != nil {
				w[j] = weights[i]
			}
		}
		v := metrics.Accuracy(p, l, w)
		if math.IsNaN(v) {
			return Undefined("total weight is 0")
		}
		return Value{V: v}
	}
}

// Criteria holds the fairlearn fairness criteria for one breakdown
// (one attribute or one intersection) and one aggregation method.
type Criteria struct {
	Attribute string
	// DemographicParityDifference and Ratio are the difference and ratio
	// of selection rates (fairlearn demographic_parity_difference/_ratio).
	DemographicParityDifference, DemographicParityRatio Value
	// EqualizedOddsDifference = max(TPR difference, FPR difference) and
	// EqualizedOddsRatio = min(TPR ratio, FPR ratio): fairlearn
	// equalized_odds_difference/_ratio with agg="worst_case" (Hardt et al.
	// 2016). Undefined when either part is undefined.
	EqualizedOddsDifference, EqualizedOddsRatio Value
	// EqualizedOddsDifferenceMean and EqualizedOddsRatioMean are the same
	// with agg="mean": the mean of the TPR and FPR parts.
	EqualizedOddsDifferenceMean, EqualizedOddsRatioMean Value
	// EqualOpportunityDifference and Ratio compare TPRs (fairlearn
	// equal_opportunity_difference/_ratio; Hardt et al. 2016).
	EqualOpportunityDifference, EqualOpportunityRatio Value
}

// BinaryReport is the result of [BinaryCriteria].
type BinaryReport struct {
	// Frame holds selection_rate, true_positive_rate and
	// false_positive_rate overall and per group (with intervals if asked).
	Frame *Frame
	// BetweenGroups uses method="between_groups" (max − min, min / max);
	// ToOverall uses method="to_overall". One entry per breakdown.
	BetweenGroups, ToOverall []Criteria
}

// BinaryCriteria computes fairlearn's binary fairness criteria for every
// attribute (and their intersection if opts.Intersect): demographic parity,
// equalized odds (agg="worst_case") and equal opportunity, each as a
// difference and a ratio, by both methods. Labels and predictions must be
// 0 or 1 (positive label 1); weights must be finite and non-negative. If
// weights is nil, all weights are 1.
//
// Selection rate and TPR are treated as higher-is-better and FPR as
// lower-is-better when choosing worst and best groups; the criteria do not
// depend on that choice.
func BinaryCriteria(label, pred []int, weights []float64, attrs []Attribute, opts Options) (*BinaryReport, error) {
	if err := checkBinaryInputs(label, pred, weights, attrs, 2); err != nil {
		return nil, err
	}
	f, err := Compute(attrs, []Spec{
		{Name: NameSelectionRate, Fn: SelectionRate(pred, weights), HigherIsBetter: true},
		{Name: NameTruePositiveRate, Fn: TruePositiveRate(label, pred, weights), HigherIsBetter: true},
		{Name: NameFalsePositiveRate, Fn: FalsePositiveRate(label, pred, weights), HigherIsBetter: false},
	}, opts)
	if err != nil {
		return nil, err
	}
	r := &BinaryReport{Frame: f}
	sel, tpr, fpr := f.Metric(NameSelectionRate), f.Metric(NameTruePositiveRate), f.Metric(NameFalsePositiveRate)
	for k := range sel.Breakdowns {
		s, t, p := sel.Breakdowns[k], tpr.Breakdowns[k], fpr.Breakdowns[k]
		r.BetweenGroups = append(r.BetweenGroups, Criteria{
			Attribute:                   s.Attribute,
			DemographicParityDifference: s.DifferenceBetween,
			DemographicParityRatio:      s.RatioBetween,
			EqualizedOddsDifference:     worst(t.DifferenceBetween, p.DifferenceBetween, math.Max),
			EqualizedOddsRatio:          worst(t.RatioBetween, p.RatioBetween, math.Min),
			EqualOpportunityDifference:  t.DifferenceBetween,
			EqualOpportunityRatio:       t.RatioBetween,
			EqualizedOddsDifferenceMean: EqualizedOdds(t.DifferenceBetween, p.DifferenceBetween, Mean, false),
			EqualizedOddsRatioMean:      EqualizedOdds(t.RatioBetween, p.RatioBetween, Mean, true),
		})
		r.ToOverall = append(r.ToOverall, Criteria{
			Attribute:                   s.Attribute,
			DemographicParityDifference: s.DifferenceToOverall,
			DemographicParityRatio:      s.RatioToOverall,
			EqualizedOddsDifference:     worst(t.DifferenceToOverall, p.DifferenceToOverall, math.Max),
			EqualizedOddsRatio:          worst(t.RatioToOverall, p.RatioToOverall, math.Min),
			EqualOpportunityDifference:  t.DifferenceToOverall,
			EqualOpportunityRatio:       t.RatioToOverall,
			EqualizedOddsDifferenceMean: EqualizedOdds(t.DifferenceToOverall, p.DifferenceToOverall, Mean, false),
			EqualizedOddsRatioMean:      EqualizedOdds(t.RatioToOverall, p.RatioToOverall, Mean, true),
		})
	}
	return r, nil
}

// worst combines the TPR and FPR parts of equalized odds.
func worst(tpr, fpr Value, pick func(a, b float64) float64) Value {
	switch {
	case !tpr.Defined():
		return Undefined("TPR part undefined: " + tpr.Reason)
	case !fpr.Defined():
		return Undefined("FPR part undefined: " + fpr.Reason)
	}
	return Value{V: pick(tpr.V, fpr.V)}
}

// checkBinaryInputs validates lengths, label range [0, classes) and weights.
func checkBinaryInputs(label, pred []int, weights []float64, attrs []Attribute, classes int) error {
	n, err := checkAttributes(attrs)
	if err != nil {
		return err
	}
	if len(label) != n || len(pred) != n {
		return fmt.Errorf("fairness: %d labels and %d predictions for %d group labels", len(label), len(pred), n)
	}
	if weights != nil && len(weights) != n {
		return fmt.Errorf("fairness: %d weights for %d examples", len(weights), n)
	}
	for i := 0; i < n; i++ {
		if label[i] < 0 || label[i] >= classes {
			return fmt.Errorf("fairness: example %d: label %d not in [0, %d)", i, label[i], classes)
		}
		if pred[i] < 0 || pred[i] >= classes {
			return fmt.Errorf("fairness: example %d: prediction %d not in [0, %d)", i, pred[i], classes)
		}
		if weights != nil && (weights[i] < 0 || math.IsNaN(weights[i]) || math.IsInf(weights[i], 0)) {
			return fmt.Errorf("fairness: example %d: weight %v is not finite and non-negative", i, weights[i])
		}
	}
	return nil
}
