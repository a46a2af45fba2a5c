package harness

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
	"github.com/evalctl/evalctl/tasks/tensor"
)

func init() {
	kindRunners[string(tasks.Probe)] = runProbe
	kindRunners[string(tasks.Retrieval)] = runRetrieval
	kindRunners[string(tasks.WEAT)] = runWEAT
}

// embedded is one dataset passed through a model and pooled: one vector
// per selected example, with the example's label, id and groups.
type embedded struct {
	x       tasks.Matrix
	base    []tasks.Prediction // Index, ID, Label (-1 unlabelled), Groups, Changed
	classes []string
	gnames  []string
	output  string
	cached  bool
	wall    time.Duration
	infer   time.Duration
	batches int
	lat     []float64
}

// labels returns the examples' labels.
func (e *embedded) labels() []int {
	y := make([]int, len(e.base))
	for i, p := range e.base {
		y[i] = p.Label
	}
	return y
}

// preferredOutputs are tried in order when a task names no output.
var preferredOutputs = []string{"pooler_output", "sentence_embedding", "embeddings", "embedding", "last_hidden_state"}

func pickEmbeddingOutput(outs []tensor.Info, want string) (string, error) {
	names := make([]string, len(outs))
	for i, o := range outs {
		names[i] = o.Name
	}
	if want != "" {
		if slices.Contains(names, want) {
			return want, nil
		}
		return "", fmt.Errorf("model has no output %q (outputs: %s)", want, strings.Join(names, ", "))
	}
	if len(outs) == 1 {
		return outs[0].Name, nil
	}
	for _, p := range preferredOutputs {
		if slices.Contains(names, p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("cannot choose the representation output among %s; set the task's embedding.output", strings.Join(names, ", "))
}

// embedOptions say which examples a pass covers.
type embedOptions struct {
	shard bool // apply --shard (the evaluated split only; probes train on all of theirs)
	label bool // the dataset must have labels
}

// embed streams dataset d (under variant v) through the model and pools the
// representation output. Vectors are cached on disk under
// OutDir/cache/embeddings, keyed by the model and dataset hashes and every
// setting they depend on, so a second run only reads the dataset for its
// labels and groups.
func (r *runner) embed(ctx context.Context, m *suite.Model, om *OpenedModel, t *suite.Task, d *suite.Dataset, dsHash string, v variant, eo embedOptions) (*embedded, error) {
	start := time.Now()
	rd, err := dataset.Open(datasetSpec(r.s, d))
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", d.Name, err)
	}
	defer rd.Close()
	enc, err := compileDataset(d, rd.Columns(), false)
	if err != nil {
		return nil, err
	}
	if eo.label && enc.label == nil {
		return nil, fmt.Errorf("dataset %q declares no label", d.Name)
	}
	var tf transform
	if v.build != nil {
		if tf, err = v.build(rd.Columns()); err != nil {
			return nil, fmt.Errorf("dataset %q, variant %s: %w", d.Name, v.name, err)
		}
	}
	var inputs inputEncoder
	batch := r.batch
	fixed := false
	if textEncoderFor != nil {
		te, err := textEncoderFor(r.s, d, rd.Columns(), om.Inputs, r.batch)
		if err != nil {
			return nil, err
		}
		if te != nil {
			inputs = te
		}
	}
	if inputs == nil {
		binds, b, err := bind(m, om.Inputs, enc, r.batch)
		if err != nil {
			return nil, err
		}
		inputs, batch = &featureEncoder{binds: binds, enc: enc}, b
		for _, bd := range binds {
			if len(bd.input.Shape) > 0 && bd.input.Shape[0] > 0 {
				fixed = true
			}
		}
	}
	spec := t.Embedding
	out, err := pickEmbeddingOutput(om.Outputs, spec.Output)
	if err != nil {
		return nil, err
	}
	e := &embedded{output: out, gnames: enc.gnames}
	if enc.label != nil {
		e.classes = enc.label.Classes()
	}
	shard := ""
	if eo.shard {
		shard = r.opt.Shard.String()
	}
	mh, _, _ := hashFile(r.s.Resolve(m.Path))
	key := cacheKey("emb-v1", mh, dsHash, d, m.Inputs, out, spec.Pooling, spec.Normalize,
		r.opt.ORTVersion, om.Provider, r.opt.Limit, shard, v.name, v.key)
	cachePath := filepath.Join(r.cache.dir, "embeddings", key[:2], key+".f32")
	var cachedX *tasks.Matrix
	if !r.opt.NoCache {
		if cachedX, err = readEmbeddings(cachePath); err != nil {
			return nil, err
		}
	}
	pooling := tasks.Pooling(spec.Pooling)
	var recs []dataset.Record
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		rows := len(recs)
		if fixed {
			rows = batch
		}
		ins, err := inputs.encode(recs, rows)
		if err != nil {
			return err
		}
		var mask []int64
		for _, in := range ins {
			if in.Name == "attention_mask" {
				if mk, ok := in.Data.([]int64); ok {
					mask = mk
				}
			}
		}
		t0 := time.Now()
		outs, err := om.Model.Run(ctx, ins)
		lat := time.Since(t0)
		e.infer += lat
		e.batches++
		e.lat = append(e.lat, float64(lat.Microseconds())/1000)
		if err != nil {
			return fmt.Errorf("inference on %s..%s: %w", recs[0].Loc, recs[len(recs)-1].Loc, err)
		}
		var o *tensor.Tensor
		for i := range outs {
			if outs[i].Name == out {
				o = &outs[i]
			}
		}
		if o == nil {
			return fmt.Errorf("model returned no output %q", out)
		}
		data, ok := o.Data.([]float32)
		if !ok {
			f64 := o.Float64s()
			data = make([]float32, len(f64))
			for i, x := range f64 {
				data[i] = float32(x)
			}
		}
		p := pooling
		if p == "" {
			p = tasks.PoolNone
			if len(o.Shape) == 3 {
				p = tasks.PoolMean
			}
		}
		if e.x, err = tasks.Pool(e.x, data, o.Shape, mask, len(recs), p, spec.Normalize); err != nil {
			return fmt.Errorf("output %q on %s..%s: %w", out, recs[0].Loc, recs[len(recs)-1].Loc, err)
		}
		recs = recs[:0]
		return nil
	}
	pos := 0
	for rd.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if r.opt.Limit > 0 && pos >= r.opt.Limit {
			break
		}
		p0 := pos
		pos++
		if eo.shard && !r.opt.Shard.selects(p0) {
			continue
		}
		rec := rd.Record()
		pr := tasks.Prediction{Index: rec.Index, ID: enc.id(rec), Label: -1}
		if tf != nil {
			if pr.Changed, err = tf(&rec); err != nil {
				return nil, err
			}
		}
		if enc.label != nil {
			if pr.Label, err = enc.label.Label(rec); err != nil {
				return nil, err
			}
		}
		for _, g := range enc.groups {
			gv, err := g.Group(rec)
			if err != nil {
				return nil, err
			}
			pr.Groups = append(pr.Groups, gv)
		}
		e.base = append(e.base, pr)
		if cachedX != nil {
			continue
		}
		recs = append(recs, rec)
		if len(recs) == batch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	if cachedX != nil {
		if cachedX.N != len(e.base) {
			return nil, fmt.Errorf("embedding cache %s holds %d vectors but dataset %q has %d examples; delete it or run with --no-cache", cachePath, cachedX.N, d.Name, len(e.base))
		}
		e.x, e.cached = *cachedX, true
	} else {
		if err := flush(); err != nil {
			return nil, err
		}
		if e.x.N != len(e.base) {
			return nil, fmt.Errorf("dataset %q: %d embeddings for %d examples", d.Name, e.x.N, len(e.base))
		}
		if len(e.base) > 0 {
			if err := writeEmbeddings(cachePath, e.x); err != nil {
				return nil, err
			}
		}
	}
	e.wall = time.Since(start)
	return e, nil
}

