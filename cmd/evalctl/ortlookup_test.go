package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/ort"
)

// TestBinFindsCheckoutLibrary: a binary built into a checkout's bin/ (make
// build) finds the checkout's .evalctl/onnxruntime cache when run from any
// other folder, without --ort-lib or $EVALCTL_ORT_LIB.
func TestBinFindsCheckoutLibrary(t *testing.T) {
	requireORT(t)
	lib, _, err := ort.FindLibrary("")
	require.NoError(t, err)
	root := t.TempDir()
	cache := filepath.Join(root, ".evalctl", "onnxruntime")
	require.NoError(t, os.MkdirAll(cache, 0o755))
	require.NoError(t, os.Symlink(filepath.Dir(lib), filepath.Join(cache, ort.Platform())))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "bin"), 0o755))
	exe := filepath.Join(root, "bin", "evalctl")
	b, err := os.ReadFile(evalctlBinary(t))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(exe, b, 0o755))

	cmd := exec.Command(exe, "doctor")
	cmd.Dir = t.TempDir() // no .evalctl here or above
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), filepath.Join(root, ".evalctl", "onnxruntime", ort.Platform()))
}
