package harness

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// embORT opens models with real ONNX Runtime; without it the test is
// skipped, unless EVALCTL_REQUIRE_ORT=1, which makes it fail.
func embORT(t *testing.T) Opener {
	t.Helper()
	if _, err := ort.Init(""); err != nil {
		if os.Getenv("EVALCTL_REQUIRE_ORT") == "1" {
			t.Fatalf("EVALCTL_REQUIRE_ORT=1 but onnxruntime is unusable: %v", err)
		}
		if errors.Is(err, ort.ErrLibraryNotFound) || errors.Is(err, ort.ErrNoCgo) {
			t.Skipf("skipping ONNX Runtime test: %v", err)
		}
		t.Fatalf("onnxruntime found but not loadable: %v", err)
	}
	return func(path string, rt suite.Runtime) (*OpenedModel, error) {
		m, err := ort.Open(path, ort.Options{Providers: rt.ProviderNames(), AllowFallback: true,
			IntraOpThreads: rt.IntraOpThreads, GraphOptimization: string(rt.GraphOptimization)})
		if err != nil {
			return nil, err
		}
		return &OpenedModel{Model: m, Inputs: m.Inputs(), Outputs: m.Outputs(), Provider: m.Provider()}, nil
	}
}

// TestQuickstartProbes runs suites/quickstart-probes.yaml on real ONNX
// Runtime: the embedding pass must reproduce torch's first 10 encoder
// outputs (suites/quickstart/reference-probs.json, 1e-5), the probes must
// score as classifiers with adaptation metadata, and a second run must read
// the embeddings from the cache.
func TestQuickstartProbes(t *testing.T) {
	open := embORT(t)
	s, err := suite.Load(filepath.Join("..", "suites", "quickstart-probes.yaml"))
	require.NoError(t, err)
	// The embedding pass alone, against torch.
	var ref struct {
		Embeddings struct {
			Embedding [][]float64 `json:"embedding"`
		} `json:"embeddings"`
	}
	b, err := os.ReadFile(filepath.Join("..", "suites", "quickstart", "reference-probs.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &ref))
	out := t.TempDir()
	r := newRunner(s, Options{OutDir: out, Open: open, Limit: 10})
	m, _ := s.Model("fmnist-encoder")
	om, err := open(s.Resolve(m.Path), s.Runtime)
	require.NoError(t, err)
	defer om.Model.Close()
	task := &s.Tasks[1]
	d, _ := s.Dataset("fmnist-test")
	e, err := embedForTest(context.Background(), r, m, om, task, d, true)
	require.NoError(t, err)
	require.Equal(t, 10, e.x.N)
	require.Len(t, ref.Embeddings.Embedding, 10)
	for i, row := range ref.Embeddings.Embedding {
		for j, v := range row {
			assert.InDelta(t, v, float64(e.x.Row(i)[j]), 1e-5, "example %d dim %d", i, j)
		}
	}
	assert.False(t, e.cached())
	e2, err := embedForTest(context.Background(), r, m, om, task, d, true)
	require.NoError(t, err)
	assert.True(t, e2.cached(), "second pass reads the cache")
	assert.Equal(t, e.x.Data, e2.x.Data)

	// The whole suite on 300 examples per split.
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Limit: 300})
	require.NoError(t, err)
	AddAdaptedModels(res)
	got := map[string]float64{}
	for _, ev := range res.Evaluations {
		if m, ok := ev.Metric("accuracy"); ok {
			got[ev.Model] = float64(m.Value)
			require.NotNil(t, m.CI, ev.Model)
		}
	}
	for _, name := range []string{"fmnist-encoder+logreg", "fmnist-encoder+knn", "fmnist-encoder+centroid"} {
		assert.Greater(t, got[name], 0.5, "%s well above chance (0.1)", name)
		pm, ok := findModel(res.Models, name)
		require.True(t, ok, name)
		require.NotNil(t, pm.Adaptation)
		assert.Equal(t, "fmnist-encoder", pm.Adaptation.Base)
		assert.Equal(t, int64(300), pm.Adaptation.TrainExamples)
	}
	lr, _ := findModel(res.Models, "fmnist-encoder+logreg")
	assert.Equal(t, int64(128*10+10), lr.Adaptation.TrainableParams)
	assert.Equal(t, "probe:logreg", lr.Adaptation.Method)
}

func findModel(ms []result.Model, name string) (result.Model, bool) {
	for _, m := range ms {
		if m.Name == name {
			return m, true
		}
	}
	return result.Model{}, false
}
