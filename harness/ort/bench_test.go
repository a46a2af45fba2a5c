//go:build cgo

package ort_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/tasks/tensor"
	ortgo "github.com/yalue/onnxruntime_go"
)

// The benchmarks compare evalctl's wrapper with a bare onnxruntime_go loop on
// the same model (cnn.onnx), batch size (64) and threads (1 intra-op thread,
// ORT's default graph optimization). The overhead ratio is
// BareORT ns/op ÷ ModelRun ns/op (design goal: ≥ 0.9).
const (
	benchBatch   = 64
	benchThreads = 1
)

func benchImages() []float32 {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, benchBatch*28*28)
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

// BenchmarkBareORT is the fastest plain onnxruntime_go loop: input and output
// tensors created once and reused, nothing copied per run.
func BenchmarkBareORT(b *testing.B) {
	requireORT(b)
	so, err := ortgo.NewSessionOptions()
	if err != nil {
		b.Fatal(err)
	}
	defer so.Destroy()
	if err := so.SetIntraOpNumThreads(benchThreads); err != nil {
		b.Fatal(err)
	}
	sess, err := ortgo.NewDynamicAdvancedSession(fixture("cnn"), []string{"image"}, []string{"logits"}, so)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Destroy()
	in, err := ortgo.NewTensor(ortgo.NewShape(benchBatch, 1, 28, 28), benchImages())
	if err != nil {
		b.Fatal(err)
	}
	defer in.Destroy()
	out, err := ortgo.NewEmptyTensor[float32](ortgo.NewShape(benchBatch, 10))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Destroy()
	b.ResetTimer()
	for b.Loop() {
		if err := sess.Run([]ortgo.Value{in}, []ortgo.Value{out}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchBatch)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkBareORTAlloc is the usual bare loop: a new input tensor per batch
// and an ORT-allocated output, destroyed after each run.
func BenchmarkBareORTAlloc(b *testing.B) {
	requireORT(b)
	so, err := ortgo.NewSessionOptions()
	if err != nil {
		b.Fatal(err)
	}
	defer so.Destroy()
	if err := so.SetIntraOpNumThreads(benchThreads); err != nil {
		b.Fatal(err)
	}
	sess, err := ortgo.NewDynamicAdvancedSession(fixture("cnn"), []string{"image"}, []string{"logits"}, so)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Destroy()
	x := benchImages()
	b.ResetTimer()
	for b.Loop() {
		in, err := ortgo.NewTensor(ortgo.NewShape(benchBatch, 1, 28, 28), x)
		if err != nil {
			b.Fatal(err)
		}
		outs := []ortgo.Value{nil}
		if err := sess.Run([]ortgo.Value{in}, outs); err != nil {
			b.Fatal(err)
		}
		in.Destroy()
		outs[0].Destroy()
	}
	b.ReportMetric(float64(benchBatch)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkModelRun is evalctl's path: ort.Model.Run with a tensor.Tensor.
func BenchmarkModelRun(b *testing.B) {
	requireORT(b)
	m, err := ort.Open(fixture("cnn"), ort.Options{IntraOpThreads: benchThreads})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	in := []tensor.Tensor{{Name: "image", DType: tensor.Float32, Shape: []int64{benchBatch, 1, 28, 28}, Data: benchImages()}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Run(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchBatch)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
