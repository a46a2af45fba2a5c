package robustness

import "math"

// The water branch of spatter shades the drops with OpenCV's edge
// pipeline (make_cifar_c.py / make_imagenet_c.py, spatter with c5 = 0):
// Canny edges of the 8-bit liquid layer, the distance to them
// (distanceTransform, DIST_L2 with the 5×5 mask), truncated at 20, box
// blurred, histogram-equalised, embossed and blurred again. Each step below
// follows OpenCV 4's definition, integer arithmetic and rounding included.

// u8 is an 8-bit plane.
type u8 = []uint8

// toU8 is numpy's astype(np.uint8) of non-negative floats: truncation,
// out-of-range values wrapping modulo 256 as the C conversion through an
// integer does on x86-64.
func toU8(v float64) uint8 {
	if v < 0 {
		return uint8(int64(v))
	}
	return uint8(uint64(v) & 0xff)
}

// roundU8 is OpenCV's saturate_cast<uchar> of a float: round half to even
// (cvRound), clipped to [0, 255].
func roundU8(v float64) uint8 {
	r := math.RoundToEven(v)
	if r < 0 {
		return 0
	}
	if r > 255 {
		return 255
	}
	return uint8(r)
}

// canny is cv2.Canny(img, low, high) with a 3×3 Sobel aperture
// (replicated border) and the L1 gradient |dx| + |dy|: non-maximum
// suppression along the gradient direction (sectors split at tan 22.5° and
// tan 67.5°, OpenCV's fixed-point test), then hysteresis: a candidate
// (magnitude > low) is an edge if it is 8-connected through candidates to
// a pixel whose magnitude exceeds high. Edges are 255, the rest 0.
func canny(img u8, h, w int, low, high int) u8 {
	at := func(y, x int) int { return int(img[clampIndex(y, h)*w+clampIndex(x, w)]) }
	dx, dy, mag := make([]int, h*w), make([]int, h*w), make([]int, h*w)
	for y := range h {
		for x := range w {
			gx := -at(y-1, x-1) + at(y-1, x+1) - 2*at(y, x-1) + 2*at(y, x+1) - at(y+1, x-1) + at(y+1, x+1)
			gy := -at(y-1, x-1) - 2*at(y-1, x) - at(y-1, x+1) + at(y+1, x-1) + 2*at(y+1, x) + at(y+1, x+1)
			i := y*w + x
			dx[i], dy[i] = gx, gy
			mag[i] = abs(gx) + abs(gy)
		}
	}
	m := func(y, x int) int { // zero outside the image, as OpenCV's padded buffer
		if y < 0 || y >= h || x < 0 || x >= w {
			return 0
		}
		return mag[y*w+x]
	}
	const shift = 15
	const tg22 = 13573 // int(tan(22.5°)·2^15 + 0.5)
	// 0: candidate, 1: not an edge, 2: edge.
	state := make([]uint8, h*w)
	var stack []int
	for y := range h {
		for x := range w {
			i := y*w + x
			state[i] = 1
			v := mag[i]
			if v <= low {
				continue
			}
			ax, ay := abs(dx[i]), abs(dy[i])<<shift
			t22 := ax * tg22
			keep := false
			if ay < t22 {
				keep = v > m(y, x-1) && v >= m(y, x+1)
			} else if t67 := t22 + (ax << (shift + 1)); ay > t67 {
				keep = v > m(y-1, x) && v >= m(y+1, x)
			} else {
				s := 1
				if (dx[i] ^ dy[i]) < 0 {
					s = -1
				}
				keep = v > m(y-1, x-s) && v > m(y+1, x+s)
			}
			if !keep {
				continue
			}
			state[i] = 0
			if v > high {
				state[i] = 2
				stack = append(stack, i)
			}
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		y, x := i/w, i%w
		for ny := y - 1; ny <= y+1; ny++ {
			for nx := x - 1; nx <= x+1; nx++ {
				if ny < 0 || ny >= h || nx < 0 || nx >= w {
					continue
				}
				if j := ny*w + nx; state[j] == 0 {
					state[j] = 2
					stack = append(stack, j)
				}
			}
		}
	}
	out := make(u8, h*w)
	for i, s := range state {
		if s == 2 {
			out[i] = 255
		}
	}
	return out
}

// distanceL2Mask5 is cv2.distanceTransform(img, DIST_L2, 5): for every
// non-zero pixel, the chamfer distance to the nearest zero pixel with the
// 5×5 mask's costs 1 (straight), 1.4 (diagonal) and 2.1969 (knight's move)
// in 16-bit fixed point, two raster passes; with no zero pixel every
// distance is (2^31−1)/4 / 2^16 ≈ 8192, as OpenCV's initial value.
func distanceL2Mask5(img u8, h, w int) []float64 {
	const (
		a    = 65536  // cvRound(1·2^16)
		b    = 91750  // cvRound(1.4·2^16)
		c    = 143976 // cvRound(2.1969·2^16)
		init = math.MaxInt32 >> 2
	)
	pw := w + 4
	t := make([]int, (h+4)*pw)
	for i := range t {
		t[i] = init
	}
	fwd := [8][3]int{{-2, -1, c}, {-2, 1, c}, {-1, -2, c}, {-1, -1, b}, {-1, 0, a}, {-1, 1, b}, {-1, 2, c}, {0, -1, a}}
	for y := range h {
		for x := range w {
			i := (y+2)*pw + x + 2
			if img[y*w+x] == 0 {
				t[i] = 0
				continue
			}
			d := init
			for _, o := range fwd {
				d = min(d, t[(y+2+o[0])*pw+x+2+o[1]]+o[2])
			}
			t[i] = d
		}
	}
	for y := h - 1; y >= 0; y-- {
		for x := w - 1; x >= 0; x-- {
			i := (y+2)*pw + x + 2
			d := t[i]
			if d == 0 {
				continue
			}
			for _, o := range fwd {
				d = min(d, t[(y+2-o[0])*pw+x+2-o[1]]+o[2])
			}
			t[i] = d
		}
	}
	out := make([]float64, h*w)
	for y := range h {
		for x := range w {
			out[y*w+x] = float64(float32(float64(t[(y+2)*pw+x+2]) * (1.0 / 65536)))
		}
	}
	return out
}

// boxBlur3 is cv2.blur(·, (3, 3)) on a float plane: the mean of the 3×3
// neighbourhood, reflect-101 border.
func boxBlur3(in []float64, h, w int) []float64 {
	out := make([]float64, h*w)
	for y := range h {
		for x := range w {
			var s float64
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					s += in[reflect101(y+dy, h)*w+reflect101(x+dx, w)]
				}
			}
			out[y*w+x] = float64(float32(s / 9))
		}
	}
	return out
}

