package reports

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
)

// Membership-inference metric names (tasks.MembershipMetrics; reports
// reads the result schema only).
var privacyMetrics = []string{"membership_auc", "membership_balanced_accuracy", "membership_tpr@fpr0.001", "membership_tpr@fpr0.01"}

// privacyBlock is the table of membership-inference attacks: one row per
// evaluation with a privacy section.
func privacyBlock(r *result.Result) block {
	b := block{Title: "Privacy: membership inference", Header: []string{"Model", "Task", "Attack", "Members (n)", "Non-members (n)",
		"Attack AUC", "Balanced accuracy", "TPR @ 0.1% FPR", "TPR @ 1% FPR"}}
	for i := range r.Evaluations {
		e := &r.Evaluations[i]
		p := e.Privacy
		if p == nil {
			continue
		}
		attack := p.Attack
		if len(p.References) > 0 {
			attack += " vs " + strings.Join(p.References, ", ")
		}
		row := []string{e.Model, e.Task, attack, fmt.Sprintf("%s (%d)", p.Members, p.MembersN), fmt.Sprintf("%s (%d)", p.NonMembers, p.NonMembersN)}
		for _, name := range privacyMetrics {
			m, ok := e.Metric(name)
			row = append(row, fmtMetric(m, ok))
		}
		b.Rows = append(b.Rows, row)
	}
	return b
}

// rocSVG draws an attack's ROC curve with the chance diagonal, on linear
// axes, and the same curve on log–log axes from FPR 1e-3, where the
// low-FPR regime that Carlini et al. 2022 argue matters is visible.
func rocSVG(title string, roc []result.ROCPoint) template.HTML {
	if len(roc) < 2 {
		return ""
	}
	var b strings.Builder
	lin := frame{W: 300, H: 300, L: 46, R: 12, T: 24, B: 40, X0: 0, X1: 1, Y0: 0, Y1: 1}
	b.WriteString(`<span class="roc">`)
	lin.open(&b, title, "false-positive rate", "true-positive rate")
	lin.yTicks(&b, 4)
	lin.xTicks(&b, []float64{0, 0.5, 1}, []string{"0", "0.5", "1"})
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#888" stroke-dasharray="4 3"/>`, lin.x(0), lin.y(0), lin.x(1), lin.y(1))
	var pts []string
	for _, p := range roc {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", lin.x(p.FPR), lin.y(p.TPR)))
	}
	fmt.Fprintf(&b, `<polyline class="curve" points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), palette[0])
	fmt.Fprintf(&b, `<text x="%g" y="16" class="ttl">%s</text></svg>`, lin.L, html.EscapeString(title))

	const lo = 1e-3
	lg := frame{W: 300, H: 300, L: 46, R: 12, T: 24, B: 40, X0: math.Log10(lo), X1: 0, Y0: math.Log10(lo), Y1: 0}
	lt := func(v float64) float64 { return math.Log10(math.Max(v, lo)) }
	lg.open(&b, title+" (log–log)", "false-positive rate (log)", "true-positive rate (log)")
	for _, e := range []float64{-3, -2, -1, 0} {
		y := lg.y(e)
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%g" y="%.1f" text-anchor="end" class="tick">1e%g</text>`, lg.L, lg.W-lg.R, y, y, lg.L-4, y+4, e)
	}
	lg.xTicks(&b, []float64{-3, -2, -1, 0}, []string{"1e-3", "1e-2", "1e-1", "1"})
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#888" stroke-dasharray="4 3"/>`, lg.x(lt(lo)), lg.y(lt(lo)), lg.x(0), lg.y(0))
	pts = pts[:0]
	for _, p := range roc {
		if p.FPR < lo && p.TPR < lo {
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", lg.x(lt(p.FPR)), lg.y(lt(p.TPR))))
	}
	fmt.Fprintf(&b, `<polyline class="curve" points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), palette[1])
	fmt.Fprintf(&b, `<text x="%g" y="16" class="ttl">%s</text></svg></span>`, lg.L, html.EscapeString(title+" (log–log)"))
	return template.HTML(b.String())
}
