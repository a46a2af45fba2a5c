package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/crc32"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The references in testdata/images were computed by torchvision 0.14.1's
// ImageFolder with its default PIL loader (Pillow 9.4.0), by
// testdata/images/gen.py; ref_versions.txt records the versions.

// refOrder reads ref_order.txt: torchvision's samples (relative path, class).
func refOrder(t *testing.T) (paths []string, classes []int) {
	t.Helper()
	f, err := os.Open(td("images/ref_order.txt"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p string
		var c int
		_, err := fmt.Sscanf(sc.Text(), "%s %d", &p, &c)
		require.NoError(t, err)
		paths, classes = append(paths, p), append(classes, c)
	}
	return paths, classes
}

// refArrays reads a reference NPY of shape [N, ...] with our NPY reader.
func refArrays(t *testing.T, name string) []Value {
	t.Helper()
	_, recs, err := readAll(t, Spec{Path: td("images/" + name)})
	require.NoError(t, err)
	out := make([]Value, len(recs))
	for i, r := range recs {
		out[i] = r.Values[0]
	}
	return out
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// jpegTolerance is the largest difference, in 8-bit levels, allowed
// between Go's JPEG decoding and libjpeg-turbo's (PIL) after the image
// steps. Go's inverse DCT rounds differently (e.jpg, 4:4:4 chroma: at most
// 3 levels measured), and Go's image/jpeg upsamples 4:2:0 chroma by
// repetition where libjpeg uses "fancy" (triangular) upsampling (f.jpeg:
// up to 39 levels on this pure-noise image, whose chroma changes at every
// pixel; far less on photographs). The test logs the measured differences.
var jpegTolerance = map[string]float64{"dog/e.jpg": 3, "dog/f.jpeg": 40}

func TestImageFolderMatchesTorchvision(t *testing.T) {
	t.Parallel()
	paths, classes := refOrder(t)
	for _, tc := range []struct {
		ref  string
		spec ImageSpec
	}{
		{"ref_resize24_crop20.npy", ImageSpec{Resize: []int{24}, CenterCrop: []int{20}}},
		{"ref_resize18x26_gray.npy", ImageSpec{Resize: []int{18, 26}, Mode: ImageGrayscale}},
		{"ref_crop36.npy", ImageSpec{CenterCrop: []int{36}}},
		{"ref_resize64_crop56.npy", ImageSpec{Resize: []int{64}, CenterCrop: []int{56}}},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			t.Parallel()
			spec := tc.spec
			cols, recs, err := readAll(t, Spec{Format: ImageFolder, Path: td("images/folder"), Image: &spec})
			require.NoError(t, err)
			require.Equal(t, []string{"image", "label", "path"}, colNames(cols))
			assert.Equal(t, []string{"cat", "dog"}, cols[1].Nominal)
			want := refArrays(t, tc.ref)
			require.Len(t, recs, len(paths))
			assert.Equal(t, want[0].Shape, cols[0].Shape, "column shape")
			for i, rec := range recs {
				assert.Equal(t, paths[i], rec.Values[2].Str, "order")
				assert.Equal(t, float64(classes[i]), rec.Values[1].Num, "class index")
				got := rec.Values[0]
				require.Equal(t, want[i].Shape, got.Shape, paths[i])
				d := maxAbsDiff(got.Arr, want[i].Arr)
				if strings.HasSuffix(paths[i], ".png") {
					assert.Zero(t, d, "%s: PNG pixels must equal PIL's", paths[i])
				} else {
					t.Logf("%s: largest difference from libjpeg-turbo: %v levels", paths[i], d)
					assert.LessOrEqual(t, d, jpegTolerance[paths[i]], paths[i])
				}
			}
		})
	}
}

