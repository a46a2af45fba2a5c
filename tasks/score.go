package tasks

import (
	"errors"
	"math"
	"strconv"

	"github.com/evalctl/evalctl/metrics"
)

// HigherIsBetter reports the direction of a metric name, from the metric
// table (metrics.HigherIsBetter); per-class precision, recall and F1
// ("f1@CLASS") are higher-better.
func HigherIsBetter(metric string) bool {
	if _, _, _, ok := prfMetric(metric); ok {
		return true
	}
	return metrics.HigherIsBetter(metric)
}

// scoringData is the predictions of one evaluation in metric-ready form.
type scoringData struct {
	k       int
	label   []int
	pred    []int
	probs   []float64
	conf    []float64
	correct []bool
}

func (c *Classifier) prepare(preds []Prediction) (*scoringData, int) {
	k := c.K()
	d := &scoringData{k: k}
	invalid := 0
	uniform := 1 / float64(k)
	for i := range preds {
		p := &preds[i]
		if p.Label < 0 {
			continue
		}
		if p.Invalid != "" {
			invalid++
			if c.cfg.Invalid == InvalidExclude {
				continue
			}
			// Uniform probabilities, nudged by 1e-9 towards a wrong class so
			// that every metric (argmax-based ones, ECE's top label) sees a
			// wrong prediction with confidence about 1/k.
			wrong := (p.Label + 1) % k
			d.label = append(d.label, p.Label)
			d.pred = append(d.pred, wrong)
			for j := 0; j < k; j++ {
				q := (uniform - 1e-9/float64(k))
				if j == wrong {
					q += 1e-9
				}
				d.probs = append(d.probs, q)
			}
			d.conf = append(d.conf, uniform)
			d.correct = append(d.correct, false)
			continue
		}
		d.label = append(d.label, p.Label)
		d.pred = append(d.pred, p.Pred)
		d.probs = append(d.probs, p.Probs...)
		d.conf = append(d.conf, p.Probs[p.Pred])
		d.correct = append(d.correct, p.Pred == p.Label)
	}
	return d, invalid
}

func (d *scoringData) subset(idx []int) *scoringData {
	s := &scoringData{k: d.k, label: make([]int, len(idx)), pred: make([]int, len(idx)),
		probs: make([]float64, len(idx)*d.k), conf: make([]float64, len(idx)), correct: make([]bool, len(idx))}
	for j, i := range idx {
		s.label[j], s.pred[j], s.conf[j], s.correct[j] = d.label[i], d.pred[i], d.conf[i], d.correct[i]
		copy(s.probs[j*d.k:(j+1)*d.k], d.probs[i*d.k:(i+1)*d.k])
	}
	return s
}

// Score computes the configured metrics, each with a percentile bootstrap
// interval, over the labelled predictions.
func (c *Classifier) Score(preds []Prediction) (Scores, error) {
	d, invalid := c.prepare(preds)
	out := Scores{Invalid: invalid, N: len(d.label)}
	if len(d.label) == 0 {
		return out, ErrNoExamples
	}
	selective := false
	for _, name := range c.cfg.Metrics {
		mv, rel := c.metric(name, d)
		out.Metrics = append(out.Metrics, mv)
		if rel != nil {
			out.Reliability = append(out.Reliability, *rel)
		}
		_, s := selectiveCoverage(name)
		selective = selective || s || name == "aurc"
	}
	if selective {
		out.RiskCoverage = riskCoverage(d.conf, d.correct, 100)
	}
	return out, nil
}

// seedFor derives a per-metric seed so that intervals are reproducible and
// independent of the order metrics are listed in.
func (c *Classifier) seedFor(name string) uint64 { return metrics.SubSeed(c.cfg.Seed, name) }

func (c *Classifier) calSpec(name string) (metrics.CalibrationSpec, bool) {
	spec := metrics.CalibrationSpec{Bins: c.cfg.Bins, Binning: c.cfg.Binning, Norm: metrics.L1, TopLabel: true, Edges: c.cfg.Edges}
	switch name {
	case "ece":
	case "ece_adaptive":
		spec.Binning = metrics.EqualMass
	case "rms_ce":
		spec.Norm = metrics.L2
	case "mce":
		spec.Norm = metrics.Max
	default:
		return spec, false
	}
	return spec, true
}

