package tasks

import (
	"fmt"
	"math"

	"github.com/evalctl/evalctl/metrics"
)

// parityCalSpec returns the calibration spec of a parity calibration metric.
func (c *Classifier) parityCalSpec(name string) (metrics.CalibrationSpec, bool) {
	spec := metrics.CalibrationSpec{Bins: c.cfg.Bins, Binning: c.cfg.Binning, Norm: metrics.L1, Edges: c.cfg.Edges}
	switch name {
	case "ece_binary":
	case "rms_ce_binary":
		spec.Norm = metrics.L2
	case "mce_binary":
		spec.Norm = metrics.Max
	case "ece_10_bin":
		// HELM's definition is fixed whatever the calibration section says.
		return metrics.HELMSpec, true
	default:
		return spec, false
	}
	return spec, true
}

// parityMetric computes a classification metric named after a peer's
// definition (issue 14): scikit-learn's binary Brier score (brier_binary),
// torchmetrics' positive-class calibration errors (ece_binary,
// rms_ce_binary, mce_binary) and HELM's ece_10_bin. ok is false for other
// names.
func (c *Classifier) parityMetric(name string, d *scoringData) (mv MetricValue, rel *Reliability, ok bool) {
	n := len(d.label)
	mv = MetricValue{Name: name, N: n, HigherIsBetter: HigherIsBetter(name), Low: math.NaN(), High: math.NaN()}
	res, level, seed := c.cfg.Resamples, c.cfg.Confidence, c.seedFor(name)
	setCI := func(ci metrics.CI) {
		if res > 0 {
			mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
		}
	}
	spec, isCal := c.parityCalSpec(name)
	if name != "brier_binary" && !isCal {
		return mv, nil, false
	}
	binary := name != "ece_10_bin"
	if binary && d.k != 2 {
		mv.Value = math.NaN()
		mv.Undefined = fmt.Sprintf("%s needs a binary task (2 classes, class 1 positive), found %d classes", name, d.k)
		return mv, nil, true
	}
	if name == "brier_binary" {
		terms := make([]float64, n)
		for i, y := range d.label {
			e := d.probs[2*i+1] - float64(y)
			terms[i] = e * e
		}
		mv.Value = floatMean(terms)
		if res > 0 {
			setCI(metrics.BootstrapMeanCI(terms, res, level, seed))
		}
		mv.Spec = map[string]string{"convention": "binary: mean squared error of the class-1 probability (scikit-learn brier_score_loss)", "positive_class": c.cfg.Classes[1]}
		return mv, nil, true
	}
	cal := metrics.CalibrationError(d.probs, d.k, d.label, spec, nil)
	mv.Value = cal.Value
	if res > 0 && !math.IsNaN(cal.Value) {
		conf, outcome := metrics.Confidences(d.probs, d.k, d.label, spec.TopLabel)
		setCI(metrics.BootstrapCalibrationCI(conf, outcome, spec, res, level, seed))
	}
	mv.Spec = calSpecMap(spec)
	if binary {
		mv.Spec["positive_class"] = c.cfg.Classes[1]
	}
	return mv, reliability(name, cal), true
}
