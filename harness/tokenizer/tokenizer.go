package tokenizer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"
)

// Encoding is the result of encoding one text (or pair). All slices have the same length.
// Offsets are byte offsets [start, end) into the input string (for a pair, into the string
// the token came from); special and padding tokens have offsets {0, 0}.
type Encoding struct {
	IDs               []int64
	TypeIDs           []int64
	AttentionMask     []int64
	Tokens            []string
	Offsets           [][2]int
	SpecialTokensMask []int64
	// SequenceIDs says which input each token came from: 0, 1, or -1 for special/padding tokens.
	SequenceIDs []int
}

// Len returns the number of tokens.
func (e *Encoding) Len() int { return len(e.IDs) }

// AddedToken is an entry of tokenizer.json "added_tokens": matched in the raw text before
// normalization and never split.
type AddedToken struct {
	ID         int64  `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// Truncation configures truncation: sequences are cut so that the encoding, special tokens
// included, has at most MaxLength tokens.
type Truncation struct {
	MaxLength int    `json:"max_length"`
	Strategy  string `json:"strategy"`  // "LongestFirst" (default), "OnlyFirst", "OnlySecond"
	Direction string `json:"direction"` // "Right" (default) or "Left"
	Stride    int    `json:"stride"`    // accepted, overflowing windows are not produced
}

// Padding configures padding. With Fixed > 0 every encoding is padded to Fixed tokens;
// otherwise EncodeBatch pads to the longest encoding of the batch. Then the length is rounded
// up to a multiple of PadToMultipleOf when that is > 0.
type Padding struct {
	Fixed           int
	Direction       string // "Right" (default) or "Left"
	PadToMultipleOf int
	PadID           int64
	PadTypeID       int64
	PadToken        string
}

// Tokenizer is a Hugging Face tokenizer loaded from tokenizer.json. It is safe for concurrent use
// once loaded; SetTruncation and SetPadding must not race with encoding.
type Tokenizer struct {
	name       string
	added      []AddedToken // sorted by descending content length
	addedByID  map[int64]AddedToken
	norm       normalizer
	pre        preTokenizer
	model      model
	post       *postProcessor
	dec        decoder
	vocab      map[string]int64
	idToTok    map[int64]string
	maxID      int64
	truncation *Truncation
	padding    *Padding
}

// Load reads a tokenizer.json file (gzip-compressed when the name ends in ".gz").
func Load(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("tokenizer %s: %w", path, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("tokenizer %s: %w", path, err)
		}
	}
	return Parse(data, path)
}

// Parse builds a tokenizer from tokenizer.json content; name is used in error messages.
func Parse(data []byte, name string) (*Tokenizer, error) {
	p := parser{name}
	var f struct {
		AddedTokens   []AddedToken    `json:"added_tokens"`
		Normalizer    json.RawMessage `json:"normalizer"`
		PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
		PostProcessor json.RawMessage `json:"post_processor"`
		Decoder       json.RawMessage `json:"decoder"`
		Model         json.RawMessage `json:"model"`
		Truncation    json.RawMessage `json:"truncation"`
		Padding       json.RawMessage `json:"padding"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, p.wrap("$", err)
	}
	t := &Tokenizer{name: name, addedByID: map[int64]AddedToken{}}
	var err error
	if isNull(f.Model) {
		return nil, p.errf("model", "missing")
	}
	if t.model, err = p.model("model", f.Model); err != nil {
		return nil, err
	}
	if !isNull(f.Normalizer) {
		if t.norm, err = p.normalizer("normalizer", f.Normalizer); err != nil {
			return nil, err
		}
	}
	if !isNull(f.PreTokenizer) {
		if t.pre, err = p.preTokenizer("pre_tokenizer", f.PreTokenizer); err != nil {
			return nil, err
		}
	}
	if !isNull(f.Decoder) {
		if t.dec, err = p.decoder("decoder", f.Decoder); err != nil {
			return nil, err
		}
	}
	t.vocab = map[string]int64{}
	t.idToTok = map[int64]string{}
	for tok, id := range t.model.vocab() {
		t.vocab[tok] = id
		t.idToTok[id] = tok
		t.maxID = max(t.maxID, id)
	}
	for i, a := range f.AddedTokens {
		if a.Content == "" {
			return nil, p.errf(fmt.Sprintf("added_tokens[%d].content", i), "empty")
		}
		if a.ID < 0 {
			return nil, p.errf(fmt.Sprintf("added_tokens[%d].id", i), "negative id %d", a.ID)
		}
		t.added = append(t.added, a)
		t.addedByID[a.ID] = a
		t.vocab[a.Content] = a.ID
		t.idToTok[a.ID] = a.Content
		t.maxID = max(t.maxID, a.ID)
	}
	sort.SliceStable(t.added, func(i, j int) bool { return len(t.added[i].Content) > len(t.added[j].Content) })
	if !isNull(f.PostProcessor) {
		if t.post, err = p.postProcessor("post_processor", f.PostProcessor, t.TokenToID); err != nil {
			return nil, err
		}
	}
	if !isNull(f.Truncation) {
		var tr Truncation
		if err := json.Unmarshal(f.Truncation, &tr); err != nil {
			return nil, p.wrap("truncation", err)
		}
		if tr.MaxLength <= 0 {
			return nil, p.errf("truncation.max_length", "want > 0, got %d", tr.MaxLength)
		}
		t.truncation = &tr
	}
	if !isNull(f.Padding) {
		var pj struct {
			Strategy        json.RawMessage `json:"strategy"`
			Direction       string          `json:"direction"`
			PadToMultipleOf *int            `json:"pad_to_multiple_of"`
			PadID           int64           `json:"pad_id"`
			PadTypeID       int64           `json:"pad_type_id"`
			PadToken        string          `json:"pad_token"`
		}
		if err := json.Unmarshal(f.Padding, &pj); err != nil {
			return nil, p.wrap("padding", err)
		}
		pd := Padding{Direction: pj.Direction, PadID: pj.PadID, PadTypeID: pj.PadTypeID, PadToken: pj.PadToken}
		if pj.PadToMultipleOf != nil {
			pd.PadToMultipleOf = *pj.PadToMultipleOf
		}
		var fixed struct {
			Fixed int `json:"Fixed"`
		}
		if json.Unmarshal(pj.Strategy, &fixed) == nil {
			pd.Fixed = fixed.Fixed
		}
		t.padding = &pd
	}
	return t, nil
}

