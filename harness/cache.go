package harness

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/tasks"
)

// chunkSize is the number of selected examples per cache chunk.
const chunkSize = 1024

// cache stores decoded model outputs in content-addressed chunks:
// dir/<key[:2]>/<key>/chunk-NNNNNN.json, each written atomically. The key
// hashes everything the outputs depend on (model bytes, dataset bytes and
// spec, engine settings, runtime version and provider, limit, shard,
// variant), so a stale entry is never read. Each chunk carries the SHA-256
// of its content: a chunk that fails the check, or whose entries are not
// what the pass's engine can hold (a class index out of range, a
// probability row of the wrong width), is recomputed with a warning.
type cache struct {
	dir     string
	readOff bool
	// warn reports a damaged chunk; nil discards the warning.
	warn func(string)
}

// cachedPred is one example's decoded output in a chunk.
type cachedPred struct {
	Index   int          `json:"i"`
	Probs   []float64    `json:"p,omitempty"`
	Pred    int          `json:"y"`
	Invalid string       `json:"inv,omitempty"`
	Changed bool         `json:"chg,omitempty"`
	Value   float64      `json:"v,omitempty"`
	Texts   []cachedText `json:"t,omitempty"`
	// Vec is an embedding: little-endian float32 values, base64.
	Vec string `json:"vec,omitempty"`
	// Generation: the text, its token ids and why it stopped.
	Text   string  `json:"txt,omitempty"`
	Tokens []int64 `json:"tok,omitempty"`
	Stop   string  `json:"stop,omitempty"`
}

// cachedText is one scored text of a language-model example.
type cachedText struct {
	LL     result.Float `json:"ll"`
	Greedy bool         `json:"g,omitempty"`
	Tokens int          `json:"n,omitempty"`
	Chars  int          `json:"c,omitempty"`
	Bytes  int          `json:"b,omitempty"`
	Words  int          `json:"w,omitempty"`
	// U is the unconditional log-likelihood (acc_mutual_info), if run.
	U *result.Float `json:"u,omitempty"`
}

// chunkStats are the figures of the run that computed a chunk, kept so that
// a resumed run reports the cost of its predictions.
type chunkStats struct {
	Wall      float64   `json:"wall_s"`
	Inference float64   `json:"inference_s"`
	Batches   int       `json:"batches"`
	Latencies []float64 `json:"latency_ms,omitempty"`
}

// chunkFile is one cached chunk. On disk it is its JSON followed by a line
// "sha256:<hex>" holding the SHA-256 of the JSON bytes before it.
type chunkFile struct {
	Key     string       `json:"key"`
	Chunk   int          `json:"chunk"`
	Mode    string       `json:"mode"`
	Entries []cachedPred `json:"entries"`
	Stats   chunkStats   `json:"stats"`
}

// chunkSumPrefix starts the integrity line that ends a chunk file.
const chunkSumPrefix = "\nsha256:"

// newChunkFile packs a chunk's predictions.
func newChunkFile(key string, no int, mode string, preds []tasks.Prediction, st chunkStats) *chunkFile {
	f := &chunkFile{Key: key, Chunk: no, Mode: mode, Entries: make([]cachedPred, len(preds)), Stats: st}
	for i := range preds {
		f.Entries[i] = packPred(&preds[i])
	}
	return f
}

