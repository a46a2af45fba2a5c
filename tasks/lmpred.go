package tasks

import "math"

// The language-model kinds' predictions: each example's Texts hold the
// log-likelihoods of its scored texts (see Prediction.Texts); the
// functions below turn them into a prediction's class and probabilities
// and into the inputs of the kinds' scorers, so that a run, a rescore and
// a merge score the same predictions the same way.

// textsInvalid returns "nan" when any text's log-likelihood is not finite.
func textsInvalid(p *Prediction) string {
	for _, t := range p.Texts {
		if math.IsNaN(t.LL) || math.IsInf(t.LL, 0) {
			return "nan"
		}
		if t.HasUncond && (math.IsNaN(t.Uncond) || math.IsInf(t.Uncond, 0)) {
			return "nan"
		}
	}
	return ""
}

// mcResult is a multiple-choice prediction as ScoreMultipleChoice reads it.
func mcResult(p *Prediction) MCResult {
	r := MCResult{Gold: p.Label, Invalid: textsInvalid(p)}
	uncond := len(p.Texts) > 0
	for _, t := range p.Texts {
		r.LL = append(r.LL, t.LL)
		r.Greedy = append(r.Greedy, t.Greedy)
		r.Chars = append(r.Chars, t.Chars)
		r.Bytes = append(r.Bytes, t.Bytes)
		r.Uncond = append(r.Uncond, t.Uncond)
		uncond = uncond && t.HasUncond
	}
	if !uncond {
		r.Uncond = nil
	}
	return r
}

// CombineMultipleChoice sets a multiple-choice prediction's class (the
// choice with the highest log-likelihood), its probabilities (the softmax of
// the log-likelihoods) and its validity from its Texts, one per choice.
func CombineMultipleChoice(p *Prediction) {
	r := mcResult(p)
	p.Invalid = r.Invalid
	p.Pred, p.Probs = MCPrediction(r)
}

// CombinePerplexity sets a perplexity prediction's Probs to the document's
// log-likelihood (one value, nats) from its one Text.
func CombinePerplexity(p *Prediction) {
	p.Invalid = textsInvalid(p)
	ll := 0.0
	for _, t := range p.Texts {
		ll += t.LL
	}
	p.Probs = []float64{ll}
}

// CombinePairPreference sets a sentence pair's prediction from its two
// Texts (stereotyped, anti-stereotyped): class 0 when the model prefers the
// stereotyped sentence, 1 otherwise; Probs holds the two log-likelihoods.
func CombinePairPreference(p *Prediction) {
	st, an := p.Texts[0].LL, p.Texts[1].LL
	p.Label, p.Pred = 0, 1
	if st > an {
		p.Pred = 0
	}
	p.Invalid = textsInvalid(p)
	if p.Invalid != "" {
		p.Pred = -1
	}
	p.Probs = []float64{st, an}
}

// ScoreMultipleChoicePredictions scores multiple-choice predictions (see
// ScoreMultipleChoice).
func ScoreMultipleChoicePredictions(preds []Prediction, cfg LMConfig) (Scores, error) {
	mc := make([]MCResult, len(preds))
	for i := range preds {
		mc[i] = mcResult(&preds[i])
	}
	return ScoreMultipleChoice(mc, cfg)
}

// ScorePerplexityPredictions scores perplexity predictions (see
// ScorePerplexity).
func ScorePerplexityPredictions(preds []Prediction, cfg LMConfig) (Scores, error) {
	dl := make([]DocLL, len(preds))
	for i := range preds {
		p := &preds[i]
		x := DocLL{Invalid: textsInvalid(p)}
		for _, t := range p.Texts {
			x.LL += t.LL
			x.Tokens += t.Tokens
			x.Words += t.Words
			x.Bytes += t.Bytes
		}
		dl[i] = x
	}
	return ScorePerplexity(dl, cfg)
}

// ScorePairPreferencePredictions scores sentence-pair predictions (see
// ScorePairPreference).
func ScorePairPreferencePredictions(preds []Prediction, cfg LMConfig) (Scores, error) {
	st, an := make([]float64, len(preds)), make([]float64, len(preds))
	for i := range preds {
		st[i], an[i] = preds[i].Texts[0].LL, preds[i].Texts[1].LL
	}
	return ScorePairPreference(st, an, cfg)
}

// CombineVerbalized sets the prediction of a classification by a language
// model from its Texts: the log-likelihoods of the k classes' words after
// the prompt, then, with contextual calibration, those after each of cf
// content-free prompts. The class probabilities are the softmax of the
// log-likelihoods, p̂. Contextual calibration (Zhao et al. 2021, "Calibrate
// Before Use", §5) divides them by p̂_cf, the mean over the content-free
// prompts of their softmax (renormalised): q ∝ p̂ / p̂_cf, i.e. W p̂ with
// W = diag(p̂_cf)⁻¹ and b = 0, whose argmax is the paper's prediction; q is
// renormalised to sum to 1. The predicted class is argmax q (the first on
// ties).
func CombineVerbalized(p *Prediction, k, cf int) {
	p.Invalid = textsInvalid(p)
	if p.Invalid != "" || len(p.Texts) != k*(1+cf) {
		p.Pred, p.Probs = -1, nil
		if p.Invalid == "" {
			p.Invalid = "nan"
		}
		return
	}
	ll := make([]float64, k)
	for c := range ll {
		ll[c] = p.Texts[c].LL
	}
	q := softmax64(ll)
	if cf > 0 {
		pcf := make([]float64, k)
		for j := 1; j <= cf; j++ {
			for c := range ll {
				ll[c] = p.Texts[j*k+c].LL
			}
			for c, v := range softmax64(ll) {
				pcf[c] += v / float64(cf)
			}
		}
		sum := 0.0
		for c := range q {
			q[c] /= pcf[c]
			sum += q[c]
		}
		for c := range q {
			q[c] /= sum
		}
	}
	p.Probs, p.Pred = q, argmax(q)
}
