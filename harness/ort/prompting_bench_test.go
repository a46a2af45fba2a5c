package ort_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/tokenizer"
	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/require"
)

// greedyRun decodes steps tokens greedily from left-padded prompts with the
// bundled LM, re-running the whole sequence (cache false, models/lm.onnx)
// or feeding the Optimum-layout cache back (cache true, models/lm-kv.onnx,
// starting from a past of length 0). It returns the new tokens per row.
func greedyRun(m *ort.Model, cache bool, ref promptingRef, ids, mask, pos [][]int64, steps int) ([][]int64, error) {
	ids, mask, pos = clone2(ids), clone2(mask), clone2(pos)
	b := len(ids)
	var past []tensor.Tensor
	if cache {
		past = zeroPast(ref, b, 0)
	}
	got := make([][]int64, b)
	stepIDs, stepPos := ids, pos
	for range steps {
		var in []tensor.Tensor
		if cache {
			in = append([]tensor.Tensor{i64("input_ids", stepIDs), i64("attention_mask", mask), i64("position_ids", stepPos)}, past...)
		} else {
			in = []tensor.Tensor{i64("input_ids", ids), i64("attention_mask", mask), i64("position_ids", pos)}
		}
		out, err := m.Run(context.Background(), in)
		if err != nil {
			return nil, err
		}
		lg := out[0]
		s, v := int(lg.Shape[1]), int(lg.Shape[2])
		d := lg.Data.([]float32)
		if cache {
			past = past[:0]
			for _, o := range out[1:] {
				o.Name = "past_key_values" + o.Name[len("present"):]
				past = append(past, o)
			}
		}
		stepIDs, stepPos = make([][]int64, b), make([][]int64, b)
		for r := range b {
			row := d[(r*s+s-1)*v : (r*s+s)*v]
			best := 0
			for j, x := range row {
				if x > row[best] {
					best = j
				}
			}
			next, p := int64(best), pos[r][len(pos[r])-1]+1
			got[r] = append(got[r], next)
			ids[r], mask[r], pos[r] = append(ids[r], next), append(mask[r], 1), append(pos[r], p)
			stepIDs[r], stepPos[r] = []int64{next}, []int64{p}
		}
	}
	return got, nil
}

// benchPrompt is one benchmark input: left-padded ids, mask and positions.
type benchPrompt struct {
	name           string
	ids, mask, pos [][]int64
}

// benchPrompts returns the reference batch of 1 (a 3-shot reversal prompt,
// 50 tokens), the left-padded reference batch of 4, and a 12-shot sentiment
// prompt of 177 tokens built here from the train split (177 + 64 new tokens
// fit the model's 256 positions), where re-running the sequence costs most.
func benchPrompts(tb testing.TB, ref promptingRef) []benchPrompt {
	tb.Helper()
	var out []benchPrompt
	for _, x := range ref.Cases {
		if x.Name == "single_cache" || x.Name == "padded_cache" {
			out = append(out, benchPrompt{x.Name[:len(x.Name)-6], x.InputIDs, x.AttentionMask, x.PositionIDs})
		}
	}
	b, err := os.ReadFile(filepath.Join(promptingDir, "data", "sentiment_train.jsonl"))
	require.NoError(tb, err)
	var parts []string
	for _, line := range strings.SplitN(string(b), "\n", 13)[:12] {
		var r struct{ Text, Label string }
		require.NoError(tb, json.Unmarshal([]byte(line), &r))
		parts = append(parts, "Review: "+r.Text+"\nSentiment: "+r.Label)
	}
	tok, err := tokenizer.Load(filepath.Join(promptingDir, "tokenizer.json"))
	require.NoError(tb, err)
	enc, err := tok.Encode(strings.Join(parts, "\n\n")+"\n\nReview: the food was great\nSentiment:", false)
	require.NoError(tb, err)
	n := len(enc.IDs)
	mask, pos := make([]int64, n), make([]int64, n)
	for i := range n {
		mask[i], pos[i] = 1, int64(i)
	}
	return append(out, benchPrompt{"long", [][]int64{enc.IDs}, [][]int64{mask}, [][]int64{pos}})
}

// BenchmarkPromptingGreedy measures greedy decoding of 64 new tokens on the
// bundled LM through ort.Model, with and without the KV cache, on
// benchPrompts (tokens/s counts new tokens of all rows). Issue 16 asks the
// cache to be ≥ 3× faster.
func BenchmarkPromptingGreedy(b *testing.B) {
	ref := readPromptingRef(b)
	requireORT(b)
	const steps = 64
	for _, p := range benchPrompts(b, ref) {
		for _, cache := range []bool{false, true} {
			file := map[bool]string{false: "lm.onnx", true: "lm-kv.onnx"}[cache]
			b.Run(fmt.Sprintf("%s/batch=%d/prompt=%d/cache=%v", p.name, len(p.ids), len(p.ids[0]), cache), func(b *testing.B) {
				m, err := ort.Open(filepath.Join(promptingDir, "models", file), ort.Options{IntraOpThreads: 1})
				require.NoError(b, err)
				defer func() { _ = m.Close() }()
				for b.Loop() {
					if _, err := greedyRun(m, cache, ref, p.ids, p.mask, p.pos, steps); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(steps*len(p.ids))*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			})
		}
	}
}
