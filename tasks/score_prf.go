package tasks

import (
	"fmt"
	"math"
	"strings"

	"github.com/evalctl/evalctl/metrics"
)

// prfMetric parses the scikit-learn-named precision/recall/F1 metrics:
// "precision", "recall", "f1" (binary, class 1 positive: scikit-learn's
// average="binary"), "<m>_micro", "<m>_macro", "<m>_weighted", and
// "<m>@CLASS" (the figure of one class: average=None, or average="binary"
// with pos_label=CLASS). which is 0, 1 or 2 for precision, recall, F1.
func prfMetric(name string) (which int, avg string, class string, ok bool) {
	base, rest, hasClass := strings.Cut(name, "@")
	if !hasClass {
		base, rest, _ = strings.Cut(name, "_")
	}
	switch base {
	case "precision":
		which = 0
	case "recall":
		which = 1
	case "f1":
		which = 2
	default:
		return 0, "", "", false
	}
	if hasClass {
		return which, "", rest, rest != ""
	}
	switch rest {
	case "", "micro", "macro", "weighted":
		return which, rest, "", true
	}
	return 0, "", "", false
}

// prfScore computes a prfMetric with its exact confusion-matrix bootstrap
// interval; ok is false for other names.
func (c *Classifier) prfScore(name string, d *scoringData) (mv MetricValue, ok bool) {
	which, avg, class, ok := prfMetric(name)
	if !ok {
		return mv, false
	}
	mv = MetricValue{Name: name, N: len(d.label), HigherIsBetter: true, Low: math.NaN(), High: math.NaN(),
		Spec: map[string]string{"zero_division": "0"}}
	pos := -1
	switch {
	case class != "":
		for i, cl := range c.cfg.Classes {
			if cl == class {
				pos = i
			}
		}
		if pos < 0 {
			mv.Value, mv.Undefined = math.NaN(), fmt.Sprintf("%s: no class %q among %v", name, class, c.cfg.Classes)
			return mv, true
		}
		mv.Spec["average"], mv.Spec["class"] = "none (one class)", class
	case avg == "":
		if d.k != 2 {
			mv.Value, mv.Undefined = math.NaN(), fmt.Sprintf("%s is binary (class 1 positive) but the task has %d classes; use %s_macro, %s_micro, %s_weighted or %s@CLASS", name, d.k, name, name, name, name)
			return mv, true
		}
		pos = 1
		mv.Spec["average"], mv.Spec["positive_class"] = "binary", c.cfg.Classes[1]
	default:
		mv.Spec["average"] = avg
	}
	stat := func(cm []float64, k int) float64 {
		if pos >= 0 {
			p, r, f, _ := metrics.ClassPRF(cm, k)
			return [3][]float64{p, r, f}[which][pos]
		}
		a := map[string]metrics.Average{"micro": metrics.Micro, "macro": metrics.Macro, "weighted": metrics.Weighted}[avg]
		p, r, f := metrics.PRFAverage(cm, k, a)
		return [3]float64{p, r, f}[which]
	}
	cm := metrics.ConfusionMatrix(d.pred, d.label, d.k, nil)
	mv.Value = stat(cm, d.k)
	if c.cfg.Resamples > 0 {
		ci := metrics.BootstrapConfusionCI(cm, d.k, stat, c.cfg.Resamples, c.cfg.Confidence, c.seedFor(name))
		mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
	}
	return mv, true
}
