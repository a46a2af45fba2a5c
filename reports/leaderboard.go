package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
)

var siteTmpl = template.Must(template.ParseFS(templateFS, "templates/site.html.tmpl"))

// LeaderboardOptions configures Leaderboard. The zero value is usable.
type LeaderboardOptions struct {
	// Title of the index page (default "evalctl leaderboard").
	Title string
	// Metrics restricts the columns to these metric names (empty: all).
	Metrics []string
	// Ties holds, per column key (see result.ColumnKey), groups of model names that a
	// paired test on the same examples could not separate; harness/compare's
	// TieGroups computes them. Models in one group are marked "≈".
	Ties map[string][][]string
	// Sidecars are the prediction sidecar paths, parallel to the results
	// ("" or a short slice: none). Each evaluation with predictions gets a
	// per-example page whose data load lazily, PageSize rows per file.
	Sidecars []string
	// PageSize is the number of predictions per lazily loaded page (default 500).
	PageSize int
}

type lbColumn struct {
	Key, Task, TaskKey, TaskLabel, TaskSlug, Metric string
	Dataset                                         string
	Higher                                          bool
	// Param marks a fitted parameter (result.Metric.Parameter): shown,
	// never ranked.
	Param bool
}

type lbCell struct {
	V, Text, CI, Tie string
	value            float64
	ci               *result.CI
	run              string
	finished         int64
	preds            string
	win              float64
}

type lbRow struct {
	// Model is the row's label: the model name, with the run's label when
	// runs of different model files share the name; name is the name.
	Model, Slug       string
	name              string
	res               *result.Result   // the first run that has this model file
	runs              []*result.Result // every run with a column in the row
	Rank              int
	Tied              bool
	TieNote           string
	WinRate, WinRateV string
	win               float64
	Cells             []lbCell
	cells             map[string]*lbCell
}

var slugRE = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func slug(s string) string {
	s = slugRE.ReplaceAllString(s, "_")
	if s == "" || s[0] == '.' {
		s = "_" + s
	}
	return s
}

// pageName is the file name (without extension) of the page for name: its
// slug, for readable URLs, plus a short hash of the name itself, so that
// names with the same slug ("a b", "a_b", "a/b") get pages of their own.
func pageName(name string) string {
	h := sha256.Sum256([]byte(name))
	s := slug(name)
	if len(s) > 64 {
		s = s[:64]
	}
	return s + "-" + hex.EncodeToString(h[:4])
}

// pageNamer hands out page names that are unique within one site even if
// two names' short hashes collide (a later name gets a counter).
type pageNamer struct {
	byName map[string]string
	taken  map[string]bool
}

func newPageNamer() *pageNamer {
	return &pageNamer{byName: map[string]string{}, taken: map[string]bool{}}
}

// name returns the page name for s, the same for the same s.
func (p *pageNamer) name(s string) string {
	if n, ok := p.byName[s]; ok {
		return n
	}
	n := pageName(s)
	for i := 2; p.taken[strings.ToLower(n)]; i++ {
		n = fmt.Sprintf("%s-%d", pageName(s), i)
	}
	p.byName[s] = n
	p.taken[strings.ToLower(n)] = true // case-insensitive file systems
	return n
}

// WinRates returns HELM's mean win rate for each row of values
// (values[row][col], NaN = missing) given each column's direction:
// per column with at least two values, win rate = (strictly worse rows +
// (ties − 1)/2) / (n − 1), ties counting the row itself; then the mean over
// the columns the row has. Rows without any such column get NaN.
func WinRates(values [][]float64, higherIsBetter []bool) []float64 {
	sum := make([]float64, len(values))
	cnt := make([]int, len(values))
	for c := range higherIsBetter {
		var vals []float64
		for r := range values {
			if v := values[r][c]; !math.IsNaN(v) {
				vals = append(vals, v)
			}
		}
		n := len(vals)
		if n < 2 {
			continue
		}
		for r := range values {
			v := values[r][c]
			if math.IsNaN(v) {
				continue
			}
			worse, ties := 0, 0
			for _, o := range vals {
				switch {
				case o == v:
					ties++
				case (o < v) == higherIsBetter[c]:
					worse++
				}
			}
			sum[r] += (float64(worse) + float64(ties-1)/2) / float64(n-1)
			cnt[r]++
		}
	}
	return means(sum, cnt)
}

// means returns sum[i]/n[i], NaN where n[i] is 0.
func means(sum []float64, n []int) []float64 {
	out := make([]float64, len(sum))
	for i := range out {
		out[i] = math.NaN()
		if n[i] > 0 {
			out[i] = sum[i] / float64(n[i])
		}
	}
	return out
}

