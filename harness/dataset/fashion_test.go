package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fashionDir is where Debian's dataset-fashion-mnist package installs the
// IDX files.
const fashionDir = "/usr/share/datasets/fashion-mnist"

func fashionSpec(t testing.TB) Spec {
	if _, err := os.Stat(filepath.Join(fashionDir, "t10k-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST not installed (%v); install the Debian package dataset-fashion-mnist to run this test", err)
	}
	return Spec{Format: IDX, Paths: []ColumnFile{
		{Column: "image", Path: filepath.Join(fashionDir, "t10k-images-idx3-ubyte.gz")},
		{Column: "label", Path: filepath.Join(fashionDir, "t10k-labels-idx1-ubyte.gz")},
	}}
}

// fashionPass streams the test set once, encodes every image with the
// usual Fashion-MNIST normalisation and hashes the features and labels.
func fashionPass(t *testing.T, spec Spec) (sum [32]byte, counts [10]int, pixelMean float64) {
	r, err := Open(spec)
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close()) }()
	require.Equal(t, 10000, r.(Lener).Len())
	enc, err := CompileFeatures(r.Columns(), FeatureSpec{Columns: []string{"image"}, Shape: []int{1, 28, 28}, Scale: 1.0 / 255, Mean: []float64{0.2860}, Std: []float64{0.3530}})
	require.NoError(t, err)
	lab, err := CompileLabel(r.Columns(), LabelSpec{Column: "label"})
	require.NoError(t, err)
	h := sha256.New()
	dst := make([]float32, enc.Width())
	var pixels float64
	n := 0
	for r.Next() {
		rec := r.Record()
		require.NoError(t, enc.Encode(rec, dst))
		_ = binary.Write(h, binary.LittleEndian, dst)
		k, err := lab.Label(rec)
		require.NoError(t, err)
		require.Less(t, k, 10)
		if n == 0 {
			// The first test image is an ankle boot (class 9).
			assert.Equal(t, 9, k)
		}
		counts[k]++
		_ = binary.Write(h, binary.LittleEndian, int32(k))
		for _, x := range rec.Values[0].Arr {
			pixels += float64(x)
		}
		n++
	}
	require.NoError(t, r.Err())
	require.Equal(t, 10000, n)
	copy(sum[:], h.Sum(nil))
	return sum, counts, pixels / (10000 * 784 * 255)
}

func TestFashionMNISTDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the Fashion-MNIST test set twice; skipped in -short mode")
	}
	spec := fashionSpec(t)
	a, counts, mean := fashionPass(t, spec)
	b, _, _ := fashionPass(t, spec)
	assert.Equal(t, a, b, "two passes over the same files must give identical features")
	// The test set is balanced: 1000 images per class (Xiao et al. 2017).
	for c, n := range counts {
		assert.Equal(t, 1000, n, "class %d", c)
	}
	// The published pixel mean (training set) is 0.2860; the test set's is close.
	assert.InDelta(t, 0.286, mean, 0.01)
}

// writeIDX writes a synthetic MNIST-shaped images file (n×28×28 u8,
// seeded) and its labels file, optionally gzip-compressed.
func writeIDX(b testing.TB, n int) (images, labels string) {
	rng := rand.New(rand.NewPCG(1, 1))
	img := []byte{0, 0, 8, 3}
	img = binary.BigEndian.AppendUint32(img, uint32(n))
	img = binary.BigEndian.AppendUint32(img, 28)
	img = binary.BigEndian.AppendUint32(img, 28)
	for i := 0; i < n*784; i++ {
		img = append(img, byte(rng.IntN(256)))
	}
	lab := binary.BigEndian.AppendUint32([]byte{0, 0, 8, 1}, uint32(n))
	for i := 0; i < n; i++ {
		lab = append(lab, byte(rng.IntN(10)))
	}
	return writeTemp(b, "images-idx3-ubyte", img), writeTemp(b, "labels-idx1-ubyte", lab)
}

// BenchmarkIDXReadEncode streams 10k MNIST-sized images with their labels
// and encodes each with scaling and normalisation; ns/example is the cost
// per example.
func BenchmarkIDXReadEncode(b *testing.B) {
	const n = 10000
	images, labels := writeIDX(b, n)
	spec := Spec{Format: IDX, Paths: []ColumnFile{{"image", images}, {"label", labels}}}
	fs := FeatureSpec{Columns: []string{"image"}, Shape: []int{1, 28, 28}, Scale: 1.0 / 255, Mean: []float64{0.1307}, Std: []float64{0.3081}}
	dst := make([]float32, 784)
	cpu0 := cpuTime()
	for b.Loop() {
		r, err := Open(spec)
		if err != nil {
			b.Fatal(err)
		}
		enc, err := CompileFeatures(r.Columns(), fs)
		if err != nil {
			b.Fatal(err)
		}
		lab, err := CompileLabel(r.Columns(), LabelSpec{Column: "label"})
		if err != nil {
			b.Fatal(err)
		}
		for r.Next() {
			rec := r.Record()
			if err := enc.Encode(rec, dst); err != nil {
				b.Fatal(err)
			}
			if _, err := lab.Label(rec); err != nil {
				b.Fatal(err)
			}
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/example")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/example")
}

// BenchmarkFashionMNISTReadEncode is the same over the real gzip-compressed
// test set, when installed.
func BenchmarkFashionMNISTReadEncode(b *testing.B) {
	spec := fashionSpec(b)
	fs := FeatureSpec{Columns: []string{"image"}, Scale: 1.0 / 255, Mean: []float64{0.2860}, Std: []float64{0.3530}}
	dst := make([]float32, 784)
	cpu0 := cpuTime()
	for b.Loop() {
		r, err := Open(spec)
		if err != nil {
			b.Fatal(err)
		}
		enc, err := CompileFeatures(r.Columns(), fs)
		if err != nil {
			b.Fatal(err)
		}
		for r.Next() {
			if err := enc.Encode(r.Record(), dst); err != nil {
				b.Fatal(err)
			}
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10000), "ns/example")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*10000), "cpu-ns/example")
}
