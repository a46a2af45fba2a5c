package result

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Schema is the schema identifier written into every result file.
const Schema = "evalctl.result/v1"

// Float is a float64 that marshals NaN and ±Inf as JSON null and reads null
// back as NaN.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("result: number %s: %w", b, err)
	}
	*f = Float(v)
	return nil
}

// IsNaN reports whether f is NaN (undefined).
func (f Float) IsNaN() bool { return math.IsNaN(float64(f)) }

// Result is one run of one suite: every model on every task and variant.
type Result struct {
	Schema      string       `json:"schema"`
	Run         Run          `json:"run"`
	Suite       Suite        `json:"suite"`
	Runtime     Runtime      `json:"runtime"`
	Models      []Model      `json:"models"`
	Datasets    []Dataset    `json:"datasets"`
	Evaluations []Evaluation `json:"evaluations"`
	Robustness  []Robustness `json:"robustness,omitempty"`
	Gates       []Gate       `json:"gates,omitempty"`
	// Predictions names the per-example sidecar file, relative to the result file.
	Predictions string `json:"predictions,omitempty"`
}

// Run is the provenance of the run itself.
type Run struct {
	ID             string    `json:"id"`
	EvalctlVersion string    `json:"evalctl_version"`
	GoVersion      string    `json:"go_version"`
	Started        time.Time `json:"started"`
	Finished       time.Time `json:"finished"`
	Host           string    `json:"host,omitempty"`
	Args           []string  `json:"args,omitempty"`
	// Limit is the --limit in force (0: none); Shard is "i/n" or "".
	Limit int    `json:"limit,omitempty"`
	Shard string `json:"shard,omitempty"`
	// Resumed counts the examples whose predictions came from the cache.
	Resumed int `json:"resumed,omitempty"`
	// Label names the run for people (`evalctl run --label`, e.g. a
	// checkpoint "step-2000"); the leaderboard tells apart runs of models
	// with the same name by it (else by ID).
	Label string `json:"label,omitempty"`
}

// Suite identifies the suite file that was run.
type Suite struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Seed   uint64 `json:"seed"`
	// Bootstrap settings used for every confidence interval.
	Resamples  int     `json:"bootstrap_resamples"`
	Confidence float64 `json:"confidence"`
	// Overrides records what changed the suite beyond its file (SHA256 is
	// the file's): ${VAR} expansions, --model and --set flags, in order.
	Overrides []string `json:"overrides,omitempty"`
}

// Runtime is the ONNX Runtime configuration of the run.
type Runtime struct {
	ORTVersion         string   `json:"ort_version"`
	Library            string   `json:"library"`
	RequestedProviders []string `json:"requested_providers"`
	AllowFallback      bool     `json:"allow_fallback"`
	BatchSize          int      `json:"batch_size"`
	IntraOpThreads     int      `json:"intra_op_threads"`
	InterOpThreads     int      `json:"inter_op_threads"`
	GraphOptimization  string   `json:"graph_optimization"`
	AllowSpinning      bool     `json:"allow_spinning,omitempty"`
}

// Model describes one evaluated model file.
type Model struct {
	Name       string `json:"name"`
	Path       string `json:"path"`
	SHA256     string `json:"sha256"`
	SizeBytes  int64  `json:"size_bytes"`
	Parameters int64  `json:"parameters"`
	Opset      int64  `json:"opset,omitempty"`
	Producer   string `json:"producer,omitempty"`
	// Provider is the execution provider actually used ("cpu", "cuda", ...).
	Provider      string      `json:"provider"`
	ProviderNotes []string    `json:"provider_notes,omitempty"`
	Inputs        []IO        `json:"inputs"`
	Outputs       []IO        `json:"outputs"`
	Adaptation    *Adaptation `json:"adaptation,omitempty"`
	// Card holds the free-text fields of the model's evaluation card
	// (suite models[].card).
	Card *Card `json:"card,omitempty"`
}

// IO is one declared model input or output.
type IO struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Shape string `json:"shape"`
}

// Adaptation records how a model was adapted from its base model and what
// that cost (Bommasani et al. 2021, §4.4).
type Adaptation struct {
	Method          string `json:"method"`
	Base            string `json:"base,omitempty"`
	TrainableParams int64  `json:"trainable_params,omitempty"`
	TrainExamples   int64  `json:"train_examples,omitempty"`
	Compute         string `json:"compute,omitempty"`
	Notes           string `json:"notes,omitempty"`
}

// Dataset describes one dataset read by the run.
type Dataset struct {
	Name     string `json:"name"`
	Format   string `json:"format"`
	Files    []File `json:"files"`
	Examples int    `json:"examples"`
}

