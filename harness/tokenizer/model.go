package tokenizer

import (
	"container/heap"
	"fmt"
	"sync"
	"unicode/utf8"
)

// token is one model output: id, string form and input byte span.
type token struct {
	id    int64
	value string
	off   [2]int
}

// model turns one pre-tokenized word into tokens.
type model interface {
	tokenize(w nstr) []token
	vocab() map[string]int64
}

func byteToken(b byte) string { return fmt.Sprintf("<0x%02X>", b) }

// ---- BPE ----

type mergeInfo struct {
	rank int
	id   int64
}

// bpeModel is byte-pair encoding with ranked merges.
type bpeModel struct {
	vocabMap     map[string]int64
	merges       map[[2]int64]mergeInfo
	unk          string
	hasUnk       bool
	prefix       string // continuing_subword_prefix
	suffix       string // end_of_word_suffix
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool

	rev []string

	mu    sync.RWMutex
	cache map[string][]symbol
}

// symbol is a BPE working unit: an id covering runes [a, b) of the word.
type symbol struct {
	id   int64
	a, b int
}

const bpeCacheMax = 10000
const bpeCacheWordMax = 256

func (m *bpeModel) vocab() map[string]int64 { return m.vocabMap }

func (m *bpeModel) tokenize(w nstr) []token {
	if len(w.r) == 0 {
		return nil
	}
	word := string(w.r)
	if m.ignoreMerges {
		if id, ok := m.vocabMap[word]; ok {
			return []token{{id, word, w.span(0, len(w.r))}}
		}
	}
	m.mu.RLock()
	syms, ok := m.cache[word]
	m.mu.RUnlock()
	if !ok {
		syms = m.merge(w.r)
		if len(w.r) < bpeCacheWordMax {
			m.mu.Lock()
			if len(m.cache) >= bpeCacheMax {
				clear(m.cache)
			}
			m.cache[word] = syms
			m.mu.Unlock()
		}
	}
	out := make([]token, len(syms))
	for i, s := range syms {
		out[i] = token{id: s.id, value: m.idToTok(s.id), off: w.span(s.a, s.b)}
	}
	return out
}

// idToTok is filled at load time.
func (m *bpeModel) idToTok(id int64) string { return m.rev[id] }

func (m *bpeModel) merge(r []rune) []symbol {
	syms := make([]symbol, 0, len(r))
	unkID, unkOK := m.vocabMap[m.unk]
	for i, c := range r {
		s := string(c)
		if i > 0 {
			s = m.prefix + s
		}
		if i == len(r)-1 {
			s += m.suffix
		}
		if id, ok := m.vocabMap[s]; ok {
			syms = append(syms, symbol{id, i, i + 1})
			continue
		}
		if m.byteFallback {
			var buf [4]byte
			n := utf8.EncodeRune(buf[:], c)
			ids := make([]int64, 0, n)
			for _, b := range buf[:n] {
				if id, ok := m.vocabMap[byteToken(b)]; ok {
					ids = append(ids, id)
				}
			}
			if len(ids) == n {
				for _, id := range ids {
					syms = append(syms, symbol{id, i, i + 1})
				}
				continue
			}
		}
		if m.hasUnk && unkOK {
			if m.fuseUnk && len(syms) > 0 && syms[len(syms)-1].id == unkID && syms[len(syms)-1].b == i {
				syms[len(syms)-1].b = i + 1
			} else {
				syms = append(syms, symbol{unkID, i, i + 1})
			}
		}
	}
	return m.applyMerges(syms)
}

// pairItem is a candidate merge of the symbol at pos with its right neighbour.
type pairItem struct {
	rank, pos   int
	left, right int64 // ids when queued, to detect stale entries
}