// SetTruncation replaces the truncation configuration; nil disables truncation.
func (t *Tokenizer) SetTruncation(tr *Truncation) { t.truncation = tr }

// SetPadding replaces the padding configuration; nil disables padding.
func (t *Tokenizer) SetPadding(p *Padding) { t.padding = p }

// TokenToID returns the id of a vocabulary or added token.
func (t *Tokenizer) TokenToID(s string) (int64, bool) {
	id, ok := t.vocab[s]
	return id, ok
}

// IDToToken returns the token string of an id.
func (t *Tokenizer) IDToToken(id int64) (string, bool) {
	s, ok := t.idToTok[id]
	return s, ok
}

// VocabSize returns the number of ids: one more than the largest id of the model vocabulary
// and the added tokens.
func (t *Tokenizer) VocabSize() int { return int(t.maxID) + 1 }

// Encode encodes one text. With addSpecial, the post-processor's special tokens are added.
// Truncation and Fixed padding apply.
func (t *Tokenizer) Encode(text string, addSpecial bool) (Encoding, error) {
	e := t.encode(text, "", false, addSpecial)
	if t.padding != nil && t.padding.Fixed > 0 {
		t.pad(&e, 0)
	}
	return e, nil
}

// EncodePair encodes a pair of texts (sequence A and B) as one encoding.
func (t *Tokenizer) EncodePair(a, b string, addSpecial bool) (Encoding, error) {
	e := t.encode(a, b, true, addSpecial)
	if t.padding != nil && t.padding.Fixed > 0 {
		t.pad(&e, 0)
	}
	return e, nil
}

// EncodeBatch encodes every text and applies the padding configuration: to Fixed length, or to
// the longest encoding of the batch.
func (t *Tokenizer) EncodeBatch(texts []string, addSpecial bool) ([]Encoding, error) {
	out := make([]Encoding, len(texts))
	longest := 0
	for i, s := range texts {
		out[i] = t.encode(s, "", false, addSpecial)
		longest = max(longest, out[i].Len())
	}
	if t.padding != nil {
		for i := range out {
			t.pad(&out[i], longest)
		}
	}
	return out, nil
}

