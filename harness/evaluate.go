package harness

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// job is one batch moving through the pipeline.
type job struct {
	chunk     int
	lastChunk bool // the chunk ends with this job
	cached    bool
	mode      tasks.ScoreMode
	meta      []tasks.Prediction
	recs      []dataset.Record // records awaiting encoding (uncached jobs)
	inputs    []tensor.Tensor
	rows      int // real rows (inputs may be padded to a fixed batch)
	outs      []tensor.Tensor
	latency   time.Duration
}

// prediction stream statistics.
type streamStats struct {
	wall, inference time.Duration
	latencies       []float64
	batches         int
	resumed         int
	batchSize       int
}

// predictRun is one model × dataset pass.
type predictRun struct {
	r        *runner
	model    *suite.Model
	om       *OpenedModel
	ds       *suite.Dataset
	clf      *tasks.Classifier // classification tasks
	reg      *tasks.Regressor  // regression tasks
	dec      decoder           // clf or reg
	key      string
	enc      *encoders
	reader   dataset.Reader
	binds    []binding
	inputs   inputEncoder
	batch    int
	outName  string
	progress Progress
	tf       transform
}

// decoder turns output tensors into predictions (tasks.Classifier,
// tasks.Regressor).
type decoder interface {
	PickOutput(outs []tensor.Info) (string, error)
	Decode(out tensor.Tensor, rows int, dst []tasks.Prediction) error
	Mode() tasks.ScoreMode
	SetMode(tasks.ScoreMode)
}

// openPass opens the dataset, compiles it, binds the model inputs and builds
// the classifier for task t.
func (r *runner) openPass(m *suite.Model, om *OpenedModel, t *suite.Task, d *suite.Dataset, dsHash string, v variant) (*predictRun, error) {
	rd, err := dataset.Open(datasetSpec(r.s, d))
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", d.Name, err)
	}
	p := &predictRun{r: r, model: m, om: om, ds: d, reader: rd}
	fail := func(err error) (*predictRun, error) { rd.Close(); return nil, err }
	regression := t.Kind == string(tasks.Regression)
	p.enc, err = compileDataset(d, rd.Columns(), regression)
	if err != nil {
		return fail(err)
	}
	if v.build != nil {
		if p.tf, err = v.build(rd.Columns()); err != nil {
			return fail(fmt.Errorf("dataset %q, variant %s: %w", d.Name, v.name, err))
		}
	}
	if textEncoderFor != nil {
		te, err := textEncoderFor(r.s, d, rd.Columns(), om.Inputs, r.batch)
		if err != nil {
			return fail(err)
		}
		if te != nil {
			p.inputs, p.batch = te, r.batch
		}
	}
	if p.inputs == nil {
		p.binds, p.batch, err = bind(m, om.Inputs, p.enc, r.batch)
		if err != nil {
			return fail(err)
		}
		p.inputs = &featureEncoder{binds: p.binds, enc: p.enc}
	}
	var classes []string
	switch {
	case regression:
		if p.enc.target < 0 {
			return fail(fmt.Errorf("dataset %q declares no target (label) column", d.Name))
		}
		p.reg = tasks.NewRegressor(tasks.RegressionConfig{Output: t.Output, Invalid: tasks.InvalidPolicy(t.Invalid),
			Metrics: t.Metrics, Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed})
		p.dec = p.reg
	default:
		if p.enc.label == nil {
			return fail(fmt.Errorf("dataset %q declares no label", d.Name))
		}
		binning := metrics.EqualWidth
		if t.Calibration.Binning == "equal_mass" {
			binning = metrics.EqualMass
		}
		classes = p.enc.label.Classes()
		p.clf, err = tasks.NewClassifier(tasks.ClassificationConfig{
			Classes: classes, Output: t.Output, Scores: tasks.ScoreMode(t.Scores),
			Invalid: tasks.InvalidPolicy(t.Invalid), Metrics: t.Metrics, Bins: t.Calibration.Bins, Binning: binning,
			Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed,
		})
		if err != nil {
			return fail(fmt.Errorf("dataset %q: %w", d.Name, err))
		}
		p.dec = p.clf
	}
	p.outName, err = p.dec.PickOutput(om.Outputs)
	if err != nil {
		return fail(err)
	}
	mh, _, _ := hashFile(r.s.Resolve(m.Path))
	p.key = cacheKey("v1", mh, dsHash, d, m.Inputs, p.outName, t.Kind, t.Scores, classes,
		r.opt.ORTVersion, om.Provider, r.opt.Limit, r.opt.Shard.String(), v.name, v.key)
	return p, nil
}

