//go:build cgo

package ort

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/evalctl/evalctl/harness/onnx"
	"github.com/evalctl/evalctl/tasks/tensor"
	ortgo "github.com/yalue/onnxruntime_go"
)

var (
	initMu  sync.Mutex
	current *Runtime
)

// Init loads the ONNX Runtime library found by FindLibrary(explicit) and
// creates the process-wide ONNX Runtime environment. It is idempotent: once
// it has succeeded, Init("") and Init with the same library return the loaded
// runtime, and Init with a different library is an error (ONNX Runtime cannot
// be swapped inside a process). A failed Init may be retried. The returned
// Runtime is a copy the caller may keep.
func Init(explicit string) (*Runtime, error) {
	initMu.Lock()
	defer initMu.Unlock()
	if current != nil {
		if explicit == "" {
			return current.clone(), nil
		}
		p, _, err := FindLibrary(explicit)
		if err != nil {
			return nil, err
		}
		if !sameFile(p, current.Library) {
			return nil, fmt.Errorf("onnxruntime is already loaded from %s; cannot load %s in the same process", current.Library, p)
		}
		return current.clone(), nil
	}
	disableTelemetry() // before FindLibrary, whose system probe may dlopen it
	path, _, err := FindLibrary(explicit)
	if err != nil {
		return nil, err
	}
	ortgo.SetSharedLibraryPath(path)
	if err := ortgo.InitializeEnvironment(ortgo.WithLogLevelError()); err != nil {
		return nil, fmt.Errorf("load onnxruntime %s: %w", path, err)
	}
	if os.Getenv(TelemetryEnv) == "1" {
		// The Windows provider (ETW) is not governed by the variable.
		_ = ortgo.DisableTelemetry()
	}
	rt := &Runtime{Library: path, Version: ortgo.GetVersion()}
	rt.Providers, rt.Unavailable = probeProviders()
	current = rt
	return rt.clone(), nil
}

func (r *Runtime) clone() *Runtime {
	c := *r
	c.Providers = slices.Clone(r.Providers)
	c.Unavailable = make(map[string]string, len(r.Unavailable))
	for k, v := range r.Unavailable {
		c.Unavailable[k] = v
	}
	return &c
}

func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return os.SameFile(fa, fb)
}

// probeProviders appends each GPU provider to a throw-away SessionOptions and
// records which succeed (see Runtime.Providers).
func probeProviders() ([]string, map[string]string) {
	provs := []string{ortProviderNames[ProviderCPU]}
	unavailable := map[string]string{}
	for _, p := range []string{ProviderCUDA, ProviderTensorRT} {
		so, err := ortgo.NewSessionOptions()
		if err == nil {
			err = appendProvider(so, p, 0)
			_ = so.Destroy()
		}
		if err != nil {
			unavailable[ortProviderNames[p]] = cleanORTMessage(err.Error())
			continue
		}
		provs = append(provs, ortProviderNames[p])
	}
	return provs, unavailable
}

// appendProvider adds provider p (evalctl's name) to so. "cpu" needs nothing:
// ONNX Runtime always has the CPU provider.
func appendProvider(so *ortgo.SessionOptions, p string, device int) error {
	dev := map[string]string{"device_id": strconv.Itoa(device)}
	switch p {
	case ProviderCUDA:
		o, err := ortgo.NewCUDAProviderOptions()
		if err != nil {
			return err
		}
		defer func() { _ = o.Destroy() }()
		if err := o.Update(dev); err != nil {
			return err
		}
		return so.AppendExecutionProviderCUDA(o)
	case ProviderTensorRT:
		o, err := ortgo.NewTensorRTProviderOptions()
		if err != nil {
			return err
		}
		defer func() { _ = o.Destroy() }()
		if err := o.Update(dev); err != nil {
			return err
		}
		return so.AppendExecutionProviderTensorRT(o)
	}
	return nil
}

