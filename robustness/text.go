package robustness

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Probabilities per severity (evalctl's choice, in the range HELM's
// robustness perturbations use: typo 0.01–0.1 per character, misspelling
// 0.1 per word, contraction/expansion on every match).
var (
	// textCharProb is the chance per letter (typos, swaps, drops, inserts).
	textCharProb = [MaxSeverity]float64{0.02, 0.04, 0.06, 0.08, 0.10}
	// textWordProb is the chance per word or per gap between words (case,
	// whitespace).
	textWordProb = [MaxSeverity]float64{0.1, 0.2, 0.3, 0.4, 0.5}
	// textMatchProb is the chance per match (punctuation marks,
	// contractions, expansions).
	textMatchProb = [MaxSeverity]float64{0.2, 0.4, 0.6, 0.8, 1.0}
)

// PerturbText is a convenience that derives the random source with
// ExampleRNG(seed, name, severity, index).
func PerturbText(name, s string, seed uint64, severity, index int) (string, error) {
	tp, err := LookupText(name)
	if err != nil {
		return "", err
	}
	out, err := tp.Apply(s, severity, ExampleRNG(seed, name, severity, index))
	if err != nil {
		return "", fmt.Errorf("example %d: %w", index, err)
	}
	return out, nil
}

type textPert struct {
	base
	fn func(r []rune, p float64, rng *rand.Rand) []rune
	pr *[MaxSeverity]float64
}

func (t *textPert) Apply(s string, severity int, rng *rand.Rand) (string, error) {
	if err := checkSeverity(t.name, severity); err != nil {
		return "", err
	}
	if rng == nil {
		return "", errors.New(t.name + ": nil random source")
	}
	out := string(t.fn([]rune(s), t.pr[severity-1], rng))
	if !utf8.ValidString(out) { // cannot happen: []rune→string always encodes validly
		out = strings.ToValidUTF8(out, "\uFFFD")
	}
	return out, nil
}

func init() {
	register(&textPert{base{"keyboard_typo", KindText, paramStrings("p_char=%g", textCharProb)}, keyboardTypo, &textCharProb})
	register(&textPert{base{"char_swap", KindText, paramStrings("p_char=%g", textCharProb)}, charSwap, &textCharProb})
	register(&textPert{base{"char_drop", KindText, paramStrings("p_char=%g", textCharProb)}, charDrop, &textCharProb})
	register(&textPert{base{"char_insert", KindText, paramStrings("p_char=%g", textCharProb)}, charInsert, &textCharProb})
	register(&textPert{base{"case_change", KindText, paramStrings("p_word=%g", textWordProb)}, caseChange, &textWordProb})
	register(&textPert{base{"whitespace", KindText, paramStrings("p_gap=%g", textWordProb)}, whitespace, &textWordProb})
	register(&textPert{base{"punctuation", KindText, paramStrings("p_mark=%g", textMatchProb)}, punctuation, &textMatchProb})
	register(&textPert{base{"contraction", KindText, paramStrings("p_match=%g", textMatchProb)}, contract, &textMatchProb})
	register(&textPert{base{"expansion", KindText, paramStrings("p_match=%g", textMatchProb)}, expand, &textMatchProb})
}

// qwertyNeighbours lists the keys adjacent to each letter on a US QWERTY
// keyboard (same row and the rows above and below).
var qwertyNeighbours = map[rune]string{
	'q': "wa", 'w': "qeas", 'e': "wrsd", 'r': "etdf", 't': "ryfg", 'y': "tugh", 'u': "yihj", 'i': "uojk", 'o': "ipkl", 'p': "ol",
	'a': "qwsz", 's': "weadzx", 'd': "erfsxc", 'f': "rtdgcv", 'g': "tyfhvb", 'h': "yugjbn", 'j': "uihknm", 'k': "iojlm", 'l': "opk",
	'z': "asx", 'x': "zsdc", 'c': "xdfv", 'v': "cfgb", 'b': "vghn", 'n': "bhjm", 'm': "njk",
}

// neighbour returns a random QWERTY neighbour of an ASCII letter with the
// same case, and false for any other rune.
func neighbour(r rune, rng *rand.Rand) (rune, bool) {
	lower := unicode.ToLower(r)
	nb, ok := qwertyNeighbours[lower]
	if !ok {
		return r, false
	}
	out := rune(nb[rng.IntN(len(nb))])
	if lower != r {
		out = unicode.ToUpper(out)
	}
	return out, true
}

// keyboardTypo replaces each ASCII letter, with probability p, by a random
// QWERTY neighbour of the same case.
func keyboardTypo(r []rune, p float64, rng *rand.Rand) []rune {
	for i, c := range r {
		if _, ok := qwertyNeighbours[unicode.ToLower(c)]; ok && rng.Float64() < p {
			r[i], _ = neighbour(c, rng)
		}
	}
	return r
}

// charSwap swaps, with probability p, each letter with the following letter
// (non-overlapping).
func charSwap(r []rune, p float64, rng *rand.Rand) []rune {
	for i := 0; i+1 < len(r); i++ {
		if unicode.IsLetter(r[i]) && unicode.IsLetter(r[i+1]) && r[i] != r[i+1] && rng.Float64() < p {
			r[i], r[i+1] = r[i+1], r[i]
			i++
		}
	}
	return r
}

// charDrop deletes each letter or digit with probability p.
func charDrop(r []rune, p float64, rng *rand.Rand) []rune {
	out := r[:0]
	for _, c := range r {
		if (unicode.IsLetter(c) || unicode.IsDigit(c)) && rng.Float64() < p {
			continue
		}
		out = append(out, c)
	}
	return out
}

// charInsert inserts after each letter, with probability p, a QWERTY
// neighbour of it (a doubled letter for non-ASCII letters).
func charInsert(r []rune, p float64, rng *rand.Rand) []rune {
	out := make([]rune, 0, len(r)+len(r)/8)
	for _, c := range r {
		out = append(out, c)
		if unicode.IsLetter(c) && rng.Float64() < p {
			nb, _ := neighbour(c, rng)
			out = append(out, nb)
		}
	}
	return out
}

// words calls fn for each maximal run of non-space runes [i, j).
func words(r []rune, fn func(i, j int)) {
	for i := 0; i < len(r); {
		if unicode.IsSpace(r[i]) {
			i++
			continue
		}
		j := i
		for j < len(r) && !unicode.IsSpace(r[j]) {
			j++
		}
		fn(i, j)
		i = j
	}
}

// caseChange, with probability p per word, upper-cases a word that has a
// lower-case letter and lower-cases any other word.
func caseChange(r []rune, p float64, rng *rand.Rand) []rune {
	words(r, func(i, j int) {
		if rng.Float64() >= p {
			return
		}
		hasLower := false
		for _, c := range r[i:j] {
			hasLower = hasLower || unicode.IsLower(c)
		}
		for k := i; k < j; k++ {
			if hasLower {
				r[k] = unicode.ToUpper(r[k])
			} else {
				r[k] = unicode.ToLower(r[k])
			}
		}
	})
	return r
}

// whitespace appends, with probability p per whitespace run between two
// words, 1 to 3 extra spaces to the run.
func whitespace(r []rune, p float64, rng *rand.Rand) []rune {
	out := make([]rune, 0, len(r)+len(r)/4)
	for i := 0; i < len(r); {
		if !unicode.IsSpace(r[i]) {
			out = append(out, r[i])
			i++
			continue
		}
		j := i
		for j < len(r) && unicode.IsSpace(r[j]) {
			j++
		}
		out = append(out, r[i:j]...)
		if i > 0 && j < len(r) && rng.Float64() < p {
			for range 1 + rng.IntN(3) {
				out = append(out, ' ')
			}
		}
		i = j
	}
	return out
}

const punctuationMarks = ".,;:!?"

// punctuation changes each punctuation mark (Unicode category P) with
// probability p: half the time it is deleted, otherwise replaced by a
// different mark from ".,;:!?".
func punctuation(r []rune, p float64, rng *rand.Rand) []rune {
	out := r[:0]
	for _, c := range r {
		if unicode.IsPunct(c) && rng.Float64() < p {
			if rng.IntN(2) == 0 {
				continue
			}
			for {
				m := rune(punctuationMarks[rng.IntN(len(punctuationMarks))])
				if m != c {
					c = m
					break
				}
			}
		}
		out = append(out, c)
	}
	return out
}
