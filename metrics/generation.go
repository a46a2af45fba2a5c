package metrics

import (
	"fmt"
	"math"
)

// This file: one entry point for the generation metrics, for a harness that
// scores each example once, stores what it needs, and later computes corpus
// values, bootstrap intervals and paired comparisons from the stored terms.

// GenerationMetricNames lists the generation metrics in report order:
// exact_match and token_f1 (SQuAD v1.1; "token_f1" so that it cannot be
// confused with a classifier's F1), rouge1, rouge2 and rougeL (F-measure,
// rouge-score), bleu and chrf (sacreBLEU defaults, 0–100).
var GenerationMetricNames = []string{"exact_match", "token_f1", "rouge1", "rouge2", "rougeL", "bleu", "chrf"}

// GenerationSpecs describes the generation metrics for the metric table
// (Spec): bleu and chrf are "resample" because their corpus value is not a
// mean of per-example values (use GenerationScorer.Statistic with
// BootstrapCI); the others are means of per-example terms.
var GenerationSpecs = []Spec{
	{"exact_match", true, [2]float64{0, 1}, "fraction of predictions equal to a reference after SQuAD normalisation", "Rajpurkar et al. 2016 (SQuAD v1.1 evaluate script)", "mean"},
	{"token_f1", true, [2]float64{0, 1}, "mean over examples of the best token-overlap F1 against a reference, after SQuAD normalisation", "Rajpurkar et al. 2016 (SQuAD v1.1 evaluate script)", "mean"},
	{"rouge1", true, [2]float64{0, 1}, "mean ROUGE-1 F-measure (unigram overlap)", "Lin 2004; rouge-score", "mean"},
	{"rouge2", true, [2]float64{0, 1}, "mean ROUGE-2 F-measure (bigram overlap)", "Lin 2004; rouge-score", "mean"},
	{"rougeL", true, [2]float64{0, 1}, "mean ROUGE-L F-measure (longest common subsequence)", "Lin 2004; rouge-score", "mean"},
	{"bleu", true, [2]float64{0, 100}, "corpus BLEU, 13a tokenisation, exp smoothing", "Papineni et al. 2002; Post 2018 (sacreBLEU)", "resample"},
	{"chrf", true, [2]float64{0, 100}, "corpus chrF, character 6-grams, beta 2", "Popović 2015; Post 2018 (sacreBLEU)", "resample"},
}

// GenerationExample is what one example contributes to the generation
// metrics: per-example values of the mean-type metrics (exact_match, token_f1,
// rouge1, rouge2, rougeL, in that order: GenerationMetricNames[:5]) and the
// sufficient statistics of the corpus-level ones (BLEU and chrF).
type GenerationExample struct {
	Terms     [5]float64
	BLEUStats []float64
	CHRFStats []float64
}

// GenerationScorer computes GenerationExample values and corpus scores with
// fixed options. It is safe for concurrent use.
type GenerationScorer struct {
	stem bool
	bleu *BLEU
	chrf *CHRF
}

// NewGenerationScorer returns a scorer with sacreBLEU's default BLEU and
// chrF; stem turns on Porter stemming for ROUGE (rouge-score's
// use_stemmer).
func NewGenerationScorer(stem bool) *GenerationScorer {
	b, _ := NewBLEU(BLEUConfig{})
	c, _ := NewCHRF(CHRFConfig{})
	return &GenerationScorer{stem: stem, bleu: b, chrf: c}
}

// Example scores one prediction against its references. With no references
// the mean-type terms are NaN and the statistics are all zero.
func (g *GenerationScorer) Example(prediction string, references []string) GenerationExample {
	var e GenerationExample
	e.Terms[0] = ExactMatch(prediction, references)
	e.Terms[1] = TokenF1(prediction, references)
	for i, k := range []string{"rouge1", "rouge2", "rougeL"} {
		s, _ := Rouge(k, prediction, references, g.stem) // k is valid
		e.Terms[2+i] = s.F
	}
	e.BLEUStats = g.bleu.Stats(prediction, references)
	e.CHRFStats = g.chrf.Stats(prediction, references)
	return e
}

// Statistic returns the corpus value of metric name (one of
// GenerationMetricNames) on a resample of examples: the mean of the
// per-example terms, or the score of the summed statistics for bleu and
// chrf. stat(idx) with idx = 0..n-1 is the corpus value; pass it to
// BootstrapCI, or two of them (two systems on the same examples) to
// PairedBootstrap.
func (g *GenerationScorer) Statistic(name string, examples []GenerationExample) (func(idx []int) float64, error) {
	switch name {
	case "bleu":
		stats := make([][]float64, len(examples))
		for i, e := range examples {
			stats[i] = e.BLEUStats
		}
		return g.bleu.Statistic(stats), nil
	case "chrf":
		stats := make([][]float64, len(examples))
		for i, e := range examples {
			stats[i] = e.CHRFStats
		}
		return g.chrf.Statistic(stats), nil
	}
	for k, n := range GenerationMetricNames[:5] {
		if n == name {
			return func(idx []int) float64 {
				if len(idx) == 0 {
					return math.NaN()
				}
				s := 0.0
				for _, i := range idx {
					s += examples[i].Terms[k]
				}
				return s / float64(len(idx))
			}, nil
		}
	}
	return nil, fmt.Errorf("metrics: unknown generation metric %q (known: %v)", name, GenerationMetricNames)
}

// Corpus returns every generation metric's corpus value, keyed by name.
func (g *GenerationScorer) Corpus(examples []GenerationExample) map[string]float64 {
	idx := make([]int, len(examples))
	for i := range idx {
		idx[i] = i
	}
	out := make(map[string]float64, len(GenerationMetricNames))
	for _, n := range GenerationMetricNames {
		stat, _ := g.Statistic(n, examples) // every name is known
		out[n] = stat(idx)
	}
	return out
}
