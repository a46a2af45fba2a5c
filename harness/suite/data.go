package suite

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/evalctl/evalctl/harness/dataset"
)

// Join adds columns from a second file to a dataset, by row or by an id
// column present in both files (see dataset.JoinSpec).
type Join struct {
	// Path is the joined file.
	Path string `yaml:"path"`
	// Format of the joined file (default: from its name): csv, jsonl,
	// parquet, arff, npz or npy.
	Format string `yaml:"format"`
	// On is "row" (row i takes row i) or an id column present in both files.
	On string `yaml:"on"`
	// Columns to add (default: all but the on column).
	Columns   []string `yaml:"columns"`
	Delimiter string   `yaml:"delimiter"`
	Missing   []string `yaml:"missing"`
}

// Image decodes a column of image paths or encoded image bytes into an
// [H, W, C] array column of 0–255 values (see dataset.ImageSpec).
// Normalisation (scale, mean, std) and the CHW layout are feature keys.
type Image struct {
	// Column holds paths (relative to Base) or PNG/JPEG bytes (default
	// "image"; an imagefolder's image column is always "image").
	Column string `yaml:"column"`
	// Mode is rgb (default) or grayscale.
	Mode ImageMode `yaml:"mode"`
	// Resize is [size] (the shorter side, as torchvision's Resize(size))
	// or [height, width].
	Resize []int `yaml:"resize"`
	// CenterCrop is [size] or [height, width].
	CenterCrop []int `yaml:"center_crop"`
	// Base is the folder relative image paths are resolved against
	// (default: the data file's folder).
	Base string `yaml:"base"`
}

// ImageMode is image.mode: ImageRGB or ImageGrayscale.
type ImageMode string

// The image modes.
const (
	ImageRGB       ImageMode = dataset.ImageRGB // the default
	ImageGrayscale ImageMode = dataset.ImageGrayscale
)

// ImageModes are the accepted image.mode values.
var ImageModes = names(ImageRGB, ImageGrayscale)

// joinFormats are the formats a join may read.
var joinFormats = []string{"arff", "csv", "jsonl", "npy", "npz", "parquet"}

// imageFormats are the dataset formats an image section applies to.
var imageFormats = []string{"csv", "jsonl", "parquet", "imagefolder"}

// ExtendSpec adds the dataset's join and image sections to spec, a reader
// spec built from the dataset's other keys, resolving their paths against
// the suite's folder.
func (s *Suite) ExtendSpec(d *Dataset, spec *dataset.Spec) {
	for _, j := range d.Join {
		f, _ := dataset.ParseFormat(j.Format)
		js := dataset.JoinSpec{Format: f, Path: s.Resolve(j.Path), On: j.On, Columns: j.Columns, Missing: j.Missing}
		if j.Delimiter != "" {
			js.Delimiter = []rune(j.Delimiter)[0]
		}
		spec.Joins = append(spec.Joins, js)
	}
	if im := d.Image; im != nil {
		spec.Image = &dataset.ImageSpec{Column: im.Column, Mode: string(im.Mode), Resize: im.Resize, CenterCrop: im.CenterCrop, Base: s.Resolve(im.Base)}
	}
}

// dataFiles checks that the files of a dataset are of its format, so that a
// CSV of groups listed beside NPY arrays is caught by validate (and pointed
// to join) instead of failing the run.
func (v *validator) dataFiles(p string, d *Dataset) {
	declared, err := dataset.ParseFormat(d.Format)
	if err != nil || declared == dataset.Auto || declared == dataset.ImageFolder {
		return
	}
	check := func(path, file string, column bool) {
		got := dataset.DetectFormat(file)
		if got == dataset.Auto || got == declared {
			return
		}
		hint := fmt.Sprintf(" (is the format %s?)", got)
		if column && got != dataset.IDX && got != dataset.NPY {
			hint = fmt.Sprintf("; to add its columns to the %s data, use join: [{path: %s, on: row}]", d.Format, file)
		}
		v.errorf(path, ErrInvalid, "%s looks like a %s file, but the dataset's format is %s%s", file, got, d.Format, hint)
	}
	if d.Path != "" {
		check(p+".path", d.Path, false)
	}
	for j, f := range d.Files {
		if f.Path != "" {
			check(fmt.Sprintf("%s.files[%d].path", p, j), f.Path, true)
		}
	}
}

