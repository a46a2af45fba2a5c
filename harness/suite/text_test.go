package suite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTextValidation(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"m.onnx", "d.jsonl", "tok.json"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644))
	}
	src := `version: 1
name: t
models: [{name: m, path: m.onnx}]
datasets:
  - name: d
    format: jsonl
    path: d.jsonl
    features: [{name: text, columns: [q], text: {tokenizer: tok.json, template: "{q} {qq}"}}]
    label: {column: y}
  - name: e
    format: jsonl
    path: d.jsonl
    features: [{name: text, columns: [q], text: {tokenizer: missing.json}}]
tasks:
  - {name: a, kind: classification, dataset: d, lm: {max_length: 3}}
  - {name: b, kind: multiple_choice, dataset: d, lm: {choices: ["{a}"], context: "{x"}}
  - {name: c, kind: perplexity, dataset: e}
  - {name: p, kind: pair_preference, dataset: d, lm: {stereotyped: "{s}"}}
`
	p := filepath.Join(dir, "s.yaml")
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	_, err := Load(p)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		`s.yaml:8:`, `datasets[0].features[0].text.template: dangling reference: template uses column "qq"`,
		`(did you mean "q"?)`,
		`tasks[0].lm: invalid value: an lm section applies to kinds multiple_choice, perplexity and pair_preference, not classification`,
		`tasks[1].lm.context: invalid value: template "{x": unclosed '{' at byte 0`,
		`tasks[1].lm.choices: missing required key: choices (at least two templates`,
		`tasks[1].lm.gold: missing required key: gold`,
		`datasets[1].features[0].text.tokenizer: file not found: missing.json`,
		`tasks[2].lm.tokenizer: file not found: missing.json`,
		`tasks[3].lm.anti_stereotyped: missing required key: anti_stereotyped`,
	} {
		assert.Contains(t, msg, want)
	}

	// A valid LM suite loads, and the lm section inherits the text feature.
	good := `version: 1
name: t
models: [{name: m, path: m.onnx}]
datasets:
  - {name: d, format: jsonl, path: d.jsonl, features: [{name: text, columns: [q], text: {tokenizer: tok.json, template: "Q: {q}"}}]}
tasks:
  - {name: b, kind: multiple_choice, dataset: d, lm: {choices: ["{a}", "{b}"], gold: g}}
`
	require.NoError(t, os.WriteFile(p, []byte(good), 0o644))
	s, err := Load(p)
	require.NoError(t, err)
	lm := s.Tasks[0].LM
	assert.Equal(t, "tok.json", lm.Tokenizer)
	assert.Equal(t, "Q: {q}", lm.Context)
	assert.Equal(t, " ", *lm.TargetDelimiter)
	assert.Equal(t, []string{"acc", "acc_norm"}, s.Tasks[0].Metrics)
}
