package fairness

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWEATHand2D(t *testing.T) {
	t.Parallel()
	// Worked by hand. A = {(1,0)}, B = {(0,1)}, so s(w) = (w₁ − w₂)/|w|:
	// s(1,0) = 1, s(3,4) = −0.2, s(0,1) = −1, s(4,3) = 0.2.
	// S = (1 − 0.2) − (−1 + 0.2) = 1.6. Mean over X∪Y is 0, sum of squares
	// 2.08, sd = sqrt(2.08/3), d = (0.4 − (−0.4)) / sd = 0.8·sqrt(3/2.08).
	// Partition X-sums of {1, −0.2, −1, 0.2} taken two at a time: 0.8 (X
	// itself), 0, 1.2, −1.2, 0, −0.8; two are ≥ 0.8, so p = 2/6.
	r, err := WEAT([][]float64{{1, 0}, {3, 4}}, [][]float64{{0, 1}, {4, 3}}, [][]float64{{1, 0}}, [][]float64{{0, 1}}, WEATOptions{})
	require.NoError(t, err)
	assert.InDelta(t, 0.8*math.Sqrt(3/2.08), r.EffectSize.V, 1e-12)
	assert.InDelta(t, 1.6, r.Statistic, 1e-12)
	assert.InDelta(t, 1.0/3, r.PValue, 1e-15)
	assert.True(t, r.Exact)
	assert.Equal(t, 6, r.Partitions)
	assert.Equal(t, 1, r.Ties)
}

// TestWEATAgainstScript compares with testdata/weat_vectors.json, written
// by testdata/weat_vectors.py (numpy + itertools.combinations, sent-bias
// weat.py formulas).
func TestWEATAgainstScript(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/weat_vectors.json")
	require.NoError(t, err)
	var file struct {
		Cases []struct {
			Name       string
			X, Y, A, B [][]float64
			Expected   struct {
				EffectSize float64   `json:"effect_size"`
				Statistic  float64   `json:"statistic"`
				PValue     float64   `json:"p_value"`
				Partitions int       `json:"partitions"`
				Ties       int       `json:"ties"`
				AssocX     []float64 `json:"assoc_x"`
			}
		}
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.Len(t, file.Cases, 4)
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			r, err := WEAT(c.X, c.Y, c.A, c.B, WEATOptions{})
			require.NoError(t, err)
			e := c.Expected
			assert.InDelta(t, e.EffectSize, r.EffectSize.V, 1e-12)
			assert.InDelta(t, e.Statistic, r.Statistic, 1e-12)
			assert.InDelta(t, e.PValue, r.PValue, 1e-15)
			assert.Equal(t, e.Partitions, r.Partitions)
			assert.Equal(t, e.Ties, r.Ties)
			assert.InDeltaSlice(t, e.AssocX, r.AssocX, 1e-12)
		})
	}
}

func TestWEATSampled(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	vecs := func(n int, shift float64) [][]float64 {
		out := make([][]float64, n)
		for i := range out {
			out[i] = []float64{rng.NormFloat64() + shift, rng.NormFloat64(), rng.NormFloat64()}
		}
		return out
	}
	X, Y, A, B := vecs(9, 0.4), vecs(9, 0), vecs(5, 1), vecs(5, -1)
	exact, err := WEAT(X, Y, A, B, WEATOptions{}) // binom(18, 9) = 48620 ≤ 100000
	require.NoError(t, err)
	require.True(t, exact.Exact)
	require.Equal(t, 48620, exact.Partitions)
	s1, err := WEAT(X, Y, A, B, WEATOptions{Samples: 20000, Seed: 1})
	require.NoError(t, err)
	s2, err := WEAT(X, Y, A, B, WEATOptions{Samples: 20000, Seed: 1})
	require.NoError(t, err)
	assert.False(t, s1.Exact)
	assert.Equal(t, 20000, s1.Partitions)
	assert.Equal(t, s1.PValue, s2.PValue, "same seed, same p-value")
	// Sampling error of a proportion with 20000 draws: sd ≤ 0.0036; allow 5 sd.
	assert.InDelta(t, exact.PValue, s1.PValue, 0.018)
	assert.GreaterOrEqual(t, s1.PValue, 1.0/20000, "hallucinated positive")
	assert.Equal(t, exact.EffectSize, s1.EffectSize)
}

