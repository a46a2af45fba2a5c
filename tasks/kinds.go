package tasks

import (
	"sort"
	"strconv"
	"strings"
)

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
			"brier_binary", "ece_binary", "rms_ce_binary", "mce_binary", "ece_10_bin",
			"precision", "recall", "f1", "precision_micro", "precision_macro", "precision_weighted",
			"recall_micro", "recall_macro", "recall_weighted", "f1_micro", "f1_macro", "f1_weighted",
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

// ValidMetric reports whether a task kind can report metric name: a listed
// name, or for classification "selective_acc@P", the accuracy of the P% most
// confident predictions (0 < P <= 100; HELM reports P = 10), or
// "precision@CLASS", "recall@CLASS", "f1@CLASS", the figure of one class
// (the class name is checked when scoring).
func ValidMetric(kind, name string) bool {
	known, ok := Metrics(kind)
	if !ok {
		return false
	}
	for _, m := range known {
		if m == name {
			return true
		}
	}
	_, isCov := selectiveCoverage(name)
	_, _, class, isPRF := prfMetric(name)
	return Kind(kind) == Classification && (isCov || (isPRF && class != ""))
}

// selectiveCoverage parses "selective_acc@P" into the coverage P/100.
func selectiveCoverage(name string) (float64, bool) {
	rest, ok := strings.CutPrefix(name, "selective_acc@")
	if !ok {
		return 0, false
	}
	p, err := strconv.ParseFloat(rest, 64)
	if err != nil || !(p > 0 && p <= 100) {
		return 0, false
	}
	return p / 100, true
}

// DefaultMetrics returns the metrics reported when a task lists none.
func DefaultMetrics(kind string) []string { return kinds[Kind(kind)].defaults }
