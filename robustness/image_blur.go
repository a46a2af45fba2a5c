package robustness

import (
	"math"
)

// gaussianKernel1D returns a normalised 1-D Gaussian of standard deviation
// sigma truncated at radius int(4σ+0.5), as scipy.ndimage.gaussian_filter
// (used by skimage.filters.gaussian) with its default truncate=4.
func gaussianKernel1D(sigma float64) []float64 {
	r := int(4*sigma + 0.5)
	k := make([]float64, 2*r+1)
	var sum float64
	for i := -r; i <= r; i++ {
		w := math.Exp(-float64(i*i) / (2 * sigma * sigma))
		k[i+r] = w
		sum += w
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// clampIndex maps an out-of-range index to the nearest edge ("nearest"
// border, skimage.filters.gaussian's default).
func clampIndex(i, n int) int {
	if i < 0 {
		return 0
	}
	if i >= n {
		return n - 1
	}
	return i
}

// reflect101 maps an out-of-range index by reflection without repeating the
// edge (OpenCV BORDER_REFLECT_101: dcb|abcd|cba), the default of
// cv2.filter2D used by make_cifar_c.py's defocus_blur.
func reflect101(i, n int) int {
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - i
	}
	return i
}

// gaussianBlur filters each channel with a separable Gaussian of standard
// deviation σ (pixels), nearest border.
func gaussianBlur(dst, src Image, ps *sevParams, _ randSource) {
	k := ps.aux.([]float64)
	r := len(k) / 2
	h, w := src.H, src.W
	tmp, res := make([]float64, h*w), make([]float64, h*w)
	col, row := borderTables(h, w, r, clampIndex) // nearest
	for c := range src.C {
		out := dst.Pix[c*h*w : (c+1)*h*w]
		convolveSeparable(src.Pix[c*h*w:(c+1)*h*w], h, w, k, col, row, tmp, res)
		for i, v := range res {
			out[i] = clamp01(v)
		}
	}
}

// kernel2D is a square kernel of side 2*r+1, row-major.
type kernel2D struct {
	r int
	w []float64
}

// diskKernel builds make_cifar_c.py's disk(radius, alias_blur): the indicator
// of X²+Y² ≤ radius² on the grid -L..L with L = 8 (radius ≤ 8, as both
// reference scripts) or L = radius (ImageNet-C's radius 10), normalised to
// sum 1, then smoothed by a Gaussian of standard deviation alias with a 3×3
// window (5×5 when radius > 8), as cv2.GaussianBlur with its default
// reflect-101 border. The result is cropped to its non-zero support.
func diskKernel(radius, alias float64) kernel2D {
	L, taps := 8, 1
	if radius > 8 {
		L, taps = int(math.Ceil(radius)), 2
	}
	n := 2*L + 1
	disk := make([]float64, n*n)
	var sum float64
	for y := -L; y <= L; y++ {
		for x := -L; x <= L; x++ {
			if float64(x*x+y*y) <= radius*radius {
				disk[(y+L)*n+x+L] = 1
				sum++
			}
		}
	}
	for i := range disk {
		disk[i] /= sum
	}
	// Gaussian of 2·taps+1 taps, normalised (cv2.getGaussianKernel).
	g := make([]float64, 2*taps+1)
	var gs float64
	for j := -taps; j <= taps; j++ {
		g[j+taps] = math.Exp(-float64(j*j) / (2 * alias * alias))
		gs += g[j+taps]
	}
	for i := range g {
		g[i] /= gs
	}
	tmp, out := make([]float64, n*n), make([]float64, n*n)
	for y := range n {
		for x := range n {
			for j := -taps; j <= taps; j++ {
				tmp[y*n+x] += g[j+taps] * disk[y*n+reflect101(x+j, n)]
			}
		}
	}
	for y := range n {
		for x := range n {
			for j := -taps; j <= taps; j++ {
				out[y*n+x] += g[j+taps] * tmp[reflect101(y+j, n)*n+x]
			}
		}
	}
	// Crop to the support.
	r := 0
	for y := -L; y <= L; y++ {
		for x := -L; x <= L; x++ {
			if out[(y+L)*n+x+L] > 0 {
				r = max(r, abs(x), abs(y))
			}
		}
	}
	k := kernel2D{r: r, w: make([]float64, (2*r+1)*(2*r+1))}
	for y := -r; y <= r; y++ {
		for x := -r; x <= r; x++ {
			k.w[(y+r)*(2*r+1)+x+r] = out[(y+L)*n+x+L]
		}
	}
	return k
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// defocusBlur convolves each channel with the anti-aliased disk kernel
// (reflect-101 border).
func defocusBlur(dst, src Image, ps *sevParams, _ randSource) {
	k := ps.aux.(kernel2D)
	r, side := k.r, 2*k.r+1
	h, w := src.H, src.W
	// Border lookup tables: rowOff[y+r] = reflect101(y)·w, col[x+r] = reflect101(x).
	rowOff := make([]int, h+2*r)
	for i := range rowOff {
		rowOff[i] = reflect101(i-r, h) * w
	}
	col := make([]int, w+2*r)
	for i := range col {
		col[i] = reflect101(i-r, w)
	}
	for c := range src.C {
		in := src.Pix[c*h*w : (c+1)*h*w]
		out := dst.Pix[c*h*w : (c+1)*h*w]
		for y := range h {
			for x := range w {
				var acc float64
				for ky := range side {
					row := rowOff[y+ky]
					kr := k.w[ky*side : (ky+1)*side]
					cx := col[x : x+side]
					for kx, kv := range kr {
						acc += kv * float64(in[row+cx[kx]])
					}
				}
				out[y*w+x] = clamp01(acc)
			}
		}
	}
}
