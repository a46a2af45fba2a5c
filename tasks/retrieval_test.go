package tasks

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRetrievalMetricsByHand: ranking d1 d2 d3 d4 d5 with judgements
// d2:2, d4:1, d9:3 (d9 never retrieved).
//
//	recall@1 = 0/3; recall@5 = 2/3
//	MRR@10 = 1/2 (first relevant at rank 2); MRR@1 = 0
//	DCG@5 = 2/log2(3) + 1/log2(5) = 1.26186 + 0.43068 = 1.69254
//	IDCG@5 = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.26186 + 0.5 = 4.76186
//	nDCG@5 = 0.355436
func TestRetrievalMetricsByHand(t *testing.T) {
	ranked := []string{"d1", "d2", "d3", "d4", "d5"}
	rel := map[string]int{"d2": 2, "d4": 1, "d9": 3, "d7": 0}
	assert.Equal(t, 0.0, RecallAt(ranked, rel, 1))
	assert.InDelta(t, 2.0/3, RecallAt(ranked, rel, 5), 1e-12)
	assert.Equal(t, 0.5, MRRAt(ranked, rel, 10))
	assert.Equal(t, 0.0, MRRAt(ranked, rel, 1))
	dcg := 2/math.Log2(3) + 1/math.Log2(5)
	idcg := 3 + 2/math.Log2(3) + 0.5
	assert.InDelta(t, dcg/idcg, NDCGAt(ranked, rel, 5), 1e-12)
	assert.InDelta(t, 0.355436, NDCGAt(ranked, rel, 5), 1e-6)
	// nDCG@1: d1 is not relevant → 0; perfect ranking → 1.
	assert.Equal(t, 0.0, NDCGAt(ranked, rel, 1))
	assert.InDelta(t, 1.0, NDCGAt([]string{"d9", "d2", "d4"}, rel, 10), 1e-12)
	assert.True(t, math.IsNaN(NDCGAt(ranked, map[string]int{"d1": 0}, 10)), "no relevant document")
	assert.True(t, math.IsNaN(RecallAt(ranked, nil, 10)))
}

func TestParseQrels(t *testing.T) {
	q, err := ParseQrels(strings.NewReader("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq2\td3\t0\n"), "qrels.tsv")
	require.NoError(t, err)
	assert.Equal(t, Qrels{"q1": {"d1": 1, "d2": 2}, "q2": {"d3": 0}}, q)
	_, err = ParseQrels(strings.NewReader("q1\td1\n"), "bad.tsv")
	assert.ErrorContains(t, err, "bad.tsv:1: want 3 tab-separated fields")
	_, err = ParseQrels(strings.NewReader("q1\td1\tx\n"), "bad.tsv")
	assert.ErrorContains(t, err, `score "x"`)
}

func FuzzParseQrels(f *testing.F) {
	f.Add("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
	f.Add("q\td\t-1\r\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQrels(strings.NewReader(s), "fuzz")
		if err == nil && q == nil {
			t.Fatal("nil qrels without error")
		}
	})
}

// TestRank: cosine ranking; (1,0) and (2,0) tie with the query (1,0), the
// earlier one first.
func TestRank(t *testing.T) {
	docs := Matrix{N: 3, D: 2, Data: []float32{0, 1, 1, 0, 2, 0}}
	assert.Equal(t, []int{1, 2}, Rank([]float32{1, 0}, docs, DocNorms(docs), 2))
	f, k, err := RetrievalMetric("ndcg@10")
	require.NoError(t, err)
	assert.Equal(t, 10, k)
	assert.Equal(t, 1.0, f([]string{"a"}, map[string]int{"a": 1}))
	_, _, err = RetrievalMetric("map@x")
	assert.Error(t, err)
}

// TestPool: hand-computed pooling of a [2, 3, 2] output with a mask.
func TestPool(t *testing.T) {
	data := []float32{1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10}
	shape := []int64{2, 3, 2}
	mask := []int64{1, 1, 0, 1, 1, 1}
	m, err := Pool(Matrix{}, data, shape, mask, 2, PoolMean, false)
	require.NoError(t, err)
	assert.Equal(t, []float32{2, 3, 7, 8}, m.Data)
	m, err = Pool(Matrix{}, data, shape, mask, 2, PoolMax, false)
	require.NoError(t, err)
	assert.Equal(t, []float32{3, 4, 9, 10}, m.Data)
	m, err = Pool(Matrix{}, data, shape, mask, 1, PoolCLS, true)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float32{1 / float32(math.Sqrt(5)), 2 / float32(math.Sqrt(5))}, m.Data, 1e-7)
	_, err = Pool(Matrix{}, data, shape, mask, 2, PoolNone, false)
	assert.ErrorContains(t, err, "choose pooling")
	m, err = Pool(Matrix{}, []float32{3, 4}, []int64{1, 2}, nil, 1, PoolNone, true)
	require.NoError(t, err)
	assert.Equal(t, []float32{0.6, 0.8}, m.Data)
}