// predict streams the dataset through the model: a producer goroutine reads
// and encodes batches, a second runs inference, and the caller decodes,
// caches and collects — so reading, encoding and decoding overlap with
// inference.
func (p *predictRun) predict(ctx context.Context) ([]tasks.Prediction, streamStats, error) {
	defer p.reader.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	toInfer := make(chan *job, 4)
	toDecode := make(chan *job, 4)
	// firstErr keeps the error that stopped the pipeline first; the others
	// are usually its consequence (a cancelled context).
	var errMu sync.Mutex
	var firstErr error
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		cancel()
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(toInfer)
		if err := p.produce(ctx, toInfer); err != nil {
			fail(err)
		}
	}()
	go func() {
		defer wg.Done()
		defer close(toDecode)
		for j := range toInfer {
			if !j.cached {
				t0 := time.Now()
				outs, err := p.om.Model.Run(ctx, j.inputs)
				j.latency = time.Since(t0)
				if err != nil {
					fail(fmt.Errorf("inference on examples %d..%d: %w", j.meta[0].Index, j.meta[len(j.meta)-1].Index, err))
					for range toInfer {
					}
					return
				}
				j.outs = outs
				j.inputs = nil
			}
			select {
			case toDecode <- j:
			case <-ctx.Done():
				for range toInfer {
				}
				return
			}
		}
	}()
	// Chunks are written to the cache by their own goroutine, so that a slow
	// disk (each chunk is synced) never stalls inference.
	toStore := make(chan *chunkFile, 8)
	stored := make(chan struct{})
	go func() {
		defer close(stored)
		for cf := range toStore {
			if err := p.r.cache.store(cf); err != nil {
				fail(err)
				for range toStore {
				}
				return
			}
		}
	}()
	var preds []tasks.Prediction
	var st streamStats
	st.batchSize = p.batch
	var chunkBuf []cachedPred
	decFailed := false
	for j := range toDecode {
		if decFailed {
			continue
		}
		if j.cached {
			st.resumed += len(j.meta)
			if p.dec.Mode() == "" {
				p.dec.SetMode(j.mode)
			}
		} else {
			st.batches++
			st.inference += j.latency
			st.latencies = append(st.latencies, float64(j.latency.Microseconds())/1000)
			if err := p.decode(j); err != nil {
				fail(err)
				decFailed = true
				continue
			}
			for _, m := range j.meta {
				cp := cachedPred{Index: m.Index, Probs: m.Probs, Pred: m.Pred, Invalid: m.Invalid, Changed: m.Changed, Value: m.Value}
				if m.Invalid != "" {
					// NaN has no JSON form; the invalid flag says it all.
					cp.Probs, cp.Value = nil, 0
				}
				chunkBuf = append(chunkBuf, cp)
			}
			if j.lastChunk {
				toStore <- &chunkFile{Key: p.key, Chunk: j.chunk, Mode: string(p.dec.Mode()), Entries: chunkBuf}
				chunkBuf = nil
			}
		}
		preds = append(preds, j.meta...)
		if p.r.opt.Progress != nil {
			p.progress.Done = len(preds)
			p.r.opt.Progress(p.progress)
		}
	}
	wg.Wait()
	close(toStore)
	<-stored
	st.wall = time.Since(start)
	if firstErr != nil {
		return nil, st, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, st, err
	}
	return preds, st, nil
}

