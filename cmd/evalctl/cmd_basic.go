package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/evalctl/evalctl/harness/onnx"
	"github.com/evalctl/evalctl/harness/ort"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/reports"
)

func osGetenv(k string) string { return os.Getenv(k) }

// version is set with -ldflags "-X main.version=..."; otherwise it comes
// from the module's build info.
var version = ""

func evalctlVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				if v == "" || v == "(devel)" {
					v = "devel"
				}
				return v + "+" + s.Value[:12]
			}
		}
		if v != "" {
			return v
		}
	}
	return "devel"
}

func init() {
	register(&command{
		Name: "version", UsageLine: "version", Short: "print evalctl's version",
		Long: "Version prints evalctl's version and the Go version it was built with.",
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(_ context.Context, e *env, args []string) error {
				fmt.Fprintf(e.stdout, "evalctl %s %s %s/%s\n", evalctlVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
				return nil
			}
		},
	})
	register(&command{
		Name: "doctor", UsageLine: "doctor [--ort-lib PATH] [--json]", Short: "check the ONNX Runtime installation",
		Long: `Doctor says which ONNX Runtime library evalctl finds (path, version), which
execution providers it can use, and what to do if something is missing.

The library is searched for in this order: --ort-lib, $EVALCTL_ORT_LIB, the
project cache (.evalctl/onnxruntime/<os>-<arch>/ in the current folder or a
parent, or beside the executable), the user cache
($XDG_CACHE_HOME/evalctl/onnxruntime/<os>-<arch>/), then the system loader.`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			lib := fs.String("ort-lib", "", "path to the ONNX Runtime shared library")
			asJSON := fs.Bool("json", false, "print a JSON report on stdout")
			return func(_ context.Context, e *env, args []string) error {
				return doctor(e, *lib, *asJSON)
			}
		},
	})
	register(&command{
		Name: "inspect", UsageLine: "inspect [--json] MODEL.onnx", Short: "describe a model's inputs, outputs and size",
		Long: `Inspect prints a model's inputs and outputs (names, element types, shapes with
symbolic dimensions), opset, producer, parameter count and file size. It reads
the .onnx file itself and needs no ONNX Runtime.`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print JSON on stdout")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("usage: inspect takes one MODEL.onnx")
				}
				return inspect(e, args[0], *asJSON)
			}
		},
	})
	register(&command{
		Name: "validate", UsageLine: "validate [--json] [--model NAME=PATH]... [--set key.path=value]... SUITE.yaml...", Short: "check suite files without running them",
		Long: `Validate reads each suite strictly and reports every problem at once: unknown
keys (with the nearest valid key), wrong types, missing files, dangling
references and invalid gates, each with file:line:col and the key path.
It loads no model. Exit status 2 when any suite is invalid. --model and
--set are applied as evalctl run applies them.

With --json it prints one JSON object on stdout instead: {"ok", "suites":
[{"file", "ok", "name", "models", "datasets", "tasks", "gates", "errors":
[{"file", "line", "col", "key", "kind", "message"}]}]} (docs/suite.md).`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print the problems as JSON on stdout")
			var ov overrideFlags
			ov.add(fs)
			return func(_ context.Context, e *env, args []string) error {
				if len(args) == 0 {
					return usageErrorf("usage: validate needs at least one SUITE.yaml")
				}
				var bad error
				rep := validateReport{OK: true, Suites: []validateResult{}}
				for _, p := range args {
					s, err := loadSuiteWith(p, ov.overrides())
					if *asJSON {
						r := validateResult{File: p, OK: err == nil}
						if err != nil {
							r.Errors = problems(p, err)
							rep.OK = false
							bad = &exitError{code: exitUsage, err: fmt.Errorf("%s is invalid", p)}
						} else {
							r.Name, r.Models, r.Datasets, r.Tasks, r.Gates = s.Name, len(s.Models), len(s.Datasets), len(s.Tasks), len(s.Gates)
						}
						rep.Suites = append(rep.Suites, r)
						continue
					}
					if err != nil {
						printSuiteErrors(e, err)
						bad = &exitError{code: exitUsage, err: fmt.Errorf("%s is invalid", p)}
						continue
					}
					fmt.Fprintf(e.stdout, "%s: ok (suite %q: %d models, %d datasets, %d tasks, %d gates)\n",
						p, s.Name, len(s.Models), len(s.Datasets), len(s.Tasks), len(s.Gates))
				}
				if *asJSON {
					if err := writeValidateJSON(e.stdout, rep); err != nil {
						return err
					}
				}
				return bad
			}
		},
	})
}

// printSuiteErrors prints each joined suite error on its own line.
func printSuiteErrors(e *env, err error) {
	var list interface{ Unwrap() []error }
	if errors.As(err, &list) {
		for _, x := range list.Unwrap() {
			fmt.Fprintf(e.stderr, "%s\n", reports.TerminalText(x.Error()))
		}
		return
	}
	fmt.Fprintf(e.stderr, "%s\n", reports.TerminalText(err.Error()))
}

type doctorReport struct {
	OK          bool              `json:"ok"`
	Library     string            `json:"library,omitempty"`
	Version     string            `json:"version,omitempty"`
	Providers   []string          `json:"providers,omitempty"`
	Unavailable map[string]string `json:"unavailable,omitempty"`
	Tried       []string          `json:"tried,omitempty"`
	Problem     string            `json:"problem,omitempty"`
	Advice      []string          `json:"advice,omitempty"`
}

