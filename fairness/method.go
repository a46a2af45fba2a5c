package fairness

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
