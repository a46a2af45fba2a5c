package fairness

// Agg is how the TPR and FPR parts of equalized odds are combined, as
// fairlearn's agg argument of equalized_odds_difference/_ratio.
type Agg string

const (
	// WorstCase takes the larger difference (the smaller ratio); fairlearn's
	// default.
	WorstCase Agg = "worst_case"
	// Mean takes the mean of the two differences (of the two ratios).
	Mean Agg = "mean"
)

// EqualizedOdds combines the TPR and FPR parts of equalized odds as
// fairlearn (fairlearn/metrics/_fairness_metrics.py): for differences,
// max(tpr, fpr) under WorstCase and (tpr + fpr)/2 under Mean; for ratios
// (ratio true), min(tpr, fpr) and (tpr + fpr)/2. It is undefined, with the
// reason, when either part is.
func EqualizedOdds(tpr, fpr Value, agg Agg, ratio bool) Value {
	switch {
	case !tpr.Defined():
		return Undefined("TPR part undefined: " + tpr.Reason)
	case !fpr.Defined():
		return Undefined("FPR part undefined: " + fpr.Reason)
	}
	if agg == Mean {
		return Value{V: (tpr.V + fpr.V) / 2}
	}
	if ratio {
		return Value{V: min(tpr.V, fpr.V)}
	}
	return Value{V: max(tpr.V, fpr.V)}
}
