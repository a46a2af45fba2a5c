package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/harness/tokenizer"
	"github.com/evalctl/evalctl/tasks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	ortgo "github.com/yalue/onnxruntime_go"
)

// The fixtures under testdata/text and their reference numbers come from
// scripts/gen_lm_fixtures.py, which computes them independently of evalctl:
// its own BPE encoder, lm-evaluation-harness' request construction
// re-implemented in Python, one request at a time through the torch model.

const textDir = "testdata/text"

// lmReference mirrors testdata/text/reference.json.
type lmReference struct {
	MaxLength      int                `json:"max_length"`
	EOT            int64              `json:"eot"`
	Encodings      map[string][]int64 `json:"encodings"`
	MultipleChoice struct {
		Docs []struct {
			Context  string    `json:"context"`
			LL       []float64 `json:"ll"`
			Greedy   []bool    `json:"greedy"`
			Pred     int       `json:"pred"`
			PredNorm int       `json:"pred_norm"`
			Gold     int       `json:"gold"`
			Tokens   []int     `json:"tokens"`
			LLUncond []float64 `json:"ll_uncond"`
		} `json:"docs"`
		Acc           float64 `json:"acc"`
		AccNorm       float64 `json:"acc_norm"`
		AccMutualInfo float64 `json:"acc_mutual_info"`
	} `json:"multiple_choice"`
	Perplexity struct {
		Docs []struct {
			LL     float64 `json:"ll"`
			Tokens int     `json:"tokens"`
			Words  int     `json:"words"`
			Bytes  int     `json:"bytes"`
		} `json:"docs"`
		TokenPerplexity float64 `json:"token_perplexity"`
		WordPerplexity  float64 `json:"word_perplexity"`
		BytePerplexity  float64 `json:"byte_perplexity"`
		BitsPerByte     float64 `json:"bits_per_byte"`
	} `json:"perplexity"`
	PairPreference struct {
		Pairs []struct {
			More float64 `json:"more"`
			Less float64 `json:"less"`
		} `json:"pairs"`
		PctStereotype  float64 `json:"pct_stereotype"`
		LikelihoodDiff float64 `json:"likelihood_diff"`
	} `json:"pair_preference"`
	Classification struct {
		Probs [][]float64 `json:"probs"`
	} `json:"classification"`
}

func loadLMReference(t testing.TB) *lmReference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(textDir, "reference.json"))
	require.NoError(t, err)
	var ref lmReference
	require.NoError(t, json.Unmarshal(b, &ref))
	return &ref
}

// requireORT loads ONNX Runtime; without it the test is skipped, unless
// EVALCTL_REQUIRE_ORT=1 (CI), which makes it fail.
func requireORT(t testing.TB) {
	t.Helper()
	_, err := ort.Init("")
	if err == nil {
		return
	}
	if os.Getenv("EVALCTL_REQUIRE_ORT") == "1" {
		t.Fatalf("EVALCTL_REQUIRE_ORT=1 but onnxruntime is unusable: %v", err)
	}
	if errors.Is(err, ort.ErrLibraryNotFound) || errors.Is(err, ort.ErrNoCgo) {
		t.Skipf("skipping ONNX Runtime test: %v", err)
	}
	t.Fatalf("onnxruntime found but not loadable: %v", err)
}

func ortOpener(t testing.TB) Opener {
	requireORT(t)
	return func(path string, rt suite.Runtime) (*OpenedModel, error) {
		m, err := ort.Open(path, ort.Options{Providers: rt.ProviderNames(), AllowFallback: true,
			IntraOpThreads: rt.IntraOpThreads, InterOpThreads: rt.InterOpThreads, GraphOptimization: string(rt.GraphOptimization)})
		if err != nil {
			return nil, err
		}
		return &OpenedModel{Model: m, Inputs: m.Inputs(), Outputs: m.Outputs(), Provider: m.Provider()}, nil
	}
}

