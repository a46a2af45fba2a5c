//go:build !cgo || !linux

package cost

import "errors"

// openNVML needs cgo on Linux (dlopen of libnvidia-ml).
func openNVML(int) (gpuDevice, error) {
	return nil, errors.New("NVML not available: evalctl was built without cgo or not for Linux")
}
