package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
)

// The generation kind: every variant of the task (clean, counterfactual
// substitutions, text perturbations, shift datasets) and every k of a
// few-shot sweep is one pass of genEngine (harness/generate.go); scoring
// compares each generation with its references, and each variant's
// generations with the clean ones of the same examples.

// runGeneration generates the task's completions under every variant and
// scores them.
func runGeneration(ctx context.Context, r *runner, mr *modelRun, t *suite.Task) (*taskOutcome, error) {
	vars, err := r.variants(t)
	if err != nil {
		return nil, err
	}
	defer r.keepRecords(t, vars)()
	all := &taskOutcome{}
	for _, k := range fewshotKs(t) {
		in := &taskInputs{}
		for i, v := range vars {
			x, pr, err := r.variantInput(ctx, mr, t, k, i, v, func(d *suite.Dataset, what string) *passSpec {
				return r.genPass(mr, t, d, v, what, k)
			})
			if err != nil {
				return nil, err
			}
			e := pr.engine.(*genEngine)
			x.output = e.logits
			// Keep what r.input and promptingMetadata recorded (adaptation, prompting).
			if x.ev.Extra == nil {
				x.ev.Extra = map[string]any{}
			}
			for key, val := range map[string]any{"max_new_tokens": e.maxNew, "stop": e.stop, "decoding": e.decoding(), "kv_cache": e.kv != nil,
				"tokens_run": pr.stats.tokens} {
				x.ev.Extra[key] = val
			}
			if pr.stats.wall > 0 && pr.stats.tokens > 0 {
				x.ev.Extra["tokens_per_second"] = float64(pr.stats.tokens) / pr.stats.wall.Seconds()
			}
			in.place(x)
		}
		out, err := assembleGeneration(r, t, in)
		if err != nil {
			return nil, err
		}
		all.evals, all.preds = append(all.evals, out.evals...), append(all.preds, out.preds...)
	}
	return all, nil
}

// genPass is one generation pass over dataset d under variant v.
func (r *runner) genPass(mr *modelRun, t *suite.Task, d *suite.Dataset, v variant, what string, k int) *passSpec {
	ps := &passSpec{what: what, dataset: d, variant: v, shard: true, label: labelEngine,
		key: []any{"generation", *t.LM, t.Output, k}}
	if sp := t.LM.Sampling; sp != nil {
		ps.key = append(ps.key, *sp)
	}
	ps.newEngine = func(cols []dataset.Column, enc *encoders) (engine, error) {
		lt, err := r.newLMTask(t, d, cols, enc, k)
		if err != nil {
			return nil, err
		}
		return newGenEngine(mr.om, t, lt, r.batch, r.s.Seed)
	}
	return ps
}

// decoding describes how tokens were chosen, for the result.
func (e *genEngine) decoding() map[string]any {
	if !e.sampler.Sample {
		return map[string]any{"method": "greedy"}
	}
	return map[string]any{"method": "sampling", "temperature": e.sampler.Temperature, "top_k": e.sampler.TopK,
		"top_p": e.sampler.TopP, "seed": e.seed}
}

// assembleGeneration scores a generation task's evaluations: the metrics
// of each against its references and, for every variant, the rate at which
// the generation changed from the clean one and the drop of each metric,
// paired by example, with bootstrap intervals.
func assembleGeneration(r *runner, t *suite.Task, in *taskInputs) (*taskOutcome, error) {
	cfg := tasks.GenerationConfig{Metrics: t.Metrics, Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed}
	out := &taskOutcome{}
	var clean *tasks.GenerationScores
	var worst *result.Metric // the largest change rate of any variant
	for _, x := range in.all() {
		gs, err := tasks.ScoreGeneration(x.preds, cfg)
		if errors.Is(err, tasks.ErrNoExamples) {
			gs, err = &tasks.GenerationScores{Scores: undefinedScores(t.Metrics, tasks.Scores{}, len(x.preds))}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("dataset %q, variant %s: %w", x.ev.Dataset, x.ev.Variant, err)
		}
		ev := x.ev
		ev.N, ev.Invalid, ev.InvalidPolicy = gs.N, 0, string(tasks.InvalidExclude)
		ev.Metrics = convertMetrics(gs.Metrics)
		if x == in.clean {
			clean = gs
		} else if clean != nil && clean.N > 0 && gs.N > 0 && !strings.HasPrefix(x.ev.Variant, "shift:") {
			vs, err := tasks.CompareGenerations(clean, gs, cfg, metrics.SubSeed(r.s.Seed, x.ev.Variant))
			if err != nil {
				return nil, fmt.Errorf("dataset %q, variant %s: %w", x.ev.Dataset, x.ev.Variant, err)
			}
			ev.Metrics = append(ev.Metrics, convertMetrics(vs)...)
			if m, ok := ev.Metric(tasks.ChangeRate); ok && (worst == nil || m.Value > worst.Value) {
				m.Name = tasks.MaxChangeRate
				m.Spec = map[string]string{"rule": "the largest change_rate of the task's perturbations and substitutions", "variant": ev.Variant}
				worst = &m
			}
		}
		ev.Scoring = &result.Scoring{Metrics: t.Metrics, Scores: "generation", Output: x.output}
		out.evals = append(out.evals, ev)
		out.preds = append(out.preds, evalPreds{key: ev.Key(), preds: x.preds, resumed: x.resumed})
	}
	if worst != nil && len(out.evals) > 0 {
		out.evals[0].Metrics = append(out.evals[0].Metrics, *worst)
	}
	return out, nil
}
