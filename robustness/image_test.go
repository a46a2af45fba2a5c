package robustness

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testImage returns a deterministic 1×28×28 MNIST-sized image: a bright
// ring (a stand-in for a digit stroke) on a dark background with a gentle
// horizontal gradient, all values inside [0.1, 0.95].
func testImage() Image {
	m := NewImage(1, 28, 28)
	for y := range 28 {
		for x := range 28 {
			r := math.Hypot(float64(y)-13.5, float64(x)-13.5)
			v := 0.15 + 0.1*float64(x)/27
			if r > 5 && r < 9 {
				v += 0.7
			}
			m.Pix[y*28+x] = float32(v)
		}
	}
	return m
}

func constImage(c, h, w int, v float32) Image {
	m := NewImage(c, h, w)
	for i := range m.Pix {
		m.Pix[i] = v
	}
	return m
}

func meanAbsDiff(a, b Image) float64 {
	var s float64
	for i := range a.Pix {
		s += math.Abs(float64(a.Pix[i]) - float64(b.Pix[i]))
	}
	return s / float64(len(a.Pix))
}

func mustPerturb(t testing.TB, name string, src Image, seed uint64, sev, idx int) Image {
	t.Helper()
	out, err := PerturbImage(name, src, seed, sev, idx)
	require.NoError(t, err)
	return out
}

func TestImageNamesComplete(t *testing.T) {
	want := []string{"brightness", "contrast", "defocus_blur", "elastic_transform", "fog", "frost", "gaussian_blur",
		"gaussian_noise", "glass_blur", "impulse_noise", "jpeg_compression", "motion_blur", "pixelate", "rotate",
		"saturate", "shot_noise", "snow", "spatter", "speckle_noise", "translate", "zoom_blur"}
	assert.Equal(t, want, Names(KindImage))
	for _, n := range want {
		p, err := Lookup(n)
		require.NoError(t, err)
		assert.Equal(t, KindImage, p.Kind())
		for s := 1; s <= MaxSeverity; s++ {
			assert.NotEmpty(t, p.Params(s), "%s severity %d", n, s)
		}
		assert.Empty(t, p.Params(0))
	}
}

// TestImageInvariants checks, for every image perturbation and severity, on
// a grey 28×28 image and a colour 3×16×20 image: the shape is unchanged,
// every value stays in [0,1], two runs give identical output, and applying
// in place equals applying into a fresh buffer.
func TestImageInvariants(t *testing.T) {
	col := NewImage(3, 16, 20)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range col.Pix {
		col.Pix[i] = rng.Float32()
	}
	for _, src := range []Image{testImage(), col} {
		for _, name := range Names(KindImage) {
			for sev := 1; sev <= MaxSeverity; sev++ {
				a := mustPerturb(t, name, src, 42, sev, 3)
				b := mustPerturb(t, name, src, 42, sev, 3)
				assert.Equal(t, [3]int{src.C, src.H, src.W}, [3]int{a.C, a.H, a.W}, "%s/%d shape", name, sev)
				require.NoError(t, a.Validate(), "%s/%d range", name, sev)
				assert.Equal(t, a.Pix, b.Pix, "%s/%d not deterministic", name, sev)

				inPlace := Image{C: src.C, H: src.H, W: src.W, Pix: append([]float32(nil), src.Pix...)}
				p, _ := LookupImage(name)
				require.NoError(t, p.Apply(inPlace, inPlace, sev, ExampleRNG(42, name, sev, 3)))
				assert.Equal(t, a.Pix, inPlace.Pix, "%s/%d in place differs", name, sev)
				if name == "saturate" && src.C != 3 {
					continue // a grey image has no saturation
				}
				assert.NotEqual(t, src.Pix, a.Pix, "%s/%d left the image unchanged", name, sev)
			}
		}
	}
}