// Model is an ONNX model loaded into an ONNX Runtime session. It implements
// harness.Model and harness.Describer. Run may be called from several
// goroutines; calls are serialized.
type Model struct {
	path     string
	provider string
	notes    []string
	inputs   []tensor.Info
	outputs  []tensor.Info
	inNames  []string
	outNames []string
	hasF16   bool // some output is float16 (preallocated, see doc.go)

	mu      sync.Mutex // guards everything below
	sess    *ortgo.DynamicAdvancedSession
	runOpts *ortgo.RunOptions
	// Scratch reused by Run (which holds mu): bound inputs in model order,
	// the ort values handed to ONNX Runtime, float16 output buffers, and the
	// symbolic-dimension bindings of the current batch.
	bound   []*tensor.Tensor
	inVals  []ortgo.Value
	outVals []ortgo.Value
	f16     [][]uint16
	dims    []dimBinding
}

type dimBinding struct {
	param string
	size  int64
	input string
}

// Open loads the model at path. It calls Init("") first if ONNX Runtime is not
// loaded yet. Inputs and outputs come from ONNX Runtime
// (ortgo.GetInputOutputInfo); symbolic dimension names and ZipMap key types
// come from the file itself (package harness/onnx). The providers in
// opt.Providers are tried in order; see Options.AllowFallback.
//
// Open fails if an input is not a tensor of a supported element type, or an
// output is neither such a tensor nor a sequence (ZipMap).
func Open(path string, opt Options) (*Model, error) {
	provs, err := opt.normalize()
	if err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	if _, err := Init(""); err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open model: %w", err)
	}
	ins, outs, err := readIO(path)
	if err != nil {
		return nil, fmt.Errorf("open model %s: onnxruntime cannot load it: %w", path, err)
	}
	var desc *onnx.Model
	if d, err := onnx.ReadFile(path); err == nil {
		desc = d // only for symbolic dim names and map types; ORT is authoritative
	}
	m := &Model{path: path}
	var problems []error
	for _, io := range ins {
		info := toInfo(io, find(desc, io.Name, true))
		if info.Kind != tensor.KindTensor || info.DType == tensor.Invalid {
			problems = append(problems, fmt.Errorf("input %q is %s; evalctl feeds tensors of %s", io.Name, describeIO(io), supportedTypes))
		}
		m.inputs = append(m.inputs, info)
		m.inNames = append(m.inNames, io.Name)
	}
	for _, io := range outs {
		info := toInfo(io, find(desc, io.Name, false))
		switch {
		case io.OrtValueType == ortgo.ONNXTypeSequence:
		case info.Kind != tensor.KindTensor || info.DType == tensor.Invalid:
			problems = append(problems, fmt.Errorf("output %q is %s; evalctl reads tensors of %s and sequences of maps", io.Name, describeIO(io), supportedTypes))
		case info.DType == tensor.Float16:
			m.hasF16 = true
		}
		m.outputs = append(m.outputs, info)
		m.outNames = append(m.outNames, io.Name)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("open model %s: %w", path, errors.Join(problems...))
	}
	if err := m.openSession(provs, opt); err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	m.runOpts, err = ortgo.NewRunOptions()
	if err != nil {
		_ = m.sess.Destroy()
		return nil, fmt.Errorf("open model %s: run options: %w", path, err)
	}
	n := len(m.inNames)
	m.bound = make([]*tensor.Tensor, n)
	m.inVals = make([]ortgo.Value, n)
	m.outVals = make([]ortgo.Value, len(m.outNames))
	m.f16 = make([][]uint16, len(m.outNames))
	return m, nil
}

const supportedTypes = "float32, float16, float64, int64, int32, uint8, bool or string"

// readIO asks ONNX Runtime for the model's inputs and outputs using a cheap
// throw-away session (no graph optimization, one thread).
func readIO(path string) ([]ortgo.InputOutputInfo, []ortgo.InputOutputInfo, error) {
	so, err := ortgo.NewSessionOptions()
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = so.Destroy() }()
	_ = so.SetGraphOptimizationLevel(ortgo.GraphOptimizationLevelDisableAll)
	_ = so.SetIntraOpNumThreads(1)
	_ = so.SetInterOpNumThreads(1)
	return ortgo.GetInputOutputInfoWithOptions(path, so)
}

