package harness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/tokenizer"
	"github.com/evalctl/evalctl/tasks"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// rowDecoder turns rows of one model output into predictions: a
// classifier (tasks.Classifier), a regressor (tasks.Regressor) or an
// encoder whose representation is pooled (tasks.Embedder).
type rowDecoder interface {
	PickOutput(outs []tensor.Info) (string, error)
	Decode(out tensor.Tensor, rows int, dst []tasks.Prediction) error
	Mode() tasks.ScoreMode
	SetMode(tasks.ScoreMode)
}

// maskedDecoder is implemented by decoders that need the batch's attention
// mask (mean and max pooling over tokens).
type maskedDecoder interface {
	DecodeMasked(out tensor.Tensor, mask []int64, rows int, dst []tasks.Prediction) error
}

// rowEngine feeds one input row per example (numeric features, or text
// tokenized by the dataset's text feature) and decodes one output row per
// example.
type rowEngine struct {
	in     inputEncoder
	batch  int
	fixed  bool // the model has a fixed batch size: every call is padded to it
	dec    rowDecoder
	output string
	checkE func(*cachedPred) error
	// the batch being filled (always within one chunk)
	recs []dataset.Record
	idx  []int
	// text: when the input is tokenized text of varying length, examples
	// are tokenized as they arrive and batched by length within a window
	// (sorted longest first), so that little of each batch is padding.
	text   *textEncoder
	window []windowed
}

// windowed is one tokenized example waiting in the length window.
type windowed struct {
	i   int
	enc tokenizer.Encoding
}

// lengthWindow is how many batches' worth of text examples are sorted by
// length together (the window never spans chunks).
const lengthWindow = 16

// newRowEngine binds the model's inputs to the dataset's features (or its
// text feature) and chooses the output dec reads.
func (r *runner) newRowEngine(mr *modelRun, ds string, cols []dataset.Column, enc *encoders, dec rowDecoder, check func(*cachedPred) error) (*rowEngine, error) {
	e := &rowEngine{dec: dec, batch: r.batch, checkE: check}
	d, _ := r.s.Dataset(ds)
	te, err := newTextEncoder(r.s, d, cols, mr.om.Inputs, r.batch)
	if err != nil {
		return nil, err
	}
	if te != nil {
		e.in = te
		if te.fixedLen == 0 {
			e.text = te
		}
	} else {
		binds, b, err := bind(mr.m, mr.om.Inputs, enc, r.batch)
		if err != nil {
			return nil, err
		}
		e.in, e.batch = &featureEncoder{binds: binds, enc: enc}, b
		for _, bd := range binds {
			if len(bd.input.Shape) > 0 && bd.input.Shape[0] > 0 {
				e.fixed = true
			}
		}
	}
	if e.output, err = dec.PickOutput(mr.om.Outputs); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *rowEngine) add(c *chunk, i int, rec *dataset.Record) ([]*batch, error) {
	if e.text != nil {
		enc, err := e.text.tokenize(rec)
		if err != nil {
			return nil, err
		}
		e.window = append(e.window, windowed{i: i, enc: enc})
		if len(e.window) < lengthWindow*e.batch {
			return nil, nil
		}
		return e.cutWindow(c), nil
	}
	e.recs = append(e.recs, *rec)
	e.idx = append(e.idx, i)
	if len(e.recs) < e.batch {
		return nil, nil
	}
	b, err := e.make(c)
	return []*batch{b}, err
}

func (e *rowEngine) flush(c *chunk) ([]*batch, error) {
	if e.text != nil {
		return e.cutWindow(c), nil
	}
	if len(e.recs) == 0 {
		return nil, nil
	}
	b, err := e.make(c)
	return []*batch{b}, err
}

// make encodes the pending records into one batch.
func (e *rowEngine) make(c *chunk) (*batch, error) {
	rows := len(e.recs)
	if e.fixed {
		rows = e.batch
	}
	ins, err := e.in.encode(e.recs, rows)
	if err != nil {
		return nil, err
	}
	b := &batch{c: c, idx: e.idx, inputs: ins, rows: len(e.recs)}
	e.recs, e.idx = e.recs[:0], nil
	return b, nil
}

