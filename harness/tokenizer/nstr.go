package tokenizer

import "unicode/utf8"

// nstr is a normalized string: its runes, and for every rune the byte span [start, end) of the
// original input it came from. Normalizers and pre-tokenizers transform nstr values, so every
// token can be mapped back to byte offsets in the caller's text.
type nstr struct {
	r   []rune
	off [][2]int
}

// newNstr builds an nstr for text whose first byte sits at byte offset base of the input.
// Invalid UTF-8 bytes become U+FFFD, each aligned to its one byte.
func newNstr(text string, base int) nstr {
	n := utf8.RuneCountInString(text)
	s := nstr{r: make([]rune, 0, n), off: make([][2]int, 0, n)}
	for i, r := range text {
		size := 1
		if r != utf8.RuneError {
			size = utf8.RuneLen(r)
		} else if _, sz := utf8.DecodeRuneInString(text[i:]); sz > 0 {
			size = sz
		}
		s.r = append(s.r, r)
		s.off = append(s.off, [2]int{base + i, base + i + size})
	}
	return s
}

func (s nstr) String() string { return string(s.r) }

func (s nstr) slice(i, j int) nstr { return nstr{r: s.r[i:j], off: s.off[i:j]} }

// span returns the input byte span of runes [i, j); an empty range gets an empty span at the
// position of rune i (or the end of the previous rune).
func (s nstr) span(i, j int) [2]int {
	if i >= j {
		if i < len(s.off) {
			return [2]int{s.off[i][0], s.off[i][0]}
		}
		if len(s.off) > 0 {
			e := s.off[len(s.off)-1][1]
			return [2]int{e, e}
		}
		return [2]int{}
	}
	lo, hi := s.off[i][0], s.off[i][1]
	for k := i + 1; k < j; k++ {
		lo = min(lo, s.off[k][0])
		hi = max(hi, s.off[k][1])
	}
	return [2]int{lo, hi}
}

// builder accumulates an nstr rune by rune.
type builder struct{ s nstr }

func (b *builder) add(r rune, off [2]int) {
	b.s.r = append(b.s.r, r)
	b.s.off = append(b.s.off, off)
}

// mapRunes applies f to every rune; f appends zero or more runes to dst, all aligned to the rune.
func (s nstr) mapRunes(f func(dst []rune, r rune) []rune) nstr {
	var b builder
	var buf []rune
	for i, r := range s.r {
		buf = f(buf[:0], r)
		for _, x := range buf {
			b.add(x, s.off[i])
		}
	}
	return b.s
}

// trimSpace removes leading and/or trailing Unicode white space.
func (s nstr) trim(left, right bool) nstr {
	i, j := 0, len(s.r)
	if left {
		for i < j && isWhitespace(s.r[i]) {
			i++
		}
	}
	if right {
		for j > i && isWhitespace(s.r[j-1]) {
			j--
		}
	}
	return s.slice(i, j)
}
