package suite

import (
	"fmt"
	"strings"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/tasks"
	"gopkg.in/yaml.v3"
)

// TextFeature builds token tensors (input_ids, attention_mask,
// token_type_ids, position_ids — whichever the model declares) from text
// columns with a Hugging Face tokenizer. The feature's columns list the
// columns the templates may use.
type TextFeature struct {
	// Tokenizer is the path to a tokenizer.json (".gz" allowed).
	Tokenizer string `yaml:"tokenizer"`
	// Template renders the text from columns, e.g. "{subject}: {body}";
	// "{{" and "}}" are literal braces. Default: the feature's columns
	// joined by a space.
	Template string `yaml:"template"`
	// Pair optionally renders a second segment (token_type_ids 1 for
	// tokenizers whose post-processor says so, as BERT's).
	Pair string `yaml:"pair"`
	// MaxLength truncates longer inputs (default: the model's fixed
	// sequence length, else 512).
	MaxLength int `yaml:"max_length"`
	// AddSpecialTokens adds the post-processor's special tokens such as
	// [CLS] and [SEP] (default true).
	AddSpecialTokens *bool `yaml:"add_special_tokens"`
	// PadToken names the token used for padding (default: the tokenizer's
	// [PAD], <pad> or <|endoftext|>, else id 0). Padded positions have
	// attention_mask 0.
	PadToken string `yaml:"pad_token"`
}

// LMSpec configures language-model tasks (multiple_choice, perplexity,
// pair_preference). Templates use the TextFeature syntax ({column}).
type LMSpec struct {
	// Tokenizer is the path to a tokenizer.json (default: the tokenizer of
	// the dataset's text feature).
	Tokenizer string `yaml:"tokenizer"`
	// Context renders a multiple_choice document's context (lm-eval
	// doc_to_text). Default: the dataset's text feature template.
	Context string `yaml:"context"`
	// Choices render the answer choices, one template each (lm-eval
	// doc_to_choice as a list of templates).
	Choices []string `yaml:"choices"`
	// ChoicesFrom names a list column (a JSON array of strings, a Parquet
	// list<string>) holding each document's choices, however many; it
	// replaces Choices.
	ChoicesFrom string `yaml:"choices_from"`
	// Gold names the column holding the 0-based index of the correct
	// choice (lm-eval doc_to_target).
	Gold string `yaml:"gold"`
	// TargetDelimiter goes between context and choice (default " ", as
	// lm-eval).
	TargetDelimiter *string `yaml:"target_delimiter"`
	// Document renders a perplexity document (default: the dataset's text
	// feature template).
	Document string `yaml:"document"`
	// Stereotyped and AntiStereotyped render the two sentences of a
	// pair_preference pair (CrowS-Pairs sent_more and sent_less).
	Stereotyped     string `yaml:"stereotyped"`
	AntiStereotyped string `yaml:"anti_stereotyped"`
	// MaxLength is the model window in tokens (default: the model's fixed
	// sequence length, else 2048 as lm-eval's HFLM).
	MaxLength int `yaml:"max_length"`
	// PrefixToken is the token that starts the first rolling window and
	// stands for an empty context (lm-eval's prefix_token_id, the EOT
	// token). Default: the first of <|endoftext|>, </s>, <eos>, <s>, [CLS]
	// the tokenizer knows.
	PrefixToken string `yaml:"prefix_token"`
	// BatchTokens caps padded tokens per batch (default: runtime.batch_size
	// × max_length); batches are formed from length-sorted requests.
	BatchTokens int `yaml:"batch_tokens"`

	// Prompting (docs/prompting.md). StartToken is put before every
	// non-empty context (a BOS or [CLS] the model expects).
	StartToken string `yaml:"start_token"`
	// Description is prepended to every context (lm-eval's description).
	Description string `yaml:"description"`
	// Target renders an example's answer (lm-eval doc_to_target): the
	// reference of a generation task, and the answer of its in-context
	// demonstrations. Multiple choice and classification demonstrations
	// answer with the gold choice or the label's words instead.
	Target string `yaml:"target"`
	// References render further acceptable answers of a generation task
	// (scored as the best match, as the SQuAD and ROUGE scripts do).
	References []string `yaml:"references"`
	// FewshotDelimiter separates demonstrations from each other and from
	// the example (default "\n\n", as lm-eval).
	FewshotDelimiter *string `yaml:"fewshot_delimiter"`
	// Fewshot puts demonstrations before each example.
	Fewshot *FewshotSpec `yaml:"fewshot"`
	// Verbalizer makes a classification task a language-model task: each
	// class (by name) is scored by the likelihood of its words after the
	// context and the target delimiter.
	Verbalizer map[string]string `yaml:"verbalizer"`
	// Calibrate is "contextual" for contextual calibration (Zhao et al.
	// 2021): class probabilities are divided by those the model gives the
	// same prompt with a content-free input, then renormalised.
	Calibrate LMCalibration `yaml:"calibrate"`
	// ContentFree are the content-free inputs of contextual calibration
	// (default "N/A", "", "[MASK]", as Zhao et al.); each replaces every
	// field of the example's text template.
	ContentFree []string `yaml:"content_free"`

	// Generation (kind generation).
	MaxNewTokens int           `yaml:"max_new_tokens"`
	Stop         []string      `yaml:"stop"`
	Sampling     *SamplingSpec `yaml:"sampling"`

	// Extraction (kind extraction): each document's first PrefixTokens
	// tokens are the prompt, the next SuffixTokens the suffix that the
	// greedy continuation must reproduce (Carlini et al. 2023).
	PrefixTokens int `yaml:"prefix_tokens"`
	SuffixTokens int `yaml:"suffix_tokens"`
}

