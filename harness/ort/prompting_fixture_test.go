package ort_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/tokenizer"
	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// promptingDir holds the bundled prompting suite's model and its reference
// continuations, written by scripts/gen_prompting_fixtures.py.
var promptingDir = filepath.Join("..", "..", "suites", "prompting")

// promptingRef is reference.json of scripts/gen_prompting_fixtures.py.
type promptingRef struct {
	VocabSize int `json:"vocab_size"`
	EOS       int `json:"eos_id"`
	Pad       int `json:"pad_id"`
	NLayer    int `json:"n_layer"`
	NHead     int `json:"n_head"`
	HeadDim   int `json:"head_dim"`
	NewTokens int `json:"new_tokens"`
	Cases     []struct {
		Name          string      `json:"name"`
		Cache         bool        `json:"cache"`
		InputIDs      [][]int64   `json:"input_ids"`
		AttentionMask [][]int64   `json:"attention_mask"`
		PositionIDs   [][]int64   `json:"position_ids"`
		NewTokens     [][]int64   `json:"new_tokens"`
		ChosenLogits  [][]float64 `json:"chosen_logits"`
	} `json:"cases"`
}

func readPromptingRef(t testing.TB) promptingRef {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(promptingDir, "reference.json"))
	require.NoError(t, err)
	var ref promptingRef
	require.NoError(t, json.Unmarshal(b, &ref))
	require.NotEmpty(t, ref.Cases)
	return ref
}

// i64 flattens rows into an int64 [len(rows), len(rows[0])] tensor.
func i64(name string, rows [][]int64) tensor.Tensor {
	var d []int64
	for _, r := range rows {
		d = append(d, r...)
	}
	return tensor.Tensor{Name: name, DType: tensor.Int64, Shape: []int64{int64(len(rows)), int64(len(rows[0]))}, Data: d}
}

// lastArgmax returns, for each batch row of logits [batch, seq, vocab], the
// argmax of the last position's logits (first index on ties, as torch) and
// that logit.
func lastArgmax(t *testing.T, logits tensor.Tensor) ([]int64, []float64) {
	t.Helper()
	require.Len(t, logits.Shape, 3)
	b, s, v := int(logits.Shape[0]), int(logits.Shape[1]), int(logits.Shape[2])
	d := logits.Data.([]float32)
	ids, vals := make([]int64, b), make([]float64, b)
	for r := range b {
		row := d[(r*s+s-1)*v : (r*s+s)*v]
		best := 0
		for j, x := range row {
			if x > row[best] {
				best = j
			}
		}
		ids[r], vals[r] = int64(best), float64(row[best])
	}
	return ids, vals
}

// TestPromptingFixtureGreedy runs the bundled causal LM through ort.Model in
// a greedy loop written here, with the whole sequence re-run each step
// (models/lm.onnx) and with the Optimum-layout KV cache (models/lm-kv.onnx,
// starting from a past of length 0), and checks every step's argmax token
// and its logit against PyTorch's own greedy decoding in reference.json.
// The padded cases are left-padded batches: their tokens equal each prompt's
// batch-1 continuation (the generator asserts that in PyTorch).
func TestPromptingFixtureGreedy(t *testing.T) {
	ref := readPromptingRef(t)
	requireORT(t)
	plain, err := ort.Open(filepath.Join(promptingDir, "models", "lm.onnx"), ort.Options{IntraOpThreads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = plain.Close() })
	kv, err := ort.Open(filepath.Join(promptingDir, "models", "lm-kv.onnx"), ort.Options{IntraOpThreads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = kv.Close() })

	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			ids := clone2(c.InputIDs)
			mask := clone2(c.AttentionMask)
			pos := clone2(c.PositionIDs)
			b := len(ids)
			got := make([][]int64, b)
			var past []tensor.Tensor
			if c.Cache {
				// The first step has a past of length 0, as Optimum's
				// decoder-with-past expects.
				past = zeroPast(ref, b, 0)
			}
			stepIDs, stepPos := ids, pos
			for step := range ref.NewTokens {
				var next []int64
				var vals []float64
				if c.Cache {
					in := append([]tensor.Tensor{i64("input_ids", stepIDs), i64("attention_mask", mask),
						i64("position_ids", stepPos)}, past...)
					out := run(t, kv, in...)
					require.Len(t, out, 1+2*ref.NLayer)
					next, vals = lastArgmax(t, out[0])
					past = past[:0]
					for k, o := range out[1:] {
						o.Name = "past_key_values" + o.Name[len("present"):]
						require.Equal(t, []int64{int64(b), int64(ref.NHead), int64(len(mask[0])), int64(ref.HeadDim)},
							o.Shape, "present %d at step %d", k, step)
						past = append(past, o)
					}
				} else {
					out := run(t, plain, i64("input_ids", ids), i64("attention_mask", mask), i64("position_ids", pos))
					require.Len(t, out, 1)
					assert.Equal(t, []int64{int64(b), int64(len(ids[0])), int64(ref.VocabSize)}, out[0].Shape)
					next, vals = lastArgmax(t, out[0])
				}
				stepIDs, stepPos = make([][]int64, b), make([][]int64, b)
				for r := range b {
					require.Equal(t, c.NewTokens[r][step], next[r], "row %d step %d", r, step)
					assert.InDelta(t, c.ChosenLogits[r][step], vals[r], 1e-3, "row %d step %d", r, step)
					got[r] = append(got[r], next[r])
					p := pos[r][len(pos[r])-1] + 1
					ids[r] = append(ids[r], next[r])
					mask[r] = append(mask[r], 1)
					pos[r] = append(pos[r], p)
					stepIDs[r], stepPos[r] = []int64{next[r]}, []int64{p}
				}
			}
			assert.Equal(t, c.NewTokens, got)
		})
	}
}

