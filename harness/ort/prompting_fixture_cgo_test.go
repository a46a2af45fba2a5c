//go:build cgo

package ort_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/ort"
	"github.com/stretchr/testify/require"
	ortgo "github.com/yalue/onnxruntime_go"
)

// TestPromptingFixtureEmptyPast runs the first decoding step of
// models/lm-kv.onnx with a past of length 0, as the Optimum layout expects,
// through bare onnxruntime_go (independently of ort.Model's binding), on the
// left-padded reference batch, and checks that its logits equal those of
// models/lm.onnx on the same inputs and that each present has the prompt's
// length on axis 2.
func TestPromptingFixtureEmptyPast(t *testing.T) {
	ref := readPromptingRef(t)
	requireORT(t)
	var c = ref.Cases[len(ref.Cases)-1]
	for _, x := range ref.Cases {
		if x.Name == "padded_cache" {
			c = x
		}
	}
	require.Equal(t, "padded_cache", c.Name)
	b, s := len(c.InputIDs), len(c.InputIDs[0])

	plain, err := ort.Open(filepath.Join(promptingDir, "models", "lm.onnx"), ort.Options{IntraOpThreads: 1})
	require.NoError(t, err)
	defer func() { _ = plain.Close() }()
	want := run(t, plain, i64("input_ids", c.InputIDs), i64("attention_mask", c.AttentionMask),
		i64("position_ids", c.PositionIDs))[0].Data.([]float32)

	names := []string{"input_ids", "attention_mask", "position_ids"}
	outNames := []string{"logits"}
	for l := range ref.NLayer {
		for _, kv := range []string{"key", "value"} {
			names = append(names, fmt.Sprintf("past_key_values.%d.%s", l, kv))
			outNames = append(outNames, fmt.Sprintf("present.%d.%s", l, kv))
		}
	}
	so, err := ortgo.NewSessionOptions()
	require.NoError(t, err)
	defer func() { _ = so.Destroy() }()
	require.NoError(t, so.SetIntraOpNumThreads(1))
	sess, err := ortgo.NewDynamicAdvancedSession(filepath.Join(promptingDir, "models", "lm-kv.onnx"), names, outNames, so)
	require.NoError(t, err)
	defer func() { _ = sess.Destroy() }()

	var ins []ortgo.Value
	defer func() {
		for _, v := range ins {
			_ = v.Destroy()
		}
	}()
	for _, rows := range [][][]int64{c.InputIDs, c.AttentionMask, c.PositionIDs} {
		v, err := ortgo.NewTensor(ortgo.NewShape(int64(b), int64(s)), flatten(rows))
		require.NoError(t, err)
		ins = append(ins, v)
	}
	for range 2 * ref.NLayer {
		v, err := ortgo.NewTensor(ortgo.NewShape(int64(b), int64(ref.NHead), 0, int64(ref.HeadDim)), []float32{})
		require.NoError(t, err)
		ins = append(ins, v)
	}
	outs := make([]ortgo.Value, len(outNames))
	require.NoError(t, sess.Run(ins, outs))
	defer func() {
		for _, v := range outs {
			_ = v.Destroy()
		}
	}()
	got := outs[0].(*ortgo.Tensor[float32]).GetData()
	require.Len(t, got, len(want))
	for i := range want {
		require.InDelta(t, want[i], got[i], 1e-4, "logit %d", i)
	}
	for k, o := range outs[1:] {
		require.Equal(t, ortgo.NewShape(int64(b), int64(ref.NHead), int64(s), int64(ref.HeadDim)), o.GetShape(), outNames[k+1])
	}
}

func flatten(rows [][]int64) []int64 {
	var d []int64
	for _, r := range rows {
		d = append(d, r...)
	}
	return d
}

