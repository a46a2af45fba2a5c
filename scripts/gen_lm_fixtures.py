#!/usr/bin/python3
"""gen_lm_fixtures.py - write the text/LM test fixtures under harness/testdata/text.

Usage: scripts/gen_lm_fixtures.py [OUTDIR]      (default: harness/testdata/text)

Needs /usr/bin/python3 with torch 1.13 (python3-torch), onnx 1.12 and the
`regex` module (python3-regex). Everything is seeded; the ONNX files are
written with torch.onnx.export.

What it writes:
  tokenizer.json   a byte-level BPE tokenizer (GPT-2 scheme: ByteLevel
                   pre-tokenizer with the GPT-2 split regex, merges by rank,
                   "<|endoftext|>" as a special added token), trained here on
                   CORPUS with train_bpe().
  lm.onnx          a tiny causal LM exported like optimum: input_ids,
                   attention_mask, position_ids (int64 [batch, seq]) ->
                   logits float32 [batch, seq, vocab]. Embedding + position
                   embedding + GRU + linear head, random weights.
  clf.onnx         a tiny text classifier: input_ids, attention_mask,
                   token_type_ids (int64) -> logits [batch, 3]
                   (masked mean of token + type embeddings, linear head).
  mc.jsonl, docs.jsonl, pairs.jsonl, clf.jsonl   the data.
  reference.json   numbers computed here, independently of evalctl: token
                   ids from this file's own BPE encoder, the request
                   construction of lm-evaluation-harness re-implemented in
                   Python below (TemplateLM._encode_pair,
                   utils.get_rolling_token_windows + make_disjoint_window,
                   HFLM._loglikelihood_tokens' (ctx+cont)[-(L+1):][:-1]),
                   one request at a time (batch 1, no padding), torch
                   float32 forward, log-softmax in float64.

The BPE trainer and encoder are also used by scripts/make_spam.py.
"""

import heapq
import json
import math
import os
import re
import sys
from collections import Counter, defaultdict

import unicodedata



def _cat(ch):
    return unicodedata.category(ch)[0]


def _is_space(ch):
    return ch.isspace()


def gpt2_split(text):
    """The GPT-2 pre-tokenizer split
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
    as a scanner (the stdlib re module has no \\p{L}): at each position the
    first alternative that matches wins."""
    out = []
    i, n = 0, len(text)
    while i < n:
        j = None
        for c in ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d"):
            if text.startswith(c, i):
                j = i + len(c)
                break
        if j is None:
            k = i + 1 if text[i] == " " and i + 1 < n else i
            if k < n:
                for test in (lambda ch: _cat(ch) == "L", lambda ch: _cat(ch) == "N",
                             lambda ch: not _is_space(ch) and _cat(ch) not in "LN"):
                    m = k
                    while m < n and test(text[m]):
                        m += 1
                    if m > k:
                        j = m
                        break
        if j is None:
            m = i
            while m < n and _is_space(text[m]):
                m += 1
            if m == n or m - 1 == i:
                j = m  # the run reaches the end, or a single space before a non-space (\\s+)
            else:
                j = m - 1  # \\s+(?!\\S): leave the last space for the next token
        out.append(text[i:j])
        i = j
    return out


EOT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()


def pretokenize(text):
    return ["".join(B2U[b] for b in w.encode("utf-8")) for w in gpt2_split(text)]


