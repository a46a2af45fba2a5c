// Package harnesstest checks that a harness.Model behaves as the harness
// expects, in the spirit of testing/fstest.TestFS: any implementation (the
// ONNX Runtime model, fakes, future backends) runs the same conformance test.
//
// TestModel checks, reporting every violation it finds:
//
//   - Run returns one output per declared output (when the model is a
//     harness.Describer), in declared order, each passing tensor.Check, with
//     the declared element type and a shape that agrees with the declared
//     rank and fixed dimensions; a sequence-of-maps output comes back as a
//     dense float32 [n, k] tensor with k Keys;
//   - Run does not modify its inputs (data or shapes);
//   - results do not depend on the other rows of the batch: each row run on
//     its own (when the batch axis is dynamic) and the batch run in reverse
//     order give the same rows as the original batch;
//   - Close succeeds, Run after Close fails, and a second Close either
//     succeeds or fails without panicking.
//
// TestModel closes the model.
//
// # Tolerance
//
// Rows are compared exactly for integer, bool and string outputs. Float
// outputs may differ within |a-b| <= tol*max(1, |a|, |b|), with tol 1e-5 for
// float32 and float64 and 1e-3 for float16, and NaN equal to NaN. The reason:
// a runtime may pick different kernels for different batch sizes (ONNX
// Runtime's MLAS uses a GEMV path for one row and blocked GEMM for many), so
// the order of floating-point summation, and with it the last bits of the
// result, can change with the batch size. 1e-5 is about 80 float32 ulps,
// well above that rounding noise, and far below what a row leaking into
// another produces. float16 carries only 11 significant bits (ulp 2^-10 ≈
// 1e-3 at 1), hence its looser tolerance.
package harnesstest
