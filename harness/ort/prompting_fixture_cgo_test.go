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
