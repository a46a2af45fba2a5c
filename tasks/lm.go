package tasks

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/metrics"
)

// Language-model task kinds. They follow lm-evaluation-harness
// (EleutherAI, lm_eval/api/task.py, api/model.py, utils.py); docs/text.md
// lists every convention and where it comes from.
const (
	// MultipleChoice scores each choice's continuation log-likelihood
	// given a context (lm-eval output_type multiple_choice).
	MultipleChoice Kind = "multiple_choice"
	// Perplexity scores documents by rolling log-likelihood (lm-eval
	// output_type loglikelihood_rolling).
	Perplexity Kind = "perplexity"
	// PairPreference compares the log-likelihoods of minimal sentence
	// pairs (CrowS-Pairs, Nangia et al. 2020, as lm-eval's crows_pairs).
	PairPreference Kind = "pair_preference"
)

func init() {
	kinds[MultipleChoice] = kindInfo{defaults: []string{"acc", "acc_norm"}}
	kinds[Perplexity] = kindInfo{defaults: []string{"token_perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte"}}
	kinds[PairPreference] = kindInfo{defaults: []string{"pct_stereotype", "likelihood_diff"}}
}

// IsLM reports whether kind is a language-model kind.
func IsLM(kind string) bool {
	switch Kind(kind) {
	case MultipleChoice, Perplexity, PairPreference:
		return true
	}
	return false
}

// LLRequest is one log-likelihood request in tokens: the log-probability
// of Continuation given Context.
type LLRequest struct {
	Context, Continuation []int64
}

// ErrContinuationTooLong is returned when a continuation does not fit in
// the model window; lm-evaluation-harness asserts
// len(continuation_enc) <= max_length as well.
var ErrContinuationTooLong = errors.New("continuation longer than the model window")

// Input returns the tokens fed to the model for r, as HFLM._loglikelihood_tokens
// builds them: (context + continuation)[-(maxLen+1):][:-1], i.e. the last
// token is dropped (nothing predicts past it) and a long context is cut
// from the left. The logits at positions len(input)-len(Continuation) ..
// len(input)-1 predict the continuation tokens.
func (r LLRequest) Input(maxLen int) ([]int64, error) {
	if len(r.Continuation) == 0 {
		return nil, errors.New("empty continuation")
	}
	if len(r.Context) == 0 {
		return nil, errors.New("empty context (use the prefix token)")
	}
	if len(r.Continuation) > maxLen {
		return nil, fmt.Errorf("%w: %d tokens, max_length %d", ErrContinuationTooLong, len(r.Continuation), maxLen)
	}
	all := make([]int64, 0, len(r.Context)+len(r.Continuation))
	all = append(append(all, r.Context...), r.Continuation...)
	if len(all) > maxLen+1 {
		all = all[len(all)-(maxLen+1):]
	}
	return all[:len(all)-1], nil
}

// Encoder turns text into token ids without special tokens.
type Encoder func(text string) ([]int64, error)

// isPySpace is Python's str.isspace, which str.rstrip uses.
func isPySpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// EncodePair builds the request for continuation given context as
// lm-evaluation-harness does (TemplateLM.loglikelihood and _encode_pair):
// an empty context becomes [prefix]; otherwise white space at the end of
// the context moves to the start of the continuation, whole = encode(
// context + continuation), and the continuation tokens are whole minus the
// first len(encode(context)) tokens — so the split follows the tokenizer's
// own merge across the boundary.
func EncodePair(enc Encoder, context, continuation string, prefix int64) (LLRequest, error) {
	if context == "" {
		c, err := enc(continuation)
		return LLRequest{Context: []int64{prefix}, Continuation: c}, err
	}
	trimmed := strings.TrimRightFunc(context, isPySpace)
	if n := len(context) - len(trimmed); n > 0 {
		continuation = context[len(trimmed):] + continuation
		context = trimmed
	}
	whole, err := enc(context + continuation)
	if err != nil {
		return LLRequest{}, err
	}
	ctx, err := enc(context)
	if err != nil {
		return LLRequest{}, err
	}
	if len(ctx) > len(whole) {
		return LLRequest{}, fmt.Errorf("context encodes to %d tokens but context+continuation to %d", len(ctx), len(whole))
	}
	return LLRequest{Context: ctx, Continuation: whole[len(ctx):]}, nil
}