// TestImageSeverityMonotone checks that the mean absolute change grows
// strictly with severity for every image perturbation on the fixed test
// image, averaged over 16 example indices (to average out random signs and
// directions).
func TestImageSeverityMonotone(t *testing.T) {
	src := testImage()
	for _, name := range Names(KindImage) {
		switch name {
		case "saturate":
			// CIFAR-10-C's saturate is not monotone by design: severities 1
			// and 2 desaturate (×0.3, ×0.1), 3 to 5 oversaturate; and the
			// test image is grey.
			continue
		case "spatter":
			// Severities 1–3 add water, 4–5 mud: different operations.
			continue
		case "glass_blur":
			// CIFAR-10-C's severity 1 (σ 0.05) barely blurs the shuffled
			// pixels, severity 2 (σ 0.25) smooths them: the mean change
			// dips (0.0457 → 0.0449 here) before rising.
			continue
		case "elastic_transform":
			// make_cifar_c.py trades the affine part (0.08 → 0.03 of the
			// size) for the elastic part as severity grows; the mean pixel
			// change falls on this image (0.089 … 0.059).
			continue
		case "frost":
			// Severities 3 and 4 blend the same frost (0.4) over a dimmer
			// image (0.9 → 0.85); the mean change depends on the image.
			continue
		}
		prev := 0.0
		var curve []string
		for sev := 1; sev <= MaxSeverity; sev++ {
			var change float64
			for idx := range 16 {
				change += meanAbsDiff(src, mustPerturb(t, name, src, 1, sev, idx))
			}
			change /= 16
			assert.Greater(t, change, prev, "%s: severity %d change %.5f not above severity %d", name, sev, change, sev-1)
			prev = change
			curve = append(curve, fmt.Sprintf("%.4f", change))
		}
		t.Logf("%-16s mean |change| by severity: %v", name, curve)
	}
}

