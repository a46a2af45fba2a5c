package robustness

import (
	"math"
)

// gaussianNoise: x + N(0, σ²), clipped to [0,1].
func gaussianNoise(dst, src Image, ps *sevParams, rng randSource) {
	sigma := ps.c[0]
	for i, v := range src.Pix {
		dst.Pix[i] = clamp01(float64(v) + sigma*rng.NormFloat64())
	}
}

// shotNoise: Poisson(x·λ)/λ, clipped to [0,1].
func shotNoise(dst, src Image, ps *sevParams, rng randSource) {
	rate := ps.c[0]
	for i, v := range src.Pix {
		dst.Pix[i] = clamp01(poisson(rng, float64(v)*rate) / rate)
	}
}

// impulseNoise: each value is, with probability amount, replaced by 0 or 1
// with equal chance (salt and pepper, as skimage.util.random_noise 's&p').
func impulseNoise(dst, src Image, ps *sevParams, rng randSource) {
	amount := ps.c[0]
	for i, v := range src.Pix {
		if rng.Float64() < amount {
			if rng.Float64() < 0.5 {
				v = 0
			} else {
				v = 1
			}
		}
		dst.Pix[i] = v
	}
}

// poisson draws from a Poisson distribution with mean lambda ≥ 0. It uses
// the direct (product of uniforms) method for lambda < 10 and the
// transformed rejection method PTRS of Hörmann (1993), "The transformed
// rejection method for generating Poisson random variables", Insurance:
// Mathematics and Economics 12(1), otherwise.
func poisson(rng randSource, lambda float64) float64 {
	if !(lambda > 0) {
		return 0
	}
	if lambda < 10 {
		limit := math.Exp(-lambda)
		k := 0.0
		p := rng.Float64()
		for p > limit {
			k++
			p *= rng.Float64()
		}
		return k
	}
	slam := math.Sqrt(lambda)
	loglam := math.Log(lambda)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := rng.Float64() - 0.5
		v := rng.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lambda + 0.43)
		if us >= 0.07 && v <= vr {
			return k
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -lambda+k*loglam-lg {
			return k
		}
	}
}
