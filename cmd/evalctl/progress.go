package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/reports"
	"github.com/mattn/go-isatty"
)

// progressBar draws one line per evaluation on stderr. On a terminal it
// redraws in place (carriage return) at most ten times a second; elsewhere
// (CI logs) it prints a line when an evaluation starts and when it ends, so
// logs stay short.
type progressBar struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	last    time.Time
	current string
	start   time.Time
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
	el := time.Since(p.start).Seconds()
	rate := float64(ev.Done) / max(el, 1e-9)
	line := ""
	if ev.Total > 0 {
		frac := float64(ev.Done) / float64(ev.Total)
		const width = 24
		n := int(frac * width)
		line = fmt.Sprintf("%s [%s%s] %d/%d %3.0f%% %.0f/s", name, strings.Repeat("█", n), strings.Repeat("░", width-n), ev.Done, ev.Total, frac*100, rate)
		if ev.Done > 0 && !ev.Finished {
			eta := time.Duration((float64(ev.Total-ev.Done) / rate) * float64(time.Second))
			line += " eta " + eta.Round(time.Second).String()
		}
	} else {
		line = fmt.Sprintf("%s %d examples %.0f/s", name, ev.Done, rate)
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	if ev.Finished {
		fmt.Fprintln(p.w)
	}
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
