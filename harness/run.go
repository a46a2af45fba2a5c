package harness

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/evalctl/evalctl/harness/cost"
	"github.com/evalctl/evalctl/harness/inputerr"
	"github.com/evalctl/evalctl/harness/outlock"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// OpenedModel is a model ready to run, with what the runtime says about it.
type OpenedModel struct {
	Model    Model
	Inputs   []tensor.Info
	Outputs  []tensor.Info
	Provider string
	Notes    []string
}

// Opener opens a model file under the suite's runtime settings.
type Opener func(path string, rt suite.Runtime) (*OpenedModel, error)

// ModelFacts are static facts about a model file (from parsing the .onnx).
type ModelFacts struct {
	Parameters int64
	Opset      int64
	Producer   string
}

// Progress reports how far one evaluation has got. Total is 0 when unknown.
type Progress struct {
	Model, Task, Variant string
	Done, Total          int
	Finished             bool
}

// Options configures Run.
type Options struct {
	// OutDir receives result.json, predictions.jsonl and the prediction cache
	// (OutDir/cache). Required.
	OutDir string
	// Limit evaluates only the first Limit examples of each dataset (0: all).
	Limit int
	// Shard evaluates one shard of the examples.
	Shard Shard
	// BatchSize overrides the suite's runtime.batch_size when > 0.
	BatchSize int
	// Open opens models. Required.
	Open Opener
	// Facts returns static facts about a model file; optional.
	Facts func(path string) (ModelFacts, error)
	// Runtime describes the ONNX Runtime in use, for provenance.
	ORTVersion, ORTLibrary string
	// Version is evalctl's version; Args the command line, for provenance.
	Version string
	Args    []string
	// NoCache disables reading cached predictions (they are still written).
	NoCache bool
	// Gzip writes the predictions gzip-compressed (predictions.jsonl.gz),
	// as the suite's output.gzip does.
	Gzip bool
	// Label is recorded as the result's run label (result.Run.Label).
	Label string
	// Progress, when set, is called as evaluations advance.
	Progress func(Progress)
	// Warn, when set, receives warnings (a damaged cache chunk that is
	// recomputed).
	Warn func(string)
	// Now returns the current time (default time.Now); tests fix it.
	Now func() time.Time
	// PowerWatts and GridIntensity override the suite's cost section when
	// > 0 (--power-watts, --grid-intensity); PowercapRoot is where RAPL
	// counters are read (default /sys/class/powercap).
	PowerWatts, GridIntensity float64
	PowercapRoot              string
}

// ResultFile and PredictionsFile are the names Run writes inside OutDir.
const (
	ResultFile      = "result.json"
	PredictionsFile = "predictions.jsonl"
)

