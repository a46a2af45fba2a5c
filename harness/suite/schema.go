package suite

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/evalctl/evalctl/fairness"
	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
)

// Version is the suite schema version this build reads.
const Version = 1

// Suite is a parsed suite file. Paths inside it are resolved relative to the
// suite file's folder by Load.
type Suite struct {
	Version     int        `yaml:"version"`
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	Seed        uint64     `yaml:"seed"`
	Bootstrap   Bootstrap  `yaml:"bootstrap"`
	Runtime     Runtime    `yaml:"runtime"`
	Models      []Model    `yaml:"models"`
	Datasets    []Dataset  `yaml:"datasets"`
	Tasks       []Task     `yaml:"tasks"`
	Gates       []GateSpec `yaml:"gates"`
	Output      OutputSpec `yaml:"output"`
	// Cost configures the energy and carbon figures (docs/cards.md).
	Cost CostSpec `yaml:"cost"`

	// File is the suite's path as given; Dir the folder paths resolve against;
	// SHA256 the hash of the file's bytes.
	File   string `yaml:"-"`
	Dir    string `yaml:"-"`
	SHA256 string `yaml:"-"`
	// Overrides records what changed the suite beyond its file: the
	// environment variables expanded ("${VAR}=value") and the --model and
	// --set flags, in order (see Overrides).
	Overrides []string `yaml:"-"`

	pos       map[string]position
	overrides Overrides
}

// Bootstrap configures the percentile bootstrap behind every confidence interval.
type Bootstrap struct {
	// Resamples is the number of bootstrap resamples (default 1000; 0 disables CIs).
	Resamples *int `yaml:"resamples"`
	// Confidence is the interval's level (default 0.95).
	Confidence float64 `yaml:"confidence"`
}

// Runtime configures ONNX Runtime.
type Runtime struct {
	// ExecutionProviders in order of preference: cpu, cuda, tensorrt (default [cpu]).
	ExecutionProviders []Provider `yaml:"execution_providers"`
	// AllowFallback lets a provider that cannot be loaded fall back to the next
	// one (default true).
	AllowFallback *bool `yaml:"allow_fallback"`
	// BatchSize is the number of examples per inference call (default 32).
	BatchSize int `yaml:"batch_size"`
	// IntraOpThreads and InterOpThreads (0: ONNX Runtime's default).
	IntraOpThreads int `yaml:"intra_op_threads"`
	InterOpThreads int `yaml:"inter_op_threads"`
	// GraphOptimization: disable, basic, extended or all (default all).
	GraphOptimization GraphOptimization `yaml:"graph_optimization"`
	// AllowSpinning lets ONNX Runtime's idle threads spin while waiting
	// for work (default false: they sleep, leaving the CPU to the reading
	// and decoding that evalctl overlaps with inference).
	AllowSpinning bool `yaml:"allow_spinning"`
}

// Model is one ONNX model to evaluate.
type Model struct {
	Name       string      `yaml:"name"`
	Path       string      `yaml:"path"`
	Adaptation *Adaptation `yaml:"adaptation"`
	// Inputs maps model input names to dataset feature names when they differ.
	Inputs map[string]string `yaml:"inputs"`
	// Card holds the evaluation card's free-text fields (docs/cards.md).
	Card *Card `yaml:"card"`
}

// Card holds what an evaluation card says that a result cannot know.
type Card struct {
	IntendedUse string   `yaml:"intended_use"`
	OutOfScope  []string `yaml:"out_of_scope"`
	License     string   `yaml:"license"`
	Owners      string   `yaml:"owners"`
	Notes       string   `yaml:"notes"`
}

// CostSpec configures how the cost of evaluation is estimated where it
// cannot be measured.
type CostSpec struct {
	// PowerWatts is the CPU's power draw during evaluation, for the energy
	// estimate where RAPL counters are not readable (0: no estimate).
	PowerWatts float64 `yaml:"power_watts"`
	// GridIntensity is the carbon intensity of electricity in gCO2e/kWh
	// (0: the default world average, harness/cost.DefaultGridIntensity).
	GridIntensity float64 `yaml:"grid_intensity"`
}

// Adaptation records how a model was adapted from a base model.
type Adaptation struct {
	Method          string `yaml:"method"`
	Base            string `yaml:"base"`
	TrainableParams int64  `yaml:"trainable_params"`
	TrainExamples   int64  `yaml:"train_examples"`
	Compute         string `yaml:"compute"`
	Notes           string `yaml:"notes"`
}

