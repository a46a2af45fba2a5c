package harness

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard selects every example whose position p (0-based, after --limit)
// satisfies p % Count == Index. The zero value selects everything.
type Shard struct {
	Index, Count int
}

// ParseShard parses "i/n" with 0 <= i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/4", s)
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// String renders "i/n", or "" for the zero value.
func (s Shard) String() string {
	if s.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// selects reports whether example position p is in the shard.
func (s Shard) selects(p int) bool {
	return s.Count <= 1 || p%s.Count == s.Index
}
