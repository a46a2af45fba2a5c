package metrics

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the generated metric table in docs/metrics.md")

const (
	docPath  = "../docs/metrics.md"
	docBegin = "<!-- metric table: generated from metrics/table.go by `go test ./metrics -run TestDocTable -update`; do not edit -->\n"
	docEnd   = "<!-- end of metric table -->\n"
)

// docTable renders the table as the Markdown that docs/metrics.md carries.
func docTable() string {
	var b strings.Builder
	b.WriteString("| name | also accepted | kinds | family | better | form | interval | definition | reference |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, m := range table {
		name := "`" + m.Name + "`"
		if len(m.Params) > 0 {
			name += " (listed: " + strings.Join(m.Listed(), ", ") + ")"
		}
		aliases := "—"
		if len(m.Aliases) > 0 {
			aliases = "`" + strings.Join(m.Aliases, "`, `") + "`"
		}
		kinds := strings.Join(m.Kinds, ", ")
		if m.scope() == ScopeGroup {
			kinds += " (fairness groups only)"
		}
		if m.Probabilistic {
			kinds += "; `_ts` after temperature scaling"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, aliases, kinds, m.Family, m.Dir, m.Form, m.Interval,
			strings.ReplaceAll(m.Doc, "|", `\|`), strings.ReplaceAll(m.Cite, "|", `\|`))
	}
	return b.String()
}

// TestDocTable fails when docs/metrics.md's metric table differs from the
// table; -update rewrites it.
func TestDocTable(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	require.NoError(t, err)
	doc := string(raw)
	i := strings.Index(doc, docBegin)
	j := strings.Index(doc, docEnd)
	require.True(t, i >= 0 && j > i, "docs/metrics.md needs the markers %q and %q", docBegin, docEnd)
	want := doc[:i+len(docBegin)] + docTable() + doc[j:]
	if *update {
		require.NoError(t, os.WriteFile(docPath, []byte(want), 0o644))
		return
	}
	assert.Equal(t, want, doc, "docs/metrics.md's metric table is stale: run go test ./metrics -run TestDocTable -update")
}

func TestTableEntries(t *testing.T) {
	seen := map[string]string{}
	for _, m := range table {
		for _, n := range append([]string{m.Name}, m.Aliases...) {
			prev, dup := seen[n]
			assert.False(t, dup, "%q spelled by %s and %s", n, prev, m.Name)
			seen[n] = m.Name
		}
		assert.NotEmpty(t, m.Doc, m.Name)
		assert.NotEmpty(t, m.Cite, m.Name)
		assert.NotEmpty(t, m.Kinds, m.Name)
		assert.Contains(t, []Form{Terms, Whole}, m.Form, m.Name)
		assert.Contains(t, []Interval{IntervalMean, IntervalConfusion, IntervalCalibration, IntervalResample, IntervalWilson, IntervalNone}, m.Interval, m.Name)
		assert.Contains(t, []PairedTest{"", BootstrapTest, McNemarTest}, m.Paired, m.Name)
		if m.Paired == McNemarTest {
			// McNemar's discordant pairs need 0/1 per-example terms.
			assert.Equal(t, Terms, m.Form, "%s: McNemar needs per-example terms", m.Name)
		}
		for _, p := range m.Params {
			_, ok := m.ParseParam(p)
			assert.True(t, ok, "%s lists parameter %q it cannot parse", m.Name, p)
		}
	}
}

func TestPairedTestOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		want PairedTest
	}{
		{"accuracy", McNemarTest}, // correctness terms: exact McNemar (McNemar 1947)
		{"acc", McNemarTest},      // multiple choice correctness, likewise
		{"nll", BootstrapTest},
		{"log_loss", BootstrapTest}, // alias of nll
		{"macro_f1", BootstrapTest},
		{"no_such_metric", BootstrapTest},
	} {
		assert.Equal(t, tc.want, PairedTestOf(tc.name), tc.name)
	}
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		in, canonical string
		ok            bool
		higher        bool
	}{
		{"macro_f1", "macro_f1", true, true},
		{"f1_macro", "macro_f1", true, true}, // alias named in issue 12
		{"rms_calibration_error", "rms_ce", true, false},
		{"log_loss", "nll", true, false},
		{"selective_acc@10", "selective_acc@10", true, true},
		{"selective_acc@2.5", "selective_acc@2.5", true, true}, // open family: any P in (0, 100]
		{"selective_acc@0", "", false, false},
		{"selective_acc@101", "", false, false},
		{"ndcg@10", "ndcg@10", true, true},
		{"ndcg@7", "", false, false},                  // closed family: listed k only
		{"brier_binary", "brier_binary", true, false}, // its own metric (issue 14), not an alias of brier
		{"membership_tpr@fpr0.01", "membership_tpr@fpr0.01", true, false},
		{"nope", "", false, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, c, ok := Lookup(tc.in)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.canonical, c)
			assert.Equal(t, tc.higher, HigherIsBetter(tc.in))
		})
	}
}

func TestForKindAndValid(t *testing.T) {
	assert.Equal(t, []string{"mae", "rmse", "r2", "pearson", "spearman"}, ForKind("regression", ScopeTask))
	assert.Equal(t, []string{"ndcg@1", "ndcg@3", "ndcg@5", "ndcg@10", "ndcg@100", "mrr@10", "mrr@100",
		"recall@1", "recall@3", "recall@5", "recall@10", "recall@100", "recall@1000"}, ForKind("retrieval", ScopeTask))
	assert.Equal(t, []string{"selection_rate", "tpr", "fpr"}, ForKind("classification", ScopeGroup))
	assert.True(t, Valid("probe", ScopeTask, "f1_macro"))
	assert.False(t, Valid("regression", ScopeTask, "accuracy"))
	assert.False(t, Valid("classification", ScopeTask, "tpr"))
	assert.True(t, Valid("generation", ScopeTask, "exact_match"))
	assert.True(t, Valid("multiple_choice", ScopeTask, "exact_match"))
	assert.Contains(t, Spellings("classification", ScopeTask), "f1_macro")
}

// TestFamilyOf: every table entry names its family, and the names results
// carry beyond the table (temperature-scaled figures, the fitted
// temperature, k-shot probe accuracies) resolve too.
func TestFamilyOf(t *testing.T) {
	t.Parallel()
	for _, m := range table {
		assert.NotEmpty(t, m.Family, m.Name)
	}
	for _, c := range []struct {
		name string
		fam  Family
		dir  Direction
		ok   bool
	}{
		{"accuracy", FamilyAccuracy, HigherBetter, true},
		{"log_loss", FamilyCalibration, LowerBetter, true}, // alias of nll
		{"nll_ts", FamilyCalibration, LowerBetter, true},
		{"accuracy_ts", "", Neither, false}, // accuracy is not probabilistic: no _ts figure
		{"selective_acc@25", FamilyCalibration, HigherBetter, true},
		{"temperature", FamilyCalibration, Neither, true},
		{"kshot_accuracy@5", FamilyAccuracy, HigherBetter, true},
		{"effect_size", FamilyBias, Neither, true},
		{"pct_stereotype", FamilyBias, Neither, true},
		{"selection_rate", FamilyFairness, Neither, true},
		{"membership_auc", FamilyPrivacy, LowerBetter, true},
		{"token_perplexity", FamilyAccuracy, LowerBetter, true},
		{"no_such_metric", "", Neither, false},
	} {
		f, d, ok := FamilyOf(c.name)
		assert.Equal(t, c.ok, ok, c.name)
		assert.Equal(t, c.fam, f, c.name)
		assert.Equal(t, c.dir, d, c.name)
		fam, directed := Ranking(c.name)
		assert.Equal(t, string(c.fam), fam, c.name)
		assert.Equal(t, !c.ok || c.dir != Neither, directed, c.name)
	}
}
