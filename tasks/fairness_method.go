package tasks

import "github.com/evalctl/evalctl/fairness"

// criteriaMethod resolves FairnessConfig's method and agg (defaults
// between_groups and worst_case, as fairlearn) and picks the criteria of
// that method from rep.
func criteriaMethod(cfg FairnessConfig, rep *fairness.BinaryReport) (method fairness.Method, agg fairness.Agg, list []fairness.Criteria) {
	agg = cfg.Agg
	if agg == "" {
		agg = fairness.WorstCase
	}
	switch cfg.Method {
	case fairness.MethodToOverall:
		return fairness.MethodToOverall, agg, rep.ToOverall
	default:
		return fairness.MethodBetweenGroups, agg, rep.BetweenGroups
	}
}

func meanOf(a, b float64) float64 { return (a + b) / 2 }
