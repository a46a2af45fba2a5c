package reports

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

func TestAdaptations(t *testing.T) {
	groups := Adaptations(fixture())
	require.Len(t, groups, 1)
	g := groups[0]
	assert.Equal(t, "sst2-dev", g.Dataset)
	assert.Equal(t, []string{"sst2"}, g.Tasks)
	require.Len(t, g.Rows, 3, "small, large and lora have adaptation records")
	small := g.Rows[0]
	assert.Equal(t, "small", small.Model)
	assert.Equal(t, "linear-probe", small.Method)
	assert.Equal(t, int64(1538), small.TrainableParams)
	assert.Equal(t, "accuracy", small.Accuracy.Name)
	assert.Equal(t, "ece_15", small.Calibration.Name)
	// The fixture's fairness section: female 0.82 is the worst group on accuracy.
	assert.Equal(t, "sex=female", small.WorstGroup)
	assert.InDelta(t, 0.82, float64(small.WorstGroupValue), 1e-12)
	// No mean_corrupted summary: the cell mean (0.80+0.70+0.84+0.78)/4 = 0.78;
	// worst_case_accuracy 0.66 from the summary.
	assert.InDelta(t, 0.78, float64(small.MeanCorrupted), 1e-12)
	assert.InDelta(t, 0.66, float64(small.WorstCase), 1e-12)
	assert.True(t, g.Rows[1].MeanCorrupted.IsNaN(), "large has no robustness section")
	assert.Empty(t, g.Rows[1].WorstGroup)
}

func TestAdaptationFormats(t *testing.T) {
	r := fixture()
	tests := []struct {
		name  string
		write func(io.Writer, *result.Result) error
		has   []string
	}{
		{"table", WriteAdaptationTable, []string{"sst2-dev (task sst2)", "Trainable params", "│ small │ sst2 │ linear-probe │",
			"1,538", "4,000,000", "0.8600 ± 0.0300", "0.0350 ± 0.0100", "sex=female (0.8200)", "0.7800", "0.6600"}},
		{"md", WriteAdaptationMarkdown, []string{"**sst2-dev (task sst2)**",
			"| small | sst2 | linear-probe | — | 1,538 | 0 | — | 0.8600 ± 0.0300 | 0.0350 ± 0.0100 | sex=female (0.8200) | 0.7800 | 0.6600 |",
			"| lora | sst2 | lora | — | 65,536 |"}},
		{"html", WriteAdaptationHTML, []string{"<!doctype html>", "<h2>sst2-dev (task sst2)</h2>", "<td>linear-probe</td>", "<td>0.8600 ± 0.0300</td>", "<style>"}},
		{"json", WriteAdaptationJSON, []string{`"method": "linear-probe"`, `"worst_group": "sex=female"`, `"mean_corrupted": null`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tt.write(&b, r))
			for _, s := range tt.has {
				assert.Contains(t, b.String(), s)
			}
		})
	}
	var b bytes.Buffer
	require.NoError(t, WriteAdaptationJSON(&b, r))
	var doc struct {
		Groups []AdaptationGroup `json:"groups"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	assert.Len(t, doc.Groups[0].Rows, 3)
}

func TestAdaptationNone(t *testing.T) {
	r := fixture()
	for i := range r.Models {
		r.Models[i].Adaptation = nil
	}
	for _, write := range []func(io.Writer, *result.Result) error{WriteAdaptationTable, WriteAdaptationMarkdown, WriteAdaptationHTML} {
		var b bytes.Buffer
		require.NoError(t, write(&b, r))
		assert.Contains(t, b.String(), "No model has an adaptation record")
	}
	var b bytes.Buffer
	require.NoError(t, WriteAdaptationJSON(&b, r))
	assert.Contains(t, b.String(), `"groups": []`)
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 225034: "225,034", 4000000: "4,000,000", -1234: "-1,234"} {
		assert.Equal(t, want, fmtCount(in), "%d", in)
	}
}
