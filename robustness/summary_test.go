package robustness

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// All expected numbers in this file are computed by hand from the formulas
// in the doc comments; the arithmetic is written next to each case.

func TestTableMeans(t *testing.T) {
	tab := Table{Clean: 0.9, Values: map[string][]float64{
		"a": {0.9, 0.8, 0.7, 0.6, 0.5}, // mean 0.7
		"b": {0.5, 0.5, 0.4, 0.4, 0.2}, // mean 0.4
		"c": {0.1, 0.3},                // mean 0.2
	}}
	m, err := tab.PerturbationMean("a")
	require.NoError(t, err)
	assert.InDelta(t, 0.7, m, 1e-12)
	m, err = tab.Mean([]string{"a", "b"}) // (0.7+0.4)/2
	require.NoError(t, err)
	assert.InDelta(t, 0.55, m, 1e-12)
	m, err = tab.Mean(nil) // (0.7+0.4+0.2)/3
	require.NoError(t, err)
	assert.InDelta(t, 1.3/3, m, 1e-12)
	_, err = tab.Mean([]string{"fog"})
	assert.ErrorContains(t, err, `perturbation "fog" not in table (have [a b c])`)
	_, err = tab.Mean([]string{})
	assert.ErrorContains(t, err, "empty corruption set")
	_, err = Table{Values: map[string][]float64{"x": {}}}.Mean(nil)
	assert.ErrorContains(t, err, `"x" has 0 severities`)
	e := tab.ErrorRates()
	assert.InDelta(t, 0.1, e.Clean, 1e-12)
	assert.InDeltaSlice(t, []float64{0.9, 0.7}, e.Values["c"], 1e-12)
}

func TestDropAndGap(t *testing.T) {
	d := DropFrom(0.8, 0.6) // 0.2 and 0.2/0.8
	assert.InDelta(t, 0.2, d.Absolute, 1e-12)
	assert.InDelta(t, 0.25, d.Relative, 1e-12)
	g := Gap(0.5, 0.6) // OOD better than ID: negative gap
	assert.InDelta(t, -0.1, g.Absolute, 1e-12)
	assert.InDelta(t, -0.2, g.Relative, 1e-12)
	assert.True(t, math.IsNaN(DropFrom(0, 0.1).Relative))
}

func TestWorstCase(t *testing.T) {
	// HELM: per instance min over {original, perturbations}.
	w, err := WorstCase([]float64{1, 1, 0, 0.5}, []float64{1, 0, 1, 0.7}, []float64{1, 1, 1, 0.2})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0, 0, 0.2}, w)
	w, err = WorstCase([]float64{1, 1}, []float64{math.NaN(), 1})
	require.NoError(t, err)
	assert.True(t, math.IsNaN(w[0]))
	assert.Equal(t, 1.0, w[1])

	orig := []bool{true, true, false, true}
	p1 := []bool{true, false, true, true}
	p2 := []bool{true, true, true, false}
	c, err := WorstCaseCorrect(orig, p1, p2) // only example 0 survives all
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0, 0, 0}, c)
	c, err = WorstCaseCorrect(orig) // no perturbations: plain correctness
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 1, 0, 1}, c)

	_, err = WorstCase([]float64{1, 2}, []float64{1})
	assert.ErrorContains(t, err, "perturbed set 0 has 1 examples, original has 2")
	_, err = WorstCaseCorrect(nil)
	assert.ErrorContains(t, err, "no examples")
}

func TestConsistency(t *testing.T) {
	orig := []int{0, 1, 2, 3, 4}
	p1 := []int{0, 1, 0, 3, 4}
	p2 := []int{0, 2, 2, 3, 4}
	c, err := Consistent(orig, p1, p2) // examples 1 and 2 change
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0, 0, 1, 1}, c)
	_, err = Consistent(orig, []int{1})
	assert.ErrorContains(t, err, "perturbed set 0 has 1 examples, original has 5")
}

