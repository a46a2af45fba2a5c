package harness

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/harness/tokenizer"
	"github.com/evalctl/evalctl/tasks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFewshotContext checks the prompt layout against lm-evaluation-harness'
// ConfigurableTask.fewshot_context and ContextSampler.get_context:
// description + join(fewshot_delimiter, [text + target_delimiter + target])
// + fewshot_delimiter + text.
func TestFewshotContext(t *testing.T) {
	fs := &fewshot{delim: "\n\n"}
	demos := []demo{{text: "Q: a", target: "x"}, {text: "Q: b", target: "y"}}
	assert.Equal(t, "Answer.\nQ: a x\n\nQ: b y\n\nQ: c", fs.context("Answer.\n", " ", demos, "Q: c"))
	assert.Equal(t, "Q: c", fs.context("", " ", nil, "Q: c"), "zero-shot: the text alone")
}

// TestFewshotSampling checks the samplers: an example is never its own
// demonstration, the choice depends only on the seed and the example's
// index, "first" takes the pool in order, and "balanced" alternates answers.
func TestFewshotSampling(t *testing.T) {
	pool := make([]demo, 10)
	for i := range pool {
		pool[i] = demo{index: i, text: fmt.Sprint("q", i), target: []string{"no", "yes"}[i%2]}
	}
	mk := func(sampler suite.FewshotSampler, k int) *fewshot {
		fs := &fewshot{k: k, sampler: sampler, seed: 1, pool: pool, from: "d", byTarget: [][]int{{0, 2, 4, 6, 8}, {1, 3, 5, 7, 9}}}
		return fs
	}
	for _, sampler := range []suite.FewshotSampler{suite.SamplerRandom, suite.SamplerFirst, suite.SamplerBalanced} {
		fs := mk(sampler, 4)
		for i := 0; i < 10; i++ {
			got := fs.pick("d", i)
			require.Len(t, got, 4, "%s example %d", sampler, i)
			seen := map[int]bool{}
			for _, d := range got {
				assert.NotEqual(t, i, d.index, "%s: example %d is its own demonstration", sampler, i)
				assert.False(t, seen[d.index], "%s: demonstration %d twice", sampler, d.index)
				seen[d.index] = true
			}
			assert.Equal(t, got, fs.pick("d", i), "%s: the same example gets the same demonstrations", sampler)
		}
		// Examples of another dataset may use every pool entry.
		assert.Len(t, fs.pick("other", 0), 4)
	}
	first := mk("first", 3)
	assert.Equal(t, []int{1, 2, 3}, indices(first.pick("d", 0)))
	assert.Equal(t, []int{0, 1, 3}, indices(first.pick("d", 2)))
	bal := mk("balanced", 4)
	for i := 0; i < 10; i++ {
		yes := 0
		for _, d := range bal.pick("d", i) {
			if d.target == "yes" {
				yes++
			}
		}
		assert.Equal(t, 2, yes, "balanced: two of each answer for example %d", i)
	}
	rnd := mk("random", 4)
	differ := false
	for i := 1; i < 10; i++ {
		differ = differ || fmt.Sprint(indices(rnd.pick("d", i))) != fmt.Sprint(indices(rnd.pick("d", 0)))
	}
	assert.True(t, differ, "random: examples get different demonstrations")
}

func indices(ds []demo) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = d.index
	}
	return out
}

