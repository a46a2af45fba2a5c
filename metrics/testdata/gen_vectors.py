#!/usr/bin/python3
"""Generate metrics/testdata/vectors.json: inputs and reference outputs.

References: scikit-learn (the Debian python3-sklearn 1.2 package) and scipy
wherever they implement the metric; plain numpy transcriptions of the
published definition otherwise (multiclass Brier; Guo et al. 2017 equal-width
ECE and Kumar et al. 2019 equal-mass ECE as in their `calibration` package;
HELM's selective statistics with a stable sort). Every case records its
reference in "ref". Run from the repository root:

    /usr/bin/python3 metrics/testdata/gen_vectors.py > metrics/testdata/vectors.json
"""
import json
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn import metrics as skm

rng = np.random.default_rng(20261129)
cases = []


def add(name, metric, ref, want, **inputs):
    c = {"name": name, "metric": metric, "ref": ref}
    for key, v in inputs.items():
        if isinstance(v, np.ndarray):
            v = v.tolist()
        c[key] = v
    if want is None:
        c["error"] = True
        c["want"] = None
    else:
        c["want"] = np.asarray(want, dtype=float).tolist()
    cases.append(c)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def make(n, k, weighted, absent=None, ties=False, skill=1.5):
    label = rng.integers(0, k, n)
    if absent is not None:
        label[label == absent] = (absent + 1) % k
    z = rng.normal(size=(n, k))
    z[np.arange(n), label] += skill
    if ties:
        z = np.round(z)  # integer logits: many rows share scores exactly
    p = softmax(z)
    pred = p.argmax(axis=1)
    w = rng.uniform(0.1, 3.0, n).round(3) if weighted else None
    return label, pred, p, w


def cls_cases(tag, label, pred, p, w, k):
    base = dict(k=k, label=label, pred=pred, weights=w)
    sw = w
    labels = list(range(k))
    add(tag, "accuracy", "sklearn accuracy_score", skm.accuracy_score(label, pred, sample_weight=sw), **base)
    with np.errstate(all="ignore"):
        import warnings
        warnings.simplefilter("ignore")
        add(tag, "balanced_accuracy", "sklearn balanced_accuracy_score",
            skm.balanced_accuracy_score(label, pred, sample_weight=sw), **base)
        add(tag, "f1_macro", "sklearn f1_score(average=macro, zero_division=0)",
            skm.f1_score(label, pred, average="macro", zero_division=0, sample_weight=sw), **base)
        add(tag, "f1_micro", "sklearn f1_score(average=micro)",
            skm.f1_score(label, pred, average="micro", sample_weight=sw), **base)
        pr, rc, _, _ = skm.precision_recall_fscore_support(label, pred, labels=labels, average=None,
                                                           zero_division=0, sample_weight=sw)
        add(tag, "precision", "sklearn precision_recall_fscore_support(labels=range(k), zero_division=0)", pr, **base)
        add(tag, "recall", "sklearn precision_recall_fscore_support(labels=range(k), zero_division=0)", rc, **base)
        add(tag, "mcc", "sklearn matthews_corrcoef", skm.matthews_corrcoef(label, pred, sample_weight=sw), **base)
        add(tag, "confusion", "sklearn confusion_matrix(labels=range(k))",
            skm.confusion_matrix(label, pred, labels=labels, sample_weight=sw).astype(float).ravel(), **base)
    pb = dict(k=k, label=label, probs=p.ravel(), weights=w)
    add(tag, "nll", "sklearn log_loss(eps=1e-15, labels=range(k))",
        skm.log_loss(label, p, eps=1e-15, labels=labels, sample_weight=sw), **pb)
    onehot = np.eye(k)[label]
    add(tag, "brier", "numpy: mean_i sum_c (p_ic - y_ic)^2 (Brier 1950)",
        np.average(((p - onehot) ** 2).sum(axis=1), weights=sw), **pb)
    present = np.unique(label)
    if k == 2:
        if len(present) == 2:
            add(tag, "auroc", "sklearn roc_auc_score(y, p[:,1])", skm.roc_auc_score(label, p[:, 1], sample_weight=sw), **pb)
            add(tag, "average_precision", "sklearn average_precision_score(y, p[:,1])",
                skm.average_precision_score(label, p[:, 1], sample_weight=sw), **pb)
        else:
            add(tag, "auroc", "undefined: one class present (sklearn raises ValueError)", None, **pb)
        add(tag, "brier_binary", "sklearn brier_score_loss(y, p[:,1])",
            skm.brier_score_loss(label, p[:, 1], sample_weight=sw), k=k, label=label, p1=p[:, 1], weights=w)
    else:
        if len(present) == k:
            add(tag, "auroc", "sklearn roc_auc_score(multi_class=ovr, average=macro)",
                skm.roc_auc_score(label, p, multi_class="ovr", average="macro", labels=labels, sample_weight=sw), **pb)
            aps = [skm.average_precision_score(label == c, p[:, c], sample_weight=sw) for c in range(k)]
            add(tag, "average_precision", "mean over classes of sklearn average_precision_score(y==c, p[:,c])",
                np.mean(aps), **pb)
        else:
            add(tag, "auroc", "undefined: a class is absent (sklearn raises ValueError)", None, **pb)
        for topk in (2, 3):
            if topk < k:
                add(tag, "top_k_accuracy", "sklearn top_k_accuracy_score(labels=range(k))",
                    skm.top_k_accuracy_score(label, p, k=topk, labels=labels, sample_weight=sw), topk=topk, **pb)


