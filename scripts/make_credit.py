#!/usr/bin/env python3
"""make_credit.py — build evalctl's bundled German Credit fairness suite (splits + model).

Regenerate (from the repository root; Debian's python3 with python3-torch 1.13 and python3-numpy):

    scripts/fetch-data.sh          # optional: re-derive suites/credit/data/credit-g.arff from Debian's weka
    python3 scripts/make_credit.py # or /usr/bin/python3 if another python3 is first on PATH

Input : suites/credit/data/credit-g.arff (committed; weka 3.6.14-3 examples, 1,000 rows; see DATA.md).
Outputs (under suites/credit/):
  data/credit-g-train.arff   700 rows  } stratified by class, seeded; rows keep their original
  data/credit-g-test.arff    300 rows  } order; original header and attribute declarations kept,
                                         two derived nominal attributes appended after `class`:
                                         sex {male, female} and age_group {'<=25', '>25'}
  models/credit-logreg.onnx  logistic regression   } features float32 [batch, 63]
  models/credit-mlp.onnx     MLP, 16 hidden units  } -> logits float32 [batch, 2]
  models.json, reference-probs.json, MODELS.md

Feature vector (D = 63): every attribute except `class`, in DECLARED order; a nominal attribute
becomes a one-hot block in its declared value order, a numeric attribute is its raw value.
Standardisation ((x - mean) / std, with mean/std of the train split; 0/1 for one-hot columns)
is a fixed buffer INSIDE the ONNX graph, so the harness feeds raw numbers + one-hot.
Class order as declared: index 0 = good, index 1 = bad. The favourable outcome ("positive" for
selection rate / TPR / FPR in models.json) is `good` (credit granted).

The models use every attribute, the protected ones included (personal_status, age,
foreign_worker), as is usual for this benchmark; the suite measures the gaps that result.

Hyper-parameters (weight decay, epochs) are chosen per model by 5-fold CV NLL on the TRAIN split.

Determinism: SEED, torch.manual_seed, torch.set_num_threads(2),
torch.use_deterministic_algorithms(True), full-batch training. About 30 s on a quiet 2-core machine (mostly the CV grid).
"""

import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

SEED = 20240601
TEST_FRACTION = 0.3
LR = 1e-2
CV_FOLDS = 5
# Hyper-parameter grid, searched by 5-fold cross-validation on the TRAIN split only (mean NLL);
# the best setting per architecture is then trained on the whole train split.
ARCHS = {"credit-logreg": 0, "credit-mlp": 16}   # hidden units; 0 = logistic regression
GRID_WEIGHT_DECAY = [1e-3, 1e-2, 1e-1]
GRID_EPOCHS = [100, 300]
OPSET = 13
N_REFERENCE = 50

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "suites", "credit")
SRC = os.path.join(OUT, "data", "credit-g.arff")

SEX = {"male div/sep": "male", "male single": "male", "male mar/wid": "male",
       "female div/dep/mar": "female", "female single": "female"}


# ----------------------------------------------------------------------------- ARFF

def split_values(text, where):
    """Split an ARFF value list on commas outside quotes; unquote each value.

    Whitespace outside quotes is dropped; inside quotes it is kept, and backslash escapes."""
    out, cur, quote, quoted = [], [], None, False
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text):
                i += 1
                cur.append(text[i])
            elif ch == quote:
                quote = None
            else:
                cur.append(ch)
        elif ch in "'\"":
            if "".join(cur).strip():
                raise ValueError(f"{where}: quote inside an unquoted value")
            cur, quote, quoted = [], ch, True
        elif ch == ",":
            out.append("".join(cur) if quoted else "".join(cur).strip())
            cur, quoted = [], False
        elif not (quoted and ch.isspace()):
            cur.append(ch)
        i += 1
    if quote:
        raise ValueError(f"{where}: unterminated quote")
    out.append("".join(cur) if quoted else "".join(cur).strip())
    return out


