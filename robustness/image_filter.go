package robustness

import "math"

// Helpers shared by the ImageNet-C corruptions: float64 planes, Gaussian
// filtering with scipy's borders and truncation, and scipy-style zoom.

// plane returns channel c of m as float64.
func plane(m Image, c int) []float64 {
	n := m.H * m.W
	out := make([]float64, n)
	for i, v := range m.Pix[c*n : (c+1)*n] {
		out[i] = float64(v)
	}
	return out
}

// reflectHalf maps an out-of-range index by half-sample symmetric
// reflection (scipy.ndimage mode "reflect": dcba|abcd|dcba).
func reflectHalf(i, n int) int {
	period := 2 * n
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - 1 - i
	}
	return i
}

// gaussianFilter smooths an h×w plane with a separable Gaussian of standard
// deviation sigma truncated at radius int(truncate·σ + 0.5), with border
// rule border, as scipy.ndimage.gaussian_filter (and skimage.filters.
// gaussian, which calls it). sigma ≤ 1e-15 leaves the plane unchanged, as
// scipy does.
func gaussianFilter(in []float64, h, w int, sigma, truncate float64, border func(i, n int) int) []float64 {
	out := make([]float64, len(in))
	if sigma <= 1e-15 {
		copy(out, in)
		return out
	}
	r := int(truncate*sigma + 0.5)
	k := make([]float64, 2*r+1)
	var sum float64
	for i := -r; i <= r; i++ {
		k[i+r] = math.Exp(-0.5 * float64(i*i) / (sigma * sigma))
		sum += k[i+r]
	}
	for i := range k {
		k[i] /= sum
	}
	col, row := borderTables(h, w, r, border)
	convolveSeparable(in, h, w, k, col, row, make([]float64, len(in)), out)
	return out
}

// borderTables are the border lookup tables of a separable filter of
// radius r on an h×w plane: col[x+j] is the column of tap j at x and
// row[y+j] the offset of the row of tap j at y, under rule border.
func borderTables(h, w, r int, border func(i, n int) int) (col, row []int) {
	col = make([]int, w+2*r)
	for i := range col {
		col[i] = border(i-r, w)
	}
	row = make([]int, h+2*r)
	for i := range row {
		row[i] = border(i-r, h) * w
	}
	return col, row
}

// convolveSeparable filters the h×w plane in with kernel k along rows, then
// along columns (tmp holds the first pass), into out, summing in float64
// in tap order.
func convolveSeparable[T float32 | float64](in []T, h, w int, k []float64, col, row []int, tmp, out []float64) {
	for y := range h {
		line := in[y*w : (y+1)*w]
		for x := range w {
			var acc float64
			cx := col[x : x+len(k)]
			for j, kv := range k {
				acc += kv * float64(line[cx[j]])
			}
			tmp[y*w+x] = acc
		}
	}
	for y := range h {
		ry := row[y : y+len(k)]
		for x := range w {
			var acc float64
			for j, kv := range k {
				acc += kv * tmp[ry[j]+x]
			}
			out[y*w+x] = acc
		}
	}
}

// roundHalfEven is Python's round.
func roundHalfEven(x float64) int { return int(math.RoundToEven(x)) }

// zoomAxis returns, for scipy.ndimage.zoom with order=1 (grid_mode False)
// of an axis of n samples to m, the left sample and weight of each output
// sample: output o reads input coordinate o·(n−1)/(m−1) by linear
// interpolation.
func zoomAxis(n, m int) (lo []int, frac []float64) {
	lo, frac = make([]int, m), make([]float64, m)
	if m == 1 || n == 1 {
		return lo, frac
	}
	scale := float64(n-1) / float64(m-1)
	for o := range m {
		c := float64(o) * scale
		i := int(math.Floor(c))
		if i >= n-1 {
			i = n - 2
		}
		lo[o], frac[o] = i, c-float64(i)
	}
	return lo, frac
}