// Dataset declares a data source and how examples become model inputs.
type Dataset struct {
	Name   string `yaml:"name"`
	Format string `yaml:"format"`
	// Path is the file for single-file formats (csv, jsonl, arff, npz, npy,
	// parquet), or the root folder of an imagefolder.
	Path string `yaml:"path"`
	// Files maps column names to files for idx and multi-file npy datasets.
	Files     []ColumnFile `yaml:"files"`
	Delimiter string       `yaml:"delimiter"`
	Missing   []string     `yaml:"missing"`
	// ID names a column holding a stable example id (default: the row index).
	ID       string    `yaml:"id"`
	Features []Feature `yaml:"features"`
	Label    *Label    `yaml:"label"`
	Groups   []Group   `yaml:"groups"`
	// Join adds columns from other files (see data.go).
	Join []Join `yaml:"join"`
	// Image decodes an image column (see data.go).
	Image *Image `yaml:"image"`
	// AllowNonFinite passes NaN and ±Inf feature values to the model
	// (default false: such a value is an error naming the example and the
	// column).
	AllowNonFinite bool `yaml:"allow_non_finite"`
}

// ColumnFile is one file providing one column.
type ColumnFile struct {
	Column string `yaml:"column"`
	Path   string `yaml:"path"`
}

// Feature builds one named input tensor from dataset columns.
type Feature struct {
	Name       string              `yaml:"name"`
	Columns    []string            `yaml:"columns"`
	Exclude    []string            `yaml:"exclude"`
	DType      FeatureType         `yaml:"dtype"`
	Shape      []int               `yaml:"shape"`
	Scale      float64             `yaml:"scale"`
	Mean       []float64           `yaml:"mean"`
	Std        []float64           `yaml:"std"`
	Layout     Layout              `yaml:"layout"`
	OneHot     bool                `yaml:"one_hot"`
	Categories map[string][]string `yaml:"categories"`
	Fill       *float64            `yaml:"fill"`
	// Text makes this a token feature built by a tokenizer (see TextFeature).
	Text *TextFeature `yaml:"text"`
}

// Label declares the label column and, optionally, the class names.
type Label struct {
	Column  string   `yaml:"column"`
	Classes []string `yaml:"classes"`
}

// Group declares a group attribute carried into predictions (fairness).
type Group struct {
	Name   string    `yaml:"name"`
	Column string    `yaml:"column"`
	Bins   []float64 `yaml:"bins"`
	Labels []string  `yaml:"labels"`
}

// Task says how a model's outputs on a dataset are scored.
type Task struct {
	Name    string `yaml:"name"`
	Kind    string `yaml:"kind"`
	Dataset string `yaml:"dataset"`
	// Models limits the task to these models (default: all).
	Models []string `yaml:"models"`
	// Output is the model output to read (default: the model's only output,
	// or the first float output named like logits/probabilities).
	Output string `yaml:"output"`
	// Scores says what the output holds: logits, probabilities or auto
	// (default auto: probabilities if every row is in [0,1] and sums to 1).
	Scores  tasks.ScoreMode `yaml:"scores"`
	Metrics []string        `yaml:"metrics"`
	// Invalid says what happens to NaN/Inf outputs: wrong (default) or exclude.
	Invalid     tasks.InvalidPolicy `yaml:"invalid"`
	Calibration CalibrationSpec     `yaml:"calibration"`
	// Robustness evaluates the task again under perturbations and on shift datasets.
	Robustness *RobustnessSpec `yaml:"robustness"`
	// Fairness reports every metric per group, with gaps and criteria.
	Fairness *FairnessSpec `yaml:"fairness"`
	// LM configures language-model task kinds.
	LM *LMSpec `yaml:"lm"`
	// Embedding, Probe, Retrieval and WEAT configure the representation
	// kinds probe, retrieval and weat (see embedding.go).
	Embedding *EmbeddingSpec `yaml:"embedding"`
	Probe     *ProbeSpec     `yaml:"probe"`
	Retrieval *RetrievalSpec `yaml:"retrieval"`
	WEAT      *WEATSpec      `yaml:"weat"`
	// Membership configures kind membership_inference (see privacy.go).
	Membership *MembershipSpec `yaml:"membership"`
	// Normalize rescales each row of probabilities to sum to 1 (as
	// scikit-learn's log_loss); without it a row off by more than 1e-3 is
	// an error naming the example. Classification only.
	Normalize bool `yaml:"normalize"`
}

