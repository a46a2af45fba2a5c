package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

// hostile renames the fixture's suite, models, task and group after the
// payloads of issue 11 case 13.
func hostile() *result.Result {
	r := fixture()
	r.Suite.Name = "demo\n<!--"
	rename := map[string]string{"small": "<script>alert(1)</script>", "large": "<img src=x onerror=alert(1)>", "lora": "a|b\r\n| x |"}
	for i := range r.Models {
		r.Models[i].Name = rename[r.Models[i].Name]
	}
	for i := range r.Evaluations {
		r.Evaluations[i].Model = rename[r.Evaluations[i].Model]
		r.Evaluations[i].Task = "sst2\x1b[2J\x1b[31m"
	}
	for i := range r.Gates {
		r.Gates[i].Model = rename[r.Gates[i].Model]
		r.Gates[i].Task = r.Evaluations[0].Task
		r.Gates[i].Expr += " `</details>`"
	}
	r.Evaluations[0].Fairness.Groups[0].Value = "fe\nmale<b>"
	r.Evaluations[0].Fairness.Summaries[0].Worst = "fe\nmale<b>"
	r.Robustness[0].Model = rename["small"]
	return r
}

// TestMarkdownEscapesNames is issue 11 case 13: a name cannot hide the
// gate summary or the tables, inject HTML, or add table rows or cells.
func TestMarkdownEscapesNames(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteMarkdown(&b, hostile()))
	s := b.String()
	// Code spans show their text literally (CommonMark §6.1), so raw HTML
	// may only appear inside them; outside, none may remain.
	prose := regexp.MustCompile("`[^`\n]*`").ReplaceAllString(s, "CODE")
	for _, bad := range []string{"<!--", "<script", "<img", "<b>", "\x1b", "\r"} {
		assert.NotContains(t, prose, bad)
	}
	assert.NotContains(t, s, "\x1b")
	// The headline keeps its gate summary on the heading line.
	assert.True(t, strings.HasPrefix(s, "### ❌ evalctl: demo &lt;!-- — 1 of 2 gates failed\n"), s[:80])
	assert.Contains(t, s, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, s, `a\|b  \| x \|`)
	// Every table row has as many cells as its header: 11 columns in the
	// summary (12 unescaped pipes), 8 in fairness, 9 in robustness, 5 in gates.
	pipes := func(line string) int { return strings.Count(line, "|") - strings.Count(line, `\|`) }
	var want int
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = 0
			continue
		}
		if want == 0 {
			want = pipes(line)
			continue
		}
		assert.Equal(t, want, pipes(line), "row %q", line)
	}
	// Every section is still there.
	for _, h := range []string{"**Fairness**", "**Robustness**", "**Gates**", "<details><summary>Provenance</summary>", "</details>"} {
		assert.Equal(t, 1, strings.Count(prose, h), h)
	}
	// A gate expression stays a code span, with its backticks replaced.
	assert.Contains(t, s, "| `accuracy >= 0.85 '</details>'` |")
}

// TestTerminalStripsControls is issue 11 case 13: names reach the
// terminal with their control characters made visible, not executed.
func TestTerminalStripsControls(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteTable(&b, hostile()))
	s := b.String()
	assert.NotContains(t, s, "\x1b")
	assert.NotContains(t, s, "\r")
	assert.Contains(t, s, `sst2\x1b[2J\x1b[31m`)
	assert.Contains(t, s, `suite demo\n<!--`)
	assert.Contains(t, s, `a|b\r\n| x |`)
}

func TestTerminalText(t *testing.T) {
	for _, tc := range []struct{ in, want, cell string }{
		{"plain ünïcode 名前", "plain ünïcode 名前", "plain ünïcode 名前"},
		{"a\x1b[31mb", `a\x1b[31mb`, `a\x1b[31mb`},
		{"line\nnext\tx", "line\nnext\tx", `line\nnext\tx`},
		{"bell\a del\x7f c1\u0085", `bell\x07 del\x7f c1\x85`, `bell\x07 del\x7f c1\x85`},
		{"bidi\u202eevil", `bidi\u202eevil`, `bidi\u202eevil`},
		{"raw\x9bcsi \ufffd", `raw\x9bcsi ` + "\ufffd", `raw\x9bcsi ` + "\ufffd"},
	} {
		assert.Equal(t, tc.want, TerminalText(tc.in), "%q", tc.in)
		assert.Equal(t, tc.cell, terminalCell(tc.in), "%q", tc.in)
	}
}

func TestMarkdownText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a & b < c > d | e", `a &amp; b &lt; c &gt; d \| e`},
		{"x\ny\rz\x00", "x y z "},
		{"&lt;", "&amp;lt;"},
	} {
		assert.Equal(t, tc.want, markdownText(tc.in), "%q", tc.in)
	}
	assert.Equal(t, "`a'b c`", markdownCode("a`b\nc"))
	assert.Equal(t, "`x \\| y`", markdownCell("`x | y`"))
	assert.Equal(t, "`x` &lt;b&gt;", markdownCell("`x` <b>"))
}
