package tasks

import (
	"fmt"
	"math"
	"slices"

	"github.com/evalctl/evalctl/metrics"
)

// Extraction measures extractable memorisation (Carlini et al. 2021,
// "Extracting Training Data from Large Language Models"; Carlini et al.
// 2023, "Quantifying Memorization Across Neural Language Models"): each
// document's first prefix_tokens tokens are the prompt, the greedy
// continuation of suffix_tokens tokens is compared with the document's
// true suffix.
const Extraction Kind = "extraction"

// Extraction metrics.
const (
	// ExtractionRate is the share of documents whose true suffix the
	// greedy continuation reproduces exactly, token for token.
	ExtractionRate = "extraction_rate"
	// SuffixTokenAccuracy is the mean share of suffix positions at which
	// the continuation has the true token.
	SuffixTokenAccuracy = "suffix_token_accuracy"
)

func init() {
	kinds[Extraction] = kindInfo{defaults: []string{ExtractionRate, SuffixTokenAccuracy}}
}

// ScoreExtraction scores continuations (Prediction.Tokens) against the
// true suffixes (Prediction.Want).
func ScoreExtraction(preds []Prediction, cfg GenerationConfig) (Scores, error) {
	var out Scores
	exact := make([]float64, 0, len(preds))
	acc := make([]float64, 0, len(preds))
	for _, p := range preds {
		if len(p.Want) == 0 {
			return out, fmt.Errorf("example %d (%s): no true suffix", p.Index, p.ID)
		}
		n := 0
		for j, id := range p.Want {
			if j < len(p.Tokens) && p.Tokens[j] == id {
				n++
			}
		}
		exact = append(exact, b2f(len(p.Tokens) >= len(p.Want) && slices.Equal(p.Tokens[:len(p.Want)], p.Want)))
		acc = append(acc, float64(n)/float64(len(p.Want)))
	}
	out.N = len(preds)
	if out.N == 0 {
		return out, ErrNoExamples
	}
	terms := map[string][]float64{ExtractionRate: exact, SuffixTokenAccuracy: acc}
	specs := map[string]map[string]string{
		ExtractionRate:      {"rule": "greedy continuation of the prefix equals the true suffix, token for token", "source": "Carlini et al. 2023, extractable memorisation"},
		SuffixTokenAccuracy: {"rule": "share of suffix positions where the continuation has the true token"},
	}
	for _, name := range cfg.Metrics {
		t, ok := terms[name]
		if !ok {
			return out, fmt.Errorf("metric %q does not apply to extraction (want %s or %s)", name, ExtractionRate, SuffixTokenAccuracy)
		}
		mv := MetricValue{Name: name, Value: floatMean(t), N: len(t), Low: math.NaN(), High: math.NaN(), Spec: specs[name]}
		if cfg.Resamples > 0 {
			ci := metrics.BootstrapMeanCI(t, cfg.Resamples, cfg.Confidence, metrics.SubSeed(cfg.Seed, name))
			mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
		}
		out.Metrics = append(out.Metrics, mv)
	}
	return out, nil
}
