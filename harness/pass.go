package harness

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/evalctl/evalctl/harness/cost"
	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/inputerr"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// This file is the one prediction pass every task kind goes through:
//
//	read → select (--limit, --shard) → variant transform → label, id, groups
//	  → engine: records → batches of input tensors
//	  → inference (one model call at a time)
//	  → engine: outputs → per-example predictions
//	  → chunk cache (content-addressed, integrity-checked) → predictions
//
// Reading and encoding run on one goroutine, inference and decoding on two
// workers (the second runs the next batch while the first decodes, and
// decoding stays in batch order), and finished chunks are cached by a fourth,
// so every stage overlaps with inference. Kinds differ only in their
// engine: rowEngine (one input row per example: classifiers, regressors,
// encoders) or llEngine (log-likelihood requests of language models).

// passSpec is one prediction pass: one dataset, under one variant, through
// the model of a modelRun.
type passSpec struct {
	// what names the pass in errors and progress ("clean", "calibration
	// split fmnist-calib", "probe train split fmnist-train").
	what    string
	dataset *suite.Dataset
	variant variant
	// shard applies --shard; false for splits every shard needs whole (a
	// probe's training data, a retrieval corpus, WEAT's word list).
	shard bool
	// label says what the pass reads as each example's truth.
	label labelNeed
	// newEngine builds the engine once the dataset is open and compiled.
	newEngine func(cols []dataset.Column, enc *encoders) (engine, error)
	// key holds what the predictions depend on beyond the model, the
	// dataset, the variant, --limit and --shard (the engine's settings).
	key []any
}

// labelNeed says which truth a pass reads.
type labelNeed int

const (
	labelNone     labelNeed = iota // unlabelled (retrieval queries and corpora, WEAT words)
	labelClass                     // the dataset's class label, required
	labelOptional                  // the class label when the dataset declares one
	labelTarget                    // a regression target, required
	labelEngine                    // the engine reads the truth (multiple-choice gold)
)

// passResult is what a pass produced.
type passResult struct {
	preds   []tasks.Prediction
	classes []string // the dataset's class names, when labelled
	groups  []string // the dataset's group attribute names
	stats   streamStats
	engine  engine
}

// streamStats are the statistics of one pass.
type streamStats struct {
	wall, inference time.Duration
	latencies       []float64
	batches         int
	resumed         int
	batchSize       int
	tokens, padded  int64 // language-model passes: real and padded input tokens run
	// Cached figures: those stored with cached chunks by the run that
	// computed them.
	cachedWall, cachedInference time.Duration
	cachedBatches               int
	cachedLatencies             []float64
	// cost is the measured cost of the pass (harness/cost).
	cost cost.Reading
}

// plus returns the statistics of two passes together.
func (a streamStats) plus(b streamStats) streamStats {
	a.wall += b.wall
	a.inference += b.inference
	a.latencies = append(slices.Clone(a.latencies), b.latencies...)
	a.batches += b.batches
	a.resumed += b.resumed
	a.tokens += b.tokens
	a.padded += b.padded
	a.cachedWall += b.cachedWall
	a.cachedInference += b.cachedInference
	a.cachedBatches += b.cachedBatches
	a.cachedLatencies = append(slices.Clone(a.cachedLatencies), b.cachedLatencies...)
	a.cost = a.cost.Plus(b.cost)
	return a
}

// engine turns a pass's records into model batches and the model's outputs
// into predictions. add and flush run on the reading goroutine; infer on an
// inference worker; finish on the collecting goroutine. An engine keeps
// per-chunk state in chunk.state, never across chunks.
type engine interface {
	// add takes example i of chunk c (its record after the variant's
	// transform; c.preds[i] holds its index, id, label and groups) and
	// returns the batches that are now complete.
	add(c *chunk, i int, rec *dataset.Record) ([]*batch, error)
	// flush returns the batches of c's remaining examples.
	flush(c *chunk) ([]*batch, error)
	// infer runs b through m and decodes the outputs into b.c. It calls
	// ready once the model is free and the outputs are in hand, before
	// decoding (ready blocks until it is b's turn to decode).
	infer(ctx context.Context, m Model, b *batch, ready func() error) error
	// finish completes c's predictions once all its batches are decoded.
	finish(c *chunk) error
	// label reads an example's truth (engines with labelEngine only).
	label(rec *dataset.Record, p *tasks.Prediction) error
	// cacheMode is recorded with cached chunks (a classifier's resolved
	// score mode); setCacheMode restores it from a cached chunk.
	cacheMode() string
	setCacheMode(string)
	// check validates a cached entry before it is trusted.
	check(e *cachedPred) error
}

