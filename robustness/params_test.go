package robustness

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParamTables checks the two tables against the published scripts
// (hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py and
// make_imagenet_c.py, the c lists of each function), for one severity of
// every corruption the scripts share with evalctl, and that evalctl's
// CIFAR severity 3 of gaussian_noise is ImageNet-C's severity 1 (issue 14).
func TestParamTables(t *testing.T) {
	tests := []struct {
		name     string
		severity int
		cifar    string
		imagenet string
	}{
		{"gaussian_noise", 1, "sigma=0.04", "sigma=0.08"},
		{"gaussian_noise", 5, "sigma=0.1", "sigma=0.38"},
		{"shot_noise", 5, "rate=50", "rate=3"},
		{"impulse_noise", 4, "amount=0.05", "amount=0.17"},
		{"speckle_noise", 3, "sigma=0.12", "sigma=0.35"},
		{"gaussian_blur", 5, "sigma=1", "sigma=6"},
		{"defocus_blur", 5, "radius=1.5 alias_sigma=0.1", "radius=10 alias_sigma=0.5"},
		{"brightness", 2, "value_shift=0.1", "value_shift=0.2"},
		{"contrast", 5, "factor=0.15", "factor=0.05"},
		{"saturate", 5, "scale=2.5 shift=0.2", "scale=20 shift=0.2"},
		{"jpeg_compression", 1, "quality=80", "quality=25"},
		{"pixelate", 1, "factor=0.6", "factor=0.6"}, // evalctl uses ImageNet-C's factors in both (doc.go)
		{"glass_blur", 4, "sigma=0.25 max_delta=1 iterations=2", "sigma=1.1 max_delta=3 iterations=2"},
		{"motion_blur", 5, "radius=9 sigma=2.5", "radius=20 sigma=15"},
		{"zoom_blur", 1, "zoom_step=0.01 zooms=7", "zoom_step=0.01 zooms=12"},
		{"snow", 1, "mean=0.1 sd=0.2 zoom=1 threshold=0.6 radius=8 sigma=3 keep=0.95", "mean=0.1 sd=0.3 zoom=3 threshold=0.5 radius=10 sigma=4 keep=0.8"},
		{"frost", 5, "image_weight=0.75 frost_weight=0.45 (procedural)", "image_weight=0.6 frost_weight=0.75 (procedural)"},
		{"fog", 5, "amount=1.5 wibble_decay=1.75", "amount=3 wibble_decay=1.4"},
		{"spatter", 4, "mean=0.65 sd=0.1 sigma=0.7 threshold=0.69 intensity=0.6 mud=1", "mean=0.65 sd=0.3 sigma=1 threshold=0.65 intensity=1.5 mud=1"},
		{"rotate", 2, "degrees=±10", "degrees=±10"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.cifar, ParamsIn(CIFAR10C, tc.name, tc.severity), "%s@%d cifar10_c", tc.name, tc.severity)
		assert.Equal(t, tc.imagenet, ParamsIn(ImageNetC, tc.name, tc.severity), "%s@%d imagenet_c", tc.name, tc.severity)
		p, err := LookupImageIn(ImageNetC, tc.name)
		require.NoError(t, err)
		assert.Equal(t, tc.imagenet, p.Params(tc.severity))
		d, _ := Lookup(tc.name)
		assert.Equal(t, tc.cifar, d.Params(tc.severity), "the default table is cifar10_c")
	}
	assert.Equal(t, ParamsIn(CIFAR10C, "gaussian_noise", 3), ParamsIn(ImageNetC, "gaussian_noise", 1))
	// elastic_transform: ImageNet-C writes 244·k at 224 px; as a fraction
	// of the size, severity 1 is (2, 0.7, 0.1)·244/224.
	e := registry["elastic_transform"].(*imagePert).sets[ImageNetC].sev[0].c
	assert.InDeltaSlice(t, []float64{2 * 244.0 / 224, 0.7 * 244.0 / 224, 0.1 * 244.0 / 224}, e, 1e-12)
	assert.Equal(t, "", ParamsIn(ImageNetC, "gaussian_noise", 6))
	assert.Equal(t, "", ParamsIn(ImageNetC, "hail", 1))
	assert.Equal(t, ParamsIn(CIFAR10C, "keyboard_typo", 2), ParamsIn(ImageNetC, "keyboard_typo", 2), "text has one table")
}

// TestLookupImageInApplies: ImageNet-C's gaussian_noise severity 1 (σ =
// 0.08) on a flat 0.5 image has standard deviation 0.08, twice the default
// table's 0.04.
func TestLookupImageInApplies(t *testing.T) {
	p, err := LookupImageIn(ImageNetC, "gaussian_noise")
	require.NoError(t, err)
	src := constImage(1, 100, 100, 0.5)
	dst := NewImage(1, 100, 100)
	require.NoError(t, p.Apply(dst, src, 1, ExampleRNG(3, "gaussian_noise", 1, 0)))
	var s2 float64
	for _, v := range dst.Pix {
		s2 += (float64(v) - 0.5) * (float64(v) - 0.5)
	}
	sd := math.Sqrt(s2 / float64(len(dst.Pix)))
	assert.InDelta(t, 0.08, sd, 0.08*0.05)
	_, err = LookupImageIn("tiny_c", "gaussian_noise")
	assert.ErrorContains(t, err, `unknown parameter table "tiny_c" (known: cifar10_c, imagenet_c)`)
	_, err = LookupImageIn(ImageNetC, "keyboard_typo")
	assert.ErrorContains(t, err, "not image")
}

func TestParseParamTable(t *testing.T) {
	for in, want := range map[string]ParamTable{"": CIFAR10C, "cifar10_c": CIFAR10C, "imagenet_c": ImageNetC} {
		got, err := ParseParamTable(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := ParseParamTable("ImageNet-C")
	assert.ErrorContains(t, err, `unknown parameter table "ImageNet-C" (known: cifar10_c, imagenet_c)`)
}

// TestImageNetCInvariants: under ImageNet-C's table every image
// perturbation keeps the shape and the [0,1] range and is deterministic, on
// the grey 28×28 test image and a colour 3×16×20 one.
func TestImageNetCInvariants(t *testing.T) {
	col := NewImage(3, 16, 20)
	for i := range col.Pix {
		col.Pix[i] = float32(i%17) / 16
	}
	for _, src := range []Image{testImage(), col} {
		for _, name := range Names(KindImage) {
			p, err := LookupImageIn(ImageNetC, name)
			require.NoError(t, err)
			for sev := 1; sev <= MaxSeverity; sev++ {
				a, b := NewImage(src.C, src.H, src.W), NewImage(src.C, src.H, src.W)
				require.NoError(t, p.Apply(a, src, sev, ExampleRNG(5, name, sev, 1)))
				require.NoError(t, p.Apply(b, src, sev, ExampleRNG(5, name, sev, 1)))
				require.NoError(t, a.Validate(), "%s@%d", name, sev)
				assert.Equal(t, a.Pix, b.Pix, "%s@%d not deterministic", name, sev)
			}
		}
	}
}
