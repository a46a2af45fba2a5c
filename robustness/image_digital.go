package robustness

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
)

// brightness raises the HSV value channel by c (clipped to 1) keeping hue
// and saturation, as make_cifar_c.py. For 3 channels (RGB) the pixel is
// scaled by V'/V with V = max(r,g,b) and V' = min(V+c, 1) (a black pixel
// becomes grey V'); for any other channel count each channel is treated as
// a grey value: x' = min(x+c, 1).
func brightness(dst, src Image, ps *sevParams, _ randSource) {
	c := ps.c[0]
	if src.C != 3 {
		for i, v := range src.Pix {
			dst.Pix[i] = clamp01(float64(v) + c)
		}
		return
	}
	n := src.H * src.W
	r, g, b := src.Pix[:n], src.Pix[n:2*n], src.Pix[2*n:]
	dr, dg, db := dst.Pix[:n], dst.Pix[n:2*n], dst.Pix[2*n:]
	for i := range n {
		rv, gv, bv := float64(r[i]), float64(g[i]), float64(b[i])
		v := math.Max(rv, math.Max(gv, bv))
		nv := math.Min(v+c, 1)
		if v == 0 {
			dr[i], dg[i], db[i] = float32(nv), float32(nv), float32(nv)
			continue
		}
		f := nv / v
		dr[i], dg[i], db[i] = clamp01(rv*f), clamp01(gv*f), clamp01(bv*f)
	}
}

// contrast moves each value towards its channel mean m: (x−m)·c + m.
func contrast(dst, src Image, ps *sevParams, _ randSource) {
	c := ps.c[0]
	n := src.H * src.W
	for ch := range src.C {
		in := src.Pix[ch*n : (ch+1)*n]
		var sum float64
		for _, v := range in {
			sum += float64(v)
		}
		m := sum / float64(n)
		out := dst.Pix[ch*n : (ch+1)*n]
		for i, v := range in {
			out[i] = clamp01((float64(v)-m)*c + m)
		}
	}
}

// boxWeights returns, for each of the m output pixels on an axis of n
// input pixels, the input pixels it averages and their weights, as Pillow's
// Image.resize with the BOX filter: with scale = n/m, support =
// max(scale,1)/2 and centre = (i+0.5)·scale, input pixel j gets weight 1
// when (j + 0.5 − centre)/max(scale,1) lies in (−0.5, 0.5], then the weights
// are normalised. Downsampling thus averages the input pixels whose centres
// fall in the output pixel (each input pixel counts once); upsampling
// repeats the nearest input pixel.
func boxWeights(n, m int) (idx [][]int, wt [][]float64) {
	idx = make([][]int, m)
	wt = make([][]float64, m)
	scale := float64(n) / float64(m)
	fs := math.Max(scale, 1)
	support := 0.5 * fs
	for i := range m {
		center := (float64(i) + 0.5) * scale
		lo := max(int(center-support+0.5), 0)
		hi := min(int(center+support+0.5), n)
		for j := lo; j < hi; j++ {
			if x := (float64(j) + 0.5 - center) / fs; x > -0.5 && x <= 0.5 {
				idx[i] = append(idx[i], j)
			}
		}
		for range idx[i] {
			wt[i] = append(wt[i], 1/float64(len(idx[i])))
		}
	}
	return idx, wt
}

// resampleBox resizes one h×w plane to h2×w2 with boxWeights.
func resampleBox(in []float64, h, w int, out []float64, h2, w2 int) {
	xi, xw := boxWeights(w, w2)
	yi, yw := boxWeights(h, h2)
	tmp := make([]float64, h*w2)
	for y := range h {
		for x := range w2 {
			var acc float64
			for k, j := range xi[x] {
				acc += xw[x][k] * in[y*w+j]
			}
			tmp[y*w2+x] = acc
		}
	}
	for y := range h2 {
		for x := range w2 {
			var acc float64
			for k, j := range yi[y] {
				acc += yw[y][k] * tmp[j*w2+x]
			}
			out[y*w2+x] = acc
		}
	}
}

