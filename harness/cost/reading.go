package cost

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/evalctl/evalctl/harness/result"
)

// Energy is one device's energy over a span, or why it is absent.
type Energy struct {
	Joules float64
	// Method says how Joules was obtained ("measured: rapl").
	Method string
	// Absent says why there is no figure; Joules and Method are then unset.
	Absent string
}

func absent(why string) Energy { return Energy{Absent: why} }

// Present reports whether e has a value.
func (e Energy) Present() bool { return e.Absent == "" && e.Method != "" }

// plus adds two figures: present when both are, with their method (both
// methods when they differ); absent with the first reason otherwise.
func (e Energy) plus(o Energy) Energy {
	switch {
	case e.Method == "" && e.Absent == "":
		return o
	case o.Method == "" && o.Absent == "":
		return e
	case e.Absent != "":
		return e
	case o.Absent != "":
		return o
	}
	return Energy{Joules: e.Joules + o.Joules, Method: joinMethods(e.Method, o.Method)}
}

// joinMethods joins two methods, each once, in order.
func joinMethods(a, b string) string {
	have := strings.Split(a, "; ")
	for _, m := range strings.Split(b, "; ") {
		found := false
		for _, h := range have {
			found = found || h == m
		}
		if !found {
			have = append(have, m)
		}
	}
	return strings.Join(have, "; ")
}

// Reading is the cost of one or more spans.
type Reading struct {
	Wall, CPU time.Duration
	CPUEnergy Energy
	// GPUEnergy is set when the model runs on a GPU.
	GPUEnergy *Energy
	// Spans counts the spans summed (0: nothing was measured).
	Spans int
}

// Plus returns the cost of two readings together.
func (r Reading) Plus(o Reading) Reading {
	out := Reading{Wall: r.Wall + o.Wall, CPU: r.CPU + o.CPU, CPUEnergy: r.CPUEnergy.plus(o.CPUEnergy), Spans: r.Spans + o.Spans}
	switch {
	case r.GPUEnergy != nil && o.GPUEnergy != nil:
		g := r.GPUEnergy.plus(*o.GPUEnergy)
		out.GPUEnergy = &g
	case r.GPUEnergy != nil:
		out.GPUEnergy = r.GPUEnergy
	case o.GPUEnergy != nil:
		out.GPUEnergy = o.GPUEnergy
	}
	return out
}

// Result turns a reading into the result's cost section. examples counts
// the examples the spans computed; cached those whose predictions came
// from the cache (read, not computed, by the spans). When every example
// came from the cache the energy figures are absent: the run that
// computed them did not store its energy with the cache. grid and source
// are the carbon intensity (gCO2e/kWh) and where it comes from.
func (r Reading) Result(examples, cached int, grid float64, source string) *result.Cost {
	if r.Spans == 0 {
		return nil
	}
	c := &result.Cost{Examples: examples, CachedExamples: cached, WallSeconds: r.Wall.Seconds(), CPUSeconds: r.CPU.Seconds(),
		GridIntensity: grid, GridSource: source}
	cpu, gpu := r.CPUEnergy, r.GPUEnergy
	if examples == 0 && cached > 0 {
		why := fmt.Sprintf("all %d predictions came from the cache; the run that computed them did not store its energy", cached)
		cpu = absent(why)
		if gpu != nil {
			g := absent(why)
			gpu = &g
		}
	} else if cached > 0 {
		c.Note = fmt.Sprintf("the figures cover the %d examples computed by this run; %d more came from the cache", examples, cached)
	}
	c.CPUEnergy = figure(cpu, Joules)
	total := cpu
	if gpu != nil {
		g := figure(*gpu, Joules)
		c.GPUEnergy = &g
		total = sumDevices(cpu, *gpu)
	}
	c.Energy = figure(total, Joules)
	c.Carbon = Carbon(c.Energy, grid)
	return c
}

// sumDevices adds the CPU and GPU energy: present only when both are.
func sumDevices(cpu, gpu Energy) Energy {
	switch {
	case cpu.Absent != "":
		return absent("CPU energy absent: " + cpu.Absent)
	case gpu.Absent != "":
		return absent("GPU energy absent: " + gpu.Absent)
	}
	return Energy{Joules: cpu.Joules + gpu.Joules, Method: "cpu " + cpu.Method + " + gpu " + gpu.Method}
}

// Carbon returns the carbon of an energy figure (joules) at grid
// intensity grid (gCO2e/kWh).
func Carbon(energy result.Figure, grid float64) result.Figure {
	if !energy.Present() {
		return result.Figure{Value: result.Float(math.NaN()), Unit: GramsCO2e, Absent: "energy absent"}
	}
	return result.Figure{Value: result.Float(float64(energy.Value) / joulesPerK * grid), Unit: GramsCO2e,
		Method: fmt.Sprintf("energy × %s gCO2e/kWh", fmtWatts(grid))}
}

func figure(e Energy, unit string) result.Figure {
	if !e.Present() {
		why := e.Absent
		if why == "" {
			why = "not measured"
		}
		return result.Figure{Value: result.Float(math.NaN()), Unit: unit, Absent: why}
	}
	return result.Figure{Value: result.Float(e.Joules), Unit: unit, Method: e.Method}
}

// Sum returns the cost of two evaluations' work together (the shards of
// one evaluation, merged): times and energies add; a figure absent in
// either is absent in the sum. Either may be nil.
func Sum(a, b *result.Cost) *result.Cost {
	switch {
	case a == nil && b == nil:
		return nil
	case a == nil:
		c := *b
		return &c
	case b == nil:
		c := *a
		return &c
	}
	c := *a
	c.Examples += b.Examples
	c.CachedExamples += b.CachedExamples
	c.WallSeconds += b.WallSeconds
	c.CPUSeconds += b.CPUSeconds
	c.CPUEnergy = sumFigure(a.CPUEnergy, b.CPUEnergy)
	switch {
	case a.GPUEnergy != nil && b.GPUEnergy != nil:
		g := sumFigure(*a.GPUEnergy, *b.GPUEnergy)
		c.GPUEnergy = &g
	case b.GPUEnergy != nil:
		g := *b.GPUEnergy
		c.GPUEnergy = &g
	}
	c.Energy = sumFigure(a.Energy, b.Energy)
	if a.GridIntensity != b.GridIntensity {
		// Carbon figures at different intensities add as they are.
		c.Carbon = sumFigure(a.Carbon, b.Carbon)
		c.GridSource = fmt.Sprintf("%s; %s (%s)", a.GridSource, fmtWatts(b.GridIntensity), b.GridSource)
		// The effective intensity, when the energy allows it (0: unknown).
		c.GridIntensity = 0
		if c.Energy.Present() && c.Carbon.Present() && c.Energy.Value > 0 {
			c.GridIntensity = float64(c.Carbon.Value) / float64(c.Energy.Value) * joulesPerK
		}
	} else {
		c.Carbon = Carbon(c.Energy, a.GridIntensity)
	}
	switch {
	case a.Note != "" && b.Note != "" && a.Note != b.Note:
		c.Note = a.Note + "; " + b.Note
	case a.Note == "":
		c.Note = b.Note
	}
	return &c
}

func sumFigure(a, b result.Figure) result.Figure {
	switch {
	case !a.Present():
		return a
	case !b.Present():
		return b
	}
	return result.Figure{Value: a.Value + b.Value, Unit: a.Unit, Method: joinMethods(a.Method, b.Method)}
}
