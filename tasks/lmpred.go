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
	}
	return ""
}

// mcResult is a multiple-choice prediction as ScoreMultipleChoice reads it.
func mcResult(p *Prediction) MCResult {
	r := MCResult{Gold: p.Label, Invalid: textsInvalid(p)}
	for _, t := range p.Texts {
		r.LL = append(r.LL, t.LL)
		r.Greedy = append(r.Greedy, t.Greedy)
		r.Chars = append(r.Chars, t.Chars)
		r.Bytes = append(r.Bytes, t.Bytes)
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
