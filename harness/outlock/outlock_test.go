package outlock

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecondLockIsRefusedWithThePid(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	l, err := Acquire(dir)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("%d\n", os.Getpid()), string(b))

	// flock locks belong to the open file description, so a second Acquire
	// in the same process is refused as another process would be.
	_, err = Acquire(dir)
	require.ErrorIs(t, err, ErrBusy)
	assert.Contains(t, err.Error(), fmt.Sprintf("pid %d", os.Getpid()))
	assert.Contains(t, err.Error(), dir)

	require.NoError(t, l.Release())
	require.NoError(t, l.Release(), "releasing twice is harmless")
	l2, err := Acquire(dir)
	require.NoError(t, err, "free again after Release")
	require.NoError(t, l2.Release())
	var nilLock *Lock
	assert.NoError(t, nilLock.Release())
}

// TestHelperHolder is not a test: run as a child process by
// TestAnotherProcessIsRefused, it takes the lock, says so and waits.
func TestHelperHolder(t *testing.T) {
	dir := os.Getenv("OUTLOCK_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	if _, err := Acquire(dir); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	time.Sleep(time.Minute)
}

// TestAnotherProcessIsRefused: while another process holds the folder, a
// run is refused with that process's pid; once the holder is killed
// (kill -9, no release) the folder is free again.
func TestAnotherProcessIsRefused(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHolder$")
	cmd.Env = append(os.Environ(), "OUTLOCK_HELPER_DIR="+dir)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "locked\n", line)

	_, err = Acquire(dir)
	require.ErrorIs(t, err, ErrBusy)
	assert.Contains(t, err.Error(), fmt.Sprintf("another evalctl (pid %d)", cmd.Process.Pid))

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	l, err := Acquire(dir)
	require.NoError(t, err, "the lock dies with its process")
	require.NoError(t, l.Release())
}