// Run evaluates every model of the suite on every task, writes
// OutDir/result.json and OutDir/predictions.jsonl atomically, and returns
// the result. Predictions are cached in OutDir/cache in chunks, so a run
// interrupted and started again with the same suite, models and data resumes
// where it stopped. OutDir is locked for the run's duration (outlock): a
// second Run into the same folder fails with outlock.ErrBusy.
func Run(ctx context.Context, s *suite.Suite, opt Options) (*result.Result, error) {
	if opt.Open == nil {
		return nil, errors.New("harness: Options.Open is nil")
	}
	if opt.OutDir == "" {
		return nil, errors.New("harness: Options.OutDir is empty")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	// One run per output folder at a time: a second is refused, naming the
	// holder's pid (package outlock).
	lock, err := outlock.Acquire(opt.OutDir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	r := newRunner(s, opt)
	res, preds, err := r.run(ctx)
	if err != nil {
		return nil, err
	}
	if *s.Output.Predictions {
		name, stale := PredictionsFile, PredictionsFile+result.GzipSuffix
		if s.Output.Gzip || opt.Gzip {
			name, stale = stale, name
		}
		if err := writePredictions(filepath.Join(opt.OutDir, name), preds); err != nil {
			return nil, err
		}
		// The other form, left by an earlier run in the folder, is not this result's.
		if err := os.Remove(filepath.Join(opt.OutDir, stale)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		res.Predictions = name
	}
	if err := result.WriteFile(filepath.Join(opt.OutDir, ResultFile), res); err != nil {
		return nil, err
	}
	return res, nil
}

type runner struct {
	s      *suite.Suite
	opt    Options
	batch  int
	cache  *cache
	dsHash map[string]string // dataset name → hash of its files
	// examples is the most examples any pass read from each dataset
	// (after --limit and --shard).
	examples map[string]int
	// demos holds each task's rendered demonstrations per k.
	mu    sync.Mutex
	demos map[string]*fewshot
	// ctx is the run's context, for the steps that read whole datasets
	// outside a pass (column statistics, few-shot pools); see stopped.
	ctx context.Context
	// memo holds the decoded records of the data set whose variants are
	// being run (keepRecords); nil otherwise.
	memo *recordMemo
}

// stopped returns the run context's error: long loops outside a pass poll
// it so that an interrupt stops them promptly.
func (r *runner) stopped() error {
	if r.ctx == nil {
		return nil
	}
	return r.ctx.Err()
}

func newRunner(s *suite.Suite, opt Options) *runner {
	b := s.Runtime.BatchSize
	if opt.BatchSize > 0 {
		b = opt.BatchSize
	}
	return &runner{s: s, opt: opt, batch: b, dsHash: map[string]string{}, examples: map[string]int{}, demos: map[string]*fewshot{},
		cache: &cache{dir: filepath.Join(opt.OutDir, "cache"), readOff: opt.NoCache, warn: opt.Warn}}
}

// noteExamples records that a pass read n examples of a dataset.
func (r *runner) noteExamples(ds string, n int) {
	r.examples[ds] = max(r.examples[ds], n)
}

func (r *runner) run(ctx context.Context) (*result.Result, []evalPreds, error) {
	s := r.s
	r.ctx = ctx
	host, _ := os.Hostname()
	res := &result.Result{
		Schema: result.Schema,
		Run: result.Run{
			EvalctlVersion: r.opt.Version, GoVersion: runtime.Version(), Started: r.opt.Now().UTC(),
			Host: host, Args: r.opt.Args, Limit: r.opt.Limit, Shard: r.opt.Shard.String(), Label: r.opt.Label,
		},
		Suite: result.Suite{Name: s.Name, Path: s.File, SHA256: s.SHA256, Seed: s.Seed,
			Resamples: *s.Bootstrap.Resamples, Confidence: s.Bootstrap.Confidence, Overrides: s.Overrides},
		Runtime: result.Runtime{
			ORTVersion: r.opt.ORTVersion, Library: r.opt.ORTLibrary,
			RequestedProviders: s.Runtime.ProviderNames(), AllowFallback: *s.Runtime.AllowFallback,
			BatchSize: r.batch, IntraOpThreads: s.Runtime.IntraOpThreads, InterOpThreads: s.Runtime.InterOpThreads,
			GraphOptimization: string(s.Runtime.GraphOptimization), AllowSpinning: s.Runtime.AllowSpinning,
		},
	}
	res.Run.ID = runID(s.SHA256, res.Run.Started)

	// Provenance: hash every dataset file and model file up front.
	for i := range s.Datasets {
		d := &s.Datasets[i]
		info, h, err := r.datasetInfo(ctx, d)
		if err != nil {
			return nil, nil, err
		}
		r.dsHash[d.Name] = h
		res.Datasets = append(res.Datasets, info)
	}

	var all []evalPreds
	outcomes := map[string]map[string]*taskOutcome{} // task → model → outcome
	for i := range s.Models {
		m := &s.Models[i]
		var taskList []*suite.Task
		for j := range s.Tasks {
			t := &s.Tasks[j]
			if len(t.Models) == 0 || contains(t.Models, m.Name) {
				taskList = append(taskList, t)
			}
		}
		path := s.Resolve(m.Path)
		sum, size, err := hashFile(ctx, path)
		if err != nil {
			return nil, nil, fmt.Errorf("model %q: %w", m.Name, err)
		}
		mi := result.Model{Name: m.Name, Path: m.Path, SHA256: sum, SizeBytes: size}
		if a := m.Adaptation; a != nil {
			mi.Adaptation = &result.Adaptation{Method: a.Method, Base: a.Base, TrainableParams: a.TrainableParams,
				TrainExamples: a.TrainExamples, Compute: a.Compute, Notes: a.Notes}
		}
		if c := m.Card; c != nil {
			mi.Card = &result.Card{IntendedUse: c.IntendedUse, OutOfScope: c.OutOfScope, License: c.License, Owners: c.Owners, Notes: c.Notes}
		}
		if r.opt.Facts != nil {
			f, err := r.opt.Facts(path)
			if err != nil {
				return nil, nil, fmt.Errorf("model %q: %w", m.Name, err)
			}
			mi.Parameters, mi.Opset, mi.Producer = f.Parameters, f.Opset, f.Producer
		}
		if len(taskList) == 0 {
			res.Models = append(res.Models, mi)
			continue
		}
		om, err := r.opt.Open(path, s.Runtime)
		if err != nil {
			return nil, nil, fmt.Errorf("model %q: %w", m.Name, err)
		}
		mi.Provider, mi.ProviderNotes = om.Provider, om.Notes
		for _, in := range om.Inputs {
			mi.Inputs = append(mi.Inputs, ioInfo(in))
		}
		for _, out := range om.Outputs {
			mi.Outputs = append(mi.Outputs, ioInfo(out))
		}
		res.Models = append(res.Models, mi)
		mr := &modelRun{m: m, mi: &mi, om: om, hash: sum, meter: cost.Open(r.costConfig(om.Provider))}
		for _, t := range taskList {
			out, err := r.evaluate(ctx, mr, t)
			if err != nil {
				mr.meter.Close()
				om.Model.Close()
				return nil, nil, fmt.Errorf("model %q, task %q: %w", m.Name, t.Name, err)
			}
			res.Evaluations = append(res.Evaluations, out.evals...)
			for _, p := range out.preds {
				res.Run.Resumed += p.resumed
			}
			all = append(all, out.preds...)
			if outcomes[t.Name] == nil {
				outcomes[t.Name] = map[string]*taskOutcome{}
			}
			outcomes[t.Name][m.Name] = out
		}
		mr.meter.Close()
		if err := om.Model.Close(); err != nil {
			return nil, nil, fmt.Errorf("model %q: close: %w", m.Name, err)
		}
	}
	// A dataset's example count is the most examples any pass read from
	// it (after --limit and --shard).
	for i := range res.Datasets {
		res.Datasets[i].Examples = r.examples[res.Datasets[i].Name]
	}
	rob, err := r.robustnessSummaries(outcomes)
	if err != nil {
		return nil, nil, err
	}
	res.Robustness = rob
	AddAdaptedModels(res)
	res.Run.Finished = r.opt.Now().UTC()
	gs, err := ParseGates(s)
	if err != nil {
		return nil, nil, err
	}
	res.Gates = evaluateGates(gs, res)
	return res, all, nil
}

func ioInfo(i tensor.Info) result.IO {
	typ := i.DType.String()
	if i.Kind == tensor.KindSequenceOfMaps {
		typ = fmt.Sprintf("seq(map(%s,%s))", i.MapKey, i.DType)
	}
	return result.IO{Name: i.Name, Type: typ, Shape: i.ShapeString()}
}

func runID(suiteHash string, t time.Time) string {
	h := sha256.Sum256([]byte(suiteHash + t.Format(time.RFC3339Nano)))
	return t.Format("20060102T150405Z") + "-" + hex.EncodeToString(h[:4])
}

func (r *runner) datasetInfo(ctx context.Context, d *suite.Dataset) (result.Dataset, string, error) {
	info := result.Dataset{Name: d.Name, Format: d.Format}
	h := sha256.New()
	for _, f := range datasetSpec(r.s, d).Files() {
		sum, size, err := hashFile(ctx, f)
		if err != nil {
			return info, "", fmt.Errorf("dataset %q: %w", d.Name, err)
		}
		rel := f
		if p, err := filepath.Rel(r.s.Dir, f); err == nil {
			rel = p
		}
		info.Files = append(info.Files, result.File{Path: rel, SHA256: sum, Bytes: size})
		h.Write([]byte(sum))
	}
	return info, hex.EncodeToString(h.Sum(nil)), nil
}

// hashFile returns the SHA-256 and size of a regular file. It refuses
// anything else (a device, a FIFO, a folder: hashing /dev/zero would never
// end) and stops when ctx is cancelled.
//
// The file is checked before it is opened, because opening a FIFO for
// reading blocks until a writer appears. A missing or non-regular file is
// invalid input (exit 2).
func hashFile(ctx context.Context, path string) (string, int64, error) {
	if fi, err := os.Stat(path); err != nil {
		return "", 0, inputerr.Mark(err)
	} else if !fi.Mode().IsRegular() {
		return "", 0, inputerr.Errorf("%s is not a regular file (%s)", path, suite.DescribeMode(fi.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	if !fi.Mode().IsRegular() {
		return "", 0, inputerr.Errorf("%s is not a regular file (%s)", path, suite.DescribeMode(fi.Mode()))
	}
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return "", 0, err
		}
		k, err := f.Read(buf)
		h.Write(buf[:k])
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", 0, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// percentiles returns p50, p90, p99 and the mean of v (milliseconds), using
// the nearest-rank method.
func percentiles(v []float64) result.Latency {
	if len(v) == 0 {
		return result.Latency{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999999) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(s) {
			i = len(s) - 1
		}
		return s[i]
	}
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return result.Latency{P50: rank(0.5), P90: rank(0.9), P99: rank(0.99), Mean: sum / float64(len(s))}
}

// costConfig is the cost meter's configuration for a model run on
// provider: the suite's cost section, overridden by the run's options.
func (r *runner) costConfig(provider string) cost.Config {
	c := cost.Config{PowerWatts: r.s.Cost.PowerWatts, GridIntensity: r.s.Cost.GridIntensity, PowercapRoot: r.opt.PowercapRoot}
	if c.GridIntensity > 0 {
		c.GridSource = "suite cost.grid_intensity"
	}
	if r.opt.PowerWatts > 0 {
		c.PowerWatts = r.opt.PowerWatts
	}
	if r.opt.GridIntensity > 0 {
		c.GridIntensity, c.GridSource = r.opt.GridIntensity, "--grid-intensity"
	}
	if p := suite.Provider(provider); p == suite.ProviderCUDA || p == suite.ProviderTensorRT {
		c.GPU, c.GPUIndex = true, cost.GPUIndexFromEnv()
	}
	return c
}

// cost converts a pass's cost reading into the result's figures; examples
// counts the evaluation's examples, cached or computed.
func (r *runner) cost(st streamStats, examples int) *result.Cost {
	grid, src := r.costConfig("").Grid()
	return st.cost.Result(max(examples-st.resumed, 0), st.resumed, grid, src)
}
