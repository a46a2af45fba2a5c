package dataset

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type benchRow struct {
	Label int64     `parquet:"label"`
	Group string    `parquet:"group,dict"`
	X     []float32 `parquet:"x,list"`
}

// BenchmarkParquetRead reads 20,000 rows of a 64-float list, an int label
// and a string group (snappy, default row groups), as a Hugging Face
// embedding export would hold them.
func BenchmarkParquetRead(b *testing.B) {
	const n, width = 20000, 64
	path := filepath.Join(b.TempDir(), "bench.parquet")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := parquet.NewGenericWriter[benchRow](f)
	rng := rand.New(rand.NewPCG(1, 1))
	rows := make([]benchRow, n)
	for i := range rows {
		x := make([]float32, width)
		for j := range x {
			x[j] = rng.Float32()
		}
		rows[i] = benchRow{Label: int64(i % 10), Group: []string{"a", "b", "c"}[i%3], X: x}
	}
	if _, err := w.Write(rows); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(Spec{Path: path})
		if err != nil {
			b.Fatal(err)
		}
		k := 0
		for r.Next() {
			k++
		}
		if err := r.Err(); err != nil || k != n {
			b.Fatal(k, err)
		}
		r.Close()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
