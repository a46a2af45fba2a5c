package tokenizer

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

// parser decodes tokenizer.json components; every error names the file and the JSON path.
type parser struct{ name string }

func (p parser) errf(path, format string, args ...any) error {
	return fmt.Errorf("tokenizer %s: %s: %s", p.name, path, fmt.Sprintf(format, args...))
}

func (p parser) wrap(path string, err error) error {
	return fmt.Errorf("tokenizer %s: %s: %w", p.name, path, err)
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// component is the common head of a typed JSON component.
type component struct {
	Type string `json:"type"`
}

func (p parser) typeOf(path string, raw json.RawMessage) (string, error) {
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", p.wrap(path, err)
	}
	if c.Type == "" {
		return "", p.errf(path+".type", "missing component type")
	}
	return c.Type, nil
}

// pattern is {"String": "..."} or {"Regex": "..."}.
type patternJSON struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

func (p parser) matcher(path string, raw json.RawMessage) (matcher, error) {
	var pj patternJSON
	if err := json.Unmarshal(raw, &pj); err != nil {
		return nil, p.wrap(path, err)
	}
	switch {
	case pj.String != nil:
		return stringMatcher{[]rune(*pj.String)}, nil
	case pj.Regex != nil:
		switch *pj.Regex {
		case gpt2Pattern:
			return scanMatcher{scanGPT2}, nil
		case llama3Pattern:
			return scanMatcher{scanLlama3}, nil
		}
		re, err := regexp.Compile(*pj.Regex)
		if err != nil {
			return nil, p.wrap(path+".Regex", fmt.Errorf("unsupported pattern (Go RE2 has no look-around): %w", err))
		}
		return regexMatcher{re}, nil
	}
	return nil, p.errf(path, "pattern needs String or Regex")
}

