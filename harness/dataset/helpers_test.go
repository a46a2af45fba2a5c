package dataset

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// readAll opens spec and reads every record; err is the Open or Err error.
func readAll(t testing.TB, spec Spec) ([]Column, []Record, error) {
	t.Helper()
	r, err := Open(spec)
	if err != nil {
		return nil, nil, err
	}
	defer func() { require.NoError(t, r.Close()) }()
	var recs []Record
	for r.Next() {
		recs = append(recs, r.Record())
	}
	return r.Columns(), recs, r.Err()
}

// writeTemp writes data to a file named name in a fresh temporary folder
// and returns its path.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// td returns the path of a committed fixture.
func td(name string) string { return filepath.Join("testdata", name) }

func num(x float64) Value       { return Value{Kind: Number, Num: x} }
func str(s string) Value        { return Value{Kind: String, Str: s} }
func nom(s string, i int) Value { return Value{Kind: String, Str: s, Num: float64(i)} }
func arr(shape []int, xs ...float32) Value {
	return Value{Kind: Array, Arr: xs, Shape: shape}
}