// The embedding cache file: "EVEMB1\n", uint32 n, uint32 d (little endian),
// then n·d float32 values.
const embMagic = "EVEMB1\n"

func writeEmbeddings(path string, x tasks.Matrix) error {
	b := make([]byte, 0, len(embMagic)+8+4*len(x.Data))
	b = append(b, embMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(x.N))
	b = binary.LittleEndian.AppendUint32(b, uint32(x.D))
	for _, v := range x.Data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	if err := result.WriteFileAtomic(path, b); err != nil {
		return fmt.Errorf("write embedding cache: %w", err)
	}
	return nil
}

// readEmbeddings returns the cached vectors, or nil when there are none or
// the file is damaged (a damaged file is recomputed, never trusted).
func readEmbeddings(path string) (*tasks.Matrix, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read embedding cache: %w", err)
	}
	h := len(embMagic) + 8
	if len(b) < h || string(b[:len(embMagic)]) != embMagic {
		return nil, nil
	}
	n := int(binary.LittleEndian.Uint32(b[len(embMagic):]))
	d := int(binary.LittleEndian.Uint32(b[len(embMagic)+4:]))
	if d < 1 || len(b) != h+4*n*d {
		return nil, nil
	}
	x := &tasks.Matrix{N: n, D: d, Data: make([]float32, n*d)}
	for i := range x.Data {
		x.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[h+4*i:]))
	}
	return x, nil
}