func (p *predictRun) decode(j *job) error {
	for _, o := range j.outs {
		if o.Name == p.outName {
			if err := p.dec.Decode(o, j.rows, j.meta); err != nil {
				return fmt.Errorf("decode examples %d..%d: %w", j.meta[0].Index, j.meta[len(j.meta)-1].Index, err)
			}
			return nil
		}
	}
	return fmt.Errorf("model returned no output %q", p.outName)
}

// produce reads the dataset, applies --limit and --shard, and emits batches.
func (p *predictRun) produce(ctx context.Context, out chan<- *job) error {
	r := p.r
	rd := p.reader
	pos, selected := 0, 0
	var cur *job
	var cachedChunk *chunkFile
	chunkNo := -1
	emit := func(last bool) error {
		if cur == nil {
			return nil
		}
		cur.lastChunk = last
		if !cur.cached {
			rows := p.batch
			if !p.fixedBatch() {
				rows = len(cur.recs) // the final partial batch shrinks for a dynamic batch axis
			}
			var err error
			if cur.inputs, err = p.inputs.encode(cur.recs, rows); err != nil {
				return err
			}
			cur.recs = nil
		}
		select {
		case out <- cur:
		case <-ctx.Done():
			return ctx.Err()
		}
		cur = nil
		return nil
	}
	for rd.Next() {
		if r.opt.Limit > 0 && pos >= r.opt.Limit {
			break
		}
		p0 := pos
		pos++
		if !r.opt.Shard.selects(p0) {
			continue
		}
		rec := rd.Record()
		changed := false
		if p.tf != nil {
			var err error
			if changed, err = p.tf(&rec); err != nil {
				return err
			}
		}
		q := selected
		selected++
		c := q / chunkSize
		if c != chunkNo {
			if err := emit(true); err != nil {
				return err
			}
			chunkNo = c
			var err error
			cachedChunk, err = r.cache.load(p.key, c)
			if err != nil {
				return err
			}
		}
		pr := tasks.Prediction{Index: rec.Index, ID: p.enc.id(rec), Label: -1, Pred: -1, Changed: changed}
		if p.reg != nil {
			v, err := p.enc.targetValue(rec, p.ds.Label.Column)
			if err != nil {
				return err
			}
			pr.Target = v
		} else {
			label, err := p.enc.label.Label(rec)
			if err != nil {
				return err
			}
			pr.Label = label
		}
		for _, g := range p.enc.groups {
			v, err := g.Group(rec)
			if err != nil {
				return err
			}
			pr.Groups = append(pr.Groups, v)
		}
		if cachedChunk != nil {
			k := q - c*chunkSize
			if k >= len(cachedChunk.Entries) || cachedChunk.Entries[k].Index != rec.Index {
				return fmt.Errorf("prediction cache %s does not match the data at %s; delete it or run with --no-cache", r.cache.path(p.key, c), rec.Loc)
			}
			e := cachedChunk.Entries[k]
			pr.Probs, pr.Pred, pr.Invalid, pr.Value = e.Probs, e.Pred, e.Invalid, e.Value
			if e.Invalid != "" {
				pr.Value = math.NaN()
			}
			if e.Changed != pr.Changed {
				return fmt.Errorf("prediction cache %s does not match the data at %s; delete it or run with --no-cache", r.cache.path(p.key, c), rec.Loc)
			}
			if cur == nil {
				cur = &job{chunk: c, cached: true, mode: tasks.ScoreMode(cachedChunk.Mode)}
			}
			cur.meta = append(cur.meta, pr)
			cur.rows++
			if len(cur.meta) == p.batch {
				if err := emit(false); err != nil {
					return err
				}
			}
			continue
		}
		if cur == nil {
			cur = &job{chunk: c}
		}
		cur.recs = append(cur.recs, rec)
		cur.meta = append(cur.meta, pr)
		cur.rows++
		if cur.rows == p.batch {
			last := (q+1)%chunkSize == 0
			if err := emit(last); err != nil {
				return err
			}
		}
	}
	if err := rd.Err(); err != nil {
		return err
	}
	return emit(true)
}

