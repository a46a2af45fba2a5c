package reports

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrowser renders the fixture HTML report and leaderboard in headless
// Chromium with testdata/browser_check.sh: screenshots, the report's
// sections, sorting and filtering driven by clicks in the page, lazy
// per-example pages over file://, and no console errors. It skips without
// Chromium unless EVALCTL_REQUIRE_BROWSER=1 (as .ci/run sets when it could
// install Chromium).
func TestBrowser(t *testing.T) {
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
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join("reports", "testdata", "browser_check.sh"), out)
	cmd.Dir = ".."
	b, err := cmd.CombinedOutput()
	log := string(b)
	if err != nil || strings.Contains(log, "FAIL") {
		t.Fatalf("browser check failed: %v\n%s", err, log)
	}
	for _, png := range []string{"report.png", "index.png"} {
		if st, err := os.Stat(filepath.Join(out, png)); err != nil || st.Size() < 10_000 {
			t.Errorf("screenshot %s missing or empty: %v", png, err)
		}
	}
}
