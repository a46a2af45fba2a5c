package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/ort"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunWritesNothingOutsideOut runs the real binary with HOME, TMPDIR and
// XDG_CACHE_HOME pointed at empty folders: before issue 11.9, ONNX Runtime's
// telemetry left mat-debug-<pid>.log in the temp folder and a device id and
// an event database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/.
// Now only --out (result, predictions, cache, lock file) may change.
func TestRunWritesNothingOutsideOut(t *testing.T) {
	requireORT(t)
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := evalctlBinary(t)
	lib, _, err := ort.FindLibrary("")
	require.NoError(t, err)
	suitePath, err := filepath.Abs("testdata/linear.yaml")
	require.NoError(t, err)

	root := t.TempDir()
	home, tmp, xdg, work := filepath.Join(root, "home"), filepath.Join(root, "tmp"), filepath.Join(root, "xdg"), filepath.Join(root, "work")
	for _, d := range []string{home, tmp, xdg, work} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	cmd := exec.Command(bin, "run", suitePath, "--out", "out", "--format", "none", "--ort-lib", lib)
	cmd.Dir = work
	// The 1DS SDK stays quiet when CI is set, and ORT_DISABLE_TELEMETRY is
	// what evalctl must set itself: the child gets neither.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "HOME", "TMPDIR", "XDG_CACHE_HOME", "CI", "ORT_DISABLE_TELEMETRY", "EVALCTL_ORT_LIB":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "HOME="+home, "TMPDIR="+tmp, "XDG_CACHE_HOME="+xdg)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	var written []string
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		written = append(written, rel)
		return nil
	}))
	for _, w := range written {
		assert.True(t, strings.HasPrefix(w, filepath.Join("work", "out")+string(filepath.Separator)), "written outside --out: %s", w)
	}
	assert.Contains(t, written, filepath.Join("work", "out", "result.json"))
}
