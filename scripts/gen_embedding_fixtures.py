#!/usr/bin/python3
"""Write the fixture text-embedding model, tokenizer and data for the WEAT and
retrieval tests (harness/embedding_weat_test.go, harness/embedding_retrieval_test.go)
and print the expected numbers, computed here independently of evalctl
(including the SEAT variant of the WEAT fixture, see SEAT_TEMPLATE).

    /usr/bin/python3 scripts/gen_embedding_fixtures.py

Needs numpy and onnx (python3-onnx 1.12). Outputs, all deterministic:

  harness/testdata/embedding/word_embed.onnx   input_ids, attention_mask int64 [batch, seq]
                                               -> last_hidden_state float32 [batch, seq, 4]
                                               = Gather(table, input_ids) * attention_mask
  harness/testdata/embedding/tokenizer.json    WordPiece, whitespace split, no special tokens:
                                               one token per vocabulary word
  harness/testdata/embedding/words.jsonl       one row per fixture WEAT word
  harness/testdata/embedding/weat_fixture.json the fixture word sets X, Y, A, B
  suites/retrieval/{queries,corpus}.jsonl, suites/retrieval/qrels.tsv

The table is built so that every number can be derived by hand (e1..e4 are the
unit axes): flowers X = {rose: e1, tulip: e1+e3, daisy: e1-e3}, insects
Y = {ant: e2, bee: e2+e3, wasp: e2-e3}, pleasant A = {love: 2e1, peace: 3e1},
unpleasant B = {hatred: 2e2, war: 3e2}, garden = e4. Then s(w,A,B) =
cos(w,e1) - cos(w,e2) is 1, 1/sqrt2, 1/sqrt2 on X and the negatives on Y, so
d = sqrt5 (1 + sqrt2) / 3 and, of the C(6,3) = 20 equal-size partitions, only
X itself reaches S: p = 1/20.
"""
import itertools
import json
import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FIX = os.path.join(ROOT, "harness", "testdata", "embedding")
RET = os.path.join(ROOT, "suites", "retrieval")

E = np.eye(4, dtype=np.float32)
WORDS = {
    "rose": E[0], "tulip": E[0] + E[2], "daisy": E[0] - E[2],
    "ant": E[1], "bee": E[1] + E[2], "wasp": E[1] - E[2],
    "love": 2 * E[0], "peace": 3 * E[0],
    "hatred": 2 * E[1], "war": 3 * E[1],
    "garden": E[3],
}
SETS = {"name": "fixture-flowers-insects", "source": "evalctl fixture (scripts/gen_embedding_fixtures.py), not a published test",
        "x_name": "flowers", "y_name": "insects", "a_name": "pleasant", "b_name": "unpleasant",
        "X": ["rose", "tulip", "daisy"], "Y": ["ant", "bee", "wasp"], "A": ["love", "peace"], "B": ["hatred", "war"]}
# Retrieval fixture: documents are short texts, mean-pooled over their tokens.
CORPUS = [("d1", "rose"), ("d2", "tulip bee"), ("d3", "ant"), ("d4", "daisy wasp"), ("d5", "bee"), ("d6", "garden")]
QUERIES = [("q1", "tulip"), ("q2", "wasp"), ("q3", "garden"), ("q4", "ant")]
QRELS = [("q1", "d1", 2), ("q1", "d2", 1), ("q2", "d3", 1), ("q2", "d2", 1), ("q3", "d6", 1), ("q4", "d1", 0)]
METRICS = ["recall@1", "recall@3", "mrr@10", "ndcg@10"]


# SEAT (May et al. 2019) puts each word into a template; the template's words
# have zero vectors, so mean pooling over the attention mask of
# "this is <word> ." is word_vector / 4 and, cosine being scale-invariant, the
# SEAT effect size and p-value equal the WEAT ones (harness/testdata/embedding/
# seat.yaml, TestSEATFixture). Appended after WORDS so that no earlier id moves.
SEAT_TEMPLATE = "this is {word} ."
TEMPLATE_WORDS = ["this", "is", "."]


def vocab():
    v = {"[PAD]": 0, "[UNK]": 1}
    for w in WORDS:
        v[w] = len(v)
    for w in TEMPLATE_WORDS:
        v[w] = len(v)
    return v


def table(v):
    t = np.zeros((len(v), 4), dtype=np.float32)
    t[1] = [0.5, 0.5, 0.5, 0.5]  # [UNK]
    for w, vec in WORDS.items():
        t[v[w]] = vec
    for w in TEMPLATE_WORDS:
        t[v[w]] = 0  # already zero; stated for the reader
    return t


