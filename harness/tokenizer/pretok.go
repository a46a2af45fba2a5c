package tokenizer

import (
	"regexp"
	"unicode"
	"unicode/utf8"
)

// preTokenizer splits normalized pieces into smaller pieces (words) for the model.
type preTokenizer interface {
	preTokenize(pieces []nstr) []nstr
}

// Split behaviours, as named in tokenizer.json ("behavior").
const (
	behRemoved            = "Removed"
	behIsolated           = "Isolated"
	behMergedWithPrevious = "MergedWithPrevious"
	behMergedWithNext     = "MergedWithNext"
	behContiguous         = "Contiguous"
)

type segment struct {
	start, end int
	match      bool
}

// splitMatches splits s at the given rune ranges (sorted, non-overlapping) with the Hugging Face
// SplitDelimiterBehavior semantics.
func splitMatches(s nstr, matches [][2]int, behavior string, invert bool) []nstr {
	var segs []segment
	prev := 0
	for _, m := range matches {
		if m[0] == m[1] {
			continue
		}
		if m[0] > prev {
			segs = append(segs, segment{prev, m[0], false})
		}
		segs = append(segs, segment{m[0], m[1], true})
		prev = m[1]
	}
	if prev < len(s.r) {
		segs = append(segs, segment{prev, len(s.r), false})
	}
	if invert {
		for i := range segs {
			segs[i].match = !segs[i].match
		}
	}
	var out []segment
	switch behavior {
	case behRemoved:
		for _, g := range segs {
			if !g.match {
				out = append(out, g)
			}
		}
	case behMergedWithPrevious:
		prevMatch := false
		for _, g := range segs {
			if g.match && !prevMatch && len(out) > 0 {
				out[len(out)-1].end = g.end
			} else {
				out = append(out, g)
			}
			prevMatch = g.match
		}
	case behMergedWithNext:
		prevMatch := false
		for i := len(segs) - 1; i >= 0; i-- {
			g := segs[i]
			if g.match && !prevMatch && len(out) > 0 {
				out[len(out)-1].start = g.start
			} else {
				out = append(out, g)
			}
			prevMatch = g.match
		}
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	case behContiguous:
		prevMatch := false
		for i, g := range segs {
			if i > 0 && g.match == prevMatch {
				out[len(out)-1].end = g.end
			} else {
				out = append(out, g)
			}
			prevMatch = g.match
		}
	default: // Isolated
		out = segs
	}
	res := make([]nstr, 0, len(out))
	for _, g := range out {
		if g.end > g.start {
			res = append(res, s.slice(g.start, g.end))
		}
	}
	return res
}

func eachPiece(pieces []nstr, f func(nstr) []nstr) []nstr {
	var out []nstr
	for _, p := range pieces {
		out = append(out, f(p)...)
	}
	return out
}

// isWhitespace reports the Unicode White_Space property (Rust char::is_whitespace).
func isWhitespace(r rune) bool { return unicode.IsSpace(r) }

// isBertPunct reports ASCII punctuation or a Unicode P* character, as BERT does.
func isBertPunct(r rune) bool {
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) {
		return true
	}
	return unicode.IsPunct(r)
}

// bertPreTokenizer splits on white space (removed) and isolates each punctuation character.
type bertPreTokenizer struct{}

func (bertPreTokenizer) preTokenize(pieces []nstr) []nstr {
	return eachPiece(pieces, func(s nstr) []nstr {
		var out []nstr
		start := -1
		for i, r := range s.r {
			ws, p := isWhitespace(r), isBertPunct(r)
			if ws || p {
				if start >= 0 {
					out = append(out, s.slice(start, i))
					start = -1
				}
				if p {
					out = append(out, s.slice(i, i+1))
				}
			} else if start < 0 {
				start = i
			}
		}
		if start >= 0 {
			out = append(out, s.slice(start, len(s.r)))
		}
		return out
	})
}

// whitespaceSplit splits on white space, which is removed.
type whitespaceSplit struct{}

func (whitespaceSplit) preTokenize(pieces []nstr) []nstr {
	return eachPiece(pieces, func(s nstr) []nstr {
		return runClasses(s, func(r rune) int {
			if isWhitespace(r) {
				return -1
			}
			return 0
		})
	})
}

// whitespacePre implements the regex \w+|[^\w\s]+ (the "Whitespace" pre-tokenizer).
type whitespacePre struct{}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r)
}

func (whitespacePre) preTokenize(pieces []nstr) []nstr {
	return eachPiece(pieces, func(s nstr) []nstr {
		return runClasses(s, func(r rune) int {
			switch {
			case isWordRune(r):
				return 1
			case isWhitespace(r):
				return -1
			}
			return 2
		})
	})
}

// runClasses splits s into maximal runs of equal class; class -1 runs are dropped.
func runClasses(s nstr, class func(rune) int) []nstr {
	var out []nstr
	start, cur := 0, -1
	for i, r := range s.r {
		c := class(r)
		if c != cur {
			if cur != -1 && i > start {
				out = append(out, s.slice(start, i))
			}
			start, cur = i, c
		}
	}
	if cur != -1 && len(s.r) > start {
		out = append(out, s.slice(start, len(s.r)))
	}
	return out
}

