package harness

import (
	"context"
	"errors"
	"fmt"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks"
)

// The extraction kind (extractable memorisation, Carlini et al. 2023): one
// pass of genEngine in extraction mode, greedy continuations of each
// document's prefix scored against its true suffix.

// runExtraction generates every document's continuation and scores it.
func runExtraction(ctx context.Context, r *runner, mr *modelRun, t *suite.Task) (*taskOutcome, error) {
	d, ok := r.s.Dataset(t.Dataset)
	if !ok {
		return nil, fmt.Errorf("dataset %q not found", t.Dataset)
	}
	ps := r.genPass(mr, t, d, cleanVariant, "clean", -1)
	ps.key = append(ps.key, "extraction", t.LM.PrefixTokens, t.LM.SuffixTokens)
	pr, err := r.runPass(ctx, mr, ps)
	if err != nil {
		return nil, err
	}
	x := r.input(mr, t, cleanVariant, d, pr)
	x.output = pr.engine.(*genEngine).logits
	x.ev.Extra = map[string]any{"prefix_tokens": t.LM.PrefixTokens, "suffix_tokens": t.LM.SuffixTokens, "decoding": "greedy",
		"definition": "Carlini et al. 2023, extractable memorisation: greedy continuation of the prefix equals the true suffix"}
	return assembleExtraction(r, t, &taskInputs{clean: x})
}

// assembleExtraction scores an extraction task's continuations.
func assembleExtraction(r *runner, t *suite.Task, in *taskInputs) (*taskOutcome, error) {
	x := in.clean
	cfg := tasks.GenerationConfig{Metrics: t.Metrics, Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed}
	scores, err := tasks.ScoreExtraction(x.preds, cfg)
	if errors.Is(err, tasks.ErrNoExamples) {
		scores, err = undefinedScores(t.Metrics, scores, len(x.preds)), nil
	}
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", x.ev.Dataset, err)
	}
	ev := x.ev
	ev.N, ev.InvalidPolicy = scores.N, "exclude"
	ev.Metrics = convertMetrics(scores.Metrics)
	ev.Scoring = &result.Scoring{Metrics: t.Metrics, Scores: "generation", Output: x.output}
	ep := evalPreds{key: ev.Key(), preds: x.preds, resumed: x.resumed}
	return &taskOutcome{evals: []result.Evaluation{ev}, preds: []evalPreds{ep}}, nil
}
