package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/harness/tokenizer"
	"github.com/evalctl/evalctl/tasks"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// boundTemplate is a template whose fields are resolved to column indices.
type boundTemplate struct {
	t    *tasks.Template
	cols map[string]int
	name []string
}

// bindTemplate parses src and resolves its fields against the dataset's
// columns; what names the template in errors.
func bindTemplate(src, what string, cols []dataset.Column) (*boundTemplate, error) {
	t, err := tasks.ParseTemplate(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	b := &boundTemplate{t: t, cols: map[string]int{}}
	var all []string
	for _, c := range cols {
		all = append(all, c.Name)
	}
	for _, f := range t.Fields() {
		idx := -1
		for i, c := range cols {
			if c.Name == f {
				idx = i
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("%s %q: column %q not found (columns: %s)", what, src, f, strings.Join(all, ", "))
		}
		if cols[idx].Kind == dataset.Array {
			return nil, fmt.Errorf("%s %q: column %q holds arrays, not text", what, src, f)
		}
		b.cols[f] = idx
	}
	b.name = all
	return b, nil
}

// render fills the template from one record. A missing value is an error
// naming the record's location.
func (b *boundTemplate) render(rec dataset.Record) (string, error) {
	return b.t.Render(func(f string) (string, error) {
		v := rec.Values[b.cols[f]]
		switch v.Kind {
		case dataset.String, dataset.Nominal:
			return v.Str, nil
		case dataset.Number:
			return strconv.FormatFloat(v.Num, 'g', -1, 64), nil
		case dataset.Missing:
			return "", fmt.Errorf("%s: column %q is missing, and template %q needs it", rec.Loc, f, b.t.String())
		}
		return "", fmt.Errorf("%s: column %q holds %s, not text", rec.Loc, f, v.Kind)
	})
}

// tokenID returns the id of the first of names the tokenizer knows.
func tokenID(tok *tokenizer.Tokenizer, names ...string) (int64, string, bool) {
	for _, n := range names {
		if id, ok := tok.TokenToID(n); ok {
			return id, n, true
		}
	}
	return 0, "", false
}

// textEncoder tokenizes a dataset's text feature into the token inputs the
// model declares.
type textEncoder struct {
	tok       *tokenizer.Tokenizer
	text      *boundTemplate
	pair      *boundTemplate
	special   bool
	padID     int64
	fixedLen  int // > 0: pad every batch to this length (the model's fixed sequence axis)
	fixedRows int // > 0: the model's fixed batch size
	inputs    []tensor.Info
	roles     []string // per input: input_ids, attention_mask, token_type_ids, position_ids
}

// tokenRoles are the model inputs a text encoder can feed.
var tokenRoles = []string{"input_ids", "attention_mask", "token_type_ids", "position_ids"}

// newTextEncoder returns the text encoder of a dataset, or nil for datasets
// without a text feature.
func newTextEncoder(s *suite.Suite, d *suite.Dataset, cols []dataset.Column, inputs []tensor.Info, batch int) (*textEncoder, error) {
	f := d.TextOf()
	if f == nil {
		return nil, nil
	}
	tf := f.Text
	path := s.Resolve(tf.Tokenizer)
	tok, err := tokenizer.Load(path)
	if err != nil {
		return nil, fmt.Errorf("dataset %q feature %q: %w", d.Name, f.Name, err)
	}
	e := &textEncoder{tok: tok, special: tf.AddSpecialTokens == nil || *tf.AddSpecialTokens}
	if e.text, err = bindTemplate(f.DefaultTemplate(), fmt.Sprintf("dataset %q feature %q template", d.Name, f.Name), cols); err != nil {
		return nil, err
	}
	if tf.Pair != "" {
		if e.pair, err = bindTemplate(tf.Pair, fmt.Sprintf("dataset %q feature %q pair", d.Name, f.Name), cols); err != nil {
			return nil, err
		}
	}
	for _, in := range inputs {
		role := ""
		for _, r := range tokenRoles {
			if in.Name == r {
				role = r
			}
		}
		if role == "" {
			return nil, fmt.Errorf("model input %q cannot be fed from text feature %q (a text model takes %s)", in.Name, f.Name, strings.Join(tokenRoles, ", "))
		}
		if in.DType != tensor.Int64 && in.DType != tensor.Int32 {
			return nil, fmt.Errorf("model input %q is %s; token inputs must be int64 or int32", in.Name, in.DType)
		}
		if len(in.Shape) != 2 {
			return nil, fmt.Errorf("model input %q has shape %s; token inputs are [batch, sequence]", in.Name, in.ShapeString())
		}
		if in.Shape[1] > 0 {
			e.fixedLen = int(in.Shape[1])
		}
		if in.Shape[0] > 0 {
			e.fixedRows = int(in.Shape[0])
		}
		e.inputs = append(e.inputs, in)
		e.roles = append(e.roles, role)
	}
	if !contains(e.roles, "input_ids") {
		return nil, fmt.Errorf("model declares no input_ids input; text feature %q feeds input_ids, attention_mask, token_type_ids and position_ids", f.Name)
	}
	maxLen := tf.MaxLength
	if maxLen == 0 {
		maxLen = e.fixedLen
	}
	if maxLen == 0 {
		maxLen = 512
	}
	if e.fixedLen > 0 && maxLen > e.fixedLen {
		return nil, fmt.Errorf("text feature %q max_length %d exceeds the model's fixed sequence length %d", f.Name, maxLen, e.fixedLen)
	}
	tok.SetPadding(nil)
	tok.SetTruncation(&tokenizer.Truncation{MaxLength: maxLen})
	if tf.PadToken != "" {
		id, ok := tok.TokenToID(tf.PadToken)
		if !ok {
			return nil, fmt.Errorf("text feature %q: pad_token %q is not in tokenizer %s", f.Name, tf.PadToken, tf.Tokenizer)
		}
		e.padID = id
	} else if id, _, ok := tokenID(tok, "[PAD]", "<pad>", "<|endoftext|>", "</s>"); ok {
		e.padID = id
	}
	return e, nil
}

// encode tokenizes recs and pads to the longest encoding of the batch (or
// the model's fixed length). Row i of every tensor is record i.
func (e *textEncoder) encode(recs []dataset.Record, rows int) ([]tensor.Tensor, error) {
	encs := make([]tokenizer.Encoding, len(recs))
	for i := range recs {
		var err error
		if encs[i], err = e.tokenize(&recs[i]); err != nil {
			return nil, err
		}
	}
	return e.tensors(encs, rows), nil
}

// tokenize renders a record's text (and pair) and tokenizes it.
func (e *textEncoder) tokenize(rec *dataset.Record) (tokenizer.Encoding, error) {
	a, err := e.text.render(*rec)
	if err != nil {
		return tokenizer.Encoding{}, err
	}
	var enc tokenizer.Encoding
	if e.pair != nil {
		b, err := e.pair.render(*rec)
		if err != nil {
			return tokenizer.Encoding{}, err
		}
		enc, err = e.tok.EncodePair(a, b, e.special)
		if err != nil {
			return tokenizer.Encoding{}, fmt.Errorf("%s: tokenize: %w", rec.Loc, err)
		}
		return enc, nil
	}
	if enc, err = e.tok.Encode(a, e.special); err != nil {
		return tokenizer.Encoding{}, fmt.Errorf("%s: tokenize: %w", rec.Loc, err)
	}
	return enc, nil
}

// tensors pads encodings to the longest of them (or the model's fixed
// length) into the model's token inputs, rows rows deep.
func (e *textEncoder) tensors(encs []tokenizer.Encoding, rows int) []tensor.Tensor {
	if e.fixedRows > 0 {
		rows = e.fixedRows
	}
	longest := 1
	for _, enc := range encs {
		longest = max(longest, enc.Len())
	}
	if e.fixedLen > 0 {
		longest = e.fixedLen
	}
	ts := make([]tensor.Tensor, len(e.inputs))
	for k, in := range e.inputs {
		ts[k] = tensor.New(in.Name, in.DType, []int64{int64(rows), int64(longest)})
		fill := func(j int, v int64) {
			switch d := ts[k].Data.(type) {
			case []int64:
				d[j] = v
			case []int32:
				d[j] = int32(v)
			}
		}
		for r := 0; r < rows; r++ {
			for j := 0; j < longest; j++ {
				var v int64
				real := r < len(encs) && j < encs[r].Len()
				switch e.roles[k] {
				case "input_ids":
					v = e.padID
					if real {
						v = encs[r].IDs[j]
					}
				case "attention_mask":
					if real {
						v = 1
					}
				case "token_type_ids":
					if real {
						v = encs[r].TypeIDs[j]
					}
				case "position_ids":
					v = int64(j)
				}
				fill(r*longest+j, v)
			}
		}
	}
	return ts
}

// Counterfactual text substitution. The lead wires these into
// suite.CounterfactualSpec (see docs/text.md): a counterfactual with
// words: pronouns (or words: <names file>) substitutes whole words in a
// text column instead of swapping a column's whole value.

// counterfactualWordPairs resolves a counterfactual word list: "pronouns"
// (fairness.PronounPairs) or the path of a JSON file holding
// [[from, to], ...] pairs (scripts/make_spam.py writes the first-name
// pairs as suites/spam/data/names.json).
func counterfactualWordPairs(s *suite.Suite, words string) ([]fairness.WordPair, error) {
	if words == "pronouns" {
		return fairness.PronounPairs, nil
	}
	path := s.Resolve(words)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("counterfactual words: %w", err)
	}
	var pairs [][2]string
	if err := json.Unmarshal(b, &pairs); err != nil {
		return nil, fmt.Errorf("counterfactual words %s: want a JSON list of [from, to] pairs: %w", path, err)
	}
	out := make([]fairness.WordPair, len(pairs))
	for i, p := range pairs {
		out[i] = fairness.WordPair{From: p[0], To: p[1]}
	}
	return out, nil
}

// textCounterfactualTransform substitutes whole words (case-preserving,
// simultaneous, both directions) in the text columns named — or, when
// columns is empty, in every string column — and marks the record changed
// when any word was replaced.
func textCounterfactualTransform(cols []dataset.Column, name string, columns []string, pairs []fairness.WordPair) (transform, error) {
	sub, err := fairness.NewTextSubstituter(pairs, true)
	if err != nil {
		return nil, fmt.Errorf("counterfactual %q: %w", name, err)
	}
	var idx []int
	if len(columns) == 0 {
		for i, c := range cols {
			if c.Kind == dataset.String {
				idx = append(idx, i)
			}
		}
	}
	for _, cn := range columns {
		i, err := pickColumn(cols, cn, dataset.String)
		if err != nil {
			return nil, fmt.Errorf("counterfactual %q: %w", name, err)
		}
		if cols[i].Kind != dataset.String {
			return nil, fmt.Errorf("counterfactual %q: column %q is %s; word substitution needs a string column", name, cn, cols[i].Kind)
		}
		idx = append(idx, i)
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("counterfactual %q: the dataset has no string column to substitute words in", name)
	}
	sort.Ints(idx)
	return func(rec *dataset.Record) (bool, error) {
		changed := false
		for _, i := range idx {
			v := &rec.Values[i]
			if v.Kind != dataset.String {
				continue
			}
			out, ch := sub.Substitute(v.Str)
			if ch {
				v.Str = out
				changed = true
			}
		}
		return changed, nil
	}, nil
}
