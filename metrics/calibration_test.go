package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"
)

// TestCalibrationHand checks calibration errors computed by hand from the
// definitions of Guo et al. (2017) (equal-width bins, ECE = Σ (|B_b|/n)|acc_b −
// conf_b|, MCE = max_b |acc_b − conf_b|) and Kumar et al. (2019) (equal-mass
// edges at midpoints between groups).
func TestCalibrationHand(t *testing.T) {
	// Binary rows (1−c, c) with label 1 when the top class is right, so the
	// top-label confidence is c and the outcome is correct.
	mk := func(conf []float64, correct []bool) ([]float64, []int) {
		probs := make([]float64, 0, 2*len(conf))
		label := make([]int, len(conf))
		for i, c := range conf {
			probs = append(probs, 1-c, c) // c >= 0.5, so argmax is class 1
			if correct[i] {
				label[i] = 1
			}
		}
		return probs, label
	}
	for i, tc := range []struct {
		conf    []float64
		correct []bool
		spec    CalibrationSpec
		want    float64
		why     string
	}{
		{
			conf: []float64{0.55, 0.65, 0.85, 0.95}, correct: []bool{true, false, true, true},
			spec: CalibrationSpec{Bins: 2, Binning: EqualWidth, Norm: L1, TopLabel: true},
			// bin (0,0.5]: empty; bin (0.5,1]: conf 0.75, acc 0.75 → 0.
			want: 0, why: "one populated bin, conf = acc",
		},
		{
			conf: []float64{0.55, 0.65, 0.85, 0.95}, correct: []bool{true, false, true, true},
			spec: CalibrationSpec{Bins: 10, Binning: EqualWidth, Norm: L1, TopLabel: true},
			// each example alone: |1−.55|+|0−.65|+|1−.85|+|1−.95| = .45+.65+.15+.05 = 1.3; /4
			want: 0.325, why: "one example per bin",
		},
		{
			conf: []float64{0.55, 0.65, 0.85, 0.95}, correct: []bool{true, false, true, true},
			spec: CalibrationSpec{Bins: 10, Binning: EqualWidth, Norm: Max, TopLabel: true},
			want: 0.65, why: "MCE is the largest gap",
		},
		{
			conf: []float64{0.55, 0.65, 0.85, 0.95}, correct: []bool{true, false, true, true},
			spec: CalibrationSpec{Bins: 10, Binning: EqualWidth, Norm: L2, TopLabel: true},
			// sqrt((.45²+.65²+.15²+.05²)/4) = sqrt(0.65/4)
			want: math.Sqrt(0.65 / 4), why: "RMS",
		},
		{
			conf: []float64{0.6, 0.6, 0.7, 0.9, 0.9, 1.0}, correct: []bool{true, false, true, false, true, true},
			spec: CalibrationSpec{Bins: 3, Binning: EqualMass, Norm: L1, TopLabel: true},
			// groups {.6,.6},{.7,.9},{.9,1}; edges .65, .9, 1 → bins {.6,.6} conf .6 acc .5;
			// {.7,.9,.9} conf 5/6 acc 2/3; {1} conf 1 acc 1.
			// ECE = 2/6·0.1 + 3/6·(5/6−2/3) + 0 = 1/30 + 1/12
			want: 1.0/30 + 1.0/12, why: "equal-mass edge at a tie puts both tied values in one bin",
		},
		{
			conf: []float64{0.5, 1.0}, correct: []bool{false, true},
			spec: CalibrationSpec{Bins: 2, Binning: EqualWidth, Norm: L1, TopLabel: true},
			// 0.5 is in (0, 0.5] (right-closed), 1.0 in (0.5, 1]: (0.5 + 0)/2
			want: 0.25, why: "right-closed bins",
		},
	} {
		probs, label := mk(tc.conf, tc.correct)
		got := CalibrationError(probs, 2, label, tc.spec, nil)
		assert.True(t, scalar.EqualWithinAbsOrRel(got.Value, tc.want, 1e-12, 1e-12),
			"%d (%s): CalibrationError = %v; want %v", i, tc.why, got.Value, tc.want)
		var count float64
		for _, b := range got.Bins {
			count += b.Count
		}
		assert.Equal(t, float64(len(tc.conf)), count, "%d: bins hold every example", i)
		assert.Equal(t, tc.spec, got.Spec)
	}
}

func TestCalibrationWeightsEqualRepetition(t *testing.T) {
	// A weight of 2 must equal repeating the example.
	probs := []float64{0.2, 0.8, 0.7, 0.3, 0.45, 0.55}
	label := []int{1, 1, 0}
	w := []float64{2, 1, 1}
	rep := []float64{0.2, 0.8, 0.2, 0.8, 0.7, 0.3, 0.45, 0.55}
	repLabel := []int{1, 1, 1, 0}
	for _, spec := range []CalibrationSpec{ECESpec, {Bins: 4, Norm: Max, TopLabel: true}, {Bins: 5, Norm: L2, TopLabel: false}} {
		a := CalibrationError(probs, 2, label, spec, w).Value
		b := CalibrationError(rep, 2, repLabel, spec, nil).Value
		assert.InDelta(t, b, a, 1e-15, "spec %v", spec)
	}
}

