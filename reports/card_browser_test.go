package reports

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCardBrowser renders the fixture cards' HTML page in headless
// Chromium: a screenshot (card.png, kept in $EVALCTL_SCREENSHOTS when set),
// every section of both cards in the rendered DOM, and no console errors.
// It skips without Chromium unless EVALCTL_REQUIRE_BROWSER=1.
func TestCardBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	chrome := os.Getenv("CHROME")
	if chrome == "" {
		chrome = "chromium"
	}
	if _, err := exec.LookPath(chrome); err != nil {
		if os.Getenv("EVALCTL_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required: %v", err)
		}
		t.Skipf("no Chromium (%v); install Debian's chromium to run the browser check", err)
	}
	out := os.Getenv("EVALCTL_SCREENSHOTS")
	if out == "" {
		out = t.TempDir()
	}
	cards, err := BuildCards(cardFixtures(), "")
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteCardHTML(&b, cards))
	page := filepath.Join(out, "card.html")
	require.NoError(t, os.WriteFile(page, b.Bytes(), 0o644))

	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"}
	shot := exec.Command(chrome, append(args, "--window-size=1280,3000", "--screenshot="+filepath.Join(out, "card.png"), "file://"+page)...)
	shotLog, err := shot.CombinedOutput()
	require.NoError(t, err, "%s", shotLog)
	dump := exec.Command(chrome, append(args, "--dump-dom", "file://"+page)...)
	var dom, dumpLog bytes.Buffer
	dump.Stdout, dump.Stderr = &dom, &dumpLog
	require.NoError(t, dump.Run(), "%s", dumpLog.String())

	st, err := os.Stat(filepath.Join(out, "card.png"))
	require.NoError(t, err)
	assert.Greater(t, st.Size(), int64(10_000), "screenshot card.png is (nearly) empty")
	d := dom.String()
	for _, sec := range []string{"model", "intended-use", "adaptation", "data", "abilities", "weaknesses", "biases", "cost", "provenance"} {
		assert.Equal(t, 2, strings.Count(d, `<section class="`+sec+`">`), "section %s in both cards", sec)
	}
	assert.Contains(t, d, `<article class="card" id="card-small">`)
	assert.Contains(t, d, "<td>278.6 J</td>", "energy per 1,000 examples rendered")
	consoleErr := regexp.MustCompile(`Uncaught|CONSOLE.*(Error|error)`)
	assert.False(t, consoleErr.Match(shotLog) || consoleErr.Match(dumpLog.Bytes()), "console errors:\n%s\n%s", shotLog, dumpLog.String())
}
