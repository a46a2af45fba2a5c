package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

type arffReader struct {
	stream
	name    string
	br      *bufio.Reader
	nomIdx  []map[string]int // per nominal column: value → index
	missing map[string]bool
	line    int
	row     int
}

func openARFF(spec Spec) (Reader, error) {
	f, err := os.Open(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("open arff: %w", err)
	}
	r, err := newARFFReader(spec.Path, f, f, spec.Missing)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// readLine returns the next line without its line ending, or io.EOF.
func (a *arffReader) readLine() (string, error) {
	b, err := a.br.ReadBytes('\n')
	if len(b) == 0 && err != nil {
		if err == io.EOF {
			return "", io.EOF
		}
		return "", fmt.Errorf("%s:%d: %w", a.name, a.line+1, err)
	}
	a.line++
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("%s:%d: %w", a.name, a.line, err)
	}
	return string(bytes.TrimRight(b, "\r\n")), nil
}

func newARFFReader(name string, r io.Reader, closer io.Closer, missing []string) (*arffReader, error) {
	a := &arffReader{
		name:    name,
		br:      bufio.NewReaderSize(stripBOM(r), 64<<10),
		stream:  stream{closer: closer},
		missing: missingSet(missing, []string{"?"}),
	}
	a.missing["?"] = true
	seen := map[string]int{}
	for {
		line, err := a.readLine()
		if err == io.EOF {
			return nil, fmt.Errorf("%s: no @data section", name)
		}
		if err != nil {
			return nil, err
		}
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '%' {
			continue
		}
		loc := fmt.Sprintf("%s:%d", name, a.line)
		kw, rest := splitWord(t)
		switch strings.ToLower(kw) {
		case "@relation":
			continue
		case "@attribute":
			col, nom, err := parseAttribute(rest)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", loc, err)
			}
			if prev, ok := seen[col.Name]; ok {
				return nil, fmt.Errorf("%s: duplicate attribute %q (first declared on line %d)", loc, col.Name, prev)
			}
			seen[col.Name] = a.line
			a.cols = append(a.cols, col)
			a.nomIdx = append(a.nomIdx, nom)
		case "@data":
			if len(a.cols) == 0 {
				return nil, fmt.Errorf("%s: @data before any @attribute", loc)
			}
			return a, nil
		default:
			return nil, fmt.Errorf("%s: expected @relation, @attribute or @data, found %s", loc, excerpt(t))
		}
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// splitWord splits off the first whitespace-separated word.
func splitWord(s string) (string, string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// parseAttribute parses `NAME TYPE` after "@attribute".
func parseAttribute(s string) (Column, map[string]int, error) {
	var name, rest string
	if s == "" {
		return Column{}, nil, errors.New("@attribute without a name")
	}
	if s[0] == '\'' || s[0] == '"' {
		end, err := quoteEnd(s, 0)
		if err != nil {
			return Column{}, nil, fmt.Errorf("attribute name: %w", err)
		}
		name = unescape(s[1:end])
		rest = strings.TrimSpace(s[end+1:])
	} else {
		i := strings.IndexAny(s, " \t{")
		if i < 0 {
			return Column{}, nil, fmt.Errorf("attribute %q has no type", s)
		}
		name, rest = s[:i], strings.TrimSpace(s[i:])
	}
	if rest == "" {
		return Column{}, nil, fmt.Errorf("attribute %q has no type", name)
	}
	if rest[0] == '{' {
		end := closingBrace(rest)
		if end < 0 {
			return Column{}, nil, fmt.Errorf("attribute %q: nominal values must end with '}'", name)
		}
		if after := strings.TrimSpace(rest[end+1:]); after != "" && after[0] != '%' {
			return Column{}, nil, fmt.Errorf("attribute %q: unexpected text %q after the nominal values", name, truncate(after, 20))
		}
		parts, err := splitFields(rest[1:end])
		if err != nil {
			return Column{}, nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		col := Column{Name: name, Kind: Nominal}
		idx := map[string]int{}
		for _, p := range parts {
			v, _, err := unquote(p)
			if err != nil {
				return Column{}, nil, fmt.Errorf("attribute %q: %w", name, err)
			}
			if _, dup := idx[v]; dup {
				return Column{}, nil, fmt.Errorf("attribute %q: duplicate nominal value %q", name, v)
			}
			idx[v] = len(col.Nominal)
			col.Nominal = append(col.Nominal, v)
		}
		if len(col.Nominal) == 0 {
			return Column{}, nil, fmt.Errorf("attribute %q: empty nominal value list", name)
		}
		return col, idx, nil
	}
	typ, _ := splitWord(rest)
	switch strings.ToLower(typ) {
	case "numeric", "real", "integer":
		return Column{Name: name, Kind: Number}, nil, nil
	case "string", "date":
		return Column{Name: name, Kind: String}, nil, nil
	case "relational":
		return Column{}, nil, fmt.Errorf("attribute %q: relational attributes are not supported", name)
	}
	known := []string{"numeric", "real", "integer", "string", "date"}
	return Column{}, nil, fmt.Errorf("attribute %q: unknown type %q (expected numeric, real, integer, string, date or {nominal values})%s", name, typ, suggestOnly(strings.ToLower(typ), known))
}

// suggestOnly returns ` (did you mean "x"?)` or "".
func suggestOnly(name string, known []string) string {
	if n := Nearest(name, known); n != "" {
		return fmt.Sprintf(" (did you mean %q?)", n)
	}
	return ""
}

// quoteEnd returns the index of the quote closing the one at s[start],
// honouring backslash escapes.
func quoteEnd(s string, start int) (int, error) {
	q := s[start]
	for i := start + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case q:
			return i, nil
		}
	}
	return 0, errors.New("unterminated quote")
}

// unescape resolves backslash escapes inside a quoted ARFF token.
func unescape(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// splitFields splits on commas outside quotes, trims each piece, and stops
// at a '%' outside quotes (a comment). Pieces keep their quotes.
func splitFields(s string) ([]string, error) {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '"':
			end, err := quoteEnd(s, i)
			if err != nil {
				return nil, err
			}
			i = end
		case ',':
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		case '%':
			return append(out, strings.TrimSpace(s[start:i])), nil
		}
	}
	return append(out, strings.TrimSpace(s[start:])), nil
}