// writeLMSuite writes a suite over the text fixtures and returns its path.
func writeLMSuite(t *testing.T, model string, batch int, tasksYAML string) string {
	t.Helper()
	abs, err := filepath.Abs(textDir)
	require.NoError(t, err)
	dir := t.TempDir()
	y := fmt.Sprintf(`version: 1
name: lm-fixture
seed: 3
bootstrap: {resamples: 200}
runtime: {batch_size: %d, intra_op_threads: 1}
models:
  - {name: tiny, path: %s/%s}
datasets:
  - name: mc
    format: jsonl
    path: %[2]s/mc.jsonl
    features: [{name: text, columns: [q], text: {tokenizer: %[2]s/tokenizer.json, template: "Question: {q}\nAnswer:"}}]
  - name: docs
    format: jsonl
    path: %[2]s/docs.jsonl
    features: [{name: text, columns: [text], text: {tokenizer: %[2]s/tokenizer.json}}]
  - name: pairs
    format: jsonl
    path: %[2]s/pairs.jsonl
    features: [{name: text, columns: [more, less], text: {tokenizer: %[2]s/tokenizer.json}}]
tasks:
%[4]s
`, batch, abs, model, tasksYAML)
	p := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	return p
}

const lmTasksYAML = `  - name: mc
    kind: multiple_choice
    dataset: mc
    metrics: [acc, acc_norm, exact_match, brier_score, acc_mutual_info]
    lm: {choices: ["{a}", "{b}", "{c}", "{d}"], gold: gold, max_length: 16}
  - name: ppl
    kind: perplexity
    dataset: docs
    lm: {max_length: 16}
  - name: crows
    kind: pair_preference
    dataset: pairs
    lm: {stereotyped: "{more}", anti_stereotyped: "{less}", max_length: 16}`

func metricOf(t *testing.T, ev result.Evaluation, name string) result.Metric {
	t.Helper()
	m, ok := ev.Metric(name)
	require.True(t, ok, "metric %s missing from %s", name, ev.Key())
	return m
}

func evalOf(t *testing.T, res *result.Result, task string) result.Evaluation {
	t.Helper()
	for _, ev := range res.Evaluations {
		if ev.Task == task {
			return ev
		}
	}
	t.Fatalf("no evaluation for task %s", task)
	return result.Evaluation{}
}

// TestLMTasksMatchReference runs the three LM kinds end to end on the
// fixture causal LM, with and without position_ids, at two batch sizes, and
// compares every metric with the Python reference.
func TestLMTasksMatchReference(t *testing.T) {
	ref := loadLMReference(t)
	open := ortOpener(t)
	for _, model := range []string{"lm.onnx", "lm_nopos.onnx"} {
		for _, batch := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/batch%d", model, batch), func(t *testing.T) {
				s, err := suite.Load(writeLMSuite(t, model, batch, lmTasksYAML))
				require.NoError(t, err)
				res, err := Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Now: fixedNow})
				require.NoError(t, err)

				mc := evalOf(t, res, "mc")
				assert.Equal(t, len(ref.MultipleChoice.Docs), mc.N)
				assert.InDelta(t, ref.MultipleChoice.Acc, float64(metricOf(t, mc, "acc").Value), 1e-12)
				assert.InDelta(t, ref.MultipleChoice.AccNorm, float64(metricOf(t, mc, "acc_norm").Value), 1e-12)
				// 0.5 where acc is 1/6: the script's argmax(ll − ll_uncond).
				assert.InDelta(t, ref.MultipleChoice.AccMutualInfo, float64(metricOf(t, mc, "acc_mutual_info").Value), 1e-12)
				require.NotNil(t, metricOf(t, mc, "acc").CI)

				ppl := evalOf(t, res, "ppl")
				p := ref.Perplexity
				for name, want := range map[string]float64{"token_perplexity": p.TokenPerplexity, "word_perplexity": p.WordPerplexity,
					"byte_perplexity": p.BytePerplexity, "bits_per_byte": p.BitsPerByte} {
					got := float64(metricOf(t, ppl, name).Value)
					assert.InEpsilon(t, want, got, 1e-5, name)
				}

				cr := evalOf(t, res, "crows")
				assert.InDelta(t, ref.PairPreference.PctStereotype, float64(metricOf(t, cr, "pct_stereotype").Value), 1e-12)
				assert.InDelta(t, ref.PairPreference.LikelihoodDiff, float64(metricOf(t, cr, "likelihood_diff").Value), 1e-4)
				assert.Equal(t, "wilson", metricOf(t, cr, "pct_stereotype").CI.Method)
			})
		}
	}
}

