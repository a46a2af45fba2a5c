package harness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/evalctl/evalctl/harness/cost"
	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks"
)

// modelRun is one opened model under evaluation.
type modelRun struct {
	m    *suite.Model
	mi   *result.Model
	om   *OpenedModel
	hash string // SHA-256 of the model file
	task string // the task being evaluated (progress lines)
	// meter measures the cost of each prediction pass (nil: none).
	meter *cost.Meter
}

// evalInput is one evaluation's predictions with what scoring them needs.
// A run builds it from a prediction pass; rescore and merge build it from
// the result and its predictions sidecar, so both score the same way.
type evalInput struct {
	// ev holds the evaluation's identity (model, task, kind, dataset,
	// variant, perturbation, severity) and, from a run, its efficiency;
	// from a sidecar, everything the stored evaluation held.
	ev      result.Evaluation
	preds   []tasks.Prediction
	classes []string
	groups  []string
	mode    tasks.ScoreMode // a classifier's resolved score mode
	output  string
	resumed int
}

// taskInputs are every evaluation of one model on one task.
type taskInputs struct {
	clean     *evalInput
	calib     *evalInput // the calibration split, when declared
	cfs       []*evalInput
	perturbed []*evalInput
	shift     []*evalInput
	// aux holds prediction sets that are no evaluation of their own, by
	// role (membership inference: the non-members, the reference models').
	aux map[string]*evalInput
}