// Default prefix and suffix lengths of kind extraction (Carlini et al.
// 2023, "Quantifying Memorization Across Neural Language Models", §3: 50
// tokens of context, 50 of suffix).
const (
	DefaultPrefixTokens = 50
	DefaultSuffixTokens = 50
)

// FewshotSpec chooses in-context demonstrations.
type FewshotSpec struct {
	// K is the number of demonstrations, or a list of them for a sweep
	// (each k is evaluated as its own adaptation, "<model>+<k>shot").
	K IntList `yaml:"k"`
	// From names the dataset demonstrations come from (default: the
	// task's dataset; the scored example is never its own demonstration).
	From string `yaml:"from"`
	// Sampler: random (default), first, or balanced (round robin over the
	// answers, random within each).
	Sampler FewshotSampler `yaml:"sampler"`
	// Seed seeds the sampler (default: the suite seed); each example's
	// demonstrations depend only on the seed and the example's index.
	Seed *uint64 `yaml:"seed"`
}

// SamplingSpec makes generation sample instead of decoding greedily.
type SamplingSpec struct {
	// Temperature divides the logits (> 0).
	Temperature float64 `yaml:"temperature"`
	// TopK keeps the k most likely tokens (0: all).
	TopK int `yaml:"top_k"`
	// TopP keeps the most likely tokens whose probabilities sum to p (0 or
	// 1: all).
	TopP float64 `yaml:"top_p"`
	// Seed seeds the sampler (default: the suite seed); each example is
	// sampled from its own stream, so batching does not change it.
	Seed *uint64 `yaml:"seed"`
}

// IntList is one integer or a list of them.
type IntList []int

// UnmarshalYAML accepts 5 or [0, 1, 5].
func (l *IntList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var v int
		if err := n.Decode(&v); err != nil {
			return err
		}
		*l = IntList{v}
		return nil
	}
	var v []int
	if err := n.Decode(&v); err != nil {
		return err
	}
	*l = v
	return nil
}

// LMCalibration is lm.calibrate: how class probabilities of a language
// model classifier are calibrated.
type LMCalibration string

// The calibrations.
const (
	// CalibrateNone leaves the probabilities as they are (the default).
	CalibrateNone LMCalibration = "none"
	// CalibrateContextual is contextual calibration (Zhao et al. 2021).
	CalibrateContextual LMCalibration = "contextual"
)

