package tokenizer

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGPT2Known checks ids from OpenAI's GPT-2 vocabulary documented widely ("Hello" = 15496,
// "," = 11, " world" = 995, "!" = 0) and the offsets of each token.
func TestGPT2Known(t *testing.T) {
	tok := loadFixture(t, "gpt2")
	e, err := tok.Encode("Hello, world!", true)
	require.NoError(t, err)
	assert.Equal(t, []int64{15496, 11, 995, 0}, e.IDs)
	assert.Equal(t, []string{"Hello", ",", "Ġworld", "!"}, e.Tokens)
	// GPT-2's post-processor has trim_offsets false, so " world" keeps its space.
	assert.Equal(t, [][2]int{{0, 5}, {5, 6}, {6, 12}, {12, 13}}, e.Offsets)
	tok.post.trimOffsets = true
	e, err = tok.Encode("Hello, world!", true)
	require.NoError(t, err)
	assert.Equal(t, [2]int{7, 12}, e.Offsets[2], "trimmed offset of Ġworld")
	assert.Equal(t, 50257, tok.VocabSize())
	id, ok := tok.TokenToID("<|endoftext|>")
	assert.True(t, ok)
	assert.Equal(t, int64(50256), id)
}

// TestDecodeRoundTrip: byte-level BPE is lossless, so Decode(Encode(s)) == s for valid UTF-8.
func TestDecodeRoundTrip(t *testing.T) {
	strs, _ := loadReference(t)
	tok := loadFixture(t, "gpt2")
	for _, s := range strs[:300] {
		e, err := tok.Encode(s, false)
		require.NoError(t, err)
		assert.Equal(t, s, tok.Decode(e.IDs, false), "Decode(Encode(%q))", s)
	}
}

// TestOffsetsCoverText: for byte-level BPE (no normalizer), untrimmed offsets tile the input.
func TestOffsetsCoverText(t *testing.T) {
	strs, _ := loadReference(t)
	tok := loadFixture(t, "gpt2")
	tok.post = nil // no offset trimming
	for _, s := range strs[:300] {
		e, err := tok.Encode(s, false)
		require.NoError(t, err)
		var sb strings.Builder
		pos := 0
		for _, o := range e.Offsets {
			require.True(t, o[0] <= o[1] && o[1] <= len(s), "offset %v in %q", o, s)
			require.LessOrEqual(t, o[0], pos, "gap before %v in %q", o, s)
			// A character split across tokens gives each of them its whole span.
			if o[1] > pos {
				sb.WriteString(s[max(o[0], pos):o[1]])
				pos = o[1]
			}
		}
		assert.Equal(t, s, sb.String(), "offsets of %q", s)
	}
}

// TestBertOffsetsAndDecode checks WordPiece offsets after lower-casing and accent stripping.
func TestBertOffsetsAndDecode(t *testing.T) {
	tok := loadFixture(t, "bert")
	s := "Café NAÏVE, ok"
	e, err := tok.Encode(s, true)
	require.NoError(t, err)
	require.Equal(t, "[CLS]", e.Tokens[0])
	require.Equal(t, "[SEP]", e.Tokens[len(e.Tokens)-1])
	assert.Equal(t, []int64{1, 0, 0, 0, 0, 1}[:1], e.SpecialTokensMask[:1])
	var words []string
	for i, o := range e.Offsets {
		if e.SpecialTokensMask[i] == 0 {
			words = append(words, s[o[0]:o[1]])
		}
	}
	// Every piece maps back to original (accented, upper-case) text.
	assert.Contains(t, strings.Join(words, "|"), ",")
	assert.Equal(t, "cafe naive, ok", tok.Decode(e.IDs, true))
}

// TestTruncationPadding checks the LongestFirst split and Left/Right padding.
func TestTruncationPadding(t *testing.T) {
	tok := loadFixture(t, "bert")
	tok.SetTruncation(&Truncation{MaxLength: 7})
	e, err := tok.EncodePair("a b c d e f", "a b", true)
	require.NoError(t, err)
	// budget 7-3=4: the shorter pair side keeps its 2 tokens, the longer gets 2.
	assert.Equal(t, 7, e.Len())
	assert.Equal(t, []int64{0, 0, 0, 0, 1, 1, 1}, e.TypeIDs)
	tok.SetTruncation(nil)
	tok.SetPadding(&Padding{PadID: 0, PadToken: "[PAD]", Direction: "Left"})
	b, err := tok.EncodeBatch([]string{"a", "a b c"}, true)
	require.NoError(t, err)
	require.Len(t, b, 2)
	assert.Equal(t, 5, b[0].Len())
	assert.Equal(t, []int64{0, 0, 1, 1, 1}, b[0].AttentionMask)
	assert.Equal(t, []int64{1, 1, 1, 1, 1}, b[1].AttentionMask)
	tok.SetPadding(&Padding{Fixed: 8, PadID: 0})
	e, err = tok.Encode("a", true)
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 1, 1, 0, 0, 0, 0, 0}, e.AttentionMask)
}

