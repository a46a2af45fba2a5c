package suite_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShippedSuites loads and validates every suite in suites/, as
// `evalctl validate` does (issue 12 item 6), so a schema change that
// breaks a shipped suite fails here. A suite whose only problems are data
// files fetched into .evalctl/ (not in the repository) is skipped when
// they have not been fetched.
func TestShippedSuites(t *testing.T) {
	files, err := filepath.Glob("../../suites/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 7, "the bundled suites")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			err := loadAll(f)
			if err != nil && onlyUnfetched(err) {
				t.Skipf("data not fetched (scripts/fetch-data): %v", err)
			}
			assert.NoError(t, err)
		})
	}
}

// onlyUnfetched reports whether every problem in err is a missing file
// under .evalctl/.
func onlyUnfetched(err error) bool {
	var list interface{ Unwrap() []error }
	errs := []error{err}
	if errors.As(err, &list) {
		errs = list.Unwrap()
	}
	for _, e := range errs {
		if !errors.Is(e, suite.ErrFile) || !strings.Contains(e.Error(), ".evalctl/") {
			return false
		}
	}
	return true
}

// sectionSuite is a valid suite with a grouped, labelled classification
// dataset (d), a second dataset (shift) and two models; task adds keys to
// the one task and dataset to the first dataset.
func sectionSuite(kind, task, dataset string) string {
	return fmt.Sprintf(`version: 1
name: sections
models:
  - {name: m, path: model.onnx}
  - {name: base, path: model.onnx}
datasets:
  - name: d
    format: csv
    path: data.csv
    features: [{name: x, columns: ["*"]}]
%s
  - name: shift
    format: csv
    path: data.csv
    features: [{name: x, columns: ["*"]}]
    label: {column: y}
tasks:
  - name: t
    kind: %s
    dataset: d
%s
`, indent(dataset, 4), kind, indent(task, 4))
}

func indent(s string, n int) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = strings.Repeat(" ", n) + lines[i]
	}
	return strings.Join(lines, "\n")
}

const groupedData = "label: {column: y, classes: [good, bad]}\ngroups: [{column: sex}, {column: age, bins: [40]}]"

