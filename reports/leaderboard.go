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
	// Metrics restricts the columns to these figures (empty: all): task
	// metric names, or the names of the robustness, fairness and
	// efficiency figures; a name matches the figures it begins before a
	// ":" ("flip_rate" is every counterfactual's flip_rate:NAME).
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
	// Family tells the family of a task metric (accuracy, calibration,
	// bias, privacy; cmd/evalctl asks the metric table) and whether it has
	// a better direction: one without is shown but not ranked. When Family
	// is nil, or says "" for a name it does not know, the metric goes under
	// "other" and is ranked in its result's direction.
	Family func(metric string) (family string, directed bool)
}

// lbFamilies are the leaderboard's metric families in column order. Task
// metrics take theirs from LeaderboardOptions.Family; robustness, fairness
// and efficiency figures come from the result's sections.
var lbFamilies = []string{"accuracy", "calibration", "robustness", "fairness", "bias", "privacy", "efficiency", "other"}

// Why a figure is shown but not ranked.
const (
	whyParameter   = "a fitted parameter"
	whyNoDirection = "has no better direction"
	whyMachine     = "depends on the machine and its load"
)

// lbFigure is one figure of a model in a scenario: a task metric, or one
// taken from the result's robustness, fairness or efficiency section.
type lbFigure struct {
	family, name string
	m            result.Metric
	task         bool   // a task metric: paired-test ties apply
	notRanked    string // why it is shown but not ranked ("": ranked)
	note         string // shown on hover (the worst group's name)
	cached       bool   // efficiency of predictions read from the cache
}

// lbFigures returns the leaderboard figures of clean evaluation e of r:
// its task metrics; from the robustness section the mean over corrupted
// variants, the worst case, mCE and each shifted data set's score; from
// the fairness section the worst group on the first metric summarised by
// group, every criterion's difference (the ratios say the same thing)
// and every counterfactual's flip rate; examples per second and median
// batch latency, never ranked.
func lbFigures(r *result.Result, e *result.Evaluation, family func(string) (string, bool)) []lbFigure {
	var out []lbFigure
	for _, m := range e.Metrics {
		f, directed := "", true
		if family != nil {
			f, directed = family(m.Name)
		}
		if f == "" {
			f = "other"
		}
		fig := lbFigure{family: f, name: m.Name, m: m, task: true}
		switch {
		case m.Parameter:
			fig.notRanked = whyParameter
		case !directed:
			fig.notRanked = whyNoDirection
		}
		out = append(out, fig)
	}
	if rb := robustnessOf(r, e.Model, e.Task); rb != nil {
		mc, ok := summaryMetric(rb, "mean_corrupted")
		if !ok {
			mc = result.Metric{Name: "mean_corrupted", Value: meanCorrupted(rb), HigherIsBetter: rb.Clean.HigherIsBetter}
		}
		if !mc.Value.IsNaN() {
			out = append(out, lbFigure{family: "robustness", name: mc.Name, m: mc})
		}
		for _, m := range rb.Summary {
			if m.Name == "worst_case_accuracy" || m.Name == "mce" || strings.HasPrefix(m.Name, "ood:") {
				out = append(out, lbFigure{family: "robustness", name: m.Name, m: m})
			}
		}
	}
	if f := e.Fairness; f != nil {
		for _, m := range e.Metrics {
			if g, v := worstGroup(e, m); g != "" {
				out = append(out, lbFigure{family: "fairness", name: "worst_group:" + m.Name, note: g,
					m: result.Metric{Name: "worst_group:" + m.Name, Value: v, HigherIsBetter: m.HigherIsBetter}})
				break
			}
		}
		for _, c := range f.Criteria {
			if base, _, _ := strings.Cut(c.Name, ":"); strings.HasSuffix(base, "_difference") {
				out = append(out, lbFigure{family: "fairness", name: c.Name, m: c})
			}
		}
		for _, c := range f.Counterfactual {
			out = append(out, lbFigure{family: "fairness", name: "flip_rate:" + c.Name, m: c.FlipRate})
		}
	}
	if ef := e.Efficiency; ef != nil && ef.ExamplesPerSecond > 0 {
		out = append(out,
			lbFigure{family: "efficiency", name: "examples_per_second", notRanked: whyMachine, cached: ef.Cached,
				m: result.Metric{Value: result.Float(ef.ExamplesPerSecond), HigherIsBetter: true}},
			lbFigure{family: "efficiency", name: "latency_p50_ms", notRanked: whyMachine, cached: ef.Cached,
				m: result.Metric{Value: result.Float(ef.LatencyMs.P50)}})
	}
	return out
}

