// Package fairness computes group fairness figures, counterfactual flip rates
// and intrinsic bias statistics on plain data (indices, labels, predictions,
// strings, feature rows and embedding vectors).
//
// # Group metrics
//
// [Compute] disaggregates any number of metrics over one or more group
// attributes in the manner of fairlearn's MetricFrame (fairlearn
// metrics/_metric_frame.py; Bird et al. 2020, "Fairlearn: A toolkit for
// assessing and improving fairness in AI"): the overall value, the value and
// size of every group (optionally with a seeded percentile bootstrap
// interval), the intersection of several attributes when asked, the group
// minimum and maximum, the worst and best group (respecting whether higher is
// better), and the four fairlearn disparities:
//
//	difference, between_groups = max_g m(g) − min_g m(g)
//	difference, to_overall     = max_g |m(g) − m(all)|
//	ratio, between_groups      = min_g m(g) / max_g m(g)
//	ratio, to_overall          = min_g min(m(g)/m(all), m(all)/m(g))
//
// Metrics are callbacks over example indices ([Metric]), so this package does
// not depend on how a metric is computed. [Accuracy] adapts
// metrics.Accuracy, and intervals come from metrics.BootstrapCI
// ([PercentileInterval]). [SelectionRate], [TruePositiveRate] and
// [FalsePositiveRate] stay local: the metrics package has no selection
// rate, and its recall is 0, not undefined, when a class is absent.
//
// # Rules
//
//   - Undefined values are NaN and always carry a reason ([Value]); they never
//     panic and never silently become 0 (fairlearn turns a 0/0 TPR into 0 via
//     scikit-learn's confusion_matrix(normalize="true"); evalctl reports NaN).
//   - Groups smaller than [Options].MinGroupSize are reported but flagged and,
//     unless [Options].IncludeSmallGroups is set, left out of the summaries.
//     Groups whose value is NaN are always left out of the summaries, as
//     pandas' skipna does in fairlearn.
//   - Empty groups (an intersection no example falls in) are reported with
//     n = 0 and a NaN value.
//   - If weights is nil, all weights are 1.
//   - Caller mistakes that depend on the input data (length mismatches,
//     unknown values, empty sets) are returned as errors naming the input;
//     nothing in this package panics on bad input.
//
// # Fairness criteria
//
// [BinaryCriteria] gives demographic parity, equalized odds and equal
// opportunity differences and ratios with fairlearn's definitions (Hardt et
// al. 2016 for equalized odds and equal opportunity); [MulticlassCriteria]
// applies them one-vs-rest per class; [CalibrationGap] reports the spread of
// a caller-computed per-group calibration error.
//
// [BinaryReport.ByMethod] picks fairlearn's method (between_groups or
// to_overall, [Resolve] applies the defaults) and [Criteria.Values] the
// equalized-odds aggregation (agg worst_case or mean), in [CriterionNames]
// order.
//
// # Gap intervals
//
// A gap's bootstrap interval needs the gap as a statistic of a resample of
// all examples. [Members] gives each group's examples; [Spread] recomputes
// any [Metric] per group on a resample (the difference between the full
// sample's extreme groups held fixed, [Spread.PairDifference], or
// re-chosen, [Spread.Difference]); for accuracy and the binary rates,
// [TallyCells] and [CellMetric] read the groups' values from cell counts,
// which metrics.BootstrapConfusionCIs resamples as one multinomial draw per
// replicate, and [CriteriaStats] gives the six criteria in that form.
//
// # Counterfactual fairness
//
// [FlipRates] and [MetricChange] compare predictions on original inputs
// with predictions on counterfactual copies in which a protected attribute
// was substituted (Kusner et al. 2017; Garg et al. 2019). [SwapOneHot],
// [SwapCode] and [TextSubstituter] build those copies without a model.
//
// # Intrinsic bias
//
// [WEAT] computes the WEAT/SEAT effect size and permutation p-value
// (Caliskan et al. 2017; May et al. 2019) with the semantics of
// W4ngatang/sent-bias sentbias/weat.py. [PairPreference] computes the
// CrowS-Pairs preference rate and lm-evaluation-harness' likelihood_diff
// (Nangia et al. 2020).
package fairness
