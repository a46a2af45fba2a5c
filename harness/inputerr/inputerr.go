// Package inputerr classifies errors as the input's fault: a malformed data
// file, an unknown column, a label that does not parse, a suite that does not
// validate, a model whose signature does not fit its task, a truncated
// sidecar. Readers and validators wrap such errors with Mark or Errorf; the
// command line maps them to exit status 2, and every other error (a model
// that fails to run, a disk that fails, a cancelled run) to 1.
//
// A recovered panic (Recovered) is a bug, never the input's fault: Mark
// leaves it unmarked, so a panic exits 1, never 2.
//
// Marking keeps the message and the wrapped chain as they are: errors.Is and
// errors.As see through a marked error. A context error (the run was
// interrupted) and an I/O failure of the operating system (EIO) are never
// the input's fault, so Mark leaves them unmarked.
package inputerr

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"syscall"
)

// ErrInvalid is the class of invalid-input errors: errors.Is(err, ErrInvalid)
// reports whether err, or an error it wraps, was marked.
var ErrInvalid = errors.New("invalid input")

// marked wraps an error as invalid input without changing its message.
type marked struct{ err error }

func (e *marked) Error() string        { return e.err.Error() }
func (e *marked) Unwrap() error        { return e.err }
func (e *marked) Is(target error) bool { return target == ErrInvalid }

// Mark returns err classified as invalid input. It returns nil for nil, err
// itself when err is already marked, and err unmarked when it is (or wraps)
// a context error or EIO.
func Mark(err error) error {
	switch {
	case err == nil, errors.Is(err, ErrInvalid):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.EIO), IsPanic(err):
		return err
	}
	return &marked{err: err}
}

// Errorf formats an error like fmt.Errorf (%w included) and marks it as
// invalid input.
func Errorf(format string, args ...any) error {
	return Mark(fmt.Errorf(format, args...))
}

// Is reports whether err is classified as invalid input.
func Is(err error) bool { return errors.Is(err, ErrInvalid) }

// PanicError is a panic recovered and turned into an error, with the stack
// of the goroutine that panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error (a bug in evalctl; please report it with this message): panic: %v\n%s", e.Value, e.Stack)
}

// Recovered returns the error for a value returned by recover, with the
// current goroutine's stack; nil for nil.
func Recovered(v any) error {
	if v == nil {
		return nil
	}
	return &PanicError{Value: v, Stack: debug.Stack()}
}

// IsPanic reports whether err is, or wraps, a recovered panic.
func IsPanic(err error) bool {
	var pe *PanicError
	return errors.As(err, &pe)
}

// Safely calls f and returns its error, or the error for a panic of f.
func Safely(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = Recovered(v)
		}
	}()
	return f()
}
