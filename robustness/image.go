package robustness

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Image is a dense image in channel-major (CHW) layout: the value of
// channel c, row y, column x is Pix[(c*H+y)*W+x]. Values must lie in [0,1];
// inputs in other ranges (0..255 bytes, mean/std-normalised tensors) must be
// mapped to [0,1] by the caller before perturbing and mapped back after.
type Image struct {
	C, H, W int
	Pix     []float32
}

// NewImage returns a zero (black) image of the given shape.
func NewImage(c, h, w int) Image {
	return Image{C: c, H: h, W: w, Pix: make([]float32, c*h*w)}
}

// Validate reports whether the shape is positive, len(Pix) == C*H*W and
// every value lies in [0,1] (NaN is rejected).
func (m Image) Validate() error {
	if m.C <= 0 || m.H <= 0 || m.W <= 0 {
		return fmt.Errorf("image shape (%d,%d,%d) must be positive", m.C, m.H, m.W)
	}
	if m.C > math.MaxInt32/m.H/m.W {
		return fmt.Errorf("image shape (%d,%d,%d) too large", m.C, m.H, m.W)
	}
	if len(m.Pix) != m.C*m.H*m.W {
		return fmt.Errorf("image shape (%d,%d,%d) needs %d values, found %d", m.C, m.H, m.W, m.C*m.H*m.W, len(m.Pix))
	}
	for i, v := range m.Pix {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("image value %d (channel %d, row %d, column %d) is %v, outside [0,1]; scale inputs to [0,1] first",
				i, i/(m.H*m.W), i/m.W%m.H, i%m.W, v)
		}
	}
	return nil
}

// PerturbImage is a convenience that allocates the output and derives the
// random source with ExampleRNG(seed, name, severity, index).
func PerturbImage(name string, src Image, seed uint64, severity, index int) (Image, error) {
	p, err := LookupImage(name)
	if err != nil {
		return Image{}, err
	}
	dst := Image{C: src.C, H: src.H, W: src.W}
	if src.C > 0 && src.H > 0 && src.W > 0 && len(src.Pix) == src.C*src.H*src.W {
		dst.Pix = make([]float32, len(src.Pix))
	}
	if err := p.Apply(dst, src, severity, ExampleRNG(seed, name, severity, index)); err != nil {
		return Image{}, fmt.Errorf("example %d: %w", index, err)
	}
	return dst, nil
}

// imageFunc is an image corruption: it writes the corrupted src into dst
// with the parameters p of one severity. dst never aliases src unless the
// corruption is pointwise.
type imageFunc func(dst, src Image, p *sevParams, rng randSource)

// imagePert implements ImagePerturbation with a function and one parameter
// set per table (see ParamTable); its own Params and Apply use the default
// table.
type imagePert struct {
	name      string
	pointwise bool
	sets      map[ParamTable]*paramSet
	fn        imageFunc
}

func (p *imagePert) Name() string { return p.name }
func (p *imagePert) Kind() Kind   { return KindImage }
func (p *imagePert) Params(severity int) string {
	return ParamsIn(DefaultParamTable, p.name, severity)
}

func (p *imagePert) Apply(dst, src Image, severity int, rng *rand.Rand) error {
	return p.apply(dst, src, severity, rng, p.sets[DefaultParamTable])
}

func (p *imagePert) apply(dst, src Image, severity int, rng *rand.Rand, ps *paramSet) error {
	if err := checkSeverity(p.name, severity); err != nil {
		return err
	}
	if rng == nil {
		return errors.New(p.name + ": nil random source")
	}
	if err := src.Validate(); err != nil {
		return fmt.Errorf("%s: source: %w", p.name, err)
	}
	if dst.C != src.C || dst.H != src.H || dst.W != src.W || len(dst.Pix) != len(src.Pix) {
		return fmt.Errorf("%s: destination shape (%d,%d,%d) with %d values does not match source (%d,%d,%d)",
			p.name, dst.C, dst.H, dst.W, len(dst.Pix), src.C, src.H, src.W)
	}
	if !p.pointwise && &dst.Pix[0] == &src.Pix[0] {
		src.Pix = append([]float32(nil), src.Pix...)
	}
	p.fn(dst, src, &ps.sev[severity-1], rng)
	return nil
}

func clamp01(v float64) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return float32(v)
}

