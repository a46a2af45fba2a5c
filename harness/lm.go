package harness

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/harness/tokenizer"
	"github.com/evalctl/evalctl/tasks"
	"github.com/evalctl/evalctl/tasks/tensor"
)

func init() {
	for _, k := range []tasks.Kind{tasks.MultipleChoice, tasks.Perplexity, tasks.PairPreference} {
		kindRunners[string(k)] = runLM
	}
}

// defaultLMWindow is lm-evaluation-harness HFLM's default max_length.
const defaultLMWindow = 2048

// lmScorer runs log-likelihood requests through a causal LM exported like
// optimum: input_ids and attention_mask (and optionally position_ids,
// token_type_ids) [batch, seq] → logits [batch, seq, vocab].
type lmScorer struct {
	model       Model
	inputs      []tensor.Info
	roles       []string
	output      string
	maxLen      int
	batch       int
	batchTokens int
	padID       int64

	// statistics
	batches   int
	inference time.Duration
	latencies []float64
	tokens    int64 // input tokens run (padding excluded)
}

func newLMScorer(om *OpenedModel, t *suite.Task, batch int, padID int64) (*lmScorer, error) {
	sc := &lmScorer{model: om.Model, batch: batch, padID: padID}
	fixed := 0
	for _, in := range om.Inputs {
		role := ""
		for _, r := range tokenRoles {
			if in.Name == r {
				role = r
			}
		}
		if role == "" {
			return nil, fmt.Errorf("model input %q is not a causal-LM input (%s)", in.Name, strings.Join(tokenRoles, ", "))
		}
		if in.DType != tensor.Int64 && in.DType != tensor.Int32 {
			return nil, fmt.Errorf("model input %q is %s; token inputs must be int64 or int32", in.Name, in.DType)
		}
		if len(in.Shape) != 2 {
			return nil, fmt.Errorf("model input %q has shape %s; token inputs are [batch, sequence]", in.Name, in.ShapeString())
		}
		if in.Shape[0] > 0 {
			return nil, fmt.Errorf("model input %q has a fixed batch size %d; language-model tasks need a dynamic batch axis", in.Name, in.Shape[0])
		}
		if in.Shape[1] > 0 {
			fixed = int(in.Shape[1])
		}
		sc.inputs = append(sc.inputs, in)
		sc.roles = append(sc.roles, role)
	}
	if !contains(sc.roles, "input_ids") {
		return nil, fmt.Errorf("model declares no input_ids input")
	}
	if fixed > 0 {
		return nil, fmt.Errorf("model has a fixed sequence length %d; language-model tasks need a dynamic sequence axis", fixed)
	}
	sc.maxLen = t.LM.MaxLength
	if sc.maxLen == 0 {
		sc.maxLen = defaultLMWindow
	}
	sc.batchTokens = t.LM.BatchTokens
	if sc.batchTokens == 0 {
		sc.batchTokens = batch * sc.maxLen
	}
	sc.output = t.Output
	if sc.output == "" {
		for _, o := range om.Outputs {
			if o.Name == "logits" {
				sc.output = o.Name
			}
		}
		if sc.output == "" && len(om.Outputs) == 1 {
			sc.output = om.Outputs[0].Name
		}
		if sc.output == "" {
			var names []string
			for _, o := range om.Outputs {
				names = append(names, o.Name)
			}
			return nil, fmt.Errorf("cannot choose the logits output among %s; set the task's output", strings.Join(names, ", "))
		}
	} else {
		found := false
		for _, o := range om.Outputs {
			found = found || o.Name == sc.output
		}
		if !found {
			return nil, fmt.Errorf("model has no output %q", sc.output)
		}
	}
	return sc, nil
}

// llResult is the outcome of one request.
type llResult struct {
	ll      float64
	greedy  bool
	invalid string
}

// lmBatch is a set of requests run together.
type lmBatch struct {
	idx     []int // request indices
	inputs  [][]int64
	length  int
	tensors []tensor.Tensor
}

// lendingModel is implemented by models that can lend their outputs to a
// callback instead of returning copies (ort.Model.RunInto): the outputs are
// valid only until fn returns.
type lendingModel interface {
	RunInto(ctx context.Context, inputs []tensor.Tensor, fn func(outputs []tensor.Tensor) error) error
}

