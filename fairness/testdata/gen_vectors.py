#!/usr/bin/python3
"""Build the fairness fixture and its expected values (writes vectors.json).

Run with Debian's python3 (python3-sklearn 1.2.1, python3-numpy):

    /usr/bin/python3 fairness/testdata/gen_vectors.py

The fixture has binary labels and predictions, two group attributes (sex,
age) and sample weights. Per-group weighted confusion matrices come from
sklearn.metrics.confusion_matrix(labels=[0, 1], sample_weight=w); selection
rate, TPR and FPR are derived from them, and the criteria use fairlearn's
definitions (fairlearn/metrics/_fairness_metrics.py and
_disaggregated_result.py; fairlearn itself is not installed):

  difference between_groups = max_g - min_g
  difference to_overall     = max_g |g - overall|
  ratio between_groups      = min_g / max_g
  ratio to_overall          = min_g min(g/overall, overall/g)
  DP  = selection rate; EOpp = TPR;
  EO difference = max(TPR diff, FPR diff); EO ratio = min(TPR ratio, FPR ratio)

Groups with an undefined rate (empty intersection cells) are skipped, as
pandas' min/max skip NaN.
"""
import itertools
import json
import math
import os

import numpy as np
import sklearn
from sklearn.metrics import confusion_matrix

rng = np.random.RandomState(20240501)
N = 60
sex = rng.choice(["female", "male"], size=N).tolist()
age = rng.choice(["<=25", "26-50", ">50"], size=N, p=[0.3, 0.45, 0.25]).tolist()
# Make the intersection cell male|>50 empty, so that an empty group appears.
age = ["26-50" if s == "male" and a == ">50" else a for s, a in zip(sex, age)]
label = rng.randint(0, 2, size=N)
# Predictions agree with labels 70% of the time, with a group-dependent skew.
flip = rng.rand(N) < np.where(np.array(sex) == "female", 0.35, 0.2)
pred = np.where(flip, 1 - label, label)
weight = rng.choice([0.5, 1.0, 1.5, 2.0, 3.25], size=N)


def rates(idx):
    if len(idx) == 0:
        return None
    cm = confusion_matrix(label[idx], pred[idx], labels=[0, 1], sample_weight=weight[idx])
    tn, fp, fn, tp = (float(v) for v in cm.ravel())
    total = tn + fp + fn + tp
    return {
        "n": len(idx),
        "tn": tn, "fp": fp, "fn": fn, "tp": tp,
        "selection_rate": (tp + fp) / total,
        "true_positive_rate": tp / (tp + fn) if tp + fn > 0 else None,
        "false_positive_rate": fp / (fp + tn) if fp + tn > 0 else None,
    }


def summaries(groups, overall, metric):
    vals = [g[metric] for g in groups.values() if g is not None and g[metric] is not None]
    o = overall[metric]
    ratios = [min(v / o, o / v) if v != 0 else 0.0 for v in vals]
    return {
        "min": min(vals), "max": max(vals),
        "difference_between": max(vals) - min(vals),
        "difference_to_overall": max(abs(v - o) for v in vals),
        "ratio_between": min(vals) / max(vals),
        "ratio_to_overall": min(min(r, 1 / r if r > 1 else r) for r in ratios),
    }


all_idx = np.arange(N)
overall = rates(all_idx)
breakdowns = []
specs = [("sex", [sex]), ("age", [age]), ("sex|age", [sex, age])]
names = {"sex": ["sex"], "age": ["age"], "sex|age": ["sex", "age"]}
for attr, cols in specs:
    levels = [sorted(set(c)) for c in cols]
    groups = {}
    for combo in itertools.product(*levels):
        key = "|".join(f"{n}={v}" for n, v in zip(names[attr], combo))
        idx = np.array([i for i in range(N) if all(c[i] == v for c, v in zip(cols, combo))], dtype=int)
        groups[key] = rates(idx)
    sm = {m: summaries(groups, overall, m) for m in ["selection_rate", "true_positive_rate", "false_positive_rate"]}
    crit = {}
    for method in ["between", "to_overall"]:
        d, r = f"difference_{method}", f"ratio_{method}"
        crit[method] = {
            "demographic_parity_difference": sm["selection_rate"][d],
            "demographic_parity_ratio": sm["selection_rate"][r],
            "equalized_odds_difference": max(sm["true_positive_rate"][d], sm["false_positive_rate"][d]),
            "equalized_odds_ratio": min(sm["true_positive_rate"][r], sm["false_positive_rate"][r]),
            "equal_opportunity_difference": sm["true_positive_rate"][d],
            "equal_opportunity_ratio": sm["true_positive_rate"][r],
        }
    breakdowns.append({"attribute": attr, "groups": groups, "summaries": sm, "criteria": crit})

out = {
    "generator": "fairness/testdata/gen_vectors.py",
    "sklearn_version": sklearn.__version__,
    "numpy_version": np.__version__,
    "label": label.tolist(), "pred": pred.tolist(), "weight": weight.tolist(),
    "sex": sex, "age": age,
    "overall": overall,
    "breakdowns": breakdowns,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", path)