func (p *predictRun) fixedBatch() bool {
	for _, b := range p.binds {
		if len(b.input.Shape) > 0 && b.input.Shape[0] > 0 {
			return true
		}
	}
	return false
}

// kindRunners holds task kinds that do not go through the classification
// pipeline (language-model scoring); each registers itself in an init.
var kindRunners = map[string]func(ctx context.Context, r *runner, m *suite.Model, mi *result.Model, om *OpenedModel, t *suite.Task, dsHash map[string]string) (*taskOutcome, error){}

// textEncoderFor, when set, returns an encoder for datasets whose features
// are text (tokenized); it returns nil for datasets without text features.
var textEncoderFor func(s *suite.Suite, d *suite.Dataset, cols []dataset.Column, inputs []tensor.Info, batch int) (inputEncoder, error)

// variantRun is one scored variant of a task for one model.
type variantRun struct {
	ev    result.Evaluation
	preds evalPreds
	clf   *tasks.Classifier
}

// runVariant predicts and scores one variant of a task.
func (r *runner) runVariant(ctx context.Context, m *suite.Model, mi *result.Model, om *OpenedModel, t *suite.Task, dsHash map[string]string, v variant) (*variantRun, error) {
	d := v.dataset
	if d == nil {
		d, _ = r.s.Dataset(t.Dataset)
	}
	p, err := r.openPass(m, om, t, d, dsHash[d.Name], v)
	if err != nil {
		return nil, err
	}
	p.progress = Progress{Model: m.Name, Task: t.Name, Variant: v.name}
	if l, ok := p.reader.(dataset.Lener); ok {
		p.progress.Total = selectedCount(l.Len(), r.opt.Limit, r.opt.Shard)
	}
	preds, st, err := p.predict(ctx)
	if err != nil {
		if v.name != "clean" {
			err = fmt.Errorf("variant %s: %w", v.name, err)
		}
		return nil, err
	}
	if r.opt.Progress != nil {
		p.progress.Done, p.progress.Finished = len(preds), true
		r.opt.Progress(p.progress)
	}
	ev := result.Evaluation{
		Model: m.Name, Task: t.Name, Kind: t.Kind, Dataset: d.Name, Variant: v.name,
		Perturbation: v.perturbation, Severity: v.severity,
		InvalidPolicy: t.Invalid,
	}
	var scores tasks.Scores
	if p.reg != nil {
		scores, err = p.reg.Score(preds)
	} else {
		ev.Classes = p.enc.label.Classes()
		scores, err = p.clf.Score(preds)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset %q, variant %s: %w", d.Name, v.name, err)
	}
	ev.N, ev.Invalid = scores.N, scores.Invalid
	ev.Scoring = &result.Scoring{Metrics: t.Metrics, Scores: string(p.dec.Mode()), Output: p.outName,
		Bins: t.Calibration.Bins, Binning: t.Calibration.Binning, CalibrationDataset: t.Calibration.Dataset, Groups: p.enc.gnames}
	ev.Metrics = convertMetrics(scores.Metrics)
	ev.Reliability = convertReliability(scores.Reliability)
	ev.RiskCoverage = convertCoverage(scores.RiskCoverage)
	computed := len(preds) - st.resumed
	eff := &result.Efficiency{
		Examples: len(preds), Batches: st.batches, BatchSize: st.batchSize,
		WallSeconds: st.wall.Seconds(), InferenceSeconds: st.inference.Seconds(),
		LatencyMs: percentiles(st.latencies), ModelBytes: mi.SizeBytes, Parameters: mi.Parameters,
		Cached: st.resumed > 0,
	}
	if computed > 0 && st.wall > 0 {
		eff.ExamplesPerSecond = float64(computed) / st.wall.Seconds()
	}
	ev.Efficiency = eff
	ep := evalPreds{key: ev.Key(), groups: p.enc.gnames, classes: ev.Classes, preds: preds, resumed: st.resumed, regression: p.reg != nil}
	return &variantRun{ev: ev, preds: ep, clf: p.clf}, nil
}