def write_model(t, path):
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])
    out = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", t.shape[1]])
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["gathered"], axis=0),
        helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "axes"], ["mask3"]),
        helper.make_node("Mul", ["gathered", "mask3"], ["last_hidden_state"]),
    ]
    inits = [numpy_helper.from_array(t, "table"), numpy_helper.from_array(np.array([-1], dtype=np.int64), "axes")]
    g = helper.make_graph(nodes, "word_embed", [ids, mask], [out], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="gen_embedding_fixtures")
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, path)


def write_tokenizer(v, path):
    tok = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [
        {"id": 0, "content": "[PAD]", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
        {"id": 1, "content": "[UNK]", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None, "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": v}}
    with open(path, "w") as f:
        json.dump(tok, f, indent=1)
        f.write("\n")


def jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def embed(text):
    return np.mean([WORDS[w].astype(np.float64) for w in text.split()], axis=0)


def cos(u, v):
    return float(u @ v / math.sqrt((u @ u) * (v @ v)))


def seat_vector(w):
    """Mean over the tokens of the templated sentence (template words are 0)."""
    toks = SEAT_TEMPLATE.format(word=w).split()
    return np.mean([WORDS[t].astype(np.float64) if t in WORDS else np.zeros(4) for t in toks], axis=0)


def weat_reference(vec=lambda w: WORDS[w]):
    def s(w):
        return np.mean([cos(vec(w), vec(a)) for a in SETS["A"]]) - np.mean([cos(vec(w), vec(b)) for b in SETS["B"]])
    sx = [s(w) for w in SETS["X"]]
    sy = [s(w) for w in SETS["Y"]]
    d = (np.mean(sx) - np.mean(sy)) / np.std(sx + sy, ddof=1)
    allw = SETS["X"] + SETS["Y"]
    sv = dict(zip(allw, sx + sy))
    stat = sum(sx)
    parts = list(itertools.combinations(allw, len(SETS["X"])))
    ge = sum(1 for p in parts if sum(sv[w] for w in p) >= stat - 1e-12)
    return {"effect_size": d, "p_value": ge / len(parts), "partitions": len(parts), "assoc_x": sx, "assoc_y": sy}


def retrieval_reference():
    docs = [(i, embed(t)) for i, t in CORPUS]
    rel = {}
    for q, d, r in QRELS:
        rel.setdefault(q, {})[d] = r
    per = {m: [] for m in METRICS}
    rankings = {}
    for q, text in QUERIES:
        rq = rel.get(q, {})
        if not any(r > 0 for r in rq.values()):
            continue
        qv = embed(text)
        # stable sort by descending cosine: ties keep corpus order (as tasks.Rank)
        ranked = [i for i, _ in sorted(docs, key=lambda dv: -cos(qv, dv[1]))]
        rankings[q] = ranked
        nrel = sum(1 for r in rq.values() if r > 0)
        for m in METRICS:
            kind, k = m.split("@")
            k = int(k)
            top = ranked[:k]
            if kind == "recall":
                per[m].append(sum(1 for d in top if rq.get(d, 0) > 0) / nrel)
            elif kind == "mrr":
                per[m].append(next((1 / (i + 1) for i, d in enumerate(top) if rq.get(d, 0) > 0), 0.0))
            else:
                dcg = sum(max(rq.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(top))
                ideal = sorted((r for r in rq.values() if r > 0), reverse=True)[:k]
                per[m].append(dcg / sum(r / math.log2(i + 2) for i, r in enumerate(ideal)))
    return {"rankings": rankings, "per_query": per, "mean": {m: float(np.mean(v)) for m, v in per.items()}}


def main():
    os.makedirs(FIX, exist_ok=True)
    os.makedirs(RET, exist_ok=True)
    v = vocab()
    write_model(table(v), os.path.join(FIX, "word_embed.onnx"))
    write_tokenizer(v, os.path.join(FIX, "tokenizer.json"))
    words = SETS["X"] + SETS["Y"] + SETS["A"] + SETS["B"]
    jsonl(os.path.join(FIX, "words.jsonl"), [{"word": w} for w in words])
    with open(os.path.join(FIX, "weat_fixture.json"), "w") as f:
        json.dump(SETS, f, indent=1)
        f.write("\n")
    jsonl(os.path.join(RET, "corpus.jsonl"), [{"_id": i, "text": t} for i, t in CORPUS])
    jsonl(os.path.join(RET, "queries.jsonl"), [{"_id": i, "text": t} for i, t in QUERIES])
    with open(os.path.join(RET, "qrels.tsv"), "w") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for q, d, r in QRELS:
            f.write(f"{q}\t{d}\t{r}\n")
    ref = {"weat": weat_reference(), "seat": weat_reference(seat_vector), "retrieval": retrieval_reference()}
    print(json.dumps(ref, indent=1))


if __name__ == "__main__":
    main()
