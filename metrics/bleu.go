package metrics

import (
	"fmt"
	"math"
	"strings"
)

// This file: BLEU (Papineni et al. 2002) as sacreBLEU 2.x computes it
// (Post 2018): the 13a tokenisation of mteval-v13a.pl, clipped n-gram
// counts against the per-n-gram maximum over the references, the closest
// reference length (the shorter on ties), and Chen & Cherry's (2014)
// smoothing methods. Scores are on sacreBLEU's 0–100 scale.
//
// The corpus score is a function of the summed per-segment sufficient
// statistics (BLEU.Stats), not a mean of segment scores: a bootstrap
// resample sums the statistics of the resampled segments and scores the sum
// (BLEU.Statistic builds that function for BootstrapCI and PairedBootstrap),
// which is what sacreBLEU's own --confidence bootstrap does.

// BLEUConfig selects sacreBLEU's BLEU options. The zero value is
// sacreBLEU's corpus_bleu default: 13a tokenisation, case-sensitive, "exp"
// smoothing, n-grams up to 4, no effective order.
type BLEUConfig struct {
	// Tokenize is "13a" (the default when empty) or "none" (split on
	// whitespace only).
	Tokenize string
	// Lowercase lowercases hypothesis and references first.
	Lowercase bool
	// Smooth is "exp" (the default when empty; NIST's geometric halving),
	// "none", "floor" (a zero count becomes SmoothValue, default 0.1) or
	// "add-k" (add SmoothValue, default 1, to counts and totals of orders 2
	// and up).
	Smooth string
	// SmoothValue overrides the default value of "floor" and "add-k".
	SmoothValue *float64
	// MaxOrder is the largest n-gram order (default 4).
	MaxOrder int
	// EffectiveOrder stops at the first order with no hypothesis n-grams
	// and averages over the orders before it: sacreBLEU's sentence_bleu
	// default, so that short segments are not scored 0.
	EffectiveOrder bool
}

// BLEU scores hypotheses against references with a fixed configuration.
// Create one with NewBLEU; it is safe for concurrent use.
type BLEU struct {
	cfg   BLEUConfig
	value float64
}

// NewBLEU checks cfg and fills in sacreBLEU's defaults.
func NewBLEU(cfg BLEUConfig) (*BLEU, error) {
	switch cfg.Tokenize {
	case "":
		cfg.Tokenize = "13a"
	case "13a", "none":
	default:
		return nil, fmt.Errorf("metrics: BLEU tokenize %q: want 13a or none", cfg.Tokenize)
	}
	b := &BLEU{cfg: cfg}
	switch cfg.Smooth {
	case "":
		b.cfg.Smooth = "exp"
	case "exp", "none":
	case "floor":
		b.value = 0.1
	case "add-k":
		b.value = 1
	default:
		return nil, fmt.Errorf("metrics: BLEU smooth %q: want exp, none, floor or add-k", cfg.Smooth)
	}
	if cfg.SmoothValue != nil {
		if v := *cfg.SmoothValue; v < 0 || math.IsNaN(v) {
			return nil, fmt.Errorf("metrics: BLEU smooth value %v: want a number >= 0", v)
		}
		b.value = *cfg.SmoothValue
	}
	if cfg.MaxOrder == 0 {
		b.cfg.MaxOrder = 4
	} else if cfg.MaxOrder < 1 {
		return nil, fmt.Errorf("metrics: BLEU max order %d: want >= 1", cfg.MaxOrder)
	}
	return b, nil
}

// NumStats is the length of one segment's statistics: hypothesis length,
// reference length, then matched n-gram counts for orders 1..MaxOrder, then
// hypothesis n-gram counts for orders 1..MaxOrder (sacreBLEU's layout).
func (b *BLEU) NumStats() int { return 2 + 2*b.cfg.MaxOrder }

// Tokenize returns the segment as BLEU sees it: lowercased if configured,
// right-trimmed and tokenised, tokens separated by single spaces.
func (b *BLEU) Tokenize(s string) string {
	if b.cfg.Lowercase {
		s = strings.ToLower(s)
	}
	s = strings.TrimRightFunc(s, pySpace)
	if b.cfg.Tokenize == "13a" {
		return Tokenize13a(s)
	}
	return strings.Join(pyFields(s), " ")
}