// RobustnessSpec declares perturbations and distribution-shift datasets.
type RobustnessSpec struct {
	// Column is the dataset column to perturb (default: the only array
	// column for image perturbations, the numeric columns for tabular ones).
	Column string `yaml:"column"`
	// Range is the column's value range for image perturbations, which work
	// in [0, 1] (default [0, 1]; IDX images are [0, 255]).
	Range         []float64          `yaml:"range"`
	Perturbations []PerturbationSpec `yaml:"perturbations"`
	// Metric is the headline metric of the summary (default accuracy).
	Metric string `yaml:"metric"`
	// CorruptionSet lists the perturbations averaged into mean_corrupted (default: all).
	CorruptionSet []string `yaml:"corruption_set"`
	// Baseline names the model that mCE is computed against.
	Baseline string `yaml:"baseline"`
	// Shift lists out-of-distribution datasets for the same task; the task's
	// own dataset is the in-distribution one.
	Shift []string `yaml:"shift"`
	// Parameters names the image corruptions' parameter table: cifar10_c
	// (default, make_cifar_c.py) or imagenet_c (make_imagenet_c.py).
	Parameters string `yaml:"parameters"`
	// BaselineErrors gives published baseline error rates per corruption
	// (one number, the mean over severities 1–5, or five) to compute mCE
	// against instead of a baseline model (e.g. AlexNet's on ImageNet-C).
	BaselineErrors map[string]FloatList `yaml:"baseline_errors"`
	// BaselineCleanError is the published baseline's clean error rate, for
	// relative mCE with BaselineErrors.
	BaselineCleanError *float64 `yaml:"baseline_clean_error"`
}

// FloatList is one number or a list of them.
type FloatList []float64

// UnmarshalYAML accepts 0.886 or [0.5, 0.6, 0.7, 0.8, 0.9].
func (l *FloatList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var v float64
		if err := n.Decode(&v); err != nil {
			return err
		}
		*l = FloatList{v}
		return nil
	}
	var v []float64
	if err := n.Decode(&v); err != nil {
		return err
	}
	*l = v
	return nil
}

// PerturbationSpec is one perturbation at one or more severities.
type PerturbationSpec struct {
	// Name is a perturbation name (see docs/robustness.md), or "image",
	// "tabular" or "text" for every perturbation of that kind.
	Name       string `yaml:"name"`
	Severities []int  `yaml:"severities"`
	// Fill is the value written by feature_dropout (tabular).
	Fill *float64 `yaml:"fill"`
	// Features names the columns a tabular perturbation touches (default: all numeric).
	Features []string `yaml:"features"`
}

// FairnessSpec declares the per-group view of a task.
type FairnessSpec struct {
	// Attributes are dataset group names (default: all the dataset's groups).
	Attributes    []string `yaml:"attributes"`
	Intersections bool     `yaml:"intersections"`
	// MinGroupSize: smaller groups are flagged and left out of gaps (default 30).
	MinGroupSize *int `yaml:"min_group_size"`
	// Positive names the positive class for binary criteria.
	Positive string `yaml:"positive"`
	// Metrics computed per group (default: the task's metrics).
	Metrics        []string             `yaml:"metrics"`
	Counterfactual []CounterfactualSpec `yaml:"counterfactual"`
	// Method is fairlearn's method for the criteria: between_groups
	// (default) or to_overall.
	Method fairness.Method `yaml:"method"`
	// Agg combines equalized odds' TPR and FPR parts: worst_case (default)
	// or mean, as fairlearn's agg.
	Agg fairness.Agg `yaml:"agg"`
}

// CounterfactualSpec substitutes a protected attribute's value in the input
// and measures how often the prediction flips.
type CounterfactualSpec struct {
	Name string `yaml:"name"`
	// Column is the column whose value is substituted.
	Column string `yaml:"column"`
	// Swap maps each original value to its substitute; values not listed are left alone.
	Swap map[string]string `yaml:"swap"`
	// Words substitutes words inside text columns instead: "pronouns" (he↔she,
	// him↔her, ...) or a JSON file of word pairs (e.g. first names).
	Words string `yaml:"words"`
	// Columns are the text columns Words applies to (default: every string column).
	Columns []string `yaml:"columns"`
}

// CalibrationSpec configures calibration metrics.
type CalibrationSpec struct {
	// Bins for ECE (default 15, Guo et al. 2017).
	Bins int `yaml:"bins"`
	// Binning: equal_width (default) or equal_mass.
	Binning Binning `yaml:"binning"`
	// Dataset names a calibration split for temperature scaling (never the test split).
	Dataset string `yaml:"dataset"`
	// Edges is the side bins are closed on: right (default; Guo et al.) or
	// left (torchmetrics, whose bins are [lower, upper)).
	Edges Edges `yaml:"edges"`
}

