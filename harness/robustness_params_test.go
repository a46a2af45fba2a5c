package harness

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/robustness"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImageTransformParamTable: the variant transform applies the table the
// suite names (issue 14.7): with imagenet_c, gaussian_noise severity 1 is
// robustness.LookupImageIn(ImageNetC) on the [0,1]-scaled image, mapped back
// to the column's [0, 255] range; with the default table it is the
// CIFAR-10-C parameters.
func TestImageTransformParamTable(t *testing.T) {
	cols := []dataset.Column{{Name: "image", Kind: dataset.Array, Shape: []int{4, 4}}}
	pix := make([]float32, 16)
	for i := range pix {
		pix[i] = float32(i * 16)
	}
	for _, table := range robustness.ParamTables() {
		tr, err := imageTransform(cols, "", "gaussian_noise", 1, 9, 0, 255, table)
		require.NoError(t, err)
		rec := &dataset.Record{Index: 3, Loc: "x[3]", Values: []dataset.Value{{Kind: dataset.Array, Arr: append([]float32(nil), pix...), Shape: []int{4, 4}}}}
		changed, err := tr(rec)
		require.NoError(t, err)
		assert.True(t, changed)
		p, err := robustness.LookupImageIn(table, "gaussian_noise")
		require.NoError(t, err)
		img := robustness.Image{C: 1, H: 4, W: 4, Pix: make([]float32, 16)}
		for i, v := range pix {
			img.Pix[i] = v / 255
		}
		require.NoError(t, p.Apply(img, img, 1, robustness.ExampleRNG(9, "gaussian_noise", 1, 3)))
		for i, v := range img.Pix {
			assert.InDelta(t, float64(v)*255, float64(rec.Values[0].Arr[i]), 1e-3, "%s pixel %d", table, i)
		}
	}
}

// TestPublishedMCEInRun runs the tabular fixture under feature_noise at
// severities 1–5 with published baseline errors instead of a baseline
// model: mce = mean_s(1 − accuracy_s)/0.5 and relative_mce = (mean_s(1 −
// accuracy_s) − (1 − clean accuracy))/(0.5 − 0.25), from the result's own
// cells (robustness.MCEPublished's formula); the section has no image
// perturbation, so no parameter table is recorded.
func TestPublishedMCEInRun(t *testing.T) {
	p, _, _ := writeFixture(t, 200, "")
	y, err := os.ReadFile(p)
	require.NoError(t, err)
	text := string(y) + `    robustness:
      perturbations: [{name: feature_noise}]
      baseline_errors: {feature_noise: 0.5}
      baseline_clean_error: 0.25
`
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	s, err := suite.Load(p)
	require.NoError(t, err)
	res, err := Run(context.Background(), s, Options{OutDir: filepath.Join(filepath.Dir(p), "out"), Open: (&fakeModel{noise: 1}).opener(), Now: fixedNow})
	require.NoError(t, err)
	require.Len(t, res.Robustness, 1)
	rb := res.Robustness[0]
	assert.Empty(t, rb.Parameters)
	require.Len(t, rb.Cells, 5)
	var meanErr float64
	for _, c := range rb.Cells {
		meanErr += (1 - float64(c.Value)) / 5
	}
	got := map[string]float64{}
	for _, m := range rb.Summary {
		got[m.Name] = float64(m.Value)
		if m.Name == "mce" || m.Name == "relative_mce" {
			assert.Equal(t, "published errors (baseline_errors)", m.Spec["baseline"])
			assert.Empty(t, m.Undefined)
		}
	}
	assert.InDelta(t, meanErr/0.5, got["mce"], 1e-12)
	assert.InDelta(t, (meanErr-(1-float64(rb.Clean.Value)))/0.25, got["relative_mce"], 1e-12)
	assert.False(t, math.IsNaN(got["mce"]))
}

// TestParamTableInCacheKey: an imagenet_c variant's cache key names the
// table, so its predictions never mix with cifar10_c's; the default
// table's key is the one it had before the table existed (caches made
// before stay valid).
func TestParamTableInCacheKey(t *testing.T) {
	for _, tc := range []struct {
		parameters string
		want       []any
	}{
		{"", []any{"gaussian_noise", 2, uint64(0), "", 0.0, 1.0}},
		{"parameters: cifar10_c", []any{"gaussian_noise", 2, uint64(0), "", 0.0, 1.0}},
		{"parameters: imagenet_c", []any{"gaussian_noise", 2, uint64(0), "", 0.0, 1.0, "imagenet_c"}},
	} {
		p, _, _ := writeFixture(t, 20, "")
		y, err := os.ReadFile(p)
		require.NoError(t, err)
		text := string(y) + "    robustness:\n      perturbations: [{name: gaussian_noise, severities: [2]}]\n      " + tc.parameters + "\n"
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		s, err := suite.Load(p)
		require.NoError(t, err)
		s.Seed = 0
		r := &runner{s: s}
		vs, err := r.perturbationVariants(&s.Tasks[0])
		require.NoError(t, err)
		require.Len(t, vs, 1)
		assert.Equal(t, tc.want, vs[0].key, tc.parameters)
	}
}
