package cost

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultGridIntensity is the carbon intensity used when none is
// configured: the world average of electricity generation in 2019,
// 475 gCO2e/kWh, from the IEA's Global Energy & CO2 Status Report 2019 —
// the default of carbontracker (Anthony et al. 2020) and CodeCarbon's
// world-average fallback.
const DefaultGridIntensity = 475.0

// DefaultGridSource names the source of DefaultGridIntensity in results.
const DefaultGridSource = "default: world average 2019 (IEA Global Energy and CO2 Status Report 2019), as carbontracker and CodeCarbon use"

// Units of the figures.
const (
	Joules     = "J"
	GramsCO2e  = "gCO2e"
	joulesPerK = 3.6e6 // joules per kWh
)

// Config configures a Meter.
type Config struct {
	// PowerWatts is the power drawn by the CPU during evaluation, used to
	// estimate CPU energy where RAPL is not readable (0: no estimate).
	PowerWatts float64
	// GridIntensity in gCO2e/kWh (0: DefaultGridIntensity) and where it
	// comes from (empty: "configured").
	GridIntensity float64
	GridSource    string
	// GPU says the model runs on a GPU execution provider; GPUIndex is the
	// NVML index of its device.
	GPU      bool
	GPUIndex int
	// PowercapRoot is the powercap sysfs folder (default
	// /sys/class/powercap); tests point it at a fake tree.
	PowercapRoot string

	// openGPU opens the GPU device (tests replace it; default NVML).
	openGPU func(index int) (gpuDevice, error)
	// now and cpuTime are the clocks (tests replace them).
	now     func() time.Time
	cpuTime func() (time.Duration, error)
}

// Grid returns the grid intensity in force and its source.
func (c Config) Grid() (float64, string) {
	if c.GridIntensity > 0 {
		src := c.GridSource
		if src == "" {
			src = "configured"
		}
		return c.GridIntensity, src
	}
	return DefaultGridIntensity, DefaultGridSource
}

// gpuDevice is an open GPU's energy sources.
type gpuDevice interface {
	// TotalEnergy returns the energy consumed since the driver loaded, in
	// millijoules; errUnsupported when the device has no such counter.
	TotalEnergy() (uint64, error)
	// Power returns the current power draw in milliwatts.
	Power() (uint32, error)
	Close() error
}

// Meter measures the cost of spans of work on one model.
type Meter struct {
	cfg Config
	// rapl holds the readable RAPL package zones; raplWhy says why there
	// are none.
	rapl    []raplZone
	raplWhy string
	gpu     gpuDevice
	gpuWhy  string
	// gpuCounter is true when the GPU has a total-energy counter.
	gpuCounter bool
}

// Open starts a meter. It never fails: a source that is missing is
// recorded, and the figures it would give are absent with the reason.
func Open(cfg Config) *Meter {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.cpuTime == nil {
		cfg.cpuTime = processCPUTime
	}
	if cfg.PowercapRoot == "" {
		cfg.PowercapRoot = "/sys/class/powercap"
	}
	if cfg.openGPU == nil {
		cfg.openGPU = openNVML
	}
	m := &Meter{cfg: cfg}
	m.rapl, m.raplWhy = findRAPL(cfg.PowercapRoot)
	if cfg.GPU {
		d, err := cfg.openGPU(cfg.GPUIndex)
		if err != nil {
			m.gpuWhy = err.Error()
		} else {
			m.gpu = d
			if _, err := d.TotalEnergy(); err == nil {
				m.gpuCounter = true
			} else if _, perr := d.Power(); perr != nil {
				m.gpuWhy = fmt.Sprintf("NVML has neither a total-energy counter (%v) nor a power reading (%v) for GPU %d", err, perr, cfg.GPUIndex)
				d.Close()
				m.gpu = nil
			}
		}
	}
	return m
}

// Close releases the GPU library.
func (m *Meter) Close() error {
	if m == nil || m.gpu == nil {
		return nil
	}
	err := m.gpu.Close()
	m.gpu = nil
	return err
}

// Span is one measured stretch of work.
type Span struct {
	m        *Meter
	start    time.Time
	cpu      time.Duration
	cpuErr   error
	rapl     []uint64
	raplErr  error
	gpuStart uint64
	gpuErr   error
	// sampling: power samples (time, milliwatts) until stop is closed.
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	samples []sample
}

type sample struct {
	t  time.Time
	mw float64
}

// sampleEvery is the power sampling period where a GPU has no energy counter.
const sampleEvery = 100 * time.Millisecond

