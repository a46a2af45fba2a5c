package fairness

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// WordPair is one substitution From → To between whole words.
type WordPair struct{ From, To string }

// PronounPairs are English gendered pronouns, male first. With
// [NewTextSubstituter]'s bidirectional mode they map he↔she, him↔her,
// his↔her, himself↔herself, and hers→his. "her" is ambiguous: it is the
// object form of "him" ("I saw her") and the possessive of "his" ("her
// book"); without part-of-speech tags a word list cannot tell them apart,
// so reverse conflicts are resolved by list order and "her" becomes "his"
// (the possessive is the more frequent reading). Likewise "his" becomes
// "her", though predicative "his" ("the book is his") should be "hers".
// Callers who need other choices pass their own list.
var PronounPairs = []WordPair{
	{"he", "she"},
	{"his", "her"},
	{"him", "her"},
	{"himself", "herself"},
	{"his", "hers"},
}

// PairLists zips two equal-length word lists (for example male and female
// first names supplied by the caller) into pairs a[i] → b[i].
func PairLists(a, b []string) ([]WordPair, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("fairness: word lists have %d and %d entries", len(a), len(b))
	}
	out := make([]WordPair, len(a))
	for i := range a {
		out[i] = WordPair{a[i], b[i]}
	}
	return out, nil
}

// TextSubstituter replaces whole words, matched without regard to case,
// and keeps the case pattern of each replaced word.
type TextSubstituter struct {
	to map[string]string // lower-case word → lower-case replacement as given
}

// NewTextSubstituter builds a substituter from pairs. Each From and To must
// be one word: letters, digits and marks only. With bidirectional set,
// every pair also maps To → From; the first pair that claims a word wins,
// so the order of pairs resolves ambiguities (see [PronounPairs]).
// Substitution is simultaneous: "he hit her" → "she hit his", not a chain.
func NewTextSubstituter(pairs []WordPair, bidirectional bool) (*TextSubstituter, error) {
	s := &TextSubstituter{to: map[string]string{}}
	add := func(from, to string) {
		k := strings.ToLower(from)
		if _, ok := s.to[k]; !ok {
			s.to[k] = to
		}
	}
	for i, p := range pairs {
		for _, w := range []string{p.From, p.To} {
			if w == "" || strings.IndexFunc(w, func(r rune) bool { return !isWordRune(r) }) >= 0 {
				return nil, fmt.Errorf("fairness: word pair %d (%q → %q): %q is not a single word", i, p.From, p.To, w)
			}
		}
		add(p.From, p.To)
	}
	if bidirectional {
		for _, p := range pairs {
			add(p.To, p.From)
		}
	}
	return s, nil
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// Substitute replaces every whole word of text found in the substituter's
// table. A word is a maximal run of letters, digits and marks, so "he's"
// becomes "she's" and "the", "shell" or "Hebrew" are left alone. The
// replacement copies the case pattern of the original word: all lower,
// ALL UPPER (words of two or more letters), Title, or else the replacement
// as given. changed reports whether any word was replaced. Invalid UTF-8
// bytes are kept as they are.
func (s *TextSubstituter) Substitute(text string) (out string, changed bool) {
	var b strings.Builder
	b.Grow(len(text))
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError || !isWordRune(r) {
			b.WriteString(text[i : i+size])
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if r == utf8.RuneError || !isWordRune(r) {
				break
			}
			j += size
		}
		word := text[i:j]
		if to, ok := s.to[strings.ToLower(word)]; ok {
			rep := matchCase(word, to)
			if rep != word {
				changed = true
			}
			b.WriteString(rep)
		} else {
			b.WriteString(word)
		}
		i = j
	}
	return b.String(), changed
}

// SubstituteAll applies Substitute to every text and returns the changed
// flags that [Counterfactual].Changed expects.
func (s *TextSubstituter) SubstituteAll(texts []string) (out []string, changed []bool) {
	out = make([]string, len(texts))
	changed = make([]bool, len(texts))
	for i, t := range texts {
		out[i], changed[i] = s.Substitute(t)
	}
	return out, changed
}

// matchCase gives to the case pattern of word.
func matchCase(word, to string) string {
	letters, upper, lower := 0, 0, 0
	for _, r := range word {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			} else if unicode.IsLower(r) {
				lower++
			}
		}
	}
	first, _ := utf8.DecodeRuneInString(word)
	switch {
	case upper == 0:
		return strings.ToLower(to)
	case upper == letters && letters > 1:
		return strings.ToUpper(to)
	case upper == 1 && unicode.IsUpper(first):
		t := []rune(strings.ToLower(to))
		t[0] = unicode.ToTitle(t[0])
		return string(t)
	default:
		return to
	}
}