// chunk is chunkSize consecutive selected examples, the unit of caching.
// preds and locs are allocated whole when the chunk starts, so that the
// reading goroutine can add examples while workers decode earlier batches
// of the same chunk into it; n counts the examples added.
type chunk struct {
	no     int
	preds  []tasks.Prediction
	locs   []string
	n      int
	cached bool
	mode   string // cached: the stored cache mode
	stats  chunkStats
	state  any
}

// batch is one model call.
type batch struct {
	c      *chunk
	seq    int
	idx    []int // the examples (positions in c.preds) of the rows, in row order
	inputs []tensor.Tensor
	rows   int  // real rows (inputs may be padded to a fixed batch size)
	last   bool // the last batch of its chunk
	aux    any  // the engine's per-batch data
	// set by the worker
	ran     bool
	mode    string // the engine's cache mode after this batch decoded
	latency time.Duration
	tokens  int64
	padded  int64
}

// runPass streams one dataset through the model of mr.
func (r *runner) runPass(ctx context.Context, mr *modelRun, ps *passSpec) (*passResult, error) {
	rd, err := r.openPass(ps.dataset)
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", ps.dataset.Name, err)
	}
	defer rd.Close()
	cols := rd.Columns()
	// Everything up to the engine checks the suite against the data and the
	// model: its errors are invalid input (exit 2).
	enc, err := compileDataset(ps.dataset, cols, ps.label == labelTarget)
	if err != nil {
		return nil, inputerr.Mark(err)
	}
	switch {
	case ps.label == labelClass && enc.label == nil:
		return nil, inputerr.Errorf("dataset %q declares no label", ps.dataset.Name)
	case ps.label == labelTarget && enc.target < 0:
		return nil, inputerr.Errorf("dataset %q declares no target (label) column", ps.dataset.Name)
	}
	var tf transform
	if ps.variant.build != nil {
		if tf, err = ps.variant.build(cols); err != nil {
			return nil, inputerr.Errorf("dataset %q, variant %s: %w", ps.dataset.Name, ps.variant.name, err)
		}
	}
	var eng engine
	if err := inputerr.Safely(func() (err error) { eng, err = ps.newEngine(cols, enc); return err }); err != nil {
		return nil, inputerr.Mark(err)
	}
	shard := ""
	if ps.shard {
		shard = r.opt.Shard.String()
	}
	key := cacheKey("pass-v2", mr.hash, r.dsHash[ps.dataset.Name], ps.dataset, ps.label, ps.key,
		r.opt.ORTVersion, mr.om.Provider, r.opt.Limit, shard, ps.variant.name, ps.variant.key)
	p := &passRun{r: r, mr: mr, ps: ps, rd: rd, enc: enc, tf: tf, eng: eng, key: key}
	p.progress = Progress{Model: mr.m.Name, Task: mr.task, Variant: ps.what}
	if l, ok := rd.(dataset.Lener); ok {
		sh := Shard{}
		if ps.shard {
			sh = r.opt.Shard
		}
		p.progress.Total = selectedCount(l.Len(), r.opt.Limit, sh)
	}
	res := &passResult{groups: enc.gnames, engine: eng}
	if enc.label != nil {
		res.classes = enc.label.Classes()
	}
	span := mr.meter.Start()
	res.preds, res.stats, err = p.run(ctx)
	res.stats.cost = span.Stop()
	if err != nil {
		return nil, err
	}
	r.noteExamples(ps.dataset.Name, len(res.preds))
	if r.opt.Progress != nil {
		p.progress.Done, p.progress.Finished = len(res.preds), true
		r.opt.Progress(p.progress)
	}
	return res, nil
}

// passRun is one pass in flight.
type passRun struct {
	r        *runner
	mr       *modelRun
	ps       *passSpec
	rd       dataset.Reader
	enc      *encoders
	tf       transform
	eng      engine
	key      string
	progress Progress
}