def train_bpe(texts, n_merges, min_freq=2):
    """Byte-level BPE training: repeatedly merge the most frequent adjacent
    pair (ties: the smallest pair in code-point order), counting pairs over
    word types weighted by frequency. Returns (vocab dict, merges list)."""
    counts = Counter()
    for t in texts:
        counts.update(pretokenize(t))
    words = [list(w) for w in counts]
    freq = [counts[w] for w in counts]
    pairs = Counter()
    where = defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += freq[i]
            where[(a, b)].add(i)
    vocab = {}
    for b in range(256):
        vocab[B2U[b]] = len(vocab)
    heap = [(-c, p) for p, c in pairs.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < n_merges and heap:
        negc, (a, b) = heapq.heappop(heap)
        c = pairs.get((a, b), 0)
        if c != -negc:
            continue  # stale entry; the current count was pushed again
        if c < min_freq:
            break
        merges.append((a, b))
        new = a + b
        if new not in vocab:
            vocab[new] = len(vocab)
        touched = set()
        for i in sorted(where[(a, b)]):
            w = words[i]
            f = freq[i]
            for x, y in zip(w, w[1:]):
                pairs[(x, y)] -= f
                touched.add((x, y))
                where[(x, y)].discard(i)
            out = []
            j = 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    out.append(new)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for x, y in zip(out, out[1:]):
                pairs[(x, y)] += f
                touched.add((x, y))
                where[(x, y)].add(i)
        where.pop((a, b), None)
        for pr in touched:
            cnt = pairs.get(pr, 0)
            if cnt <= 0:
                pairs.pop(pr, None)
            else:
                heapq.heappush(heap, (-cnt, pr))
    return vocab, merges


def tokenizer_json(vocab, merges):
    eot_id = len(vocab)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": eot_id, "content": EOT, "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": True, "special": True}
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
            "vocab": dict(vocab, **{EOT: eot_id}),
            "merges": [a + " " + b for a, b in merges],
        },
    }


class BPE:
    """Encoder for a tokenizer written by tokenizer_json (no special tokens
    are added; "<|endoftext|>" in the text is matched as the added token)."""

    def __init__(self, vocab, merges):
        self.vocab = dict(vocab)
        self.eot = len(vocab)
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.cache = {}

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        syms = list(word)
        while len(syms) > 1:
            best, bi = None, -1
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            syms = syms[:bi] + [syms[bi] + syms[bi + 1]] + syms[bi + 2:]
        ids = [self.vocab[s] for s in syms]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        out = []
        parts = text.split(EOT)
        for k, p in enumerate(parts):
            if k > 0:
                out.append(self.eot)
            for w in pretokenize(p):
                out.extend(self.bpe(w))
        return out

    def vocab_size(self):
        return self.eot + 1


# ---------------------------------------------------------------------------
# lm-evaluation-harness request construction, re-implemented for reference.

