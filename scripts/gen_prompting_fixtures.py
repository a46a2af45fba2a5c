#!/usr/bin/python3
"""gen_prompting_fixtures.py - train and export the bundled prompting suite's tiny causal LM.

Usage: scripts/gen_prompting_fixtures.py [OUTDIR]      (default: suites/prompting)

Needs /usr/bin/python3 with torch 1.13 (python3-torch) and onnx 1.12
(python3-onnx). Everything is seeded; run it twice and the data,
tokenizer and reference.json are identical (the ONNX bytes may differ with
the torch version).

What it writes under OUTDIR:
  tokenizer.json          byte-level BPE (GPT-2 scheme, "<|endoftext|>" as
                          the special added token), trained here with
                          gen_lm_fixtures.train_bpe on the training text.
  models/lm.onnx          GPT-style causal LM (2 layers, 4 heads, d=64,
                          learned positions, tied head), no cache:
                          input_ids, attention_mask, position_ids
                          (int64 [batch, sequence]) -> logits float32
                          [batch, sequence, vocab].
  models/lm-kv.onnx       the same weights in Hugging Face Optimum's
                          decoder-with-past layout: input_ids,
                          attention_mask [batch, past+sequence],
                          position_ids, past_key_values.{i}.key/value
                          float32 [batch, 4, past, 16] -> logits,
                          present.{i}.key/value [batch, 4, past+sequence, 16].
                          A past of length 0 is the first step.
  models/clf.onnx         the LM body fine-tuned with a 2-class head on the
                          sentiment train split: input_ids, attention_mask
                          -> logits [batch, 2] (class 0 negative, 1 positive);
                          input is the bare review text.
  data/sentiment_{train,test}.jsonl   {"text", "label"}, label "negative"|"positive".
  data/reverse_{train,test}.jsonl     {"input", "target"}: reverse a list of letters.
  reference.json          PyTorch's own greedy continuations (see REFERENCE below).

The LM is trained on documents in the prompt format of lm-evaluation-harness
(docs/prompting.md): k demonstrations (k uniform in 0..5) joined with "\\n\\n",
then the query, each "TEXT ANSWER" with target delimiter " ":

  Review: {text}\\nSentiment: {label}
  Reverse: {input}\\nAnswer: {target}

Generation stops at "\\n" (the model was trained to write one after an answer).

REFERENCE (reference.json): for a few prompts, batch of 1 and a left-padded
batch (pad id = eos id, position_ids = cumsum(attention_mask) - 1 with padded
positions set to 1, as transformers' generate does), with and without the
cache, greedy (argmax; first index on ties) for new_tokens steps with no
stopping. Each case records the padded input_ids, attention_mask and
position_ids it started from, the new token ids per row, the logit of each
chosen token and the decoded text. Top-level keys: vocab_size, eos_id,
pad_id, max_positions, n_layer, n_head, head_dim, new_tokens, cases,
generations, zero_shot_accuracy, clf_accuracy. "generations" holds the zero-
shot reversal prompts of the first five test examples decoded greedily at
batch 1 without cache until the decoded continuation contains "\n" (at most
16 tokens): prompt, prompt_ids, new_tokens (the stop token included), text,
target.
"""

import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_lm_fixtures import BPE, EOT, tokenizer_json, train_bpe  # noqa: E402

N_LAYER, N_HEAD, D_MODEL, MAX_POS = 2, 4, 64, 256
HEAD_DIM = D_MODEL // N_HEAD
N_MERGES = 150
NEW_TOKENS = 12

SENT_TEMPLATE = "Review: {text}\nSentiment:"
REV_TEMPLATE = "Reverse: {input}\nAnswer:"

NOUNS = ["food", "service", "movie", "book", "room", "staff", "music", "plot", "price", "coffee",
         "screen", "battery", "story", "game", "hotel", "show"]
POS = ["great", "excellent", "wonderful", "lovely", "good", "amazing", "fantastic", "superb", "pleasant", "fine"]
NEG = ["terrible", "awful", "bad", "boring", "poor", "horrible", "dull", "rude", "broken", "slow"]
OPENERS = ["the", "this", "our", "my"]
LETTERS = list("abcdefgh")


