package metrics_test

import (
	"errors"
	"fmt"

	"github.com/evalctl/evalctl/metrics"
)

func ExampleAccuracy() {
	pred := []int{0, 1, 1, 2}
	label := []int{0, 1, 2, 2}
	fmt.Println(metrics.Accuracy(pred, label, nil))
	fmt.Println(metrics.Accuracy(pred, label, []float64{1, 1, 2, 1}))
	// Output:
	// 0.75
	// 0.6
}

func ExampleAUROC() {
	// Two classes: probs holds (P(class 0), P(class 1)) per example.
	probs := []float64{0.9, 0.1, 0.25, 0.75, 0.3, 0.7, 0.2, 0.8}
	auc, err := metrics.AUROC(probs, 2, []int{0, 0, 1, 1}, nil)
	fmt.Println(auc, err)

	// A single class in the labels: AUROC is undefined, never 0.5.
	_, err = metrics.AUROC(probs, 2, []int{1, 1, 1, 1}, nil)
	fmt.Println(errors.Is(err, metrics.ErrUndefined), err)
	// Output:
	// 0.75 <nil>
	// true metric undefined: binary auroc: labels hold a single class (no negative examples)
}

func ExampleCalibrationError() {
	probs := []float64{0.45, 0.55, 0.35, 0.65, 0.15, 0.85, 0.05, 0.95}
	label := []int{1, 0, 1, 1}
	cal := metrics.CalibrationError(probs, 2, label, metrics.CalibrationSpec{Bins: 10, Binning: metrics.EqualWidth, Norm: metrics.L1, TopLabel: true}, nil)
	fmt.Printf("%.3f (%s)\n", cal.Value, cal.Spec)
	for _, b := range cal.Bins {
		if b.Count > 0 {
			fmt.Printf("(%.1f, %.1f]: conf %.2f acc %.2f n %v\n", b.Lower, b.Upper, b.Confidence, b.Accuracy, b.Count)
		}
	}
	// Output:
	// 0.325 (top-label, 10 equal-width bins, l1)
	// (0.5, 0.6]: conf 0.55 acc 1.00 n 1
	// (0.6, 0.7]: conf 0.65 acc 0.00 n 1
	// (0.8, 0.9]: conf 0.85 acc 1.00 n 1
	// (0.9, 1.0]: conf 0.95 acc 1.00 n 1
}

func ExampleBootstrapConfusionCI() {
	pred := []int{0, 1, 1, 0, 1, 1, 0, 0, 1, 1}
	label := []int{0, 1, 0, 0, 1, 1, 1, 0, 1, 1}
	cm := metrics.ConfusionMatrix(pred, label, 2, nil)
	ci := metrics.BootstrapConfusionCI(cm, 2, metrics.AccuracyFromConfusion, 1000, 0.9, 1)
	fmt.Println(metrics.AccuracyFromConfusion(cm, 2), ci.Low <= 0.8 && 0.8 <= ci.High, ci.Method, ci.Resamples)
	// Output:
	// 0.8 true percentile-multinomial 1000
}

func ExampleMcNemar() {
	a := []bool{true, true, false, false, true, false}
	b := []bool{true, false, true, true, true, true}
	b01, b10, p := metrics.McNemar(a, b)
	fmt.Println(b01, b10, p)
	// Output:
	// 3 1 0.625
}

func ExampleAccuracyAtCoverage() {
	conf := []float64{0.9, 0.5, 0.8, 0.5, 0.7}
	correct := []bool{true, false, false, true, true}
	fmt.Println(metrics.AccuracyAtCoverage(conf, correct, 0.1)) // HELM's selective_acc@10
	fmt.Printf("%.4f\n", metrics.AURC(conf, correct))
	// Output:
	// 1
	// 0.3467
}

func ExampleFitTemperature() {
	// Margin 4 on every example, 4 of 5 right: the NLL is minimal where
	// sigmoid(4/T) = 0.8, that is T = 4/ln 4 ≈ 2.885.
	logits := []float64{4, 0, 0, 4, 4, 0, 0, 4, 4, 0}
	label := []int{0, 1, 1, 1, 0}
	T, err := metrics.FitTemperature(logits, 2, label)
	fmt.Printf("%.3f %v\n", T, err)
	// Output:
	// 2.885 <nil>
}
