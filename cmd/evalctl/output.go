package main

import (
	"io"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/reports"
)

// printResult writes the summary of a result on w in the chosen format.
func printResult(w io.Writer, r *result.Result, format string) error {
	switch format {
	case "none":
		return nil
	case "table":
		return reports.WriteTable(w, r)
	case "md":
		return reports.WriteMarkdown(w, r)
	case "json":
		return reports.WriteJSON(w, r)
	}
	return usageErrorf("unknown format %q", format)
}