def make_review(rng, label):
    """A short synthetic review: one or two clauses; about 1 in 6 mixes a word
    of the other polarity into a second clause so that the task is not
    trivially separable."""
    good = label == "positive"
    words = POS if good else NEG
    other = NEG if good else POS
    n1, n2 = rng.sample(NOUNS, 2)
    s = f"{rng.choice(OPENERS)} {n1} was {rng.choice(words)}"
    r = rng.random()
    if r < 0.35:
        s += f" and the {n2} was {rng.choice(words)}"
    elif r < 0.5:
        s += f" but the {n2} was {rng.choice(other)}"
    return s


def make_sentiment(rng, n):
    rows = []
    for _ in range(n):
        label = rng.choice(["negative", "positive"])
        rows.append({"text": make_review(rng, label), "label": label})
    return rows


def make_reverse(rng, n):
    rows = []
    for _ in range(n):
        k = rng.randint(3, 5)
        xs = [rng.choice(LETTERS) for _ in range(k)]
        rows.append({"input": " ".join(xs), "target": " ".join(reversed(xs))})
    return rows


def sent_pair(r):
    return SENT_TEMPLATE.format(text=r["text"]), r["label"]


def rev_pair(r):
    return REV_TEMPLATE.format(input=r["input"]), r["target"]


def document(rng, rows, pair):
    k = rng.randint(0, 5)
    ex = rng.sample(rows, k + 1)
    return "\n\n".join(a + " " + b for a, b in map(pair, ex)) + "\n"


# ---------------------------------------------------------------------------
# Model.

def make_model_class():
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.h = h
            self.ln1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d)
            self.fc = nn.Linear(d, 4 * d)
            self.out = nn.Linear(4 * d, d)

        def forward(self, x, bias, past_k=None, past_v=None):
            b, s, d = x.shape
            hd = d // self.h
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
            q = q.view(b, s, self.h, hd).transpose(1, 2)
            k = k.view(b, s, self.h, hd).transpose(1, 2)
            v = v.view(b, s, self.h, hd).transpose(1, 2)
            if past_k is not None:
                k = torch.cat([past_k, k], dim=2)
                v = torch.cat([past_v, v], dim=2)
            att = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(hd) + bias
            att = torch.softmax(att, dim=-1)
            y = torch.matmul(att, v).transpose(1, 2).reshape(b, s, d)
            x = x + self.proj(y)
            x = x + self.out(torch.nn.functional.gelu(self.fc(self.ln2(x))))
            return x, k, v

    class TinyGPT(nn.Module):
        """GPT-2-like decoder. attention_mask covers past + current tokens;
        a key is visible to a query when it is not padding and not in the
        future. Masked scores get -1e9 (not -inf) so that a padded query row,
        which sees no key, stays finite."""

        def __init__(self, vocab):
            super().__init__()
            self.wte = nn.Embedding(vocab, D_MODEL)
            self.wpe = nn.Embedding(MAX_POS, D_MODEL)
            self.blocks = nn.ModuleList([Block(D_MODEL, N_HEAD) for _ in range(N_LAYER)])
            self.ln_f = nn.LayerNorm(D_MODEL)
            for mod in self.modules():
                if isinstance(mod, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(mod.weight, std=0.02)
                if isinstance(mod, nn.Linear):
                    nn.init.zeros_(mod.bias)

        def bias(self, input_ids, attention_mask):
            # query i sits at absolute index past + i; key j at j.
            s = input_ids.shape[1]
            total = attention_mask.shape[1]
            qi = torch.cumsum(torch.ones_like(input_ids[0]), 0) - 1 + (total - s)
            kj = torch.cumsum(torch.ones_like(attention_mask[0]), 0) - 1
            causal = (kj.unsqueeze(0) <= qi.unsqueeze(1)).unsqueeze(0).unsqueeze(0)  # [1,1,s,total]
            keep = attention_mask.unsqueeze(1).unsqueeze(2) > 0  # [b,1,1,total]
            ok = causal & keep
            return (1.0 - ok.to(torch.float32)) * -1e9

        def hidden(self, input_ids, attention_mask, position_ids, past=None):
            x = self.wte(input_ids) + self.wpe(position_ids)
            bias = self.bias(input_ids, attention_mask)
            presents = []
            for i, blk in enumerate(self.blocks):
                pk, pv = (past[2 * i], past[2 * i + 1]) if past is not None else (None, None)
                x, k, v = blk(x, bias, pk, pv)
                presents += [k, v]
            return self.ln_f(x), presents

        def forward(self, input_ids, attention_mask, position_ids, past=None):
            h, presents = self.hidden(input_ids, attention_mask, position_ids, past)
            return torch.matmul(h, self.wte.weight.t()), presents

    return TinyGPT


def make_wrappers():
    import torch
    from torch import nn

    class NoCache(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, position_ids):
            return self.m(input_ids, attention_mask, position_ids)[0]

    class WithPast(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, position_ids, *past):
            logits, presents = self.m(input_ids, attention_mask, position_ids, list(past))
            return (logits, *presents)

    class Classifier(nn.Module):
        """LM body + masked mean pooling + linear head."""

        def __init__(self, m):
            super().__init__()
            self.m = m
            self.head = nn.Linear(D_MODEL, 2)

        def forward(self, input_ids, attention_mask):
            pos = (torch.cumsum(attention_mask, 1) - 1).clamp(min=0)
            h, _ = self.m.hidden(input_ids, attention_mask, pos)
            w = attention_mask.unsqueeze(-1).to(h.dtype)
            return self.head((h * w).sum(1) / w.sum(1).clamp(min=1.0))

    return NoCache, WithPast, Classifier


def positions(mask):
    """transformers' generate: cumsum(mask) - 1, padded positions set to 1."""
    import torch

    p = torch.cumsum(mask, 1) - 1
    return p.masked_fill(mask == 0, 1)


def batch(seqs, pad, left):
    import torch

    L = max(len(s) for s in seqs)
    ids, mask = [], []
    for s in seqs:
        p = [pad] * (L - len(s))
        ids.append(p + s if left else s + p)
        mask.append([0] * len(p) + [1] * len(s) if left else [1] * len(s) + [0] * len(p))
    return torch.tensor(ids), torch.tensor(mask)


def train(model, tok, docs, steps, seed):
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    enc = [tok.encode(d) + [tok.eot] for d in docs]
    enc = [e[:MAX_POS] for e in enc]
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.1)
    model.train()
    for step in range(steps):
        b = rng.sample(enc, 32)
        ids, mask = batch(b, tok.eot, left=False)
        logits, _ = model(ids, mask, positions(mask))
        tgt = ids[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), tgt.reshape(-1),
                                                 ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"step {step} loss {loss.item():.3f}", flush=True)
    model.eval()


