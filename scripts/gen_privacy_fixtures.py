#!/usr/bin/python3
"""gen_privacy_fixtures.py - build evalctl's membership-inference suite (splits + models).

Regenerate from the repository root (Debian's python3 with python3-torch 1.13,
python3-onnx, python3-numpy and python3-sklearn):

    /usr/bin/python3 scripts/gen_privacy_fixtures.py

Input : suites/credit/data/credit-g.arff (German Credit, 1,000 rows; see credit/DATA.md).
Outputs (under suites/privacy/):
  data/members.arff      250 rows: the training split of both target models
  data/non-members.arff  250 rows: held out, same distribution (a seeded permutation)
  (the other 500 rows are the pool the reference models' training sets are drawn from; not written)
  models/overfit.onnx        MLP 63-128-2, no weight decay, 1,500 full-batch Adam steps on the
                             members: memorises them (training accuracy 1)
  models/regularised.onnx    logistic regression, weight decay 1.0, 300 steps on the members
  models/reference-K.onnx    K = 1, 2: the overfit recipe on 250 rows drawn from the pool
                             (never a member or a non-member): the OUT models of offline LiRA
  reference-auc.json     the loss attack's AUC of each target and the offline-LiRA AUC of the
                         overfit one, computed here from the PyTorch models with scikit-learn's
                         roc_auc_score (the Go test compares evalctl's figures with them)
  MODELS.md              what each model is

Feature vector as scripts/make_credit.py (D = 63; nominal attributes one-hot in declared order,
standardisation inside the graph). The split files keep credit-g's header and append the sex
and age_group attributes, as the credit splits do.

Determinism: seeds fixed, torch.set_num_threads(2), torch.use_deterministic_algorithms(True),
full-batch training. About 20 s on a 2-core machine.
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_credit as mc  # noqa: E402  (parse_arff, encode, CreditNet, write_split)

SEED = 20221212
N_MEMBERS = 250
N_NON_MEMBERS = 250
N_REFERENCES = 2
OPSET = 13
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "suites", "privacy")

RECIPES = {
    # name: (hidden units, weight decay, steps, learning rate)
    "overfit": (128, 0.0, 1500, 1e-2),
    "regularised": (0, 1.0, 300, 1e-2),
}


def train(X, y, numeric, hidden, wd, steps, lr, seed):
    torch.manual_seed(seed)
    mean, std = mc.standardiser(X, numeric)
    model = mc.CreditNet(mean, std, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
    xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(xt), yt).backward()
        opt.step()
    model.eval()
    return model


def export(model, d, path):
    torch.onnx.export(model, torch.zeros(1, d), path, input_names=["features"], output_names=["logits"],
                      dynamic_axes={"features": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=OPSET, do_constant_folding=True)


def log_probs(model, X):
    with torch.no_grad():
        return torch.log_softmax(model(torch.from_numpy(X)).double(), 1).numpy()


def phi(lp, y):
    """Carlini et al. 2022's logit-scaled confidence log(p_y / (1 - p_y))."""
    ly = lp[np.arange(len(y)), y]
    others = lp.copy()
    others[np.arange(len(y)), y] = -np.inf
    return ly - np.logaddexp.reduce(others, axis=1)  # log p_y - log(sum of the other p_j), exact in log space