func packPred(p *tasks.Prediction) cachedPred {
	e := cachedPred{Index: p.Index, Probs: p.Probs, Pred: p.Pred, Invalid: p.Invalid, Changed: p.Changed, Value: p.Value,
		Text: p.Text, Tokens: p.Tokens, Stop: p.Stop}
	if p.Invalid != "" {
		// NaN has no JSON form; the invalid flag says it all.
		e.Probs, e.Value = nil, 0
	}
	for _, t := range p.Texts {
		ct := cachedText{LL: result.Float(t.LL), Greedy: t.Greedy, Tokens: t.Tokens, Chars: t.Chars, Bytes: t.Bytes, Words: t.Words}
		if t.HasUncond {
			u := result.Float(t.Uncond)
			ct.U = &u
		}
		e.Texts = append(e.Texts, ct)
	}
	if p.Vector != nil {
		b := make([]byte, 4*len(p.Vector))
		for i, v := range p.Vector {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		e.Vec = base64.StdEncoding.EncodeToString(b)
	}
	return e
}

// restore copies a cached entry's outputs into p (its index, id, truth and
// groups come from the data).
func (e *cachedPred) restore(p *tasks.Prediction) {
	p.Probs, p.Pred, p.Invalid, p.Value = e.Probs, e.Pred, e.Invalid, e.Value
	p.Text, p.Tokens, p.Stop = e.Text, e.Tokens, e.Stop
	if e.Invalid != "" {
		p.Value = math.NaN()
	}
	for _, t := range e.Texts {
		tl := tasks.TextLL{LL: float64(t.LL), Greedy: t.Greedy, Tokens: t.Tokens, Chars: t.Chars, Bytes: t.Bytes, Words: t.Words}
		if t.U != nil {
			tl.Uncond, tl.HasUncond = float64(*t.U), true
		}
		p.Texts = append(p.Texts, tl)
	}
	if e.Vec != "" {
		b, _ := base64.StdEncoding.DecodeString(e.Vec) // checked by vector
		p.Vector = make([]float32, len(b)/4)
		for i := range p.Vector {
			p.Vector[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	}
}

// vectorLen returns the length of a cached embedding, or an error when it
// is not a whole number of float32 values.
func (e *cachedPred) vectorLen() (int, error) {
	b, err := base64.StdEncoding.DecodeString(e.Vec)
	if err != nil || len(b)%4 != 0 {
		return 0, errors.New("embedding is not base64 float32 values")
	}
	return len(b) / 4, nil
}

func cacheKey(parts ...any) string {
	b, _ := json.Marshal(parts)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (c *cache) path(key string, chunk int) string {
	return filepath.Join(c.dir, key[:2], key, fmt.Sprintf("chunk-%06d.json", chunk))
}

// sealChunk appends the integrity line to a chunk's JSON.
func sealChunk(body []byte) []byte {
	h := sha256.Sum256(body)
	return append(append(append(body, chunkSumPrefix...), hex.EncodeToString(h[:])...), '\n')
}

// unsealChunk checks a chunk file's integrity line and returns its JSON.
func unsealChunk(b []byte) ([]byte, bool) {
	i := bytes.LastIndex(b, []byte(chunkSumPrefix))
	if i < 0 {
		return nil, false
	}
	body, sum := b[:i], bytes.TrimSpace(b[i+len(chunkSumPrefix):])
	h := sha256.Sum256(body)
	return body, string(sum) == hex.EncodeToString(h[:])
}

// load returns a chunk, or nil when it is not cached or cannot be trusted
// (then it is recomputed, with a warning when the file exists but is
// damaged). check validates each entry against what the pass expects.
func (c *cache) load(key string, chunk int, check func(*cachedPred) error) (*chunkFile, error) {
	if c.readOff {
		return nil, nil
	}
	path := c.path(key, chunk)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cache: %w", err)
	}
	damaged := func(why string) (*chunkFile, error) {
		if c.warn != nil {
			c.warn(fmt.Sprintf("prediction cache %s is damaged (%s); recomputing it", path, why))
		}
		return nil, nil
	}
	body, ok := unsealChunk(b)
	if !ok {
		return damaged("its content does not match its SHA-256")
	}
	var f chunkFile
	if err := json.Unmarshal(body, &f); err != nil {
		return damaged("not a cache chunk")
	}
	if f.Key != key || f.Chunk != chunk {
		return damaged("it belongs to another pass")
	}
	for i := range f.Entries {
		if err := check(&f.Entries[i]); err != nil {
			return damaged(fmt.Sprintf("entry %d: %v", i, err))
		}
	}
	return &f, nil
}

func (c *cache) store(f *chunkFile) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	if err := result.WriteFileAtomic(c.path(f.Key, f.Chunk), sealChunk(b)); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	return nil
}