def finetune(clf, tok, rows, steps, seed):
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    opt = torch.optim.AdamW(clf.parameters(), lr=1e-3)
    clf.train()
    for _ in range(steps):
        b = rng.sample(rows, 32)
        ids, mask = batch([tok.encode(r["text"]) for r in b], tok.eot, left=False)
        y = torch.tensor([int(r["label"] == "positive") for r in b])
        loss = torch.nn.functional.cross_entropy(clf(ids, mask), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    clf.eval()


def greedy(model, seqs, pad, n, cache):
    """Greedy decoding from left-padded prompts; returns (start tensors, new ids, chosen logits)."""
    import torch

    ids, mask = batch(seqs, pad, left=True)
    pos = positions(mask)
    start = (ids.tolist(), mask.tolist(), pos.tolist())
    out = [[] for _ in seqs]
    chosen = [[] for _ in seqs]
    past = [torch.zeros((ids.shape[0], N_HEAD, 0, HEAD_DIM)) for _ in range(2 * N_LAYER)] if cache else None
    cur_ids, cur_pos = ids, pos
    with torch.no_grad():
        for _ in range(n):
            if cache:
                logits, past = model(cur_ids, mask, cur_pos, past)
            else:
                logits, _ = model(ids, mask, pos)
            last = logits[:, -1, :]
            nxt = last.argmax(dim=-1)
            for r in range(len(seqs)):
                out[r].append(int(nxt[r]))
                chosen[r].append(float(last[r, nxt[r]]))
            nxt = nxt.unsqueeze(1)
            mask = torch.cat([mask, torch.ones_like(nxt)], 1)
            npos = pos[:, -1:] + 1
            ids = torch.cat([ids, nxt], 1)
            pos = torch.cat([pos, npos], 1)
            cur_ids, cur_pos = nxt, npos
    return start, out, chosen


def greedy_until(model, tok, prompt, stop, max_new):
    """Batch-1 greedy with the cache-free model until the decoded continuation contains stop."""
    import torch

    ids = tok.encode(prompt)
    out = []
    with torch.no_grad():
        for _ in range(max_new):
            x = torch.tensor([ids + out])
            m = torch.ones_like(x)
            logits, _ = model(x, m, positions(m))
            out.append(int(logits[0, -1].argmax()))
            if stop in decode(tok, out):
                break
    return ids, out


_U2B = None


def decode(tok, ids):
    global _U2B
    from gen_lm_fixtures import B2U

    if _U2B is None:
        _U2B = {v: k for k, v in B2U.items()}
    inv = {v: k for k, v in tok.vocab.items()}
    parts = []
    for i in ids:
        if i == tok.eot:
            parts.append(EOT.encode())
        else:
            parts.append(bytes(_U2B[c] for c in inv[i]))
    return b"".join(parts).decode("utf-8", errors="replace")


def export(model, tok, out):
    import torch

    NoCache, WithPast, _ = make_wrappers()
    ids = torch.tensor([[1, 2, 3], [4, 5, 6]])
    mask = torch.ones_like(ids)
    pos = positions(mask)
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    torch.onnx.export(NoCache(model).eval(), (ids, mask, pos), os.path.join(out, "lm.onnx"),
                      input_names=["input_ids", "attention_mask", "position_ids"], output_names=["logits"],
                      dynamic_axes=dyn, opset_version=14, do_constant_folding=True)

    past_len = 2
    past = [torch.randn(2, N_HEAD, past_len, HEAD_DIM) for _ in range(2 * N_LAYER)]
    pnames, onames = [], []
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    for i in range(N_LAYER):
        for kv in ("key", "value"):
            p, o = f"past_key_values.{i}.{kv}", f"present.{i}.{kv}"
            pnames.append(p)
            onames.append(o)
            dyn[p] = {0: "batch_size", 2: "past_sequence_length"}
            dyn[o] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
    kmask = torch.ones((2, past_len + 3), dtype=torch.long)
    torch.onnx.export(WithPast(model).eval(), (ids, kmask, pos + past_len, *past), os.path.join(out, "lm-kv.onnx"),
                      input_names=["input_ids", "attention_mask", "position_ids"] + pnames,
                      output_names=["logits"] + onames, dynamic_axes=dyn, opset_version=14,
                      do_constant_folding=True)


def export_clf(clf, out):
    import torch

    ids = torch.tensor([[1, 2, 3], [4, 5, 6]])
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "sequence_length"}, "logits": {0: "batch_size"}}
    torch.onnx.export(clf, (ids, torch.ones_like(ids)), os.path.join(out, "clf.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["logits"], dynamic_axes=dyn,
                      opset_version=14, do_constant_folding=True)


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    import torch

    torch.set_num_threads(1)
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "suites", "prompting")
    os.makedirs(os.path.join(out, "models"), exist_ok=True)
    os.makedirs(os.path.join(out, "data"), exist_ok=True)

    rng = random.Random(20261205)
    sent_train, sent_test = make_sentiment(rng, 200), make_sentiment(rng, 100)
    rev_train, rev_test = make_reverse(rng, 200), make_reverse(rng, 50)
    write_jsonl(os.path.join(out, "data", "sentiment_train.jsonl"), sent_train)
    write_jsonl(os.path.join(out, "data", "sentiment_test.jsonl"), sent_test)
    write_jsonl(os.path.join(out, "data", "reverse_train.jsonl"), rev_train)
    write_jsonl(os.path.join(out, "data", "reverse_test.jsonl"), rev_test)

    # Training documents come from the train splits only.
    docs = [document(rng, sent_train, sent_pair) for _ in range(1500)]
    docs += [document(rng, rev_train, rev_pair) for _ in range(1500)]
    vocab, merges = train_bpe(docs[:400] + docs[1500:1900], N_MERGES)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False, indent=None)
    tok = BPE(vocab, merges)
    V = tok.vocab_size()

    torch.manual_seed(1)
    model = make_model_class()(V)
    steps = int(os.environ.get("PROMPTING_STEPS", "1500"))
    train(model, tok, docs, steps, 2)
    export(model, tok, os.path.join(out, "models"))

    _, _, Classifier = make_wrappers()
    import copy

    torch.manual_seed(3)
    clf = Classifier(copy.deepcopy(model))
    finetune(clf, tok, sent_train, 150, 4)
    export_clf(clf, os.path.join(out, "models"))

    # Reference continuations.
    prompts = [
        SENT_TEMPLATE.format(text=sent_test[0]["text"]),
        "\n\n".join(" ".join(sent_pair(r)) for r in sent_train[:2]) + "\n\n" + SENT_TEMPLATE.format(
            text=sent_test[1]["text"]),
        REV_TEMPLATE.format(input=rev_test[0]["input"]),
        "\n\n".join(" ".join(rev_pair(r)) for r in rev_train[:3]) + "\n\n" + REV_TEMPLATE.format(
            input=rev_test[1]["input"]),
    ]
    enc = [tok.encode(p) for p in prompts]
    cases = []
    for name, idx in (("single", [3]), ("single_short", [0]), ("padded", [0, 1, 2, 3])):
        for cache in (False, True):
            start, new, logit = greedy(model, [enc[i] for i in idx], tok.eot, NEW_TOKENS, cache)
            cases.append({
                "name": name + ("_cache" if cache else "_nocache"), "cache": cache,
                "prompts": [prompts[i] for i in idx],
                "input_ids": start[0], "attention_mask": start[1], "position_ids": start[2],
                "new_tokens": new, "chosen_logits": logit,
                "text": [decode(tok, n) for n in new],
            })
    # The cache and the padding must not change greedy tokens (the test checks it too).
    by = {c["name"]: c for c in cases}
    for c in cases:
        if c["name"].startswith("padded"):
            for r, i in enumerate([0, 1, 2, 3]):
                solo = greedy(model, [enc[i]], tok.eot, NEW_TOKENS, False)[1][0]
                assert c["new_tokens"][r] == solo, (c["name"], r, c["new_tokens"][r], solo)
    assert by["single_cache"]["new_tokens"] == by["single_nocache"]["new_tokens"]

    gens = []
    for r in rev_test[:5]:
        p = REV_TEMPLATE.format(input=r["input"])
        ids, new = greedy_until(model, tok, p, "\n", 16)
        gens.append({"prompt": p, "prompt_ids": ids, "new_tokens": new, "text": decode(tok, new),
                     "target": r["target"]})

    # Zero-shot accuracy by label-word likelihood, for the record.
    def score(prompt, word):
        ctx = tok.encode(prompt)
        cont = tok.encode(prompt + " " + word)[len(ctx):]
        x = torch.tensor([ctx + cont])
        m = torch.ones_like(x)
        with torch.no_grad():
            lp = torch.log_softmax(model(x, m, positions(m))[0][0].double(), -1)
        return sum(float(lp[len(ctx) - 1 + j, t]) for j, t in enumerate(cont))

    correct = 0
    for r in sent_test:
        p = SENT_TEMPLATE.format(text=r["text"])
        pred = max(["negative", "positive"], key=lambda w: score(p, w))
        correct += pred == r["label"]
    with torch.no_grad():
        ids, mask = batch([tok.encode(r["text"]) for r in sent_test], tok.eot, left=False)
        clf_pred = clf(ids, mask).argmax(-1).tolist()
    clf_acc = sum(int(p == int(r["label"] == "positive")) for p, r in zip(clf_pred, sent_test)) / len(sent_test)

    ref = {
        "about": "written by scripts/gen_prompting_fixtures.py: PyTorch greedy continuations of models/lm.onnx",
        "vocab_size": V, "eos_id": tok.eot, "pad_id": tok.eot, "max_positions": MAX_POS,
        "n_layer": N_LAYER, "n_head": N_HEAD, "head_dim": HEAD_DIM,
        "new_tokens": NEW_TOKENS, "cases": cases, "generations": gens,
        "zero_shot_accuracy": correct / len(sent_test), "clf_accuracy": clf_acc,
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1, ensure_ascii=False)
    print("wrote", out, "vocab", V, "zero-shot acc", ref["zero_shot_accuracy"], "clf acc", clf_acc)
    for g in gens:
        print(repr(g["prompt"]), "->", repr(g["text"]), "target", g["target"])


if __name__ == "__main__":
    main()