type lbColumn struct {
	Key, Task, Metric, Family, Dataset string
	Higher                             bool
	// NotRanked says why the column is shown but not ranked ("": ranked).
	NotRanked string
	task      bool // a task metric
	scen      int  // index of its scenario
	// tieKey is the column's key in LeaderboardOptions.Ties.
	tieKey string
}

// lbScenario is a task on one set of examples (data files, --limit,
// shard): the models scored there were scored on the same examples.
type lbScenario struct {
	Key, Label, Slug, Dataset string
	headline                  int // column index of the headline metric (-1: none)
}

type lbCell struct {
	V, Text, CI, Title, Mark string
	Tie                      bool
	Bold                     bool
	value                    float64
	ci                       *result.CI
	note                     string
	run                      string
	finished                 int64
	preds                    string
	win                      float64
}

type lbRow struct {
	// Model is the row's label: the model name, with the run's label when
	// runs of different model files share the name; name is the name.
	Model, Slug string
	name        string
	res         *result.Result   // the first run that has this model file
	runs        []*result.Result // every run with a column in the row
	Rank        int
	Tied        bool
	TieNote     string
	win         float64
	order       int // index in the win-rate slices (first seen first)
	cells       map[string]*lbCell
	// Cells are the cells of the table being rendered.
	Cells []lbCell
}

// lbHead is a column header; lbSpan a header cell over N columns.
type lbHead struct {
	Label, Title string
	Lower, Text  bool
}

type lbSpan struct {
	Label, Slug string
	N           int
}

// lbTable is one sortable table of the site.
type lbTable struct {
	ID, Root string
	Spans    []lbSpan
	Heads    []lbHead
	Rows     []*lbRow
	Ranked   bool // a Rank column after the model
	CI       bool // intervals shown in the cells
}

