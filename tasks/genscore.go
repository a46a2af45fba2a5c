package tasks

import (
	"fmt"
	"math"
	"strings"

	"github.com/evalctl/evalctl/metrics"
)

// Generation scoring: each example's generated text (Prediction.Text)
// against its references (Prediction.References; the first is the
// target). Example-level metrics (exact match, token F1, ROUGE) take the
// best reference and average over examples; corpus metrics (BLEU, chrF)
// sum per-example sufficient statistics, as sacreBLEU does, so that a
// bootstrap replicate is a sum over resampled examples.

// ChangeRate names the share of examples whose generation changed under a
// variant of the prompt.
const ChangeRate = "change_rate"

// MaxChangeRate is the largest change rate over a task's variants,
// reported with the clean evaluation so that a gate can bound it.
const MaxChangeRate = "max_change_rate"

// GenerationConfig holds a generation task's scoring settings.
type GenerationConfig struct {
	Metrics []string
	// Bootstrap settings; Resamples 0 disables intervals.
	Resamples  int
	Confidence float64
	Seed       uint64
}

// genMetric is how one generation metric is computed: either an
// example-level score (mean over examples) or per-example sufficient
// statistics and the corpus score computed from their sum.
type genMetric struct {
	example func(hyp string, refs []string) float64
	stats   func(hyp string, refs []string) []float64
	corpus  func(sum []float64) float64
	spec    map[string]string
}

// generationMetrics maps suite metric names to their definitions.
func generationMetrics() map[string]genMetric {
	bleu, _ := metrics.NewBLEU(metrics.BLEUConfig{}) // sacreBLEU's defaults
	chrf, _ := metrics.NewCHRF(metrics.CHRFConfig{})
	rouge := func(kind string) func(string, []string) float64 {
		return func(hyp string, refs []string) float64 {
			s, _ := metrics.Rouge(kind, hyp, refs, false) // kind is valid
			return s.F
		}
	}
	return map[string]genMetric{
		"exact_match": {example: strictMatch,
			spec: map[string]string{"rule": "generation equals a reference after trimming whitespace", "source": "HELM exact_match"}},
		"quasi_exact_match": {example: metrics.ExactMatch,
			spec: map[string]string{"rule": "equal after lowercasing and removing punctuation, articles and extra whitespace", "source": "SQuAD v1.1 normalize_answer; HELM quasi_exact_match"}},
		"f1": {example: metrics.TokenF1,
			spec: map[string]string{"rule": "token-overlap F1 of normalised answers, best reference", "source": "SQuAD v1.1 evaluation script"}},
		"rouge1": {example: rouge("rouge1"), spec: map[string]string{"rule": "unigram F-measure, best reference", "source": "rouge-score"}},
		"rouge2": {example: rouge("rouge2"), spec: map[string]string{"rule": "bigram F-measure, best reference", "source": "rouge-score"}},
		"rougeL": {example: rouge("rougeL"), spec: map[string]string{"rule": "longest-common-subsequence F-measure, best reference", "source": "rouge-score"}},
		"bleu": {stats: bleu.Stats, corpus: bleu.Score,
			spec: map[string]string{"rule": "corpus BLEU (0-100), 13a tokenisation, 4-grams, exp smoothing", "source": "sacreBLEU defaults"}},
		"chrf": {stats: chrf.Stats, corpus: chrf.Score,
			spec: map[string]string{"rule": "corpus chrF (0-100), character 6-grams, beta 2", "source": "sacreBLEU defaults"}},
	}
}

// strictMatch is 1 when the generation equals a reference after trimming
// surrounding whitespace (HELM's exact_match), else 0.
func strictMatch(hyp string, refs []string) float64 {
	for _, r := range refs {
		if strings.TrimSpace(hyp) == strings.TrimSpace(r) {
			return 1
		}
	}
	return 0
}

// GenerationScores are the scores of one generation evaluation, with what
// comparing it to another evaluation of the same examples needs.
type GenerationScores struct {
	Scores
	index []int               // example index of each scored example
	texts []string            // each scored example's generation
	terms map[string]genTerms // per metric
}

// genTerms are one metric's per-example values or statistics.
type genTerms struct {
	m       genMetric
	example []float64
	stats   [][]float64
}

// stat computes the metric over the examples idx (nil: all).
func (t genTerms) stat(idx []int) float64 {
	if t.m.example != nil {
		if idx == nil {
			return floatMean(t.example)
		}
		s := 0.0
		for _, i := range idx {
			s += t.example[i]
		}
		return s / float64(len(idx))
	}
	var sum []float64
	add := func(i int) {
		if sum == nil {
			sum = make([]float64, len(t.stats[i]))
		}
		for j, v := range t.stats[i] {
			sum[j] += v
		}
	}
	if idx == nil {
		for i := range t.stats {
			add(i)
		}
	} else {
		for _, i := range idx {
			add(i)
		}
	}
	if sum == nil {
		return math.NaN()
	}
	return t.m.corpus(sum)
}

