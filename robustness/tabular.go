package robustness

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// TabularParams carries what tabular perturbations need to know about the
// features. Statistics should come from clean (training or validation)
// data, not from the rows being perturbed.
type TabularParams struct {
	// Std is each feature's standard deviation, one per feature. Needed by
	// feature_noise and feature_offset.
	Std []float64
	// Fill is the value written in place of a dropped feature: one value
	// for every feature, or one per feature. NaN is allowed and marks the
	// value as missing. Needed by feature_dropout; there is no default, so
	// the fill value is always declared.
	Fill []float64
	// Features lists the indices of the features to perturb; nil means all
	// features. Exclude categorical codes and identifiers here.
	Features []int
}

// PerturbRow is a convenience that allocates the output and derives the
// random source with ExampleRNG(seed, name, severity, index).
func PerturbRow(name string, src []float64, p TabularParams, seed uint64, severity, index int) ([]float64, error) {
	tp, err := LookupTabular(name)
	if err != nil {
		return nil, err
	}
	dst := make([]float64, len(src))
	if err := tp.Apply(dst, src, p, severity, ExampleRNG(seed, name, severity, index)); err != nil {
		return nil, fmt.Errorf("example %d: %w", index, err)
	}
	return dst, nil
}

// Parameters per severity (evalctl's choice; there is no standard
// tabular corruption benchmark).
var (
	featureNoiseScale  = [MaxSeverity]float64{0.1, 0.25, 0.5, 0.75, 1.0}
	featureDropoutProb = [MaxSeverity]float64{0.05, 0.1, 0.2, 0.3, 0.5}
	featureScaleDelta  = [MaxSeverity]float64{0.05, 0.1, 0.2, 0.35, 0.5}
	featureOffsetScale = [MaxSeverity]float64{0.1, 0.25, 0.5, 0.75, 1.0}
)

type tabularPert struct {
	base
	needStd, needFill, random bool
	fn                        func(dst []float64, p TabularParams, j, s int, rng *rand.Rand)
}

func init() {
	register(&tabularPert{base{"feature_noise", KindTabular, paramStrings("sigma=%g·std", featureNoiseScale)}, true, false, true,
		func(dst []float64, p TabularParams, j, s int, rng *rand.Rand) {
			dst[j] += featureNoiseScale[s] * p.Std[j] * rng.NormFloat64()
		}})
	register(&tabularPert{base{"feature_dropout", KindTabular, paramStrings("p=%g", featureDropoutProb)}, false, true, true,
		func(dst []float64, p TabularParams, j, s int, rng *rand.Rand) {
			if rng.Float64() < featureDropoutProb[s] {
				if len(p.Fill) == 1 {
					dst[j] = p.Fill[0]
				} else {
					dst[j] = p.Fill[j]
				}
			}
		}})
	register(&tabularPert{base{"feature_scale", KindTabular, paramStrings("factor=1+%g", featureScaleDelta)}, false, false, false,
		func(dst []float64, _ TabularParams, j, s int, _ *rand.Rand) {
			dst[j] *= 1 + featureScaleDelta[s]
		}})
	register(&tabularPert{base{"feature_offset", KindTabular, paramStrings("offset=+%g·std", featureOffsetScale)}, true, false, false,
		func(dst []float64, p TabularParams, j, s int, _ *rand.Rand) {
			dst[j] += featureOffsetScale[s] * p.Std[j]
		}})
}

func (t *tabularPert) Apply(dst, src []float64, p TabularParams, severity int, rng *rand.Rand) error {
	if err := checkSeverity(t.name, severity); err != nil {
		return err
	}
	if t.random && rng == nil {
		return errors.New(t.name + ": nil random source")
	}
	n := len(src)
	if len(dst) != n {
		return fmt.Errorf("%s: destination has %d features, source %d", t.name, len(dst), n)
	}
	if t.needStd {
		if len(p.Std) != n {
			return fmt.Errorf("%s: needs Std for each of the %d features, found %d values", t.name, n, len(p.Std))
		}
		for j, v := range p.Std {
			if !(v >= 0) || math.IsInf(v, 0) {
				return fmt.Errorf("%s: Std[%d] = %v, want a finite value ≥ 0", t.name, j, v)
			}
		}
	}
	if t.needFill && len(p.Fill) != 1 && len(p.Fill) != n {
		return fmt.Errorf("%s: needs Fill with 1 value or one per feature (%d), found %d values", t.name, n, len(p.Fill))
	}
	for k, j := range p.Features {
		if j < 0 || j >= n {
			return fmt.Errorf("%s: Features[%d] = %d out of range for %d features", t.name, k, j, n)
		}
	}
	copy(dst, src)
	s := severity - 1
	if p.Features == nil {
		for j := range n {
			t.fn(dst, p, j, s, rng)
		}
		return nil
	}
	seen := make(map[int]bool, len(p.Features))
	for _, j := range p.Features {
		if seen[j] {
			continue // perturb a listed feature once even if listed twice
		}
		seen[j] = true
		t.fn(dst, p, j, s, rng)
	}
	return nil
}
