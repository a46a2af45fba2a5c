// Package reports renders evalctl results: a terminal table, Markdown for
// pull-request comments, a self-contained HTML run report, JSON, and a
// static leaderboard site; and the output of `evalctl compare` (table,
// Markdown, JSON, JUnit XML: compare.go).
//
// It reads the result schema (harness/result) only and never runs a model
// or a statistical test: where a rendering needs a test (leaderboard tie
// groups, a comparison's paired tests), the caller computes it
// (harness/compare) and passes it in.
//
// Every renderer is deterministic for a given result: maps are iterated in
// sorted order and no clock is read, so outputs can be golden-tested. NaN
// values render as "n/a" (undefined, with the reason where the result gives
// one).
package reports
