package harness

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeNPY writes a float32 array of shape [n, 4] in NPY format 1.0.
func writeNPY(t *testing.T, path string, rows [][4]float64) {
	t.Helper()
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 4), }", len(rows))
	pad := 64 - (10+len(header)+1)%64
	header += strings.Repeat(" ", pad%64) + "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	b = append(b, header...)
	for _, r := range rows {
		for _, x := range r {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(x)))
		}
	}
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// TestRunJoinsLabelsAndGroupsOntoNPY is the case of issue 13: NPY arrays
// whose labels and groups are in a CSV. The CSV is joined by row; the run
// scores the same numbers as the all-CSV fixture.
func TestRunJoinsLabelsAndGroupsOntoNPY(t *testing.T) {
	p, rows, labels := writeFixture(t, 120, "")
	dir := filepath.Dir(p)
	writeNPY(t, filepath.Join(dir, "x.npy"), rows)
	y := `version: 1
name: joined
seed: 7
bootstrap: {resamples: 50}
runtime: {batch_size: 8}
models:
  - {name: fake, path: model.onnx}
datasets:
  - name: arrays
    format: npy
    path: x.npy
    join:
      - {path: data.csv, on: row, columns: [label, group]}
    features: [{name: x, columns: [x]}]
    label: {column: label, classes: [x, y, z]}
    groups: [{column: group}]
tasks:
  - {name: cls, kind: classification, dataset: arrays, metrics: [accuracy], fairness: {min_group_size: 1}}
`
	sp := filepath.Join(dir, "joined.yaml")
	require.NoError(t, os.WriteFile(sp, []byte(y), 0o644))
	res, err := runFixture(t, sp, &fakeModel{}, nil)
	require.NoError(t, err)
	ev := res.Evaluations[0]
	assert.Equal(t, 120, ev.N)
	acc, ok := ev.Metric("accuracy")
	require.True(t, ok)
	assert.InDelta(t, expectedAccuracy(rows, labels), float64(acc.Value), 1e-12)
	require.NotNil(t, ev.Fairness)
	assert.Len(t, ev.Fairness.Groups, 2)
	var files []string
	for _, f := range res.Datasets[0].Files {
		files = append(files, f.Path)
	}
	assert.Equal(t, []string{"x.npy", "data.csv"}, files, "both files are hashed into the provenance")

	// A CSV one row short is an error naming both files.
	csv, err := os.ReadFile(filepath.Join(dir, "data.csv"))
	require.NoError(t, err)
	lines := strings.SplitAfter(string(csv), "\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.csv"), []byte(strings.Join(lines[:len(lines)-2], "")), 0o644))
	_, err = runFixture(t, sp, &fakeModel{}, func(o *Options) { o.NoCache = true })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "data.csv has only 119 rows but "+filepath.Join(dir, "x.npy")+" has more")
}

// TestRunImageFolder runs a classification on an image folder: images
// resized to 2×2 grayscale feed the fake model's 4 inputs.
func TestRunImageFolder(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.onnx"), []byte("not read by the fake"), 0o644))
	folder, err := filepath.Abs("dataset/testdata/images/folder")
	require.NoError(t, err)
	y := fmt.Sprintf(`version: 1
name: images
bootstrap: {resamples: 20}
models:
  - {name: fake, path: model.onnx}
datasets:
  - name: pics
    format: imagefolder
    path: %s
    image: {mode: grayscale, resize: [2, 2]}
    features: [{name: x, columns: [image], shape: [4], scale: 0.00392156862745098}]
    label: {column: label, classes: [cat, dog, bird]}
tasks:
  - {name: cls, kind: classification, dataset: pics, metrics: [accuracy]}
`, folder)
	sp := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(sp, []byte(y), 0o644))
	res, err := runFixture(t, sp, &fakeModel{}, nil)
	require.NoError(t, err)
	assert.Equal(t, 6, res.Evaluations[0].N)
	assert.Len(t, res.Datasets[0].Files, 6, "every image is hashed into the provenance")
	n := 0
	require.NoError(t, result.ReadPredictions(filepath.Join(dir, "out", PredictionsFile), func(*result.Prediction) error {
		n++
		return nil
	}))
	assert.Equal(t, 6, n)
}

// TestRunParquet scores a Parquet file written by testdata/gen/parquet.go:
// a list<float> array and a nullable double feed the model.
func TestRunParquet(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.onnx"), []byte("not read by the fake"), 0o644))
	pq, err := filepath.Abs("dataset/testdata/types.parquet")
	require.NoError(t, err)
	y := fmt.Sprintf(`version: 1
name: pq
bootstrap: {resamples: 20}
models:
  - {name: fake, path: model.onnx}
datasets:
  - name: hf
    format: parquet
    path: %s
    features: [{name: x, columns: [vec, x], fill: 0}]
    label: {column: flag, classes: [no, yes, maybe]}
tasks:
  - {name: cls, kind: classification, dataset: hf, metrics: [accuracy]}
`, pq)
	sp := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(sp, []byte(y), 0o644))
	res, err := runFixture(t, sp, &fakeModel{}, nil)
	require.NoError(t, err)
	ev := res.Evaluations[0]
	assert.Equal(t, 5, ev.N)
	// By hand: logits_c = 2·x_c + 0.5·x_3 on the rows (vec, x or 0) argmax
	// to classes 2, 2, 2, 2, 0; the flags are 1, 0, 1, 0, 1: none is right.
	acc, _ := ev.Metric("accuracy")
	assert.Equal(t, 0.0, float64(acc.Value))
}