// openSession creates the session with the first provider that loads.
func (m *Model) openSession(provs []string, opt Options) error {
	try := func(p string) error {
		so, err := sessionOptions(opt, p)
		if err != nil {
			return err
		}
		defer func() { _ = so.Destroy() }()
		s, err := ortgo.NewDynamicAdvancedSession(m.path, m.inNames, m.outNames, so)
		if err != nil {
			return err
		}
		m.sess = s
		return nil
	}
	var errs []error
	for _, p := range provs {
		err := try(p)
		if err == nil {
			m.provider = p
			if p != provs[0] {
				m.notes = append(m.notes, fmt.Sprintf("using %s instead of %s", p, provs[0]))
			}
			return nil
		}
		err = providerError(p, err)
		m.notes = append(m.notes, err.Error())
		if !opt.AllowFallback {
			return err
		}
		errs = append(errs, err)
	}
	if slices.Contains(provs, ProviderCPU) {
		return errors.Join(errs...)
	}
	if err := try(ProviderCPU); err != nil {
		return errors.Join(append(errs, providerError(ProviderCPU, err))...)
	}
	m.provider = ProviderCPU
	m.notes = append(m.notes, fmt.Sprintf("fell back to cpu after %s failed", strings.Join(provs, ", ")))
	return nil
}

// providerError says that provider p could not be loaded, with ONNX
// Runtime's reason and, where the reason is recognisable, what to do.
func providerError(p string, err error) error {
	msg := cleanORTMessage(err.Error())
	hint := ""
	switch {
	case p == ProviderCPU:
	case strings.Contains(msg, "libonnxruntime_providers_shared") || strings.Contains(msg, "not enabled in this build"):
		lib := ""
		if current != nil {
			lib = " " + current.Library
		}
		hint = fmt.Sprintf("; the onnxruntime library%s is a CPU-only build: install the GPU bundle with scripts/fetch-ort.sh --gpu and select it with --ort-lib or $%s", lib, EnvLibrary)
	case strings.Contains(msg, "cannot open shared object file"):
		hint = "; a library the provider needs is not on the loader path (CUDA 13 and cuDNN 9 for cuda, TensorRT for tensorrt): add their folders to LD_LIBRARY_PATH"
	}
	return fmt.Errorf("execution provider %s could not be loaded: %s%s", p, msg, hint)
}

