package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// evalctlBinary builds the real evalctl once per test process, for tests
// that need a process of its own (signals, locks, files written outside).
func evalctlBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "evalctl-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "evalctl")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, binErr)
	return binPath
}

// bigLinearSuite writes a suite over the linear model with n rows and batch
// size 1, slow enough (hundreds of thousands of model calls) to interrupt.
func bigLinearSuite(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("x1,x2,label,grp\n")
	for i := range n {
		fmt.Fprintf(&b, "%.2f,%.2f,%s,a\n", float64(i%200)/100-1, float64(i%77)/50-0.7, []string{"red", "green", "blue"}[i%3])
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.csv"), []byte(b.String()), 0o644))
	p := linearSuite(t, dir, "linear_softmax.onnx", csvDataset)
	s, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, bytes.Replace(s, []byte("batch_size: 16"), []byte("batch_size: 1"), 1), 0o644))
	return p
}

// TestSignalStopsTheRun interrupts a long run of the real binary with
// SIGINT and with SIGTERM: it must stop within seconds with exit 1, write no
// result, and leave cache chunks that the next run resumes from.
func TestSignalStopsTheRun(t *testing.T) {
	requireORT(t)
	if testing.Short() {
		t.Skip("builds the binary and runs a long evaluation")
	}
	bin := evalctlBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			const n = 100_000
			suitePath := bigLinearSuite(t, dir, n)
			out := filepath.Join(dir, "out")
			cmd := exec.Command(bin, "run", suitePath, "--out", out, "--format", "none")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			// Wait for the first cached chunk, then interrupt.
			deadline := time.Now().Add(60 * time.Second)
			for {
				chunks, _ := filepath.Glob(filepath.Join(out, "cache", "*", "*"))
				if len(chunks) > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			require.NoError(t, cmd.Process.Signal(sig))
			start := time.Now()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("evalctl did not stop within 20 s of %v; stderr:\n%s", sig, stderr.String())
			}
			assert.Less(t, time.Since(start), 10*time.Second, "stops promptly")
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "exit status: %v\n%s", err, stderr.String())
			assert.Equal(t, exitRuntime, ee.ExitCode(), stderr.String())
			assert.Contains(t, stderr.String(), "interrupted")
			assert.NoFileExists(t, filepath.Join(out, "result.json"))

			// The chunks written before the signal are valid: the same
			// command resumes from them and finishes (with larger batches
			// for speed; the batch size is not part of the cache key).
			chunks, _ := filepath.Glob(filepath.Join(out, "cache", "*", "*"))
			t0 := time.Now()
			code, _, errOut := runCLI(t, "run", suitePath, "--out", out, "--format", "none", "--batch-size", "512")
			require.Equal(t, exitOK, code, errOut)
			t.Logf("%d chunks cached before %v; the rest took %v", len(chunks), sig, time.Since(t0))
			assert.NotContains(t, errOut, "recomputed", "no chunk failed its integrity check")
			res, err := result.ReadFile(filepath.Join(out, "result.json"))
			require.NoError(t, err)
			assert.Equal(t, n, res.Evaluations[0].N)
			assert.GreaterOrEqual(t, res.Run.Resumed, len(chunks)*1024, "resumed from every chunk written before the signal")
		})
	}
}

// TestNonRegularFilesAreRefusedPromptly: a model or data path that is a
// FIFO used to hang forever while it was hashed (issue 11.7).
func TestNonRegularFilesAreRefusedPromptly(t *testing.T) {
	requireORT(t)
	for _, which := range []string{"model", "data"} {
		t.Run(which, func(t *testing.T) {
			dir := t.TempDir()
			badCSV(t, dir, 2, "-1.05,0.18,blue,b")
			fifo := filepath.Join(dir, "fifo")
			require.NoError(t, syscall.Mkfifo(fifo, 0o600))
			model := "linear_softmax.onnx"
			ds := csvDataset
			if which == "model" {
				model, _ = filepath.Rel(mustAbs(t, "../../harness/ort/testdata"), fifo)
			} else {
				ds = strings.Replace(csvDataset, "path: data.csv", "path: "+fifo, 1)
			}
			p := linearSuite(t, dir, model, ds)
			done := make(chan [3]string, 1)
			go func() {
				code, out, errOut := runCLI(t, "run", p, "--out", filepath.Join(dir, "out"), "--format", "none")
				done <- [3]string{fmt.Sprint(code), out, errOut}
			}()
			select {
			case r := <-done:
				assert.Equal(t, fmt.Sprint(exitUsage), r[0], r[2])
				assert.Contains(t, r[2], "fifo")
			case <-time.After(15 * time.Second):
				t.Fatal("evalctl hangs on a FIFO")
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	require.NoError(t, err)
	return a
}

// TestSecondRunIntoTheSameOutIsRefused: two runs writing into one --out at
// once both used to succeed (issue 11.12); the second is now refused with
// the first's pid, exit 1, and the first is unaffected.
func TestSecondRunIntoTheSameOutIsRefused(t *testing.T) {
	requireORT(t)
	if testing.Short() {
		t.Skip("builds the binary and runs a long evaluation")
	}
	bin := evalctlBinary(t)
	dir := t.TempDir()
	suitePath := bigLinearSuite(t, dir, 100_000)
	out := filepath.Join(dir, "out")
	first := exec.Command(bin, "run", suitePath, "--out", out, "--format", "none")
	require.NoError(t, first.Start())
	defer func() {
		_ = first.Process.Kill()
		_ = first.Wait()
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		chunks, _ := filepath.Glob(filepath.Join(out, "cache", "*", "*"))
		if len(chunks) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, _, errOut := runCLI(t, "run", suitePath, "--out", out, "--format", "none")
	assert.Equal(t, exitRuntime, code, errOut)
	assert.Contains(t, errOut, fmt.Sprintf("is being written by another evalctl (pid %d)", first.Process.Pid))
	// A different --out is not affected.
	code, _, errOut = runCLI(t, "run", "testdata/linear.yaml", "--out", filepath.Join(dir, "other"), "--format", "none")
	assert.Equal(t, exitOK, code, errOut)
}
