package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/metrics"
)

func TestListText(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // substrings of stdout
	}{
		{[]string{"list", "metrics"}, []string{"NAME", "macro_f1", "f1_macro", "rms_calibration_error", "selective_acc@P", "ndcg@k", "Guo et al. 2017"}},
		{[]string{"list", "--kind", "regression", "metrics"}, []string{"mae", "spearman"}},
		{[]string{"list", "kinds"}, []string{"classification", "accuracy, macro_f1, nll, brier, ece", "retrieval", "weat"}},
		{[]string{"list", "perturbations"}, []string{"gaussian_noise", "image", "text"}},
		{[]string{"list", "formats"}, []string{"csv", "parquet", "imagefolder"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			require.Equal(t, 0, code, errOut)
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
		})
	}
	// --kind keeps one kind's metrics only ("accuracy" is still their family).
	_, out, _ := runCLI(t, "list", "--kind", "regression", "metrics")
	assert.NotContains(t, out, "\naccuracy ")
	assert.NotContains(t, out, "balanced_accuracy")
}

func TestListJSONFollowsTheTable(t *testing.T) {
	code, out, errOut := runCLI(t, "list", "--json", "metrics")
	require.Equal(t, 0, code, errOut)
	var rows []listRow
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	table := metrics.Table()
	require.Len(t, rows, len(table))
	for i, m := range table {
		assert.Equal(t, m.Name, rows[i].Name)
		assert.Equal(t, m.Dir.String(), rows[i].Direction, m.Name)
		assert.Equal(t, string(m.Family), rows[i].Family, m.Name)
		assert.Equal(t, string(m.Interval), rows[i].Interval, m.Name)
	}

	code, out, _ = runCLI(t, "list", "--json", "kinds")
	require.Equal(t, 0, code)
	var kinds []listRow
	require.NoError(t, json.Unmarshal([]byte(out), &kinds))
	byName := map[string]listRow{}
	for _, k := range kinds {
		byName[k.Name] = k
	}
	assert.Equal(t, []string{"mae", "rmse", "r2", "pearson", "spearman"}, byName["regression"].Metrics)

	code, out, _ = runCLI(t, "list", "--json", "perturbations")
	require.Equal(t, 0, code)
	var ps []listRow
	require.NoError(t, json.Unmarshal([]byte(out), &ps))
	require.NotEmpty(t, ps)
	assert.Len(t, ps[0].Params, 5, "one parameter string per severity")
	pbn := map[string]listRow{}
	for _, p := range ps {
		pbn[p.Name] = p
	}
	// Both tables of an image corruption (make_cifar_c.py and
	// make_imagenet_c.py, gaussian_noise's c lists); text has one.
	assert.Equal(t, []string{"sigma=0.04", "sigma=0.06", "sigma=0.08", "sigma=0.09", "sigma=0.1"}, pbn["gaussian_noise"].Params)
	assert.Equal(t, []string{"sigma=0.08", "sigma=0.12", "sigma=0.18", "sigma=0.26", "sigma=0.38"}, pbn["gaussian_noise"].ParamsImageNetC)
	assert.Contains(t, pbn, "glass_blur")
	assert.Nil(t, pbn["keyboard_typo"].ParamsImageNetC)
}

func TestListErrors(t *testing.T) {
	for _, args := range [][]string{{"list"}, {"list", "bogus"}, {"list", "--kind", "nope", "metrics"}} {
		code, _, errOut := runCLI(t, args...)
		assert.Equal(t, exitUsage, code, args)
		assert.NotEmpty(t, errOut)
	}
}
