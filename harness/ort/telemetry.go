package ort

import "os"

// TelemetryEnv is the environment variable with which ONNX Runtime's own
// telemetry (the 1DS SDK in the official Linux and macOS builds) is turned
// off: "1" before the library initializes means no uploader, no events, no
// device id file under the user cache
// ($XDG_CACHE_HOME or ~/.cache/Microsoft/DeveloperTools/.onnxruntime/) and
// no mat-debug-<pid>.log in the temp folder. The C API's
// DisableTelemetryEvents, called after the environment exists, comes too
// late for these files.
const TelemetryEnv = "ORT_DISABLE_TELEMETRY"

// disableTelemetry sets ORT_DISABLE_TELEMETRY=1 unless the user set it
// (ORT_DISABLE_TELEMETRY=0 keeps ONNX Runtime's default). It must run before
// the library is loaded or its environment created; with cgo, os.Setenv
// also sets the C environment the library reads.
func disableTelemetry() {
	if _, set := os.LookupEnv(TelemetryEnv); !set {
		_ = os.Setenv(TelemetryEnv, "1")
	}
}
