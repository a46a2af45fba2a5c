package suite

import (
	"errors"
	"fmt"
	"strings"

	"github.com/evalctl/evalctl/harness/inputerr"
)

// Sentinel errors wrapped by *Error, for errors.Is.
var (
	ErrUnknownKey     = errors.New("unknown key")
	ErrType           = errors.New("wrong type")
	ErrMissing        = errors.New("missing required key")
	ErrInvalid        = errors.New("invalid value")
	ErrReference      = errors.New("dangling reference")
	ErrFile           = errors.New("file not found")
	ErrUnknownMetric  = errors.New("unknown metric")
	ErrDuplicateName  = errors.New("duplicate name")
	ErrUnknownVersion = errors.New("unsupported suite version")
)

// Error is one problem in a suite file, located by file, line and column
// (1-based; 0 when unknown) and by key path such as "tasks[0].dataset".
type Error struct {
	File string
	Line int
	Col  int
	Path string
	Err  error
}

// Error renders "file:line:col: path: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports that every suite error is invalid input (inputerr.ErrInvalid),
// so that the command line exits 2 for it.
func (e *Error) Is(target error) bool { return target == inputerr.ErrInvalid }

// known formats a list of valid names for an error message.
func known(names []string) string {
	return "known: " + strings.Join(names, ", ")
}