// TestWorstCaseConsistency: hand-computed, 4 examples, 2 variants; example
// 3 of variant b and example 2 of the clean data are left out (invalid
// under "exclude"); example 1 of variant a is invalid but scored (pred −1).
//
//	clean pred 0 1 2 3, correct T T F T, scored T T F T
//	a     pred 0 -1 2 0, correct T F F F
//	b     pred 0 1 1 3, correct T T T T, scored T T T F
//	worst case: ex0 1; ex1 0 (a wrong); ex2 clean out, a wrong → 0;
//	            ex3 a wrong → 0
//	pairs: ex0 a✓ b✓ (2/2); ex1 a✗ (invalid) b✓ (1/2); ex2 clean out (0/0);
//	       ex3 a✗, b out (0/1)
//	all consistent: 1, 0, NaN, 0; pair consistency 3/5
func TestWorstCaseConsistency(t *testing.T) {
	clean := Outcome{Pred: []int{0, 1, 2, 3}, Correct: []bool{true, true, false, true}, Scored: []bool{true, true, false, true}}
	a := Outcome{Pred: []int{0, -1, 2, 0}, Correct: []bool{true, false, false, false}}
	b := Outcome{Pred: []int{0, 1, 1, 3}, Correct: []bool{true, true, true, true}, Scored: []bool{true, true, true, false}}
	per, err := WorstCaseConsistency(clean, []Outcome{a, b})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0, 0, 0}, per.WorstCase)
	assert.Equal(t, []float64{2, 1, 0, 0}, per.ConsistentPairs)
	assert.Equal(t, []float64{2, 2, 0, 1}, per.CountedPairs)
	assert.Equal(t, 1.0, per.AllConsistent[0])
	assert.Equal(t, 0.0, per.AllConsistent[1])
	assert.True(t, math.IsNaN(per.AllConsistent[2]))
	assert.Equal(t, 0.0, per.AllConsistent[3])

	// An example left out everywhere has no worst case.
	out := Outcome{Pred: []int{0}, Correct: []bool{true}, Scored: []bool{false}}
	per, err = WorstCaseConsistency(out, []Outcome{out})
	require.NoError(t, err)
	assert.True(t, math.IsNaN(per.WorstCase[0]))

	terms, err := ConsistencyTerms(clean, a)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0, 0}, terms, "positions 0, 1, 3 count (2 is left out of the clean data)")

	_, err = WorstCaseConsistency(clean, []Outcome{{Pred: []int{0}, Correct: []bool{true}}})
	assert.ErrorContains(t, err, "variant 0 has 1 predictions, 1 correctness flags and 0 scored flags; want 4 each")
	_, err = WorstCaseConsistency(Outcome{}, nil)
	assert.ErrorContains(t, err, "no examples")
	_, err = ConsistencyTerms(clean, Outcome{})
	assert.ErrorContains(t, err, "variant has 0 predictions")
}

// TestMCE: hand-computed fixture with 2 corruptions × 3 severities.
//
//	c1: model 0.1+0.2+0.3 = 0.6, baseline 0.2+0.4+0.6 = 1.2 → CE 0.5
//	    relative: (0.6 − 3·0.05)/(1.2 − 3·0.1) = 0.45/0.9 = 0.5
//	c2: model 0.9, baseline 0.3+0.3+0.6 = 1.2 → CE 0.75
//	    relative: (0.9 − 0.15)/(1.2 − 0.3) = 0.75/0.9 = 0.8333…
//	mCE = 0.625, relative mCE = (0.5 + 0.8333…)/2 = 0.6666…
func TestMCE(t *testing.T) {
	model := Table{Clean: 0.05, Values: map[string][]float64{"c1": {0.1, 0.2, 0.3}, "c2": {0.3, 0.3, 0.3}}}
	base := Table{Clean: 0.1, Values: map[string][]float64{"c1": {0.2, 0.4, 0.6}, "c2": {0.3, 0.3, 0.6}, "extra": {1}}}
	r, err := MCE(model, base)
	require.NoError(t, err)
	assert.InDelta(t, 0.5, r.CE["c1"], 1e-12)
	assert.InDelta(t, 0.75, r.CE["c2"], 1e-12)
	assert.InDelta(t, 0.625, r.MCE, 1e-12)
	assert.InDelta(t, 0.5, r.RelativeCE["c1"], 1e-12)
	assert.InDelta(t, 0.75/0.9, r.RelativeCE["c2"], 1e-12)
	assert.InDelta(t, 2.0/3, r.RelativeMCE, 1e-12)

	// The baseline against itself has CE 1 everywhere.
	self, err := MCE(base, base)
	require.NoError(t, err)
	assert.InDelta(t, 1, self.MCE, 1e-12)
	assert.InDelta(t, 1, self.RelativeMCE, 1e-12)

	_, err = MCE(Table{Values: map[string][]float64{"fog": {0.1}}}, base)
	assert.ErrorContains(t, err, `corruption "fog" missing from baseline`)
	_, err = MCE(Table{Values: map[string][]float64{"c1": {0.1}}}, base)
	assert.ErrorContains(t, err, `corruption "c1" has 1 severities for the model and 3 for the baseline`)
	_, err = MCE(model, Table{Values: map[string][]float64{"c1": {0, 0, 0}, "c2": {1, 1, 1}}})
	assert.ErrorContains(t, err, `corruption "c1": baseline errors sum to 0`)
	_, err = MCE(model, Table{Clean: 0.2, Values: map[string][]float64{"c1": {0.2, 0.2, 0.2}, "c2": {1, 1, 1}}})
	assert.ErrorContains(t, err, "relative CE undefined")
	_, err = MCE(Table{}, base)
	assert.ErrorContains(t, err, "no corruptions")
}

