package suite

import (
	"fmt"
	"strings"

	"github.com/evalctl/evalctl/tasks"
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
}

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
	// Text features: validated once, for the first task that uses the dataset.
	used := []string{t.Dataset, t.Calibration.Dataset}
	if t.Robustness != nil {
		used = append(used, t.Robustness.Shift...)
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
	isLM := tasks.IsLM(t.Kind)
	if !isLM {
		if t.LM != nil {
			v.errorf(p+".lm", ErrInvalid, "an lm section applies to kinds multiple_choice, perplexity and pair_preference, not %s", t.Kind)
		}
		return
	}
	if t.Robustness != nil {
		v.errorf(p+".robustness", ErrInvalid, "robustness is not supported for kind %s yet", t.Kind)
	}
	if t.Fairness != nil {
		v.errorf(p+".fairness", ErrInvalid, "fairness slices are not supported for kind %s; use kind pair_preference for intrinsic bias", t.Kind)
	}
	if t.Calibration.Dataset != "" {
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
		if len(lm.Choices) < 2 {
			v.errorf(lp+".choices", ErrMissing, "choices (at least two templates, e.g. [\"{a}\", \"{b}\"])")
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
					if near := Nearest(field, f.Columns); near != "" {
						msg += fmt.Sprintf(" (did you mean %q?)", near)
					}
					v.errorf(fp+"."+x.key, ErrReference, "%s (columns: %s)", msg, strings.Join(f.Columns, ", "))
				}
			}
		}
	}
}
