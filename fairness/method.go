package fairness

import (
	"math"
	"slices"
)

// Method is how a criterion compares the groups, as fairlearn's method
// argument of demographic_parity_difference and the like.
type Method string

const (
	// MethodBetweenGroups compares the groups with each other: max − min
	// for a difference, min / max for a ratio; fairlearn's default.
	MethodBetweenGroups Method = "between_groups"
	// MethodToOverall compares each group with the overall value: the
	// largest gap to it, the smallest ratio with it.
	MethodToOverall Method = "to_overall"
)

// Methods lists the methods, the default first.
func Methods() []Method { return []Method{MethodBetweenGroups, MethodToOverall} }

// Aggs lists the ways to combine equalized odds' parts, the default first.
func Aggs() []Agg { return []Agg{WorstCase, Mean} }

// Resolve returns method and agg with fairlearn's defaults in place of
// empty values: MethodBetweenGroups and WorstCase.
func Resolve(method Method, agg Agg) (Method, Agg) {
	if method != MethodToOverall {
		method = MethodBetweenGroups
	}
	if agg == "" {
		agg = WorstCase
	}
	return method, agg
}

// ByMethod returns the criteria of method, one per breakdown:
// r.ToOverall for MethodToOverall, r.BetweenGroups otherwise.
func (r *BinaryReport) ByMethod(method Method) []Criteria {
	if method == MethodToOverall {
		return r.ToOverall
	}
	return r.BetweenGroups
}

// criterionNames are the six fairlearn criteria, in report order.
var criterionNames = []string{
	"demographic_parity_difference", "demographic_parity_ratio",
	"equalized_odds_difference", "equalized_odds_ratio",
	"equal_opportunity_difference", "equal_opportunity_ratio",
}

// CriterionNames returns the names of the six fairlearn criteria in the
// order of [Criteria.Values] and [CriteriaStats]: demographic parity,
// equalized odds and equal opportunity, each a difference then a ratio.
func CriterionNames() []string { return slices.Clone(criterionNames) }

// Values returns c's six criteria in [CriterionNames] order, equalized odds
// combined by agg (WorstCase when empty).
func (c Criteria) Values(agg Agg) []Value {
	v := []Value{
		c.DemographicParityDifference, c.DemographicParityRatio,
		c.EqualizedOddsDifference, c.EqualizedOddsRatio,
		c.EqualOpportunityDifference, c.EqualOpportunityRatio,
	}
	if agg == Mean {
		v[2], v[3] = c.EqualizedOddsDifferenceMean, c.EqualizedOddsRatioMean
	}
	return v
}

// CriteriaStats returns the six criteria of method between_groups in
// [CriterionNames] order as statistics of a replicate's confusion cells
// ([Cells].Bootstrap over the selection-rate breakdown's cells): sel, tpr
// and fpr are the [RateCells] of the selection rate, TPR and FPR
// breakdowns, and equalized odds combines the TPR and FPR parts by agg as
// [EqualizedOdds] does (undefined when either part is).
func CriteriaStats(sel, tpr, fpr *CellMetric, agg Agg) []func([]float64, int) float64 {
	eoDiff, eoRatio := math.Max, math.Min
	if agg == Mean {
		eoDiff, eoRatio = meanOf, meanOf
	}
	return []func([]float64, int) float64{
		sel.Difference, sel.Ratio,
		func(cm []float64, k int) float64 {
			return nanPick(tpr.Difference(cm, k), fpr.Difference(cm, k), eoDiff)
		},
		func(cm []float64, k int) float64 { return nanPick(tpr.Ratio(cm, k), fpr.Ratio(cm, k), eoRatio) },
		tpr.Difference, tpr.Ratio,
	}
}

func meanOf(a, b float64) float64 { return (a + b) / 2 }

// nanPick combines two figures with pick, NaN if either is NaN.
func nanPick(a, b float64, pick func(a, b float64) float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return pick(a, b)
}
