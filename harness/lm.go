package harness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/harness/tokenizer"
	"github.com/evalctl/evalctl/tasks"
	"github.com/evalctl/evalctl/tasks/tensor"
)

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
	branch      bool // the model takes use_cache_branch (a merged decoder)
}

// isPastInput says whether a model input is a key/value cache input
// (past_key_values.{i}.key/value, or the underscore spelling).
func isPastInput(name string) bool {
	return strings.HasPrefix(name, "past_key_values.") || strings.HasPrefix(name, "past_key_values_")
}

// emptyCache is a key/value cache input before the first token: past length
// 0, or 1 for a merged decoder, whose use_cache_branch = false ignores it.
func emptyCache(in tensor.Info, rows int, branch bool) tensor.Tensor {
	past := int64(0)
	if branch {
		past = 1
	}
	return tensor.New(in.Name, in.DType, []int64{int64(rows), in.Shape[1], past, in.Shape[3]})
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
		// A model exported with its key/value cache (Hugging Face
		// Optimum's decoder with past) scores with an empty cache.
		if isPastInput(in.Name) {
			if len(in.Shape) != 4 || in.Shape[1] <= 0 || in.Shape[3] <= 0 {
				return nil, fmt.Errorf("model input %q has shape %s; a key/value cache input is [batch, heads, past_sequence, head_dim] with heads and head_dim fixed", in.Name, in.ShapeString())
			}
			sc.inputs, sc.roles = append(sc.inputs, in), append(sc.roles, "past")
			continue
		}
		if in.Name == "use_cache_branch" {
			sc.inputs, sc.roles = append(sc.inputs, in), append(sc.roles, in.Name)
			sc.branch = true
			continue
		}
		if role == "" {
			return nil, fmt.Errorf("model input %q is not a causal-LM input (%s, or a key/value cache: past_key_values.{i}.key/value, use_cache_branch)", in.Name, strings.Join(tokenRoles, ", "))
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

// build fills a batch's input tensors and returns the number of real
// (unpadded) tokens in it.
func (sc *lmScorer) build(b *lmBatch) int64 {
	rows, T := len(b.inputs), b.length
	b.tensors = make([]tensor.Tensor, len(sc.inputs))
	for k, in := range sc.inputs {
		switch sc.roles[k] {
		case "past":
			b.tensors[k] = emptyCache(in, rows, sc.branch)
			continue
		case "use_cache_branch":
			b.tensors[k] = tensor.New(in.Name, tensor.Bool, []int64{1})
			continue
		}
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
	var tokens int64
	for _, seq := range b.inputs {
		tokens += int64(len(seq))
	}
	return tokens
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

// llEngine runs the log-likelihood requests of the language-model kinds.
// Within each chunk, requests are sorted by length (longest first) and cut
// into batches of at most batch rows and batchTokens padded tokens, so
// padding stays small; results go back to their examples, so the order
// they ran in does not show.
type llEngine struct {
	sc   *lmScorer
	task *lmTask
}

// llChunk is an llEngine's per-chunk state.
type llChunk struct {
	reqs    []tasks.LLRequest
	owner   []int     // request → example
	text    []reqText // request → text of its example
	results []llResult
}

func (e *llEngine) state(c *chunk) *llChunk {
	if c.state == nil {
		c.state = &llChunk{}
	}
	return c.state.(*llChunk)
}

func (e *llEngine) add(c *chunk, i int, rec *dataset.Record) ([]*batch, error) {
	st := e.state(c)
	reqs, textOf, texts, err := e.task.requests(rec)
	if err != nil {
		return nil, err
	}
	c.preds[i].Texts = texts
	for j, q := range reqs {
		st.reqs = append(st.reqs, q)
		st.owner = append(st.owner, i)
		st.text = append(st.text, textOf[j])
	}
	return nil, nil
}

func (e *llEngine) flush(c *chunk) ([]*batch, error) {
	st := e.state(c)
	inputs := make([][]int64, len(st.reqs))
	for k, q := range st.reqs {
		in, err := q.Input(e.sc.maxLen)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.locs[st.owner[k]], err)
		}
		inputs[k] = in
	}
	st.results = make([]llResult, len(st.reqs))
	var out []*batch
	for _, lb := range e.sc.plan(inputs) {
		b := &batch{c: c, aux: lb, rows: len(lb.idx)}
		b.tokens = e.sc.build(lb)
		b.padded = int64(len(lb.inputs) * lb.length)
		b.inputs = lb.tensors
		for _, k := range lb.idx {
			b.idx = append(b.idx, st.owner[k])
		}
		out = append(out, b)
	}
	return out, nil
}

func (e *llEngine) infer(ctx context.Context, m Model, b *batch, ready func() error) error {
	lb := b.aux.(*lmBatch)
	st := b.c.state.(*llChunk)
	where := func(k int) string { return b.c.locs[st.owner[k]] }
	collect := func(outs []tensor.Tensor) error {
		if err := ready(); err != nil {
			return err
		}
		return e.sc.collect(lb, outs, st.reqs, st.results, where)
	}
	t0 := time.Now()
	var err error
	measured := false
	if lm, ok := m.(lendingModel); ok {
		err = lm.RunInto(ctx, b.inputs, func(outs []tensor.Tensor) error {
			b.latency, measured = time.Since(t0), true
			return collect(outs)
		})
	} else {
		var outs []tensor.Tensor
		if outs, err = m.Run(ctx, b.inputs); err == nil {
			b.latency, measured = time.Since(t0), true
			err = collect(outs)
		}
	}
	if !measured {
		b.latency = time.Since(t0)
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("inference on %s: %w", where(lb.idx[0]), windowError(err, lb.length, e.sc.maxLen))
		}
	}
	lb.tensors = nil
	return err
}

// finish adds up each text's requests (a perplexity document's windows)
// and lets the kind combine the texts into the prediction.
func (e *llEngine) finish(c *chunk) error {
	st := e.state(c)
	greedy := make([][]bool, c.n)
	for k, res := range st.results {
		i, j := st.owner[k], st.text[k].text
		t := &c.preds[i].Texts[j]
		if st.text[k].uncond {
			// An unconditional request (acc_mutual_info) is one request
			// per text; its greedy flag is not the text's.
			t.Uncond, t.HasUncond = res.ll, true
			if res.invalid != "" {
				t.Uncond = math.NaN()
			}
			continue
		}
		t.LL += res.ll
		if res.invalid != "" {
			t.LL = math.NaN()
		}
		if greedy[i] == nil {
			greedy[i] = make([]bool, len(c.preds[i].Texts))
			for g := range greedy[i] {
				greedy[i][g] = true
			}
		}
		greedy[i][j] = greedy[i][j] && res.greedy
	}
	for i := range c.preds[:c.n] {
		for j := range c.preds[i].Texts {
			c.preds[i].Texts[j].Greedy = greedy[i] != nil && greedy[i][j]
		}
		e.task.combine(&c.preds[i])
	}
	c.state = nil
	return nil
}

func (e *llEngine) label(rec *dataset.Record, p *tasks.Prediction) error { return e.task.label(rec, p) }
func (e *llEngine) cacheMode() string                                    { return "lm" }
func (e *llEngine) setCacheMode(string)                                  {}

func (e *llEngine) check(c *cachedPred) error {
	if n := e.task.texts(); n > 0 && len(c.Texts) != n {
		return fmt.Errorf("%d scored texts, want %d", len(c.Texts), n)
	}
	if e.task.kind == tasks.Classification {
		return checkClassPred(len(e.task.verbal))(c)
	}
	if len(c.Texts) == 0 {
		return errors.New("no scored texts")
	}
	if e.task.mutualInfo {
		for j, t := range c.Texts {
			if t.U == nil {
				return fmt.Errorf("text %d has no unconditional log-likelihood", j)
			}
		}
	}
	if c.Pred < -1 || c.Pred >= max(len(c.Texts), 2) {
		return fmt.Errorf("choice %d out of range", c.Pred)
	}
	return nil
}

// lmTask turns records into the requests of one language-model kind.
type lmTask struct {
	kind       tasks.Kind
	tok        *tokenizer.Tokenizer
	prefix     int64
	prefixName string
	context    *boundTemplate
	choices    []*boundTemplate
	gold       int
	delim      string
	doc        *boundTemplate
	sent       [2]*boundTemplate
	maxLen     int

	// Prompting: demonstrations (nil: none), the task description, a
	// start token put before every non-empty context, and the dataset the
	// pass reads (its examples are never their own demonstrations).
	fewshot     *fewshot
	description string
	start       int64
	hasStart    bool
	dataset     string
	// Classification by a language model: each class's words, and the
	// content-free inputs of contextual calibration (none: uncalibrated).
	verbal      []string
	contentFree []string
	// Generation: the reference templates (the target, then the further
	// references).
	refs []*boundTemplate
	// choicesOf reads a multiple-choice document's choices from a list
	// column (lm.choices_from), when the task has no choice templates.
	choicesOf func(dataset.Record) ([]string, error)
	// mutualInfo: the task asks for acc_mutual_info, so each choice is
	// also scored with an empty context.
	mutualInfo bool
}

// choiceTexts renders a multiple-choice document's choices.
func (lt *lmTask) choiceTexts(rec *dataset.Record) ([]string, error) {
	if lt.choicesOf != nil {
		return lt.choicesOf(*rec)
	}
	out := make([]string, len(lt.choices))
	for j, c := range lt.choices {
		var err error
		if out[j], err = c.render(*rec); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prompt returns an example's context: its demonstrations, then its text.
func (lt *lmTask) prompt(rec *dataset.Record) (string, []demo, error) {
	text := ""
	if lt.context != nil {
		var err error
		if text, err = lt.context.render(*rec); err != nil {
			return "", nil, err
		}
	}
	demos := lt.fewshot.pick(lt.dataset, rec.Index)
	return lt.fewshot.context(lt.description, lt.delim, demos, text), demos, nil
}

// pair is tasks.EncodePair with the task's start token before a non-empty
// context.
func (lt *lmTask) pair(ctx, cont string) (tasks.LLRequest, error) {
	r, err := tasks.EncodePair(lt.encode, ctx, cont, lt.prefix)
	if err == nil && ctx != "" && lt.hasStart {
		r.Context = append([]int64{lt.start}, r.Context...)
	}
	return r, err
}

func (lt *lmTask) encode(s string) ([]int64, error) {
	e, err := lt.tok.Encode(s, false)
	return e.IDs, err
}

// texts is the number of scored texts per example.
func (lt *lmTask) texts() int {
	switch lt.kind {
	case tasks.MultipleChoice:
		return len(lt.choices) // 0 for a list column: any number
	case tasks.PairPreference:
		return 2
	case tasks.Classification:
		return len(lt.verbal) * (1 + len(lt.contentFree))
	}
	return 1
}

// label reads a multiple-choice example's gold choice (a sentence pair's
// label is always the stereotyped sentence, 0).
func (lt *lmTask) label(rec *dataset.Record, p *tasks.Prediction) error {
	switch lt.kind {
	case tasks.MultipleChoice:
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
		n := len(lt.choices)
		if lt.choicesOf != nil {
			cs, err := lt.choicesOf(*rec)
			if err != nil {
				return err
			}
			n = len(cs)
		}
		if g < 0 || g >= n {
			return fmt.Errorf("%s: gold %q is not a choice index 0..%d", rec.Loc, valueString(gv), n-1)
		}
		p.Label = g
	case tasks.PairPreference:
		p.Label = 0
	}
	return nil
}

// reqText says which text of its example a request scores, and whether
// it is the text's unconditional request (acc_mutual_info).
type reqText struct {
	text   int
	uncond bool
}

// requests builds a record's requests: per request, the text it scores;
// per text, its measures.
func (lt *lmTask) requests(rec *dataset.Record) ([]tasks.LLRequest, []reqText, []tasks.TextLL, error) {
	var reqs []tasks.LLRequest
	var textOf []reqText
	var texts []tasks.TextLL
	switch lt.kind {
	case tasks.MultipleChoice:
		ctx, _, err := lt.prompt(rec)
		if err != nil {
			return nil, nil, nil, err
		}
		choices, err := lt.choiceTexts(rec)
		if err != nil {
			return nil, nil, nil, err
		}
		for j, choice := range choices {
			r, err := lt.pair(ctx, lt.delim+choice)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", rec.Loc, err)
			}
			reqs, textOf = append(reqs, r), append(textOf, reqText{text: j})
			texts = append(texts, tasks.TextLL{Tokens: len(r.Continuation), Chars: tasks.CountChars(choice), Bytes: len(choice)})
		}
		if lt.mutualInfo {
			// acc_mutual_info: each choice again with an empty context,
			// as ConfigurableTask.construct_requests adds ("",
			// target_delimiter + choice) per choice; the empty context
			// becomes the prefix token (TemplateLM.loglikelihood), with
			// no start token.
			for j, choice := range choices {
				r, err := lt.pair("", lt.delim+choice)
				if err != nil {
					return nil, nil, nil, fmt.Errorf("%s: unconditional request: %w", rec.Loc, err)
				}
				reqs, textOf = append(reqs, r), append(textOf, reqText{text: j, uncond: true})
			}
		}
	case tasks.Perplexity:
		text, err := lt.doc.render(*rec)
		if err != nil {
			return nil, nil, nil, err
		}
		toks, err := lt.encode(text)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", rec.Loc, err)
		}
		reqs = tasks.RollingRequests(toks, lt.prefix, lt.maxLen)
		textOf = make([]reqText, len(reqs))
		texts = []tasks.TextLL{{Tokens: len(toks), Chars: tasks.CountChars(text), Bytes: len(text), Words: tasks.CountWords(text)}}
	case tasks.PairPreference:
		for j, b := range lt.sent {
			s, err := b.render(*rec)
			if err != nil {
				return nil, nil, nil, err
			}
			r, err := lt.pair("", s)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", rec.Loc, err)
			}
			reqs, textOf = append(reqs, r), append(textOf, reqText{text: j})
			texts = append(texts, tasks.TextLL{Tokens: len(r.Continuation), Chars: tasks.CountChars(s), Bytes: len(s)})
		}
	case tasks.Classification:
		ctx, demos, err := lt.prompt(rec)
		if err != nil {
			return nil, nil, nil, err
		}
		ctxs := []string{ctx}
		for _, cf := range lt.contentFree {
			// Contextual calibration (Zhao et al. 2021): the same prompt
			// with every field of the example's text replaced by a
			// content-free input.
			text, err := lt.context.t.Render(func(string) (string, error) { return cf, nil })
			if err != nil {
				return nil, nil, nil, err
			}
			ctxs = append(ctxs, lt.fewshot.context(lt.description, lt.delim, demos, text))
		}
		for _, c := range ctxs {
			for _, words := range lt.verbal {
				r, err := lt.pair(c, lt.delim+words)
				if err != nil {
					return nil, nil, nil, fmt.Errorf("%s: %w", rec.Loc, err)
				}
				reqs, textOf = append(reqs, r), append(textOf, reqText{text: len(texts)})
				texts = append(texts, tasks.TextLL{Tokens: len(r.Continuation), Chars: tasks.CountChars(words), Bytes: len(words)})
			}
		}
	}
	return reqs, textOf, texts, nil
}