func (p parser) normalizer(path string, raw json.RawMessage) (normalizer, error) {
	typ, err := p.typeOf(path, raw)
	if err != nil {
		return nil, err
	}
	var c struct {
		Normalizers  []json.RawMessage `json:"normalizers"`
		CleanText    *bool             `json:"clean_text"`
		Chinese      *bool             `json:"handle_chinese_chars"`
		StripAccents *bool             `json:"strip_accents"`
		Lowercase    *bool             `json:"lowercase"`
		Left         bool              `json:"left"`
		Right        bool              `json:"right"`
		StripLeft    bool              `json:"strip_left"`
		StripRight   bool              `json:"strip_right"`
		Charsmap     *string           `json:"precompiled_charsmap"`
		Prepend      string            `json:"prepend"`
		Pattern      json.RawMessage   `json:"pattern"`
		Content      string            `json:"content"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, p.wrap(path, err)
	}
	switch typ {
	case "NFC":
		return unicodeNorm{false, true}, nil
	case "NFD":
		return unicodeNorm{false, false}, nil
	case "NFKC":
		return unicodeNorm{true, true}, nil
	case "NFKD":
		return unicodeNorm{true, false}, nil
	case "Lowercase":
		return lowercaseNorm{}, nil
	case "StripAccents":
		return stripAccentsNorm{}, nil
	case "Strip":
		return stripNorm{c.Left || c.StripLeft, c.Right || c.StripRight}, nil
	case "Precompiled":
		if c.Charsmap == nil {
			return nil, p.errf(path+".precompiled_charsmap", "missing")
		}
		blob, err := base64.StdEncoding.DecodeString(*c.Charsmap)
		if err != nil {
			return nil, p.wrap(path+".precompiled_charsmap", err)
		}
		n, err := newPrecompiled(blob)
		if err != nil {
			return nil, p.wrap(path+".precompiled_charsmap", err)
		}
		return n, nil
	case "Prepend":
		return prependNorm{c.Prepend}, nil
	case "Replace":
		m, err := p.matcher(path+".pattern", c.Pattern)
		if err != nil {
			return nil, err
		}
		return replaceNorm{m, []rune(c.Content)}, nil
	case "BertNormalizer":
		def := func(b *bool, d bool) bool {
			if b == nil {
				return d
			}
			return *b
		}
		lower := def(c.Lowercase, true)
		return bertNorm{def(c.CleanText, true), def(c.Chinese, true), def(c.StripAccents, lower), lower}, nil
	case "Sequence":
		var q sequenceNorm
		for i, r := range c.Normalizers {
			n, err := p.normalizer(fmt.Sprintf("%s.normalizers[%d]", path, i), r)
			if err != nil {
				return nil, err
			}
			q = append(q, n)
		}
		return q, nil
	}
	return nil, p.errf(path+".type", "unsupported normalizer %q", typ)
}

func behaviorOf(b string) string {
	switch b {
	case behRemoved, behIsolated, behMergedWithPrevious, behMergedWithNext, behContiguous:
		return b
	}
	return ""
}

func (p parser) preTokenizer(path string, raw json.RawMessage) (preTokenizer, error) {
	typ, err := p.typeOf(path, raw)
	if err != nil {
		return nil, err
	}
	var c struct {
		PreTokenizers  []json.RawMessage `json:"pretokenizers"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
		UseRegex       *bool             `json:"use_regex"`
		Replacement    string            `json:"replacement"`
		PrependScheme  string            `json:"prepend_scheme"`
		Split          *bool             `json:"split"`
		Pattern        json.RawMessage   `json:"pattern"`
		Behavior       string            `json:"behavior"`
		Invert         bool              `json:"invert"`
		Individual     bool              `json:"individual_digits"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, p.wrap(path, err)
	}
	behavior := func(def string) (string, error) {
		if c.Behavior == "" {
			return def, nil
		}
		if b := behaviorOf(c.Behavior); b != "" {
			return b, nil
		}
		return "", p.errf(path+".behavior", "unknown behavior %q", c.Behavior)
	}
	switch typ {
	case "BertPreTokenizer":
		return bertPreTokenizer{}, nil
	case "Whitespace":
		return whitespacePre{}, nil
	case "WhitespaceSplit":
		return whitespaceSplit{}, nil
	case "ByteLevel":
		return byteLevelPre{addPrefixSpace: c.AddPrefixSpace == nil || *c.AddPrefixSpace, useRegex: c.UseRegex == nil || *c.UseRegex}, nil
	case "Metaspace":
		repl, size := utf8.DecodeRuneInString(c.Replacement)
		if size == 0 || size != len(c.Replacement) {
			return nil, p.errf(path+".replacement", "want one character, got %q", c.Replacement)
		}
		scheme := c.PrependScheme
		if scheme == "" {
			scheme = "always"
			if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
				scheme = "never"
			}
		}
		if scheme != "always" && scheme != "first" && scheme != "never" {
			return nil, p.errf(path+".prepend_scheme", "unknown scheme %q", scheme)
		}
		return metaspacePre{repl, scheme, c.Split == nil || *c.Split}, nil
	case "Split":
		m, err := p.matcher(path+".pattern", c.Pattern)
		if err != nil {
			return nil, err
		}
		b, err := behavior(behIsolated)
		if err != nil {
			return nil, err
		}
		return splitPre{m, b, c.Invert}, nil
	case "Punctuation":
		b, err := behavior(behIsolated)
		if err != nil {
			return nil, err
		}
		return punctuationPre{b}, nil
	case "Digits":
		return digitsPre{c.Individual}, nil
	case "Sequence":
		var q sequencePre
		for i, r := range c.PreTokenizers {
			t, err := p.preTokenizer(fmt.Sprintf("%s.pretokenizers[%d]", path, i), r)
			if err != nil {
				return nil, err
			}
			q = append(q, t)
		}
		return q, nil
	}
	return nil, p.errf(path+".type", "unsupported pre-tokenizer %q", typ)
}

func (p parser) model(path string, raw json.RawMessage) (model, error) {
	var c struct {
		Type         string            `json:"type"`
		Vocab        json.RawMessage   `json:"vocab"`
		Merges       []json.RawMessage `json:"merges"`
		Unk          *string           `json:"unk_token"`
		Prefix       *string           `json:"continuing_subword_prefix"`
		Suffix       *string           `json:"end_of_word_suffix"`
		FuseUnk      bool              `json:"fuse_unk"`
		ByteFallback bool              `json:"byte_fallback"`
		IgnoreMerges bool              `json:"ignore_merges"`
		MaxChars     *int              `json:"max_input_chars_per_word"`
		UnkID        *int64            `json:"unk_id"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, p.wrap(path, err)
	}
	typ := c.Type
	if typ == "" { // older files omit the model type
		switch {
		case c.Merges != nil:
			typ = "BPE"
		case c.MaxChars != nil:
			typ = "WordPiece"
		case c.UnkID != nil:
			typ = "Unigram"
		}
	}
	str := func(s *string, d string) string {
		if s == nil {
			return d
		}
		return *s
	}
	vocabMap := func() (map[string]int64, []string, error) {
		var v map[string]int64
		if err := json.Unmarshal(c.Vocab, &v); err != nil {
			return nil, nil, p.wrap(path+".vocab", err)
		}
		rev := make([]string, len(v))
		for tok, id := range v {
			if id < 0 || id >= int64(len(v)) {
				return nil, nil, p.errf(path+".vocab", "id %d of %q outside [0, %d)", id, tok, len(v))
			}
			if rev[id] != "" {
				return nil, nil, p.errf(path+".vocab", "id %d used twice (%q, %q)", id, rev[id], tok)
			}
			rev[id] = tok
		}
		return v, rev, nil
	}
	switch typ {
	case "BPE":
		v, rev, err := vocabMap()
		if err != nil {
			return nil, err
		}
		m := &bpeModel{vocabMap: v, rev: rev, unk: str(c.Unk, ""), hasUnk: c.Unk != nil, prefix: str(c.Prefix, ""),
			suffix: str(c.Suffix, ""), fuseUnk: c.FuseUnk, byteFallback: c.ByteFallback, ignoreMerges: c.IgnoreMerges,
			merges: make(map[[2]int64]mergeInfo, len(c.Merges)), cache: map[string][]symbol{}}
		for i, raw := range c.Merges {
			mp := fmt.Sprintf("%s.merges[%d]", path, i)
			var a, b string
			var s string
			var pair []string
			if err := json.Unmarshal(raw, &s); err == nil {
				var ok bool
				a, b, ok = strings.Cut(s, " ")
				if !ok {
					return nil, p.errf(mp, "merge %q is not two space-separated tokens", s)
				}
			} else if err := json.Unmarshal(raw, &pair); err == nil && len(pair) == 2 {
				a, b = pair[0], pair[1]
			} else {
				return nil, p.errf(mp, "want \"a b\" or [a, b]")
			}
			ia, oka := v[a]
			ib, okb := v[b]
			im, okm := v[a+b[len(m.prefix)*boolInt(strings.HasPrefix(b, m.prefix)):]]
			if !oka || !okb || !okm {
				return nil, p.errf(mp, "merge %q + %q uses a token missing from the vocab", a, b)
			}
			key := [2]int64{ia, ib}
			if _, dup := m.merges[key]; !dup {
				m.merges[key] = mergeInfo{i, im}
			}
		}
		return m, nil
	case "WordPiece":
		v, rev, err := vocabMap()
		if err != nil {
			return nil, err
		}
		maxChars := 100
		if c.MaxChars != nil {
			maxChars = *c.MaxChars
		}
		return &wordPieceModel{vocabMap: v, rev: rev, unk: str(c.Unk, "[UNK]"), prefix: str(c.Prefix, "##"), maxChars: maxChars}, nil
	case "Unigram":
		var items [][2]json.RawMessage
		if err := json.Unmarshal(c.Vocab, &items); err != nil {
			return nil, p.wrap(path+".vocab", err)
		}
		m := &unigramModel{vocabMap: make(map[string]int64, len(items)), rev: make([]string, len(items)),
			scores: make([]float64, len(items)), byteFallback: c.ByteFallback}
		minScore := math.Inf(1)
		for i, it := range items {
			var piece string
			var score float64
			if err := json.Unmarshal(it[0], &piece); err != nil {
				return nil, p.wrap(fmt.Sprintf("%s.vocab[%d][0]", path, i), err)
			}
			if err := json.Unmarshal(it[1], &score); err != nil {
				return nil, p.wrap(fmt.Sprintf("%s.vocab[%d][1]", path, i), err)
			}
			if _, dup := m.vocabMap[piece]; !dup {
				m.vocabMap[piece] = int64(i)
			}
			m.rev[i], m.scores[i] = piece, score
			minScore = min(minScore, score)
			m.maxLen = max(m.maxLen, utf8.RuneCountInString(piece))
		}
		if c.UnkID == nil || *c.UnkID < 0 || *c.UnkID >= int64(len(items)) {
			return nil, p.errf(path+".unk_id", "missing or outside the vocab of %d pieces", len(items))
		}
		m.unkID = *c.UnkID
		m.unkScore = minScore - 10
		m.scores[m.unkID] = m.unkScore
		return m, nil
	}
	return nil, p.errf(path+".type", "unsupported model %q", typ)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (p parser) decoder(path string, raw json.RawMessage) (decoder, error) {
	typ, err := p.typeOf(path, raw)
	if err != nil {
		return nil, err
	}
	var c struct {
		Decoders       []json.RawMessage `json:"decoders"`
		Prefix         *string           `json:"prefix"`
		Cleanup        *bool             `json:"cleanup"`
		Replacement    string            `json:"replacement"`
		PrependScheme  string            `json:"prepend_scheme"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
		Suffix         *string           `json:"suffix"`
		Content        string            `json:"content"`
		Start          int               `json:"start"`
		Stop           int               `json:"stop"`
		Pattern        json.RawMessage   `json:"pattern"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, p.wrap(path, err)
	}
	switch typ {
	case "ByteLevel":
		return byteLevelDec{}, nil
	case "WordPiece":
		pre := "##"
		if c.Prefix != nil {
			pre = *c.Prefix
		}
		return wordPieceDec{pre, c.Cleanup == nil || *c.Cleanup}, nil
	case "Metaspace":
		repl, _ := utf8.DecodeRuneInString(c.Replacement)
		scheme := c.PrependScheme
		if scheme == "" {
			scheme = "always"
			if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
				scheme = "never"
			}
		}
		return metaspaceDec{repl, scheme}, nil
	case "BPEDecoder":
		suf := "</w>"
		if c.Suffix != nil {
			suf = *c.Suffix
		}
		return bpeDec{suf}, nil
	case "ByteFallback":
		return byteFallbackDec{}, nil
	case "Fuse":
		return fuseDec{}, nil
	case "Strip":
		return stripDec{c.Content, c.Start, c.Stop}, nil
	case "Replace":
		m, err := p.matcher(path+".pattern", c.Pattern)
		if err != nil {
			return nil, err
		}
		return replaceDec{replaceNorm{m, []rune(c.Content)}}, nil
	case "Sequence":
		var q sequenceDec
		for i, r := range c.Decoders {
			d, err := p.decoder(fmt.Sprintf("%s.decoders[%d]", path, i), r)
			if err != nil {
				return nil, err
			}
			q = append(q, d)
		}
		return q, nil
	}
	return nil, p.errf(path+".type", "unsupported decoder %q", typ)
}