// Stats returns the sufficient statistics of one hypothesis against its
// references (any number; each is one acceptable translation of this
// segment). With no references, the reference length is 0 and nothing
// matches.
func (b *BLEU) Stats(hypothesis string, references []string) []float64 {
	n := b.cfg.MaxOrder
	refMax := map[ngram]int{}
	var refLens []int
	for _, r := range references {
		toks := pyFields(b.Tokenize(r))
		refLens = append(refLens, len(toks))
		for k, c := range wordNgrams(toks, n) {
			if c > refMax[k] {
				refMax[k] = c
			}
		}
	}
	hyp := pyFields(b.Tokenize(hypothesis))
	st := make([]float64, b.NumStats())
	st[0] = float64(len(hyp))
	st[1] = float64(closestRefLen(len(hyp), refLens))
	for k, c := range wordNgrams(hyp, n) {
		st[2+n+k.order-1] += float64(c)
		st[2+k.order-1] += float64(min(c, refMax[k]))
	}
	return st
}

// ngram is an n-gram of whitespace-free tokens joined by single spaces.
type ngram struct {
	order int
	text  string
}

// wordNgrams counts the n-grams of orders 1..n.
func wordNgrams(toks []string, n int) map[ngram]int {
	out := map[ngram]int{}
	for o := 1; o <= n; o++ {
		for i := 0; i+o <= len(toks); i++ {
			out[ngram{o, strings.Join(toks[i:i+o], " ")}]++
		}
	}
	return out
}

// closestRefLen is sacreBLEU's _get_closest_ref_len: the reference length
// nearest to the hypothesis length, the shorter one on ties; 0 without
// references.
func closestRefLen(hyp int, refs []int) int {
	best, bestDiff := 0, -1
	for _, r := range refs {
		d := hyp - r
		if d < 0 {
			d = -d
		}
		if bestDiff == -1 || d < bestDiff || (d == bestDiff && r < best) {
			best, bestDiff = r, d
		}
	}
	return best
}

// Score returns BLEU (0–100) from statistics: one segment's, or the sum of
// several segments' (the corpus score). It panics if len(stats) is not
// NumStats().
func (b *BLEU) Score(stats []float64) float64 {
	if len(stats) != b.NumStats() {
		panic(fmt.Sprintf("metrics: BLEU statistics of length %d, want %d", len(stats), b.NumStats()))
	}
	n := b.cfg.MaxOrder
	sys, ref := stats[0], stats[1]
	correct := append([]float64(nil), stats[2:2+n]...)
	total := append([]float64(nil), stats[2+n:]...)
	bp := 1.0
	if sys < ref {
		if sys > 0 {
			bp = math.Exp(1 - ref/sys)
		} else {
			bp = 0
		}
	}
	anyCorrect := false
	for _, c := range correct {
		if c != 0 {
			anyCorrect = true
		}
	}
	if !anyCorrect {
		return 0
	}
	prec := make([]float64, n)
	smoothMteval := 1.0
	eff := n
	for i := range n {
		if b.cfg.Smooth == "add-k" && i > 0 {
			correct[i] += b.value
			total[i] += b.value
		}
		if total[i] == 0 {
			break
		}
		if b.cfg.EffectiveOrder {
			eff = i + 1
		}
		switch {
		case correct[i] != 0:
			prec[i] = 100 * correct[i] / total[i]
		case b.cfg.Smooth == "exp":
			smoothMteval *= 2
			prec[i] = 100 / (smoothMteval * total[i])
		case b.cfg.Smooth == "floor":
			prec[i] = 100 * b.value / total[i]
		}
	}
	s := 0.0
	for _, p := range prec[:eff] {
		if p == 0 {
			s += -9999999999 // sacreBLEU's my_log floor
		} else {
			s += math.Log(p)
		}
	}
	return bp * math.Exp(s/float64(eff))
}

// Sentence is the BLEU of one hypothesis (sacreBLEU's sentence_score with
// this configuration).
func (b *BLEU) Sentence(hypothesis string, references []string) float64 {
	return b.Score(b.Stats(hypothesis, references))
}

// Corpus is corpus BLEU: references[i] holds the references of
// hypotheses[i]. It panics if the lengths differ.
func (b *BLEU) Corpus(hypotheses []string, references [][]string) float64 {
	if len(hypotheses) != len(references) {
		panic(fmt.Sprintf("metrics: %d hypotheses but %d reference lists", len(hypotheses), len(references)))
	}
	sum := make([]float64, b.NumStats())
	for i, h := range hypotheses {
		for j, v := range b.Stats(h, references[i]) {
			sum[j] += v
		}
	}
	return b.Score(sum)
}

// Statistic returns the corpus score of a resample of segments, given each
// segment's statistics: stat(idx) sums stats[i] over idx (repeats counted)
// and scores the sum. Pass it to BootstrapCI, or pair two of them for
// PairedBootstrap.
func (b *BLEU) Statistic(stats [][]float64) func(idx []int) float64 {
	return func(idx []int) float64 {
		return b.Score(SumStats(stats, idx, b.NumStats()))
	}
}

// SumStats adds the rows stats[i] for i in idx (with repeats) into a new
// slice of length width.
func SumStats(stats [][]float64, idx []int, width int) []float64 {
	sum := make([]float64, width)
	for _, i := range idx {
		for j, v := range stats[i] {
			sum[j] += v
		}
	}
	return sum
}

// SentenceBLEU is sacreBLEU's sentence_bleu with its defaults (13a, exp
// smoothing, effective order).
func SentenceBLEU(hypothesis string, references []string) float64 {
	b, _ := NewBLEU(BLEUConfig{EffectiveOrder: true})
	return b.Sentence(hypothesis, references)
}

// CorpusBLEU is sacreBLEU's corpus_bleu with its defaults; references[i]
// holds the references of hypotheses[i].
func CorpusBLEU(hypotheses []string, references [][]string) float64 {
	b, _ := NewBLEU(BLEUConfig{})
	return b.Corpus(hypotheses, references)
}

// Tokenize13a is sacreBLEU's Tokenizer13a, the tokenisation of WMT's
// mteval-v13a.pl: drop "<skipped>", join "-\n" line breaks, turn newlines
// into spaces, unescape &quot; &amp; &lt; &gt;, split off ASCII punctuation
// other than ' , - . (and split . and , unless between digits, and - after
// a digit), and collapse whitespace.
func Tokenize13a(line string) string {
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	if strings.Contains(line, "&") {
		line = strings.ReplaceAll(line, "&quot;", "\"")
		line = strings.ReplaceAll(line, "&amp;", "&")
		line = strings.ReplaceAll(line, "&lt;", "<")
		line = strings.ReplaceAll(line, "&gt;", ">")
	}
	// ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
	out := make([]rune, 0, len(line)+8)
	for _, r := range " " + line + " " {
		if (r >= '{' && r <= '~') || (r >= '[' && r <= '`') || (r >= ' ' && r <= '&') ||
			(r >= '(' && r <= '+') || (r >= ':' && r <= '@') || r == '/' {
			out = append(out, ' ', r, ' ')
		} else {
			out = append(out, r)
		}
	}
	digit := func(r rune) bool { return r >= '0' && r <= '9' }
	dotComma := func(r rune) bool { return r == '.' || r == ',' }
	// ([^0-9])([\.,]) -> "\1 \2 "
	out = sub2(out, func(a, b rune) bool { return !digit(a) && dotComma(b) }, func(a, b rune) []rune { return []rune{a, ' ', b, ' '} })
	// ([\.,])([^0-9]) -> " \1 \2"
	out = sub2(out, func(a, b rune) bool { return dotComma(a) && !digit(b) }, func(a, b rune) []rune { return []rune{' ', a, ' ', b} })
	// ([0-9])(-) -> "\1 \2 "
	out = sub2(out, func(a, b rune) bool { return digit(a) && b == '-' }, func(a, b rune) []rune { return []rune{a, ' ', b, ' '} })
	return strings.Join(pyFields(string(out)), " ")
}

// sub2 is Python's re.sub for a pattern of two single-character classes:
// leftmost non-overlapping matches, scanning on after each one.
func sub2(s []rune, match func(a, b rune) bool, repl func(a, b rune) []rune) []rune {
	out := make([]rune, 0, len(s)+8)
	for i := 0; i < len(s); {
		if i+1 < len(s) && match(s[i], s[i+1]) {
			out = append(out, repl(s[i], s[i+1])...)
			i += 2
			continue
		}
		out = append(out, s[i])
		i++
	}
	return out
}
