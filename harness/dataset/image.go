package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evalctl/evalctl/harness/inputerr"
)

// Image modes accepted by ImageSpec.Mode.
const (
	ImageRGB       = "rgb"
	ImageGrayscale = "grayscale"
)

// ImageSpec turns a column of image paths or encoded image bytes into an
// Array column of shape [H, W, C] holding 8-bit pixel values as float32 in
// [0, 255] (C is 3 for RGB, 1 for grayscale), the layout of
// numpy.asarray(PIL.Image). Scale, mean/std normalisation and the CHW
// layout are the features' job (FeatureSpec), as with any array column.
//
// The steps follow a torchvision pipeline on PIL images:
//
//	img = Image.open(path).convert("RGB")   # or .convert("L"): Mode
//	img = transforms.Resize(resize)(img)     # bilinear, antialiased (PIL)
//	img = transforms.CenterCrop(crop)(img)
//
// Resize is PIL's bilinear resampling with its antialiasing (the filter
// widens by the downscaling factor), in PIL's 8-bit fixed-point arithmetic,
// which is what torchvision's Resize does to a PIL image (and to a tensor
// with antialias=True, the default since torchvision 0.17). PNG pixels match
// PIL exactly; JPEG pixels come from Go's image/jpeg decoder, which differs
// from libjpeg by a few levels (nearest rather than "fancy" chroma
// upsampling, a different inverse DCT).
type ImageSpec struct {
	// Column holds the image: a file path (relative paths are resolved
	// against Base) or the encoded bytes of a PNG or JPEG (as the "bytes"
	// field of a Hugging Face Image feature). Default "image".
	Column string
	// Mode is ImageRGB (default) or ImageGrayscale (PIL's "L": ITU-R 601-2
	// luma, L = (19595 R + 38470 G + 7471 B + 2^15) >> 16).
	Mode string
	// Resize is empty (no resize), [s] (the shorter side becomes s, the
	// longer one int(s · long / short), as torchvision's Resize(s)), or
	// [h, w].
	Resize []int
	// CenterCrop is empty, [s] (an s × s crop) or [h, w]. The crop offset
	// is round((H − h) / 2) with Python's round-half-to-even, as
	// torchvision; an image smaller than the crop is padded with zeros.
	CenterCrop []int
	// Base is the folder relative paths are resolved against (default: the
	// folder of the data file).
	Base string
}

// imageMagic tells encoded PNG and JPEG bytes from a path.
func imageMagic(s string) string {
	switch {
	case strings.HasPrefix(s, "\x89PNG\r\n\x1a\n"):
		return "png"
	case strings.HasPrefix(s, "\xff\xd8\xff"):
		return "jpeg"
	}
	return ""
}

// maxImagePixels bounds the size of a decoded image, so that a hostile
// header cannot make evalctl allocate gigabytes: PIL's own limit (twice
// Image.MAX_IMAGE_PIXELS, where it raises DecompressionBombError).
var maxImagePixels int64 = 2 * 89478485

// pixels is an 8-bit image, row-major with c interleaved channels.
type pixels struct {
	w, h, c int
	pix     []uint8
}

// decodeImage decodes PNG or JPEG bytes into 8-bit RGB (c = 3), following
// PIL's convert("RGB"): alpha is dropped (not composited), gray is
// replicated, 16-bit samples keep their high byte.
func decodeImage(data []byte) (*pixels, error) {
	var (
		img image.Image
		cfg image.Config
		err error
	)
	kind := imageMagic(string(data[:min(len(data), 8)]))
	switch kind {
	case "png":
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	default:
		return nil, errors.New("not a PNG or JPEG image")
	}
	if err != nil {
		return nil, err
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, fmt.Errorf("image of %d×%d pixels is larger than the limit of %d pixels", cfg.Width, cfg.Height, maxImagePixels)
	}
	if kind == "png" {
		img, err = png.Decode(bytes.NewReader(data))
	} else {
		img, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("empty image (%d×%d)", w, h)
	}
	p := &pixels{w: w, h: h, c: 3, pix: make([]uint8, w*h*3)}
	i := 0
	switch m := img.(type) {
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[(y-b.Min.Y)*m.Stride:]
			for x := 0; x < w; x++ {
				g := row[x]
				p.pix[i], p.pix[i+1], p.pix[i+2] = g, g, g
				i += 3
			}
		}
	case *image.NRGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[(y-b.Min.Y)*m.Stride:]
			for x := 0; x < w; x++ {
				copy(p.pix[i:i+3], row[4*x:4*x+3])
				i += 3
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
				p.pix[i], p.pix[i+1], p.pix[i+2] = uint8(c.R>>8), uint8(c.G>>8), uint8(c.B>>8)
				i += 3
			}
		}
	}
	return p, nil
}

