//go:build cgo && linux

package cost

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>

typedef int evalctl_nvml_ret;
typedef void *evalctl_nvml_dev;

static void *evalctl_nvml_lib;
static evalctl_nvml_ret (*evalctl_nvml_init)(void);
static evalctl_nvml_ret (*evalctl_nvml_shutdown)(void);
static evalctl_nvml_ret (*evalctl_nvml_handle)(unsigned int, evalctl_nvml_dev *);
static evalctl_nvml_ret (*evalctl_nvml_energy)(evalctl_nvml_dev, unsigned long long *);
static evalctl_nvml_ret (*evalctl_nvml_power)(evalctl_nvml_dev, unsigned int *);
static const char *(*evalctl_nvml_error)(evalctl_nvml_ret);

// evalctl_nvml_load opens libnvidia-ml and resolves the functions used.
// It returns NULL on success, else dlerror's message.
static const char *evalctl_nvml_load(void) {
	if (evalctl_nvml_lib) return NULL;
	void *h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) h = dlopen("libnvidia-ml.so", RTLD_NOW | RTLD_LOCAL);
	if (!h) return dlerror();
	evalctl_nvml_init = dlsym(h, "nvmlInit_v2");
	evalctl_nvml_shutdown = dlsym(h, "nvmlShutdown");
	evalctl_nvml_handle = dlsym(h, "nvmlDeviceGetHandleByIndex_v2");
	evalctl_nvml_energy = dlsym(h, "nvmlDeviceGetTotalEnergyConsumption");
	evalctl_nvml_power = dlsym(h, "nvmlDeviceGetPowerUsage");
	evalctl_nvml_error = dlsym(h, "nvmlErrorString");
	if (!evalctl_nvml_init || !evalctl_nvml_shutdown || !evalctl_nvml_handle || !evalctl_nvml_power) {
		dlclose(h);
		return "libnvidia-ml lacks nvmlInit_v2, nvmlShutdown, nvmlDeviceGetHandleByIndex_v2 or nvmlDeviceGetPowerUsage";
	}
	evalctl_nvml_lib = h;
	return NULL;
}

static evalctl_nvml_ret evalctl_nvml_do_init(void) { return evalctl_nvml_init(); }
static evalctl_nvml_ret evalctl_nvml_do_shutdown(void) { return evalctl_nvml_shutdown(); }
static evalctl_nvml_ret evalctl_nvml_do_handle(unsigned int i, evalctl_nvml_dev *d) { return evalctl_nvml_handle(i, d); }
static evalctl_nvml_ret evalctl_nvml_do_energy(evalctl_nvml_dev d, unsigned long long *mj) {
	if (!evalctl_nvml_energy) return 3; // NVML_ERROR_NOT_SUPPORTED
	return evalctl_nvml_energy(d, mj);
}
static evalctl_nvml_ret evalctl_nvml_do_power(evalctl_nvml_dev d, unsigned int *mw) { return evalctl_nvml_power(d, mw); }
static const char *evalctl_nvml_do_error(evalctl_nvml_ret r) {
	if (!evalctl_nvml_error) return "unknown NVML error";
	return evalctl_nvml_error(r);
}
*/
import "C"

import (
	"fmt"
	"sync"
)

// nvmlNotSupported is NVML_ERROR_NOT_SUPPORTED.
const nvmlNotSupported = 3

var nvmlMu sync.Mutex

// nvmlDevice is one GPU through NVML.
type nvmlDevice struct {
	index int
	dev   C.evalctl_nvml_dev
}

// openNVML loads libnvidia-ml at run time, initialises NVML and opens the
// GPU with the given index.
func openNVML(index int) (gpuDevice, error) {
	nvmlMu.Lock()
	defer nvmlMu.Unlock()
	if msg := C.evalctl_nvml_load(); msg != nil {
		return nil, fmt.Errorf("NVML not available: %s", C.GoString(msg))
	}
	if r := C.evalctl_nvml_do_init(); r != 0 {
		return nil, fmt.Errorf("NVML init: %s", nvmlError(r))
	}
	d := &nvmlDevice{index: index}
	if r := C.evalctl_nvml_do_handle(C.uint(index), &d.dev); r != 0 {
		C.evalctl_nvml_do_shutdown()
		return nil, fmt.Errorf("NVML GPU %d: %s", index, nvmlError(r))
	}
	return d, nil
}

func nvmlError(r C.evalctl_nvml_ret) string {
	return C.GoString(C.evalctl_nvml_do_error(r))
}

// TotalEnergy implements gpuDevice.
func (d *nvmlDevice) TotalEnergy() (uint64, error) {
	var mj C.ulonglong
	if r := C.evalctl_nvml_do_energy(d.dev, &mj); r != 0 {
		if r == nvmlNotSupported {
			return 0, fmt.Errorf("GPU %d has no total-energy counter (NVML: not supported; needs Volta or later)", d.index)
		}
		return 0, fmt.Errorf("GPU %d: %s", d.index, nvmlError(r))
	}
	return uint64(mj), nil
}

// Power implements gpuDevice.
func (d *nvmlDevice) Power() (uint32, error) {
	var mw C.uint
	if r := C.evalctl_nvml_do_power(d.dev, &mw); r != 0 {
		return 0, fmt.Errorf("GPU %d power: %s", d.index, nvmlError(r))
	}
	return uint32(mw), nil
}

// Close implements gpuDevice.
func (d *nvmlDevice) Close() error {
	nvmlMu.Lock()
	defer nvmlMu.Unlock()
	if r := C.evalctl_nvml_do_shutdown(); r != 0 {
		return fmt.Errorf("NVML shutdown: %s", nvmlError(r))
	}
	return nil
}
