package fairness

import "fmt"

// ClassCriteria is the one-vs-rest binary report for one class.
type ClassCriteria struct {
	Class  int
	Report *BinaryReport
}

// MulticlassReport is the result of [MulticlassCriteria].
type MulticlassReport struct {
	// Accuracy is per-group accuracy (higher is better).
	Accuracy *Frame
	// PerClass holds, for every class c, [BinaryCriteria] on the binarised
	// task y' = [y = c], ŷ' = [ŷ = c] (one-vs-rest): the selection rate is
	// then the rate of predicting c, TPR the recall of c and FPR the rate
	// of predicting c for examples of other classes.
	PerClass []ClassCriteria
}

// MulticlassCriteria computes per-group accuracy and the one-vs-rest
// versions of the binary criteria for every class in [0, classes). This
// follows the approach fairlearn recommends for multiclass tasks
// (make_derived_metric over a binarised metric, fairlearn issue #1212);
// fairlearn itself has no multiclass parity functions. If weights is nil,
// all weights are 1.
func MulticlassCriteria(label, pred []int, classes int, weights []float64, attrs []Attribute, opts Options) (*MulticlassReport, error) {
	if classes < 2 {
		return nil, fmt.Errorf("fairness: %d classes; need at least 2", classes)
	}
	if err := checkBinaryInputs(label, pred, weights, attrs, classes); err != nil {
		return nil, err
	}
	acc, err := Compute(attrs, []Spec{{Name: NameAccuracy, Fn: Accuracy(label, pred, weights), HigherIsBetter: true}}, opts)
	if err != nil {
		return nil, err
	}
	out := &MulticlassReport{Accuracy: acc}
	yb, pb := make([]int, len(label)), make([]int, len(pred))
	for c := 0; c < classes; c++ {
		for i := range label {
			yb[i], pb[i] = b2i(label[i] == c), b2i(pred[i] == c)
		}
		o := opts
		o.Bootstrap.Seed = opts.Bootstrap.Seed + uint64(c)
		r, err := BinaryCriteria(append([]int(nil), yb...), append([]int(nil), pb...), weights, attrs, o)
		if err != nil {
			return nil, fmt.Errorf("class %d: %w", c, err)
		}
		out.PerClass = append(out.PerClass, ClassCriteria{Class: c, Report: r})
	}
	return out, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CalibrationGap disaggregates a calibration error computed by the caller
// (typically ECE from the metrics package, evaluated on the examples idx)
// over the attributes. The returned result's breakdowns carry the worst
// group (largest error, since lower is better) and the gap
// DifferenceBetween = max_g ECE(g) − min_g ECE(g); DifferenceToOverall is
// the largest distance from the overall ECE. Note that ECE is biased upward
// on small groups, so set opts.MinGroupSize.
func CalibrationGap(calibrationError Metric, attrs []Attribute, opts Options) (*MetricResult, error) {
	if calibrationError == nil {
		return nil, fmt.Errorf("fairness: no calibration error callback")
	}
	f, err := Compute(attrs, []Spec{{Name: "calibration_error", Fn: calibrationError, HigherIsBetter: false}}, opts)
	if err != nil {
		return nil, err
	}
	return &f.Metrics[0], nil
}
