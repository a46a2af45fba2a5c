package tokenizer

import (
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spmReference is testdata/spm_reference.json.gz, written by testdata/gen_spm.py: the ids of
// sentencepiece 0.1.97 (sp.encode(s, out_type=int)) for every string of strings.json, with the
// model that gen_spm.py trained and converted to testdata/spm_unigram.json.gz.
type spmReference struct {
	Generator string    `json:"generator"`
	IDs       [][]int64 `json:"ids"`
}

func loadSpmReference(t testing.TB) ([]string, spmReference) {
	t.Helper()
	data, err := os.ReadFile("testdata/strings.json")
	require.NoError(t, err)
	var strs []string
	require.NoError(t, json.Unmarshal(data, &strs))
	f, err := os.Open("testdata/spm_reference.json.gz")
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	var ref spmReference
	require.NoError(t, json.NewDecoder(zr).Decode(&ref))
	require.Len(t, ref.IDs, len(strs))
	return strs, ref
}

// TestSentencePieceIDs requires the ids of sentencepiece itself on every string of
// strings.json, for a tokenizer.json whose normalizer is a real nmt_nfkc Precompiled charsmap.
//
// Hugging Face's pipeline (and this package) runs Unigram Viterbi per Metaspace word in float64;
// sentencepiece runs it over the whole sentence with float32 path scores, so exactly tied segmentations (the
// same pieces in another order, e.g. 字+字字 against 字字+字) can be broken differently by
// rounding. Such ties are accepted only if spmViterbi, sentencepiece's whole-sentence Viterbi over this
// package's normalized text, reproduces sentencepiece's ids exactly; anything else fails.
func TestSentencePieceIDs(t *testing.T) {
	strs, ref := loadSpmReference(t)
	tok := loadFixture(t, "spm_unigram")
	m, ok := tok.model.(*unigramModel)
	require.True(t, ok)
	exact, ties := 0, 0
	for i, s := range strs {
		e, err := tok.Encode(s, false)
		require.NoError(t, err)
		want := ref.IDs[i]
		if want == nil {
			want = []int64{}
		}
		// The normalized text is sentencepiece's on every string: its own lattice over it gives
		// its ids.
		assert.Equal(t, want, spmViterbi(m, tok.normalizedRunes(s)), "normalized %q #%d", s, i)
		if len(want) == 0 && len(e.IDs) == 0 || assert.ObjectsAreEqual(want, e.IDs) {
			exact++
			continue
		}
		if assert.Equal(t, want, spmViterbi(m, tok.normalizedRunes(s)), "Encode(%q) #%d: not a tie", s, i) &&
			assert.ElementsMatch(t, want, e.IDs, "Encode(%q) #%d: not a reordering of the same pieces", s, i) {
			ties++
		}
	}
	t.Logf("%d of %d strings have sentencepiece's ids exactly, %d more differ only by float32 Viterbi tie-breaking (%s)",
		exact, len(strs), ties, ref.Generator)
	assert.Equal(t, len(strs), exact+ties)
	assert.LessOrEqual(t, ties, len(strs)/20, "too many ties")
}

// normalizedRunes is the text the model sees: the normalized pre-tokenized pieces, concatenated.
func (t *Tokenizer) normalizedRunes(text string) []rune {
	s := newNstr(text, 0)
	if t.norm != nil {
		s = t.norm.normalize(s)
	}
	var out []rune
	for _, w := range t.pre.preTokenize([]nstr{s}) {
		out = append(out, w.r...)
	}
	return out
}

// spmViterbi is sentencepiece's EncodeOptimized (unigram_model.cc) over a whole sentence: path
// scores stored as float32 but each candidate summed and compared in float64, the first (earliest-start) candidate kept on equal scores, an unknown
// character when no one-character piece matches, and consecutive unknowns merged afterwards.
func spmViterbi(m *unigramModel, r []rune) []int64 {
	n := len(r)
	best := make([]float32, n+1)
	from := make([]int, n+1)
	ids := make([]int64, n+1)
	set := make([]bool, n+1)
	set[0] = true
	relax := func(p, q int, id int64, score float32) {
		// score is promoted to double (the ?: with the user-defined bonus is a double), the sum
		// is compared in double with the stored float and then rounded to float.
		if s := float64(best[p]) + float64(score); !set[q] || s > float64(best[q]) {
			best[q], from[q], ids[q], set[q] = float32(s), p, id, true
		}
	}
	for p := 0; p < n; p++ {
		single := false
		for l := 1; l <= m.maxLen && p+l <= n; l++ {
			if id, ok := m.vocabMap[string(r[p:p+l])]; ok {
				single = single || l == 1
				relax(p, p+l, id, float32(m.scores[id]))
			}
		}
		if !single {
			relax(p, p+1, m.unkID, float32(m.unkScore))
		}
	}
	var rev []int64
	for p := n; p > 0; p = from[p] {
		rev = append(rev, ids[p])
	}
	out := []int64{}
	for i := len(rev) - 1; i >= 0; i-- {
		if rev[i] == m.unkID && len(out) > 0 && out[len(out)-1] == m.unkID {
			continue
		}
		out = append(out, rev[i])
	}
	return out
}

func spmCharsmap(t testing.TB) *precompiledNorm {
	t.Helper()
	tok := loadFixture(t, "spm_unigram")
	q, ok := tok.norm.(sequenceNorm)
	require.True(t, ok)
	p, ok := q[0].(*precompiledNorm)
	require.True(t, ok)
	return p
}

// TestPrecompiledNormalize checks the nmt_nfkc charsmap trained by gen_spm.py on single inputs;
// the expected strings are NFKC (Python's unicodedata.normalize) plus nmt_nfkc's own rules
// (white space to U+0020, control characters removed), and the offsets follow the input bytes.
func TestPrecompiledNormalize(t *testing.T) {
	p := spmCharsmap(t)
	for _, tc := range []struct {
		in, want string
		off      [][2]int
	}{
		{"abc", "abc", [][2]int{{0, 1}, {1, 2}, {2, 3}}},
		{"", "", nil},
		{"ｆｕｌｌ", "full", [][2]int{{0, 3}, {3, 6}, {6, 9}, {9, 12}}},
		{"①x", "1x", [][2]int{{0, 3}, {3, 4}}},
		{"㍿", "株式会社", [][2]int{{0, 3}, {0, 3}, {0, 3}, {0, 3}}},
		{"ﬁ", "fi", [][2]int{{0, 3}, {0, 3}}},
		{"a\u3000b", "a b", [][2]int{{0, 1}, {1, 4}, {4, 5}}},
		{"a\tb\nc", "a b c", [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}},
		{"e\u0301", "é", [][2]int{{0, 3}}}, // a two-character key: the longest match wins
		{"A\u030a", "Å", [][2]int{{0, 3}}},
		{"x\x01y", "xy", [][2]int{{0, 1}, {2, 3}}},
	} {
		got := p.normalize(newNstr(tc.in, 0))
		assert.Equal(t, tc.want, got.String(), "normalize(%q)", tc.in)
		if tc.off != nil {
			assert.Equal(t, tc.off, got.off, "normalize(%q) offsets", tc.in)
		}
	}
}

// TestPrecompiledErrors checks that malformed charsmaps fail at load time with the JSON path.
func TestPrecompiledErrors(t *testing.T) {
	head := func(n uint32, rest ...byte) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, n), rest...)
	}
	for _, tc := range []struct {
		name, charsmap, want string
	}{
		{"base64", "!!", "illegal base64"},
		{"short", base64.StdEncoding.EncodeToString([]byte{1, 2}), "no 4-byte trie size"},
		{"size", base64.StdEncoding.EncodeToString(head(400, 1, 2, 3, 4)), "exceeds"},
		{"align", base64.StdEncoding.EncodeToString(head(3, 1, 2, 3)), "multiple of 4"},
		{"empty trie", base64.StdEncoding.EncodeToString(head(0, 'a')), "empty trie"},
	} {
		js := `{"normalizer": {"type": "Sequence", "normalizers": [{"type": "Precompiled", "precompiled_charsmap": "` +
			tc.charsmap + `"}]}, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0]]}}`
		_, err := Parse([]byte(js), "t.json")
		if assert.Error(t, err, tc.name) {
			assert.Contains(t, err.Error(), "normalizer.normalizers[0].precompiled_charsmap", tc.name)
			assert.Contains(t, err.Error(), tc.want, tc.name)
		}
	}
	tok, err := Parse([]byte(`{"normalizer": {"type": "Precompiled", "precompiled_charsmap": ""},
		"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1]]}}`), "t.json")
	require.NoError(t, err, "an empty charsmap is the identity")
	e, err := tok.Encode("a", false)
	require.NoError(t, err)
	assert.Equal(t, []int64{1}, e.IDs)
}