// RollingRequests splits a document's tokens into the disjoint windows of
// lm-evaluation-harness' loglikelihood_rolling: utils.get_rolling_token_windows
// with context_len = 1, then utils.make_disjoint_window. The first window
// is [prefix] + tokens[:L-1] predicting tokens[:L]; each later window
// predicts the next L tokens (fewer for the last) with one token of
// context. Run through LLRequest.Input, a full window sees only its own
// tokens plus the one before; the last, shorter window is fed a full L-token
// input ending at the document's end, so its tokens see earlier context.
// The sum of the windows' log-likelihoods is the document's.
func RollingRequests(tokens []int64, prefix int64, maxLen int) []LLRequest {
	if len(tokens) == 0 || maxLen < 1 {
		return nil
	}
	var out []LLRequest
	first := min(maxLen, len(tokens))
	in := append([]int64{prefix}, tokens[:first-1]...)
	out = append(out, disjoint(in, tokens[:first]))
	predicted := first
	for predicted < len(tokens) {
		n := min(len(tokens)-predicted, maxLen)
		end := predicted + n
		out = append(out, disjoint(tokens[end-maxLen-1:end-1], tokens[end-n:end]))
		predicted += n
	}
	return out
}

// disjoint is make_disjoint_window: input[:len(input)-len(pred)+1], pred.
func disjoint(input, pred []int64) LLRequest {
	return LLRequest{Context: input[:len(input)-len(pred)+1], Continuation: pred}
}

// ContinuationLL scores one request from the logits of its input row:
// logits holds at least inputLen rows of vocab floats (row-major; padded
// rows after inputLen are ignored). It returns the summed log-probability
// of cont, computed stably in float64 (log p = x_t − max − log Σ exp(x −
// max)), and whether every continuation token was the argmax (lm-eval's
// is_greedy). A NaN or ±Inf logit in a scored row is an error.
func ContinuationLL(logits []float32, vocab, inputLen int, cont []int64) (ll float64, greedy bool, err error) {
	start := inputLen - len(cont)
	if start < 0 || len(logits) < inputLen*vocab {
		return 0, false, fmt.Errorf("logits hold %d values, need %d rows of %d for %d continuation tokens", len(logits), inputLen, vocab, len(cont))
	}
	greedy = true
	for k, tok := range cont {
		if tok < 0 || int(tok) >= vocab {
			return 0, false, fmt.Errorf("token id %d outside the model's vocabulary of %d", tok, vocab)
		}
		row := logits[(start+k)*vocab : (start+k+1)*vocab]
		lp, arg, ok := logSoftmaxAt(row, int(tok))
		if !ok {
			return 0, false, fmt.Errorf("non-finite logits at position %d", start+k)
		}
		ll += lp
		if arg != int(tok) {
			greedy = false
		}
	}
	return ll, greedy, nil
}

// logSoftmaxAt returns log softmax(row)[t], the argmax (first on ties, as
// numpy/torch) and false if the row holds NaN or +Inf, or only -Inf. The max
// is found in float32 (exact); each x − max is formed in float64 and
// exponentiated by sumExpShifted, and the sum of exps is accumulated in float64.
func logSoftmaxAt(row []float32, t int) (float64, int, bool) {
	m := float32(math.Inf(-1))
	arg := 0
	for i, x := range row {
		if x > m {
			m, arg = x, i
		} else if x != x {
			return 0, 0, false
		}
	}
	mf := float64(m)
	if math.IsInf(mf, 0) {
		return 0, 0, false
	}
	lp := float64(row[t]) - mf - math.Log(sumExpShifted(row, mf))
	if math.IsNaN(lp) || math.IsInf(lp, 0) {
		return 0, 0, false
	}
	return lp, arg, true
}