// grayscale converts RGB to PIL's "L" mode.
func (p *pixels) grayscale() *pixels {
	out := &pixels{w: p.w, h: p.h, c: 1, pix: make([]uint8, p.w*p.h)}
	for i := range out.pix {
		r, g, b := uint32(p.pix[3*i]), uint32(p.pix[3*i+1]), uint32(p.pix[3*i+2])
		out.pix[i] = uint8((r*19595 + g*38470 + b*7471 + 0x8000) >> 16)
	}
	return out
}

// pilPrecision is PIL's fixed-point precision for 8-bit resampling
// (PRECISION_BITS in libImaging/Resample.c).
const pilPrecision = 32 - 8 - 2

// resampleCoeffs computes PIL's bilinear coefficients for resizing inSize
// samples to outSize: for each output sample, the first input sample, the
// number of inputs, and fixed-point weights.
func resampleCoeffs(inSize, outSize int) (bounds []int, kk []int32, ksize int) {
	scale := float64(inSize) / float64(outSize)
	filterscale := max(scale, 1)
	support := 1.0 * filterscale // the bilinear (triangle) filter's support is 1
	ksize = int(math.Ceil(support))*2 + 1
	bounds = make([]int, 2*outSize)
	kk = make([]int32, outSize*ksize)
	w := make([]float64, ksize)
	for xx := 0; xx < outSize; xx++ {
		center := (float64(xx) + 0.5) * scale
		ss := 1 / filterscale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize) - xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			t := math.Abs((float64(x+xmin) - center + 0.5) * ss)
			v := 0.0
			if t < 1 {
				v = 1 - t
			}
			w[x] = v
			ww += v
		}
		for x := 0; x < ksize; x++ {
			v := 0.0
			if x < xmax && ww != 0 {
				v = w[x] / ww
			}
			if v < 0 {
				kk[xx*ksize+x] = int32(-0.5 + v*(1<<pilPrecision))
			} else {
				kk[xx*ksize+x] = int32(0.5 + v*(1<<pilPrecision))
			}
		}
		bounds[2*xx], bounds[2*xx+1] = xmin, xmax
	}
	return bounds, kk, ksize
}

