package compare

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/harness/gate"
	"github.com/evalctl/evalctl/harness/result"
)

// ErrDatasetMismatch is wrapped by Compare's error when a matched task read
// different data in the two results.
var ErrDatasetMismatch = errors.New("datasets differ")

// ErrNothingInCommon is wrapped by Compare's error when the two results share
// no evaluation to compare (a wrong baseline, a renamed task or model): the
// message names what did not match.
var ErrNothingInCommon = errors.New("nothing in common")

// Options configures Compare. The zero value is usable.
type Options struct {
	// Gates are checked after the comparison (absolute and regression),
	// besides the candidate suite's own gates, which are always checked.
	Gates []gate.Gate
	// Level is the confidence level of CIs and tests (default: the base
	// suite's confidence, else 0.95). A change is significant when p < 1 − Level.
	Level float64
	// Resamples is the number of paired bootstrap resamples (default: the
	// base suite's, else 1000).
	Resamples int
	// Seed seeds the bootstrap (default: the base suite's seed).
	Seed uint64
	// Force compares tasks whose datasets differ instead of refusing.
	Force bool
	// AllVariants compares perturbed variants too, not only "clean".
	AllVariants bool
}

// SidecarPath returns the predictions sidecar of r, read from resultPath:
// r.Predictions resolved against the result file's folder, or "" if none.
func SidecarPath(resultPath string, r *result.Result) string {
	if r.Predictions == "" {
		return ""
	}
	if filepath.IsAbs(r.Predictions) {
		return r.Predictions
	}
	return filepath.Join(filepath.Dir(resultPath), r.Predictions)
}

// Compare compares cand with base. basePreds and candPreds are the paths of
// the prediction sidecars ("" when not available: tests are then unpaired).
func Compare(base, cand *result.Result, basePreds, candPreds string, opts Options) (*result.Comparison, error) {
	if base == nil || cand == nil {
		return nil, errors.New("compare: nil result")
	}
	if opts.Level <= 0 || opts.Level >= 1 {
		opts.Level = base.Suite.Confidence
		if opts.Level <= 0 || opts.Level >= 1 {
			opts.Level = 0.95
		}
	}
	if opts.Resamples <= 0 {
		opts.Resamples = base.Suite.Resamples
		if opts.Resamples <= 0 {
			opts.Resamples = 1000
		}
	}
	if opts.Seed == 0 {
		opts.Seed = base.Suite.Seed
	}
	c := &result.Comparison{Base: side(base), Cand: side(cand), Level: opts.Level}

	modelMap := matchModels(base, cand, c)
	baseByKey := map[string]*result.Evaluation{}
	for i := range base.Evaluations {
		e := &base.Evaluations[i]
		baseByKey[e.Key()] = e
	}
	type pair struct{ b, c *result.Evaluation }
	var pairs []pair
	var mismatch []string
	forced := map[string]bool{}
	for i := range cand.Evaluations {
		ce := &cand.Evaluations[i]
		if !opts.AllVariants && ce.Variant != "clean" {
			continue
		}
		bm, ok := modelMap[ce.Model]
		if !ok {
			continue
		}
		be := baseByKey[bm+"/"+ce.Task+"/"+ce.Variant]
		if be == nil {
			c.Notes = append(c.Notes, fmt.Sprintf("%s: not in the baseline", ce.Key()))
			continue
		}
		bh, ch := base.DatasetHash(be.Dataset), cand.DatasetHash(ce.Dataset)
		if bh != ch {
			msg := fmt.Sprintf("task %q variant %q: dataset %q sha256 %s in base, %q sha256 %s in cand", ce.Task, ce.Variant, be.Dataset, short(bh), ce.Dataset, short(ch))
			if !opts.Force {
				mismatch = append(mismatch, msg)
			} else {
				c.Notes = append(c.Notes, msg+" (forced: no paired test)")
				forced[ce.Key()] = true
			}
		}
		pairs = append(pairs, pair{be, ce})
	}
	if len(mismatch) > 0 {
		return nil, fmt.Errorf("compare: %w (use --force to compare anyway): %s", ErrDatasetMismatch, strings.Join(mismatch, "; "))
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("compare: %w: %s", ErrNothingInCommon, unmatched(base, cand, modelMap, opts.AllVariants))
	}

	var bp, cp predIndex
	if basePreds != "" && candPreds != "" {
		var err error
		if bp, err = loadPreds(basePreds); err != nil {
			return nil, fmt.Errorf("compare: baseline: %w", err)
		}
		if cp, err = loadPreds(candPreds); err != nil {
			return nil, fmt.Errorf("compare: candidate: %w", err)
		}
	} else if basePreds != "" || candPreds != "" {
		c.Notes = append(c.Notes, "predictions given for one side only: tests are unpaired")
	}

	for _, p := range pairs {
		for _, cm := range p.c.Metrics {
			bm, ok := p.b.Metric(cm.Name)
			if !ok {
				c.Notes = append(c.Notes, fmt.Sprintf("%s: metric %q not in the baseline", p.c.Key(), cm.Name))
				continue
			}
			row := result.CompareRow{Task: p.c.Task, Variant: p.c.Variant, Model: p.c.Model, BaseModel: p.b.Model,
				Metric: cm.Name, HigherIsBetter: cm.HigherIsBetter, Base: bm.Value, Cand: cm.Value,
				BaseCI: bm.CI, CandCI: cm.CI, Delta: cm.Value - bm.Value, P: result.Float(math.NaN())}
			paired := false
			if bp != nil && !forced[p.c.Key()] {
				paired = pairedTest(c, &row, p.b, p.c, bp, cp, opts)
			}
			if !paired {
				unpairedTest(&row, opts.Level)
			}
			row.Verdict = verdict(row, opts.Level)
			c.Rows = append(c.Rows, row)
		}
	}
	if len(c.Rows) == 0 {
		return nil, fmt.Errorf("compare: %w: the evaluations %s match but share no metric", ErrNothingInCommon, pairKeys(pairs, func(p pair) string { return p.c.Key() }))
	}
	for _, g := range suiteGates(cand) {
		c.Gates = append(c.Gates, result.CompareGate{Gate: g, Source: result.GateSourceSuite})
	}
	for _, g := range opts.Gates {
		for _, rg := range evaluateGate(c, g, cand) {
			c.Gates = append(c.Gates, result.CompareGate{Gate: rg, Source: result.GateSourceFlag})
		}
	}
	return c, nil
}

