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

// imagePert implements ImagePerturbation with a function. The function
// receives a severity index s in 0..4 and a dst that never aliases src when
// pointwise is false.
type imagePert struct {
	base
	pointwise bool
	fn        func(dst, src Image, s int, rng *rand.Rand)
}

func (p *imagePert) Apply(dst, src Image, severity int, rng *rand.Rand) error {
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
	p.fn(dst, src, severity-1, rng)
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
// 2019) unless noted. See doc.go for the table.
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
	defocusKernels     = func() (k [MaxSeverity]kernel2D) {
		for s := range MaxSeverity {
			k[s] = diskKernel(defocusRadius[s], defocusAlias[s])
		}
		return k
	}()
	gaussianKernels = func() (k [MaxSeverity][]float64) {
		for s := range MaxSeverity {
			k[s] = gaussianKernel1D(gaussianBlurSigma[s])
		}
		return k
	}()
)

func init() {
	register(&imagePert{base{"gaussian_noise", KindImage, paramStrings("sigma=%g", gaussianNoiseSigma)}, true, gaussianNoise})
	register(&imagePert{base{"shot_noise", KindImage, paramStrings("rate=%g", shotNoiseRate)}, true, shotNoise})
	register(&imagePert{base{"impulse_noise", KindImage, paramStrings("amount=%g", impulseNoiseAmount)}, true, impulseNoise})
	register(&imagePert{base{"gaussian_blur", KindImage, paramStrings("sigma=%g", gaussianBlurSigma)}, false, gaussianBlur})
	register(&imagePert{base{"defocus_blur", KindImage, paramStrings("radius=%g alias_sigma=%g", defocusRadius, defocusAlias)}, false, defocusBlur})
	register(&imagePert{base{"brightness", KindImage, paramStrings("value_shift=%g", brightnessShift)}, true, brightness})
	register(&imagePert{base{"contrast", KindImage, paramStrings("factor=%g", contrastFactor)}, true, contrast})
	register(&imagePert{base{"pixelate", KindImage, paramStrings("factor=%g", pixelateFactor)}, false, pixelate})
	register(&imagePert{base{"jpeg_compression", KindImage, paramStrings("quality=%g", jpegQuality)}, false, jpegCompression})
	register(&imagePert{base{"rotate", KindImage, paramStrings("degrees=±%g", rotateDegrees)}, false, rotate})
	register(&imagePert{base{"translate", KindImage, paramStrings("pixels=%g", translatePixels)}, false, translate})
}
