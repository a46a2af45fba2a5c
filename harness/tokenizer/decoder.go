package tokenizer

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// decoder turns token strings back into text pieces; the pieces are concatenated at the end.
type decoder interface {
	decode(toks []string) []string
}

// byteLevelDec maps GPT-2 byte-level runes back to bytes and decodes UTF-8 (invalid bytes
// become U+FFFD, one per byte).
type byteLevelDec struct{}

func (byteLevelDec) decode(toks []string) []string {
	var buf []byte
	for _, t := range toks {
		for _, r := range t {
			if b, ok := runeToByte[r]; ok {
				buf = append(buf, b)
			} else {
				buf = utf8.AppendRune(buf, r)
			}
		}
	}
	return []string{lossyUTF8(buf)}
}

func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r)
		b = b[n:]
	}
	return sb.String()
}

// wordPieceDec joins WordPiece tokens, removing the continuation prefix.
type wordPieceDec struct {
	prefix  string
	cleanup bool
}

func (d wordPieceDec) decode(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		if i > 0 {
			if strings.HasPrefix(t, d.prefix) {
				t = t[len(d.prefix):]
			} else {
				t = " " + t
			}
		}
		if d.cleanup {
			t = cleanupSpaces(t)
		}
		out[i] = t
	}
	return out
}

var cleanupReplacer = strings.NewReplacer(" .", ".", " ?", "?", " !", "!", " ,", ",", " ' ", "'",
	" n't", "n't", " 'm", "'m", " 's", "'s", " 've", "'ve", " 're", "'re")

func cleanupSpaces(s string) string { return cleanupReplacer.Replace(s) }

// metaspaceDec turns the replacement rune back into spaces and drops the prepended one.
type metaspaceDec struct {
	repl    rune
	prepend string
}

func (d metaspaceDec) decode(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		t = strings.ReplaceAll(t, string(d.repl), " ")
		if i == 0 && d.prepend != "never" {
			t = strings.TrimPrefix(t, " ")
		}
		out[i] = t
	}
	return out
}

// bpeDec replaces the end-of-word suffix with a space (none after the last token).
type bpeDec struct{ suffix string }

func (d bpeDec) decode(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		rep := " "
		if i == len(toks)-1 {
			rep = ""
		}
		out[i] = strings.ReplaceAll(t, d.suffix, rep)
	}
	return out
}

// byteFallbackDec turns runs of <0xXX> tokens into the UTF-8 text they spell.
type byteFallbackDec struct{}

func parseByteToken(t string) (byte, bool) {
	if len(t) != 6 || !strings.HasPrefix(t, "<0x") || t[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(t[3:5], 16, 8)
	return byte(v), err == nil
}

func (byteFallbackDec) decode(toks []string) []string {
	var out []string
	var pending []byte
	flush := func() {
		if len(pending) > 0 {
			if utf8.Valid(pending) {
				out = append(out, string(pending))
			} else {
				for range pending {
					out = append(out, "\uFFFD")
				}
			}
			pending = nil
		}
	}
	for _, t := range toks {
		if b, ok := parseByteToken(t); ok {
			pending = append(pending, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

// fuseDec concatenates all tokens into one.
type fuseDec struct{}

func (fuseDec) decode(toks []string) []string { return []string{strings.Join(toks, "")} }

// stripDec removes up to start leading and stop trailing copies of content from every token.
type stripDec struct {
	content     string
	start, stop int
}

func (d stripDec) decode(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		for k := 0; k < d.start && d.content != "" && strings.HasPrefix(t, d.content); k++ {
			t = t[len(d.content):]
		}
		for k := 0; k < d.stop && d.content != "" && strings.HasSuffix(t, d.content); k++ {
			t = t[:len(t)-len(d.content)]
		}
		out[i] = t
	}
	return out
}

// replaceDec applies a Replace to every token.
type replaceDec struct{ n replaceNorm }

func (d replaceDec) decode(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = d.n.normalize(newNstr(t, 0)).String()
	}
	return out
}

// sequenceDec applies decoders in order.
type sequenceDec []decoder

func (q sequenceDec) decode(toks []string) []string {
	for _, d := range q {
		toks = d.decode(toks)
	}
	return toks
}
