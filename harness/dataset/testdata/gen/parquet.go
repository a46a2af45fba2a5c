//go:build ignore

// Command parquet writes the Parquet test fixtures of harness/dataset with
// parquet-go's writer (the module evalctl reads them with). Run from
// harness/dataset:
//
//	go run testdata/gen/parquet.go
//
// The values are small and hand-picked, so the reader tests can state them
// literally.
package main

import (
	"bytes"
	"image"
	"image/png"
	"log"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

type hfImage struct {
	Bytes []byte `parquet:"bytes,optional"`
	Path  string `parquet:"path,optional"`
}

// row has the column types of a Hugging Face export: numbers, nullable
// values, strings, booleans, lists of floats (array features), nested lists
// (2-D arrays), lists of strings (multiple-choice choices) and an Image
// struct of PNG bytes.
type row struct {
	ID      int64       `parquet:"id"`
	Small   int32       `parquet:"small"`
	U8      uint8       `parquet:"u8"`
	X       *float64    `parquet:"x,optional"`
	F       float32     `parquet:"f"`
	Flag    bool        `parquet:"flag"`
	Name    *string     `parquet:"name,optional,dict"`
	Vec     []float32   `parquet:"vec,list"`
	Mat     [][]float64 `parquet:"mat,list"`
	Choices []string    `parquet:"choices,list"`
	Image   hfImage     `parquet:"image"`
}

func pngBytes(v uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	for i := range img.Pix {
		img.Pix[i] = v + uint8(i)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

func rows() []row {
	f := func(x float64) *float64 { return &x }
	s := func(x string) *string { return &x }
	return []row{
		{ID: 0, Small: -3, U8: 200, X: f(1.5), F: 0.25, Flag: true, Name: s("alpha"),
			Vec: []float32{1, 2, 3}, Mat: [][]float64{{1, 2}, {3, 4}}, Choices: []string{"yes", "no"},
			Image: hfImage{Bytes: pngBytes(10), Path: "a.png"}},
		{ID: 1, Small: 7, U8: 0, X: nil, F: -1, Flag: false, Name: nil,
			Vec: []float32{4, 5, 6}, Mat: [][]float64{{5, 6}, {7, 8}}, Choices: []string{"red", "green", "blue"},
			Image: hfImage{Bytes: pngBytes(20), Path: "b.png"}},
		{ID: 2, Small: 0, U8: 255, X: f(-2), F: 1e3, Flag: true, Name: s("gamma"),
			Vec: []float32{7, 8, 9}, Mat: [][]float64{{9, 10}, {11, 12}}, Choices: []string{},
			Image: hfImage{Bytes: pngBytes(30), Path: "c.png"}},
		{ID: 3, Small: 1, U8: 1, X: f(0), F: 0, Flag: false, Name: s("alpha"),
			Vec: []float32{0, 0, 1}, Mat: [][]float64{{0, 0}, {0, 1}}, Choices: []string{"only"},
			Image: hfImage{Bytes: pngBytes(40), Path: "d.png"}},
		{ID: 4, Small: 2, U8: 2, X: f(3.25), F: 2, Flag: true, Name: s("delta"),
			Vec: []float32{-1, -2, -3}, Mat: [][]float64{{-1, -2}, {-3, -4}}, Choices: []string{"a", "b"},
			Image: hfImage{Bytes: pngBytes(50), Path: "e.png"}},
	}
}

func write(name string, opts ...parquet.WriterOption) {
	var b bytes.Buffer
	w := parquet.NewGenericWriter[row](&b, opts...)
	if _, err := w.Write(rows()); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

type ragged struct {
	Mat [][]float32 `parquet:"mat,list"`
}

func main() {
	// Two rows per row group, so that reading crosses row groups.
	write("testdata/types.parquet", parquet.MaxRowsPerRowGroup(2), parquet.Compression(&snappy.Codec{}))
	write("testdata/types_v2_zstd.parquet", parquet.DataPageVersion(2), parquet.Compression(&zstd.Codec{}))
	var b bytes.Buffer
	w := parquet.NewGenericWriter[ragged](&b)
	if _, err := w.Write([]ragged{{Mat: [][]float32{{1, 2}, {3, 4}}}, {Mat: [][]float32{{1, 2}, {3}}}}); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("testdata/ragged.parquet", b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
