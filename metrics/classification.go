package metrics

import (
	"errors"
	"fmt"
	"math"
)

// Panic messages for caller mistakes.
const (
	badLength  = "metrics: slice length mismatch"
	badK       = "metrics: k must be at least 1"
	badProbLen = "metrics: length of probs is not n*k"
	badClass   = "metrics: class index out of range [0, k)"
	badBinary  = "metrics: binary label must be 0 or 1"
	badTopK    = "metrics: topk must be at least 1"
	badLevel   = "metrics: level must be in (0, 1)"
	badResamp  = "metrics: resamples must be at least 1"
)

// ErrUndefined is wrapped by errors from metrics that are mathematically
// undefined for the data given, for example AUROC when the labels hold a
// single class. The wrapping error says why.
var ErrUndefined = errors.New("metric undefined")

func undefined(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUndefined}, args...)...)
}

func checkWeights(n int, weights []float64) {
	if weights != nil && len(weights) != n {
		panic(badLength)
	}
}

func checkK(k int) {
	if k < 1 {
		panic(badK)
	}
}

// rows returns the number of rows of a flat n*k matrix and panics if the
// length is not a multiple of k or does not match n when n >= 0.
func rows(probs []float64, k int, n int) int {
	checkK(k)
	if len(probs)%k != 0 {
		panic(badProbLen)
	}
	r := len(probs) / k
	if n >= 0 && r != n {
		panic(badLength)
	}
	return r
}

func weight(weights []float64, i int) float64 {
	if weights == nil {
		return 1
	}
	return weights[i]
}

func hasNaN(s []float64) bool {
	for _, v := range s {
		if math.IsNaN(v) {
			return true
		}
	}
	return false
}

// CheckLabels returns an error naming the first example whose class index is
// outside [0, k), or nil if all are valid.
func CheckLabels(label []int, k int) error {
	for i, y := range label {
		if y < 0 || y >= k {
			return fmt.Errorf("example %d: class %d outside [0, %d)", i, y, k)
		}
	}
	return nil
}

// CheckProbabilities returns an error naming the first row of probs (n*k,
// row-major) that holds a NaN, an infinity or a value outside [0, 1], or
// whose sum differs from 1 by more than tol. It returns nil if every row is a
// probability vector. It panics if len(probs) is not a multiple of k.
func CheckProbabilities(probs []float64, k int, tol float64) error {
	n := rows(probs, k, -1)
	for i := 0; i < n; i++ {
		row := probs[i*k : (i+1)*k]
		var s float64
		for c, p := range row {
			if math.IsNaN(p) || math.IsInf(p, 0) {
				return fmt.Errorf("example %d: class %d: probability is %v", i, c, p)
			}
			if p < 0 || p > 1 {
				return fmt.Errorf("example %d: class %d: probability %v outside [0, 1]", i, c, p)
			}
			s += p
		}
		if math.Abs(s-1) > tol {
			return fmt.Errorf("example %d: probabilities sum to %v, want 1 within %v", i, s, tol)
		}
	}
	return nil
}

// Argmax writes into dst the index of the largest score of each row of the
// n*k matrix probs (ties go to the lowest index, as numpy.argmax) and returns
// dst. If dst is nil a new slice is allocated; otherwise it must have length n.
func Argmax(dst []int, probs []float64, k int) []int {
	n := rows(probs, k, -1)
	if dst == nil {
		dst = make([]int, n)
	} else if len(dst) != n {
		panic(badLength)
	}
	for i := range dst {
		row := probs[i*k : (i+1)*k]
		best := 0
		for c := 1; c < k; c++ {
			if row[c] > row[best] {
				best = c
			}
		}
		dst[i] = best
	}
	return dst
}

// Accuracy returns the weighted fraction of examples whose prediction equals
// the label:
//
//	Σ_i w_i [pred_i = label_i] / Σ_i w_i
//
// If weights is nil, all weights are 1. Accuracy panics if the slice lengths
// differ and returns NaN for empty input or zero total weight.
func Accuracy(pred, label []int, weights []float64) float64 {
	if len(pred) != len(label) {
		panic(badLength)
	}
	checkWeights(len(pred), weights)
	var hit, tot float64
	for i, p := range pred {
		w := weight(weights, i)
		if p == label[i] {
			hit += w
		}
		tot += w
	}
	return hit / tot
}

