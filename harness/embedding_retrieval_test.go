package harness

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRetrievalFixture runs suites/retrieval.yaml through Run on real ONNX
// Runtime and checks the metrics against values derived by hand (and
// printed by scripts/gen_embedding_fixtures.py, which ranks with numpy).
//
// Mean-pooled vectors: d1 rose = e1, d2 "tulip bee" = (½,½,1,0), d3 ant = e2,
// d4 "daisy wasp" = (½,½,−1,0), d5 bee = e2+e3, d6 garden = e4. Cosine
// rankings (ties in corpus order):
//
//	q1 tulip  (e1+e3): d2 .866, d1 .707, d5 .5, d3 0, d6 0, d4 −.289; rel d1=2, d2=1
//	q2 wasp   (e2−e3): d4 .866, d3 .707, d1 0, d5 0, d6 0, d2 −.289; rel d3=1, d2=1
//	q3 garden (e4):    d6 1, then the rest at 0;                      rel d6=1
//	q4 ant: only a zero judgement, so it is not scored (BEIR).
//
// Per query (q1, q2, q3): recall@1 ½, 0, 1; recall@3 1, ½, 1; MRR@10 1, ½, 1;
// nDCG@10 (1 + 2/log2 3)/(2 + 1/log2 3), (1/log2 3 + 1/log2 7)/(1 + 1/log2 3), 1.
func TestRetrievalFixture(t *testing.T) {
	open := embORT(t)
	s, err := suite.Load(filepath.Join("..", "suites", "retrieval.yaml"))
	require.NoError(t, err)
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open})
	require.NoError(t, err)
	require.Len(t, res.Evaluations, 1)
	ev := res.Evaluations[0]
	assert.Equal(t, 3, ev.N, "judged queries")
	l3, l7 := math.Log2(3), math.Log2(7)
	ndcg := []float64{(1 + 2/l3) / (2 + 1/l3), (1/l3 + 1/l7) / (1 + 1/l3), 1}
	want := map[string]float64{
		"recall@1": (0.5 + 0 + 1) / 3,
		"recall@3": (1 + 0.5 + 1) / 3,
		"mrr@10":   (1 + 0.5 + 1) / 3,
		"ndcg@10":  (ndcg[0] + ndcg[1] + ndcg[2]) / 3, // 0.821660
	}
	// The script's numbers, as a cross-check on the hand derivation.
	script := map[string]float64{"recall@1": 0.5, "recall@3": 0.8333333333333334, "mrr@10": 0.8333333333333334, "ndcg@10": 0.821659647968301}
	for name, w := range want {
		m, ok := ev.Metric(name)
		require.True(t, ok, name)
		assert.InDelta(t, w, float64(m.Value), 1e-9, name)
		assert.InDelta(t, script[name], w, 1e-12, name)
		assert.Equal(t, 3, m.N, name)
		require.NotNil(t, m.CI, name)
		assert.LessOrEqual(t, float64(m.CI.Low), float64(m.Value), name)
		assert.GreaterOrEqual(t, float64(m.CI.High), float64(m.Value), name)
	}
	require.NotNil(t, ev.Efficiency)
	assert.Equal(t, 10, ev.Efficiency.Examples, "4 queries + 6 documents")
}