// TestPromptingFixtureIO pins the inputs and outputs the generation kind
// relies on: the Optimum decoder-with-past names and symbolic dimensions.
func TestPromptingFixtureIO(t *testing.T) {
	ref := readPromptingRef(t)
	requireORT(t)
	kv, err := ort.Open(filepath.Join(promptingDir, "models", "lm-kv.onnx"), ort.Options{IntraOpThreads: 1})
	require.NoError(t, err)
	defer func() { _ = kv.Close() }()
	var in, out []string
	for _, i := range kv.Inputs() {
		in = append(in, i.Name+" "+i.DType.String()+" "+i.ShapeString())
	}
	for _, o := range kv.Outputs() {
		out = append(out, o.Name+" "+o.DType.String()+" "+o.ShapeString())
	}
	wantIn := []string{
		"input_ids int64 [batch_size, sequence_length]",
		"attention_mask int64 [batch_size, past_sequence_length + sequence_length]",
		"position_ids int64 [batch_size, sequence_length]",
	}
	wantOut := []string{fmt.Sprintf("logits float32 [batch_size, sequence_length, %d]", ref.VocabSize)}
	for l := range ref.NLayer {
		for _, k := range []string{"key", "value"} {
			wantIn = append(wantIn, fmt.Sprintf("past_key_values.%d.%s float32 [batch_size, %d, past_sequence_length, %d]",
				l, k, ref.NHead, ref.HeadDim))
			wantOut = append(wantOut, fmt.Sprintf("present.%d.%s float32 [batch_size, %d, past_sequence_length + sequence_length, %d]",
				l, k, ref.NHead, ref.HeadDim))
		}
	}
	assert.Equal(t, wantIn, in)
	assert.Equal(t, wantOut, out)
}

// zeroPast returns the past_key_values inputs of ref's model, all zeros,
// for a batch of b and a past of length n.
func zeroPast(ref promptingRef, b, n int) []tensor.Tensor {
	var past []tensor.Tensor
	for l := range ref.NLayer {
		for _, kv := range []string{"key", "value"} {
			past = append(past, tensor.New(fmt.Sprintf("past_key_values.%d.%s", l, kv),
				tensor.Float32, []int64{int64(b), int64(ref.NHead), int64(n), int64(ref.HeadDim)}))
		}
	}
	return past
}

func clone2(x [][]int64) [][]int64 {
	out := make([][]int64, len(x))
	for i, r := range x {
		out[i] = append([]int64(nil), r...)
	}
	return out
}

// TestPromptingFixtureTokenizer checks that harness/tokenizer encodes every
// reference prompt to the ids the generator fed PyTorch (the unpadded tail
// of input_ids), decodes the continuations to the recorded text, and reports
// the recorded vocabulary size.
func TestPromptingFixtureTokenizer(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(promptingDir, "reference.json"))
	require.NoError(t, err)
	var ref struct {
		VocabSize int `json:"vocab_size"`
		EOS       int `json:"eos_id"`
		Cases     []struct {
			Prompts   []string  `json:"prompts"`
			InputIDs  [][]int64 `json:"input_ids"`
			Mask      [][]int64 `json:"attention_mask"`
			NewTokens [][]int64 `json:"new_tokens"`
			Text      []string  `json:"text"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &ref))
	tok, err := tokenizer.Load(filepath.Join(promptingDir, "tokenizer.json"))
	require.NoError(t, err)
	assert.Equal(t, ref.VocabSize, tok.VocabSize())
	id, ok := tok.TokenToID("<|endoftext|>")
	require.True(t, ok)
	assert.Equal(t, int64(ref.EOS), id)
	for _, c := range ref.Cases {
		for r, p := range c.Prompts {
			enc, err := tok.Encode(p, false)
			require.NoError(t, err)
			pad := 0
			for pad < len(c.Mask[r]) && c.Mask[r][pad] == 0 {
				pad++
			}
			assert.Equal(t, c.InputIDs[r][pad:], enc.IDs, "prompt %q", p)
			assert.Equal(t, c.Text[r], tok.Decode(c.NewTokens[r], false))
		}
	}
}
