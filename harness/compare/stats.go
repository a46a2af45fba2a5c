package compare

import "math"

// The unpaired fallback uses the normal distribution.

// normalQuantile returns z with Φ(z) = q.
func normalQuantile(q float64) float64 { return math.Sqrt2 * math.Erfinv(2*q-1) }

// normalTwoSided returns the two-sided p-value 2·(1 − Φ(|z|)).
func normalTwoSided(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }
