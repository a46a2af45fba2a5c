package metrics

import "fmt"

// Average is how PRFAverage combines per-class precision, recall and F1, as
// scikit-learn's average argument.
type Average int

const (
	// Micro pools true and false positives and negatives over classes; for
	// single-label data all three equal accuracy.
	Micro Average = iota
	// Macro is the unweighted mean over the classes present in the labels or
	// the predictions (scikit-learn's default labels).
	Macro
	// Weighted is the mean over present classes weighted by support (the
	// number of true examples of each class).
	Weighted
)

var averageNames = [...]string{Micro: "micro", Macro: "macro", Weighted: "weighted"}

// String returns "micro", "macro" or "weighted".
func (a Average) String() string {
	if a >= 0 && int(a) < len(averageNames) {
		return averageNames[a]
	}
	return fmt.Sprintf("Average(%d)", int(a))
}

// ClassPRF returns, from a k×k confusion matrix (row = true class, column =
// predicted), each class's precision TP/(TP+FP), recall TP/(TP+FN), F1 and
// support TP+FN. A ratio whose denominator is 0 is 0, as scikit-learn's
// precision_recall_fscore_support(average=None, zero_division=0); F1 is
// 2TP/(2TP+FP+FN), which equals 2PR/(P+R) whenever that is defined. For a
// binary task the figures of class c are scikit-learn's average="binary"
// with pos_label=c.
func ClassPRF(cm []float64, k int) (precision, recall, f1, support []float64) {
	checkCM(cm, k)
	precision, recall, f1, support = make([]float64, k), make([]float64, k), make([]float64, k), make([]float64, k)
	for c := 0; c < k; c++ {
		tp := cm[c*k+c]
		var row, col float64
		for j := 0; j < k; j++ {
			row += cm[c*k+j]
			col += cm[j*k+c]
		}
		support[c] = row
		if col > 0 {
			precision[c] = tp / col
		}
		if row > 0 {
			recall[c] = tp / row
		}
		if d := row + col; d > 0 {
			f1[c] = 2 * tp / d
		}
	}
	return precision, recall, f1, support
}

// PRFAverage returns precision, recall and F1 averaged as scikit-learn's
// precision_recall_fscore_support(average=avg, zero_division=0) with its
// default labels (the classes occurring in the labels or the predictions).
// A class occurring nowhere is left out of Macro; it has no weight in
// Weighted and no counts in Micro. With no example at all every figure is 0.
func PRFAverage(cm []float64, k int, avg Average) (precision, recall, f1 float64) {
	p, r, f, support := ClassPRF(cm, k)
	switch avg {
	case Micro:
		var tp, tot float64
		for c := 0; c < k; c++ {
			tp += cm[c*k+c]
			tot += support[c]
		}
		// Single-label: ΣFP = ΣFN = total − ΣTP, so P = R = F1 = ΣTP/total.
		if tot == 0 {
			return 0, 0, 0
		}
		a := tp / tot
		return a, a, a
	case Macro, Weighted:
		var sw float64
		for c := 0; c < k; c++ {
			var col float64
			for j := 0; j < k; j++ {
				col += cm[j*k+c]
			}
			if support[c] == 0 && col == 0 {
				continue // not a present label
			}
			w := 1.0
			if avg == Weighted {
				w = support[c]
			}
			sw += w
			precision += w * p[c]
			recall += w * r[c]
			f1 += w * f[c]
		}
		if sw == 0 {
			return 0, 0, 0
		}
		return precision / sw, recall / sw, f1 / sw
	default:
		panic("metrics: unknown average")
	}
}
