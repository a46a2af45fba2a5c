package suite_test

import (
	"os"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/inputerr"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNameAndResampleBounds: a suite name with a path in it used to write
// result.json and the cache outside the working folder (issue 11.8), and
// bootstrap.resamples of 10⁸ ran out of memory (issue 11.6). Both are now
// validation errors, and every suite error is invalid input (exit 2).
func TestNameAndResampleBounds(t *testing.T) {
	base, err := os.ReadFile("testdata/minimal.good.yaml")
	require.NoError(t, err)
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"parent folders", "name: minimal", "name: ../../x", `name: invalid value: "../../x": a suite name is a name, not a path`},
		{"dot dot", "name: minimal", `name: ".."`, `name: invalid value: "..": a suite name is a name`},
		{"absolute", "name: minimal", "name: /tmp/x", `name: invalid value: "/tmp/x": a suite name is a name`},
		{"backslash", "name: minimal", `name: 'a\b'`, `a suite name is a name`},
		{"resamples of 10^8", "models:", "bootstrap: {resamples: 100000000}\nmodels:", "bootstrap.resamples: invalid value: 100000000 is more than the limit of 100000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := strings.Replace(string(base), tc.from, tc.to, 1)
			_, err := suite.Parse([]byte(y), "testdata/minimal.good.yaml")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, inputerr.Is(err), "suite errors are invalid input")
		})
	}
	for _, ok := range []string{"name: a.b..c", "name: 'demo v2 (fmnist)'", "bootstrap: {resamples: 100000}\nmodels:"} {
		from := "name: minimal"
		if strings.HasPrefix(ok, "bootstrap") {
			from = "models:"
		}
		_, err := suite.Parse([]byte(strings.Replace(string(base), from, ok, 1)), "testdata/minimal.good.yaml")
		assert.NoError(t, err, ok)
	}
}
