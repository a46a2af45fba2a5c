// Command render writes the HTML report (and, when given more results, the
// leaderboard) of fixture results for browser_check.sh.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/reports"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: render OUTDIR RESULT...")
		os.Exit(2)
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
		err = reports.Leaderboard(rs, out+"/site", reports.LeaderboardOptions{Sidecars: sidecars, PageSize: 200})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}
