package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/evalctl/evalctl/harness/result"
)

// chunkSize is the number of selected examples per cache chunk.
const chunkSize = 1024

// cache stores decoded model outputs in content-addressed chunks:
// dir/<key>/chunk-NNNNNN.json, each written atomically. The key hashes
// everything the outputs depend on (model bytes, dataset bytes and spec,
// output and score settings, runtime version and provider, limit, shard), so
// a stale entry is never read.
type cache struct {
	dir     string
	readOff bool
}

type cachedPred struct {
	Index   int       `json:"i"`
	Probs   []float64 `json:"p,omitempty"`
	Pred    int       `json:"y"`
	Invalid string    `json:"inv,omitempty"`
	Changed bool      `json:"chg,omitempty"`
	Value   float64   `json:"v,omitempty"`
}

type chunkFile struct {
	Key     string       `json:"key"`
	Chunk   int          `json:"chunk"`
	Mode    string       `json:"mode"`
	Entries []cachedPred `json:"entries"`
}

func cacheKey(parts ...any) string {
	b, _ := json.Marshal(parts)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (c *cache) path(key string, chunk int) string {
	return filepath.Join(c.dir, key[:2], key, fmt.Sprintf("chunk-%06d.json", chunk))
}

// load returns a chunk, or nil when it is not cached.
func (c *cache) load(key string, chunk int) (*chunkFile, error) {
	if c.readOff {
		return nil, nil
	}
	b, err := os.ReadFile(c.path(key, chunk))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cache: %w", err)
	}
	var f chunkFile
	if err := json.Unmarshal(b, &f); err != nil || f.Key != key || f.Chunk != chunk {
		// A damaged chunk is recomputed, never trusted.
		return nil, nil
	}
	return &f, nil
}

func (c *cache) store(f *chunkFile) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	if err := result.WriteFileAtomic(c.path(f.Key, f.Chunk), b); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	return nil
}
