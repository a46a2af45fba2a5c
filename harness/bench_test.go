package harness_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"github.com/evalctl/evalctl/tasks/tensor"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/suite"
	ortgo "github.com/yalue/onnxruntime_go"
)

// The throughput benchmark of docs/benchmarks.md: `evalctl run` against a
// bare onnxruntime_go loop on the same model (the quickstart's fine-tuned
// CNN), batch size and thread count. Both start cold in every iteration
// (create the session, run every batch, destroy it), as a CI run does.
// Data: the full Fashion-MNIST test set when scripts/fetch-fashion-mnist.sh
// has fetched it (10,000 images), else the quickstart's 2,000.
//
//	go test ./harness -run '^$' -bench 'RunPipeline|BareORT' -benchtime 5x -count 5

func benchSetup(b *testing.B) *suite.Suite {
	b.Helper()
	if _, err := ort.Init(""); err != nil {
		b.Skipf("no ONNX Runtime: %v", err)
	}
	s, err := suite.Load("../suites/quickstart.yaml")
	if err != nil {
		b.Skipf("quickstart suite: %v", err)
	}
	m, _ := s.Model("finetune")
	s.Models = []suite.Model{*m}
	s.Tasks = s.Tasks[:1]
	s.Tasks[0].Calibration.Dataset = ""
	s.Tasks[0].Robustness = nil
	s.Gates = nil
	zero := 0
	s.Bootstrap.Resamples = &zero // measure the pipeline, not the bootstrap
	if v := os.Getenv("EVALCTL_BENCH_THREADS"); v != "" {
		fmt.Sscan(v, &s.Runtime.IntraOpThreads)
	}
	full := "../.evalctl/data/fashion-mnist/"
	d, _ := s.Dataset("fmnist-test")
	if _, err := os.Stat(full + "t10k-images-idx3-ubyte.gz"); err == nil {
		d.Files = []suite.ColumnFile{{Column: "image", Path: "../.evalctl/data/fashion-mnist/t10k-images-idx3-ubyte.gz"}, {Column: "label", Path: "../.evalctl/data/fashion-mnist/t10k-labels-idx1-ubyte.gz"}}
	}
	if os.Getenv("EVALCTL_BENCH_GUNZIP") == "1" {
		// Uncompressed IDX copies: takes gzip decoding out of the producer.
		dir := b.TempDir()
		for i, f := range d.Files {
			dst := filepath.Join(dir, f.Column+".idx")
			if err := gunzip(s.Resolve(f.Path), dst); err != nil {
				b.Fatal(err)
			}
			d.Files[i].Path = dst
		}
	}
	return s
}

func gunzip(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, zr); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func opener(path string, rt suite.Runtime) (*harness.OpenedModel, error) {
	m, err := ort.Open(path, ort.Options{Providers: rt.ProviderNames(), AllowFallback: true,
		IntraOpThreads: rt.IntraOpThreads, InterOpThreads: rt.InterOpThreads, GraphOptimization: string(rt.GraphOptimization)})
	if err != nil {
		return nil, err
	}
	return &harness.OpenedModel{Model: m, Inputs: m.Inputs(), Outputs: m.Outputs(), Provider: m.Provider()}, nil
}

// BenchmarkRunPipeline measures harness.Run end to end (hash inputs, open
// the session, read IDX, decode, normalise, batch, infer, decode outputs,
// cache, score, write result files) without the cache.
func BenchmarkRunPipeline(b *testing.B) {
	s := benchSetup(b)
	out := b.TempDir()
	n := 0
	var stage, inference float64
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res, err := harness.Run(context.Background(), s, harness.Options{OutDir: out, Open: opener, NoCache: true})
		if err != nil {
			b.Fatal(err)
		}
		ev := res.Evaluations[0]
		n += ev.N
		stage += ev.Efficiency.WallSeconds
		inference += ev.Efficiency.InferenceSeconds
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "examples/s")
	// The prediction stage alone, and the model calls alone.
	b.ReportMetric(float64(n)/stage, "stage-examples/s")
	b.ReportMetric(float64(n)/inference, "inference-examples/s")
}

