package result

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/evalctl/evalctl/harness/inputerr"
)

// ErrSchema is returned (wrapped) when a file is not an evalctl result of a
// schema version this build reads.
var ErrSchema = errors.New("unsupported result schema")

// WriteFile writes r to path atomically (temporary file, fsync, rename).
func WriteFile(path string, r *Result) error {
	b, err := marshal(r)
	if err != nil {
		return fmt.Errorf("encode result %s: %w", path, err)
	}
	return WriteFileAtomic(path, b)
}

// WriteFileAtomic writes data to path so that readers see either the old
// file or the complete new one (see CreateAtomic).
func WriteFileAtomic(path string, data []byte) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// AtomicFile is a file being written that appears at its path only when
// committed: it is a temporary file in the same folder, synced and renamed
// over the path by Commit. Abort (or a crash) leaves the path as it was.
type AtomicFile struct {
	*os.File
	path string
}

// CreateAtomic starts an atomic write of path, creating its folder.
func CreateAtomic(path string) (*AtomicFile, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &AtomicFile{File: f, path: path}, nil
}

// Commit syncs the temporary file and renames it over the path.
func (a *AtomicFile) Commit() error {
	tmp := a.Name()
	serr := a.Sync()
	cerr := a.Close()
	if err := errors.Join(serr, cerr, os.Chmod(tmp, 0o644)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	if err := os.Rename(tmp, a.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	return nil
}

// Abort discards the temporary file.
func (a *AtomicFile) Abort() {
	a.Close()
	os.Remove(a.Name())
}

// ReadFile reads and decodes a result file, checking its schema. Its errors
// are marked as invalid input (package inputerr).
func ReadFile(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, inputerr.Errorf("read result: %w", err)
	}
	r, err := Decode(b)
	if err != nil {
		return nil, inputerr.Errorf("read result %s: %w", path, err)
	}
	return r, nil
}

// Decode decodes a result document, rejecting unknown fields and schema
// versions other than Schema.
func Decode(b []byte) (*Result, error) {
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if head.Schema != Schema {
		if head.Schema == "" {
			return nil, fmt.Errorf("%w: no \"schema\" field (want %q)", ErrSchema, Schema)
		}
		return nil, fmt.Errorf("%w: %q (this evalctl reads %q)", ErrSchema, head.Schema, Schema)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r Result
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Prediction is one example's prediction, one line of the sidecar file.
type Prediction struct {
	// Eval is the evaluation key "model/task/variant".
	Eval  string `json:"eval"`
	Index int    `json:"i"`
	ID    string `json:"id,omitempty"`
	// Label is the true class index (-1 when unlabelled); Pred the predicted one.
	Label int       `json:"y"`
	Pred  int       `json:"pred"`
	Probs []float64 `json:"p,omitempty"`
	// Target and Score are set for regression and scoring tasks.
	Target *float64          `json:"target,omitempty"`
	Score  *float64          `json:"score,omitempty"`
	Groups map[string]string `json:"g,omitempty"`
	// Invalid holds why the output was unusable (NaN or Inf), if it was.
	Invalid string `json:"invalid,omitempty"`
	// Changed is true when the variant (a perturbation or counterfactual
	// substitution) changed this example's input.
	Changed bool `json:"changed,omitempty"`
	// LLs holds the log-likelihood of each scored text of a language-model
	// example (the choices of a multiple-choice question, a perplexity
	// document, the two sentences of a pair).
	LLs []TextLL `json:"lls,omitempty"`
	// Vector is the example's embedding (WEAT words).
	Vector []float32 `json:"vec,omitempty"`
	// Ranked holds a retrieval query's best-ranked document ids, best first.
	Ranked []string `json:"ranked,omitempty"`
	// KShot holds, for a probe's k-shot curve, 1 where the fit of each
	// (shots, seed) predicted this example correctly and 0 where not.
	KShot []float64 `json:"kshot,omitempty"`
	// Generation: the generated text, its token ids, why generation
	// stopped ("eos", "stop" for a stop sequence, "length") and the
	// example's reference answers.
	Text       string   `json:"text,omitempty"`
	Tokens     []int64  `json:"tokens,omitempty"`
	Stop       string   `json:"stop,omitempty"`
	References []string `json:"refs,omitempty"`
	// Want is an extraction example's true suffix (token ids).
	Want []int64 `json:"want_tokens,omitempty"`
}

// TextLL is the log-likelihood of one scored text, as lm-evaluation-harness
// reports per request: the summed log-probability (natural log; null when
// the model's output was not finite), whether every token was the model's
// greedy choice, and the text's size.
type TextLL struct {
	LL     Float `json:"ll"`
	Greedy bool  `json:"greedy"`
	Tokens int   `json:"tokens"`
	Chars  int   `json:"chars,omitempty"`
	Bytes  int   `json:"bytes,omitempty"`
	Words  int   `json:"words,omitempty"`
	// UncondLL is the text's log-likelihood with an empty context (the
	// prefix token only), kept when the task asks for acc_mutual_info;
	// null when the model's output was not finite.
	UncondLL *Float `json:"uncond_ll,omitempty"`
}

// PredictionWriter streams predictions as JSON lines.
type PredictionWriter struct {
	w   *bufio.Writer
	enc *json.Encoder
}

// NewPredictionWriter returns a writer of JSON lines to w. Call Flush when done.
func NewPredictionWriter(w io.Writer) *PredictionWriter {
	bw := bufio.NewWriterSize(w, 1<<16)
	return &PredictionWriter{w: bw, enc: json.NewEncoder(bw)}
}

// Write appends one prediction.
func (p *PredictionWriter) Write(pr *Prediction) error { return p.enc.Encode(pr) }

// Flush writes buffered lines to the underlying writer.
func (p *PredictionWriter) Flush() error { return p.w.Flush() }

// GzipSuffix ends the name of a gzip-compressed predictions sidecar
// ("predictions.jsonl.gz"); ReadPredictions reads such files whatever their name.
const GzipSuffix = ".gz"

// ReadPredictions streams the sidecar at path, calling fn for each line in
// order. A gzip-compressed sidecar (recognised by its magic bytes, not its
// name) is decompressed on the fly. It stops at the first error, which names
// the file and line; a line that does not parse is marked as invalid input
// (package inputerr).
func ReadPredictions(path string, fn func(*Prediction) error) error {
	f, err := os.Open(path)
	if err != nil {
		return inputerr.Errorf("read predictions: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("read predictions: %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	line := 0
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var p Prediction
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return inputerr.Errorf("%s:%d: %w", path, line, err)
		}
		if err := fn(&p); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return inputerr.Errorf("%s:%d: %w", path, line+1, err)
	}
	return nil
}