// sumExpShifted returns Σ e^(x − m) over row for m = max(row), in float64.
// e^d for each d = x − m ≤ 0 is computed inline (math.Exp is a call per
// element and about twice as slow here) with a relative error below 1e-11,
// as in Tang's table-driven exp: d = (32k + j)·ln2/32 + r with
// k·32 + j = round(32·d/ln2), 0 ≤ j < 32 and |r| ≤ ln2/64 (Cody–Waite, ln2
// split in two as in math.Exp); then e^d = 2^k · 2^(j/32) · e^r with
// 2^(j/32) from a table and e^r by its Taylor polynomial of degree 4
// (truncation error ≤ (ln2/64)^5/5! < 2e-12). Terms with d < −708 (e^d <
// 1e-307, nothing next to the max term 1), and −Inf logits, add 0.
func sumExpShifted(row []float32, m float64) float64 {
	const (
		inv   = 32 / math.Ln2
		ln2hi = 6.93147180369123816490e-01 / 32
		ln2lo = 1.90821492927058770002e-10 / 32
	)
	tab := &exp2Frac
	s := 0.0
	for _, x := range row {
		d := float64(x) - m
		if !(d >= -708) {
			continue
		}
		n := int64(d*inv - 0.5) // round to nearest: d*inv ≤ 0 and conversion truncates toward 0
		fn := float64(n)
		r := (d - fn*ln2hi) - fn*ln2lo
		p := 1.0 / 24
		p = p*r + 1.0/6
		p = p*r + 0.5
		p = p*r + 1
		p = p*r + 1
		s += p * tab[n&31] * math.Float64frombits(uint64((n>>5)+1023)<<52)
	}
	return s
}

// exp2Frac holds 2^(j/32), j = 0..31, for sumExpShifted.
var exp2Frac = func() (t [32]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 32)
	}
	return t
}()

// LMConfig configures the scoring of a language-model task.
type LMConfig struct {
	Metrics []string
	// Bootstrap settings; Resamples 0 disables intervals.
	Resamples  int
	Confidence float64
	Seed       uint64
}

func (c LMConfig) seedFor(name string) uint64 { return metrics.SubSeed(c.Seed, name) }

// MCResult is one multiple-choice document: per choice its summed
// continuation log-likelihood, its length in characters (code points) and
// UTF-8 bytes, whether it was the greedy continuation and, for
// acc_mutual_info, its unconditional log-likelihood (Uncond, nil when the
// unconditional requests were not run); Gold is the correct choice.
// Invalid is non-empty when the model's output was unusable.
type MCResult struct {
	LL      []float64
	Chars   []int
	Bytes   []int
	Greedy  []bool
	Uncond  []float64
	Gold    int
	Invalid string
}

// ErrNoUnconditional is returned when acc_mutual_info is asked of
// multiple-choice results that hold no unconditional log-likelihoods.
var ErrNoUnconditional = errors.New("acc_mutual_info needs each choice's unconditional log-likelihood, which these predictions do not hold; run the task with acc_mutual_info among its metrics")

