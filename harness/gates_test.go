package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/evalctl/evalctl/harness/suite"
)

// TestSuiteMetricsTemperatureScaled: with a calibration split, only the
// metrics the table marks probabilistic get a _ts twin (tasks/temperature.go
// reports no accuracy_ts).
func TestSuiteMetricsTemperatureScaled(t *testing.T) {
	s := &suite.Suite{Tasks: []suite.Task{{Name: "t", Kind: "classification", Metrics: []string{"accuracy", "ece", "selective_acc@10"},
		Calibration: suite.CalibrationSpec{Dataset: "calib"}}}}
	got := SuiteMetrics(s)
	assert.Equal(t, []string{"accuracy", "ece", "ece_ts", "selective_acc@10", "selective_acc@10_ts", "temperature"}, got)
}
