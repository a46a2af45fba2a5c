// Command evalctl evaluates ONNX models on declarative suites: intrinsic and
// extrinsic tasks, with accuracy, calibration, fairness, robustness and
// efficiency reported together. Run `evalctl help` for the commands.
//
// Exit codes (docs/cli.md):
//
//	0  success (and every gate passed)
//	1  runtime error (a model failed to load or run, a file could not be
//	   written, an internal error, an interrupted run)
//	2  usage error or invalid input (bad flags, an invalid suite, malformed
//	   data, a model whose signature does not fit its task)
//	3  a gate failed: a regression or a threshold was crossed
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	go cancelOnSignal(cancel)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// cancelOnSignal cancels the run at the first SIGINT or SIGTERM: every long
// step (hashing, reading, inference) stops at its next check, chunks already
// cached stay valid, and evalctl exits 1. A second signal kills the process
// at once (the default action is restored after the first).
func cancelOnSignal(cancel context.CancelFunc) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	s := <-sigs
	signal.Stop(sigs)
	fmt.Fprintf(os.Stderr, "\nevalctl: %v: stopping (a second signal quits at once)\n", s)
	cancel()
}
