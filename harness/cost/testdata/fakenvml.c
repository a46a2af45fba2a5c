// A stand-in for libnvidia-ml.so.1 with the five functions evalctl uses,
// so that the dlopen shim (nvml_cgo.go) is tested on machines without an
// NVIDIA driver. Built by TestNVMLShim: cc -shared -fPIC -o libnvidia-ml.so.1.
//
// The energy counter advances 1,000 mJ per read; the power reads 123,000 mW.
// FAKE_NVML_NO_ENERGY=1 makes the energy counter unsupported (pre-Volta),
// FAKE_NVML_NO_DEVICE=1 makes device lookup fail.
#include <stdlib.h>

static unsigned long long energy_mj = 5000;
static int inits = 0;

int nvmlInit_v2(void) { inits++; return 0; }
int nvmlShutdown(void) { inits--; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **dev) {
	if (getenv("FAKE_NVML_NO_DEVICE")) return 6; /* NVML_ERROR_NOT_FOUND */
	*dev = (void *)(size_t)(i + 1);
	return 0;
}
int nvmlDeviceGetTotalEnergyConsumption(void *dev, unsigned long long *mj) {
	(void)dev;
	if (getenv("FAKE_NVML_NO_ENERGY")) return 3; /* NVML_ERROR_NOT_SUPPORTED */
	energy_mj += 1000;
	*mj = energy_mj;
	return 0;
}
int nvmlDeviceGetPowerUsage(void *dev, unsigned int *mw) { (void)dev; *mw = 123000; return 0; }
const char *nvmlErrorString(int r) {
	switch (r) {
	case 3: return "Not Supported";
	case 6: return "Not Found";
	}
	return "Unknown Error";
}
