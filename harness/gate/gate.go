package gate

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/metrics"
)

// Kind is the kind of a gate.
type Kind int

const (
	// Absolute compares the candidate's value with a number.
	Absolute Kind = iota
	// MayDrop bounds how far the metric may fall below the baseline.
	MayDrop
	// MayRise bounds how far the metric may rise above the baseline.
	MayRise
)

// String returns "absolute", "may drop" or "may rise".
func (k Kind) String() string {
	switch k {
	case Absolute:
		return "absolute"
	case MayDrop:
		return "may drop"
	case MayRise:
		return "may rise"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Op is a comparison operator of an absolute gate.
type Op string

// The comparison operators.
const (
	GE Op = ">="
	LE Op = "<="
	GT Op = ">"
	LT Op = "<"
	EQ Op = "=="
)

// Ops lists the valid operators in the order error messages show them.
var Ops = []Op{GE, LE, GT, LT, EQ}

// validConditions is shown in syntax errors.
const validConditions = `valid: >=, <=, >, <, ==, "may drop at most N", "may rise at most N"`

// Sentinel errors; the errors this package returns wrap one of them.
var (
	// ErrSyntax marks an expression that does not follow the grammar.
	ErrSyntax = errors.New("invalid gate")
	// ErrUnknownMetric marks a gate on a metric the suite does not compute.
	ErrUnknownMetric = errors.New("unknown metric")
)

// Gate is one parsed gate with its scope.
type Gate struct {
	// Expr is the expression as written (without a scope prefix).
	Expr string `yaml:"expr" json:"expr"`
	// Task and Model restrict the gate; empty means all.
	Task  string `yaml:"task,omitempty" json:"task,omitempty"`
	Model string `yaml:"model,omitempty" json:"model,omitempty"`

	Metric string  `yaml:"-" json:"metric"`
	Kind   Kind    `yaml:"-" json:"-"`
	Op     Op      `yaml:"-" json:"op,omitempty"`
	Value  float64 `yaml:"-" json:"value"`
	// IfSignificant makes a regression gate fail only on a significant change.
	IfSignificant bool `yaml:"-" json:"if_significant,omitempty"`
}

// Regression reports whether g needs a baseline (a may drop / may rise gate).
func (g Gate) Regression() bool { return g.Kind != Absolute }

// String returns the gate with its scope, as ParseFlag reads it.
func (g Gate) String() string {
	var b strings.Builder
	if g.Task != "" {
		b.WriteString("task=" + g.Task + " ")
	}
	if g.Model != "" {
		b.WriteString("model=" + g.Model + " ")
	}
	if b.Len() > 0 {
		return strings.TrimSpace(b.String()) + ": " + g.Expr
	}
	return g.Expr
}

// SyntaxError is a parse error at a 1-based byte column of Expr.
type SyntaxError struct {
	Expr string
	Col  int
	Msg  string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("gate %q: column %d: %s", e.Expr, e.Col, e.Msg)
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

type token struct {
	text string
	col  int // 1-based
}

func tokenize(s string) []token {
	var toks []token
	start := -1
	for i, r := range s {
		if r == ' ' || r == '\t' {
			if start >= 0 {
				toks = append(toks, token{s[start:i], start + 1})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		toks = append(toks, token{s[start:], start + 1})
	}
	return toks
}

// splitOp splits tokens such as "accuracy>=0.85" into metric, op and number
// so that gates may be written without spaces around the operator.
func splitOp(toks []token) []token {
	var out []token
	for _, t := range toks {
		i := strings.IndexAny(t.text, "<>=!")
		if i < 0 || len(t.text) == 1 {
			out = append(out, t)
			continue
		}
		j := i
		for j < len(t.text) && strings.ContainsRune("<>=!", rune(t.text[j])) {
			j++
		}
		if i > 0 {
			out = append(out, token{t.text[:i], t.col})
		}
		out = append(out, token{t.text[i:j], t.col + i})
		if j < len(t.text) {
			out = append(out, token{t.text[j:], t.col + j})
		}
	}
	return out
}

func validMetricName(s string) bool {
	for i, r := range s {
		switch {
		case unicode.IsLetter(r):
		case i > 0 && (unicode.IsDigit(r) || r == '_' || r == '.' || r == '@' || r == '-' || r == ':'):
		default:
			return false
		}
	}
	return s != ""
}

func parseNumber(expr string, t token) (float64, error) {
	v, err := strconv.ParseFloat(t.text, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(t.text, "xXpP_") {
		return 0, &SyntaxError{expr, t.col, fmt.Sprintf("want a finite number, got %q", t.text)}
	}
	return v, nil
}

// Parse parses one gate expression (no scope prefix; see ParseFlag). Errors
// are *SyntaxError values that point at the column of the bad token and list
// the valid operators.
func Parse(s string) (Gate, error) {
	expr := strings.TrimSpace(s)
	// Columns refer to s as given.
	toks := splitOp(tokenize(s))
	g := Gate{Expr: expr}
	if len(toks) == 0 {
		return g, &SyntaxError{s, 1, "empty gate; want \"<metric> <op> <number>\" (" + validConditions + ")"}
	}
	if !validMetricName(toks[0].text) {
		return g, &SyntaxError{s, toks[0].col, fmt.Sprintf("bad metric name %q (letters, digits, '_', '.', '@', '-'; starting with a letter)", toks[0].text)}
	}
	// Aliases from the metric table ("f1_macro") gate the canonical name.
	g.Metric = metrics.Canonical(toks[0].text)
	if len(toks) == 1 {
		return g, &SyntaxError{s, len(s) + 1, "missing condition after metric (" + validConditions + ")"}
	}
	t := toks[1]
	switch Op(t.text) {
	case GE, LE, GT, LT, EQ:
		g.Kind, g.Op = Absolute, Op(t.text)
		if len(toks) < 3 {
			return g, &SyntaxError{s, len(s) + 1, "missing number after " + t.text}
		}
		v, err := parseNumber(s, toks[2])
		if err != nil {
			return g, err
		}
		g.Value = v
		if len(toks) > 3 {
			return g, &SyntaxError{s, toks[3].col, fmt.Sprintf("unexpected %q after the number", toks[3].text)}
		}
		return g, nil
	case "may":
	default:
		return g, &SyntaxError{s, t.col, fmt.Sprintf("unknown operator %q (%s)", t.text, validConditions)}
	}
	want := func(i int, words ...string) (token, error) {
		if i >= len(toks) {
			return token{}, &SyntaxError{s, len(s) + 1, fmt.Sprintf("unexpected end; want %s", strings.Join(quoteAll(words), " or "))}
		}
		for _, w := range words {
			if toks[i].text == w {
				return toks[i], nil
			}
		}
		return token{}, &SyntaxError{s, toks[i].col, fmt.Sprintf("unexpected %q; want %s", toks[i].text, strings.Join(quoteAll(words), " or "))}
	}
	dir, err := want(2, "drop", "rise")
	if err != nil {
		return g, err
	}
	g.Kind = MayDrop
	if dir.text == "rise" {
		g.Kind = MayRise
	}
	if _, err := want(3, "at"); err != nil {
		return g, err
	}
	if _, err := want(4, "most"); err != nil {
		return g, err
	}
	if len(toks) < 6 {
		return g, &SyntaxError{s, len(s) + 1, "missing number after \"at most\""}
	}
	v, err := parseNumber(s, toks[5])
	if err != nil {
		return g, err
	}
	if v < 0 {
		return g, &SyntaxError{s, toks[5].col, fmt.Sprintf("the allowed change must be >= 0, got %v", v)}
	}
	g.Value = v
	if len(toks) == 6 {
		return g, nil
	}
	if _, err := want(6, "if"); err != nil {
		return g, err
	}
	if _, err := want(7, "significant"); err != nil {
		return g, err
	}
	if len(toks) > 8 {
		return g, &SyntaxError{s, toks[8].col, fmt.Sprintf("unexpected %q after \"if significant\"", toks[8].text)}
	}
	g.IfSignificant = true
	return g, nil
}

func quoteAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = strconv.Quote(w)
	}
	return out
}

// ParseFlag parses a gate given on the command line: an expression with an
// optional scope prefix of "task=NAME" and/or "model=NAME" items ended by a
// colon, e.g. "task=sst2 model=small: accuracy >= 0.8".
func ParseFlag(s string) (Gate, error) {
	scope, expr, found := strings.Cut(s, ":")
	if !found || !strings.Contains(scope, "=") || strings.ContainsAny(scope, "<>") {
		return Parse(s)
	}
	var task, model string
	for _, item := range strings.Fields(scope) {
		k, v, _ := strings.Cut(item, "=")
		switch k {
		case "task":
			task = v
		case "model":
			model = v
		default:
			return Gate{}, &SyntaxError{s, strings.Index(s, item) + 1, fmt.Sprintf("unknown scope key %q (valid: task, model)", k)}
		}
		if v == "" {
			return Gate{}, &SyntaxError{s, strings.Index(s, item) + 1, fmt.Sprintf("empty %s name", k)}
		}
	}
	g, err := Parse(expr)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			se.Col += len(scope) + 1
			se.Expr = s
		}
		return g, err
	}
	g.Task, g.Model = task, model
	return g, nil
}

// UnmarshalYAML reads a gate written as an expression string or as an
// object with keys expr, task and model (unknown keys are errors).
func (g *Gate) UnmarshalYAML(n *yaml.Node) error {
	var expr, task, model string
	switch n.Kind {
	case yaml.ScalarNode:
		expr = n.Value
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("%d:%d: gate key %q: want a string", v.Line, v.Column, k.Value)
			}
			switch k.Value {
			case "expr":
				expr = v.Value
			case "task":
				task = v.Value
			case "model":
				model = v.Value
			default:
				return fmt.Errorf("%d:%d: unknown gate key %q (valid: expr, task, model)", k.Line, k.Column, k.Value)
			}
		}
	default:
		return fmt.Errorf("%d:%d: gate: want a string or an object with expr, task, model", n.Line, n.Column)
	}
	p, err := Parse(expr)
	if err != nil {
		return fmt.Errorf("%d:%d: %w", n.Line, n.Column, err)
	}
	p.Task, p.Model = task, model
	*g = p
	return nil
}

