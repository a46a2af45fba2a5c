package harness

import (
	"context"

	"github.com/evalctl/evalctl/tasks/tensor"
)

// Model runs one batch of named input tensors through a model.
//
// Run must not keep references to the input slices after it returns, and the
// returned tensors are owned by the caller (implementations copy out of any
// runtime-owned memory). Run is called from one goroutine at a time. Close
// releases the model's resources; calling Run after Close is an error.
type Model interface {
	Run(ctx context.Context, inputs []tensor.Tensor) ([]tensor.Tensor, error)
	Close() error
}

// Describer is implemented by models that can list their declared inputs and
// outputs (names, element types, shapes with symbolic dimensions).
type Describer interface {
	Inputs() []tensor.Info
	Outputs() []tensor.Info
}
