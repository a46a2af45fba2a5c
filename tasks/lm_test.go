package tasks

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTemplate(t *testing.T) {
	for _, tc := range []struct {
		src, want string
		fields    []string
		err       string
	}{
		{src: "Question: {q}\nAnswer:", want: "Question: Q\nAnswer:", fields: []string{"q"}},
		{src: "{a} and {b} and {a}", want: "A and B and A", fields: []string{"a", "b"}},
		{src: "{{literal}} {a}", want: "{literal} A", fields: []string{"a"}},
		{src: "no fields", want: "no fields"},
		{src: "{a", err: "unclosed '{' at byte 0"},
		{src: "x {}", err: "empty placeholder {} at byte 2"},
		{src: "x }", err: "stray '}' at byte 2"},
		{src: "{a b}", err: `' ' is not allowed`},
	} {
		tp, err := ParseTemplate(tc.src)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.src)
			continue
		}
		require.NoError(t, err, tc.src)
		assert.Equal(t, tc.fields, tp.Fields())
		got, err := tp.Render(func(f string) (string, error) { return strings.ToUpper(f), nil })
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{"{a}", "Q: {q}\nA:", "{{x}}", "{", "}", "{a}{b}", "é{ü}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := ParseTemplate(s)
		if err != nil {
			return
		}
		// Rendering every field empty leaves only the literal text, which
		// is never longer than the template; every field is a placeholder
		// written in the template.
		out, err := tp.Render(func(string) (string, error) { return "", nil })
		require.NoError(t, err)
		assert.LessOrEqual(t, len(out), len(s))
		for _, f := range tp.Fields() {
			assert.Contains(t, s, "{"+f+"}")
		}
		assert.Equal(t, s, tp.String())
	})
}

func TestCountWords(t *testing.T) {
	// Expected values are Python's len(re.split(r"\s+", s)).
	for s, want := range map[string]int{
		"":                       1,
		"one":                    1,
		"two words":              2,
		" lead":                  2,
		"trail ":                 2,
		"a\t\nb  c":              3,
		"non\u00a0breaking":      2,
		"sep\x1cfile":            2,
		" Leading and trailing ": 5,
	} {
		assert.Equal(t, want, CountWords(s), "%q", s)
	}
}

// wordEncoder is a toy tokenizer: each space-prefixed word is one token,
// ids from a map, as GPT-2's " word" tokens behave.
func wordEncoder(vocab map[string]int64) Encoder {
	return func(s string) ([]int64, error) {
		var out []int64
		for i := 0; i < len(s); {
			j := i + 1
			for j < len(s) && s[j] != ' ' {
				j++
			}
			w := s[i:j]
			id, ok := vocab[w]
			if !ok {
				id = int64(len(vocab))
				vocab[w] = id
			}
			out = append(out, id)
			i = j
		}
		return out, nil
	}
}

func TestEncodePairMovesTrailingSpace(t *testing.T) {
	vocab := map[string]int64{}
	enc := wordEncoder(vocab)
	// lm-eval _encode_pair: "Answer: " + "Paris" → context "Answer:", continuation " Paris".
	r, err := EncodePair(enc, "Answer: ", "Paris", 99)
	require.NoError(t, err)
	whole, _ := enc("Answer: Paris")
	ctx, _ := enc("Answer:")
	assert.Equal(t, ctx, r.Context)
	assert.Equal(t, whole[len(ctx):], r.Continuation)
	assert.Equal(t, []int64{vocab[" Paris"]}, r.Continuation)

	// An empty context becomes the prefix token.
	r, err = EncodePair(enc, "", "Paris", 99)
	require.NoError(t, err)
	assert.Equal(t, []int64{99}, r.Context)

	// Input keeps the last maxLen tokens of context+continuation, minus the last.
	r = LLRequest{Context: []int64{1, 2, 3, 4}, Continuation: []int64{5, 6}}
	in, err := r.Input(3)
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 4, 5}, in)
	_, err = r.Input(1)
	assert.ErrorIs(t, err, ErrContinuationTooLong)
}

