package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/inputerr"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/harness/tokenizer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// promptingDir holds the bundled prompting suite's fixtures: a small causal
// LM exported with and without a key/value cache, its tokenizer, and
// PyTorch's own greedy continuations (scripts/gen_prompting_fixtures.py).
const promptingDir = "../suites/prompting"

// pytorchGreedy is reference.json: greedy continuations computed by the
// generator script with the PyTorch model the ONNX files were exported from.
type pytorchGreedy struct {
	EOS          int64 `json:"eos_id"`
	MaxPositions int   `json:"max_positions"`
	NewTokens    int   `json:"new_tokens"`
	Cases        []struct {
		Name      string    `json:"name"`
		Cache     bool      `json:"cache"`
		Prompts   []string  `json:"prompts"`
		InputIDs  [][]int64 `json:"input_ids"`
		Mask      [][]int64 `json:"attention_mask"`
		NewTokens [][]int64 `json:"new_tokens"`
	} `json:"cases"`
}

// genSuite writes a suite that generates from each prompt of prompts
// (context "{prompt}", no demonstrations) with the given model file and
// extra lm keys, and returns its path.
func genSuite(t testing.TB, model string, batch int, prompts []string, lmYAML string) string {
	t.Helper()
	abs, err := filepath.Abs(promptingDir)
	require.NoError(t, err)
	dir := t.TempDir()
	var lines []string
	for _, p := range prompts {
		b, err := json.Marshal(map[string]string{"prompt": p, "answer": "x"})
		require.NoError(t, err)
		lines = append(lines, string(b))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prompts.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	y := fmt.Sprintf(`version: 1
name: gen
seed: 11
bootstrap: {resamples: 50}
runtime: {batch_size: %d, intra_op_threads: 1}
models:
  - {name: lm, path: %s/models/%s}
datasets:
  - name: p
    format: jsonl
    path: prompts.jsonl
    features: [{name: prompt, columns: [prompt], text: {tokenizer: %[2]s/tokenizer.json}}]
tasks:
  - name: g
    kind: generation
    dataset: p
    metrics: [exact_match]
    lm:
      context: "{prompt}"
      target: "{answer}"
%[4]s`, batch, abs, model, lmYAML)
	p := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	return p
}

// runGen runs a suite and returns its result and the generated token ids
// of its first evaluation, per example.
func runGen(t *testing.T, path string) (*result.Result, []result.Prediction) {
	t.Helper()
	s, err := suite.Load(path)
	require.NoError(t, err)
	out := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: out, Open: ortOpener(t), Now: fixedNow})
	require.NoError(t, err)
	preds, err := ReadPredictions(filepath.Join(out, PredictionsFile))
	require.NoError(t, err)
	return res, preds[res.Evaluations[0].Key()]
}

// TestGenerationMatchesPyTorch checks evalctl's greedy generations, token
// id for token id, against PyTorch's greedy decoding of the model the ONNX
// files were exported from (reference.json, written by
// scripts/gen_prompting_fixtures.py): one prompt and a left-padded batch of
// prompts of different lengths, with the key/value-cache export and
// without it.
func TestGenerationMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(promptingDir, "reference.json"))
	require.NoError(t, err)
	var ref pytorchGreedy
	require.NoError(t, json.Unmarshal(raw, &ref))
	tok, err := tokenizer.Load(filepath.Join(promptingDir, "tokenizer.json"))
	require.NoError(t, err)
	require.NotEmpty(t, ref.Cases)
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			// The prompts tokenize to the script's ids (left padding removed).
			for i, p := range c.Prompts {
				enc, err := tok.Encode(p, false)
				require.NoError(t, err)
				var want []int64
				for j, id := range c.InputIDs[i] {
					if c.Mask[i][j] == 1 {
						want = append(want, id)
					}
				}
				require.Equal(t, want, enc.IDs, "prompt %d tokenizes as in the script", i)
			}
			model := "lm.onnx"
			if c.Cache {
				model = "lm-kv.onnx"
			}
			lm := fmt.Sprintf("      max_new_tokens: %d\n      max_length: %d\n", ref.NewTokens, ref.MaxPositions)
			_, got := runGen(t, genSuite(t, model, len(c.Prompts), c.Prompts, lm))
			require.Len(t, got, len(c.Prompts))
			for i := range c.Prompts {
				want := c.NewTokens[i]
				for j, id := range want {
					if id == ref.EOS { // evalctl stops at the end-of-sequence token; PyTorch ran on
						want = want[:j+1]
						break
					}
				}
				assert.Equal(t, want, got[i].Tokens, "prompt %d", i)
			}
		})
	}
}

