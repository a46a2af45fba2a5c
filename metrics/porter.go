package metrics

import "strings"

// This file: the Porter (1980) stemmer in the variant rouge-score uses, NLTK's
// PorterStemmer in its default NLTK_EXTENSIONS mode (irregular forms,
// "ies"/"ied" on four-letter words, Step 1c only after a consonant, the
// "alli", "bli", "fulli" and "logi" rules of Step 2, and two-letter *o stems).
// It works on lowercase ASCII words, which is all the ROUGE tokenizer
// produces.

var porterIrregular = map[string]string{
	"sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie",
	"news": "news", "innings": "inning", "inning": "inning", "outings": "outing",
	"outing": "outing", "cannings": "canning", "canning": "canning", "howe": "howe",
	"proceed": "proceed", "exceed": "exceed", "succeed": "succeed",
}

// PorterStem stems one lowercase word as NLTK's PorterStemmer().stem does.
func PorterStem(word string) string {
	w := strings.ToLower(word)
	if s, ok := porterIrregular[word]; ok {
		return s
	}
	if len(word) <= 2 {
		return w
	}
	w = step1a(w)
	w = step1b(w)
	w = step1c(w)
	w = step2(w)
	w = step3(w)
	w = step4(w)
	w = step5a(w)
	w = step5b(w)
	return w
}

func isConsonant(w string, i int) bool {
	switch w[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !isConsonant(w, i-1)
	}
	return true
}

// measure is m in [C](VC){m}[V]: the number of vowel→consonant transitions.
func measure(stem string) int {
	m := 0
	for i := 1; i < len(stem); i++ {
		if !isConsonant(stem, i-1) && isConsonant(stem, i) {
			m++
		}
	}
	return m
}

func containsVowel(stem string) bool {
	for i := range len(stem) {
		if !isConsonant(stem, i) {
			return true
		}
	}
	return false
}

func endsDoubleConsonant(w string) bool {
	n := len(w)
	return n >= 2 && w[n-1] == w[n-2] && isConsonant(w, n-1)
}

// endsCVC is condition *o (with NLTK's two-letter extension).
func endsCVC(w string) bool {
	n := len(w)
	if n >= 3 && isConsonant(w, n-3) && !isConsonant(w, n-2) && isConsonant(w, n-1) &&
		w[n-1] != 'w' && w[n-1] != 'x' && w[n-1] != 'y' {
		return true
	}
	return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1)
}

type porterRule struct {
	suffix, repl string
	cond         func(stem string) bool // nil: unconditional
}

// applyRules applies the first rule whose suffix matches (NLTK's
// _apply_rule_list): if its condition fails, the word is returned unchanged
// and no later rule is tried. The suffix "*d" matches a double consonant.
func applyRules(w string, rules []porterRule) string {
	for _, r := range rules {
		if r.suffix == "*d" {
			if endsDoubleConsonant(w) {
				stem := w[:len(w)-2]
				if r.cond == nil || r.cond(stem) {
					return stem + r.repl
				}
				return w
			}
			continue
		}
		if strings.HasSuffix(w, r.suffix) {
			stem := w[:len(w)-len(r.suffix)]
			if r.cond == nil || r.cond(stem) {
				return stem + r.repl
			}
			return w
		}
	}
	return w
}

func positiveMeasure(stem string) bool { return measure(stem) > 0 }

func step1a(w string) string {
	if strings.HasSuffix(w, "ies") && len(w) == 4 {
		return w[:1] + "ie"
	}
	return applyRules(w, []porterRule{{"sses", "ss", nil}, {"ies", "i", nil}, {"ss", "ss", nil}, {"s", "", nil}})
}

func step1b(w string) string {
	if strings.HasSuffix(w, "ied") {
		if len(w) == 4 {
			return w[:1] + "ie"
		}
		return w[:len(w)-3] + "i"
	}
	if strings.HasSuffix(w, "eed") {
		stem := w[:len(w)-3]
		if measure(stem) > 0 {
			return stem + "ee"
		}
		return w
	}
	var stem string
	ok := false
	for _, suf := range []string{"ed", "ing"} {
		if strings.HasSuffix(w, suf) {
			stem = w[:len(w)-len(suf)]
			if containsVowel(stem) {
				ok = true
				break
			}
		}
	}
	if !ok {
		return w
	}
	last := stem[len(stem)-1:]
	return applyRules(stem, []porterRule{
		{"at", "ate", nil},
		{"bl", "ble", nil},
		{"iz", "ize", nil},
		{"*d", last, func(string) bool { return last != "l" && last != "s" && last != "z" }},
		{"", "e", func(s string) bool { return measure(s) == 1 && endsCVC(s) }},
	})
}

func step1c(w string) string {
	return applyRules(w, []porterRule{{"y", "i", func(s string) bool { return len(s) > 1 && isConsonant(s, len(s)-1) }}})
}

func step2(w string) string {
	if strings.HasSuffix(w, "alli") && positiveMeasure(w[:len(w)-4]) {
		return step2(w[:len(w)-4] + "al")
	}
	pm := positiveMeasure
	return applyRules(w, []porterRule{
		{"ational", "ate", pm}, {"tional", "tion", pm}, {"enci", "ence", pm}, {"anci", "ance", pm},
		{"izer", "ize", pm}, {"bli", "ble", pm}, {"alli", "al", pm}, {"entli", "ent", pm},
		{"eli", "e", pm}, {"ousli", "ous", pm}, {"ization", "ize", pm}, {"ation", "ate", pm},
		{"ator", "ate", pm}, {"alism", "al", pm}, {"iveness", "ive", pm}, {"fulness", "ful", pm},
		{"ousness", "ous", pm}, {"aliti", "al", pm}, {"iviti", "ive", pm}, {"biliti", "ble", pm},
		{"fulli", "ful", pm},
		{"logi", "log", func(string) bool { return positiveMeasure(w[:len(w)-3]) }},
	})
}

func step3(w string) string {
	pm := positiveMeasure
	return applyRules(w, []porterRule{
		{"icate", "ic", pm}, {"ative", "", pm}, {"alize", "al", pm}, {"iciti", "ic", pm},
		{"ical", "ic", pm}, {"ful", "", pm}, {"ness", "", pm},
	})
}

func step4(w string) string {
	gt1 := func(s string) bool { return measure(s) > 1 }
	return applyRules(w, []porterRule{
		{"al", "", gt1}, {"ance", "", gt1}, {"ence", "", gt1}, {"er", "", gt1}, {"ic", "", gt1},
		{"able", "", gt1}, {"ible", "", gt1}, {"ant", "", gt1}, {"ement", "", gt1}, {"ment", "", gt1},
		{"ent", "", gt1},
		{"ion", "", func(s string) bool {
			return measure(s) > 1 && (strings.HasSuffix(s, "s") || strings.HasSuffix(s, "t"))
		}},
		{"ou", "", gt1}, {"ism", "", gt1}, {"ate", "", gt1}, {"iti", "", gt1}, {"ous", "", gt1},
		{"ive", "", gt1}, {"ize", "", gt1},
	})
}

func step5a(w string) string {
	if strings.HasSuffix(w, "e") {
		stem := w[:len(w)-1]
		m := measure(stem)
		if m > 1 || (m == 1 && !endsCVC(stem)) {
			return stem
		}
	}
	return w
}

func step5b(w string) string {
	return applyRules(w, []porterRule{{"ll", "l", func(string) bool { return measure(w[:len(w)-1]) > 1 }}})
}
