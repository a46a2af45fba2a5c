// Package tokenizer loads Hugging Face tokenizer.json files and encodes text in pure Go, with the
// same ids as the Hugging Face implementations.
//
// Supported components:
//   - models: BPE (merges as "a b" strings or [a, b] pairs; byte_fallback, fuse_unk,
//     continuing_subword_prefix, end_of_word_suffix, ignore_merges), WordPiece, Unigram (Viterbi;
//     unknown pieces score min_score-10 and consecutive unknowns are fused; byte_fallback).
//   - normalizers: NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend, Replace,
//     BertNormalizer, Precompiled (SentencePiece charsmap, applied as sentencepiece's
//     normalizer.cc does: longest trie match at each position), Sequence. The Unicode data (unorm_tables.go) is generated from Python's
//     unicodedata by testdata/gen_unorm.py, since golang.org/x/text is not a dependency.
//   - pre-tokenizers: BertPreTokenizer, Whitespace, WhitespaceSplit, ByteLevel, Metaspace, Split,
//     Punctuation, Digits, Sequence.
//   - post-processors: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence.
//   - decoders: ByteLevel, WordPiece, Metaspace, BPEDecoder, ByteFallback, Fuse, Strip, Replace,
//     Sequence.
//
// The GPT-2 split pattern
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// needs look-ahead, which Go's regexp lacks, so it is a hand-written scanner (scanGPT2): at each
// position the first alternative that matches wins, and a white-space run followed by a
// non-space keeps its last rune for the next token (" world"). \s is the Unicode White_Space
// property, as in the Rust implementation (JavaScript's \s differs on U+0085 and U+FEFF). The
// Llama 3 pattern is also a scanner (scanLlama3); any other Split regex must compile with RE2.
//
// Offsets are byte offsets into the input string: token i covers text[Offsets[i][0]:Offsets[i][1]].
// A token made of part of a character (byte-level BPE splitting a multi-byte rune, NFD output)
// covers that whole character. Special and padding tokens have {0, 0}.
//
// Added tokens are matched in the raw input before normalization (leftmost, then longest).
// SentencePiece parity: testdata/gen_spm.py trains a Unigram model with sentencepiece, converts
// it like Hugging Face's SpmConverter and records sentencepiece's ids. The normalized text is
// sentencepiece's on every test string; ids differ only where two segmentations tie exactly and
// sentencepiece's float32 whole-sentence Viterbi breaks the tie by rounding, while this package
// (like Hugging Face) runs a float64 Viterbi per Metaspace word.
//
// Known gaps: the CTC and WordLevel components are not supported and fail at load time with the
// JSON path; truncation stride does not produce overflowing windows; lower-casing has no Greek
// final-sigma rule.
package tokenizer
