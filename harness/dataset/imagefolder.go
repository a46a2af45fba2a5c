package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// imageExtensions are the file name endings an image folder reads (case
// insensitive). torchvision's ImageFolder also takes .ppm, .bmp, .pgm,
// .tif, .tiff and .webp; those are reported as unsupported rather than
// skipped.
var (
	imageExtensions       = []string{".jpg", ".jpeg", ".png"}
	unsupportedExtensions = []string{".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"}
)

// maxFolderDepth bounds how deep an image folder is walked (symbolic links
// are followed, as torchvision does, so a loop must end somewhere).
const maxFolderDepth = 32

// imageFile is one image of an image folder.
type imageFile struct {
	path  string // as opened
	rel   string // relative to the root, slash-separated
	class int
}

// imageFolderReader lists root/<class>/**/<file> as torchvision's
// ImageFolder does and yields one record per image: the columns image (the
// file's path; Open decodes it), label (the class folder's name, a Nominal
// column over the sorted class names) and path (relative to the root).
type imageFolderReader struct {
	stream
	root    string
	classes []string
	files   []imageFile
	next    int
}

func openImageFolder(spec Spec) (Reader, error) {
	root := spec.Path
	files, classes, err := listImageFolder(root)
	if err != nil {
		return nil, err
	}
	r := &imageFolderReader{root: root, classes: classes, files: files}
	r.cols = []Column{
		{Name: "image", Kind: String},
		{Name: "label", Kind: Nominal, Nominal: classes},
		{Name: "path", Kind: String},
	}
	return r, nil
}

// listImageFolder returns the images under root in torchvision's order:
// classes sorted by name; within a class, folders in sorted order of their
// path (os.walk, sorted) and files sorted by name.
func listImageFolder(root string) ([]imageFile, []string, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, nil, fmt.Errorf("open image folder: %w", err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("%s: an image folder must be a directory with one subfolder per class (root/<class>/<image>)", root)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, fmt.Errorf("open image folder: %w", err)
	}
	var classes []string
	for _, e := range entries {
		if isDir(filepath.Join(root, e.Name())) {
			classes = append(classes, e.Name())
		}
	}
	slices.Sort(classes)
	if len(classes) == 0 {
		return nil, nil, fmt.Errorf("%s: no class folders found (expected root/<class>/<image>)", root)
	}
	var files []imageFile
	var empty []string
	for ci, c := range classes {
		n := len(files)
		type dir struct {
			path  string
			names []string
		}
		var dirs []dir
		var walk func(p string, depth int) error
		walk = func(p string, depth int) error {
			if depth > maxFolderDepth {
				return fmt.Errorf("%s: folders nested deeper than %d (a symbolic link loop?)", p, maxFolderDepth)
			}
			es, err := os.ReadDir(p)
			if err != nil {
				return fmt.Errorf("image folder: %w", err)
			}
			d := dir{path: p}
			for _, e := range es {
				full := filepath.Join(p, e.Name())
				if isDir(full) {
					if err := walk(full, depth+1); err != nil {
						return err
					}
					continue
				}
				d.names = append(d.names, e.Name())
			}
			slices.Sort(d.names)
			dirs = append(dirs, d)
			return nil
		}
		if err := walk(filepath.Join(root, c), 0); err != nil {
			return nil, nil, err
		}
		slices.SortFunc(dirs, func(a, b dir) int { return strings.Compare(a.path, b.path) })
		for _, d := range dirs {
			for _, name := range d.names {
				full := filepath.Join(d.path, name)
				ext := strings.ToLower(filepath.Ext(name))
				if slices.Contains(unsupportedExtensions, ext) {
					return nil, nil, fmt.Errorf("%s: %s images are not supported (PNG and JPEG are)", full, strings.TrimPrefix(ext, "."))
				}
				if !slices.Contains(imageExtensions, ext) {
					continue // not an image, as torchvision's is_valid_file
				}
				rel, err := filepath.Rel(root, full)
				if err != nil {
					rel = full
				}
				files = append(files, imageFile{path: full, rel: filepath.ToSlash(rel), class: ci})
			}
		}
		if len(files) == n {
			empty = append(empty, c)
		}
	}
	if len(empty) > 0 {
		return nil, nil, fmt.Errorf("%s: no .png, .jpg or .jpeg file in class folder(s) %s", root, strings.Join(empty, ", "))
	}
	return files, classes, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p) // follows symbolic links
	return err == nil && st.IsDir()
}

// Len returns the number of images.
func (r *imageFolderReader) Len() int { return len(r.files) }

func (r *imageFolderReader) Next() bool {
	if r.done || r.next >= len(r.files) {
		r.done = true
		return false
	}
	f := r.files[r.next]
	r.rec = Record{Index: r.next, Loc: f.path, Values: []Value{
		{Kind: String, Str: f.path},
		{Kind: String, Str: r.classes[f.class], Num: float64(f.class)},
		{Kind: String, Str: f.rel},
	}}
	r.next++
	return true
}

// imageFolderFiles lists the images of a folder for provenance hashes.
func imageFolderFiles(root string) []string {
	files, _, err := listImageFolder(root)
	if err != nil {
		return []string{root} // hashing the folder then fails with a clear error
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out
}
