#!/usr/bin/python3
"""Writes roc.json: ROC curves, AUCs, TPR at low FPR and best balanced
accuracy from scikit-learn, for metrics/roc_test.go.

Run with /usr/bin/python3 (Debian python3-sklearn, python3-numpy):
    /usr/bin/python3 metrics/testdata/gen_roc.py > metrics/testdata/roc.json
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score, roc_curve

rng = np.random.default_rng(7)
cases = []


def add(name, score, pos):
    score = np.asarray(score, dtype=float)
    pos = np.asarray(pos, dtype=bool)
    case = {"name": name, "score": score.tolist(), "pos": pos.tolist(),
            "auc": float(roc_auc_score(pos, score))}
    for drop in (False, True):
        fpr, tpr, thr = roc_curve(pos, score, drop_intermediate=drop)
        key = "curve_drop" if drop else "curve"
        # scikit-learn 1.2 puts max(score)+1 first; evalctl writes +Inf.
        case[key] = [[float(t) if i > 0 else None, float(f), float(p)]
                     for i, (t, f, p) in enumerate(zip(thr, fpr, tpr))]
    fpr, tpr, _ = roc_curve(pos, score, drop_intermediate=False)
    # Carlini et al. 2022 (their fig. code): tpr at the last fpr below the
    # target; evalctl takes <=, so both are given where they agree.
    case["tpr_at"] = {str(x): float(tpr[fpr <= x].max()) for x in (0.001, 0.01, 0.1, 0.5)}
    case["balanced_accuracy"] = float(np.max(1 - (fpr + (1 - tpr)) / 2))
    cases.append(case)


add("hand: 4 examples", [0.1, 0.4, 0.35, 0.8], [False, False, True, True])
add("ties across classes", [0.5, 0.5, 0.2, 0.9, 0.2, 0.5], [True, False, False, True, True, False])
add("separable", [3, 2, 1, -1, -2], [True, True, True, False, False])
n = 400
pos = rng.random(n) < 0.5
score = rng.normal(size=n) + 0.8 * pos
add("gaussian shift, 400", np.round(score, 2), pos)
n = 600
pos = rng.random(n) < 0.3
score = rng.normal(size=n) + 1.5 * pos
add("gaussian shift, 600", score, pos)
json.dump({"sklearn": sklearn.__version__, "cases": cases}, sys.stdout)