func convertCoverage(ps []tasks.CoveragePoint) []result.CoveragePoint {
	var out []result.CoveragePoint
	for _, p := range ps {
		out = append(out, result.CoveragePoint{Coverage: p.Coverage, Risk: result.Float(p.Risk)})
	}
	return out
}

func convertReliability(rs []tasks.Reliability) []result.Reliability {
	var out []result.Reliability
	for _, rel := range rs {
		rr := result.Reliability{Metric: rel.Metric}
		for _, b := range rel.Bins {
			rr.Bins = append(rr.Bins, result.ReliabilityBin{Lower: b.Lower, Upper: b.Upper,
				Confidence: result.Float(b.Confidence), Accuracy: result.Float(b.Accuracy), Count: b.Count})
		}
		out = append(out, rr)
	}
	return out
}

// taskOutcome is everything one model produced on one task.
type taskOutcome struct {
	evals      []result.Evaluation
	preds      []evalPreds
	robustness *tasks.RobustnessScores
	shift      map[string]float64 // OOD dataset → headline metric
	clean      float64            // headline metric on the clean data
	// For the intervals of figures that span evaluations (ID–OOD gap,
	// effective robustness, mCE): the headline metric as a statistic of
	// resampled examples, and per-example correctness.
	cleanStat      func(idx []int) float64
	cleanN         int
	shiftStat      map[string]func(idx []int) float64
	shiftN         map[string]int
	cleanCorrect   []float64
	shiftCorrect   map[string][]float64
	variantCorrect map[string][]float64 // "perturbation@severity" → correctness
}

// taskRuns holds every prediction pass of one model on one task.
type taskRuns struct {
	clean     *variantRun
	calib     *evalPreds // calibration split, when declared
	cfs       []*variantRun
	perturbed []*variantRun
	shift     []*variantRun
}

// evaluate runs one model on one task: the clean data, then the task's
// calibration split, counterfactuals, perturbations and shift datasets; then
// summarises them.
func (r *runner) evaluate(ctx context.Context, m *suite.Model, mi *result.Model, om *OpenedModel, t *suite.Task, dsHash map[string]string) (*taskOutcome, error) {
	if run, ok := kindRunners[t.Kind]; ok {
		return run(ctx, r, m, mi, om, t, dsHash)
	}
	var runs taskRuns
	var err error
	if runs.clean, err = r.runVariant(ctx, m, mi, om, t, dsHash, cleanVariant); err != nil {
		return nil, err
	}
	if t.Calibration.Dataset != "" {
		if runs.calib, err = r.predictCalibration(ctx, m, om, t, dsHash); err != nil {
			return nil, err
		}
	}
	if f := t.Fairness; f != nil {
		for _, cf := range f.Counterfactual {
			v, err := r.counterfactualVariant(cf)
			if err != nil {
				return nil, err
			}
			vr, err := r.runVariant(ctx, m, mi, om, t, dsHash, v)
			if err != nil {
				return nil, err
			}
			runs.cfs = append(runs.cfs, vr)
		}
	}
	if rs := t.Robustness; rs != nil {
		vars, err := r.perturbationVariants(t)
		if err != nil {
			return nil, err
		}
		for _, v := range vars {
			vr, err := r.runVariant(ctx, m, mi, om, t, dsHash, v)
			if err != nil {
				return nil, err
			}
			runs.perturbed = append(runs.perturbed, vr)
		}
		for _, name := range rs.Shift {
			d, _ := r.s.Dataset(name)
			vr, err := r.runVariant(ctx, m, mi, om, t, dsHash, variant{name: "shift:" + name, dataset: d})
			if err != nil {
				return nil, err
			}
			runs.shift = append(runs.shift, vr)
		}
	}
	return r.summarise(t, &runs)
}

