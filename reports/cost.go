package reports

import (
	"fmt"
	"strings"

	"github.com/evalctl/evalctl/harness/result"
)

// costTotal adds up the cost sections of evaluations (a task's variants):
// examples and times add; energy and carbon add while every part has them,
// else they are absent with the first part's reason.
type costTotal struct {
	examples, cached   int
	wall, cpu          float64
	energy, carbon     float64
	energyOK, carbonOK bool
	method, why        string
}

func newCostTotal() *costTotal { return &costTotal{energyOK: true, carbonOK: true} }

func (t *costTotal) add(c *result.Cost) {
	t.examples += c.Examples
	t.cached += c.CachedExamples
	t.wall += c.WallSeconds
	t.cpu += c.CPUSeconds
	if c.Energy.Present() {
		t.energy += float64(c.Energy.Value)
		if t.method == "" {
			t.method = c.Energy.Method
		} else if !strings.Contains(t.method, c.Energy.Method) {
			t.method += "; " + c.Energy.Method
		}
	} else {
		t.energyOK = false
		if t.why == "" {
			t.why = c.Energy.Absent
		}
	}
	if c.Carbon.Present() {
		t.carbon += float64(c.Carbon.Value)
	} else {
		t.carbonOK = false
	}
}

// per1000 returns the energy per 1,000 computed examples ("n/a" when absent).
func (t *costTotal) per1000() string {
	if !t.energyOK || t.examples == 0 {
		return "n/a"
	}
	return fmtJoules(t.energy / float64(t.examples) * 1000)
}

// costHeader heads the cells of a costTotal.
var costHeader = []string{"Examples computed", "Wall s", "CPU s", "Energy", "Energy / 1,000 examples", "Carbon", "Method"}

// cells formats a total under costHeader.
func (t *costTotal) cells() []string {
	energy, carbon, method := "absent: "+t.why, "n/a", ""
	if t.energyOK {
		energy, method = fmtJoules(t.energy), t.method
	}
	if t.carbonOK {
		carbon = fmtGrams(t.carbon)
	}
	ex := fmt.Sprint(t.examples)
	if t.cached > 0 {
		ex += fmt.Sprintf(" (+%d cached)", t.cached)
	}
	return []string{ex, fmt.Sprintf("%.2f", t.wall), fmt.Sprintf("%.2f", t.cpu), energy, t.per1000(), carbon, method}
}

// modelTaskCosts sums r's evaluation costs per model × task, in first-seen
// order; model, when not empty, selects one model.
func modelTaskCosts(r *result.Result, model string) ([][2]string, map[[2]string]*costTotal) {
	var order [][2]string
	totals := map[[2]string]*costTotal{}
	for i := range r.Evaluations {
		e := &r.Evaluations[i]
		if e.Cost == nil || (model != "" && e.Model != model) {
			continue
		}
		k := [2]string{e.Model, e.Task}
		if totals[k] == nil {
			totals[k] = newCostTotal()
			order = append(order, k)
		}
		totals[k].add(e.Cost)
	}
	return order, totals
}

// costBlock is the cost table of a run report: per model × task, every
// variant's cost together, with energy per 1,000 examples. It has no rows
// when the result records no cost (written by an older evalctl).
func costBlock(r *result.Result) block {
	b := block{Title: "Cost of evaluation", Header: append([]string{"Model", "Task"}, costHeader...)}
	order, totals := modelTaskCosts(r, "")
	for _, k := range order {
		b.Rows = append(b.Rows, append([]string{k[0], k[1]}, totals[k].cells()...))
	}
	return b
}

// modelCostInfo lists a model's energy per 1,000 examples per task for
// its leaderboard page, from every result that records cost.
func modelCostInfo(results []*result.Result, model string) [][2]string {
	var out [][2]string
	for _, r := range results {
		order, totals := modelTaskCosts(r, model)
		for _, k := range order {
			t := totals[k]
			v := t.per1000()
			if t.energyOK {
				v += " (" + t.method + ")"
			} else {
				v += " (energy absent: " + t.why + ")"
			}
			out = append(out, [2]string{"energy / 1,000 examples, " + k[1] + " (run " + r.Run.ID + ")", v})
		}
	}
	return out
}