type pairHeap []pairItem

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	return h[i].rank < h[j].rank || (h[i].rank == h[j].rank && h[i].pos < h[j].pos)
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(pairItem)) }
func (h *pairHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// applyMerges repeatedly merges the adjacent pair of lowest rank, leftmost on ties, using a
// heap and a linked list (O(n log n) per word).
func (m *bpeModel) applyMerges(syms []symbol) []symbol {
	n := len(syms)
	if n < 2 {
		return syms
	}
	next := make([]int, n)
	prev := make([]int, n)
	alive := make([]bool, n)
	for i := range syms {
		next[i], prev[i], alive[i] = i+1, i-1, true
	}
	next[n-1] = -1
	h := make(pairHeap, 0, n)
	push := func(i int) {
		j := next[i]
		if i < 0 || j < 0 {
			return
		}
		if mi, ok := m.merges[[2]int64{syms[i].id, syms[j].id}]; ok {
			h = append(h, pairItem{mi.rank, i, syms[i].id, syms[j].id})
			heap.Fix(&h, len(h)-1)
		}
	}
	for i := 0; i+1 < n; i++ {
		if mi, ok := m.merges[[2]int64{syms[i].id, syms[i+1].id}]; ok {
			h = append(h, pairItem{mi.rank, i, syms[i].id, syms[i+1].id})
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		it := heap.Pop(&h).(pairItem)
		i := it.pos
		j := next[i]
		if !alive[i] || j < 0 || syms[i].id != it.left || syms[j].id != it.right {
			continue
		}
		mi := m.merges[[2]int64{it.left, it.right}]
		syms[i] = symbol{mi.id, syms[i].a, syms[j].b}
		alive[j] = false
		next[i] = next[j]
		if next[j] >= 0 {
			prev[next[j]] = i
		}
		if prev[i] >= 0 {
			push(prev[i])
		}
		push(i)
	}
	out := syms[:0]
	for i := 0; i >= 0; i = next[i] {
		out = append(out, syms[i])
	}
	return out
}

// ---- WordPiece ----

// wordPieceModel is greedy longest-match-first WordPiece.
type wordPieceModel struct {
	vocabMap map[string]int64
	rev      []string
	unk      string
	prefix   string
	maxChars int
}

func (m *wordPieceModel) vocab() map[string]int64 { return m.vocabMap }

func (m *wordPieceModel) tokenize(w nstr) []token {
	if len(w.r) == 0 {
		return nil
	}
	unk := func() []token {
		id, ok := m.vocabMap[m.unk]
		if !ok {
			return nil
		}
		return []token{{id, m.unk, w.span(0, len(w.r))}}
	}
	if len(w.r) > m.maxChars {
		return unk()
	}
	var out []token
	for start := 0; start < len(w.r); {
		end := len(w.r)
		found := false
		for ; start < end; end-- {
			s := string(w.r[start:end])
			if start > 0 {
				s = m.prefix + s
			}
			if id, ok := m.vocabMap[s]; ok {
				out = append(out, token{id, s, w.span(start, end)})
				found = true
				break
			}
		}
		if !found {
			return unk()
		}
		start = end
	}
	return out
}

// ---- Unigram ----

// unigramModel segments with the Viterbi algorithm over piece log-probabilities.
type unigramModel struct {
	vocabMap     map[string]int64
	rev          []string
	scores       []float64
	unkID        int64
	unkScore     float64
	maxLen       int // longest piece, in runes
	byteFallback bool
}

func (m *unigramModel) vocab() map[string]int64 { return m.vocabMap }

func (m *unigramModel) tokenize(w nstr) []token {
	n := len(w.r)
	if n == 0 {
		return nil
	}
	// best[p]: best score of a segmentation of runes [0, p); from[p]: start of its last piece.
	best := make([]float64, n+1)
	from := make([]int, n+1)
	ids := make([]int64, n+1)
	set := make([]bool, n+1)
	set[0] = true
	for p := 0; p < n; p++ {
		if !set[p] {
			continue
		}
		single := false
		for l := 1; l <= m.maxLen && p+l <= n; l++ {
			id, ok := m.vocabMap[string(w.r[p:p+l])]
			if !ok {
				continue
			}
			if l == 1 {
				single = true
			}
			m.relax(best, from, ids, set, p, p+l, id, m.scores[id])
		}
		if !single {
			m.relax(best, from, ids, set, p, p+1, m.unkID, m.unkScore)
		}
	}
	var rev []token
	for p := n; p > 0; p = from[p] {
		s := from[p]
		rev = append(rev, token{ids[p], string(w.r[s:p]), w.span(s, p)})
	}
	out := make([]token, 0, len(rev))
	for i := len(rev) - 1; i >= 0; i-- {
		t := rev[i]
		if t.id == m.unkID && len(out) > 0 && out[len(out)-1].id == m.unkID { // fuse_unk
			last := &out[len(out)-1]
			last.value += t.value
			last.off = spanUnion(last.off, t.off)
			continue
		}
		out = append(out, t)
	}
	for i := range out {
		if out[i].id == m.unkID {
			out[i].value = m.rev[m.unkID]
		}
	}
	if m.byteFallback {
		out = m.fallback(out, w)
	}
	return out
}

// relax offers a piece [p, q) ending at q. Ties keep the earlier start (longer piece), matching
// the strict comparison of the reference lattice.
func (m *unigramModel) relax(best []float64, from []int, ids []int64, set []bool, p, q int, id int64, score float64) {
	s := best[p] + score
	if !set[q] || s > best[q] || (s == best[q] && p < from[q]) {
		best[q], from[q], ids[q], set[q] = s, p, id, true
	}
}

// fallback replaces unknown pieces by their UTF-8 byte tokens when all exist.
func (m *unigramModel) fallback(toks []token, w nstr) []token {
	var out []token
	for _, t := range toks {
		if t.id != m.unkID {
			out = append(out, t)
			continue
		}
		text := ""
		for k, off := range w.off {
			if off[0] >= t.off[0] && off[1] <= t.off[1] {
				text += string(w.r[k])
			}
		}
		var bt []token
		for _, b := range []byte(text) {
			id, ok := m.vocabMap[byteToken(b)]
			if !ok {
				bt = nil
				break
			}
			bt = append(bt, token{id, byteToken(b), t.off})
		}
		if bt == nil {
			out = append(out, t)
		} else {
			out = append(out, bt...)
		}
	}
	return out
}
