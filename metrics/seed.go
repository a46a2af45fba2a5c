package metrics

import "hash/fnv"

// SubSeed derives the seed of one named stream from a run's seed:
//
//	seed XOR FNV-1a-64(name)
//
// so that each metric, interval or sampler gets its own reproducible
// stream, independent of the order in which they are computed.
func SubSeed(seed uint64, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return seed ^ h.Sum64()
}
