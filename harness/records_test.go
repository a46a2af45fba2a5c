package harness

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
)

// readRecords drains rd and closes it.
func readRecords(t *testing.T, rd dataset.Reader) []dataset.Record {
	t.Helper()
	var out []dataset.Record
	for rd.Next() {
		out = append(out, rd.Record())
	}
	require.NoError(t, rd.Err())
	require.NoError(t, rd.Close())
	return out
}

// TestRecordMemo: the first pass over a task's data set keeps its records
// and later passes replay them, equal to reading the file, each replayed
// record with its own values; a pass that stops early or a data set over
// the budget leaves the files to be read on every pass.
func TestRecordMemo(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.csv"), []byte("x,y\n1,a\n2,b\n3,c\n"), 0o644))
	s := &suite.Suite{Dir: dir, Datasets: []suite.Dataset{{Name: "d", Path: "d.csv"}, {Name: "other", Path: "d.csv"}}}
	d, _ := s.Dataset("d")
	task := &suite.Task{Dataset: "d"}
	twoPasses := []variant{cleanVariant, {name: "p@1"}}

	fromFile, err := dataset.Open(datasetSpec(s, d))
	require.NoError(t, err)
	want := readRecords(t, fromFile)

	t.Run("replayed after a full pass", func(t *testing.T) {
		r := newRunner(s, Options{})
		defer r.keepRecords(task, twoPasses)()
		rd, err := r.openPass(d)
		require.NoError(t, err)
		assert.IsType(t, &teeReader{}, rd)
		assert.Equal(t, want, readRecords(t, rd))
		require.Equal(t, memoComplete, r.memo.state)

		rd, err = r.openPass(d)
		require.NoError(t, err)
		require.IsType(t, &replayReader{}, rd)
		assert.Equal(t, 3, rd.(dataset.Lener).Len())
		assert.Equal(t, fromFile.Columns(), rd.Columns())
		got := readRecords(t, rd)
		assert.Equal(t, want, got)
		got[0].Values[1] = dataset.Value{Kind: dataset.String, Str: "changed"} // as a transform does
		again := readRecords(t, openOK(t, r, d))
		assert.Equal(t, want, again, "a transform of a replayed record must not reach the held one")

		other, _ := s.Dataset("other")
		rd, err = r.openPass(other)
		require.NoError(t, err)
		assert.False(t, held(rd), "another data set is read from its file")
		require.NoError(t, rd.Close())
	})
	t.Run("a pass that stops early", func(t *testing.T) {
		r := newRunner(s, Options{})
		defer r.keepRecords(task, twoPasses)()
		rd := openOK(t, r, d)
		require.True(t, rd.Next())
		require.NoError(t, rd.Close())
		assert.Equal(t, memoUnused, r.memo.state)
		assert.Nil(t, r.memo.recs)
		rd = openOK(t, r, d)
		assert.False(t, held(rd))
		assert.Equal(t, want, readRecords(t, rd))
	})
	t.Run("over the budget", func(t *testing.T) {
		r := newRunner(s, Options{})
		defer r.keepRecords(task, twoPasses)()
		r.memo.budget = recordBytes(want[0]) + 1
		assert.Equal(t, want, readRecords(t, openOK(t, r, d)))
		assert.Equal(t, memoUnused, r.memo.state)
		assert.Nil(t, r.memo.recs)
	})
	t.Run("one pass needs no memo", func(t *testing.T) {
		r := newRunner(s, Options{})
		release := r.keepRecords(task, []variant{cleanVariant, {name: "shift:other", dataset: d}})
		assert.Nil(t, r.memo)
		release()
	})
}

func openOK(t *testing.T, r *runner, d *suite.Dataset) dataset.Reader {
	t.Helper()
	rd, err := r.openPass(d)
	require.NoError(t, err)
	return rd
}

// held reports whether rd keeps or replays held records.
func held(rd dataset.Reader) bool {
	switch rd.(type) {
	case *teeReader, *replayReader:
		return true
	}
	return false
}
