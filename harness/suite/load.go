package suite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/robustness"
	"github.com/evalctl/evalctl/tasks"
	"gopkg.in/yaml.v3"
)

// Enumerations accepted in suites.
var (
	Formats            = sortedFormats()
	Providers          = names(ProviderCPU, ProviderCUDA, ProviderTensorRT)
	GraphOptimizations = names(GraphOptimizationDisable, GraphOptimizationBasic, GraphOptimizationExtended, GraphOptimizationAll)
	ScoreModes         = names(tasks.ScoresAuto, tasks.ScoresLogits, tasks.ScoresProbabilities)
	InvalidPolicies    = names(tasks.InvalidWrong, tasks.InvalidExclude)
	Binnings           = names(EqualWidth, EqualMass)
	EdgeRules          = names(EdgesRight, EdgesLeft)
	Layouts            = names(LayoutAsIs, LayoutHWCToCHW)
	DTypes             = names(Float32, Float64, Float16, Int64, Int32, Uint8, Bool)
)

// names spells typed suite values as written.
func names[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// Load reads, decodes and validates the suite at path. All problems found
// are returned together (errors.Join of *Error values).
func Load(path string) (*Suite, error) {
	data, err := readSuite(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// Parse decodes and validates suite bytes; file names the suite in errors and
// its folder is the base for relative paths. ${VAR} and ${VAR:-default} in
// values are expanded from the environment.
func Parse(data []byte, file string) (*Suite, error) { return ParseWith(data, file, Overrides{}) }

// ParseWith is Parse with overrides applied before validation.
func ParseWith(data []byte, file string, o Overrides) (*Suite, error) {
	if err := tooLarge(data, file); err != nil {
		return nil, err
	}
	if err := checkUTF8(data, file); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = yamlLine.ReplaceAllString(msg, "")
		msg = strings.TrimLeft(msg, " :")
		if err.Error() == "EOF" {
			msg = "empty file"
		}
		col := 1
		if line == 0 {
			line, col = aliasPosition(data, msg)
			if line > 0 {
				msg += " (an alias *name needs an anchor &name earlier in the file)"
			}
		}
		return nil, &Error{File: file, Line: line, Col: col, Err: fmt.Errorf("%w: YAML syntax: %s", ErrInvalid, msg)}
	}
	if err := secondDocument(dec, file); err != nil {
		return nil, err
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	prov, oerrs := o.apply(doc, file)
	if len(oerrs) > 0 {
		o.attribute(oerrs)
		return nil, joinCapped(file, oerrs, 0)
	}
	c := &checker{file: file, pos: map[string]position{}}
	if !c.walk(doc, reflect.TypeOf(Suite{}), "") {
		o.attribute(c.errs)
		return nil, joinCapped(file, c.errs, c.dropped)
	}
	s := &Suite{File: file, Dir: filepath.Dir(file), SHA256: hex.EncodeToString(sum[:]), pos: c.pos, Overrides: prov, overrides: o}
	if err := doc.Decode(s); err != nil {
		return nil, &Error{File: file, Err: fmt.Errorf("%w: %v", ErrType, err)}
	}
	s.applyDefaults()
	v := &validator{s: s}
	v.validate()
	if len(v.errs) > 0 {
		o.attribute(v.errs)
		return nil, joinCapped(v.s.File, v.errs, v.dropped)
	}
	return s, nil
}

func (s *Suite) applyDefaults() {
	if s.Bootstrap.Resamples == nil {
		r := DefaultResamples
		s.Bootstrap.Resamples = &r
	}
	if s.Bootstrap.Confidence == 0 {
		s.Bootstrap.Confidence = DefaultConfidence
	}
	if len(s.Runtime.ExecutionProviders) == 0 {
		s.Runtime.ExecutionProviders = []Provider{ProviderCPU}
	}
	if s.Runtime.AllowFallback == nil {
		t := true
		s.Runtime.AllowFallback = &t
	}
	if _, given := s.pos["runtime.batch_size"]; !given && s.Runtime.BatchSize == 0 {
		// Only an absent key defaults: batch_size: 0 is an error, not 32.
		s.Runtime.BatchSize = DefaultBatchSize
	}
	if s.Runtime.GraphOptimization == "" {
		s.Runtime.GraphOptimization = GraphOptimizationAll
	}
	for i := range s.Tasks {
		t := &s.Tasks[i]
		if len(t.Metrics) == 0 {
			t.Metrics = tasks.DefaultMetrics(t.Kind)
		}
		if t.Scores == "" {
			t.Scores = tasks.ScoresAuto
		}
		if t.Invalid == "" {
			t.Invalid = tasks.InvalidWrong
		}
		if t.Calibration.Bins == 0 {
			t.Calibration.Bins = DefaultBins
		}
		if t.Calibration.Binning == "" {
			t.Calibration.Binning = EqualWidth
		}
	}
	if s.Output.Predictions == nil {
		t := true
		s.Output.Predictions = &t
	}
}

// Resolve returns p relative to the suite's folder (absolute paths unchanged).
func (s *Suite) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Dir, p)
}

// Dataset returns the dataset with the given name.
func (s *Suite) Dataset(name string) (*Dataset, bool) {
	for i := range s.Datasets {
		if s.Datasets[i].Name == name {
			return &s.Datasets[i], true
		}
	}
	return nil, false
}

// Model returns the model with the given name.
func (s *Suite) Model(name string) (*Model, bool) {
	for i := range s.Models {
		if s.Models[i].Name == name {
			return &s.Models[i], true
		}
	}
	return nil, false
}

// Position returns the line and column of a key path such as
// "tasks[0].dataset" (0, 0 when unknown).
func (s *Suite) Position(path string) (line, col int) {
	p := s.pos[path]
	return p.line, p.col
}

// TaskModels returns the models a task runs on, in suite order.
func (s *Suite) TaskModels(t *Task) []*Model {
	var out []*Model
	for i := range s.Models {
		m := &s.Models[i]
		if len(t.Models) == 0 || contains(t.Models, m.Name) {
			out = append(out, m)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type validator struct {
	s       *Suite
	errs    []error
	dropped int // problems beyond MaxErrors
}

func (v *validator) errorf(path string, sentinel error, format string, args ...any) {
	if len(v.errs) >= MaxErrors {
		v.dropped++
		return
	}
	line, col := v.s.Position(path)
	if line == 0 {
		// Fall back to the enclosing entry's position.
		p := path
		for line == 0 && p != "" {
			if i := strings.LastIndexAny(p, ".["); i >= 0 {
				p = p[:i]
			} else {
				p = ""
			}
			line, col = v.s.Position(p)
		}
	}
	v.errs = append(v.errs, &Error{File: v.s.File, Line: line, Col: col, Path: path,
		Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)})
}

func (v *validator) oneOf(path, value string, valid []string) {
	if contains(valid, value) {
		return
	}
	msg := fmt.Sprintf("%q", value)
	if near := dataset.Nearest(value, valid); near != "" && value != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	v.errorf(path, ErrInvalid, "%s (%s)", msg, known(quoteAll(valid)))
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		if s == "" {
			out[i] = `""`
		} else {
			out[i] = s
		}
	}
	return out
}

func (v *validator) file(path, p string) { v.regularFile(path, p) }

func (v *validator) ref(path, name, what string, valid []string) {
	if contains(valid, name) {
		return
	}
	msg := fmt.Sprintf("%s %q does not exist", what, name)
	if near := dataset.Nearest(name, valid); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	} else if len(valid) > 0 {
		msg += " (" + known(valid) + ")"
	}
	v.errorf(path, ErrReference, "%s", msg)
}

func (v *validator) unique(path, name, what string, seen map[string]string) {
	if name == "" {
		v.errorf(path+".name", ErrMissing, "%s needs a name", what)
		return
	}
	if first, dup := seen[name]; dup {
		v.errorf(path+".name", ErrDuplicateName, "%s %q already declared at %s", what, name, first)
		return
	}
	line, _ := v.s.Position(path)
	seen[name] = fmt.Sprintf("line %d", line)
}

// MaxResamples bounds bootstrap.resamples (and rescore --resamples): 10⁸
// resamples ran out of memory (issue 11.6).
const MaxResamples = 100_000

// SafeName reports whether a suite name can be used as a folder name: not
// empty, no path separator or NUL, not "." or "..".
func SafeName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\\x00")
}

