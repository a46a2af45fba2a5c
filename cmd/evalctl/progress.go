package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/reports"
	"github.com/mattn/go-isatty"
)

// progressBar draws one line per evaluation on stderr. On a terminal it
// redraws in place (carriage return) at most ten times a second, in a line
// shorter than the terminal's width so that it never wraps; elsewhere
// (CI logs) it prints a line when an evaluation starts and when it ends, so
// logs stay short.
type progressBar struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	last    time.Time
	current string
	start   time.Time
	// columns is the terminal width (0: $COLUMNS, else 80); tests set it.
	columns int
}

func newProgressBar(w io.Writer) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd())
	}
	return &progressBar{w: w, tty: tty}
}

func (p *progressBar) update(ev harness.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	name := reports.TerminalText(fmt.Sprintf("%s · %s · %s", ev.Model, ev.Task, ev.Variant))
	if name != p.current {
		p.current, p.start = name, time.Now()
		if !p.tty {
			fmt.Fprintf(p.w, "evalctl: %s: started\n", name)
		}
	}
	if !p.tty {
		if ev.Finished {
			el := time.Since(p.start)
			fmt.Fprintf(p.w, "evalctl: %s: %d examples in %s (%.0f/s)\n", name, ev.Done, el.Round(time.Millisecond), float64(ev.Done)/max(el.Seconds(), 1e-9))
		}
		return
	}
	if !ev.Finished && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	line := progressLine(name, ev.Done, ev.Total, time.Since(p.start).Seconds(), ev.Finished, p.width())
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	if ev.Finished {
		fmt.Fprintln(p.w)
	}
}

// width is the terminal's width in columns: $COLUMNS when set, else 80.
func (p *progressBar) width() int {
	if p.columns > 0 {
		return p.columns
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		return n
	}
	return 80
}

// minRateSeconds is how long an evaluation must have run before a rate and
// an ETA are shown: the first batches (or a burst of cached chunks) would
// otherwise give absurd rates.
const minRateSeconds = 1.0

// progressLine renders one progress line that fits in width-1 columns (so
// that the terminal never wraps it): the name (shortened with "…" when
// needed), a bar, done/total, percent, and, once the evaluation has run
// minRateSeconds or finished, the rate and the ETA.
func progressLine(name string, done, total int, elapsed float64, finished bool, width int) string {
	rate := ""
	eta := ""
	if elapsed >= minRateSeconds || (finished && elapsed > 0) {
		r := float64(done) / elapsed
		rate = fmt.Sprintf(" %.0f/s", r)
		if total > 0 && done > 0 && done < total && !finished && r > 0 {
			eta = " eta " + time.Duration(float64(total-done)/r*float64(time.Second)).Round(time.Second).String()
		}
	}
	var tail string
	bar := 0
	if total > 0 {
		frac := min(float64(done)/float64(total), 1)
		tail = fmt.Sprintf(" %d/%d %3.0f%%%s%s", done, total, frac*100, rate, eta)
		// Bar of up to 24 cells, shrunk (to none) before the name is shortened.
		room := width - 1 - runeLen(name) - runeLen(tail) - 3
		bar = max(0, min(24, room))
		if bar > 0 {
			n := int(frac * float64(bar))
			tail = " [" + strings.Repeat("█", n) + strings.Repeat("░", bar-n) + "]" + tail
		}
	} else {
		tail = fmt.Sprintf(" %d examples%s", done, rate)
	}
	avail := width - 1 - runeLen(tail)
	if runeLen(name) > avail {
		name = truncateRunes(name, avail)
	}
	line := name + tail
	if runeLen(line) > width-1 {
		line = truncateRunes(line, width-1)
	}
	return line
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// truncateRunes shortens s to n runes, ending in "…" when it cut something.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// warn prints a warning on its own line, without breaking the bar.
func (p *progressBar) warn(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "evalctl: warning: %s\n", reports.TerminalText(msg))
}
