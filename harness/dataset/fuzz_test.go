package dataset

import (
	"bytes"
	"os"
	"testing"
)

// maxFuzzRecords bounds how many records a fuzz input may produce, since a
// tiny header can declare millions of empty rows.
const maxFuzzRecords = 1000

// drain reads up to maxFuzzRecords records and checks the reader contract:
// values align with columns and array values hold product(shape) numbers.
func drain(t *testing.T, r Reader) {
	t.Helper()
	cols := r.Columns()
	for i := 0; i < maxFuzzRecords && r.Next(); i++ {
		rec := r.Record()
		if len(rec.Values) != len(cols) {
			t.Fatalf("record %d has %d values for %d columns", i, len(rec.Values), len(cols))
		}
		for _, v := range rec.Values {
			if v.Kind == Array && len(v.Arr) != product(v.Shape) {
				t.Fatalf("array of shape %v holds %d values", v.Shape, len(v.Arr))
			}
		}
	}
	_ = r.Err()
	_ = r.Close()
}

func addSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(td(n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzCSV(f *testing.F) {
	addSeeds(f, "small.csv", "semicolon.csv")
	f.Add([]byte("a,b\n1,\"x\ny\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newCSVReader("f.csv", bytes.NewReader(data), nil, 0, nil, nil)
		if err == nil {
			drain(t, r)
		}
	})
}

func FuzzJSONL(f *testing.F) {
	addSeeds(f, "small.jsonl")
	f.Add([]byte(`{"a": [[1, 2], [3, 4]], "b": null}` + "\n" + `{"a": [[1], [2]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newJSONLReader("f.jsonl", bytes.NewReader(data), nil, nil, nil)
		if err == nil {
			drain(t, r)
		}
	})
}

func FuzzNPY(f *testing.F) {
	addSeeds(f, "images_f4.npy", "images_v3.npy", "dt_be_i8.npy", "dt_b1.npy", "truncated.npy", "fortran.npy")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := newNPYSource("f.npy", "x", bytes.NewReader(data), nil)
		if err != nil {
			return
		}
		r, err := newColumnsReader([]*rowSource{s})
		if err == nil {
			drain(t, r)
		}
	})
}

func FuzzNPZ(f *testing.F) {
	addSeeds(f, "data.npz", "data_deflated.npz", "mismatch.npz")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newNPZReader("f.npz", bytes.NewReader(data), int64(len(data)), nil)
		if err == nil {
			drain(t, r)
		}
	})
}

func FuzzIDX(f *testing.F) {
	addSeeds(f, "images-idx3-ubyte", "images-idx3-ubyte.gz", "labels-idx1-ubyte", "floats-idx2-f32", "truncated-idx3-ubyte.gz")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := newIDXSource("f-idx", "x", bytes.NewReader(data), nil)
		if err != nil {
			return
		}
		r, err := newColumnsReader([]*rowSource{s})
		if err == nil {
			drain(t, r)
		}
	})
}

func FuzzARFF(f *testing.F) {
	addSeeds(f, "credit.arff")
	f.Add([]byte("@attribute 'a b' {x,'y z'}\n@attribute c numeric\n@data\n{0 'y z', 1 3}\n'x',?\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newARFFReader("f.arff", bytes.NewReader(data), nil, nil)
		if err == nil {
			drain(t, r)
		}
	})
}