// FuzzPrecompiled feeds arbitrary charsmaps and inputs: bad charsmaps must be errors, and
// normalization must not panic and must keep one offset per rune within the input.
func FuzzPrecompiled(f *testing.F) {
	real := spmCharsmap(f)
	seed := func(units, strs int) []byte { // the head of the real charsmap, kept small
		blob := binary.LittleEndian.AppendUint32(nil, uint32(4*units))
		for _, u := range real.trie[:units] {
			blob = binary.LittleEndian.AppendUint32(blob, u)
		}
		return append(blob, real.normalized[:strs]...)
	}
	f.Add(seed(2048, 256), "ｆｕｌｌ ㍿ e\u0301 \xff\x00")
	f.Add(seed(256, 64), "abc")
	f.Add([]byte{8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 1, 0, 0, 'x', 0}, "\x00\x01\xff")
	f.Fuzz(func(t *testing.T, charsmap []byte, in string) {
		p, err := newPrecompiled(charsmap)
		if err != nil {
			return
		}
		got := p.normalize(newNstr(in, 0))
		require.Len(t, got.off, len(got.r))
		for _, o := range got.off {
			require.True(t, 0 <= o[0] && o[0] <= o[1] && o[1] <= len(in), "offset %v of %q", o, in)
		}
	})
}