func TestRollingRequestsMatchLMEval(t *testing.T) {
	// lm-eval's docstring example: tokens 0..8, prefix P, max_seq_len 3,
	// context_len 1 gives prediction windows [0 1 2] [3 4 5] [6 7 8].
	toks := []int64{0, 1, 2, 3, 4, 5, 6, 7, 8}
	rs := RollingRequests(toks, -1, 3)
	require.Len(t, rs, 3)
	assert.Equal(t, LLRequest{Context: []int64{-1}, Continuation: []int64{0, 1, 2}}, rs[0])
	assert.Equal(t, LLRequest{Context: []int64{2}, Continuation: []int64{3, 4, 5}}, rs[1])
	assert.Equal(t, LLRequest{Context: []int64{5}, Continuation: []int64{6, 7, 8}}, rs[2])
	// A last partial window gets a full-length input.
	rs = RollingRequests(toks[:7], -1, 3)
	require.Len(t, rs, 3)
	assert.Equal(t, []int64{6}, rs[2].Continuation)
	in, err := rs[2].Input(3)
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 4, 5}, in)
}

func TestScoreMultipleChoice(t *testing.T) {
	docs := []MCResult{
		// acc picks choice 0 (ll -2); acc_norm picks 1: -3/6 > -2/2.
		{LL: []float64{-2, -3}, Chars: []int{2, 6}, Bytes: []int{2, 6}, Greedy: []bool{true, false}, Gold: 1},
		{LL: []float64{-1, -5}, Chars: []int{3, 3}, Bytes: []int{3, 3}, Greedy: []bool{false, false}, Gold: 0},
		{Invalid: "nan", Gold: 0},
	}
	sc, err := ScoreMultipleChoice(docs, LMConfig{Metrics: []string{"acc", "acc_norm", "exact_match", "brier_score"}, Resamples: 100, Confidence: 0.95})
	require.NoError(t, err)
	assert.Equal(t, 2, sc.N)
	assert.Equal(t, 1, sc.Invalid)
	get := func(n string) float64 { m, ok := sc.Metric(n); require.True(t, ok); return m.Value }
	assert.Equal(t, 0.5, get("acc"))
	assert.Equal(t, 1.0, get("acc_norm"))
	assert.Equal(t, 0.0, get("exact_match"))
	p1 := 1 / (1 + math.Exp(-1)) // softmax of (-2, -3) for choice 0
	p2 := 1 / (1 + math.Exp(-4))
	want := ((p1*p1 + p1*p1) + ((1-p2)*(1-p2) + (1-p2)*(1-p2))) / 2
	assert.InDelta(t, want, get("brier_score"), 1e-12)
}

func TestScorePerplexity(t *testing.T) {
	docs := []DocLL{{LL: -10, Tokens: 5, Words: 2, Bytes: 20}, {LL: -6, Tokens: 3, Words: 2, Bytes: 12}}
	sc, err := ScorePerplexity(docs, LMConfig{Metrics: []string{"token_perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte"}, Resamples: 50, Confidence: 0.9})
	require.NoError(t, err)
	get := func(n string) float64 { m, ok := sc.Metric(n); require.True(t, ok); return m.Value }
	assert.InDelta(t, math.Exp(16.0/8), get("token_perplexity"), 1e-12)
	assert.InDelta(t, math.Exp(16.0/4), get("word_perplexity"), 1e-12)
	assert.InDelta(t, math.Exp(16.0/32), get("byte_perplexity"), 1e-12)
	assert.InDelta(t, 16.0/32/math.Ln2, get("bits_per_byte"), 1e-12)
}

func TestScorePairPreference(t *testing.T) {
	sc, err := ScorePairPreference([]float64{-1, -2, -3, -4}, []float64{-2, -1, -3, -5}, LMConfig{Metrics: []string{"pct_stereotype", "likelihood_diff"}, Confidence: 0.95})
	require.NoError(t, err)
	m, _ := sc.Metric("pct_stereotype")
	assert.Equal(t, 0.5, m.Value) // pairs 0 and 3; the tie does not count
	assert.Less(t, m.Low, 0.5)
	assert.Greater(t, m.High, 0.5)
	d, _ := sc.Metric("likelihood_diff")
	assert.InDelta(t, 0.75, d.Value, 1e-12)
}

