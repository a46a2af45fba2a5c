package harness

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
)

// Prompting: in-context demonstrations as lm-evaluation-harness builds
// them (ConfigurableTask.fewshot_context and ContextSampler.get_context):
//
//	context = description
//	        + join(fewshot_delimiter, [text(d) + target_delimiter + target(d) for d in demos])
//	        + fewshot_delimiter          (when there are demonstrations)
//	        + text(example)

// demo is one rendered demonstration.
type demo struct {
	index  int
	text   string
	target string
}

// fewshot chooses each example's demonstrations.
type fewshot struct {
	k       int
	sampler suite.FewshotSampler
	seed    uint64
	pool    []demo
	// from is the dataset the pool comes from: an example of that dataset
	// is never its own demonstration.
	from  string
	delim string
	// byTarget groups the pool's indices by answer (balanced sampler),
	// answers in sorted order.
	byTarget [][]int
}

// newFewshot renders every record of the demonstration dataset with the
// task's templates: text renders the question, target the answer.
func (r *runner) newFewshot(t *suite.Task, k int, text func(cols []dataset.Column) (func(dataset.Record) (string, error), error),
	target func(cols []dataset.Column) (func(dataset.Record) (string, error), error)) (*fewshot, error) {
	spec := t.LM.Fewshot
	fs := &fewshot{k: k, sampler: spec.Sampler, seed: *spec.Seed, from: spec.From, delim: *t.LM.FewshotDelimiter}
	if k == 0 {
		return fs, nil
	}
	d, ok := r.s.Dataset(spec.From)
	if !ok {
		return nil, fmt.Errorf("lm.fewshot.from: dataset %q not found", spec.From)
	}
	rd, err := dataset.Open(datasetSpec(r.s, d))
	if err != nil {
		return nil, fmt.Errorf("lm.fewshot.from: dataset %q: %w", d.Name, err)
	}
	defer rd.Close()
	textOf, err := text(rd.Columns())
	if err != nil {
		return nil, fmt.Errorf("lm.fewshot.from: dataset %q: %w", d.Name, err)
	}
	targetOf, err := target(rd.Columns())
	if err != nil {
		return nil, fmt.Errorf("lm.fewshot.from: dataset %q: %w", d.Name, err)
	}
	for rd.Next() {
		if len(fs.pool)%4096 == 0 {
			if err := r.stopped(); err != nil {
				return nil, err
			}
		}
		rec := rd.Record()
		x, err := textOf(rec)
		if err != nil {
			return nil, err
		}
		y, err := targetOf(rec)
		if err != nil {
			return nil, err
		}
		fs.pool = append(fs.pool, demo{index: rec.Index, text: x, target: y})
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	if len(fs.pool) <= k {
		return nil, fmt.Errorf("lm.fewshot: k = %d demonstrations need more than %d examples in dataset %q (an example is never its own demonstration)", k, len(fs.pool), d.Name)
	}
	groups := map[string][]int{}
	for i, dm := range fs.pool {
		groups[dm.target] = append(groups[dm.target], i)
	}
	keys := make([]string, 0, len(groups))
	for key := range groups {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		fs.byTarget = append(fs.byTarget, groups[key])
	}
	return fs, nil
}

// pick returns the demonstrations of the example at index of dataset ds:
// they depend only on the sampler, its seed and the index, never on the
// batch or shard the example falls in, and never include the example.
func (fs *fewshot) pick(ds string, index int) []demo {
	if fs == nil || fs.k == 0 {
		return nil
	}
	self := func(i int) bool { return ds == fs.from && fs.pool[i].index == index }
	rng := rand.New(rand.NewPCG(metrics.SubSeed(fs.seed, "fewshot"), uint64(index)))
	var out []demo
	switch fs.sampler {
	case suite.SamplerFirst:
		for i := 0; i < len(fs.pool) && len(out) < fs.k; i++ {
			if !self(i) {
				out = append(out, fs.pool[i])
			}
		}
	case suite.SamplerBalanced:
		// Round robin over the answers (in sorted order, starting at a
		// random one), a random unused example of each.
		used := map[int]bool{}
		start := rng.IntN(len(fs.byTarget))
		for g := 0; len(out) < fs.k; g++ {
			group := fs.byTarget[(start+g)%len(fs.byTarget)]
			var free []int
			for _, i := range group {
				if !used[i] && !self(i) {
					free = append(free, i)
				}
			}
			if len(free) == 0 {
				if g > len(fs.byTarget)*(fs.k+1) {
					break
				}
				continue
			}
			i := free[rng.IntN(len(free))]
			used[i] = true
			out = append(out, fs.pool[i])
		}
	default: // random: a uniform sample without replacement, in sampled order
		perm := rng.Perm(len(fs.pool))
		for _, i := range perm {
			if len(out) == fs.k {
				break
			}
			if !self(i) {
				out = append(out, fs.pool[i])
			}
		}
	}
	return out
}

// context puts the demonstrations, the description and the example's text
// together.
func (fs *fewshot) context(description, targetDelim string, demos []demo, text string) string {
	if len(demos) == 0 {
		return description + text
	}
	parts := make([]string, len(demos))
	for i, d := range demos {
		parts[i] = d.text + targetDelim + d.target
	}
	return description + strings.Join(parts, fs.delim) + fs.delim + text
}

// fewshotName is the model name of a few-shot evaluation: "<model>+<k>shot".
func fewshotName(model string, k int) string { return model + "+" + strconv.Itoa(k) + "shot" }

// fewshotKs lists a task's k values; a task without demonstrations has one
// evaluation, k = -1 (no "+kshot" name).
func fewshotKs(t *suite.Task) []int {
	if t.LM == nil || t.LM.Fewshot == nil {
		return []int{-1}
	}
	return t.LM.Fewshot.K
}
