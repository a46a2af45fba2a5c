package harness_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/suite"
	ortgo "github.com/yalue/onnxruntime_go"
)

// benchSuite is the quickstart suite: the fine-tuned CNN on 2,000
// Fashion-MNIST images, batch 64, 2 intra-op threads.
const benchSuite = "../suites/quickstart.yaml"

func benchSetup(b *testing.B) (*suite.Suite, *suite.Model) {
	b.Helper()
	if _, err := ort.Init(""); err != nil {
		b.Skipf("no ONNX Runtime: %v", err)
	}
	s, err := suite.Load(benchSuite)
	if err != nil {
		b.Skipf("quickstart suite: %v", err)
	}
	m, ok := s.Model("finetune")
	if !ok {
		b.Skip("quickstart has no finetune model")
	}
	s.Models = []suite.Model{*m}
	s.Tasks = s.Tasks[:1]
	s.Tasks[0].Calibration.Dataset = ""
	s.Gates = nil
	zero := 0
	s.Bootstrap.Resamples = &zero // measure the pipeline, not the bootstrap
	return s, &s.Models[0]
}

// BenchmarkRunPipeline measures `evalctl run` end to end (read IDX, decode,
// normalise, batch, infer, decode outputs, score) without the cache.
// examples/s is reported as a custom metric.
func BenchmarkRunPipeline(b *testing.B) {
	s, _ := benchSetup(b)
	out := b.TempDir()
	opener := func(path string, rt suite.Runtime) (*harness.OpenedModel, error) {
		m, err := ort.Open(path, ort.Options{Providers: rt.ExecutionProviders, AllowFallback: true,
			IntraOpThreads: rt.IntraOpThreads, InterOpThreads: rt.InterOpThreads, GraphOptimization: rt.GraphOptimization})
		if err != nil {
			return nil, err
		}
		return &harness.OpenedModel{Model: m, Inputs: m.Inputs(), Outputs: m.Outputs(), Provider: m.Provider()}, nil
	}
	n := 0
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res, err := harness.Run(context.Background(), s, harness.Options{OutDir: out, Open: opener, NoCache: true})
		if err != nil {
			b.Fatal(err)
		}
		n += res.Evaluations[0].N
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "examples/s")
}

// BenchmarkBareORT is the reference: a bare onnxruntime_go loop over the
// same images, already decoded and normalised in memory, at the same batch
// size and thread count, with nothing else in the loop.
func BenchmarkBareORT(b *testing.B) {
	s, m := benchSetup(b)
	const n = 2000
	batch := s.Runtime.BatchSize
	data := make([]float32, n*28*28)
	for i := range data {
		data[i] = float32(i%255)/255 - 0.5
	}
	opts, err := ortgo.NewSessionOptions()
	if err != nil {
		b.Fatal(err)
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(s.Runtime.IntraOpThreads); err != nil {
		b.Fatal(err)
	}
	sess, err := ortgo.NewDynamicAdvancedSession(filepath.Clean(s.Resolve(m.Path)), []string{"image"}, []string{"logits"}, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Destroy()
	b.ResetTimer()
	start := time.Now()
	total := 0
	for i := 0; i < b.N; i++ {
		for off := 0; off < n; off += batch {
			rows := min(batch, n-off)
			in, err := ortgo.NewTensor(ortgo.NewShape(int64(rows), 1, 28, 28), data[off*784:(off+rows)*784])
			if err != nil {
				b.Fatal(err)
			}
			outs := []ortgo.Value{nil}
			if err := sess.Run([]ortgo.Value{in}, outs); err != nil {
				b.Fatal(err)
			}
			_ = outs[0].(*ortgo.Tensor[float32]).GetData()
			outs[0].Destroy()
			in.Destroy()
			total += rows
		}
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "examples/s")
}
