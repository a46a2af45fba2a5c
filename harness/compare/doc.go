// Package compare compares a candidate result with a baseline result, the
// way `evalctl compare BASE CAND` does in CI. It computes a
// result.Comparison (the document type lives with the result schema);
// package reports renders it as a table, Markdown, JSON or JUnit XML
// (reports.WriteCompareTable, WriteCompareMarkdown, WriteCompareJSON,
// WriteCompareJUnit).
//
// # Matching
//
// Evaluations are matched by model name, task and variant. When the two
// results share no model name and each holds exactly one model, those two
// models are matched (the usual "old checkpoint vs new checkpoint" case,
// where the suite names the model after the file). Models present on one
// side only are listed in Comparison.Notes. By default only the "clean"
// variant is compared (Options.AllVariants adds perturbed variants).
//
// Per-example pairs are matched by evaluation key and example index
// (result.Prediction.Eval with the side's model name, and .Index).
//
// # Datasets
//
// If a matched task read different data (the sha256 of its dataset files
// differ), Compare refuses with an error wrapping ErrDatasetMismatch, unless
// Options.Force is set; then the rows are kept, marked in Notes, and no
// paired test is run on them.
//
// # Significance
//
// For each task × model × metric row: delta = cand − base. When both
// prediction sidecars are given and the metric is recomputable from them
// (accuracy, nll, brier), the test is paired on the same examples:
//
//   - paired bootstrap (metrics.PairedBootstrap): resample example indices with replacement, compute
//     both sides' means on the same resample; the CI is the percentile
//     interval of cand − base, and the two-sided p-value is
//     min(1, 2·(min(#Δ* ≤ 0, #Δ* ≥ 0)+1)/(R+1)) over the R resamples;
//   - a metric whose entry in the metric table (metrics/table.go) names
//     metrics.McNemarTest (accuracy, acc) additionally gets the exact
//     McNemar test (metrics.McNemar) on the discordant
//     pairs b01 (base wrong, cand right) and b10 (base right, cand wrong):
//     p = min(1, 2·Σ_{i≤min(b01,b10)} C(b01+b10, i)/2^(b01+b10)); this p is
//     the one the verdict uses.
//
// The recomputed per-example means are first checked against the values
// the results report (relative tolerance 1e-6); on a mismatch (a
// convention this package does not know) the paired test is skipped and a
// note says why. Without sidecars the test falls back to an unpaired z-test
// from the two reported CIs (se = CI width / 2z), which is conservative for
// positively correlated models. The verdict is result.VerdictBetter or
// VerdictWorse (using the metric's higher_is_better) when p < 1 − Level,
// else VerdictNoChange.
//
// # Leaderboard ties
//
// TieGroups runs the same paired tests between adjacent models of each
// leaderboard column and returns the groups reports.Leaderboard marks as tied.
//
// # Gates
//
// Absolute gates are evaluated on the candidate (gate.Evaluate). Regression
// gates ("may drop/rise at most") are evaluated on each clean row in their
// scope; a row that is missing, NaN, or (with "if significant") has no test
// available fails. (*result.Comparison).Failed reports whether any gate
// failed.
package compare
