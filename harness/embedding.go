package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
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
)

// embedPass is a pass that pools the model's representation output of
// dataset d (under variant v) into one vector per example.
func (r *runner) embedPass(mr *modelRun, t *suite.Task, d *suite.Dataset, v variant, what string, shard bool, label labelNeed) *passSpec {
	spec := t.Embedding
	ps := &passSpec{what: what, dataset: d, variant: v, shard: shard, label: label,
		key: []any{"emb", mr.m.Inputs, spec.Output, spec.Pooling, spec.Normalize}}
	ps.key = append(ps.key, declaredTypesKey(mr.om.Inputs, d)...)
	ps.newEngine = func(cols []dataset.Column, enc *encoders) (engine, error) {
		dec := &tasks.Embedder{Output: spec.Output, Pooling: spec.Pooling, Normalize: spec.Normalize}
		return r.newRowEngine(mr, d.Name, cols, enc, dec, checkVectorPred)
	}
	return ps
}

// embedded is one pass's vectors, with its examples.
type embedded struct {
	x       tasks.Matrix
	preds   []tasks.Prediction
	classes []string
	groups  []string
	output  string
	stats   streamStats
}

func (e *embedded) labels() []int {
	y := make([]int, len(e.preds))
	for i, p := range e.preds {
		y[i] = p.Label
	}
	return y
}

// embed runs an embedding pass and stacks its vectors.
func (r *runner) embed(ctx context.Context, mr *modelRun, ps *passSpec) (*embedded, error) {
	pr, err := r.runPass(ctx, mr, ps)
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", ps.dataset.Name, err)
	}
	x, err := tasks.Stack(pr.preds)
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", ps.dataset.Name, err)
	}
	return &embedded{x: x, preds: pr.preds, classes: pr.classes, groups: pr.groups,
		output: pr.engine.(*rowEngine).output, stats: pr.stats}, nil
}

