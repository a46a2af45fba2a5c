package metrics

import (
	"fmt"
	"math"
	"sort"
)

// Binning is how CalibrationError groups examples by confidence.
type Binning int

const (
	// EqualWidth splits [0, 1] into Bins intervals of equal width, closed on
	// the right: ((b−1)/B, b/B], with a confidence of exactly 0 in the first
	// bin (Guo et al. 2017; Kumar et al.'s get_ece).
	EqualWidth Binning = iota
	// EqualMass ("adaptive") puts an equal number of examples in each bin:
	// the sorted confidences are split into Bins contiguous groups as
	// numpy.array_split does, each boundary is the midpoint between adjacent
	// groups, duplicated boundaries are merged, and bins are closed on the
	// right. This is Kumar et al.'s get_ece_em, which HELM's ece_10_bin uses
	// (Nixon et al. 2019 call equal-mass ECE "adaptive").
	EqualMass
)

var binningNames = [...]string{EqualWidth: "equal-width", EqualMass: "equal-mass"}

// String returns "equal-width" or "equal-mass".
func (b Binning) String() string {
	if b >= 0 && int(b) < len(binningNames) {
		return binningNames[b]
	}
	return fmt.Sprintf("Binning(%d)", int(b))
}

// MarshalText implements encoding.TextMarshaler.
func (b Binning) MarshalText() ([]byte, error) {
	if b < 0 || int(b) >= len(binningNames) {
		return nil, fmt.Errorf("unknown binning %d", int(b))
	}
	return []byte(b.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler. It accepts
// "equal-width" (or "uniform", or the suite spelling "equal_width") and
// "equal-mass" (or "adaptive", or "equal_mass").
func (b *Binning) UnmarshalText(text []byte) error {
	switch string(text) {
	case "equal-width", "uniform", "equal_width":
		*b = EqualWidth
	case "equal-mass", "adaptive", "equal_mass":
		*b = EqualMass
	default:
		return fmt.Errorf("unknown binning %q (known: equal-width, equal-mass)", text)
	}
	return nil
}

// ParseBinning decodes a binning name as UnmarshalText does; "" is the
// default, EqualWidth. Suites and results spell the modes "equal_width"
// and "equal_mass".
func ParseBinning(s string) (Binning, error) {
	if s == "" {
		return EqualWidth, nil
	}
	var b Binning
	err := b.UnmarshalText([]byte(s))
	return b, err
}

// Norm is how CalibrationError combines per-bin gaps |acc_b − conf_b|.
type Norm int

const (
	// L1 is the bin-mass-weighted mean gap: ECE.
	L1 Norm = iota
	// L2 is the square root of the bin-mass-weighted mean squared gap: RMS
	// calibration error (the plug-in estimate, not debiased).
	L2
	// Max is the largest gap over non-empty bins: MCE.
	Max
)

var normNames = [...]string{L1: "l1", L2: "l2", Max: "max"}

// String returns "l1", "l2" or "max".
func (n Norm) String() string {
	if n >= 0 && int(n) < len(normNames) {
		return normNames[n]
	}
	return fmt.Sprintf("Norm(%d)", int(n))
}

// MarshalText implements encoding.TextMarshaler.
func (n Norm) MarshalText() ([]byte, error) {
	if n < 0 || int(n) >= len(normNames) {
		return nil, fmt.Errorf("unknown norm %d", int(n))
	}
	return []byte(n.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler. It accepts "l1", "l2"
// and "max".
func (n *Norm) UnmarshalText(text []byte) error {
	switch string(text) {
	case "l1":
		*n = L1
	case "l2":
		*n = L2
	case "max":
		*n = Max
	default:
		return fmt.Errorf("unknown norm %q (known: l1, l2, max)", text)
	}
	return nil
}

// CalibrationSpec says exactly how a calibration error was computed, so that
// every reported figure carries it.
type CalibrationSpec struct {
	// Bins is the number of bins; 0 means DefaultBins. EqualMass may end
	// with fewer when confidences repeat.
	Bins int `json:"bins"`
	// Binning is EqualWidth or EqualMass.
	Binning Binning `json:"binning"`
	// Norm is L1 (ECE), L2 (RMS) or Max (MCE).
	Norm Norm `json:"norm"`
	// TopLabel selects top-label calibration: confidence is the largest
	// probability of each row and the outcome is whether its argmax equals
	// the label. When false the problem must be binary (k = 2): confidence is
	// the probability of class 1 and the outcome is label = 1
	// (positive-class calibration, as torchmetrics' binary mode).
	TopLabel bool `json:"top_label"`
	// Edges is the side bins are closed on: RightClosed (the default) or
	// LeftClosed (torchmetrics). It is omitted from JSON when right.
	Edges EdgeRule `json:"edges,omitempty"`
}

// DefaultBins is the bin count of Guo et al. (2017); HELM uses 10.
const DefaultBins = 15

// ECESpec is the usual ECE: top-label, 15 equal-width bins, L1 (Guo et al.).
var ECESpec = CalibrationSpec{Bins: DefaultBins, Binning: EqualWidth, Norm: L1, TopLabel: true}

// HELMSpec is HELM's ece_10_bin: top-label, 10 equal-mass bins, L1.
var HELMSpec = CalibrationSpec{Bins: 10, Binning: EqualMass, Norm: L1, TopLabel: true}

// String describes the spec, for example "top-label, 15 equal-width bins, l1".
func (s CalibrationSpec) String() string {
	mode := "positive-class"
	if s.TopLabel {
		mode = "top-label"
	}
	if s.Edges == LeftClosed {
		return fmt.Sprintf("%s, %d %s bins, %s, left-closed", mode, s.bins(), s.Binning, s.Norm)
	}
	return fmt.Sprintf("%s, %d %s bins, %s", mode, s.bins(), s.Binning, s.Norm)
}

func (s CalibrationSpec) bins() int {
	if s.Bins <= 0 {
		return DefaultBins
	}
	return s.Bins
}

// ReliabilityBin is one bar of a reliability diagram.
type ReliabilityBin struct {
	// Lower and Upper bound the bin: it holds confidences in (Lower, Upper]
	// (the first bin also holds Lower itself), or [Lower, Upper) under
	// LeftClosed, where a last bin [1, 1] holds confidences of exactly 1.
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
	// Confidence is the weighted mean confidence in the bin and Accuracy the
	// weighted mean outcome; both are 0 for an empty bin.
	Confidence float64 `json:"confidence"`
	Accuracy   float64 `json:"accuracy"`
	// Count is the total weight in the bin (the number of examples when
	// weights is nil).
	Count float64 `json:"count"`
}

// Calibration is a calibration error together with the reliability diagram
// it came from and the spec that produced it.
type Calibration struct {
	Value float64          `json:"value"`
	Bins  []ReliabilityBin `json:"bins"`
	Spec  CalibrationSpec  `json:"spec"`
}

// Confidences returns the confidence and 0/1 outcome of each example under
// spec: top-label (max probability, argmax = label) or positive-class
// (probability of class 1, label = 1; k must be 2).
func Confidences(probs []float64, k int, label []int, topLabel bool) (conf, outcome []float64) {
	n := rows(probs, k, len(label))
	conf = make([]float64, n)
	outcome = make([]float64, n)
	if !topLabel && k != 2 {
		panic("metrics: positive-class calibration needs k = 2")
	}
	for i := 0; i < n; i++ {
		y := label[i]
		if y < 0 || y >= k {
			panic(badClass)
		}
		row := probs[i*k : (i+1)*k]
		if topLabel {
			best := 0
			for c := 1; c < k; c++ {
				if row[c] > row[best] {
					best = c
				}
			}
			conf[i] = row[best]
			if best == y {
				outcome[i] = 1
			}
		} else {
			conf[i] = row[1]
			if y == 1 {
				outcome[i] = 1
			}
		}
	}
	return conf, outcome
}

// BinEdges returns the upper edges of the bins for the given confidences
// (the last edge is 1), as described for EqualWidth and EqualMass.
func BinEdges(conf []float64, bins int, binning Binning) []float64 {
	if bins <= 0 {
		bins = DefaultBins
	}
	switch binning {
	case EqualWidth:
		e := make([]float64, bins)
		for b := range e {
			e[b] = float64(b+1) / float64(bins)
		}
		return e
	case EqualMass:
		s := append([]float64(nil), conf...)
		sortFloats(s)
		n := len(s)
		if bins > n {
			bins = n
		}
		var e []float64
		// numpy.array_split: the first n%bins parts have n/bins+1 elements.
		q, r := 0, 0
		if bins > 0 {
			q, r = n/bins, n%bins
		}
		end := 0
		for b := 0; b < bins-1; b++ {
			size := q
			if b < r {
				size++
			}
			end += size
			mid := (s[end-1] + s[end]) / 2
			if len(e) == 0 || e[len(e)-1] != mid {
				e = append(e, mid)
			}
		}
		if len(e) == 0 || e[len(e)-1] != 1 {
			e = append(e, 1)
		}
		sort.Float64s(e)
		return e
	default:
		panic("metrics: unknown binning")
	}
}

// CalibrationError returns the calibration error of probs (n*k, row-major)
// under spec, with its reliability diagram. With B_b the examples whose
// confidence falls in bin b, W_b their weight, W the total weight, and
// conf_b, acc_b the weighted mean confidence and outcome in the bin:
//
//	L1 (ECE):  Σ_b (W_b/W) |acc_b − conf_b|
//	L2 (RMS):  sqrt(Σ_b (W_b/W) (acc_b − conf_b)²)
//	Max (MCE): max_{b: W_b>0} |acc_b − conf_b|
//
// These are Guo et al. (2017) and Naeini et al. (2015) with
// CalibrationSpec{15, EqualWidth, L1, true} and HELM's ece_10_bin with
// HELMSpec. Confidences outside [0, 1] are clamped into the first or last
// bin. If weights is nil, all weights are 1. Empty input or a NaN gives
// Value NaN. Equal-mass edges are placed by example count, ignoring weights.
func CalibrationError(probs []float64, k int, label []int, spec CalibrationSpec, weights []float64) Calibration {
	n := rows(probs, k, len(label))
	checkWeights(n, weights)
	conf, outcome := Confidences(probs, k, label, spec.TopLabel)
	return CalibrationErrorFromConfidence(conf, outcome, spec, weights)
}

// CalibrationErrorFromConfidence is CalibrationError for precomputed
// confidences in [0, 1] and outcomes in {0, 1} (or any value in [0, 1]);
// spec.TopLabel is only recorded.
func CalibrationErrorFromConfidence(conf, outcome []float64, spec CalibrationSpec, weights []float64) Calibration {
	if len(conf) != len(outcome) {
		panic(badLength)
	}
	checkWeights(len(conf), weights)
	spec.Bins = spec.bins()
	out := Calibration{Value: math.NaN(), Spec: spec}
	if len(conf) == 0 || hasNaN(conf) || hasNaN(outcome) || hasNaN(weights) {
		return out
	}
	edges := BinEdges(conf, spec.Bins, spec.Binning)
	nb := len(edges)
	bins := make([]ReliabilityBin, nb)
	for b := range bins {
		if b > 0 {
			bins[b].Lower = edges[b-1]
		}
		bins[b].Upper = edges[b]
	}
	for i, c := range conf {
		b := BinIndex(edges, c, spec.Edges)
		if b == len(bins) { // LeftClosed: confidence 1 in a bin of its own
			bins = append(bins, ReliabilityBin{Lower: 1, Upper: 1})
		}
		w := weight(weights, i)
		bins[b].Count += w
		bins[b].Confidence += w * c
		bins[b].Accuracy += w * outcome[i]
	}
	var tot float64
	for b := range bins {
		tot += bins[b].Count
		if bins[b].Count > 0 {
			bins[b].Confidence /= bins[b].Count
			bins[b].Accuracy /= bins[b].Count
		}
	}
	out.Bins = bins
	out.Value = calibrationValue(bins, tot, spec.Norm)
	return out
}

func calibrationValue(bins []ReliabilityBin, tot float64, norm Norm) float64 {
	if !(tot > 0) {
		return math.NaN()
	}
	var v float64
	for _, b := range bins {
		if b.Count == 0 {
			continue
		}
		gap := math.Abs(b.Accuracy - b.Confidence)
		switch norm {
		case L1:
			v += b.Count / tot * gap
		case L2:
			v += b.Count / tot * gap * gap
		case Max:
			v = math.Max(v, gap)
		default:
			panic("metrics: unknown norm")
		}
	}
	if norm == L2 {
		v = math.Sqrt(v)
	}
	return v
}

// ClasswiseECE returns the classwise calibration error of Kull et al. (2019)
// and Nixon et al. (2019) ("static calibration error" when bins are equal
// width): for every class c, the calibration error of the column p_{·c}
// against the outcome [label = c] under spec's bins and norm, averaged over
// the k classes:
//
//	CW = (1/k) Σ_c CE(p_{·c}, [label = c])
//
// spec.TopLabel is ignored (recorded as false). It returns the mean and the
// per-class results. If weights is nil, all weights are 1.
func ClasswiseECE(probs []float64, k int, label []int, spec CalibrationSpec, weights []float64) (value float64, perClass []Calibration) {
	n := rows(probs, k, len(label))
	checkWeights(n, weights)
	spec.TopLabel = false
	conf := make([]float64, n)
	outcome := make([]float64, n)
	perClass = make([]Calibration, k)
	for c := 0; c < k; c++ {
		for i := 0; i < n; i++ {
			if label[i] < 0 || label[i] >= k {
				panic(badClass)
			}
			conf[i] = probs[i*k+c]
			outcome[i] = 0
			if label[i] == c {
				outcome[i] = 1
			}
		}
		perClass[c] = CalibrationErrorFromConfidence(conf, outcome, spec, weights)
		value += perClass[c].Value
	}
	return value / float64(k), perClass
}