def parse_arff(path):
    """Return (header_lines, attributes, rows, raw_rows).

    attributes: list of (name, kind, values) with kind 'numeric' or 'nominal'.
    rows: list of value lists (str for nominal, float for numeric); raw_rows: the data lines."""
    attrs, rows, raw, header = [], [], [], []
    in_data = False
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            s = line.strip()
            where = f"{path}:{lineno}"
            if not in_data:
                header.append(line)
            if not s or s.startswith("%"):
                continue
            if in_data:
                vals = split_values(s, where)
                if len(vals) != len(attrs):
                    raise ValueError(f"{where}: {len(vals)} values, want {len(attrs)}")
                row = []
                for (name, kind, values), v in zip(attrs, vals):
                    if v == "?":
                        raise ValueError(f"{where}: missing value for {name} not supported")
                    if kind == "numeric":
                        row.append(float(v))
                    elif v not in values:
                        raise ValueError(f"{where}: {name}={v!r} not in declared values {values}")
                    else:
                        row.append(v)
                rows.append(row)
                raw.append(s)
                continue
            low = s.lower()
            if low.startswith("@relation"):
                continue
            if low.startswith("@attribute"):
                rest = s[len("@attribute"):].strip()
                if rest[0] in "'\"":
                    end = rest.index(rest[0], 1)
                    name, rest = rest[1:end], rest[end + 1:].strip()
                else:
                    name, rest = rest.split(None, 1)
                if rest.startswith("{"):
                    if not rest.endswith("}"):
                        raise ValueError(f"{where}: nominal list not closed")
                    attrs.append((name, "nominal", split_values(rest[1:-1], where)))
                elif rest.lower() in ("numeric", "real", "integer"):
                    attrs.append((name, "numeric", None))
                else:
                    raise ValueError(f"{where}: unsupported attribute type {rest!r}")
                continue
            if low.startswith("@data"):
                header.pop()  # re-emitted by write_split
                in_data = True
                continue
            raise ValueError(f"{where}: unexpected line {s[:40]!r}")
    return header, attrs, rows, raw


def age_group(age):
    return "<=25" if age <= 25 else ">25"


def write_split(path, header, raw_rows, rows, attrs, title, n_total):
    ia = [a[0] for a in attrs].index("age")
    ip = [a[0] for a in attrs].index("personal_status")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"% evalctl: {title} of credit-g.arff ({len(raw_rows)} of {n_total} rows), written by\n"
                "% scripts/make_credit.py; rows keep their original order and text. Two derived\n"
                "% attributes are appended after `class`: sex (from personal_status: 'male ...' -> male,\n"
                "% 'female ...' -> female) and age_group (age <= 25 -> '<=25', else '>25').\n")
        # header lines up to and including the last declared attribute (class)
        for line in header:
            f.write(line + "\n")
        f.write("@attribute sex { male, female}\n")
        f.write("@attribute age_group { '<=25', '>25'}\n")
        f.write("@data\n")
        for r, row in zip(raw_rows, rows):
            f.write(f"{r},{SEX[row[ip]]},'{age_group(row[ia])}'\n")


# ----------------------------------------------------------------------------- model

class CreditNet(nn.Module):
    """(features - mean) / std -> Linear(D,2)  (hidden=0, logistic regression)
    or (features - mean) / std -> Linear(D,hidden) -> ReLU -> Linear(hidden,2)."""

    def __init__(self, mean, std, hidden):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        if hidden:
            self.net = nn.Sequential(nn.Linear(len(mean), hidden), nn.ReLU(), nn.Linear(hidden, 2))
        else:
            self.net = nn.Linear(len(mean), 2)

    def forward(self, features):
        return self.net((features - self.mean) / self.std)


def standardiser(X, numeric):
    mean = np.where(numeric, X.mean(0), 0.0).astype(np.float32)
    std = np.where(numeric, X.std(0), 1.0).astype(np.float32)
    return mean, std


def fit(X, y, numeric, hidden, weight_decay, epochs, seed):
    """Full-batch Adam on cross-entropy; returns the trained model in eval mode."""
    torch.manual_seed(seed)
    mean, std = standardiser(X, numeric)
    model = CreditNet(mean, std, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=weight_decay)
    xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    model.train()
    for _ in range(epochs):
        opt.zero_grad()
        F.cross_entropy(model(xt), yt).backward()
        opt.step()
    model.eval()
    return model