func (v *validator) validate() {
	s := v.s
	if s.Version != Version {
		if s.Version == 0 {
			v.errorf("version", ErrMissing, "version (this evalctl reads version %d)", Version)
		} else {
			v.errorf("version", ErrUnknownVersion, "%d (this evalctl reads version %d)", s.Version, Version)
		}
	}
	if strings.TrimSpace(s.Name) == "" {
		v.errorf("name", ErrMissing, "name")
	} else if !SafeName(s.Name) {
		// The name is the default output folder (out/<name>): a path
		// would write outside the working folder (issue 11.8).
		v.errorf("name", ErrInvalid, "%q: a suite name is a name, not a path (no '/', '\\', NUL, \".\" or \"..\"); it names the default output folder out/<name>", s.Name)
	}
	if s.Bootstrap.Confidence <= 0 || s.Bootstrap.Confidence >= 1 {
		v.errorf("bootstrap.confidence", ErrInvalid, "%v (want a level in (0, 1), e.g. 0.95)", s.Bootstrap.Confidence)
	}
	if *s.Bootstrap.Resamples < 0 {
		v.errorf("bootstrap.resamples", ErrInvalid, "%d (want >= 0; 0 disables confidence intervals)", *s.Bootstrap.Resamples)
	} else if *s.Bootstrap.Resamples > MaxResamples {
		v.errorf("bootstrap.resamples", ErrInvalid, "%d is more than the limit of %d (each interval keeps one replicate per resample in memory; 1,000 to 10,000 is usual)", *s.Bootstrap.Resamples, MaxResamples)
	}
	v.runtime()
	if w := s.Cost.PowerWatts; w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		v.errorf("cost.power_watts", ErrInvalid, "%v (want the CPU's power draw in watts, >= 0)", w)
	}
	if g := s.Cost.GridIntensity; g < 0 || math.IsNaN(g) || math.IsInf(g, 0) {
		v.errorf("cost.grid_intensity", ErrInvalid, "%v (want gCO2e/kWh, >= 0; 0 or absent: the world-average default)", g)
	}

	modelNames := []string{}
	seen := map[string]string{}
	if len(s.Models) == 0 {
		v.errorf("models", ErrMissing, "models (at least one model)")
	}
	for i, m := range s.Models {
		p := fmt.Sprintf("models[%d]", i)
		if _, dup := seen[m.Name]; !dup {
			modelNames = append(modelNames, m.Name)
		}
		v.unique(p, m.Name, "model", seen)
		if m.Path == "" {
			v.errorf(p+".path", ErrMissing, "path to the .onnx file")
		}
		v.file(p+".path", m.Path)
		if a := m.Adaptation; a != nil {
			if a.Method == "" {
				v.errorf(p+".adaptation.method", ErrMissing, "adaptation method (e.g. linear_probe, fine_tune, lora, prompting)")
			}
			if a.TrainableParams < 0 || a.TrainExamples < 0 {
				v.errorf(p+".adaptation", ErrInvalid, "trainable_params and train_examples must be >= 0")
			}
		}
		if c := m.Card; c != nil && c.IntendedUse == "" && len(c.OutOfScope) == 0 && c.License == "" && c.Owners == "" && c.Notes == "" {
			v.errorf(p+".card", ErrMissing, "at least one of intended_use, out_of_scope, license, owners, notes")
		}
		if c := m.Card; c != nil {
			for j, o := range c.OutOfScope {
				if strings.TrimSpace(o) == "" {
					v.errorf(fmt.Sprintf("%s.card.out_of_scope[%d]", p, j), ErrInvalid, "empty entry (want a sentence naming a use the model is not for)")
				}
			}
		}
	}

	dsNames := []string{}
	seen = map[string]string{}
	for i := range s.Datasets {
		d := &s.Datasets[i]
		p := fmt.Sprintf("datasets[%d]", i)
		if _, dup := seen[d.Name]; !dup {
			dsNames = append(dsNames, d.Name)
		}
		v.unique(p, d.Name, "dataset", seen)
		v.dataset(p, d)
	}

	seen = map[string]string{}
	if len(s.Tasks) == 0 {
		v.errorf("tasks", ErrMissing, "tasks (at least one task)")
	}
	for i := range s.Tasks {
		t := &s.Tasks[i]
		p := fmt.Sprintf("tasks[%d]", i)
		v.unique(p, t.Name, "task", seen)
		v.oneOf(p+".kind", t.Kind, tasks.Kinds())
		if t.Dataset == "" {
			v.errorf(p+".dataset", ErrMissing, "dataset")
		} else {
			v.ref(p+".dataset", t.Dataset, "dataset", dsNames)
		}
		for j, m := range t.Models {
			v.ref(fmt.Sprintf("%s.models[%d]", p, j), m, "model", modelNames)
		}
		if t.Normalize && t.Kind != string(tasks.Classification) {
			v.errorf(p+".normalize", ErrInvalid, "normalize rescales class probabilities and applies to kind classification, not %s", t.Kind)
		}
		if known, ok := tasks.Metrics(t.Kind); ok {
			for j, m := range t.Metrics {
				if !tasks.ValidMetric(t.Kind, m) {
					msg := fmt.Sprintf("%q", m)
					if near := nearestMetric(m, t.Kind, metrics.ScopeTask); near != "" {
						msg += fmt.Sprintf(" (did you mean %q?)", near)
					}
					v.errorf(fmt.Sprintf("%s.metrics[%d]", p, j), ErrUnknownMetric, "%s for kind %s (%s)", msg, t.Kind, strings.Join(known, ", "))
					continue
				}
				t.Metrics[j] = metrics.Canonical(m)
			}
		}
		v.oneOf(p+".scores", string(t.Scores), ScoreModes)
		v.oneOf(p+".invalid", string(t.Invalid), InvalidPolicies)
		v.oneOf(p+".calibration.binning", string(t.Calibration.Binning), Binnings)
		if t.Calibration.Edges != "" {
			v.oneOf(p+".calibration.edges", string(t.Calibration.Edges), EdgeRules)
		}
		if t.Calibration.Bins < 1 {
			v.errorf(p+".calibration.bins", ErrInvalid, "%d (want >= 1)", t.Calibration.Bins)
		}
		if t.Calibration.Dataset != "" {
			v.ref(p+".calibration.dataset", t.Calibration.Dataset, "dataset", dsNames)
			if t.Calibration.Dataset == t.Dataset {
				v.errorf(p+".calibration.dataset", ErrInvalid, "the calibration split %q is the task's own test dataset; temperature scaling must be fitted on a separate split", t.Dataset)
			}
		}
		if d, ok := s.Dataset(t.Dataset); ok && t.Kind == string(tasks.Classification) && d.Label == nil {
			v.errorf(p+".dataset", ErrInvalid, "classification task needs labels, but dataset %q declares no label", t.Dataset)
		}
		if t.Kind == string(tasks.Regression) {
			v.regression(p, t)
		}
		if t.Robustness != nil {
			v.robustness(p+".robustness", t, dsNames, modelNames)
		}
		if t.Fairness != nil {
			v.fairness(p+".fairness", t)
		}
		v.text(p, t)
		v.embedding(p, t)
		v.membership(p, t, dsNames, modelNames)
	}
	for i, g := range s.Gates {
		p := fmt.Sprintf("gates[%d]", i)
		if strings.TrimSpace(g.Expr) == "" {
			v.errorf(p, ErrMissing, "gate expression (e.g. \"accuracy >= 0.8\")")
		}
		if g.Task != "" {
			names := make([]string, len(s.Tasks))
			for j, t := range s.Tasks {
				names[j] = t.Name
			}
			v.ref(p+".task", g.Task, "task", names)
		}
		if g.Model != "" {
			v.ref(p+".model", g.Model, "model", modelNames)
		}
	}
}

