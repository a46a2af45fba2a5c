package suite_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/harness/suite"
)

// minimal is testdata/minimal.good.yaml with room for ${VAR}s.
const overrideSuite = `version: 1
name: ${SUITE_NAME:-minimal}
seed: ${SEED:-1}
models:
  - {name: m, path: model.onnx}
datasets:
  - name: d
    format: csv
    path: ${DATA:-data.csv}
    features: [{name: x, columns: ["*"]}]
    label: {column: y}
tasks:
  - {name: t, kind: classification, dataset: d}
gates:
  - accuracy >= 0.5
`

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestOverrides(t *testing.T) {
	t.Parallel()
	file := filepath.Join("testdata", "override.yaml") // only names the suite's folder
	// What the ${VAR:-default}s of overrideSuite record when nothing is set.
	defaults := []string{"${SUITE_NAME} unset: default minimal", "${SEED} unset: default 1", "${DATA} unset: default data.csv"}
	abs, err := filepath.Abs(filepath.Join("testdata", "model.onnx"))
	require.NoError(t, err)
	tests := []struct {
		name  string
		text  string
		o     suite.Overrides
		check func(t *testing.T, s *suite.Suite)
		prov  []string
	}{
		{"defaults", overrideSuite, suite.Overrides{LookupEnv: env()}, func(t *testing.T, s *suite.Suite) {
			assert.Equal(t, "minimal", s.Name)
			assert.Equal(t, uint64(1), s.Seed, "the default is resolved as an integer")
			assert.Equal(t, "data.csv", s.Datasets[0].Path)
		}, defaults},
		{"environment", overrideSuite, suite.Overrides{LookupEnv: env("SUITE_NAME", "nightly", "SEED", "42")}, func(t *testing.T, s *suite.Suite) {
			assert.Equal(t, "nightly", s.Name)
			assert.Equal(t, uint64(42), s.Seed)
		}, []string{"${SUITE_NAME}=nightly", "${SEED}=42", "${DATA} unset: default data.csv"}},
		{"escaped", strings.Replace(overrideSuite, "${SUITE_NAME:-minimal}", "a$${B}", 1), suite.Overrides{LookupEnv: env()}, func(t *testing.T, s *suite.Suite) {
			assert.Equal(t, "a${B}", s.Name)
		}, defaults[1:]},
		{"--model", overrideSuite, suite.Overrides{LookupEnv: env(), Models: []string{"m=testdata/model.onnx"}}, func(t *testing.T, s *suite.Suite) {
			assert.Equal(t, abs, s.Models[0].Path, "relative to the current directory, made absolute")
		}, append(defaults[:3:3], "--model m="+abs)},
		{"--set scalar, list, created mapping", overrideSuite, suite.Overrides{LookupEnv: env(), Sets: []string{
			"runtime.batch_size=64", "tasks[0].metrics=[accuracy, nll]", "bootstrap.resamples=200", "tasks.t.dataset=d"}}, func(t *testing.T, s *suite.Suite) {
			assert.Equal(t, 64, s.Runtime.BatchSize)
			assert.Equal(t, []string{"accuracy", "nll"}, s.Tasks[0].Metrics)
			assert.Equal(t, 200, *s.Bootstrap.Resamples)
		}, append(defaults[:3:3], "--set runtime.batch_size=64", "--set tasks[0].metrics=[accuracy, nll]", "--set bootstrap.resamples=200", "--set tasks.t.dataset=d")},
		{"--set a gate", overrideSuite, suite.Overrides{LookupEnv: env(), Sets: []string{"gates[0]=accuracy >= 0.9"}}, func(t *testing.T, s *suite.Suite) {
			assert.Equal(t, "accuracy >= 0.9", s.Gates[0].Expr)
		}, append(defaults[:3:3], "--set gates[0]=accuracy >= 0.9")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := suite.ParseWith([]byte(tt.text), file, tt.o)
			require.NoError(t, err)
			tt.check(t, s)
			_, err = harness.ParseGates(s)
			require.NoError(t, err)
			assert.Equal(t, tt.prov, s.Overrides)
		})
	}
}

