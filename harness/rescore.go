package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/harness/cost"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
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

// Rescore recomputes every evaluation of res from stored predictions — no
// model and no ONNX Runtime — with the task settings of suite s (metrics,
// calibration bins, fairness and robustness sections, language-model
// metrics, retrieval metrics, WEAT sets), which may differ from those of
// the original run. Every task kind is rescored by the same code that
// scored it in the run. Efficiency figures are kept from res. The returned
// result is a new value; res is not modified.
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
		Resamples: *s2.Bootstrap.Resamples, Confidence: s2.Bootstrap.Confidence, Overrides: s2.Overrides}

	outcomes := map[string]map[string]*taskOutcome{}
	done := map[string]bool{}
	for i := range res.Evaluations {
		ev := &res.Evaluations[i]
		id := ev.Model + "/" + ev.Task
		if done[id] {
			continue
		}
		done[id] = true
		t := findTask(&s2, ev.Task)
		if t == nil {
			return nil, fmt.Errorf("rescore: the result has task %q but suite %s does not", ev.Task, s2.File)
		}
		if t.Kind != ev.Kind {
			return nil, fmt.Errorf("rescore: task %q is %s in the result but %s in suite %s", ev.Task, ev.Kind, t.Kind, s2.File)
		}
		k, err := r.kind(t.Kind)
		if err != nil {
			return nil, fmt.Errorf("rescore: %w", err)
		}
		in := &taskInputs{}
		for j := range res.Evaluations {
			e := &res.Evaluations[j]
			if e.Model != ev.Model || e.Task != ev.Task {
				continue
			}
			x, err := storedInput(e, preds)
			if err != nil {
				return nil, err
			}
			in.place(x)
		}
		if in.clean == nil {
			return nil, fmt.Errorf("rescore: model %q task %q has no clean evaluation", ev.Model, ev.Task)
		}
		if t.Calibration.Dataset != "" && tasks.Kind(t.Kind) != tasks.Regression {
			key := CalibrationKey(ev.Model, ev.Task, t.Calibration.Dataset)
			cp, ok := preds[key]
			if !ok {
				return nil, fmt.Errorf("rescore: no predictions for the calibration split %q (key %s)", t.Calibration.Dataset, key)
			}
			in.calib = &evalInput{preds: toTaskPreds(cp, in.clean.groups), groups: in.clean.groups}
		}
		if tasks.Kind(t.Kind) == tasks.MembershipInference {
			in.aux = membershipStored(ev.Model, ev.Task, in.clean.groups, preds)
		}
		to, err := k.assemble(r, t, in)
		if err != nil {
			return nil, fmt.Errorf("rescore %s/%s: %w", ev.Model, ev.Task, err)
		}
		out.Evaluations = append(out.Evaluations, to.evals...)
		if outcomes[t.Name] == nil {
			outcomes[t.Name] = map[string]*taskOutcome{}
		}
		owner := ev.Model
		if b, ok := in.clean.ev.Extra["base_model"].(string); ok {
			owner = b // a probe or few-shot prompt: the run keys it by its base model
		}
		outcomes[t.Name][owner] = to
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

// storedInput reads one evaluation's predictions back from a sidecar.
func storedInput(e *result.Evaluation, preds map[string][]result.Prediction) (*evalInput, error) {
	stored, ok := preds[e.Key()]
	if !ok || len(stored) == 0 {
		return nil, fmt.Errorf("rescore: no predictions for %s in the sidecar", e.Key())
	}
	x := &evalInput{ev: *e, classes: e.Classes}
	x.ev.Extra = maps.Clone(e.Extra) // scoring sets figures in it; the stored result stays as it was
	if e.Scoring != nil {
		x.groups, x.output = e.Scoring.Groups, e.Scoring.Output
	}
	x.preds = toTaskPreds(stored, x.groups)
	if tasks.IsLM(e.Kind) {
		for _, p := range x.preds {
			if len(p.Texts) == 0 {
				return nil, fmt.Errorf("rescore: the predictions of %s carry no per-text log-likelihoods (written by an older evalctl); run the suite again", e.Key())
			}
		}
	}
	return x, nil
}

func findTask(s *suite.Suite, name string) *suite.Task {
	for i := range s.Tasks {
		if s.Tasks[i].Name == name {
			return &s.Tasks[i]
		}
	}
	return nil
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
		if strings.Join(r.Suite.Overrides, "\n") != strings.Join(base.Suite.Overrides, "\n") {
			errs = append(errs, fmt.Errorf("result %d ran with the suite overrides %q, result 1 with %q", i+1, r.Suite.Overrides, base.Suite.Overrides))
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
		// Passes that are not sharded (a WEAT word list, a probe's
		// calibration split) give every shard all their examples: keep one
		// copy, after checking that the shards agree on it.
		ps := all[k][:0]
		for i, p := range all[k] {
			if i > 0 && p.Index == ps[len(ps)-1].Index {
				if !samePrediction(&p, &ps[len(ps)-1]) {
					return nil, nil, fmt.Errorf("merge: the shards disagree on example %d of %s", p.Index, k)
				}
				continue
			}
			ps = append(ps, p)
		}
		all[k] = ps
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
	out.Datasets = mergeExamples(shards, out, all)
	return out, all, nil
}

// samePrediction reports whether two sidecar lines hold the same prediction.
func samePrediction(a, b *result.Prediction) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// mergeExamples counts each dataset's examples in the merged run: the
// merged predictions of the evaluations (and calibration splits) on it,
// or, for a dataset no sidecar line covers (a probe's training split, a
// retrieval corpus: never sharded), what the shards read of it.
func mergeExamples(shards []*result.Result, merged *result.Result, preds map[string][]result.Prediction) []result.Dataset {
	n := map[string]int{}
	for _, r := range shards {
		for _, d := range r.Datasets {
			n[d.Name] = max(n[d.Name], d.Examples)
		}
	}
	for _, ev := range merged.Evaluations {
		n[ev.Dataset] = max(n[ev.Dataset], len(preds[ev.Key()]))
	}
	for k, ps := range preds {
		if _, ds, ok := strings.Cut(k, "/calibration:"); ok {
			n[ds] = max(n[ds], len(ps))
		}
		if ds, ok := membershipDataset(k); ok {
			n[ds] = max(n[ds], len(ps))
		}
	}
	out := slices.Clone(merged.Datasets)
	for i := range out {
		out[i].Examples = n[out[i].Name]
	}
	return out
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
// are not kept). Cost figures (time, energy, carbon) add up (cost.Sum).
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
			out[i].Cost = cost.Sum(out[i].Cost, ev.Cost)
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
