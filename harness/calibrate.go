package harness

import "github.com/evalctl/evalctl/metrics"

// CalibrationKey is the predictions-sidecar key of a task's calibration split.
func CalibrationKey(model, task, dataset string) string {
	return model + "/" + task + "/calibration:" + dataset
}

// edgeRule converts the suite's calibration.edges ("", "right" or "left").
func edgeRule(s string) metrics.EdgeRule {
	if s == "left" {
		return metrics.LeftClosed
	}
	return metrics.RightClosed
}