func TestOverrideErrors(t *testing.T) {
	t.Parallel()
	file := filepath.Join("testdata", "override.yaml")
	tests := []struct {
		name string
		text string
		o    suite.Overrides
		want string
	}{
		{"unset variable", "version: 1\nname: x\nmodels:\n  - name: m\n    path: ${MODEL}\n", suite.Overrides{LookupEnv: env()},
			"testdata/override.yaml:5:11: models[0].path: invalid value: ${MODEL}: environment variable MODEL is not set (give it a default with ${MODEL:-default})"},
		{"bad variable name", "version: 1\nname: ${1X}\n", suite.Overrides{LookupEnv: env()},
			`testdata/override.yaml:2:7: name: invalid value: ${1X}: "1X" is not a variable name`},
		{"unclosed", "version: 1\nname: ${X\n", suite.Overrides{LookupEnv: env()},
			"testdata/override.yaml:2:7: name: invalid value: \"${X\": ${ without a closing }"},
		{"--set wrong type", overrideSuite, suite.Overrides{LookupEnv: env(), Sets: []string{"runtime.batch_size=many"}},
			`--set runtime.batch_size=many: runtime.batch_size: wrong type: expected an integer, found "many"`},
		{"--set unknown key", overrideSuite, suite.Overrides{LookupEnv: env(), Sets: []string{"runtime.batchsize=4"}},
			`--set runtime.batchsize=4: runtime.batchsize: unknown key "batchsize" (did you mean "batch_size"?)`},
		{"--set invalid value", overrideSuite, suite.Overrides{LookupEnv: env(), Sets: []string{"tasks[0].kind=classify"}},
			`--set tasks[0].kind=classify: tasks[0].kind: invalid value: "classify"`},
		{"--set no such element", overrideSuite, suite.Overrides{LookupEnv: env(), Sets: []string{"tasks.tt.kind=classification"}},
			`--set tasks.tt.kind=classification: invalid value: tasks has no element named "tt" (did you mean "t"?) (names: t)`},
		{"--set index out of range", overrideSuite, suite.Overrides{LookupEnv: env(), Sets: []string{"tasks[3].kind=x"}},
			"--set tasks[3].kind=x: invalid value: tasks has 1 elements; index 3 is out of range"},
		{"--set without =", overrideSuite, suite.Overrides{LookupEnv: env(), Sets: []string{"seed"}},
			"--set seed: invalid value: want --set key.path=value"},
		{"--model unknown", overrideSuite, suite.Overrides{LookupEnv: env(), Models: []string{"bert=x.onnx"}},
			`--model bert=x.onnx: invalid value: models has no element named "bert"`},
		{"--model missing file", overrideSuite, suite.Overrides{LookupEnv: env(), Models: []string{"m=nowhere.onnx"}},
			"--model m=nowhere.onnx: models[0].path: file not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := suite.ParseWith([]byte(tt.text), file, tt.o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// A gate set with --set is checked like one in the file, and its error
// names the flag.
func TestOverrideGateError(t *testing.T) {
	t.Parallel()
	s, err := suite.ParseWith([]byte(overrideSuite), filepath.Join("testdata", "override.yaml"),
		suite.Overrides{LookupEnv: env(), Sets: []string{"gates[0]=acuracy >= 0.9"}})
	require.NoError(t, err)
	_, err = harness.ParseGates(s)
	require.Error(t, err)
	assert.Contains(t, s.Attribute(err).Error(), `--set gates[0]=acuracy >= 0.9: gates[0]: gate "acuracy >= 0.9": unknown metric "acuracy"; did you mean "accuracy"?`)
}

// LoadWith reads the file and, without LookupEnv, the process environment.
func TestLoadWithEnvironment(t *testing.T) {
	t.Setenv("EVALCTL_TEST_SUITE_NAME", "from-env")
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	require.NoError(t, os.WriteFile(p, []byte("version: 1\nname: ${EVALCTL_TEST_SUITE_NAME}\nmodels: []\ndatasets: []\ntasks: []\n"), 0o644))
	s, err := suite.LoadWith(p, suite.Overrides{})
	if err == nil {
		assert.Equal(t, "from-env", s.Name)
		return
	}
	assert.NotContains(t, err.Error(), "EVALCTL_TEST_SUITE_NAME")
}

func TestReplay(t *testing.T) {
	t.Setenv("EVALCTL_TEST_OTHER", "from-env")
	o := suite.Replay([]string{"${SUITE_NAME}=nightly", "${SEED} unset: default 1", "--model m=/abs/m.onnx", "--set gates[0]=accuracy >= 0.9", "--set seed=3"})
	assert.Equal(t, []string{"m=/abs/m.onnx"}, o.Models)
	assert.Equal(t, []string{"gates[0]=accuracy >= 0.9", "seed=3"}, o.Sets)
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"SUITE_NAME", "nightly", true},
		{"SEED", "", false},                      // its default was used: unset again
		{"EVALCTL_TEST_OTHER", "from-env", true}, // not recorded: the environment
	}
	for _, tt := range tests {
		v, ok := o.LookupEnv(tt.name)
		assert.Equal(t, tt.ok, ok, tt.name)
		assert.Equal(t, tt.want, v, tt.name)
	}
}
