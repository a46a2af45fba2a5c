package ort

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeLib creates an empty file standing in for the shared library.
func fakeLib(t *testing.T, dir string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	p := filepath.Join(dir, libraryNames()[0])
	require.NoError(t, os.WriteFile(p, nil, 0o644))
	return p
}

// isolate points every discovery step at empty places: no env var, a fresh
// working directory without .evalctl, an empty user cache, no system library.
func isolate(t *testing.T) (wd, cache string) {
	t.Helper()
	base := t.TempDir()
	wd = filepath.Join(base, "project", "sub")
	cache = filepath.Join(base, "cache")
	require.NoError(t, os.MkdirAll(wd, 0o755))
	t.Setenv(EnvLibrary, "")
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Chdir(wd)
	old := systemProbe
	systemProbe = func(string) bool { return false }
	t.Cleanup(func() { systemProbe = old })
	return wd, cache
}

func TestFindLibraryOrder(t *testing.T) {
	wd, cache := isolate(t)
	project := filepath.Dir(wd)
	plat := Platform()

	// Nothing anywhere: not found, with the hint and every place tried.
	_, tried, err := FindLibrary("")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrLibraryNotFound))
	assert.Contains(t, err.Error(), "run scripts/fetch-ort.sh (npm) or set EVALCTL_ORT_LIB")
	assert.Contains(t, tried, filepath.Join(cache, "evalctl", "onnxruntime", plat, libraryNames()[0]))
	assert.Contains(t, tried, "system loader: "+libraryNames()[0])

	// 5. system.
	systemProbe = func(name string) bool { return name == libraryNames()[1] }
	p, _, err := FindLibrary("")
	require.NoError(t, err)
	assert.Equal(t, libraryNames()[1], p)

	// 4. the user cache beats the system.
	userLib := fakeLib(t, filepath.Join(cache, "evalctl", "onnxruntime", plat))
	p, _, err = FindLibrary("")
	require.NoError(t, err)
	assert.Equal(t, userLib, p)

	// 3. the project cache in a parent of the working directory beats the user cache.
	projLib := fakeLib(t, filepath.Join(project, ".evalctl", "onnxruntime", plat))
	p, _, err = FindLibrary("")
	require.NoError(t, err)
	assert.Equal(t, projLib, p)

	// 2. the environment variable (a folder) beats the project cache.
	envLib := fakeLib(t, filepath.Join(t.TempDir(), "env"))
	t.Setenv(EnvLibrary, filepath.Dir(envLib))
	p, _, err = FindLibrary("")
	require.NoError(t, err)
	assert.Equal(t, envLib, p)

	// 1. the explicit path (a file) beats everything.
	explicit := fakeLib(t, filepath.Join(t.TempDir(), "flag"))
	p, tried, err = FindLibrary(explicit)
	require.NoError(t, err)
	assert.Equal(t, explicit, p)
	assert.Equal(t, []string{explicit}, tried)
}

func TestFindLibraryBadUserPath(t *testing.T) {
	isolate(t)
	fakeLib(t, filepath.Join(".evalctl", "onnxruntime", Platform())) // would be found, but must not be used
	missing := filepath.Join(t.TempDir(), "nope.so")
	tests := []struct {
		name, explicit, env, want string
	}{
		{"flag missing", missing, "", `--ort-lib "` + missing + `" does not exist`},
		{"env missing", "", missing, `$EVALCTL_ORT_LIB "` + missing + `" does not exist`},
		{"flag empty folder", t.TempDir(), "", "is a folder without"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvLibrary, tt.env)
			_, _, err := FindLibrary(tt.explicit)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrLibraryNotFound))
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), fetchHint)
		})
	}
}

func TestOptionsNormalize(t *testing.T) {
	tests := []struct {
		name    string
		opt     Options
		want    []string
		wantErr string
	}{
		{"default is cpu", Options{}, []string{"cpu"}, ""},
		{"ort names", Options{Providers: []string{"CUDAExecutionProvider", "cpu"}}, []string{"cuda", "cpu"}, ""},
		{"case", Options{Providers: []string{"TensorRT"}}, []string{"tensorrt"}, ""},
		{"unknown", Options{Providers: []string{"rocm"}}, nil, `unknown execution provider "rocm" (known: cpu, cuda, tensorrt)`},
		{"twice", Options{Providers: []string{"cpu", "CPU"}}, nil, `"cpu" listed twice`},
		{"threads", Options{IntraOpThreads: -1}, nil, "thread counts must be >= 0"},
		{"opt level", Options{GraphOptimization: "max"}, nil, `unknown graph optimization "max"`},
		{"device", Options{DeviceID: -2}, nil, "device id must be >= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.opt.normalize()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPlatform(t *testing.T) {
	// scripts/fetch-ort.sh names folders linux-x64, linux-arm64, darwin-arm64.
	p := Platform()
	assert.NotContains(t, p, "amd64")
	assert.Regexp(t, `^[a-z]+-(x64|arm64|[a-z0-9]+)$`, p)
}

func TestCleanORTMessage(t *testing.T) {
	// Message as ORT 1.30 (npm, CPU-only) reports a CUDA provider it cannot load.
	in := "/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1988 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library x.so"
	assert.Equal(t, "FAIL: Failed to load library x.so", cleanORTMessage(in))
	assert.Equal(t, "plain message", cleanORTMessage("plain message"))
}
