package reports

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TerminalText makes s safe to print on a terminal: every control
// character (C0 other than newline and tab, DEL, C1, and the bidirectional
// overrides that reorder what is shown) and every byte that is not UTF-8
// is written as a visible escape such as \x1b, so a model, suite or column name cannot move the cursor, change
// colours, clear the screen or hide text. Printable text is unchanged.
func TerminalText(s string) string {
	return terminalText(s, false)
}

// terminalCell is TerminalText for one table cell: newlines and tabs are
// escaped too, so a name cannot break a table's rows.
func terminalCell(s string) string { return terminalText(s, true) }

func terminalText(s string, oneLine bool) string {
	clean := utf8.ValidString(s)
	for _, r := range s {
		if !clean || unsafeRune(r, oneLine) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i]) // not UTF-8 (a raw 0x9b is a CSI to some terminals)
		case !unsafeRune(r, oneLine):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether r must not reach a terminal as it is.
func unsafeRune(r rune, oneLine bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return oneLine
	case r == unicode.ReplacementChar:
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
		return true // bidirectional controls
	}
	return false
}

// terminalRows applies terminalCell to a header and its rows.
func terminalRows(header []string, rows [][]string) ([]string, [][]string) {
	h := make([]string, len(header))
	for i, c := range header {
		h[i] = terminalCell(c)
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, c := range r {
			out[i][j] = terminalCell(c)
		}
	}
	return h, out
}

// markdownText escapes user-given text (a suite, model, task, dataset or
// group name, a column header) for Markdown prose or a table cell: HTML
// special characters become entities, so no name can open a comment,
// a <details> or a <script>; a line break or any other control character
// becomes a space, so no name can end a heading or a table row early; and
// "|" is escaped so no name can add table cells.
func markdownText(s string) string {
	s = mdReplacer.Replace(s)
	if strings.IndexFunc(s, func(r rune) bool { return unsafeRune(r, true) }) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unsafeRune(r, true) {
			return ' '
		}
		return r
	}, s)
}

var mdReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`)

// codeSpan matches a cell that is one Markdown code span without line
// breaks or backticks inside: HTML is not interpreted there, so it needs
// only "|" escaped.
var codeSpan = regexp.MustCompile("^`[^`\x00-\x1f\x7f]*`$")

// markdownCell escapes one table cell: a code span (written by the
// renderer itself, e.g. a gate expression) keeps its characters, anything
// else is markdownText.
func markdownCell(s string) string {
	if codeSpan.MatchString(s) {
		return strings.ReplaceAll(s, "|", `\|`)
	}
	return markdownText(s)
}

// markdownCode writes s as a Markdown code span: backticks and control
// characters, which would end it or break its line, become ' and spaces.
func markdownCode(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '`':
			return '\''
		case unsafeRune(r, true):
			return ' '
		}
		return r
	}, s)
	return "`" + s + "`"
}