// File is one input file with its content hash.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Evaluation is one model on one task on one variant of its data.
type Evaluation struct {
	Model   string `json:"model"`
	Task    string `json:"task"`
	Kind    string `json:"kind"`
	Dataset string `json:"dataset"`
	// Variant is "clean" or "<perturbation>@<severity>", or a shift dataset's name.
	Variant      string   `json:"variant"`
	Perturbation string   `json:"perturbation,omitempty"`
	Severity     int      `json:"severity,omitempty"`
	Classes      []string `json:"classes,omitempty"`
	N            int      `json:"n"`
	// Invalid counts examples whose model output held NaN or Inf; InvalidPolicy
	// says what was done with them ("wrong": scored as wrong, "exclude": left out).
	Invalid       int      `json:"invalid"`
	InvalidPolicy string   `json:"invalid_policy"`
	Metrics       []Metric `json:"metrics"`
	// Scoring records how the predictions were scored, so that rescore and
	// merge can score them again the same way.
	Scoring     *Scoring      `json:"scoring,omitempty"`
	Reliability []Reliability `json:"reliability,omitempty"`
	// RiskCoverage is the selective-prediction curve, when requested.
	RiskCoverage []CoveragePoint `json:"risk_coverage,omitempty"`
	Fairness     *Fairness       `json:"fairness,omitempty"`
	Efficiency   *Efficiency     `json:"efficiency,omitempty"`
	Extra        map[string]any  `json:"extra,omitempty"`
	// Cost is the compute, energy and carbon of the evaluation's
	// prediction passes (harness/cost).
	Cost *Cost `json:"cost,omitempty"`
	// Privacy is the membership-inference attack behind the metrics of
	// kind membership_inference.
	Privacy *Privacy `json:"privacy,omitempty"`
}

// Scoring is the scoring configuration of one evaluation.
type Scoring struct {
	Metrics []string `json:"metrics"`
	// Scores is the resolved score mode: logits or probabilities.
	Scores             string `json:"scores"`
	Output             string `json:"output"`
	Bins               int    `json:"bins"`
	Binning            string `json:"binning"`
	CalibrationDataset string `json:"calibration_dataset,omitempty"`
	// Edges is the side calibration bins are closed on when not the
	// default right: "left" (torchmetrics).
	Edges string `json:"edges,omitempty"`
	// Groups names the group attributes carried in the predictions.
	Groups []string `json:"groups,omitempty"`
}

// Metric is one scalar with its uncertainty.
type Metric struct {
	Name           string `json:"name"`
	Value          Float  `json:"value"`
	CI             *CI    `json:"ci,omitempty"`
	N              int    `json:"n"`
	HigherIsBetter bool   `json:"higher_is_better"`
	// Undefined says why Value is null, when it is.
	Undefined string `json:"undefined,omitempty"`
	// Spec records how the figure was computed where conventions differ
	// (binning, bins, norm, top-label or positive-class, ...).
	Spec map[string]string `json:"spec,omitempty"`
	// Parameter marks a fitted value reported beside the metrics, such as
	// the temperature of temperature scaling: it has no direction
	// (HigherIsBetter means nothing) and leaderboards never rank it.
	Parameter bool `json:"parameter,omitempty"`
}

// CI is a confidence interval.
type CI struct {
	Low       Float   `json:"low"`
	High      Float   `json:"high"`
	Level     float64 `json:"level"`
	Resamples int     `json:"resamples"`
	Method    string  `json:"method"`
}

// CoveragePoint is one point of a risk–coverage curve: the error rate
// among the most confident share Coverage of predictions.
type CoveragePoint struct {
	Coverage float64 `json:"coverage"`
	Risk     Float   `json:"risk"`
}

// Reliability is reliability-diagram data for one calibration figure.
type Reliability struct {
	Metric string           `json:"metric"`
	Bins   []ReliabilityBin `json:"bins"`
}

// ReliabilityBin is one bin of a reliability diagram.
type ReliabilityBin struct {
	Lower      float64 `json:"lower"`
	Upper      float64 `json:"upper"`
	Confidence Float   `json:"confidence"`
	Accuracy   Float   `json:"accuracy"`
	Count      float64 `json:"count"`
}

// Fairness is the per-group view of one evaluation.
type Fairness struct {
	Attributes []string       `json:"attributes"`
	MinGroupN  int            `json:"min_group_n"`
	Groups     []Group        `json:"groups"`
	Summaries  []GroupSummary `json:"summaries"`
	// Criteria holds group-fairness criteria such as demographic parity difference.
	Criteria       []Metric         `json:"criteria,omitempty"`
	Counterfactual []Counterfactual `json:"counterfactual,omitempty"`
}