func TestCalibrationEdgeCases(t *testing.T) {
	assert.True(t, math.IsNaN(CalibrationError(nil, 3, nil, ECESpec, nil).Value), "empty input")
	assert.True(t, math.IsNaN(CalibrationError([]float64{math.NaN(), 1}, 2, []int{0}, ECESpec, nil).Value), "NaN")
	assert.Panics(t, func() { CalibrationError([]float64{0.2, 0.3, 0.5}, 3, []int{0}, CalibrationSpec{TopLabel: false}, nil) },
		"positive-class calibration needs k = 2")
	assert.Panics(t, func() { CalibrationError([]float64{0.5, 0.5}, 2, []int{0, 1}, ECESpec, nil) }, "length mismatch")
	c := CalibrationError([]float64{0.5, 0.5}, 2, []int{0}, CalibrationSpec{}, nil)
	assert.Equal(t, DefaultBins, c.Spec.Bins, "Bins 0 means the default")
	assert.Len(t, c.Bins, DefaultBins)
	assert.Equal(t, "top-label, 10 equal-mass bins, l1", HELMSpec.String())
}

func TestBinningNormText(t *testing.T) {
	for _, b := range []Binning{EqualWidth, EqualMass} {
		txt, err := b.MarshalText()
		require.NoError(t, err)
		var got Binning
		require.NoError(t, got.UnmarshalText(txt))
		assert.Equal(t, b, got)
	}
	for _, n := range []Norm{L1, L2, Max} {
		txt, err := n.MarshalText()
		require.NoError(t, err)
		var got Norm
		require.NoError(t, got.UnmarshalText(txt))
		assert.Equal(t, n, got)
	}
	var b Binning
	assert.ErrorContains(t, b.UnmarshalText([]byte("quantile")), `unknown binning "quantile"`)
	var n Norm
	assert.ErrorContains(t, n.UnmarshalText([]byte("l3")), `unknown norm "l3"`)
}

// calibratedSample draws a perfectly calibrated binary model: confidence c
// uniform on [0.5, 1], outcome correct with probability c.
func calibratedSample(n int, rng *rand.Rand) (conf, outcome []float64) {
	conf = make([]float64, n)
	outcome = make([]float64, n)
	for i := range conf {
		conf[i] = 0.5 + 0.5*rng.Float64()
		if rng.Float64() < conf[i] {
			outcome[i] = 1
		}
	}
	return conf, outcome
}

// TestECEConsistency: for a perfectly calibrated model the binned ECE
// estimate shrinks towards 0 as n grows (its bias is O(sqrt(B/n))).
func TestECEConsistency(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	prev := math.Inf(1)
	for _, n := range []int{1000, 10000, 100000} {
		var mean float64
		const reps = 5
		for r := 0; r < reps; r++ {
			conf, out := calibratedSample(n, rng)
			mean += CalibrationErrorFromConfidence(conf, out, ECESpec, nil).Value / reps
		}
		assert.Less(t, mean, prev, "ECE at n=%d should fall", n)
		assert.Less(t, mean, 3*math.Sqrt(float64(DefaultBins)/float64(n)), "ECE at n=%d", n)
		prev = mean
	}
	assert.Less(t, prev, 0.01)
}

func TestClasswiseECE(t *testing.T) {
	// Two classes: classwise ECE averages the calibration error of p0 against
	// [y=0] and of p1 against [y=1]; for k=2 the two are equal by symmetry,
	// hand-computed: rows (0.8,0.2) y=0, (0.4,0.6) y=0 with 10 bins:
	// class 0: p0=.8 out 1 → .2; p0=.4 out 1 → .6; mean .4. Class 1 mirrors it.
	v, per := ClasswiseECE([]float64{0.8, 0.2, 0.4, 0.6}, 2, []int{0, 0}, CalibrationSpec{Bins: 10}, nil)
	assert.InDelta(t, 0.4, v, 1e-12)
	require.Len(t, per, 2)
	assert.InDelta(t, per[0].Value, per[1].Value, 1e-12)
	assert.False(t, per[0].Spec.TopLabel)
}

func TestParseBinning(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Binning
		ok   bool
	}{
		{"", EqualWidth, true}, // the suite default
		{"equal_width", EqualWidth, true},
		{"equal_mass", EqualMass, true}, // suite spelling
		{"equal-mass", EqualMass, true},
		{"adaptive", EqualMass, true},
		{"quantile", EqualWidth, false},
	} {
		got, err := ParseBinning(tc.in)
		if tc.ok {
			assert.NoError(t, err, tc.in)
			assert.Equal(t, tc.want, got, tc.in)
		} else {
			assert.Error(t, err, tc.in)
		}
	}
}
