package harness

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProbeCounterfactual fits a logistic-regression probe on the fixture
// word encoder (flowers and pleasant words = e1 direction, insects and
// unpleasant words = e2; scripts/gen_embedding_fixtures.py) to tell "good"
// from "bad" words, then substitutes the word "rose" by "ant" in the test
// split (the train split is a copy, as the harness refuses to fit on the
// test split): exactly one input changes and its prediction must flip, so the
// flip rate over changed inputs is 1/1.
func TestProbeCounterfactual(t *testing.T) {
	open := embORT(t)
	dir := t.TempDir()
	src := filepath.Join("testdata", "embedding")
	for _, f := range []string{"word_embed.onnx", "tokenizer.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	rows := `{"word": "rose", "y": "good"}
{"word": "tulip", "y": "good"}
{"word": "daisy", "y": "good"}
{"word": "love", "y": "good"}
{"word": "peace", "y": "good"}
{"word": "ant", "y": "bad"}
{"word": "bee", "y": "bad"}
{"word": "wasp", "y": "bad"}
{"word": "hatred", "y": "bad"}
{"word": "war", "y": "bad"}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "words.jsonl"), []byte(rows), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "train.jsonl"), []byte(rows), 0o644))
	y := `version: 1
name: probe-cf
seed: 3
bootstrap: {resamples: 200}
runtime: {batch_size: 4, intra_op_threads: 1}
models:
  - {name: word-embed, path: word_embed.onnx}
datasets:
  - name: words
    format: jsonl
    path: words.jsonl
    features:
      - name: text
        columns: [word]
        text: {tokenizer: tokenizer.json, template: "{word}"}
    label: {column: y, classes: [good, bad]}
  - name: train
    format: jsonl
    path: train.jsonl
    features:
      - name: text
        columns: [word]
        text: {tokenizer: tokenizer.json, template: "{word}"}
    label: {column: y, classes: [good, bad]}
tasks:
  - name: good-bad
    kind: probe
    dataset: words
    models: [word-embed]
    metrics: [accuracy]
    embedding: {output: last_hidden_state, pooling: mean}
    probe: {train: train, methods: [logreg], c: [1], validation_fraction: 0.5}
    fairness:
      counterfactual:
        - {name: rose-to-ant, column: word, swap: {rose: ant}}
`
	p := filepath.Join(dir, "s.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	s, err := suite.Load(p)
	require.NoError(t, err)
	res, err := Run(context.Background(), s, Options{OutDir: filepath.Join(dir, "out"), Open: open, Now: fixedNow})
	require.NoError(t, err)
	var found bool
	for _, ev := range res.Evaluations {
		if ev.Variant != "clean" || ev.Fairness == nil {
			continue
		}
		require.Len(t, ev.Fairness.Counterfactual, 1)
		cf := ev.Fairness.Counterfactual[0]
		assert.Equal(t, "rose-to-ant", cf.Name)
		assert.Equal(t, 1.0, float64(cf.FlipRate.Value), "the one changed input flips")
		assert.Equal(t, 1, cf.FlipRate.N)
		found = true
	}
	assert.True(t, found, "the probe evaluation carries the counterfactual")
}