// unquote removes the quotes around a whole token; quoted reports whether
// there were any.
func unquote(p string) (string, bool, error) {
	if p == "" || (p[0] != '\'' && p[0] != '"') {
		return p, false, nil
	}
	end, err := quoteEnd(p, 0)
	if err != nil {
		return "", false, err
	}
	if end != len(p)-1 {
		return "", false, fmt.Errorf("unexpected text %s after quoted value", excerpt(p[end+1:]))
	}
	return unescape(p[1:end]), true, nil
}

func (a *arffReader) Next() bool {
	if a.done {
		return false
	}
	var t string
	for {
		line, err := a.readLine()
		if err == io.EOF {
			a.done = true
			return false
		}
		if err != nil {
			return a.fail(err)
		}
		t = strings.TrimSpace(line)
		if t != "" && t[0] != '%' {
			break
		}
	}
	loc := a.name + ":" + strconv.Itoa(a.line)
	vals := make([]Value, len(a.cols))
	if t[0] == '{' {
		if err := a.sparse(t, vals); err != nil {
			return a.fail(fmt.Errorf("%s: %w", loc, err))
		}
	} else {
		parts, err := splitFields(t)
		if err != nil {
			return a.fail(fmt.Errorf("%s: %w", loc, err))
		}
		if len(parts) != len(a.cols) {
			return a.fail(fmt.Errorf("%s: expected %d values, found %d", loc, len(a.cols), len(parts)))
		}
		for i, p := range parts {
			if err := a.value(i, p, vals); err != nil {
				return a.fail(fmt.Errorf("%s: %w", loc, err))
			}
		}
	}
	a.rec = Record{Index: a.row, Loc: loc, Values: vals}
	a.row++
	return true
}

// sparse parses a sparse row `{index value, ...}`. Omitted numeric values
// are 0 and omitted nominal values are the first declared value (Weka's
// rule: omitted means index 0); omitted string values are missing.
func (a *arffReader) sparse(t string, vals []Value) error {
	end := closingBrace(t)
	if end < 0 {
		return errors.New("sparse row: expected '}' at the end")
	}
	if rest := strings.TrimSpace(t[end+1:]); rest != "" {
		return fmt.Errorf("sparse row: unexpected text %q after '}' (instance weights are not supported)", truncate(rest, 20))
	}
	for i, c := range a.cols {
		switch c.Kind {
		case Number:
			vals[i] = Value{Kind: Number}
		case Nominal:
			vals[i] = Value{Kind: String, Str: c.Nominal[0]}
		}
	}
	inner := strings.TrimSpace(t[1:end])
	if inner == "" {
		return nil
	}
	parts, err := splitFields(inner)
	if err != nil {
		return fmt.Errorf("sparse row: %w", err)
	}
	set := make(map[int]bool, len(parts))
	for _, p := range parts {
		is, v := splitWord(p)
		i, err := strconv.Atoi(is)
		if err != nil || v == "" {
			return fmt.Errorf("sparse row: expected \"index value\", found %q", truncate(p, 30))
		}
		if i < 0 || i >= len(a.cols) {
			return fmt.Errorf("sparse row: index %d out of range (0..%d)", i, len(a.cols)-1)
		}
		if set[i] {
			return fmt.Errorf("sparse row: index %d given twice", i)
		}
		set[i] = true
		if err := a.value(i, v, vals); err != nil {
			return err
		}
	}
	return nil
}

// closingBrace returns the index of the first '}' outside quotes, or -1.
func closingBrace(t string) int {
	for i := 1; i < len(t); i++ {
		switch t[i] {
		case '\'', '"':
			end, err := quoteEnd(t, i)
			if err != nil {
				return -1
			}
			i = end
		case '}':
			return i
		}
	}
	return -1
}

// value parses raw token p into vals[i].
func (a *arffReader) value(i int, p string, vals []Value) error {
	c := &a.cols[i]
	s, quoted, err := unquote(p)
	if err != nil {
		return fmt.Errorf("attribute %q: %w", c.Name, err)
	}
	if !quoted && a.missing[s] {
		vals[i] = Value{}
		return nil
	}
	switch c.Kind {
	case Number:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("attribute %q: expected a number, found %s", c.Name, excerpt(s))
		}
		vals[i] = Value{Kind: Number, Num: x}
	case Nominal:
		k, ok := a.nomIdx[i][s]
		if !ok {
			return fmt.Errorf("attribute %q: value %s is not one of {%s}", c.Name, excerpt(s), strings.Join(c.Nominal, ", "))
		}
		vals[i] = Value{Kind: String, Str: s, Num: float64(k)}
	default:
		vals[i] = Value{Kind: String, Str: s}
	}
	return nil
}