// runProbe fits the task's probes on the train split's embeddings and
// scores them on the task's dataset like any classifier: each method
// becomes evaluations of the model "<model>+<method>" with adaptation
// metadata (Extra["adaptation"]; AddAdaptedModels lists them as models).
// Perturbed copies of the test split, the robustness section's shift
// datasets and counterfactual substitutions are embedded with the same
// encoder and scored with the same fitted probe.
func runProbe(ctx context.Context, r *runner, mr *modelRun, t *suite.Task) (*taskOutcome, error) {
	pr := t.Probe
	get := func(name string, v variant, what string, shard bool) (*embedded, error) {
		d, _ := r.s.Dataset(name)
		if v.dataset != nil {
			d = v.dataset
		}
		return r.embed(ctx, mr, r.embedPass(mr, t, d, v, what, shard, labelClass))
	}
	train, err := get(pr.Train, cleanVariant, "probe train split "+pr.Train, false)
	if err != nil {
		return nil, err
	}
	vars, err := r.variants(t)
	if err != nil {
		return nil, err
	}
	var tests []*embedded
	for _, v := range vars {
		e, err := get(t.Dataset, v, v.name, true)
		if err != nil {
			if v.name != "clean" {
				err = fmt.Errorf("variant %s: %w", v.name, err)
			}
			return nil, err
		}
		tests = append(tests, e)
	}
	test := tests[0]
	if !slices.Equal(train.classes, test.classes) {
		return nil, fmt.Errorf("probe train split %q has classes [%s] but the test dataset %q has [%s]; declare the same label classes", pr.Train, strings.Join(train.classes, ", "), t.Dataset, strings.Join(test.classes, ", "))
	}
	for i, v := range vars {
		if v.dataset != nil && !slices.Equal(tests[i].classes, test.classes) {
			return nil, fmt.Errorf("shift dataset %q has classes [%s] but the test dataset %q has [%s]; declare the same label classes", v.dataset.Name, strings.Join(tests[i].classes, ", "), t.Dataset, strings.Join(test.classes, ", "))
		}
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
		ve, err := get(pr.Validation, cleanVariant, "probe validation split "+pr.Validation, false)
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
		if calib, err = get(t.Calibration.Dataset, cleanVariant, "calibration split "+t.Calibration.Dataset, false); err != nil {
			return nil, err
		}
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
		name := ProbeModelName(mr.m.Name, string(method))
		in := &taskInputs{}
		for i, e := range tests {
			t1 := time.Now()
			ds := t.Dataset
			if vars[i].dataset != nil {
				ds = vars[i].dataset.Name
			}
			x := &evalInput{preds: tasks.ProbePredictions(e.preds, probe.PredictProba(e.x, nil), k), classes: test.classes,
				groups: e.groups, mode: tasks.ScoresProbabilities, output: e.output, resumed: e.stats.resumed}
			x.ev = result.Evaluation{Model: name, Task: t.Name, Kind: t.Kind, Dataset: ds, Variant: vars[i].name,
				Perturbation: vars[i].perturbation, Severity: vars[i].severity}
			st := e.stats
			st.wall += time.Since(t1)
			x.ev.Efficiency = r.efficiency(mr.mi, st, len(x.preds), probe.Params())
			x.ev.Cost = r.cost(st, len(x.preds))
			in.place(x)
		}
		if calib != nil {
			in.calib = &evalInput{preds: tasks.ProbePredictions(calib.preds, probe.PredictProba(calib.x, nil), k), groups: calib.groups}
		}
		ad := result.Adaptation{Method: "probe:" + string(method), Base: mr.m.Name, TrainableParams: probe.Params(),
			TrainExamples: int64(train.x.N), Compute: fmt.Sprintf("%.2f CPU-seconds to fit (evalctl)", fitTime.Seconds()),
			Notes: fmt.Sprintf("frozen %s output %q; hyper-parameters chosen on %s", mr.m.Name, test.output, valDesc)}
		info := map[string]any{"method": string(method), "train_dataset": pr.Train, "validation": valDesc,
			"selected": fit.Selected, "fit_seconds": fitTime.Seconds(), "embedding_dim": train.x.D, "output": test.output,
			"pooling": string(t.Embedding.Pooling), "normalize": t.Embedding.Normalize}
		if len(fit.Grid) > 0 {
			info["grid"], info["validation_accuracy"] = fit.Grid, fit.Validation
		}
		if lr, ok := probe.(*tasks.LogReg); ok {
			info["iterations"], info["converged"] = lr.Iterations, lr.Converged
		}
		in.clean.ev.Extra = map[string]any{"adaptation": ad, "probe": info, "base_model": mr.m.Name}
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
			var pts []kshotPoint
			for _, pt := range curve {
				p := kshotPoint{Shots: pt.Shots, TrainExamples: pt.TrainExamples, Mean: result.Float(pt.Mean), Low: result.Float(pt.Low), High: result.Float(pt.High)}
				for _, v := range pt.Values {
					p.Values = append(p.Values, result.Float(v))
				}
				pts = append(pts, p)
				for _, c := range pt.Correct {
					for i, ok := range c {
						in.clean.preds[i].KShot = append(in.clean.preds[i].KShot, ok)
					}
				}
			}
			in.clean.ev.Extra["kshot"] = pts
		}
		out, err := assembleProbe(r, t, in)
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

// kshotPoint is one point of a probe's k-shot curve in the result
// (Extra["kshot"]).
type kshotPoint struct {
	Shots         int            `json:"shots_per_class"`
	TrainExamples int            `json:"train_examples"`
	Mean          result.Float   `json:"mean_accuracy"`
	Low           result.Float   `json:"low"`
	High          result.Float   `json:"high"`
	Values        []result.Float `json:"accuracy_per_seed"`
}

// assembleProbe scores one probe method's predictions as a classifier's,
// with the k-shot curve's metrics (recomputed from the per-example
// outcomes the predictions carry) before the temperature-scaled ones.
func assembleProbe(r *runner, t *suite.Task, in *taskInputs) (*taskOutcome, error) {
	runs, err := r.scoreRuns(t, in)
	if err != nil {
		return nil, err
	}
	if err := r.kshotMetrics(&runs.clean.ev, in.clean.preds); err != nil {
		return nil, err
	}
	return r.summarise(t, runs)
}

// kshotMetrics appends kshot_accuracy@<shots> for each point of the
// evaluation's k-shot curve, recomputed from preds' KShot outcomes.
func (r *runner) kshotMetrics(ev *result.Evaluation, preds []tasks.Prediction) error {
	raw, ok := ev.Extra["kshot"]
	if !ok {
		return nil
	}
	var pts []kshotPoint
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, &pts)
	}
	if err != nil {
		return fmt.Errorf("k-shot curve of %s: %w", ev.Key(), err)
	}
	seeds := make([]int, len(pts))
	for i, p := range pts {
		seeds[i] = len(p.Values)
	}
	correct := make([][]float64, len(preds))
	for i := range preds {
		correct[i] = preds[i].KShot
	}
	curve, err := tasks.KShotAccuracy(correct, seeds, r.s.Bootstrap.Confidence)
	if err != nil {
		return fmt.Errorf("k-shot curve of %s: %w", ev.Key(), err)
	}
	for i, pt := range curve {
		p := &pts[i]
		p.Mean, p.Low, p.High = result.Float(pt.Mean), result.Float(pt.Low), result.Float(pt.High)
		p.Values = p.Values[:0]
		for _, v := range pt.Values {
			p.Values = append(p.Values, result.Float(v))
		}
		label := "all"
		if p.Shots > 0 {
			label = strconv.Itoa(p.Shots)
		}
		mv := result.Metric{Name: "kshot_accuracy@" + label, Value: result.Float(pt.Mean), N: len(preds), HigherIsBetter: true,
			Spec: map[string]string{"shots_per_class": label, "seeds": strconv.Itoa(len(pt.Values)), "train_examples": strconv.Itoa(p.TrainExamples)}}
		if len(pt.Values) > 1 {
			mv.CI = &result.CI{Low: result.Float(pt.Low), High: result.Float(pt.High), Level: r.s.Bootstrap.Confidence,
				Resamples: len(pt.Values), Method: "student-t over seeds"}
		}
		ev.Metrics = append(ev.Metrics, mv)
	}
	ev.Extra["kshot"] = pts
	return nil
}

