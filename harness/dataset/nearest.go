package dataset

import (
	"fmt"
	"strconv"
	"strings"
)

// Nearest returns the name in known closest to name by Levenshtein edit
// distance (insertions, deletions and substitutions of runes, each costing
// 1), for "did you mean" hints. Ties go to the earlier name in known. It
// returns "" when known is empty or when even the closest name differs in
// more than half of the longer name's runes, so that unrelated names are
// not suggested.
func Nearest(name string, known []string) string {
	best, bestD := "", -1
	a := []rune(name)
	for _, k := range known {
		d := levenshtein(a, []rune(k))
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	if bestD < 0 {
		return ""
	}
	longer := max(len(a), len([]rune(best)))
	if 2*bestD > longer {
		return ""
	}
	return best
}

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// suggest formats a hint for an unknown name: ` (did you mean "x"?)` when a
// near name exists, otherwise the list of known names (at most 10).
func suggest(name string, known []string) string {
	if n := Nearest(name, known); n != "" {
		return fmt.Sprintf(" (did you mean %q?)", n)
	}
	if len(known) == 0 {
		return ""
	}
	list := known
	more := ""
	if len(list) > 10 {
		list = list[:10]
		more = fmt.Sprintf(", … %d more", len(known)-10)
	}
	list = append([]string(nil), list...)
	for i, k := range list {
		list[i] = shortName(k)
	}
	return fmt.Sprintf(" (known: %s%s)", strings.Join(list, ", "), more)
}

// excerptRunes is how much of a value read from a data file an error
// message quotes.
const excerptRunes = 24

// excerpt quotes the start of a value read from a data file for an error
// message: at most excerptRunes runes, with control characters escaped, so
// that a file of another format (a system file, a binary) is not echoed
// whole into the message or onto the terminal.
func excerpt(s string) string {
	return strconv.Quote(truncate(s, excerptRunes))
}

// shortName returns a column name for a list in an error message: as it
// is when short and printable, else as an excerpt (a "column name" that is
// the first line of a file of another format is not echoed whole).
func shortName(s string) string {
	if len([]rune(s)) <= excerptRunes && strconv.CanBackquote(s) {
		return s
	}
	return excerpt(s)
}