// TestLMLogLikelihoodsMatchReference checks every request's log-likelihood
// and greedy flag (multiple choice, rolling perplexity windows, pairs)
// against the reference, and that the batch size does not change them.
func TestLMLogLikelihoodsMatchReference(t *testing.T) {
	ref := loadLMReference(t)
	open := ortOpener(t)
	s, err := suite.Load(writeLMSuite(t, "lm.onnx", 4, lmTasksYAML))
	require.NoError(t, err)
	om, err := open(s.Resolve(s.Models[0].Path), s.Runtime)
	require.NoError(t, err)
	defer om.Model.Close()

	docsOf := func(task *suite.Task) ([]*lmDoc, *lmTask) {
		tok, err := tokenizer.Load(s.Resolve(task.LM.Tokenizer))
		require.NoError(t, err)
		lt := &lmTask{kind: tasks.Kind(task.Kind), tok: tok, prefix: ref.EOT, maxLen: ref.MaxLength, delim: " ",
			mutualInfo: wantsMutualInfo(task) && tasks.Kind(task.Kind) == tasks.MultipleChoice}
		d, _ := s.Dataset(task.Dataset)
		rd, err := dataset.Open(datasetSpec(s, d))
		require.NoError(t, err)
		defer rd.Close()
		cols := rd.Columns()
		bt := func(src string) *boundTemplate {
			b, err := bindTemplate(src, "test", cols)
			require.NoError(t, err)
			return b
		}
		switch lt.kind {
		case tasks.MultipleChoice:
			lt.context = bt(task.LM.Context)
			for _, c := range task.LM.Choices {
				lt.choices = append(lt.choices, bt(c))
			}
			for i, c := range cols {
				if c.Name == "gold" {
					lt.gold = i
				}
			}
		case tasks.Perplexity:
			lt.doc = bt(task.LM.Document)
		case tasks.PairPreference:
			lt.sent = [2]*boundTemplate{bt(task.LM.Stereotyped), bt(task.LM.AntiStereotyped)}
		}
		var docs []*lmDoc
		for rd.Next() {
			d, err := docOf(lt, rd.Record())
			require.NoError(t, err)
			docs = append(docs, d)
		}
		require.NoError(t, rd.Err())
		return docs, lt
	}
	score := func(task *suite.Task, batch int) ([]*lmDoc, [][]llResult) {
		docs, _ := docsOf(task)
		sc, err := newLMScorer(om, task, batch, 0)
		require.NoError(t, err)
		var reqs []tasks.LLRequest
		var owner []int
		for i, d := range docs {
			for _, q := range d.reqs {
				reqs = append(reqs, q)
				owner = append(owner, i)
			}
		}
		res, _, err := scoreRequests(context.Background(), om.Model, sc, reqs)
		require.NoError(t, err)
		out := make([][]llResult, len(docs))
		for k, x := range res {
			out[owner[k]] = append(out[owner[k]], x)
		}
		return docs, out
	}

	for _, batch := range []int{1, 2, 7} {
		mcDocs, mc := score(&s.Tasks[0], batch)
		require.Len(t, mc, len(ref.MultipleChoice.Docs))
		for i, want := range ref.MultipleChoice.Docs {
			// The choices' requests, then their unconditional ones.
			require.Len(t, mc[i], 2*len(want.LL))
			for j := range want.LL {
				assert.InDelta(t, want.LL[j], mc[i][j].ll, 2e-4, "batch %d doc %d choice %d", batch, i, j)
				assert.Equal(t, want.Greedy[j], mc[i][j].greedy, "doc %d choice %d", i, j)
				assert.InDelta(t, want.LLUncond[j], mc[i][len(want.LL)+j].ll, 2e-4, "batch %d doc %d choice %d unconditional", batch, i, j)
				assert.Equal(t, want.Tokens[j], mcDocs[i].texts[j].Tokens, "doc %d choice %d tokens", i, j)
			}
			assert.Equal(t, want.Gold, mcDocs[i].gold)
		}
		pplDocs, ppl := score(&s.Tasks[1], batch)
		for i, want := range ref.Perplexity.Docs {
			sum := 0.0
			for _, x := range ppl[i] {
				sum += x.ll
			}
			assert.InDelta(t, want.LL, sum, 5e-4, "batch %d document %d", batch, i)
			assert.Equal(t, want.Tokens, pplDocs[i].texts[0].Tokens, "document %d tokens", i)
			assert.Equal(t, want.Words, pplDocs[i].texts[0].Words, "document %d words", i)
			assert.Equal(t, want.Bytes, pplDocs[i].texts[0].Bytes, "document %d bytes", i)
		}
		_, pairs := score(&s.Tasks[2], batch)
		for i, want := range ref.PairPreference.Pairs {
			assert.InDelta(t, want.More, pairs[i][0].ll, 2e-4)
			assert.InDelta(t, want.Less, pairs[i][1].ll, 2e-4)
		}
	}
}