// combine turns a finished example's texts into its prediction.
func (lt *lmTask) combine(p *tasks.Prediction) {
	switch lt.kind {
	case tasks.MultipleChoice:
		tasks.CombineMultipleChoice(p)
	case tasks.Perplexity:
		tasks.CombinePerplexity(p)
	case tasks.PairPreference:
		tasks.CombinePairPreference(p)
	case tasks.Classification:
		tasks.CombineVerbalized(p, len(lt.verbal), len(lt.contentFree))
	}
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

// newLMTask loads a language-model task's tokenizer and binds its
// templates to the dataset's columns.
func (r *runner) newLMTask(t *suite.Task, d *suite.Dataset, cols []dataset.Column, enc *encoders, k int) (*lmTask, error) {
	s := r.s
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
	lt := &lmTask{kind: tasks.Kind(t.Kind), tok: tok, dataset: d.Name, description: lm.Description}
	lt.mutualInfo = lt.kind == tasks.MultipleChoice && wantsMutualInfo(t)
	if lm.TargetDelimiter != nil {
		lt.delim = *lm.TargetDelimiter
	}
	if lm.PrefixToken != "" {
		id, ok := tok.TokenToID(lm.PrefixToken)
		if !ok {
			return nil, fmt.Errorf("prefix_token %q is not in tokenizer %s", lm.PrefixToken, lm.Tokenizer)
		}
		lt.prefix, lt.prefixName = id, lm.PrefixToken
	} else {
		id, name, ok := tokenID(tok, "<|endoftext|>", "</s>", "<eos>", "<s>", "[CLS]")
		if !ok {
			return nil, fmt.Errorf("tokenizer %s has none of <|endoftext|>, </s>, <eos>, <s>, [CLS]; set lm.prefix_token", lm.Tokenizer)
		}
		lt.prefix, lt.prefixName = id, name
	}
	if lm.StartToken != "" {
		id, ok := tok.TokenToID(lm.StartToken)
		if !ok {
			return nil, fmt.Errorf("task %q lm.start_token: %q is not in tokenizer %s", t.Name, lm.StartToken, lm.Tokenizer)
		}
		lt.start, lt.hasStart = id, true
	}
	bind := func(src, what string) (*boundTemplate, error) {
		return bindTemplate(src, fmt.Sprintf("task %q %s", t.Name, what), cols)
	}
	if lm.Context != "" && lt.kind != tasks.Perplexity && lt.kind != tasks.PairPreference {
		if lt.context, err = bind(lm.Context, "lm.context"); err != nil {
			return nil, err
		}
	}
	// The demonstrations' answers: the gold choice, the label's words, or
	// the target template, rendered on the demonstration dataset.
	var target func(cols []dataset.Column) (func(dataset.Record) (string, error), error)
	switch lt.kind {
	case tasks.MultipleChoice:
		for i, c := range lm.Choices {
			b, err := bind(c, fmt.Sprintf("lm.choices[%d]", i))
			if err != nil {
				return nil, err
			}
			lt.choices = append(lt.choices, b)
		}
		if lm.ChoicesFrom != "" {
			if lt.choicesOf, err = dataset.Choices(cols, lm.ChoicesFrom); err != nil {
				return nil, fmt.Errorf("task %q lm.choices_from: %w", t.Name, err)
			}
		}
		if lt.gold = columnIndex(cols, lm.Gold); lt.gold < 0 {
			return nil, fmt.Errorf("task %q lm.gold: column %q not found in dataset %q", t.Name, lm.Gold, d.Name)
		}
		target = func(cols []dataset.Column) (func(dataset.Record) (string, error), error) {
			dt, err := r.newLMTask(&suite.Task{Name: t.Name, Kind: t.Kind, LM: &suite.LMSpec{Tokenizer: lm.Tokenizer,
				Choices: lm.Choices, ChoicesFrom: lm.ChoicesFrom, Gold: lm.Gold, PrefixToken: lm.PrefixToken}}, &suite.Dataset{Name: lm.Fewshot.From}, cols, nil, -1)
			if err != nil {
				return nil, err
			}
			return func(rec dataset.Record) (string, error) {
				var p tasks.Prediction
				if err := dt.label(&rec, &p); err != nil {
					return "", err
				}
				cs, err := dt.choiceTexts(&rec)
				if err != nil {
					return "", err
				}
				return cs[p.Label], nil
			}, nil
		}
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
	case tasks.Classification:
		if enc == nil || enc.label == nil {
			return nil, fmt.Errorf("dataset %q declares no label", d.Name)
		}
		classes := enc.label.Classes()
		for _, c := range classes {
			w, ok := lm.Verbalizer[c]
			if !ok {
				return nil, fmt.Errorf("task %q lm.verbalizer has no words for class %q", t.Name, c)
			}
			lt.verbal = append(lt.verbal, w)
		}
		if lm.Calibrate == suite.CalibrateContextual {
			lt.contentFree = lm.ContentFree
		}
		target = func(cols []dataset.Column) (func(dataset.Record) (string, error), error) {
			fd, _ := r.s.Dataset(lm.Fewshot.From)
			fe, err := compileDataset(fd, cols, false)
			if err != nil {
				return nil, err
			}
			if fe.label == nil {
				return nil, fmt.Errorf("dataset %q declares no label for the demonstrations' answers", fd.Name)
			}
			fc := fe.label.Classes()
			return func(rec dataset.Record) (string, error) {
				y, err := fe.label.Label(rec)
				if err != nil {
					return "", err
				}
				w, ok := lm.Verbalizer[fc[y]]
				if !ok {
					return "", fmt.Errorf("%s: class %q has no words in lm.verbalizer", rec.Loc, fc[y])
				}
				return w, nil
			}, nil
		}
	case tasks.Generation:
		for i, src := range append([]string{lm.Target}, lm.References...) {
			what := "lm.target"
			if i > 0 {
				what = fmt.Sprintf("lm.references[%d]", i-1)
			}
			b, err := bind(src, what)
			if err != nil {
				return nil, err
			}
			lt.refs = append(lt.refs, b)
		}
		target = func(cols []dataset.Column) (func(dataset.Record) (string, error), error) {
			b, err := bindTemplate(lm.Target, fmt.Sprintf("task %q lm.target", t.Name), cols)
			if err != nil {
				return nil, err
			}
			return b.render, nil
		}
	}
	if k > 0 {
		text := func(cols []dataset.Column) (func(dataset.Record) (string, error), error) {
			b, err := bindTemplate(lm.Context, fmt.Sprintf("task %q lm.context", t.Name), cols)
			if err != nil {
				return nil, err
			}
			return b.render, nil
		}
		if lt.fewshot, err = r.fewshotFor(t, k, text, target); err != nil {
			return nil, fmt.Errorf("task %q: %w", t.Name, err)
		}
	}
	return lt, nil
}

// fewshotFor returns a task's demonstrations for k, rendered once per run.
func (r *runner) fewshotFor(t *suite.Task, k int, text, target func(cols []dataset.Column) (func(dataset.Record) (string, error), error)) (*fewshot, error) {
	key := fmt.Sprintf("%s/%d", t.Name, k)
	r.mu.Lock()
	fs, ok := r.demos[key]
	r.mu.Unlock()
	if ok {
		return fs, nil
	}
	fs, err := r.newFewshot(t, k, text, target)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.demos[key] = fs
	r.mu.Unlock()
	return fs, nil
}

// wantsMutualInfo says whether a task asks for acc_mutual_info, the one
// metric that needs unconditional requests (lm-evaluation-harness builds
// them only then too).
func wantsMutualInfo(t *suite.Task) bool {
	for _, m := range t.Metrics {
		if m == "acc_mutual_info" {
			return true
		}
	}
	return false
}

// columnIndex returns the index of the named column, or -1.
func columnIndex(cols []dataset.Column, name string) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// runLM evaluates one model on a language-model task: one pass of
// log-likelihood requests over the task's dataset, per number of
// demonstrations when the task sweeps k.
func runLM(ctx context.Context, r *runner, mr *modelRun, t *suite.Task) (*taskOutcome, error) {
	d, ok := r.s.Dataset(t.Dataset)
	if !ok {
		return nil, fmt.Errorf("dataset %q not found", t.Dataset)
	}
	if t.LM == nil {
		return nil, fmt.Errorf("task has no lm section")
	}
	all := &taskOutcome{}
	for _, k := range fewshotKs(t) {
		var eng *llEngine
		ps := &passSpec{what: "clean", dataset: d, variant: cleanVariant, shard: true, label: labelEngine,
			key: []any{"lm", *t.LM, t.Kind, t.Output, r.batch, k}}
		if tasks.Kind(t.Kind) == tasks.MultipleChoice && wantsMutualInfo(t) {
			// Cached predictions without unconditional log-likelihoods
			// cannot score acc_mutual_info; other tasks keep their keys.
			ps.key = append(ps.key, "uncond")
		}
		ps.newEngine = func(cols []dataset.Column, enc *encoders) (engine, error) {
			lt, err := r.newLMTask(t, d, cols, enc, k)
			if err != nil {
				return nil, err
			}
			sc, err := newLMScorer(mr.om, t, r.batch, lt.prefix)
			if err != nil {
				return nil, err
			}
			lt.maxLen = sc.maxLen
			eng = &llEngine{sc: sc, task: lt}
			return eng, nil
		}
		if k >= 0 {
			ps.what = fmt.Sprintf("clean, %d-shot", k)
		}
		pr, err := r.runPass(ctx, mr, ps)
		if err != nil {
			return nil, err
		}
		in := r.input(mr, t, cleanVariant, d, pr)
		in.output = eng.sc.output
		in.ev.Extra = map[string]any{
			"max_length": eng.sc.maxLen, "prefix_token": eng.task.prefixName, "tokens_run": pr.stats.tokens,
			"lm_convention": "lm-evaluation-harness (EleutherAI): _encode_pair, disjoint rolling windows with context_len=1",
		}
		if pr.stats.wall > 0 && pr.stats.tokens > 0 {
			in.ev.Extra["tokens_per_second"] = float64(pr.stats.tokens) / pr.stats.wall.Seconds()
		}
		r.promptingMetadata(mr, t, k, &in.ev)
		out, err := assembleLM(r, t, &taskInputs{clean: in})
		if err != nil {
			return nil, err
		}
		all.evals, all.preds = append(all.evals, out.evals...), append(all.preds, out.preds...)
	}
	return all, nil
}

// promptingMetadata names a few-shot evaluation after its k
// ("<model>+<k>shot") and records the prompting as its adaptation
// (Bommasani et al. 2021, §4.3: prompting is an adaptation whose
// trainable parameters are none and whose training examples are the
// demonstrations), so that it appears beside probes and fine-tunes.
// Without demonstrations (k < 0) the evaluation keeps the model's name.
func (r *runner) promptingMetadata(mr *modelRun, t *suite.Task, k int, ev *result.Evaluation) {
	if k < 0 {
		return
	}
	lm := t.LM
	fs := lm.Fewshot
	ev.Model = fewshotName(mr.m.Name, k)
	if ev.Extra == nil {
		ev.Extra = map[string]any{}
	}
	ad := result.Adaptation{Method: "prompting", Base: mr.m.Name, TrainExamples: int64(k),
		Notes: fmt.Sprintf("%d in-context demonstrations from %s (%s sampler, seed %d); template %q", k, fs.From, fs.Sampler, *fs.Seed, lm.Context)}
	ev.Extra["adaptation"], ev.Extra["base_model"] = ad, mr.m.Name
	ev.Extra["prompting"] = map[string]any{"k": k, "from": fs.From, "sampler": fs.Sampler, "seed": *fs.Seed,
		"template": lm.Context, "target_delimiter": *lm.TargetDelimiter, "fewshot_delimiter": *lm.FewshotDelimiter,
		"description": lm.Description, "start_token": lm.StartToken}
}

// assembleLM scores a language-model task's predictions.
func assembleLM(r *runner, t *suite.Task, in *taskInputs) (*taskOutcome, error) {
	x := in.clean
	cfg := tasks.LMConfig{Metrics: t.Metrics, Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed}
	var scores tasks.Scores
	var err error
	switch tasks.Kind(t.Kind) {
	case tasks.MultipleChoice:
		scores, err = tasks.ScoreMultipleChoicePredictions(x.preds, cfg)
	case tasks.Perplexity:
		scores, err = tasks.ScorePerplexityPredictions(x.preds, cfg)
	case tasks.PairPreference:
		scores, err = tasks.ScorePairPreferencePredictions(x.preds, cfg)
	}
	if errors.Is(err, tasks.ErrNoExamples) {
		scores, err = undefinedScores(t.Metrics, scores, len(x.preds)), nil
	}
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", x.ev.Dataset, err)
	}
	ev := x.ev
	ev.N, ev.Invalid, ev.InvalidPolicy = scores.N, scores.Invalid, "exclude"
	ev.Metrics = convertMetrics(scores.Metrics)
	ev.Scoring = &result.Scoring{Metrics: t.Metrics, Scores: "logits", Output: x.output, Groups: x.groups}
	if tasks.Kind(t.Kind) == tasks.MultipleChoice {
		ev.Classes = nil
		for i := range t.LM.Choices {
			ev.Classes = append(ev.Classes, strconv.Itoa(i))
		}
	}
	ep := evalPreds{key: ev.Key(), groups: x.groups, classes: ev.Classes, preds: x.preds, resumed: x.resumed}
	return &taskOutcome{evals: []result.Evaluation{ev}, preds: []evalPreds{ep}}, nil
}
