package harness

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLMPredictionsHoldPerChoiceLLs runs the multiple-choice fixture task
// with acc_mutual_info and checks predictions.jsonl against the reference
// of scripts/gen_lm_fixtures.py (torch, one request at a time, lm-eval's
// request construction re-implemented in Python): per choice the
// conditional log-likelihood, the unconditional one (empty context, i.e.
// the prefix token, then " " + choice), the continuation's token count and
// the greedy flag — what lm-eval's samples file holds per request. Then it
// rescores the sidecar: acc_mutual_info comes back from the stored
// log-likelihoods alone.
func TestLMPredictionsHoldPerChoiceLLs(t *testing.T) {
	ref := loadLMReference(t)
	open := ortOpener(t)
	s, err := suite.Load(writeLMSuite(t, "lm.onnx", 3, `  - name: mc
    kind: multiple_choice
    dataset: mc
    metrics: [acc, acc_mutual_info]
    lm: {choices: ["{a}", "{b}", "{c}", "{d}"], gold: gold, max_length: 16}`))
	require.NoError(t, err)
	out := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow})
	require.NoError(t, err)
	mc := evalOf(t, res, "mc")
	assert.InDelta(t, ref.MultipleChoice.AccMutualInfo, float64(metricOf(t, mc, "acc_mutual_info").Value), 1e-12)
	assert.InDelta(t, ref.MultipleChoice.Acc, float64(metricOf(t, mc, "acc").Value), 1e-12)

	preds, err := ReadPredictions(filepath.Join(out, PredictionsFile))
	require.NoError(t, err)
	got := preds[mc.Key()]
	require.Len(t, got, len(ref.MultipleChoice.Docs))
	for i, want := range ref.MultipleChoice.Docs {
		require.Len(t, got[i].LLs, len(want.LL), "example %d", i)
		for j, x := range got[i].LLs {
			assert.InDelta(t, want.LL[j], float64(x.LL), 2e-4, "example %d choice %d", i, j)
			require.NotNil(t, x.UncondLL, "example %d choice %d", i, j)
			assert.InDelta(t, want.LLUncond[j], float64(*x.UncondLL), 2e-4, "example %d choice %d unconditional", i, j)
			assert.Equal(t, want.Tokens[j], x.Tokens, "example %d choice %d tokens", i, j)
			assert.Equal(t, want.Greedy[j], x.Greedy, "example %d choice %d greedy", i, j)
		}
		assert.Equal(t, want.Pred, got[i].Pred, "example %d", i)
	}

	rescored, err := Rescore(s, res, preds, RescoreOptions{})
	require.NoError(t, err)
	assertSameResult(t, res, rescored, "rescored")
}

// TestMutualInfoNeedsUnconditionalLLs rescores predictions made without
// acc_mutual_info by a suite that asks for it: the error says what is
// missing and how to get it, instead of a number from nothing.
func TestMutualInfoNeedsUnconditionalLLs(t *testing.T) {
	open := ortOpener(t)
	task := func(metrics string) string {
		return `  - name: mc
    kind: multiple_choice
    dataset: mc
    metrics: [` + metrics + `]
    lm: {choices: ["{a}", "{b}", "{c}", "{d}"], gold: gold, max_length: 16}`
	}
	s, err := suite.Load(writeLMSuite(t, "lm.onnx", 3, task("acc")))
	require.NoError(t, err)
	out := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow})
	require.NoError(t, err)
	preds, err := ReadPredictions(filepath.Join(out, PredictionsFile))
	require.NoError(t, err)
	for _, p := range preds[res.Evaluations[0].Key()] {
		for _, x := range p.LLs {
			assert.Nil(t, x.UncondLL, "no unconditional requests unless acc_mutual_info is asked for")
		}
	}

	s2, err := suite.Load(writeLMSuite(t, "lm.onnx", 3, task("acc, acc_mutual_info")))
	require.NoError(t, err)
	_, err = Rescore(s2, res, preds, RescoreOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "acc_mutual_info needs each choice's unconditional log-likelihood")
	assert.Contains(t, err.Error(), `dataset "mc"`)
}