// ProbeModelName is the name under which a probe on a base model appears in
// results: "<model>+<method>", e.g. "fmnist-encoder+logreg".
func ProbeModelName(model, method string) string { return model + "+" + method }

// runProbe fits the task's probes on the train split's embeddings and scores
// them on the task's dataset like any classifier: each method becomes an
// evaluation of the model "<model>+<method>" with adaptation metadata
// (Extra["adaptation"]; AddProbeModels lists them as models). Perturbed
// copies of the test split and the robustness section's shift datasets are
// embedded with the same encoder and scored with the same fitted probe
// (variants "<perturbation>@<severity>" and "shift:<dataset>").
func runProbe(ctx context.Context, r *runner, m *suite.Model, mi *result.Model, om *OpenedModel, t *suite.Task, dsHash map[string]string) (*taskOutcome, error) {
	pr := t.Probe
	lab := embedOptions{label: true}
	get := func(name string, v variant, eo embedOptions) (*embedded, error) {
		d, _ := r.s.Dataset(name)
		e, err := r.embed(ctx, m, om, t, d, dsHash[name], v, eo)
		if err != nil {
			return nil, fmt.Errorf("dataset %q: %w", name, err)
		}
		return e, nil
	}
	train, err := get(pr.Train, cleanVariant, lab)
	if err != nil {
		return nil, err
	}
	test, err := get(t.Dataset, cleanVariant, embedOptions{label: true, shard: true})
	if err != nil {
		return nil, err
	}
	if !slices.Equal(train.classes, test.classes) {
		return nil, fmt.Errorf("probe train split %q has classes [%s] but the test dataset %q has [%s]; declare the same label classes", pr.Train, strings.Join(train.classes, ", "), t.Dataset, strings.Join(test.classes, ", "))
	}
	k := len(test.classes)
	ytrain := train.labels()
	// Validation: declared, or carved (stratified, seeded) from train.
	fitX, fitY := train.x, ytrain
	var valX tasks.Matrix
	var valY []int
	valDesc := ""
	carved := false
	if pr.Validation != "" {
		ve, err := get(pr.Validation, cleanVariant, lab)
		if err != nil {
			return nil, err
		}
		valX, valY, valDesc = ve.x, ve.labels(), "dataset "+pr.Validation
	} else {
		tr, va := tasks.SplitValidation(ytrain, k, pr.ValidationFraction, r.s.Seed)
		fitX, fitY = train.x.Subset(tr), pick(ytrain, tr)
		valX, valY = train.x.Subset(va), pick(ytrain, va)
		carved = true
		valDesc = fmt.Sprintf("%.0f%% of %s (stratified, seed %d); refitted on all of it", 100*pr.ValidationFraction, pr.Train, r.s.Seed)
	}
	var calib *embedded
	if t.Calibration.Dataset != "" {
		if calib, err = get(t.Calibration.Dataset, cleanVariant, lab); err != nil {
			return nil, err
		}
	}
	var perturbed, shifted []*embedded
	var pvars, svars []variant
	if t.Robustness != nil {
		if pvars, err = r.perturbationVariants(t); err != nil {
			return nil, err
		}
		for _, v := range pvars {
			e, err := get(t.Dataset, v, embedOptions{label: true, shard: true})
			if err != nil {
				return nil, fmt.Errorf("variant %s: %w", v.name, err)
			}
			perturbed = append(perturbed, e)
		}
		// Shift datasets: embedded with the same encoder (and cache), scored
		// with the probe fitted on the train split, as the classification
		// path scores them (variant "shift:<dataset>").
		for _, name := range t.Robustness.Shift {
			d, _ := r.s.Dataset(name)
			v := variant{name: "shift:" + name, dataset: d}
			e, err := get(name, v, embedOptions{label: true, shard: true})
			if err != nil {
				return nil, fmt.Errorf("variant %s: %w", v.name, err)
			}
			if !slices.Equal(e.classes, test.classes) {
				return nil, fmt.Errorf("shift dataset %q has classes [%s] but the test dataset %q has [%s]; declare the same label classes", name, strings.Join(e.classes, ", "), t.Dataset, strings.Join(test.classes, ", "))
			}
			shifted = append(shifted, e)
			svars = append(svars, v)
		}
	}
	// Counterfactual substitutions: the test split with the protected
	// attribute substituted, embedded and scored by the same probe.
	var cfEmb []*embedded
	var cfVars []variant
	if t.Fairness != nil {
		for _, cf := range t.Fairness.Counterfactual {
			v, err := r.counterfactualVariant(cf)
			if err != nil {
				return nil, err
			}
			e, err := get(t.Dataset, v, embedOptions{label: true, shard: true})
			if err != nil {
				return nil, fmt.Errorf("variant %s: %w", v.name, err)
			}
			cfEmb, cfVars = append(cfEmb, e), append(cfVars, v)
		}
	}
	binning := metrics.EqualWidth
	if t.Calibration.Binning == "equal_mass" {
		binning = metrics.EqualMass
	}
	cfg := tasks.ProbeConfig{Cs: pr.C}
	if len(pr.Neighbors) == 1 {
		cfg.Neighbors = pr.Neighbors[0]
	} else {
		cfg.NeighborsGrid = pr.Neighbors
	}
	all := &taskOutcome{}
	for _, method := range pr.Methods {
		t0 := time.Now()
		fit, err := tasks.FitProbe(method, fitX, fitY, valX, valY, k, cfg)
		if err != nil {
			return nil, fmt.Errorf("probe %s: %w", method, err)
		}
		probe := fit.Probe
		if carved {
			if probe, err = refit(fit, train.x, ytrain, k); err != nil {
				return nil, fmt.Errorf("probe %s: %w", method, err)
			}
		}
		fitTime := time.Since(t0)
		name := ProbeModelName(m.Name, method)
		clf, err := tasks.NewClassifier(tasks.ClassificationConfig{
			Classes: test.classes, Scores: tasks.ScoresProbabilities, Invalid: tasks.InvalidPolicy(t.Invalid),
			Metrics: t.Metrics, Bins: t.Calibration.Bins, Binning: binning,
			Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed,
		})
		if err != nil {
			return nil, err
		}
		mkRun := func(e *embedded, v variant) (*variantRun, error) {
			t1 := time.Now()
			preds := tasks.ProbePredictions(e.base, probe.PredictProba(e.x, nil), k)
			ds := t.Dataset
			if v.dataset != nil {
				ds = v.dataset.Name
			}
			ev := result.Evaluation{Model: name, Task: t.Name, Kind: t.Kind, Dataset: ds, Variant: v.name,
				Perturbation: v.perturbation, Severity: v.severity, Classes: test.classes, InvalidPolicy: t.Invalid}
			sc, err := clf.Score(preds)
			if err != nil {
				return nil, fmt.Errorf("probe %s, variant %s: %w", method, v.name, err)
			}
			ev.N, ev.Invalid = sc.N, sc.Invalid
			ev.Scoring = &result.Scoring{Metrics: t.Metrics, Scores: string(tasks.ScoresProbabilities), Output: e.output,
				Bins: t.Calibration.Bins, Binning: t.Calibration.Binning, CalibrationDataset: t.Calibration.Dataset, Groups: e.gnames}
			ev.Metrics = convertMetrics(sc.Metrics)
			ev.Reliability = convertReliability(sc.Reliability)
			wall := e.wall + time.Since(t1)
			eff := &result.Efficiency{Examples: len(preds), Batches: e.batches, BatchSize: r.batch,
				WallSeconds: wall.Seconds(), InferenceSeconds: e.infer.Seconds(), LatencyMs: percentiles(e.lat),
				ModelBytes: mi.SizeBytes, Parameters: mi.Parameters + probe.Params(), Cached: e.cached}
			if !e.cached && wall > 0 {
				eff.ExamplesPerSecond = float64(len(preds)) / wall.Seconds()
			}
			ev.Efficiency = eff
			return &variantRun{ev: ev, clf: clf, preds: evalPreds{key: ev.Key(), groups: e.gnames, classes: test.classes, preds: preds}}, nil
		}
		var runs taskRuns
		if runs.clean, err = mkRun(test, cleanVariant); err != nil {
			return nil, err
		}
		if calib != nil {
			cp := tasks.ProbePredictions(calib.base, probe.PredictProba(calib.x, nil), k)
			runs.calib = &evalPreds{key: CalibrationKey(name, t.Name, calib.output), groups: calib.gnames, preds: cp}
			runs.calib.key = CalibrationKey(name, t.Name, t.Calibration.Dataset)
		}
		for i, e := range perturbed {
			vr, err := mkRun(e, pvars[i])
			if err != nil {
				return nil, err
			}
			runs.perturbed = append(runs.perturbed, vr)
		}
		for i, e := range shifted {
			vr, err := mkRun(e, svars[i])
			if err != nil {
				return nil, err
			}
			runs.shift = append(runs.shift, vr)
		}
		for i, e := range cfEmb {
			vr, err := mkRun(e, cfVars[i])
			if err != nil {
				return nil, err
			}
			runs.cfs = append(runs.cfs, vr)
		}
		ev := &runs.clean.ev
		ad := result.Adaptation{Method: "probe:" + method, Base: m.Name, TrainableParams: probe.Params(),
			TrainExamples: int64(train.x.N), Compute: fmt.Sprintf("%.2f CPU-seconds to fit (evalctl)", fitTime.Seconds()),
			Notes: fmt.Sprintf("frozen %s output %q; hyper-parameters chosen on %s", m.Name, test.output, valDesc)}
		info := map[string]any{"method": method, "train_dataset": pr.Train, "validation": valDesc,
			"selected": fit.Selected, "fit_seconds": fitTime.Seconds(), "embedding_dim": train.x.D, "output": test.output,
			"pooling": t.Embedding.Pooling, "normalize": t.Embedding.Normalize}
		if len(fit.Grid) > 0 {
			info["grid"], info["validation_accuracy"] = fit.Grid, fit.Validation
		}
		if lr, ok := probe.(*tasks.LogReg); ok {
			info["iterations"], info["converged"] = lr.Iterations, lr.Converged
		}
		ev.Extra = map[string]any{"adaptation": ad, "probe": info, "base_model": m.Name}
		if len(pr.Shots) > 0 {
			// The curve reuses the hyper-parameter chosen above (no new search per draw).
			kcfg := cfg
			if c, ok := fit.Selected["C"]; ok {
				kcfg.Cs = []float64{c}
			}
			if n, ok := fit.Selected["k"]; ok {
				kcfg.Neighbors, kcfg.NeighborsGrid = int(n), nil
			}
			curve, err := tasks.KShotCurve(method, fitX, fitY, valX, valY, test.x, test.labels(), k, pr.Shots, pr.Seeds, r.s.Seed,
				r.s.Bootstrap.Confidence, kcfg)
			if err != nil {
				return nil, fmt.Errorf("probe %s k-shot curve: %w", method, err)
			}
			type point struct {
				Shots         int            `json:"shots_per_class"`
				TrainExamples int            `json:"train_examples"`
				Mean          result.Float   `json:"mean_accuracy"`
				Low           result.Float   `json:"low"`
				High          result.Float   `json:"high"`
				Values        []result.Float `json:"accuracy_per_seed"`
			}
			var pts []point
			for _, pt := range curve {
				p := point{Shots: pt.Shots, TrainExamples: pt.TrainExamples, Mean: result.Float(pt.Mean), Low: result.Float(pt.Low), High: result.Float(pt.High)}
				for _, v := range pt.Values {
					p.Values = append(p.Values, result.Float(v))
				}
				pts = append(pts, p)
			}
			ev.Extra["kshot"] = pts
			for _, pt := range curve {
				label := "all"
				if pt.Shots > 0 {
					label = strconv.Itoa(pt.Shots)
				}
				mv := result.Metric{Name: "kshot_accuracy@" + label, Value: result.Float(pt.Mean), N: len(test.base), HigherIsBetter: true,
					Spec: map[string]string{"shots_per_class": label, "seeds": strconv.Itoa(len(pt.Values)), "train_examples": strconv.Itoa(pt.TrainExamples)}}
				if len(pt.Values) > 1 {
					mv.CI = &result.CI{Low: result.Float(pt.Low), High: result.Float(pt.High), Level: r.s.Bootstrap.Confidence,
						Resamples: len(pt.Values), Method: "student-t over seeds"}
				}
				ev.Metrics = append(ev.Metrics, mv)
			}
		}
		out, err := r.summarise(t, &runs)
		if err != nil {
			return nil, fmt.Errorf("probe %s: %w", method, err)
		}
		// The robustness figures (one probe method per task when a
		// robustness section is set) come with everything that their
		// intervals need: ID–OOD gap, effective robustness, mCE.
		evals, preds := append(all.evals, out.evals...), append(all.preds, out.preds...)
		*all = *out
		all.evals, all.preds = evals, preds
	}
	return all, nil
}

