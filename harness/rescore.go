package harness

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
)

// RescoreOptions overrides the suite's bootstrap settings when rescoring.
type RescoreOptions struct {
	Seed       *uint64
	Resamples  *int
	Confidence float64
}

// ReadPredictions loads a predictions sidecar grouped by evaluation key.
func ReadPredictions(path string) (map[string][]result.Prediction, error) {
	out := map[string][]result.Prediction{}
	err := result.ReadPredictions(path, func(p *result.Prediction) error {
		out[p.Eval] = append(out[p.Eval], *p)
		return nil
	})
	return out, err
}

// Rescore recomputes every classification evaluation of res from stored
// predictions — no model and no ONNX Runtime — with the task settings of
// suite s (metrics, calibration bins, fairness and robustness sections),
// which may differ from those of the original run. Evaluations of other
// kinds are kept as they are. Efficiency figures are kept from res. The
// returned result is a new value; res is not modified.
func Rescore(s *suite.Suite, res *result.Result, preds map[string][]result.Prediction, opt RescoreOptions) (*result.Result, error) {
	s2 := *s
	if opt.Seed != nil {
		s2.Seed = *opt.Seed
	}
	if opt.Resamples != nil {
		s2.Bootstrap.Resamples = opt.Resamples
	}
	if opt.Confidence != 0 {
		s2.Bootstrap.Confidence = opt.Confidence
	}
	r := &runner{s: &s2}
	out := *res
	out.Evaluations = nil
	out.Suite = result.Suite{Name: s2.Name, Path: s2.File, SHA256: s2.SHA256, Seed: s2.Seed,
		Resamples: *s2.Bootstrap.Resamples, Confidence: s2.Bootstrap.Confidence}

	byKey := map[string]*result.Evaluation{}
	for i := range res.Evaluations {
		byKey[res.Evaluations[i].Key()] = &res.Evaluations[i]
	}
	outcomes := map[string]map[string]*taskOutcome{}
	done := map[string]bool{}
	for i := range res.Evaluations {
		ev := &res.Evaluations[i]
		id := ev.Model + "/" + ev.Task
		if done[id] {
			continue
		}
		done[id] = true
		if ev.Kind != string(tasks.Classification) && ev.Kind != string(tasks.Regression) {
			// Language-model, probe, retrieval and WEAT evaluations are kept
			// as they were: their scores are not recomputed from the sidecar
			// yet (see docs/notes.md).
			for _, e := range res.Evaluations {
				if e.Model == ev.Model && e.Task == ev.Task {
					out.Evaluations = append(out.Evaluations, e)
				}
			}
			continue
		}
		t := findTask(&s2, ev.Task)
		if t == nil {
			return nil, fmt.Errorf("rescore: the result has task %q but suite %s does not", ev.Task, s2.File)
		}
		runs := &taskRuns{}
		for j := range res.Evaluations {
			e := &res.Evaluations[j]
			if e.Model != ev.Model || e.Task != ev.Task {
				continue
			}
			vr, err := r.rescoreVariant(t, e, preds[e.Key()])
			if err != nil {
				return nil, err
			}
			switch {
			case e.Variant == "clean":
				runs.clean = vr
			case strings.HasPrefix(e.Variant, "counterfactual:"):
				runs.cfs = append(runs.cfs, vr)
			case strings.HasPrefix(e.Variant, "shift:"):
				runs.shift = append(runs.shift, vr)
			default:
				runs.perturbed = append(runs.perturbed, vr)
			}
		}
		if runs.clean == nil {
			return nil, fmt.Errorf("rescore: model %q task %q has no clean evaluation", ev.Model, ev.Task)
		}
		if t.Calibration.Dataset != "" {
			key := CalibrationKey(ev.Model, ev.Task, t.Calibration.Dataset)
			cp, ok := preds[key]
			if !ok {
				return nil, fmt.Errorf("rescore: no predictions for the calibration split %q (key %s)", t.Calibration.Dataset, key)
			}
			runs.calib = &evalPreds{key: key, groups: runs.clean.preds.groups, preds: toTaskPreds(cp, runs.clean.preds.groups)}
		}
		to, err := r.summarise(t, runs)
		if err != nil {
			return nil, fmt.Errorf("rescore %s/%s: %w", ev.Model, ev.Task, err)
		}
		out.Evaluations = append(out.Evaluations, to.evals...)
		if outcomes[t.Name] == nil {
			outcomes[t.Name] = map[string]*taskOutcome{}
		}
		outcomes[t.Name][ev.Model] = to
	}
	rob, err := r.robustnessSummaries(outcomes)
	if err != nil {
		return nil, err
	}
	out.Robustness = rob
	gs, err := ParseGates(&s2)
	if err != nil {
		return nil, err
	}
	out.Gates = evaluateGates(gs, &out)
	return &out, nil
}

