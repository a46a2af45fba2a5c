package dataset

import (
	"fmt"
	"slices"
)

// Choices returns an accessor for a List column (a JSON array of strings
// in JSONL, a list<string> in Parquet), such as the answer choices of a
// multiple-choice question. The accessor returns a copy of the record's
// list; a missing or empty list is an error naming rec.Loc.
func Choices(cols []Column, column string) (func(Record) ([]string, error), error) {
	ci, err := findColumn(cols, column, "choices")
	if err != nil {
		return nil, err
	}
	c := cols[ci]
	if c.Kind != List {
		return nil, fmt.Errorf("choices: column %q is a %s column; choices need a list of strings (a JSON array of strings, a Parquet list<string>)", c.Name, c.Kind)
	}
	return func(rec Record) ([]string, error) {
		if ci >= len(rec.Values) {
			return nil, fmt.Errorf("%s: choices: record has %d values, column %q needs index %d", rec.Loc, len(rec.Values), c.Name, ci)
		}
		v := rec.Values[ci]
		switch v.Kind {
		case List:
			if len(v.List) == 0 {
				return nil, fmt.Errorf("%s: column %q: empty list of choices", rec.Loc, c.Name)
			}
			return slices.Clone(v.List), nil
		case Missing:
			return nil, fmt.Errorf("%s: column %q: missing list of choices", rec.Loc, c.Name)
		}
		return nil, fmt.Errorf("%s: column %q: expected a list of strings, found %s", rec.Loc, c.Name, article(v.Kind))
	}, nil
}