func (c *Classifier) metric(name string, d *scoringData) (MetricValue, *Reliability) {
	n := len(d.label)
	mv := MetricValue{Name: name, N: n, HigherIsBetter: HigherIsBetter(name), Low: math.NaN(), High: math.NaN()}
	res, level, seed := c.cfg.Resamples, c.cfg.Confidence, c.seedFor(name)
	setCI := func(ci metrics.CI) {
		if res > 0 {
			mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
		}
	}
	mean := func(terms []float64) {
		mv.Value = floatMean(terms)
		if res > 0 {
			setCI(metrics.BootstrapMeanCI(terms, res, level, seed))
		}
	}
	general := func(stat func(s *scoringData) float64) {
		mv.Value = stat(d)
		if res > 0 && !math.IsNaN(mv.Value) {
			setCI(metrics.BootstrapCI(n, func(idx []int) float64 { return stat(d.subset(idx)) }, res, level, seed))
		}
	}
	confusion := func(stat func(cm []float64, k int) float64) {
		cm := metrics.ConfusionMatrix(d.pred, d.label, d.k, nil)
		mv.Value = stat(cm, d.k)
		if res > 0 {
			setCI(metrics.BootstrapConfusionCI(cm, d.k, stat, res, level, seed))
		}
	}
	switch name {
	case "accuracy":
		terms := make([]float64, n)
		for i, ok := range d.correct {
			if ok {
				terms[i] = 1
			}
		}
		mean(terms)
	case "top2_accuracy", "top5_accuracy":
		topk := 2
		if name == "top5_accuracy" {
			topk = 5
		}
		terms := make([]float64, n)
		for i := range terms {
			terms[i] = metrics.TopKAccuracy(d.probs[i*d.k:(i+1)*d.k], d.k, d.label[i:i+1], topk, nil)
		}
		mean(terms)
		mv.Spec = map[string]string{"k": strconv.Itoa(topk)}
	case "balanced_accuracy":
		confusion(metrics.BalancedAccuracyFromConfusion)
	case "macro_f1":
		confusion(metrics.F1MacroFromConfusion)
	case "micro_f1":
		confusion(metrics.AccuracyFromConfusion) // micro F1 equals accuracy for single-label multiclass
		mv.Spec = map[string]string{"note": "micro-averaged F1 equals accuracy for single-label classification"}
	case "mcc":
		confusion(metrics.MCCFromConfusion)
	case "nll":
		mean(metrics.NLLTerms(nil, d.probs, d.k, d.label))
		mv.Spec = map[string]string{"log": "natural", "reduction": "mean"}
	case "brier":
		mean(metrics.BrierTerms(nil, d.probs, d.k, d.label))
		mv.Spec = map[string]string{"convention": "multiclass: sum over classes of squared error, mean over examples"}
	case "auroc", "average_precision":
		f := metrics.AUROC
		if name == "average_precision" {
			f = metrics.AveragePrecision
		}
		v, err := f(d.probs, d.k, d.label, nil)
		if err != nil {
			mv.Value, mv.Undefined = math.NaN(), undefinedReason(err)
			break
		}
		general(func(s *scoringData) float64 {
			v, err := f(s.probs, s.k, s.label, nil)
			if err != nil {
				return math.NaN()
			}
			return v
		})
		mv.Value = v
		if d.k == 2 {
			mv.Spec = map[string]string{"averaging": "binary (class 1 positive)"}
		} else {
			mv.Spec = map[string]string{"averaging": "macro one-vs-rest"}
		}
	case "ece", "ece_adaptive", "rms_ce", "mce":
		spec, _ := c.calSpec(name)
		cal := metrics.CalibrationError(d.probs, d.k, d.label, spec, nil)
		mv.Value = cal.Value
		if res > 0 && !math.IsNaN(cal.Value) {
			conf, outcome := metrics.Confidences(d.probs, d.k, d.label, spec.TopLabel)
			setCI(metrics.BootstrapCalibrationCI(conf, outcome, spec, res, level, seed))
		}
		mv.Spec = calSpecMap(spec)
		return mv, reliability(name, cal)
	case "classwise_ece":
		spec := metrics.CalibrationSpec{Bins: c.cfg.Bins, Binning: c.cfg.Binning, Norm: metrics.L1, Edges: c.cfg.Edges}
		general(func(s *scoringData) float64 {
			v, _ := metrics.ClasswiseECE(s.probs, s.k, s.label, spec, nil)
			return v
		})
		mv.Spec = calSpecMap(spec)
		mv.Spec["mode"] = "classwise"
	case "aurc":
		general(func(s *scoringData) float64 { return metrics.AURC(s.conf, s.correct) })
		mv.Spec = map[string]string{"confidence": "max probability", "risk": "0/1 error"}
	default:
		if pmv, rel, ok := c.parityMetric(name, d); ok {
			return pmv, rel
		}
		if pmv, ok := c.prfScore(name, d); ok {
			return pmv, nil
		}
		if cov, ok := selectiveCoverage(name); ok {
			general(func(s *scoringData) float64 { return metrics.AccuracyAtCoverage(s.conf, s.correct, cov) })
			mv.Spec = map[string]string{"coverage": strconv.FormatFloat(cov, 'g', -1, 64), "confidence": "max probability"}
			break
		}
		mv.Value, mv.Undefined = math.NaN(), "unknown metric"
	}
	return mv, nil
}