// run is the pipeline: a producer, two inference workers and the
// collecting caller, plus a cache writer.
func (p *passRun) run(ctx context.Context) ([]tasks.Prediction, streamStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	var (
		errMu    sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		cancel()
	}
	toInfer := make(chan *batch, 4)
	decoded := make(chan *batch, 4)
	var producer sync.WaitGroup
	producer.Go(func() {
		defer close(toInfer)
		// A panic anywhere in the pipeline becomes the pass's error
		// (inputerr.Safely), never a crash of the process.
		if err := inputerr.Safely(func() error { return p.produce(ctx, toInfer) }); err != nil {
			fail(err)
		}
	})

	// Inference: one model call at a time (gate), taken in batch order;
	// decoding in batch order (turn), overlapping the next call.
	gate := make(chan struct{}, 1)
	var (
		turnMu sync.Mutex
		turn   = sync.NewCond(&turnMu)
		next   int // seq of the batch whose turn it is to decode
		dead   bool
	)
	waitTurn := func(seq int) error {
		turnMu.Lock()
		defer turnMu.Unlock()
		for next != seq && !dead {
			turn.Wait()
		}
		if dead {
			return context.Canceled
		}
		return nil
	}
	advance := func() {
		turnMu.Lock()
		next++
		turn.Broadcast()
		turnMu.Unlock()
	}
	go func() { // wake waiters when the pass stops
		<-ctx.Done()
		turnMu.Lock()
		dead = true
		turn.Broadcast()
		turnMu.Unlock()
	}()
	worker := func() {
		for {
			gate <- struct{}{}
			b, ok := <-toInfer
			if !ok {
				<-gate
				return
			}
			if len(b.inputs) == 0 {
				<-gate
			} else {
				released := false
				ready := func() error {
					if !released {
						released = true
						<-gate
					}
					return waitTurn(b.seq)
				}
				err := inputerr.Safely(func() error { return p.eng.infer(ctx, p.mr.om.Model, b, ready) })
				if !released {
					<-gate
				}
				if err != nil {
					if ctx.Err() == nil {
						fail(err)
					}
					continue
				}
				b.inputs, b.ran = nil, true
			}
			if err := waitTurn(b.seq); err != nil {
				continue
			}
			if b.c.cached && b.last && b.c.mode != "" && p.eng.cacheMode() == "" {
				// A decoder whose mode is resolved from data (a classifier's
				// auto score mode) takes the mode of the run that computed
				// the cache, in turn, before any later batch decodes.
				p.eng.setCacheMode(b.c.mode)
			}
			b.mode = p.eng.cacheMode()
			select {
			case decoded <- b:
			case <-ctx.Done():
			}
			advance()
		}
	}
	var workers sync.WaitGroup
	for range 2 {
		workers.Go(worker)
	}
	go func() {
		workers.Wait()
		close(decoded)
	}()

	// Chunks go to the cache from their own goroutine, so that a slow disk
	// (each chunk is synced) never stalls inference.
	toStore := make(chan *chunkFile, 8)
	stored := make(chan struct{})
	go func() {
		defer close(stored)
		for cf := range toStore {
			if err := inputerr.Safely(func() error { return p.r.cache.store(cf) }); err != nil {
				fail(err)
				for range toStore {
				}
				return
			}
		}
	}()

	var preds []tasks.Prediction
	st := streamStats{batchSize: p.r.batch}
	chunkStart := time.Now()
	var cs chunkStats
	for b := range decoded {
		if ctx.Err() != nil {
			continue
		}
		c := b.c
		if b.ran {
			st.batches++
			st.inference += b.latency
			st.latencies = append(st.latencies, float64(b.latency.Nanoseconds())/1e6)
			st.tokens += b.tokens
			st.padded += b.padded
			cs.Batches++
			cs.Inference += b.latency.Seconds()
			cs.Latencies = append(cs.Latencies, float64(b.latency.Nanoseconds())/1e6)
		}
		if !b.last {
			continue
		}
		if c.cached {
			st.resumed += c.n
			st.cachedWall += time.Duration(c.stats.Wall * float64(time.Second))
			st.cachedInference += time.Duration(c.stats.Inference * float64(time.Second))
			st.cachedBatches += c.stats.Batches
			st.cachedLatencies = append(st.cachedLatencies, c.stats.Latencies...)
		} else {
			if err := inputerr.Safely(func() error { return p.eng.finish(c) }); err != nil {
				fail(err)
				continue
			}
			cs.Wall = time.Since(chunkStart).Seconds()
			toStore <- newChunkFile(p.key, c.no, b.mode, c.preds[:c.n], cs)
		}
		chunkStart, cs = time.Now(), chunkStats{}
		preds = append(preds, c.preds[:c.n]...)
		if p.r.opt.Progress != nil {
			p.progress.Done = len(preds)
			p.r.opt.Progress(p.progress)
		}
	}
	producer.Wait()
	close(toStore)
	<-stored
	st.wall = time.Since(start)
	if firstErr != nil {
		return nil, st, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, st, err
	}
	return preds, st, nil
}