// Parameters per severity, after make_cifar_c.py (Hendrycks & Dietterich
// 2019) unless noted; the ImageNet-C ones (suffix IN) after
// make_imagenet_c.py. See doc.go for the table.
var (
	gaussianNoiseSigma = [MaxSeverity]float64{0.04, 0.06, 0.08, 0.09, 0.10}
	shotNoiseRate      = [MaxSeverity]float64{500, 250, 100, 75, 50}
	impulseNoiseAmount = [MaxSeverity]float64{0.01, 0.02, 0.03, 0.05, 0.07}
	gaussianBlurSigma  = [MaxSeverity]float64{0.4, 0.6, 0.7, 0.8, 1.0}
	defocusRadius      = [MaxSeverity]float64{0.3, 0.4, 0.5, 1, 1.5}
	defocusAlias       = [MaxSeverity]float64{0.4, 0.5, 0.6, 0.2, 0.1}
	brightnessShift    = [MaxSeverity]float64{0.05, 0.1, 0.15, 0.2, 0.3}
	contrastFactor     = [MaxSeverity]float64{0.75, 0.5, 0.4, 0.3, 0.15}
	pixelateFactor     = [MaxSeverity]float64{0.6, 0.5, 0.4, 0.3, 0.25} // ImageNet-C's, see doc.go
	jpegQuality        = [MaxSeverity]float64{80, 65, 58, 50, 40}
	rotateDegrees      = [MaxSeverity]float64{5, 10, 15, 20, 30} // evalctl's choice
	translatePixels    = [MaxSeverity]float64{1, 2, 3, 4, 5}     // evalctl's choice

	gaussianNoiseSigmaIN = [MaxSeverity]float64{0.08, 0.12, 0.18, 0.26, 0.38}
	shotNoiseRateIN      = [MaxSeverity]float64{60, 25, 12, 5, 3}
	impulseNoiseAmountIN = [MaxSeverity]float64{0.03, 0.06, 0.09, 0.17, 0.27}
	gaussianBlurSigmaIN  = [MaxSeverity]float64{1, 2, 3, 4, 6}
	defocusRadiusIN      = [MaxSeverity]float64{3, 4, 6, 8, 10}
	defocusAliasIN       = [MaxSeverity]float64{0.1, 0.5, 0.5, 0.5, 0.5}
	brightnessShiftIN    = [MaxSeverity]float64{0.1, 0.2, 0.3, 0.4, 0.5}
	contrastFactorIN     = [MaxSeverity]float64{0.4, 0.3, 0.2, 0.1, 0.05}
	jpegQualityIN        = [MaxSeverity]float64{25, 18, 15, 10, 7}
)

func prepDisk(c []float64) any     { return diskKernel(c[0], c[1]) }
func prepGaussian(c []float64) any { return gaussianKernel1D(c[0]) }

func init() {
	same := func(ps *paramSet) (*paramSet, *paramSet) { return ps, ps }
	registerImage("gaussian_noise", true, gaussianNoise, newParams("sigma=%g", nil, col(gaussianNoiseSigma)), newParams("sigma=%g", nil, col(gaussianNoiseSigmaIN)))
	registerImage("shot_noise", true, shotNoise, newParams("rate=%g", nil, col(shotNoiseRate)), newParams("rate=%g", nil, col(shotNoiseRateIN)))
	registerImage("impulse_noise", true, impulseNoise, newParams("amount=%g", nil, col(impulseNoiseAmount)), newParams("amount=%g", nil, col(impulseNoiseAmountIN)))
	registerImage("gaussian_blur", false, gaussianBlur, newParams("sigma=%g", prepGaussian, col(gaussianBlurSigma)), newParams("sigma=%g", prepGaussian, col(gaussianBlurSigmaIN)))
	registerImage("defocus_blur", false, defocusBlur, newParams("radius=%g alias_sigma=%g", prepDisk, cols(defocusRadius, defocusAlias)),
		newParams("radius=%g alias_sigma=%g", prepDisk, cols(defocusRadiusIN, defocusAliasIN)))
	registerImage("brightness", true, brightness, newParams("value_shift=%g", nil, col(brightnessShift)), newParams("value_shift=%g", nil, col(brightnessShiftIN)))
	registerImage("contrast", true, contrast, newParams("factor=%g", nil, col(contrastFactor)), newParams("factor=%g", nil, col(contrastFactorIN)))
	cifar, imagenet := same(newParams("factor=%g", nil, col(pixelateFactor)))
	registerImage("pixelate", false, pixelate, cifar, imagenet)
	registerImage("jpeg_compression", false, jpegCompression, newParams("quality=%g", nil, col(jpegQuality)), newParams("quality=%g", nil, col(jpegQualityIN)))
	cifar, imagenet = same(newParams("degrees=±%g", nil, col(rotateDegrees)))
	registerImage("rotate", false, rotate, cifar, imagenet)
	cifar, imagenet = same(newParams("pixels=%g", nil, col(translatePixels)))
	registerImage("translate", false, translate, cifar, imagenet)
}