// TestCombineVerbalized checks classification by label-word likelihood and
// contextual calibration on hand-made log-likelihoods.
func TestCombineVerbalized(t *testing.T) {
	ll := func(v ...float64) []tasks.TextLL {
		out := make([]tasks.TextLL, len(v))
		for i, x := range v {
			out[i] = tasks.TextLL{LL: x}
		}
		return out
	}
	// Uncalibrated: softmax of the class log-likelihoods.
	p := tasks.Prediction{Texts: ll(math.Log(0.2), math.Log(0.6))}
	tasks.CombineVerbalized(&p, 2, 0)
	assert.InDeltaSlice(t, []float64{0.25, 0.75}, p.Probs, 1e-12)
	assert.Equal(t, 1, p.Pred)
	// Calibrated: the content-free prompts favour class 1 (0.2, 0.8 and
	// 0.4, 0.6: mean 0.3, 0.7), so q ∝ (0.25/0.3, 0.75/0.7) = (0.4375, 0.5625)
	// after renormalising.
	p = tasks.Prediction{Texts: ll(math.Log(0.2), math.Log(0.6), math.Log(0.2), math.Log(0.8), math.Log(0.4), math.Log(0.6))}
	tasks.CombineVerbalized(&p, 2, 2)
	a, b := 0.25/0.3, 0.75/0.7
	assert.InDeltaSlice(t, []float64{a / (a + b), b / (a + b)}, p.Probs, 1e-12)
	// With a stronger content-free bias the decision flips.
	p = tasks.Prediction{Texts: ll(math.Log(0.4), math.Log(0.6), math.Log(0.1), math.Log(0.9))}
	tasks.CombineVerbalized(&p, 2, 1)
	assert.Equal(t, 0, p.Pred)
	// A non-finite log-likelihood makes the prediction invalid.
	p = tasks.Prediction{Texts: ll(math.NaN(), 0)}
	tasks.CombineVerbalized(&p, 2, 0)
	assert.Equal(t, "nan", p.Invalid)
	assert.Equal(t, -1, p.Pred)
}

// lmClassSuite is classification of the text fixture by the fixture LM,
// with a k sweep and contextual calibration.
func lmClassSuite(t *testing.T, fewshotYAML string) string {
	t.Helper()
	abs, err := filepath.Abs(textDir)
	require.NoError(t, err)
	dir := t.TempDir()
	y := fmt.Sprintf(`version: 1
name: lm-classify
seed: 5
bootstrap: {resamples: 100}
runtime: {batch_size: 3, intra_op_threads: 1}
models:
  - {name: tiny, path: %[1]s/lm.onnx}
datasets:
  - name: clf
    format: jsonl
    path: %[1]s/clf.jsonl
    features: [{name: text, columns: [text], text: {tokenizer: %[1]s/tokenizer.json}}]
    label: {column: label, classes: [a, b, c]}
tasks:
  - name: zs
    kind: classification
    dataset: clf
    metrics: [accuracy, nll, ece]
    lm:
      context: "Text: {text}\nLabel:"
      verbalizer: {a: cat, b: France, c: home}
      calibrate: contextual
      max_length: 64
%[2]s`, abs, fewshotYAML)
	p := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	return p
}