// score runs the requests and returns one result per request, in request
// order. Requests are sorted by input length (longest first, ties by
// index), cut into batches of at most batch rows and batchTokens padded
// tokens, right-padded with attention_mask 0, and run; a causal model's
// logits for the real positions do not depend on right padding, so the
// results do not depend on how requests were batched.
//
// Two workers take batches in order; one inference runs at a time (the
// model is never called concurrently), and the log-softmax of one batch
// overlaps the inference of the next. A model with RunInto (lendingModel)
// lends its logits to the scoring callback, which saves copying them;
// other models' Run results are scored the same way.
func (sc *lmScorer) score(ctx context.Context, reqs []tasks.LLRequest, where func(i int) string) ([]llResult, error) {
	inputs := make([][]int64, len(reqs))
	for i, r := range reqs {
		in, err := r.Input(sc.maxLen)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where(i), err)
		}
		inputs[i] = in
	}
	batches := sc.plan(inputs)
	out := make([]llResult, len(reqs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runInto := func(ctx context.Context, in []tensor.Tensor, fn func([]tensor.Tensor) error) error {
		outs, err := sc.model.Run(ctx, in)
		if err != nil {
			return err
		}
		return fn(outs)
	}
	if lm, ok := sc.model.(lendingModel); ok {
		runInto = lm.RunInto
	}
	lat := make([]time.Duration, len(batches)) // per batch; -1: not run
	var (
		mu       sync.Mutex // guards next and firstErr
		next     int
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	// gate is held from taking a batch until its outputs are ready, so
	// batches are built and run one at a time, in order.
	gate := make(chan struct{}, 1)
	worker := func() {
		for {
			gate <- struct{}{}
			mu.Lock()
			k := next
			stop := firstErr != nil || k == len(batches)
			if !stop {
				next++
			}
			mu.Unlock()
			if stop {
				<-gate
				return
			}
			b := batches[k]
			sc.build(b)
			t0 := time.Now()
			lat[k] = -1
			var scoreErr error
			err := runInto(ctx, b.tensors, func(outs []tensor.Tensor) error {
				lat[k] = time.Since(t0)
				<-gate
				scoreErr = sc.collect(b, outs, reqs, out, where)
				return scoreErr
			})
			if lat[k] < 0 { // the run failed before the outputs were ready
				lat[k] = time.Since(t0)
				<-gate
			}
			b.tensors = nil
			switch {
			case scoreErr != nil:
				fail(scoreErr)
			case err != nil:
				fail(fmt.Errorf("inference on %s: %w", where(b.idx[0]), err))
			}
		}
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(worker)
	}
	wg.Wait()
	for _, l := range lat[:next] { // the batches taken, each run once
		sc.batches++
		sc.inference += l
		sc.latencies = append(sc.latencies, float64(l.Microseconds())/1000)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, ctx.Err()
}

// plan sorts inputs by length (longest first, ties by index) and cuts them
// into batches of at most sc.batch rows and sc.batchTokens padded tokens.
func (sc *lmScorer) plan(inputs [][]int64) []*lmBatch {
	order := make([]int, len(inputs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(inputs[order[a]]) > len(inputs[order[b]]) })
	var batches []*lmBatch
	for k := 0; k < len(order); {
		b := &lmBatch{length: len(inputs[order[k]])}
		for k < len(order) && len(b.idx) < sc.batch && (len(b.idx)+1)*b.length <= max(sc.batchTokens, b.length) {
			b.idx = append(b.idx, order[k])
			b.inputs = append(b.inputs, inputs[order[k]])
			k++
		}
		batches = append(batches, b)
	}
	return batches
}

// build fills a batch's input tensors.
func (sc *lmScorer) build(b *lmBatch) {
	rows, T := len(b.inputs), b.length
	b.tensors = make([]tensor.Tensor, len(sc.inputs))
	for k, in := range sc.inputs {
		t := tensor.New(in.Name, in.DType, []int64{int64(rows), int64(T)})
		vals := make([]int64, rows*T)
		for r, seq := range b.inputs {
			row := vals[r*T : (r+1)*T]
			for j := range row {
				real := j < len(seq)
				switch sc.roles[k] {
				case "input_ids":
					row[j] = sc.padID
					if real {
						row[j] = seq[j]
					}
				case "attention_mask":
					if real {
						row[j] = 1
					}
				case "position_ids":
					row[j] = int64(j)
				}
			}
		}
		switch d := t.Data.(type) {
		case []int64:
			copy(d, vals)
		case []int32:
			for i, v := range vals {
				d[i] = int32(v)
			}
		}
		b.tensors[k] = t
	}
	for _, seq := range b.inputs {
		sc.tokens += int64(len(seq))
	}
}

// collect scores one batch's logits into out.
func (sc *lmScorer) collect(b *lmBatch, outs []tensor.Tensor, reqs []tasks.LLRequest, out []llResult, where func(int) string) error {
	var lt *tensor.Tensor
	for i := range outs {
		if outs[i].Name == sc.output {
			lt = &outs[i]
		}
	}
	if lt == nil {
		return fmt.Errorf("model returned no output %q", sc.output)
	}
	if len(lt.Shape) != 3 || int(lt.Shape[0]) != len(b.inputs) || int(lt.Shape[1]) != b.length {
		return fmt.Errorf("output %q has shape %v; want logits [%d, %d, vocab]", sc.output, lt.Shape, len(b.inputs), b.length)
	}
	V := int(lt.Shape[2])
	var data []float32
	switch d := lt.Data.(type) {
	case []float32:
		data = d
	default:
		data = make([]float32, lt.Len())
		for i := range data {
			data[i] = float32(lt.Float(i))
		}
	}
	T := b.length
	for r, i := range b.idx {
		ll, greedy, err := tasks.ContinuationLL(data[r*T*V:(r+1)*T*V], V, len(b.inputs[r]), reqs[i].Continuation)
		if err != nil {
			if strings.Contains(err.Error(), "non-finite") {
				out[i] = llResult{ll: math.NaN(), invalid: "nan"}
				continue
			}
			return fmt.Errorf("%s: %w", where(i), err)
		}
		out[i] = llResult{ll: ll, greedy: greedy}
	}
	return nil
}

// lmDoc is one document of a language-model task, with its requests.
type lmDoc struct {
	pred  tasks.Prediction
	loc   string
	reqs  []tasks.LLRequest
	texts []string // choices, or the document, or the two sentences
	gold  int
	words int // perplexity
	toks  int // perplexity: document tokens
}

// lmTask holds what a language-model kind needs to turn records into requests.
type lmTask struct {
	kind    tasks.Kind
	tok     *tokenizer.Tokenizer
	prefix  int64
	context *boundTemplate
	choices []*boundTemplate
	gold    int
	delim   string
	doc     *boundTemplate
	sent    [2]*boundTemplate
	maxLen  int
}

func (lt *lmTask) encode(s string) ([]int64, error) {
	e, err := lt.tok.Encode(s, false)
	return e.IDs, err
}

// requests builds a record's requests.
func (lt *lmTask) requests(rec dataset.Record, d *lmDoc) error {
	switch lt.kind {
	case tasks.MultipleChoice:
		ctx := ""
		if lt.context != nil {
			var err error
			if ctx, err = lt.context.render(rec); err != nil {
				return err
			}
		}
		gv := rec.Values[lt.gold]
		g := -1
		switch gv.Kind {
		case dataset.Number:
			if gv.Num == math.Trunc(gv.Num) {
				g = int(gv.Num)
			}
		case dataset.String, dataset.Nominal:
			if n, err := strconv.Atoi(strings.TrimSpace(gv.Str)); err == nil {
				g = n
			}
		}
		if g < 0 || g >= len(lt.choices) {
			return fmt.Errorf("%s: gold %q is not a choice index 0..%d", rec.Loc, valueString(gv), len(lt.choices)-1)
		}
		d.gold = g
		for _, c := range lt.choices {
			choice, err := c.render(rec)
			if err != nil {
				return err
			}
			r, err := tasks.EncodePair(lt.encode, ctx, lt.delim+choice, lt.prefix)
			if err != nil {
				return fmt.Errorf("%s: %w", rec.Loc, err)
			}
			d.texts = append(d.texts, choice)
			d.reqs = append(d.reqs, r)
		}
	case tasks.Perplexity:
		text, err := lt.doc.render(rec)
		if err != nil {
			return err
		}
		toks, err := lt.encode(text)
		if err != nil {
			return fmt.Errorf("%s: %w", rec.Loc, err)
		}
		d.texts = []string{text}
		d.toks = len(toks)
		d.words = tasks.CountWords(text)
		d.reqs = tasks.RollingRequests(toks, lt.prefix, lt.maxLen)
	case tasks.PairPreference:
		for _, b := range lt.sent {
			s, err := b.render(rec)
			if err != nil {
				return err
			}
			r, err := tasks.EncodePair(lt.encode, "", s, lt.prefix)
			if err != nil {
				return fmt.Errorf("%s: %w", rec.Loc, err)
			}
			d.texts = append(d.texts, s)
			d.reqs = append(d.reqs, r)
		}
	}
	return nil
}

func valueString(v dataset.Value) string {
	switch v.Kind {
	case dataset.Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case dataset.Missing:
		return "missing"
	}
	return v.Str
}

// runLM evaluates one model on a language-model task.
func runLM(ctx context.Context, r *runner, m *suite.Model, mi *result.Model, om *OpenedModel, t *suite.Task, dsHash map[string]string) (*taskOutcome, error) {
	s := r.s
	d, ok := s.Dataset(t.Dataset)
	if !ok {
		return nil, fmt.Errorf("dataset %q not found", t.Dataset)
	}
	lm := t.LM
	if lm == nil {
		return nil, fmt.Errorf("task has no lm section")
	}
	tok, err := tokenizer.Load(s.Resolve(lm.Tokenizer))
	if err != nil {
		return nil, err
	}
	tok.SetPadding(nil)
	tok.SetTruncation(nil)
	lt := &lmTask{kind: tasks.Kind(t.Kind), tok: tok}
	var prefixName string
	if lm.PrefixToken != "" {
		id, ok := tok.TokenToID(lm.PrefixToken)
		if !ok {
			return nil, fmt.Errorf("prefix_token %q is not in tokenizer %s", lm.PrefixToken, lm.Tokenizer)
		}
		lt.prefix, prefixName = id, lm.PrefixToken
	} else {
		id, name, ok := tokenID(tok, "<|endoftext|>", "</s>", "<eos>", "<s>", "[CLS]")
		if !ok {
			return nil, fmt.Errorf("tokenizer %s has none of <|endoftext|>, </s>, <eos>, <s>, [CLS]; set lm.prefix_token", lm.Tokenizer)
		}
		lt.prefix, prefixName = id, name
	}
	sc, err := newLMScorer(om, t, r.batch, lt.prefix)
	if err != nil {
		return nil, err
	}
	lt.maxLen = sc.maxLen
	rd, err := dataset.Open(datasetSpec(s, d))
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", d.Name, err)
	}
	defer rd.Close()
	cols := rd.Columns()
	enc, err := compileDataset(d, cols, false)
	if err != nil {
		return nil, err
	}
	bind := func(src, what string) (*boundTemplate, error) {
		return bindTemplate(src, fmt.Sprintf("task %q %s", t.Name, what), cols)
	}
	switch lt.kind {
	case tasks.MultipleChoice:
		if lm.Context != "" {
			if lt.context, err = bind(lm.Context, "lm.context"); err != nil {
				return nil, err
			}
		}
		for i, c := range lm.Choices {
			b, err := bind(c, fmt.Sprintf("lm.choices[%d]", i))
			if err != nil {
				return nil, err
			}
			lt.choices = append(lt.choices, b)
		}
		lt.gold = -1
		for i, c := range cols {
			if c.Name == lm.Gold {
				lt.gold = i
			}
		}
		if lt.gold < 0 {
			return nil, fmt.Errorf("task %q lm.gold: column %q not found in dataset %q", t.Name, lm.Gold, d.Name)
		}
		lt.delim = *lm.TargetDelimiter
	case tasks.Perplexity:
		if lt.doc, err = bind(lm.Document, "lm.document"); err != nil {
			return nil, err
		}
	case tasks.PairPreference:
		if lt.sent[0], err = bind(lm.Stereotyped, "lm.stereotyped"); err != nil {
			return nil, err
		}
		if lt.sent[1], err = bind(lm.AntiStereotyped, "lm.anti_stereotyped"); err != nil {
			return nil, err
		}
	}

	mh, _, _ := hashFile(s.Resolve(m.Path))
	key := cacheKey("lm-v1", mh, dsHash[d.Name], t.Kind, *lm, t.Output, r.opt.ORTVersion, om.Provider,
		r.opt.Limit, r.opt.Shard.String(), r.batch)
	progress := Progress{Model: m.Name, Task: t.Name, Variant: "clean"}
	if l, ok := rd.(dataset.Lener); ok {
		progress.Total = selectedCount(l.Len(), r.opt.Limit, r.opt.Shard)
	}

	if r.opt.Progress != nil {
		r.opt.Progress(progress)
	}
	start := time.Now()
	var docs []*lmDoc
	var results [][]llResult // per doc, per request
	resumed := 0
	var chunk []*lmDoc
	chunkNo := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		res, hit, err := lmChunk(ctx, r, sc, key, chunkNo, chunk)
		if err != nil {
			return err
		}
		if hit {
			resumed += len(chunk)
		}
		docs = append(docs, chunk...)
		results = append(results, res...)
		chunk = nil
		chunkNo++
		if r.opt.Progress != nil {
			progress.Done = len(docs)
			r.opt.Progress(progress)
		}
		return nil
	}
	pos := 0
	for rd.Next() {
		if r.opt.Limit > 0 && pos >= r.opt.Limit {
			break
		}
		p0 := pos
		pos++
		if !r.opt.Shard.selects(p0) {
			continue
		}
		rec := rd.Record()
		doc := &lmDoc{loc: rec.Loc, pred: tasks.Prediction{Index: rec.Index, ID: enc.id(rec), Label: -1, Pred: -1}}
		for _, g := range enc.groups {
			v, err := g.Group(rec)
			if err != nil {
				return nil, err
			}
			doc.pred.Groups = append(doc.pred.Groups, v)
		}
		if err := lt.requests(rec, doc); err != nil {
			return nil, err
		}
		chunk = append(chunk, doc)
		if len(chunk) == chunkSize {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	wall := time.Since(start)
	if r.opt.Progress != nil {
		progress.Done, progress.Finished = len(docs), true
		r.opt.Progress(progress)
	}

	cfg := tasks.LMConfig{Metrics: t.Metrics, Resamples: *s.Bootstrap.Resamples, Confidence: s.Bootstrap.Confidence, Seed: s.Seed}
	preds := make([]tasks.Prediction, len(docs))
	var scores tasks.Scores
	switch lt.kind {
	case tasks.MultipleChoice:
		mc := make([]tasks.MCResult, len(docs))
		for i, doc := range docs {
			mr := tasks.MCResult{Gold: doc.gold}
			for j, res := range results[i] {
				if res.invalid != "" {
					mr.Invalid = res.invalid
				}
				mr.LL = append(mr.LL, res.ll)
				mr.Greedy = append(mr.Greedy, res.greedy)
				mr.Chars = append(mr.Chars, tasks.CountChars(doc.texts[j]))
				mr.Bytes = append(mr.Bytes, len(doc.texts[j]))
			}
			mc[i] = mr
			p := doc.pred
			p.Label = doc.gold
			p.Pred, p.Probs = tasks.MCPrediction(mr)
			p.Invalid = mr.Invalid
			preds[i] = p
		}
		scores, err = tasks.ScoreMultipleChoice(mc, cfg)
	case tasks.Perplexity:
		dl := make([]tasks.DocLL, len(docs))
		for i, doc := range docs {
			x := tasks.DocLL{Tokens: doc.toks, Words: doc.words, Bytes: len(doc.texts[0])}
			for _, res := range results[i] {
				x.LL += res.ll
				if res.invalid != "" {
					x.Invalid = res.invalid
				}
			}
			dl[i] = x
			p := doc.pred
			p.Invalid = x.Invalid
			p.Probs = []float64{x.LL} // the document's log-likelihood (nats)
			preds[i] = p
		}
		scores, err = tasks.ScorePerplexity(dl, cfg)
	case tasks.PairPreference:
		st, an := make([]float64, len(docs)), make([]float64, len(docs))
		for i, doc := range docs {
			st[i], an[i] = results[i][0].ll, results[i][1].ll
			p := doc.pred
			p.Label = 0
			p.Pred = 1
			if st[i] > an[i] {
				p.Pred = 0
			}
			if results[i][0].invalid != "" || results[i][1].invalid != "" {
				p.Invalid, p.Pred = "nan", -1
			}
			p.Probs = []float64{st[i], an[i]} // log-likelihoods of the stereotyped and anti-stereotyped sentences
			preds[i] = p
		}
		scores, err = tasks.ScorePairPreference(st, an, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", d.Name, err)
	}
	ev := result.Evaluation{
		Model: m.Name, Task: t.Name, Kind: t.Kind, Dataset: d.Name, Variant: "clean",
		N: scores.N, Invalid: scores.Invalid, InvalidPolicy: "exclude",
		Metrics: convertMetrics(scores.Metrics),
		Scoring: &result.Scoring{Metrics: t.Metrics, Scores: "logits", Output: sc.output, Groups: enc.gnames},
	}
	if lt.kind == tasks.MultipleChoice {
		for i := range lm.Choices {
			ev.Classes = append(ev.Classes, strconv.Itoa(i))
		}
	}
	computed := len(docs) - resumed
	eff := &result.Efficiency{
		Examples: len(docs), Batches: sc.batches, BatchSize: r.batch,
		WallSeconds: wall.Seconds(), InferenceSeconds: sc.inference.Seconds(),
		LatencyMs: percentiles(sc.latencies), ModelBytes: mi.SizeBytes, Parameters: mi.Parameters,
		Cached: resumed > 0,
	}
	if computed > 0 && wall > 0 {
		eff.ExamplesPerSecond = float64(computed) / wall.Seconds()
	}
	ev.Efficiency = eff
	ev.Extra = map[string]any{
		"max_length": sc.maxLen, "prefix_token": prefixName, "tokens_run": sc.tokens,
		"lm_convention": "lm-evaluation-harness (EleutherAI): _encode_pair, disjoint rolling windows with context_len=1",
	}
	if wall > 0 && sc.tokens > 0 {
		ev.Extra["tokens_per_second"] = float64(sc.tokens) / wall.Seconds()
	}
	ep := evalPreds{key: ev.Key(), groups: enc.gnames, classes: ev.Classes, preds: preds, resumed: resumed}
	return &taskOutcome{evals: []result.Evaluation{ev}, preds: []evalPreds{ep}}, nil
}

// lmChunk scores one chunk of documents, from the cache when it holds the
// chunk. Cache entries hold per request [ll, greedy (0/1)] flattened in Probs.
func lmChunk(ctx context.Context, r *runner, sc *lmScorer, key string, chunk int, docs []*lmDoc) ([][]llResult, bool, error) {
	cf, err := r.cache.load(key, chunk)
	if err != nil {
		return nil, false, err
	}
	out := make([][]llResult, len(docs))
	if cf != nil && len(cf.Entries) == len(docs) {
		ok := true
		for i, e := range cf.Entries {
			if e.Index != docs[i].pred.Index || len(e.Probs) != 2*len(docs[i].reqs) {
				ok = false
				break
			}
			for j := range docs[i].reqs {
				res := llResult{ll: e.Probs[2*j], greedy: e.Probs[2*j+1] == 1}
				if e.Invalid != "" {
					res.ll, res.invalid = math.NaN(), e.Invalid
				}
				out[i] = append(out[i], res)
			}
		}
		if ok {
			return out, true, nil
		}
	}
	var reqs []tasks.LLRequest
	var owner []int
	for i, d := range docs {
		for _, q := range d.reqs {
			reqs = append(reqs, q)
			owner = append(owner, i)
		}
	}
	res, err := sc.score(ctx, reqs, func(i int) string { return docs[owner[i]].loc })
	if err != nil {
		return nil, false, err
	}
	entries := make([]cachedPred, len(docs))
	for i := range docs {
		entries[i] = cachedPred{Index: docs[i].pred.Index, Probs: []float64{}}
		out[i] = out[i][:0]
	}
	for k, x := range res {
		i := owner[k]
		out[i] = append(out[i], x)
		ll := x.ll
		if x.invalid != "" {
			ll = 0
			entries[i].Invalid = x.invalid
		}
		entries[i].Probs = append(entries[i].Probs, ll, b2f(x.greedy))
	}
	if err := r.cache.store(&chunkFile{Key: key, Chunk: chunk, Mode: "lm", Entries: entries}); err != nil {
		return nil, false, err
	}
	return out, false, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
