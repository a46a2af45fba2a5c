package metrics

import (
	"math"
	"slices"
)

// orderDesc returns the indices of x sorted by value, largest first, with
// ties in increasing index order (a stable sort). It is an LSD radix sort on
// the IEEE-754 bit patterns with 11-bit digits, O(n), skipping digit
// positions where every key agrees. -0 and +0 tie; NaN sorts first (callers
// handle NaN before).
func orderDesc(x []float64) []int {
	idx, _ := orderDescKeys(x)
	out := make([]int, len(idx))
	for j, i := range idx {
		out[j] = int(i)
	}
	return out
}

// orderDescKeys is orderDesc returning int32 indices and the sorted keys;
// equal keys mean equal values.
func orderDescKeys(x []float64) ([]int32, []uint64) {
	const bits = 11
	const buckets = 1 << bits
	n := len(x)
	keys := make([]uint64, n)
	idx := make([]int32, n)
	var and, or uint64 = math.MaxUint64, 0
	for i, v := range x {
		if v == 0 {
			v = 0 // -0 and +0 are equal: one key
		}
		b := math.Float64bits(v)
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		b = ^b // descending
		keys[i] = b
		idx[i] = int32(i)
		and &= b
		or |= b
	}
	keys2 := make([]uint64, n)
	idx2 := make([]int32, n)
	var count [buckets]int
	for shift := uint(0); shift < 64; shift += bits {
		if (and>>shift)&(buckets-1) == (or>>shift)&(buckets-1) {
			continue // every key has the same digit here
		}
		count = [buckets]int{}
		for _, k := range keys {
			count[(k>>shift)&(buckets-1)]++
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for j, k := range keys {
			d := (k >> shift) & (buckets - 1)
			keys2[count[d]] = k
			idx2[count[d]] = idx[j]
			count[d]++
		}
		keys, keys2 = keys2, keys
		idx, idx2 = idx2, idx
	}
	return idx, keys
}

// sortFloats sorts s in increasing order in place with an LSD radix sort
// (NaN last, -0 becomes +0). It is sort.Float64s, several times faster on
// the million-element slices the bootstrap fast paths sort.
func sortFloats(s []float64) {
	const bits = 11
	const buckets = 1 << bits
	n := len(s)
	if n < 256 {
		slices.Sort(s)
		return
	}
	keys := make([]uint64, n)
	var and, or uint64 = math.MaxUint64, 0
	for i, v := range s {
		if v == 0 {
			v = 0
		}
		b := math.Float64bits(v)
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		keys[i] = b
		and &= b
		or |= b
	}
	keys2 := make([]uint64, n)
	var count [buckets]int
	for shift := uint(0); shift < 64; shift += bits {
		if (and>>shift)&(buckets-1) == (or>>shift)&(buckets-1) {
			continue
		}
		count = [buckets]int{}
		for _, k := range keys {
			count[(k>>shift)&(buckets-1)]++
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for _, k := range keys {
			d := (k >> shift) & (buckets - 1)
			keys2[count[d]] = k
			count[d]++
		}
		keys, keys2 = keys2, keys
	}
	for i, b := range keys {
		if b>>63 == 1 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		s[i] = math.Float64frombits(b)
	}
}
