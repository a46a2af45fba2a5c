package metrics

import (
	"fmt"
	"math"
	"slices"
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
// kind is "rouge1" … "rouge9" (ROUGE-N), "rougeL" (LCS of the whole texts)
// or "rougeLsum" (summary-level LCS over newline-separated sentences,
// ROUGE-1.5.5's union LCS without double counting). With several
// references the score is that of the reference with the highest F
// (rouge-score's score_multi); with none, all three are NaN.
func Rouge(kind, prediction string, references []string, stem bool) (RougeScore, error) {
	n := 0
	switch {
	case kind == "rougeL":
	case kind == "rougeLsum":
		n = -1
	case len(kind) == 6 && strings.HasPrefix(kind, "rouge") && kind[5] >= '1' && kind[5] <= '9':
		n = int(kind[5] - '0')
	default:
		return RougeScore{}, fmt.Errorf("metrics: unknown ROUGE type %q: want rouge1 … rouge9, rougeL or rougeLsum", kind)
	}
	if len(references) == 0 {
		return RougeScore{math.NaN(), math.NaN(), math.NaN()}, nil
	}
	pred := RougeTokenize(prediction, stem)
	best := RougeScore{F: -1}
	for _, r := range references {
		ref := RougeTokenize(r, stem)
		var s RougeScore
		if n == -1 {
			s = rougeLsum(rougeSents(r, stem), rougeSents(prediction, stem))
		} else if n == 0 {
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

// rougeSents splits text at newlines, drops empty lines and tokenizes each
// (rouge-score's get_sents without split_summaries).
func rougeSents(text string, stem bool) [][]string {
	var out [][]string
	for _, s := range strings.Split(text, "\n") {
		if s != "" {
			out = append(out, RougeTokenize(s, stem))
		}
	}
	return out
}

// rougeLsum is rouge-score's _summary_level_lcs.
func rougeLsum(refSents, candSents [][]string) RougeScore {
	m, n := 0, 0
	cntR, cntC := map[string]int{}, map[string]int{}
	for _, s := range refSents {
		m += len(s)
		for _, t := range s {
			cntR[t]++
		}
	}
	for _, s := range candSents {
		n += len(s)
		for _, t := range s {
			cntC[t]++
		}
	}
	if m == 0 || n == 0 {
		return RougeScore{}
	}
	hits := 0
	for _, r := range refSents {
		union := map[int]bool{}
		for _, c := range candSents {
			for _, i := range lcsIndices(r, c) {
				union[i] = true
			}
		}
		for i, t := range r {
			if union[i] && cntC[t] > 0 && cntR[t] > 0 {
				hits++
				cntC[t]--
				cntR[t]--
			}
		}
	}
	p := float64(hits) / float64(n)
	rc := float64(hits) / float64(m)
	return RougeScore{p, rc, rougeFmeasure(p, rc)}
}

// lcsIndices returns the indices into ref of one longest common
// subsequence of ref and can, read back as rouge-score's _backtrack_norec
// does (on ties it moves up in ref).
func lcsIndices(ref, can []string) []int {
	t := make([][]int, len(ref)+1)
	for i := range t {
		t[i] = make([]int, len(can)+1)
	}
	for i := 1; i <= len(ref); i++ {
		for j := 1; j <= len(can); j++ {
			if ref[i-1] == can[j-1] {
				t[i][j] = t[i-1][j-1] + 1
			} else {
				t[i][j] = max(t[i-1][j], t[i][j-1])
			}
		}
	}
	var out []int
	for i, j := len(ref), len(can); i > 0 && j > 0; {
		switch {
		case ref[i-1] == can[j-1]:
			out = append(out, i-1)
			i--
			j--
		case t[i][j-1] > t[i-1][j]:
			j--
		default:
			i--
		}
	}
	slices.Reverse(out)
	return out
}
