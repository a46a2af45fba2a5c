package suite_test

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// minimalSuite is testdata/minimal.good.yaml; cases below edit it.
const minimalSuite = `version: 1
name: minimal
models:
  - {name: m, path: model.onnx}
datasets:
  - name: d
    format: csv
    path: data.csv
    features: [{name: x, columns: ["*"]}]
    label: {column: y}
tasks:
  - {name: t, kind: classification, dataset: d}
`

// parseIn parses suite text as if it were testdata/<name>.
func parseIn(text string) (*suite.Suite, error) {
	return suite.Parse([]byte(text), filepath.Join("testdata", "inline.yaml"))
}

// TestValidationGaps is issue 11 case 15: everything run would reject,
// validate rejects, at the key's line.
func TestValidationGaps(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	dir := t.TempDir()
	cases := []struct {
		name     string
		text     string
		sentinel error
		want     string
	}{
		{"batch_size 0 is not silently 32", minimalSuite + "runtime: {batch_size: 0}\n", suite.ErrInvalid,
			"testdata/inline.yaml:13:23: runtime.batch_size: invalid value: 0 (want >= 1)"},
		{"batch_size -1", minimalSuite + "runtime:\n  batch_size: -1\n", suite.ErrInvalid,
			"testdata/inline.yaml:14:15: runtime.batch_size: invalid value: -1 (want >= 1)"},
		{"second YAML document", minimalSuite + "---\nname: other\n", suite.ErrInvalid,
			"testdata/inline.yaml:13:1: invalid value: a suite file holds one YAML document, found a second one"},
		{"second YAML document that does not parse", minimalSuite + "---\nname: [\n", suite.ErrInvalid,
			"a second one (after \"---\") does not parse"},
		{"group name with |", strings.Replace(minimalSuite, "label: {column: y}", "label: {column: y}\n    groups: [{column: x, name: \"a|b\"}]", 1),
			suite.ErrInvalid, `datasets[0].groups[0].name: invalid value: group name "a|b" holds "|"`},
		{"group column with = and no name", strings.Replace(minimalSuite, "label: {column: y}", "label: {column: y}\n    groups: [{column: \"sex=f\"}]", 1),
			suite.ErrInvalid, `datasets[0].groups[0].column: invalid value: group name "sex=f" holds "="`},
		{"model path is a device", strings.Replace(minimalSuite, "path: model.onnx", "path: /dev/zero", 1), suite.ErrNotRegular,
			"testdata/inline.yaml:4:21: models[0].path: not a regular file: /dev/zero is a character device; want a regular file"},
		{"model path is a directory", strings.Replace(minimalSuite, "path: model.onnx", "path: "+dir, 1), suite.ErrNotRegular,
			"models[0].path: not a regular file: " + dir + " is a directory; want a regular file"},
		{"data path is a FIFO", strings.Replace(minimalSuite, "path: data.csv", "path: "+fifo, 1), suite.ErrNotRegular,
			"datasets[0].path: not a regular file: " + fifo + " is a named pipe (FIFO); want a regular file"},
		{"data path is a directory", strings.Replace(minimalSuite, "path: data.csv", "path: .", 1), suite.ErrNotRegular,
			"datasets[0].path: not a regular file: . is a directory"},
		{"imagefolder path is a file", strings.Replace(strings.Replace(minimalSuite, "format: csv", "format: imagefolder", 1), "label: {column: y}", "", 1), suite.ErrNotRegular,
			"datasets[0].path: not a regular file: data.csv is a regular file; want a folder"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseIn(tc.text)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, errors.Is(err, tc.sentinel), "%v", err)
		})
	}
}

func TestValidationGapsAccepted(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"batch_size absent defaults to 32", minimalSuite},
		{"batch_size 1", minimalSuite + "runtime: {batch_size: 1}\n"},
		{"document start marker alone", "---\n" + minimalSuite},
		{"trailing empty documents", minimalSuite + "---\n# nothing\n---\n"},
		{"group column with | renamed", strings.Replace(minimalSuite, "label: {column: y}", "label: {column: y}\n    groups: [{column: \"a|b\", name: ab}]", 1)},
		{"allow_non_finite", strings.Replace(minimalSuite, "label: {column: y}", "label: {column: y}\n    allow_non_finite: true", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseIn(tc.text)
			require.NoError(t, err)
			assert.Positive(t, s.Runtime.BatchSize)
		})
	}
	s, err := parseIn(strings.Replace(minimalSuite, "label: {column: y}", "label: {column: y}\n    allow_non_finite: true", 1))
	require.NoError(t, err)
	assert.True(t, s.Datasets[0].AllowNonFinite)
	s, err = parseIn(minimalSuite)
	require.NoError(t, err)
	assert.Equal(t, suite.DefaultBatchSize, s.Runtime.BatchSize)
	assert.False(t, s.Datasets[0].AllowNonFinite)
}

// TestSyntaxPositions is issue 11 case 18: an undefined YAML anchor and a
// suite that is not UTF-8 are reported with line and column.
func TestSyntaxPositions(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"undefined anchor", strings.Replace(minimalSuite, "dataset: d}", "dataset: *dee}", 1),
			"testdata/inline.yaml:12:46: invalid value: YAML syntax: unknown anchor 'dee' referenced (an alias *name needs an anchor &name earlier in the file)"},
		{"Latin-1 byte", strings.Replace(minimalSuite, "name: minimal", "name: caf\xe9", 1),
			"testdata/inline.yaml:2:10: invalid value: byte 0xe9 is not UTF-8; a suite file is UTF-8 text (is this a binary file, or text saved as Latin-1?)"},
		{"binary file", "\x7fELF\x02\x01\x01\x00",
			"testdata/inline.yaml:1:1: invalid value: control character U+007F is not allowed in YAML (is this a binary file?)"},
		{"control character", strings.Replace(minimalSuite, "name: minimal", "name: a\x1bb", 1),
			"testdata/inline.yaml:2:8: invalid value: control character U+001B is not allowed in YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseIn(tc.text)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// UTF-8 beyond ASCII is fine, and so is a UTF-16 file with its byte
	// order mark (YAML allows it).
	_, err := parseIn(strings.Replace(minimalSuite, "name: minimal", "name: café-名前", 1))
	assert.NoError(t, err)
}
