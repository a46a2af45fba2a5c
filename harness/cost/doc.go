// Package cost measures what an evaluation costs: wall and CPU time, energy
// and carbon.
//
// A Meter is opened per model with the execution provider it runs on; a
// Span around each prediction pass yields a Reading. Energy comes, per
// device, from the best source available:
//
//   - CPU: the Linux RAPL package counters (powercap sysfs,
//     /sys/class/powercap/intel-rapl:N/energy_uj, wraparound handled with
//     max_energy_range_uj) where readable; else an estimate, a power figure
//     (suite cost.power_watts or --power-watts) times the wall time.
//   - GPU (cuda, tensorrt): NVML's total-energy counter
//     (nvmlDeviceGetTotalEnergyConsumption, Volta and later) where the
//     device supports it; else NVML's power reading sampled every 100 ms
//     and integrated over time. libnvidia-ml is loaded at run time with
//     dlopen, so builds need no CUDA.
//
// Carbon is energy times the grid's carbon intensity (gCO2e/kWh,
// DefaultGridIntensity unless configured). A counter that is missing is
// never an error: the figure is absent and the reason recorded beside it.
//
// The package is a leaf: it imports the result schema only.
package cost