// TestLMTokenizerMatchesReference checks that the Go tokenizer gives the
// fixture tokenizer the ids of the script's own BPE encoder.
func TestLMTokenizerMatchesReference(t *testing.T) {
	ref := loadLMReference(t)
	tok, err := tokenizer.Load(filepath.Join(textDir, "tokenizer.json"))
	require.NoError(t, err)
	require.NotEmpty(t, ref.Encodings)
	for text, want := range ref.Encodings {
		e, err := tok.Encode(text, false)
		require.NoError(t, err)
		assert.Equal(t, want, e.IDs, "%q", text)
	}
}

func TestLMErrorsNameTheDocument(t *testing.T) {
	open := ortOpener(t)
	// A continuation longer than the window is an error, as lm-eval's assert.
	s, err := suite.Load(writeLMSuite(t, "lm.onnx", 2, `  - name: mc
    kind: multiple_choice
    dataset: mc
    lm: {choices: ["{a}", "{b}", "{c}", "{d}"], gold: gold, max_length: 2}`))
	require.NoError(t, err)
	_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Now: fixedNow})
	require.Error(t, err)
	assert.ErrorIs(t, err, tasks.ErrContinuationTooLong)
	assert.Contains(t, err.Error(), "mc.jsonl:")

	// An unknown column in a template names it and the columns there are.
	s, err = suite.Load(writeLMSuite(t, "lm.onnx", 2, `  - name: mc
    kind: multiple_choice
    dataset: mc
    lm: {choices: ["{a}", "{bb}"], gold: gold}`))
	require.NoError(t, err)
	_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Now: fixedNow})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `column "bb" not found`)
}

func TestLMResumesFromCache(t *testing.T) {
	open := ortOpener(t)
	s, err := suite.Load(writeLMSuite(t, "lm.onnx", 3, lmTasksYAML))
	require.NoError(t, err)
	out := t.TempDir()
	first, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow})
	require.NoError(t, err)
	second, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow})
	require.NoError(t, err)
	assert.Equal(t, 6+6+5, second.Run.Resumed)
	for i := range first.Evaluations {
		for _, m := range first.Evaluations[i].Metrics {
			got := metricOf(t, second.Evaluations[i], m.Name)
			assert.Equal(t, m.Value, got.Value, "%s %s", first.Evaluations[i].Key(), m.Name)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, PredictionsFile))
	require.NoError(t, err)
	assert.Equal(t, 17, strings.Count(string(b), "\n"))
}

func TestRollingWindowsCoverEveryTokenOnce(t *testing.T) {
	// Every document token is predicted exactly once, in order, and every
	// model input fits the window (lm-eval get_rolling_token_windows).
	for n := 0; n <= 40; n++ {
		for _, L := range []int{1, 2, 3, 7, 16} {
			toks := make([]int64, n)
			for i := range toks {
				toks[i] = int64(100 + i)
			}
			var pred []int64
			for _, r := range tasks.RollingRequests(toks, -1, L) {
				in, err := r.Input(L)
				require.NoError(t, err)
				assert.LessOrEqual(t, len(in), L)
				// input followed by the last continuation token is the
				// end of context+continuation
				full := append(append([]int64{}, r.Context...), r.Continuation...)
				assert.Equal(t, full[len(full)-len(in)-1:len(full)-1], in)
				pred = append(pred, r.Continuation...)
			}
			if n == 0 {
				assert.Empty(t, pred)
			} else {
				assert.Equal(t, toks, pred, "n=%d L=%d", n, L)
			}
		}
	}
}

