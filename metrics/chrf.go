package metrics

import (
	"fmt"
	"strings"
)

// This file: chrF (Popović 2015) as sacreBLEU 2.x computes it: character
// n-grams of orders 1..6 with whitespace removed, β = 2, precision and
// recall averaged over the orders that occur in both hypothesis and
// reference ("effective order"; sacreBLEU's default eps_smoothing=False),
// on a 0–100 scale. With several references a segment keeps the statistics
// of the reference that gives it the highest chrF. As for BLEU, the corpus
// score is computed from summed per-segment statistics (CHRF.Stats).

// CHRFConfig selects sacreBLEU's chrF options. The zero value is
// sacreBLEU's default (chrF2: CharOrder 6, Beta 2, whitespace removed,
// case-sensitive, effective-order averaging). Word n-grams (chrF++) are not
// implemented.
type CHRFConfig struct {
	// CharOrder is the largest character n-gram order (default 6).
	CharOrder int
	// Beta weighs recall Beta times as much as precision (default 2).
	Beta float64
	// Lowercase lowercases hypothesis and references first.
	Lowercase bool
	// Whitespace keeps whitespace characters in the n-grams.
	Whitespace bool
	// EpsSmoothing averages per-order F-scores with ε = 1e-16 for undefined
	// terms, as chrF++.py, NLTK and Moses do, instead of averaging precision
	// and recall over effective orders.
	EpsSmoothing bool
}

// CHRF scores hypotheses against references with a fixed configuration.
// Create one with NewCHRF; it is safe for concurrent use.
type CHRF struct {
	cfg CHRFConfig
}

// NewCHRF checks cfg and fills in sacreBLEU's defaults.
func NewCHRF(cfg CHRFConfig) (*CHRF, error) {
	if cfg.CharOrder == 0 {
		cfg.CharOrder = 6
	}
	if cfg.Beta == 0 {
		cfg.Beta = 2
	}
	if cfg.CharOrder < 1 {
		return nil, fmt.Errorf("metrics: chrF char order %d: want >= 1", cfg.CharOrder)
	}
	if !(cfg.Beta > 0) {
		return nil, fmt.Errorf("metrics: chrF beta %v: want > 0", cfg.Beta)
	}
	return &CHRF{cfg: cfg}, nil
}

// NumStats is the length of one segment's statistics: for each order 1..
// CharOrder, the hypothesis n-gram count, the reference n-gram count and
// the matched count (sacreBLEU's layout).
func (c *CHRF) NumStats() int { return 3 * c.cfg.CharOrder }

func (c *CHRF) charNgrams(s string) []map[string]int {
	if c.cfg.Lowercase {
		s = strings.ToLower(s)
	}
	if !c.cfg.Whitespace {
		s = strings.Join(pyFields(s), "")
	}
	rs := []rune(s)
	out := make([]map[string]int, c.cfg.CharOrder)
	for n := 1; n <= c.cfg.CharOrder; n++ {
		m := map[string]int{}
		for i := 0; i+n <= len(rs); i++ {
			m[string(rs[i:i+n])]++
		}
		out[n-1] = m
	}
	return out
}

// Stats returns the statistics of one hypothesis against its references:
// those of the reference with the highest chrF (the first on ties). With no
// references every count is 0.
func (c *CHRF) Stats(hypothesis string, references []string) []float64 {
	hyp := c.charNgrams(hypothesis)
	var best []float64
	bestF := -1.0
	for _, r := range references {
		ref := c.charNgrams(r)
		st := make([]float64, 0, c.NumStats())
		for n := range hyp {
			var hypCount, refCount, match int
			for g, k := range hyp[n] {
				hypCount += k
				match += min(k, ref[n][g])
			}
			for _, k := range ref[n] {
				refCount += k
			}
			if len(ref[n]) == 0 {
				hypCount = 0 // sacreBLEU counts no hypothesis n-grams against an empty reference order
			}
			st = append(st, float64(hypCount), float64(refCount), float64(match))
		}
		if f := c.Score(st); f > bestF {
			best, bestF = st, f
		}
	}
	if best == nil {
		best = make([]float64, c.NumStats())
	}
	return best
}

// Score returns chrF (0–100) from statistics: one segment's or the sum of
// several (the corpus score). It panics if len(stats) is not NumStats().
func (c *CHRF) Score(stats []float64) float64 {
	if len(stats) != c.NumStats() {
		panic(fmt.Sprintf("metrics: chrF statistics of length %d, want %d", len(stats), c.NumStats()))
	}
	const eps = 1e-16
	factor := c.cfg.Beta * c.cfg.Beta
	score, avgP, avgR, eff := 0.0, 0.0, 0.0, 0
	for i := range c.cfg.CharOrder {
		nHyp, nRef, nMatch := stats[3*i], stats[3*i+1], stats[3*i+2]
		p, r := eps, eps
		if nHyp > 0 {
			p = nMatch / nHyp
		}
		if nRef > 0 {
			r = nMatch / nRef
		}
		if d := factor*p + r; d > 0 {
			score += (1 + factor) * p * r / d
		} else {
			score += eps
		}
		if nHyp > 0 && nRef > 0 {
			avgP += p
			avgR += r
			eff++
		}
	}
	if c.cfg.EpsSmoothing {
		return 100 * score / float64(c.cfg.CharOrder)
	}
	if eff == 0 {
		return 0
	}
	avgP /= float64(eff)
	avgR /= float64(eff)
	if avgP+avgR == 0 {
		return 0
	}
	return 100 * (1 + factor) * avgP * avgR / (factor*avgP + avgR)
}

// Sentence is the chrF of one hypothesis.
func (c *CHRF) Sentence(hypothesis string, references []string) float64 {
	return c.Score(c.Stats(hypothesis, references))
}

// Corpus is corpus chrF: references[i] holds the references of
// hypotheses[i]. It panics if the lengths differ.
func (c *CHRF) Corpus(hypotheses []string, references [][]string) float64 {
	if len(hypotheses) != len(references) {
		panic(fmt.Sprintf("metrics: %d hypotheses but %d reference lists", len(hypotheses), len(references)))
	}
	sum := make([]float64, c.NumStats())
	for i, h := range hypotheses {
		for j, v := range c.Stats(h, references[i]) {
			sum[j] += v
		}
	}
	return c.Score(sum)
}

// Statistic returns the corpus chrF of a resample of segments given each
// segment's statistics, for BootstrapCI and PairedBootstrap.
func (c *CHRF) Statistic(stats [][]float64) func(idx []int) float64 {
	return func(idx []int) float64 {
		return c.Score(SumStats(stats, idx, c.NumStats()))
	}
}

// SentenceCHRF is sacreBLEU's sentence_chrf with its defaults.
func SentenceCHRF(hypothesis string, references []string) float64 {
	c, _ := NewCHRF(CHRFConfig{})
	return c.Sentence(hypothesis, references)
}

// CorpusCHRF is sacreBLEU's corpus_chrf with its defaults; references[i]
// holds the references of hypotheses[i].
func CorpusCHRF(hypotheses []string, references [][]string) float64 {
	c, _ := NewCHRF(CHRFConfig{})
	return c.Corpus(hypotheses, references)
}
