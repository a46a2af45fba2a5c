package tokenizer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// precompiledNorm is the Precompiled normalizer: SentencePiece's compiled normalization rules
// (normalizer_spec.precompiled_charsmap, e.g. nmt_nfkc), applied as sentencepiece's
// normalizer.cc does.
//
// The charsmap is
//
//	trie size n (uint32, little endian) | darts-clone double-array trie (n bytes) | strings
//
// where the trie maps UTF-8 byte strings to offsets into the NUL-separated replacement strings.
// Normalization walks the input: at each position the longest key that prefixes the rest of the
// input (among the first 32 common-prefix results, as sentencepiece's kMaxTrieResultsSize) is
// replaced by its string and skipped; with no match the character is copied unchanged.
//
// Differences from Hugging Face's Rust Precompiled (spm_precompiled), which cuts the input into
// extended grapheme clusters, replaces a whole cluster shorter than 6 bytes by the string of its
// shortest matching prefix, and otherwise replaces each character the same way: this type
// follows sentencepiece instead, since sentencepiece produced the rules and the reference ids.
// The two agree whenever every match covers exactly one cluster or one character, which is the
// case for the nmt_nfkc rules on the test strings. A key that ends inside a UTF-8 character (only
// possible in a hand-made charsmap) consumes that whole character; a value pointing outside the
// string blob counts as no match instead of reading out of bounds.
type precompiledNorm struct {
	trie       []uint32
	normalized []byte
}

// maxTrieResults is sentencepiece's kMaxTrieResultsSize: only the first results of a
// common-prefix search are compared for the longest match.
const maxTrieResults = 32

// newPrecompiled parses a decoded precompiled_charsmap. An empty charsmap normalizes nothing.
func newPrecompiled(blob []byte) (*precompiledNorm, error) {
	if len(blob) == 0 {
		return &precompiledNorm{}, nil
	}
	if len(blob) < 4 {
		return nil, fmt.Errorf("charsmap of %d bytes has no 4-byte trie size", len(blob))
	}
	n := uint64(binary.LittleEndian.Uint32(blob))
	if n > uint64(len(blob)-4) {
		return nil, fmt.Errorf("trie size %d exceeds the %d bytes after the header", n, len(blob)-4)
	}
	if n%4 != 0 {
		return nil, fmt.Errorf("trie size %d is not a multiple of 4", n)
	}
	if n == 0 {
		return nil, errors.New("empty trie")
	}
	p := &precompiledNorm{trie: make([]uint32, n/4), normalized: blob[4+n:]}
	for i := range p.trie {
		p.trie[i] = binary.LittleEndian.Uint32(blob[4+4*i:])
	}
	return p, nil
}

// darts-clone unit accessors.
func dartsHasLeaf(u uint32) bool  { return (u>>8)&1 == 1 }
func dartsValue(u uint32) uint32  { return u & (1<<31 - 1) }
func dartsLabel(u uint32) uint32  { return u & (1<<31 | 0xFF) }
func dartsOffset(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }

// longestPrefix returns the length and value of the longest trie key that prefixes key, looking
// at the first maxTrieResults matches like darts-clone's commonPrefixSearch in sentencepiece;
// length 0 means no match. Indices outside the trie end the search.
func (p *precompiledNorm) longestPrefix(key []byte) (length int, value uint32) {
	if len(p.trie) == 0 {
		return 0, 0
	}
	pos := dartsOffset(p.trie[0])
	found := 0
	for i, c := range key {
		pos ^= uint32(c)
		if int(pos) >= len(p.trie) {
			return length, value
		}
		u := p.trie[pos]
		if dartsLabel(u) != uint32(c) {
			return length, value
		}
		pos ^= dartsOffset(u)
		if dartsHasLeaf(u) {
			if int(pos) >= len(p.trie) {
				return length, value
			}
			if found < maxTrieResults && (length == 0 || i+1 > length) {
				length, value = i+1, dartsValue(p.trie[pos])
			}
			found++
		}
	}
	return length, value
}

// replacement returns the NUL-terminated string at offset v of the string blob.
func (p *precompiledNorm) replacement(v uint32) ([]byte, bool) {
	if uint64(v) >= uint64(len(p.normalized)) {
		return nil, false
	}
	s := p.normalized[v:]
	for i, c := range s {
		if c == 0 {
			return s[:i], true
		}
	}
	return s, true
}

func (p *precompiledNorm) normalize(s nstr) nstr {
	if len(p.trie) == 0 || len(s.r) == 0 {
		return s
	}
	// The trie matches UTF-8 bytes; byteRune maps each byte back to its rune.
	buf := make([]byte, 0, len(s.r))
	byteRune := make([]int, 0, len(s.r))
	for i, r := range s.r {
		n := len(buf)
		buf = utf8.AppendRune(buf, r)
		for range len(buf) - n {
			byteRune = append(byteRune, i)
		}
	}
	var b builder
	changed := false
	for at := 0; at < len(buf); {
		ri := byteRune[at]
		length, v := p.longestPrefix(buf[at:])
		repl, ok := p.replacement(v)
		if length == 0 || !ok {
			b.add(s.r[ri], s.off[ri])
			for at < len(buf) && byteRune[at] == ri {
				at++
			}
			continue
		}
		changed = true
		end := at + length
		last := byteRune[end-1] // the whole last character is consumed
		for end < len(buf) && byteRune[end] == last {
			end++
		}
		sp := s.span(ri, last+1)
		for _, r := range string(repl) {
			b.add(r, sp)
		}
		at = end
	}
	if !changed {
		return s
	}
	return b.s
}
