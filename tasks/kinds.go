package tasks

import (
	"slices"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/metrics"
)

// Kind names a task kind as written in suites.
type Kind string

// The task kinds.
const (
	// Classification scores class probabilities (or logits) against labels.
	Classification Kind = "classification"
)

// kindInfo is the static description of one task kind. The metrics a kind
// can report are those whose entry in the metric table (metrics/table.go)
// names the kind.
type kindInfo struct {
	defaults []string
}

var kinds = map[Kind]kindInfo{
	Classification: {defaults: []string{"accuracy", "macro_f1", "nll", "brier", "ece"}},
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

// Metrics returns the metric names a task kind can report (from the metric
// table, in its order), and whether the kind exists.
func Metrics(kind string) ([]string, bool) {
	if _, ok := kinds[Kind(kind)]; !ok {
		return nil, false
	}
	return metrics.ForKind(kind, metrics.ScopeTask), true
}

// ValidMetric reports whether a task kind can report metric name: a name,
// alias or family member (such as "selective_acc@P", the accuracy of the P%
// most confident predictions) whose table entry names the kind, or for
// classification "precision@CLASS", "recall@CLASS", "f1@CLASS", the figure
// of one class (the class name is checked when scoring).
func ValidMetric(kind, name string) bool {
	if _, ok := kinds[Kind(kind)]; !ok {
		return false
	}
	if metrics.Valid(kind, metrics.ScopeTask, name) {
		return true
	}
	_, _, class, isPRF := prfMetric(name)
	return Kind(kind) == Classification && isPRF && class != ""
}

// selectiveCoverage parses "selective_acc@P" into the coverage P/100.
func selectiveCoverage(name string) (float64, bool) {
	rest, ok := strings.CutPrefix(name, "selective_acc@")
	if !ok {
		return 0, false
	}
	m, _, known := metrics.Lookup(name)
	p, valid := m.ParseParam(rest)
	if !known || !valid {
		return 0, false
	}
	return p / 100, true
}

// DefaultMetrics returns the metrics reported when a task lists none, as a
// fresh slice the caller may change: suites canonicalise their task's metric
// names in place, and concurrent loads must not write to one shared list.
func DefaultMetrics(kind string) []string { return slices.Clone(kinds[Kind(kind)].defaults) }