func (v *validator) robustness(p string, t *Task, dsNames, modelNames []string) {
	r := t.Robustness
	if len(r.Perturbations) == 0 && len(r.Shift) == 0 {
		v.errorf(p, ErrMissing, "perturbations or shift (a robustness section needs at least one)")
	}
	if r.Range == nil {
		r.Range = []float64{0, 1}
	}
	if len(r.Range) != 2 || !(r.Range[0] < r.Range[1]) {
		v.errorf(p+".range", ErrInvalid, "%v (want [low, high] with low < high, e.g. [0, 255])", r.Range)
	}
	if r.Metric == "" {
		r.Metric = "accuracy"
	}
	if known, ok := tasks.Metrics(t.Kind); ok {
		if !tasks.ValidMetric(t.Kind, r.Metric) {
			v.errorf(p+".metric", ErrUnknownMetric, "%q (%s)", r.Metric, strings.Join(known, ", "))
		} else {
			r.Metric = metrics.Canonical(r.Metric)
		}
	}
	var names []string
	for i := range r.Perturbations {
		ps := &r.Perturbations[i]
		pp := fmt.Sprintf("%s.perturbations[%d]", p, i)
		if _, err := robustness.Lookup(ps.Name); err != nil && !contains(PerturbationSets, ps.Name) {
			msg := fmt.Sprintf("%q", ps.Name)
			all := append(append([]string(nil), PerturbationSets...), robustness.Names(robustness.KindImage)...)
			all = append(append(all, robustness.Names(robustness.KindTabular)...), robustness.Names(robustness.KindText)...)
			if near := dataset.Nearest(ps.Name, all); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			v.errorf(pp+".name", ErrInvalid, "unknown perturbation %s (%s)", msg, known(all))
		}
		switch ps.Name {
		case "image":
			names = append(names, robustness.SetNames(robustness.KindImage)...)
		case "tabular":
			names = append(names, robustness.Names(robustness.KindTabular)...)
		case "text":
			names = append(names, robustness.Names(robustness.KindText)...)
		default:
			names = append(names, ps.Name)
		}
		if len(ps.Severities) == 0 {
			ps.Severities = []int{1, 2, 3, 4, 5}
		}
		for j, sev := range ps.Severities {
			if sev < 1 || sev > robustness.MaxSeverity {
				v.errorf(fmt.Sprintf("%s.severities[%d]", pp, j), ErrInvalid, "%d (want 1..%d)", sev, robustness.MaxSeverity)
			}
		}
	}
	for i, c := range r.CorruptionSet {
		if !contains(names, c) {
			v.ref(fmt.Sprintf("%s.corruption_set[%d]", p, i), c, "perturbation", names)
		}
	}
	if r.Baseline != "" {
		v.ref(p+".baseline", r.Baseline, "model", modelNames)
	}
	v.robustnessParams(p, r, names)
	for i, d := range r.Shift {
		v.ref(fmt.Sprintf("%s.shift[%d]", p, i), d, "dataset", dsNames)
		if d == t.Dataset {
			v.errorf(fmt.Sprintf("%s.shift[%d]", p, i), ErrInvalid, "%q is the task's own (in-distribution) dataset", d)
		}
	}
}

