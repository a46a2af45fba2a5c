package dataset

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wekaDir is where the Debian weka package puts its example ARFF files
// (usr/share/doc/weka/examples). The test also looks in
// $EVALCTL_WEKA_EXAMPLES, for a package unpacked with dpkg -x.
func wekaDir(t *testing.T) string {
	for _, d := range []string{os.Getenv("EVALCTL_WEKA_EXAMPLES"), "/usr/share/doc/weka/examples"} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "credit-g.arff")); err == nil {
			return d
		}
	}
	t.Skip("Weka example ARFF files not found; install weka or set EVALCTL_WEKA_EXAMPLES to its unpacked examples folder")
	return ""
}

// TestWekaExamples reads every ARFF file shipped with Weka 3.6 and checks
// the counts that Weka's own headers document (credit-g: 1000 instances,
// 21 attributes; iris: 150, 5; contact-lenses 24, 5).
func TestWekaExamples(t *testing.T) {
	dir := wekaDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.arff"))
	require.NoError(t, err)
	want := map[string][2]int{"credit-g.arff": {1000, 21}, "iris.arff": {150, 5}, "contact-lenses.arff": {24, 5}}
	for _, f := range files {
		cols, recs, err := readAll(t, Spec{Path: f})
		if !assert.NoError(t, err, f) {
			continue
		}
		if w, ok := want[filepath.Base(f)]; ok {
			assert.Equal(t, w, [2]int{len(recs), len(cols)}, f)
		}
	}
}