// TestLMClassification runs classification by label-word likelihood on the
// fixture LM and checks each prediction against log-likelihoods computed
// by the scorer on requests built here, independently of the task code:
// the context, its demonstrations (sampler first), the target delimiter
// and each class's words, then the calibrated softmax.
func TestLMClassification(t *testing.T) {
	open := ortOpener(t)
	p := lmClassSuite(t, "      fewshot: {k: [0, 2], sampler: first}\n")
	s, err := suite.Load(p)
	require.NoError(t, err)
	out := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow})
	require.NoError(t, err)
	preds, err := ReadPredictions(filepath.Join(out, PredictionsFile))
	require.NoError(t, err)

	var names []string
	for _, ev := range res.Evaluations {
		names = append(names, ev.Model)
	}
	assert.Equal(t, []string{"tiny+0shot", "tiny+2shot"}, names)
	var adapted []string
	for _, m := range res.Models {
		if m.Adaptation != nil && m.Adaptation.Method == "prompting" {
			adapted = append(adapted, fmt.Sprintf("%s k=%d", m.Name, m.Adaptation.TrainExamples))
		}
	}
	assert.Equal(t, []string{"tiny+0shot k=0", "tiny+2shot k=2"}, adapted, "each k is listed as an adaptation of the base model")

	// Independent requests: the fixture's texts and labels.
	texts := []string{"The cat sat on the mat.", "Paris is the capital of France.", "She said that he would come home early."}
	words := []string{"cat", "France", "home"}
	tok, err := tokenizer.Load(filepath.Join(textDir, "tokenizer.json"))
	require.NoError(t, err)
	enc := func(s string) ([]int64, error) {
		e, err := tok.Encode(s, false)
		return e.IDs, err
	}
	om, err := open(s.Resolve(s.Models[0].Path), s.Runtime)
	require.NoError(t, err)
	defer om.Model.Close()
	sc, err := newLMScorer(om, &s.Tasks[0], 3, 0)
	require.NoError(t, err)
	sc.maxLen = 64
	eot, _ := tok.TokenToID("<|endoftext|>")
	for ei, k := range []int{0, 2} {
		got := preds[res.Evaluations[ei].Key()]
		require.Len(t, got, 7)
		for i, text := range texts {
			var prefix string
			for j, n := 0, 0; j < len(texts) && n < k; j++ {
				if j != i {
					prefix += fmt.Sprintf("Text: %s\nLabel: %s\n\n", texts[j], words[j])
					n++
				}
			}
			var reqs []tasks.LLRequest
			for _, body := range []string{text, "N/A", "", "[MASK]"} {
				for _, w := range words {
					r, err := tasks.EncodePair(enc, prefix+"Text: "+body+"\nLabel:", " "+w, eot)
					require.NoError(t, err)
					reqs = append(reqs, r)
				}
			}
			lls, _, err := scoreRequests(context.Background(), om.Model, sc, reqs)
			require.NoError(t, err)
			want := tasks.Prediction{}
			for _, x := range lls {
				want.Texts = append(want.Texts, tasks.TextLL{LL: x.ll})
			}
			tasks.CombineVerbalized(&want, 3, 3)
			assert.InDeltaSlice(t, want.Probs, got[i].Probs, 2e-4, "k=%d example %d", k, i)
			assert.Equal(t, i, got[i].Label, "example %d's label", i)
			require.Len(t, got[i].LLs, 12, "3 classes × (the prompt and 3 content-free prompts)")
		}
	}
}

// TestMultipleChoiceFewshot runs the multiple-choice fixture with one
// demonstration (sampler first) and a start token, and checks every
// choice's log-likelihood against requests built here: the demonstration
// answers with its gold choice, and the start token comes before the
// context.
func TestMultipleChoiceFewshot(t *testing.T) {
	open := ortOpener(t)
	p := writeLMSuite(t, "lm.onnx", 2, `  - name: mc
    kind: multiple_choice
    dataset: mc
    metrics: [acc]
    lm: {choices: ["{a}", "{b}", "{c}", "{d}"], gold: gold, max_length: 64, start_token: "<|endoftext|>", fewshot: {k: 1, sampler: first}}`)
	s, err := suite.Load(p)
	require.NoError(t, err)
	out := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow})
	require.NoError(t, err)
	require.Equal(t, "tiny+1shot", res.Evaluations[0].Model)
	preds, err := ReadPredictions(filepath.Join(out, PredictionsFile))
	require.NoError(t, err)
	got := preds[res.Evaluations[0].Key()]

	type row struct {
		Q, A, B, C, D string
		Gold          int
	}
	rows := []row{{"What is the capital of France?", "Paris", "Berlin", "the mat", "a bird", 0},
		{"Where did the cat sit?", "on the log", "on the mat", "in France", "at home", 1}}
	tok, err := tokenizer.Load(filepath.Join(textDir, "tokenizer.json"))
	require.NoError(t, err)
	enc := func(s string) ([]int64, error) {
		e, err := tok.Encode(s, false)
		return e.IDs, err
	}
	eot, _ := tok.TokenToID("<|endoftext|>")
	om, err := open(s.Resolve(s.Models[0].Path), s.Runtime)
	require.NoError(t, err)
	defer om.Model.Close()
	sc, err := newLMScorer(om, &s.Tasks[0], 2, eot)
	require.NoError(t, err)
	sc.maxLen = 64
	for i, r := range rows {
		d := rows[1-i] // "first": the first example that is not this one
		demo := fmt.Sprintf("Question: %s\nAnswer: %s", d.Q, []string{d.A, d.B, d.C, d.D}[d.Gold])
		ctx := demo + "\n\n" + "Question: " + r.Q + "\nAnswer:"
		var reqs []tasks.LLRequest
		for _, c := range []string{r.A, r.B, r.C, r.D} {
			q, err := tasks.EncodePair(enc, ctx, " "+c, eot)
			require.NoError(t, err)
			q.Context = append([]int64{eot}, q.Context...)
			reqs = append(reqs, q)
		}
		lls, _, err := scoreRequests(context.Background(), om.Model, sc, reqs)
		require.NoError(t, err)
		require.Len(t, got[i].LLs, 4)
		for j, x := range lls {
			assert.InDelta(t, x.ll, float64(got[i].LLs[j].LL), 2e-4, "example %d choice %d", i, j)
		}
	}
}

