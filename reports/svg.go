package reports

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"sort"
	"strings"
)

// The SVG helpers draw small fixed-size charts with plain SVG elements, so
// reports need no JavaScript library and no network.

var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"}

type frame struct {
	W, H, L, R, T, B float64 // size and margins
	Below            float64 // height under the chart for a legend
	X0, X1, Y0, Y1   float64 // data ranges
	LogX             bool
}

func (f frame) x(v float64) float64 {
	if f.LogX {
		v, f.X0, f.X1 = math.Log10(v), math.Log10(f.X0), math.Log10(f.X1)
	}
	if f.X1 == f.X0 {
		return f.L + (f.W-f.L-f.R)/2
	}
	return f.L + (v-f.X0)/(f.X1-f.X0)*(f.W-f.L-f.R)
}

func (f frame) y(v float64) float64 {
	if f.Y1 == f.Y0 {
		return f.T + (f.H-f.T-f.B)/2
	}
	return f.H - f.B - (v-f.Y0)/(f.Y1-f.Y0)*(f.H-f.T-f.B)
}

// open starts the chart. A title wider than the chart widens it on the
// right, where the plot area is unchanged, so that no title is clipped.
func (f *frame) open(b *strings.Builder, title, xlabel, ylabel string) {
	if need := f.L + 7.4*float64(len([]rune(title))) + 6; need > f.W { // 12 px bold title font
		f.R += need - f.W
		f.W = need
	}
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%g" height="%g" viewBox="0 0 %g %g" role="img"><title>%s</title>`, f.W, f.H+f.Below, f.W, f.H+f.Below, html.EscapeString(title))
	fmt.Fprintf(b, `<rect x="%g" y="%g" width="%g" height="%g" fill="#fff" stroke="#999"/>`, f.L, f.T, f.W-f.L-f.R, f.H-f.T-f.B)
	fmt.Fprintf(b, `<text x="%g" y="%g" text-anchor="middle" class="lbl">%s</text>`, f.L+(f.W-f.L-f.R)/2, f.H-6, html.EscapeString(xlabel))
	fmt.Fprintf(b, `<text x="12" y="%g" text-anchor="middle" class="lbl" transform="rotate(-90 12 %g)">%s</text>`, f.T+(f.H-f.T-f.B)/2, f.T+(f.H-f.T-f.B)/2, html.EscapeString(ylabel))
}

// yTicks draws n+1 labelled grid lines, with as many decimals as the step
// needs (at least 2) so that no two labels read the same.
func (f frame) yTicks(b *strings.Builder, n int) {
	step := (f.Y1 - f.Y0) / float64(n)
	dec := 2
	if step > 0 {
		dec = max(2, int(math.Ceil(-math.Log10(step))))
	}
	for i := 0; i <= n; i++ {
		v := f.Y0 + step*float64(i)
		y := f.y(v)
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%g" y="%.1f" text-anchor="end" class="tick">%.*f</text>`, f.L, f.W-f.R, y, y, f.L-4, y+4, dec, v)
	}
}

func (f frame) xTicks(b *strings.Builder, vals []float64, labels []string) {
	for i, v := range vals {
		x := f.x(v)
		fmt.Fprintf(b, `<text x="%.1f" y="%g" text-anchor="middle" class="tick">%s</text>`, x, f.H-f.B+14, html.EscapeString(labels[i]))
	}
}

// reliabilitySVG draws a reliability diagram: per bin, a bar of accuracy at
// the bin's span, the mean confidence as a dot, and the diagonal y = x.
func reliabilitySVG(title string, bins []binPoint) template.HTML {
	f := frame{W: 320, H: 300, L: 46, R: 10, T: 24, B: 40, X0: 0, X1: 1, Y0: 0, Y1: 1}
	var b strings.Builder
	f.open(&b, title, "confidence", "accuracy")
	f.yTicks(&b, 4)
	f.xTicks(&b, []float64{0, 0.5, 1}, []string{"0", "0.5", "1"})
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#888" stroke-dasharray="4 3"/>`, f.x(0), f.y(0), f.x(1), f.y(1))
	for _, bn := range bins {
		if math.IsNaN(bn.Acc) {
			continue
		}
		x0, x1 := f.x(bn.Lo), f.x(bn.Hi)
		fmt.Fprintf(&b, `<rect class="bin" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1f77b4" fill-opacity="0.7"><title>[%.2f, %.2f): acc %.3f, conf %.3f, n %g</title></rect>`,
			x0, f.y(bn.Acc), math.Max(x1-x0-1, 1), f.y(0)-f.y(bn.Acc), bn.Lo, bn.Hi, bn.Acc, bn.Conf, bn.N)
		if !math.IsNaN(bn.Conf) {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#d62728"/>`, f.x(bn.Conf), f.y(bn.Conf))
		}
	}
	fmt.Fprintf(&b, `<text x="%g" y="16" class="ttl">%s</text></svg>`, f.L, html.EscapeString(title))
	return template.HTML(b.String())
}