// TopKAccuracy returns the weighted fraction of examples whose label is among
// the topk highest scores of its row of probs (n*k, row-major), as
// scikit-learn's top_k_accuracy_score. Ties are broken as scikit-learn breaks
// them: among equal scores the higher class index ranks first, so label y is
// a hit when
//
//	#{c : s_c > s_y} + #{c > y : s_c = s_y} < topk.
//
// If weights is nil, all weights are 1. It panics on length mismatch, topk < 1
// or a label outside [0, k). A NaN score gives NaN.
func TopKAccuracy(probs []float64, k int, label []int, topk int, weights []float64) float64 {
	n := rows(probs, k, len(label))
	checkWeights(n, weights)
	if topk < 1 {
		panic(badTopK)
	}
	if hasNaN(probs) {
		return math.NaN()
	}
	var hit, tot float64
	for i := 0; i < n; i++ {
		y := label[i]
		if y < 0 || y >= k {
			panic(badClass)
		}
		row := probs[i*k : (i+1)*k]
		sy := row[y]
		above := 0
		for c, s := range row {
			if s > sy || (s == sy && c > y) {
				above++
			}
		}
		w := weight(weights, i)
		if above < topk {
			hit += w
		}
		tot += w
	}
	return hit / tot
}

// ConfusionMatrix returns the k×k weighted confusion matrix as a row-major
// slice: cell (t, p) = Σ_i w_i [label_i = t][pred_i = p], so rows are true
// classes and columns predicted classes (scikit-learn's convention).
// If weights is nil, all weights are 1. It panics on length mismatch or a
// class index outside [0, k).
func ConfusionMatrix(pred, label []int, k int, weights []float64) []float64 {
	checkK(k)
	if len(pred) != len(label) {
		panic(badLength)
	}
	checkWeights(len(pred), weights)
	cm := make([]float64, k*k)
	for i, p := range pred {
		t := label[i]
		if p < 0 || p >= k || t < 0 || t >= k {
			panic(badClass)
		}
		cm[t*k+p] += weight(weights, i)
	}
	return cm
}

// The functions below compute metrics from a confusion matrix, so that the
// point estimate and BootstrapConfusionCI share one definition.

func cmTotal(cm []float64) float64 {
	var s float64
	for _, v := range cm {
		s += v
	}
	return s
}

// AccuracyFromConfusion returns trace(C)/Σ C for a k×k confusion matrix
// (row = true class). It returns NaN if the matrix sums to zero.
func AccuracyFromConfusion(cm []float64, k int) float64 {
	checkCM(cm, k)
	var tr float64
	for c := 0; c < k; c++ {
		tr += cm[c*k+c]
	}
	return tr / cmTotal(cm)
}

func checkCM(cm []float64, k int) {
	checkK(k)
	if len(cm) != k*k {
		panic(badLength)
	}
}

// BalancedAccuracyFromConfusion returns the mean recall over the classes
// whose row of cm has positive weight (the classes present in the labels),
// as scikit-learn's balanced_accuracy_score. It returns NaN if no class is
// present.
func BalancedAccuracyFromConfusion(cm []float64, k int) float64 {
	checkCM(cm, k)
	var sum float64
	var m int
	for t := 0; t < k; t++ {
		var row float64
		for p := 0; p < k; p++ {
			row += cm[t*k+p]
		}
		if row > 0 {
			sum += cm[t*k+t] / row
			m++
		}
	}
	if m == 0 {
		return math.NaN()
	}
	return sum / float64(m)
}

// PrecisionRecallFromConfusion returns per-class precision C_cc/Σ_t C_tc and
// recall C_cc/Σ_p C_cp, with 0 where the denominator is 0 (scikit-learn's
// zero_division=0).
func PrecisionRecallFromConfusion(cm []float64, k int) (precision, recall []float64) {
	checkCM(cm, k)
	precision = make([]float64, k)
	recall = make([]float64, k)
	for c := 0; c < k; c++ {
		var row, col float64
		for j := 0; j < k; j++ {
			row += cm[c*k+j]
			col += cm[j*k+c]
		}
		if col > 0 {
			precision[c] = cm[c*k+c] / col
		}
		if row > 0 {
			recall[c] = cm[c*k+c] / row
		}
	}
	return precision, recall
}