// FewshotSampler is how lm.fewshot.sampler picks demonstrations.
type FewshotSampler string

// The few-shot samplers.
const (
	// SamplerRandom draws demonstrations at random (the default).
	SamplerRandom FewshotSampler = "random"
	// SamplerFirst takes the first examples of the pool.
	SamplerFirst FewshotSampler = "first"
	// SamplerBalanced goes round robin over the answers, at random within each.
	SamplerBalanced FewshotSampler = "balanced"
)

// Samplers are the few-shot samplers.
var Samplers = names(SamplerRandom, SamplerFirst, SamplerBalanced)

// TextOf returns the dataset's text feature, if it has one.
func (d *Dataset) TextOf() *Feature {
	for i := range d.Features {
		if d.Features[i].Text != nil {
			return &d.Features[i]
		}
	}
	return nil
}

// DefaultTemplate returns the feature's template, or its columns joined
// by a space as placeholders.
func (f *Feature) DefaultTemplate() string {
	if f.Text != nil && f.Text.Template != "" {
		return f.Text.Template
	}
	parts := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		parts[i] = "{" + c + "}"
	}
	return strings.Join(parts, " ")
}

// text validates text features and language-model sections.
func (v *validator) text(p string, t *Task) {
	s := v.s
	if t.Kind == string(tasks.MembershipInference) && t.LM != nil {
		// A language model's membership is scored by the per-token loss
		// of each document: its lm section is a perplexity task's.
		pt := *t
		pt.Kind = string(tasks.Perplexity)
		v.text(p, &pt)
		return
	}
	// Text features: validated once, for the first task that uses the dataset.
	used := []string{t.Dataset, t.Calibration.Dataset}
	if t.Robustness != nil {
		used = append(used, t.Robustness.Shift...)
	}
	if t.Membership != nil {
		used = append(used, t.Membership.NonMembers)
	}
	for _, name := range used {
		if name == "" || v.seenBefore(t, name) {
			continue
		}
		for i := range s.Datasets {
			if s.Datasets[i].Name == name {
				v.textFeatures(fmt.Sprintf("datasets[%d]", i), &s.Datasets[i])
			}
		}
	}
	lmClass := t.Kind == string(tasks.Classification) && t.LM != nil
	gen := t.Kind == string(tasks.Generation)
	extract := t.Kind == string(tasks.Extraction)
	if !tasks.IsLM(t.Kind) && !lmClass && !gen && !extract {
		if t.LM != nil {
			v.errorf(p+".lm", ErrInvalid, "an lm section applies to kinds multiple_choice, perplexity, pair_preference, generation and classification (with a verbalizer), not %s", t.Kind)
		}
		return
	}
	if tasks.IsLM(t.Kind) {
		if t.Robustness != nil {
			v.errorf(p+".robustness", ErrInvalid, "robustness is not supported for kind %s yet", t.Kind)
		}
		if t.Fairness != nil {
			v.errorf(p+".fairness", ErrInvalid, "fairness slices are not supported for kind %s; use kind pair_preference for intrinsic bias", t.Kind)
		}
	}
	if gen {
		if f := t.Fairness; f != nil && (len(f.Attributes) > 0 || f.Intersections || len(f.Metrics) > 0 || f.Positive != "") {
			v.errorf(p+".fairness", ErrInvalid, "kind generation supports counterfactual substitutions only (fairness.counterfactual), not group slices")
		}
	}
	if extract {
		if t.Robustness != nil {
			v.errorf(p+".robustness", ErrInvalid, "robustness is not supported for kind extraction")
		}
		if t.Fairness != nil {
			v.errorf(p+".fairness", ErrInvalid, "fairness is not supported for kind extraction")
		}
	}
	if (tasks.IsLM(t.Kind) || gen || extract) && t.Calibration.Dataset != "" {
		v.errorf(p+".calibration.dataset", ErrInvalid, "temperature scaling is not supported for kind %s", t.Kind)
	}
	d, _ := s.Dataset(t.Dataset)
	var tf *Feature
	if d != nil {
		tf = d.TextOf()
	}
	if t.LM == nil {
		t.LM = &LMSpec{}
	}
	lm := t.LM
	lp := p + ".lm"
	if lm.Tokenizer == "" && tf != nil {
		lm.Tokenizer = tf.Text.Tokenizer
	}
	if lm.Tokenizer == "" {
		v.errorf(lp+".tokenizer", ErrMissing, "tokenizer (a tokenizer.json path here or in the dataset's text feature)")
	} else {
		v.file(lp+".tokenizer", lm.Tokenizer)
	}
	if lm.MaxLength < 0 {
		v.errorf(lp+".max_length", ErrInvalid, "%d (want >= 1; 0 means the model's window or 2048)", lm.MaxLength)
	}
	if lm.BatchTokens < 0 {
		v.errorf(lp+".batch_tokens", ErrInvalid, "%d (want >= 0)", lm.BatchTokens)
	}
	fallback := ""
	if tf != nil {
		fallback = tf.DefaultTemplate()
	}
	tpl := func(path, what, s string, required bool) {
		if s == "" {
			if required {
				v.errorf(path, ErrMissing, "%s (a template such as \"{column}\")", what)
			}
			return
		}
		if _, err := tasks.ParseTemplate(s); err != nil {
			v.errorf(path, ErrInvalid, "%v", err)
		}
	}
	switch tasks.Kind(t.Kind) {
	case tasks.MultipleChoice:
		if lm.Context == "" {
			lm.Context = fallback
		}
		tpl(lp+".context", "context", lm.Context, false)
		switch {
		case lm.ChoicesFrom != "" && len(lm.Choices) > 0:
			v.errorf(lp+".choices_from", ErrInvalid, "give choices (templates) or choices_from (a list column), not both")
		case lm.ChoicesFrom == "" && len(lm.Choices) < 2:
			v.errorf(lp+".choices", ErrMissing, "choices (at least two templates, e.g. [\"{a}\", \"{b}\"], or choices_from: a list column)")
		}
		for i, c := range lm.Choices {
			tpl(fmt.Sprintf("%s.choices[%d]", lp, i), "choice", c, true)
		}
		if lm.Gold == "" {
			v.errorf(lp+".gold", ErrMissing, "gold (the column with the 0-based index of the correct choice)")
		}
		if lm.TargetDelimiter == nil {
			sp := " "
			lm.TargetDelimiter = &sp
		}
	case tasks.Perplexity:
		if lm.Document == "" {
			lm.Document = fallback
		}
		tpl(lp+".document", "document", lm.Document, true)
	case tasks.PairPreference:
		tpl(lp+".stereotyped", "stereotyped", lm.Stereotyped, true)
		tpl(lp+".anti_stereotyped", "anti_stereotyped", lm.AntiStereotyped, true)
	case tasks.Classification:
		if lm.Context == "" {
			lm.Context = fallback
		}
		tpl(lp+".context", "context", lm.Context, true)
		v.verbalizer(lp, t, d)
	case tasks.Extraction:
		if lm.Context == "" {
			lm.Context = fallback
		}
		tpl(lp+".context", "context (the document whose prefix is the prompt)", lm.Context, true)
		if lm.PrefixTokens == 0 {
			lm.PrefixTokens = DefaultPrefixTokens
		}
		if lm.SuffixTokens == 0 {
			lm.SuffixTokens = DefaultSuffixTokens
		}
		if lm.PrefixTokens < 1 {
			v.errorf(lp+".prefix_tokens", ErrInvalid, "%d (want >= 1)", lm.PrefixTokens)
		}
		if lm.SuffixTokens < 1 {
			v.errorf(lp+".suffix_tokens", ErrInvalid, "%d (want >= 1)", lm.SuffixTokens)
		}
		if lm.Fewshot != nil || lm.Sampling != nil || len(lm.Stop) > 0 || lm.MaxNewTokens != 0 {
			v.errorf(lp, ErrInvalid, "kind extraction decodes suffix_tokens tokens greedily from the bare prefix: fewshot, sampling, stop and max_new_tokens do not apply")
		}
	case tasks.Generation:
		if lm.Context == "" {
			lm.Context = fallback
		}
		tpl(lp+".context", "context", lm.Context, true)
		tpl(lp+".target", "target (the reference answer, lm-eval's doc_to_target)", lm.Target, true)
		for i, r := range lm.References {
			tpl(fmt.Sprintf("%s.references[%d]", lp, i), "reference", r, true)
		}
		if lm.MaxNewTokens == 0 {
			lm.MaxNewTokens = DefaultMaxNewTokens
		}
		if lm.MaxNewTokens < 1 {
			v.errorf(lp+".max_new_tokens", ErrInvalid, "%d (want >= 1)", lm.MaxNewTokens)
		}
		for i, st := range lm.Stop {
			if st == "" {
				v.errorf(fmt.Sprintf("%s.stop[%d]", lp, i), ErrInvalid, "an empty stop sequence would stop at once")
			}
		}
		if sp := lm.Sampling; sp != nil {
			if !(sp.Temperature > 0) {
				v.errorf(lp+".sampling.temperature", ErrInvalid, "%v (want > 0; leave sampling out for greedy decoding)", sp.Temperature)
			}
			if sp.TopK < 0 {
				v.errorf(lp+".sampling.top_k", ErrInvalid, "%d (want >= 0; 0 keeps every token)", sp.TopK)
			}
			if sp.TopP < 0 || sp.TopP > 1 {
				v.errorf(lp+".sampling.top_p", ErrInvalid, "%v (want 0..1; 0 or 1 keeps every token)", sp.TopP)
			}
			if sp.Seed == nil {
				seed := s.Seed
				sp.Seed = &seed
			}
		}
	}
	if lm.TargetDelimiter == nil {
		sp := " "
		lm.TargetDelimiter = &sp
	}
	if lm.FewshotDelimiter == nil {
		nl := "\n\n"
		lm.FewshotDelimiter = &nl
	}
	if lm.Calibrate == "" {
		lm.Calibrate = CalibrateNone
	}
	v.oneOf(lp+".calibrate", string(lm.Calibrate), names(CalibrateNone, CalibrateContextual))
	if lm.Calibrate == CalibrateContextual && t.Kind != string(tasks.Classification) {
		v.errorf(lp+".calibrate", ErrInvalid, "contextual calibration applies to classification by a language model (lm.verbalizer), not kind %s", t.Kind)
	}
	if lm.Calibrate == CalibrateContextual && len(lm.ContentFree) == 0 {
		lm.ContentFree = []string{"N/A", "", "[MASK]"}
	}
	if f := lm.Fewshot; f != nil {
		fp := lp + ".fewshot"
		if t.Kind == string(tasks.Perplexity) || t.Kind == string(tasks.PairPreference) {
			v.errorf(fp, ErrInvalid, "demonstrations apply to kinds multiple_choice, classification and generation, not %s", t.Kind)
		}
		if len(f.K) == 0 {
			v.errorf(fp+".k", ErrMissing, "k (the number of demonstrations, or a list such as [0, 1, 5])")
		}
		seen := map[int]bool{}
		for i, k := range f.K {
			if k < 0 {
				v.errorf(fmt.Sprintf("%s.k[%d]", fp, i), ErrInvalid, "%d (want >= 0)", k)
			}
			if seen[k] {
				v.errorf(fmt.Sprintf("%s.k[%d]", fp, i), ErrInvalid, "%d is listed twice", k)
			}
			seen[k] = true
		}
		if f.From == "" {
			f.From = t.Dataset
		}
		names := make([]string, len(s.Datasets))
		for i := range s.Datasets {
			names[i] = s.Datasets[i].Name
		}
		v.ref(fp+".from", f.From, "dataset", names)
		if f.Sampler == "" {
			f.Sampler = SamplerRandom
		}
		v.oneOf(fp+".sampler", string(f.Sampler), Samplers)
		if f.Seed == nil {
			seed := s.Seed
			f.Seed = &seed
		}
	}
}