// TestEffectiveRobustness: models at logit(ID) = 0, 1, 2 and logit(OOD) =
// 0, 1, 3. Least squares by hand: x̄ = 1, ȳ = 4/3, Σ(x−x̄)(y−ȳ) = 3,
// Σ(x−x̄)² = 2 → slope 1.5, intercept 4/3 − 1.5 = −1/6. ER_i = σ(y_i) −
// σ(1.5·x_i − 1/6) = 0.0415705, −0.0603329, 0.0081234 (evaluated with
// Python's math module).
func TestEffectiveRobustness(t *testing.T) {
	sig := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	id := []float64{sig(0), sig(1), sig(2)}
	ood := []float64{sig(0), sig(1), sig(3)}
	er, fit, err := EffectiveRobustness(id, ood)
	require.NoError(t, err)
	assert.InDelta(t, 1.5, fit.Slope, 1e-12)
	assert.InDelta(t, -1.0/6, fit.Intercept, 1e-12)
	assert.Equal(t, 3, fit.N)
	assert.InDeltaSlice(t, []float64{0.04157048321679985, -0.06033289404395015, 0.008123386980045222}, er, 1e-12)

	// Points exactly on a line have zero effective robustness.
	id = []float64{sig(-1), sig(0), sig(1), sig(2)}
	ood = []float64{sig(-0.8), sig(-0.3), sig(0.2), sig(0.7)}
	er, fit, err = EffectiveRobustness(id, ood)
	require.NoError(t, err)
	assert.InDelta(t, 0.5, fit.Slope, 1e-12)
	assert.InDelta(t, -0.3, fit.Intercept, 1e-12)
	assert.InDeltaSlice(t, []float64{0, 0, 0, 0}, er, 1e-12)
	assert.InDelta(t, sig(0.5*1.5-0.3), fit.Predict(sig(1.5)), 1e-12)

	bad := []struct {
		id, ood []float64
		want    string
	}{
		{[]float64{0.7}, []float64{0.5}, "need at least 2 models to fit the logit line, have 1"},
		{[]float64{0.7, 0.7}, []float64{0.5, 0.6}, "every model has the same ID accuracy"},
		{[]float64{0.7, 1}, []float64{0.5, 0.6}, "model 1 has ID accuracy 1 and OOD accuracy 0.6; both must be strictly between 0 and 1"},
		{[]float64{0.7, 0.8}, []float64{0.5}, "2 ID accuracies but 1 OOD accuracies"},
	}
	for _, b := range bad {
		_, _, err := EffectiveRobustness(b.id, b.ood)
		assert.ErrorContains(t, err, b.want)
	}
}

func ExampleMCE() {
	model := Table{Clean: 0.05, Values: map[string][]float64{"gaussian_noise": {0.1, 0.2, 0.3}}}
	baseline := Table{Clean: 0.1, Values: map[string][]float64{"gaussian_noise": {0.2, 0.4, 0.6}}}
	r, err := MCE(model, baseline)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mCE %.2f, relative mCE %.2f\n", r.MCE, r.RelativeMCE)
	// Output: mCE 0.50, relative mCE 0.50
}

func ExampleWorstCaseConsistency() {
	clean := Outcome{Pred: []int{0, 1, 2}, Correct: []bool{true, true, false}}
	typo := Outcome{Pred: []int{0, 2, 2}, Correct: []bool{true, false, false}}
	lower := Outcome{Pred: []int{0, 1, 0}, Correct: []bool{true, true, true}}
	per, _ := WorstCaseConsistency(clean, []Outcome{typo, lower})
	fmt.Println(per.WorstCase, per.AllConsistent)
	// Output: [1 0 0] [1 0 0]
}

func ExamplePerturbText() {
	s, _ := PerturbText("contraction", "I am sure it is not late.", 1, 5, 0)
	fmt.Println(s)
	// Output: I'm sure it's not late.
}

// alexNetErrors are Hendrycks & Dietterich's (2019) AlexNet errors on
// ImageNet-C, mean over severities 1–5, as every ImageNet-C evaluation
// script copies them (e.g. AugMix's imagenet.py, ALEXNET_ERR, "taken from
// https://github.com/hendrycks/robustness").
var alexNetErrors = map[string]float64{
	"gaussian_noise": 0.886428, "shot_noise": 0.894468, "impulse_noise": 0.922640, "defocus_blur": 0.819880,
	"glass_blur": 0.826268, "motion_blur": 0.785948, "zoom_blur": 0.798360, "snow": 0.866816, "frost": 0.826572,
	"fog": 0.819324, "brightness": 0.564592, "contrast": 0.853204, "elastic_transform": 0.646056,
	"pixelate": 0.717840, "jpeg_compression": 0.606500,
}

