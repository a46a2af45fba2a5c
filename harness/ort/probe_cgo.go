//go:build cgo && !windows

package ort

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
*/
import "C"

import "unsafe"

func init() { systemProbe = dlopenProbe }

// dlopenProbe asks the dynamic loader to open name from its default search
// path (LD_LIBRARY_PATH, the ld.so cache, /lib, /usr/lib) and closes it again.
func dlopenProbe(name string) bool {
	disableTelemetry()
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	h := C.dlopen(cs, C.RTLD_LAZY|C.RTLD_LOCAL)
	if h == nil {
		return false
	}
	C.dlclose(h)
	return true
}
