// Package metrics holds the pure mathematics of evalctl: classification,
// ranking, probabilistic, calibration, selective-prediction and regression
// metrics, bootstrap confidence intervals and paired tests. It does no I/O
// and imports only the standard library and gonum.
//
// # Conventions
//
// These rules hold for every function in the package and are not repeated in
// each doc comment unless a function departs from them.
//
//   - Predictions and labels are class indices in [0, k). Probabilities (or
//     scores, or logits) for n examples over k classes are a flat row-major
//     []float64 of length n*k together with k: the score of class c for
//     example i is probs[i*k+c].
//   - weights, when a function takes it, is the last argument and holds one
//     non-negative weight per example. If weights is nil, all weights are 1.
//     A weighted metric is the metric of the data set in which example i is
//     repeated weights[i] times.
//   - Caller mistakes panic with a message that starts with "metrics: ":
//     slices of mismatched length, a probability slice whose length is not a
//     multiple of k, k < 1, or a class index outside [0, k) where k is given.
//     Use CheckLabels and CheckProbabilities to validate data first.
//   - Empty input, or a NaN anywhere in the input, gives NaN. Failures that
//     depend on the data itself (a metric that is mathematically undefined for
//     this data, such as AUROC when only one class is present) are returned as
//     errors wrapping ErrUndefined, with the reason.
//   - Output slices written in place are named dst.
//
// Definitions follow scikit-learn 1.2 where scikit-learn has the metric
// (the test vectors in testdata/vectors.json were produced by it), Guo et al.
// (2017) and Kumar et al. (2019) for calibration, and HELM (Liang et al. 2022)
// for selective prediction. docs/metrics.md gives every formula and citation.
//
// # Uncertainty
//
// BootstrapCI is the general percentile bootstrap: it resamples example
// indices and calls a statistic. It is deterministic for a given seed however
// many goroutines run: resample r draws from a PCG generator seeded with
// (seed, r). On a million examples a thousand full resamples are slow, so two
// fast paths exist. BootstrapConfusionCI is exact for any statistic of the
// confusion matrix (accuracy, balanced accuracy, F1, MCC, precision, recall):
// resampling examples is the same as drawing the k×k cell counts from a
// multinomial, which costs O(k²) per resample. BootstrapMeanCI handles means of
// per-example terms (NLL, Brier, a correctness indicator); it is exact when
// the terms take at most MaxStrata distinct values and otherwise uses a
// documented stratified approximation whose replicates have the exact
// bootstrap mean and variance. BootstrapCalibrationCI does the same for the
// ECE family. Metrics without a fast path (AUROC, average precision, AURC,
// classwise ECE, regression) use BootstrapCI. PairedBootstrap and McNemar
// compare two systems on the same examples.
package metrics
