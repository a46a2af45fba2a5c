// Command bareloop is the reference side of evalctl's end-to-end
// throughput benchmark (scripts/bench-e2e.sh, docs/benchmarks.md): the
// least a Go program can do to run a dataset through ONNX Runtime with
// onnxruntime_go — read an NPY file of float32 images, cut it into
// batches, run each batch, read the outputs — so that `evalctl run` on the
// same file, model, batch size and threads can be compared with it as a
// whole process, start to exit.
//
//	bareloop gen -images IDX.gz -labels IDX.gz -n 20000 -out DIR
//	    writes DIR/images.npy (float32 [n,1,28,28], normalised as the
//	    quickstart suite does) and DIR/labels.npy (int64 [n])
//	bareloop run -model M.onnx -npy DIR/images.npy [-batch 64] [-threads 1]
//	    runs the images through the model and prints examples/s
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/evalctl/evalctl/harness/ort"
	ortgo "github.com/yalue/onnxruntime_go"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bareloop gen|run [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (want gen or run)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bareloop:", err)
		os.Exit(1)
	}
}

// run is the bare loop.
func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	model := fs.String("model", "", "ONNX model with one input [batch, 1, 28, 28] and one output")
	npy := fs.String("npy", "", "float32 NPY file of images [n, 1, 28, 28]")
	batch := fs.Int("batch", 64, "batch size")
	threads := fs.Int("threads", 1, "ONNX Runtime intra-op threads")
	spin := fs.Bool("spin", true, "let idle ONNX Runtime threads spin (ONNX Runtime's default; evalctl's runtime.allow_spinning defaults to false)")
	input := fs.String("input", "image", "model input name")
	output := fs.String("output", "logits", "model output name")
	fs.Parse(args)
	start := time.Now()
	lib, _, err := ort.FindLibrary("")
	if err != nil {
		return err
	}
	ortgo.SetSharedLibraryPath(lib)
	if err := ortgo.InitializeEnvironment(ortgo.WithLogLevelError()); err != nil {
		return err
	}
	defer ortgo.DestroyEnvironment()
	data, shape, err := readNPY(*npy)
	if err != nil {
		return err
	}
	opts, err := ortgo.NewSessionOptions()
	if err != nil {
		return err
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(*threads); err != nil {
		return err
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return err
	}
	if !*spin {
		for _, key := range []string{"session.intra_op.allow_spinning", "session.inter_op.allow_spinning"} {
			if err := opts.AddSessionConfigEntry(key, "0"); err != nil {
				return err
			}
		}
	}
	sess, err := ortgo.NewDynamicAdvancedSession(*model, []string{*input}, []string{*output}, opts)
	if err != nil {
		return err
	}
	defer sess.Destroy()
	n, per := int(shape[0]), 1
	for _, d := range shape[1:] {
		per *= int(d)
	}
	sum := 0.0
	for off := 0; off < n; off += *batch {
		rows := min(*batch, n-off)
		dims := append([]int64{int64(rows)}, shape[1:]...)
		in, err := ortgo.NewTensor(ortgo.NewShape(dims...), data[off*per:(off+rows)*per])
		if err != nil {
			return err
		}
		outs := []ortgo.Value{nil}
		if err := sess.Run([]ortgo.Value{in}, outs); err != nil {
			return err
		}
		for _, v := range outs[0].(*ortgo.Tensor[float32]).GetData() {
			sum += float64(v)
		}
		outs[0].Destroy()
		in.Destroy()
	}
	el := time.Since(start)
	fmt.Printf("%d examples in %.3f s: %.0f examples/s (checksum %.6g)\n", n, el.Seconds(), float64(n)/el.Seconds(), sum)
	return nil
}

// readNPY reads a little-endian float32 NPY file.
func readNPY(path string) ([]float32, []int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(b) < 10 || string(b[1:6]) != "NUMPY" {
		return nil, nil, fmt.Errorf("%s: not an npy file", path)
	}
	var hlen, off int
	if b[6] == 1 {
		hlen, off = int(binary.LittleEndian.Uint16(b[8:])), 10
	} else {
		hlen, off = int(binary.LittleEndian.Uint32(b[8:])), 12
	}
	header := string(b[off : off+hlen])
	if !strings.Contains(header, "'<f4'") {
		return nil, nil, fmt.Errorf("%s: want float32 data, header %s", path, header)
	}
	i := strings.Index(header, "(")
	j := strings.Index(header, ")")
	var shape []int64
	for _, f := range strings.Split(header[i+1:j], ",") {
		if f = strings.TrimSpace(f); f != "" {
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: shape %s", path, header[i:j+1])
			}
			shape = append(shape, v)
		}
	}
	body := b[off+hlen:]
	data := make([]float32, len(body)/4)
	for k := range data {
		data[k] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*k:]))
	}
	return data, shape, nil
}

// gen writes the benchmark's NPY files from Fashion-MNIST IDX files.
func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	images := fs.String("images", "", "IDX images (gzip)")
	labels := fs.String("labels", "", "IDX labels (gzip)")
	n := fs.Int("n", 20000, "examples to write")
	out := fs.String("out", "", "output folder")
	fs.Parse(args)
	img, err := readIDX(*images, 16)
	if err != nil {
		return err
	}
	lab, err := readIDX(*labels, 8)
	if err != nil {
		return err
	}
	if len(img) < *n*784 || len(lab) < *n {
		return fmt.Errorf("the IDX files hold %d examples, want %d", len(lab), *n)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	x := make([]byte, 4**n*784)
	for i := 0; i < *n*784; i++ {
		v := (float32(img[i])*(1.0/255) - 0.2860) / 0.3530
		binary.LittleEndian.PutUint32(x[4*i:], math.Float32bits(v))
	}
	if err := writeNPY(filepath.Join(*out, "images.npy"), "<f4", fmt.Sprintf("(%d, 1, 28, 28)", *n), x); err != nil {
		return err
	}
	y := make([]byte, 8**n)
	for i := 0; i < *n; i++ {
		binary.LittleEndian.PutUint64(y[8*i:], uint64(lab[i]))
	}
	return writeNPY(filepath.Join(*out, "labels.npy"), "<i8", fmt.Sprintf("(%d,)", *n), y)
}

func readIDX(path string, header int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b, err := io.ReadAll(bufio.NewReader(zr))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) < header {
		return nil, errors.New(path + ": too short")
	}
	return b[header:], nil
}

func writeNPY(path, descr, shape string, body []byte) error {
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	pad := 64 - (10+len(h)+1)%64
	h += strings.Repeat(" ", pad%64) + "\n"
	var b []byte
	b = append(b, "\x93NUMPY\x01\x00"...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	b = append(b, h...)
	b = append(b, body...)
	return os.WriteFile(path, b, 0o644)
}
