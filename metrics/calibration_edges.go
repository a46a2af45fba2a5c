package metrics

import (
	"fmt"
	"sort"
)

// EdgeRule says on which side a calibration bin is closed, which decides
// the bin of a confidence lying exactly on an edge (0.5 with two bins, 0.8
// with ten).
type EdgeRule int

const (
	// RightClosed bins are (lower, upper], with a confidence of exactly 0 in
	// the first bin (Guo et al. 2017; Kumar et al.'s get_ece). The default.
	RightClosed EdgeRule = iota
	// LeftClosed bins are [lower, upper), and a confidence of exactly 1 (or
	// above) sits in a bin of its own, [1, 1]: torchmetrics'
	// _binning_bucketize (torch.bucketize(confidences, boundaries,
	// right=True) - 1 over len(boundaries) bins).
	LeftClosed
)

var edgeRuleNames = [...]string{RightClosed: "right", LeftClosed: "left"}

// String returns "right" or "left".
func (e EdgeRule) String() string {
	if e >= 0 && int(e) < len(edgeRuleNames) {
		return edgeRuleNames[e]
	}
	return fmt.Sprintf("EdgeRule(%d)", int(e))
}

// MarshalText implements encoding.TextMarshaler.
func (e EdgeRule) MarshalText() ([]byte, error) {
	if e < 0 || int(e) >= len(edgeRuleNames) {
		return nil, fmt.Errorf("unknown edge rule %d", int(e))
	}
	return []byte(e.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler. It accepts "right" and
// "left".
func (e *EdgeRule) UnmarshalText(text []byte) error {
	switch string(text) {
	case "right":
		*e = RightClosed
	case "left":
		*e = LeftClosed
	default:
		return fmt.Errorf("unknown edge rule %q (known: right, left)", text)
	}
	return nil
}

// BinIndex returns the bin of confidence c among the bins whose upper edges
// are edges (BinEdges; the last is 1). Under RightClosed it is the first b
// with c <= edges[b], clamped to the last bin. Under LeftClosed it is the
// number of edges <= c, so that bin b holds [edges[b-1], edges[b]); a
// confidence at or above the last edge gets len(edges), the extra bin [1, 1]
// torchmetrics keeps. Confidences below 0 fall in bin 0 under both rules.
func BinIndex(edges []float64, c float64, rule EdgeRule) int {
	nb := len(edges)
	if rule == LeftClosed {
		return sort.Search(nb, func(i int) bool { return edges[i] > c })
	}
	b := sort.SearchFloat64s(edges, c)
	if b >= nb {
		b = nb - 1
	}
	return b
}
