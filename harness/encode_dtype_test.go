package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The identity fixtures (y = x, [batch, 3], one per element type) come from
// scripts/gen_fixtures.py (onnx.helper, byte-reproducible).
const ortFixtures = "ort/testdata"

// writeDtypeSuite writes a CSV and a suite that feeds its three columns to
// an identity model as class probabilities and returns the suite's path.
func writeDtypeSuite(t *testing.T, model, csv string) string {
	t.Helper()
	abs, err := filepath.Abs(ortFixtures)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.csv"), []byte(csv), 0o644))
	y := fmt.Sprintf(`version: 1
name: dtype
seed: 1
bootstrap: {resamples: 0}
runtime: {batch_size: 4, intra_op_threads: 1}
models:
  - {name: id, path: %s/%s}
datasets:
  - name: p
    format: csv
    path: %s/p.csv
    features: [{name: x, columns: [a, b, c]}]
    label: {column: label, classes: ["0", "1", "2"]}
tasks:
  - name: calib
    kind: classification
    dataset: p
    output: y
    scores: probabilities
    metrics: [accuracy, ece]
    calibration: {bins: 10}
`, abs, model, dir)
	p := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	return p
}

// TestFloat64InputKeepsDeclaredPrecision feeds class probabilities read
// from a CSV to a model that declares a float64 input and returns it
// (identity_float64): 0.8 reaches the model as the double 0.8, where a
// float32 buffer made it 0.800000011920929, which with 10 right-closed
// bins falls in (0.8, 0.9] beside 0.9 instead of in (0.7, 0.8].
//
// Hand computation, two examples, 10 equal-width bins closed on the right:
//
//	exact:   0.8 correct → bin (0.7, 0.8]: |1 − 0.8| · 1/2 = 0.1
//	         0.9 wrong   → bin (0.8, 0.9]: |0 − 0.9| · 1/2 = 0.45   ECE = 0.55
//	float32: both in (0.8, 0.9]: |1/2 − (0.800000011920929 + 0.899999976158142)/2| = 0.349999994
//
// The float32 model (identity_float32) keeps the float32 numbers.
func TestFloat64InputKeepsDeclaredPrecision(t *testing.T) {
	open := ortOpener(t)
	csv := "a,b,c,label\n0.1,0.1,0.8,2\n0.05,0.05,0.9,0\n"
	for _, tc := range []struct {
		model string
		ece   float64
		probs [][]float64
	}{
		{"identity_float64.onnx", 0.55, [][]float64{{0.1, 0.1, 0.8}, {0.05, 0.05, 0.9}}},
		{"identity_float32.onnx", 0.5*(float64(float32(0.8))+float64(float32(0.9))) - 0.5,
			[][]float64{{float64(float32(0.1)), float64(float32(0.1)), float64(float32(0.8))}, {float64(float32(0.05)), float64(float32(0.05)), float64(float32(0.9))}}},
	} {
		t.Run(tc.model, func(t *testing.T) {
			s, err := suite.Load(writeDtypeSuite(t, tc.model, csv))
			require.NoError(t, err)
			out := t.TempDir()
			res, err := Run(context.Background(), s, Options{OutDir: out, Open: open, Now: fixedNow, NoCache: true})
			require.NoError(t, err)
			ev := evalOf(t, res, "calib")
			assert.InDelta(t, tc.ece, float64(metricOf(t, ev, "ece").Value), 1e-12)
			assert.Equal(t, 0.5, float64(metricOf(t, ev, "accuracy").Value))
			preds, err := ReadPredictions(filepath.Join(out, PredictionsFile))
			require.NoError(t, err)
			got := preds[ev.Key()]
			require.Len(t, got, 2)
			for i, want := range tc.probs {
				assert.Equal(t, want, got[i].Probs, "example %d: the model's output is its input, bit for bit", i)
			}
		})
	}
}

// TestInt64InputGetsExactIntegers feeds integers that float32 cannot hold
// (2^24 + 1, 2^40 + 1, 2^53) to identity_int64 and reads them back from
// the model's output unchanged; a fractional value or one beyond 2^53 is
// an error that names the file, the line, the column and the model input.
func TestInt64InputGetsExactIntegers(t *testing.T) {
	open := ortOpener(t)
	csv := "a,b,c,label\n16777217,1099511627777,9007199254740992,0\n-3,0,7,1\n"
	s, err := suite.Load(writeDtypeSuite(t, "identity_int64.onnx", csv))
	require.NoError(t, err)
	om, err := open(s.Resolve(s.Models[0].Path), s.Runtime)
	require.NoError(t, err)
	defer om.Model.Close()
	d, _ := s.Dataset("p")
	rd, err := dataset.Open(datasetSpec(s, d))
	require.NoError(t, err)
	defer rd.Close()
	enc, err := compileDataset(d, rd.Columns(), false)
	require.NoError(t, err)
	binds, _, err := bind(&s.Models[0], om.Inputs, enc, 2)
	require.NoError(t, err)
	var recs []dataset.Record
	for rd.Next() {
		recs = append(recs, rd.Record())
	}
	require.NoError(t, rd.Err())
	fe := &featureEncoder{binds: binds, enc: enc}
	in, err := fe.encode(recs, len(recs))
	require.NoError(t, err)
	outs, err := om.Model.Run(context.Background(), in)
	require.NoError(t, err)
	require.Len(t, outs, 1)
	assert.Equal(t, []int64{16777217, 1099511627777, 9007199254740992, -3, 0, 7}, outs[0].Data)

	for _, tc := range []struct{ csv, want string }{
		{"a,b,c,label\n1,2,3,0\n1,2.5,3,0\n", `p.csv:3: column "b": value is not an integer an int64 input can take exactly: found 2.5`},
		{"a,b,c,label\n1,2,9007199254740994,0\n", `p.csv:2: column "c": value is not an integer an int64 input can take exactly: found 9007199254740994`},
	} {
		s, err := suite.Load(writeDtypeSuite(t, "identity_int64.onnx", tc.csv))
		require.NoError(t, err)
		_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Now: fixedNow, NoCache: true})
		require.Error(t, err)
		assert.ErrorIs(t, err, dataset.ErrNotInteger)
		assert.Contains(t, err.Error(), tc.want)
		assert.Contains(t, err.Error(), `model input "x" is int64`)
	}
}

// TestDeclaredTypesKey checks which passes get new cache keys: those that
// feed numeric features to a float64 or int64 input, whose cached
// predictions may predate exact inputs; float32 models and token inputs
// keep theirs.
func TestDeclaredTypesKey(t *testing.T) {
	numeric := &suite.Dataset{Features: []suite.Feature{{Name: "x"}}}
	text := &suite.Dataset{Features: []suite.Feature{{Name: "t", Text: &suite.TextFeature{}}}}
	in := func(dt tensor.DType) []tensor.Info { return []tensor.Info{{Name: "x", DType: dt}} }
	for _, tc := range []struct {
		name   string
		inputs []tensor.Info
		d      *suite.Dataset
		want   []any
	}{
		{"float32", in(tensor.Float32), numeric, nil},
		{"float64", in(tensor.Float64), numeric, []any{"inputs-as-declared"}},
		{"int64", in(tensor.Int64), numeric, []any{"inputs-as-declared"}},
		{"token ids", in(tensor.Int64), text, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, declaredTypesKey(tc.inputs, tc.d))
		})
	}
}
