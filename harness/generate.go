package harness

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// Generation: prompts are left-padded into batches of similar length and
// decoded token by token, greedily or by seeded sampling, until an
// end-of-sequence token, a stop sequence or max_new_tokens. A causal LM
// exported by Hugging Face Optimum with its key/value cache
// (past_key_values.{i}.key/value inputs, present.{i}.key/value outputs,
// optionally use_cache_branch) runs each step on the new token only;
// without a cache the whole sequence is run again at every step.

// kvLayout is where a model keeps its key/value cache.
type kvLayout struct {
	past    []int          // input index of each past_key_values.{i}.{key,value}
	present []string       // the matching present.{i}.{key,value} output names
	shape   [][2]int64     // per past input: heads, head_dim
	dtype   []tensor.DType // per past input
	branch  int            // input index of use_cache_branch, or -1
}

// genEngine generates text for each example.
type genEngine struct {
	task    *lmTask
	inputs  []tensor.Info
	roles   []string // input_ids, attention_mask, position_ids, past, use_cache_branch
	logits  string
	kv      *kvLayout
	maxNew  int
	stop    []string
	eos     map[int64]bool
	sampler tasks.Sampler
	seed    uint64
	batch   int
	maxLen  int
	padID   int64
	// extract, for kind extraction: each document's first prefix tokens
	// are the prompt and the next suffix tokens its true suffix; decoding
	// is greedy for exactly suffix tokens (no end-of-sequence or stop).
	extract *[2]int
}

// genChunk holds a chunk's prompts, per example.
type genChunk struct {
	prompts [][]int64
}

// newGenEngine reads the model's interface: token inputs, the logits
// output and, when present, the key/value cache.
func newGenEngine(om *OpenedModel, t *suite.Task, lt *lmTask, batch int, seed uint64) (*genEngine, error) {
	lm := t.LM
	e := &genEngine{task: lt, maxNew: lm.MaxNewTokens, stop: lm.Stop, batch: batch, eos: map[int64]bool{}, seed: seed}
	if sp := lm.Sampling; sp != nil {
		e.sampler = tasks.Sampler{Sample: true, Temperature: sp.Temperature, TopK: sp.TopK, TopP: sp.TopP}
		e.seed = *sp.Seed
	}
	for _, name := range []string{"<|endoftext|>", "</s>", "<eos>", "<|im_end|>", "<|eot_id|>"} {
		if id, ok := lt.tok.TokenToID(name); ok {
			e.eos[id] = true
		}
	}
	if id, _, ok := tokenID(lt.tok, "<pad>", "[PAD]", "<|endoftext|>", "</s>"); ok {
		e.padID = id
	}
	pastIdx := map[string]int{}
	kv := &kvLayout{branch: -1}
	for i, in := range om.Inputs {
		role := ""
		switch {
		case in.Name == "input_ids" || in.Name == "attention_mask" || in.Name == "position_ids":
			role = in.Name
			if in.DType != tensor.Int64 && in.DType != tensor.Int32 {
				return nil, fmt.Errorf("model input %q is %s; token inputs must be int64 or int32", in.Name, in.DType)
			}
		case isPastInput(in.Name):
			role = "past"
			if len(in.Shape) != 4 || in.Shape[1] <= 0 || in.Shape[3] <= 0 {
				return nil, fmt.Errorf("model input %q has shape %s; a key/value cache input is [batch, heads, past_sequence, head_dim] with heads and head_dim fixed", in.Name, in.ShapeString())
			}
			pastIdx[in.Name] = i
		case in.Name == "use_cache_branch":
			role = in.Name
			kv.branch = i
		default:
			return nil, fmt.Errorf("model input %q is not a causal-LM input (input_ids, attention_mask, position_ids, past_key_values.{i}.key/value, use_cache_branch)", in.Name)
		}
		e.inputs = append(e.inputs, in)
		e.roles = append(e.roles, role)
	}
	if !contains(e.roles, "input_ids") {
		return nil, errors.New("model declares no input_ids input")
	}
	outs := map[string]bool{}
	e.logits = t.Output
	if e.logits == "" {
		e.logits = "logits"
	}
	for _, o := range om.Outputs {
		outs[o.Name] = true
		if o.Name == e.logits && len(o.Shape) != 3 {
			return nil, fmt.Errorf("model output %q has shape %s; generation needs a causal LM's [batch, sequence, vocab] logits", o.Name, o.ShapeString())
		}
	}
	if !outs[e.logits] {
		return nil, fmt.Errorf("model has no output %q; set the task's output to its logits", e.logits)
	}
	if len(pastIdx) > 0 {
		names := make([]string, 0, len(pastIdx))
		for n := range pastIdx {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			present := "present" + strings.TrimPrefix(strings.TrimPrefix(n, "past_key_values"), "_")
			if strings.HasPrefix(n, "past_key_values.") {
				present = "present." + strings.TrimPrefix(n, "past_key_values.")
			}
			if !outs[present] {
				return nil, fmt.Errorf("model input %q has no matching output %q: a key/value cache needs both (Hugging Face Optimum's layout)", n, present)
			}
			in := om.Inputs[pastIdx[n]]
			kv.past = append(kv.past, pastIdx[n])
			kv.present = append(kv.present, present)
			kv.shape = append(kv.shape, [2]int64{in.Shape[1], in.Shape[3]})
			kv.dtype = append(kv.dtype, in.DType)
		}
		e.kv = kv
	} else if kv.branch >= 0 {
		return nil, errors.New("model input use_cache_branch comes without past_key_values inputs")
	}
	e.maxLen = lm.MaxLength
	if e.maxLen == 0 {
		e.maxLen = defaultLMWindow
	}
	if t.Kind == string(tasks.Extraction) {
		e.extract = &[2]int{lm.PrefixTokens, lm.SuffixTokens}
		e.maxNew, e.stop, e.eos, e.sampler = lm.SuffixTokens, nil, map[int64]bool{}, tasks.Sampler{}
	}
	return e, nil
}