// tokens runs added-token splitting, normalization, pre-tokenization and the model.
func (t *Tokenizer) tokens(text string) []token {
	var out []token
	for _, sp := range t.splitAdded(text) {
		if sp.added != nil {
			out = append(out, token{id: sp.added.ID, value: sp.added.Content, off: [2]int{sp.start, sp.end}})
			continue
		}
		s := newNstr(text[sp.start:sp.end], sp.start)
		if t.norm != nil {
			s = t.norm.normalize(s)
		}
		pieces := []nstr{s}
		if t.pre != nil {
			pieces = t.pre.preTokenize(pieces)
		}
		for _, w := range pieces {
			out = append(out, t.model.tokenize(w)...)
		}
	}
	return out
}

type textSplit struct {
	start, end int
	added      *AddedToken
}

// splitAdded finds added tokens in text (leftmost, then longest), honouring lstrip/rstrip
// (the token absorbs adjacent white space) and single_word (no word characters on either side).
func (t *Tokenizer) splitAdded(text string) []textSplit {
	if len(t.added) == 0 {
		return []textSplit{{0, len(text), nil}}
	}
	var out []textSplit
	prev := 0
	for i := 0; i < len(text); {
		var hit *AddedToken
		for k := range t.added {
			a := &t.added[k]
			if strings.HasPrefix(text[i:], a.Content) && t.wordOK(text, i, i+len(a.Content), a) {
				hit = a
				break
			}
		}
		if hit == nil {
			_, sz := utf8.DecodeRuneInString(text[i:])
			i += sz
			continue
		}
		start, end := i, i+len(hit.Content)
		if hit.LStrip {
			for start > prev {
				r, sz := utf8.DecodeLastRuneInString(text[prev:start])
				if !isWhitespace(r) {
					break
				}
				start -= sz
			}
		}
		if hit.RStrip {
			for end < len(text) {
				r, sz := utf8.DecodeRuneInString(text[end:])
				if !isWhitespace(r) {
					break
				}
				end += sz
			}
		}
		if start > prev {
			out = append(out, textSplit{prev, start, nil})
		}
		out = append(out, textSplit{i, i + len(hit.Content), hit})
		prev, i = end, end
	}
	if prev < len(text) {
		out = append(out, textSplit{prev, len(text), nil})
	}
	return out
}

func (t *Tokenizer) wordOK(text string, start, end int, a *AddedToken) bool {
	if !a.SingleWord {
		return true
	}
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		if isWordRune(r) {
			return false
		}
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if isWordRune(r) {
			return false
		}
	}
	return true
}

func (t *Tokenizer) encode(a, b string, pair, addSpecial bool) Encoding {
	seqs := [][]token{t.tokens(a)}
	texts := []string{a}
	if pair {
		seqs = append(seqs, t.tokens(b))
		texts = append(texts, b)
	}
	if t.truncation != nil {
		budget := t.truncation.MaxLength
		if addSpecial {
			budget -= t.post.numSpecial(pair)
		}
		t.truncate(seqs, max(budget, 0))
	}
	if t.post != nil && t.post.trimOffsets {
		for k := range seqs {
			trimOffsets(seqs[k], texts[k])
		}
	}
	e := Encoding{IDs: []int64{}, TypeIDs: []int64{}, AttentionMask: []int64{}, Tokens: []string{},
		Offsets: [][2]int{}, SpecialTokensMask: []int64{}, SequenceIDs: []int{}}
	emit := func(tk token, typeID int64, seq int, special bool) {
		e.IDs = append(e.IDs, tk.id)
		e.TypeIDs = append(e.TypeIDs, typeID)
		e.AttentionMask = append(e.AttentionMask, 1)
		e.Tokens = append(e.Tokens, tk.value)
		e.Offsets = append(e.Offsets, tk.off)
		sm := int64(0)
		if special {
			sm = 1
		}
		e.SpecialTokensMask = append(e.SpecialTokensMask, sm)
		e.SequenceIDs = append(e.SequenceIDs, seq)
	}
	if !addSpecial || t.post == nil {
		for k, s := range seqs {
			for _, tk := range s {
				emit(tk, int64(k), k, false)
			}
		}
		return e
	}
	items := t.post.single
	if pair {
		items = t.post.pair
	}
	for _, it := range items {
		if it.special != "" {
			for _, tk := range t.post.specials[it.special] {
				emit(tk, it.typeID, -1, true)
			}
			continue
		}
		if it.seq < len(seqs) {
			for _, tk := range seqs[it.seq] {
				emit(tk, it.typeID, it.seq, false)
			}
		}
	}
	return e
}