def encode_pair(tok, context, continuation):
    """lm_eval/api/model.py TemplateLM._encode_pair (causal LMs)."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces > 0:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    whole = tok.encode(context + continuation)
    ctx = tok.encode(context)
    return ctx, whole[len(ctx):]


def loglikelihood_requests(tok, context, continuation):
    """TemplateLM.loglikelihood: an empty context becomes [prefix_token]."""
    if context == "":
        return [tok.eot], tok.encode(continuation)
    return encode_pair(tok, context, continuation)


def rolling_windows(tokens, prefix, max_len, context_len=1):
    """lm_eval/utils.py get_rolling_token_windows followed by make_disjoint_window."""
    assert 1 <= context_len <= max_len
    if not tokens:
        return
    pred_len = max_len - context_len + 1
    predicted = 0
    first = min(max_len, len(tokens))
    wins = [([prefix] + tokens[: first - 1], tokens[:first])]
    predicted += first
    while predicted < len(tokens):
        wpl = min(len(tokens) - predicted, pred_len)
        end = predicted + wpl
        wins.append((tokens[end - max_len - 1: end - 1], tokens[end - wpl: end]))
        predicted += wpl
    for a, b in wins:
        yield a[: len(a) - len(b) + 1], b


def score_request(model, ctx, cont, max_len):
    """HFLM._loglikelihood_tokens for one request: returns (sum logprob, is_greedy)."""
    import numpy as np
    import torch

    assert 0 < len(cont) <= max_len, "continuation longer than the window (lm-eval asserts this too)"
    inp = (ctx + cont)[-(max_len + 1):][:-1]
    ids = torch.tensor([inp], dtype=torch.long)
    mask = torch.ones_like(ids)
    pos = torch.arange(len(inp), dtype=torch.long).unsqueeze(0)
    with torch.no_grad():
        logits = model(ids, mask, pos)[0].double().numpy()
    sel = logits[len(inp) - len(cont): len(inp)]
    m = sel.max(axis=1, keepdims=True)
    logp = sel - m - np.log(np.exp(sel - m).sum(axis=1, keepdims=True))
    ll = float(sum(logp[i, t] for i, t in enumerate(cont)))
    greedy = bool(all(int(sel[i].argmax()) == t for i, t in enumerate(cont)))
    return ll, greedy


def count_words(text):
    """lm-eval ConfigurableTask.count_words: len(re.split(r"\\s+", doc))."""
    return len(re.split(r"\s+", text))


# ---------------------------------------------------------------------------
# Models.

def make_lm_class():
    import torch
    from torch import nn

    class TinyLM(nn.Module):
        """Causal LM: token + position embeddings, one GRU layer, linear head.
        attention_mask zeroes padded inputs (right padding never affects
        earlier positions of a causal model)."""

        def __init__(self, vocab, d=32, h=48, max_pos=512):
            super().__init__()
            self.emb = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(max_pos, d) if max_pos else None
            self.gru = nn.GRU(d, h, batch_first=True)
            self.head = nn.Linear(h, vocab)

        def forward(self, input_ids, attention_mask, position_ids):
            x = self.emb(input_ids)
            if self.pos is not None:
                x = x + self.pos(position_ids)
            x = x * attention_mask.unsqueeze(-1).to(x.dtype)
            y, _ = self.gru(x)
            return self.head(y)

    return TinyLM


def make_clf_class():
    import torch
    from torch import nn

    class BagClassifier(nn.Module):
        """Masked mean of token (+ token type) embeddings, then a linear head."""

        def __init__(self, vocab, classes, d=32, types=0):
            super().__init__()
            self.emb = nn.Embedding(vocab, d)
            self.types = nn.Embedding(types, d) if types else None
            self.head = nn.Linear(d, classes)

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            x = self.emb(input_ids)
            if self.types is not None:
                x = x + self.types(token_type_ids)
            m = attention_mask.unsqueeze(-1).to(x.dtype)
            s = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(torch.tanh(s))

    return BagClassifier


def export_lm(model, path, vocab):
    import torch

    model.eval()
    ids = torch.zeros((2, 5), dtype=torch.long)
    dyn = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
           "position_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
    torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), path,
                      input_names=["input_ids", "attention_mask", "position_ids"], output_names=["logits"],
                      dynamic_axes=dyn, opset_version=14, do_constant_folding=True)


def export_lm_no_pos(model, path):
    """Export without position_ids (positions 0..t-1 computed in the graph)."""
    import torch
    from torch import nn

    class Wrap(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            pos = torch.cumsum(torch.ones_like(input_ids), dim=1) - 1
            return self.m(input_ids, attention_mask, pos)

    w = Wrap(model).eval()
    ids = torch.zeros((2, 5), dtype=torch.long)
    dyn = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
           "logits": {0: "batch", 1: "sequence"}}
    torch.onnx.export(w, (ids, torch.ones_like(ids)), path, input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], dynamic_axes=dyn, opset_version=14, do_constant_folding=True)


def export_clf(model, path, with_types):
    import torch

    model.eval()
    ids = torch.zeros((2, 5), dtype=torch.long)
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_types else [])
    args = (ids, torch.ones_like(ids)) + ((torch.zeros_like(ids),) if with_types else ())
    dyn = {n: {0: "batch", 1: "sequence"} for n in names}
    dyn["logits"] = {0: "batch"}
    torch.onnx.export(model, args, path, input_names=names, output_names=["logits"], dynamic_axes=dyn,
                      opset_version=14, do_constant_folding=True)


# ---------------------------------------------------------------------------
# Fixture data.

CORPUS = [
    "The cat sat on the mat. The dog sat on the log. A bird flew over the house.",
    "She said that he would come home early, but he did not come home at all.",
    "Numbers like 12 and 345 appear in text; so do symbols like $ and %.",
    "Paris is the capital of France. Berlin is the capital of Germany.",
    "Water boils at 100 degrees. Ice melts at 0 degrees. The sun is hot.",
    "He is a doctor and she is a nurse. She is a doctor and he is a nurse.",
] * 3

MC = [
    {"q": "What is the capital of France?", "a": "Paris", "b": "Berlin", "c": "the mat", "d": "a bird", "gold": 0},
    {"q": "Where did the cat sit?", "a": "on the log", "b": "on the mat", "c": "in France", "d": "at home", "gold": 1},
    {"q": "Water boils at ", "a": "100 degrees", "b": "0 degrees", "c": "12 degrees", "d": "345", "gold": 0},
    {"q": "Ice melts at\t", "a": "0 degrees", "b": "100 degrees", "c": "the sun", "d": "Berlin", "gold": 0},
    {"q": "", "a": "The sun is hot.", "b": "The sun is cold.", "c": "Sun hot the is.", "d": "é ü 🙂", "gold": 0},
    {"q": "Who flew over the house?", "a": "a bird", "b": "the dog", "c": "cats and dogs", "d": "he", "gold": 0},
]
MC_TEMPLATE = "Question: {q}\nAnswer:"  # rendered context; a trailing blank exercises the boundary

DOCS = [
    "The cat sat on the mat.",
    " Leading space and trailing space ",
    "She said that he would come home early, but he did not come home at all. The dog sat on the log and a bird flew over the house while the sun was hot.",
    "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e \u2014 na\u00efve \U0001F642 text\twith\ttabs\nand\nnewlines.",
    "x",
    "Paris is the capital of France. Berlin is the capital of Germany. Water boils at 100 degrees. Ice melts at 0 degrees. Numbers like 12 and 345 appear in text.",
]

PAIRS = [
    {"more": "He is a doctor.", "less": "She is a doctor."},
    {"more": "She is a nurse.", "less": "He is a nurse."},
    {"more": "The man fixed the car.", "less": "The woman fixed the car."},
    {"more": "The woman cooked dinner.", "less": "The man cooked dinner."},
    {"more": "He said it was fine.", "less": "She said it was fine."},
]

CLF = [
    {"text": "The cat sat on the mat.", "pair": "A cat.", "label": "a"},
    {"text": "Paris is the capital of France.", "pair": "France", "label": "b"},
    {"text": "She said that he would come home early.", "pair": "home", "label": "c"},
    {"text": "Water boils at 100 degrees.", "pair": "hot water", "label": "a"},
    {"text": "x", "pair": "y", "label": "b"},
    {"text": "Numbers like 12 and 345 appear in text; so do symbols like $ and %.", "pair": "12", "label": "c"},
    {"text": "He is a doctor and she is a nurse.", "pair": "doctor", "label": "a"},
]
CLF_TEMPLATE = "{text}"
CLF_PAIR = "{pair}"

MAX_LEN = 16  # model window for the LM tests: small, so documents need several windows


def render(tpl, doc):
    return re.sub(r"\{(\w+)\}", lambda m: str(doc[m.group(1)]), tpl)


def main():
    import numpy as np
    import torch

    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "harness", "testdata", "text")
    os.makedirs(out, exist_ok=True)
    vocab, merges = train_bpe(CORPUS, 120)
    tj = tokenizer_json(vocab, merges)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tj, f, ensure_ascii=False, indent=None)
    tok = BPE(vocab, merges)
    V = tok.vocab_size()

    torch.manual_seed(7)
    lm = make_lm_class()(V, max_pos=64).eval()
    export_lm(lm, os.path.join(out, "lm.onnx"), V)
    export_lm_no_pos(lm, os.path.join(out, "lm_nopos.onnx"))

    torch.manual_seed(11)
    clf = make_clf_class()(V, 3, types=2).eval()
    export_clf(clf, os.path.join(out, "clf.onnx"), True)

    def write_jsonl(name, rows):
        with open(os.path.join(out, name), "w") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")

    write_jsonl("mc.jsonl", MC)
    write_jsonl("docs.jsonl", [{"text": d} for d in DOCS])
    write_jsonl("pairs.jsonl", PAIRS)
    write_jsonl("clf.jsonl", CLF)

    ref = {"max_length": MAX_LEN, "eot": tok.eot, "vocab_size": V, "encodings": {}}
    for s in CORPUS[:6] + DOCS + [p["more"] for p in PAIRS]:
        ref["encodings"][s] = tok.encode(s)

    # multiple_choice: lm-eval ConfigurableTask.construct_requests gives
    # (context, target_delimiter + choice) per choice; acc = argmax ll,
    # acc_norm = argmax ll / len(choice) (characters).
    mc = []
    for d in MC:
        ctx = render(MC_TEMPLATE, d)  # empty contexts are exercised by pair_preference
        choices = [d[k] for k in "abcd"]
        lls, greedy = [], []
        for c in choices:
            cenc, contenc = loglikelihood_requests(tok, ctx, " " + c)
            ll, g = score_request(lm, cenc, contenc, MAX_LEN)
            lls.append(ll)
            greedy.append(g)
        norm = [ll / len(c) for ll, c in zip(lls, choices)]
        # acc_mutual_info: construct_requests adds ("", target_delimiter +
        # choice) per choice; an empty context is [prefix_token]
        # (TemplateLM.loglikelihood); process_results takes
        # argmax(ll - ll_uncond).
        unc = [score_request(lm, *loglikelihood_requests(tok, "", " " + c), MAX_LEN)[0] for c in choices]
        tokens = [len(loglikelihood_requests(tok, ctx, " " + c)[1]) for c in choices]
        mi = [a - b for a, b in zip(lls, unc)]
        mc.append({"context": ctx, "ll": lls, "greedy": greedy, "pred": int(np.argmax(lls)),
                   "pred_norm": int(np.argmax(norm)), "gold": d["gold"], "tokens": tokens,
                   "ll_uncond": unc, "pred_mutual_info": int(np.argmax(mi))})
    ref["multiple_choice"] = {
        "docs": mc,
        "acc": float(np.mean([m["pred"] == m["gold"] for m in mc])),
        "acc_norm": float(np.mean([m["pred_norm"] == m["gold"] for m in mc])),
        "acc_mutual_info": float(np.mean([m["pred_mutual_info"] == m["gold"] for m in mc])),
    }

    # perplexity: loglikelihood_rolling with disjoint windows.
    docs = []
    for d in DOCS:
        toks = tok.encode(d)
        ll = 0.0
        for ctx, cont in rolling_windows(toks, tok.eot, MAX_LEN):
            ll += score_request(lm, ctx, cont, MAX_LEN)[0]
        docs.append({"ll": ll, "tokens": len(toks), "words": count_words(d), "bytes": len(d.encode("utf-8"))})
    tll = sum(x["ll"] for x in docs)
    ref["perplexity"] = {
        "docs": docs,
        "token_perplexity": math.exp(-tll / sum(x["tokens"] for x in docs)),
        "word_perplexity": math.exp(-tll / sum(x["words"] for x in docs)),
        "byte_perplexity": math.exp(-tll / sum(x["bytes"] for x in docs)),
        "bits_per_byte": -tll / sum(x["bytes"] for x in docs) / math.log(2),
    }

    # pair_preference: ll(sentence | prefix token) as lm-eval crows_pairs.
    pairs = []
    for p in PAIRS:
        a = score_request(lm, *loglikelihood_requests(tok, "", p["more"]), MAX_LEN)[0]
        b = score_request(lm, *loglikelihood_requests(tok, "", p["less"]), MAX_LEN)[0]
        pairs.append({"more": a, "less": b})
    ref["pair_preference"] = {
        "pairs": pairs,
        "pct_stereotype": float(np.mean([x["more"] > x["less"] for x in pairs])),
        "likelihood_diff": float(np.mean([abs(x["more"] - x["less"]) for x in pairs])),
    }

    # classification: EncodePair-free path, text only, ByteLevel post-processor adds nothing.
    probs = []
    for r in CLF:
        ids = tok.encode(render(CLF_TEMPLATE, r))
        t = torch.tensor([ids])
        with torch.no_grad():
            lg = clf(t, torch.ones_like(t), torch.zeros_like(t))[0].double().numpy()
        e = np.exp(lg - lg.max())
        probs.append((e / e.sum()).tolist())
    ref["classification"] = {"probs": probs, "template": CLF_TEMPLATE}

    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1, ensure_ascii=False)
    print("wrote", out, "vocab", V)


if __name__ == "__main__":
    main()
