package fairness

import (
	"encoding/json"
	"math"
)

// Value is a number that may be undefined. When V is NaN, Reason says why
// (for example "empty group" or "no positive examples"); when V is defined,
// Reason is empty.
type Value struct {
	V      float64
	Reason string
}

// Defined reports whether v holds a number (not NaN).
func (v Value) Defined() bool { return !math.IsNaN(v.V) }

// Undefined returns a NaN Value carrying reason.
func Undefined(reason string) Value { return Value{V: math.NaN(), Reason: reason} }

// Of wraps f as a Value; a NaN f gets the generic reason "metric returned NaN".
func Of(f float64) Value {
	if math.IsNaN(f) {
		return Undefined("metric returned NaN")
	}
	return Value{V: f}
}

// valueJSON is the JSON shape of a Value: NaN becomes null.
type valueJSON struct {
	Value  *float64 `json:"value"`
	Reason string   `json:"reason,omitempty"`
}

// MarshalJSON writes {"value": v} or {"value": null, "reason": "..."}; ±Inf
// are written as null with the reason "infinite".
func (v Value) MarshalJSON() ([]byte, error) {
	out := valueJSON{Reason: v.Reason}
	switch {
	case math.IsNaN(v.V):
	case math.IsInf(v.V, 0):
		out.Reason = "infinite"
	default:
		f := v.V
		out.Value = &f
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes; null becomes NaN.
func (v *Value) UnmarshalJSON(b []byte) error {
	var in valueJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	v.Reason = in.Reason
	if in.Value == nil {
		v.V = math.NaN()
	} else {
		v.V = *in.Value
	}
	return nil
}

// Metric evaluates a metric on the examples whose indices are idx (indices
// into the caller's own prediction/label arrays). It must not keep or modify
// idx, must be deterministic, and should return an undefined [Value] rather
// than panic when idx is empty or the metric has no denominator. Bootstrap
// resamples pass idx with repeated indices, from several goroutines at once
// ([PercentileInterval] runs on metrics.BootstrapCI), so a Metric must
// also be safe for concurrent use.
type Metric func(idx []int) Value

// ScalarMetric adapts a plain float64 metric (NaN meaning undefined) to a
// [Metric]. Use it to plug in functions of the metrics package:
//
//	acc := fairness.ScalarMetric(func(idx []int) float64 {
//		return metrics.Accuracy(take(pred, idx), take(label, idx), take(w, idx))
//	})
func ScalarMetric(f func(idx []int) float64) Metric {
	return func(idx []int) Value {
		if len(idx) == 0 {
			return Undefined("empty group")
		}
		return Of(f(idx))
	}
}