func TestContinuationLLIsStable(t *testing.T) {
	// Huge logits would overflow a naive exp; max-subtraction keeps it exact.
	row := []float32{1000, 999, 998}
	ll, greedy, err := tasks.ContinuationLL(row, 3, 1, []int64{1})
	require.NoError(t, err)
	want := -1 - math.Log(1+math.Exp(-1)+math.Exp(-2))
	assert.InDelta(t, want, ll, 1e-12)
	assert.False(t, greedy)
	_, _, err = tasks.ContinuationLL([]float32{float32(math.NaN()), 0}, 2, 1, []int64{0})
	assert.ErrorContains(t, err, "non-finite")
}

// lmBenchSetup loads the spam suite's causal LM and held-out mail, builds
// the perplexity requests (max_length 256) and the scorer, with one
// intra-op thread.
func lmBenchSetup(b *testing.B) (*suite.Suite, *OpenedModel, *lmScorer, []tasks.LLRequest) {
	b.Helper()
	open := ortOpener(b)
	s, err := suite.Load("../suites/spam-shift.yaml")
	if err != nil {
		b.Skipf("spam suite: %v", err)
	}
	var task *suite.Task
	for i := range s.Tasks {
		if s.Tasks[i].Kind == string(tasks.Perplexity) {
			task = &s.Tasks[i]
		}
	}
	m, _ := s.Model(task.Models[0])
	s.Runtime.IntraOpThreads = 1
	om, err := open(s.Resolve(m.Path), s.Runtime)
	require.NoError(b, err)
	tok, err := tokenizer.Load(s.Resolve(task.LM.Tokenizer))
	require.NoError(b, err)
	eot, _ := tok.TokenToID("<|endoftext|>")
	sc, err := newLMScorer(om, task, 16, eot)
	require.NoError(b, err)
	d, _ := s.Dataset(task.Dataset)
	rd, err := dataset.Open(datasetSpec(s, d))
	require.NoError(b, err)
	defer rd.Close()
	lt := &lmTask{kind: tasks.Perplexity, tok: tok, prefix: eot, maxLen: sc.maxLen}
	lt.doc, err = bindTemplate(task.LM.Document, "doc", rd.Columns())
	require.NoError(b, err)
	var reqs []tasks.LLRequest
	for rd.Next() {
		doc, err := docOf(lt, rd.Record())
		require.NoError(b, err)
		reqs = append(reqs, doc.reqs...)
	}
	return s, om, sc, reqs
}

// BenchmarkLMScoring measures evalctl's LM scoring (request inputs,
// length-sorted batching, tensors, ONNX Runtime through harness/ort,
// float64 log-softmax of every scored position) in input tokens per second.
func BenchmarkLMScoring(b *testing.B) {
	_, om, sc, reqs := lmBenchSetup(b)
	defer om.Model.Close()
	b.ResetTimer()
	start := time.Now()
	var tokens int64
	for i := 0; i < b.N; i++ {
		_, run, err := scoreRequests(context.Background(), om.Model, sc, reqs)
		if err != nil {
			b.Fatal(err)
		}
		tokens = run.tokens
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/time.Since(start).Seconds(), "tokens/s")
}

// BenchmarkLMBareORT is the reference: a bare onnxruntime_go loop over the
// same padded batches (built before the timer starts), one intra-op
// thread, reading the logits and nothing else.
func BenchmarkLMBareORT(b *testing.B) {
	s, om, sc, reqs := lmBenchSetup(b)
	om.Model.Close()
	inputs := make([][]int64, len(reqs))
	tokens := 0
	for i, r := range reqs {
		in, err := r.Input(sc.maxLen)
		require.NoError(b, err)
		inputs[i] = in
		tokens += len(in)
	}
	type padded struct {
		ids, mask []int64
		rows, T   int64
	}
	var batches []padded
	for _, bt := range sc.plan(inputs) {
		p := padded{rows: int64(len(bt.inputs)), T: int64(bt.length)}
		p.ids = make([]int64, p.rows*p.T)
		p.mask = make([]int64, p.rows*p.T)
		for r, seq := range bt.inputs {
			copy(p.ids[int64(r)*p.T:], seq)
			for j := range seq {
				p.mask[int64(r)*p.T+int64(j)] = 1
			}
		}
		batches = append(batches, p)
	}
	opts, err := ortgo.NewSessionOptions()
	require.NoError(b, err)
	defer opts.Destroy()
	require.NoError(b, opts.SetIntraOpNumThreads(1))
	m, _ := s.Model("mail-lm")
	sess, err := ortgo.NewDynamicAdvancedSession(s.Resolve(m.Path), []string{"input_ids", "attention_mask"}, []string{"logits"}, opts)
	require.NoError(b, err)
	defer sess.Destroy()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for _, p := range batches {
			ids, err := ortgo.NewTensor(ortgo.NewShape(p.rows, p.T), p.ids)
			if err != nil {
				b.Fatal(err)
			}
			mask, err := ortgo.NewTensor(ortgo.NewShape(p.rows, p.T), p.mask)
			if err != nil {
				b.Fatal(err)
			}
			outs := []ortgo.Value{nil}
			if err := sess.Run([]ortgo.Value{ids, mask}, outs); err != nil {
				b.Fatal(err)
			}
			_ = outs[0].(*ortgo.Tensor[float32]).GetData()
			outs[0].Destroy()
			ids.Destroy()
			mask.Destroy()
		}
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/time.Since(start).Seconds(), "tokens/s")
}

// ort.Model must keep lending its logits to the scorer: a changed RunInto
// signature would silently fall back to Run.
var _ lendingModel = (*ort.Model)(nil)

// runOnly hides RunInto, so the scorer takes the Run (copying) path.
type runOnly struct{ Model }

// TestLMScoringLendingMatchesRun checks that the lending path (RunInto)
// and the copying path (Run) give bit-identical results and statistics:
// the logits are the same either way, only their memory differs.
func TestLMScoringLendingMatchesRun(t *testing.T) {
	open := ortOpener(t)
	s, err := suite.Load(writeLMSuite(t, "lm.onnx", 3, lmTasksYAML))
	require.NoError(t, err)
	om, err := open(s.Resolve(s.Models[0].Path), s.Runtime)
	require.NoError(t, err)
	defer om.Model.Close()
	_, lends := om.Model.(lendingModel)
	require.True(t, lends)
	for ti := range s.Tasks {
		task := &s.Tasks[ti]
		tok, err := tokenizer.Load(s.Resolve(task.LM.Tokenizer))
		require.NoError(t, err)
		var reqs []tasks.LLRequest
		for _, text := range []string{"the meeting is at noon", "free money now", "a", "please send the report by friday and call me"} {
			ids, err := tok.Encode(text, false)
			require.NoError(t, err)
			reqs = append(reqs, tasks.RollingRequests(ids.IDs, 0, 8)...)
		}
		runs := map[string]lmRun{}
		results := map[string][]llResult{}
		for name, m := range map[string]Model{"lend": om.Model, "run": runOnly{om.Model}} {
			sc, err := newLMScorer(&OpenedModel{Model: m, Inputs: om.Inputs, Outputs: om.Outputs}, task, 3, 0)
			require.NoError(t, err)
			sc.maxLen = 8
			res, run, err := scoreRequests(context.Background(), m, sc, reqs)
			require.NoError(t, err)
			runs[name], results[name] = run, res
		}
		assert.Equal(t, results["run"], results["lend"], "task %s", task.Name)
		assert.Equal(t, runs["run"].batches, runs["lend"].batches)
		assert.Equal(t, runs["run"].tokens, runs["lend"].tokens)
		assert.Equal(t, runs["lend"].batches, runs["lend"].latencies)
		assert.Positive(t, runs["lend"].batches)
	}
}