type binPoint struct{ Lo, Hi, Conf, Acc, N float64 }

// bar is one labelled value with an optional interval.
type bar struct {
	Label         string
	Value, Lo, Hi float64
	Small         bool
}

// barsSVG draws horizontal bars with CI whiskers, one per group.
func barsSVG(title, xlabel string, bars []bar) template.HTML {
	h := 40 + 26*float64(len(bars)) + 30
	// The label column is as wide as the longest label, so none is clipped.
	left := 120.0
	for _, br := range bars {
		left = math.Max(left, textWidth(br.Label)+12)
	}
	f := frame{W: left + 300, H: h, L: left, R: 16, T: 24, B: 36, X0: 0, X1: 1}
	for _, br := range bars {
		for _, v := range []float64{br.Value, br.Hi} {
			if !math.IsNaN(v) && v > f.X1 {
				f.X1 = v
			}
		}
	}
	var b strings.Builder
	f.open(&b, title, xlabel, "")
	f.xTicks(&b, []float64{0, f.X1 / 2, f.X1}, []string{"0", fmt.Sprintf("%.2g", f.X1/2), fmt.Sprintf("%.2g", f.X1)})
	for i, br := range bars {
		y := f.T + 8 + 26*float64(i)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" text-anchor="end" class="tick">%s</text>`, f.L-6, y+13, html.EscapeString(br.Label))
		if math.IsNaN(br.Value) {
			continue
		}
		op := "0.8"
		if br.Small {
			op = "0.35"
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%g" y="%.1f" width="%.1f" height="18" fill="%s" fill-opacity="%s"><title>%s: %.4f</title></rect>`, f.L, y, f.x(br.Value)-f.L, palette[0], op, html.EscapeString(br.Label), br.Value)
		if !math.IsNaN(br.Lo) && !math.IsNaN(br.Hi) {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#000"/><line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#000"/><line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#000"/>`,
				f.x(br.Lo), f.x(br.Hi), y+9, y+9, f.x(br.Lo), f.x(br.Lo), y+4, y+14, f.x(br.Hi), f.x(br.Hi), y+4, y+14)
		}
	}
	fmt.Fprintf(&b, `<text x="%g" y="16" class="ttl">%s</text></svg>`, f.L, html.EscapeString(title))
	return template.HTML(b.String())
}

// series is one named polyline.
type series struct {
	Name string
	X, Y []float64
}

// yRange returns the smallest and largest finite Y of the series (+Inf,
// -Inf when there is none).
func yRange(ss []series) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, y := range s.Y {
			if !math.IsNaN(y) {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	return lo, hi
}

// linesSVG draws metric-vs-severity curves, one colour per series, with a
// legend. The y axis spans [ylo, yhi] (padded), which callers share among
// the charts of one task so that they compare at a glance.
func linesSVG(title, xlabel, ylabel string, ss []series, ylo, yhi float64) template.HTML {
	f := frame{W: 460, H: 300, L: 46, R: 130, T: 24, B: 40, X0: math.Inf(1), X1: math.Inf(-1), Y0: ylo, Y1: yhi}
	for _, s := range ss { // the legend column fits the longest name
		if need := 22 + textWidth(s.Name) + 6; need > f.R {
			f.W += need - f.R
			f.R = need
		}
	}
	for _, s := range ss {
		for i := range s.X {
			if !math.IsNaN(s.Y[i]) {
				f.X0, f.X1 = math.Min(f.X0, s.X[i]), math.Max(f.X1, s.X[i])
			}
		}
	}
	if math.IsInf(f.X0, 0) || math.IsInf(f.Y0, 0) {
		return ""
	}
	pad := math.Max((f.Y1-f.Y0)*0.1, 0.01)
	f.Y0, f.Y1 = math.Max(0, f.Y0-pad), f.Y1+pad
	var b strings.Builder
	f.open(&b, title, xlabel, ylabel)
	f.yTicks(&b, 4)
	var xs []float64
	var xl []string
	for v := math.Ceil(f.X0); v <= f.X1; v++ {
		xs, xl = append(xs, v), append(xl, fmt.Sprint(v))
	}
	f.xTicks(&b, xs, xl)
	for i, s := range ss {
		c := palette[i%len(palette)]
		var pts []string
		for j := range s.X {
			if !math.IsNaN(s.Y[j]) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.x(s.X[j]), f.y(s.Y[j])))
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s severity %g: %.4f</title></circle>`, f.x(s.X[j]), f.y(s.Y[j]), c, html.EscapeString(s.Name), s.X[j], s.Y[j])
			}
		}
		fmt.Fprintf(&b, `<polyline class="curve" points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), c)
		ly := f.T + 14 + 16*float64(i)
		fmt.Fprintf(&b, `<rect x="%g" y="%g" width="10" height="10" fill="%s"/><text x="%g" y="%g" class="tick">%s</text>`, f.W-f.R+8, ly-9, c, f.W-f.R+22, ly, html.EscapeString(s.Name))
	}
	fmt.Fprintf(&b, `<text x="%g" y="16" class="ttl">%s</text></svg>`, f.L, html.EscapeString(title))
	return template.HTML(b.String())
}

