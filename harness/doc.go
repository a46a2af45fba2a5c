// Package harness runs suites: it plans model × task evaluations, streams
// datasets through encoders, batches examples into ONNX Runtime, decodes and
// caches predictions, scores them with the task kinds and returns a
// result.Result. It never prints to stdout; progress goes to an optional
// callback.
//
// Subpackages: suite (schema and validation), dataset (readers and
// preprocessing), ort (the ONNX Runtime model), onnx (reading .onnx files for
// inspect), result (the result schema), gate and compare (CI gates and
// paired comparisons), tokenizer (Hugging Face tokenizers).
package harness
