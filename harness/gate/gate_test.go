package gate

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/evalctl/evalctl/harness/result"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Gate
	}{
		{"accuracy >= 0.85", Gate{Expr: "accuracy >= 0.85", Metric: "accuracy", Op: GE, Value: 0.85}},
		{"ece_15 <= 0.05", Gate{Expr: "ece_15 <= 0.05", Metric: "ece_15", Op: LE, Value: 0.05}},
		{"  f1>0.5 ", Gate{Expr: "f1>0.5", Metric: "f1", Op: GT, Value: 0.5}},
		{"selective_acc@10 < 1e-1", Gate{Expr: "selective_acc@10 < 1e-1", Metric: "selective_acc@10", Op: LT, Value: 0.1}},
		{"n == 3", Gate{Expr: "n == 3", Metric: "n", Op: EQ, Value: 3}},
		{"accuracy may drop at most 0.01", Gate{Expr: "accuracy may drop at most 0.01", Metric: "accuracy", Kind: MayDrop, Value: 0.01}},
		{"nll may rise at most 0.02 if significant", Gate{Expr: "nll may rise at most 0.02 if significant", Metric: "nll", Kind: MayRise, Value: 0.02, IfSignificant: true}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		require.NoError(t, err, "Parse(%q)", tt.in)
		assert.Equal(t, tt.want, got, "Parse(%q)", tt.in)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	// Columns are 1-based byte offsets into the input, counted by hand.
	tests := []struct {
		in  string
		col int
		msg string
	}{
		{"", 1, "empty gate"},
		{"accuracy", 9, "missing condition"},
		{"accuracy => 0.8", 10, `unknown operator "=>" (valid: >=, <=, >, <, ==`},
		{"accuracy ~ 0.8", 10, `unknown operator "~"`},
		{"accuracy >= abc", 13, `want a finite number, got "abc"`},
		{"accuracy >= NaN", 13, "finite number"},
		{"accuracy >= 0.8 extra", 17, `unexpected "extra"`},
		{"1acc >= 0.8", 1, "bad metric name"},
		{"accuracy may fall at most 0.1", 14, `unexpected "fall"; want "drop" or "rise"`},
		{"accuracy may drop by 0.1", 19, `want "at"`},
		{"accuracy may drop at most", 26, "missing number"},
		{"accuracy may drop at most -0.1", 27, "must be >= 0"},
		{"accuracy may drop at most 0.1 if", 33, `unexpected end; want "significant"`},
		{"accuracy may drop at most 0.1 unless significant", 31, `want "if"`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		require.Error(t, err, "Parse(%q)", tt.in)
		assert.ErrorIs(t, err, ErrSyntax)
		var se *SyntaxError
		require.True(t, errors.As(err, &se))
		assert.Equal(t, tt.col, se.Col, "Parse(%q) column; err %v", tt.in, err)
		assert.Contains(t, err.Error(), tt.msg)
	}
}

func TestParseFlag(t *testing.T) {
	t.Parallel()
	g, err := ParseFlag("task=sst2 model=small: accuracy >= 0.8")
	require.NoError(t, err)
	assert.Equal(t, "sst2", g.Task)
	assert.Equal(t, "small", g.Model)
	assert.Equal(t, "accuracy", g.Metric)
	assert.Equal(t, "task=sst2 model=small: accuracy >= 0.8", g.String())

	_, err = ParseFlag("suite=x: accuracy >= 0.8")
	assert.ErrorContains(t, err, `unknown scope key "suite"`)
	_, err = ParseFlag("task=a: accuracy >> 0.8")
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 18, se.Col, "column counted in the whole flag value: 7 scope bytes, colon, space, 8 metric bytes, space")
}

func TestUnmarshalYAML(t *testing.T) {
	t.Parallel()
	var gs []Gate
	require.NoError(t, yaml.Unmarshal([]byte("- accuracy >= 0.8\n- expr: ece_15 <= 0.05\n  task: sst2\n"), &gs))
	require.Len(t, gs, 2)
	assert.Equal(t, "accuracy", gs[0].Metric)
	assert.Equal(t, "sst2", gs[1].Task)
	err := yaml.Unmarshal([]byte("- expr: a >= 1\n  taks: x\n"), &gs)
	assert.ErrorContains(t, err, `2:3: unknown gate key "taks"`)
	err = yaml.Unmarshal([]byte("- a >> 1\n"), &gs)
	assert.ErrorContains(t, err, "column 3")
}

func TestValidate(t *testing.T) {
	t.Parallel()
	g, err := Parse("acuracy >= 0.8")
	require.NoError(t, err)
	err = Validate(g, []string{"f1", "accuracy", "nll"})
	assert.ErrorIs(t, err, ErrUnknownMetric)
	assert.EqualError(t, err, `gate "acuracy >= 0.8": unknown metric "acuracy"; did you mean "accuracy"? (known: accuracy, f1, nll)`)
	g.Metric = "zzzzzz"
	assert.NotContains(t, Validate(g, []string{"accuracy"}).Error(), "did you mean")
	g.Metric = "nll"
	assert.NoError(t, Validate(g, []string{"nll"}))
}

func fixture() *result.Result {
	return &result.Result{Evaluations: []result.Evaluation{
		{Model: "a", Task: "t1", Variant: "clean", Metrics: []result.Metric{
			{Name: "accuracy", Value: 0.9, HigherIsBetter: true},
			{Name: "auroc", Value: result.Float(math.NaN()), Undefined: "one class present"}},
			Fairness: &result.Fairness{Criteria: []result.Metric{{Name: "demographic_parity_difference", Value: 0.12}}}},
		{Model: "a", Task: "t1", Variant: "noise@3", Metrics: []result.Metric{{Name: "accuracy", Value: 0.1}}},
		{Model: "b", Task: "t1", Variant: "clean", Metrics: []result.Metric{{Name: "accuracy", Value: 0.8}}},
		{Model: "b", Task: "t2", Variant: "clean", Metrics: []result.Metric{{Name: "nll", Value: 0.3}}},
	}, Robustness: []result.Robustness{{Model: "a", Task: "t1", Summary: []result.Metric{{Name: "worst_case_accuracy", Value: 0.4}}}}}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	r := fixture()
	type row struct {
		model, task string
		pass        bool
		reason      string
	}
	tests := []struct {
		gate string
		want []row
	}{
		{"accuracy >= 0.85", []row{{"a", "t1", true, ""}, {"b", "t1", false, "accuracy = 0.8, want >= 0.85"}, {"b", "t2", false, `metric "accuracy" missing for b/t2`}}},
		{"task=t1: accuracy > 0.5", []row{{"a", "t1", true, ""}, {"b", "t1", true, ""}}},
		{"model=a: auroc >= 0.5", []row{{"a", "t1", false, "undefined (NaN): one class present"}}},
		{"model=a: demographic_parity_difference <= 0.1", []row{{"a", "t1", false, "0.12, want <= 0.1"}}},
		{"model=a: worst_case_accuracy >= 0.3", []row{{"a", "t1", true, ""}}},
		{"task=nope: accuracy >= 0", []row{{"", "nope", false, "no clean evaluation matches"}}},
		{"accuracy may drop at most 0.1", []row{{"", "", false, "needs a baseline"}}},
	}
	for _, tt := range tests {
		g, err := ParseFlag(tt.gate)
		require.NoError(t, err)
		got := Evaluate(g, r)
		require.Len(t, got, len(tt.want), tt.gate)
		for i, w := range tt.want {
			assert.Equal(t, w.model, got[i].Model, tt.gate)
			assert.Equal(t, w.task, got[i].Task, tt.gate)
			assert.Equal(t, w.pass, got[i].Pass, tt.gate)
			if w.reason == "" {
				assert.Empty(t, got[i].Reason)
			} else {
				assert.Contains(t, got[i].Reason, w.reason, tt.gate)
			}
		}
	}
}

func TestCheckBoundaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op   Op
		v    float64
		want bool
	}{
		{GE, 0.5, true}, {GT, 0.5, false}, {LE, 0.5, true}, {LT, 0.5, false}, {EQ, 0.5, true},
		{GE, math.NaN(), false}, {LE, math.NaN(), false},
	}
	for _, tt := range tests {
		g := Gate{Op: tt.op, Value: 0.5}
		assert.Equal(t, tt.want, g.Check(tt.v), "%v %s 0.5", tt.v, tt.op)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"accuracy >= 0.85", "a may drop at most 1 if significant", "x<1", "task=a: b == 2", "", "=>", "a may"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseFlag(s)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) && (se.Col < 1 || se.Col > len(s)+1) {
				t.Fatalf("ParseFlag(%q): column %d outside 1..%d", s, se.Col, len(s)+1)
			}
			return
		}
		if math.IsNaN(g.Value) || math.IsInf(g.Value, 0) {
			t.Fatalf("ParseFlag(%q) accepted a non-finite threshold", s)
		}
		// A parsed gate re-parses to the same gate.
		g2, err := ParseFlag(g.String())
		if err != nil || g2 != g {
			t.Fatalf("round trip of %q via %q: %+v, %v; want %+v", s, g.String(), g2, err, g)
		}
	})
}

// TestParseCanonicalisesAliases: a gate may name a metric by an alias from
// the metric table; it gates the canonical name the result carries.
func TestParseCanonicalisesAliases(t *testing.T) {
	for in, want := range map[string]string{
		"f1_macro >= 0.5":             "macro_f1",
		"rms_calibration_error < 0.1": "rms_ce",
		"accuracy >= 0.9":             "accuracy",
		"ece_ts < 0.05":               "ece_ts", // not in the table: unchanged
	} {
		g, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, g.Metric, in)
	}
}