// trimOffsets removes the spaces that byte-level tokens carry (Ġ) from their offsets.
func trimOffsets(toks []token, text string) {
	for i := range toks {
		tk := &toks[i]
		lead, trail := 0, 0
		for _, r := range tk.value {
			if r != byteToRune[' '] {
				break
			}
			lead++
		}
		for j := len(tk.value); j > 0; {
			r, sz := utf8.DecodeLastRuneInString(tk.value[:j])
			if r != byteToRune[' '] || lead == utf8.RuneCountInString(tk.value) {
				break
			}
			trail++
			j -= sz
		}
		for ; lead > 0 && tk.off[0] < tk.off[1] && tk.off[0] < len(text) && text[tk.off[0]] == ' '; lead-- {
			tk.off[0]++
		}
		for ; trail > 0 && tk.off[1] > tk.off[0] && text[tk.off[1]-1] == ' '; trail-- {
			tk.off[1]--
		}
	}
}

// truncate cuts the sequences to the total budget with the configured strategy.
func (t *Tokenizer) truncate(seqs [][]token, budget int) {
	cut := func(k, n int) {
		if len(seqs[k]) <= n {
			return
		}
		if t.truncation.Direction == "Left" {
			seqs[k] = seqs[k][len(seqs[k])-n:]
		} else {
			seqs[k] = seqs[k][:n]
		}
	}
	if len(seqs) == 1 {
		cut(0, budget)
		return
	}
	n1, n2 := len(seqs[0]), len(seqs[1])
	if n1+n2 <= budget {
		return
	}
	switch t.truncation.Strategy {
	case "OnlyFirst", "only_first":
		cut(0, max(budget-n2, 0))
	case "OnlySecond", "only_second":
		cut(1, max(budget-n1, 0))
	default: // LongestFirst: shrink the longer one first, then share evenly.
		swap := n1 > n2
		if swap {
			n1, n2 = n2, n1
		}
		if n1 > budget {
			n2 = n1
		} else {
			n2 = max(n1, budget-n1)
		}
		if n1+n2 > budget {
			n1 = budget / 2
			n2 = n1 + budget%2
		}
		if swap {
			n1, n2 = n2, n1
		}
		cut(0, n1)
		cut(1, n2)
	}
}

// pad pads e to the Fixed length, or to longest when Fixed is 0, then to PadToMultipleOf.
func (t *Tokenizer) pad(e *Encoding, longest int) {
	p := t.padding
	target := longest
	if p.Fixed > 0 {
		target = p.Fixed
	}
	if m := p.PadToMultipleOf; m > 0 && target%m != 0 {
		target += m - target%m
	}
	n := target - e.Len()
	if n <= 0 {
		return
	}
	ids, typ, att, toks, offs, spec, seq := make([]int64, n), make([]int64, n), make([]int64, n), make([]string, n), make([][2]int, n), make([]int64, n), make([]int, n)
	for i := 0; i < n; i++ {
		ids[i], typ[i], toks[i], spec[i], seq[i] = p.PadID, p.PadTypeID, p.PadToken, 1, -1
	}
	if p.Direction == "Left" {
		e.IDs, e.TypeIDs, e.AttentionMask = append(ids, e.IDs...), append(typ, e.TypeIDs...), append(att, e.AttentionMask...)
		e.Tokens, e.Offsets, e.SpecialTokensMask, e.SequenceIDs = append(toks, e.Tokens...), append(offs, e.Offsets...), append(spec, e.SpecialTokensMask...), append(seq, e.SequenceIDs...)
		return
	}
	e.IDs, e.TypeIDs, e.AttentionMask = append(e.IDs, ids...), append(e.TypeIDs, typ...), append(e.AttentionMask, att...)
	e.Tokens, e.Offsets, e.SpecialTokensMask, e.SequenceIDs = append(e.Tokens, toks...), append(e.Offsets, offs...), append(e.SpecialTokensMask, spec...), append(e.SequenceIDs, seq...)
}

// Decode turns ids back into text with the tokenizer's decoder (tokens joined by spaces when
// there is none). Unknown ids are skipped; with skipSpecial, special added tokens are too.
func (t *Tokenizer) Decode(ids []int64, skipSpecial bool) string {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if a, ok := t.addedByID[id]; ok && skipSpecial && a.Special {
			continue
		}
		if s, ok := t.idToTok[id]; ok {
			toks = append(toks, s)
		}
	}
	if t.dec == nil {
		return strings.Join(toks, " ")
	}
	return strings.Join(t.dec.decode(toks), "")
}
