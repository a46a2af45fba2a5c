package metrics

import (
	"math"
)

// binaryRanking sorts (score, positive, weight) triples by score,
// descending, and returns from one pass over the tied-score groups the
// weighted AUROC (ties count ½, the trapezoidal rule) and the average
// precision Σ_n (R_n − R_{n−1}) P_n, each with an error when undefined.
func binaryRanking(score []float64, pos []bool, weights []float64) (auc, ap float64, aucErr, apErr error) {
	idx, keys := orderDescKeys(score)
	var area, tp, fp, ptp, pfp, apSum float64
	for j := 0; j < len(idx); {
		key := keys[j]
		for ; j < len(idx) && keys[j] == key; j++ {
			i := idx[j]
			w := 1.0
			if weights != nil {
				w = weights[i]
			}
			if pos[i] {
				tp += w
			} else {
				fp += w
			}
		}
		area += (fp - pfp) * (tp + ptp) / 2
		if tp != ptp {
			apSum += (tp - ptp) * tp / (tp + fp)
		}
		ptp, pfp = tp, fp
	}
	auc, ap = math.NaN(), math.NaN()
	switch {
	case tp == 0:
		aucErr = undefined("no positive examples")
	case fp == 0:
		aucErr = undefined("no negative examples")
	default:
		auc = area / (tp * fp)
	}
	if tp == 0 {
		apErr = undefined("no positive examples")
	} else {
		ap = apSum / tp
	}
	return auc, ap, aucErr, apErr
}

func binaryAUROC(score []float64, pos []bool, weights []float64) (float64, error) {
	auc, _, err, _ := binaryRanking(score, pos, weights)
	return auc, err
}

func binaryAP(score []float64, pos []bool, weights []float64) (float64, error) {
	_, ap, _, err := binaryRanking(score, pos, weights)
	return ap, err
}

// oneVsRest evaluates a binary ranking metric for one class: scores are column
// c of probs and positives are examples labelled c.
func oneVsRest(probs []float64, k int, label []int, c int) ([]float64, []bool) {
	n := len(label)
	score := make([]float64, n)
	pos := make([]bool, n)
	for i := 0; i < n; i++ {
		if label[i] < 0 || label[i] >= k {
			panic(badClass)
		}
		score[i] = probs[i*k+c]
		pos[i] = label[i] == c
	}
	return score, pos
}

func rankingMetric(probs []float64, k int, label []int, weights []float64, name string,
	f func([]float64, []bool, []float64) (float64, error)) (float64, error) {
	n := rows(probs, k, len(label))
	checkWeights(n, weights)
	if k < 2 {
		return math.NaN(), undefined("%s needs at least 2 classes, k is %d", name, k)
	}
	if n == 0 {
		return math.NaN(), undefined("%s of empty input", name)
	}
	if hasNaN(probs) || hasNaN(weights) {
		return math.NaN(), nil
	}
	if k == 2 {
		score, pos := oneVsRest(probs, k, label, 1)
		v, err := f(score, pos, weights)
		if err != nil {
			return v, undefined("binary %s: labels hold a single class (%v)", name, errReason(err))
		}
		return v, nil
	}
	var sum float64
	for c := 0; c < k; c++ {
		score, pos := oneVsRest(probs, k, label, c)
		v, err := f(score, pos, weights)
		if err != nil {
			return math.NaN(), undefined("one-vs-rest %s for class %d: %v", name, c, errReason(err))
		}
		sum += v
	}
	return sum / float64(k), nil
}

func errReason(err error) string {
	s := err.Error()
	p := ErrUndefined.Error() + ": "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// AUROC returns the area under the ROC curve. For k = 2 the score is the
// probability of class 1 (probs[i*2+1]). For k > 2 it is the unweighted mean
// over classes of the one-vs-rest AUROC, as scikit-learn's
// roc_auc_score(multi_class="ovr", average="macro"). Each binary AUROC is the
// weighted probability that a positive outranks a negative, ties counting ½:
//
//	Σ_{i∈pos, j∈neg} w_i w_j ([s_i > s_j] + ½[s_i = s_j]) / (Σ_pos w · Σ_neg w)
//
// If a class has no positive or no negative examples the metric is undefined
// and AUROC returns NaN and an error wrapping ErrUndefined that names the
// class and the reason (scikit-learn raises in this case; it never reports
// 0.5). Use AUROCOneVsRest to average the defined classes only. Unlike
// scikit-learn it does not require rows to sum to 1. If weights is nil, all
// weights are 1. A NaN gives NaN with a nil error.
func AUROC(probs []float64, k int, label []int, weights []float64) (float64, error) {
	return rankingMetric(probs, k, label, weights, "auroc", binaryAUROC)
}

// AveragePrecision returns the area under the precision–recall curve as
// scikit-learn's average_precision_score computes it, without interpolation:
//
//	AP = Σ_n (R_n − R_{n−1}) P_n
//
// over the distinct score thresholds in decreasing order. For k = 2 the score
// is the probability of class 1; for k > 2 it is the unweighted mean of the
// one-vs-rest AP over classes (average="macro"). A class with no positive
// examples makes it undefined: NaN and an error wrapping ErrUndefined. If
// weights is nil, all weights are 1.
func AveragePrecision(probs []float64, k int, label []int, weights []float64) (float64, error) {
	return rankingMetric(probs, k, label, weights, "average precision", binaryAP)
}

// AUROCOneVsRest returns the one-vs-rest AUROC of every class, NaN for a
// class that is never or always the label. If weights is nil, all weights are 1.
func AUROCOneVsRest(probs []float64, k int, label []int, weights []float64) []float64 {
	n := rows(probs, k, len(label))
	checkWeights(n, weights)
	out := make([]float64, k)
	for c := 0; c < k; c++ {
		score, pos := oneVsRest(probs, k, label, c)
		out[c], _ = binaryAUROC(score, pos, weights)
	}
	return out
}

// AUROCAveragePrecision returns AUROC and AveragePrecision together from one
// sort per class, with the same values and errors as the two functions.
// If weights is nil, all weights are 1.
func AUROCAveragePrecision(probs []float64, k int, label []int, weights []float64) (auroc, ap float64, aurocErr, apErr error) {
	var aps []float64
	var apErrs []error
	auroc, aurocErr = rankingMetric(probs, k, label, weights, "auroc", func(s []float64, p []bool, w []float64) (float64, error) {
		auc, ap, aucErr, apErr := binaryRanking(s, p, w)
		aps = append(aps, ap)
		apErrs = append(apErrs, apErr)
		return auc, aucErr
	})
	complete := (k == 2 && len(aps) == 1) || (k > 2 && len(aps) == k)
	for _, e := range apErrs {
		complete = complete && e == nil
	}
	if !complete {
		// Rejected input, or AUROC stopped at an undefined class: let
		// AveragePrecision give its own value and reason.
		ap, apErr = AveragePrecision(probs, k, label, weights)
		return auroc, ap, aurocErr, apErr
	}
	for _, v := range aps {
		ap += v
	}
	return auroc, ap / float64(len(aps)), aurocErr, nil
}