// DefaultMaxNewTokens is a generation task's default max_new_tokens.
const DefaultMaxNewTokens = 32

// verbalizer checks that a classification task's verbalizer gives words
// to every class of its dataset, and to nothing else.
func (v *validator) verbalizer(lp string, t *Task, d *Dataset) {
	vb := t.LM.Verbalizer
	if len(vb) == 0 {
		v.errorf(lp+".verbalizer", ErrMissing, "verbalizer (the words of each class, e.g. {negative: \"bad\", positive: \"good\"})")
		return
	}
	if d == nil || d.Label == nil || len(d.Label.Classes) == 0 {
		v.errorf(lp+".verbalizer", ErrInvalid, "classification by a language model needs the dataset's label classes declared (label.classes), so that each class has words")
		return
	}
	for _, c := range d.Label.Classes {
		if w, ok := vb[c]; !ok {
			v.errorf(lp+".verbalizer", ErrMissing, "words for class %q", c)
		} else if strings.TrimSpace(w) == "" {
			v.errorf(lp+".verbalizer."+c, ErrInvalid, "empty words for class %q", c)
		}
	}
	for c := range vb {
		if !contains(d.Label.Classes, c) {
			msg := fmt.Sprintf("%q is not a class of dataset %q", c, d.Name)
			if near := dataset.Nearest(c, d.Label.Classes); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			v.errorf(lp+".verbalizer", ErrReference, "%s (classes: %s)", msg, strings.Join(d.Label.Classes, ", "))
		}
	}
}

