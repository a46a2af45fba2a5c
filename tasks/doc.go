// Package tasks defines evalctl's task kinds: how a model's output tensors
// become per-example predictions, and how predictions become metrics.
//
// A task kind is small: a name, a decoder from output tensors to predictions,
// and a scorer from predictions to metric values with confidence intervals.
// Variation (which output, logits or probabilities, calibration bins, what to
// do with NaN outputs) lives in config structs, not in extra methods.
//
// tasks imports metrics, fairness and robustness, never harness: the harness
// feeds it plain tensors and group labels and turns its values into the
// result schema.
package tasks