func clip8(v int64) uint8 {
	v >>= pilPrecision
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// resize resamples p to w × h as PIL's Image.resize(BILINEAR): a
// horizontal pass, then a vertical one, each rounding to 8 bits, and only
// the passes whose size changes.
func (p *pixels) resize(w, h int) *pixels {
	cur := p
	if w != p.w {
		bounds, kk, ksize := resampleCoeffs(p.w, w)
		out := &pixels{w: w, h: p.h, c: p.c, pix: make([]uint8, w*p.h*p.c)}
		for y := 0; y < p.h; y++ {
			in := p.pix[y*p.w*p.c:]
			o := out.pix[y*w*p.c:]
			for xx := 0; xx < w; xx++ {
				xmin, xmax := bounds[2*xx], bounds[2*xx+1]
				k := kk[xx*ksize:]
				for ch := 0; ch < p.c; ch++ {
					ss := int64(1) << (pilPrecision - 1)
					for x := 0; x < xmax; x++ {
						ss += int64(in[(x+xmin)*p.c+ch]) * int64(k[x])
					}
					o[xx*p.c+ch] = clip8(ss)
				}
			}
		}
		cur = out
	}
	if h != cur.h {
		bounds, kk, ksize := resampleCoeffs(cur.h, h)
		out := &pixels{w: cur.w, h: h, c: cur.c, pix: make([]uint8, cur.w*h*cur.c)}
		stride := cur.w * cur.c
		for yy := 0; yy < h; yy++ {
			ymin, ymax := bounds[2*yy], bounds[2*yy+1]
			k := kk[yy*ksize:]
			o := out.pix[yy*stride:]
			for i := 0; i < stride; i++ {
				ss := int64(1) << (pilPrecision - 1)
				for y := 0; y < ymax; y++ {
					ss += int64(cur.pix[(y+ymin)*stride+i]) * int64(k[y])
				}
				o[i] = clip8(ss)
			}
		}
		cur = out
	}
	return cur
}

// centerCrop crops the h × w centre as torchvision's CenterCrop, padding
// with zeros first where the image is smaller than the crop.
func (p *pixels) centerCrop(w, h int) *pixels {
	if w > p.w || h > p.h {
		pw, ph := max(w, p.w), max(h, p.h)
		left, top := 0, 0
		if w > p.w {
			left = (w - p.w) / 2
		}
		if h > p.h {
			top = (h - p.h) / 2
		}
		padded := &pixels{w: pw, h: ph, c: p.c, pix: make([]uint8, pw*ph*p.c)}
		for y := 0; y < p.h; y++ {
			copy(padded.pix[((y+top)*pw+left)*p.c:], p.pix[y*p.w*p.c:(y+1)*p.w*p.c])
		}
		p = padded
	}
	top := int(math.RoundToEven(float64(p.h-h) / 2))
	left := int(math.RoundToEven(float64(p.w-w) / 2))
	out := &pixels{w: w, h: h, c: p.c, pix: make([]uint8, w*h*p.c)}
	for y := 0; y < h; y++ {
		copy(out.pix[y*w*p.c:(y+1)*w*p.c], p.pix[((y+top)*p.w+left)*p.c:])
	}
	return out
}

// resizeTarget returns the size torchvision's Resize(size) gives a w × h
// image.
func resizeTarget(size []int, w, h int) (int, int) {
	switch len(size) {
	case 1:
		s := size[0]
		if w <= h {
			return s, int(float64(s) * float64(h) / float64(w))
		}
		return int(float64(s) * float64(w) / float64(h)), s
	case 2:
		return size[1], size[0]
	}
	return w, h
}

// cropSize returns the crop's width and height.
func cropSize(crop []int) (int, int) {
	if len(crop) == 1 {
		return crop[0], crop[0]
	}
	return crop[1], crop[0]
}

// checkImageSpec validates an ImageSpec and fills in its defaults.
func checkImageSpec(s *ImageSpec) error {
	if s.Column == "" {
		s.Column = "image"
	}
	switch s.Mode {
	case "":
		s.Mode = ImageRGB
	case ImageRGB, ImageGrayscale:
	default:
		return fmt.Errorf("image: unknown mode %q (expected %q or %q)", s.Mode, ImageRGB, ImageGrayscale)
	}
	for _, x := range []struct {
		what string
		v    []int
	}{{"resize", s.Resize}, {"center_crop", s.CenterCrop}} {
		if len(x.v) > 2 {
			return fmt.Errorf("image: %s %v: expected [size] or [height, width]", x.what, x.v)
		}
		for _, n := range x.v {
			if n < 1 || n > 1<<14 {
				return fmt.Errorf("image: %s %v: sizes must be in 1..16384", x.what, x.v)
			}
		}
	}
	return nil
}

// imageReader decodes one column of another reader into images.
type imageReader struct {
	Reader
	spec  ImageSpec
	col   int
	cols  []Column
	rec   Record
	err   error
	first *Record // the first record, decoded at open to learn the shape
}

// withImages wraps r so that spec.Column holds decoded images. The shape of
// the column is fixed: set by CenterCrop or Resize [h, w], otherwise by the
// first image; an image of another shape is an error naming it.
func withImages(r Reader, spec ImageSpec, dataFile string) (Reader, error) {
	if err := checkImageSpec(&spec); err != nil {
		return nil, err
	}
	if spec.Base == "" {
		spec.Base = filepath.Dir(dataFile)
	}
	cols := slices.Clone(r.Columns())
	col, err := findColumn(cols, spec.Column, "image")
	if err != nil {
		return nil, err
	}
	if cols[col].Kind != String {
		return nil, fmt.Errorf("image: column %q is a %s column; it must hold image paths or encoded image bytes", spec.Column, cols[col].Kind)
	}
	ch := 3
	if spec.Mode == ImageGrayscale {
		ch = 1
	}
	cols[col] = Column{Name: spec.Column, Kind: Array}
	ir := &imageReader{Reader: r, spec: spec, col: col, cols: cols}
	switch {
	case len(spec.CenterCrop) > 0:
		w, h := cropSize(spec.CenterCrop)
		cols[col].Shape = []int{h, w, ch}
	case len(spec.Resize) == 2:
		cols[col].Shape = []int{spec.Resize[0], spec.Resize[1], ch}
	default:
		if !r.Next() {
			if err := r.Err(); err != nil {
				return nil, err
			}
			return ir, nil // no records: the shape is unknown and unused
		}
		rec, err := ir.convert(r.Record())
		if err != nil {
			return nil, err
		}
		v := rec.Values[col]
		if v.Kind == Array {
			cols[col].Shape = slices.Clone(v.Shape)
		}
		ir.first = &rec
	}
	return ir, nil
}

func (ir *imageReader) Columns() []Column { return ir.cols }
func (ir *imageReader) Record() Record    { return ir.rec }

// Err returns the image error, or the wrapped reader's.
func (ir *imageReader) Err() error {
	if ir.err != nil {
		return inputerr.Mark(ir.err)
	}
	return ir.Reader.Err()
}

func (ir *imageReader) Next() bool {
	if ir.err != nil {
		return false
	}
	if ir.first != nil {
		ir.rec, ir.first = *ir.first, nil
		return true
	}
	if !ir.Reader.Next() {
		return false
	}
	rec, err := ir.convert(ir.Reader.Record())
	if err != nil {
		ir.err = err
		return false
	}
	ir.rec = rec
	return true
}

// convert decodes and transforms the record's image.
func (ir *imageReader) convert(rec Record) (Record, error) {
	v := rec.Values[ir.col]
	switch v.Kind {
	case Missing:
		return rec, nil
	case String:
	default:
		return rec, fmt.Errorf("%s: image column %q: expected a path or image bytes, found %s", rec.Loc, ir.spec.Column, article(v.Kind))
	}
	var (
		data  []byte
		where string
	)
	if imageMagic(v.Str) != "" {
		data, where = []byte(v.Str), fmt.Sprintf("%s: image column %q", rec.Loc, ir.spec.Column)
	} else {
		path := v.Str
		if !filepath.IsAbs(path) {
			path = filepath.Join(ir.spec.Base, filepath.FromSlash(path))
		}
		where = fmt.Sprintf("%s: image %s", rec.Loc, path)
		st, err := os.Stat(path)
		if err != nil {
			return rec, fmt.Errorf("%s: %w", where, err)
		}
		if !st.Mode().IsRegular() {
			return rec, fmt.Errorf("%s: not a regular file", where)
		}
		if data, err = os.ReadFile(path); err != nil {
			return rec, fmt.Errorf("%s: %w", where, err)
		}
	}
	p, err := decodeImage(data)
	if err != nil {
		return rec, fmt.Errorf("%s: %w", where, err)
	}
	if ir.spec.Mode == ImageGrayscale {
		p = p.grayscale()
	}
	if len(ir.spec.Resize) > 0 {
		w, h := resizeTarget(ir.spec.Resize, p.w, p.h)
		if w < 1 || h < 1 {
			return rec, fmt.Errorf("%s: resize %v of a %d×%d image gives %d×%d", where, ir.spec.Resize, p.w, p.h, w, h)
		}
		p = p.resize(w, h)
	}
	if len(ir.spec.CenterCrop) > 0 {
		w, h := cropSize(ir.spec.CenterCrop)
		p = p.centerCrop(w, h)
	}
	shape := []int{p.h, p.w, p.c}
	if want := ir.cols[ir.col].Shape; want != nil && !equalInts(want, shape) {
		return rec, fmt.Errorf("%s: image is %d×%d after the image steps, but the column's shape is %v (from the first image); set image.resize to [height, width] or image.center_crop so every image has the same size", where, p.w, p.h, want)
	}
	arr := make([]float32, len(p.pix))
	for i, x := range p.pix {
		arr[i] = float32(x)
	}
	vals := slices.Clone(rec.Values)
	vals[ir.col] = Value{Kind: Array, Arr: arr, Shape: shape}
	rec.Values = vals
	return rec, nil
}
