package robustness

import (
	"math"
)

// rotate turns the image about its centre by ±θ degrees (sign drawn with
// equal chance) with bilinear interpolation; points that fall outside the
// source read as 0 (black), the background of MNIST-style images.
func rotate(dst, src Image, ps *sevParams, rng randSource) {
	deg := ps.c[0]
	if rng.IntN(2) == 0 {
		deg = -deg
	}
	sin, cos := math.Sincos(deg * math.Pi / 180)
	h, w := src.H, src.W
	cy, cx := float64(h-1)/2, float64(w-1)/2
	for c := range src.C {
		in := src.Pix[c*h*w : (c+1)*h*w]
		out := dst.Pix[c*h*w : (c+1)*h*w]
		at := func(y, x int) float64 {
			if y < 0 || y >= h || x < 0 || x >= w {
				return 0
			}
			return float64(in[y*w+x])
		}
		for y := range h {
			for x := range w {
				// Inverse map: rotate the output coordinate by −θ.
				dy, dx := float64(y)-cy, float64(x)-cx
				sx := cos*dx + sin*dy + cx
				sy := -sin*dx + cos*dy + cy
				x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
				fx, fy := sx-float64(x0), sy-float64(y0)
				v := (1-fy)*((1-fx)*at(y0, x0)+fx*at(y0, x0+1)) +
					fy*((1-fx)*at(y0+1, x0)+fx*at(y0+1, x0+1))
				out[y*w+x] = clamp01(v)
			}
		}
	}
}

// translate shifts the image by (dx, dy) = round(d·(cos φ, sin φ)) pixels,
// φ uniform in [0, 2π); uncovered pixels become 0.
func translate(dst, src Image, ps *sevParams, rng randSource) {
	d := ps.c[0]
	phi := 2 * math.Pi * rng.Float64()
	ox := int(math.Round(d * math.Cos(phi)))
	oy := int(math.Round(d * math.Sin(phi)))
	h, w := src.H, src.W
	for c := range src.C {
		in := src.Pix[c*h*w : (c+1)*h*w]
		out := dst.Pix[c*h*w : (c+1)*h*w]
		for y := range h {
			for x := range w {
				sy, sx := y-oy, x-ox
				if sy < 0 || sy >= h || sx < 0 || sx >= w {
					out[y*w+x] = 0
				} else {
					out[y*w+x] = in[sy*w+sx]
				}
			}
		}
	}
}
