package robustness

import (
	"math"
)

// Parameters of the CIFAR-10-C corruptions added for peer parity (issue
// 14.7), from make_cifar_c.py (Hendrycks & Dietterich 2019).
var (
	// speckleNoiseSigma is speckle_noise's c: x + x·N(0, c²).
	speckleNoiseSigma = [MaxSeverity]float64{0.06, 0.1, 0.12, 0.16, 0.2}
	// saturateScale and saturateShift are saturate's c = (scale, shift):
	// HSV saturation s → clip(s·scale + shift, 0, 1).
	saturateScale = [MaxSeverity]float64{0.3, 0.1, 1.5, 2, 2.5}
	saturateShift = [MaxSeverity]float64{0, 0, 0, 0.1, 0.2}
)

// ImageNet-C's values (make_imagenet_c.py).
var (
	speckleNoiseSigmaIN = [MaxSeverity]float64{0.15, 0.2, 0.35, 0.45, 0.6}
	saturateScaleIN     = [MaxSeverity]float64{0.3, 0.1, 2, 5, 20}
	saturateShiftIN     = [MaxSeverity]float64{0, 0, 0, 0.1, 0.2}
)

func init() {
	registerImage("speckle_noise", true, speckleNoise, newParams("sigma=%g", nil, col(speckleNoiseSigma)), newParams("sigma=%g", nil, col(speckleNoiseSigmaIN)))
	registerImage("saturate", true, saturate, newParams("scale=%g shift=%g", nil, cols(saturateScale, saturateShift)),
		newParams("scale=%g shift=%g", nil, cols(saturateScaleIN, saturateShiftIN)))
}

// speckleNoise: x + x·N(0, σ²), clipped to [0, 1] (multiplicative noise, so
// black stays black).
func speckleNoise(dst, src Image, ps *sevParams, rng randSource) {
	sigma := ps.c[0]
	for i, v := range src.Pix {
		x := float64(v)
		dst.Pix[i] = clamp01(x + x*sigma*rng.NormFloat64())
	}
}

// saturate scales the HSV saturation of each RGB pixel, keeping hue and
// value, as make_cifar_c.py with skimage's rgb2hsv/hsv2rgb: with V the
// largest channel and S = (V − min)/V, every channel becomes
// V − (V − x)·S'/S where S' = clip(S·scale + shift, 0, 1). A grey pixel
// (S = 0) has hue 0 in skimage, so it becomes (V, V(1−S'), V(1−S')); a
// black one stays black. Images that are not 3-channel have no saturation
// and pass unchanged.
func saturate(dst, src Image, ps *sevParams, _ randSource) {
	if src.C != 3 {
		copy(dst.Pix, src.Pix)
		return
	}
	scale, shift := ps.c[0], ps.c[1]
	n := src.H * src.W
	r, g, b := src.Pix[:n], src.Pix[n:2*n], src.Pix[2*n:]
	dr, dg, db := dst.Pix[:n], dst.Pix[n:2*n], dst.Pix[2*n:]
	for i := range n {
		rv, gv, bv := float64(r[i]), float64(g[i]), float64(b[i])
		v := math.Max(rv, math.Max(gv, bv))
		lo := math.Min(rv, math.Min(gv, bv))
		if v <= 0 {
			dr[i], dg[i], db[i] = 0, 0, 0
			continue
		}
		sat := (v - lo) / v
		ns := math.Min(math.Max(sat*scale+shift, 0), 1)
		if sat == 0 {
			grey := clamp01(v * (1 - ns))
			dr[i], dg[i], db[i] = clamp01(v), grey, grey
			continue
		}
		f := ns / sat
		dr[i], dg[i], db[i] = clamp01(v-(v-rv)*f), clamp01(v-(v-gv)*f), clamp01(v-(v-bv)*f)
	}
}

// optIn lists perturbations left out of a kind's whole set (SetNames): they
// run only when a suite names them, so that adding them changes no existing
// suite's numbers (mean_corrupted, mCE).
var optIn = map[string]bool{"speckle_noise": true, "saturate": true}

// SetNames returns the perturbations a suite's whole-kind set ("image",
// "tabular", "text") stands for: Names(k) without the opt-in ones
// (speckle_noise, saturate), sorted.
func SetNames(k Kind) []string {
	var out []string
	for _, n := range Names(k) {
		if !optIn[n] {
			out = append(out, n)
		}
	}
	return out
}