// BenchmarkBareORT is the reference: the same images, decoded and
// normalised in memory beforehand, through a bare onnxruntime_go loop with
// nothing else in it.
func BenchmarkBareORT(b *testing.B) {
	s := benchSetup(b)
	d, _ := s.Dataset("fmnist-test")
	rd, err := dataset.Open(dataset.Spec{Format: dataset.IDX, Paths: []dataset.ColumnFile{
		{Column: "image", Path: s.Resolve(d.Files[0].Path)}, {Column: "label", Path: s.Resolve(d.Files[1].Path)}}})
	if err != nil {
		b.Fatal(err)
	}
	var data []float32
	for rd.Next() {
		for _, v := range rd.Record().Values[0].Arr {
			data = append(data, (v/255-0.2860)/0.3530)
		}
	}
	rd.Close()
	n := len(data) / 784
	batch := s.Runtime.BatchSize
	m, _ := s.Model("finetune")
	path := filepath.Clean(s.Resolve(m.Path))
	b.ResetTimer()
	start := time.Now()
	total := 0
	for i := 0; i < b.N; i++ {
		opts, err := ortgo.NewSessionOptions()
		if err != nil {
			b.Fatal(err)
		}
		if err := opts.SetIntraOpNumThreads(s.Runtime.IntraOpThreads); err != nil {
			b.Fatal(err)
		}
		sess, err := ortgo.NewDynamicAdvancedSession(path, []string{"image"}, []string{"logits"}, opts)
		if err != nil {
			b.Fatal(err)
		}
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
		sess.Destroy()
		opts.Destroy()
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "examples/s")
}

// BenchmarkWrapperAlone runs ort.Model.Run alone on in-memory data, and
// BenchmarkWrapperWithConcurrentReader does the same while one goroutine
// keeps decoding the IDX file: the pair measures how much concurrent CPU work
// slows ONNX Runtime down on the machine at hand (docs/benchmarks.md).
func BenchmarkWrapperAlone(b *testing.B) {
	s := benchSetup(b)
	m, _ := s.Model("finetune")
	om, err := ort.Open(s.Resolve(m.Path), ort.Options{IntraOpThreads: s.Runtime.IntraOpThreads})
	if err != nil {
		b.Fatal(err)
	}
	defer om.Close()
	n := 10000
	data := make([]float32, n*784)
	for i := range data {
		data[i] = float32(i%255)/255 - 0.5
	}
	b.ResetTimer()
	start := time.Now()
	total := 0
	for i := 0; i < b.N; i++ {
		for off := 0; off < n; off += 64 {
			rows := min(64, n-off)
			t := tensor.Tensor{Name: "image", DType: tensor.Float32, Shape: []int64{int64(rows), 1, 28, 28}, Data: data[off*784 : (off+rows)*784]}
			if _, err := om.Run(context.Background(), []tensor.Tensor{t}); err != nil {
				b.Fatal(err)
			}
			total += rows
		}
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "examples/s")
}

func BenchmarkWrapperWithConcurrentReader(b *testing.B) {
	s := benchSetup(b)
	d, _ := s.Dataset("fmnist-test")
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			rd, _ := dataset.Open(dataset.Spec{Format: dataset.IDX, Paths: []dataset.ColumnFile{{Column: "image", Path: s.Resolve(d.Files[0].Path)}}})
			for rd.Next() {
				select {
				case <-stop:
					rd.Close()
					return
				default:
				}
			}
			rd.Close()
		}
	}()
	defer close(stop)
	BenchmarkWrapperAlone(b)
}

// BenchmarkPerturbationCost evaluates the clean data plus one perturbation
// at five severities and reports the cost of the whole against the clean
// pass alone (the goal: about 6×, i.e. perturbing adds little to the
// five extra inference passes). EVALCTL_BENCH_PERTURBATION picks the
// perturbation (default gaussian_noise).
func BenchmarkPerturbationCost(b *testing.B) {
	s := benchSetup(b)
	name := os.Getenv("EVALCTL_BENCH_PERTURBATION")
	if name == "" {
		name = "gaussian_noise"
	}
	s.Tasks[0].Robustness = &suite.RobustnessSpec{Column: "image", Range: []float64{0, 255}, Metric: "accuracy",
		Perturbations: []suite.PerturbationSpec{{Name: name, Severities: []int{1, 2, 3, 4, 5}}}}
	out := b.TempDir()
	var clean, all, cleanInf, allInf float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := harness.Run(context.Background(), s, harness.Options{OutDir: out, Open: opener, NoCache: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, ev := range res.Evaluations {
			all += ev.Efficiency.WallSeconds
			allInf += ev.Efficiency.InferenceSeconds
			if ev.Variant == "clean" {
				clean += ev.Efficiency.WallSeconds
				cleanInf += ev.Efficiency.InferenceSeconds
			}
		}
	}
	b.ReportMetric(all/clean, "cost/clean")
	b.ReportMetric(allInf/cleanInf, "inference/clean")
}
