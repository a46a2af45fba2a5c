package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/inputerr"
	"github.com/evalctl/evalctl/reports"
)

// Exit codes, documented in the package comment and docs/cli.md.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
	exitGate    = 3
)

// exitError attaches an exit code to an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode attaches code to err unless it already carries one.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: code, err: err}
}

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// errGateFailed is returned when gates fail; the message was already printed.
var errGateFailed = &exitError{code: exitGate, err: errors.New("one or more gates failed")}

// env is what a command may touch: its streams and the environment.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand, in the style of cmd/go.
type command struct {
	Name      string
	UsageLine string
	Short     string
	Long      string
	// Flags registers the command's flags on fs and returns the function that runs it.
	Setup func(fs *flag.FlagSet) func(ctx context.Context, e *env, args []string) error
}

var commands []*command

func register(c *command) { commands = append(commands, c) }

func lookup(name string) *command {
	for _, c := range commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// run is main without os.Exit: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: osGetenv}
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				printCommandHelp(stdout, c)
				return exitOK
			}
			fmt.Fprintf(stderr, "evalctl: unknown help topic %q\n", args[1])
			return exitUsage
		}
		printUsage(stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		msg := fmt.Sprintf("evalctl: unknown command %q", name)
		if near := nearestCommand(name); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		fmt.Fprintln(stderr, msg+"\nRun 'evalctl help' for usage.")
		return exitUsage
	}
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runFn := c.Setup(fs)
	if err := fs.Parse(interleave(fs, args[1:])); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(stdout, c)
			return exitOK
		}
		fmt.Fprintf(stderr, "evalctl %s: %v\nusage: evalctl %s\nRun 'evalctl help %s' for details.\n", c.Name, err, c.UsageLine, c.Name)
		return exitUsage
	}
	// A panic in the command becomes an error (exit 1), never a crash.
	err := inputerr.Safely(func() error { return runFn(ctx, e, fs.Args()) })
	if err == nil {
		return exitOK
	}
	code := exitCode(ctx, err)
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "evalctl: interrupted (%v); cached predictions are kept: run the same command to resume\n", err)
		return code
	}
	if err != errGateFailed {
		fmt.Fprintf(stderr, "evalctl: %s\n", reports.TerminalText(err.Error()))
		if code == exitUsage && strings.HasPrefix(err.Error(), "usage") {
			fmt.Fprintf(stderr, "usage: evalctl %s\n", c.UsageLine)
		}
	}
	return code
}

// exitCode classifies a command's error: a panic (a bug) or an interrupted
// run is 1; an error marked as invalid input (package inputerr: malformed
// data, a suite or model that does not fit) is 2; otherwise the code the
// command attached (exitError), else 1.
func exitCode(ctx context.Context, err error) int {
	switch {
	case inputerr.IsPanic(err), ctx.Err() != nil, errors.Is(err, context.Canceled):
		return exitRuntime
	case inputerr.Is(err):
		return exitUsage
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitRuntime
}

// interleave moves flags that follow positional arguments to the front, so
// that `evalctl run suite.yaml --limit 10` works as users expect.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			f := fs.Lookup(name)
			if f == nil {
				continue
			}
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `evalctl evaluates ONNX models on declarative suites: accuracy together with
calibration, fairness, robustness and efficiency, with CI gates.

Usage:

	evalctl <command> [arguments]

The commands are:

`)
	cs := append([]*command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	for _, c := range cs {
		fmt.Fprintf(w, "\t%-12s %s\n", c.Name, c.Short)
	}
	fmt.Fprint(w, `
Use "evalctl help <command>" for more information about a command.

Exit codes: 0 success, 1 runtime error, 2 usage or invalid input, 3 a gate failed.
`)
}

func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: evalctl %s\n\n%s\n", c.UsageLine, strings.TrimSpace(c.Long))
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	c.Setup(fs)
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

func nearestCommand(name string) string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.Name
	}
	return dataset.Nearest(name, names)
}
