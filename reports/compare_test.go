package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

// compareFixture reads testdata/compare.json.golden, a comparison that
// harness/compare computed on its two-sided fixture (its TestGolden checks
// the same document), written as `evalctl compare --format json` writes it.
func compareFixture(t *testing.T) *result.Comparison {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "compare.json.golden"))
	require.NoError(t, err)
	var doc struct {
		SchemaVersion string `json:"schema_version"`
		result.Comparison
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.Equal(t, result.CompareSchema, doc.SchemaVersion)
	return &doc.Comparison
}

// TestCompareGolden renders the fixture comparison in every format of
// `evalctl compare` and checks each against its golden file; the JSON one
// must reproduce its own input byte for byte.
func TestCompareGolden(t *testing.T) {
	c := compareFixture(t)
	for name, write := range map[string]func(*bytes.Buffer, *result.Comparison) error{
		"compare.table.golden": func(b *bytes.Buffer, c *result.Comparison) error { return WriteCompareTable(b, c) },
		"compare.md.golden":    func(b *bytes.Buffer, c *result.Comparison) error { return WriteCompareMarkdown(b, c) },
		"compare.junit.golden": func(b *bytes.Buffer, c *result.Comparison) error { return WriteCompareJUnit(b, c) },
		"compare.json.golden":  func(b *bytes.Buffer, c *result.Comparison) error { return WriteCompareJSON(b, c) },
	} {
		var b bytes.Buffer
		require.NoError(t, write(&b, c), name)
		path := filepath.Join("testdata", name)
		if *update && name != "compare.json.golden" {
			require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test -update to create %s", path)
		assert.Equal(t, string(want), b.String(), "%s differs; rerun with -update if intended", path)
	}
}

// TestCompareJUnitCases checks JUnit's shape: one test case per gate and
// one per compared row, and a failure element per failed gate.
func TestCompareJUnitCases(t *testing.T) {
	c := compareFixture(t)
	failed := 0
	for _, g := range c.Gates {
		if !g.Pass {
			failed++
		}
	}
	require.NotZero(t, failed, "the fixture has a failing gate")
	var b bytes.Buffer
	require.NoError(t, WriteCompareJUnit(&b, c))
	assert.Equal(t, len(c.Gates)+len(c.Rows), bytes.Count(b.Bytes(), []byte("<testcase ")))
	assert.Equal(t, failed, bytes.Count(b.Bytes(), []byte("<failure ")))
}

// TestCompareMarkdownEscapes: names from the two results (suites, run ids,
// tasks) cannot break the pull-request comment: "&", "<" and ">" become
// entities, carriage returns and line breaks spaces, and "|" and "`"
// cannot add table cells or end a code span.
func TestCompareMarkdownEscapes(t *testing.T) {
	c := compareFixture(t)
	c.Base.Suite = "a & b\r<img src=x>"
	c.Cand.RunID = "run`\r\n| x"
	require.NotEmpty(t, c.Rows)
	c.Rows[0].Task = "t\r|&amp;"
	var b bytes.Buffer
	require.NoError(t, WriteCompareMarkdown(&b, c))
	out := b.String()
	assert.NotContains(t, out, "\r")
	assert.NotContains(t, out, "<img")
	assert.Contains(t, out, "(a &amp; b &lt;img src=x&gt;)")
	assert.Contains(t, out, "candidate `run'  \\| x`")
	assert.Contains(t, out, "| t \\|&amp;amp; |")
}
