package robustness

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTabularNames(t *testing.T) {
	assert.Equal(t, []string{"feature_dropout", "feature_noise", "feature_offset", "feature_scale"}, Names(KindTabular))
}

// TestFeatureNoiseStd: the change of feature j has mean 0 and standard
// deviation k_s·Std[j] (k = 0.1, 0.25, 0.5, 0.75, 1); features not listed
// in Features are untouched. 4000 rows: the std's relative standard error is
// about 1.1%; tolerance 5%.
func TestFeatureNoiseStd(t *testing.T) {
	src := []float64{1, -2, 100}
	p := TabularParams{Std: []float64{0.5, 3, 10}, Features: []int{0, 2}}
	for sev, k := range featureNoiseScale {
		const n = 4000
		var s, s2 [3]float64
		for i := range n {
			out, err := PerturbRow("feature_noise", src, p, 8, sev+1, i)
			require.NoError(t, err)
			for j := range out {
				d := out[j] - src[j]
				s[j] += d
				s2[j] += d * d
			}
		}
		for j, std := range p.Std {
			if j == 1 {
				assert.Zero(t, s2[j], "feature 1 not listed but changed")
				continue
			}
			m := s[j] / n
			assert.InDelta(t, 0, m, 4*k*std/math.Sqrt(n), "severity %d feature %d mean", sev+1, j)
			assert.InEpsilon(t, k*std, math.Sqrt(s2[j]/n-m*m), 0.05, "severity %d feature %d std", sev+1, j)
		}
	}
}

// TestFeatureDropout: the share of features replaced by the fill is p_s
// (0.05 … 0.5); NaN fill marks missing values; per-feature fills are used.
func TestFeatureDropout(t *testing.T) {
	src := make([]float64, 50)
	for j := range src {
		src[j] = float64(j + 1)
	}
	for sev, prob := range featureDropoutProb {
		var dropped, total int
		for i := range 200 {
			out, err := PerturbRow("feature_dropout", src, TabularParams{Fill: []float64{math.NaN()}}, 3, sev+1, i)
			require.NoError(t, err)
			for j, v := range out {
				total++
				if math.IsNaN(v) {
					dropped++
				} else {
					require.Equal(t, src[j], v)
				}
			}
		}
		se := math.Sqrt(prob * (1 - prob) / float64(total))
		assert.InDelta(t, prob, float64(dropped)/float64(total), 4*se, "severity %d", sev+1)
	}
	fill := make([]float64, 50)
	for j := range fill {
		fill[j] = -float64(j)
	}
	out, err := PerturbRow("feature_dropout", src, TabularParams{Fill: fill}, 3, 5, 0)
	require.NoError(t, err)
	changed := 0
	for j, v := range out {
		if v != src[j] {
			changed++
			assert.Equal(t, fill[j], v)
		}
	}
	assert.Positive(t, changed)
}

// TestFeatureShift: exact values, hand computed: severity 3 scales by 1.2
// and offsets by 0.5·std on the listed features only.
func TestFeatureShift(t *testing.T) {
	src := []float64{1, 2, 3}
	p := TabularParams{Std: []float64{2, 4, 6}, Features: []int{1, 2, 2}}
	out, err := PerturbRow("feature_scale", src, p, 0, 3, 0)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{1, 2.4, 3.6}, out, 1e-12)
	out, err = PerturbRow("feature_offset", src, p, 0, 3, 0)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{1, 4, 6}, out, 1e-12)
	// In place, nil rng allowed for deterministic shifts.
	tp, _ := LookupTabular("feature_scale")
	row := []float64{1, 2, 3}
	require.NoError(t, tp.Apply(row, row, TabularParams{}, 5, nil))
	assert.Equal(t, []float64{1.5, 3, 4.5}, row)
}

func TestTabularErrors(t *testing.T) {
	src := []float64{1, 2}
	cases := []struct {
		name string
		p    TabularParams
		dst  []float64
		sev  int
		want string
	}{
		{"feature_noise", TabularParams{}, make([]float64, 2), 1, "needs Std for each of the 2 features, found 0"},
		{"feature_noise", TabularParams{Std: []float64{1, -1}}, make([]float64, 2), 1, "Std[1] = -1"},
		{"feature_offset", TabularParams{Std: []float64{1, math.NaN()}}, make([]float64, 2), 1, "Std[1] = NaN"},
		{"feature_dropout", TabularParams{}, make([]float64, 2), 1, "needs Fill with 1 value or one per feature (2), found 0"},
		{"feature_scale", TabularParams{Features: []int{2}}, make([]float64, 2), 1, "Features[0] = 2 out of range for 2 features"},
		{"feature_scale", TabularParams{}, make([]float64, 3), 1, "destination has 3 features, source 2"},
		{"feature_scale", TabularParams{}, make([]float64, 2), 0, "severity 0 out of range"},
	}
	for _, c := range cases {
		tp, err := LookupTabular(c.name)
		require.NoError(t, err)
		err = tp.Apply(c.dst, src, c.p, c.sev, ExampleRNG(0, c.name, 1, 0))
		assert.ErrorContains(t, err, c.want, c.name)
	}
	_, err := LookupTabular("gaussian_noise")
	assert.ErrorContains(t, err, `"gaussian_noise" has kind image, not tabular`)
}
