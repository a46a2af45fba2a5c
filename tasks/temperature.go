package tasks

import (
	"fmt"
	"math"
	"strconv"

	"github.com/evalctl/evalctl/metrics"
)

// TemperatureScaled fits a softmax temperature T on the calibration
// predictions by minimising their NLL (Guo et al. 2017), applies it to the
// test predictions, and reports "temperature" and every calibration or
// probabilistic metric of the task again with the suffix "_ts". Log
// probabilities stand in for logits: softmax(log p / T) equals softmax(z / T)
// because softmax is invariant to per-row shifts.
func (c *Classifier) TemperatureScaled(calib, test []Prediction) ([]MetricValue, error) {
	d, _ := c.prepare(calib)
	if len(d.label) == 0 {
		return nil, fmt.Errorf("calibration split: %w", ErrNoExamples)
	}
	logits := logProbs(d.probs)
	T, err := metrics.FitTemperature(logits, d.k, d.label)
	if err != nil {
		return nil, fmt.Errorf("fit temperature: %w", err)
	}
	scaled := make([]Prediction, len(test))
	k := c.K()
	for i, p := range test {
		scaled[i] = p
		if p.Invalid != "" {
			continue
		}
		scaled[i].Probs = make([]float64, k)
		metrics.Softmax(scaled[i].Probs, logProbs(p.Probs), k, T)
		scaled[i].Pred = argmax(scaled[i].Probs)
	}
	out := []MetricValue{{Name: "temperature", Value: T, N: len(d.label), Low: math.NaN(), High: math.NaN(), Parameter: true,
		Spec: map[string]string{"fit": "NLL on calibration split", "calibration_examples": strconv.Itoa(len(d.label))}}}
	sd, _ := c.prepare(scaled)
	for _, name := range c.cfg.Metrics {
		if m, _, ok := metrics.Lookup(name); ok && m.Probabilistic {
			mv, _ := c.metric(name, sd)
			mv.Name = name + "_ts"
			if mv.Spec == nil {
				mv.Spec = map[string]string{}
			}
			mv.Spec["temperature"] = strconv.FormatFloat(T, 'g', 6, 64)
			out = append(out, mv)
		}
	}
	return out, nil
}

func logProbs(p []float64) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = math.Log(math.Max(v, 1e-300))
	}
	return out
}
