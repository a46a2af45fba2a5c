package suite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ErrNotRegular is wrapped by the error for a path that exists but is not
// what the key needs: a directory or a device, FIFO or socket where a file
// is read, or a file where a folder is.
var ErrNotRegular = errors.New("not a regular file")

// secondDocument reports a second YAML document in a suite file (after a
// "---" line), which would otherwise be ignored silently. Empty documents
// (a trailing "---") are harmless and pass.
func secondDocument(dec *yaml.Decoder, file string) error {
	for {
		var extra yaml.Node
		err := dec.Decode(&extra)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			// The second document does not even parse; report it as the
			// syntax error it is, at its line.
			line := 0
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				line, _ = strconv.Atoi(m[1])
			}
			return &Error{File: file, Line: line, Col: 1, Err: fmt.Errorf("%w: a suite file holds one YAML document; a second one (after \"---\") does not parse: %s",
				ErrInvalid, strings.TrimLeft(strings.TrimPrefix(yamlLine.ReplaceAllString(err.Error(), ""), "yaml: "), " :"))}
		}
		if len(extra.Content) == 1 && extra.Content[0].Kind == yaml.ScalarNode && extra.Content[0].Tag == "!!null" {
			continue
		}
		return &Error{File: file, Line: extra.Line, Col: 1, Err: fmt.Errorf("%w: a suite file holds one YAML document, found a second one (after \"---\"); put each suite in its own file", ErrInvalid)}
	}
}

// regularFile checks that the file at key path exists and is a regular
// file: a directory, a device such as /dev/zero, a FIFO or a socket would
// hang or fail the run after validation said ok.
func (v *validator) regularFile(path, p string) {
	if p == "" {
		return
	}
	fi, err := os.Stat(v.s.Resolve(p))
	if err != nil {
		v.errorf(path, ErrFile, "%s (resolved to %s)", p, v.s.Resolve(p))
		return
	}
	if !fi.Mode().IsRegular() {
		v.errorf(path, ErrNotRegular, "%s is %s; want a regular file", p, DescribeMode(fi.Mode()))
	}
}

// directory checks that the folder at key path exists and is a directory.
func (v *validator) directory(path, p string) {
	if p == "" {
		return
	}
	fi, err := os.Stat(v.s.Resolve(p))
	if err != nil {
		v.errorf(path, ErrFile, "%s (resolved to %s)", p, v.s.Resolve(p))
		return
	}
	if !fi.IsDir() {
		v.errorf(path, ErrNotRegular, "%s is %s; want a folder", p, DescribeMode(fi.Mode()))
	}
}

// DescribeMode names the kind of file a mode stands for ("a named pipe
// (FIFO)"), for errors about paths that are not what they should be.
func DescribeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}

// groupNameReserved are the characters a group name may not hold: result
// keys join attributes with "|" and attribute and value with "=" (as in
// "sex=female|age=>40"), so a name holding them could not be read back.
const groupNameReserved = "|="

// groupName rejects a group name that holds a reserved character.
func (v *validator) groupName(path, name string) {
	if i := strings.IndexAny(name, groupNameReserved); i >= 0 {
		v.errorf(path, ErrInvalid, "group name %q holds %q, which joins groups in results (\"a=x|b=y\"); name the group with name: (a column name may keep it)", name, name[i:i+1])
	}
}

// Limits that keep validation of a hostile or mistaken file bounded in
// time, memory and output.
const (
	// MaxSuiteBytes is the largest suite file read (1 MiB; the bundled
	// suites are under 10 KiB).
	MaxSuiteBytes = 1 << 20
	// MaxErrors is how many problems are reported; the rest are counted
	// in a last "and N more" entry.
	MaxErrors = 50
	// maxWalk bounds the nodes the schema check visits, aliases expanded,
	// so that a small file of nested aliases cannot take hours.
	maxWalk = 200_000
)

// ErrTooLarge is wrapped by the error for a suite file over MaxSuiteBytes
// or one whose aliases expand beyond what a suite needs.
var ErrTooLarge = errors.New("suite too large")

