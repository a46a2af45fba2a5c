// Package suite reads and validates evalctl suite files (YAML, schema
// version 1).
//
// A suite names the models to evaluate, the runtime to run them with, the
// datasets to read and the tasks to score, plus optional CI gates. Loading is
// strict: an unknown key, a value of the wrong type, a missing file or a
// dangling reference (a task naming a dataset that does not exist) is an error
// that names file:line:col and the key path, and an unknown key comes with the
// nearest valid one. Every problem of a file is reported at once, joined with
// errors.Join; each is a *Error.
//
// See docs/suite.md for the full reference.
package suite
