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
  - {name: a, kind: regression, dataset: d, lm: {max_length: 3}}
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
		`tasks[0].lm: invalid value: an lm section applies to kinds multiple_choice, perplexity, pair_preference, generation and classification (with a verbalizer), not regression`,
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

// TestPromptingValidation checks the prompting keys: demonstrations,
// verbalizers, contextual calibration and generation settings.
func TestPromptingValidation(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"m.onnx", "d.jsonl", "tok.json"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644))
	}
	head := `version: 1
name: t
seed: 7
models: [{name: m, path: m.onnx}]
datasets:
  - name: d
    format: jsonl
    path: d.jsonl
    features: [{name: text, columns: [q], text: {tokenizer: tok.json, template: "Review: {q}"}}]
    label: {column: y, classes: [neg, pos]}
tasks:
`
	load := func(tasks string) (*Suite, error) {
		p := filepath.Join(dir, "s.yaml")
		require.NoError(t, os.WriteFile(p, []byte(head+tasks), 0o644))
		return Load(p)
	}
	_, err := load(`  - {name: a, kind: classification, dataset: d, lm: {verbalizer: {neg: bad, good: x}, calibrate: contxtual, fewshot: {k: [1, -1, 1], from: dd, sampler: balance}}}
  - {name: b, kind: generation, dataset: d, lm: {max_new_tokens: -1, stop: [""], sampling: {temperature: 0, top_p: 2}}}
  - {name: c, kind: perplexity, dataset: d, lm: {fewshot: {k: 2}}}
  - {name: e, kind: multiple_choice, dataset: d, lm: {choices: ["{a}", "{b}"], gold: g, calibrate: contextual}}
`)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		`tasks[0].lm.verbalizer: missing required key: words for class "pos"`,
		`tasks[0].lm.verbalizer: dangling reference: "good" is not a class of dataset "d"`,
		`tasks[0].lm.calibrate: invalid value: "contxtual" (did you mean "contextual"?)`,
		`tasks[0].lm.fewshot.k[1]: invalid value: -1 (want >= 0)`,
		`tasks[0].lm.fewshot.k[2]: invalid value: 1 is listed twice`,
		`tasks[0].lm.fewshot.from: dangling reference: dataset "dd" does not exist`,
		`tasks[0].lm.fewshot.sampler: invalid value: "balance" (did you mean "balanced"?)`,
		`tasks[1].lm.target: missing required key: target`,
		`tasks[1].lm.max_new_tokens: invalid value: -1 (want >= 1)`,
		`tasks[1].lm.stop[0]: invalid value: an empty stop sequence would stop at once`,
		`tasks[1].lm.sampling.temperature: invalid value: 0 (want > 0`,
		`tasks[1].lm.sampling.top_p: invalid value: 2 (want 0..1`,
		`tasks[2].lm.fewshot: invalid value: demonstrations apply to kinds multiple_choice, classification and generation, not perplexity`,
		`tasks[3].lm.calibrate: invalid value: contextual calibration applies to classification by a language model`,
	} {
		assert.Contains(t, msg, want)
	}

	s, err := load(`  - {name: a, kind: classification, dataset: d, lm: {verbalizer: {neg: bad, pos: good}, calibrate: contextual, fewshot: {k: [0, 1, 5]}}}
  - {name: b, kind: generation, dataset: d, lm: {target: "{y}", stop: ["\n"]}}
`)
	require.NoError(t, err)
	a, b := s.Tasks[0].LM, s.Tasks[1].LM
	assert.Equal(t, IntList{0, 1, 5}, a.Fewshot.K)
	assert.Equal(t, "d", a.Fewshot.From, "demonstrations default to the task's dataset")
	assert.Equal(t, SamplerRandom, a.Fewshot.Sampler)
	assert.Equal(t, uint64(7), *a.Fewshot.Seed, "the sampler's seed defaults to the suite's")
	assert.Equal(t, []string{"N/A", "", "[MASK]"}, a.ContentFree)
	assert.Equal(t, "Review: {q}", a.Context, "the context defaults to the text feature's template")
	assert.Equal(t, "\n\n", *a.FewshotDelimiter)
	assert.Equal(t, " ", *a.TargetDelimiter)
	assert.Equal(t, DefaultMaxNewTokens, b.MaxNewTokens)
	assert.Nil(t, b.Sampling, "greedy unless sampling is set")
}
