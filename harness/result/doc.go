// Package result defines evalctl's result schema, "evalctl.result/v1": the
// JSON document one `evalctl run` writes, and the per-example predictions
// sidecar beside it.
//
// The package imports nothing else of evalctl, so that reports (which may
// read results only) and outside tools can depend on it alone. Files are
// written atomically: to a temporary file in the destination folder, synced,
// then renamed over the destination, so a reader never sees half a result.
//
// Numbers that are undefined (an AUROC with one class present, a metric over
// an empty group) are NaN in Go and null in JSON; the metric's Undefined field
// says why.
package result
