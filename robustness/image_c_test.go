package robustness

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// replay is a randSource that returns recorded draws in order.
type replay struct {
	t       testing.TB
	u, z    []float64
	i       []int
	iu, iz  int
	ii      int
	context string
}

func (r *replay) Float64() float64 {
	require.Less(r.t, r.iu, len(r.u), "%s: more uniforms drawn than recorded", r.context)
	r.iu++
	return r.u[r.iu-1]
}

func (r *replay) NormFloat64() float64 {
	require.Less(r.t, r.iz, len(r.z), "%s: more normals drawn than recorded", r.context)
	r.iz++
	return r.z[r.iz-1]
}

func (r *replay) IntN(n int) int {
	require.Less(r.t, r.ii, len(r.i), "%s: more integers drawn than recorded", r.context)
	r.ii++
	v := r.i[r.ii-1]
	require.True(r.t, v >= 0 && v < n, "%s: recorded integer %d outside [0, %d)", r.context, v, n)
	return v
}

// TestImageNetCAgainstReference compares the corruptions added for issue
// 14.7 with testdata/imagenet_c.json, which gen_imagenet_c.py computed with
// numpy, scipy, skimage, OpenCV and ImageMagick (through Wand) following
// make_cifar_c.py and make_imagenet_c.py (hendrycks/robustness,
// ImageNet-C/create_c/: glass_blur, motion_blur, zoom_blur, snow, fog,
// elastic_transform, spatter; frost
// by evalctl's documented variant formula), on a 3×16×16 RGB image, every
// severity of both tables, with the same random draws replayed here. Every
// recorded draw must be used, in order.
//
// Tolerances: 1e-6 where both sides compute in float64 (outputs stored to 7 decimals); 2.5/255 where the
// reference passes 8-bit images through ImageMagick (motion_blur, snow: the
// input, the Q16 blur and the PNG output each round to 8 bits) and 1e-3
// for elastic_transform 0.02 against OpenCV, whose warpAffine rounds its
// interpolation weights to 1/32 pixel (on this random image that moves
// values by up to 0.018), and 1e-5 against the same steps with a float64
// warp (want_float_warp: scipy map_coordinates, mode "mirror" =
// reflect-101), which is what evalctl computes.
func TestImageNetCAgainstReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/imagenet_c.json")
	require.NoError(t, err)
	var data struct {
		Size  int       `json:"size"`
		Image []float32 `json:"image"`
		Cases []struct {
			Table    ParamTable `json:"table"`
			Name     string     `json:"name"`
			Severity int        `json:"severity"`
			U, Z     []float64
			I        []int
			Want     []float64 `json:"want"`
			Exact    []float64 `json:"want_float_warp"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(raw, &data))
	src := Image{C: 3, H: data.Size, W: data.Size, Pix: data.Image}
	require.NoError(t, src.Validate())
	tol := map[string]float64{"motion_blur": 2.5 / 255, "snow": 2.5 / 255, "elastic_transform": 0.02}
	require.Len(t, data.Cases, 2*8*MaxSeverity)
	for _, tc := range data.Cases {
		ctx := string(tc.Table) + "/" + tc.Name + "@" + string(rune('0'+tc.Severity))
		p := registry[tc.Name].(*imagePert)
		dst := NewImage(src.C, src.H, src.W)
		rng := &replay{t: t, u: tc.U, z: tc.Z, i: tc.I, context: ctx}
		p.fn(dst, src, &p.sets[tc.Table].sev[tc.Severity-1], rng)
		assert.Equal(t, [3]int{len(tc.U), len(tc.Z), len(tc.I)}, [3]int{rng.iu, rng.iz, rng.ii}, "%s: draws used (uniform, normal, integer)", ctx)
		d := tol[tc.Name]
		if d == 0 {
			d = 1e-6
		}
		var worst float64
		for i, w := range tc.Want {
			worst = math.Max(worst, math.Abs(w-float64(dst.Pix[i])))
		}
		assert.LessOrEqual(t, worst, d, "%s: largest difference from the reference", ctx)
		if tc.Exact != nil {
			worst = 0
			for i, w := range tc.Exact {
				worst = math.Max(worst, math.Abs(w-float64(dst.Pix[i])))
			}
			assert.LessOrEqual(t, worst, 1e-5, "%s: largest difference from the reference with a float64 warp", ctx)
		}
	}
}

// TestWaterReliefAgainstOpenCV checks spatter's water relief step by step
// against OpenCV 4.6 (cv2.Canny(·, 50, 150), distanceTransform(DIST_L2, 5),
// threshold TRUNC 20, blur 3×3, equalizeHist, filter2D with the emboss
// kernel, blur 3×3, as make_cifar_c.py's spatter), on three 40×48 liquid
// layers from gen_imagenet_c.py: every 8-bit step exactly, the distances
// to float32 precision.
func TestWaterReliefAgainstOpenCV(t *testing.T) {
	raw, err := os.ReadFile("testdata/imagenet_c.json")
	require.NoError(t, err)
	var data struct {
		Relief []struct {
			H, W       int
			LayerI     []int     `json:"layer"`
			CannyI     []int     `json:"canny"`
			Dist       []float64 `json:"dist"`
			D8I        []int     `json:"d8"`
			EqualizedI []int     `json:"equalized"`
			ReliefI    []int     `json:"relief"`
		} `json:"water_relief"`
	}
	require.NoError(t, json.Unmarshal(raw, &data))
	require.Len(t, data.Relief, 3)
	bytes := func(v []int) u8 {
		out := make(u8, len(v))
		for i, x := range v {
			out[i] = uint8(x)
		}
		return out
	}
	for k, c := range data.Relief {
		layer := bytes(c.LayerI)
		edges := canny(layer, c.H, c.W, 50, 150)
		require.Equal(t, bytes(c.CannyI), edges, "layer %d: Canny edges", k)
		inv := make(u8, len(edges))
		for i, v := range edges {
			inv[i] = 255 - v
		}
		dist := distanceL2Mask5(inv, c.H, c.W)
		for i, v := range dist {
			dist[i] = math.Min(v, 20)
			require.InDelta(t, c.Dist[i], dist[i], 1e-4, "layer %d: distance at %d", k, i)
		}
		blurred := boxBlur3(dist, c.H, c.W)
		d8 := make(u8, len(blurred))
		for i, v := range blurred {
			d8[i] = toU8(v)
		}
		require.Equal(t, bytes(c.D8I), d8, "layer %d: blurred distance as 8 bits", k)
		eq := equalizeHist(d8)
		require.Equal(t, bytes(c.EqualizedI), eq, "layer %d: equalizeHist", k)
		require.Equal(t, bytes(c.ReliefI), boxBlur3U8(emboss(eq, c.H, c.W), c.H, c.W), "layer %d: relief", k)
	}
}