func (e *genEngine) state(c *chunk) *genChunk {
	if c.state == nil {
		c.state = &genChunk{prompts: make([][]int64, len(c.preds))}
	}
	return c.state.(*genChunk)
}

// add builds an example's prompt tokens.
func (e *genEngine) add(c *chunk, i int, rec *dataset.Record) ([]*batch, error) {
	if e.extract != nil {
		ids, err := e.document(rec)
		if err != nil {
			return nil, err
		}
		e.state(c).prompts[i] = ids[:e.extract[0]]
		return nil, nil
	}
	ctx, _, err := e.task.prompt(rec)
	if err != nil {
		return nil, err
	}
	ids, err := e.task.encode(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rec.Loc, err)
	}
	if e.task.hasStart && len(ids) > 0 {
		ids = append([]int64{e.task.start}, ids...)
	}
	if len(ids) == 0 {
		ids = []int64{e.task.prefix}
	}
	if len(ids)+e.maxNew > e.maxLen {
		return nil, fmt.Errorf("%s: %w: the prompt has %d tokens, and with lm.max_new_tokens %d it needs %d positions, more than lm.max_length %d (the model's window); use fewer demonstrations, a shorter template or fewer new tokens",
			rec.Loc, errPromptTooLong, len(ids), e.maxNew, len(ids)+e.maxNew, e.maxLen)
	}
	e.state(c).prompts[i] = ids
	return nil, nil
}

// errPromptTooLong is wrapped by the error of a prompt that does not fit
// the model's window.
var errPromptTooLong = errors.New("prompt too long")

// flush cuts the chunk's prompts into batches of similar length (longest
// first), so that little of each batch is left padding.
func (e *genEngine) flush(c *chunk) ([]*batch, error) {
	st := e.state(c)
	var order []int
	for i := 0; i < c.n; i++ {
		order = append(order, i)
	}
	sort.SliceStable(order, func(a, b int) bool { return len(st.prompts[order[a]]) > len(st.prompts[order[b]]) })
	var out []*batch
	for k := 0; k < len(order); k += e.batch {
		idx := order[k:min(k+e.batch, len(order))]
		b := &batch{c: c, idx: append([]int(nil), idx...), rows: len(idx)}
		prompts := make([][]int64, len(idx))
		for r, i := range idx {
			prompts[r] = st.prompts[i]
		}
		b.aux = prompts
		// The first step's inputs, built here so that it overlaps the
		// previous batch's decoding.
		b.inputs = e.stepInputs(prompts, nil, nil)
		out = append(out, b)
	}
	return out, nil
}

