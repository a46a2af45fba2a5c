package tasks

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Template renders text from named fields. Placeholders are written
// {field}; a field name is a run of letters, digits, '_', '-' and '.'.
// "{{" and "}}" stand for literal braces. Anything else is copied as is.
//
// Example: "Question: {question}\nAnswer:" renders the question column.
type Template struct {
	src    string
	lits   []string // len(lits) == len(fields)+1
	fields []string
}

// ParseTemplate parses a template; an unclosed or empty placeholder, a
// placeholder with characters outside the field-name set, or a stray '}' is
// an error naming the byte offset.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{src: s}
	var lit strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i += 2
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i += 2
		case c == '{':
			end := strings.IndexByte(s[i+1:], '}')
			if end < 0 {
				return nil, fmt.Errorf("template %q: unclosed '{' at byte %d (write {{ for a literal brace)", s, i)
			}
			name := s[i+1 : i+1+end]
			if name == "" {
				return nil, fmt.Errorf("template %q: empty placeholder {} at byte %d", s, i)
			}
			for _, r := range name {
				if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.') {
					return nil, fmt.Errorf("template %q: placeholder {%s} at byte %d: %q is not allowed in a field name (write {{ for a literal brace)", s, name, i, r)
				}
			}
			t.lits = append(t.lits, lit.String())
			lit.Reset()
			t.fields = append(t.fields, name)
			i += end + 2
		case c == '}':
			return nil, fmt.Errorf("template %q: stray '}' at byte %d (write }} for a literal brace)", s, i)
		default:
			lit.WriteByte(c)
			i++
		}
	}
	t.lits = append(t.lits, lit.String())
	return t, nil
}

// Fields returns the field names the template uses, in order of first use.
func (t *Template) Fields() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range t.fields {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// String returns the template as written.
func (t *Template) String() string { return t.src }

// Render fills the placeholders with value(field); the first error stops
// rendering and is returned unchanged.
func (t *Template) Render(value func(field string) (string, error)) (string, error) {
	var b strings.Builder
	for i, f := range t.fields {
		b.WriteString(t.lits[i])
		v, err := value(f)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	b.WriteString(t.lits[len(t.lits)-1])
	return b.String(), nil
}

// CountWords counts words as lm-evaluation-harness does for
// word_perplexity (ConfigurableTask.count_words): len(re.split(r"\s+", text)),
// so leading or trailing white space adds an empty "word", as it does there.
// White space is Python's str.isspace: Unicode White_Space plus the
// separators U+001C..U+001F.
func CountWords(text string) int {
	n := 1
	inSpace := false
	for _, r := range text {
		sp := unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
		if sp && !inSpace {
			n++
		}
		inSpace = sp
	}
	return n
}

// CountChars counts Unicode code points, Python's len(str), which
// lm-evaluation-harness uses for acc_norm.
func CountChars(s string) int { return utf8.RuneCountInString(s) }