# Kumar et al. (2019) `calibration` package, transcribed: plug-in L_p error.
def kumar_edges(conf, bins, scheme):
    if scheme == "equal-width":
        return [i * 1.0 / bins for i in range(1, bins + 1)]
    s = sorted(conf)
    bins = min(bins, len(s))
    parts = np.array_split(s, bins)
    e = [(parts[i][-1] + parts[i + 1][0]) / 2.0 for i in range(len(parts) - 1)]
    e.append(1.0)
    return sorted(set(e))


def kumar_ce(conf, outcome, bins, scheme, norm):
    conf = np.asarray(conf)
    outcome = np.asarray(outcome, dtype=float)
    edges = kumar_edges(conf, bins, scheme)
    idx = np.searchsorted(edges, conf)
    idx = np.minimum(idx, len(edges) - 1)
    n = len(conf)
    gaps, masses = [], []
    for b in range(len(edges)):
        m = idx == b
        if m.sum() == 0:
            continue
        gaps.append(abs(conf[m].mean() - outcome[m].mean()))
        masses.append(m.sum() / n)
    gaps, masses = np.array(gaps), np.array(masses)
    if norm == "l1":
        return float((masses * gaps).sum())
    if norm == "l2":
        return float(np.sqrt((masses * gaps ** 2).sum()))
    return float(gaps.max())


def cal_cases(tag, label, p, k):
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == label).astype(float)
    for bins, scheme, norm in [(15, "equal-width", "l1"), (10, "equal-mass", "l1"), (15, "equal-width", "max"),
                               (10, "equal-width", "l2"), (7, "equal-mass", "max")]:
        add(tag, "calibration", "numpy transcription of Kumar et al. 2019 plugin_ce (get_ece / get_ece_em), top-label",
            kumar_ce(conf, correct, bins, scheme, norm), k=k, label=label, probs=p.ravel(),
            bins=bins, binning=scheme, norm=norm, top_label=True)
    if k == 2:
        add(tag, "calibration", "numpy transcription of Kumar et al. 2019 plugin_ce, positive-class",
            kumar_ce(p[:, 1], label, 10, "equal-width", "l1"), k=k, label=label, probs=p.ravel(),
            bins=10, binning="equal-width", norm="l1", top_label=False)
    cw = np.mean([kumar_ce(p[:, c], (label == c).astype(float), 15, "equal-width", "l1") for c in range(k)])
    add(tag, "classwise_ece", "numpy: mean over classes of Kumar plugin_ce (marginal mode, p=1)", cw,
        k=k, label=label, probs=p.ravel(), bins=15, binning="equal-width", norm="l1")
    # HELM get_selective_stats with a stable sort.
    order = np.argsort(-conf, kind="stable")
    accs = np.cumsum(correct[order]) / np.arange(1, len(conf) + 1)
    add(tag, "aurc", "HELM get_selective_stats: 1 - mean cumulative accuracy (stable sort)", 1 - accs.mean(),
        conf=conf, correct=correct.astype(bool))
    add(tag, "selective_acc", "HELM get_selective_stats: accs[int(0.1*n)] (stable sort)",
        accs[int(0.1 * len(conf))], conf=conf, correct=correct.astype(bool), coverage=0.1)