// TestParseErrors checks that errors name the file and the JSON path.
func TestParseErrors(t *testing.T) {
	cases := []struct{ json, want string }{
		{`{`, "x.json: $"},
		{`{"model": null}`, "x.json: model: missing"},
		{`{"model": {"type": "WordLevel", "vocab": {}}}`, `model.type: unsupported model "WordLevel"`},
		{`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}`, "model.merges[0]"},
		{`{"model": {"type": "BPE", "vocab": {"a": 5}, "merges": []}}`, "model.vocab: id 5"},
		{`{"model": {"type": "Unigram", "vocab": [["a", 0]]}}`, "model.unk_id"},
		{`{"model": {"type": "WordPiece", "vocab": {"a": 0}}, "normalizer": {"type": "Sequence", "normalizers": [{"type": "Precompiled"}]}}`, "normalizer.normalizers[0].precompiled_charsmap"},
		{`{"model": {"type": "WordPiece", "vocab": {"a": 0}}, "normalizer": {"type": "Sequence", "normalizers": [{"type": "Nmt"}]}}`, "normalizer.normalizers[0].type"},
		{`{"model": {"type": "WordPiece", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a(?=b)"}, "behavior": "Isolated"}}`, "pre_tokenizer.pattern.Regex"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.json), "x.json")
		if assert.Error(t, err, c.json) {
			assert.Contains(t, err.Error(), c.want)
		}
	}
	_, err := Load("testdata/missing.json")
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestScanGPT2 checks the hand-written GPT-2 split against the matches the regex (with
// look-ahead) gives, worked out by hand.
func TestScanGPT2(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Hello world", []string{"Hello", " world"}},
		{"a   b", []string{"a", "  ", " b"}},
		{"a  \n", []string{"a", "  \n"}},
		{"don't", []string{"don", "'t"}},
		{"x!!'s 12ab", []string{"x", "!!'", "s", " 12", "ab"}},
		{" ", []string{" "}},
		{"\t\tx", []string{"\t", "\t", "x"}},
	}
	for _, c := range cases {
		r := []rune(c.in)
		var got []string
		for _, m := range (scanMatcher{scanGPT2}).find(r) {
			got = append(got, string(r[m[0]:m[1]]))
		}
		assert.Equal(t, c.want, got, "scanGPT2(%q)", c.in)
	}
}

// TestUnicodeNormalize checks NFC/NFD/NFKC/NFKD on canonical examples from UAX #15.
func TestUnicodeNormalize(t *testing.T) {
	cases := []struct {
		in, nfd, nfc, nfkd, nfkc string
	}{
		{"é", "e\u0301", "é", "e\u0301", "é"},
		{"\u1E0B\u0323", "d\u0323\u0307", "\u1E0D\u0307", "d\u0323\u0307", "\u1E0D\u0307"},
		{"ﬁ", "ﬁ", "ﬁ", "fi", "fi"},
		{"한", "\u1112\u1161\u11AB", "한", "\u1112\u1161\u11AB", "한"},
		{"Å", "A\u030A", "Å", "A\u030A", "Å"}, // U+212B ANGSTROM SIGN is a singleton
	}
	for _, c := range cases {
		s := newNstr(c.in, 0)
		assert.Equal(t, c.nfd, unicodeNormalize(s, false, false).String(), "NFD(%q)", c.in)
		assert.Equal(t, c.nfc, unicodeNormalize(s, false, true).String(), "NFC(%q)", c.in)
		assert.Equal(t, c.nfkd, unicodeNormalize(s, true, false).String(), "NFKD(%q)", c.in)
		assert.Equal(t, c.nfkc, unicodeNormalize(s, true, true).String(), "NFKC(%q)", c.in)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}`))
	f.Add([]byte(`{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1]]}, "pre_tokenizer": {"type": "Metaspace", "replacement": "▁"}}`))
	f.Add([]byte(`{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1}}, "normalizer": {"type": "BertNormalizer"}, "post_processor": {"type": "TemplateProcessing", "single": [], "pair": [], "special_tokens": {}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Parse(data, "fuzz.json")
		if err != nil {
			return
		}
		e, _ := tok.Encode("Hello wörld 你好 😀  ab", true)
		tok.Decode(e.IDs, false)
	})
}

func FuzzEncode(f *testing.F) {
	toks := map[string]*Tokenizer{}
	for _, n := range []string{"gpt2", "bert", "unigram"} {
		tok, err := Load("testdata/" + n + ".json.gz")
		require.NoError(f, err)
		toks[n] = tok
	}
	f.Add("Hello, world!  \n")
	f.Add("\xff\xfe invalid \xc3")
	f.Add("e\u0301\u0327 ﬁ 한국 😀")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range toks {
			e, err := tok.Encode(s, true)
			require.NoError(t, err)
			for _, o := range e.Offsets {
				require.True(t, 0 <= o[0] && o[0] <= o[1] && o[1] <= len(s))
			}
			d := tok.Decode(e.IDs, true)
			require.True(t, utf8.ValidString(d))
		}
	})
}

func benchmarkEncode(b *testing.B, name string) {
	strs, _ := loadReference(b)
	tok := loadFixture(b, name)
	n := 0
	for _, s := range strs {
		n += len(s)
	}
	b.SetBytes(int64(n))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range strs {
			_, _ = tok.Encode(s, false)
		}
	}
}

// The benchmarks encode every string of strings.json once per iteration, as gen_reference.mjs
// does for transformers.js.
func BenchmarkEncodeGPT2(b *testing.B)    { benchmarkEncode(b, "gpt2") }
func BenchmarkEncodeBERT(b *testing.B)    { benchmarkEncode(b, "bert") }
func BenchmarkEncodeUnigram(b *testing.B) { benchmarkEncode(b, "unigram") }
