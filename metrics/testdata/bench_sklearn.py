#!/usr/bin/python3
"""Time scikit-learn on the workload of metrics.BenchmarkIssue1M.

Same synthetic distribution as metrics/bench_test.go (n examples, k classes,
logits N(0,1) with +2 on the true class, softmax probabilities, argmax
predictions); numpy's generator, so not the same draws. It times the point
metrics scikit-learn has (ECE is a numpy transcription: scikit-learn has
none), then a bootstrap loop that resamples examples and recomputes them,
and prints one JSON object with seconds per stage. The per-replicate cost
is extrapolated to 1000 replicates for comparison with Go.

    /usr/bin/python3 metrics/testdata/bench_sklearn.py [--n 1000000] [--k 10] [--resamples 100]
        [--skip-ranking-in-bootstrap]
"""
import argparse
import json
import time
import warnings

import numpy as np
import sklearn
from sklearn import metrics as skm

warnings.simplefilter("ignore")


def ece(conf, correct, bins=15, equal_mass=False):
    if equal_mass:
        s = np.sort(conf)
        parts = np.array_split(s, bins)
        edges = sorted(set([(parts[i][-1] + parts[i + 1][0]) / 2 for i in range(bins - 1)] + [1.0]))
    else:
        edges = np.arange(1, bins + 1) / bins
    idx = np.minimum(np.searchsorted(edges, conf), len(edges) - 1)
    cnt = np.bincount(idx, minlength=len(edges))
    sc = np.bincount(idx, weights=conf, minlength=len(edges))
    sa = np.bincount(idx, weights=correct, minlength=len(edges))
    m = cnt > 0
    return float(np.sum(np.abs(sc[m] - sa[m])) / len(conf))


def point(label, pred, p, k, ranking=True):
    labels = list(range(k))
    out = {}
    t = time.perf_counter()
    skm.accuracy_score(label, pred)
    skm.balanced_accuracy_score(label, pred)
    skm.f1_score(label, pred, average="macro", zero_division=0)
    skm.f1_score(label, pred, average="micro")
    skm.precision_recall_fscore_support(label, pred, labels=labels, zero_division=0)
    skm.matthews_corrcoef(label, pred)
    skm.confusion_matrix(label, pred, labels=labels)
    out["confusion_metrics"] = time.perf_counter() - t
    t = time.perf_counter()
    skm.top_k_accuracy_score(label, p, k=5, labels=labels)
    skm.log_loss(label, p, labels=labels)
    np.mean(((p - np.eye(k)[label]) ** 2).sum(axis=1))
    out["proba_metrics"] = time.perf_counter() - t
    t = time.perf_counter()
    if ranking:
        skm.roc_auc_score(label, p, multi_class="ovr", average="macro", labels=labels)
        np.mean([skm.average_precision_score(label == c, p[:, c]) for c in range(k)])
    out["ranking_metrics"] = time.perf_counter() - t
    t = time.perf_counter()
    conf = p.max(axis=1)
    correct = (pred == label).astype(float)
    ece(conf, correct)
    ece(conf, correct, 10, True)
    out["calibration_numpy"] = time.perf_counter() - t
    out["total"] = sum(out.values())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--resamples", type=int, default=100)
    ap.add_argument("--skip-ranking-in-bootstrap", action="store_true",
                    help="leave AUROC and AP out of the bootstrap loop (evalctl has no fast path for them)")
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    label = rng.integers(0, a.k, a.n)
    z = rng.normal(size=(a.n, a.k))
    z[np.arange(a.n), label] += 2
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    pred = p.argmax(axis=1)

    res = {"sklearn": sklearn.__version__, "numpy": np.__version__, "n": a.n, "k": a.k}
    t0 = time.process_time()
    w0 = time.perf_counter()
    res["point"] = point(label, pred, p, a.k)
    res["point_cpu_s"] = time.process_time() - t0
    t0 = time.process_time()
    w0 = time.perf_counter()
    for r in range(a.resamples):
        idx = rng.integers(0, a.n, a.n)
        point(label[idx], pred[idx], p[idx], a.k, ranking=not a.skip_ranking_in_bootstrap)
    res["bootstrap_resamples"] = a.resamples
    res["bootstrap_includes_ranking"] = not a.skip_ranking_in_bootstrap
    res["bootstrap_wall_s"] = time.perf_counter() - w0
    res["bootstrap_cpu_s"] = time.process_time() - t0
    res["bootstrap_cpu_s_per_1000_extrapolated"] = res["bootstrap_cpu_s"] * 1000 / a.resamples
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