func calSpecMap(s metrics.CalibrationSpec) map[string]string {
	mode := "positive-class"
	if s.TopLabel {
		mode = "top-label"
	}
	m := map[string]string{"bins": strconv.Itoa(s.Bins), "binning": s.Binning.String(), "norm": s.Norm.String(), "mode": mode}
	if s.Edges == metrics.LeftClosed {
		m["edges"] = "left-closed"
	}
	return m
}

func reliability(name string, cal metrics.Calibration) *Reliability {
	r := &Reliability{Metric: name}
	for _, b := range cal.Bins {
		r.Bins = append(r.Bins, ReliabilityBin{Lower: b.Lower, Upper: b.Upper, Confidence: b.Confidence, Accuracy: b.Accuracy, Count: b.Count})
	}
	return r
}

func undefinedReason(err error) string {
	if errors.Is(err, metrics.ErrUndefined) {
		return err.Error()
	}
	return "error: " + err.Error()
}

func floatMean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// Correct returns 1 for each prediction whose class equals its label and 0
// otherwise, following the invalid-output policy: under "wrong" an invalid
// output is 0, under "exclude" it (and every unlabelled example) is NaN. It
// is the per-example form of accuracy, for bootstraps that span several
// evaluations (mCE, effective robustness).
func (c *Classifier) Correct(preds []Prediction) []float64 {
	out := make([]float64, len(preds))
	for i, p := range preds {
		switch {
		case p.Label < 0 || (p.Invalid != "" && c.cfg.Invalid == InvalidExclude):
			out[i] = math.NaN()
		case p.Invalid == "" && p.Pred == p.Label:
			out[i] = 1
		}
	}
	return out
}

// Statistic returns metric name as a function of resampled positions into
// preds (positions index preds after the invalid-output policy and the
// unlabelled examples are applied), and the number of positions. It
// computes the value only, no interval.
func (c *Classifier) Statistic(name string, preds []Prediction) (func(idx []int) float64, int) {
	d, _ := c.prepare(preds)
	plain := *c
	plain.cfg.Resamples = 0
	return func(idx []int) float64 {
		mv, _ := plain.metric(name, d.subset(idx))
		return mv.Value
	}, len(d.label)
}

// riskCoverage samples the risk–coverage curve (Geifman & El-Yaniv 2017) at
// coverages 1/points … 1, keeping the report small whatever n is.
func riskCoverage(conf []float64, correct []bool, points int) []CoveragePoint {
	cov, risk := metrics.RiskCoverage(conf, correct)
	n := len(cov)
	if n == 0 {
		return nil
	}
	out := make([]CoveragePoint, 0, points)
	for k := 1; k <= points; k++ {
		i := int(math.Ceil(float64(k)*float64(n)/float64(points))) - 1
		if i < 0 {
			i = 0
		}
		if len(out) > 0 && out[len(out)-1].Coverage == cov[i] {
			continue
		}
		out = append(out, CoveragePoint{Coverage: cov[i], Risk: risk[i]})
	}
	return out
}
