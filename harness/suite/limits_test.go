package suite_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// joined returns the problems of a suite error, one per entry.
func joined(t *testing.T, err error) []error {
	t.Helper()
	var list interface{ Unwrap() []error }
	require.True(t, errors.As(err, &list), "%v", err)
	return list.Unwrap()
}

// TestErrorsCapped is issue 11 case 17: validate lists the first 50
// problems and says how many more there are, instead of millions of lines.
func TestErrorsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimalSuite)
	for i := range 200 {
		fmt.Fprintf(&b, "unknown_%d: 1\n", i)
	}
	_, err := parseIn(b.String())
	require.Error(t, err)
	errs := joined(t, err)
	require.Len(t, errs, suite.MaxErrors+1)
	assert.True(t, errors.Is(errs[0], suite.ErrUnknownKey))
	assert.Contains(t, errs[0].Error(), "testdata/inline.yaml:13:1: unknown_0: unknown key")
	assert.Equal(t, "testdata/inline.yaml: and 150 more problems (only the first 50 are listed)", errs[suite.MaxErrors].Error())

	// The same cap applies to problems found after decoding.
	b.Reset()
	b.WriteString(strings.Replace(minimalSuite, "tasks:\n", "", 1))
	b.WriteString("tasks:\n")
	for i := range 60 {
		fmt.Fprintf(&b, "  - {name: t%d, kind: classification, dataset: nope}\n", i)
	}
	_, err = parseIn(strings.Replace(b.String(), "  - {name: t, kind: classification, dataset: d}\n", "", 1))
	errs = joined(t, err)
	require.Len(t, errs, suite.MaxErrors+1)
	assert.Contains(t, errs[suite.MaxErrors].Error(), "and 10 more problems")
}

// TestSuiteSizeBounded is issue 11 case 17: a suite file over 1 MiB is
// refused without reading it all (a 50 MB file here, sparse), and a
// device given as the suite is refused without reading from it.
func TestSuiteSizeBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(50<<20))
	require.NoError(t, f.Close())
	start := time.Now()
	_, err = suite.Load(p)
	require.Error(t, err)
	assert.True(t, errors.Is(err, suite.ErrTooLarge))
	assert.Contains(t, err.Error(), "huge.yaml: suite too large: the file is over 1048576 bytes (1 MiB)")
	assert.Less(t, time.Since(start), 5*time.Second)

	_, err = suite.Load("/dev/zero")
	require.Error(t, err)
	assert.True(t, errors.Is(err, suite.ErrNotRegular))
	assert.EqualError(t, err, "/dev/zero: not a regular file: the suite is a character device; want a regular file")

	_, err = suite.Parse(make([]byte, suite.MaxSuiteBytes+1), "big.yaml")
	assert.True(t, errors.Is(err, suite.ErrTooLarge))
}

// TestAliasExpansionBounded: a small file of nested aliases (2,000 models
// each holding a 1,000-entry inputs map) would make the schema check visit
// two million values; it stops at the bound with a clear error.
func TestAliasExpansionBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nname: bomb\nmodels:\n  - &m {name: m, path: model.onnx, inputs: &i {")
	for i := range 1000 {
		fmt.Fprintf(&b, "k%d: v, ", i)
	}
	b.WriteString("}}\n")
	for range 2000 {
		b.WriteString("  - *m\n")
	}
	start := time.Now()
	_, err := parseIn(b.String())
	require.Error(t, err)
	assert.True(t, errors.Is(err, suite.ErrTooLarge), "%v", err)
	assert.Contains(t, err.Error(), "more than 200000 values once aliases are expanded")
	assert.Less(t, time.Since(start), 10*time.Second)
}
