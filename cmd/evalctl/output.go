package main

import (
	"io"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/reports"
)

// printResult writes the summary of a result on w in the chosen format
// (the compact table for "table").
func printResult(w io.Writer, r *result.Result, format string) error {
	return printResultWide(w, r, format, false)
}

// printResultWide is printResult; wide selects the table with every metric,
// interval and column (--wide) over the compact one.
func printResultWide(w io.Writer, r *result.Result, format string, wide bool) error {
	switch format {
	case "none":
		return nil
	case "table":
		if !wide {
			return reports.WriteCompactTable(w, r)
		}
		return reports.WriteTable(w, r)
	case "md":
		return reports.WriteMarkdown(w, r)
	case "json":
		return reports.WriteJSON(w, r)
	}
	return usageErrorf("unknown format %q", format)
}