func pairKeys[P any](ps []P, key func(P) string) string {
	var ks []string
	for _, p := range ps {
		ks = append(ks, key(p))
	}
	return strings.Join(ks, ", ")
}

// suiteGates re-checks the gates the candidate's run recorded (its suite's
// absolute gates) on the candidate result. A recorded gate whose expression
// no longer parses, or is not absolute, is kept as recorded.
func suiteGates(cand *result.Result) []result.Gate {
	var out []result.Gate
	for _, rg := range cand.Gates {
		g, err := gate.Parse(rg.Expr)
		if err != nil || g.Regression() {
			out = append(out, rg)
			continue
		}
		g.Model, g.Task = rg.Model, rg.Task
		out = append(out, gate.Evaluate(g, cand)...)
	}
	return out
}

// unmatched says why no candidate evaluation found a baseline partner: the
// models, then the tasks (with their datasets) and variants of each side.
func unmatched(base, cand *result.Result, modelMap map[string]string, allVariants bool) string {
	list := func(xs []string) string {
		if len(xs) == 0 {
			return "none"
		}
		return strings.Join(xs, ", ")
	}
	models := func(r *result.Result) []string {
		seen := map[string]bool{}
		var out []string
		add := func(n string) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		for _, m := range r.Models {
			add(m.Name)
		}
		for _, e := range r.Evaluations {
			add(e.Model)
		}
		return out
	}
	if len(modelMap) == 0 {
		return fmt.Sprintf("no model in common: the baseline has %s, the candidate %s (a single model on each side is compared whatever its name)",
			list(models(base)), list(models(cand)))
	}
	// tasks lists "task (dataset D)" for the evaluations of the matched models.
	tasks := func(r *result.Result, matched func(string) bool) []string {
		seen := map[string]bool{}
		var out []string
		for _, e := range r.Evaluations {
			if !matched(e.Model) || (!allVariants && e.Variant != "clean") {
				continue
			}
			s := fmt.Sprintf("%s (dataset %s)", e.Task, e.Dataset)
			if e.Variant != "clean" {
				s = fmt.Sprintf("%s variant %s (dataset %s)", e.Task, e.Variant, e.Dataset)
			}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		return out
	}
	inBase := map[string]bool{}
	var pairsDesc []string
	for c, b := range modelMap {
		inBase[b] = true
		pairsDesc = append(pairsDesc, fmt.Sprintf("%s (base) with %s (cand)", b, c))
	}
	sort.Strings(pairsDesc)
	bt := tasks(base, func(m string) bool { return inBase[m] })
	ct := tasks(cand, func(m string) bool { _, ok := modelMap[m]; return ok })
	what := "no task in common"
	if !allVariants {
		what = "no task in common on the clean variant"
	}
	return fmt.Sprintf("%s for the matched models %s: the baseline has %s, the candidate %s",
		what, strings.Join(pairsDesc, ", "), list(bt), list(ct))
}

func side(r *result.Result) result.CompareSide {
	s := result.CompareSide{RunID: r.Run.ID, Suite: r.Suite.Name}
	for _, m := range r.Models {
		s.Models = append(s.Models, m.Name)
	}
	return s
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "(none)"
	}
	return h
}

