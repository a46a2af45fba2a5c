package onnx

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/tasks/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

// The fixtures are written by scripts/gen_fixtures.py; the expected values
// below are read off that script.
const fixtures = "../ort/testdata"

func read(t *testing.T, name string) *Model {
	t.Helper()
	m, err := ReadFile(filepath.Join(fixtures, name+".onnx"))
	require.NoError(t, err)
	return m
}

func TestReadEncoder(t *testing.T) {
	m := read(t, "encoder")
	assert.Equal(t, int64(8), m.IRVersion)
	assert.Equal(t, "evalctl-gen_fixtures", m.Producer)
	assert.Equal(t, "1", m.ProducerVersion)
	assert.Equal(t, "dev.evalctl.fixtures", m.Domain)
	assert.Equal(t, int64(1), m.ModelVersion)
	assert.Equal(t, "two int64 inputs like an HF encoder; vocabulary 16", m.Doc)
	assert.Equal(t, map[string]int64{"": 13}, m.Opsets)
	assert.Equal(t, "tiny_encoder", m.GraphName)
	require.Len(t, m.Inputs, 2)
	assert.Equal(t, "input_ids", m.Inputs[0].Name)
	assert.Equal(t, "int64[batch, sequence]", m.Inputs[0].Type.String())
	assert.Equal(t, "float32[batch, 2]", m.Outputs[0].Type.String())
	assert.Empty(t, m.OverridableInputs)
	assert.Equal(t, 10, m.NodeCount)
	assert.Equal(t, 2, m.OpTypes["ReduceSum"])
	assert.Equal(t, OpTypeCount{"ReduceSum", 2}, m.SortedOpTypes()[0])
	// embedding 16x4 + w 4x2 + b 2 + three 1-element constants = 64+8+2+3.
	assert.Equal(t, int64(77), m.ParameterCount)
	assert.Len(t, m.Initializers, 6)
	assert.Empty(t, m.ExternalData)
	fi, err := os.Stat(filepath.Join(fixtures, "encoder.onnx"))
	require.NoError(t, err)
	assert.Equal(t, fi.Size(), m.FileSize)

	info := m.Inputs[0].Info()
	assert.Equal(t, tensor.Info{Name: "input_ids", Kind: tensor.KindTensor, DType: tensor.Int64,
		Shape: []int64{-1, -1}, DimParams: []string{"batch", "sequence"}}, info)
}

func TestReadCNN(t *testing.T) {
	m := read(t, "cnn")
	// conv1 8*1*3*3+8, conv2 16*8*3*3+16, fc 10*784+10 (gen_fixtures.py cnn()).
	assert.Equal(t, int64(72+8+1152+16+7840+10), m.ParameterCount)
	assert.Equal(t, "float32[batch, 1, 28, 28]", m.Inputs[0].Type.String())
	assert.Equal(t, map[string]int{"Conv": 2, "Relu": 2, "MaxPool": 2, "Flatten": 1, "Gemm": 1}, m.OpTypes)
}

func TestReadZipMap(t *testing.T) {
	tests := []struct {
		name, key string
		dt        tensor.DType
	}{{"zipmap_int", "int64", tensor.Int64}, {"zipmap_str", "string", tensor.String}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := read(t, tt.name)
			assert.Equal(t, map[string]int64{"": 13, "ai.onnx.ml": 1}, m.Opsets)
			assert.Equal(t, map[string]int{"ai.onnx.ml:LinearClassifier": 1, "Identity": 1, "ai.onnx.ml:ZipMap": 1}, m.OpTypes)
			assert.Equal(t, "float32[?, 2]", m.Inputs[0].Type.String())
			prob := m.Outputs[1]
			assert.Equal(t, "seq(map("+tt.key+", float32))", prob.Type.String())
			info := prob.Info()
			assert.Equal(t, tensor.KindSequenceOfMaps, info.Kind)
			assert.Equal(t, tensor.Float32, info.DType)
			assert.Equal(t, tt.dt, info.MapKey)
			assert.Equal(t, int64(0), m.ParameterCount, "LinearClassifier keeps its weights in attributes")
		})
	}
}

func TestReadExternalData(t *testing.T) {
	m := read(t, "external_data")
	assert.Equal(t, []string{"external_data.onnx.data"}, m.ExternalData)
	require.Len(t, m.Initializers, 1)
	in := m.Initializers[0]
	assert.True(t, in.External)
	assert.Equal(t, Float, in.Elem)
	assert.Equal(t, []int64{32, 8}, in.Dims)
	assert.Equal(t, int64(256), m.ParameterCount)
}

// Hand-built protobuf, to cover what the fixtures do not.
func msg(fields ...[]byte) []byte {
	var b []byte
	for _, f := range fields {
		b = append(b, f...)
	}
	return b
}
func bytesField(n protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, n, protowire.BytesType), v)
}
func varintField(n protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, n, protowire.VarintType), v)
}
func str(n protowire.Number, s string) []byte { return bytesField(n, []byte(s)) }

