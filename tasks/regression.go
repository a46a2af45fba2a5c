package tasks

import (
	"fmt"
	"math"

	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// Regression scores one real value per example against a numeric target.
const Regression Kind = "regression"

func init() {
	kinds[Regression] = kindInfo{defaults: []string{"mae", "rmse", "r2", "pearson", "spearman"}}
}

// RegressionConfig configures a regression task.
type RegressionConfig struct {
	// Output is the model output to read ("" = the only output, else the
	// first float tensor).
	Output  string
	Invalid InvalidPolicy
	Metrics []string
	// Bootstrap settings; Resamples 0 disables intervals.
	Resamples  int
	Confidence float64
	Seed       uint64
}

// Regressor decodes regression outputs and scores them: MAE, RMSE, R²,
// Pearson and Spearman correlation (scikit-learn and scipy definitions, see
// metrics), each with a percentile bootstrap interval.
type Regressor struct {
	cfg RegressionConfig
}

// NewRegressor returns a Regressor.
func NewRegressor(cfg RegressionConfig) *Regressor {
	if cfg.Invalid == "" {
		cfg.Invalid = InvalidWrong
	}
	if cfg.Confidence == 0 {
		cfg.Confidence = 0.95
	}
	return &Regressor{cfg: cfg}
}

// PickOutput chooses the output to read: the configured one, the only one,
// else the first float tensor.
func (g *Regressor) PickOutput(outs []tensor.Info) (string, error) {
	return pickOutput(g.cfg.Output, outs)
}

// Decode reads one value per row ([batch] or [batch, 1]) into dst[i].Value,
// marking NaN and Inf outputs invalid.
func (g *Regressor) Decode(out tensor.Tensor, rows int, dst []Prediction) error {
	if len(out.Shape) == 0 || out.Shape[0] < int64(rows) {
		return fmt.Errorf("output %q has shape %v, want [%d] or [%d, 1]", out.Name, out.Shape, rows, rows)
	}
	width := 1
	for _, d := range out.Shape[1:] {
		width *= int(d)
	}
	if width != 1 {
		return fmt.Errorf("output %q has %d values per example (shape %v); a regression reads one", out.Name, width, out.Shape)
	}
	if out.DType == tensor.String || out.DType == tensor.Invalid {
		return fmt.Errorf("output %q has element type %s; want numbers", out.Name, out.DType)
	}
	for i := 0; i < rows; i++ {
		v := out.Float(i)
		p := &dst[i]
		p.Label, p.Pred, p.Value, p.Invalid = -1, -1, v, ""
		switch {
		case math.IsNaN(v):
			p.Invalid = "nan"
		case math.IsInf(v, 0):
			p.Invalid = "inf"
		}
	}
	return nil
}

// Mode and SetMode exist for the pipeline's cache; a regression has none.
func (g *Regressor) Mode() ScoreMode { return ScoresProbabilities }

// SetMode is a no-op for regression.
func (g *Regressor) SetMode(ScoreMode) {}

// Score computes the configured metrics with intervals. Invalid outputs are
// left out under "exclude"; under "wrong" they make every metric undefined
// (a NaN prediction has no error to average), with the count as the reason.
func (g *Regressor) Score(preds []Prediction) (Scores, error) {
	var pred, target []float64
	invalid := 0
	for _, p := range preds {
		if p.Invalid != "" {
			invalid++
			if g.cfg.Invalid == InvalidExclude {
				continue
			}
		}
		pred = append(pred, p.Value)
		target = append(target, p.Target)
	}
	out := Scores{Invalid: invalid, N: len(pred)}
	if len(pred) == 0 {
		return out, ErrNoExamples
	}
	for _, name := range g.cfg.Metrics {
		out.Metrics = append(out.Metrics, g.metric(name, pred, target, invalid))
	}
	return out, nil
}

func (g *Regressor) metric(name string, pred, target []float64, invalid int) MetricValue {
	n := len(pred)
	mv := MetricValue{Name: name, N: n, HigherIsBetter: HigherIsBetter(name), Low: math.NaN(), High: math.NaN()}
	if invalid > 0 && g.cfg.Invalid != InvalidExclude {
		mv.Value, mv.Undefined = math.NaN(), fmt.Sprintf("%d outputs were NaN or Inf (set invalid: exclude to score the rest)", invalid)
		return mv
	}
	res, level := g.cfg.Resamples, g.cfg.Confidence
	seed := metrics.SubSeed(g.cfg.Seed, name)
	set := func(ci metrics.CI) {
		mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
	}
	switch name {
	case "mae", "rmse":
		terms := make([]float64, n)
		for i := range terms {
			d := pred[i] - target[i]
			if name == "mae" {
				terms[i] = math.Abs(d)
			} else {
				terms[i] = d * d
			}
		}
		mv.Value = floatMean(terms)
		if res > 0 {
			set(metrics.BootstrapMeanCI(terms, res, level, seed))
		}
		if name == "rmse" {
			// RMSE is the square root of the mean squared error; the root is
			// monotone, so the interval's ends are the roots of the MSE's.
			mv.Value, mv.Low, mv.High = math.Sqrt(mv.Value), math.Sqrt(mv.Low), math.Sqrt(mv.High)
		}
	case "r2", "pearson", "spearman":
		f := map[string]func(a, b, w []float64) float64{"r2": metrics.R2, "pearson": metrics.Pearson, "spearman": metrics.Spearman}[name]
		stat := func(idx []int) float64 {
			p, t := make([]float64, len(idx)), make([]float64, len(idx))
			for j, i := range idx {
				p[j], t[j] = pred[i], target[i]
			}
			if name == "r2" {
				return f(p, t, nil)
			}
			return f(t, p, nil)
		}
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		mv.Value = stat(all)
		if math.IsNaN(mv.Value) {
			mv.Undefined = "constant predictions or targets"
			return mv
		}
		if res > 0 {
			set(metrics.BootstrapCI(n, stat, res, level, seed))
		}
	default:
		mv.Value, mv.Undefined = math.NaN(), "unknown metric"
	}
	return mv
}
