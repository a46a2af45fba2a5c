package tokenizer

import (
	"unicode"
)

// normalizer rewrites a normalized string, keeping alignments.
type normalizer interface {
	normalize(s nstr) nstr
}

// unicodeNorm is NFC, NFD, NFKC or NFKD.
type unicodeNorm struct{ compat, compose bool }

func (u unicodeNorm) normalize(s nstr) nstr { return unicodeNormalize(s, u.compat, u.compose) }

// lowercaseNorm applies full Unicode lower-casing per character (no context-dependent rules
// such as the Greek final sigma, like Hugging Face's NormalizedString::lowercase).
type lowercaseNorm struct{}

func (lowercaseNorm) normalize(s nstr) nstr { return s.mapRunes(lowerRune) }

func lowerRune(dst []rune, r rune) []rune {
	if r == 0x130 { // İ lower-cases to i + combining dot above
		return append(dst, 'i', 0x307)
	}
	return append(dst, unicode.ToLower(r))
}

// stripAccentsNorm removes combining marks (Mn); it is meant to follow NFD.
type stripAccentsNorm struct{}

func (stripAccentsNorm) normalize(s nstr) nstr {
	return s.mapRunes(func(dst []rune, r rune) []rune {
		if unicode.Is(unicode.Mn, r) {
			return dst
		}
		return append(dst, r)
	})
}

// stripNorm trims white space on the left and/or right.
type stripNorm struct{ left, right bool }

func (n stripNorm) normalize(s nstr) nstr { return s.trim(n.left, n.right) }

// prependNorm prepends a string to non-empty input.
type prependNorm struct{ prepend string }

func (n prependNorm) normalize(s nstr) nstr {
	if len(s.r) == 0 {
		return s
	}
	var b builder
	for _, r := range n.prepend {
		b.add(r, [2]int{s.off[0][0], s.off[0][0]})
	}
	b.s.r = append(b.s.r, s.r...)
	b.s.off = append(b.s.off, s.off...)
	return b.s
}

// replaceNorm replaces every match of a pattern with content; inserted runes align to the match.
type replaceNorm struct {
	m       matcher
	content []rune
}

func (n replaceNorm) normalize(s nstr) nstr {
	ms := n.m.find(s.r)
	if len(ms) == 0 {
		return s
	}
	var b builder
	prev := 0
	for _, m := range ms {
		for k := prev; k < m[0]; k++ {
			b.add(s.r[k], s.off[k])
		}
		sp := s.span(m[0], m[1])
		for _, r := range n.content {
			b.add(r, sp)
		}
		prev = m[1]
	}
	for k := prev; k < len(s.r); k++ {
		b.add(s.r[k], s.off[k])
	}
	return b.s
}

// sequenceNorm applies normalizers in order.
type sequenceNorm []normalizer

func (q sequenceNorm) normalize(s nstr) nstr {
	for _, n := range q {
		s = n.normalize(s)
	}
	return s
}

// bertNorm is BertNormalizer: clean text, space around CJK ideographs, strip accents, lowercase.
type bertNorm struct {
	cleanText, chinese, stripAccents, lowercase bool
}

func isBertControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
}

// isChineseChar reports the CJK ideograph blocks BERT surrounds with spaces.
func isChineseChar(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) || (r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B920 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}

func (n bertNorm) normalize(s nstr) nstr {
	if n.cleanText {
		s = s.mapRunes(func(dst []rune, r rune) []rune {
			switch {
			case r == 0 || r == 0xFFFD || isBertControl(r):
				return dst
			case isWhitespace(r):
				return append(dst, ' ')
			}
			return append(dst, r)
		})
	}
	if n.chinese {
		var b builder
		for i, r := range s.r {
			if isChineseChar(r) {
				b.add(' ', s.off[i])
				b.add(r, s.off[i])
				b.add(' ', s.off[i])
			} else {
				b.add(r, s.off[i])
			}
		}
		s = b.s
	}
	if n.stripAccents {
		s = stripAccentsNorm{}.normalize(unicodeNormalize(s, false, false))
	}
	if n.lowercase {
		s = lowercaseNorm{}.normalize(s)
	}
	return s
}
