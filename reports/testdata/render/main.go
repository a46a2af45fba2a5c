// Command render writes the HTML report (and, when given more results, the
// leaderboard) of fixture results for browser_check.sh; with -reports it
// writes only the HTML report of each result, as OUTDIR/<name>.html for
// RESULT <name>.result.json.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/reports"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: render OUTDIR RESULT...")
		os.Exit(2)
	}
	if os.Args[1] == "-reports" {
		if err := reportsOnly(os.Args[2], os.Args[3:]); err != nil {
			fmt.Fprintln(os.Stderr, "render:", err)
			os.Exit(1)
		}
		return
	}
	out := os.Args[1]
	var rs []*result.Result
	var sidecars []string
	for _, p := range os.Args[2:] {
		r, err := result.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "render:", err)
			os.Exit(1)
		}
		rs = append(rs, r)
		side := ""
		if r.Predictions != "" {
			side = filepath.Join(filepath.Dir(p), r.Predictions)
		}
		sidecars = append(sidecars, side)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
	f, err := os.Create(out + "/report.html")
	if err == nil {
		err = reports.WriteHTML(f, rs[0], reports.HTMLOptions{})
		f.Close()
	}
	if err == nil {
		err = reports.Leaderboard(rs, out+"/site", reports.LeaderboardOptions{Sidecars: sidecars, PageSize: 200, Family: metrics.Ranking})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}

// reportsOnly writes the HTML report of each result file into out.
func reportsOnly(out string, paths []string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, p := range paths {
		r, err := result.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(p), ".result.json") + ".html"
		f, err := os.Create(filepath.Join(out, name))
		if err != nil {
			return err
		}
		err = reports.WriteHTML(f, r, reports.HTMLOptions{})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}