// logSoftmaxRef is the straightforward float64 log-softmax with math.Exp
// (the implementation sumExpShifted replaced), the reference below.
func logSoftmaxRef(row []float32, t int) float64 {
	m := math.Inf(-1)
	for _, x := range row {
		m = math.Max(m, float64(x))
	}
	s := 0.0
	for _, x := range row {
		s += math.Exp(float64(x) - m)
	}
	return float64(row[t]) - m - math.Log(s)
}

func TestLogSoftmaxAtMatchesMathExp(t *testing.T) {
	rnd := func(seed uint64) func() float64 { // xorshift, deterministic
		return func() float64 {
			seed ^= seed << 13
			seed ^= seed >> 7
			seed ^= seed << 17
			return float64(seed>>11) / (1 << 53)
		}
	}(0x9E3779B97F4A7C15)
	rows := map[string][]float32{
		"one value":      {3.5},
		"ties":           {1, 2, 2, 0},
		"spread 1e3":     {0, -1000, -707.9, -708.1, 5},
		"at k·ln2 edges": {0, -0.5 * float32(math.Ln2), -1.5 * float32(math.Ln2), -745, -0.34657359},
		"minus inf":      {float32(math.Inf(-1)), 1, 2},
		"large values":   {3e4, 3e4 - 1, 2.9e4},
	}
	for _, scale := range []float64{1, 10, 60} {
		row := make([]float32, 50257)
		for i := range row {
			row[i] = float32(scale * (rnd() - 0.5))
		}
		rows[fmt.Sprintf("random, spread %g", scale)] = row
	}
	for name, row := range rows {
		for _, tok := range []int{0, len(row) / 2, len(row) - 1} {
			if math.IsInf(float64(row[tok]), -1) {
				continue
			}
			got, arg, ok := logSoftmaxAt(row, tok)
			require.True(t, ok, name)
			want := logSoftmaxRef(row, tok)
			// A relative error ≤ 2e-12 in each exp (see sumExpShifted)
			// moves log Σ by ≤ 2e-12; add float64 rounding of the result.
			assert.InDelta(t, want, got, 2e-12+1e-15*math.Abs(want), "%s token %d", name, tok)
			assert.Equal(t, float32(slicesMax(row)), row[arg], name)
		}
	}
	for name, row := range map[string][]float32{
		"NaN":       {0, float32(math.NaN()), 1},
		"NaN first": {float32(math.NaN()), 0},
		"+Inf":      {0, float32(math.Inf(1))},
		"all -Inf":  {float32(math.Inf(-1)), float32(math.Inf(-1))},
	} {
		_, _, ok := logSoftmaxAt(row, 0)
		assert.False(t, ok, name)
	}
}

func slicesMax(row []float32) float32 {
	m := float32(math.Inf(-1))
	for _, x := range row {
		m = max(m, x)
	}
	return m
}

func BenchmarkLogSoftmaxAt(b *testing.B) {
	row := make([]float32, 50257)
	for i := range row {
		row[i] = float32(i%97) * 0.1
	}
	for b.Loop() {
		logSoftmaxAt(row, 7)
	}
}

