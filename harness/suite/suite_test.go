package suite_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the .golden files")

// loadAll loads a suite and validates its gates, as `evalctl validate` does.
func loadAll(path string) error {
	s, err := suite.Load(path)
	if err != nil {
		return err
	}
	_, err = harness.ParseGates(s)
	return err
}

func TestGoodSuites(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			assert.NoError(t, loadAll(f))
		})
	}
}

// TestBadSuites compares every bad suite's errors with its golden file:
// all problems of a file are reported at once, each with file:line:col.
func TestBadSuites(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			err := loadAll(f)
			require.Error(t, err)
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, rerr := os.ReadFile(golden)
			require.NoError(t, rerr, "run go test ./harness/suite -update")
			assert.Equal(t, string(want), got)
		})
	}
}

func TestDefaults(t *testing.T) {
	s, err := suite.Load("testdata/minimal.good.yaml")
	require.NoError(t, err)
	assert.Equal(t, []suite.Provider{suite.ProviderCPU}, s.Runtime.ExecutionProviders)
	assert.True(t, *s.Runtime.AllowFallback)
	assert.Equal(t, suite.DefaultBatchSize, s.Runtime.BatchSize)
	assert.Equal(t, suite.DefaultResamples, *s.Bootstrap.Resamples)
	assert.Equal(t, 0.95, s.Bootstrap.Confidence)
	assert.Equal(t, []string{"accuracy", "macro_f1", "nll", "brier", "ece"}, s.Tasks[0].Metrics)
	assert.Equal(t, "testdata/model.onnx", s.Resolve(s.Models[0].Path))
	assert.Len(t, s.SHA256, 64)
}

func TestErrorsAreTyped(t *testing.T) {
	err := loadAll("testdata/references.bad.yaml")
	require.Error(t, err)
	assert.True(t, errors.Is(err, suite.ErrReference))
	assert.True(t, errors.Is(err, suite.ErrUnknownMetric))
	assert.True(t, errors.Is(err, suite.ErrFile))
	var se *suite.Error
	require.True(t, errors.As(err, &se))
	assert.Equal(t, "testdata/references.bad.yaml", se.File)
	assert.Positive(t, se.Line)
}

func TestNearest(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"acuracy", "accuracy"},
		{"adaptaton", "adaptation"},
		{"zzzzzz", ""},
		{"ece", "ece"},
	} {
		assert.Equal(t, tc.want, dataset.Nearest(tc.in, []string{"accuracy", "adaptation", "ece", "nll"}), tc.in)
	}
}

// FuzzParse checks that no input makes the loader panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := suite.Parse(data, "testdata/fuzz.yaml")
		if err == nil && s == nil {
			t.Fatal("nil suite without error")
		}
	})
}

// TestMetricAliases: a suite may spell a metric as the metric table's
// aliases (f1_macro, rms_calibration_error, log_loss); the loaded suite
// carries the canonical names, and a misspelt alias is suggested as the
// canonical name.
func TestMetricAliases(t *testing.T) {
	base, err := os.ReadFile("testdata/minimal.good.yaml")
	require.NoError(t, err)
	for _, tc := range []struct {
		metrics string
		want    []string
		err     string
	}{
		{"[f1_macro, rms_calibration_error, log_loss, selective_acc@25]", []string{"macro_f1", "rms_ce", "nll", "selective_acc@25"}, ""},
		{"[f1_macr]", nil, `unknown metric: "f1_macr" (did you mean "macro_f1"?)`},
		{"[brier_binary, f1_weighted]", []string{"brier_binary", "f1_weighted"}, ""}, // peer-named metrics of their own, not aliases
	} {
		t.Run(tc.metrics, func(t *testing.T) {
			data := strings.Replace(string(base), "{name: t, kind: classification, dataset: d}",
				"{name: t, kind: classification, dataset: d, metrics: "+tc.metrics+"}", 1)
			s, err := suite.Parse([]byte(data), "testdata/minimal.good.yaml")
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, s.Tasks[0].Metrics)
		})
	}
}