// TestImageDeterministicAcrossGoroutines perturbs 64 examples in 8
// goroutines, interleaved, and compares with a sequential pass.
func TestImageDeterministicAcrossGoroutines(t *testing.T) {
	src := testImage()
	names := Names(KindImage)
	seq := make([][]float32, 64)
	for i := range seq {
		seq[i] = mustPerturb(t, names[i%len(names)], src, 9, 1+i%MaxSeverity, i).Pix
	}
	par := make([][]float32, 64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 63 - g; i >= 0; i -= 8 {
				out, err := PerturbImage(names[i%len(names)], src, 9, 1+i%MaxSeverity, i)
				if err == nil {
					par[i] = out.Pix
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, seq, par)
}

// TestGaussianNoiseStd: on a constant 0.5 image, clipping at 0 and 1 is
// 5σ away (σ ≤ 0.1), so the empirical std of the change must be σ of the
// severity (make_cifar_c.py: 0.04, 0.06, 0.08, 0.09, 0.10) and its mean 0.
// With 16384 draws the std's relative standard error is about 0.6%; the
// tolerance is 3%.
func TestGaussianNoiseStd(t *testing.T) {
	src := constImage(1, 128, 128, 0.5)
	for sev, sigma := range []float64{0.04, 0.06, 0.08, 0.09, 0.10} {
		out := mustPerturb(t, "gaussian_noise", src, 5, sev+1, 0)
		var s, s2 float64
		for i := range out.Pix {
			d := float64(out.Pix[i]) - 0.5
			s += d
			s2 += d * d
		}
		n := float64(len(out.Pix))
		m := s / n
		std := math.Sqrt(s2/n - m*m)
		assert.InDelta(t, 0, m, 3*sigma/math.Sqrt(n)*1.5, "severity %d mean", sev+1)
		assert.InEpsilon(t, sigma, std, 0.03, "severity %d std", sev+1)
	}
}

// TestShotNoiseMoments: Poisson(x·λ)/λ has mean x and variance x/λ
// (λ = 500, 250, 100, 75, 50 as make_cifar_c.py).
func TestShotNoiseMoments(t *testing.T) {
	src := constImage(1, 128, 128, 0.5)
	for sev, rate := range []float64{500, 250, 100, 75, 50} {
		out := mustPerturb(t, "shot_noise", src, 5, sev+1, 0)
		var s, s2 float64
		for _, v := range out.Pix {
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
		n := float64(len(out.Pix))
		m := s / n
		assert.InDelta(t, 0.5, m, 0.005, "severity %d mean", sev+1)
		assert.InEpsilon(t, 0.5/rate, s2/n-m*m, 0.06, "severity %d variance", sev+1)
	}
}

// TestPoissonMoments checks the sampler's mean and variance (both λ) on
// both branches (direct method below 10, PTRS above).
func TestPoissonMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, lambda := range []float64{0.5, 4, 12, 60, 450} {
		const n = 40000
		var s, s2 float64
		for range n {
			k := poisson(rng, lambda)
			require.Equal(t, math.Floor(k), k)
			require.GreaterOrEqual(t, k, 0.0)
			s += k
			s2 += k * k
		}
		m := s / n
		assert.InEpsilon(t, lambda, m, 0.02, "lambda %v mean", lambda)
		assert.InEpsilon(t, lambda, s2/n-m*m, 0.05, "lambda %v variance", lambda)
	}
	assert.Equal(t, 0.0, poisson(rng, 0))
}

// TestImpulseNoiseAmount: the share of replaced values is the amount
// (0.01 … 0.07), half salt (1) and half pepper (0).
func TestImpulseNoiseAmount(t *testing.T) {
	src := constImage(1, 128, 128, 0.5)
	for sev, amount := range []float64{0.01, 0.02, 0.03, 0.05, 0.07} {
		out := mustPerturb(t, "impulse_noise", src, 5, sev+1, 0)
		var salt, pepper int
		for _, v := range out.Pix {
			switch v {
			case 1:
				salt++
			case 0:
				pepper++
			default:
				require.Equal(t, float32(0.5), v)
			}
		}
		n := float64(len(out.Pix))
		se := math.Sqrt(amount * (1 - amount) / n)
		assert.InDelta(t, amount, float64(salt+pepper)/n, 4*se, "severity %d", sev+1)
		assert.InDelta(t, 0.5, float64(salt)/float64(salt+pepper), 0.15, "severity %d salt share", sev+1)
	}
}

// TestGaussianKernel: σ = 0.4 gives radius int(4·0.4+0.5) = 2 and weights
// ∝ exp(−i²/(2σ²)): 1, e^−3.125, e^−12.5 (hand computed).
func TestGaussianKernel(t *testing.T) {
	k := gaussianKernel1D(0.4)
	require.Len(t, k, 5)
	e1, e2 := math.Exp(-3.125), math.Exp(-12.5)
	z := 1 + 2*e1 + 2*e2
	assert.InDeltaSlice(t, []float64{e2 / z, e1 / z, 1 / z, e1 / z, e2 / z}, k, 1e-12)
	assert.Len(t, gaussianKernel1D(1.0), 9) // radius int(4.5) = 4
}

// TestDiskKernel: for radius 0.3 the disk is the centre pixel alone, so the
// kernel is the 3×3 Gaussian g⊗g with g = (e, 1, e)/(1+2e), e = exp(−1/(2·0.4²))
// (hand computed). For radius 1 the disk is the 5-pixel plus.
func TestDiskKernel(t *testing.T) {
	k := diskKernel(0.3, 0.4)
	require.Equal(t, 1, k.r)
	e := math.Exp(-1 / 0.32)
	g := []float64{e / (1 + 2*e), 1 / (1 + 2*e), e / (1 + 2*e)}
	for y := range 3 {
		for x := range 3 {
			assert.InDelta(t, g[y]*g[x], k.w[y*3+x], 1e-12)
		}
	}
	defocus := registry["defocus_blur"].(*imagePert)
	for _, tab := range ParamTables() {
		for s := range MaxSeverity {
			var sum float64
			for _, v := range defocus.sets[tab].sev[s].aux.(kernel2D).w {
				sum += v
			}
			want, tol := 1.0, 1e-12
			if tab == ImageNetC && s >= 3 {
				// The disks of radius 8 and 10 touch their grid's edge, so
				// the reflect-101 alias blur adds mass: the reference kernel
				// itself sums to more than 1 (disk(8, 0.5).sum() and
				// disk(10, 0.5).sum() of make_imagenet_c.py, computed with
				// cv2 4.6 in float32 by /usr/bin/python3).
				want, tol = []float64{1.0129754540103022, 1.0107857970378822}[s-3], 1e-6
			}
			assert.InDelta(t, want, sum, tol, "%s severity %d kernel sum", tab, s+1)
		}
	}
	plus := diskKernel(1, 0.2)
	require.Equal(t, 2, plus.r) // the 3×3 alias blur spreads the plus by one pixel
	c := plus.w[2*5+2]
	assert.InDelta(t, 0.2*math.Pow(1/(1+2*math.Exp(-12.5)), 2), c, 1e-3)
}

func TestBrightnessAndContrastFormulas(t *testing.T) {
	// Grey: x' = min(x+0.05, 1) at severity 1.
	g := Image{C: 1, H: 1, W: 3, Pix: []float32{0, 0.5, 0.98}}
	out := mustPerturb(t, "brightness", g, 0, 1, 0)
	assert.InDeltaSlice(t, []float32{0.05, 0.55, 1}, out.Pix, 1e-6)
	// RGB pixel (0.5, 0.25, 0): V = 0.5 → 0.55, so the pixel scales by 1.1
	// (HSV value shift, hand computed); a black pixel becomes grey 0.05.
	c := Image{C: 3, H: 1, W: 2, Pix: []float32{0.5, 0, 0.25, 0, 0, 0}}
	out = mustPerturb(t, "brightness", c, 0, 1, 0)
	assert.InDeltaSlice(t, []float32{0.55, 0.05, 0.275, 0.05, 0, 0.05}, out.Pix, 1e-6)
	// Contrast severity 2 (c = 0.5): mean 0.5, (x−0.5)·0.5+0.5.
	k := Image{C: 1, H: 1, W: 4, Pix: []float32{0, 0.4, 0.6, 1}}
	out = mustPerturb(t, "contrast", k, 0, 2, 0)
	assert.InDeltaSlice(t, []float32{0.25, 0.45, 0.55, 0.75}, out.Pix, 1e-6)
}

func TestBoxResampling(t *testing.T) {
	idx, wt := boxWeights(4, 2)
	assert.Equal(t, [][]int{{0, 1}, {2, 3}}, idx)
	assert.Equal(t, [][]float64{{0.5, 0.5}, {0.5, 0.5}}, wt)
	// 3 → 2 (hand computed from Pillow's rule): centres 0.75 and 2.25,
	// support 0.75; pixel 1 (offset +0.75 from centre 0.75, −0.75 from
	// 2.25) counts for output 0 only.
	idx, wt = boxWeights(3, 2)
	assert.Equal(t, [][]int{{0, 1}, {2}}, idx)
	assert.Equal(t, [][]float64{{0.5, 0.5}, {1}}, wt)
	// Upsampling 2 → 5 repeats the nearest pixel: centres 0.2, 0.6, 1.0,
	// 1.4, 1.8; centre 1.0 is a tie and (j+0.5−c) ∈ (−0.5, 0.5] picks j = 1.
	idx, _ = boxWeights(2, 5)
	assert.Equal(t, [][]int{{0}, {0}, {1}, {1}, {1}}, idx)
	// A constant image is a fixed point of pixelation.
	src := constImage(1, 28, 28, 0.3)
	for sev := 1; sev <= MaxSeverity; sev++ {
		out := mustPerturb(t, "pixelate", src, 0, sev, 0)
		for _, v := range out.Pix {
			require.InDelta(t, 0.3, v, 1e-6)
		}
	}
}

// TestJPEGRoundTrip: a flat image survives JPEG up to 8-bit rounding and
// DC quantisation, and the quantisation tables get coarser with severity.
func TestJPEGRoundTrip(t *testing.T) {
	flat := constImage(1, 28, 28, 0.5)
	out := mustPerturb(t, "jpeg_compression", flat, 0, 5, 0)
	assert.Less(t, meanAbsDiff(flat, out), 3.0/255)
	col := constImage(3, 16, 16, 0.5)
	out = mustPerturb(t, "jpeg_compression", col, 0, 5, 0)
	assert.Less(t, meanAbsDiff(col, out), 3.0/255)
}

// TestTranslateMovesDot: a single bright pixel moves by round(d·(cos φ,
// sin φ)), whose length is within √2/2 of d = 1…5 pixels.
func TestTranslateMovesDot(t *testing.T) {
	src := NewImage(1, 28, 28)
	src.Pix[14*28+14] = 1
	for sev := 1; sev <= MaxSeverity; sev++ {
		for idx := range 8 {
			out := mustPerturb(t, "translate", src, 0, sev, idx)
			var found int
			for i, v := range out.Pix {
				if v == 1 {
					found++
					dy, dx := i/28-14, i%28-14
					assert.InDelta(t, float64(sev), math.Hypot(float64(dx), float64(dy)), math.Sqrt2/2+1e-9)
				}
			}
			assert.Equal(t, 1, found)
		}
	}
}

// TestRotateAngle: a dot 8 pixels right of the centre ends up at ±θ
// degrees (θ = 5, 10, 15, 20, 30), measured from the centre of mass.
func TestRotateAngle(t *testing.T) {
	src := NewImage(1, 29, 29) // odd size: the centre is pixel (14,14)
	src.Pix[14*29+22] = 1
	for sev, theta := range []float64{5, 10, 15, 20, 30} {
		out := mustPerturb(t, "rotate", src, 0, sev+1, 0)
		var m, my, mx float64
		for i, v := range out.Pix {
			m += float64(v)
			my += float64(v) * float64(i/29-14)
			mx += float64(v) * float64(i%29-14)
		}
		require.Greater(t, m, 0.5)
		got := math.Abs(math.Atan2(my/m, mx/m) * 180 / math.Pi)
		assert.InDelta(t, theta, got, 1.5, "severity %d", sev+1)
	}
}

func TestImageErrors(t *testing.T) {
	p, err := LookupImage("gaussian_noise")
	require.NoError(t, err)
	good := testImage()
	dst := NewImage(1, 28, 28)
	rng := ExampleRNG(0, "gaussian_noise", 1, 0)
	cases := []struct {
		name     string
		dst, src Image
		sev      int
		rng      *rand.Rand
		want     string
	}{
		{"severity 0", dst, good, 0, rng, "severity 0 out of range 1..5"},
		{"severity 6", dst, good, 6, rng, "severity 6 out of range"},
		{"nil rng", dst, good, 1, nil, "nil random source"},
		{"0..255 input", dst, constImage(1, 28, 28, 255), 1, rng, "outside [0,1]; scale inputs to [0,1] first"},
		{"NaN", dst, Image{C: 1, H: 1, W: 1, Pix: []float32{float32(math.NaN())}}, 1, rng, "is NaN"},
		{"short Pix", dst, Image{C: 1, H: 28, W: 28, Pix: make([]float32, 10)}, 1, rng, "needs 784 values, found 10"},
		{"zero shape", dst, Image{}, 1, rng, "must be positive"},
		{"dst shape", NewImage(1, 28, 27), good, 1, rng, "does not match source"},
	}
	for _, c := range cases {
		err := p.Apply(c.dst, c.src, c.sev, c.rng)
		if assert.Error(t, err, c.name) {
			assert.Contains(t, err.Error(), c.want, c.name)
		}
	}
	_, err = PerturbImage("hail", good, 0, 1, 7)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown perturbation "hail"`)
	assert.Contains(t, err.Error(), "image: brightness, contrast")
	_, err = LookupImage("keyboard_typo")
	assert.ErrorContains(t, err, "has kind text, not image")
	_, err = PerturbImage("rotate", Image{C: 1, H: 2, W: 2, Pix: []float32{0, 0, 0, 2}}, 0, 1, 7)
	assert.ErrorContains(t, err, "example 7: rotate: source: image value 3")
}

func TestExampleRNG(t *testing.T) {
	first := func(r *rand.Rand) uint64 { return r.Uint64() }
	a := first(ExampleRNG(1, "rotate", 2, 3))
	assert.Equal(t, a, first(ExampleRNG(1, "rotate", 2, 3)))
	for _, other := range []*rand.Rand{
		ExampleRNG(2, "rotate", 2, 3), ExampleRNG(1, "translate", 2, 3),
		ExampleRNG(1, "rotate", 3, 3), ExampleRNG(1, "rotate", 2, 4),
	} {
		assert.NotEqual(t, a, first(other))
	}
}

func TestKindText(t *testing.T) {
	for _, k := range []Kind{KindImage, KindTabular, KindText} {
		b, err := k.MarshalText()
		require.NoError(t, err)
		var got Kind
		require.NoError(t, got.UnmarshalText(b))
		assert.Equal(t, k, got)
	}
	var k Kind
	assert.ErrorContains(t, k.UnmarshalText([]byte("audio")), `unknown perturbation kind "audio" (known: image, tabular, text)`)
	assert.Equal(t, "Kind(9)", Kind(9).String())
}

func BenchmarkImage(b *testing.B) {
	src := testImage()
	dst := NewImage(1, 28, 28)
	for _, name := range Names(KindImage) {
		p, _ := LookupImage(name)
		b.Run(name, func(b *testing.B) {
			rng := ExampleRNG(1, name, 3, 0)
			for b.Loop() {
				if err := p.Apply(dst, src, 3, rng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
