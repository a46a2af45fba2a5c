// Package ort runs ONNX models with ONNX Runtime through
// github.com/yalue/onnxruntime_go, behind the harness.Model interface.
//
// # Enabling
//
// The runtime needs cgo. Files using it carry `//go:build cgo`; in a binary
// built with CGO_ENABLED=0 Init and Open return ErrNoCgo ("evalctl was built
// without cgo; rebuild with CGO_ENABLED=1"), and FindLibrary still works.
//
// # Finding the library
//
// ONNX Runtime is loaded at run time (dlopen). FindLibrary looks, in order:
//
//  1. at an explicit path (the --ort-lib flag);
//  2. at $EVALCTL_ORT_LIB;
//  3. in the project cache: the nearest .evalctl/onnxruntime/<os>-<arch>/ in
//     the current directory or its parents, then beside the executable or in
//     its parent folder (bin/evalctl of a checkout);
//  4. in the user cache: $XDG_CACHE_HOME/evalctl/onnxruntime/<os>-<arch>/
//     (default ~/.cache/evalctl/...);
//  5. on the system: the dynamic loader's default search for
//     libonnxruntime.so.1 or libonnxruntime.so.
//
// scripts/fetch-ort.sh installs the CPU library (npm onnxruntime-node) into
// the project cache; its --gpu mode installs the CUDA/TensorRT bundle into
// .evalctl/onnxruntime-gpu/linux-x64/, which must be selected explicitly
// (--ort-lib or $EVALCTL_ORT_LIB) because it replaces the CPU library.
//
// The ONNX Runtime environment is global to the process: Init loads one
// library once; later calls return the same *Runtime, and asking for a
// different library is an error.
//
// # Ownership
//
// Model.Run wraps the caller's input slices as ONNX Runtime tensors without
// copying them (ONNX Runtime only reads them; the caller must not change them
// while Run is in progress), lets ONNX Runtime allocate the outputs, and
// copies every output into Go memory that the returned tensors own. Every
// ort.Value that Run creates or receives — inputs, outputs, the tensors
// inside ZipMap sequences — is destroyed before Run returns, on success and
// on every error path. Nothing returned by this package refers to ONNX
// Runtime memory.
//
// Model.RunInto is the lending form for large outputs (a language model's
// logits): float32 outputs whose shape follows from the inputs are written by
// ONNX Runtime straight into Go buffers that the model reuses across calls,
// and are lent to a callback. The tensors (and every slice reachable from
// them) are valid only until the callback returns; afterwards the memory may
// be reused by another call at any time.
//
// # Element types and ZipMap
//
// Inputs and outputs may be float32, float16 (IEEE half bits in []uint16),
// float64, int64, int32, uint8, bool and string tensors. A scikit-learn ZipMap
// output (a sequence of maps from int64 or string class keys to float)
// becomes a dense float32 tensor [n, k] whose Keys are the class keys sorted
// (int64 keys numerically, string keys bytewise); column j holds the value
// for Keys[j].
//
// float16 outputs are preallocated by this package because onnxruntime_go
// v1.27.0 copies only one byte per element when it allocates a float16
// output itself; their shape must therefore follow from the inputs (fixed
// dims, or symbolic dims shared with an input, such as "batch").
//
// # Providers
//
// Options.Providers is tried in order ("cpu", "cuda", "tensorrt"). A provider
// that cannot be loaded (no CUDA in this build, missing CUDA libraries, no
// device) is recorded with ONNX Runtime's message in Model.ProviderNotes;
// Open moves on only when Options.AllowFallback is set, and otherwise fails
// naming the provider. Model.Provider reports the provider actually used.
package ort
