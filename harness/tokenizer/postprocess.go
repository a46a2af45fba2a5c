package tokenizer

import (
	"encoding/json"
	"fmt"
)

// piece of a template: a special token or sequence A/B, with its type id.
type templateItem struct {
	special string // special token name; "" for a sequence
	seq     int    // 0 for A, 1 for B
	typeID  int64
}

// postProcessor adds special tokens around one or two encoded sequences.
type postProcessor struct {
	single, pair []templateItem
	specials     map[string][]token // name -> ids/tokens
	trimOffsets  bool               // ByteLevel / Roberta offset trimming
}

// numSpecial is the number of tokens the processor adds (for truncation budgets).
func (p *postProcessor) numSpecial(pair bool) int {
	if p == nil {
		return 0
	}
	items := p.single
	if pair {
		items = p.pair
	}
	n := 0
	for _, it := range items {
		if it.special != "" {
			n += len(p.specials[it.special])
		}
	}
	return n
}

func (p parser) postProcessor(path string, raw json.RawMessage, vocab func(string) (int64, bool)) (*postProcessor, error) {
	typ, err := p.typeOf(path, raw)
	if err != nil {
		return nil, err
	}
	var c struct {
		Processors []json.RawMessage `json:"processors"`
		Single     []json.RawMessage `json:"single"`
		Pair       []json.RawMessage `json:"pair"`
		Special    map[string]struct {
			IDs    []int64  `json:"ids"`
			Tokens []string `json:"tokens"`
		} `json:"special_tokens"`
		Sep         [2]json.RawMessage `json:"sep"`
		Cls         [2]json.RawMessage `json:"cls"`
		TrimOffsets *bool              `json:"trim_offsets"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, p.wrap(path, err)
	}
	pp := &postProcessor{specials: map[string][]token{}}
	switch typ {
	case "ByteLevel":
		pp.trimOffsets = c.TrimOffsets == nil || *c.TrimOffsets
		pp.single = []templateItem{{seq: 0}}
		pp.pair = []templateItem{{seq: 0}, {seq: 1, typeID: 1}}
		return pp, nil
	case "BertProcessing", "RobertaProcessing":
		var sep, cls string
		var sepID, clsID int64
		if err := json.Unmarshal(c.Sep[0], &sep); err != nil {
			return nil, p.wrap(path+".sep[0]", err)
		}
		if err := json.Unmarshal(c.Sep[1], &sepID); err != nil {
			return nil, p.wrap(path+".sep[1]", err)
		}
		if err := json.Unmarshal(c.Cls[0], &cls); err != nil {
			return nil, p.wrap(path+".cls[0]", err)
		}
		if err := json.Unmarshal(c.Cls[1], &clsID); err != nil {
			return nil, p.wrap(path+".cls[1]", err)
		}
		pp.specials[cls] = []token{{id: clsID, value: cls}}
		pp.specials[sep] = []token{{id: sepID, value: sep}}
		if typ == "BertProcessing" {
			pp.single = []templateItem{{special: cls}, {seq: 0}, {special: sep}}
			pp.pair = []templateItem{{special: cls}, {seq: 0}, {special: sep}, {seq: 1, typeID: 1}, {special: sep, typeID: 1}}
		} else {
			pp.trimOffsets = c.TrimOffsets == nil || *c.TrimOffsets
			pp.single = []templateItem{{special: cls}, {seq: 0}, {special: sep}}
			pp.pair = []templateItem{{special: cls}, {seq: 0}, {special: sep}, {special: sep}, {seq: 1}, {special: sep}}
		}
		return pp, nil
	case "TemplateProcessing":
		for name, st := range c.Special {
			if len(st.IDs) != len(st.Tokens) {
				return nil, p.errf(path+".special_tokens."+name, "%d ids but %d tokens", len(st.IDs), len(st.Tokens))
			}
			for i := range st.IDs {
				pp.specials[name] = append(pp.specials[name], token{id: st.IDs[i], value: st.Tokens[i]})
			}
		}
		parse := func(field string, items []json.RawMessage) ([]templateItem, error) {
			var out []templateItem
			for i, r := range items {
				ip := fmt.Sprintf("%s.%s[%d]", path, field, i)
				var it struct {
					SpecialToken *struct {
						ID     string `json:"id"`
						TypeID int64  `json:"type_id"`
					} `json:"SpecialToken"`
					Sequence *struct {
						ID     string `json:"id"`
						TypeID int64  `json:"type_id"`
					} `json:"Sequence"`
				}
				if err := json.Unmarshal(r, &it); err != nil {
					return nil, p.wrap(ip, err)
				}
				switch {
				case it.SpecialToken != nil:
					if _, ok := pp.specials[it.SpecialToken.ID]; !ok {
						return nil, p.errf(ip, "special token %q missing from special_tokens", it.SpecialToken.ID)
					}
					out = append(out, templateItem{special: it.SpecialToken.ID, typeID: it.SpecialToken.TypeID})
				case it.Sequence != nil && (it.Sequence.ID == "A" || it.Sequence.ID == "B"):
					out = append(out, templateItem{seq: int(it.Sequence.ID[0] - 'A'), typeID: it.Sequence.TypeID})
				default:
					return nil, p.errf(ip, "want SpecialToken or Sequence A/B")
				}
			}
			return out, nil
		}
		if pp.single, err = parse("single", c.Single); err != nil {
			return nil, err
		}
		if pp.pair, err = parse("pair", c.Pair); err != nil {
			return nil, err
		}
		return pp, nil
	case "Sequence":
		// Combine: the last template-like processor wins; trimming from any ByteLevel step.
		var out *postProcessor
		trim := false
		for i, r := range c.Processors {
			q, err := p.postProcessor(fmt.Sprintf("%s.processors[%d]", path, i), r, vocab)
			if err != nil {
				return nil, err
			}
			trim = trim || q.trimOffsets
			if out == nil || len(q.specials) > 0 {
				out = q
			}
		}
		if out == nil {
			return nil, nil
		}
		out.trimOffsets = trim
		return out, nil
	}
	return nil, p.errf(path+".type", "unsupported post-processor %q", typ)
}