func tensorValueInfo(name string, elem ElemType, dims ...int64) []byte {
	var shape []byte
	for _, d := range dims {
		shape = append(shape, bytesField(1, varintField(1, uint64(d)))...)
	}
	tt := msg(varintField(1, uint64(elem)), bytesField(2, shape))
	return msg(str(1, name), bytesField(2, bytesField(1, tt)))
}

// An IR-3 style model lists its weight as a graph input too.
func TestInitializerAsInput(t *testing.T) {
	w := msg(varintField(1, 3), varintField(1, 4), varintField(2, uint64(Float)), str(8, "w"))
	graph := msg(
		bytesField(1, msg(str(1, "x"), str(1, "w"), str(2, "y"), str(4, "MatMul"))),
		str(2, "g"),
		bytesField(5, w),
		bytesField(11, tensorValueInfo("x", Float, 2, 3)),
		bytesField(11, tensorValueInfo("w", Float, 3, 4)),
		bytesField(12, tensorValueInfo("y", Float, 2, 4)),
	)
	model := msg(varintField(1, 3), bytesField(7, graph), bytesField(8, msg(str(1, "ai.onnx"), varintField(2, 9))))
	m, err := Parse(model)
	require.NoError(t, err)
	require.Len(t, m.Inputs, 1)
	assert.Equal(t, "x", m.Inputs[0].Name)
	require.Len(t, m.OverridableInputs, 1)
	assert.Equal(t, "w", m.OverridableInputs[0].Name)
	assert.Equal(t, int64(12), m.ParameterCount, "initializers that are also inputs still count")
	assert.Equal(t, map[string]int64{"": 9}, m.Opsets, `"ai.onnx" is the default domain`)
	assert.Equal(t, int64(len(model)), m.FileSize)
}

func TestMalformed(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(fixtures, "encoder.onnx"))
	require.NoError(t, err)
	tests := []struct {
		name   string
		data   []byte
		offset int
		want   string
	}{
		{"truncated", good[:len(good)-5], -1, "malformed protobuf at byte"},
		{"no graph", varintField(1, 8), 0, "not an ONNX model"},
		{"empty", nil, 0, "not an ONNX model"},
		{"bad wire type", msg(varintField(1, 8), varintField(7, 1)), 2, "model.graph: field 7: wire type 0, want 2"},
		{"bad tag", []byte{0x00}, 0, "bad tag"},
		{"bad length", msg(varintField(1, 8), []byte{0x3a, 0x05, 0x01}), 3, "length 5 past end"},
		{"nested graph error", msg(bytesField(7, msg(str(2, "g"), varintField(11, 3)))), 5, "graph.input/output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.data)
			require.Error(t, err)
			var fe *FormatError
			require.True(t, errors.As(err, &fe), "error %T is not a *FormatError", err)
			if tt.offset >= 0 {
				assert.Equal(t, tt.offset, fe.Offset)
			}
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err = Parse(nil)
	assert.ErrorIs(t, err, ErrNotONNX)
}

func TestReadFileErrorsNameTheFile(t *testing.T) {
	_, err := ReadFile("testdata/missing.onnx")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "testdata/missing.onnx")

	bad := filepath.Join(t.TempDir(), "bad.onnx")
	require.NoError(t, os.WriteFile(bad, []byte{0x08, 0x08, 0x3a, 0x7f}, 0o644))
	_, err = ReadFile(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "onnx: "+bad+": malformed protobuf at byte 3: ")
}

func TestDeepNesting(t *testing.T) {
	// seq(seq(seq(...))) deeper than maxDepth must fail, not overflow the stack.
	tp := bytesField(1, varintField(1, uint64(Float)))
	for i := 0; i < maxDepth+5; i++ {
		tp = bytesField(4, bytesField(1, tp))
	}
	graph := bytesField(12, msg(str(1, "y"), bytesField(2, tp)))
	_, err := Parse(bytesField(7, graph))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nested too deeply")
}

func TestElemType(t *testing.T) {
	assert.Equal(t, "float32", Float.String())
	assert.Equal(t, "float64", Double.String())
	assert.Equal(t, "elem(99)", ElemType(99).String())
	assert.Equal(t, tensor.Float16, Float16.DType())
	assert.Equal(t, tensor.Invalid, Int8.DType())
	assert.Equal(t, int64(0), Initializer{Dims: []int64{3, 0}}.Elements())
	assert.Equal(t, int64(1), Initializer{}.Elements(), "a scalar has one element")
}

func FuzzRead(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtures, "*.onnx"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err == nil {
			_ = m.SortedOpTypes()
			for _, v := range append(m.Inputs, m.Outputs...) {
				_ = v.Type.String()
				_ = v.Info()
			}
		}
	})
}