def main():
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    header, attrs, rows, raw = mc.parse_arff(os.path.join(ROOT, "suites", "credit", "data", "credit-g.arff"))
    classes = attrs[-1][2]
    y = np.array([classes.index(r[-1]) for r in rows], dtype=np.int64)
    feat_names, X = mc.encode(rows, attrs)
    numeric = np.array(["=" not in n for n in feat_names])
    perm = np.random.default_rng(SEED).permutation(len(rows))
    splits = {
        "members": np.sort(perm[:N_MEMBERS]),
        "non-members": np.sort(perm[N_MEMBERS:N_MEMBERS + N_NON_MEMBERS]),
        "pool": np.sort(perm[N_MEMBERS + N_NON_MEMBERS:]),
    }
    for name in ("members", "non-members"):
        idx = splits[name]
        mc.write_split(os.path.join(OUT, "data", f"{name}.arff"), header, [raw[i] for i in idx],
                       [rows[i] for i in idx], attrs, f"{name} split for membership inference (seed {SEED})", len(rows))
    m, n = splits["members"], splits["non-members"]
    Xm, ym, Xn, yn = X[m], y[m], X[n], y[n]
    member = np.r_[np.ones(len(m)), np.zeros(len(n))]
    ref = {"seed": SEED, "sklearn": __import__("sklearn").__version__, "torch": torch.__version__, "models": {}}
    md = ["# Membership-inference models", "",
          "Made by `scripts/gen_privacy_fixtures.py` from German Credit (see ../credit/DATA.md).",
          f"Members: {len(m)} rows, non-members: {len(n)}, reference pool: {len(splits['pool'])} (disjoint).", "",
          "| model | architecture | weight decay | steps | trained on | train acc | non-member acc | loss-attack AUC |",
          "|---|---|---|---|---|---|---|---|"]
    targets = {}
    for name, (hidden, wd, steps, lr) in RECIPES.items():
        model = train(Xm, ym, numeric, hidden, wd, steps, lr, SEED)
        export(model, X.shape[1], os.path.join(OUT, "models", f"{name}.onnx"))
        lm, ln = log_probs(model, Xm), log_probs(model, Xn)
        score = np.r_[lm[np.arange(len(m)), ym], ln[np.arange(len(n)), yn]]  # -loss
        auc = float(roc_auc_score(member, score))
        tr_acc = float((lm.argmax(1) == ym).mean())
        te_acc = float((ln.argmax(1) == yn).mean())
        targets[name] = (lm, ln)
        ref["models"][name] = {"loss_auc": auc, "train_accuracy": tr_acc, "non_member_accuracy": te_acc}
        md.append(f"| {name} | {mc.architecture(hidden, X.shape[1])} | {wd} | {steps} | members | "
                  f"{tr_acc:.3f} | {te_acc:.3f} | {auc:.4f} |")
        print(f"{name}: train acc {tr_acc:.3f}, non-member acc {te_acc:.3f}, loss-attack AUC {auc:.4f}", file=sys.stderr)
    rng = np.random.default_rng(SEED + 1)
    ref_phi_m, ref_phi_n = [], []
    hidden, wd, steps, lr = RECIPES["overfit"]
    for k in range(1, N_REFERENCES + 1):
        idx = np.sort(rng.choice(splits["pool"], size=N_MEMBERS, replace=False))
        model = train(X[idx], y[idx], numeric, hidden, wd, steps, lr, SEED + k)
        export(model, X.shape[1], os.path.join(OUT, "models", f"reference-{k}.onnx"))
        ref_phi_m.append(phi(log_probs(model, Xm), ym))
        ref_phi_n.append(phi(log_probs(model, Xn), yn))
        md.append(f"| reference-{k} | {mc.architecture(hidden, X.shape[1])} | {wd} | {steps} | "
                  f"250 pool rows (seed {SEED + 1}) | | | |")
    lm, ln = targets["overfit"]
    lira = np.r_[phi(lm, ym) - np.mean(ref_phi_m, 0), phi(ln, yn) - np.mean(ref_phi_n, 0)]
    ref["models"]["overfit"]["lira_auc"] = float(roc_auc_score(member, lira))
    print(f"overfit: offline LiRA AUC {ref['models']['overfit']['lira_auc']:.4f}", file=sys.stderr)
    with open(os.path.join(OUT, "reference-auc.json"), "w") as f:
        json.dump(ref, f, indent=2, sort_keys=True)
        f.write("\n")
    md += ["", "The reference models are the OUT models of offline LiRA (Carlini et al. 2022): trained",
           "with the overfit recipe on data that holds neither members nor non-members.",
           "`reference-auc.json` holds the AUCs computed here with scikit-learn."]
    with open(os.path.join(OUT, "MODELS.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