// TestGenerationCacheAndBatchInvariance checks that the key/value cache and
// the batch size change nothing: greedy generations with and without the
// cache and sampled generations at batch 1 and 4 give the same tokens,
// because each example samples from its own stream (seed, index).
func TestGenerationCacheAndBatchInvariance(t *testing.T) {
	var ref pytorchGreedy
	raw, err := os.ReadFile(filepath.Join(promptingDir, "reference.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &ref))
	var prompts []string
	for _, c := range ref.Cases {
		prompts = append(prompts, c.Prompts...)
	}
	tokens := func(ps []result.Prediction) [][]int64 {
		var out [][]int64
		for _, p := range ps {
			out = append(out, p.Tokens)
		}
		return out
	}
	lm := "      max_new_tokens: 10\n      stop: [\"\\n\"]\n"
	_, plain := runGen(t, genSuite(t, "lm.onnx", 3, prompts, lm))
	_, cached := runGen(t, genSuite(t, "lm-kv.onnx", 3, prompts, lm))
	assert.Equal(t, tokens(plain), tokens(cached), "greedy: cache or not, the same tokens")

	sample := lm + "      sampling: {temperature: 1.5, top_k: 50, top_p: 0.95, seed: 3}\n"
	_, b1 := runGen(t, genSuite(t, "lm-kv.onnx", 1, prompts, sample))
	_, b4 := runGen(t, genSuite(t, "lm-kv.onnx", 4, prompts, sample))
	_, nc := runGen(t, genSuite(t, "lm.onnx", 2, prompts, sample))
	assert.Equal(t, tokens(b1), tokens(b4), "sampling: batch 1 and batch 4 draw the same tokens")
	assert.Equal(t, tokens(b1), tokens(nc), "sampling: with and without the cache the same tokens")
	for i, p := range b1 {
		assert.LessOrEqual(t, len(p.Tokens), 10, "example %d: at most max_new_tokens", i)
		assert.NotContains(t, p.Text, "\n", "example %d: cut before the stop sequence", i)
		assert.Contains(t, []string{"eos", "stop", "length"}, p.Stop, "example %d", i)
	}
}

// TestGenerationPromptTooLong checks that a prompt that does not fit the
// model's window is an error naming the example and the keys to change.
func TestGenerationPromptTooLong(t *testing.T) {
	long := strings.Repeat("a b c d e f ", 40)
	s, err := suite.Load(genSuite(t, "lm-kv.onnx", 2, []string{"short", long}, "      max_new_tokens: 8\n      max_length: 64\n"))
	require.NoError(t, err)
	_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: ortOpener(t), Now: fixedNow})
	require.Error(t, err)
	assert.ErrorIs(t, err, errPromptTooLong)
	assert.Contains(t, err.Error(), "prompts.jsonl:2")
	assert.Contains(t, err.Error(), "lm.max_length 64")
	assert.ErrorIs(t, err, inputerr.ErrInvalid, "invalid input: the command line exits 2")
}

// TestGenerationBadInput checks the other two bad inputs of issue 16: a
// template naming a field the dataset does not have, and a model without a
// causal LM's inputs. Each is an error naming the key or input, marked as
// invalid input (exit 2), never ONNX Runtime's own error.
func TestGenerationBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, model, lm, want string
	}{
		{"missing field", "lm-kv.onnx", "      max_new_tokens: 4\n", ""},
		{"not a causal LM", "clf.onnx", "      max_new_tokens: 4\n", `generation needs a causal LM's`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := genSuite(t, tc.model, 2, []string{"a", "b"}, tc.lm)
			if tc.name == "missing field" {
				raw, err := os.ReadFile(path)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(raw), `target: "{answer}"`, `target: "{nothere}"`, 1)), 0o644))
			}
			s, err := suite.Load(path)
			if err == nil {
				_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: ortOpener(t), Now: fixedNow})
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, inputerr.ErrInvalid)
			if tc.name == "missing field" {
				assert.Contains(t, err.Error(), "nothere")
			} else {
				assert.Contains(t, err.Error(), tc.want)
			}
		})
	}
}

// TestGenerationCounterfactual substitutes letters in the prompts (a ↔ b,
// a word-pair file) and checks the counterfactual evaluation's change_rate
// against the share of examples whose generation differs from the clean
// one, computed here from the predictions, and max_change_rate on the clean
// evaluation.
func TestGenerationCounterfactual(t *testing.T) {
	pairs := filepath.Join(t.TempDir(), "ab.json")
	require.NoError(t, os.WriteFile(pairs, []byte(`[["a", "b"]]`), 0o644))
	prompts := []string{"Reverse: a c d\nAnswer:", "Reverse: e f g\nAnswer:", "Reverse: b a h\nAnswer:", "Reverse: c a\nAnswer:"}
	lm := "      max_new_tokens: 8\n      stop: [\"\\n\"]\n    fairness:\n      counterfactual:\n        - {name: ab, words: " + pairs + "}\n"
	s, err := suite.Load(genSuite(t, "lm-kv.onnx", 2, prompts, lm))
	require.NoError(t, err)
	out := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: out, Open: ortOpener(t), Now: fixedNow})
	require.NoError(t, err)
	preds, err := ReadPredictions(filepath.Join(out, PredictionsFile))
	require.NoError(t, err)
	require.Len(t, res.Evaluations, 2)
	clean, cf := res.Evaluations[0], res.Evaluations[1]
	assert.Equal(t, "counterfactual:ab", cf.Variant)
	a, b := preds[clean.Key()], preds[cf.Key()]
	require.Len(t, b, len(a))
	changed := 0
	for i := range a {
		if a[i].Text != b[i].Text {
			changed++
		}
	}
	assert.Positive(t, changed, "swapping a and b changes some reversals")
	rate, ok := cf.Metric("change_rate")
	require.True(t, ok)
	assert.InDelta(t, float64(changed)/float64(len(a)), float64(rate.Value), 1e-12)
	worst, ok := clean.Metric("max_change_rate")
	require.True(t, ok)
	assert.Equal(t, rate.Value, worst.Value)
	assert.Equal(t, a[1].Text, b[1].Text, "a prompt without a or b generates the same text")
	assert.Equal(t, "g f e", strings.TrimSpace(a[1].Text), "the fixture LM reverses the letters")
}