// summarise adds the temperature-scaled metrics and the fairness view to the
// clean evaluation and computes the robustness summary. It needs only
// predictions, so rescore and merge use it too.
func (r *runner) summarise(t *suite.Task, runs *taskRuns) (*taskOutcome, error) {
	clean := runs.clean
	out := &taskOutcome{}
	ev := &clean.ev
	if runs.calib != nil {
		ms, err := clean.clf.TemperatureScaled(runs.calib.preds, clean.preds.preds)
		if err != nil {
			return nil, fmt.Errorf("calibration split %q: %w", t.Calibration.Dataset, err)
		}
		ev.Metrics = append(ev.Metrics, convertMetrics(ms)...)
	}
	if t.Fairness != nil {
		fr, err := r.fairnessSection(t, clean, runs.cfs)
		if err != nil {
			return nil, err
		}
		ev.Fairness = fr
	}
	if rs := t.Robustness; rs != nil {
		var vp []tasks.VariantPredictions
		for _, vr := range runs.perturbed {
			vp = append(vp, tasks.VariantPredictions{Perturbation: vr.ev.Perturbation, Severity: vr.ev.Severity, Preds: vr.preds.preds})
		}
		if len(vp) > 0 {
			sc, err := clean.clf.Robustness(clean.preds.preds, vp, tasks.RobustnessConfig{Metric: rs.Metric, CorruptionSet: rs.CorruptionSet})
			if err != nil {
				return nil, fmt.Errorf("robustness summary: %w", err)
			}
			out.robustness = sc
		}
		if cm, ok := clean.ev.Metric(rs.Metric); ok {
			out.clean = float64(cm.Value)
		}
		out.cleanStat, out.cleanN = clean.clf.Statistic(rs.Metric, clean.preds.preds)
		out.cleanCorrect = clean.clf.Correct(clean.preds.preds)
		out.shift = map[string]float64{}
		out.shiftStat, out.shiftN, out.shiftCorrect = map[string]func([]int) float64{}, map[string]int{}, map[string][]float64{}
		for _, vr := range runs.shift {
			ds := vr.ev.Dataset
			if sm, ok := vr.ev.Metric(rs.Metric); ok {
				out.shift[ds] = float64(sm.Value)
			}
			out.shiftStat[ds], out.shiftN[ds] = clean.clf.Statistic(rs.Metric, vr.preds.preds)
			out.shiftCorrect[ds] = clean.clf.Correct(vr.preds.preds)
		}
		out.variantCorrect = map[string][]float64{}
		for _, vr := range runs.perturbed {
			out.variantCorrect[fmt.Sprintf("%s@%d", vr.ev.Perturbation, vr.ev.Severity)] = clean.clf.Correct(vr.preds.preds)
		}
	}
	out.evals = append(out.evals, clean.ev)
	out.preds = append(out.preds, clean.preds)
	if runs.calib != nil {
		out.preds = append(out.preds, *runs.calib)
	}
	for _, group := range [][]*variantRun{runs.cfs, runs.perturbed, runs.shift} {
		for _, vr := range group {
			out.evals = append(out.evals, vr.ev)
			out.preds = append(out.preds, vr.preds)
		}
	}
	return out, nil
}

func selectedCount(n, limit int, sh Shard) int {
	if limit > 0 && limit < n {
		n = limit
	}
	if sh.Count > 1 {
		c := n / sh.Count
		if sh.Index < n%sh.Count {
			c++
		}
		return c
	}
	return n
}

func convertMetrics(ms []tasks.MetricValue) []result.Metric {
	out := make([]result.Metric, 0, len(ms))
	for _, m := range ms {
		rm := result.Metric{Name: m.Name, Value: result.Float(m.Value), N: m.N, HigherIsBetter: m.HigherIsBetter,
			Undefined: m.Undefined, Spec: m.Spec}
		if m.Resamples > 0 || !math.IsNaN(m.Low) || !math.IsNaN(m.High) {
			rm.CI = &result.CI{Low: result.Float(m.Low), High: result.Float(m.High), Level: m.Level, Resamples: m.Resamples, Method: m.Method}
		}
		out = append(out, rm)
	}
	return out
}
