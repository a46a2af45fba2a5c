package metrics

import (
	"fmt"
	"math"
	"strings"
)

// This file: ROUGE-N and ROUGE-L (Lin 2004) with the semantics of Google's
// rouge-score package (rouge_scorer.RougeScorer), which replicates
// ROUGE-1.5.5 without its stop-word removal: lowercase, every run of
// characters other than [a-z0-9] is a separator, optional Porter stemming of
// tokens longer than 3 characters, n-gram overlap with multiplicity, and the
// longest common subsequence for L. Scores are in [0, 1]; the corpus value
// is the mean of per-example scores (rouge-score's BootstrapAggregator mid),
// so BootstrapMeanCI and PairedBootstrap apply to RougeScore.F directly.

// RougeScore is one example's ROUGE precision, recall and F-measure
// (β = 1).
type RougeScore struct {
	Precision, Recall, F float64
}

// RougeTokenize is rouge-score's tokenizer: lowercase, replace every run of
// characters outside [a-z0-9] with a space, split, and with stem stem each
// token longer than 3 characters with PorterStem.
func RougeTokenize(text string, stem bool) []string {
	text = strings.ToLower(text)
	toks := strings.FieldsFunc(text, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if stem {
		for i, t := range toks {
			if len(t) > 3 {
				toks[i] = PorterStem(t)
			}
		}
	}
	return toks
}

// Rouge computes one ROUGE type for one prediction against its references.
// kind is "rouge1" … "rouge9" (ROUGE-N) or "rougeL". With several
// references the score is that of the reference with the highest F
// (rouge-score's score_multi); with none, all three are NaN.
func Rouge(kind, prediction string, references []string, stem bool) (RougeScore, error) {
	n := 0
	switch {
	case kind == "rougeL":
	case len(kind) == 6 && strings.HasPrefix(kind, "rouge") && kind[5] >= '1' && kind[5] <= '9':
		n = int(kind[5] - '0')
	default:
		return RougeScore{}, fmt.Errorf("metrics: unknown ROUGE type %q: want rouge1 … rouge9 or rougeL", kind)
	}
	if len(references) == 0 {
		return RougeScore{math.NaN(), math.NaN(), math.NaN()}, nil
	}
	pred := RougeTokenize(prediction, stem)
	best := RougeScore{F: -1}
	for _, r := range references {
		ref := RougeTokenize(r, stem)
		var s RougeScore
		if n == 0 {
			s = rougeLCS(ref, pred)
		} else {
			s = rougeN(ref, pred, n)
		}
		if s.F > best.F {
			best = s
		}
	}
	return best, nil
}

func rougeFmeasure(p, r float64) float64 {
	if p+r > 0 {
		return 2 * p * r / (p + r)
	}
	return 0
}

func rougeN(ref, pred []string, n int) RougeScore {
	grams := func(t []string) (map[string]int, int) {
		m := map[string]int{}
		total := 0
		for i := 0; i+n <= len(t); i++ {
			m[strings.Join(t[i:i+n], " ")]++
			total++
		}
		return m, total
	}
	rg, rn := grams(ref)
	pg, pn := grams(pred)
	inter := 0
	for g, c := range rg {
		inter += min(c, pg[g])
	}
	p := float64(inter) / float64(max(pn, 1))
	r := float64(inter) / float64(max(rn, 1))
	return RougeScore{p, r, rougeFmeasure(p, r)}
}

func rougeLCS(ref, pred []string) RougeScore {
	if len(ref) == 0 || len(pred) == 0 {
		return RougeScore{}
	}
	prev := make([]int, len(pred)+1)
	cur := make([]int, len(pred)+1)
	for i := 1; i <= len(ref); i++ {
		for j := 1; j <= len(pred); j++ {
			if ref[i-1] == pred[j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	lcs := float64(prev[len(pred)])
	p := lcs / float64(len(pred))
	r := lcs / float64(len(ref))
	return RougeScore{p, r, rougeFmeasure(p, r)}
}
