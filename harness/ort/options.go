package ort

import (
	"errors"
	"fmt"
	"strings"
)

// Runtime describes the process-wide ONNX Runtime that Init loaded.
type Runtime struct {
	// Library is the shared library path (a bare file name when the system
	// loader found it).
	Library string
	// Version is ONNX Runtime's own version string, e.g. "1.30.0".
	Version string
	// Providers lists the execution providers this library can use, as ONNX
	// Runtime names them ("CPUExecutionProvider", "CUDAExecutionProvider",
	// "TensorrtExecutionProvider"). onnxruntime_go does not wrap
	// OrtGetAvailableProviders, so Init probes by appending each provider
	// evalctl knows to a throw-away SessionOptions: a provider is listed when
	// that succeeds. A GPU provider can still fail later, when a session is
	// created on a machine without a usable device.
	Providers []string
	// Unavailable maps each probed provider that failed to ORT's reason.
	Unavailable map[string]string
}

// Provider names accepted in Options.Providers, and what Model.Provider
// returns.
const (
	ProviderCPU      = "cpu"
	ProviderCUDA     = "cuda"
	ProviderTensorRT = "tensorrt"
)

// ortProviderNames maps evalctl's provider names to ONNX Runtime's.
var ortProviderNames = map[string]string{
	ProviderCPU:      "CPUExecutionProvider",
	ProviderCUDA:     "CUDAExecutionProvider",
	ProviderTensorRT: "TensorrtExecutionProvider",
}

// ParseProvider maps "cpu", "cuda", "tensorrt" (any case) or ONNX Runtime's
// names ("CUDAExecutionProvider") to evalctl's provider name.
func ParseProvider(s string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if _, ok := ortProviderNames[l]; ok {
		return l, nil
	}
	for k, v := range ortProviderNames {
		if strings.EqualFold(v, l) {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown execution provider %q (known: cpu, cuda, tensorrt)", s)
}

// Graph optimization levels accepted in Options.GraphOptimization; "" means
// ONNX Runtime's default, which is "all".
const (
	OptDisable  = "disable"
	OptBasic    = "basic"
	OptExtended = "extended"
	OptAll      = "all"
)

// Options configure Open.
type Options struct {
	// Providers lists execution providers to try, in order: "cpu", "cuda",
	// "tensorrt". Empty means ["cpu"].
	Providers []string
	// AllowFallback lets Open move on to the next provider when one cannot
	// be loaded, and finally to "cpu" if every listed provider failed. The
	// reasons are kept in Model.ProviderNotes. Without it, the first
	// provider that fails makes Open fail.
	AllowFallback bool
	// IntraOpThreads and InterOpThreads size ONNX Runtime's thread pools;
	// 0 keeps ONNX Runtime's default (one thread per physical core).
	IntraOpThreads, InterOpThreads int
	// GraphOptimization is "disable", "basic", "extended" or "all" ("" is
	// "all").
	GraphOptimization string
	// DeviceID selects the GPU for "cuda" and "tensorrt".
	DeviceID int
	// AllowSpinning lets ONNX Runtime's idle pool threads spin while they
	// wait for work (ONNX Runtime's own default). Off, they sleep and
	// leave the CPU to the reading and decoding that overlap inference.
	AllowSpinning bool
}

// normalize validates o and returns the provider list in evalctl's names.
func (o Options) normalize() ([]string, error) {
	var errs []error
	if o.IntraOpThreads < 0 || o.InterOpThreads < 0 {
		errs = append(errs, fmt.Errorf("thread counts must be >= 0 (intra %d, inter %d)", o.IntraOpThreads, o.InterOpThreads))
	}
	if o.DeviceID < 0 {
		errs = append(errs, fmt.Errorf("device id must be >= 0, got %d", o.DeviceID))
	}
	switch o.GraphOptimization {
	case "", OptDisable, OptBasic, OptExtended, OptAll:
	default:
		errs = append(errs, fmt.Errorf("unknown graph optimization %q (known: disable, basic, extended, all)", o.GraphOptimization))
	}
	var provs []string
	seen := map[string]bool{}
	for _, p := range o.Providers {
		n, err := ParseProvider(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[n] {
			errs = append(errs, fmt.Errorf("execution provider %q listed twice", n))
			continue
		}
		seen[n] = true
		provs = append(provs, n)
	}
	if len(provs) == 0 && len(errs) == 0 {
		provs = []string{ProviderCPU}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid options: %w", errors.Join(errs...))
	}
	return provs, nil
}

// ErrClosed is wrapped by Run on a closed Model.
var ErrClosed = errors.New("model is closed")

// ErrNoCgo is returned by Init and Open in a binary built without cgo.
var ErrNoCgo = errors.New("evalctl was built without cgo; rebuild with CGO_ENABLED=1 (and a C compiler) to use ONNX Runtime")

// cleanORTMessage drops the C++ source location ONNX Runtime puts in front of
// its messages ("/onnxruntime_src/...cc:1988 Foo() [ONNXRuntimeError] : 1 :
// FAIL : msg" becomes "FAIL: msg").
func cleanORTMessage(msg string) string {
	const marker = "[ONNXRuntimeError] : "
	i := strings.Index(msg, marker)
	if i < 0 {
		return msg
	}
	rest := msg[i+len(marker):]
	// rest is "CODE : NAME : text"
	parts := strings.SplitN(rest, " : ", 3)
	if len(parts) == 3 {
		return parts[1] + ": " + parts[2]
	}
	return rest
}
