package suite

// TextFeature builds token tensors (input_ids, attention_mask,
// token_type_ids) from text columns with a Hugging Face tokenizer.
type TextFeature struct {
	// Tokenizer is the path to a tokenizer.json.
	Tokenizer string `yaml:"tokenizer"`
	// Template renders the text from columns, e.g. "{subject}: {body}".
	Template string `yaml:"template"`
	// Pair optionally renders a second segment (token_type_ids 1).
	Pair string `yaml:"pair"`
	// MaxLength truncates longer inputs (default: the tokenizer's, else 512).
	MaxLength int `yaml:"max_length"`
}

// LMSpec configures language-model tasks (multiple_choice, perplexity,
// pair_preference).
type LMSpec struct {
	// Tokenizer is the path to a tokenizer.json.
	Tokenizer string `yaml:"tokenizer"`
}

// text validates text features and language-model sections.
func (v *validator) text(p string, t *Task) {}