// readSuite reads at most MaxSuiteBytes+1 bytes of path, so that a huge
// file or a device such as /dev/zero given as the suite is refused
// without reading it all.
func readSuite(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, &Error{File: path, Err: fmt.Errorf("%w: the suite is %s; want a regular file", ErrNotRegular, DescribeMode(fi.Mode()))}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSuiteBytes+1))
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return data, nil
}

// tooLarge returns the error for suite bytes over MaxSuiteBytes, or nil.
func tooLarge(data []byte, file string) error {
	if len(data) <= MaxSuiteBytes {
		return nil
	}
	return &Error{File: file, Err: fmt.Errorf("%w: the file is over %d bytes (1 MiB); a suite declares models, data and tasks and is a few KiB — is this the right file?", ErrTooLarge, MaxSuiteBytes)}
}

// ErrTruncated is wrapped by the last entry of a suite error that lists
// only the first MaxErrors problems.
var ErrTruncated = errors.New("more problems not listed")

// joinCapped joins errs, keeping the first MaxErrors and ending with an
// entry that says how many more there were.
func joinCapped(file string, errs []error, dropped int) error {
	if dropped > 0 {
		errs = append(errs, &Error{File: file, Err: &truncated{dropped}})
	}
	return errors.Join(errs...)
}

// checkUTF8 reports the first byte that is not UTF-8, or the first control
// character YAML does not allow, with its line and column (YAML's own
// messages have neither). A file that starts with a
// UTF-16 byte order mark is left to the YAML decoder, which reads it.
func checkUTF8(data []byte, file string) error {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return nil
	}
	for off := 0; off < len(data); {
		r, n := utf8.DecodeRune(data[off:])
		switch {
		case r == utf8.RuneError && n <= 1:
			line, col := lineCol(data, off)
			return &Error{File: file, Line: line, Col: col, Err: fmt.Errorf("%w: byte 0x%02x is not UTF-8; a suite file is UTF-8 text (is this a binary file, or text saved as Latin-1?)", ErrInvalid, data[off])}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f, r >= 0x80 && r < 0xa0 && r != 0x85:
			// Not printable in YAML 1.2 (§5.1); the decoder's own message
			// has no position.
			line, col := lineCol(data, off)
			return &Error{File: file, Line: line, Col: col, Err: fmt.Errorf("%w: control character U+%04X is not allowed in YAML (is this a binary file?)", ErrInvalid, r)}
		}
		off += n
	}
	return nil
}

// lineCol converts a byte offset into a 1-based line and column (the
// column counts runes, as an editor shows it).
func lineCol(data []byte, off int) (line, col int) {
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}

var unknownAnchor = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)

// aliasPosition finds where an undefined alias named in a YAML error is
// used, so the error can name its line and column.
func aliasPosition(data []byte, msg string) (line, col int) {
	m := unknownAnchor.FindStringSubmatch(msg)
	if m == nil {
		return 0, 0
	}
	re := regexp.MustCompile(`\*` + regexp.QuoteMeta(m[1]) + `(?:[\s,\]\}]|$)`)
	loc := re.FindIndex(data)
	if loc == nil {
		return 0, 0
	}
	return lineCol(data, loc[0])
}

// truncated is the error of the "and N more" entry.
type truncated struct{ n int }

func (t *truncated) Error() string {
	return fmt.Sprintf("and %d more problems (only the first %d are listed)", t.n, MaxErrors)
}

func (t *truncated) Is(target error) bool { return target == ErrTruncated }

// Sentinels lists the sentinel errors a suite problem may wrap, for tools
// that classify problems (evalctl validate --json reports the first one
// that matches as the problem's kind).
func Sentinels() []error {
	return []error{ErrUnknownKey, ErrType, ErrMissing, ErrInvalid, ErrReference, ErrFile, ErrNotRegular,
		ErrUnknownMetric, ErrDuplicateName, ErrUnknownVersion, ErrTooLarge, ErrTruncated}
}