// seenBefore reports whether a task before t uses dataset name.
func (v *validator) seenBefore(t *Task, name string) bool {
	for i := range v.s.Tasks {
		u := &v.s.Tasks[i]
		if u == t {
			return false
		}
		if u.Dataset == name || u.Calibration.Dataset == name {
			return true
		}
		if u.Robustness != nil && contains(u.Robustness.Shift, name) {
			return true
		}
	}
	return false
}

// textFeatures validates a dataset's text features.
func (v *validator) textFeatures(p string, d *Dataset) {
	n := 0
	for j := range d.Features {
		f := &d.Features[j]
		tf := f.Text
		if tf == nil {
			continue
		}
		fp := fmt.Sprintf("%s.features[%d].text", p, j)
		n++
		if n == 2 {
			v.errorf(fp, ErrInvalid, "a dataset has at most one text feature (it feeds input_ids, attention_mask and token_type_ids together)")
		}
		if tf.Tokenizer == "" {
			v.errorf(fp+".tokenizer", ErrMissing, "tokenizer (path to a tokenizer.json)")
		}
		v.file(fp+".tokenizer", tf.Tokenizer)
		if tf.MaxLength < 0 {
			v.errorf(fp+".max_length", ErrInvalid, "%d (want >= 1)", tf.MaxLength)
		}
		for _, x := range []struct{ key, src string }{{"template", f.DefaultTemplate()}, {"pair", tf.Pair}} {
			if x.src == "" {
				continue
			}
			tp, err := tasks.ParseTemplate(x.src)
			if err != nil {
				v.errorf(fp+"."+x.key, ErrInvalid, "%v", err)
				continue
			}
			for _, field := range tp.Fields() {
				if !contains(f.Columns, field) {
					msg := fmt.Sprintf("template uses column %q, which the feature's columns do not list", field)
					if near := dataset.Nearest(field, f.Columns); near != "" {
						msg += fmt.Sprintf(" (did you mean %q?)", near)
					}
					v.errorf(fp+"."+x.key, ErrReference, "%s (columns: %s)", msg, strings.Join(f.Columns, ", "))
				}
			}
		}
	}
}