func findTask(s *suite.Suite, name string) *suite.Task {
	for i := range s.Tasks {
		if s.Tasks[i].Name == name {
			return &s.Tasks[i]
		}
	}
	return nil
}

// rescoreVariant scores one evaluation's stored predictions again.
func (r *runner) rescoreVariant(t *suite.Task, ev *result.Evaluation, stored []result.Prediction) (*variantRun, error) {
	if len(stored) == 0 {
		return nil, fmt.Errorf("rescore: no predictions for %s in the sidecar", ev.Key())
	}
	var groups []string
	if ev.Scoring != nil {
		groups = ev.Scoring.Groups
	}
	if ev.Kind == string(tasks.Regression) {
		reg := tasks.NewRegressor(tasks.RegressionConfig{Invalid: tasks.InvalidPolicy(t.Invalid), Metrics: t.Metrics,
			Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed})
		preds := toTaskPreds(stored, groups)
		scores, err := reg.Score(preds)
		if err != nil {
			return nil, fmt.Errorf("rescore %s: %w", ev.Key(), err)
		}
		ne := *ev
		ne.N, ne.Invalid, ne.Metrics, ne.InvalidPolicy = scores.N, scores.Invalid, convertMetrics(scores.Metrics), t.Invalid
		if ne.Scoring != nil {
			sc := *ne.Scoring
			sc.Metrics = t.Metrics
			ne.Scoring = &sc
		}
		return &variantRun{ev: ne, preds: evalPreds{key: ev.Key(), groups: groups, preds: preds, regression: true}}, nil
	}
	binning := metrics.EqualWidth
	if t.Calibration.Binning == "equal_mass" {
		binning = metrics.EqualMass
	}
	clf, err := tasks.NewClassifier(tasks.ClassificationConfig{
		Classes: ev.Classes, Scores: tasks.ScoresProbabilities, Invalid: tasks.InvalidPolicy(t.Invalid),
		Metrics: t.Metrics, Bins: t.Calibration.Bins, Binning: binning,
		Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed,
	})
	if err != nil {
		return nil, fmt.Errorf("rescore %s: %w", ev.Key(), err)
	}
	preds := toTaskPreds(stored, groups)
	scores, err := clf.Score(preds)
	if err != nil {
		return nil, fmt.Errorf("rescore %s: %w", ev.Key(), err)
	}
	ne := *ev
	ne.N, ne.Invalid = scores.N, scores.Invalid
	ne.Metrics = convertMetrics(scores.Metrics)
	ne.Reliability = convertReliability(scores.Reliability)
	ne.RiskCoverage = convertCoverage(scores.RiskCoverage)
	ne.Fairness = nil
	ne.InvalidPolicy = t.Invalid
	if ne.Scoring != nil {
		sc := *ne.Scoring
		sc.Metrics, sc.Bins, sc.Binning, sc.CalibrationDataset = t.Metrics, t.Calibration.Bins, t.Calibration.Binning, t.Calibration.Dataset
		ne.Scoring = &sc
	}
	return &variantRun{ev: ne, preds: evalPreds{key: ev.Key(), groups: groups, classes: ev.Classes, preds: preds}, clf: clf}, nil
}