// F1MacroFromConfusion returns the unweighted mean of per-class F1 over the
// classes that occur in the labels or the predictions (positive row or column
// sum), with F1 = 2·TP/(2·TP+FP+FN) and 0 where that is 0/0. It returns NaN if
// the matrix sums to zero.
func F1MacroFromConfusion(cm []float64, k int) float64 {
	checkCM(cm, k)
	var sum float64
	var m int
	for c := 0; c < k; c++ {
		var row, col float64
		for j := 0; j < k; j++ {
			row += cm[c*k+j]
			col += cm[j*k+c]
		}
		if row+col == 0 {
			continue
		}
		m++
		tp := cm[c*k+c]
		sum += 2 * tp / (row + col) // row+col = 2TP+FP+FN > 0
	}
	if m == 0 {
		return math.NaN()
	}
	return sum / float64(m)
}

// MCCFromConfusion returns the multiclass Matthews correlation coefficient of
// Gorodkin (2004) as scikit-learn computes it. With t_c the row sums, p_c the
// column sums, c = trace(C) and s = Σ C:
//
//	MCC = (c·s − Σ t_c p_c) / sqrt((s² − Σ p_c²)(s² − Σ t_c²))
//
// When the denominator is 0 (a single class predicted or present) it returns 0,
// as scikit-learn does. It returns NaN if the matrix sums to zero.
func MCCFromConfusion(cm []float64, k int) float64 {
	checkCM(cm, k)
	s := cmTotal(cm)
	if s == 0 || math.IsNaN(s) {
		return math.NaN()
	}
	var c, tp, pp, tt float64
	for i := 0; i < k; i++ {
		var row, col float64
		for j := 0; j < k; j++ {
			row += cm[i*k+j]
			col += cm[j*k+i]
		}
		c += cm[i*k+i]
		tp += row * col
		pp += col * col
		tt += row * row
	}
	cov := c*s - tp
	den := (s*s - pp) * (s*s - tt)
	if den == 0 {
		return 0
	}
	return cov / math.Sqrt(den)
}

// BalancedAccuracy returns the mean per-class recall over the classes present
// in label, as scikit-learn's balanced_accuracy_score:
//
//	(1/|P|) Σ_{c∈P} Σ_i w_i [pred_i = c][label_i = c] / Σ_i w_i [label_i = c]
//
// where P is the set of classes with positive weight in label. If weights is
// nil, all weights are 1.
func BalancedAccuracy(pred, label []int, k int, weights []float64) float64 {
	return BalancedAccuracyFromConfusion(ConfusionMatrix(pred, label, k, weights), k)
}

// F1Macro returns the unweighted mean over classes of F1_c = 2·TP_c/(2·TP_c +
// FP_c + FN_c), as scikit-learn's f1_score(average="macro", zero_division=0)
// with its default labels: the mean runs over the classes that occur in label
// or pred (with positive weight), and a class with TP = 0 scores 0. If weights
// is nil, all weights are 1.
func F1Macro(pred, label []int, k int, weights []float64) float64 {
	return F1MacroFromConfusion(ConfusionMatrix(pred, label, k, weights), k)
}

// F1Micro returns micro-averaged F1, ΣTP / (ΣTP + (ΣFP + ΣFN)/2), which for
// single-label multiclass data equals Accuracy. If weights is nil, all weights
// are 1.
func F1Micro(pred, label []int, k int, weights []float64) float64 {
	return AccuracyFromConfusion(ConfusionMatrix(pred, label, k, weights), k)
}

// PrecisionRecall returns per-class precision TP_c/(TP_c+FP_c) and recall
// TP_c/(TP_c+FN_c) for classes 0..k-1, with 0 where a denominator is 0, as
// scikit-learn's precision_recall_fscore_support(labels=range(k),
// zero_division=0). If weights is nil, all weights are 1.
func PrecisionRecall(pred, label []int, k int, weights []float64) (precision, recall []float64) {
	return PrecisionRecallFromConfusion(ConfusionMatrix(pred, label, k, weights), k)
}

// MCC returns the multiclass Matthews correlation coefficient (Gorodkin
// 2004), equal to scikit-learn's matthews_corrcoef; see MCCFromConfusion for
// the formula. It returns 0 when the coefficient is 0/0, as scikit-learn does.
// If weights is nil, all weights are 1.
func MCC(pred, label []int, k int, weights []float64) float64 {
	return MCCFromConfusion(ConfusionMatrix(pred, label, k, weights), k)
}
