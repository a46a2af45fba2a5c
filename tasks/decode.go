package tasks

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Sampler chooses the next token from a row of logits: greedily (the
// zero value) or by sampling with a temperature, top-k and top-p
// (nucleus) filtering, as Hugging Face's generate applies them
// (temperature, then top-k, then top-p).
type Sampler struct {
	// Sample turns sampling on; off, the token is the argmax (the lowest id
	// on ties).
	Sample bool
	// Temperature divides the logits (> 0; 1 leaves them).
	Temperature float64
	// TopK keeps the k highest logits (0: all).
	TopK int
	// TopP keeps the smallest set of most likely tokens whose
	// probabilities sum to at least TopP (0 or 1: all).
	TopP float64
}

// Next returns the next token id for one row of logits. rng is only used
// when sampling; each example has its own, so the choice does not depend
// on the batch.
func (s Sampler) Next(logits []float32, rng *rand.Rand) int {
	if !s.Sample {
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		return best
	}
	t := s.Temperature
	if t <= 0 {
		t = 1
	}
	type cand struct {
		id int
		z  float64
	}
	cs := make([]cand, len(logits))
	for i, v := range logits {
		cs[i] = cand{i, float64(v) / t}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].z > cs[b].z })
	if s.TopK > 0 && s.TopK < len(cs) {
		cs = cs[:s.TopK]
	}
	// Softmax over the kept candidates (largest first).
	p := make([]float64, len(cs))
	sum := 0.0
	for i, c := range cs {
		p[i] = math.Exp(c.z - cs[0].z)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	if s.TopP > 0 && s.TopP < 1 {
		acc := 0.0
		for i := range p {
			acc += p[i]
			if acc >= s.TopP {
				cs, p = cs[:i+1], p[:i+1]
				break
			}
		}
		sum = 0
		for _, x := range p {
			sum += x
		}
		for i := range p {
			p[i] /= sum
		}
	}
	u := rng.Float64()
	for i, x := range p {
		u -= x
		if u < 0 {
			return cs[i].id
		}
	}
	return cs[len(cs)-1].id
}
