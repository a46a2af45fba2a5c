package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCLIDocsListEveryFlag keeps docs/cli.md in step with the commands: each
// command has its section, and each of its flags appears in that section.
func TestCLIDocsListEveryFlag(t *testing.T) {
	b, err := os.ReadFile("../../docs/cli.md")
	require.NoError(t, err)
	doc := string(b)
	for _, c := range commands {
		head := "\n## evalctl " + c.Name + "\n"
		i := strings.Index(doc, head)
		if !assert.GreaterOrEqual(t, i, 0, "docs/cli.md has no section %q", strings.TrimSpace(head)) {
			continue
		}
		section := doc[i+len(head):]
		if j := strings.Index(section, "\n## "); j >= 0 {
			section = section[:j]
		}
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		c.Setup(fs)
		fs.VisitAll(func(f *flag.Flag) {
			dash := "--"
			if len(f.Name) == 1 {
				dash = "-"
			}
			assert.Contains(t, section, "`"+dash+f.Name, "docs/cli.md, evalctl %s: flag %s%s is not documented", c.Name, dash, f.Name)
		})
	}
	for _, code := range []string{"| 0 |", "| 1 |", "| 2 |", "| 3 |"} {
		assert.Contains(t, doc, code, "the exit code table")
	}
}