// TestChoicesFromListColumn runs the multiple-choice fixture twice: with
// choice templates, and with the same choices in a JSON-array column
// (lm.choices_from); every choice's log-likelihood and every metric must
// agree. A third document with only two choices shows that the number of
// choices may vary.
func TestChoicesFromListColumn(t *testing.T) {
	open := ortOpener(t)
	abs, err := filepath.Abs(textDir)
	require.NoError(t, err)
	dir := t.TempDir()
	rows := `{"q": "What is the capital of France?", "choices": ["Paris", "Berlin", "the mat", "a bird"], "gold": 0}
{"q": "Where did the cat sit?", "choices": ["on the log", "on the mat", "in France", "at home"], "gold": 1}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mcl.jsonl"), []byte(rows), 0o644))
	suiteOf := func(lm string) *suite.Suite {
		y := fmt.Sprintf(`version: 1
name: mcl
seed: 3
bootstrap: {resamples: 0}
runtime: {batch_size: 2, intra_op_threads: 1}
models: [{name: tiny, path: %[1]s/lm.onnx}]
datasets:
  - {name: mc, format: jsonl, path: %[1]s/mc.jsonl, features: [{name: text, columns: [q], text: {tokenizer: %[1]s/tokenizer.json, template: "Question: {q}\nAnswer:"}}]}
  - {name: mcl, format: jsonl, path: %[2]s/mcl.jsonl, features: [{name: text, columns: [q], text: {tokenizer: %[1]s/tokenizer.json, template: "Question: {q}\nAnswer:"}}]}
tasks:
%[3]s
`, abs, dir, lm)
		p := filepath.Join(dir, "s.yaml")
		require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
		s, err := suite.Load(p)
		require.NoError(t, err)
		return s
	}
	run := func(s *suite.Suite) map[string][]result.Prediction {
		out := t.TempDir()
		_, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow, Limit: 2})
		require.NoError(t, err)
		preds, err := ReadPredictions(filepath.Join(out, PredictionsFile))
		require.NoError(t, err)
		return preds
	}
	a := run(suiteOf(`  - {name: t, kind: multiple_choice, dataset: mc, metrics: [acc], lm: {choices: ["{a}", "{b}", "{c}", "{d}"], gold: gold, max_length: 64}}`))
	b := run(suiteOf(`  - {name: t, kind: multiple_choice, dataset: mcl, metrics: [acc], lm: {choices_from: choices, gold: gold, max_length: 64}}`))
	pa, pb := a["tiny/t/clean"], b["tiny/t/clean"]
	require.Len(t, pb, 2)
	for i := range pa {
		require.Len(t, pb[i].LLs, 4)
		for j := range pa[i].LLs {
			assert.InDelta(t, float64(pa[i].LLs[j].LL), float64(pb[i].LLs[j].LL), 1e-5, "document %d choice %d", i, j)
		}
		assert.Equal(t, pa[i].Pred, pb[i].Pred)
	}

	require.NoError(t, os.WriteFile(filepath.Join(dir, "mcl.jsonl"), []byte(rows+`{"q": "Water boils at ", "choices": ["100 degrees", "0 degrees"], "gold": 2}`+"\n"), 0o644))
	_, err = Run(context.Background(), suiteOf(`  - {name: t, kind: multiple_choice, dataset: mcl, metrics: [acc], lm: {choices_from: choices, gold: gold, max_length: 64}}`),
		Options{OutDir: t.TempDir(), Open: open, Now: fixedNow})
	require.ErrorContains(t, err, `mcl.jsonl:3: gold "2" is not a choice index 0..1`)
}