// Group is one group (or intersection of groups) and its metrics.
type Group struct {
	Attribute string   `json:"attribute"`
	Value     string   `json:"value"`
	N         int      `json:"n"`
	Small     bool     `json:"small,omitempty"`
	Metrics   []Metric `json:"metrics"`
}

// GroupSummary is worst group, best group, gap and ratio for one metric and attribute.
type GroupSummary struct {
	Attribute  string `json:"attribute"`
	Metric     string `json:"metric"`
	Worst      string `json:"worst_group"`
	WorstValue Float  `json:"worst_value"`
	Best       string `json:"best_group"`
	BestValue  Float  `json:"best_value"`
	Difference Float  `json:"difference"`
	Ratio      Float  `json:"ratio"`
	DiffCI     *CI    `json:"difference_ci,omitempty"`
}

// Counterfactual is the effect of substituting a protected attribute.
type Counterfactual struct {
	Name        string `json:"name"`
	FlipRate    Metric `json:"flip_rate"`
	MetricDelta Metric `json:"metric_delta"`
}

// Privacy describes a membership-inference attack on one model
// (docs/privacy.md): which datasets were members and non-members, what
// the attack ranked examples by, and its ROC curve.
type Privacy struct {
	// Attack is the attack score: loss, confidence or lira.
	Attack     string `json:"attack"`
	Members    string `json:"members"`
	NonMembers string `json:"non_members"`
	// MembersN and NonMembersN count the examples scored.
	MembersN    int `json:"members_n"`
	NonMembersN int `json:"non_members_n"`
	// References are the reference models of the lira attack.
	References []string `json:"references,omitempty"`
	// ROC is the attack's ROC curve, members positive, thresholds
	// decreasing (scikit-learn's roc_curve with drop_intermediate; thinned
	// to at most 512 points, the first and last kept).
	ROC []ROCPoint `json:"roc,omitempty"`
}

// ROCPoint is one point of an ROC curve: flagging every example whose
// score is at least Threshold gives false-positive rate FPR and
// true-positive rate TPR. The first point's threshold is +Inf (null).
type ROCPoint struct {
	Threshold Float   `json:"threshold"`
	FPR       float64 `json:"fpr"`
	TPR       float64 `json:"tpr"`
}

// Efficiency is the cost of one evaluation.
type Efficiency struct {
	Examples          int     `json:"examples"`
	Batches           int     `json:"batches"`
	BatchSize         int     `json:"batch_size"`
	WallSeconds       float64 `json:"wall_seconds"`
	InferenceSeconds  float64 `json:"inference_seconds"`
	ExamplesPerSecond float64 `json:"examples_per_second"`
	// LatencyMs holds per-batch inference latency percentiles in milliseconds.
	LatencyMs  Latency `json:"latency_ms"`
	ModelBytes int64   `json:"model_bytes"`
	Parameters int64   `json:"parameters"`
	// Cached is true when predictions came from the cache; CachedExamples
	// counts them. Their timings are those the run that computed them
	// stored with the cache, added to the timings measured now.
	Cached         bool `json:"cached,omitempty"`
	CachedExamples int  `json:"cached_examples,omitempty"`
	// Tokens counts the real (unpadded) input tokens of text and
	// language-model passes run now; PaddingShare is the share of the
	// tokens computed that were padding; TokensPerSecond is Tokens over
	// the wall time.
	Tokens          int64   `json:"tokens,omitempty"`
	PaddingShare    float64 `json:"padding_share,omitempty"`
	TokensPerSecond float64 `json:"tokens_per_second,omitempty"`
}

// Latency holds latency percentiles.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Mean float64 `json:"mean"`
}

// Robustness summarises one model on one task across its variants.
type Robustness struct {
	Model   string   `json:"model"`
	Task    string   `json:"task"`
	Metric  string   `json:"metric"`
	Clean   Metric   `json:"clean"`
	Summary []Metric `json:"summary"`
	// Cells holds the metric per perturbation and severity.
	Cells []RobustnessCell `json:"cells"`
	// Parameters is the image corruptions' parameter table (cifar10_c or
	// imagenet_c) when the section has image perturbations.
	Parameters string `json:"parameters,omitempty"`
}

// RobustnessCell is the metric on one perturbation at one severity, with
// the calibration error and the consistency with the clean predictions there.
type RobustnessCell struct {
	Perturbation string `json:"perturbation"`
	Severity     int    `json:"severity"`
	Value        Float  `json:"value"`
	CI           *CI    `json:"ci,omitempty"`
	ECE          Float  `json:"ece"`
	Consistency  Float  `json:"consistency"`
}