// stepInputs builds one decoding step's inputs. Without a cache (or at the
// first step) rows hold prompt + generated tokens, left-padded; with a
// cache, the last generated token of each row and the cache (past).
func (e *genEngine) stepInputs(prompts, gen [][]int64, past []tensor.Tensor) []tensor.Tensor {
	B := len(prompts)
	longest := 0
	for r := range prompts {
		n := len(prompts[r])
		if gen != nil {
			n += len(gen[r])
		}
		longest = max(longest, n)
	}
	incremental := past != nil
	T := longest
	if incremental {
		T = 1
	}
	ids := make([]int64, B*T)
	pos := make([]int64, B*T)
	mask := make([]int64, B*longest)
	for r := range prompts {
		seq := prompts[r]
		if gen != nil {
			seq = append(append([]int64(nil), prompts[r]...), gen[r]...)
		}
		pad := longest - len(seq)
		for j := 0; j < longest; j++ {
			if j >= pad {
				mask[r*longest+j] = 1
			}
		}
		if incremental {
			ids[r] = seq[len(seq)-1]
			pos[r] = int64(len(seq) - 1)
			continue
		}
		for j := 0; j < longest; j++ {
			if j < pad {
				ids[r*T+j], pos[r*T+j] = e.padID, 1 // as Hugging Face: masked positions hold 1
			} else {
				ids[r*T+j], pos[r*T+j] = seq[j-pad], int64(j-pad)
			}
		}
	}
	ins := make([]tensor.Tensor, len(e.inputs))
	k := 0
	for i, in := range e.inputs {
		switch e.roles[i] {
		case "input_ids":
			ins[i] = intTensor(in, []int64{int64(B), int64(T)}, ids)
		case "attention_mask":
			ins[i] = intTensor(in, []int64{int64(B), int64(longest)}, mask)
		case "position_ids":
			ins[i] = intTensor(in, []int64{int64(B), int64(T)}, pos)
		case "past":
			if past != nil {
				ins[i] = past[k]
				ins[i].Name = in.Name
			} else {
				ins[i] = emptyCache(in, B, e.kv.branch >= 0)
			}
			k++
		case "use_cache_branch":
			ins[i] = tensor.New(in.Name, tensor.Bool, []int64{1})
			ins[i].Data.([]bool)[0] = past != nil
		}
	}
	return ins
}

// intTensor fills a token tensor of the input's integer type.
func intTensor(in tensor.Info, shape []int64, vals []int64) tensor.Tensor {
	t := tensor.New(in.Name, in.DType, shape)
	switch d := t.Data.(type) {
	case []int64:
		copy(d, vals)
	case []int32:
		for i, v := range vals {
			d[i] = int32(v)
		}
	}
	return t
}

// infer runs one batch's decoding loop; the model is held until the last
// step, then the generations are written into the chunk.
func (e *genEngine) infer(ctx context.Context, m Model, b *batch, ready func() error) error {
	prompts := b.aux.([][]int64)
	B := len(prompts)
	gen := make([][]int64, B)
	count := make([]int, B) // tokens generated before the row stopped
	stop := make([]string, B)
	text := make([]string, B)
	rngs := make([]*rand.Rand, B)
	for r, i := range b.idx {
		rngs[r] = rand.New(rand.NewPCG(metrics.SubSeed(e.seed, "generation"), uint64(b.c.preds[i].Index)))
	}
	inputs := b.inputs
	om, _ := m.(ownedModel)
	var past []tensor.Tensor // the cache fed to the current step
	for _, p := range prompts {
		b.tokens += int64(len(p))
	}
	done := 0
	for step := 0; step < e.maxNew && done < B; step++ {
		if step > 0 {
			for _, in := range inputs {
				if in.Name == "input_ids" {
					b.padded += in.Shape[0] * in.Shape[1]
				}
			}
		} else {
			b.padded += inputs[0].Shape[0] * inputs[0].Shape[1]
		}
		t0 := time.Now()
		var outs []tensor.Tensor
		var err error
		if om != nil {
			outs, err = om.RunOwned(ctx, inputs)
		} else {
			outs, err = m.Run(ctx, inputs)
		}
		b.latency += time.Since(t0)
		if om != nil && past != nil {
			om.Recycle(past...) // this step's cache input, superseded by its outputs
		}
		if err != nil {
			return fmt.Errorf("generation step %d on %s: %w", step, b.where(), err)
		}
		var logits *tensor.Tensor
		byName := map[string]*tensor.Tensor{}
		for j := range outs {
			byName[outs[j].Name] = &outs[j]
		}
		logits = byName[e.logits]
		if logits == nil || len(logits.Shape) != 3 || int(logits.Shape[0]) != B {
			return fmt.Errorf("generation step %d on %s: output %q is missing or not [batch, sequence, vocab] logits", step, b.where(), e.logits)
		}
		T, V := int(logits.Shape[1]), int(logits.Shape[2])
		data, ok := logits.Data.([]float32)
		if !ok {
			f := logits.Float64s()
			data = make([]float32, len(f))
			for j, x := range f {
				data[j] = float32(x)
			}
		}
		for r := 0; r < B; r++ {
			if stop[r] != "" {
				gen[r] = append(gen[r], e.padID) // keeps rows rectangular; not part of the output
				continue
			}
			row := data[(r*T+T-1)*V : (r*T+T)*V]
			tok := int64(e.sampler.Next(row, rngs[r]))
			gen[r] = append(gen[r], tok)
			count[r]++
			if e.eos[tok] {
				stop[r], done = tasks.StopEOS, done+1
				text[r] = e.task.tok.Decode(gen[r][:len(gen[r])-1], true)
				continue
			}
			if len(e.stop) > 0 {
				// Decoding every step is quadratic in the length; only a
				// stop sequence needs the text before the end.
				text[r] = e.task.tok.Decode(gen[r], true)
				if cut, ok := cutAtStop(text[r], e.stop); ok {
					text[r], stop[r], done = cut, tasks.StopSequence, done+1
					continue
				}
			}
			if len(gen[r]) == e.maxNew {
				stop[r], done = tasks.StopLength, done+1
			}
		}
		if done == B || step == e.maxNew-1 {
			break
		}
		if om != nil {
			om.Recycle(*logits)
		}
		if e.kv != nil {
			past = past[:0:0]
			for _, name := range e.kv.present {
				pt := byName[name]
				if pt == nil {
					return fmt.Errorf("generation step %d: the model returned no %q", step, name)
				}
				past = append(past, *pt)
			}
		}
		inputs = e.stepInputs(prompts, gen, past)
	}
	if err := ready(); err != nil {
		return err
	}
	for r, i := range b.idx {
		p := &b.c.preds[i]
		if stop[r] != tasks.StopEOS && stop[r] != tasks.StopSequence {
			text[r] = e.task.tok.Decode(gen[r][:count[r]], true)
		}
		p.Tokens, p.Text, p.Stop = gen[r][:count[r]], text[r], stop[r]
		if p.Stop == "" {
			p.Stop = tasks.StopLength
		}
		b.tokens += int64(count[r])
	}
	return nil
}