// Provider is an entry of runtime.execution_providers.
type Provider string

// ProviderNames spells the execution providers as ONNX Runtime's options
// and the result's runtime block do.
func (r Runtime) ProviderNames() []string { return names(r.ExecutionProviders...) }

// GraphOptimization is runtime.graph_optimization.
type GraphOptimization string

// FeatureType is a feature's dtype as written in a suite.
type FeatureType string

// Layout is a feature's layout: LayoutAsIs or LayoutHWCToCHW.
type Layout string

// The execution providers, graph optimization levels, feature types and
// layouts.
const (
	ProviderCPU      Provider = "cpu"
	ProviderCUDA     Provider = "cuda"
	ProviderTensorRT Provider = "tensorrt"

	GraphOptimizationDisable  GraphOptimization = "disable"
	GraphOptimizationBasic    GraphOptimization = "basic"
	GraphOptimizationExtended GraphOptimization = "extended"
	GraphOptimizationAll      GraphOptimization = "all" // the default

	Float32 FeatureType = "float32" // the default
	Float64 FeatureType = "float64"
	Float16 FeatureType = "float16"
	Int64   FeatureType = "int64"
	Int32   FeatureType = "int32"
	Uint8   FeatureType = "uint8"
	Bool    FeatureType = "bool"

	LayoutAsIs     Layout = Layout(dataset.LayoutAsIs)
	LayoutHWCToCHW Layout = Layout(dataset.LayoutHWCToCHW)
)

// Binning is calibration.binning as written in a suite.
type Binning string

// Edges is calibration.edges as written in a suite: the side calibration
// bins are closed on.
type Edges string

// The binnings and edge rules.
const (
	// EqualWidth is metrics.EqualWidth (the default).
	EqualWidth Binning = "equal_width"
	// EqualMass is metrics.EqualMass.
	EqualMass Binning = "equal_mass"
	// EdgesRight is metrics.RightClosed (the default, also when empty).
	EdgesRight Edges = "right"
	// EdgesLeft is metrics.LeftClosed.
	EdgesLeft Edges = "left"
)

// The metrics values of the suite spellings; an empty (defaulted) key maps
// to the zero value, metrics.EqualWidth and metrics.RightClosed.
var (
	binnings  = map[Binning]metrics.Binning{EqualWidth: metrics.EqualWidth, EqualMass: metrics.EqualMass}
	edgeRules = map[Edges]metrics.EdgeRule{EdgesRight: metrics.RightClosed, EdgesLeft: metrics.LeftClosed}
)

// Metrics returns the binning b names (metrics.EqualWidth when empty).
func (b Binning) Metrics() metrics.Binning { return binnings[b] }

// Metrics returns the edge rule e names (metrics.RightClosed when empty).
func (e Edges) Metrics() metrics.EdgeRule { return edgeRules[e] }

// GateSpec is a CI gate: either a bare expression string ("accuracy >= 0.8")
// or a mapping with expr and an optional task and model scope.
type GateSpec struct {
	Expr  string `yaml:"expr"`
	Task  string `yaml:"task"`
	Model string `yaml:"model"`

	line, col int
}

// UnmarshalYAML accepts a string or a mapping.
func (g *GateSpec) UnmarshalYAML(n *yaml.Node) error {
	g.line, g.col = n.Line, n.Column
	if n.Kind == yaml.ScalarNode {
		g.Expr = n.Value
		return nil
	}
	type plain GateSpec
	return n.Decode((*plain)(g))
}

// OutputSpec configures what a run writes.
type OutputSpec struct {
	// Predictions writes the per-example sidecar (default true).
	Predictions *bool `yaml:"predictions"`
	// Gzip writes the sidecar gzip-compressed, as predictions.jsonl.gz.
	Gzip bool `yaml:"gzip"`
}

// String returns the gate as written, with its scope.
func (g GateSpec) String() string {
	var scope []string
	if g.Task != "" {
		scope = append(scope, "task="+g.Task)
	}
	if g.Model != "" {
		scope = append(scope, "model="+g.Model)
	}
	if len(scope) == 0 {
		return g.Expr
	}
	return fmt.Sprintf("%s [%s]", g.Expr, strings.Join(scope, " "))
}

// Defaults applied by Load.
const (
	DefaultBatchSize  = 32
	DefaultResamples  = 1000
	DefaultConfidence = 0.95
	DefaultBins       = 15
)

// Pos returns the line and column where the gate was written.
func (g GateSpec) Pos() (line, col int) { return g.line, g.col }