// PerturbationSets are the names that stand for every perturbation of a kind.
var PerturbationSets = []string{"image", "tabular", "text"}

func (v *validator) fairness(p string, t *Task) {
	f := t.Fairness
	d, ok := v.s.Dataset(t.Dataset)
	if !ok {
		return
	}
	var groups []string
	for _, g := range d.Groups {
		groups = append(groups, g.Name)
	}
	if len(groups) == 0 && len(f.Counterfactual) == 0 {
		v.errorf(p, ErrInvalid, "dataset %q declares no groups to slice by (and the section has no counterfactual)", d.Name)
	}
	for i, a := range f.Attributes {
		v.ref(fmt.Sprintf("%s.attributes[%d]", p, i), a, "group", groups)
	}
	if f.MinGroupSize == nil {
		n := 30
		f.MinGroupSize = &n
	}
	if *f.MinGroupSize < 0 {
		v.errorf(p+".min_group_size", ErrInvalid, "%d (want >= 0)", *f.MinGroupSize)
	}
	if f.Method != "" {
		v.oneOf(p+".method", string(f.Method), names(fairness.Methods()...))
	}
	if f.Agg != "" {
		v.oneOf(p+".agg", string(f.Agg), names(fairness.Aggs()...))
	}
	if f.Positive != "" && d.Label != nil && len(d.Label.Classes) > 0 {
		v.ref(p+".positive", f.Positive, "class", d.Label.Classes)
	}
	if known, ok := tasks.Metrics(t.Kind); ok {
		all := append(append([]string(nil), known...), metrics.ForKind(t.Kind, metrics.ScopeGroup)...)
		for i, m := range f.Metrics {
			if !contains(all, metrics.Canonical(m)) {
				v.errorf(fmt.Sprintf("%s.metrics[%d]", p, i), ErrUnknownMetric, "%q (%s)", m, strings.Join(all, ", "))
				continue
			}
			f.Metrics[i] = metrics.Canonical(m)
		}
	}
	seen := map[string]string{}
	for i, c := range f.Counterfactual {
		cp := fmt.Sprintf("%s.counterfactual[%d]", p, i)
		v.unique(cp, c.Name, "counterfactual", seen)
		switch {
		case c.Words != "":
			if len(c.Swap) > 0 || c.Column != "" {
				v.errorf(cp, ErrInvalid, "give either words (text substitution) or column and swap (value substitution), not both")
			}
			if c.Words != "pronouns" {
				v.file(cp+".words", c.Words)
			}
		default:
			if c.Column == "" {
				v.errorf(cp+".column", ErrMissing, "column (or words, for text substitution)")
			}
			if len(c.Swap) == 0 {
				v.errorf(cp+".swap", ErrMissing, "swap (a map from each value to its substitute)")
			}
		}
	}
}