// clippedZoom is make_cifar_c.py's clipped_zoom of one h×w plane, applied
// per axis: crop the central ceil(n/z) samples (offset (n − ceil(n/z))//2),
// zoom them by z with scipy.ndimage.zoom (order 1; output size
// round(ceil(n/z)·z), Python rounding) and keep n samples from offset
// (size − n)//2. The reference crops a square with the height's offsets;
// for a square image the two agree.
func clippedZoom(in []float64, h, w int, z float64) []float64 {
	axis := func(n int) (start []int, lo []int, frac []float64) {
		ch := int(math.Ceil(float64(n) / z))
		top := (n - ch) / 2
		m := roundHalfEven(float64(ch) * z)
		trim := (m - n) / 2
		l, f := zoomAxis(ch, m)
		start = make([]int, n)
		lo, frac = make([]int, n), make([]float64, n)
		for i := range n {
			lo[i], frac[i] = top+l[trim+i], f[trim+i]
			start[i] = top
		}
		return start, lo, frac
	}
	_, ylo, yf := axis(h)
	_, xlo, xf := axis(w)
	at := func(y, x int) float64 { return in[min(y, h-1)*w+min(x, w-1)] }
	out := make([]float64, h*w)
	for y := range h {
		for x := range w {
			y0, x0 := ylo[y], xlo[x]
			a := (1-xf[x])*at(y0, x0) + xf[x]*at(y0, x0+1)
			b := (1-xf[x])*at(y0+1, x0) + xf[x]*at(y0+1, x0+1)
			out[y*w+x] = (1-yf[y])*a + yf[y]*b
		}
	}
	return out
}

// motionBlurPlane is ImageMagick's MotionBlurImage (MagickCore/effect.c) on
// one plane: a one-sided kernel of width 2·⌈radius⌉+1 with weights ∝
// exp(−i²/(2σ²)), i = 0…width−1, normalised; tap i reads the pixel at
// offset (⌈i·cos θ − ½⌉, ⌈i·sin θ − ½⌉) (x right, y down), edge pixels
// repeated beyond the border (ImageMagick's default virtual pixels).
func motionBlurPlane(in []float64, h, w int, radius, sigma, angleDeg float64) []float64 {
	width := 2*int(math.Ceil(radius)) + 1
	k := make([]float64, width)
	var sum float64
	for i := range k {
		k[i] = math.Exp(-float64(i*i) / (2 * sigma * sigma))
		sum += k[i]
	}
	px := float64(width) * math.Sin(angleDeg*math.Pi/180)
	py := float64(width) * math.Cos(angleDeg*math.Pi/180)
	hyp := math.Hypot(px, py)
	ox, oy := make([]int, width), make([]int, width)
	for i := range k {
		k[i] /= sum
		ox[i] = int(math.Ceil(float64(i)*py/hyp - 0.5))
		oy[i] = int(math.Ceil(float64(i)*px/hyp - 0.5))
	}
	out := make([]float64, h*w)
	for y := range h {
		for x := range w {
			var acc float64
			for i, kv := range k {
				acc += kv * in[clampIndex(y+oy[i], h)*w+clampIndex(x+ox[i], w)]
			}
			out[y*w+x] = acc
		}
	}
	return out
}

// plasmaFractal is make_cifar_c.py's plasma_fractal (diamond-square, after
// FLHerne's mapgen) on an n×n map, n a power of two, with values in [0, 1].
// Every midpoint is the mean of its four neighbours (wrapping around) plus
// wibble·U(−wibble, wibble), uniforms drawn row-major per pass, squares
// before diamonds; wibble starts at 100 and is divided by decay at each
// halving of the step.
func plasmaFractal(n int, decay float64, rng randSource) []float64 {
	m := make([]float64, n*n)
	at := func(y, x int) float64 { return m[((y%n+n)%n)*n+(x%n+n)%n] }
	wibble := 100.0
	noise := func() float64 { return wibble * (-wibble + 2*wibble*rng.Float64()) }
	for step := n; step >= 2; step /= 2 {
		half := step / 2
		// Squares: centre of each step×step square.
		for y := half; y < n; y += step {
			for x := half; x < n; x += step {
				s := at(y-half, x-half) + at(y+half, x-half) + at(y-half, x+half) + at(y+half, x+half)
				m[y*n+x] = s/4 + noise()
			}
		}
		// Diamonds: first the points (y on the corner rows, x between
		// corners), then (y between corners, x on the corner columns).
		for y := 0; y < n; y += step {
			for x := half; x < n; x += step {
				s := at(y+half, x) + at(y-half, x) + at(y, x-half) + at(y, x+half)
				m[y*n+x] = s/4 + noise()
			}
		}
		for y := half; y < n; y += step {
			for x := 0; x < n; x += step {
				s := at(y, x+half) + at(y, x-half) + at(y-half, x) + at(y+half, x)
				m[y*n+x] = s/4 + noise()
			}
		}
		wibble /= decay
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range m {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	for i := range m {
		m[i] -= lo
		if hi > lo {
			m[i] /= hi - lo
		}
	}
	return m
}

// nextPow2 returns the smallest power of two ≥ n.
func nextPow2(n int) int {
	p := 1
	for p < n {
		p *= 2
	}
	return p
}