// Validate checks g against the metric names the suite computes. An unknown
// metric wraps ErrUnknownMetric and suggests the nearest known name.
func Validate(g Gate, knownMetrics []string) error {
	if math.IsNaN(g.Value) || math.IsInf(g.Value, 0) {
		return fmt.Errorf("gate %q: %w: threshold must be finite", g.Expr, ErrSyntax)
	}
	for _, m := range knownMetrics {
		if m == g.Metric {
			return nil
		}
	}
	known := append([]string(nil), knownMetrics...)
	sort.Strings(known)
	hint := ""
	if s := dataset.Nearest(g.Metric, known); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	return fmt.Errorf("gate %q: %w %q%s (known: %s)", g.Expr, ErrUnknownMetric, g.Metric, hint, strings.Join(known, ", "))
}

// Check applies an absolute gate's operator: v op g.Value. NaN never passes.
func (g Gate) Check(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	switch g.Op {
	case GE:
		return v >= g.Value
	case LE:
		return v <= g.Value
	case GT:
		return v > g.Value
	case LT:
		return v < g.Value
	case EQ:
		return v == g.Value
	}
	return false
}

// Matches reports whether g's scope includes the model and task.
func (g Gate) Matches(model, task string) bool {
	return (g.Task == "" || g.Task == task) && (g.Model == "" || g.Model == model)
}

