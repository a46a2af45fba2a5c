package ort

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDisableTelemetryKeepsTheUsersChoice(t *testing.T) {
	for _, tc := range []struct {
		name, set, want string
	}{
		{"unset: turned off", "", "1"},
		{"the user keeps ONNX Runtime's default", "0", "0"},
		{"already off", "1", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(TelemetryEnv, tc.set)
			if tc.set == "" {
				os.Unsetenv(TelemetryEnv)
			}
			disableTelemetry()
			assert.Equal(t, tc.want, os.Getenv(TelemetryEnv))
		})
	}
}