// refit fits the chosen probe again on the whole train split.
func refit(fit *tasks.ProbeFit, x tasks.Matrix, y []int, k int) (tasks.FittedProbe, error) {
	switch p := fit.Probe.(type) {
	case *tasks.LogReg:
		return tasks.FitLogReg(x, y, k, tasks.LogRegConfig{C: p.C, Init: p.Coef})
	case *tasks.KNN:
		return tasks.FitKNN(x, y, k, p.N)
	case *tasks.Centroid:
		c, err := tasks.FitCentroid(x, y, k)
		if err != nil {
			return nil, err
		}
		c.T = p.T
		return c, nil
	}
	return fit.Probe, nil
}

func pick(y []int, idx []int) []int {
	out := make([]int, len(idx))
	for j, i := range idx {
		out[j] = y[i]
	}
	return out
}

// AddProbeModels appends to res.Models one entry per probe evaluation
// ("<model>+<method>", see runProbe), with the base model's facts and the
// probe's adaptation metadata, so that reports put probes next to the
// suite's adapted models (adaptation table, accuracy vs trainable
// parameters). Models already listed are left alone.
func AddProbeModels(res *result.Result) {
	have := map[string]bool{}
	for _, m := range res.Models {
		have[m.Name] = true
	}
	for _, ev := range res.Evaluations {
		if ev.Kind != string(tasks.Probe) || ev.Variant != "clean" || have[ev.Model] || ev.Extra == nil {
			continue
		}
		var ad result.Adaptation
		b, err := json.Marshal(ev.Extra["adaptation"])
		if err != nil || json.Unmarshal(b, &ad) != nil || ad.Method == "" {
			continue
		}
		var base result.Model
		for _, m := range res.Models {
			if m.Name == ad.Base {
				base = m
			}
		}
		pm := base
		pm.Name = ev.Model
		pm.Parameters = base.Parameters + ad.TrainableParams
		pm.Adaptation = &ad
		res.Models = append(res.Models, pm)
		have[ev.Model] = true
	}
}

