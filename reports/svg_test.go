package reports

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlaceLabels: labels go beside their points without overlapping each
// other or any point and inside the plot; a label without a free spot is
// reported so that the chart numbers its point instead.
func TestPlaceLabels(t *testing.T) {
	f := frame{W: 460, H: 300, L: 46, R: 20, T: 24, B: 40}
	tests := []struct {
		name   string
		xs, ys []float64
		placed int
	}{
		{"apart", []float64{100, 300}, []float64{100, 200}, 2},
		{"same spot", []float64{200, 200}, []float64{150, 150}, 2},
		{"crowded", []float64{200, 200, 200, 200, 200, 200}, []float64{150, 150, 150, 150, 150, 150}, 4},
		{"at the left edge", []float64{46}, []float64{150}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labels := make([]string, len(tt.xs))
			for i := range labels {
				labels[i] = fmt.Sprintf("model-%d", i)
			}
			boxes, ok := placeLabels(f, tt.xs, tt.ys, labels)
			n := 0
			for i, b := range boxes {
				if !ok[i] {
					continue
				}
				n++
				assert.True(t, b.X0 >= f.L && b.X1 <= f.W-f.R && b.Y0 >= f.T && b.Y1 <= f.H-f.B, "label %d outside the plot: %+v", i, b)
				for j := range boxes {
					if j != i && ok[j] {
						assert.False(t, b.overlaps(boxes[j]), "labels %d and %d overlap", i, j)
					}
					assert.False(t, b.overlaps(box{tt.xs[j] - 5, tt.ys[j] - 5, tt.xs[j] + 5, tt.ys[j] + 5}), "label %d covers point %d", i, j)
				}
			}
			assert.Equal(t, tt.placed, n)
		})
	}
}

// TestScatterShowsEveryModel: a model with 0 trainable parameters (a kNN
// probe, a zero-shot prompt) is drawn at the axis origin, and a crowded
// chart numbers the points whose labels do not fit and lists them below.
func TestScatterShowsEveryModel(t *testing.T) {
	ps := []point{{"knn", 0, 0.79}, {"probe", 1290, 0.84}, {"linear", 1290, 0.84}, {"a", 1290, 0.84}, {"b", 1290, 0.84}, {"c", 1290, 0.84}}
	svg := string(scatterSVG("t", "x", "y", ps))
	assert.Equal(t, len(ps), strings.Count(svg, `class="pt"`))
	require.Contains(t, svg, "<title>knn: 0 params, 0.7900</title>")
	i := strings.Index(svg, `<circle class="pt" cx="`) + len(`<circle class="pt" cx="`)
	assert.True(t, strings.HasPrefix(svg[i:], "46.0"), "0 parameters sit at the left edge: %s", svg[i:i+10])
	labelled, numbered := strings.Count(svg, "ptlabel"), strings.Count(svg, `class="tick legend"`)
	assert.Equal(t, len(ps), labelled+numbered)
	assert.Positive(t, numbered)
	assert.Equal(t, numbered, strings.Count(svg, "ptnum"))
	assert.Contains(t, svg, fmt.Sprintf(`height="%d"`, 300+16*numbered), "one legend line under the 300 px chart per numbered point")
}

// TestScatterLegendFits: a numbered point's legend line widens the chart
// instead of running past its right edge.
func TestScatterLegendFits(t *testing.T) {
	long := strings.Repeat("very-long-model-name-", 4)
	ps := []point{{"a", 10, 0.5}, {long, 10, 0.5}, {"b", 10, 0.5}, {"c", 10, 0.5}, {"d", 10, 0.5}, {"e", 10, 0.5}}
	svg := string(scatterSVG("t", "x", "y", ps))
	require.Contains(t, svg, ": "+long+" (", "a label wider than the plot goes to the legend")
	var w float64
	_, err := fmt.Sscanf(svg[strings.Index(svg, `width="`):], `width="%g"`, &w)
	require.NoError(t, err)
	for _, p := range ps {
		if strings.Contains(svg, ": "+p.Label+" (") {
			assert.GreaterOrEqual(t, w, 46+textWidth(legendLine(9, p)), p.Label)
		}
	}
}