// point is one model in the adaptation scatter.
type point struct {
	Label string
	X, Y  float64
}

// paretoFrontier returns the indices of points not dominated by another
// (another has X ≤ and Y ≥, one strictly), ordered by X.
func paretoFrontier(ps []point) []int {
	idx := make([]int, 0, len(ps))
	for i := range ps {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool {
		if ps[idx[a]].X != ps[idx[b]].X {
			return ps[idx[a]].X < ps[idx[b]].X
		}
		return ps[idx[a]].Y > ps[idx[b]].Y
	})
	var out []int
	best := math.Inf(-1)
	for _, i := range idx {
		if ps[i].Y > best {
			out = append(out, i)
			best = ps[i].Y
		}
	}
	return out
}

// textWidth estimates the width in pixels of s in the charts' 11 px tick
// font (an average glyph is about 0.6 em).
func textWidth(s string) float64 { return 6.6 * float64(len([]rune(s))) }

// box is a label's rectangle in chart coordinates.
type box struct{ X0, Y0, X1, Y1 float64 }

func (a box) overlaps(b box) bool { return a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1 }

// placeLabels places each point's label beside it — right, left, above or
// below, the first spot inside the plot that overlaps no other label or
// point — and returns the boxes, with ok[i] false for a label that has no
// free spot (the chart numbers that point and lists it under the plot).
func placeLabels(f frame, xs, ys []float64, labels []string) (boxes []box, ok []bool) {
	const h, r = 12.0, 6.0
	boxes, ok = make([]box, len(labels)), make([]bool, len(labels))
	var taken []box
	for i := range xs {
		taken = append(taken, box{xs[i] - r, ys[i] - r, xs[i] + r, ys[i] + r})
	}
	for i, l := range labels {
		w := textWidth(l)
		for _, c := range []box{
			{xs[i] + 8, ys[i] - h/2, xs[i] + 8 + w, ys[i] + h/2},
			{xs[i] - 8 - w, ys[i] - h/2, xs[i] - 8, ys[i] + h/2},
			{xs[i] - w/2, ys[i] - 8 - h, xs[i] + w/2, ys[i] - 8},
			{xs[i] - w/2, ys[i] + 8, xs[i] + w/2, ys[i] + 8 + h},
		} {
			if c.X0 < f.L+2 || c.X1 > f.W-f.R-2 || c.Y0 < f.T+2 || c.Y1 > f.H-f.B-2 {
				continue
			}
			free := true
			for _, t := range taken {
				if c.overlaps(t) {
					free = false
					break
				}
			}
			if free {
				boxes[i], ok[i] = c, true
				taken = append(taken, c)
				break
			}
		}
	}
	return boxes, ok
}

// legendLine is the legend entry of a numbered point.
func legendLine(n int, p point) string {
	return fmt.Sprintf("%d: %s (%.4g params, %.4f)", n, p.Label, p.X, p.Y)
}

