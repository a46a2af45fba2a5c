package main

import (
	"bytes"
	"io"

	"github.com/evalctl/evalctl/reports"
)

// terminalSafe runs render into a buffer and writes its output with
// control characters made visible (reports.TerminalText), for renderers
// that print user-given names as they are.
func terminalSafe(w io.Writer, render func(io.Writer) error) error {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, reports.TerminalText(b.String()))
	return err
}
