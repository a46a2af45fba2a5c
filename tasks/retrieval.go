package tasks

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Qrels maps query id → document id → graded relevance (BEIR's qrels; a
// document with relevance > 0 is relevant).
type Qrels map[string]map[string]int

// ParseQrels reads a BEIR qrels TSV: query-id, corpus-id, score per line,
// tab-separated; a first line starting with "query-id" is a header. name
// labels errors.
func ParseQrels(r io.Reader, name string) (Qrels, error) {
	q := Qrels{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(s) == "" || (line == 1 && strings.HasPrefix(s, "query-id")) {
			continue
		}
		f := strings.Split(s, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want 3 tab-separated fields (query-id, corpus-id, score), found %d", name, line, len(f))
		}
		rel, err := strconv.Atoi(strings.TrimSpace(f[2]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: score %q is not an integer", name, line, f[2])
		}
		if q[f[0]] == nil {
			q[f[0]] = map[string]int{}
		}
		q[f[0]][f[1]] = rel
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return q, nil
}

// RecallAt is BEIR's recall@k (pytrec_eval recall_k): the fraction of the
// query's relevant documents (relevance > 0) among the first k ranked,
//
//	recall@k = |{d ∈ ranked[:k] : rel(d) > 0}| / |{d : rel(d) > 0}|,
//
// and NaN when the query has no relevant document.
func RecallAt(ranked []string, rel map[string]int, k int) float64 {
	total := 0
	for _, r := range rel {
		if r > 0 {
			total++
		}
	}
	if total == 0 {
		return math.NaN()
	}
	hit := 0
	for i, d := range ranked {
		if i >= k {
			break
		}
		if rel[d] > 0 {
			hit++
		}
	}
	return float64(hit) / float64(total)
}

// MRRAt is BEIR's MRR@k: 1/rank of the first relevant document within the
// first k (rank 1-based), 0 when none is.
func MRRAt(ranked []string, rel map[string]int, k int) float64 {
	for i, d := range ranked {
		if i >= k {
			break
		}
		if rel[d] > 0 {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// NDCGAt is nDCG@k with graded relevance as trec_eval's ndcg_cut (used by
// pytrec_eval and BEIR, Thakur et al. 2021): linear gain,
//
//	DCG@k  = Σ_{i=1..k} rel(ranked_i) / log2(i + 1)
//	nDCG@k = DCG@k / IDCG@k
//
// where IDCG@k is the DCG of the judged documents sorted by relevance.
// Negative relevance counts as 0. NaN when no document is relevant.
func NDCGAt(ranked []string, rel map[string]int, k int) float64 {
	var ideal []int
	for _, r := range rel {
		if r > 0 {
			ideal = append(ideal, r)
		}
	}
	if len(ideal) == 0 {
		return math.NaN()
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
	idcg := 0.0
	for i, r := range ideal {
		if i >= k {
			break
		}
		idcg += float64(r) / math.Log2(float64(i+2))
	}
	dcg := 0.0
	for i, d := range ranked {
		if i >= k {
			break
		}
		if r := rel[d]; r > 0 {
			dcg += float64(r) / math.Log2(float64(i+2))
		}
	}
	return dcg / idcg
}

// RetrievalMetric returns the per-query function of a metric name such as
// "ndcg@10", "mrr@10" or "recall@100".
func RetrievalMetric(name string) (func(ranked []string, rel map[string]int) float64, int, error) {
	kind, ks, ok := strings.Cut(name, "@")
	k, err := strconv.Atoi(ks)
	if !ok || err != nil || k < 1 {
		return nil, 0, fmt.Errorf("retrieval metric %q: want name@k", name)
	}
	switch kind {
	case "ndcg":
		return func(r []string, q map[string]int) float64 { return NDCGAt(r, q, k) }, k, nil
	case "mrr":
		return func(r []string, q map[string]int) float64 { return MRRAt(r, q, k) }, k, nil
	case "recall":
		return func(r []string, q map[string]int) float64 { return RecallAt(r, q, k) }, k, nil
	}
	return nil, 0, fmt.Errorf("retrieval metric %q: want ndcg, mrr or recall", name)
}

// Rank returns the indices of the top k documents by cosine similarity
// between query and each document (ties go to the earlier document).
func Rank(query []float32, docs Matrix, docNorms []float64, k int) []int {
	qn := 0.0
	for _, v := range query {
		qn += float64(v) * float64(v)
	}
	qn = math.Sqrt(qn)
	type sc struct {
		s float64
		i int
	}
	all := make([]sc, docs.N)
	for i := range all {
		all[i] = sc{cosine32(query, docs.Row(i), qn, docNorms[i]), i}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].s > all[b].s })
	k = min(k, len(all))
	out := make([]int, k)
	for i := range out {
		out[i] = all[i].i
	}
	return out
}

// DocNorms returns the L2 norm of every row, for Rank.
func DocNorms(docs Matrix) []float64 { return rowNorms(docs) }
