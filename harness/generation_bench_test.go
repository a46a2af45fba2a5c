package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/harness/tokenizer"
	ortgo "github.com/yalue/onnxruntime_go"
)

// Generation speed (docs/benchmarks.md, "Generation"): evalctl's
// generation kind with the key/value cache, the same without the cache,
// and a bare onnxruntime_go greedy loop on the cache export, on the same
// 50 prompts, batch 16, 64 new tokens, one intra-op thread. Each reports
// tokens/s (generated tokens over wall time, the evalctl runs from start to
// result, the bare loop from session creation to the last step); compare
// them within one run:
//
//	go test ./harness -run '^$' -bench Generation -benchtime 3x
const (
	benchGenBatch  = 16
	benchGenTokens = 64
)

func benchGenPrompts(b *testing.B) []string {
	f, err := os.Open(filepath.Join(promptingDir, "data", "reverse_test.jsonl"))
	if err != nil {
		b.Skipf("prompting fixtures: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ Input string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			b.Fatal(err)
		}
		out = append(out, "Reverse: "+r.Input+"\nAnswer:")
	}
	return out
}

func benchGenerate(b *testing.B, model string) {
	requireORT(b)
	prompts := benchGenPrompts(b)
	path := genSuite(b, model, benchGenBatch, prompts, fmt.Sprintf("      max_new_tokens: %d\n", benchGenTokens))
	s, err := suite.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	open := ortOpener(b)
	var tokens int64
	var wall time.Duration
	for b.Loop() {
		out := b.TempDir()
		t0 := time.Now()
		res, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow, NoCache: true})
		wall += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		preds, err := ReadPredictions(filepath.Join(out, PredictionsFile))
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range preds[res.Evaluations[0].Key()] {
			tokens += int64(len(p.Tokens))
		}
	}
	b.ReportMetric(float64(tokens)/wall.Seconds(), "tokens/s")
}

// BenchmarkGenerationKV is evalctl with the key/value cache export.
func BenchmarkGenerationKV(b *testing.B) { benchGenerate(b, "lm-kv.onnx") }

// BenchmarkGenerationNoCache is evalctl rerunning the whole sequence.
func BenchmarkGenerationNoCache(b *testing.B) { benchGenerate(b, "lm.onnx") }

// BenchmarkGenerationBareORT is a bare onnxruntime_go greedy loop on the
// cache export: prompts tokenized beforehand, left-padded batches of 16,
// argmax per row, a row stops at the end-of-sequence token.
func BenchmarkGenerationBareORT(b *testing.B) {
	requireORT(b)
	prompts := benchGenPrompts(b)
	tok, err := tokenizer.Load(filepath.Join(promptingDir, "tokenizer.json"))
	if err != nil {
		b.Fatal(err)
	}
	eos, _ := tok.TokenToID("<|endoftext|>")
	var ids [][]int64
	for _, p := range prompts {
		e, err := tok.Encode(p, false)
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, e.IDs)
	}
	if _, err := ort.Init(""); err != nil {
		b.Skip(err)
	}
	const layers, heads, headDim = 2, 4, 16
	inNames := []string{"input_ids", "attention_mask", "position_ids"}
	outNames := []string{"logits"}
	for i := range layers {
		for _, kv := range []string{"key", "value"} {
			inNames = append(inNames, fmt.Sprintf("past_key_values.%d.%s", i, kv))
			outNames = append(outNames, fmt.Sprintf("present.%d.%s", i, kv))
		}
	}
	var tokens int64
	var wall time.Duration
	for b.Loop() {
		t0 := time.Now()
		opts, _ := ortgo.NewSessionOptions()
		_ = opts.SetIntraOpNumThreads(1)
		_ = opts.SetInterOpNumThreads(1)
		sess, err := ortgo.NewDynamicAdvancedSession(filepath.Join(promptingDir, "models", "lm-kv.onnx"), inNames, outNames, opts)
		if err != nil {
			b.Fatal(err)
		}
		for lo := 0; lo < len(ids); lo += benchGenBatch {
			tokens += bareGreedy(b, sess, ids[lo:min(lo+benchGenBatch, len(ids))], eos, 2*layers, heads, headDim)
		}
		sess.Destroy()
		opts.Destroy()
		wall += time.Since(t0)
	}
	b.ReportMetric(float64(tokens)/wall.Seconds(), "tokens/s")
}

// bareGreedy decodes one left-padded batch greedily and returns the number
// of tokens generated.
func bareGreedy(b *testing.B, sess *ortgo.DynamicAdvancedSession, rows [][]int64, eos int64, nPast, heads, headDim int) int64 {
	B, L := len(rows), 0
	for _, r := range rows {
		L = max(L, len(r))
	}
	ids, mask, pos := make([]int64, B*L), make([]int64, B*L), make([]int64, B*L)
	last := make([]int64, B)
	for r, row := range rows {
		pad := L - len(row)
		for j := range L {
			if j < pad {
				ids[r*L+j], pos[r*L+j] = eos, 1
			} else {
				ids[r*L+j], mask[r*L+j], pos[r*L+j] = row[j-pad], 1, int64(j-pad)
			}
		}
		last[r] = int64(len(row) - 1)
	}
	must := func(v ortgo.Value, err error) ortgo.Value {
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	inputs := []ortgo.Value{
		must(ortgo.NewTensor(ortgo.NewShape(int64(B), int64(L)), ids)),
		must(ortgo.NewTensor(ortgo.NewShape(int64(B), int64(L)), mask)),
		must(ortgo.NewTensor(ortgo.NewShape(int64(B), int64(L)), pos)),
	}
	for range nPast {
		inputs = append(inputs, must(ortgo.NewTensor(ortgo.NewShape(int64(B), int64(heads), 0, int64(headDim)), []float32{})))
	}
	done := make([]bool, B)
	var n int64
	seq := L
	for step := 0; step < benchGenTokens; step++ {
		outs := make([]ortgo.Value, 1+nPast)
		if err := sess.Run(inputs, outs); err != nil {
			b.Fatal(err)
		}
		logits := outs[0].(*ortgo.Tensor[float32])
		sh := logits.GetShape()
		T, V := int(sh[1]), int(sh[2])
		data := logits.GetData()
		next := make([]int64, B)
		left := 0
		for r := range B {
			row := data[(r*T+T-1)*V : (r*T+T)*V]
			best := 0
			for i, v := range row {
				if v > row[best] {
					best = i
				}
			}
			next[r] = int64(best)
			if !done[r] {
				n++
				done[r] = next[r] == eos
			}
			if !done[r] {
				left++
			}
		}
		for _, v := range inputs {
			v.Destroy()
		}
		outs[0].Destroy()
		if left == 0 || step == benchGenTokens-1 {
			for _, v := range outs[1:] {
				v.Destroy()
			}
			break
		}
		seq++
		m := make([]int64, B*seq)
		p := make([]int64, B)
		for r := range B {
			copy(m[r*seq:], mask[r*(seq-1):(r+1)*(seq-1)])
			m[r*seq+seq-1] = 1
			last[r]++
			p[r] = last[r]
		}
		mask = m
		inputs = append([]ortgo.Value{
			must(ortgo.NewTensor(ortgo.NewShape(int64(B), 1), next)),
			must(ortgo.NewTensor(ortgo.NewShape(int64(B), int64(seq)), mask)),
			must(ortgo.NewTensor(ortgo.NewShape(int64(B), 1), p)),
		}, outs[1:]...)
	}
	return n
}
