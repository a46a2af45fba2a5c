package harness

import (
	"unsafe"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
)

// recordBudget bounds the memory that decoded records kept for reuse may
// take (docs/benchmarks.md): a data set whose records take more streams
// from its files on every pass, as it always did.
const recordBudget = 256 << 20

// recordMemo keeps the decoded records of one data set while a task makes
// several passes over it (clean, then each perturbation, severity and
// counterfactual), so that the variant passes transform records already
// decoded instead of reading, decompressing and decoding the files again
// (issue 15: for gzip-compressed IDX images that was a sixth of a pass).
//
// The first pass over the data set fills it as it streams; when that pass
// reads to the end within the budget, the next passes replay it. A pass
// that stops early (--limit, an error, an interrupt) or a data set over
// the budget leaves it unused, and every pass reads the files.
//
// Replaying is sound because records are never changed in place: readers
// allocate every value afresh, and variant transforms replace a record's
// values (each replayed record gets its own Values slice) rather than write
// into their arrays.
type recordMemo struct {
	dataset string // the data set's suite name
	budget  int64
	state   memoState
	cols    []dataset.Column
	recs    []dataset.Record
	size    int64 // bytes held, estimated
}

type memoState int

const (
	memoEmpty    memoState = iota // no pass has read the data set yet
	memoFilling                   // the first pass is reading it
	memoComplete                  // every record is held
	memoUnused                    // over the budget or read partly: passes read the files
)

// keepRecords makes the runner hold the decoded records of task t's data
// set while vars, the task's variants, are run, when more than one of them
// reads that data set; the returned function drops them.
func (r *runner) keepRecords(t *suite.Task, vars []variant) (release func()) {
	n := 0
	for _, v := range vars {
		if v.dataset == nil {
			n++
		}
	}
	if n < 2 {
		return func() {}
	}
	r.memo = &recordMemo{dataset: t.Dataset, budget: recordBudget}
	return func() { r.memo = nil }
}

// openPass opens data set d for a prediction pass: from the held records
// when the runner keeps them, else from its files.
func (r *runner) openPass(d *suite.Dataset) (dataset.Reader, error) {
	m := r.memo
	if m == nil || m.dataset != d.Name {
		return dataset.Open(datasetSpec(r.s, d))
	}
	switch m.state {
	case memoComplete:
		return &replayReader{m: m, i: -1}, nil
	case memoEmpty:
		rd, err := dataset.Open(datasetSpec(r.s, d))
		if err != nil {
			return nil, err
		}
		m.state, m.cols = memoFilling, rd.Columns()
		return &teeReader{Reader: rd, m: m}, nil
	}
	return dataset.Open(datasetSpec(r.s, d))
}

// recordBytes estimates the memory a record holds.
func recordBytes(rec dataset.Record) int64 {
	n := int64(unsafe.Sizeof(rec)) + int64(len(rec.Loc))
	for _, v := range rec.Values {
		n += int64(unsafe.Sizeof(v)) + int64(len(v.Str)) + 4*int64(cap(v.Arr)) + 8*int64(cap(v.Arr64)) + 8*int64(len(v.Shape))
		for _, s := range v.List {
			n += int64(unsafe.Sizeof(s)) + int64(len(s))
		}
	}
	return n
}

// teeReader streams a data set and keeps its records in a recordMemo.
type teeReader struct {
	dataset.Reader
	m *recordMemo
}

// Next reads the next record and keeps it while the budget allows.
func (t *teeReader) Next() bool {
	m := t.m
	if !t.Reader.Next() {
		if m.state == memoFilling && t.Reader.Err() == nil {
			m.state = memoComplete
		}
		return false
	}
	if m.state == memoFilling {
		rec := t.Reader.Record()
		if m.size += recordBytes(rec); m.size > m.budget {
			m.state, m.recs = memoUnused, nil
		} else {
			m.recs = append(m.recs, rec)
		}
	}
	return true
}

// Close closes the files; a pass that did not read to the end leaves the
// records unused.
func (t *teeReader) Close() error {
	if t.m.state == memoFilling {
		t.m.state, t.m.recs = memoUnused, nil
	}
	return t.Reader.Close()
}

// replayReader reads the records held by a complete recordMemo.
type replayReader struct {
	m   *recordMemo
	i   int
	rec dataset.Record
}

func (r *replayReader) Columns() []dataset.Column { return r.m.cols }
func (r *replayReader) Len() int                  { return len(r.m.recs) }
func (r *replayReader) Err() error                { return nil }
func (r *replayReader) Close() error              { return nil }
func (r *replayReader) Record() dataset.Record    { return r.rec }

// Next moves to the next held record, with a Values slice of its own so
// that a variant's transform cannot change the held one.
func (r *replayReader) Next() bool {
	if r.i+1 >= len(r.m.recs) {
		r.i = len(r.m.recs)
		return false
	}
	r.i++
	r.rec = r.m.recs[r.i]
	r.rec.Values = append(r.rec.Values[:0:0], r.rec.Values...)
	return true
}