// runRetrieval embeds the queries (the task's dataset) and the corpus and
// ranks the corpus for every query by cosine similarity.
func runRetrieval(ctx context.Context, r *runner, mr *modelRun, t *suite.Task) (*taskOutcome, error) {
	rs := t.Retrieval
	qd, _ := r.s.Dataset(t.Dataset)
	cd, _ := r.s.Dataset(rs.Corpus)
	queries, err := r.embed(ctx, mr, r.embedPass(mr, t, qd, cleanVariant, "queries", true, labelOptional))
	if err != nil {
		return nil, fmt.Errorf("queries %q: %w", qd.Name, err)
	}
	corpus, err := r.embed(ctx, mr, r.embedPass(mr, t, cd, cleanVariant, "corpus "+cd.Name, false, labelOptional))
	if err != nil {
		return nil, fmt.Errorf("corpus %q: %w", cd.Name, err)
	}
	depth := 1
	for _, name := range t.Metrics {
		_, k, err := tasks.RetrievalMetric(name)
		if err != nil {
			return nil, err
		}
		depth = max(depth, k)
	}
	norms := tasks.DocNorms(corpus.x)
	in := &evalInput{preds: queries.preds, groups: queries.groups, output: queries.output, resumed: queries.stats.resumed}
	for qi := range in.preds {
		top := tasks.Rank(queries.x.Row(qi), corpus.x, norms, depth)
		ranked := make([]string, len(top))
		for j, di := range top {
			ranked[j] = corpus.preds[di].ID
		}
		in.preds[qi].Ranked, in.preds[qi].Vector = ranked, nil
	}
	st := queries.stats.plus(corpus.stats)
	in.ev = result.Evaluation{Model: mr.m.Name, Task: t.Name, Kind: t.Kind, Dataset: t.Dataset, Variant: "clean",
		Efficiency: r.efficiency(mr.mi, st, len(queries.preds)+len(corpus.preds), 0), Cost: r.cost(st, len(queries.preds)+len(corpus.preds))}
	in.ev.Extra = map[string]any{"queries": len(queries.preds), "corpus": len(corpus.preds), "output": queries.output}
	return assembleRetrieval(r, t, &taskInputs{clean: in})
}

// assembleRetrieval scores each query's ranking against the qrels and
// reports the mean of each retrieval metric over the judged queries with a
// bootstrap interval over queries (BEIR conventions, Thakur et al. 2021).
func assembleRetrieval(r *runner, t *suite.Task, in *taskInputs) (*taskOutcome, error) {
	rs := t.Retrieval
	x := in.clean
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
		k    int
		f    func([]string, map[string]int) float64
	}
	var fs []mfun
	for _, name := range t.Metrics {
		fn, k, err := tasks.RetrievalMetric(name)
		if err != nil {
			return nil, err
		}
		fs = append(fs, mfun{name, k, fn})
	}
	corpusN := -1
	if c, ok := x.ev.Extra["corpus"]; ok {
		if n, ok := toInt(c); ok {
			corpusN = n
		}
	}
	values := make([][]float64, len(fs))
	judged := 0
	for _, q := range x.preds {
		rel := qrels[q.ID]
		relevant := false
		for _, v := range rel {
			relevant = relevant || v > 0
		}
		if !relevant {
			continue // BEIR/pytrec_eval score only queries with judgements
		}
		judged++
		for i, mf := range fs {
			if len(q.Ranked) < mf.k && (corpusN < 0 || len(q.Ranked) < corpusN) {
				return nil, fmt.Errorf("%s needs the top %d documents of query %q, but its predictions hold %d; run the suite again", mf.name, mf.k, q.ID, len(q.Ranked))
			}
			values[i] = append(values[i], mf.f(q.Ranked, rel))
		}
	}
	ev := x.ev
	ev.N, ev.Metrics = judged, nil
	for i, mf := range fs {
		mv := result.Metric{Name: mf.name, N: judged, HigherIsBetter: true, Value: result.Float(math.NaN()),
			Spec: map[string]string{"similarity": "cosine", "convention": "BEIR/pytrec_eval", "corpus": rs.Corpus}}
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
	if ev.Extra == nil {
		ev.Extra = map[string]any{}
	}
	ev.Extra["queries"], ev.Extra["judged_queries"] = len(x.preds), judged
	ep := evalPreds{key: ev.Key(), groups: x.groups, preds: x.preds, resumed: x.resumed}
	return &taskOutcome{evals: []result.Evaluation{ev}, preds: []evalPreds{ep}}, nil
}