// ownedModel is implemented by models that can write outputs straight into
// buffers the caller then owns (ort.Model.RunOwned), and take the buffers
// back once the caller is done with them; generation feeds each step's
// key/value cache to the next step without copying it.
type ownedModel interface {
	RunOwned(ctx context.Context, inputs []tensor.Tensor) ([]tensor.Tensor, error)
	Recycle(ts ...tensor.Tensor)
}

// cutAtStop cuts text before the first stop sequence in it.
func cutAtStop(text string, stops []string) (string, bool) {
	cut := -1
	for _, s := range stops {
		if i := strings.Index(text, s); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut < 0 {
		return text, false
	}
	return text[:cut], true
}

func (e *genEngine) finish(c *chunk) error {
	c.state = nil
	return nil
}

// document returns an extraction example's tokens, at least prefix +
// suffix of them.
func (e *genEngine) document(rec *dataset.Record) ([]int64, error) {
	ctx, _, err := e.task.prompt(rec)
	if err != nil {
		return nil, err
	}
	ids, err := e.task.encode(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rec.Loc, err)
	}
	if e.task.hasStart {
		ids = append([]int64{e.task.start}, ids...)
	}
	p, s := e.extract[0], e.extract[1]
	if len(ids) < p+s {
		return nil, fmt.Errorf("%s: the document has %d tokens, fewer than lm.prefix_tokens + lm.suffix_tokens = %d + %d; choose shorter lengths or longer documents",
			rec.Loc, len(ids), p, s)
	}
	if p+s > e.maxLen {
		return nil, fmt.Errorf("%s: %w: lm.prefix_tokens + lm.suffix_tokens = %d is more than lm.max_length %d (the model's window)", rec.Loc, errPromptTooLong, p+s, e.maxLen)
	}
	return ids, nil
}

// label renders an example's references: the target, then the further
// references; for extraction, the true suffix.
func (e *genEngine) label(rec *dataset.Record, p *tasks.Prediction) error {
	if e.extract != nil {
		ids, err := e.document(rec)
		if err != nil {
			return err
		}
		p.Want = ids[e.extract[0] : e.extract[0]+e.extract[1]]
		p.References = []string{e.task.tok.Decode(p.Want, false)}
		return nil
	}
	for _, b := range e.task.refs {
		s, err := b.render(*rec)
		if err != nil {
			return err
		}
		p.References = append(p.References, s)
	}
	return nil
}

func (e *genEngine) cacheMode() string   { return "generation" }
func (e *genEngine) setCacheMode(string) {}

func (e *genEngine) check(c *cachedPred) error {
	switch c.Stop {
	case tasks.StopEOS, tasks.StopSequence, tasks.StopLength:
	default:
		return fmt.Errorf("unknown stop reason %q", c.Stop)
	}
	if len(c.Tokens) > e.maxNew {
		return fmt.Errorf("%d generated tokens, more than max_new_tokens %d", len(c.Tokens), e.maxNew)
	}
	return nil
}