// pixelate downsamples each channel to int(H·c)×int(W·c) and back with
// Pillow's BOX resampling, as make_cifar_c.py.
func pixelate(dst, src Image, ps *sevParams, _ randSource) {
	f := ps.c[0]
	h, w := src.H, src.W
	h2, w2 := max(1, int(float64(h)*f)), max(1, int(float64(w)*f))
	plane := make([]float64, h*w)
	small := make([]float64, h2*w2)
	for c := range src.C {
		for i, v := range src.Pix[c*h*w : (c+1)*h*w] {
			plane[i] = float64(v)
		}
		resampleBox(plane, h, w, small, h2, w2)
		resampleBox(small, h2, w2, plane, h, w)
		out := dst.Pix[c*h*w : (c+1)*h*w]
		for i, v := range plane {
			out[i] = clamp01(v)
		}
	}
}

func toByte(v float32) uint8 { return uint8(math.Round(float64(v) * 255)) }

// jpegCompression round-trips the image through baseline JPEG at the given
// quality with the standard library's encoder (IJG quality scaling of the
// Annex K quantisation tables; 4:2:0 chroma subsampling for colour). Three
// channels are encoded as one RGB image; any other channel count as one
// greyscale JPEG per channel. Values are quantised to 8 bits (round(x·255))
// on the way in and divided by 255 on the way out.
func jpegCompression(dst, src Image, ps *sevParams, _ randSource) {
	q := int(ps.c[0])
	h, w := src.H, src.W
	n := h * w
	var buf bytes.Buffer
	if src.C == 3 {
		im := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range n {
			im.Pix[4*i] = toByte(src.Pix[i])
			im.Pix[4*i+1] = toByte(src.Pix[n+i])
			im.Pix[4*i+2] = toByte(src.Pix[2*n+i])
			im.Pix[4*i+3] = 255
		}
		if err := jpeg.Encode(&buf, im, &jpeg.Options{Quality: q}); err != nil {
			copy(dst.Pix, src.Pix) // cannot happen for an in-memory RGBA image
			return
		}
		dec, err := jpeg.Decode(&buf)
		if err != nil {
			copy(dst.Pix, src.Pix)
			return
		}
		for y := range h {
			for x := range w {
				var r, g, b uint8
				switch d := dec.(type) {
				case *image.YCbCr:
					yi, ci := d.YOffset(x, y), d.COffset(x, y)
					r, g, b = color.YCbCrToRGB(d.Y[yi], d.Cb[ci], d.Cr[ci])
				default:
					rr, gg, bb, _ := dec.At(x, y).RGBA()
					r, g, b = uint8(rr>>8), uint8(gg>>8), uint8(bb>>8)
				}
				i := y*w + x
				dst.Pix[i], dst.Pix[n+i], dst.Pix[2*n+i] = float32(r)/255, float32(g)/255, float32(b)/255
			}
		}
		return
	}
	im := image.NewGray(image.Rect(0, 0, w, h))
	for c := range src.C {
		for i, v := range src.Pix[c*n : (c+1)*n] {
			im.Pix[i] = toByte(v)
		}
		buf.Reset()
		out := dst.Pix[c*n : (c+1)*n]
		if err := jpeg.Encode(&buf, im, &jpeg.Options{Quality: q}); err != nil {
			copy(out, src.Pix[c*n:(c+1)*n])
			continue
		}
		dec, err := jpeg.Decode(&buf)
		if err != nil {
			copy(out, src.Pix[c*n:(c+1)*n])
			continue
		}
		g, ok := dec.(*image.Gray)
		for y := range h {
			for x := range w {
				var v uint8
				if ok {
					v = g.Pix[g.PixOffset(x, y)]
				} else {
					v = color.GrayModel.Convert(dec.At(x, y)).(color.Gray).Y
				}
				out[y*w+x] = float32(v) / 255
			}
		}
	}
}
