package robustness

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
)

// LogitFit is the linear trend between in-distribution and
// out-of-distribution accuracy in logit space (Taori et al. 2020):
//
//	logit(OOD acc) ≈ Slope·logit(ID acc) + Intercept,  logit(p) = ln(p/(1−p))
type LogitFit struct {
	Slope, Intercept float64
	// N is the number of models the line was fitted on.
	N int
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// FitLogit fits LogitFit by ordinary least squares on the (ID, OOD)
// accuracies of a set of models (the baseline testbed; in evalctl, the
// suite's models). It needs at least 2 models, every accuracy strictly
// inside (0,1) (logit is infinite at 0 and 1) and at least two distinct ID
// accuracies. With exactly 2 models the line passes through both and their
// effective robustness is 0.
func FitLogit(idAcc, oodAcc []float64) (LogitFit, error) {
	if len(idAcc) != len(oodAcc) {
		return LogitFit{}, fmt.Errorf("effective robustness: %d ID accuracies but %d OOD accuracies", len(idAcc), len(oodAcc))
	}
	if len(idAcc) < 2 {
		return LogitFit{}, fmt.Errorf("effective robustness: need at least 2 models to fit the logit line, have %d", len(idAcc))
	}
	x := make([]float64, len(idAcc))
	y := make([]float64, len(idAcc))
	for i := range idAcc {
		if !(idAcc[i] > 0 && idAcc[i] < 1) || !(oodAcc[i] > 0 && oodAcc[i] < 1) {
			return LogitFit{}, fmt.Errorf("effective robustness: model %d has ID accuracy %v and OOD accuracy %v; both must be strictly between 0 and 1", i, idAcc[i], oodAcc[i])
		}
		x[i], y[i] = logit(idAcc[i]), logit(oodAcc[i])
	}
	if stat.Variance(x, nil) == 0 {
		return LogitFit{}, errors.New("effective robustness: every model has the same ID accuracy; the logit line is undefined")
	}
	alpha, beta := stat.LinearRegression(x, y, nil, false)
	return LogitFit{Slope: beta, Intercept: alpha, N: len(idAcc)}, nil
}

// Predict returns the OOD accuracy the fitted line expects for an ID
// accuracy: σ(Slope·logit(idAcc) + Intercept), σ(z) = 1/(1+e^−z).
func (f LogitFit) Predict(idAcc float64) float64 {
	return sigmoid(f.Slope*logit(idAcc) + f.Intercept)
}

// EffectiveRobustness returns a model's OOD accuracy above the line:
//
//	ER = oodAcc − σ(Slope·logit(idAcc) + Intercept)
func (f LogitFit) EffectiveRobustness(idAcc, oodAcc float64) float64 {
	return oodAcc - f.Predict(idAcc)
}

// EffectiveRobustness fits the logit line on all the given models
// (FitLogit) and returns each model's effective robustness, in input
// order, with the fit.
func EffectiveRobustness(idAcc, oodAcc []float64) ([]float64, LogitFit, error) {
	f, err := FitLogit(idAcc, oodAcc)
	if err != nil {
		return nil, LogitFit{}, err
	}
	er := make([]float64, len(idAcc))
	for i := range idAcc {
		er[i] = f.EffectiveRobustness(idAcc[i], oodAcc[i])
	}
	return er, f, nil
}