// Leaderboard writes a static site to outDir: index.html (one row per
// model, a column per task × metric, mean win rate as the headline, sorting
// and filtering in a little inline-free vanilla JavaScript that works from
// file://), a page per model and per task, and per-example pages for
// evaluations with predictions. Results are merged into one column only
// when task name and dataset sha256 agree; otherwise the columns are shown
// apart and the index says why. When a model has the same column in several
// results, the most recently finished run wins.
func Leaderboard(results []*result.Result, outDir string, opts LeaderboardOptions) error {
	if opts.Title == "" {
		opts.Title = "evalctl leaderboard"
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	want := map[string]bool{}
	for _, m := range opts.Metrics {
		want[m] = true
	}
	// Distinct datasets per task name decide whether columns need a suffix.
	taskData := map[string]map[string]bool{}
	for _, r := range results {
		for _, e := range r.Evaluations {
			if e.Variant != "clean" {
				continue
			}
			if taskData[e.Task] == nil {
				taskData[e.Task] = map[string]bool{}
			}
			taskData[e.Task][r.DatasetHash(e.Dataset)] = true
		}
	}
	var notes []string
	for _, t := range sortedKeys(taskData) {
		if len(taskData[t]) > 1 {
			var hs []string
			for _, h := range sortedKeys(taskData[t]) {
				hs = append(hs, short(h))
			}
			notes = append(notes, fmt.Sprintf("task %q was run on %d different datasets (sha256 %s): shown as separate columns, not ranked together", t, len(hs), strings.Join(hs, ", ")))
		}
	}
	cols := map[string]*lbColumn{}
	var colOrder []string
	rows := map[string]*lbRow{}    // model name + file sha256 → row
	files := map[string][]string{} // model name → its rows' keys
	var rowOrder []string
	evalPages := map[string]string{} // eval key of result i → page slug
	modelPages, taskPages, predPages := newPageNamer(), newPageNamer(), newPageNamer()
	for ri, r := range results {
		var sidecar string
		if ri < len(opts.Sidecars) {
			sidecar = opts.Sidecars[ri]
		}
		for ei := range r.Evaluations {
			e := &r.Evaluations[ei]
			if e.Variant != "clean" {
				continue
			}
			dk := r.DatasetHash(e.Dataset)
			taskKey, label := e.Task, e.Task
			if len(taskData[e.Task]) > 1 {
				taskKey, label = e.Task+"@"+short(dk), e.Task+" [data "+short(dk)+"]"
			}
			// A row is one model file: runs of a model name with different
			// files (two checkpoints) stay apart, runs of the same file merge.
			id := e.Model + "\x00" + modelSHA(r, e.Model)
			row := rows[id]
			if row == nil {
				row = &lbRow{Model: e.Model, name: e.Model, res: r, cells: map[string]*lbCell{}}
				rows[id] = row
				rowOrder = append(rowOrder, id)
				files[e.Model] = append(files[e.Model], id)
			}
			if !slices.Contains(row.runs, r) {
				row.runs = append(row.runs, r)
			}
			predSlug := ""
			if sidecar != "" {
				predSlug = predPages.name(fmt.Sprintf("%d_%s", ri, e.Key()))
				evalPages[fmt.Sprintf("%d\x00%s", ri, e.Key())] = predSlug
			}
			for _, m := range e.Metrics {
				if len(want) > 0 && !want[m.Name] {
					continue
				}
				key := result.ColumnKey(e.Task, dk, m.Name)
				if cols[key] == nil {
					cols[key] = &lbColumn{Key: key, Task: e.Task, TaskKey: taskKey, TaskLabel: label, TaskSlug: taskPages.name(taskKey), Metric: m.Name, Dataset: dk, Higher: m.HigherIsBetter, Param: m.Parameter}
					colOrder = append(colOrder, key)
				}
				old := row.cells[key]
				fin := r.Run.Finished.UnixNano()
				if old != nil {
					if old.finished > fin {
						continue
					}
					notes = append(notes, fmt.Sprintf("model %q (the same file) has %s in runs %s and %s: the later run is shown", e.Model, key, old.run, r.Run.ID))
				}
				row.cells[key] = &lbCell{value: float64(m.Value), ci: m.CI, run: r.Run.ID, finished: fin, preds: predSlug}
			}
		}
	}
	// Rows of one model name from different model files are told apart by
	// their run's label (or id).
	for _, id := range rowOrder {
		row := rows[id]
		if len(files[row.name]) > 1 {
			row.Model = row.name + " · " + runLabel(row.res)
		}
		row.Slug = modelPages.name(row.Model)
	}
	// Columns grouped by task, in first-seen order of tasks.
	taskFirst := map[string]int{}
	for i, k := range colOrder {
		if _, ok := taskFirst[cols[k].TaskKey]; !ok {
			taskFirst[cols[k].TaskKey] = i
		}
	}
	sort.SliceStable(colOrder, func(a, b int) bool {
		return taskFirst[cols[colOrder[a]].TaskKey] < taskFirst[cols[colOrder[b]].TaskKey]
	})
	columns := make([]lbColumn, len(colOrder))
	higher := make([]bool, len(colOrder))
	for i, k := range colOrder {
		columns[i] = *cols[k]
		higher[i] = cols[k].Higher
	}
	values := make([][]float64, len(rowOrder))
	for ri, name := range rowOrder {
		values[ri] = make([]float64, len(colOrder))
		for ci, k := range colOrder {
			values[ri][ci] = math.NaN()
			if c := rows[name].cells[k]; c != nil {
				values[ri][ci] = c.value
			}
		}
	}
	// Per-column win rates for model pages.
	for ci := range colOrder {
		if columns[ci].Param {
			for _, id := range rowOrder {
				if c := rows[id].cells[colOrder[ci]]; c != nil {
					c.win = math.NaN() // not ranked
				}
			}
			continue
		}
		col := make([][]float64, len(rowOrder))
		for ri := range rowOrder {
			col[ri] = []float64{values[ri][ci]}
		}
		wr := WinRates(col, []bool{higher[ci]})
		for ri, name := range rowOrder {
			if c := rows[name].cells[colOrder[ci]]; c != nil {
				c.win = wr[ri]
			}
		}
	}
	wins := scenarioWinRates(values, columns)
	tieOf := func(key, model string) string {
		for _, g := range opts.Ties[key] {
			in := false
			for _, m := range g {
				in = in || m == model
			}
			if in && len(g) > 1 {
				var others []string
				for _, m := range g {
					if m != model {
						others = append(others, m)
					}
				}
				return "not significantly different from " + strings.Join(others, ", ")
			}
		}
		return ""
	}
	var list []*lbRow
	for ri, name := range rowOrder {
		row := rows[name]
		row.win = wins[ri]
		row.WinRate, row.WinRateV = fmtNum(wins[ri]), numAttr(wins[ri])
		for _, k := range colOrder {
			c := row.cells[k]
			if c == nil {
				row.Cells = append(row.Cells, lbCell{})
				continue
			}
			c.V, c.Text, c.Tie = numAttr(c.value), fmtNum(c.value), tieOf(k, row.name)
			if c.ci != nil && !c.ci.Low.IsNaN() {
				c.CI = fmt.Sprintf("[%.4f, %.4f]", float64(c.ci.Low), float64(c.ci.High))
			}
			row.Cells = append(row.Cells, *c)
		}
		list = append(list, row)
	}
	sort.SliceStable(list, func(a, b int) bool {
		x, y := list[a].win, list[b].win
		if math.IsNaN(y) {
			return !math.IsNaN(x)
		}
		return x > y
	})
	// Competition ranking on the headline; a model tied (≈) in every column
	// it shares with its neighbour is rank-tied with it.
	for i, row := range list {
		row.Rank = i + 1
		if i > 0 && list[i-1].win == row.win {
			row.Rank = list[i-1].Rank
		}
		if i > 0 && allTied(list[i-1], row, colOrder) {
			row.Rank, row.Tied, list[i-1].Tied = list[i-1].Rank, true, true
			row.TieNote = "paired tests could not separate this model from " + list[i-1].Model
			if list[i-1].TieNote == "" {
				list[i-1].TieNote = "paired tests could not separate this model from " + row.Model
			}
		}
	}
	// Task spans for the header.
	type span struct {
		Label, Slug string
		N           int
	}
	var spans []span
	for _, c := range columns {
		if len(spans) > 0 && spans[len(spans)-1].Slug == c.TaskSlug {
			spans[len(spans)-1].N++
			continue
		}
		spans = append(spans, span{c.TaskLabel, c.TaskSlug, 1})
	}
	for _, d := range []string{"", "models", "tasks", "predictions", "data"} {
		if err := os.MkdirAll(filepath.Join(outDir, d), 0o755); err != nil {
			return fmt.Errorf("leaderboard: %w", err)
		}
	}
	for _, f := range []string{"style.css", "site.js"} {
		b, _ := templateFS.ReadFile("templates/" + f)
		if err := result.WriteFileAtomic(filepath.Join(outDir, f), b); err != nil {
			return fmt.Errorf("leaderboard: %w", err)
		}
	}
	type taskLink struct{ Label, Slug string }
	var tasks []taskLink
	for _, s := range spans {
		tasks = append(tasks, taskLink{s.Label, s.Slug})
	}
	write := func(name, tmpl string, data any) error {
		var b strings.Builder
		if err := siteTmpl.ExecuteTemplate(&b, tmpl, data); err != nil {
			return fmt.Errorf("leaderboard: render %s: %w", name, err)
		}
		if err := result.WriteFileAtomic(filepath.Join(outDir, name), []byte(b.String())); err != nil {
			return fmt.Errorf("leaderboard: %w", err)
		}
		return nil
	}
	written, err := writePredictionPages(results, opts, evalPages, outDir, tasks)
	if err != nil {
		return err
	}
	if err := write("index.html", "index", map[string]any{"Title": opts.Title, "Root": "", "Tasks": tasks, "Notes": notes,
		"Rows": list, "Columns": columns, "TaskSpans": spans}); err != nil {
		return err
	}
	for _, row := range list {
		var cells []map[string]any
		for ci, k := range colOrder {
			c := row.cells[k]
			if c == nil {
				continue
			}
			preds := ""
			if written[c.preds] {
				preds = c.preds
			}
			cells = append(cells, map[string]any{"Task": columns[ci].TaskLabel, "Metric": columns[ci].Metric, "V": c.V, "Text": c.Text, "CI": c.CI,
				"WinV": numAttr(c.win), "Win": fmtNum(c.win), "Run": c.run, "Preds": preds})
		}
		var info [][2]string
		if len(files[row.name]) > 1 {
			info = append(info, [2]string{"run", runLabel(row.res)})
		}
		for _, r := range []*result.Result{row.res} {
			for _, m := range r.Models {
				if m.Name == row.name && len(info) < 2 {
					info = append(info, [2]string{"file", m.Path}, [2]string{"sha256", m.SHA256}, [2]string{"parameters", fmt.Sprint(m.Parameters)}, [2]string{"provider", m.Provider})
					if a := m.Adaptation; a != nil {
						base := ""
						if a.Base != "" {
							base = "base " + a.Base + ", "
						}
						info = append(info, [2]string{"adaptation", fmt.Sprintf("%s (%s%d trainable params)", a.Method, base, a.TrainableParams)})
					}
				}
			}
		}
		info = append(info, modelCostInfo(row.runs, row.name)...)
		if err := write("models/"+row.Slug+".html", "model", map[string]any{"Title": row.Model, "Root": "../", "Tasks": tasks, "Model": row.Model, "Cells": cells, "Info": info}); err != nil {
			return err
		}
	}
	for _, s := range spans {
		var tcols []lbColumn
		var idx []int
		for ci, c := range columns {
			if c.TaskSlug == s.Slug {
				tcols, idx = append(tcols, c), append(idx, ci)
			}
		}
		type trow struct {
			Model, Slug string
			Cells       []lbCell
		}
		var trs []trow
		for _, row := range list {
			tr := trow{Model: row.Model, Slug: row.Slug}
			has := false
			for _, ci := range idx {
				tr.Cells = append(tr.Cells, row.Cells[ci])
				has = has || row.Cells[ci].V != ""
			}
			if has {
				trs = append(trs, tr)
			}
		}
		if err := write("tasks/"+s.Slug+".html", "task", map[string]any{"Title": s.Label, "Root": "../", "Tasks": tasks, "Task": s.Label,
			"Dataset": "dataset sha256 " + tcols[0].Dataset, "Columns": tcols, "Rows": trs}); err != nil {
			return err
		}
	}
	return nil
}

// modelSHA is the sha256 of the file of model name in r ("" if unknown).
func modelSHA(r *result.Result, name string) string {
	for _, m := range r.Models {
		if m.Name == name {
			return m.SHA256
		}
	}
	return ""
}

// runLabel names a run for people: its --label, else its id.
func runLabel(r *result.Result) string {
	if r.Run.Label != "" {
		return r.Run.Label
	}
	return r.Run.ID
}

// scenarioWinRates is the leaderboard's headline, HELM's mean win rate
// taken per scenario: the columns of one task on one data set (the same
// examples) form a scenario, a model's win rate in it is WinRates among
// the models scored there, over its ranked columns (fitted parameters
// such as the temperature are not), and the headline is the mean over the
// scenarios the model has. Models that share no scenario are never
// compared with each other.
func scenarioWinRates(values [][]float64, columns []lbColumn) []float64 {
	sum, n := make([]float64, len(values)), make([]int, len(values))
	for start := 0; start < len(columns); {
		end := start
		var idx []int
		for ; end < len(columns) && columns[end].TaskKey == columns[start].TaskKey; end++ {
			if !columns[end].Param {
				idx = append(idx, end)
			}
		}
		start = end
		if len(idx) == 0 {
			continue
		}
		sub := make([][]float64, len(values))
		higher := make([]bool, len(idx))
		for j, c := range idx {
			higher[j] = columns[c].Higher
		}
		for r := range values {
			sub[r] = make([]float64, len(idx))
			for j, c := range idx {
				sub[r][j] = values[r][c]
			}
		}
		for r, w := range WinRates(sub, higher) {
			if !math.IsNaN(w) {
				sum[r] += w
				n[r]++
			}
		}
	}
	return means(sum, n)
}

func allTied(a, b *lbRow, cols []string) bool {
	shared := 0
	for _, k := range cols {
		ca, cb := a.cells[k], b.cells[k]
		if ca == nil || cb == nil {
			continue
		}
		shared++
		if ca.Tie == "" || !strings.Contains(cb.Tie, a.Model) {
			return false
		}
	}
	return shared > 0
}

func numAttr(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return fmt.Sprintf("%g", x)
}

func short(h string) string {
	if len(h) > 8 {
		return h[:8]
	}
	if h == "" {
		return "none"
	}
	return h
}

// writePredictionPages writes, per evaluation with a sidecar, an HTML page
// and data/<slug>/page-N.js files calling evalctlPage(N, rows). Script files
// rather than JSON so that the site works from file://, where Chromium
// blocks fetch().
// It returns the slugs of the pages written.
func writePredictionPages(results []*result.Result, opts LeaderboardOptions, pages map[string]string, outDir string, tasks any) (map[string]bool, error) {
	written := map[string]bool{}
	for ri, sidecar := range opts.Sidecars {
		if ri >= len(results) || sidecar == "" {
			continue
		}
		type buf struct {
			slug, eval string
			rows       []*result.Prediction
			page       int
			count      int
		}
		bufs := map[string]*buf{}
		flush := func(b *buf) error {
			if len(b.rows) == 0 {
				return nil
			}
			b.page++
			js, err := json.Marshal(b.rows)
			if err != nil {
				return err
			}
			dir := filepath.Join(outDir, "data", b.slug)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			content := fmt.Sprintf("evalctlPage(%d, %s);\n", b.page, js)
			b.rows = b.rows[:0]
			return result.WriteFileAtomic(filepath.Join(dir, fmt.Sprintf("page-%d.js", b.page)), []byte(content))
		}
		err := result.ReadPredictions(sidecar, func(p *result.Prediction) error {
			s, ok := pages[fmt.Sprintf("%d\x00%s", ri, p.Eval)]
			if !ok {
				return nil
			}
			b := bufs[s]
			if b == nil {
				b = &buf{slug: s, eval: p.Eval}
				bufs[s] = b
			}
			cp := *p
			b.rows = append(b.rows, &cp)
			b.count++
			if len(b.rows) >= opts.PageSize {
				return flush(b)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("leaderboard: %w", err)
		}
		for _, s := range sortedKeys(bufs) {
			b := bufs[s]
			if err := flush(b); err != nil {
				return nil, fmt.Errorf("leaderboard: %w", err)
			}
			classes := []string{} // the page shows labels by class name
			for _, e := range results[ri].Evaluations {
				if e.Key() == b.eval && len(e.Classes) > 0 {
					classes = e.Classes
				}
			}
			var w strings.Builder
			if err := siteTmpl.ExecuteTemplate(&w, "preds", map[string]any{"Title": b.eval, "Root": "../", "Tasks": tasks, "Eval": b.eval,
				"Count": b.count, "Pages": b.page, "Base": "../data/" + b.slug, "Classes": classes}); err != nil {
				return nil, fmt.Errorf("leaderboard: %w", err)
			}
			if err := result.WriteFileAtomic(filepath.Join(outDir, "predictions", s+".html"), []byte(w.String())); err != nil {
				return nil, fmt.Errorf("leaderboard: %w", err)
			}
			written[s] = true
		}
	}
	return written, nil
}
