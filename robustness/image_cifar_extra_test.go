package robustness

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSaturateHand: saturate on single RGB pixels, hand computed from
// make_cifar_c.py's saturate (skimage rgb2hsv → s·c0 + c1 → hsv2rgb).
//
//	(0.5, 0.25, 0) sev 1 (0.3, 0): V .5, S 1 → S' .3 → (0.5, 0.425, 0.35)
//	(0.5, 0.25, 0) sev 3 (1.5, 0): S' clipped to 1 → unchanged
//	(0.4, 0.4, 0.4) sev 4 (2, 0.1): grey, hue 0, S' 0.1 → (0.4, 0.36, 0.36)
//	(0, 0, 0) sev 5: black stays black
func TestSaturateHand(t *testing.T) {
	tests := []struct {
		in   [3]float32
		sev  int
		want [3]float64
	}{
		{[3]float32{0.5, 0.25, 0}, 1, [3]float64{0.5, 0.425, 0.35}},
		{[3]float32{0.5, 0.25, 0}, 3, [3]float64{0.5, 0.25, 0}},
		{[3]float32{0.4, 0.4, 0.4}, 4, [3]float64{0.4, 0.36, 0.36}},
		{[3]float32{0, 0, 0}, 5, [3]float64{0, 0, 0}},
	}
	for _, tc := range tests {
		src := Image{C: 3, H: 1, W: 1, Pix: tc.in[:]}
		out := mustPerturb(t, "saturate", src, 1, tc.sev, 0)
		for c := range 3 {
			assert.InDelta(t, tc.want[c], float64(out.Pix[c]), 1e-6, "%v sev %d channel %d", tc.in, tc.sev, c)
		}
	}
	grey := Image{C: 1, H: 1, W: 2, Pix: []float32{0.3, 0.7}}
	assert.Equal(t, grey.Pix, mustPerturb(t, "saturate", grey, 1, 5, 0).Pix)
}

func TestSetNamesLeavesOutOptIn(t *testing.T) {
	set := SetNames(KindImage)
	assert.NotContains(t, set, "saturate")
	assert.NotContains(t, set, "speckle_noise")
	assert.Contains(t, set, "gaussian_noise")
	// The "image" set is exactly the 11 perturbations it held before the
	// opt-in ones were added, so existing suites keep their numbers.
	assert.Equal(t, []string{"brightness", "contrast", "defocus_blur", "gaussian_blur", "gaussian_noise", "impulse_noise",
		"jpeg_compression", "pixelate", "rotate", "shot_noise", "translate"}, set)
}

// TestSpeckleNoise: x + x·N(0, c²) with make_cifar_c.py's c = 0.06 … 0.2:
// black stays black and on a 0.5 image the noise has standard deviation
// 0.5·c (no clipping at these levels, 0.5 ± 5·0.1).
func TestSpeckleNoise(t *testing.T) {
	const n = 20000
	for sev, c := range speckleNoiseSigma {
		src := NewImage(1, 1, n)
		for i := range src.Pix {
			src.Pix[i] = 0.5
		}
		src.Pix[0] = 0
		out := mustPerturb(t, "speckle_noise", src, 7, sev+1, 0)
		assert.Equal(t, float32(0), out.Pix[0])
		var s, s2 float64
		for _, v := range out.Pix[1:] {
			d := float64(v) - 0.5
			s += d
			s2 += d * d
		}
		m := s / (n - 1)
		sd := math.Sqrt(s2/(n-1) - m*m)
		assert.InDelta(t, 0, m, 4*0.5*c/math.Sqrt(n), "sev %d mean", sev+1)
		assert.InDelta(t, 0.5*c, sd, 0.05*0.5*c, "sev %d sd", sev+1)
	}
}