// runRetrieval embeds the queries (the task's dataset) and the corpus, ranks
// the corpus for every judged query by cosine similarity and reports the
// mean of each retrieval metric over the judged queries with a bootstrap
// interval over queries (BEIR conventions, Thakur et al. 2021).
func runRetrieval(ctx context.Context, r *runner, m *suite.Model, mi *result.Model, om *OpenedModel, t *suite.Task, dsHash map[string]string) (*taskOutcome, error) {
	rs := t.Retrieval
	qd, _ := r.s.Dataset(t.Dataset)
	cd, _ := r.s.Dataset(rs.Corpus)
	queries, err := r.embed(ctx, m, om, t, qd, dsHash[qd.Name], cleanVariant, embedOptions{shard: true})
	if err != nil {
		return nil, fmt.Errorf("queries %q: %w", qd.Name, err)
	}
	corpus, err := r.embed(ctx, m, om, t, cd, dsHash[cd.Name], cleanVariant, embedOptions{})
	if err != nil {
		return nil, fmt.Errorf("corpus %q: %w", cd.Name, err)
	}
	f, err := os.Open(r.s.Resolve(rs.Qrels))
	if err != nil {
		return nil, fmt.Errorf("qrels: %w", err)
	}
	qrels, err := tasks.ParseQrels(f, rs.Qrels)
	f.Close()
	if err != nil {
		return nil, err
	}
	type mfun struct {
		name string
		f    func([]string, map[string]int) float64
	}
	var fs []mfun
	depth := 1
	for _, name := range t.Metrics {
		fn, k, err := tasks.RetrievalMetric(name)
		if err != nil {
			return nil, err
		}
		fs = append(fs, mfun{name, fn})
		depth = max(depth, k)
	}
	norms := tasks.DocNorms(corpus.x)
	values := make([][]float64, len(fs))
	judged := 0
	for qi, q := range queries.base {
		rel := qrels[q.ID]
		relevant := false
		for _, v := range rel {
			relevant = relevant || v > 0
		}
		if !relevant {
			continue // BEIR/pytrec_eval score only queries with judgements
		}
		judged++
		top := tasks.Rank(queries.x.Row(qi), corpus.x, norms, depth)
		ranked := make([]string, len(top))
		for j, di := range top {
			ranked[j] = corpus.base[di].ID
		}
		for i, mf := range fs {
			values[i] = append(values[i], mf.f(ranked, rel))
		}
	}
	ev := result.Evaluation{Model: m.Name, Task: t.Name, Kind: t.Kind, Dataset: t.Dataset, Variant: "clean", N: judged}
	for i, mf := range fs {
		mv := result.Metric{Name: mf.name, N: judged, HigherIsBetter: true, Value: result.Float(math.NaN()),
			Spec: map[string]string{"similarity": "cosine", "convention": "BEIR/pytrec_eval", "corpus": cd.Name}}
		if judged == 0 {
			mv.Undefined = "no query in the qrels has a relevant document"
		} else {
			mean := 0.0
			for _, v := range values[i] {
				mean += v
			}
			mv.Value = result.Float(mean / float64(judged))
			if res := *r.s.Bootstrap.Resamples; res > 0 {
				ci := metrics.BootstrapMeanCI(values[i], res, r.s.Bootstrap.Confidence, r.s.Seed)
				mv.CI = &result.CI{Low: result.Float(ci.Low), High: result.Float(ci.High), Level: r.s.Bootstrap.Confidence, Resamples: res, Method: ci.Method}
			}
		}
		ev.Metrics = append(ev.Metrics, mv)
	}
	ev.Efficiency = &result.Efficiency{Examples: len(queries.base) + len(corpus.base), WallSeconds: (queries.wall + corpus.wall).Seconds(),
		InferenceSeconds: (queries.infer + corpus.infer).Seconds(), ModelBytes: mi.SizeBytes, Parameters: mi.Parameters,
		Cached: queries.cached && corpus.cached, Batches: queries.batches + corpus.batches, BatchSize: r.batch,
		LatencyMs: percentiles(append(slices.Clone(queries.lat), corpus.lat...))}
	if eff := ev.Efficiency; !eff.Cached && eff.WallSeconds > 0 {
		eff.ExamplesPerSecond = float64(eff.Examples) / eff.WallSeconds
	}
	ev.Extra = map[string]any{"queries": len(queries.base), "judged_queries": judged, "corpus": len(corpus.base), "output": queries.output}
	return &taskOutcome{evals: []result.Evaluation{ev}}, nil
}