// produce reads the dataset, applies --limit, --shard and the variant,
// fills each example's index, id, truth and groups, and emits batches.
func (p *passRun) produce(ctx context.Context, out chan<- *batch) error {
	r := p.r
	seq := 0
	emit := func(bs []*batch) error {
		for _, b := range bs {
			b.seq = seq
			seq++
			select {
			case out <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	var c *chunk
	var cf *chunkFile
	closeChunk := func() error {
		if c == nil {
			return nil
		}
		var bs []*batch
		if c.cached {
			bs = []*batch{{c: c}}
		} else {
			var err error
			if bs, err = p.eng.flush(c); err != nil {
				return inputerr.Mark(err)
			}
			if len(bs) == 0 {
				bs = []*batch{{c: c}}
			}
		}
		bs[len(bs)-1].last = true
		c = nil
		return emit(bs)
	}
	pos, selected := 0, 0
	for p.rd.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.opt.Limit > 0 && pos >= r.opt.Limit {
			break
		}
		p0 := pos
		pos++
		if p.ps.shard && !r.opt.Shard.selects(p0) {
			continue
		}
		rec := p.rd.Record()
		changed := false
		if p.tf != nil {
			var err error
			if changed, err = p.tf(&rec); err != nil {
				return inputerr.Mark(err)
			}
		}
		q := selected
		selected++
		if q%chunkSize == 0 {
			if err := closeChunk(); err != nil {
				return err
			}
			c = &chunk{no: q / chunkSize, preds: make([]tasks.Prediction, chunkSize), locs: make([]string, chunkSize)}
			var err error
			if cf, err = r.cache.load(p.key, c.no, p.eng.check); err != nil {
				return err
			}
			if cf != nil {
				c.cached, c.mode, c.stats = true, cf.Mode, cf.Stats
			}
		}
		pr := tasks.Prediction{Index: rec.Index, ID: p.enc.id(rec), Label: -1, Pred: -1, Changed: changed}
		if err := p.truth(&rec, &pr); err != nil {
			return inputerr.Mark(err)
		}
		for _, g := range p.enc.groups {
			v, err := g.Group(rec)
			if err != nil {
				return inputerr.Mark(err)
			}
			pr.Groups = append(pr.Groups, v)
		}
		i := c.n
		c.n++
		c.locs[i] = rec.Loc
		if c.cached {
			if i >= len(cf.Entries) || cf.Entries[i].Index != rec.Index || cf.Entries[i].Changed != changed {
				return fmt.Errorf("prediction cache %s does not match the data at %s; delete it or run with --no-cache", r.cache.path(p.key, c.no), rec.Loc)
			}
			cf.Entries[i].restore(&pr)
			c.preds[i] = pr
			continue
		}
		c.preds[i] = pr
		bs, err := p.eng.add(c, i, &rec)
		if err != nil {
			return inputerr.Mark(err)
		}
		if err := emit(bs); err != nil {
			return err
		}
	}
	if err := p.rd.Err(); err != nil {
		return err
	}
	if c != nil && c.cached && c.n != len(cf.Entries) {
		return fmt.Errorf("prediction cache %s holds %d examples but the data has %d there; delete it or run with --no-cache", r.cache.path(p.key, c.no), len(cf.Entries), c.n)
	}
	return closeChunk()
}

// truth fills an example's label or target.
func (p *passRun) truth(rec *dataset.Record, pr *tasks.Prediction) error {
	switch p.ps.label {
	case labelClass, labelOptional:
		if p.enc.label == nil {
			return nil
		}
		l, err := p.enc.label.Label(*rec)
		if err != nil {
			return err
		}
		pr.Label = l
	case labelTarget:
		v, err := p.enc.targetValue(*rec, p.ps.dataset.Label.Column)
		if err != nil {
			return err
		}
		pr.Target = v
	case labelEngine:
		return p.eng.label(rec, pr)
	}
	return nil
}

// where names the examples of a batch in errors: "file:line..file:line".
func (b *batch) where() string {
	if len(b.idx) == 0 || len(b.c.locs) == 0 {
		return fmt.Sprintf("chunk %d", b.c.no)
	}
	first, last := b.c.locs[b.idx[0]], b.c.locs[b.idx[len(b.idx)-1]]
	if first == last {
		return first
	}
	return first + ".." + last
}