func doctor(e *env, lib string, asJSON bool) error {
	rep := doctorReport{}
	path, tried, ferr := ort.FindLibrary(lib)
	rep.Tried = tried
	if ferr != nil {
		rep.Problem = ferr.Error()
		rep.Advice = []string{
			"run scripts/fetch-ort.sh (uses npm to fetch onnxruntime-node@1.30.0 into .evalctl/onnxruntime/)",
			"or set EVALCTL_ORT_LIB=/path/to/libonnxruntime.so.1, or pass --ort-lib",
		}
	} else {
		rt, err := ort.Init(path)
		if err != nil {
			rep.Library = path
			rep.Problem = err.Error()
			rep.Advice = []string{"the library was found but could not be loaded; check that it matches this OS and architecture (" + runtime.GOOS + "/" + runtime.GOARCH + ")"}
		} else {
			rep.OK = true
			rep.Library, rep.Version, rep.Providers, rep.Unavailable = rt.Library, rt.Version, rt.Providers, rt.Unavailable
			if _, ok := rt.Unavailable["CUDAExecutionProvider"]; ok {
				rep.Advice = append(rep.Advice, "for GPUs: scripts/fetch-ort.sh --gpu, then --ort-lib .evalctl/onnxruntime-gpu/linux-x64/libonnxruntime.so (needs CUDA 13 and cuDNN 9 libraries on the loader path)")
			}
		}
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		w := e.stdout
		if rep.OK {
			fmt.Fprintf(w, "ONNX Runtime %s\n  library:   %s\n", rep.Version, rep.Library)
			fmt.Fprintf(w, "  providers: %s\n", strings.Join(rep.Providers, ", "))
			keys := make([]string, 0, len(rep.Unavailable))
			for k := range rep.Unavailable {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "  unavailable: %s: %s\n", k, firstLine(rep.Unavailable[k]))
			}
		} else {
			fmt.Fprintf(w, "ONNX Runtime: NOT USABLE\n  problem: %s\n", rep.Problem)
			for _, t := range rep.Tried {
				fmt.Fprintf(w, "  tried: %s\n", t)
			}
		}
		for _, a := range rep.Advice {
			fmt.Fprintf(w, "  advice: %s\n", a)
		}
	}
	if !rep.OK {
		return &exitError{code: exitRuntime, err: errors.New("ONNX Runtime is not usable: " + rep.Problem)}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func inspect(e *env, path string, asJSON bool) error {
	m, err := onnx.ReadFile(path)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if asJSON {
		type io struct{ Name, Type, Shape string }
		out := struct {
			Path       string           `json:"path"`
			FileSize   int64            `json:"file_size"`
			IRVersion  int64            `json:"ir_version"`
			Producer   string           `json:"producer"`
			Opsets     map[string]int64 `json:"opsets"`
			Parameters int64            `json:"parameters"`
			Nodes      int              `json:"nodes"`
			Inputs     []io             `json:"inputs"`
			Outputs    []io             `json:"outputs"`
			OpTypes    map[string]int   `json:"op_types"`
		}{Path: path, FileSize: m.FileSize, IRVersion: m.IRVersion, Producer: strings.TrimSpace(m.Producer + " " + m.ProducerVersion),
			Opsets: m.Opsets, Parameters: m.ParameterCount, Nodes: m.NodeCount, OpTypes: m.OpTypes}
		for _, v := range m.Inputs {
			out.Inputs = append(out.Inputs, io{v.Name, typeName(v), v.Info().ShapeString()})
		}
		for _, v := range m.Outputs {
			out.Outputs = append(out.Outputs, io{v.Name, typeName(v), v.Info().ShapeString()})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s\n", path)
	fmt.Fprintf(w, "  file size:  %s\n", humanBytes(m.FileSize))
	fmt.Fprintf(w, "  producer:   %s\n", strings.TrimSpace(m.Producer+" "+m.ProducerVersion))
	fmt.Fprintf(w, "  ir version: %d\n", m.IRVersion)
	var ops []string
	for d, v := range m.Opsets {
		if d == "" {
			d = "ai.onnx"
		}
		ops = append(ops, fmt.Sprintf("%s %d", d, v))
	}
	sort.Strings(ops)
	fmt.Fprintf(w, "  opsets:     %s\n", strings.Join(ops, ", "))
	fmt.Fprintf(w, "  parameters: %d\n", m.ParameterCount)
	fmt.Fprintf(w, "  nodes:      %d\n", m.NodeCount)
	fmt.Fprintln(w, "  inputs:")
	for _, v := range m.Inputs {
		fmt.Fprintf(w, "    %-20s %-24s %s\n", v.Name, typeName(v), v.Info().ShapeString())
	}
	fmt.Fprintln(w, "  outputs:")
	for _, v := range m.Outputs {
		fmt.Fprintf(w, "    %-20s %-24s %s\n", v.Name, typeName(v), v.Info().ShapeString())
	}
	if len(m.ExternalData) > 0 {
		fmt.Fprintf(w, "  external data: %s\n", strings.Join(m.ExternalData, ", "))
	}
	return nil
}

func typeName(v onnx.ValueInfo) string {
	if v.Type.Kind == "tensor" {
		return v.Type.Elem.DType().String()
	}
	return v.Type.String()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}

func loadSuite(path string) (*suite.Suite, error) {
	return loadSuiteWith(path, suite.Overrides{})
}