// matchModels maps candidate model names to baseline model names.
func matchModels(base, cand *result.Result, c *result.Comparison) map[string]string {
	names := func(r *result.Result) []string {
		seen := map[string]bool{}
		var out []string
		for _, m := range r.Models {
			if !seen[m.Name] {
				seen[m.Name] = true
				out = append(out, m.Name)
			}
		}
		for _, e := range r.Evaluations {
			if !seen[e.Model] {
				seen[e.Model] = true
				out = append(out, e.Model)
			}
		}
		return out
	}
	bn, cn := names(base), names(cand)
	inBase := map[string]bool{}
	for _, n := range bn {
		inBase[n] = true
	}
	m := map[string]string{}
	for _, n := range cn {
		if inBase[n] {
			m[n] = n
		}
	}
	if len(m) == 0 && len(bn) == 1 && len(cn) == 1 {
		m[cn[0]] = bn[0]
		c.Notes = append(c.Notes, fmt.Sprintf("no model names in common: comparing the single models %q (base) and %q (cand)", bn[0], cn[0]))
		return m
	}
	for _, n := range cn {
		if _, ok := m[n]; !ok {
			c.Notes = append(c.Notes, fmt.Sprintf("model %q only in the candidate", n))
		}
	}
	for _, n := range bn {
		found := false
		for _, v := range m {
			found = found || v == n
		}
		if !found {
			c.Notes = append(c.Notes, fmt.Sprintf("model %q only in the baseline", n))
		}
	}
	return m
}

func verdict(r result.CompareRow, level float64) result.Verdict {
	if r.P.IsNaN() || r.Delta.IsNaN() {
		return result.VerdictNotTested
	}
	if float64(r.P) >= 1-level || r.Delta == 0 {
		return result.VerdictNoChange
	}
	if (r.Delta > 0) == r.HigherIsBetter {
		return result.VerdictBetter
	}
	return result.VerdictWorse
}

// unpairedTest fills the delta CI and p-value from the two reported CIs.
func unpairedTest(r *result.CompareRow, level float64) {
	if r.BaseCI == nil || r.CandCI == nil || r.Delta.IsNaN() {
		r.Test = "none"
		return
	}
	se := func(ci *result.CI) float64 {
		l := ci.Level
		if l <= 0 || l >= 1 {
			l = 0.95
		}
		return float64(ci.High-ci.Low) / (2 * normalQuantile(0.5+l/2))
	}
	s := math.Hypot(se(r.BaseCI), se(r.CandCI))
	if math.IsNaN(s) {
		r.Test = "none"
		return
	}
	z := normalQuantile(0.5 + level/2)
	d := float64(r.Delta)
	r.DeltaCI = &result.CI{Low: result.Float(d - z*s), High: result.Float(d + z*s), Level: level, Method: "normal, unpaired (from reported CIs)"}
	r.Test = "unpaired z (from CIs)"
	switch {
	case s > 0:
		r.P = result.Float(normalTwoSided(d / s))
	case d == 0:
		r.P = 1
	default:
		r.P = 0
	}
}

// evaluateGate evaluates one gate on the comparison.
func evaluateGate(c *result.Comparison, g gate.Gate, cand *result.Result) []result.Gate {
	if !g.Regression() {
		return gate.Evaluate(g, cand)
	}
	var out []result.Gate
	alpha := 1 - c.Level
	for _, r := range c.Rows {
		if r.Variant != "clean" || r.Metric != g.Metric || !g.Matches(r.Model, r.Task) {
			continue
		}
		rg := result.Gate{Expr: g.Expr, Model: r.Model, Task: r.Task, Metric: g.Metric, Value: r.Delta, Threshold: g.Value}
		d := float64(r.Delta)
		violated := (g.Kind == gate.MayDrop && d < -g.Value) || (g.Kind == gate.MayRise && d > g.Value)
		switch {
		case r.Delta.IsNaN():
			rg.Reason = fmt.Sprintf("change of %q is undefined (base %v, cand %v)", g.Metric, float64(r.Base), float64(r.Cand))
		case !violated:
			rg.Pass = true
		case g.IfSignificant && r.P.IsNaN():
			rg.Reason = fmt.Sprintf("%s changed by %+.4g (limit %.4g) and no test is available to show it is not significant", g.Metric, d, g.Value)
		case g.IfSignificant && float64(r.P) >= alpha:
			rg.Pass = true
			rg.Reason = fmt.Sprintf("%s changed by %+.4g (beyond %.4g) but not significantly (p=%.3g, %s)", g.Metric, d, g.Value, float64(r.P), r.Test)
		default:
			sig := ""
			if !r.P.IsNaN() {
				sig = fmt.Sprintf(" (p=%.3g, %s)", float64(r.P), r.Test)
			}
			verb := "dropped"
			if g.Kind == gate.MayRise {
				verb = "rose"
			}
			rg.Reason = fmt.Sprintf("%s %s by %.4g from %.4g to %.4g, more than %.4g%s", g.Metric, verb, math.Abs(d), float64(r.Base), float64(r.Cand), g.Value, sig)
		}
		out = append(out, rg)
	}
	if len(out) == 0 {
		out = append(out, result.Gate{Expr: g.Expr, Model: g.Model, Task: g.Task, Metric: g.Metric,
			Value: result.Float(math.NaN()), Threshold: g.Value,
			Reason: fmt.Sprintf("no compared row has metric %q for task %q model %q", g.Metric, orAll(g.Task), orAll(g.Model))})
	}
	return out
}

func orAll(s string) string {
	if s == "" {
		return "*"
	}
	return s
}