// toTaskPreds converts sidecar lines to predictions, ordering group values
// as groups lists them.
func toTaskPreds(stored []result.Prediction, groups []string) []tasks.Prediction {
	out := make([]tasks.Prediction, len(stored))
	for i, p := range stored {
		tp := tasks.Prediction{Index: p.Index, ID: p.ID, Label: p.Label, Pred: p.Pred, Probs: p.Probs, Invalid: p.Invalid, Changed: p.Changed}
		if p.Score != nil {
			tp.Value = *p.Score
		} else if p.Invalid != "" {
			tp.Value = math.NaN()
		}
		if p.Target != nil {
			tp.Target = *p.Target
		}
		if tp.Invalid != "" {
			tp.Probs = nil
		}
		if len(groups) > 0 {
			tp.Groups = make([]string, len(groups))
			for g, name := range groups {
				tp.Groups[g] = p.Groups[name]
			}
		}
		out[i] = tp
	}
	return out
}

// Merge combines the results of the shards of one run (evalctl run --shard
// i/n for every i) into the result of the whole run: predictions are
// concatenated in example order and every metric, interval and summary is
// recomputed from them, as if one machine had run everything. It checks that
// the shards come from the same suite, models and data, and that together
// they cover every shard exactly once.
func Merge(s *suite.Suite, shards []*result.Result, preds []map[string][]result.Prediction) (*result.Result, map[string][]result.Prediction, error) {
	if len(shards) == 0 {
		return nil, nil, errors.New("merge: no results")
	}
	base := shards[0]
	n := 0
	seen := map[int]bool{}
	var errs []error
	for i, r := range shards {
		var sh Shard
		if r.Run.Shard != "" {
			var err error
			if sh, err = ParseShard(r.Run.Shard); err != nil {
				errs = append(errs, fmt.Errorf("result %d: %w", i+1, err))
				continue
			}
		} else {
			sh = Shard{Index: 0, Count: 1}
		}
		if n == 0 {
			n = sh.Count
		}
		if sh.Count != n {
			errs = append(errs, fmt.Errorf("result %d is shard %s, but result 1 is one of %d shards", i+1, r.Run.Shard, n))
		}
		if seen[sh.Index] {
			errs = append(errs, fmt.Errorf("shard %d/%d is given twice", sh.Index, n))
		}
		seen[sh.Index] = true
		if r.Suite.SHA256 != base.Suite.SHA256 {
			errs = append(errs, fmt.Errorf("result %d comes from a different suite file (sha256 %.12s, not %.12s)", i+1, r.Suite.SHA256, base.Suite.SHA256))
		}
		if r.Run.Limit != base.Run.Limit {
			errs = append(errs, fmt.Errorf("result %d ran with --limit %d, result 1 with --limit %d", i+1, r.Run.Limit, base.Run.Limit))
		}
		if err := sameInputs(base, r); err != nil {
			errs = append(errs, fmt.Errorf("result %d: %w", i+1, err))
		}
	}
	for i := 0; i < n; i++ {
		if !seen[i] {
			errs = append(errs, fmt.Errorf("shard %d/%d is missing", i, n))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("merge: %w", err)
	}
	all := map[string][]result.Prediction{}
	for _, p := range preds {
		for k, v := range p {
			all[k] = append(all[k], v...)
		}
	}
	for k := range all {
		sort.SliceStable(all[k], func(i, j int) bool { return all[k][i].Index < all[k][j].Index })
	}
	merged := *base
	merged.Run.Shard = ""
	merged.Run.Resumed = 0
	for _, r := range shards {
		merged.Run.Resumed += r.Run.Resumed
		if r.Run.Started.Before(merged.Run.Started) {
			merged.Run.Started = r.Run.Started
		}
		if r.Run.Finished.After(merged.Run.Finished) {
			merged.Run.Finished = r.Run.Finished
		}
	}
	merged.Evaluations = mergeEfficiency(shards)
	out, err := Rescore(s, &merged, all, RescoreOptions{})
	if err != nil {
		return nil, nil, err
	}
	return out, all, nil
}

// sameInputs checks that two results evaluated the same model and data files.
func sameInputs(a, b *result.Result) error {
	hashes := func(r *result.Result) map[string]string {
		m := map[string]string{}
		for _, x := range r.Models {
			m["model "+x.Name] = x.SHA256
		}
		for _, d := range r.Datasets {
			for _, f := range d.Files {
				m["dataset "+d.Name+" file "+f.Path] = f.SHA256
			}
		}
		return m
	}
	ha, hb := hashes(a), hashes(b)
	for k, v := range ha {
		if hb[k] != v {
			return fmt.Errorf("%s differs (sha256 %.12s vs %.12s)", k, v, hb[k])
		}
	}
	return nil
}

// mergeEfficiency sums the shards' work per evaluation: examples, batches
// and inference time add up; wall time is the longest shard's; throughput
// is the sum of the shards' (they ran side by side); latency percentiles
// are the worst shard's (a conservative bound, since the per-batch samples
// are not kept).
func mergeEfficiency(shards []*result.Result) []result.Evaluation {
	var out []result.Evaluation
	idx := map[string]int{}
	for _, r := range shards {
		for _, ev := range r.Evaluations {
			i, ok := idx[ev.Key()]
			if !ok {
				idx[ev.Key()] = len(out)
				e := ev
				if ev.Efficiency != nil {
					eff := *ev.Efficiency
					e.Efficiency = &eff
				}
				out = append(out, e)
				continue
			}
			a, b := out[i].Efficiency, ev.Efficiency
			if a == nil || b == nil {
				continue
			}
			a.Examples += b.Examples
			a.Batches += b.Batches
			a.InferenceSeconds += b.InferenceSeconds
			a.WallSeconds = math.Max(a.WallSeconds, b.WallSeconds)
			a.ExamplesPerSecond += b.ExamplesPerSecond
			a.LatencyMs.P50 = math.Max(a.LatencyMs.P50, b.LatencyMs.P50)
			a.LatencyMs.P90 = math.Max(a.LatencyMs.P90, b.LatencyMs.P90)
			a.LatencyMs.P99 = math.Max(a.LatencyMs.P99, b.LatencyMs.P99)
			a.LatencyMs.Mean = (a.LatencyMs.Mean*float64(a.Batches-b.Batches) + b.LatencyMs.Mean*float64(b.Batches)) / math.Max(1, float64(a.Batches))
			a.Cached = a.Cached || b.Cached
		}
	}
	return out
}

// WritePredictions writes grouped predictions as a sidecar, atomically, in
// evaluation order.
func WritePredictions(path string, res *result.Result, preds map[string][]result.Prediction) error {
	var keys []string
	seen := map[string]bool{}
	for _, ev := range res.Evaluations {
		if !seen[ev.Key()] {
			keys = append(keys, ev.Key())
			seen[ev.Key()] = true
		}
	}
	var rest []string
	for k := range preds {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	var all []evalPreds
	for _, k := range append(keys, rest...) {
		ps := preds[k]
		ep := evalPreds{key: k, preds: make([]tasks.Prediction, len(ps))}
		var groups []string
		if len(ps) > 0 {
			for g := range ps[0].Groups {
				groups = append(groups, g)
			}
			sort.Strings(groups)
		}
		ep.groups = groups
		ep.preds = toTaskPreds(ps, groups)
		ep.regression = len(ps) > 0 && ps[0].Target != nil
		all = append(all, ep)
	}
	return writePredictions(path, all)
}
