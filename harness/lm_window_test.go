package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/suite"
)

func TestWindowError(t *testing.T) {
	// The message ONNX Runtime's Gather gives for a position id past a
	// 1024-row embedding table.
	ort := errors.New("Non-zero status code returned while running Gather node. Name:'/transformer/wpe/Gather' Status Message: indices element out of data bounds, idx=1024 must be within the inclusive range [-1024,1023]")
	err := windowError(ort, 1500, 2048)
	assert.ErrorIs(t, err, ort)
	assert.Contains(t, err.Error(), "the batch's longest input is 1500 tokens (window lm.max_length = 2048)")
	assert.Contains(t, err.Error(), "set the task's lm.max_length")

	other := errors.New("out of memory")
	assert.Equal(t, other, windowError(other, 10, 2048))
	assert.NoError(t, windowError(nil, 10, 2048))
}

// TestLMWindowErrorNamesMaxLength runs a perplexity task whose document is
// longer than the fixture LM's 64 positions with the default window (2048,
// as lm-evaluation-harness): the error names lm.max_length instead of only
// ONNX Runtime's index error.
func TestLMWindowErrorNamesMaxLength(t *testing.T) {
	open := ortOpener(t)
	abs, err := filepath.Abs(textDir)
	require.NoError(t, err)
	dir := t.TempDir()
	long := filepath.Join(dir, "long.jsonl")
	require.NoError(t, os.WriteFile(long, []byte(`{"text": "`+strings.Repeat("the cat sat on the mat. ", 300)+`"}`+"\n"), 0o644))
	y := fmt.Sprintf(`version: 1
name: window
runtime: {batch_size: 1, intra_op_threads: 1}
models:
  - {name: tiny, path: %s/lm.onnx}
datasets:
  - name: docs
    format: jsonl
    path: %s
    features: [{name: text, columns: [text], text: {tokenizer: %[1]s/tokenizer.json}}]
tasks:
  - {name: ppl, kind: perplexity, dataset: docs}
`, abs, long)
	p := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	s, err := suite.Load(p)
	require.NoError(t, err)
	_, err = Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Now: fixedNow})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "window lm.max_length = 2048")
	assert.Contains(t, err.Error(), "set the task's lm.max_length")
	assert.Contains(t, err.Error(), "long.jsonl:")
}