// regression checks what a regression task needs and what it does not
// support yet.
func (v *validator) regression(p string, t *Task) {
	if d, ok := v.s.Dataset(t.Dataset); ok {
		switch {
		case d.Label == nil:
			v.errorf(p+".dataset", ErrInvalid, "regression task needs a target: dataset %q declares no label column", t.Dataset)
		case len(d.Label.Classes) > 0:
			v.errorf(p+".dataset", ErrInvalid, "regression task reads a numeric target, but dataset %q declares classes for its label", t.Dataset)
		}
	}
	if t.Calibration.Dataset != "" {
		v.errorf(p+".calibration.dataset", ErrInvalid, "temperature scaling applies to classification, not regression")
	}
	if t.Fairness != nil {
		v.errorf(p+".fairness", ErrInvalid, "fairness sections are not supported for kind regression yet")
	}
	if t.Robustness != nil {
		v.errorf(p+".robustness", ErrInvalid, "robustness sections are not supported for kind regression yet")
	}
}

func (v *validator) runtime() {
	r := v.s.Runtime
	for i, p := range r.ExecutionProviders {
		v.oneOf(fmt.Sprintf("runtime.execution_providers[%d]", i), string(p), Providers)
	}
	if r.BatchSize < 1 {
		v.errorf("runtime.batch_size", ErrInvalid, "%d (want >= 1)", r.BatchSize)
	}
	if r.IntraOpThreads < 0 || r.InterOpThreads < 0 {
		v.errorf("runtime", ErrInvalid, "thread counts must be >= 0 (0: ONNX Runtime's default)")
	}
	v.oneOf("runtime.graph_optimization", string(r.GraphOptimization), GraphOptimizations)
}

