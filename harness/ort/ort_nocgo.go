//go:build !cgo

package ort

import (
	"context"

	"github.com/evalctl/evalctl/tasks/tensor"
)

// Init always fails in a binary built without cgo: it returns ErrNoCgo.
func Init(explicit string) (*Runtime, error) { return nil, ErrNoCgo }

// Model is an ONNX Runtime model. Without cgo no Model can be opened; the
// type exists so that callers compile.
type Model struct{}

// Open always fails in a binary built without cgo: it returns ErrNoCgo.
func Open(path string, opt Options) (*Model, error) { return nil, ErrNoCgo }

// Path returns "".
func (m *Model) Path() string { return "" }

// Provider returns "".
func (m *Model) Provider() string { return "" }

// ProviderNotes returns nil.
func (m *Model) ProviderNotes() []string { return nil }

// Inputs returns nil.
func (m *Model) Inputs() []tensor.Info { return nil }

// Outputs returns nil.
func (m *Model) Outputs() []tensor.Info { return nil }

// Run returns ErrNoCgo.
func (m *Model) Run(ctx context.Context, inputs []tensor.Tensor) ([]tensor.Tensor, error) {
	return nil, ErrNoCgo
}

// Close returns nil.
func (m *Model) Close() error { return nil }