// toInt reads an integer from a JSON-decoded or native value.
func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case float64:
		return int(n), n == math.Trunc(n)
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

// runWEAT embeds the task's dataset (one row per word, the id column the
// word) and runs fairness.WEAT on the word sets.
func runWEAT(ctx context.Context, r *runner, mr *modelRun, t *suite.Task) (*taskOutcome, error) {
	d, _ := r.s.Dataset(t.Dataset)
	e, err := r.embed(ctx, mr, r.embedPass(mr, t, d, cleanVariant, "words", false, labelOptional))
	if err != nil {
		return nil, err
	}
	in := &evalInput{preds: e.preds, groups: e.groups, output: e.output, resumed: e.stats.resumed}
	in.ev = result.Evaluation{Model: mr.m.Name, Task: t.Name, Kind: t.Kind, Dataset: t.Dataset, Variant: "clean",
		Efficiency: r.efficiency(mr.mi, e.stats, len(e.preds), 0), Cost: r.cost(e.stats, len(e.preds))}
	in.ev.Extra = map[string]any{"output": e.output}
	return assembleWEAT(r, t, &taskInputs{clean: in})
}

// assembleWEAT runs WEAT on the word vectors the predictions carry.
func assembleWEAT(r *runner, t *suite.Task, in *taskInputs) (*taskOutcome, error) {
	x := in.clean
	b, err := os.ReadFile(r.s.Resolve(t.WEAT.Sets))
	if err != nil {
		return nil, fmt.Errorf("weat sets: %w", err)
	}
	var ws weatSets
	if err := json.Unmarshal(b, &ws); err != nil {
		return nil, fmt.Errorf("weat sets %s: %w", t.WEAT.Sets, err)
	}
	byWord := map[string][]float64{}
	for _, p := range x.preds {
		v := make([]float64, len(p.Vector))
		for j, f := range p.Vector {
			v[j] = float64(f)
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
		return nil, fmt.Errorf("weat sets %s: %d words have no row in dataset %q (its id column must hold the word): %s", t.WEAT.Sets, len(missing), t.Dataset, strings.Join(missing, ", "))
	}
	wr, err := fairnessWEAT(X, Y, A, B, t.WEAT.Samples, r.s.Seed)
	if err != nil {
		return nil, fmt.Errorf("weat %s: %w", ws.Name, err)
	}
	ev := weatEvaluation(x.ev, t, ws, wr)
	ep := evalPreds{key: ev.Key(), groups: x.groups, preds: x.preds, resumed: x.resumed}
	return &taskOutcome{evals: []result.Evaluation{ev}, preds: []evalPreds{ep}}, nil
}

// ProbeModelName is the name under which a probe on a base model appears in
// results: "<model>+<method>", e.g. "fmnist-encoder+logreg".
func ProbeModelName(model, method string) string { return model + "+" + method }

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

// AddAdaptedModels appends to res.Models one entry per adaptation the run
// made itself — a probe ("<model>+<method>", see runProbe) or a few-shot
// prompt ("<model>+<k>shot", see promptingMetadata) — with the base model's
// facts and the adaptation's metadata (an evaluation's
// Extra["adaptation"]), so that reports put them next to the suite's
// adapted models (adaptation table, accuracy vs trainable parameters).
// Models already listed are left alone.
func AddAdaptedModels(res *result.Result) {
	have := map[string]bool{}
	for _, m := range res.Models {
		have[m.Name] = true
	}
	for _, ev := range res.Evaluations {
		if ev.Variant != "clean" || have[ev.Model] || ev.Extra == nil || ev.Extra["adaptation"] == nil {
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

func fairnessWEAT(X, Y, A, B [][]float64, samples int, seed uint64) (fairness.WEATResult, error) {
	return fairness.WEAT(X, Y, A, B, fairness.WEATOptions{Samples: samples, Seed: seed})
}

// weatEvaluation reports a WEAT result: effect size d (higher: X more
// associated with A than Y is) and the one-sided permutation p-value.
func weatEvaluation(base result.Evaluation, t *suite.Task, ws weatSets, wr fairness.WEATResult) result.Evaluation {
	ev := base
	ev.N, ev.Metrics = len(wr.AssocX)+len(wr.AssocY), nil
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
		"assoc_x": wr.AssocX, "assoc_y": wr.AssocY, "ties": wr.Ties}, "output": base.Extra["output"]}
	return ev
}