def architecture(hidden, d):
    if hidden:
        return f"(x-mean)/std -> Linear({d},{hidden}) -> ReLU -> Linear({hidden},2)"
    return f"(x-mean)/std -> Linear({d},2) (logistic regression)"


def encode(rows, attrs):
    names, cols = [], []
    for j, (name, kind, values) in enumerate(attrs):
        if name == "class":
            continue
        if kind == "numeric":
            names.append(name)
            cols.append(np.array([r[j] for r in rows], dtype=np.float32)[:, None])
        else:
            names += [f"{name}={v}" for v in values]
            oh = np.zeros((len(rows), len(values)), dtype=np.float32)
            for i, r in enumerate(rows):
                oh[i, values.index(r[j])] = 1.0
            cols.append(oh)
    return names, np.concatenate(cols, axis=1)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def auroc(score, y):
    """Binary AUROC via midranks; score for the positive class, y in {0,1} (1 = positive)."""
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty(len(s))
    r[order] = ranks
    npos, nneg = int(y.sum()), int(len(y) - y.sum())
    return float((r[y == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def group_stats(pred_good, y_good, correct):
    n = len(y_good)
    pos, neg = y_good == 1, y_good == 0
    return {
        "n": int(n),
        "accuracy": float(correct.mean()),
        "selection_rate": float(pred_good.mean()),
        "base_rate": float(y_good.mean()),
        "tpr": float(pred_good[pos].mean()) if pos.any() else None,
        "fpr": float(pred_good[neg].mean()) if neg.any() else None,
    }


def r9(v):
    return float(f"{float(v):.9g}")


def evaluate(model, Xte, yte, group_cols):
    with torch.no_grad():
        logits = model(torch.from_numpy(Xte))
    logp = torch.log_softmax(logits.double(), 1).numpy()
    prob = np.exp(logp)
    pred = logp.argmax(1)
    correct = (pred == yte).astype(np.float64)
    pred_good = (pred == 0).astype(np.float64)
    y_good = (yte == 0).astype(np.float64)
    overall = {
        "n": int(len(yte)),
        "accuracy": float(correct.mean()),
        "balanced_accuracy": float(((pred == 0)[yte == 0].mean() + (pred == 1)[yte == 1].mean()) / 2),
        "nll": float(-logp[np.arange(len(yte)), yte].mean()),
        "brier": float(((prob[:, 0] - y_good) ** 2).mean()),
        "auroc_good": auroc(prob[:, 0], y_good),
        "selection_rate": float(pred_good.mean()),
    }
    fairness = {}
    for g, vals in group_cols.items():
        vals = np.array(vals)
        per = {}
        for v in sorted(set(vals)):
            m = vals == v
            per[v] = group_stats(pred_good[m], y_good[m], correct[m])
        sr = [s["selection_rate"] for s in per.values()]
        tpr = [s["tpr"] for s in per.values()]
        fpr = [s["fpr"] for s in per.values()]
        acc = [s["accuracy"] for s in per.values()]
        fairness[g] = {
            "groups": per,
            "demographic_parity_difference": max(sr) - min(sr),
            "demographic_parity_ratio": min(sr) / max(sr),
            "equal_opportunity_difference": max(tpr) - min(tpr),
            "equalized_odds_difference": max(max(tpr) - min(tpr), max(fpr) - min(fpr)),
            "accuracy_difference": max(acc) - min(acc),
            "worst_group_accuracy": min(acc),
        }
    return logits, prob, overall, fairness


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    t_start = time.time()
    header, attrs, rows, raw = parse_arff(SRC)
    names = [a[0] for a in attrs]
    if names[-1] != "class" or attrs[-1][2] != ["good", "bad"]:
        raise ValueError(f"{SRC}: expected last attribute class {{good, bad}}")
    classes = attrs[-1][2]
    y_all = np.array([classes.index(r[-1]) for r in rows], dtype=np.int64)

    # stratified, seeded split; original order kept
    rng = np.random.default_rng(SEED)
    test_idx = []
    for c in range(len(classes)):
        idx = np.flatnonzero(y_all == c)
        k = int(round(len(idx) * TEST_FRACTION))
        test_idx.append(idx[rng.permutation(len(idx))[:k]])
    test_idx = np.sort(np.concatenate(test_idx))
    train_idx = np.setdiff1d(np.arange(len(rows)), test_idx)

    data_dir = os.path.join(OUT, "data")
    for split, idx in (("train", train_idx), ("test", test_idx)):
        write_split(os.path.join(data_dir, f"credit-g-{split}.arff"), header,
                    [raw[i] for i in idx], [rows[i] for i in idx], attrs,
                    f"{split} split (seed {SEED}, stratified by class, test fraction {TEST_FRACTION})",
                    len(rows))

    # check the written test split parses back to the same rows
    _, attrs_t, rows_t, _ = parse_arff(os.path.join(data_dir, "credit-g-test.arff"))
    assert [a[0] for a in attrs_t] == names + ["sex", "age_group"]
    assert [r[:len(names)] for r in rows_t] == [rows[i] for i in test_idx]

    feat_names, X = encode(rows, attrs)
    Xtr, Xte = X[train_idx], X[test_idx]
    ytr, yte = y_all[train_idx], y_all[test_idx]
    numeric = np.array(["=" not in n for n in feat_names])
    mean, std = standardiser(Xtr, numeric)

    # hyper-parameter selection: k-fold CV on the train split only
    folds = np.random.default_rng(SEED).permutation(len(ytr)) % CV_FOLDS
    grid = {}
    for name, hidden in ARCHS.items():
        grid[name] = []
        for wd in GRID_WEIGHT_DECAY:
            for ep in GRID_EPOCHS:
                nll, acc = [], []
                for k in range(CV_FOLDS):
                    tr, va = folds != k, folds == k
                    m = fit(Xtr[tr], ytr[tr], numeric, hidden, wd, ep, SEED + k)
                    with torch.no_grad():
                        lo = m(torch.from_numpy(Xtr[va]))
                    nll.append(F.cross_entropy(lo, torch.from_numpy(ytr[va])).item())
                    acc.append((lo.argmax(1).numpy() == ytr[va]).mean())
                grid[name].append({"weight_decay": wd, "epochs": ep,
                                   "cv_nll": round(float(np.mean(nll)), 4),
                                   "cv_accuracy": round(float(np.mean(acc)), 4)})
        print(f"{name}: CV grid {grid[name]}", file=sys.stderr)

    test_rows = [rows[i] for i in test_idx]
    group_cols = {
        "sex": [SEX[r[names.index("personal_status")]] for r in test_rows],
        "age_group": [age_group(r[names.index("age")]) for r in test_rows],
        "foreign_worker": [r[names.index("foreign_worker")] for r in test_rows],
    }
    os.makedirs(os.path.join(OUT, "models"), exist_ok=True)
    models, ref_models = {}, {}
    for name, hidden in ARCHS.items():
        best = min(grid[name], key=lambda g: g["cv_nll"])
        t0 = time.time()
        model = fit(Xtr, ytr, numeric, hidden, best["weight_decay"], best["epochs"], SEED)
        wall = time.time() - t0
        path = os.path.join(OUT, "models", f"{name}.onnx")
        torch.onnx.export(model, torch.zeros(1, X.shape[1]), path, input_names=["features"],
                          output_names=["logits"],
                          dynamic_axes={"features": {0: "batch"}, "logits": {0: "batch"}},
                          opset_version=OPSET, do_constant_folding=True)
        logits, prob, overall, fairness = evaluate(model, Xte, yte, group_cols)
        with torch.no_grad():
            overall["train_accuracy"] = float((model(torch.from_numpy(Xtr)).argmax(1).numpy() == ytr).mean())
        n_par = sum(p.numel() for p in model.parameters())
        models[name] = {
            "file": f"models/{name}.onnx",
            "sha256": sha256(path),
            "bytes": os.path.getsize(path),
            "output": {"name": "logits", "dtype": "float32", "shape": ["batch", 2]},
            "architecture": architecture(hidden, len(feat_names)),
            "parameters": n_par,
            "adaptation": {
                "method": "trained-from-scratch",
                "base": None,
                "trainable_params": n_par,
                "train_examples": int(len(train_idx)),
                "epochs": best["epochs"],
                "optimizer": f"Adam lr={LR} weight_decay={best['weight_decay']}, full batch",
                "training_wall_seconds": round(wall, 2),
                "notes": f"Uses all 20 attributes (protected ones included). weight_decay and epochs "
                         f"chosen by {CV_FOLDS}-fold CV NLL on the train split (grid in models.json).",
            },
            "cv_grid": grid[name],
            "torch_reference": {"test": overall, "fairness": fairness},
        }
        ref_models[name] = {
            "file": f"models/{name}.onnx",
            "probs": [[r9(v) for v in row] for row in prob[:N_REFERENCE]],
            "logits": [[r9(v) for v in row] for row in logits[:N_REFERENCE].numpy()],
        }
        print(f"{name}: wd={best['weight_decay']} epochs={best['epochs']} acc={overall['accuracy']:.4f} "
              f"nll={overall['nll']:.4f} auroc={overall['auroc_good']:.4f}", file=sys.stderr)

    numeric_info = [{"name": n, "index": i, "mean": r9(mean[i]), "std": r9(std[i])}
                    for i, n in enumerate(feat_names) if numeric[i]]
    record = {
        "schema": "evalctl.bundled-models/v1",
        "suite": "credit",
        "generator": "scripts/make_credit.py",
        "seed": SEED,
        "torch_version": torch.__version__,
        "onnx_opset": OPSET,
        "classes": classes,
        "positive_class": "good",
        "positive_note": "favourable outcome = good (index 0); selection_rate, tpr and fpr below "
                         "use it. With bad (index 1) as positive, every gap below is the same.",
        "data": {
            "source": "data/credit-g.arff",
            "source_sha256": sha256(SRC),
            "train": {"file": "data/credit-g-train.arff", "n": int(len(train_idx)),
                      "sha256": sha256(os.path.join(data_dir, "credit-g-train.arff"))},
            "test": {"file": "data/credit-g-test.arff", "n": int(len(test_idx)),
                     "sha256": sha256(os.path.join(data_dir, "credit-g-test.arff"))},
            "split": f"stratified by class, numpy default_rng({SEED}), test fraction {TEST_FRACTION}, "
                     "original row order kept",
            "derived_attributes": {
                "sex": {"from": "personal_status", "mapping": SEX},
                "age_group": {"from": "age", "rule": "age <= 25 -> '<=25', else '>25'"},
            },
            "group_columns": ["sex", "age_group", "foreign_worker"],
        },
        "input": {"name": "features", "dtype": "float32", "shape": ["batch", len(feat_names)],
                  "encoding": "attributes in declared order except class; nominal -> one-hot in "
                              "declared value order; numeric -> raw value (standardised inside the model)",
                  "features": feat_names,
                  "standardisation_inside_model": numeric_info},
        "models": models,
        "total_wall_seconds": round(time.time() - t_start, 1),
    }
    with open(os.path.join(OUT, "models.json"), "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    reference = {
        "schema": "evalctl.reference-probs/v1",
        "description": "torch 1.13 outputs (not ONNX Runtime) for the first rows of "
                       "data/credit-g-test.arff; `features` is the exact encoded input, so the "
                       "harness's one-hot encoding can be checked too",
        "n": N_REFERENCE,
        "classes": classes,
        "labels": yte[:N_REFERENCE].tolist(),
        "features": [[r9(v) for v in row] for row in Xte[:N_REFERENCE]],
        "models": ref_models,
    }
    with open(os.path.join(OUT, "reference-probs.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))
        f.write("\n")
    write_models_md(record)
    print(f"total {time.time() - t_start:.1f}s", file=sys.stderr)


def write_models_md(rec):
    feats = rec["input"]["features"]
    lines = [
        "# Credit models",
        "",
        "Generated by `python3 scripts/make_credit.py` (Debian python3 + python3-torch 1.13, CPU,",
        f"seed {rec['seed']}). Do not edit by hand; rerun the script. Machine-readable copy: `models.json`;",
        "torch's own outputs (and encoded inputs) for the first 50 test rows: `reference-probs.json`.",
        "",
        "## Common interface",
        "",
        f"- Input `features`: float32 `[batch, {len(feats)}]`, raw values in the feature order below;",
        "  output `logits`: float32 `[batch, 2]`. ONNX opset %d; the batch axis is dynamic (`batch`)." % rec["onnx_opset"],
        "- Standardisation is inside each graph: (x - mean) / std with train-split mean/std for the 7",
        "  numeric columns and 0/1 for the one-hot columns.",
        "- Classes (declared order): index 0 `good`, index 1 `bad`. Favourable / positive outcome: `good`.",
        "- Both models use all 20 attributes, the protected ones (personal_status, age, foreign_worker)",
        "  included; the suite measures the resulting gaps.",
        "- weight decay and epochs were chosen per model by 5-fold cross-validation NLL on the train",
        "  split only (grid: weight decay 0.001/0.01/0.1 x epochs 100/300, Adam lr 0.01, full batch);",
        "  the test split was not used for any choice.",
        "",
        "## Models",
        "",
        "| model | architecture | params | weight decay | epochs | CV NLL | CV acc | sha256 | bytes |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for name, m in rec["models"].items():
        a = m["adaptation"]
        best = min(m["cv_grid"], key=lambda g: g["cv_nll"])
        lines.append(f"| `{m['file']}` | {m['architecture']} | {m['parameters']:,} | {best['weight_decay']} | "
                     f"{a['epochs']} | {best['cv_nll']:.4f} | {best['cv_accuracy']:.4f} | `{m['sha256']}` | {m['bytes']:,} |")
    lines += [
        "",
        "## torch reference on `data/credit-g-test.arff` (300 rows)",
        "",
        "| model | accuracy | balanced acc | NLL | Brier | AUROC (good) | selection rate | train acc |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in rec["models"].items():
        t = m["torch_reference"]["test"]
        lines.append(f"| `{name}` | {t['accuracy']:.4f} | {t['balanced_accuracy']:.4f} | {t['nll']:.4f} | "
                     f"{t['brier']:.4f} | {t['auroc_good']:.4f} | {t['selection_rate']:.4f} | {t['train_accuracy']:.4f} |")
    lines += ["", "Per group (positive = `good`; selection rate = share predicted `good`; TPR/FPR as fairlearn):", "",
              "| model | group column | group | n | accuracy | selection rate | TPR | FPR |",
              "|---|---|---|---:|---:|---:|---:|---:|"]
    for name, m in rec["models"].items():
        for g, f in m["torch_reference"]["fairness"].items():
            for v, s in f["groups"].items():
                lines.append(f"| `{name}` | {g} | {v} | {s['n']} | {s['accuracy']:.4f} | "
                             f"{s['selection_rate']:.4f} | {s['tpr']:.4f} | {s['fpr']:.4f} |")
    lines += ["", "| model | group column | DP difference | DP ratio | equalized odds diff | equal opportunity diff | accuracy gap |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for name, m in rec["models"].items():
        for g, f in m["torch_reference"]["fairness"].items():
            lines.append(f"| `{name}` | {g} | {f['demographic_parity_difference']:.4f} | "
                         f"{f['demographic_parity_ratio']:.4f} | {f['equalized_odds_difference']:.4f} | "
                         f"{f['equal_opportunity_difference']:.4f} | {f['accuracy_difference']:.4f} |")
    lines += [
        "",
        "## Feature order",
        "",
        "Every attribute except `class`, in the order declared in the ARFF; a nominal attribute is a",
        "one-hot block in declared value order, a numeric attribute its raw value:",
        "",
        "| index | feature |",
        "|---:|---|",
    ]
    lines += [f"| {i} | `{n}` |" for i, n in enumerate(feats)]
    lines += ["", "Training wall times (models.json) vary between runs; every other number and file byte is",
              "reproduced by a rerun on the same machine and torch build.", ""]
    with open(os.path.join(OUT, "MODELS.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
