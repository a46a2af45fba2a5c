package result

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFloatJSON(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0.25, "0.25"},
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
		{math.Inf(-1), "null"},
		{1e-300, "1e-300"},
	} {
		b, err := json.Marshal(Float(tc.in))
		require.NoError(t, err)
		assert.Equal(t, tc.want, string(b), "Marshal(%v)", tc.in)
	}
	var f Float
	require.NoError(t, json.Unmarshal([]byte("null"), &f))
	assert.True(t, f.IsNaN())
	require.NoError(t, json.Unmarshal([]byte("0.5"), &f))
	assert.Equal(t, Float(0.5), f)
	assert.Error(t, json.Unmarshal([]byte(`"x"`), &f))
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "result.json")
	r := &Result{Suite: Suite{Name: "s"}, Evaluations: []Evaluation{{Model: "m", Task: "t", Variant: "clean",
		Metrics: []Metric{{Name: "auroc", Value: Float(math.NaN()), Undefined: "only one class present"}}}}}
	require.NoError(t, WriteFile(p, r))
	back, err := ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, Schema, back.Schema)
	m, ok := back.Evaluations[0].Metric("auroc")
	require.True(t, ok)
	assert.True(t, m.Value.IsNaN())
	assert.Equal(t, "m/t/clean", back.Evaluations[0].Key())
	// No temporary files are left behind.
	entries, _ := os.ReadDir(filepath.Dir(p))
	assert.Len(t, entries, 1)
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"other schema", `{"schema":"evalctl.result/v9"}`, `"evalctl.result/v9"`},
		{"no schema", `{}`, `no "schema" field`},
		{"not json", `[1,2`, "not a JSON object"},
		{"unknown field", `{"schema":"evalctl.result/v1","bogus":1}`, `unknown field "bogus"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := Decode([]byte(`{"schema":"x"}`))
	assert.True(t, errors.Is(err, ErrSchema))
}

func TestPredictionsRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "p.jsonl")
	f, err := os.Create(p)
	require.NoError(t, err)
	w := NewPredictionWriter(f)
	score := 0.5
	in := []Prediction{
		{Eval: "m/t/clean", Index: 0, Label: 1, Pred: 1, Probs: []float64{0.25, 0.75}, Groups: map[string]string{"sex": "f"}},
		{Eval: "m/t/clean", Index: 1, Label: 0, Pred: 1, Invalid: "nan", Score: &score},
	}
	for i := range in {
		require.NoError(t, w.Write(&in[i]))
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	var got []Prediction
	require.NoError(t, ReadPredictions(p, func(pr *Prediction) error { got = append(got, *pr); return nil }))
	assert.Equal(t, in, got)

	require.NoError(t, os.WriteFile(p, []byte("{\"eval\":\"a\"}\n{oops\n"), 0o644))
	err = ReadPredictions(p, func(*Prediction) error { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.jsonl:2")
}

func TestPredictionsGzip(t *testing.T) {
	in := []Prediction{
		{Eval: "m/t/clean", Index: 0, Label: 1, Pred: 1, Probs: []float64{0.25, 0.75}},
		{Eval: "m/t/clean", Index: 1, Label: 0, Pred: 0, Probs: []float64{0.9, 0.1}},
	}
	var plain bytes.Buffer
	w := NewPredictionWriter(&plain)
	for i := range in {
		require.NoError(t, w.Write(&in[i]))
	}
	require.NoError(t, w.Flush())
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, err := zw.Write(plain.Bytes())
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	tests := []struct {
		name string
		file string
		data []byte
		err  string
	}{
		{"plain", "predictions.jsonl", plain.Bytes(), ""},
		{"gzip", "predictions.jsonl.gz", zipped.Bytes(), ""},
		// The magic bytes decide, not the name.
		{"gzip without .gz", "predictions.jsonl", zipped.Bytes(), ""},
		{"truncated gzip", "predictions.jsonl.gz", zipped.Bytes()[:zipped.Len()-10], "predictions.jsonl.gz:"},
		{"gzip header only", "predictions.jsonl.gz", zipped.Bytes()[:2], "predictions.jsonl.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tt.file)
			require.NoError(t, os.WriteFile(p, tt.data, 0o644))
			var got []Prediction
			err := ReadPredictions(p, func(pr *Prediction) error { got = append(got, *pr); return nil })
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, in, got)
		})
	}
}

// FuzzDecode checks that arbitrary bytes never make Decode panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"schema":"evalctl.result/v1","evaluations":[{"metrics":[{"value":null}]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Decode(b)
	})
}
