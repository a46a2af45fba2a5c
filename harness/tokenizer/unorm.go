package tokenizer

import "sort"

// Unicode normalization (NFC, NFD, NFKC, NFKD) on a normalized string, keeping every output
// rune's alignment to the input bytes. The data tables live in unorm_tables.go, generated from
// Python's unicodedata by testdata/gen_unorm.py; Hangul syllables are handled algorithmically.

const (
	hangulSBase  = 0xAC00
	hangulLBase  = 0x1100
	hangulVBase  = 0x1161
	hangulTBase  = 0x11A7
	hangulLCount = 19
	hangulVCount = 21
	hangulTCount = 28
	hangulNCount = hangulVCount * hangulTCount
	hangulSCount = hangulLCount * hangulNCount
)

// decomposeRune appends the full decomposition of r to dst (compat selects NFKD over NFD).
func decomposeRune(dst []rune, r rune, compat bool) []rune {
	if r >= hangulSBase && r < hangulSBase+hangulSCount {
		s := r - hangulSBase
		dst = append(dst, hangulLBase+s/hangulNCount, hangulVBase+(s%hangulNCount)/hangulTCount)
		if t := s % hangulTCount; t != 0 {
			dst = append(dst, hangulTBase+t)
		}
		return dst
	}
	if compat {
		if d, ok := nfkdTable[r]; ok {
			return append(dst, []rune(d)...)
		}
	}
	if d, ok := nfdTable[r]; ok {
		return append(dst, []rune(d)...)
	}
	return append(dst, r)
}

// composePair returns the primary composite of a and b, if any.
func composePair(a, b rune) (rune, bool) {
	if a >= hangulLBase && a < hangulLBase+hangulLCount && b >= hangulVBase && b < hangulVBase+hangulVCount {
		return hangulSBase + ((a-hangulLBase)*hangulVCount+(b-hangulVBase))*hangulTCount, true
	}
	if a >= hangulSBase && a < hangulSBase+hangulSCount && (a-hangulSBase)%hangulTCount == 0 &&
		b > hangulTBase && b < hangulTBase+hangulTCount {
		return a + (b - hangulTBase), true
	}
	c, ok := compTable[[2]rune{a, b}]
	return c, ok
}

// unicodeNormalize applies one of the four normalization forms to s.
func unicodeNormalize(s nstr, compat, compose bool) nstr {
	// Fast path: nothing to do for pure ASCII.
	ascii := true
	for _, r := range s.r {
		if r >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	out := nstr{r: make([]rune, 0, len(s.r)), off: make([][2]int, 0, len(s.r))}
	var buf []rune
	for i, r := range s.r {
		buf = decomposeRune(buf[:0], r, compat)
		for _, d := range buf {
			out.r = append(out.r, d)
			out.off = append(out.off, s.off[i])
		}
	}
	// Canonical ordering: stable sort each run of non-starters by combining class.
	for i := 0; i < len(out.r); {
		if cccTable[out.r[i]] == 0 {
			i++
			continue
		}
		j := i
		for j < len(out.r) && cccTable[out.r[j]] != 0 {
			j++
		}
		if j-i > 1 {
			sort.Stable(cccRun{out.r[i:j], out.off[i:j]})
		}
		i = j
	}
	if !compose {
		return out
	}
	// Canonical composition.
	starter := -1
	lastCCC := -1
	w := 0
	for i := 0; i < len(out.r); i++ {
		r := out.r[i]
		c := int(cccTable[r])
		// Not blocked: the previous kept rune is the starter itself, or has a lower class.
		if starter >= 0 && (lastCCC == 0 || lastCCC < c) {
			if comp, ok := composePair(out.r[starter], r); ok {
				out.r[starter] = comp
				out.off[starter] = spanUnion(out.off[starter], out.off[i])
				continue
			}
		}
		if c == 0 {
			starter = w
			lastCCC = 0
		} else {
			lastCCC = c
		}
		out.r[w] = r
		out.off[w] = out.off[i]
		w++
	}
	out.r = out.r[:w]
	out.off = out.off[:w]
	return out
}

func spanUnion(a, b [2]int) [2]int {
	return [2]int{min(a[0], b[0]), max(a[1], b[1])}
}

type cccRun struct {
	r   []rune
	off [][2]int
}

func (c cccRun) Len() int           { return len(c.r) }
func (c cccRun) Less(i, j int) bool { return cccTable[c.r[i]] < cccTable[c.r[j]] }
func (c cccRun) Swap(i, j int) {
	c.r[i], c.r[j] = c.r[j], c.r[i]
	c.off[i], c.off[j] = c.off[j], c.off[i]
}
