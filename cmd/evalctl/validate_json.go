package main

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/evalctl/evalctl/harness/suite"
)

// validateReport is the JSON that `evalctl validate --json` prints: one
// entry per suite file, in the order given.
type validateReport struct {
	// OK is true when every suite is valid.
	OK     bool             `json:"ok"`
	Suites []validateResult `json:"suites"`
}

// validateResult is one suite file's outcome.
type validateResult struct {
	File string `json:"file"`
	OK   bool   `json:"ok"`
	// Name and the counts are set for a valid suite.
	Name     string `json:"name,omitempty"`
	Models   int    `json:"models,omitempty"`
	Datasets int    `json:"datasets,omitempty"`
	Tasks    int    `json:"tasks,omitempty"`
	Gates    int    `json:"gates,omitempty"`
	// Errors lists the problems of an invalid suite (at most
	// suite.MaxErrors, then one of kind "more problems not listed").
	Errors []validateProblem `json:"errors,omitempty"`
}

// validateProblem is one problem: where (file, 1-based line and column,
// 0 when unknown; key path such as "tasks[0].metrics[1]"), its kind (the
// sentinel's text, e.g. "unknown key", "dangling reference"; empty when
// none applies) and the message without the location (it starts with the
// kind).
type validateProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Key     string `json:"key"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// problems turns a suite error into its problems.
func problems(file string, err error) []validateProblem {
	var list interface{ Unwrap() []error }
	errs := []error{err}
	if errors.As(err, &list) {
		errs = list.Unwrap()
	}
	out := make([]validateProblem, 0, len(errs))
	for _, e := range errs {
		p := validateProblem{File: file, Message: e.Error()}
		var se *suite.Error
		if errors.As(e, &se) {
			p.File, p.Line, p.Col, p.Key, p.Message = se.File, se.Line, se.Col, se.Path, se.Err.Error()
		}
		for _, s := range suite.Sentinels() {
			if errors.Is(e, s) {
				p.Kind = s.Error()
				break
			}
		}
		out = append(out, p)
	}
	return out
}

// writeValidateJSON prints the report, indented, on w.
func writeValidateJSON(w io.Writer, rep validateReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