// Lookup finds a metric for one model and task of r on the clean variant:
// first among the evaluation's metrics, then its fairness criteria, then the
// robustness summaries. ok is false when the metric is absent.
func Lookup(r *result.Result, model, task, metric string) (m result.Metric, ok bool) {
	for i := range r.Evaluations {
		e := &r.Evaluations[i]
		if e.Model != model || e.Task != task || e.Variant != "clean" {
			continue
		}
		if m, ok := e.Metric(metric); ok {
			return m, true
		}
		if e.Fairness != nil {
			for _, c := range e.Fairness.Criteria {
				if c.Name == metric {
					return c, true
				}
			}
		}
	}
	for _, rb := range r.Robustness {
		if rb.Model != model || rb.Task != task {
			continue
		}
		for _, s := range rb.Summary {
			if s.Name == metric {
				return s, true
			}
		}
	}
	return result.Metric{}, false
}

// Targets returns the model/task pairs of r's clean evaluations in g's
// scope, in result order.
func Targets(g Gate, r *result.Result) [][2]string {
	var out [][2]string
	seen := map[[2]string]bool{}
	for _, e := range r.Evaluations {
		if e.Variant != "clean" || !g.Matches(e.Model, e.Task) {
			continue
		}
		k := [2]string{e.Model, e.Task}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// Evaluate checks an absolute gate on every clean evaluation of r in its
// scope, one result.Gate each. A missing or NaN metric, or a scope that
// matches nothing, is a failing entry with the reason. A regression gate
// cannot be judged on one result: Evaluate returns one failing entry saying
// so (use harness/compare).
func Evaluate(g Gate, r *result.Result) []result.Gate {
	base := result.Gate{Expr: g.Expr, Model: g.Model, Task: g.Task, Metric: g.Metric,
		Value: result.Float(math.NaN()), Threshold: g.Value}
	if g.Regression() {
		base.Reason = "a regression gate needs a baseline: use evalctl compare"
		return []result.Gate{base}
	}
	targets := Targets(g, r)
	if len(targets) == 0 {
		base.Reason = fmt.Sprintf("no clean evaluation matches task %q model %q", orAll(g.Task), orAll(g.Model))
		return []result.Gate{base}
	}
	out := make([]result.Gate, 0, len(targets))
	for _, t := range targets {
		rg := base
		rg.Model, rg.Task = t[0], t[1]
		m, ok := Lookup(r, t[0], t[1], g.Metric)
		switch {
		case !ok:
			rg.Reason = fmt.Sprintf("metric %q missing for %s/%s", g.Metric, t[0], t[1])
		case m.Value.IsNaN():
			why := m.Undefined
			if why == "" {
				why = "no reason recorded"
			}
			rg.Reason = fmt.Sprintf("metric %q is undefined (NaN): %s", g.Metric, why)
		default:
			rg.Value = m.Value
			rg.Pass = g.Check(float64(m.Value))
			if !rg.Pass {
				rg.Reason = fmt.Sprintf("%s = %.4g, want %s %.4g", g.Metric, float64(m.Value), g.Op, g.Value)
			}
		}
		out = append(out, rg)
	}
	return out
}

func orAll(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// MetricNames returns the sorted names Lookup can find in r: every metric,
// fairness criterion and robustness summary. Pass it to Validate.
func MetricNames(r *result.Result) []string {
	set := map[string]bool{}
	for _, e := range r.Evaluations {
		for _, m := range e.Metrics {
			set[m.Name] = true
		}
		if e.Fairness != nil {
			for _, c := range e.Fairness.Criteria {
				set[c.Name] = true
			}
		}
	}
	for _, rb := range r.Robustness {
		for _, s := range rb.Summary {
			set[s.Name] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