// TestScoreMutualInfo checks acc_mutual_info against lm-evaluation-harness'
// definition (lm_eval/api/task.py, ConfigurableTask.process_results, the
// acc_mutual_info branch: argmax over choices of ll(choice | context) −
// ll(choice | ""), compared with gold), on hand-computed log-likelihoods.
func TestScoreMutualInfo(t *testing.T) {
	mc := func(ll, uncond []float64, gold int) MCResult {
		n := len(ll)
		return MCResult{LL: ll, Uncond: uncond, Chars: make([]int, n), Bytes: make([]int, n), Greedy: make([]bool, n), Gold: gold}
	}
	for _, tc := range []struct {
		name    string
		docs    []MCResult
		acc, mi float64
		err     error
	}{
		// ll − uncond = (−0.5, +1) → choice 1 = gold; acc picks 0.
		{name: "the prior flips the choice", docs: []MCResult{mc([]float64{-1, -2}, []float64{-0.5, -3}, 1)}, acc: 0, mi: 1},
		// (−1, +0.5) → 1, gold 0; acc picks 1 (−1 > −2): both wrong.
		{name: "both wrong", docs: []MCResult{mc([]float64{-2, -1}, []float64{-1, -1.5}, 0)}, acc: 0, mi: 0},
		// Three choices: (−4+3, −2+2.5, −6+1) = (−1, 0.5, −5) → 1, gold 1;
		// acc picks 1 (−2) too.
		{name: "agree", docs: []MCResult{mc([]float64{-4, -2, -6}, []float64{-3, -2.5, -1}, 1)}, acc: 1, mi: 1},
		// Ties go to the first choice, as numpy's argmax: (−1, −1) → 0.
		{name: "tie", docs: []MCResult{mc([]float64{-2, -3}, []float64{-1, -2}, 1)}, acc: 0, mi: 0},
		// Mean over the documents above: acc 1/4, acc_mutual_info 2/4.
		{name: "mean", docs: []MCResult{
			mc([]float64{-1, -2}, []float64{-0.5, -3}, 1), mc([]float64{-2, -1}, []float64{-1, -1.5}, 0),
			mc([]float64{-4, -2, -6}, []float64{-3, -2.5, -1}, 1), mc([]float64{-2, -3}, []float64{-1, -2}, 1),
			{Invalid: "nan", Gold: 0}}, acc: 0.25, mi: 0.5},
		{name: "no unconditional log-likelihoods", docs: []MCResult{mc([]float64{-1, -2}, nil, 0)}, err: ErrNoUnconditional},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := ScoreMultipleChoice(tc.docs, LMConfig{Metrics: []string{"acc", "acc_mutual_info"}, Resamples: 50, Confidence: 0.95})
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				assert.Contains(t, err.Error(), "document 0")
				return
			}
			require.NoError(t, err)
			acc, ok := sc.Metric("acc")
			require.True(t, ok)
			mi, ok := sc.Metric("acc_mutual_info")
			require.True(t, ok)
			assert.Equal(t, tc.acc, acc.Value)
			assert.Equal(t, tc.mi, mi.Value)
			assert.True(t, mi.HigherIsBetter)
		})
	}
}

// TestMutualInfoFromPredictions checks that predictions carry the
// unconditional log-likelihoods to the scorer and that a non-finite one
// makes the example invalid.
func TestMutualInfoFromPredictions(t *testing.T) {
	text := func(ll, u float64) TextLL { return TextLL{LL: ll, Uncond: u, HasUncond: true, Chars: 1, Bytes: 1} }
	preds := []Prediction{
		{Label: 1, Texts: []TextLL{text(-1, -0.5), text(-2, -3)}},
		{Label: 0, Texts: []TextLL{text(-1, math.NaN()), text(-2, -3)}},
	}
	for i := range preds {
		CombineMultipleChoice(&preds[i])
	}
	assert.Equal(t, "", preds[0].Invalid)
	assert.Equal(t, "nan", preds[1].Invalid)
	sc, err := ScoreMultipleChoicePredictions(preds, LMConfig{Metrics: []string{"acc_mutual_info"}})
	require.NoError(t, err)
	assert.Equal(t, 1, sc.N)
	assert.Equal(t, 1, sc.Invalid)
	mi, _ := sc.Metric("acc_mutual_info")
	assert.Equal(t, 1.0, mi.Value)

	preds[0].Texts[1].HasUncond = false
	_, err = ScoreMultipleChoicePredictions(preds[:1], LMConfig{Metrics: []string{"acc_mutual_info"}})
	require.ErrorIs(t, err, ErrNoUnconditional)
}
