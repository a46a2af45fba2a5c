package result

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerdictText checks that verdicts read back what they write.
func TestVerdictText(t *testing.T) {
	for _, v := range []Verdict{VerdictNoChange, VerdictBetter, VerdictWorse, VerdictNotTested} {
		text, err := v.MarshalText()
		require.NoError(t, err)
		var back Verdict
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, v, back, string(text))
	}
	var v Verdict
	assert.Error(t, v.UnmarshalText([]byte("improved")))
}

// TestComparisonFailed: a comparison fails when any gate fails.
func TestComparisonFailed(t *testing.T) {
	c := &Comparison{Gates: []CompareGate{{Gate: Gate{Pass: true}, Source: GateSourceSuite}}}
	assert.False(t, c.Failed())
	c.Gates = append(c.Gates, CompareGate{Gate: Gate{Pass: false}, Source: GateSourceFlag})
	assert.True(t, c.Failed())
}