// Gate is one evaluated CI gate.
type Gate struct {
	Expr      string  `json:"expr"`
	Model     string  `json:"model,omitempty"`
	Task      string  `json:"task,omitempty"`
	Metric    string  `json:"metric"`
	Value     Float   `json:"value"`
	Threshold float64 `json:"threshold"`
	Pass      bool    `json:"pass"`
	Reason    string  `json:"reason,omitempty"`
}

// Metric returns the evaluation's metric with the given name.
func (e *Evaluation) Metric(name string) (Metric, bool) {
	for _, m := range e.Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Key identifies an evaluation within a result: "model/task/variant".
func (e *Evaluation) Key() string { return e.Model + "/" + e.Task + "/" + e.Variant }

// marshal is json.MarshalIndent with the schema field filled in.
func marshal(r *Result) ([]byte, error) {
	if r.Schema == "" {
		r.Schema = Schema
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Card holds the free-text fields of an evaluation card that a result
// cannot know: they come from the suite (models[].card).
type Card struct {
	IntendedUse string   `json:"intended_use,omitempty"`
	OutOfScope  []string `json:"out_of_scope,omitempty"`
	License     string   `json:"license,omitempty"`
	Owners      string   `json:"owners,omitempty"`
	Notes       string   `json:"notes,omitempty"`
}

// Cost is the compute, energy and carbon of one evaluation. Every energy
// and carbon figure carries the method behind it; a figure that could not
// be measured or estimated has a null value and says why in Absent.
type Cost struct {
	// Examples counts the examples computed by the run that measured the
	// figures; CachedExamples those whose predictions came from the cache
	// (their compute was spent by an earlier run and is not in the figures).
	Examples       int     `json:"examples"`
	CachedExamples int     `json:"cached_examples,omitempty"`
	WallSeconds    float64 `json:"wall_seconds"`
	// CPUSeconds is the process's user plus system CPU time (getrusage).
	CPUSeconds float64 `json:"cpu_seconds"`
	// CPUEnergy and GPUEnergy are in joules; GPUEnergy is present when the
	// model ran on a GPU execution provider.
	CPUEnergy Figure  `json:"cpu_energy"`
	GPUEnergy *Figure `json:"gpu_energy,omitempty"`
	// Energy is the sum of the device figures, in joules; absent when any is.
	Energy Figure `json:"energy"`
	// Carbon is Energy times GridIntensity, in grams of CO2 equivalent.
	Carbon Figure `json:"carbon"`
	// GridIntensity is the carbon intensity of electricity used, in
	// gCO2e/kWh, and GridSource where it comes from.
	GridIntensity float64 `json:"grid_intensity"`
	GridSource    string  `json:"grid_source"`
	// Note qualifies the figures (cached examples).
	Note string `json:"note,omitempty"`
}

// Figure is one measured or estimated quantity.
type Figure struct {
	// Value is null when the figure is absent.
	Value Float  `json:"value"`
	Unit  string `json:"unit"`
	// Method says how Value was obtained: "measured: rapl",
	// "estimated: 65 W × wall time", ...
	Method string `json:"method,omitempty"`
	// Absent says why there is no value.
	Absent string `json:"absent,omitempty"`
}

// Present reports whether the figure has a value.
func (f Figure) Present() bool { return f.Absent == "" && !f.Value.IsNaN() }

// EnergyPer1000 returns the energy in joules per 1,000 computed examples,
// and false when the energy is absent or no example was computed.
func (c *Cost) EnergyPer1000() (float64, bool) {
	if c == nil || !c.Energy.Present() || c.Examples <= 0 {
		return 0, false
	}
	return float64(c.Energy.Value) / float64(c.Examples) * 1000, true
}

// DatasetHash identifies the dataset called name in r by the sha256 of its
// files, in order, joined by "+" ("" when r has no such dataset). Compare
// and the leaderboard use it to tell whether two results scored the same
// data.
func (r *Result) DatasetHash(name string) string {
	for _, d := range r.Datasets {
		if d.Name == name {
			hs := make([]string, 0, len(d.Files))
			for _, f := range d.Files {
				hs = append(hs, f.SHA256)
			}
			return strings.Join(hs, "+")
		}
	}
	return ""
}

// ColumnKey identifies one comparable column of results: task, dataset
// identity (DatasetHash) and metric, joined by "|". The leaderboard's
// columns and compare's tie groups are keyed by it.
func ColumnKey(task, datasetHash, metric string) string {
	return task + "|" + datasetHash + "|" + metric
}