// Start begins a span. A nil meter gives a nil span, whose Stop returns an
// empty reading.
func (m *Meter) Start() *Span {
	if m == nil {
		return nil
	}
	s := &Span{m: m}
	s.cpu, s.cpuErr = m.cfg.cpuTime()
	if len(m.rapl) > 0 {
		s.rapl, s.raplErr = readRAPL(m.rapl)
	}
	if m.gpu != nil {
		if m.gpuCounter {
			s.gpuStart, s.gpuErr = m.gpu.TotalEnergy()
		} else {
			s.stop, s.done = make(chan struct{}), make(chan struct{})
			s.sample()
			go s.sampleLoop()
		}
	}
	s.start = m.cfg.now()
	return s
}

func (s *Span) sample() {
	mw, err := s.m.gpu.Power()
	if err != nil {
		return
	}
	s.mu.Lock()
	s.samples = append(s.samples, sample{t: s.m.cfg.now(), mw: float64(mw)})
	s.mu.Unlock()
}

func (s *Span) sampleLoop() {
	defer close(s.done)
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sample()
		}
	}
}

// Stop ends the span and returns what it cost.
func (s *Span) Stop() Reading {
	if s == nil {
		return Reading{}
	}
	m := s.m
	end := m.cfg.now()
	wall := end.Sub(s.start)
	rd := Reading{Wall: wall, Spans: 1}
	if cpu, err := m.cfg.cpuTime(); err == nil && s.cpuErr == nil {
		rd.CPU = cpu - s.cpu
	}
	// CPU energy: RAPL, else the configured power figure, else absent.
	switch {
	case len(m.rapl) > 0 && s.raplErr == nil:
		end, err := readRAPL(m.rapl)
		if err != nil {
			rd.CPUEnergy = absent(fmt.Sprintf("reading RAPL counters: %v", err))
			break
		}
		j := 0.0
		for i, z := range m.rapl {
			j += float64(wrapDelta(s.rapl[i], end[i], z.max)) / 1e6
		}
		rd.CPUEnergy = Energy{Joules: j, Method: "measured: rapl"}
	case m.cfg.PowerWatts > 0:
		rd.CPUEnergy = Energy{Joules: m.cfg.PowerWatts * wall.Seconds(), Method: fmt.Sprintf("estimated: %s W × wall time", fmtWatts(m.cfg.PowerWatts))}
	default:
		why := m.raplWhy
		if s.raplErr != nil {
			why = fmt.Sprintf("reading RAPL counters: %v", s.raplErr)
		}
		rd.CPUEnergy = absent(why + "; no power figure to estimate from (suite cost.power_watts or --power-watts)")
	}
	if m.cfg.GPU {
		g := m.gpuEnergy(s, end)
		rd.GPUEnergy = &g
	}
	return rd
}

// gpuEnergy finishes the GPU figure of a span that ended at end.
func (m *Meter) gpuEnergy(s *Span, end time.Time) Energy {
	if m.gpu == nil {
		return absent(m.gpuWhy)
	}
	if m.gpuCounter {
		if s.gpuErr != nil {
			return absent(fmt.Sprintf("NVML total-energy counter: %v", s.gpuErr))
		}
		mj, err := m.gpu.TotalEnergy()
		if err != nil {
			return absent(fmt.Sprintf("NVML total-energy counter: %v", err))
		}
		if mj < s.gpuStart {
			return absent("NVML total-energy counter went backwards (driver reloaded?)")
		}
		return Energy{Joules: float64(mj-s.gpuStart) / 1e3, Method: "measured: nvml energy counter"}
	}
	close(s.stop)
	<-s.done
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) == 0 {
		return absent("NVML gave no power reading during the span")
	}
	return Energy{Joules: integrate(s.samples, s.start, end), Method: fmt.Sprintf("measured: nvml power sampled every %v", sampleEvery)}
}

// integrate returns the energy in joules of power samples (milliwatts) over
// [from, to]: the trapezoid rule between samples, the first and last
// sample's power held to the ends.
func integrate(ss []sample, from, to time.Time) float64 {
	if len(ss) == 0 || !to.After(from) {
		return 0
	}
	j := 0.0
	prevT, prevW := from, ss[0].mw
	for _, x := range ss {
		t := x.t
		if t.Before(from) {
			t = from
		}
		if t.After(to) {
			t = to
		}
		j += (prevW + x.mw) / 2 * t.Sub(prevT).Seconds()
		prevT, prevW = t, x.mw
	}
	j += prevW * to.Sub(prevT).Seconds()
	return j / 1e3
}

func fmtWatts(w float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", w), "0"), ".")
}

// GPUIndexFromEnv returns the NVML index of the GPU that CUDA numbers 0:
// the first entry of CUDA_VISIBLE_DEVICES when it is a number (NVML does
// not follow that variable), else 0.
func GPUIndexFromEnv() int {
	first, _, _ := strings.Cut(os.Getenv("CUDA_VISIBLE_DEVICES"), ",")
	if i, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && i >= 0 {
		return i
	}
	return 0
}