// bareGreedyKV is the least a Go program can do to decode greedily with the
// Optimum-layout cache through onnxruntime_go: one session, per step new
// input tensors for the new token, the attention mask and the positions,
// the previous step's present outputs fed back as past inputs without a
// copy, ORT-allocated outputs. It is the baseline issue 16 compares the
// generation kind with (KV-cache decoding ÷ this ≥ 0.9).
func bareGreedyKV(sess *ortgo.DynamicAdvancedSession, ref promptingRef, ids, mask, pos [][]int64, steps int) ([][]int64, error) {
	b, s := len(ids), len(ids[0])
	nOut := 1 + 2*ref.NLayer
	var past []ortgo.Value
	destroy := func(vs []ortgo.Value) {
		for _, v := range vs {
			if v != nil {
				_ = v.Destroy()
			}
		}
	}
	defer func() { destroy(past) }()
	for range 2 * ref.NLayer {
		v, err := ortgo.NewTensor(ortgo.NewShape(int64(b), int64(ref.NHead), 0, int64(ref.HeadDim)), []float32{})
		if err != nil {
			return nil, err
		}
		past = append(past, v)
	}
	maskData := flatten(mask)
	total := s
	curIDs, curPos, cur := flatten(ids), flatten(pos), s
	lastPos := make([]int64, b)
	for r := range b {
		lastPos[r] = pos[r][s-1]
	}
	got := make([][]int64, b)
	for range steps {
		tIDs, err := ortgo.NewTensor(ortgo.NewShape(int64(b), int64(cur)), curIDs)
		if err != nil {
			return nil, err
		}
		tMask, err := ortgo.NewTensor(ortgo.NewShape(int64(b), int64(total)), maskData)
		if err != nil {
			return nil, err
		}
		tPos, err := ortgo.NewTensor(ortgo.NewShape(int64(b), int64(cur)), curPos)
		if err != nil {
			return nil, err
		}
		ins := append([]ortgo.Value{tIDs, tMask, tPos}, past...)
		outs := make([]ortgo.Value, nOut)
		err = sess.Run(ins, outs)
		destroy(ins)
		past = nil
		if err != nil {
			destroy(outs)
			return nil, err
		}
		lg := outs[0].(*ortgo.Tensor[float32])
		d, v := lg.GetData(), int(lg.GetShape()[2])
		next := make([]int64, b)
		for r := range b {
			row := d[(r*cur+cur-1)*v : (r*cur+cur)*v]
			best := 0
			for j, x := range row {
				if x > row[best] {
					best = j
				}
			}
			next[r] = int64(best)
			got[r] = append(got[r], int64(best))
		}
		_ = outs[0].Destroy()
		past = outs[1:]
		// The next step: one new token per row; the mask grows by a column of ones.
		newMask := make([]int64, 0, b*(total+1))
		for r := range b {
			newMask = append(newMask, maskData[r*total:(r+1)*total]...)
			newMask = append(newMask, 1)
			lastPos[r]++
		}
		maskData, total, cur = newMask, total+1, 1
		curIDs, curPos = next, append([]int64(nil), lastPos...)
	}
	return got, nil
}

func openBareKV(tb testing.TB, ref promptingRef) *ortgo.DynamicAdvancedSession {
	tb.Helper()
	names := []string{"input_ids", "attention_mask", "position_ids"}
	outNames := []string{"logits"}
	for l := range ref.NLayer {
		for _, kv := range []string{"key", "value"} {
			names = append(names, fmt.Sprintf("past_key_values.%d.%s", l, kv))
			outNames = append(outNames, fmt.Sprintf("present.%d.%s", l, kv))
		}
	}
	so, err := ortgo.NewSessionOptions()
	require.NoError(tb, err)
	defer func() { _ = so.Destroy() }()
	require.NoError(tb, so.SetIntraOpNumThreads(1))
	sess, err := ortgo.NewDynamicAdvancedSession(filepath.Join(promptingDir, "models", "lm-kv.onnx"), names, outNames, so)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = sess.Destroy() })
	return sess
}

// TestPromptingBareGreedyKV checks the bare baseline loop decodes exactly
// PyTorch's greedy tokens for every cached reference case.
func TestPromptingBareGreedyKV(t *testing.T) {
	ref := readPromptingRef(t)
	requireORT(t)
	sess := openBareKV(t, ref)
	for _, c := range ref.Cases {
		if !c.Cache {
			continue
		}
		got, err := bareGreedyKV(sess, ref, c.InputIDs, c.AttentionMask, c.PositionIDs, ref.NewTokens)
		require.NoError(t, err)
		require.Equal(t, c.NewTokens, got, c.Name)
	}
}

// BenchmarkPromptingBareGreedyKV is the bare loop at 64 new tokens on the
// same prompts, batches and threads as BenchmarkPromptingGreedy's cached
// runs, for the ratio issue 16 asks of the generation kind.
func BenchmarkPromptingBareGreedyKV(b *testing.B) {
	ref := readPromptingRef(b)
	requireORT(b)
	sess := openBareKV(b, ref)
	const steps = 64
	for _, p := range benchPrompts(b, ref) {
		b.Run(fmt.Sprintf("%s/batch=%d/prompt=%d", p.name, len(p.ids), len(p.ids[0])), func(b *testing.B) {
			for b.Loop() {
				if _, err := bareGreedyKV(sess, ref, p.ids, p.mask, p.pos, steps); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(steps*len(p.ids))*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
