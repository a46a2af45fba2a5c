package tasks

import "sort"

// Kind names a task kind as written in suites.
type Kind string

// The task kinds.
const (
	// Classification scores class probabilities (or logits) against labels.
	Classification Kind = "classification"
)

// kindInfo is the static description of one task kind.
type kindInfo struct {
	metrics  []string
	defaults []string
}

var kinds = map[Kind]kindInfo{
	Classification: {
		metrics: []string{
			"accuracy", "balanced_accuracy", "top2_accuracy", "top5_accuracy",
			"macro_f1", "micro_f1", "mcc", "auroc", "average_precision",
			"nll", "brier", "ece", "ece_adaptive", "rms_ce", "mce", "classwise_ece",
			"aurc", "selective_acc@10",
		},
		defaults: []string{"accuracy", "macro_f1", "nll", "brier", "ece"},
	},
}

// Kinds returns the known task kinds, sorted.
func Kinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// Metrics returns the metric names a task kind can report, and whether the
// kind exists.
func Metrics(kind string) ([]string, bool) {
	k, ok := kinds[Kind(kind)]
	return k.metrics, ok
}

// DefaultMetrics returns the metrics reported when a task lists none.
func DefaultMetrics(kind string) []string { return kinds[Kind(kind)].defaults }