// weatSets is a WEAT word-set file (suites/weat/*.json).
type weatSets struct {
	Name   string   `json:"name"`
	Source string   `json:"source"`
	XName  string   `json:"x_name"`
	YName  string   `json:"y_name"`
	AName  string   `json:"a_name"`
	BName  string   `json:"b_name"`
	X      []string `json:"X"`
	Y      []string `json:"Y"`
	A      []string `json:"A"`
	B      []string `json:"B"`
}

// runWEAT embeds the task's dataset (one row per word, the id column the
// word) and runs fairness.WEAT on the word sets.
func runWEAT(ctx context.Context, r *runner, m *suite.Model, mi *result.Model, om *OpenedModel, t *suite.Task, dsHash map[string]string) (*taskOutcome, error) {
	b, err := os.ReadFile(r.s.Resolve(t.WEAT.Sets))
	if err != nil {
		return nil, fmt.Errorf("weat sets: %w", err)
	}
	var ws weatSets
	if err := json.Unmarshal(b, &ws); err != nil {
		return nil, fmt.Errorf("weat sets %s: %w", t.WEAT.Sets, err)
	}
	d, _ := r.s.Dataset(t.Dataset)
	e, err := r.embed(ctx, m, om, t, d, dsHash[d.Name], cleanVariant, embedOptions{})
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", d.Name, err)
	}
	byWord := map[string][]float64{}
	for i, p := range e.base {
		v := make([]float64, e.x.D)
		for j, x := range e.x.Row(i) {
			v[j] = float64(x)
		}
		byWord[p.ID] = v
	}
	var missing []string
	vecs := func(words []string) [][]float64 {
		var out [][]float64
		for _, w := range words {
			if v, ok := byWord[w]; ok {
				out = append(out, v)
			} else {
				missing = append(missing, w)
			}
		}
		return out
	}
	X, Y, A, B := vecs(ws.X), vecs(ws.Y), vecs(ws.A), vecs(ws.B)
	if len(missing) > 0 {
		return nil, fmt.Errorf("weat sets %s: %d words have no row in dataset %q (its id column must hold the word): %s", t.WEAT.Sets, len(missing), d.Name, strings.Join(missing, ", "))
	}
	wr, err := fairnessWEAT(X, Y, A, B, t.WEAT.Samples, r.s.Seed)
	if err != nil {
		return nil, fmt.Errorf("weat %s: %w", ws.Name, err)
	}
	ev := weatEvaluation(m.Name, t, ws, wr, e)
	ev.Efficiency = &result.Efficiency{Examples: len(e.base), Batches: e.batches, BatchSize: r.batch,
		WallSeconds: e.wall.Seconds(), InferenceSeconds: e.infer.Seconds(), LatencyMs: percentiles(e.lat),
		ModelBytes: mi.SizeBytes, Parameters: mi.Parameters, Cached: e.cached}
	if !e.cached && e.wall > 0 {
		ev.Efficiency.ExamplesPerSecond = float64(len(e.base)) / e.wall.Seconds()
	}
	return &taskOutcome{evals: []result.Evaluation{ev}}, nil
}

