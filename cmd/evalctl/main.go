// Command evalctl evaluates ONNX models on declarative suites: intrinsic and
// extrinsic tasks, with accuracy, calibration, fairness, robustness and
// efficiency reported together. Run `evalctl help` for the commands.
//
// Exit codes:
//
//	0  success (and every gate passed)
//	1  runtime error (a model failed to load or run, a file could not be written, ...)
//	2  usage error or invalid input (bad flags, an invalid suite, malformed data)
//	3  a gate failed: a regression or a threshold was crossed
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
