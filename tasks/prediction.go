package tasks

// Prediction is one example's decoded model output.
type Prediction struct {
	// Index is the example's 0-based position in its dataset; ID a stable id.
	Index int
	ID    string
	// Label is the true class index, or -1 when the example is unlabelled.
	Label int
	// Pred is the predicted class (argmax of Probs).
	Pred int
	// Probs holds the class probabilities (len = number of classes).
	Probs []float64
	// Groups holds the example's group attribute values, aligned with the
	// dataset's declared groups.
	Groups []string
	// Invalid is "nan" or "inf" when the model output held such values.
	Invalid string
	// Changed is true when a variant (perturbation, counterfactual
	// substitution) actually changed this example's input.
	Changed bool
	// Value and Target are the predicted and true values of a regression
	// task (Label and Pred are -1 there).
	Value, Target float64
	// Texts holds the log-likelihood of each scored text of a
	// language-model example: the choices of a multiple-choice question,
	// the document of a perplexity task (summed over its windows), the two
	// sentences of a pair.
	Texts []TextLL
	// Vector is the example's pooled representation (embedding kinds).
	Vector []float32
	// Ranked holds the ids of the best-ranked documents of a retrieval
	// query, best first.
	Ranked []string
	// KShot holds, for a probe's k-shot curve, whether each (shots, seed)
	// fit predicted this example correctly (1) or not (0), points in curve
	// order and seeds within each point.
	KShot []float64
	// Generation: the generated Text, its token ids, why generation
	// stopped (StopEOS, StopSequence, StopLength) and the example's
	// reference answers.
	Text       string
	Tokens     []int64
	Stop       string
	References []string
	// Want is the true suffix's token ids of an extraction example.
	Want []int64
}

// Why generation stopped.
const (
	StopEOS      = "eos"    // the model produced an end-of-sequence token
	StopSequence = "stop"   // the text reached a stop sequence (cut before it)
	StopLength   = "length" // max_new_tokens were generated
)

// TextLL is the log-likelihood of one scored text.
type TextLL struct {
	// LL is the summed log-probability (natural log) of the text's tokens;
	// NaN when the model's output was not finite.
	LL float64
	// Greedy is true when every token was the model's argmax.
	Greedy bool
	// Tokens is the number of tokens scored; Chars, Bytes and Words
	// measure the text (Chars in Unicode code points, Words as
	// lm-evaluation-harness counts them).
	Tokens, Chars, Bytes, Words int
	// Uncond is the text's log-likelihood with an empty context (the
	// prefix token only), which acc_mutual_info subtracts; set, with
	// HasUncond, only when the task asks for that metric. NaN when the
	// model's output was not finite.
	Uncond    float64
	HasUncond bool
}

// MetricValue is one scored metric with its confidence interval.
type MetricValue struct {
	Name           string
	Value          float64
	Low, High      float64 // NaN when no interval was computed
	Level          float64
	Resamples      int
	Method         string
	N              int
	HigherIsBetter bool
	// Undefined says why Value is NaN, when it is.
	Undefined string
	// Spec records how the figure was computed (binning, norm, ...).
	Spec map[string]string
	// Parameter marks a fitted value reported beside the metrics (the
	// temperature of temperature scaling): it has no direction and is
	// never ranked.
	Parameter bool
}

// ReliabilityBin is one bar of a reliability diagram.
type ReliabilityBin struct {
	Lower, Upper, Confidence, Accuracy, Count float64
}

// Reliability is the reliability diagram behind one calibration metric.
type Reliability struct {
	Metric string
	Bins   []ReliabilityBin
}

// CoveragePoint is one point of a risk–coverage curve: the error rate
// among the most confident share Coverage of predictions.
type CoveragePoint struct {
	Coverage, Risk float64
}

// Scores is everything a task reports for one evaluation.
type Scores struct {
	Metrics     []MetricValue
	Reliability []Reliability
	// RiskCoverage is the selective-prediction curve (at most 101 points),
	// set when a selective metric (aurc, selective_acc@P) is requested.
	RiskCoverage []CoveragePoint
	// Invalid counts predictions whose output held NaN or Inf.
	Invalid int
	// N is the number of examples scored.
	N int
}

// Metric returns the metric with the given name.
func (s *Scores) Metric(name string) (MetricValue, bool) {
	for _, m := range s.Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return MetricValue{}, false
}
