package tasks

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSampler checks greedy choice (lowest id on ties, as torch.argmax),
// top-k and top-p filtering, and that sampled frequencies follow
// softmax(logits / T): logits ln 1, ln 2, ln 5 give probabilities 1/8, 2/8,
// 5/8 at T = 1 (hand-computed), and T = 0.5 squares them (1/30, 4/30, 25/30).
func TestSampler(t *testing.T) {
	logits := []float32{float32(math.Log(1)), float32(math.Log(2)), float32(math.Log(5))}
	assert.Equal(t, 2, Sampler{}.Next(logits, nil))
	assert.Equal(t, 0, Sampler{}.Next([]float32{1, 1, 0}, nil), "ties: lowest id")

	rng := rand.New(rand.NewPCG(1, 2))
	freq := func(s Sampler, n int) []float64 {
		c := make([]float64, len(logits))
		for range n {
			c[s.Next(logits, rng)]++
		}
		for i := range c {
			c[i] /= float64(n)
		}
		return c
	}
	const n = 40000
	assert.InDeltaSlice(t, []float64{1.0 / 8, 2.0 / 8, 5.0 / 8}, freq(Sampler{Sample: true, Temperature: 1}, n), 0.01)
	assert.InDeltaSlice(t, []float64{1.0 / 30, 4.0 / 30, 25.0 / 30}, freq(Sampler{Sample: true, Temperature: 0.5}, n), 0.01)
	// top-k 2 keeps ids 2 and 1, renormalised: 2/7, 5/7.
	assert.InDeltaSlice(t, []float64{0, 2.0 / 7, 5.0 / 7}, freq(Sampler{Sample: true, Temperature: 1, TopK: 2}, n), 0.01)
	// top-p 0.6: 5/8 = 0.625 >= 0.6 already, so only id 2 is kept.
	assert.Equal(t, []float64{0, 0, 1}, freq(Sampler{Sample: true, Temperature: 1, TopP: 0.6}, 1000))
	// top-p 0.8: ids 2 and 1 (0.875), renormalised 2/7, 5/7.
	assert.InDeltaSlice(t, []float64{0, 2.0 / 7, 5.0 / 7}, freq(Sampler{Sample: true, Temperature: 1, TopP: 0.8}, n), 0.01)
}