// TestSectionValidators is issue 12 item 6: the fairness, robustness and
// regression validators, one bad fixture per rule, each with the key path
// and the sentinel the error must carry.
func TestSectionValidators(t *testing.T) {
	cases := []struct {
		name, kind, task, data string
		path                   string
		sentinel               error
		want                   string
	}{
		// fairness
		{"fairness without groups or counterfactual", "classification", "fairness: {}", "label: {column: y}",
			"tasks[0].fairness", suite.ErrInvalid, `dataset "d" declares no groups to slice by`},
		{"fairness attribute not a group", "classification", "fairness: {attributes: [sexx]}", groupedData,
			"tasks[0].fairness.attributes[0]", suite.ErrReference, `group "sexx" does not exist (did you mean "sex"?)`},
		{"fairness negative min_group_size", "classification", "fairness: {min_group_size: -1}", groupedData,
			"tasks[0].fairness.min_group_size", suite.ErrInvalid, "-1 (want >= 0)"},
		{"fairness positive not a class", "classification", "fairness: {positive: goood}", groupedData,
			"tasks[0].fairness.positive", suite.ErrReference, `class "goood" does not exist (did you mean "good"?)`},
		{"fairness unknown metric", "classification", "fairness: {metrics: [accuracy, tprr]}", groupedData,
			"tasks[0].fairness.metrics[1]", suite.ErrUnknownMetric, `"tprr"`},
		{"counterfactual without name", "classification", "fairness: {counterfactual: [{column: sex, swap: {a: b}}]}", groupedData,
			"tasks[0].fairness.counterfactual[0].name", suite.ErrMissing, "counterfactual needs a name"},
		{"counterfactual duplicate name", "classification", "fairness: {counterfactual: [{name: c, column: sex, swap: {a: b}}, {name: c, column: sex, swap: {b: a}}]}", groupedData,
			"tasks[0].fairness.counterfactual[1].name", suite.ErrDuplicateName, `counterfactual "c" already declared`},
		{"counterfactual words and swap", "classification", "fairness: {counterfactual: [{name: c, words: pronouns, column: sex, swap: {a: b}}]}", groupedData,
			"tasks[0].fairness.counterfactual[0]", suite.ErrInvalid, "give either words (text substitution) or column and swap"},
		{"counterfactual words file missing", "classification", "fairness: {counterfactual: [{name: c, words: names.json}]}", groupedData,
			"tasks[0].fairness.counterfactual[0].words", suite.ErrFile, "names.json (resolved to testdata/names.json)"},
		{"counterfactual without column", "classification", "fairness: {counterfactual: [{name: c, swap: {a: b}}]}", groupedData,
			"tasks[0].fairness.counterfactual[0].column", suite.ErrMissing, "column (or words, for text substitution)"},
		{"counterfactual without swap", "classification", "fairness: {counterfactual: [{name: c, column: sex}]}", groupedData,
			"tasks[0].fairness.counterfactual[0].swap", suite.ErrMissing, "swap (a map from each value to its substitute)"},
		// robustness
		{"robustness empty", "classification", "robustness: {metric: accuracy}", groupedData,
			"tasks[0].robustness", suite.ErrMissing, "perturbations or shift"},
		{"robustness range reversed", "classification", "robustness: {shift: [shift], range: [255, 0]}", groupedData,
			"tasks[0].robustness.range", suite.ErrInvalid, "[255 0] (want [low, high] with low < high"},
		{"robustness unknown metric", "classification", "robustness: {shift: [shift], metric: acc}", groupedData,
			"tasks[0].robustness.metric", suite.ErrUnknownMetric, `"acc"`},
		{"robustness unknown perturbation", "classification", "robustness: {perturbations: [{name: gausian_noise}]}", groupedData,
			"tasks[0].robustness.perturbations[0].name", suite.ErrInvalid, `unknown perturbation "gausian_noise" (did you mean "gaussian_noise"?)`},
		{"robustness severity 0", "classification", "robustness: {perturbations: [{name: gaussian_noise, severities: [1, 0]}]}", groupedData,
			"tasks[0].robustness.perturbations[0].severities[1]", suite.ErrInvalid, "0 (want 1..5)"},
		{"robustness severity 6", "classification", "robustness: {perturbations: [{name: gaussian_noise, severities: [6]}]}", groupedData,
			"tasks[0].robustness.perturbations[0].severities[0]", suite.ErrInvalid, "6 (want 1..5)"},
		{"robustness corruption_set not perturbed", "classification", "robustness: {perturbations: [{name: gaussian_noise}], corruption_set: [contrast]}", groupedData,
			"tasks[0].robustness.corruption_set[0]", suite.ErrReference, `perturbation "contrast" does not exist`},
		{"robustness unknown baseline", "classification", "robustness: {perturbations: [{name: image}], baseline: bsae}", groupedData,
			"tasks[0].robustness.baseline", suite.ErrReference, `model "bsae" does not exist (did you mean "base"?)`},
		{"robustness unknown shift dataset", "classification", "robustness: {shift: [shfit]}", groupedData,
			"tasks[0].robustness.shift[0]", suite.ErrReference, `dataset "shfit" does not exist (did you mean "shift"?)`},
		// issue 14.7: parameter tables and published baseline errors
		{"robustness unknown parameter table", "classification", "robustness: {perturbations: [{name: image}], parameters: imagenet}", groupedData,
			"tasks[0].robustness.parameters", suite.ErrInvalid, `"imagenet" (want cifar10_c or imagenet_c)`},
		{"robustness baseline_errors with baseline", "classification", "robustness: {perturbations: [{name: fog}], baseline: base, baseline_errors: {fog: 0.819324}}", groupedData,
			"tasks[0].robustness.baseline_errors", suite.ErrInvalid, `given together with baseline "base"`},
		{"robustness baseline_errors not perturbed", "classification", "robustness: {perturbations: [{name: fog}], baseline_errors: {fog: 0.82, snow: 0.87}}", groupedData,
			"tasks[0].robustness.baseline_errors.snow", suite.ErrReference, `perturbation "snow" does not exist`},
		{"robustness baseline_errors count", "classification", "robustness: {perturbations: [{name: fog}], baseline_errors: {fog: [0.8, 0.9]}}", groupedData,
			"tasks[0].robustness.baseline_errors.fog", suite.ErrInvalid, "2 numbers (want 1, the mean over severities 1–5, or 5, one per severity)"},
		{"robustness baseline_errors percent", "classification", "robustness: {perturbations: [{name: fog}], baseline_errors: {fog: 81.9}}", groupedData,
			"tasks[0].robustness.baseline_errors.fog", suite.ErrInvalid, "error rate 81.9 (want a rate in (0, 1]"},
		{"robustness baseline_errors missing corruption", "classification", "robustness: {perturbations: [{name: fog}, {name: snow}], baseline_errors: {fog: 0.82}}", groupedData,
			"tasks[0].robustness.baseline_errors", suite.ErrMissing, `no error for corruption "snow", which is in the corruption set`},
		{"robustness baseline_errors metric", "classification", "robustness: {perturbations: [{name: fog}], metric: nll, baseline_errors: {fog: 0.82}}", groupedData,
			"tasks[0].robustness.baseline_errors", suite.ErrInvalid, `mCE needs metric accuracy`},
		{"robustness baseline_errors severities", "classification", "robustness: {perturbations: [{name: fog, severities: [1, 3]}], baseline_errors: {fog: 0.82}}", groupedData,
			"tasks[0].robustness.baseline_errors.fog", suite.ErrInvalid, `corruption "fog" is evaluated at 2 of the 5 severities`},
		{"robustness baseline_clean_error alone", "classification", "robustness: {perturbations: [{name: fog}], baseline_clean_error: 0.43}", groupedData,
			"tasks[0].robustness.baseline_clean_error", suite.ErrInvalid, "given without baseline_errors"},
		{"robustness shift is the task's own dataset", "classification", "robustness: {shift: [d]}", groupedData,
			"tasks[0].robustness.shift[0]", suite.ErrInvalid, `"d" is the task's own (in-distribution) dataset`},
		// groups (the dataset side of fairness); bins without labels are
		// fine (dataset.GroupSpec names them "<=40", ">40")
		{"group labels without bins", "classification", "", "label: {column: y}\ngroups: [{column: sex, labels: [a, b]}]",
			"datasets[0].groups[0].labels", suite.ErrInvalid, "labels name the bins of a numeric column; give bins too"},
		{"group labels do not match bins", "classification", "", "label: {column: y}\ngroups: [{column: age, bins: [40], labels: [young]}]",
			"datasets[0].groups[0].labels", suite.ErrInvalid, "1 bin edges need 2 labels, found 1"},
		{"group bins decrease", "classification", "", "label: {column: y}\ngroups: [{column: age, bins: [60, 40]}]",
			"datasets[0].groups[0].bins", suite.ErrInvalid, "bin edges must increase, found [60 40]"},
		// regression
		{"regression without target", "regression", "", "",
			"tasks[0].dataset", suite.ErrInvalid, `regression task needs a target: dataset "d" declares no label column`},
		{"regression target with classes", "regression", "", groupedData,
			"tasks[0].dataset", suite.ErrInvalid, "regression task reads a numeric target, but dataset \"d\" declares classes"},
		{"regression with a calibration split", "regression", "calibration: {dataset: shift}", "label: {column: y}",
			"tasks[0].calibration.dataset", suite.ErrInvalid, "temperature scaling applies to classification, not regression"},
		{"regression with fairness", "regression", "fairness: {}", "label: {column: y}\ngroups: [{column: sex}]",
			"tasks[0].fairness", suite.ErrInvalid, "fairness sections are not supported for kind regression yet"},
		{"regression with robustness", "regression", "robustness: {shift: [shift]}", "label: {column: y}",
			"tasks[0].robustness", suite.ErrInvalid, "robustness sections are not supported for kind regression yet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseIn(sectionSuite(tc.kind, tc.task, tc.data))
			require.Error(t, err)
			var found *suite.Error
			for _, e := range joinedOrOne(err) {
				var se *suite.Error
				if errors.As(e, &se) && se.Path == tc.path {
					found = se
					break
				}
			}
			require.NotNil(t, found, "no error at %s in:\n%v", tc.path, err)
			assert.True(t, errors.Is(found, tc.sentinel), "%v", found)
			assert.Contains(t, found.Error(), tc.want)
			assert.Positive(t, found.Line, "errors carry a line")
		})
	}
	// The valid base suites pass, so each error above is the fixture's.
	for _, kind := range []string{"classification", "regression"} {
		data := groupedData
		if kind == "regression" {
			data = "label: {column: y}"
		}
		_, err := parseIn(sectionSuite(kind, "", data))
		assert.NoError(t, err, kind)
	}
}

// joinedOrOne returns the joined problems of err, or err itself.
func joinedOrOne(err error) []error {
	var list interface{ Unwrap() []error }
	if errors.As(err, &list) {
		return list.Unwrap()
	}
	return []error{err}
}