func sessionOptions(opt Options, p string) (*ortgo.SessionOptions, error) {
	so, err := ortgo.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	fail := func(what string, err error) (*ortgo.SessionOptions, error) {
		_ = so.Destroy()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if opt.IntraOpThreads > 0 {
		if err := so.SetIntraOpNumThreads(opt.IntraOpThreads); err != nil {
			return fail("intra-op threads", err)
		}
	}
	if opt.InterOpThreads > 0 {
		if err := so.SetInterOpNumThreads(opt.InterOpThreads); err != nil {
			return fail("inter-op threads", err)
		}
	}
	spin := "0"
	if opt.AllowSpinning {
		spin = "1"
	}
	for _, key := range []string{"session.intra_op.allow_spinning", "session.inter_op.allow_spinning"} {
		if err := so.AddSessionConfigEntry(key, spin); err != nil {
			return fail(key, err)
		}
	}
	level := ortgo.GraphOptimizationLevel(ortgo.GraphOptimizationLevelEnableAll)
	switch opt.GraphOptimization {
	case OptDisable:
		level = ortgo.GraphOptimizationLevelDisableAll
	case OptBasic:
		level = ortgo.GraphOptimizationLevelEnableBasic
	case OptExtended:
		level = ortgo.GraphOptimizationLevelEnableExtended
	}
	if err := so.SetGraphOptimizationLevel(level); err != nil {
		return fail("graph optimization", err)
	}
	if err := appendProvider(so, p, opt.DeviceID); err != nil {
		_ = so.Destroy()
		return nil, err
	}
	return so, nil
}

func find(desc *onnx.Model, name string, input bool) *onnx.ValueInfo {
	if desc == nil {
		return nil
	}
	list := desc.Outputs
	if input {
		list = append(slices.Clone(desc.Inputs), desc.OverridableInputs...)
	}
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func dtypeOf(t ortgo.TensorElementDataType) tensor.DType {
	switch t {
	case ortgo.TensorElementDataTypeFloat:
		return tensor.Float32
	case ortgo.TensorElementDataTypeFloat16:
		return tensor.Float16
	case ortgo.TensorElementDataTypeDouble:
		return tensor.Float64
	case ortgo.TensorElementDataTypeInt64:
		return tensor.Int64
	case ortgo.TensorElementDataTypeInt32:
		return tensor.Int32
	case ortgo.TensorElementDataTypeUint8:
		return tensor.Uint8
	case ortgo.TensorElementDataTypeBool:
		return tensor.Bool
	case ortgo.TensorElementDataTypeString:
		return tensor.String
	}
	return tensor.Invalid
}

func describeIO(io ortgo.InputOutputInfo) string {
	switch io.OrtValueType {
	case ortgo.ONNXTypeTensor:
		s := strings.TrimPrefix(io.DataType.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_")
		return "a tensor of " + strings.ToLower(s)
	case ortgo.ONNXTypeSequence:
		return "a sequence"
	case ortgo.ONNXTypeMap:
		return "a map"
	}
	return "a " + strings.ToLower(strings.TrimPrefix(io.OrtValueType.String(), "ONNX_TYPE_"))
}

// toInfo merges ONNX Runtime's view of an input or output with the file's
// (d may be nil): ORT gives kind, element type and shape; the file gives the
// names of symbolic dimensions and, for sequences, the map key and value types.
func toInfo(io ortgo.InputOutputInfo, d *onnx.ValueInfo) tensor.Info {
	info := tensor.Info{Name: io.Name, Kind: tensor.KindOther}
	switch io.OrtValueType {
	case ortgo.ONNXTypeTensor:
		info.Kind = tensor.KindTensor
		info.DType = dtypeOf(io.DataType)
		info.Shape = slices.Clone([]int64(io.Dimensions))
		info.DimParams = make([]string, len(info.Shape))
		if d != nil && d.Type.Kind == "tensor" && len(d.Type.Shape) == len(info.Shape) {
			for i, dim := range d.Type.Shape {
				if info.Shape[i] < 0 {
					info.DimParams[i] = dim.Param
				}
			}
		}
	case ortgo.ONNXTypeSequence:
		if d != nil {
			if di := d.Info(); di.Kind == tensor.KindSequenceOfMaps {
				info = di
				info.Name = io.Name
			}
		}
	}
	return info
}

// Path returns the model file Open was given.
func (m *Model) Path() string { return m.path }

// Provider returns the execution provider the session uses: "cpu", "cuda"
// or "tensorrt". (ONNX Runtime still runs nodes the provider does not
// support on the CPU.)
func (m *Model) Provider() string { return m.provider }

// ProviderNotes explains provider choices made by Open: each provider that
// could not be loaded, with ONNX Runtime's message, and any fallback.
func (m *Model) ProviderNotes() []string { return slices.Clone(m.notes) }

// Inputs describes the model's inputs in declared order (copies).
func (m *Model) Inputs() []tensor.Info { return cloneInfos(m.inputs) }

// Outputs describes the model's outputs in declared order (copies).
func (m *Model) Outputs() []tensor.Info { return cloneInfos(m.outputs) }

func cloneInfos(in []tensor.Info) []tensor.Info {
	out := make([]tensor.Info, len(in))
	for i, v := range in {
		v.Shape = slices.Clone(v.Shape)
		v.DimParams = slices.Clone(v.DimParams)
		out[i] = v
	}
	return out
}

// Close releases the session. It is idempotent: closing a closed Model
// returns nil. Run after Close returns an error wrapping ErrClosed.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess == nil {
		return nil
	}
	err := errors.Join(m.sess.Destroy(), m.runOpts.Destroy())
	m.sess, m.runOpts = nil, nil
	if err != nil {
		return fmt.Errorf("close model %s: %w", m.path, err)
	}
	return nil
}
