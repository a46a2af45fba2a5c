package robustness

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// Contractions is the documented list used by the "contraction" and
// "expansion" perturbations: each entry maps a contraction to its
// expansion. Ambiguous contractions expand to one reading ("it's" → "it is",
// "I'd" → "I would"). The list follows the common English contractions in
// HELM's contraction/expansion perturbations (Liang et al. 2022).
var Contractions = [][2]string{
	{"aren't", "are not"}, {"can't", "cannot"}, {"couldn't", "could not"},
	{"didn't", "did not"}, {"doesn't", "does not"}, {"don't", "do not"},
	{"hadn't", "had not"}, {"hasn't", "has not"}, {"haven't", "have not"},
	{"isn't", "is not"}, {"mustn't", "must not"}, {"shouldn't", "should not"},
	{"wasn't", "was not"}, {"weren't", "were not"}, {"won't", "will not"},
	{"wouldn't", "would not"},
	{"I'm", "I am"}, {"I've", "I have"}, {"I'll", "I will"}, {"I'd", "I would"},
	{"you're", "you are"}, {"you've", "you have"}, {"you'll", "you will"},
	{"we're", "we are"}, {"we've", "we have"}, {"we'll", "we will"},
	{"they're", "they are"}, {"they've", "they have"}, {"they'll", "they will"},
	{"he's", "he is"}, {"she's", "she is"}, {"it's", "it is"},
	{"that's", "that is"}, {"there's", "there is"}, {"what's", "what is"},
	{"let's", "let us"},
}

var contractMap, expandMap = func() (c, e map[string]string) {
	c, e = map[string]string{}, map[string]string{}
	for _, p := range Contractions {
		e[strings.ToLower(p[0])] = p[1]
		c[strings.ToLower(p[1])] = p[0]
	}
	return c, e
}()

func isWordRune(c rune) bool { return unicode.IsLetter(c) || c == '\'' || c == '’' }

// matchCase gives repl the case pattern of orig: all upper if orig is all
// upper with more than one letter, first letter upper if orig's is,
// otherwise repl as listed.
func matchCase(orig, repl string) string {
	if strings.ToUpper(orig) == orig && strings.ToLower(orig) != orig && len([]rune(orig)) > 1 {
		return strings.ToUpper(repl)
	}
	first := []rune(orig)[0]
	if unicode.IsUpper(first) {
		rr := []rune(repl)
		rr[0] = unicode.ToUpper(rr[0])
		return string(rr)
	}
	return repl
}

// token is a run of word runes (letters and apostrophes) or of other runes.
type token struct {
	s    string
	word bool
}

func tokenize(r []rune) []token {
	var out []token
	for i := 0; i < len(r); {
		w := isWordRune(r[i])
		j := i
		for j < len(r) && isWordRune(r[j]) == w {
			j++
		}
		out = append(out, token{string(r[i:j]), w})
		i = j
	}
	return out
}

func normApostrophe(s string) string { return strings.ReplaceAll(strings.ToLower(s), "’", "'") }

// contract replaces, with probability p per match, a listed expansion by its
// contraction: two words separated by exactly one space ("do not" →
// "don't"), or the single word "cannot" → "can't".
func contract(r []rune, p float64, rng *rand.Rand) []rune {
	toks := tokenize(r)
	var b strings.Builder
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.word {
			if c, ok := contractMap[normApostrophe(t.s)]; ok && rng.Float64() < p {
				b.WriteString(matchCase(t.s, c))
				continue
			}
			if i+2 < len(toks) && toks[i+1].s == " " && toks[i+2].word {
				key := normApostrophe(t.s) + " " + normApostrophe(toks[i+2].s)
				if c, ok := contractMap[key]; ok && rng.Float64() < p {
					b.WriteString(matchCase(t.s, c))
					i += 2
					continue
				}
			}
		}
		b.WriteString(t.s)
	}
	return []rune(b.String())
}

// expand replaces, with probability p per match, a listed contraction by its
// expansion ("don't" → "do not"; a typographic apostrophe ’ also matches).
func expand(r []rune, p float64, rng *rand.Rand) []rune {
	toks := tokenize(r)
	var b strings.Builder
	for _, t := range toks {
		if t.word {
			if e, ok := expandMap[normApostrophe(t.s)]; ok && rng.Float64() < p {
				b.WriteString(matchCase(t.s, e))
				continue
			}
		}
		b.WriteString(t.s)
	}
	return []rune(b.String())
}