func published(clean float64) PublishedBaseline {
	b := PublishedBaseline{Errors: map[string][]float64{}, Clean: clean}
	for c, e := range alexNetErrors {
		b.Errors[c] = []float64{e}
	}
	return b
}

func TestMCEPublished(t *testing.T) {
	// AlexNet against its own published errors: every CE_c is 1, so mCE is
	// 100% by construction (Hendrycks & Dietterich 2019, §4: "AlexNet
	// ... 100"). Its severities average to the published number.
	alex := Table{Clean: 0.4348, Values: map[string][]float64{}}
	for c, e := range alexNetErrors {
		alex.Values[c] = []float64{e - 0.1, e - 0.05, e, e + 0.05, e + 0.1}
	}
	res, err := MCEPublished(alex, published(0.4348))
	require.NoError(t, err)
	assert.InDelta(t, 1, res.MCE, 1e-12)
	assert.InDelta(t, 1, res.RelativeMCE, 1e-12)
	assert.Len(t, res.CE, 15)

	// Two corruptions, hand computed: gaussian_noise errors 0.4 … 0.8 (mean
	// 0.6), contrast 0.3 at every severity; clean error 0.2, AlexNet clean
	// 0.4348 (torchvision's AlexNet top-1 56.52%, the paper's 43.5).
	//   CE_gauss = 0.6/0.886428 = 0.676874…, CE_contrast = 0.3/0.853204 = 0.351616…
	//   mCE = (0.676874 + 0.351616)/2 = 0.514245…
	//   RelCE_gauss = (0.6−0.2)/(0.886428−0.4348) = 0.885681…
	//   RelCE_contrast = (0.3−0.2)/(0.853204−0.4348) = 0.239004…
	m := Table{Clean: 0.2, Values: map[string][]float64{
		"gaussian_noise": {0.4, 0.5, 0.6, 0.7, 0.8}, "contrast": {0.3, 0.3, 0.3, 0.3, 0.3}}}
	res, err = MCEPublished(m, published(0.4348))
	require.NoError(t, err)
	ceG, ceC := 0.6/0.886428, 0.3/0.853204
	assert.InDelta(t, ceG, res.CE["gaussian_noise"], 1e-12)
	assert.InDelta(t, ceC, res.CE["contrast"], 1e-12)
	assert.InDelta(t, 0.514245, res.MCE, 1e-6)
	assert.InDelta(t, ((0.6-0.2)/(0.886428-0.4348)+(0.3-0.2)/(0.853204-0.4348))/2, res.RelativeMCE, 1e-12)

	// Per-severity baseline errors: Σ_s E / Σ_s B.
	b := PublishedBaseline{Errors: map[string][]float64{"contrast": {0.5, 0.6, 0.7, 0.8, 0.9}, "gaussian_noise": {1, 1, 1, 1, 1}}, Clean: math.NaN()}
	res, err = MCEPublished(m, b)
	require.NoError(t, err)
	assert.InDelta(t, 1.5/3.5, res.CE["contrast"], 1e-12)
	assert.InDelta(t, 3.0/5, res.CE["gaussian_noise"], 1e-12)
	assert.True(t, math.IsNaN(res.RelativeMCE), "no clean baseline error: relative mCE undefined")
}

func TestMCEPublishedErrors(t *testing.T) {
	full := Table{Values: map[string][]float64{"fog": {0.1, 0.2, 0.3, 0.4, 0.5}}}
	tests := []struct {
		name  string
		model Table
		base  PublishedBaseline
		want  string
	}{
		{"empty", Table{}, published(0.4), "no corruptions"},
		{"missing", full, PublishedBaseline{Errors: map[string][]float64{"snow": {0.8}}}, `corruption "fog" has no published baseline error (baseline errors given for [snow])`},
		{"three severities", Table{Values: map[string][]float64{"fog": {0.1, 0.2, 0.3}}}, published(0.4), `corruption "fog" has 3 severities; published baseline errors are over severities 1–5`},
		{"two errors", full, PublishedBaseline{Errors: map[string][]float64{"fog": {0.8, 0.9}}}, `corruption "fog" has 2 published baseline errors; want 1`},
		{"zero", full, PublishedBaseline{Errors: map[string][]float64{"fog": {0}}}, `corruption "fog": baseline errors sum to 0`},
	}
	for _, tc := range tests {
		_, err := MCEPublished(tc.model, tc.base)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}