// cutWindow sorts the window's examples by token count (longest first,
// ties in reading order) and cuts them into batches; decoding puts each
// prediction back in its place.
func (e *rowEngine) cutWindow(c *chunk) []*batch {
	w := e.window
	e.window = nil
	sort.SliceStable(w, func(a, b int) bool { return w[a].enc.Len() > w[b].enc.Len() })
	var out []*batch
	for k := 0; k < len(w); k += e.batch {
		part := w[k:min(k+e.batch, len(w))]
		encs := make([]tokenizer.Encoding, len(part))
		b := &batch{c: c, rows: len(part), idx: make([]int, len(part))}
		longest := 1
		for r, x := range part {
			encs[r], b.idx[r] = x.enc, x.i
			b.tokens += int64(x.enc.Len())
			longest = max(longest, x.enc.Len())
		}
		b.padded = int64(len(part) * longest)
		b.inputs = e.text.tensors(encs, len(part))
		out = append(out, b)
	}
	return out
}

func (e *rowEngine) infer(ctx context.Context, m Model, b *batch, ready func() error) error {
	var mask []int64
	for _, in := range b.inputs {
		if in.Name == "attention_mask" {
			if mk, ok := in.Data.([]int64); ok {
				mask = mk
			}
		}
	}
	first, last := b.c.preds[slices.Min(b.idx)].Index, b.c.preds[slices.Max(b.idx)].Index
	t0 := time.Now()
	outs, err := m.Run(ctx, b.inputs)
	b.latency = time.Since(t0)
	if err != nil {
		return fmt.Errorf("inference on examples %d..%d: %w", first, last, err)
	}
	if err := ready(); err != nil {
		return err
	}
	for _, o := range outs {
		if o.Name != e.output {
			continue
		}
		// Rows are the examples b.idx lists; in reading order they are a
		// contiguous run of the chunk, decoded in place.
		contiguous := b.idx[len(b.idx)-1]-b.idx[0] == len(b.idx)-1 && slices.IsSorted(b.idx)
		var dst []tasks.Prediction
		if contiguous {
			dst = b.c.preds[b.idx[0] : b.idx[0]+b.rows]
		} else {
			dst = make([]tasks.Prediction, b.rows)
			for r, i := range b.idx {
				dst[r] = b.c.preds[i]
			}
		}
		if md, ok := e.dec.(maskedDecoder); ok {
			err = md.DecodeMasked(o, mask, b.rows, dst)
		} else {
			err = e.dec.Decode(o, b.rows, dst)
		}
		if err != nil {
			return fmt.Errorf("decode examples %d..%d: %w", first, last, err)
		}
		if !contiguous {
			for r, i := range b.idx {
				b.c.preds[i] = dst[r]
			}
		}
		return nil
	}
	return fmt.Errorf("model returned no output %q", e.output)
}

func (e *rowEngine) finish(*chunk) error { return nil }

func (e *rowEngine) label(*dataset.Record, *tasks.Prediction) error {
	return errors.New("row engines do not read labels")
}

func (e *rowEngine) cacheMode() string         { return string(e.dec.Mode()) }
func (e *rowEngine) setCacheMode(m string)     { e.dec.SetMode(tasks.ScoreMode(m)) }
func (e *rowEngine) check(c *cachedPred) error { return e.checkE(c) }

// checkClassPred validates a cached classifier prediction over k classes.
func checkClassPred(k int) func(*cachedPred) error {
	return func(c *cachedPred) error {
		if c.Invalid != "" {
			if c.Pred != -1 {
				return fmt.Errorf("invalid output with class %d", c.Pred)
			}
			return nil
		}
		if c.Pred < 0 || c.Pred >= k {
			return fmt.Errorf("class %d out of range 0..%d", c.Pred, k-1)
		}
		if len(c.Probs) != k {
			return fmt.Errorf("%d probabilities for %d classes", len(c.Probs), k)
		}
		for _, p := range c.Probs {
			if math.IsNaN(p) || p < 0 || p > 1 {
				return fmt.Errorf("probability %v outside [0, 1]", p)
			}
		}
		return nil
	}
}

// checkValuePred validates a cached regression prediction.
func checkValuePred(c *cachedPred) error {
	if c.Invalid == "" && (math.IsNaN(c.Value) || math.IsInf(c.Value, 0)) {
		return errors.New("value is not finite")
	}
	return nil
}

// checkVectorPred validates a cached embedding.
func checkVectorPred(c *cachedPred) error {
	n, err := c.vectorLen()
	if err != nil {
		return err
	}
	if n == 0 {
		return errors.New("empty embedding")
	}
	return nil
}