// punctuationPre isolates punctuation (BERT's definition) with the configured behaviour.
type punctuationPre struct{ behavior string }

func (p punctuationPre) preTokenize(pieces []nstr) []nstr {
	return eachPiece(pieces, func(s nstr) []nstr {
		var m [][2]int
		for i, r := range s.r {
			if isBertPunct(r) {
				m = append(m, [2]int{i, i + 1})
			}
		}
		return splitMatches(s, m, p.behavior, false)
	})
}

// digitsPre isolates digits, one by one or as runs.
type digitsPre struct{ individual bool }

func (d digitsPre) preTokenize(pieces []nstr) []nstr {
	return eachPiece(pieces, func(s nstr) []nstr {
		var m [][2]int
		for i, r := range s.r {
			if unicode.IsDigit(r) {
				if !d.individual && len(m) > 0 && m[len(m)-1][1] == i {
					m[len(m)-1][1] = i + 1
				} else {
					m = append(m, [2]int{i, i + 1})
				}
			}
		}
		return splitMatches(s, m, behIsolated, false)
	})
}

// matcher finds the non-overlapping matches of a pattern in a rune slice, as rune ranges.
type matcher interface {
	find(r []rune) [][2]int
}

// stringMatcher matches a literal string.
type stringMatcher struct{ lit []rune }

func (m stringMatcher) find(r []rune) [][2]int {
	var out [][2]int
	n := len(m.lit)
	if n == 0 {
		return nil
	}
	for i := 0; i+n <= len(r); {
		if string(r[i:i+n]) == string(m.lit) {
			out = append(out, [2]int{i, i + n})
			i += n
		} else {
			i++
		}
	}
	return out
}

// regexMatcher wraps Go's RE2 regexp (no look-around; see scanMatcher for the patterns that need it).
type regexMatcher struct{ re *regexp.Regexp }

func (m regexMatcher) find(r []rune) [][2]int {
	s := string(r)
	locs := m.re.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return nil
	}
	// Convert byte offsets of s to rune indices.
	out := make([][2]int, 0, len(locs))
	bi, ri := 0, 0
	toRune := func(b int) int {
		for bi < b {
			_, sz := utf8.DecodeRuneInString(s[bi:])
			bi += sz
			ri++
		}
		return ri
	}
	for _, l := range locs {
		a := toRune(l[0])
		b := toRune(l[1])
		out = append(out, [2]int{a, b})
	}
	return out
}

// scanMatcher runs a hand-written scanner for a known look-ahead pattern.
type scanMatcher struct{ next func(r []rune, i int) int }

