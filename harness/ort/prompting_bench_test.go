package ort_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/ort"
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

// BenchmarkPromptingGreedy measures greedy decoding of 64 new tokens on the
// bundled LM through ort.Model, with and without the KV cache, for the
// reference batch of 1 and the left-padded batch of 4 (tokens/s counts new
// tokens of all rows). Issue 16 asks the cache to be ≥ 3× faster.
func BenchmarkPromptingGreedy(b *testing.B) {
	ref := readPromptingRef(b)
	requireORT(b)
	const steps = 64
	for _, name := range []string{"single_cache", "padded_cache"} {
		var c = ref.Cases[0]
		for _, x := range ref.Cases {
			if x.Name == name {
				c = x
			}
		}
		for _, cache := range []bool{false, true} {
			file := map[bool]string{false: "lm.onnx", true: "lm-kv.onnx"}[cache]
			b.Run(fmt.Sprintf("%s/batch=%d/cache=%v", name[:len(name)-6], len(c.InputIDs), cache), func(b *testing.B) {
				m, err := ort.Open(filepath.Join(promptingDir, "models", file), ort.Options{IntraOpThreads: 1})
				require.NoError(b, err)
				defer func() { _ = m.Close() }()
				for b.Loop() {
					if _, err := greedyRun(m, cache, ref, c.InputIDs, c.AttentionMask, c.PositionIDs, steps); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(steps*len(c.InputIDs))*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			})
		}
	}
}