// all returns every input, clean first.
func (ti *taskInputs) all() []*evalInput {
	out := []*evalInput{ti.clean}
	out = append(out, ti.cfs...)
	out = append(out, ti.perturbed...)
	return append(out, ti.shift...)
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

// variantRun is one scored evaluation.
type variantRun struct {
	ev    result.Evaluation
	preds evalPreds
	clf   *tasks.Classifier
}

// taskRuns holds every scored evaluation of one model on one task.
type taskRuns struct {
	clean     *variantRun
	calib     *evalPreds // calibration split, when declared
	cfs       []*variantRun
	perturbed []*variantRun
	shift     []*variantRun
}

// evaluate runs one model on one task.
func (r *runner) evaluate(ctx context.Context, mr *modelRun, t *suite.Task) (*taskOutcome, error) {
	mr.task = t.Name
	k, err := r.kind(t.Kind)
	if err != nil {
		return nil, err
	}
	return k.run(ctx, r, mr, t)
}

// taskKind is how the harness runs and scores one task kind: run makes
// the task's prediction passes on a live model and scores them; assemble
// scores evaluations from predictions alone, and is what rescore and merge
// call on predictions read back from a sidecar.
type taskKind struct {
	run      func(ctx context.Context, r *runner, mr *modelRun, t *suite.Task) (*taskOutcome, error)
	assemble func(r *runner, t *suite.Task, in *taskInputs) (*taskOutcome, error)
}

// kind returns the value of a task kind.
func (r *runner) kind(name string) (taskKind, error) {
	switch tasks.Kind(name) {
	case tasks.Classification, tasks.Regression:
		return taskKind{run: runClassification, assemble: assembleClassification}, nil
	case tasks.MultipleChoice, tasks.Perplexity, tasks.PairPreference:
		return taskKind{run: runLM, assemble: assembleLM}, nil
	case tasks.Probe:
		return taskKind{run: runProbe, assemble: assembleProbe}, nil
	case tasks.Retrieval:
		return taskKind{run: runRetrieval, assemble: assembleRetrieval}, nil
	case tasks.WEAT:
		return taskKind{run: runWEAT, assemble: assembleWEAT}, nil
	case tasks.Generation:
		return taskKind{run: runGeneration, assemble: assembleGeneration}, nil
	case tasks.Extraction:
		return taskKind{run: runExtraction, assemble: assembleExtraction}, nil
	case tasks.MembershipInference:
		return taskKind{run: runMembership, assemble: assembleMembership}, nil
	}
	return taskKind{}, fmt.Errorf("unknown task kind %q", name)
}

// classPass is a prediction pass of a classification or regression task
// over dataset d (nil: the task's dataset) under variant v.
// A task with an lm section is classification by a language model: each
// class scored by the likelihood of its words (k demonstrations before the
// example when k >= 0).
func (r *runner) classPass(mr *modelRun, t *suite.Task, d *suite.Dataset, v variant, what string, k int) *passSpec {
	if d == nil {
		d, _ = r.s.Dataset(t.Dataset)
	}
	regression := t.Kind == string(tasks.Regression)
	ps := &passSpec{what: what, dataset: d, variant: v, shard: true, label: labelClass,
		key: []any{"class", mr.m.Inputs, t.Kind, t.Output, t.Scores}}
	if regression {
		ps.label = labelTarget
	}
	if t.LM != nil {
		ps.key = append(ps.key, "lm", *t.LM, r.batch, k)
	} else {
		ps.key = append(ps.key, declaredTypesKey(mr.om.Inputs, d)...)
	}
	ps.newEngine = func(cols []dataset.Column, enc *encoders) (engine, error) {
		if t.LM != nil {
			lt, err := r.newLMTask(t, d, cols, enc, k)
			if err != nil {
				return nil, err
			}
			sc, err := newLMScorer(mr.om, t, r.batch, lt.prefix)
			if err != nil {
				return nil, err
			}
			lt.maxLen = sc.maxLen
			return &llEngine{sc: sc, task: lt}, nil
		}
		if regression {
			reg := tasks.NewRegressor(tasks.RegressionConfig{Output: t.Output})
			return r.newRowEngine(mr, d.Name, cols, enc, reg, checkValuePred)
		}
		classes := enc.label.Classes()
		clf, err := tasks.NewClassifier(tasks.ClassificationConfig{Classes: classes, Output: t.Output, Scores: t.Scores,
			Normalize: t.Normalize})
		if err != nil {
			return nil, fmt.Errorf("dataset %q: %w", d.Name, err)
		}
		return r.newRowEngine(mr, d.Name, cols, enc, clf, checkClassPred(len(classes)))
	}
	return ps
}

// input turns a finished pass into an evaluation input.
func (r *runner) input(mr *modelRun, t *suite.Task, v variant, d *suite.Dataset, pr *passResult) *evalInput {
	in := &evalInput{preds: pr.preds, classes: pr.classes, groups: pr.groups, resumed: pr.stats.resumed}
	in.ev = result.Evaluation{Model: mr.m.Name, Task: t.Name, Kind: t.Kind, Dataset: d.Name, Variant: v.name,
		Perturbation: v.perturbation, Severity: v.severity}
	switch e := pr.engine.(type) {
	case *rowEngine:
		in.mode, in.output = e.dec.Mode(), e.output
	case *llEngine:
		in.mode, in.output = tasks.ScoresProbabilities, e.sc.output
	}
	in.ev.Efficiency = r.efficiency(mr.mi, pr.stats, len(pr.preds), 0)
	in.ev.Cost = r.cost(pr.stats, len(pr.preds))
	return in
}

// runClassification predicts a classification or regression task's clean
// data, calibration split, counterfactuals, perturbations and shift
// datasets, then scores them.
func runClassification(ctx context.Context, r *runner, mr *modelRun, t *suite.Task) (*taskOutcome, error) {
	all := &taskOutcome{}
	for _, k := range fewshotKs(t) {
		in, err := r.classInputs(ctx, mr, t, k)
		if err != nil {
			return nil, err
		}
		out, err := assembleClassification(r, t, in)
		if err != nil {
			return nil, err
		}
		// As for probes, the outcome behind the suite-level robustness
		// figures is the last k's.
		evals, preds := append(all.evals, out.evals...), append(all.preds, out.preds...)
		*all = *out
		all.evals, all.preds = evals, preds
	}
	return all, nil
}

// variants lists a task's variants: clean first, then counterfactuals,
// perturbations and shift datasets.
func (r *runner) variants(t *suite.Task) ([]variant, error) {
	out := []variant{cleanVariant}
	if f := t.Fairness; f != nil {
		for _, cf := range f.Counterfactual {
			v, err := r.counterfactualVariant(cf)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	if rs := t.Robustness; rs != nil {
		vars, err := r.perturbationVariants(t)
		if err != nil {
			return nil, err
		}
		out = append(out, vars...)
		for _, name := range rs.Shift {
			d, _ := r.s.Dataset(name)
			out = append(out, variant{name: "shift:" + name, dataset: d})
		}
	}
	return out, nil
}

// place puts an evaluation input into its list by variant name.
func (ti *taskInputs) place(in *evalInput) {
	switch v := in.ev.Variant; {
	case v == "clean":
		ti.clean = in
	case strings.HasPrefix(v, "counterfactual:"):
		ti.cfs = append(ti.cfs, in)
	case strings.HasPrefix(v, "shift:"):
		ti.shift = append(ti.shift, in)
	default:
		ti.perturbed = append(ti.perturbed, in)
	}
}

func (r *runner) classInputs(ctx context.Context, mr *modelRun, t *suite.Task, k int) (*taskInputs, error) {
	vars, err := r.variants(t)
	if err != nil {
		return nil, err
	}
	defer r.keepRecords(t, vars)()
	in := &taskInputs{}
	for i, v := range vars {
		x, _, err := r.variantInput(ctx, mr, t, k, i, v, func(d *suite.Dataset, what string) *passSpec {
			return r.classPass(mr, t, d, v, what, k)
		})
		if err != nil {
			return nil, err
		}
		in.place(x)
		if i == 0 && t.Calibration.Dataset != "" {
			// The calibration split, on which assemble fits a temperature
			// (Guo et al. 2017).
			cd, _ := r.s.Dataset(t.Calibration.Dataset)
			pr, err := r.runPass(ctx, mr, r.classPass(mr, t, cd, cleanVariant, "calibration split "+cd.Name, k))
			if err != nil {
				return nil, fmt.Errorf("calibration split %q: %w", cd.Name, err)
			}
			in.calib = &evalInput{preds: pr.preds, groups: pr.groups, classes: pr.classes, resumed: pr.stats.resumed}
			in.calib.ev = result.Evaluation{Model: mr.m.Name, Task: t.Name, Dataset: cd.Name}
		}
	}
	return in, nil
}

// variantInput makes the prediction pass of variant v (the i-th of the
// task's variants, clean first) for k demonstrations (-1: none), built by
// pass from the variant's dataset and progress name, and names the
// evaluation: a few-shot sweep's evaluations are "<model>+<k>shot", the
// clean one records the prompting as its adaptation.
func (r *runner) variantInput(ctx context.Context, mr *modelRun, t *suite.Task, k, i int, v variant,
	pass func(d *suite.Dataset, what string) *passSpec) (*evalInput, *passResult, error) {
	d := v.dataset
	if d == nil {
		d, _ = r.s.Dataset(t.Dataset)
	}
	what := v.name
	if k >= 0 {
		what += fmt.Sprintf(", %d-shot", k)
	}
	pr, err := r.runPass(ctx, mr, pass(d, what))
	if err != nil {
		if v.name != "clean" {
			err = fmt.Errorf("variant %s: %w", v.name, err)
		}
		return nil, nil, err
	}
	x := r.input(mr, t, v, d, pr)
	if i == 0 {
		r.promptingMetadata(mr, t, k, &x.ev)
	} else if k >= 0 {
		x.ev.Model = fewshotName(mr.m.Name, k)
	}
	return x, pr, nil
}

// assembleClassification scores every evaluation of a classification or
// regression task and adds the temperature-scaled metrics, the fairness
// view and the robustness summary.
func assembleClassification(r *runner, t *suite.Task, in *taskInputs) (*taskOutcome, error) {
	runs, err := r.scoreRuns(t, in)
	if err != nil {
		return nil, err
	}
	return r.summarise(t, runs)
}

// scoreRuns scores every evaluation of a task's inputs.
func (r *runner) scoreRuns(t *suite.Task, in *taskInputs) (*taskRuns, error) {
	runs := &taskRuns{}
	for _, x := range in.all() {
		vr, err := r.scoreVariant(t, x)
		if err != nil {
			return nil, err
		}
		switch {
		case x == in.clean:
			runs.clean = vr
		case strings.HasPrefix(x.ev.Variant, "counterfactual:"):
			runs.cfs = append(runs.cfs, vr)
		case strings.HasPrefix(x.ev.Variant, "shift:"):
			runs.shift = append(runs.shift, vr)
		default:
			runs.perturbed = append(runs.perturbed, vr)
		}
	}
	if in.calib != nil {
		runs.calib = &evalPreds{key: CalibrationKey(in.clean.ev.Model, t.Name, t.Calibration.Dataset), groups: in.calib.groups,
			preds: in.calib.preds, resumed: in.calib.resumed}
	}
	return runs, nil
}

// scoreVariant scores one evaluation's predictions with the task's
// settings.
func (r *runner) scoreVariant(t *suite.Task, in *evalInput) (*variantRun, error) {
	ev := in.ev
	ev.InvalidPolicy = string(t.Invalid)
	ep := evalPreds{key: ev.Key(), groups: in.groups, preds: in.preds, resumed: in.resumed}
	var scores tasks.Scores
	var err error
	var clf *tasks.Classifier
	if t.Kind == string(tasks.Regression) {
		reg := tasks.NewRegressor(tasks.RegressionConfig{Invalid: t.Invalid, Metrics: t.Metrics,
			Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed})
		scores, err = reg.Score(in.preds)
		ep.regression = true
	} else {
		ev.Classes = in.classes
		ep.classes = in.classes
		if clf, err = r.classifier(t, in.classes); err != nil {
			return nil, fmt.Errorf("dataset %q: %w", ev.Dataset, err)
		}
		scores, err = clf.Score(in.preds)
	}
	if errors.Is(err, tasks.ErrNoExamples) {
		// Nothing left to score (every output invalid and excluded, or no
		// labelled example): the evaluation is recorded as undefined, and
		// the other models and tasks go on; gates on it fail.
		scores, err = undefinedScores(t.Metrics, scores, len(in.preds)), nil
	}
	if err != nil {
		name := ev.Dataset
		return nil, fmt.Errorf("dataset %q, variant %s: %w", name, ev.Variant, err)
	}
	ev.N, ev.Invalid = scores.N, scores.Invalid
	ev.Scoring = &result.Scoring{Metrics: t.Metrics, Scores: string(in.mode), Output: in.output,
		Bins: t.Calibration.Bins, Binning: string(t.Calibration.Binning), CalibrationDataset: t.Calibration.Dataset, Groups: in.groups,
		Edges: string(t.Calibration.Edges)}
	if prev := in.ev.Scoring; prev != nil && in.mode == "" {
		ev.Scoring.Scores, ev.Scoring.Output = prev.Scores, prev.Output
	}
	ev.Metrics = convertMetrics(scores.Metrics)
	ev.Reliability = convertReliability(scores.Reliability)
	ev.RiskCoverage = convertCoverage(scores.RiskCoverage)
	ev.Fairness = nil
	return &variantRun{ev: ev, preds: ep, clf: clf}, nil
}

// undefinedScores reports every metric as undefined when nothing could be
// scored.
func undefinedScores(names []string, s tasks.Scores, n int) tasks.Scores {
	reason := "no example left to score"
	if s.Invalid > 0 {
		reason = fmt.Sprintf("no example left to score: all %d outputs were invalid (NaN or Inf) and excluded", s.Invalid)
	} else if n > 0 {
		reason = "no labelled example to score"
	}
	for _, name := range names {
		s.Metrics = append(s.Metrics, tasks.MetricValue{Name: name, Value: math.NaN(), Low: math.NaN(), High: math.NaN(),
			HigherIsBetter: tasks.HigherIsBetter(name), Undefined: reason})
	}
	return s
}

// classifier returns the scoring classifier of a task.
func (r *runner) classifier(t *suite.Task, classes []string) (*tasks.Classifier, error) {
	return tasks.NewClassifier(tasks.ClassificationConfig{
		Classes: classes, Scores: tasks.ScoresProbabilities, Invalid: t.Invalid,
		Metrics: t.Metrics, Bins: t.Calibration.Bins, Binning: t.Calibration.Binning.Metrics(), Edges: t.Calibration.Edges.Metrics(),
		Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed,
	})
}

// efficiency converts a pass's statistics into the result's figures.
// Predictions read from the cache count at the cost the computing run
// stored with them: their wall and inference time, batches and latencies
// are added to those measured now, and CachedExamples says how many
// examples that covers (Cached is set when any did).
func (r *runner) efficiency(mi *result.Model, st streamStats, examples int, extraParams int64) *result.Efficiency {
	wall := st.wall + st.cachedWall
	eff := &result.Efficiency{
		Examples: examples, Batches: st.batches + st.cachedBatches, BatchSize: st.batchSize,
		WallSeconds: wall.Seconds(), InferenceSeconds: (st.inference + st.cachedInference).Seconds(),
		LatencyMs: percentiles(append(slices.Clone(st.latencies), st.cachedLatencies...)), ModelBytes: mi.SizeBytes,
		Parameters: mi.Parameters + extraParams, Cached: st.resumed > 0, CachedExamples: st.resumed,
	}
	if examples > 0 && wall > 0 {
		eff.ExamplesPerSecond = float64(examples) / wall.Seconds()
	}
	if st.padded > 0 {
		eff.Tokens = st.tokens
		eff.PaddingShare = 1 - float64(st.tokens)/float64(st.padded)
		if st.wall > 0 {
			eff.TokensPerSecond = float64(st.tokens) / st.wall.Seconds()
		}
	}
	return eff
}

// summarise adds the temperature-scaled metrics and the fairness view to the
// clean evaluation and computes the robustness summary. It needs only
// predictions, so rescore and merge use it too.
func (r *runner) summarise(t *suite.Task, runs *taskRuns) (*taskOutcome, error) {
	clean := runs.clean
	out := &taskOutcome{}
	ev := &clean.ev
	if ev.N == 0 {
		// Nothing was scored: there is no temperature, group or robustness
		// figure to compute. The evaluations are kept, undefined.
		ev.Extra = withNote(ev.Extra, "undefined", ev.Metrics[0].Undefined)
		runs.cfs, runs.perturbed, runs.shift = nil, nil, nil
	} else {
		if runs.calib != nil && clean.clf != nil {
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
		if rs := t.Robustness; rs != nil && clean.clf != nil {
			r.robustnessOutcome(t, runs, out)
			if err := r.robustnessScores(t, runs, out); err != nil {
				return nil, err
			}
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

// robustnessScores computes the per-cell robustness summary.
func (r *runner) robustnessScores(t *suite.Task, runs *taskRuns, out *taskOutcome) error {
	rs := t.Robustness
	var vp []tasks.VariantPredictions
	for _, vr := range runs.perturbed {
		vp = append(vp, tasks.VariantPredictions{Perturbation: vr.ev.Perturbation, Severity: vr.ev.Severity, Preds: vr.preds.preds})
	}
	if len(vp) == 0 {
		return nil
	}
	sc, err := runs.clean.clf.Robustness(runs.clean.preds.preds, vp, tasks.RobustnessConfig{Metric: rs.Metric, CorruptionSet: rs.CorruptionSet})
	if err != nil {
		return fmt.Errorf("robustness summary: %w", err)
	}
	out.robustness = sc
	return nil
}

// robustnessOutcome keeps the headline metric and per-example correctness
// of the clean, shift and perturbed evaluations for the suite-level
// figures (ID–OOD gap, effective robustness, mCE).
func (r *runner) robustnessOutcome(t *suite.Task, runs *taskRuns, out *taskOutcome) {
	rs := t.Robustness
	clean := runs.clean
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

// withNote returns extra with key set to note.
func withNote(extra map[string]any, key, note string) map[string]any {
	if extra == nil {
		extra = map[string]any{}
	}
	extra[key] = note
	return extra
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
			Undefined: m.Undefined, Spec: m.Spec, Parameter: m.Parameter}
		if m.Resamples > 0 || !math.IsNaN(m.Low) || !math.IsNaN(m.High) {
			rm.CI = &result.CI{Low: result.Float(m.Low), High: result.Float(m.High), Level: m.Level, Resamples: m.Resamples, Method: m.Method}
		}
		out = append(out, rm)
	}
	return out
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
