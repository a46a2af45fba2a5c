package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeClfSuite(t *testing.T, batch int, feature string) string {
	t.Helper()
	abs, err := filepath.Abs(textDir)
	require.NoError(t, err)
	y := fmt.Sprintf(`version: 1
name: text-clf
seed: 1
bootstrap: {resamples: 50}
runtime: {batch_size: %d}
models:
  - {name: clf, path: %s/clf.onnx}
datasets:
  - name: clf
    format: jsonl
    path: %[2]s/clf.jsonl
    features: [%[3]s]
    label: {column: label, classes: [a, b, c]}
tasks:
  - {name: clf, kind: classification, dataset: clf, scores: logits}
`, batch, abs, feature)
	p := filepath.Join(t.TempDir(), "suite.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	return p
}

// TestTextClassificationMatchesReference runs the fixture text classifier
// (input_ids, attention_mask, token_type_ids) through the classification
// pipeline and compares the class probabilities with the torch reference
// computed one example at a time without padding, at batch sizes that mix
// lengths in one padded batch.
func TestTextClassificationMatchesReference(t *testing.T) {
	ref := loadLMReference(t)
	open := ortOpener(t)
	abs, _ := filepath.Abs(textDir)
	for _, batch := range []int{1, 3, 8} {
		feature := fmt.Sprintf(`{name: text, columns: [text, pair], text: {tokenizer: %s/tokenizer.json, template: "{text}"}}`, abs)
		s, err := suite.Load(writeClfSuite(t, batch, feature))
		require.NoError(t, err)
		out := t.TempDir()
		res, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow})
		require.NoError(t, err)
		require.Equal(t, len(ref.Classification.Probs), res.Evaluations[0].N)
		f, err := os.Open(filepath.Join(out, PredictionsFile))
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		i := 0
		for sc.Scan() {
			var p struct {
				I int       `json:"i"`
				P []float64 `json:"p"`
			}
			require.NoError(t, json.Unmarshal(sc.Bytes(), &p))
			require.Equal(t, i, p.I, "predictions come back in the original order")
			for c := range p.P {
				assert.InDelta(t, ref.Classification.Probs[i][c], p.P[c], 1e-5, "batch %d row %d class %d", batch, i, c)
			}
			i++
		}
		f.Close()
		assert.Equal(t, len(ref.Classification.Probs), i)
	}
}

func TestTextEncoderFillsDeclaredInputs(t *testing.T) {
	abs, _ := filepath.Abs(textDir)
	s := &suite.Suite{Dir: "/"}
	d := &suite.Dataset{Name: "d", Features: []suite.Feature{{Name: "text", Columns: []string{"a", "b"},
		Text: &suite.TextFeature{Tokenizer: abs + "/tokenizer.json", Template: "{a}", Pair: "{b}"}}}}
	cols := []dataset.Column{{Name: "a", Kind: dataset.String}, {Name: "b", Kind: dataset.String}}
	inputs := []tensor.Info{
		{Name: "input_ids", DType: tensor.Int32, Shape: []int64{-1, -1}},
		{Name: "attention_mask", DType: tensor.Int64, Shape: []int64{-1, -1}},
		{Name: "position_ids", DType: tensor.Int64, Shape: []int64{-1, -1}},
		{Name: "token_type_ids", DType: tensor.Int64, Shape: []int64{-1, -1}},
	}
	ie, err := newTextEncoder(s, d, cols, inputs, 4)
	require.NoError(t, err)
	rec := func(a, b string) dataset.Record {
		return dataset.Record{Loc: "x:1", Values: []dataset.Value{{Kind: dataset.String, Str: a}, {Kind: dataset.String, Str: b}}}
	}
	ts, err := ie.encode([]dataset.Record{rec("The cat sat on the mat.", "A cat."), rec("x", "y")}, 2)
	require.NoError(t, err)
	enc := ie
	long, err := enc.tok.EncodePair("The cat sat on the mat.", "A cat.", true)
	require.NoError(t, err)
	short, err := enc.tok.EncodePair("x", "y", true)
	require.NoError(t, err)
	T := long.Len()
	require.Equal(t, []int64{2, int64(T)}, ts[0].Shape)
	ids := ts[0].Data.([]int32)
	mask := ts[1].Data.([]int64)
	pos := ts[2].Data.([]int64)
	for j := 0; j < T; j++ {
		assert.Equal(t, int32(long.IDs[j]), ids[j])
		assert.Equal(t, int64(1), mask[j])
		assert.Equal(t, int64(j), pos[j])
		if j < short.Len() {
			assert.Equal(t, int32(short.IDs[j]), ids[T+j])
			assert.Equal(t, int64(1), mask[T+j])
		} else {
			assert.Equal(t, int32(enc.padID), ids[T+j], "padding uses the pad token")
			assert.Equal(t, int64(0), mask[T+j], "padding is masked")
		}
	}

	// Inputs a text feature cannot feed, and missing values, are errors.
	_, err = newTextEncoder(s, d, cols, []tensor.Info{{Name: "pixels", DType: tensor.Float32, Shape: []int64{-1, 4}}}, 4)
	assert.ErrorContains(t, err, `model input "pixels" cannot be fed from text feature "text"`)
	_, err = ie.encode([]dataset.Record{{Loc: "data.jsonl:7", Values: []dataset.Value{{}, {Kind: dataset.String, Str: "y"}}}}, 1)
	assert.ErrorContains(t, err, `data.jsonl:7: column "a" is missing`)
}

func TestTextCounterfactualTransform(t *testing.T) {
	cols := []dataset.Column{{Name: "id", Kind: dataset.Number}, {Name: "body", Kind: dataset.String}}
	tf, err := textCounterfactualTransform(cols, "gender", []string{"body"}, fairness.PronounPairs)
	require.NoError(t, err)
	rec := dataset.Record{Values: []dataset.Value{{Kind: dataset.Number, Num: 1}, {Kind: dataset.String, Str: "He said his car is hers. The shell"}}}
	changed, err := tf(&rec)
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, "She said her car is his. The shell", rec.Values[1].Str)
	rec = dataset.Record{Values: []dataset.Value{{Kind: dataset.Number}, {Kind: dataset.String, Str: "no pronouns here"}}}
	changed, err = tf(&rec)
	require.NoError(t, err)
	assert.False(t, changed)

	_, err = textCounterfactualTransform(cols, "gender", []string{"id"}, fairness.PronounPairs)
	assert.ErrorContains(t, err, "needs a string column")

	pairs, err := counterfactualWordPairs(&suite.Suite{}, "pronouns")
	require.NoError(t, err)
	assert.Equal(t, fairness.PronounPairs, pairs)
	p := filepath.Join(t.TempDir(), "names.json")
	require.NoError(t, os.WriteFile(p, []byte(`[["John","Mary"],["James","Linda"]]`), 0o644))
	pairs, err = counterfactualWordPairs(&suite.Suite{}, p)
	require.NoError(t, err)
	assert.Equal(t, []fairness.WordPair{{From: "John", To: "Mary"}, {From: "James", To: "Linda"}}, pairs)
}
