package cost

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time {
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

// cpuClock returns successive CPU times.
func cpuClock(ts ...time.Duration) func() (time.Duration, error) {
	i := 0
	return func() (time.Duration, error) {
		t := ts[min(i, len(ts)-1)]
		i++
		return t, nil
	}
}

// writeZone writes a fake powercap zone.
func writeZone(t *testing.T, root, zone, name string, energy, max uint64) {
	t.Helper()
	d := filepath.Join(root, zone)
	require.NoError(t, os.MkdirAll(d, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(d, "name"), []byte(name+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(d, "energy_uj"), []byte(itoa(energy)+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(d, "max_energy_range_uj"), []byte(itoa(max)+"\n"), 0o644))
}

func itoa(v uint64) string { b, _ := json.Marshal(v); return string(b) }

func TestRAPL(t *testing.T) {
	root := t.TempDir()
	// Two packages, a core subzone (part of package 0) and psys (overlaps
	// the packages): only the two packages count.
	writeZone(t, root, "intel-rapl:0", "package-0", 1_000_000, 262_143_328_850)
	writeZone(t, root, "intel-rapl:1", "package-1", 262_143_000_000, 262_143_328_850)
	writeZone(t, root, "intel-rapl:0:0", "core", 5, 100)
	writeZone(t, root, "intel-rapl:2", "psys", 7, 100)
	clk := &fakeClock{t: time.Unix(0, 0), step: time.Second}
	m := Open(Config{PowercapRoot: root, now: clk.now, cpuTime: cpuClock(time.Second, 3*time.Second)})
	require.Len(t, m.rapl, 2)
	sp := m.Start()
	// Package 0 gains 2.5 J; package 1 wraps: 328,850 µJ to the top, then 671,150 µJ: 1 J.
	writeZone(t, root, "intel-rapl:0", "package-0", 3_500_000, 262_143_328_850)
	writeZone(t, root, "intel-rapl:1", "package-1", 671_150, 262_143_328_850)
	rd := sp.Stop()
	assert.Equal(t, time.Second, rd.Wall)
	assert.Equal(t, 2*time.Second, rd.CPU)
	assert.Equal(t, "measured: rapl", rd.CPUEnergy.Method)
	assert.InDelta(t, 3.5, rd.CPUEnergy.Joules, 1e-9) // 2.5 J + 1 J by hand
	assert.Nil(t, rd.GPUEnergy)
}

func TestCPUFallbacks(t *testing.T) {
	unreadable := t.TempDir()
	writeZone(t, unreadable, "intel-rapl:0", "package-0", 1, 10)
	require.NoError(t, os.Remove(filepath.Join(unreadable, "intel-rapl:0", "max_energy_range_uj")))
	cases := []struct {
		name   string
		root   string
		watts  float64
		joules float64
		method string
		absent string
	}{
		// 65 W for the 2 s span of the fake clock: 130 J.
		{name: "estimate", root: t.TempDir(), watts: 65, joules: 130, method: "estimated: 65 W × wall time"},
		{name: "estimate, fractional watts", root: t.TempDir(), watts: 12.5, joules: 25, method: "estimated: 12.5 W × wall time"},
		{name: "nothing", root: t.TempDir(), absent: "intel-rapl:* absent"},
		{name: "broken zone", root: unreadable, absent: "RAPL counters unusable"},
		{name: "broken zone with estimate", root: unreadable, watts: 10, joules: 20, method: "estimated: 10 W × wall time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(0, 0), step: 2 * time.Second}
			m := Open(Config{PowercapRoot: c.root, PowerWatts: c.watts, now: clk.now, cpuTime: cpuClock(0)})
			rd := m.Start().Stop()
			if c.absent != "" {
				assert.False(t, rd.CPUEnergy.Present())
				assert.Contains(t, rd.CPUEnergy.Absent, c.absent)
				assert.Contains(t, rd.CPUEnergy.Absent, "--power-watts")
				return
			}
			assert.Equal(t, c.method, rd.CPUEnergy.Method)
			assert.InDelta(t, c.joules, rd.CPUEnergy.Joules, 1e-9)
		})
	}
}

// fakeGPU is a GPU with a scripted energy counter and power.
type fakeGPU struct {
	energy   []uint64 // successive TotalEnergy values (mJ); nil: unsupported
	calls    int
	mw       uint32
	powerErr error
	closed   bool
}

func (g *fakeGPU) TotalEnergy() (uint64, error) {
	if g.energy == nil {
		return 0, errors.New("not supported")
	}
	v := g.energy[min(g.calls, len(g.energy)-1)]
	g.calls++
	return v, nil
}
func (g *fakeGPU) Power() (uint32, error) { return g.mw, g.powerErr }
func (g *fakeGPU) Close() error           { g.closed = true; return nil }

func TestGPU(t *testing.T) {
	t.Run("energy counter", func(t *testing.T) {
		// Open probes the counter once, Start reads 1,000 mJ, Stop 4,500 mJ: 3.5 J.
		g := &fakeGPU{energy: []uint64{0, 1000, 4500}}
		m := Open(Config{GPU: true, PowercapRoot: t.TempDir(), openGPU: func(int) (gpuDevice, error) { return g, nil }})
		rd := m.Start().Stop()
		require.NotNil(t, rd.GPUEnergy)
		assert.Equal(t, "measured: nvml energy counter", rd.GPUEnergy.Method)
		assert.InDelta(t, 3.5, rd.GPUEnergy.Joules, 1e-12)
		require.NoError(t, m.Close())
		assert.True(t, g.closed)
	})
	t.Run("sampled power", func(t *testing.T) {
		// 250 W held over the span: energy = 250 W × wall time.
		g := &fakeGPU{mw: 250_000}
		m := Open(Config{GPU: true, PowercapRoot: t.TempDir(), openGPU: func(int) (gpuDevice, error) { return g, nil }})
		sp := m.Start()
		time.Sleep(250 * time.Millisecond)
		rd := sp.Stop()
		require.NotNil(t, rd.GPUEnergy)
		assert.Equal(t, "measured: nvml power sampled every 100ms", rd.GPUEnergy.Method)
		assert.InDelta(t, 250*rd.Wall.Seconds(), rd.GPUEnergy.Joules, 1e-6)
	})
	t.Run("no NVML", func(t *testing.T) {
		m := Open(Config{GPU: true, PowercapRoot: t.TempDir(), openGPU: func(int) (gpuDevice, error) {
			return nil, errors.New("NVML not available: libnvidia-ml.so.1: cannot open shared object file")
		}})
		rd := m.Start().Stop()
		require.NotNil(t, rd.GPUEnergy)
		assert.Equal(t, "NVML not available: libnvidia-ml.so.1: cannot open shared object file", rd.GPUEnergy.Absent)
	})
	t.Run("neither counter nor power", func(t *testing.T) {
		g := &fakeGPU{powerErr: errors.New("not supported")}
		m := Open(Config{GPU: true, PowercapRoot: t.TempDir(), openGPU: func(int) (gpuDevice, error) { return g, nil }})
		rd := m.Start().Stop()
		assert.Contains(t, rd.GPUEnergy.Absent, "neither a total-energy counter")
		assert.True(t, g.closed)
	})
}

// TestRealNVML opens the real library: on a machine without an NVIDIA
// driver it must fail cleanly with a reason, never panic.
func TestRealNVML(t *testing.T) {
	d, err := openNVML(0)
	if err != nil {
		assert.Contains(t, err.Error(), "NVML")
		return
	}
	defer d.Close()
	if mj, err := d.TotalEnergy(); err == nil {
		t.Logf("GPU 0 total energy: %d mJ", mj)
	}
	mw, err := d.Power()
	require.NoError(t, err)
	t.Logf("GPU 0 power: %d mW", mw)
}

func TestNilMeter(t *testing.T) {
	var m *Meter
	assert.Equal(t, Reading{}, m.Start().Stop())
	assert.NoError(t, m.Close())
	assert.Nil(t, Reading{}.Result(10, 0, DefaultGridIntensity, DefaultGridSource))
}

func TestResult(t *testing.T) {
	rd := Reading{Wall: 2 * time.Second, CPU: 3 * time.Second, Spans: 1,
		CPUEnergy: Energy{Joules: 7_200, Method: "measured: rapl"}}
	c := rd.Result(1000, 0, DefaultGridIntensity, DefaultGridSource)
	assert.Equal(t, 2.0, c.WallSeconds)
	assert.Equal(t, 3.0, c.CPUSeconds)
	assert.Equal(t, result.Float(7200), c.Energy.Value)
	assert.Equal(t, "measured: rapl", c.Energy.Method)
	// 7,200 J = 0.002 kWh; × 475 gCO2e/kWh = 0.95 g (by hand).
	assert.InDelta(t, 0.95, float64(c.Carbon.Value), 1e-12)
	assert.Equal(t, "energy × 475 gCO2e/kWh", c.Carbon.Method)
	per, ok := c.EnergyPer1000()
	assert.True(t, ok)
	assert.Equal(t, 7200.0, per)

	// A GPU run: energy is the sum, present only when both are.
	g := Energy{Joules: 800, Method: "measured: nvml energy counter"}
	rd.GPUEnergy = &g
	c = rd.Result(1000, 0, 100, "configured")
	assert.Equal(t, result.Float(8000), c.Energy.Value)
	assert.Equal(t, "cpu measured: rapl + gpu measured: nvml energy counter", c.Energy.Method)
	// 8,000 J / 3.6e6 × 100 g/kWh = 0.2222… g.
	assert.InDelta(t, 8000/3.6e6*100, float64(c.Carbon.Value), 1e-12)
	g2 := absent("NVML not available")
	rd.GPUEnergy = &g2
	c = rd.Result(1000, 0, 100, "configured")
	assert.False(t, c.Energy.Present())
	assert.Equal(t, "GPU energy absent: NVML not available", c.Energy.Absent)
	assert.False(t, c.Carbon.Present())
	_, ok = c.EnergyPer1000()
	assert.False(t, ok)
	// Absent figures marshal as null with the reason.
	b, err := json.Marshal(c.Energy)
	require.NoError(t, err)
	assert.JSONEq(t, `{"value":null,"unit":"J","absent":"GPU energy absent: NVML not available"}`, string(b))
}

func TestResultCached(t *testing.T) {
	rd := Reading{Wall: time.Second, Spans: 1, CPUEnergy: Energy{Joules: 10, Method: "measured: rapl"}}
	c := rd.Result(0, 2048, DefaultGridIntensity, DefaultGridSource)
	assert.False(t, c.Energy.Present())
	assert.Equal(t, "all 2048 predictions came from the cache; the run that computed them did not store its energy", c.CPUEnergy.Absent)
	c = rd.Result(1000, 24, DefaultGridIntensity, DefaultGridSource)
	assert.True(t, c.Energy.Present())
	assert.Equal(t, "the figures cover the 1000 examples computed by this run; 24 more came from the cache", c.Note)
}

func TestPlusAndSum(t *testing.T) {
	a := Reading{Wall: time.Second, CPU: time.Second, Spans: 1, CPUEnergy: Energy{Joules: 1, Method: "measured: rapl"}}
	b := Reading{Wall: 2 * time.Second, CPU: time.Second, Spans: 1, CPUEnergy: Energy{Joules: 2, Method: "measured: rapl"}}
	s := a.Plus(b)
	assert.Equal(t, 3*time.Second, s.Wall)
	assert.Equal(t, Energy{Joules: 3, Method: "measured: rapl"}, s.CPUEnergy)
	assert.Equal(t, 2, s.Spans)
	assert.Equal(t, a, Reading{}.Plus(a))
	c := Reading{Spans: 1, CPUEnergy: absent("no RAPL")}
	assert.Equal(t, "no RAPL", a.Plus(c).CPUEnergy.Absent)

	x := a.Result(100, 0, 475, "src")
	y := b.Result(300, 0, 475, "src")
	m := Sum(x, y)
	assert.Equal(t, 400, m.Examples)
	assert.Equal(t, 3.0, m.WallSeconds)
	assert.Equal(t, result.Float(3), m.Energy.Value)
	assert.InDelta(t, 3/3.6e6*475, float64(m.Carbon.Value), 1e-15)
	per, _ := m.EnergyPer1000()
	assert.InDelta(t, 7.5, per, 1e-12) // 3 J over 400 examples
	// Different methods are both named; an absent part makes the sum absent.
	z := Reading{Wall: time.Second, Spans: 1, CPUEnergy: Energy{Joules: 65, Method: "estimated: 65 W × wall time"}}.Result(100, 0, 475, "src")
	assert.Equal(t, "measured: rapl; estimated: 65 W × wall time", Sum(x, z).Energy.Method)
	w := c.Result(100, 0, 475, "src")
	assert.Equal(t, "no RAPL", Sum(x, w).Energy.Absent)
	assert.Nil(t, Sum(nil, nil))
	assert.Equal(t, x, Sum(x, nil))
	// Different grid intensities: carbon adds as it is.
	v := b.Result(300, 0, 100, "other")
	mv := Sum(x, v)
	assert.InDelta(t, 1/3.6e6*475+2/3.6e6*100, float64(mv.Carbon.Value), 1e-15)
	assert.InDelta(t, (475+2*100)/3.0, mv.GridIntensity, 1e-9) // carbon over energy, per kWh
}

func TestConfig(t *testing.T) {
	g, src := Config{}.Grid()
	assert.Equal(t, 475.0, g)
	assert.Equal(t, DefaultGridSource, src)
	g, src = Config{GridIntensity: 56}.Grid()
	assert.Equal(t, 56.0, g)
	assert.Equal(t, "configured", src)
}

func TestIntegrate(t *testing.T) {
	t0 := time.Unix(100, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	// 100 W at 0 s, 200 W at 0.5 s, 300 W at 1.2 s (after the end, clamped
	// to 1 s). Trapezoids by hand: (100+200)/2 × 0.5 + (200+300)/2 × 0.5 = 200 J.
	ss := []sample{{at(0), 100_000}, {at(0.5), 200_000}, {at(1.2), 300_000}}
	assert.InDelta(t, 200, integrate(ss, t0, at(1)), 1e-9)
	// One sample, held over the whole span: 50 W × 2 s = 100 J.
	assert.InDelta(t, 100, integrate([]sample{{at(0.3), 50_000}}, t0, at(2)), 1e-9)
	assert.Equal(t, 0.0, integrate(nil, t0, at(1)))
}
