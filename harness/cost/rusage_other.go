//go:build !unix

package cost

import (
	"errors"
	"time"
)

// processCPUTime is not available outside Unix.
func processCPUTime() (time.Duration, error) {
	return 0, errors.New("CPU time needs getrusage (Unix only)")
}