func TestWEATErrors(t *testing.T) {
	t.Parallel()
	v := [][]float64{{1, 0}}
	tests := []struct {
		name       string
		X, Y, A, B [][]float64
		want       string
	}{
		{"empty X", nil, v, v, v, "set X is empty"},
		{"dimension", v, [][]float64{{1, 0, 0}}, v, v, "Y[0] has dimension 3, want 2"},
		{"zero vector", v, v, [][]float64{{0, 0}}, v, "A[0] has norm 0"},
		{"NaN", v, v, v, [][]float64{{math.NaN(), 1}}, "B[0] has norm NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := WEAT(tc.X, tc.Y, tc.A, tc.B, WEATOptions{})
			assert.ErrorContains(t, err, tc.want)
		})
	}
	// One target each with equal association: zero spread, undefined d.
	r, err := WEAT(v, v, v, [][]float64{{0, 1}}, WEATOptions{})
	require.NoError(t, err)
	assert.False(t, r.EffectSize.Defined())
	assert.Equal(t, 1.0, r.PValue, "both partitions tie")
}

func TestBinomial(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, k, limit, want int }{
		{4, 2, 100, 6}, {16, 8, 100000, 12870}, {18, 9, 100000, 48620}, {7, 0, 1, 1}, {10, 3, 120, 120},
	} {
		got, ok := binomial(tc.n, tc.k, tc.limit)
		assert.True(t, ok)
		assert.Equal(t, tc.want, got, "binom(%d, %d)", tc.n, tc.k)
	}
	_, ok := binomial(20, 10, 100000) // 184756
	assert.False(t, ok)
	_, ok = binomial(10, 3, 119)
	assert.False(t, ok)
}

func TestPairPreference(t *testing.T) {
	t.Parallel()
	// Hand computation: pairs 0, 1, 3 prefer the stereotype, pair 2 ties,
	// pair 4 prefers the anti-stereotype: rate 3/5; |diffs| = 1, 0.5, 0, 2, 1.5 → mean 1.
	r, err := PairPreference([]float64{-1, -2, -3, -4, -7}, []float64{-2, -2.5, -3, -6, -5.5}, 0)
	require.NoError(t, err)
	assert.Equal(t, 5, r.N)
	assert.Equal(t, 3, r.Stereotyped)
	assert.Equal(t, 1, r.Ties)
	assert.InDelta(t, 0.6, r.Rate.V, 1e-15)
	assert.InDelta(t, 1.0, r.LikelihoodDiff.V, 1e-15)
	// Wilson 95% for 3/5, the formula evaluated in Python with
	// z = 1.959963984540054: (0.2307242812760128, 0.882379225767352).
	assert.InDelta(t, 0.2307242812760128, r.CI.Lo.V, 1e-12)
	assert.InDelta(t, 0.882379225767352, r.CI.Hi.V, 1e-12)

	empty, err := PairPreference(nil, nil, 0.9)
	require.NoError(t, err)
	assert.Equal(t, "no pairs", empty.Rate.Reason)
	_, err = PairPreference([]float64{1}, []float64{math.Inf(-1)}, 0)
	assert.ErrorContains(t, err, "pair 0")
	_, err = PairPreference([]float64{1}, nil, 0)
	assert.ErrorContains(t, err, "1 stereotyped scores and 0")
}

func TestWilsonEdges(t *testing.T) {
	t.Parallel()
	lo, hi := Wilson(0, 10, 0.95)
	assert.InDelta(t, 0.0, lo, 1e-15)
	// Upper bound for 0/10: z²/n / (1 + z²/n) = 0.27753…
	z2 := 1.959963984540054 * 1.959963984540054
	assert.InDelta(t, (z2/10)/(1+z2/10), hi, 1e-12)
	lo, hi = Wilson(1, 0, 0.95)
	assert.True(t, math.IsNaN(lo) && math.IsNaN(hi))
}