// ScoreGeneration scores generations against their references. An example
// without any reference is an error naming it; none at all is
// ErrNoExamples.
func ScoreGeneration(preds []Prediction, cfg GenerationConfig) (*GenerationScores, error) {
	defs := generationMetrics()
	for _, name := range cfg.Metrics {
		if _, ok := defs[name]; !ok {
			return nil, fmt.Errorf("metric %q does not apply to generation (want one of exact_match, quasi_exact_match, f1, rouge1, rouge2, rougeL, bleu, chrf)", name)
		}
	}
	gs := &GenerationScores{terms: map[string]genTerms{}}
	for _, p := range preds {
		if len(p.References) == 0 {
			return nil, fmt.Errorf("example %d (%s): no reference to score the generation against", p.Index, p.ID)
		}
		gs.index = append(gs.index, p.Index)
		gs.texts = append(gs.texts, p.Text)
	}
	gs.N = len(preds)
	if gs.N == 0 {
		return gs, ErrNoExamples
	}
	for _, name := range cfg.Metrics {
		def := defs[name]
		t := genTerms{m: def}
		for _, p := range preds {
			if def.example != nil {
				t.example = append(t.example, def.example(p.Text, p.References))
			} else {
				t.stats = append(t.stats, def.stats(p.Text, p.References))
			}
		}
		gs.terms[name] = t
		mv := MetricValue{Name: name, Value: t.stat(nil), N: gs.N, HigherIsBetter: true, Low: math.NaN(), High: math.NaN(), Spec: def.spec}
		if cfg.Resamples > 0 {
			var ci metrics.CI
			if def.example != nil {
				ci = metrics.BootstrapMeanCI(t.example, cfg.Resamples, cfg.Confidence, metrics.SubSeed(cfg.Seed, name))
			} else {
				ci = metrics.BootstrapCI(gs.N, t.stat, cfg.Resamples, cfg.Confidence, metrics.SubSeed(cfg.Seed, name))
			}
			mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
		}
		gs.Metrics = append(gs.Metrics, mv)
	}
	return gs, nil
}

// CompareGenerations compares a variant's generations (a perturbed or
// counterfactual prompt) with the clean ones of the same examples: the
// share of examples whose generation changed (change_rate) and, per
// metric, the drop clean − variant (<metric>_drop), each with a paired
// bootstrap interval over the examples both evaluations scored.
func CompareGenerations(clean, v *GenerationScores, cfg GenerationConfig, seed uint64) ([]MetricValue, error) {
	at := make(map[int]int, len(clean.index))
	for i, ex := range clean.index {
		at[ex] = i
	}
	var ci, vi []int // paired positions
	for j, ex := range v.index {
		if i, ok := at[ex]; ok {
			ci, vi = append(ci, i), append(vi, j)
		}
	}
	n := len(ci)
	if n == 0 {
		return nil, fmt.Errorf("no example in common with the clean generations")
	}
	changed := make([]float64, n)
	for k := range ci {
		changed[k] = b2f(clean.texts[ci[k]] != v.texts[vi[k]])
	}
	out := []MetricValue{{Name: ChangeRate, Value: floatMean(changed), N: n, Low: math.NaN(), High: math.NaN(),
		Spec: map[string]string{"rule": "share of examples whose generation differs from the clean prompt's"}}}
	if cfg.Resamples > 0 {
		c := metrics.BootstrapMeanCI(changed, cfg.Resamples, cfg.Confidence, metrics.SubSeed(seed, ChangeRate))
		out[0].Low, out[0].High, out[0].Level, out[0].Resamples, out[0].Method = c.Low, c.High, c.Level, c.Resamples, c.Method
	}
	pick := func(pos []int, idx []int) []int {
		out := make([]int, len(idx))
		for k, i := range idx {
			out[k] = pos[i]
		}
		return out
	}
	for _, name := range cfg.Metrics {
		ct, vt := clean.terms[name], v.terms[name]
		drop := func(idx []int) float64 {
			if idx == nil {
				return ct.stat(ci) - vt.stat(vi)
			}
			return ct.stat(pick(ci, idx)) - vt.stat(pick(vi, idx))
		}
		mv := MetricValue{Name: name + "_drop", Value: drop(nil), N: n, Low: math.NaN(), High: math.NaN(),
			Spec: map[string]string{"rule": "clean − variant on the same examples; paired bootstrap"}}
		if cfg.Resamples > 0 {
			c := metrics.BootstrapCI(n, drop, cfg.Resamples, cfg.Confidence, metrics.SubSeed(seed, name))
			mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = c.Low, c.High, c.Level, c.Resamples, c.Method
		}
		out = append(out, mv)
	}
	return out, nil
}