func (v *validator) dataset(p string, d *Dataset) {
	v.oneOf(p+".format", d.Format, Formats)
	switch d.Format {
	case "idx":
		if len(d.Files) == 0 {
			v.errorf(p+".files", ErrMissing, "files (idx datasets list one file per column, e.g. image and label)")
		}
		if d.Path != "" {
			v.errorf(p+".path", ErrInvalid, "idx datasets take files: [{column, path}], not path")
		}
	case "npy":
		if d.Path == "" && len(d.Files) == 0 {
			v.errorf(p+".path", ErrMissing, "path or files")
		}
	default:
		if d.Path == "" {
			v.errorf(p+".path", ErrMissing, "path")
		}
		if len(d.Files) > 0 {
			v.errorf(p+".files", ErrInvalid, "%s datasets take path, not files", d.Format)
		}
	}
	if d.Format == "imagefolder" {
		v.directory(p+".path", d.Path)
	} else {
		v.file(p+".path", d.Path)
	}
	for j, f := range d.Files {
		fp := fmt.Sprintf("%s.files[%d]", p, j)
		if f.Column == "" {
			v.errorf(fp+".column", ErrMissing, "column")
		}
		if f.Path == "" {
			v.errorf(fp+".path", ErrMissing, "path")
		}
		v.file(fp+".path", f.Path)
	}
	if d.Delimiter != "" && len([]rune(d.Delimiter)) != 1 {
		v.errorf(p+".delimiter", ErrInvalid, "%q (want one character)", d.Delimiter)
	}
	v.dataFiles(p, d)
	v.joins(p, d)
	v.image(p, d)
	if len(d.Features) == 0 {
		v.errorf(p+".features", ErrMissing, "features (how examples become model inputs)")
	}
	seen := map[string]string{}
	for j := range d.Features {
		f := &d.Features[j]
		fp := fmt.Sprintf("%s.features[%d]", p, j)
		v.unique(fp, f.Name, "feature", seen)
		if len(f.Columns) == 0 {
			v.errorf(fp+".columns", ErrMissing, "columns (or [\"*\"] for all but label, groups and exclude)")
		}
		if f.DType == "" {
			f.DType = Float32
		}
		v.oneOf(fp+".dtype", string(f.DType), DTypes)
		v.oneOf(fp+".layout", string(f.Layout), Layouts)
		if f.Scale == 0 {
			f.Scale = 1
		}
		if len(f.Mean) != len(f.Std) {
			v.errorf(fp, ErrInvalid, "mean has %d values but std has %d", len(f.Mean), len(f.Std))
		}
		for k, sd := range f.Std {
			if sd <= 0 {
				v.errorf(fmt.Sprintf("%s.std[%d]", fp, k), ErrInvalid, "%v (want > 0)", sd)
			}
		}
		for k, n := range f.Shape {
			if n < 1 {
				v.errorf(fmt.Sprintf("%s.shape[%d]", fp, k), ErrInvalid, "%d (want >= 1)", n)
			}
		}
	}
	if d.Label != nil && d.Label.Column == "" {
		v.errorf(p+".label.column", ErrMissing, "column")
	}
	gseen := map[string]string{}
	for j := range d.Groups {
		g := &d.Groups[j]
		gp := fmt.Sprintf("%s.groups[%d]", p, j)
		if g.Column == "" {
			v.errorf(gp+".column", ErrMissing, "column")
		}
		if g.Name == "" {
			g.Name = g.Column
			v.groupName(gp+".column", g.Name)
		} else {
			v.groupName(gp+".name", g.Name)
		}
		v.unique(gp, g.Name, "group", gseen)
		if len(g.Bins) > 0 && len(g.Labels) > 0 && len(g.Labels) != len(g.Bins)+1 { // no labels: "<=b0", "(b0,b1]", ..., ">bk"
			v.errorf(gp+".labels", ErrInvalid, "%d bin edges need %d labels, found %d", len(g.Bins), len(g.Bins)+1, len(g.Labels))
		}
		if len(g.Labels) > 0 && len(g.Bins) == 0 {
			v.errorf(gp+".labels", ErrInvalid, "labels name the bins of a numeric column; give bins too")
		}
		for k := 1; k < len(g.Bins); k++ {
			if g.Bins[k] <= g.Bins[k-1] {
				v.errorf(gp+".bins", ErrInvalid, "bin edges must increase, found %v", g.Bins)
				break
			}
		}
	}
}