// softmax64 returns softmax(v) in float64 with max-subtraction.
func softmax64(v []float64) []float64 {
	m := v[argmax(v)]
	out := make([]float64, len(v))
	s := 0.0
	for i, x := range v {
		out[i] = math.Exp(x - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

// MCPrediction returns the prediction record of a multiple-choice result:
// Pred is the argmax of the log-likelihoods and Probs their softmax (the
// distribution lm-eval's brier_score uses).
func MCPrediction(r MCResult) (pred int, probs []float64) {
	if r.Invalid != "" || len(r.LL) == 0 {
		return -1, nil
	}
	return argmax(r.LL), softmax64(r.LL)
}

// ScoreMultipleChoice computes lm-evaluation-harness' multiple_choice
// metrics (ConfigurableTask.process_results), each a mean over documents
// with a bootstrap interval:
//
//	acc         = [argmax_i ll_i = gold]
//	acc_norm    = [argmax_i ll_i / chars_i = gold]   (chars: len(choice) in code points)
//	acc_bytes   = [argmax_i ll_i / bytes_i = gold]
//	exact_match = is_greedy(gold)
//	brier_score = Σ_i (softmax(ll)_i − [i = gold])²
//	acc_mutual_info = [argmax_i (ll_i − ll_uncond_i) = gold]
//
// ll_uncond_i is choice i's log-likelihood with an empty context
// (ConfigurableTask.process_results, the acc_mutual_info branch: ll(choice
// | context) − ll(choice | ""), i.e. log P(choice|ctx)/P(choice)). Documents
// with an invalid output are left out and counted in Invalid.
func ScoreMultipleChoice(docs []MCResult, cfg LMConfig) (Scores, error) {
	var terms = map[string][]float64{}
	out := Scores{}
	mutual := false
	for _, m := range cfg.Metrics {
		mutual = mutual || m == "acc_mutual_info"
	}
	for k, d := range docs {
		if d.Invalid != "" {
			out.Invalid++
			continue
		}
		if d.Gold < 0 || d.Gold >= len(d.LL) {
			return out, fmt.Errorf("gold choice %d out of range for %d choices", d.Gold, len(d.LL))
		}
		norm := make([]float64, len(d.LL))
		byt := make([]float64, len(d.LL))
		for i, ll := range d.LL {
			norm[i] = ll / float64(d.Chars[i])
			byt[i] = ll / float64(d.Bytes[i])
		}
		p := softmax64(d.LL)
		brier := 0.0
		for i, q := range p {
			y := 0.0
			if i == d.Gold {
				y = 1
			}
			brier += (q - y) * (q - y)
		}
		terms["acc"] = append(terms["acc"], b2f(argmax(d.LL) == d.Gold))
		terms["acc_norm"] = append(terms["acc_norm"], b2f(argmax(norm) == d.Gold))
		terms["acc_bytes"] = append(terms["acc_bytes"], b2f(argmax(byt) == d.Gold))
		terms["exact_match"] = append(terms["exact_match"], b2f(d.Greedy[d.Gold]))
		terms["brier_score"] = append(terms["brier_score"], brier)
		if mutual {
			if len(d.Uncond) != len(d.LL) {
				return out, fmt.Errorf("document %d: %w", k, ErrNoUnconditional)
			}
			mi := make([]float64, len(d.LL))
			for i, ll := range d.LL {
				mi[i] = ll - d.Uncond[i]
			}
			terms["acc_mutual_info"] = append(terms["acc_mutual_info"], b2f(argmax(mi) == d.Gold))
		}
		out.N++
	}
	if out.N == 0 {
		return out, ErrNoExamples
	}
	specs := map[string]map[string]string{
		"acc":             {"rule": "argmax of summed continuation log-likelihood", "source": "lm-evaluation-harness"},
		"acc_norm":        {"rule": "argmax of log-likelihood / continuation length in characters (code points)", "source": "lm-evaluation-harness"},
		"acc_bytes":       {"rule": "argmax of log-likelihood / continuation length in UTF-8 bytes", "source": "lm-evaluation-harness"},
		"exact_match":     {"rule": "every gold continuation token is the argmax token", "source": "lm-evaluation-harness"},
		"brier_score":     {"rule": "sum over choices of (softmax(ll) − one-hot gold)², mean over documents", "source": "lm-evaluation-harness"},
		"acc_mutual_info": {"rule": "argmax of ll(choice | context) − ll(choice | empty context)", "source": "lm-evaluation-harness"},
	}
	for _, name := range cfg.Metrics {
		t, ok := terms[name]
		if !ok {
			out.Metrics = append(out.Metrics, MetricValue{Name: name, Value: math.NaN(), Low: math.NaN(), High: math.NaN(), Undefined: "unknown metric"})
			continue
		}
		mv := MetricValue{Name: name, Value: floatMean(t), N: len(t), HigherIsBetter: HigherIsBetter(name),
			Low: math.NaN(), High: math.NaN(), Spec: specs[name]}
		if cfg.Resamples > 0 {
			ci := metrics.BootstrapMeanCI(t, cfg.Resamples, cfg.Confidence, cfg.seedFor(name))
			mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
		}
		out.Metrics = append(out.Metrics, mv)
	}
	return out, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// DocLL is one document's rolling log-likelihood and its size in tokens,
// words (CountWords) and UTF-8 bytes.
type DocLL struct {
	LL                   float64
	Tokens, Words, Bytes int
	Invalid              string
}

// ScorePerplexity computes corpus-level perplexities over documents, as
// lm-evaluation-harness' weighted_perplexity and bits_per_byte aggregations
// (sums over documents, then the ratio), with a bootstrap interval that
// resamples documents:
//
//	token_perplexity = exp(−Σ ll / Σ tokens)   (HELM's perplexity)
//	word_perplexity  = exp(−Σ ll / Σ words)
//	byte_perplexity  = exp(−Σ ll / Σ bytes)
//	bits_per_byte    = −Σ ll / Σ bytes / ln 2
//
// Documents with an invalid output are left out and counted in Invalid.
func ScorePerplexity(docs []DocLL, cfg LMConfig) (Scores, error) {
	out := Scores{}
	var ok []DocLL
	for _, d := range docs {
		if d.Invalid != "" {
			out.Invalid++
			continue
		}
		ok = append(ok, d)
	}
	out.N = len(ok)
	if len(ok) == 0 {
		return out, ErrNoExamples
	}
	stat := func(name string) func(idx []int) float64 {
		return func(idx []int) float64 {
			var ll, tok, words, byt float64
			each := func(d DocLL) {
				ll += d.LL
				tok += float64(d.Tokens)
				words += float64(d.Words)
				byt += float64(d.Bytes)
			}
			if idx == nil {
				for _, d := range ok {
					each(d)
				}
			} else {
				for _, i := range idx {
					each(ok[i])
				}
			}
			switch name {
			case "token_perplexity":
				return math.Exp(-ll / tok)
			case "word_perplexity":
				return math.Exp(-ll / words)
			case "byte_perplexity":
				return math.Exp(-ll / byt)
			case "bits_per_byte":
				return -ll / byt / math.Ln2
			}
			return math.NaN()
		}
	}
	specs := map[string]string{
		"token_perplexity": "exp(−Σ ll / Σ tokens)",
		"word_perplexity":  "exp(−Σ ll / Σ words), words = len(re.split(r'\\s+', doc))",
		"byte_perplexity":  "exp(−Σ ll / Σ UTF-8 bytes)",
		"bits_per_byte":    "−Σ ll / Σ UTF-8 bytes / ln 2",
	}
	for _, name := range cfg.Metrics {
		f := stat(name)
		mv := MetricValue{Name: name, Value: f(nil), N: len(ok), Low: math.NaN(), High: math.NaN(),
			Spec: map[string]string{"formula": specs[name], "windows": "disjoint, context_len=1, first window prefixed (lm-evaluation-harness loglikelihood_rolling)"}}
		if _, known := specs[name]; !known {
			mv.Value, mv.Undefined = math.NaN(), "unknown metric"
		} else if cfg.Resamples > 0 {
			ci := metrics.BootstrapCI(len(ok), f, cfg.Resamples, cfg.Confidence, cfg.seedFor(name))
			mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
		}
		out.Metrics = append(out.Metrics, mv)
	}
	return out, nil
}

// ScorePairPreference computes the CrowS-Pairs metrics from per-pair
// log-likelihoods with fairness.PairPreference: pct_stereotype = share of
// pairs whose stereotyped sentence has the strictly higher log-likelihood
// (0.5 is unbiased; Wilson interval) and likelihood_diff = mean |ll_s −
// ll_a| (bootstrap interval). Pairs with an invalid output (NaN in either
// score) are left out and counted in Invalid.
func ScorePairPreference(stereo, anti []float64, cfg LMConfig) (Scores, error) {
	out := Scores{}
	var s, a []float64
	for i := range stereo {
		if math.IsNaN(stereo[i]) || math.IsNaN(anti[i]) || math.IsInf(stereo[i], 0) || math.IsInf(anti[i], 0) {
			out.Invalid++
			continue
		}
		s, a = append(s, stereo[i]), append(a, anti[i])
	}
	out.N = len(s)
	if len(s) == 0 {
		return out, ErrNoExamples
	}
	level := cfg.Confidence
	if level == 0 {
		level = 0.95
	}
	pr, err := fairness.PairPreference(s, a, level)
	if err != nil {
		return out, err
	}
	for _, name := range cfg.Metrics {
		mv := MetricValue{Name: name, N: len(s), Low: math.NaN(), High: math.NaN()}
		switch name {
		case "pct_stereotype":
			mv.Value = pr.Rate.V
			mv.Low, mv.High, mv.Level, mv.Method = pr.CI.Lo.V, pr.CI.Hi.V, level, "wilson"
			mv.Spec = map[string]string{"rule": "share of pairs with ll(stereotyped) > ll(anti-stereotyped); ties count as not preferring", "ideal": "0.5", "ties": fmt.Sprint(pr.Ties)}
		case "likelihood_diff":
			d := make([]float64, len(s))
			for i := range s {
				d[i] = math.Abs(s[i] - a[i])
			}
			mv.Value = pr.LikelihoodDiff.V
			if cfg.Resamples > 0 {
				ci := metrics.BootstrapMeanCI(d, cfg.Resamples, cfg.Confidence, cfg.seedFor(name))
				mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
			}
			mv.Spec = map[string]string{"rule": "mean |ll(stereotyped) − ll(anti-stereotyped)| (nats)"}
		default:
			mv.Value, mv.Undefined = math.NaN(), "unknown metric"
		}
		out.Metrics = append(out.Metrics, mv)
	}
	return out, nil
}