for n, k, weighted, absent, ties, tag in [
    (50, 2, False, None, False, "binary"),
    (200, 2, True, None, False, "binary weighted"),
    (120, 2, False, None, True, "binary ties"),
    (30, 2, False, 1, False, "binary one class"),
    (300, 4, False, None, False, "multiclass"),
    (300, 5, True, None, False, "multiclass weighted"),
    (250, 4, False, None, True, "multiclass ties"),
    (150, 5, False, 2, False, "multiclass absent class"),
    (80, 6, True, 3, True, "multiclass weighted absent ties"),
]:
    label, pred, p, w = make(n, k, weighted, absent, ties)
    cls_cases(tag, label, pred, p, w, k)
    if not weighted:
        cal_cases(tag, label, p, k)

# A class never predicted (but present): predictions avoid class 0.
label, pred, p, w = make(100, 3, False)
pred = np.where(pred == 0, 1, pred)
cls_cases("class never predicted", label, pred, p, None, 3)

# Regression.
for n, weighted, ties, tag in [(40, False, False, "regression"), (100, True, False, "regression weighted"),
                               (60, False, True, "regression ties")]:
    y = rng.normal(size=n)
    x = y + rng.normal(scale=0.7, size=n)
    if ties:
        y, x = np.round(y, 0), np.round(x, 0)
    w = rng.uniform(0.1, 3.0, n).round(3) if weighted else None
    r = dict(pred=x, target=y, weights=w)
    add(tag, "mae", "sklearn mean_absolute_error", skm.mean_absolute_error(y, x, sample_weight=w), **r)
    add(tag, "rmse", "sklearn mean_squared_error(squared=False)",
        skm.mean_squared_error(y, x, sample_weight=w, squared=False), **r)
    add(tag, "r2", "sklearn r2_score", skm.r2_score(y, x, sample_weight=w), **r)
    if not weighted:
        add(tag, "pearson", "scipy.stats.pearsonr", scipy.stats.pearsonr(x, y)[0], **r)
        add(tag, "spearman", "scipy.stats.spearmanr (average ranks)", scipy.stats.spearmanr(x, y)[0], **r)

# McNemar exact: statsmodels mcnemar(exact=True) = min(1, 2 * binom.cdf(min(b, c), b + c, 0.5)).
for n, pa, pb, tag in [(60, 0.7, 0.8, "mcnemar"), (500, 0.6, 0.62, "mcnemar close"), (10, 0.5, 0.5, "mcnemar small")]:
    a = rng.random(n) < pa
    b = rng.random(n) < pb
    b01 = int((~a & b).sum())
    b10 = int((a & ~b).sum())
    pv = min(1.0, 2 * scipy.stats.binom.cdf(min(b01, b10), b01 + b10, 0.5)) if b01 + b10 else 1.0
    add(tag, "mcnemar", "scipy.stats.binom.cdf, as statsmodels mcnemar(exact=True)", [b01, b10, pv],
        a_correct=a, b_correct=b)

# Store each input array once: cases refer to entries of "arrays" by index.
arrays, index = [], {}
ARRAY_KEYS = ("label", "pred", "probs", "weights", "p1", "conf", "correct", "target", "a_correct", "b_correct")
for c in cases:
    for key in ARRAY_KEYS:
        if key in c and c[key] is not None:
            j = json.dumps(c[key])
            if j not in index:
                index[j] = len(arrays)
                arrays.append(c[key])
            c[key] = index[j]
json.dump({"generator": "metrics/testdata/gen_vectors.py", "sklearn": sklearn.__version__,
           "scipy": scipy.__version__, "numpy": np.__version__, "arrays": arrays, "cases": cases},
          sys.stdout, indent=None, separators=(",", ":"))
sys.stdout.write("\n")