// Leaderboard writes a static site to outDir, HELM's multi-metric
// leaderboard for ONNX models: index.html ranks the models by mean win
// rate, overall, per metric family and per scenario (a task on one set of
// examples, with its headline metric), and each scenario's page shows every
// figure grouped by family (accuracy, calibration, robustness, fairness,
// bias, privacy, efficiency); a page per model, and per-example pages for
// evaluations with predictions. Sorting and filtering are a little vanilla
// JavaScript that works from file://. Results are merged into one column
// only when task name, dataset sha256, --limit and shard agree; otherwise
// the scenarios are shown apart and the index says why. When a model has the same column in
// several results, the most recently finished run wins.
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
	wanted := func(name string) bool {
		base, _, _ := strings.Cut(name, ":")
		return len(want) == 0 || want[name] || want[base]
	}
	// Distinct example sets per task name decide whether scenarios need
	// a suffix.
	taskData := map[string]map[string]string{} // task → example set → its label
	for _, r := range results {
		for _, e := range r.Evaluations {
			if e.Variant != "clean" {
				continue
			}
			if taskData[e.Task] == nil {
				taskData[e.Task] = map[string]string{}
			}
			id, label := exampleSet(r, e.Dataset)
			taskData[e.Task][id] = label
		}
	}
	var notes []string
	for _, t := range sortedKeys(taskData) {
		if len(taskData[t]) > 1 {
			var ls []string
			for _, id := range sortedKeys(taskData[t]) {
				ls = append(ls, taskData[t][id])
			}
			notes = append(notes, fmt.Sprintf("task %q was scored on %d different sets of examples (%s): shown as separate scenarios, not ranked together", t, len(ls), strings.Join(ls, "; ")))
		}
	}
	var scens []*lbScenario
	scenIdx := map[string]int{}
	cols := map[string]*lbColumn{}
	var colOrder []string
	rows := map[string]*lbRow{}    // model name + file sha256 → row
	files := map[string][]string{} // model name → its rows' keys
	var rowOrder []string
	noted := map[string]bool{}
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
			set, setLabel := exampleSet(r, e.Dataset)
			key, label := e.Task, e.Task
			if len(taskData[e.Task]) > 1 {
				key, label = e.Task+"@"+strings.Replace(setLabel, "data ", "", 1), e.Task+" ["+setLabel+"]"
			}
			si, ok := scenIdx[key]
			if !ok {
				si = len(scens)
				scenIdx[key] = si
				scens = append(scens, &lbScenario{Key: key, Label: label, Slug: taskPages.name(key), Dataset: dk, headline: -1})
			}
			// A row is one model file: runs of a model name with different
			// files (two checkpoints) stay apart, runs of the same file merge.
			id := e.Model + "\x00" + modelSHA(r, e.Model)
			row := rows[id]
			if row == nil {
				row = &lbRow{Model: e.Model, name: e.Model, res: r, order: len(rowOrder), cells: map[string]*lbCell{}}
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
			fin := r.Run.Finished.UnixNano()
			for _, f := range lbFigures(r, e, opts.Family) {
				if !wanted(f.name) || (!f.task && f.m.Value.IsNaN()) {
					continue // an undefined criterion (a group too small) says nothing
				}
				ck := result.ColumnKey(e.Task, set, f.name)
				if !f.task { // "mce" is a calibration metric and a robustness figure
					ck = result.ColumnKey(e.Task, set, f.family+"/"+f.name)
				}
				if cols[ck] == nil {
					cols[ck] = &lbColumn{Key: ck, tieKey: result.ColumnKey(e.Task, dk, f.name), Task: e.Task, Metric: f.name, Family: f.family, Dataset: dk,
						Higher: f.m.HigherIsBetter, NotRanked: f.notRanked, task: f.task, scen: si}
					colOrder = append(colOrder, ck)
				}
				if old := row.cells[ck]; old != nil {
					if old.finished > fin {
						continue
					}
					if n := e.Model + "\x00" + key + "\x00" + old.run + "\x00" + r.Run.ID; !noted[n] {
						noted[n] = true
						notes = append(notes, fmt.Sprintf("model %q (the same file) was scored on %s in runs %s and %s: the later run is shown", e.Model, label, old.run, r.Run.ID))
					}
				}
				c := &lbCell{value: float64(f.m.Value), ci: f.m.CI, note: f.note, run: r.Run.ID, finished: fin}
				if f.task {
					c.preds = predSlug
				}
				if f.cached {
					c.Mark = "*"
				}
				row.cells[ck] = c
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
	// Columns by scenario (first seen first), then family, then first seen.
	first := map[string]int{}
	for i, k := range colOrder {
		first[k] = i
	}
	sort.SliceStable(colOrder, func(a, b int) bool {
		x, y := cols[colOrder[a]], cols[colOrder[b]]
		if x.scen != y.scen {
			return x.scen < y.scen
		}
		return familyIndex(x.Family) < familyIndex(y.Family)
	})
	columns := make([]lbColumn, len(colOrder))
	for i, k := range colOrder {
		columns[i] = *cols[k]
		// The headline of a scenario is its first ranked task metric in
		// the order the suite lists them.
		s := scens[columns[i].scen]
		if columns[i].task && columns[i].NotRanked == "" && (s.headline < 0 || first[k] < first[colOrder[s.headline]]) {
			s.headline = i
		}
	}
	values := make([][]float64, len(rowOrder))
	for ri, id := range rowOrder {
		values[ri] = make([]float64, len(colOrder))
		for ci, k := range colOrder {
			values[ri][ci] = math.NaN()
			if c := rows[id].cells[k]; c != nil {
				values[ri][ci] = c.value
			}
		}
	}
	// Per-column win rates for model pages.
	for ci, col := range columns {
		wr := make([]float64, len(rowOrder))
		for ri := range wr {
			wr[ri] = math.NaN()
		}
		if col.NotRanked == "" {
			vs := make([][]float64, len(rowOrder))
			for ri := range rowOrder {
				vs[ri] = []float64{values[ri][ci]}
			}
			wr = WinRates(vs, []bool{col.Higher})
		}
		for ri, id := range rowOrder {
			if c := rows[id].cells[colOrder[ci]]; c != nil {
				c.win = wr[ri]
			}
		}
	}
	wins := boardWinRates(values, columns, len(scens))
	tieOf := func(key, model string) string {
		for _, g := range opts.Ties[key] {
			if len(g) > 1 && slices.Contains(g, model) {
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
	for ri, id := range rowOrder {
		row := rows[id]
		row.win = wins.overall[ri]
		for ci, k := range colOrder {
			if c := row.cells[k]; c != nil {
				c.V, c.Text = numAttr(c.value), fmtNum(c.value)
				if c.ci != nil && !c.ci.Low.IsNaN() {
					c.CI = fmt.Sprintf("[%.4f, %.4f]", float64(c.ci.Low), float64(c.ci.High))
				}
				c.Title = c.CI
				if c.note != "" {
					c.Title = strings.TrimSpace(c.note + " " + c.CI)
				}
				if t := tieOf(columns[ci].tieKey, row.name); columns[ci].task && t != "" {
					c.Tie, c.Title = true, t
				}
			}
		}
		list = append(list, row)
	}
	rank(list, colOrder, columns)
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
	written, err := writePredictionPages(results, opts, evalPages, outDir, scens)
	if err != nil {
		return err
	}
	cached := "" // the legend of "*", when a cell has it
	for _, row := range list {
		for _, c := range row.cells {
			if c.Mark != "" {
				cached = CachedLegend
			}
		}
	}
	idx := indexTable(list, colOrder, columns, scens, wins)
	if err := write("index.html", "index", map[string]any{"Title": opts.Title, "Root": "", "Tasks": scens, "Notes": notes,
		"Models": len(list), "Table": idx}); err != nil {
		return err
	}
	js, err := json.MarshalIndent(boardJSON(list, colOrder, columns, scens, wins, notes), "", "  ")
	if err != nil {
		return fmt.Errorf("leaderboard: %w", err)
	}
	if err := result.WriteFileAtomic(filepath.Join(outDir, "leaderboard.json"), append(js, '\n')); err != nil {
		return fmt.Errorf("leaderboard: %w", err)
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
			win := fmtNum(c.win)
			if columns[ci].NotRanked != "" {
				win = "not ranked"
			}
			metric := columns[ci].Metric
			if c.note != "" {
				metric += " (" + c.note + ")"
			}
			cells = append(cells, map[string]any{"Task": scens[columns[ci].scen].Label, "Family": columns[ci].Family, "Metric": metric,
				"V": c.V, "Text": c.Text + c.Mark, "CI": c.CI, "WinV": numAttr(c.win), "Win": win, "Run": c.run, "Preds": preds})
		}
		info := modelInfo(row, len(files[row.name]) > 1)
		if err := write("models/"+row.Slug+".html", "model", map[string]any{"Title": row.Model, "Root": "../", "Tasks": scens,
			"Model": row.Model, "Cells": cells, "Info": info, "Cached": cached}); err != nil {
			return err
		}
	}
	for si, s := range scens {
		headline := ""
		if s.headline >= 0 {
			headline = columns[s.headline].Metric
		}
		if err := write("tasks/"+s.Slug+".html", "task", map[string]any{"Title": s.Label, "Root": "../", "Tasks": scens, "Task": s.Label, "Headline": headline,
			"Dataset": s.Dataset, "Table": scenarioTable(list, colOrder, columns, si, wins), "Cached": cached}); err != nil {
			return err
		}
	}
	return nil
}

// exampleSet identifies the examples a run scored of dataset name: the
// data set's files (sha256), and the run's --limit and shard, so that
// models are compared only on the same examples. label says it for people
// ("data 1a2b3c4d, first 100, shard 1/4").
func exampleSet(r *result.Result, name string) (id, label string) {
	dk := r.DatasetHash(name)
	id, label = dk, "data "+short(dk)
	if r.Run.Limit > 0 {
		id += fmt.Sprintf("|limit=%d", r.Run.Limit)
		label += fmt.Sprintf(", first %d", r.Run.Limit)
	}
	if r.Run.Shard != "" {
		id += "|shard=" + r.Run.Shard
		label += ", shard " + r.Run.Shard
	}
	return id, label
}

// BoardEntry is one row of leaderboard.json, the index in machine-readable
// form. Win rates are null where the model has none (compared with no
// one); Rank is 0 then.
type BoardEntry struct {
	// Model is the row's label ("name · LABEL" for one of several
	// checkpoints of a name); Name the model name; SHA256 its file's hash.
	Model  string `json:"model"`
	Name   string `json:"name"`
	SHA256 string `json:"sha256,omitempty"`
	// Runs are the ids of the runs the row's figures come from.
	Runs        []string                 `json:"runs"`
	Rank        int                      `json:"rank"`
	Tied        bool                     `json:"tied,omitempty"`
	MeanWinRate result.Float             `json:"mean_win_rate"`
	FamilyWins  map[string]result.Float  `json:"family_win_rates"`
	Scenarios   map[string]BoardScenario `json:"scenarios"`
}

// BoardScenario is a model's standing in one scenario of leaderboard.json.
type BoardScenario struct {
	WinRate    result.Float            `json:"win_rate"`
	FamilyWins map[string]result.Float `json:"family_win_rates"`
	// Headline is the scenario's headline metric (absent if the model
	// lacks it); Figures every figure, keyed "family/name".
	Headline *result.Metric          `json:"headline,omitempty"`
	Figures  map[string]result.Float `json:"figures"`
}

// BoardFile is leaderboard.json.
type BoardFile struct {
	Notes   []string     `json:"notes,omitempty"`
	Entries []BoardEntry `json:"entries"`
}

// boardJSON is the index as BoardFile, rows in rank order.
func boardJSON(list []*lbRow, colOrder []string, columns []lbColumn, scens []*lbScenario, w boardWins, notes []string) BoardFile {
	out := BoardFile{Notes: notes, Entries: []BoardEntry{}}
	for _, row := range list {
		ri := row.order
		e := BoardEntry{Model: row.Model, Name: row.name, SHA256: modelSHA(row.res, row.name), Rank: row.Rank, Tied: row.Tied,
			MeanWinRate: result.Float(row.win), FamilyWins: map[string]result.Float{}, Scenarios: map[string]BoardScenario{}}
		for _, r := range row.runs {
			e.Runs = append(e.Runs, r.Run.ID)
		}
		for f, v := range w.family {
			if !math.IsNaN(v[ri]) {
				e.FamilyWins[f] = result.Float(v[ri])
			}
		}
		for si, s := range scens {
			bs := BoardScenario{WinRate: result.Float(w.scenario[si][ri]), FamilyWins: map[string]result.Float{}, Figures: map[string]result.Float{}}
			for ci, c := range columns {
				if c.scen != si {
					continue
				}
				cell := row.cells[colOrder[ci]]
				if cell == nil {
					continue
				}
				bs.Figures[c.Family+"/"+c.Metric] = result.Float(cell.value)
				if ci == s.headline {
					bs.Headline = &result.Metric{Name: c.Metric, Value: result.Float(cell.value), CI: cell.ci, HigherIsBetter: c.Higher}
				}
			}
			if len(bs.Figures) == 0 {
				continue
			}
			for f, v := range w.scenFamily[si] {
				if !math.IsNaN(v[ri]) {
					bs.FamilyWins[f] = result.Float(v[ri])
				}
			}
			e.Scenarios[s.Label] = bs
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

// familyIndex is f's place in lbFamilies (unknown families last).
func familyIndex(f string) int {
	if i := slices.Index(lbFamilies, f); i >= 0 {
		return i
	}
	return len(lbFamilies)
}

// boardWins are the leaderboard's mean win rates ([...][row], NaN where a
// model has none), each HELM's mean win rate among the models scored on
// the same examples.
type boardWins struct {
	// scenFamily[s][f] is WinRates over the ranked columns of family f in
	// scenario s.
	scenFamily []map[string][]float64
	// scenario[s] is the mean over the families a model has in s.
	scenario [][]float64
	// family[f] is the mean over the scenarios of scenFamily[s][f].
	family map[string][]float64
	// overall is the mean over the scenarios a model has of scenario[s].
	overall []float64
}

// boardWinRates computes the leaderboard's win rates: within each scenario
// (the same examples) and family, HELM's mean win rate over the family's
// ranked columns; a scenario's win rate is the mean over the families, so
// that a family with many columns (calibration, fairness per attribute)
// weighs no more than one with a single column; the headline is the mean
// over the scenarios a model has, and each family's the mean over the
// scenarios where it has that family. Models that share no scenario are
// never compared.
func boardWinRates(values [][]float64, columns []lbColumn, nScen int) boardWins {
	nr := len(values)
	w := boardWins{scenFamily: make([]map[string][]float64, nScen), scenario: make([][]float64, nScen), family: map[string][]float64{}}
	famSum, famN := map[string][]float64{}, map[string][]int{}
	allSum, allN := make([]float64, nr), make([]int, nr)
	for s := range nScen {
		w.scenFamily[s] = map[string][]float64{}
		sum, n := make([]float64, nr), make([]int, nr)
		for _, f := range lbFamilies {
			var idx []int
			for c, col := range columns {
				if col.scen == s && col.Family == f && col.NotRanked == "" {
					idx = append(idx, c)
				}
			}
			if len(idx) == 0 {
				continue
			}
			sub := make([][]float64, nr)
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
			wr := WinRates(sub, higher)
			w.scenFamily[s][f] = wr
			if famSum[f] == nil {
				famSum[f], famN[f] = make([]float64, nr), make([]int, nr)
			}
			for r, v := range wr {
				if !math.IsNaN(v) {
					sum[r] += v
					n[r]++
					famSum[f][r] += v
					famN[f][r]++
				}
			}
		}
		w.scenario[s] = means(sum, n)
		for r, v := range w.scenario[s] {
			if !math.IsNaN(v) {
				allSum[r] += v
				allN[r]++
			}
		}
	}
	for f := range famSum {
		w.family[f] = means(famSum[f], famN[f])
	}
	w.overall = means(allSum, allN)
	return w
}

// rank sorts rows by the headline win rate and numbers them (competition
// ranking; a model compared with no one gets no rank); a model tied (≈) with its neighbour in every ranked task
// metric they share is rank-tied with it.
func rank(list []*lbRow, colOrder []string, columns []lbColumn) {
	sort.SliceStable(list, func(a, b int) bool {
		x, y := list[a].win, list[b].win
		if math.IsNaN(y) {
			return !math.IsNaN(x)
		}
		return x > y
	})
	var tieable []string
	for i, k := range colOrder {
		if columns[i].task && columns[i].NotRanked == "" {
			tieable = append(tieable, k)
		}
	}
	for i, row := range list {
		if math.IsNaN(row.win) {
			continue // compared with no one: not ranked
		}
		row.Rank = i + 1
		if i > 0 && list[i-1].win == row.win {
			row.Rank = list[i-1].Rank
		}
		if i > 0 && allTied(list[i-1], row, tieable) {
			row.Rank, row.Tied, list[i-1].Tied = list[i-1].Rank, true, true
			row.TieNote = "paired tests could not separate this model from " + list[i-1].Model
			if list[i-1].TieNote == "" {
				list[i-1].TieNote = "paired tests could not separate this model from " + row.Model
			}
		}
	}
}

func allTied(a, b *lbRow, cols []string) bool {
	shared := 0
	for _, k := range cols {
		ca, cb := a.cells[k], b.cells[k]
		if ca == nil || cb == nil {
			continue
		}
		shared++
		if !ca.Tie || !strings.Contains(cb.Title, a.Model) {
			return false
		}
	}
	return shared > 0
}

// anyNumber reports whether xs holds a number that is not NaN.
func anyNumber(xs []float64) bool {
	for _, x := range xs {
		if !math.IsNaN(x) {
			return true
		}
	}
	return false
}

// winCell is a cell holding a win rate; a missing one (the model was not
// scored there, or alone) is blank.
func winCell(v float64, bold bool) lbCell {
	if math.IsNaN(v) {
		return lbCell{Bold: bold}
	}
	return lbCell{V: numAttr(v), Text: fmtNum(v), Bold: bold}
}

// colHead is the header of a figure's column: its name with the direction,
// and why it is not ranked when it is not.
func colHead(c lbColumn) lbHead {
	h := lbHead{Label: c.Metric, Lower: !c.Higher}
	dir := "higher"
	if !c.Higher {
		dir = "lower"
	}
	switch c.NotRanked {
	case "":
		h.Title = fmt.Sprintf("%s: %s (%s is better)", c.Family, c.Metric, dir)
	case whyParameter, whyNoDirection:
		h.Lower = false
		h.Title = fmt.Sprintf("%s: %s, %s: shown, not ranked", c.Family, c.Metric, c.NotRanked)
		return h
	default:
		h.Title = fmt.Sprintf("%s: %s (%s is better), %s: shown, not ranked", c.Family, c.Metric, dir, c.NotRanked)
	}
	if c.Higher {
		h.Label += " ↑"
	} else {
		h.Label += " ↓"
	}
	return h
}

// indexTable is the index's table: per model the headline, the win rate
// per family and, per scenario, its win rate and headline metric.
func indexTable(list []*lbRow, colOrder []string, columns []lbColumn, scens []*lbScenario, w boardWins) lbTable {
	t := lbTable{ID: "board", Ranked: true,
		Spans: []lbSpan{{N: 3}},
		Heads: []lbHead{{Label: "Model", Text: true}, {Label: "Rank", Lower: true}, {Label: "Mean win rate", Title: "mean over the scenarios a model has of its win rate there"}}}
	var fams []string
	for _, f := range lbFamilies {
		if anyNumber(w.family[f]) {
			fams = append(fams, f)
			t.Heads = append(t.Heads, lbHead{Label: f, Title: "mean over the scenarios of the win rate on the " + f + " columns"})
		}
	}
	if len(fams) > 0 {
		t.Spans = append(t.Spans, lbSpan{Label: "Mean win rate by family", N: len(fams)})
	}
	for _, s := range scens {
		n := 1
		t.Heads = append(t.Heads, lbHead{Label: "win rate", Title: "win rate on " + s.Label + " (mean over its families)"})
		if s.headline >= 0 {
			h := colHead(columns[s.headline])
			h.Title = "headline of " + s.Label + ": " + h.Title
			t.Heads = append(t.Heads, h)
			n++
		}
		t.Spans = append(t.Spans, lbSpan{Label: s.Label, Slug: s.Slug, N: n})
	}
	for _, row := range list {
		ri := row.order
		cells := []lbCell{winCell(row.win, true)}
		if math.IsNaN(row.win) {
			cells[0].Text, cells[0].Title = "n/a", "no other model was scored on the same examples"
		}
		for _, f := range fams {
			cells = append(cells, winCell(w.family[f][ri], false))
		}
		for si, s := range scens {
			cells = append(cells, winCell(w.scenario[si][ri], false))
			if s.headline >= 0 {
				cells = append(cells, cellOf(row, colOrder[s.headline]))
			}
		}
		r := *row
		r.Cells = cells
		t.Rows = append(t.Rows, &r)
	}
	return t
}

func cellOf(row *lbRow, key string) lbCell {
	if c := row.cells[key]; c != nil {
		return *c
	}
	return lbCell{}
}

// scenarioTable is scenario si's page: per model its win rate there and
// every figure, grouped by family, each family led by its win rate.
func scenarioTable(list []*lbRow, colOrder []string, columns []lbColumn, si int, w boardWins) lbTable {
	t := lbTable{ID: "task", Root: "../", CI: true,
		Spans: []lbSpan{{N: 2}},
		Heads: []lbHead{{Label: "Model", Text: true}, {Label: "Win rate", Title: "mean over the families of the family win rates"}}}
	type group struct {
		fam  string
		cols []int
	}
	var groups []group
	for ci, c := range columns {
		if c.scen != si {
			continue
		}
		if len(groups) == 0 || groups[len(groups)-1].fam != c.Family {
			groups = append(groups, group{fam: c.Family})
		}
		groups[len(groups)-1].cols = append(groups[len(groups)-1].cols, ci)
	}
	for _, g := range groups {
		n := len(g.cols)
		if w.scenFamily[si][g.fam] != nil {
			t.Heads = append(t.Heads, lbHead{Label: "win rate", Title: "win rate on the " + g.fam + " columns"})
			n++
		}
		for _, ci := range g.cols {
			t.Heads = append(t.Heads, colHead(columns[ci]))
		}
		t.Spans = append(t.Spans, lbSpan{Label: g.fam, N: n})
	}
	for _, row := range list {
		ri := row.order
		cells := []lbCell{winCell(w.scenario[si][ri], true)}
		has := false
		for _, g := range groups {
			if wr := w.scenFamily[si][g.fam]; wr != nil {
				cells = append(cells, winCell(wr[ri], false))
			}
			for _, ci := range g.cols {
				c := cellOf(row, colOrder[ci])
				has = has || c.V != "" || c.Text != ""
				cells = append(cells, c)
			}
		}
		if has {
			r := *row
			r.Cells = cells
			t.Rows = append(t.Rows, &r)
		}
	}
	return t
}

// modelInfo is the provenance block of a model's page.
func modelInfo(row *lbRow, labelled bool) [][2]string {
	var info [][2]string
	if labelled {
		info = append(info, [2]string{"run", runLabel(row.res)})
	}
	for _, m := range row.res.Models {
		if m.Name != row.name {
			continue
		}
		info = append(info, [2]string{"file", m.Path}, [2]string{"sha256", m.SHA256}, [2]string{"parameters", fmt.Sprint(m.Parameters)}, [2]string{"provider", m.Provider})
		if a := m.Adaptation; a != nil {
			base := ""
			if a.Base != "" {
				base = "base " + a.Base + ", "
			}
			info = append(info, [2]string{"adaptation", fmt.Sprintf("%s (%s%d trainable params)", a.Method, base, a.TrainableParams)})
		}
		break
	}
	return append(info, modelCostInfo(row.runs, row.name)...)
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
