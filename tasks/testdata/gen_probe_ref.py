#!/usr/bin/python3
"""Reference numbers for tasks/probe_test.go, from scikit-learn 1.2.

Run: /usr/bin/python3 tasks/testdata/gen_probe_ref.py  (writes probe_ref.json next to it)

A small 3-class fixture (60 train, 15 test, 4 features) drawn with numpy's
seeded generator; LogisticRegression(multi_class="multinomial", C=C) fitted to
tol 1e-10 for several C, and KNeighborsClassifier(metric="cosine",
algorithm="brute") probabilities.

scikit-learn's L-BFGS also stops on a relative function change of 64·eps,
which leaves its gradient near 3e-6 here; so the script also polishes
sklearn's solution with scipy's L-BFGS-B on the same objective
(mean cross-entropy + ||W||^2/(2Cn)) to a gradient below 1e-9 and records
that optimum ("opt_*") for the tight comparison.
"""
import json, os
import numpy as np
import scipy.optimize
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

rng = np.random.default_rng(20240601)
centers = np.array([[2, 0, 0, 1], [0, 2, 0, -1], [0, 0, 2, 0.5]], dtype=np.float64)
def draw(n):
    y = np.arange(n) % 3
    x = centers[y] + rng.normal(scale=1.2, size=(n, 4))
    return x.astype(np.float32), y
xtr, ytr = draw(60)
xte, yte = draw(15)
out = {"sklearn": sklearn.__version__, "train_x": xtr.tolist(), "train_y": ytr.tolist(),
       "test_x": xte.tolist(), "test_y": yte.tolist(), "logreg": [], "knn": []}
for C in [0.1, 1.0, 10.0]:
    m = LogisticRegression(multi_class="multinomial", C=C, tol=1e-10, max_iter=100000)
    m.fit(xtr.astype(np.float64), ytr)
    X = xtr.astype(np.float64); n, D = X.shape; K = 3; Y = np.eye(K)[ytr]; lam = 1 / (C * n)
    def fg(p):
        W = p[:D * K].reshape(D, K); b = p[D * K:]
        Z = X @ W + b; mx = Z.max(1, keepdims=True); lse = mx[:, 0] + np.log(np.exp(Z - mx).sum(1))
        P = np.exp(Z - lse[:, None])
        g = np.concatenate([(X.T @ (P - Y) / n + lam * W).ravel(), (P - Y).mean(0)])
        return (lse - Z[np.arange(n), ytr]).mean() + 0.5 * lam * (W ** 2).sum(), g
    p0 = np.concatenate([m.coef_.T.ravel(), m.intercept_])
    res = scipy.optimize.minimize(fg, p0, jac=True, method="L-BFGS-B", options=dict(gtol=1e-14, ftol=1e-16, maxiter=10000))
    assert np.abs(fg(res.x)[1]).max() < 1e-8
    Wo = res.x[:D * K].reshape(D, K); bo = res.x[D * K:]
    Zo = xte.astype(np.float64) @ Wo + bo; Po = np.exp(Zo - Zo.max(1, keepdims=True)); Po /= Po.sum(1, keepdims=True)
    out["logreg"].append({"C": C, "coef": m.coef_.tolist(), "intercept": m.intercept_.tolist(),
                          "test_probs": m.predict_proba(xte.astype(np.float64)).tolist(),
                          "opt_coef": Wo.T.tolist(), "opt_test_probs": Po.tolist(), "opt_objective": float(res.fun)})
for k in [1, 5]:
    m = KNeighborsClassifier(n_neighbors=k, metric="cosine", algorithm="brute").fit(xtr, ytr)
    out["knn"].append({"k": k, "test_probs": m.predict_proba(xte).tolist(), "pred": m.predict(xte).tolist()})
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe_ref.json"), "w") as f:
    json.dump(out, f, indent=1)
