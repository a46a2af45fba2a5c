package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/evalctl/evalctl/harness"
)

func TestProgressLine(t *testing.T) {
	long := "fmnist-encoder+centroid · fashion-probes · gaussian_noise@4"
	tests := []struct {
		name     string
		label    string
		done     int
		total    int
		elapsed  float64
		finished bool
		width    int
		want     string   // exact line, when set
		has      []string // substrings
		hasNot   []string
	}{
		// 64 examples after 2 ms would read 32000/s: no rate before 1 s.
		{"first update shows no rate", "m · t · clean", 64, 10000, 0.002, false, 80,
			"m · t · clean [░░░░░░░░░░░░░░░░░░░░░░░░] 64/10000   1%", nil, []string{"/s", "eta"}},
		// 5000 of 10000 in 2 s: 2500/s, 2 s left.
		{"rate and eta after a second", "m · t · clean", 5000, 10000, 2, false, 80,
			"m · t · clean [████████████░░░░░░░░░░░░] 5000/10000  50% 2500/s eta 2s", nil, nil},
		{"finished quickly shows its rate", "m · t · clean", 100, 100, 0.5, true, 80,
			"", []string{"100/100 100% 200/s"}, []string{"eta"}},
		{"long name is shortened to fit 80", long, 5000, 10000, 2, false, 80,
			"", []string{"…", "5000/10000  50% 2500/s eta 2s"}, nil},
		{"narrow terminal drops the bar", long, 5000, 10000, 2, false, 40,
			"", []string{"5000/10000  50% 2500/s eta 2s"}, []string{"█", "░"}},
		{"unknown total", "m · t · clean", 300, 0, 3, false, 80, "m · t · clean 300 examples 100/s", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := progressLine(tt.label, tt.done, tt.total, tt.elapsed, tt.finished, tt.width)
			assert.Less(t, utf8.RuneCountInString(got), tt.width, "line must not reach the last column: %q", got)
			if tt.want != "" {
				assert.Equal(t, tt.want, got)
			}
			for _, s := range tt.has {
				assert.Contains(t, got, s)
			}
			for _, s := range tt.hasNot {
				assert.NotContains(t, got, s)
			}
		})
	}
}

// Every line the bar draws on a terminal fits 80 columns, whatever the names.
func TestProgressBarWidth(t *testing.T) {
	var b bytes.Buffer
	p := &progressBar{w: &b, tty: true, columns: 80}
	name := strings.Repeat("very-long-model-name-", 5)
	for done := 0; done <= 1000; done += 250 {
		p.update(harness.Progress{Model: name, Task: "task-with-a-long-name", Variant: "gaussian_noise@5", Done: done, Total: 1000, Finished: done == 1000})
	}
	for _, seg := range strings.FieldsFunc(b.String(), func(r rune) bool { return r == '\r' || r == '\n' }) {
		seg = strings.TrimPrefix(seg, "\033[K")
		assert.Less(t, utf8.RuneCountInString(seg), 80, "%q", seg)
	}
}
