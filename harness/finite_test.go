package harness

import (
	"errors"
	"math"
	"testing"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAllowNonFiniteThreaded checks that the suite's dataset key
// allow_non_finite reaches the feature encoder (issue 11 case 16): without
// it a NaN feature is an input error naming the example and column, with
// it the NaN goes to the model.
func TestAllowNonFiniteThreaded(t *testing.T) {
	cols := []dataset.Column{{Name: "x", Kind: dataset.Number}, {Name: "y", Kind: dataset.Number}}
	rec := dataset.Record{Loc: "d.csv:3", Values: []dataset.Value{{Kind: dataset.Number, Num: math.NaN()}, {Kind: dataset.Number, Num: 1}}}
	for _, allow := range []bool{false, true} {
		d := &suite.Dataset{Name: "d", Features: []suite.Feature{{Name: "x", Columns: []string{"*"}}},
			Label: &suite.Label{Column: "y"}, AllowNonFinite: allow}
		enc, err := compileDataset(d, cols, false)
		require.NoError(t, err)
		dst := make([]float32, enc.features[0].Width())
		err = enc.features[0].Encode(rec, dst)
		if allow {
			require.NoError(t, err)
			assert.True(t, math.IsNaN(float64(dst[0])))
			continue
		}
		require.Error(t, err)
		assert.True(t, errors.Is(err, dataset.ErrNonFinite))
		assert.Contains(t, err.Error(), `d.csv:3: column "x"`)
	}
}
