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

func (f frame) open(b *strings.Builder, title, xlabel, ylabel string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%g" height="%g" viewBox="0 0 %g %g" role="img"><title>%s</title>`, f.W, f.H, f.W, f.H, html.EscapeString(title))
	fmt.Fprintf(b, `<rect x="%g" y="%g" width="%g" height="%g" fill="#fff" stroke="#999"/>`, f.L, f.T, f.W-f.L-f.R, f.H-f.T-f.B)
	fmt.Fprintf(b, `<text x="%g" y="%g" text-anchor="middle" class="lbl">%s</text>`, f.L+(f.W-f.L-f.R)/2, f.H-6, html.EscapeString(xlabel))
	fmt.Fprintf(b, `<text x="12" y="%g" text-anchor="middle" class="lbl" transform="rotate(-90 12 %g)">%s</text>`, f.T+(f.H-f.T-f.B)/2, f.T+(f.H-f.T-f.B)/2, html.EscapeString(ylabel))
}

func (f frame) yTicks(b *strings.Builder, n int) {
	for i := 0; i <= n; i++ {
		v := f.Y0 + (f.Y1-f.Y0)*float64(i)/float64(n)
		y := f.y(v)
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%g" y="%.1f" text-anchor="end" class="tick">%.2f</text>`, f.L, f.W-f.R, y, y, f.L-4, y+4, v)
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
	f := frame{W: 420, H: h, L: 120, R: 16, T: 24, B: 36, X0: 0, X1: 1}
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

// linesSVG draws metric-vs-severity curves, one colour per series, with a legend.
func linesSVG(title, xlabel, ylabel string, ss []series) template.HTML {
	f := frame{W: 460, H: 300, L: 46, R: 130, T: 24, B: 40, X0: math.Inf(1), X1: math.Inf(-1), Y0: math.Inf(1), Y1: math.Inf(-1)}
	for _, s := range ss {
		for i := range s.X {
			if math.IsNaN(s.Y[i]) {
				continue
			}
			f.X0, f.X1 = math.Min(f.X0, s.X[i]), math.Max(f.X1, s.X[i])
			f.Y0, f.Y1 = math.Min(f.Y0, s.Y[i]), math.Max(f.Y1, s.Y[i])
		}
	}
	if math.IsInf(f.X0, 0) {
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

// scatterSVG draws accuracy vs trainable parameters (log x) with the Pareto
// frontier as a stepped line and frontier points filled.
func scatterSVG(title, xlabel, ylabel string, ps []point) template.HTML {
	f := frame{W: 460, H: 300, L: 46, R: 20, T: 24, B: 40, X0: math.Inf(1), X1: math.Inf(-1), Y0: math.Inf(1), Y1: math.Inf(-1), LogX: true}
	for _, p := range ps {
		f.X0, f.X1 = math.Min(f.X0, p.X), math.Max(f.X1, p.X)
		f.Y0, f.Y1 = math.Min(f.Y0, p.Y), math.Max(f.Y1, p.Y)
	}
	if len(ps) == 0 {
		return ""
	}
	f.X0, f.X1 = f.X0/2, f.X1*2
	pad := math.Max((f.Y1-f.Y0)*0.15, 0.01)
	f.Y0, f.Y1 = f.Y0-pad, f.Y1+pad
	var b strings.Builder
	f.open(&b, title, xlabel, ylabel)
	f.yTicks(&b, 4)
	var xs []float64
	var xl []string
	for e := math.Ceil(math.Log10(f.X0)); e <= math.Log10(f.X1); e++ {
		xs, xl = append(xs, math.Pow(10, e)), append(xl, fmt.Sprintf("1e%g", e))
	}
	f.xTicks(&b, xs, xl)
	front := paretoFrontier(ps)
	on := map[int]bool{}
	var pts []string
	for k, i := range front {
		on[i] = true
		if k > 0 {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.x(ps[i].X), f.y(ps[front[k-1]].Y)))
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.x(ps[i].X), f.y(ps[i].Y)))
	}
	fmt.Fprintf(&b, `<polyline class="frontier" points="%s" fill="none" stroke="#2ca02c" stroke-width="2" stroke-dasharray="5 3"/>`, strings.Join(pts, " "))
	for i, p := range ps {
		fill := "#fff"
		if on[i] {
			fill = "#2ca02c"
		}
		fmt.Fprintf(&b, `<circle class="pt" cx="%.1f" cy="%.1f" r="5" fill="%s" stroke="#2ca02c" stroke-width="2"><title>%s: %.4g params, %.4f</title></circle><text x="%.1f" y="%.1f" class="tick">%s</text>`,
			f.x(p.X), f.y(p.Y), fill, html.EscapeString(p.Label), p.X, p.Y, f.x(p.X)+7, f.y(p.Y)-6, html.EscapeString(p.Label))
	}
	fmt.Fprintf(&b, `<text x="%g" y="16" class="ttl">%s</text></svg>`, f.L, html.EscapeString(title))
	return template.HTML(b.String())
}