// joins validates a dataset's join section.
func (v *validator) joins(p string, d *Dataset) {
	seen := map[string]bool{}
	for i, j := range d.Join {
		jp := fmt.Sprintf("%s.join[%d]", p, i)
		if j.Path == "" {
			v.errorf(jp+".path", ErrMissing, "path (the file whose columns are added)")
		}
		v.file(jp+".path", j.Path)
		switch {
		case j.Format != "":
			v.oneOf(jp+".format", j.Format, joinFormats)
		case j.Path != "" && dataset.DetectFormat(j.Path) == dataset.Auto:
			v.errorf(jp+".format", ErrMissing, "format (cannot tell it from the name %s; %s)", filepath.Base(j.Path), known(joinFormats))
		case j.Path != "" && !contains(joinFormats, dataset.DetectFormat(j.Path).String()):
			v.errorf(jp+".path", ErrInvalid, "%s is a %s file; a join reads %s", j.Path, dataset.DetectFormat(j.Path), strings.Join(joinFormats, ", "))
		}
		if strings.TrimSpace(j.On) == "" {
			v.errorf(jp+".on", ErrMissing, "on (%q to join row i to row i, or an id column present in both files)", dataset.JoinOnRow)
		}
		for k, c := range j.Columns {
			cp := fmt.Sprintf("%s.columns[%d]", jp, k)
			switch {
			case c == "":
				v.errorf(cp, ErrInvalid, "empty column name")
			case c == j.On:
				v.errorf(cp, ErrInvalid, "%q is the id column the files are joined on", c)
			case seen[c]:
				v.errorf(cp, ErrDuplicateName, "column %q is added twice", c)
			}
			seen[c] = true
		}
		if j.Delimiter != "" && len([]rune(j.Delimiter)) != 1 {
			v.errorf(jp+".delimiter", ErrInvalid, "%q (want one character)", j.Delimiter)
		}
	}
}

// image validates a dataset's image section.
func (v *validator) image(p string, d *Dataset) {
	im := d.Image
	if im == nil {
		return
	}
	ip := p + ".image"
	if d.Format != "" && !contains(imageFormats, d.Format) {
		v.errorf(ip, ErrInvalid, "an image section applies to formats %s, not %s", strings.Join(imageFormats, ", "), d.Format)
	}
	if d.Format == "imagefolder" && im.Column != "" && im.Column != "image" {
		v.errorf(ip+".column", ErrInvalid, "%q: an imagefolder's images are in the column \"image\"", im.Column)
	}
	if d.Format == "imagefolder" && im.Base != "" {
		v.errorf(ip+".base", ErrInvalid, "an imagefolder's images are found under its path; base is for csv, jsonl and parquet paths")
	}
	if im.Mode != "" {
		v.oneOf(ip+".mode", string(im.Mode), ImageModes)
	}
	for _, x := range []struct {
		key  string
		size []int
	}{{"resize", im.Resize}, {"center_crop", im.CenterCrop}} {
		if len(x.size) > 2 {
			v.errorf(ip+"."+x.key, ErrInvalid, "%v (want [size] or [height, width])", x.size)
		}
		for k, n := range x.size {
			if n < 1 || n > 1<<14 {
				v.errorf(fmt.Sprintf("%s.%s[%d]", ip, x.key, k), ErrInvalid, "%d (want 1..16384)", n)
			}
		}
	}
	if im.Base != "" {
		v.directory(ip+".base", im.Base)
	}
}
