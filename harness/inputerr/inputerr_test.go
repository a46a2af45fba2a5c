package inputerr

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMark(t *testing.T) {
	base := errors.New("data.csv:3: column x: \"abc\" is not a number")
	eio := &fs.PathError{Op: "read", Path: "data.csv", Err: syscall.EIO}
	for _, tc := range []struct {
		name    string
		err     error
		invalid bool
	}{
		{"nil", nil, false},
		{"plain error", base, false},
		{"marked", Mark(base), true},
		{"marked then wrapped", fmt.Errorf("dataset %q: %w", "d", Mark(base)), true},
		{"Errorf", Errorf("task %q: %w", "t", base), true},
		{"marked twice", Mark(Mark(base)), true},
		{"context cancelled stays runtime", Mark(fmt.Errorf("read: %w", context.Canceled)), false},
		{"deadline stays runtime", Mark(context.DeadlineExceeded), false},
		{"EIO stays runtime", Mark(eio), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.invalid, Is(tc.err))
		})
	}
}

func TestMarkKeepsMessageAndChain(t *testing.T) {
	var pe *fs.PathError
	err := Mark(&fs.PathError{Op: "open", Path: "x.npy", Err: fs.ErrNotExist})
	assert.Equal(t, "open x.npy: file does not exist", err.Error())
	assert.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Same(t, err, Mark(err), "marking is idempotent")
	assert.Nil(t, Mark(nil))
}

func TestPanicIsNeverInvalidInput(t *testing.T) {
	err := Safely(func() error {
		var probs []float64
		_ = probs[3] // index out of range
		return nil
	})
	assert.True(t, IsPanic(err))
	assert.Contains(t, err.Error(), "index out of range [3] with length 0")
	assert.Contains(t, err.Error(), "inputerr_test.go", "the stack of the panic")
	assert.False(t, Is(Mark(fmt.Errorf("decode: %w", err))), "a bug is never the input's fault")
	assert.NoError(t, Safely(func() error { return nil }))
	assert.EqualError(t, Safely(base), "plain")
	assert.Nil(t, Recovered(nil))
}

func base() error { return errors.New("plain") }