// nearestMetric suggests the canonical name of the metric spelling (names
// and aliases from the metric table) closest to name, or "".
func nearestMetric(name, kind string, scope metrics.Scope) string {
	if near := dataset.Nearest(name, metrics.Spellings(kind, scope)); near != "" {
		return metrics.Canonical(near)
	}
	return ""
}

// sortedFormats is dataset.Formats sorted, for messages.
func sortedFormats() []string {
	f := dataset.Formats()
	sort.Strings(f)
	return f
}

// robustnessParams checks parameters, baseline_errors and
// baseline_clean_error (issue 14.7); names are the section's perturbations.
func (v *validator) robustnessParams(p string, r *RobustnessSpec, names []string) {
	if _, err := robustness.ParseParamTable(r.Parameters); err != nil {
		v.errorf(p+".parameters", ErrInvalid, "%q (want cifar10_c or imagenet_c)", r.Parameters)
	}
	if r.BaselineErrors == nil {
		if r.BaselineCleanError != nil {
			v.errorf(p+".baseline_clean_error", ErrInvalid, "given without baseline_errors")
		}
		return
	}
	if r.Baseline != "" {
		v.errorf(p+".baseline_errors", ErrInvalid, "given together with baseline %q; mCE is against a baseline model or published errors, not both", r.Baseline)
	}
	if r.Metric != "accuracy" {
		v.errorf(p+".baseline_errors", ErrInvalid, "mCE needs metric accuracy (error = 1 − accuracy), the section's metric is %q", r.Metric)
	}
	keys := make([]string, 0, len(r.BaselineErrors))
	for k := range r.BaselineErrors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kp := p + ".baseline_errors." + k
		if !contains(names, k) {
			v.ref(kp, k, "perturbation", names)
			continue
		}
		errs := r.BaselineErrors[k]
		if len(errs) != 1 && len(errs) != robustness.MaxSeverity {
			v.errorf(kp, ErrInvalid, "%d numbers (want 1, the mean over severities 1–5, or 5, one per severity)", len(errs))
		}
		for _, e := range errs {
			if !(e > 0 && e <= 1) {
				v.errorf(kp, ErrInvalid, "error rate %v (want a rate in (0, 1], e.g. 0.886428 for AlexNet's 88.6%%)", e)
				break
			}
		}
	}
	set := r.CorruptionSet
	if len(set) == 0 {
		set = names
	}
	seen := map[string]bool{}
	for _, c := range set {
		if seen[c] {
			continue
		}
		seen[c] = true
		if _, ok := r.BaselineErrors[c]; !ok && contains(names, c) {
			v.errorf(p+".baseline_errors", ErrMissing, "no error for corruption %q, which is in the corruption set (give one for each of %s)", c, strings.Join(set, ", "))
		}
	}
	// Published errors are over severities 1–5: each corruption needs all.
	sevs := map[string]map[int]bool{}
	for _, ps := range r.Perturbations {
		members := []string{ps.Name}
		if ps.Name == "image" {
			members = robustness.SetNames(robustness.KindImage)
		}
		for _, m := range members {
			if sevs[m] == nil {
				sevs[m] = map[int]bool{}
			}
			for _, sev := range ps.Severities {
				sevs[m][sev] = true
			}
		}
	}
	for _, k := range keys {
		if got := sevs[k]; got != nil && len(got) != robustness.MaxSeverity {
			v.errorf(p+".baseline_errors."+k, ErrInvalid, "corruption %q is evaluated at %d of the 5 severities; published baseline errors are over severities 1–5, so evaluate all five", k, len(got))
		}
	}
	if e := r.BaselineCleanError; e != nil && !(*e >= 0 && *e < 1) {
		v.errorf(p+".baseline_clean_error", ErrInvalid, "%v (want a rate in [0, 1))", *e)
	}
}
