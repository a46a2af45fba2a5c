package metrics

import (
	"math"
	"strings"
	"unicode"
)

// This file: exact match and token F1 of generated answers, as the official
// SQuAD v1.1 evaluation script (evaluate-v1.1.py: normalize_answer,
// exact_match_score, f1_score, metric_max_over_ground_truths) computes them.
// Per-example values are in [0, 1]; the corpus value is their mean (the
// script reports 100 × the mean), so BootstrapMeanCI and PairedBootstrap
// apply to the per-example values directly.

// squadPunct is Python's string.punctuation, which normalize_answer removes.
const squadPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// NormalizeAnswer is SQuAD's normalize_answer: lowercase, remove ASCII
// punctuation, remove the articles "a", "an" and "the" (as whole words:
// Python's \b(a|an|the)\b), and collapse runs of whitespace into single
// spaces with none at either end.
func NormalizeAnswer(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x80 && strings.ContainsRune(squadPunct, r) {
			return -1
		}
		return r
	}, s)
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		if pyWord(rs[i]) && (i == 0 || !pyWord(rs[i-1])) {
			j := i
			for j < len(rs) && pyWord(rs[j]) {
				j++
			}
			if w := string(rs[i:j]); w == "a" || w == "an" || w == "the" {
				b.WriteByte(' ')
			} else {
				b.WriteString(w)
			}
			i = j
			continue
		}
		b.WriteRune(rs[i])
		i++
	}
	return strings.Join(pyFields(b.String()), " ")
}

// pyWord reports whether r is a word character of Python's re module on str
// patterns (\w: alphanumeric or underscore).
func pyWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// pySpace reports whether r is whitespace for Python's str.split() and
// str.isspace(): Go's unicode.IsSpace plus the ASCII separators U+001C–U+001F.
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyFields splits s like Python's str.split() with no argument.
func pyFields(s string) []string {
	return strings.FieldsFunc(s, pySpace)
}

// ExactMatch is SQuAD's exact-match score of one prediction: 1 if the
// normalised prediction equals the normalised form of any reference, else 0.
// With no references it is NaN.
func ExactMatch(prediction string, references []string) float64 {
	if len(references) == 0 {
		return math.NaN()
	}
	p := NormalizeAnswer(prediction)
	for _, r := range references {
		if NormalizeAnswer(r) == p {
			return 1
		}
	}
	return 0
}

// TokenF1 is SQuAD v1.1's f1_score maximised over the references
// (metric_max_over_ground_truths): the harmonic mean of precision and recall
// of the normalised prediction's whitespace tokens against a reference's,
// counting common tokens with multiplicity (a multiset intersection). It is
// 0 when no token is shared, including when either side normalises to
// nothing. With no references it is NaN.
func TokenF1(prediction string, references []string) float64 {
	if len(references) == 0 {
		return math.NaN()
	}
	p := pyFields(NormalizeAnswer(prediction))
	best := 0.0
	for _, r := range references {
		if f := tokenF1(p, pyFields(NormalizeAnswer(r))); f > best {
			best = f
		}
	}
	return best
}

func tokenF1(pred, ref []string) float64 {
	counts := make(map[string]int, len(ref))
	for _, t := range ref {
		counts[t]++
	}
	same := 0
	for _, t := range pred {
		if counts[t] > 0 {
			counts[t]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	prec := float64(same) / float64(len(pred))
	rec := float64(same) / float64(len(ref))
	return 2 * prec * rec / (prec + rec)
}
