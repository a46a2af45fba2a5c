package harness

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureWordVectors is the embedding table of
// harness/testdata/embedding/word_embed.onnx, restated from
// scripts/gen_embedding_fixtures.py (e1..e4 are the unit axes).
var fixtureWordVectors = map[string][]float64{
	"rose": {1, 0, 0, 0}, "tulip": {1, 0, 1, 0}, "daisy": {1, 0, -1, 0},
	"ant": {0, 1, 0, 0}, "bee": {0, 1, 1, 0}, "wasp": {0, 1, -1, 0},
	"love": {2, 0, 0, 0}, "peace": {3, 0, 0, 0},
	"hatred": {0, 2, 0, 0}, "war": {0, 3, 0, 0},
}

// TestWEATFixture runs kind weat through Run on real ONNX Runtime with the
// fixture word-embedding model (harness/testdata/embedding/weat.yaml) and
// checks the reported effect size and p-value (a) against fairness.WEAT on
// the table's vectors and (b) against the hand values: s(w,A,B) is 1, 1/√2,
// 1/√2 on the flowers and the negatives on the insects, so
// d = (2(1+√2)/3) / (2/√5) = √5(1+√2)/3 and only X itself of the C(6,3) = 20
// partitions reaches S, p = 1/20 (exact enumeration).
func TestWEATFixture(t *testing.T) {
	open := embORT(t)
	s, err := suite.Load(filepath.Join("testdata", "embedding", "weat.yaml"))
	require.NoError(t, err)
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open})
	require.NoError(t, err)
	require.Len(t, res.Evaluations, 1)
	ev := res.Evaluations[0]
	d, ok := ev.Metric("effect_size")
	require.True(t, ok)
	p, ok := ev.Metric("p_value")
	require.True(t, ok)
	assert.Equal(t, 6, ev.N)
	assert.Equal(t, "true", d.Spec["exact"])
	assert.Equal(t, "20", d.Spec["partitions"])

	var ws weatSets
	b, err := os.ReadFile(filepath.Join("testdata", "embedding", "weat_fixture.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &ws))
	vecs := func(words []string) [][]float64 {
		var out [][]float64
		for _, w := range words {
			v, ok := fixtureWordVectors[w]
			require.True(t, ok, w)
			out = append(out, v)
		}
		return out
	}
	want, err := fairness.WEAT(vecs(ws.X), vecs(ws.Y), vecs(ws.A), vecs(ws.B), fairness.WEATOptions{Seed: s.Seed})
	require.NoError(t, err)
	assert.InDelta(t, want.EffectSize.V, float64(d.Value), 1e-6, "effect size vs fairness.WEAT on the table")
	assert.InDelta(t, want.PValue, float64(p.Value), 1e-12, "p-value vs fairness.WEAT on the table")

	hand := math.Sqrt(5) * (1 + math.Sqrt2) / 3 // 1.79945
	assert.InDelta(t, hand, float64(d.Value), 1e-6, "hand effect size")
	assert.InDelta(t, 1.0/20, float64(p.Value), 1e-12, "hand p-value")

	// A second run reads the pooled vectors from the cache and agrees.
	out := t.TempDir()
	_, err = Run(context.Background(), s, Options{OutDir: out, Open: open})
	require.NoError(t, err)
	res2, err := Run(context.Background(), s, Options{OutDir: out, Open: open})
	require.NoError(t, err)
	d2, _ := res2.Evaluations[0].Metric("effect_size")
	assert.Equal(t, d.Value, d2.Value)
	require.NotNil(t, res2.Evaluations[0].Efficiency)
	assert.True(t, res2.Evaluations[0].Efficiency.Cached, "second run reads the embedding cache")
	assert.Equal(t, 10, res2.Evaluations[0].Efficiency.Examples)
}

// TestSEATFixture runs SEAT (May et al. 2019) through Run: the WEAT fixture's
// words put into the sentence template "this is {word} ."
// (harness/testdata/embedding/seat.yaml, the dataset's text template). The
// template words have zero vectors in the fixture model, so the mean-pooled
// sentence vector is word_vector/4 (the mask covers 4 tokens; every token is
// in the vocabulary, none is [UNK]) and cosine similarity is scale-invariant:
// the SEAT effect size and p-value must equal the WEAT ones
// (scripts/gen_embedding_fixtures.py prints both). As a guard against a
// template that silently never reaches the tokenizer, the pooled vectors
// themselves must be the table's vectors divided by 4.
func TestSEATFixture(t *testing.T) {
	open := embORT(t)
	weat, err := suite.Load(filepath.Join("testdata", "embedding", "weat.yaml"))
	require.NoError(t, err)
	seat, err := suite.Load(filepath.Join("testdata", "embedding", "seat.yaml"))
	require.NoError(t, err)
	wres, err := Run(context.Background(), weat, Options{OutDir: t.TempDir(), Open: open})
	require.NoError(t, err)
	sres, err := Run(context.Background(), seat, Options{OutDir: t.TempDir(), Open: open})
	require.NoError(t, err)
	require.Len(t, wres.Evaluations, 1)
	require.Len(t, sres.Evaluations, 1)
	for _, name := range []string{"effect_size", "p_value"} {
		w, ok := wres.Evaluations[0].Metric(name)
		require.True(t, ok, name)
		s, ok := sres.Evaluations[0].Metric(name)
		require.True(t, ok, name)
		assert.InDelta(t, float64(w.Value), float64(s.Value), 1e-9, "SEAT %s equals WEAT", name)
	}
	d, _ := sres.Evaluations[0].Metric("effect_size")
	assert.InDelta(t, math.Sqrt(5)*(1+math.Sqrt2)/3, float64(d.Value), 1e-6, "hand effect size")
	assert.Equal(t, "sentences", sres.Evaluations[0].Dataset)

	// The embedding pass on the templated sentences: vector/4, exactly.
	r := newRunner(seat, Options{OutDir: t.TempDir(), Open: open})
	m, _ := seat.Model("word-embed")
	om, err := open(seat.Resolve(m.Path), seat.Runtime)
	require.NoError(t, err)
	defer om.Model.Close()
	ds, _ := seat.Dataset("sentences")
	e, err := embedForTest(context.Background(), r, m, om, &seat.Tasks[0], ds, false)
	require.NoError(t, err)
	require.Equal(t, 10, e.x.N)
	for i, p := range e.preds {
		want, ok := fixtureWordVectors[p.ID]
		require.True(t, ok, p.ID)
		for j, x := range e.x.Row(i) {
			assert.Equal(t, want[j]/4, float64(x), "%s dim %d", p.ID, j)
		}
	}
}

// TestWEATMissingWord checks that a word set naming a word with no dataset
// row is an error that names the word.
func TestWEATMissingWord(t *testing.T) {
	open := embORT(t)
	dir := t.TempDir()
	for _, f := range []string{"weat.yaml", "word_embed.onnx", "tokenizer.json", "words.jsonl"} {
		b, err := os.ReadFile(filepath.Join("testdata", "embedding", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	sets := `{"name": "t", "X": ["rose"], "Y": ["ant"], "A": ["love"], "B": ["orchid"]}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "weat_fixture.json"), []byte(sets), 0o644))
	s, err := suite.Load(filepath.Join(dir, "weat.yaml"))
	require.NoError(t, err)
	_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "orchid")
}

// TestWEATSuite runs suites/weat.yaml (the fixture sets on the fixture
// model) and expects the same hand values as TestWEATFixture.
func TestWEATSuite(t *testing.T) {
	open := embORT(t)
	s, err := suite.Load(filepath.Join("..", "suites", "weat.yaml"))
	require.NoError(t, err)
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open})
	require.NoError(t, err)
	require.Len(t, res.Evaluations, 1)
	d, ok := res.Evaluations[0].Metric("effect_size")
	require.True(t, ok)
	p, _ := res.Evaluations[0].Metric("p_value")
	assert.InDelta(t, math.Sqrt(5)*(1+math.Sqrt2)/3, float64(d.Value), 1e-6)
	assert.InDelta(t, 0.05, float64(p.Value), 1e-12)
}

// TestPublishedWEATSets checks the shape of suites/weat/*.json against the
// sizes in Caliskan et al. (2017) (see suites/weat/README.md) and that
// suites/weat/words.jsonl has a row for every word.
func TestPublishedWEATSets(t *testing.T) {
	dir := filepath.Join("..", "suites", "weat")
	b, err := os.ReadFile(filepath.Join(dir, "words.jsonl"))
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, line := range bytesLines(b) {
		var r struct{ Word string }
		require.NoError(t, json.Unmarshal(line, &r))
		rows[r.Word] = true
	}
	for _, tc := range []struct {
		file       string
		x, y, a, b int
	}{
		{"weat1.json", 25, 25, 25, 25},
		{"weat3.json", 32, 32, 25, 25},
		{"weat6.json", 8, 8, 8, 8},
		{"weat7.json", 8, 8, 8, 8},
		{"weat8.json", 8, 8, 8, 8},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			require.NoError(t, err)
			var ws weatSets
			require.NoError(t, json.Unmarshal(b, &ws))
			assert.NotEmpty(t, ws.Name)
			assert.Contains(t, ws.Source, "Caliskan")
			assert.Equal(t, []int{tc.x, tc.y, tc.a, tc.b}, []int{len(ws.X), len(ws.Y), len(ws.A), len(ws.B)})
			seen := map[string]bool{}
			for _, w := range append(append(append(append([]string{}, ws.X...), ws.Y...), ws.A...), ws.B...) {
				assert.False(t, seen[w], "%q appears twice", w)
				seen[w] = true
				assert.True(t, rows[w], "%q has no row in words.jsonl", w)
			}
		})
	}
}

func bytesLines(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i, c := range b {
		if c == '\n' {
			if i > start {
				out = append(out, b[start:i])
			}
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, b[start:])
	}
	return out
}