// boxBlur3U8 is cv2.blur(·, (3, 3)) on an 8-bit plane: the integer sum of
// the 3×3 neighbourhood times 1/9, rounded (saturate_cast).
func boxBlur3U8(in u8, h, w int) u8 {
	out := make(u8, h*w)
	for y := range h {
		for x := range w {
			s := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					s += int(in[reflect101(y+dy, h)*w+reflect101(x+dx, w)])
				}
			}
			out[y*w+x] = roundU8(float64(s) * (1.0 / 9))
		}
	}
	return out
}

// equalizeHist is cv2.equalizeHist: with i the smallest value present and
// n the number of pixels, value v ≥ i maps to round(255·#{≤ v, > i}/(n −
// #{= i})); a constant image maps to its value.
func equalizeHist(in u8) u8 {
	var hist [256]int
	for _, v := range in {
		hist[v]++
	}
	i := 0
	for i < 255 && hist[i] == 0 {
		i++
	}
	out := make(u8, len(in))
	if hist[i] == len(in) {
		for k := range out {
			out[k] = uint8(i)
		}
		return out
	}
	scale := float32(255) / float32(len(in)-hist[i])
	var lut [256]uint8
	sum := 0
	for j := i + 1; j < 256; j++ {
		sum += hist[j]
		lut[j] = roundU8(float64(float32(sum) * scale))
	}
	for k, v := range in {
		out[k] = lut[v]
	}
	return out
}

// emboss is cv2.filter2D(img, CV_8U, [[-2,-1,0],[-1,1,1],[0,1,2]]):
// correlation with the kernel, reflect-101 border, rounded and clipped to
// 8 bits.
func emboss(in u8, h, w int) u8 {
	k := [3][3]int{{-2, -1, 0}, {-1, 1, 1}, {0, 1, 2}}
	out := make(u8, h*w)
	for y := range h {
		for x := range w {
			s := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					s += k[dy+1][dx+1] * int(in[reflect101(y+dy, h)*w+reflect101(x+dx, w)])
				}
			}
			out[y*w+x] = roundU8(float64(s))
		}
	}
	return out
}

// waterMask returns the water branch's per-pixel intensity m (before the
// colour): the 8-bit liquid layer L times the edge relief, normalised by
// its maximum and scaled by intensity; all zero when the product is.
func waterMask(liquid []float64, h, w int, intensity float64) []float64 {
	l8 := make(u8, h*w)
	for i, v := range liquid {
		l8[i] = toU8(v * 255)
	}
	edges := canny(l8, h, w, 50, 150)
	for i, v := range edges {
		edges[i] = 255 - v
	}
	dist := distanceL2Mask5(edges, h, w)
	for i, v := range dist {
		dist[i] = math.Min(v, 20)
	}
	dist = boxBlur3(dist, h, w)
	d8 := make(u8, h*w)
	for i, v := range dist {
		d8[i] = toU8(v)
	}
	d8 = boxBlur3U8(emboss(equalizeHist(d8), h, w), h, w)
	m := make([]float64, h*w)
	var mx float64
	for i := range m {
		m[i] = float64(float32(float64(l8[i]) * float64(d8[i])))
		mx = math.Max(mx, m[i])
	}
	for i := range m {
		if mx > 0 {
			m[i] = float64(float32(m[i]/mx)) * intensity
		} else {
			m[i] = 0
		}
	}
	return m
}
