package tasks

import "github.com/evalctl/evalctl/fairness"

// criteriaMethod resolves FairnessConfig's method and agg (defaults
// between_groups and worst_case, as fairlearn) and picks the criteria of
// that method from rep.
func criteriaMethod(cfg FairnessConfig, rep *fairness.BinaryReport) (method string, agg fairness.Agg, list []fairness.Criteria) {
	agg = cfg.Agg
	if agg == "" {
		agg = fairness.WorstCase
	}
	if cfg.Method == "to_overall" {
		return "to_overall", agg, rep.ToOverall
	}
	return "between_groups", agg, rep.BetweenGroups
}

func meanOf(a, b float64) float64 { return (a + b) / 2 }
