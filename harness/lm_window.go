package harness

import (
	"fmt"
	"strings"
)

// positionErrorHints are fragments of ONNX Runtime's messages when an index
// (a position id past the model's position embeddings, for example) falls
// outside a table: Gather's "indices element out of data bounds", and the
// out-of-range messages of other kernels.
var positionErrorHints = []string{"out of data bounds", "out of bounds", "out of range", "indices element"}

// windowError explains an inference failure on a length-token batch of a
// language-model task: when ONNX Runtime reports an index out of bounds,
// the usual cause is a document longer than the model's positions (GPT-2
// has 1024, lm-evaluation-harness's default max_length is 2048), and the fix
// is lm.max_length. Other errors are returned as they are.
func windowError(err error, length, maxLen int) error {
	if err == nil {
		return nil
	}
	msg := strings.ToLower(err.Error())
	for _, h := range positionErrorHints {
		if strings.Contains(msg, h) {
			return fmt.Errorf("%w; the batch's longest input is %d tokens (window lm.max_length = %d): if the model has fewer positions than that, set the task's lm.max_length to its context size (n_positions or max_position_embeddings in its config.json)", err, length, maxLen)
		}
	}
	return err
}
