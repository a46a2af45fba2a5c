#!/usr/bin/python3
"""Exact WEAT effect sizes and p-values for small hand-made vectors (writes weat_vectors.json).

    /usr/bin/python3 fairness/testdata/weat_vectors.py

Re-implements the formulas of W4ngatang/sent-bias sentbias/weat.py
(s(w,A,B) = mean_a cos(w,a) - mean_b cos(w,b); effect size with the ddof=1
standard deviation of s over X u Y; one-sided p = share of the
binom(2n, n) equal-size partitions, enumerated with itertools.combinations,
whose X-part sum of s is >= the observed one, ties counted as exceeding).
Ties are decided with math.isclose(rel_tol=1e-12) so that a mathematical tie
is not lost to summation order.
"""
import itertools
import json
import math
import os

import numpy as np


def cos(u, v):
    return float(np.dot(u, v) / math.sqrt(np.dot(u, u) * np.dot(v, v)))


def weat(X, Y, A, B):
    s = lambda w: np.mean([cos(w, a) for a in A]) - np.mean([cos(w, b) for b in B])
    sx = [s(np.array(x, float)) for x in X]
    sy = [s(np.array(y, float)) for y in Y]
    allv = sx + sy
    d = (np.mean(sx) - np.mean(sy)) / np.std(allv, ddof=1)
    obs = sum(sx)
    hits = ties = total = 0
    for comb in itertools.combinations(range(len(allv)), len(X)):
        si = sum(allv[i] for i in comb)
        total += 1
        if math.isclose(si, obs, rel_tol=1e-12, abs_tol=1e-12):
            hits += 1
            ties += 1
        elif si > obs:
            hits += 1
    return {"effect_size": float(d), "statistic": float(sum(sx) - sum(sy)),
            "p_value": hits / total, "partitions": total, "ties": ties,
            "assoc_x": sx, "assoc_y": sy}


cases = [
    {   # 2-D, also worked by hand in weat_test.go.
        "name": "axes_2d",
        "X": [[1, 0], [3, 4]], "Y": [[0, 1], [4, 3]],
        "A": [[1, 0]], "B": [[0, 1]],
    },
    {   # 3-D, three targets per side: binom(6, 3) = 20 partitions.
        "name": "flowers_insects_3d",
        "X": [[1, 0.2, 0], [0.9, 0.1, 0.3], [0.7, 0.4, 0.1]],
        "Y": [[0.1, 1, 0.2], [0.3, 0.8, 0], [0.2, 0.9, 0.5]],
        "A": [[1, 0, 0.1], [0.8, 0.2, 0]],
        "B": [[0, 1, 0.1], [0.1, 0.9, 0.3]],
    },
    {   # 3-D with mirror-symmetric targets, so several partitions tie.
        "name": "ties_3d",
        "X": [[1, 1, 0], [2, 1, 0], [1, 2, 0]],
        "Y": [[1, 1, 1], [1, 2, 0], [2, 1, 0]],
        "A": [[1, 0, 0]], "B": [[0, 1, 0]],
    },
    {   # 3-D, four per side: binom(8, 4) = 70 partitions; Y more associated with A.
        "name": "reversed_3d",
        "X": [[0, 1, 0.2], [0.1, 1, 0], [0.2, 0.7, 0.4], [0.3, 1, 0.1]],
        "Y": [[1, 0.1, 0], [0.9, 0, 0.3], [1, 0.3, 0.2], [0.6, 0.2, 0.1]],
        "A": [[1, 0, 0], [0.9, 0.1, 0.1], [1, 0.2, 0]],
        "B": [[0, 1, 0], [0.1, 0.8, 0.2]],
    },
]
for c in cases:
    c["expected"] = weat(c["X"], c["Y"], c["A"], c["B"])
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weat_vectors.json")
with open(path, "w") as f:
    json.dump({"generator": "fairness/testdata/weat_vectors.py", "cases": cases}, f, indent=1)
    f.write("\n")
for c in cases:
    e = c["expected"]
    print(c["name"], e["effect_size"], e["p_value"], e["partitions"], e["ties"])
