// Package outlock takes an exclusive lock on an output folder, so that two
// evalctl runs writing into the same folder at once cannot interleave their
// results and caches: the second is refused with the holder's process id.
//
// The lock is an advisory flock(2) on DIR/.evalctl.lock, which holds the
// holder's pid. The operating system releases it when the process exits,
// however it exits (kill -9 included), so a stale file never blocks a later
// run; the file itself is left in place.
package outlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileName is the lock file's name inside the locked folder.
const FileName = ".evalctl.lock"

// ErrBusy is returned (wrapped) when another process holds the lock.
var ErrBusy = errors.New("output folder in use")

// Lock is a held lock; Release gives it back.
type Lock struct {
	f *os.File
}

// Acquire creates dir if needed and locks it. When another process holds
// the lock, the error wraps ErrBusy and names the folder and the holder's
// pid.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock output folder: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock output folder: %w", err)
	}
	if err := tryLock(f); err != nil {
		holder := "another process"
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = fmt.Sprintf("another evalctl (pid %d)", pid)
			}
		}
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("%w: %s is being written by %s; wait for it to finish or choose another --out (lock file %s)", ErrBusy, dir, holder, path)
		}
		return nil, fmt.Errorf("lock output folder %s: %w", dir, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Release unlocks the folder. It is safe to call on a nil Lock and more
// than once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