func (m scanMatcher) find(r []rune) [][2]int {
	var out [][2]int
	for i := 0; i < len(r); {
		j := m.next(r, i)
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

// splitPre is the "Split" pre-tokenizer.
type splitPre struct {
	m        matcher
	behavior string
	invert   bool
}

func (p splitPre) preTokenize(pieces []nstr) []nstr {
	return eachPiece(pieces, func(s nstr) []nstr {
		return splitMatches(s, p.m.find(s.r), p.behavior, p.invert)
	})
}

// sequencePre applies pre-tokenizers in order.
type sequencePre []preTokenizer

func (q sequencePre) preTokenize(pieces []nstr) []nstr {
	for _, p := range q {
		pieces = p.preTokenize(pieces)
	}
	return pieces
}

// metaspacePre replaces spaces with the replacement rune, optionally prepends it, and splits
// before each replacement rune.
type metaspacePre struct {
	repl    rune
	prepend string // "always", "first" or "never"
	split   bool
}

func (m metaspacePre) preTokenize(pieces []nstr) []nstr {
	return eachPiece(pieces, func(s nstr) []nstr {
		var b builder
		if len(s.r) > 0 && s.r[0] != m.repl && s.r[0] != ' ' && (m.prepend == "always" || (m.prepend == "first" && s.off[0][0] == 0)) {
			b.add(m.repl, [2]int{s.off[0][0], s.off[0][0]})
		}
		for i, r := range s.r {
			if r == ' ' {
				r = m.repl
			}
			b.add(r, s.off[i])
		}
		t := b.s
		if !m.split {
			return []nstr{t}
		}
		var mt [][2]int
		for i, r := range t.r {
			if r == m.repl {
				mt = append(mt, [2]int{i, i + 1})
			}
		}
		return splitMatches(t, mt, behMergedWithNext, false)
	})
}

// byteLevelPre is the GPT-2 byte-level pre-tokenizer: optional prefix space, the GPT-2 split
// (scanGPT2) and the byte-to-unicode mapping.
type byteLevelPre struct {
	addPrefixSpace bool
	useRegex       bool
}

func (p byteLevelPre) preTokenize(pieces []nstr) []nstr {
	return eachPiece(pieces, func(s nstr) []nstr {
		if p.addPrefixSpace && len(s.r) > 0 && s.r[0] != ' ' {
			var b builder
			b.add(' ', [2]int{s.off[0][0], s.off[0][0]})
			b.s.r = append(b.s.r, s.r...)
			b.s.off = append(b.s.off, s.off...)
			s = b.s
		}
		parts := []nstr{s}
		if p.useRegex {
			parts = splitMatches(s, scanMatcher{scanGPT2}.find(s.r), behIsolated, false)
		}
		for i, q := range parts {
			parts[i] = toByteLevel(q)
		}
		return parts
	})
}

// toByteLevel maps every UTF-8 byte of s to its GPT-2 byte-level rune; each keeps its rune's span.
func toByteLevel(s nstr) nstr {
	var b builder
	var buf [4]byte
	for i, r := range s.r {
		n := utf8.EncodeRune(buf[:], r)
		for _, c := range buf[:n] {
			b.add(byteToRune[c], s.off[i])
		}
	}
	return b.s
}

var byteToRune, runeToByte = buildByteMaps()

// buildByteMaps builds GPT-2's bytes_to_unicode table: printable bytes map to themselves, the
// others to U+0100 onwards in byte order.
func buildByteMaps() ([256]rune, map[rune]byte) {
	var b2r [256]rune
	r2b := make(map[rune]byte, 256)
	n := 0
	for c := 0; c < 256; c++ {
		if (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF) {
			b2r[c] = rune(c)
		} else {
			b2r[c] = rune(256 + n)
			n++
		}
		r2b[b2r[c]] = byte(c)
	}
	return b2r, r2b
}

func isL(r rune) bool { return unicode.IsLetter(r) }
func isN(r rune) bool { return unicode.IsNumber(r) }

// isOther reports [^\s\p{L}\p{N}].
func isOther(r rune) bool { return !isWhitespace(r) && !isL(r) && !isN(r) }

func runWhile(r []rune, i int, f func(rune) bool) int {
	for i < len(r) && f(r[i]) {
		i++
	}
	return i
}

// gpt2Pattern is the GPT-2 split regex. Go's regexp has no look-ahead, so scanGPT2 implements it.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// scanGPT2 returns the end of the gpt2Pattern match starting at r[i] (leftmost alternative wins,
// as in a backtracking engine). \s is the Unicode White_Space property.
func scanGPT2(r []rune, i int) int {
	if j := contraction(r, i, false); j > i {
		return j
	}
	c := r[i]
	if c == ' ' && i+1 < len(r) {
		switch n := r[i+1]; {
		case isL(n):
			return runWhile(r, i+1, isL)
		case isN(n):
			return runWhile(r, i+1, isN)
		case isOther(n):
			return runWhile(r, i+1, isOther)
		}
	}
	if isL(c) {
		return runWhile(r, i, isL)
	}
	if isN(c) {
		return runWhile(r, i, isN)
	}
	if isOther(c) {
		return runWhile(r, i, isOther)
	}
	return whitespaceTail(r, i)
}

// whitespaceTail implements \s+(?!\S)|\s+ at a white-space rune r[i].
func whitespaceTail(r []rune, i int) int {
	e := runWhile(r, i, isWhitespace)
	if e == len(r) || e-i == 1 {
		return e
	}
	return e - 1
}

// contraction matches 's|'t|'re|'ve|'m|'ll|'d at r[i] (ASCII case-insensitively if fold).
func contraction(r []rune, i int, fold bool) int {
	if r[i] != '\'' || i+1 >= len(r) {
		return i
	}
	low := func(k int) rune {
		if k >= len(r) {
			return 0
		}
		if fold && r[k] >= 'A' && r[k] <= 'Z' {
			return r[k] + 'a' - 'A'
		}
		return r[k]
	}
	switch low(i + 1) {
	case 's', 't', 'm', 'd':
		return i + 2
	case 'r', 'v':
		if low(i+2) == 'e' {
			return i + 3
		}
	case 'l':
		if low(i+2) == 'l' {
			return i + 3
		}
	}
	return i
}

// llama3Pattern is the Llama 3 / cl100k split regex, implemented by scanLlama3.
const llama3Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

func isCRLF(r rune) bool { return r == '\r' || r == '\n' }

// scanLlama3 returns the end of the llama3Pattern match starting at r[i].
func scanLlama3(r []rune, i int) int {
	if j := contraction(r, i, true); j > i {
		return j
	}
	c := r[i]
	if isL(c) {
		return runWhile(r, i, isL)
	}
	if !isCRLF(c) && !isL(c) && !isN(c) && i+1 < len(r) && isL(r[i+1]) {
		return runWhile(r, i+1, isL)
	}
	if isN(c) {
		j := i
		for j < len(r) && j < i+3 && isN(r[j]) {
			j++
		}
		return j
	}
	j := i
	if c == ' ' && i+1 < len(r) && isOther(r[i+1]) {
		j = i + 1
	}
	if isOther(r[j]) {
		j = runWhile(r, j, isOther)
		return runWhile(r, j, isCRLF)
	}
	e := runWhile(r, i, isWhitespace)
	for q := e - 1; q >= i; q-- {
		if isCRLF(r[q]) {
			return q + 1
		}
	}
	return whitespaceTail(r, i)
}
