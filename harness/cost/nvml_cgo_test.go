//go:build cgo && linux

package cost

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNVMLShim builds a stand-in libnvidia-ml (testdata/fakenvml.c) and runs
// TestNVMLShimChild in a child process that finds it through
// LD_LIBRARY_PATH, so the dlopen shim and the meter's GPU paths run for
// real without an NVIDIA driver.
func TestNVMLShim(t *testing.T) {
	if os.Getenv("EVALCTL_FAKE_NVML_CHILD") != "" {
		t.Skip("in the child")
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler: %v", err)
	}
	dir := t.TempDir()
	out, err := exec.Command(cc, "-shared", "-fPIC", "-o", filepath.Join(dir, "libnvidia-ml.so.1"), filepath.Join("testdata", "fakenvml.c")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, mode := range []string{"counter", "sampled", "no-device"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestNVMLShimChild$", "-test.v")
			cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+dir, "EVALCTL_FAKE_NVML_CHILD="+mode)
			switch mode {
			case "sampled":
				cmd.Env = append(cmd.Env, "FAKE_NVML_NO_ENERGY=1")
			case "no-device":
				cmd.Env = append(cmd.Env, "FAKE_NVML_NO_DEVICE=1")
			}
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "--- PASS: TestNVMLShimChild")
		})
	}
}

func TestNVMLShimChild(t *testing.T) {
	mode := os.Getenv("EVALCTL_FAKE_NVML_CHILD")
	if mode == "" {
		t.Skip("run by TestNVMLShim")
	}
	m := Open(Config{GPU: true, PowercapRoot: t.TempDir()})
	defer m.Close()
	switch mode {
	case "counter":
		// Open probes the counter, Start and Stop read it: 1,000 mJ apart = 1 J.
		rd := m.Start().Stop()
		require.NotNil(t, rd.GPUEnergy)
		assert.Equal(t, Energy{Joules: 1, Method: "measured: nvml energy counter"}, *rd.GPUEnergy)
	case "sampled":
		sp := m.Start()
		time.Sleep(150 * time.Millisecond)
		rd := sp.Stop()
		require.NotNil(t, rd.GPUEnergy)
		assert.Equal(t, "measured: nvml power sampled every 100ms", rd.GPUEnergy.Method)
		// 123 W held over the span.
		assert.InDelta(t, 123*rd.Wall.Seconds(), rd.GPUEnergy.Joules, 1e-6)
	case "no-device":
		rd := m.Start().Stop()
		require.NotNil(t, rd.GPUEnergy)
		assert.Equal(t, "NVML GPU 0: Not Found", rd.GPUEnergy.Absent)
	}
}