// TestImageNormalizedChain checks the whole preprocessing chain — image
// steps, then the features' scale 1/255, mean/std and hwc_to_chw — against
// torchvision's Resize, CenterCrop, ToTensor and Normalize.
func TestImageNormalizedChain(t *testing.T) {
	t.Parallel()
	paths, _ := refOrder(t)
	cols, recs, err := readAll(t, Spec{Format: ImageFolder, Path: td("images/folder"),
		Image: &ImageSpec{Resize: []int{24}, CenterCrop: []int{20}}})
	require.NoError(t, err)
	enc, err := CompileFeatures(cols, FeatureSpec{Columns: []string{"image"}, Scale: 1.0 / 255,
		Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}, Layout: LayoutHWCToCHW})
	require.NoError(t, err)
	assert.Equal(t, []int{3, 20, 20}, enc.Shape())
	want := refArrays(t, "ref_normalized.npy")
	dst := make([]float32, enc.Width())
	for i, rec := range recs {
		require.NoError(t, enc.Encode(rec, dst))
		if !strings.HasSuffix(paths[i], ".png") {
			continue
		}
		assert.LessOrEqual(t, maxAbsDiff(dst, want[i].Arr), 1e-5, paths[i])
	}
}

func TestImageCSVOfPaths(t *testing.T) {
	t.Parallel()
	cols, recs, err := readAll(t, Spec{Path: td("images/list.csv"), Image: &ImageSpec{Column: "file", Resize: []int{24}, CenterCrop: []int{20}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"file", "label"}, colNames(cols))
	assert.Equal(t, Array, cols[0].Kind)
	assert.Equal(t, []int{20, 20, 3}, cols[0].Shape)
	want := refArrays(t, "ref_resize24_crop20.npy")
	require.Len(t, recs, 3)
	assert.Equal(t, want[0].Arr, recs[0].Values[0].Arr, "cat/a.png")
	assert.Equal(t, want[3].Arr, recs[1].Values[0].Arr, "dog/d.png")
	assert.Equal(t, "dog", recs[2].Values[1].Str)
	files := Spec{Path: td("images/list.csv"), Image: &ImageSpec{Column: "file"}}.Files()
	assert.Equal(t, []string{td("images/list.csv"), td("images/folder/cat/a.png"), td("images/folder/dog/d.png"), td("images/folder/dog/e.jpg")}, files)
}

// TestImageParquetBytes decodes the PNG bytes of a Hugging Face Image
// struct (testdata/gen/parquet.go writes 2×2 gray images with pixels
// v, v+1, v+2, v+3 for v = 10, 20, ...).
func TestImageParquetBytes(t *testing.T) {
	t.Parallel()
	cols, recs, err := readAll(t, Spec{Path: td("types.parquet"), Image: &ImageSpec{Column: "image.bytes", Mode: ImageGrayscale}})
	require.NoError(t, err)
	ci := indexOf(colNames(cols), "image.bytes")
	assert.Equal(t, []int{2, 2, 1}, cols[ci].Shape)
	require.Len(t, recs, 5)
	for i, rec := range recs {
		v := float32(10 * (i + 1))
		assert.Equal(t, []float32{v, v + 1, v + 2, v + 3}, rec.Values[ci].Arr)
	}
}

func TestImageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
		return p
	}
	a, _ := os.ReadFile(td("images/folder/cat/a.png"))
	b, _ := os.ReadFile(td("images/folder/cat/b.png"))
	write("sizes/a.png", string(a))
	write("sizes/b.png", string(b))
	write("sizes/bad.png", "not an image")
	write("sizes/nope.csv", "p\nmissing.png\n")
	write("sizes/two.csv", "p\na.png\nb.png\n")
	write("sizes/junk.csv", "p\nbad.png\n")
	write("bmp/x/a.bmp", "BM")
	write("sizes/huge.csv", "p\nhuge.png\n")
	write("sizes/huge.png", string(hugePNGHeader()))
	write("empty/x/readme.txt", "")
	write("empty/y/a.png", string(a))
	for _, tc := range []struct {
		name string
		spec Spec
		want string
	}{
		{"missing file", Spec{Path: filepath.Join(dir, "sizes/nope.csv"), Image: &ImageSpec{Column: "p"}}, "missing.png: no such file"},
		{"not an image", Spec{Path: filepath.Join(dir, "sizes/junk.csv"), Image: &ImageSpec{Column: "p"}}, "bad.png: not a PNG or JPEG image"},
		{"sizes differ", Spec{Path: filepath.Join(dir, "sizes/two.csv"), Image: &ImageSpec{Column: "p"}}, "b.png: image is 31×45 after the image steps, but the column's shape is [30 40 3]"},
		{"bmp", Spec{Format: ImageFolder, Path: filepath.Join(dir, "bmp")}, "a.bmp: bmp images are not supported"},
		{"empty class", Spec{Format: ImageFolder, Path: filepath.Join(dir, "empty")}, "no .png, .jpg or .jpeg file in class folder(s) x"},
		{"not a folder", Spec{Format: ImageFolder, Path: filepath.Join(dir, "sizes/a.png")}, "must be a directory"},
		{"no column", Spec{Path: filepath.Join(dir, "sizes/two.csv"), Image: &ImageSpec{Column: "q"}}, `image: unknown column "q"`},
		{"bad mode", Spec{Path: filepath.Join(dir, "sizes/two.csv"), Image: &ImageSpec{Column: "p", Mode: "cmyk"}}, `unknown mode "cmyk"`},
		{"bad size", Spec{Path: filepath.Join(dir, "sizes/two.csv"), Image: &ImageSpec{Column: "p", Resize: []int{1, 2, 3}}}, "expected [size] or [height, width]"},
		{"too large", Spec{Path: filepath.Join(dir, "sizes/huge.csv"), Image: &ImageSpec{Column: "p"}}, "huge.png: image of 20000×20000 pixels is larger than the limit of 178956970 pixels"},
		{"number column", Spec{Path: td("small.csv"), Image: &ImageSpec{Column: "sepal_length"}}, "must hold image paths or encoded image bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, tc.spec)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestResizeTarget(t *testing.T) {
	t.Parallel()
	// torchvision 0.14 _compute_resized_output_size: the short side
	// becomes s, the long one int(s * long / short).
	for _, tc := range []struct {
		size       []int
		w, h       int
		wantW, wnH int
	}{
		{[]int{24}, 40, 30, 32, 24},
		{[]int{24}, 31, 45, 24, 34},
		{[]int{24}, 33, 33, 24, 24},
		{[]int{256}, 500, 375, 341, 256},
		{[]int{18, 26}, 40, 30, 26, 18},
	} {
		w, h := resizeTarget(tc.size, tc.w, tc.h)
		assert.Equal(t, [2]int{tc.wantW, tc.wnH}, [2]int{w, h}, "resizeTarget(%v, %d, %d)", tc.size, tc.w, tc.h)
	}
}

func FuzzImageDecode(f *testing.F) {
	for _, n := range []string{"images/folder/cat/a.png", "images/folder/dog/d.png", "images/folder/dog/f.jpeg"} {
		b, err := os.ReadFile(td(n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width*cfg.Height > 1<<16 {
			return // large images are slow, not interesting
		}
		p, err := decodeImage(data)
		if err != nil {
			return
		}
		q := p.resize(max(1, p.w/2), max(1, p.h/3)).centerCrop(3, 5)
		if len(q.pix) != 3*5*3 {
			t.Fatalf("crop has %d values", len(q.pix))
		}
	})
}

// hugePNGHeader returns the start of a PNG that declares 20000×20000
// pixels (its data is never reached).
func hugePNGHeader() []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := []byte("IHDR\x00\x00\x4e\x20\x00\x00\x4e\x20\x08\x02\x00\x00\x00")
	b = append(b, 0, 0, 0, 13)
	b = append(b, ihdr...)
	crc := crc32.ChecksumIEEE(ihdr)
	return append(b, byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc))
}