// scatterSVG draws a metric against trainable parameters with the Pareto
// frontier as a stepped line and frontier points filled. The x axis is
// log10(1 + parameters), so models that train nothing (zero-shot prompts,
// 0-parameter adaptations) sit at 0 beside the rest. Each point is labelled
// with its model where the label fits without overlapping another; points
// whose label does not fit are numbered and listed under the plot.
func scatterSVG(title, xlabel, ylabel string, ps []point) template.HTML {
	if len(ps) == 0 {
		return ""
	}
	lx := func(v float64) float64 { return math.Log10(1 + math.Max(v, 0)) }
	f := frame{W: 460, H: 300, L: 46, R: 20, T: 24, B: 40, X0: 0, X1: math.Inf(-1), Y0: math.Inf(1), Y1: math.Inf(-1)}
	for _, p := range ps {
		f.X1 = math.Max(f.X1, lx(p.X))
		f.Y0, f.Y1 = math.Min(f.Y0, p.Y), math.Max(f.Y1, p.Y)
	}
	f.X1 = math.Max(1, math.Ceil(f.X1+0.3)) // room for the labels right of the largest model
	pad := math.Max((f.Y1-f.Y0)*0.15, 0.01)
	f.Y0, f.Y1 = f.Y0-pad, f.Y1+pad
	xs, ys, labels := make([]float64, len(ps)), make([]float64, len(ps)), make([]string, len(ps))
	order := make([]int, len(ps)) // label the best points first
	for i, p := range ps {
		xs[i], ys[i], labels[i], order[i] = f.x(lx(p.X)), f.y(p.Y), p.Label, i
	}
	sort.SliceStable(order, func(a, b int) bool { return ps[order[a]].Y > ps[order[b]].Y })
	ox, oy, ol := make([]float64, len(ps)), make([]float64, len(ps)), make([]string, len(ps))
	for k, i := range order {
		ox[k], oy[k], ol[k] = xs[i], ys[i], labels[i]
	}
	ob, ook := placeLabels(f, ox, oy, ol)
	boxes, placed := make([]box, len(ps)), make([]bool, len(ps))
	for k, i := range order {
		boxes[i], placed[i] = ob[k], ook[k]
	}
	var legend []int
	for i := range ps {
		if !placed[i] {
			legend = append(legend, i)
		}
	}
	f.Below = 16 * float64(len(legend))
	for _, i := range legend { // legend lines widen the chart rather than be clipped
		if need := f.L + textWidth(legendLine(len(legend), ps[i])) + 6; need > f.W {
			f.R += need - f.W
			f.W = need
		}
	}
	var b strings.Builder
	f.open(&b, title, xlabel, ylabel)
	f.yTicks(&b, 4)
	var tx []float64
	var tl []string
	for e := 0.0; e <= f.X1; e++ {
		if e == 0 {
			tx, tl = append(tx, 0), append(tl, "0")
			continue
		}
		tx, tl = append(tx, lx(math.Pow(10, e))), append(tl, fmt.Sprintf("1e%g", e))
	}
	f.xTicks(&b, tx, tl)
	front := paretoFrontier(ps)
	on := map[int]bool{}
	var pts []string
	for k, i := range front {
		on[i] = true
		if k > 0 {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs[i], f.y(ps[front[k-1]].Y)))
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs[i], ys[i]))
	}
	fmt.Fprintf(&b, `<polyline class="frontier" points="%s" fill="none" stroke="#2ca02c" stroke-width="2" stroke-dasharray="5 3"/>`, strings.Join(pts, " "))
	num := map[int]int{}
	for k, i := range legend {
		num[i] = k + 1
	}
	for i, p := range ps {
		fill := "#fff"
		if on[i] {
			fill = "#2ca02c"
		}
		fmt.Fprintf(&b, `<circle class="pt" cx="%.1f" cy="%.1f" r="5" fill="%s" stroke="#2ca02c" stroke-width="2"><title>%s: %.4g params, %.4f</title></circle>`,
			xs[i], ys[i], fill, html.EscapeString(p.Label), p.X, p.Y)
		if placed[i] {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="tick ptlabel">%s</text>`, boxes[i].X0, boxes[i].Y1-2, html.EscapeString(p.Label))
		} else {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" class="tick ptnum">%d</text>`, xs[i], ys[i]-8, num[i])
		}
	}
	for k, i := range legend {
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" class="tick legend">%s</text>`, f.L, f.H+10+16*float64(k), html.EscapeString(legendLine(k+1, ps[i])))
	}
	fmt.Fprintf(&b, `<text x="%g" y="16" class="ttl">%s</text></svg>`, f.L, html.EscapeString(title))
	return template.HTML(b.String())
}
