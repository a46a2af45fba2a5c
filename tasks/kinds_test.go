package tasks_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/evalctl/evalctl/tasks"
)

// TestDefaultMetricsIsACopy guards against a data race found by CI: suites
// canonicalise their metric names in place, so two suites loaded at once must
// not share the kind's default list.
func TestDefaultMetricsIsACopy(t *testing.T) {
	t.Parallel()
	a := tasks.DefaultMetrics(string(tasks.Classification))
	want := append([]string(nil), a...)
	a[0] = "changed"
	assert.Equal(t, want, tasks.DefaultMetrics(string(tasks.Classification)))
}
