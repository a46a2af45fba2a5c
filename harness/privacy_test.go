package harness

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// privacyReference is suites/privacy/reference-auc.json, written by
// scripts/gen_privacy_fixtures.py: the attacks' AUCs computed from the
// PyTorch models with scikit-learn's roc_auc_score.
type privacyReference struct {
	Models map[string]struct {
		LossAUC float64 `json:"loss_auc"`
		LiRAAUC float64 `json:"lira_auc"`
	} `json:"models"`
}

// TestMembershipFixtures runs suites/privacy.yaml: the model overfit on
// the members must show an attack AUC well above ½, the regularised one
// close to ½, each as scikit-learn computed from the PyTorch models (to
// 2e-3: ONNX Runtime's float32 logits may reorder near-ties); the
// suite's gate membership_auc <= 0.55 passes for the regularised model.
func TestMembershipFixtures(t *testing.T) {
	open := ortOpener(t)
	b, err := os.ReadFile(filepath.Join("..", "suites", "privacy", "reference-auc.json"))
	require.NoError(t, err)
	var ref privacyReference
	require.NoError(t, json.Unmarshal(b, &ref))
	s, err := suite.Load(filepath.Join("..", "suites", "privacy.yaml"))
	require.NoError(t, err)
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Now: fixedNow})
	require.NoError(t, err)

	find := func(model, task string) result.Evaluation {
		for _, ev := range res.Evaluations {
			if ev.Model == model && ev.Task == task {
				return ev
			}
		}
		t.Fatalf("no evaluation %s/%s", model, task)
		return result.Evaluation{}
	}
	cases := []struct {
		model, task string
		want        float64
		low, high   float64 // where the AUC must lie
	}{
		{"overfit", "membership-loss", ref.Models["overfit"].LossAUC, 0.65, 1},
		{"regularised", "membership-loss", ref.Models["regularised"].LossAUC, 0.45, 0.55},
		{"overfit", "membership-lira", ref.Models["overfit"].LiRAAUC, 0.6, 1},
	}
	for _, c := range cases {
		t.Run(c.model+"/"+c.task, func(t *testing.T) {
			ev := find(c.model, c.task)
			assert.Equal(t, 500, ev.N)
			auc := metricOf(t, ev, tasks.MembershipAUC)
			assert.InDelta(t, c.want, float64(auc.Value), 2e-3, "scikit-learn roc_auc_score in reference-auc.json")
			assert.GreaterOrEqual(t, float64(auc.Value), c.low)
			assert.LessOrEqual(t, float64(auc.Value), c.high)
			require.NotNil(t, auc.CI)
			assert.LessOrEqual(t, float64(auc.CI.Low), float64(auc.Value))
			assert.GreaterOrEqual(t, float64(auc.CI.High), float64(auc.Value))
			for _, name := range tasks.MembershipMetrics {
				m := metricOf(t, ev, name)
				assert.False(t, m.HigherIsBetter, name)
				assert.NotNil(t, m.CI, name)
			}
			require.NotNil(t, ev.Privacy)
			assert.Equal(t, 250, ev.Privacy.MembersN)
			assert.Equal(t, 250, ev.Privacy.NonMembersN)
			roc := ev.Privacy.ROC
			require.NotEmpty(t, roc)
			assert.Equal(t, result.ROCPoint{Threshold: result.Float(math.Inf(1))}, roc[0])
			assert.Equal(t, 1.0, roc[len(roc)-1].FPR)
			assert.Equal(t, 1.0, roc[len(roc)-1].TPR)
		})
	}
	// The regularised model is barely attackable: its interval holds ½.
	reg := metricOf(t, find("regularised", "membership-loss"), tasks.MembershipAUC)
	assert.Less(t, float64(reg.CI.Low), 0.5)
	require.Len(t, res.Gates, 1)
	assert.True(t, res.Gates[0].Pass, "gate %s: %v", res.Gates[0].Expr, res.Gates[0].Value)
}

// TestMembershipLanguageModel attacks the fixture LM by per-token loss
// (members: docs.jsonl, non-members: clf.jsonl's texts) and checks the
// AUC against the one computed from the perplexity tasks' per-document
// log-likelihoods on the same data in the same run.
func TestMembershipLanguageModel(t *testing.T) {
	open := ortOpener(t)
	p := writeLMSuite(t, "lm.onnx", 2, `  - name: ppl-docs
    kind: perplexity
    dataset: docs
    lm: {max_length: 16}
  - name: ppl-clf
    kind: perplexity
    dataset: clf
    lm: {max_length: 16}
  - name: mia
    kind: membership_inference
    dataset: docs
    lm: {max_length: 16}
    membership: {non_members: clf}`)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	abs, err := filepath.Abs(textDir)
	require.NoError(t, err)
	clf := "  - name: clf\n    format: jsonl\n    path: " + abs + "/clf.jsonl\n    features: [{name: text, columns: [text], text: {tokenizer: " + abs + "/tokenizer.json}}]\ntasks:\n"
	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(b), "\ntasks:\n", "\n"+clf, 1)), 0o644))
	s, err := suite.Load(p)
	require.NoError(t, err)
	dir := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: dir, Open: open, Now: fixedNow})
	require.NoError(t, err)
	preds, err := ReadPredictions(filepath.Join(dir, PredictionsFile))
	require.NoError(t, err)
	var score []float64
	var member []bool
	for _, x := range []struct {
		key    string
		member bool
	}{{"tiny/ppl-docs/clean", true}, {"tiny/ppl-clf/clean", false}} {
		require.NotEmpty(t, preds[x.key])
		for _, p := range preds[x.key] {
			ll, n := 0.0, 0
			for _, t := range p.LLs {
				ll += float64(t.LL)
				n += t.Tokens
			}
			score, member = append(score, ll/float64(n)), append(member, x.member)
		}
	}
	want, err := metrics.ROCAUC(score, member)
	require.NoError(t, err)
	ev := evalOf(t, res, "mia")
	assert.Equal(t, len(score), ev.N)
	assert.InDelta(t, want, float64(metricOf(t, ev, tasks.MembershipAUC).Value), 1e-12)
	require.NotNil(t, ev.Privacy)
	assert.Equal(t, "loss", ev.Privacy.Attack)
	assert.Contains(t, preds, MembershipKey("tiny", "mia", "non_members", "clf"))
}
