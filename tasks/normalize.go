package tasks

import (
	"fmt"
	"math"
)

// SumTolerance is how far a row of probabilities may sum from 1 before
// Decode rejects it (or, with ClassificationConfig.Normalize, rescales it).
// It is the tolerance the auto score mode uses to recognise probabilities;
// float32 softmax rounding over thousands of classes stays far inside it.
const SumTolerance = 1e-3

// checkRowSum checks that the probability row of prediction p sums to 1
// within SumTolerance, or rescales it to sum to 1 when normalize is set
// (scikit-learn's log_loss divides each row by its sum). A row with a
// negative entry or a non-positive sum cannot be rescaled.
func checkRowSum(p *Prediction, normalize bool) error {
	var s float64
	for _, v := range p.Probs {
		s += v
	}
	if math.Abs(s-1) <= SumTolerance && !normalize {
		return nil
	}
	if normalize {
		if !(s > 0) {
			return fmt.Errorf("example %d%s: probabilities sum to %v and cannot be normalised", p.Index, idSuffix(p.ID), s)
		}
		for j, v := range p.Probs {
			if v < 0 {
				return fmt.Errorf("example %d%s: class %d: probability %v is negative and cannot be normalised", p.Index, idSuffix(p.ID), j, v)
			}
			p.Probs[j] = v / s
		}
		return nil
	}
	return fmt.Errorf("example %d%s: probabilities sum to %.6g, want 1 within %g; set the task's normalize: true to rescale each row by its sum (as scikit-learn's log_loss does), or scores: logits if the output holds unnormalised scores", p.Index, idSuffix(p.ID), s, SumTolerance)
}

func idSuffix(id string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf(" (id %q)", id)
}
