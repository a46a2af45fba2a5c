package robustness

import (
	"math"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleText = "The quick brown fox doesn't jump over the lazy dog, and I am sure it is not tired. " +
	"We will see: they are late! Do not worry; it's fine."

func mustText(t testing.TB, name, s string, sev, idx int) string {
	t.Helper()
	out, err := PerturbText(name, s, 11, sev, idx)
	require.NoError(t, err)
	return out
}

func TestTextNamesAndDeterminism(t *testing.T) {
	assert.Equal(t, []string{"case_change", "char_drop", "char_insert", "char_swap", "contraction", "expansion",
		"keyboard_typo", "punctuation", "whitespace"}, Names(KindText))
	for _, name := range Names(KindText) {
		for sev := 1; sev <= MaxSeverity; sev++ {
			a := mustText(t, name, sampleText, sev, 4)
			assert.Equal(t, a, mustText(t, name, sampleText, sev, 4), "%s/%d", name, sev)
			assert.True(t, utf8.ValidString(a))
		}
		// At the top severity every perturbation changes this text.
		assert.NotEqual(t, sampleText, mustText(t, name, sampleText, MaxSeverity, 4), name)
		tp, _ := LookupText(name)
		_, err := tp.Apply("x", 6, ExampleRNG(0, name, 6, 0))
		assert.ErrorContains(t, err, "severity 6 out of range")
		_, err = tp.Apply("x", 1, nil)
		assert.ErrorContains(t, err, "nil random source")
	}
}

// longText repeats a pangram so that rates can be measured.
var longText = strings.Repeat("pack my box with five dozen liquor jugs ", 250)

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// TestKeyboardTypoRate: every changed letter is a QWERTY neighbour of the
// original, and the share of changed letters is p_char (0.02 … 0.10)
// within 4 standard errors.
func TestKeyboardTypoRate(t *testing.T) {
	src := []rune(longText)
	n := float64(letters(longText))
	for sev, p := range textCharProb {
		out := []rune(mustText(t, "keyboard_typo", longText, sev+1, 0))
		require.Len(t, out, len(src))
		changed := 0
		for i := range src {
			if out[i] != src[i] {
				changed++
				assert.Contains(t, qwertyNeighbours[src[i]], string(out[i]))
			}
		}
		se := (p * (1 - p) / n)
		assert.InDelta(t, p, float64(changed)/n, 4*math.Sqrt(se), "severity %d", sev+1)
	}
}

// TestCharEditRates: drops remove p_char of the letters and digits,
// inserts add p_char·letters runes, swaps keep the multiset of runes.
func TestCharEditRates(t *testing.T) {
	n := float64(letters(longText))
	for sev, p := range textCharProb {
		tol := 4 * math.Sqrt(p*(1-p)*n)
		drop := mustText(t, "char_drop", longText, sev+1, 0)
		assert.InDelta(t, p*n, float64(len(longText)-len(drop)), tol, "drop severity %d", sev+1)
		ins := mustText(t, "char_insert", longText, sev+1, 0)
		assert.InDelta(t, p*n, float64(len(ins)-len(longText)), tol, "insert severity %d", sev+1)
		sw := mustText(t, "char_swap", longText, sev+1, 0)
		assert.Equal(t, sortedRunes(longText), sortedRunes(sw))
		assert.NotEqual(t, longText, sw)
	}
}

func sortedRunes(s string) map[rune]int {
	m := map[rune]int{}
	for _, r := range s {
		m[r]++
	}
	return m
}

// TestWordLevelInvariants: case_change only changes case, whitespace only
// adds spaces between words, punctuation only touches punctuation marks.
func TestWordLevelInvariants(t *testing.T) {
	for sev := 1; sev <= MaxSeverity; sev++ {
		c := mustText(t, "case_change", sampleText, sev, 2)
		assert.Equal(t, strings.ToLower(sampleText), strings.ToLower(c))
		w := mustText(t, "whitespace", sampleText, sev, 2)
		assert.Equal(t, strings.Fields(sampleText), strings.Fields(w))
		assert.Greater(t, len(w), len(sampleText)-1)
		p := mustText(t, "punctuation", sampleText, sev, 2)
		strip := func(s string) string {
			return strings.Map(func(r rune) rune {
				if unicode.IsPunct(r) || strings.ContainsRune(punctuationMarks, r) {
					return -1
				}
				return r
			}, s)
		}
		assert.Equal(t, strip(sampleText), strip(p))
	}
}

// TestContractionExpansion: at severity 5 every listed match is replaced
// (p = 1); the expected strings are written by hand from the Contractions
// list, keeping the first letter's case and all-caps words.
func TestContractionExpansion(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"contraction", "I am sure it is not tired. Do not worry, we will see.", "I'm sure it's not tired. Don't worry, we'll see."},
		{"contraction", "You cannot say DO NOT.", "You can't say DON'T."},
		{"contraction", "do  not (two spaces) stays", "do  not (two spaces) stays"},
		{"expansion", "I'm sure it's fine. Don't worry, we’ll see; WON'T.", "I am sure it is fine. Do not worry, we will see; WILL NOT."},
		{"expansion", "Can't stop", "Cannot stop"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, mustText(t, c.name, c.in, 5, 0), "%s(%q)", c.name, c.in)
	}
	// Round trip of the whole list at p = 1, lower case.
	for _, p := range Contractions {
		assert.Equal(t, p[1], mustText(t, "expansion", p[0], 5, 0))
		assert.Equal(t, p[0], mustText(t, "contraction", p[1], 5, 0))
	}
}

func TestTextInvalidUTF8(t *testing.T) {
	for _, name := range Names(KindText) {
		out := mustText(t, name, "ab\xffcd\xc3", 5, 0)
		assert.True(t, utf8.ValidString(out), name)
	}
}

// FuzzTextPerturbations: no text perturbation panics on arbitrary input and
// every output is valid UTF-8.
func FuzzTextPerturbations(f *testing.F) {
	f.Add(sampleText, uint8(3), uint64(1))
	f.Add("don’t\xff\u00e9\u0130 İSTANBUL  ", uint8(5), uint64(2))
	f.Add("", uint8(1), uint64(0))
	names := Names(KindText)
	f.Fuzz(func(t *testing.T, s string, sev uint8, seed uint64) {
		severity := 1 + int(sev)%MaxSeverity
		for _, name := range names {
			out, err := PerturbText(name, s, seed, severity, 0)
			if err != nil {
				t.Fatalf("%s(%q): %v", name, s, err)
			}
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q, invalid UTF-8", name, s, out)
			}
		}
	})
}