func fairnessWEAT(X, Y, A, B [][]float64, samples int, seed uint64) (fairness.WEATResult, error) {
	return fairness.WEAT(X, Y, A, B, fairness.WEATOptions{Samples: samples, Seed: seed})
}

// weatEvaluation reports a WEAT result: effect size d (higher: X more
// associated with A than Y is) and the one-sided permutation p-value.
func weatEvaluation(model string, t *suite.Task, ws weatSets, wr fairness.WEATResult, e *embedded) result.Evaluation {
	ev := result.Evaluation{Model: model, Task: t.Name, Kind: t.Kind, Dataset: t.Dataset, Variant: "clean", N: len(wr.AssocX) + len(wr.AssocY)}
	spec := map[string]string{"test": ws.Name, "X": ws.XName, "Y": ws.YName, "A": ws.AName, "B": ws.BName,
		"partitions": strconv.Itoa(wr.Partitions), "exact": strconv.FormatBool(wr.Exact), "reference": "Caliskan et al. 2017"}
	for _, name := range t.Metrics {
		mv := result.Metric{Name: name, N: ev.N, Spec: spec}
		switch name {
		case "effect_size":
			mv.Value = result.Float(wr.EffectSize.V)
			mv.Undefined = wr.EffectSize.Reason
		case "p_value":
			mv.Value = result.Float(wr.PValue)
		}
		ev.Metrics = append(ev.Metrics, mv)
	}
	ev.Extra = map[string]any{"weat": map[string]any{"name": ws.Name, "source": ws.Source, "statistic": wr.Statistic,
		"assoc_x": wr.AssocX, "assoc_y": wr.AssocY, "ties": wr.Ties}, "output": e.output}
	return ev
}
