package onnx

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"

	"github.com/evalctl/evalctl/tasks/tensor"
	"google.golang.org/protobuf/encoding/protowire"
)

// ElemType is an ONNX TensorProto.DataType value (1 = FLOAT, 7 = INT64, ...).
type ElemType int32

// The ONNX element types, numbered as in onnx.proto.
const (
	Undefined  ElemType = 0
	Float      ElemType = 1
	Uint8      ElemType = 2
	Int8       ElemType = 3
	Uint16     ElemType = 4
	Int16      ElemType = 5
	Int32      ElemType = 6
	Int64      ElemType = 7
	String     ElemType = 8
	Bool       ElemType = 9
	Float16    ElemType = 10
	Double     ElemType = 11
	Uint32     ElemType = 12
	Uint64     ElemType = 13
	Complex64  ElemType = 14
	Complex128 ElemType = 15
	BFloat16   ElemType = 16
)

var elemNames = map[ElemType]string{
	Undefined: "undefined", Float: "float32", Uint8: "uint8", Int8: "int8", Uint16: "uint16",
	Int16: "int16", Int32: "int32", Int64: "int64", String: "string", Bool: "bool",
	Float16: "float16", Double: "float64", Uint32: "uint32", Uint64: "uint64",
	Complex64: "complex64", Complex128: "complex128", BFloat16: "bfloat16",
	17: "float8e4m3fn", 18: "float8e4m3fnuz", 19: "float8e5m2", 20: "float8e5m2fnuz",
	21: "uint4", 22: "int4",
}

// String returns the lower-case type name using evalctl's spelling
// ("float32", "float64", "int64", ...), or "elem(N)" for unknown values.
func (e ElemType) String() string {
	if s, ok := elemNames[e]; ok {
		return s
	}
	return "elem(" + strconv.Itoa(int(e)) + ")"
}

// DType maps e to evalctl's tensor.DType, or tensor.Invalid when evalctl
// cannot move that element type between Go and ONNX Runtime.
func (e ElemType) DType() tensor.DType {
	switch e {
	case Float:
		return tensor.Float32
	case Double:
		return tensor.Float64
	case Float16:
		return tensor.Float16
	case Int64:
		return tensor.Int64
	case Int32:
		return tensor.Int32
	case Uint8:
		return tensor.Uint8
	case Bool:
		return tensor.Bool
	case String:
		return tensor.String
	}
	return tensor.Invalid
}

// Dim is one axis of a declared shape: a fixed size (Value >= 0, Param ""),
// a symbolic size (Param set, Value -1) or unknown (Value -1, Param "").
type Dim struct {
	Value int64
	Param string
}

// String returns the size, the symbolic name, or "?".
func (d Dim) String() string {
	switch {
	case d.Param != "":
		return d.Param
	case d.Value >= 0:
		return strconv.FormatInt(d.Value, 10)
	}
	return "?"
}

// Type is an ONNX TypeProto reduced to what evalctl needs. Kind says which of
// the fields apply:
//
//	"tensor", "sparse_tensor": Elem and Shape (HasShape is false when the
//	                           model declares no shape)
//	"sequence", "optional":    Inner, the element's type
//	"map":                     KeyType, and ValueType, the value's type
//	"unknown":                 a type this reader does not decode
type Type struct {
	Kind      string
	Elem      ElemType
	Shape     []Dim
	HasShape  bool
	KeyType   ElemType
	ValueType *Type
	Inner     *Type
}

// String renders the type, e.g. "float32[batch, 3]" or
// "seq(map(int64, float32))".
func (t *Type) String() string {
	if t == nil {
		return "?"
	}
	switch t.Kind {
	case "tensor", "sparse_tensor":
		s := t.Elem.String()
		if t.HasShape {
			s += "["
			for i, d := range t.Shape {
				if i > 0 {
					s += ", "
				}
				s += d.String()
			}
			s += "]"
		}
		return s
	case "sequence":
		return "seq(" + t.Inner.String() + ")"
	case "map":
		return "map(" + t.KeyType.String() + ", " + t.ValueType.String() + ")"
	case "optional":
		return "optional(" + t.Inner.String() + ")"
	}
	return "unknown"
}

// ValueInfo is a graph input or output: its name, type and doc string.
type ValueInfo struct {
	Name string
	Type Type
	Doc  string
}

// Info converts v to evalctl's tensor.Info: tensors keep their element type
// and shape (dynamic axes -1, names in DimParams); a sequence of maps becomes
// KindSequenceOfMaps with the map's value type as DType and its key type as
// MapKey; anything else is KindOther.
func (v ValueInfo) Info() tensor.Info {
	info := tensor.Info{Name: v.Name, Kind: tensor.KindOther}
	t := v.Type
	switch {
	case t.Kind == "tensor":
		info.Kind = tensor.KindTensor
		info.DType = t.Elem.DType()
		info.Shape = make([]int64, len(t.Shape))
		info.DimParams = make([]string, len(t.Shape))
		for i, d := range t.Shape {
			info.Shape[i] = d.Value
			info.DimParams[i] = d.Param
		}
	case t.Kind == "sequence" && t.Inner != nil && t.Inner.Kind == "map":
		m := t.Inner
		info.Kind = tensor.KindSequenceOfMaps
		info.MapKey = m.KeyType.DType()
		if m.ValueType != nil {
			info.DType = m.ValueType.Elem.DType()
		}
	}
	return info
}

// Initializer is a weight stored in the graph: name, element type, dims and
// whether its bytes live in an external file.
type Initializer struct {
	Name     string
	Elem     ElemType
	Dims     []int64
	External bool
	Location string // external file, relative to the model, when External
}

// Elements returns the product of Dims (1 for a scalar), saturating at
// math.MaxInt64 and treating negative dims as 0.
func (in Initializer) Elements() int64 { return product(in.Dims) }

// Model is what ReadFile and Parse extract from an ONNX ModelProto.
type Model struct {
	Path      string // as given to ReadFile; "" for Parse
	FileSize  int64  // bytes of the .onnx file (without external data)
	IRVersion int64
	Producer  string
	// ProducerVersion is the exporter's version string, e.g. "1.13.0".
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	Doc             string
	// Opsets maps an operator-set domain to its version; the default domain
	// is "" (ai.onnx).
	Opsets            map[string]int64
	Metadata          map[string]string
	GraphName         string
	Inputs            []ValueInfo
	OverridableInputs []ValueInfo
	Outputs           []ValueInfo
	NodeCount         int
	// OpTypes counts nodes by operator ("Conv", "ai.onnx.ml:ZipMap").
	OpTypes        map[string]int
	Initializers   []Initializer
	ParameterCount int64
	// ExternalData lists the distinct external data files, sorted.
	ExternalData []string
}

// OpTypeCount is one row of Model.SortedOpTypes.
type OpTypeCount struct {
	Op    string
	Count int
}

// SortedOpTypes returns OpTypes ordered by count (descending), then name.
func (m *Model) SortedOpTypes() []OpTypeCount {
	out := make([]OpTypeCount, 0, len(m.OpTypes))
	for op, n := range m.OpTypes {
		out = append(out, OpTypeCount{op, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Op < out[j].Op
	})
	return out
}

// FormatError reports malformed protobuf: the file (empty for Parse), the
// byte offset from the start of the file where decoding failed, and what was
// being decoded.
type FormatError struct {
	Path   string
	Offset int
	Msg    string
	Err    error
}

// Error renders "onnx: FILE: byte OFFSET: MSG: ERR".
func (e *FormatError) Error() string {
	s := "onnx: "
	if e.Path != "" {
		s += e.Path + ": "
	}
	s += fmt.Sprintf("malformed protobuf at byte %d: %s", e.Offset, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying protowire error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// ErrNotONNX is wrapped when a file decodes as protobuf but has no graph, so
// it is not an ONNX model.
var ErrNotONNX = errors.New("not an ONNX model (no graph)")

// maxDepth bounds TypeProto nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

// ReadFile reads and parses the ONNX model at path. Errors name the file; a
// *FormatError also gives the byte offset.
func ReadFile(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	m, err := parse(data, path)
	if err != nil {
		return nil, err
	}
	m.Path = path
	m.FileSize = int64(len(data))
	return m, nil
}

// Parse decodes a serialized ModelProto.
func Parse(data []byte) (*Model, error) {
	m, err := parse(data, "")
	if err != nil {
		return nil, err
	}
	m.FileSize = int64(len(data))
	return m, nil
}

type decoder struct {
	path string
}

func (d *decoder) fail(off int, msg string, err error) error {
	return &FormatError{Path: d.path, Offset: off, Msg: msg, Err: err}
}

// field is one decoded protobuf field: number, wire type, the varint/fixed
// value or the bytes, and the absolute offset of its payload.
type field struct {
	num  protowire.Number
	typ  protowire.Type
	v    uint64
	b    []byte
	off  int
	tagO int
}

// fields iterates over the fields of msg, which starts at absolute offset
// base, calling fn for each; it stops at the first decoding error.
func (d *decoder) fields(msg []byte, base int, what string, fn func(f field) error) error {
	pos := 0
	for pos < len(msg) {
		tagOff := base + pos
		num, typ, n := protowire.ConsumeTag(msg[pos:])
		if n < 0 {
			return d.fail(tagOff, what+": bad tag", protowire.ParseError(n))
		}
		pos += n
		f := field{num: num, typ: typ, off: base + pos, tagO: tagOff}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(msg[pos:])
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(msg[pos:])
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(msg[pos:])
		case protowire.BytesType:
			var l uint64
			l, n = protowire.ConsumeVarint(msg[pos:])
			if n >= 0 {
				if l > uint64(len(msg)-pos-n) {
					return d.fail(base+pos, fmt.Sprintf("%s: field %d: length %d past end of message", what, num, l), nil)
				}
				f.off = base + pos + n
				f.b = msg[pos+n : pos+n+int(l)]
				n += int(l)
			}
		case protowire.StartGroupType:
			n = protowire.ConsumeFieldValue(num, typ, msg[pos:])
		default:
			return d.fail(tagOff, fmt.Sprintf("%s: field %d: invalid wire type %d", what, num, typ), nil)
		}
		if n < 0 {
			return d.fail(base+pos, fmt.Sprintf("%s: field %d", what, num), protowire.ParseError(n))
		}
		pos += n
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// want checks that f has wire type t.
func (d *decoder) want(f field, t protowire.Type, what string) error {
	if f.typ != t {
		return d.fail(f.tagO, fmt.Sprintf("%s: field %d: wire type %d, want %d", what, f.num, f.typ, t), nil)
	}
	return nil
}

// ints appends the int64 values of a repeated int64 field, packed or not.
func (d *decoder) ints(f field, dst []int64, what string) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.v)), nil
	case protowire.BytesType:
		b := f.b
		pos := 0
		for pos < len(b) {
			v, n := protowire.ConsumeVarint(b[pos:])
			if n < 0 {
				return dst, d.fail(f.off+pos, what+": packed varint", protowire.ParseError(n))
			}
			dst = append(dst, int64(v))
			pos += n
		}
		return dst, nil
	}
	return dst, d.fail(f.tagO, fmt.Sprintf("%s: field %d: wire type %d, want varint or packed", what, f.num, f.typ), nil)
}

func parse(data []byte, path string) (*Model, error) {
	d := &decoder{path: path}
	m := &Model{Opsets: map[string]int64{}, Metadata: map[string]string{}, OpTypes: map[string]int{}}
	var graph []byte
	graphOff := -1
	err := d.fields(data, 0, "model", func(f field) error {
		var err error
		switch f.num {
		case 1:
			err = d.want(f, protowire.VarintType, "model.ir_version")
			m.IRVersion = int64(f.v)
		case 2:
			err = d.want(f, protowire.BytesType, "model.producer_name")
			m.Producer = string(f.b)
		case 3:
			err = d.want(f, protowire.BytesType, "model.producer_version")
			m.ProducerVersion = string(f.b)
		case 4:
			err = d.want(f, protowire.BytesType, "model.domain")
			m.Domain = string(f.b)
		case 5:
			err = d.want(f, protowire.VarintType, "model.model_version")
			m.ModelVersion = int64(f.v)
		case 6:
			err = d.want(f, protowire.BytesType, "model.doc_string")
			m.Doc = string(f.b)
		case 7:
			err = d.want(f, protowire.BytesType, "model.graph")
			graph, graphOff = f.b, f.off
		case 8:
			if err = d.want(f, protowire.BytesType, "model.opset_import"); err != nil {
				return err
			}
			var dom string
			var ver int64
			err = d.fields(f.b, f.off, "opset_import", func(g field) error {
				switch g.num {
				case 1:
					if err := d.want(g, protowire.BytesType, "opset_import.domain"); err != nil {
						return err
					}
					dom = string(g.b)
				case 2:
					if err := d.want(g, protowire.VarintType, "opset_import.version"); err != nil {
						return err
					}
					ver = int64(g.v)
				}
				return nil
			})
			if dom == "ai.onnx" {
				dom = ""
			}
			m.Opsets[dom] = ver
		case 14:
			if err = d.want(f, protowire.BytesType, "model.metadata_props"); err != nil {
				return err
			}
			var k, v string
			k, v, err = d.stringPair(f, "metadata_props")
			m.Metadata[k] = v
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if graphOff < 0 {
		return nil, &FormatError{Path: path, Offset: 0, Msg: "model", Err: ErrNotONNX}
	}
	if err := d.graph(graph, graphOff, m); err != nil {
		return nil, err
	}
	return m, nil
}

// stringPair decodes a StringStringEntryProto {1 key, 2 value}.
func (d *decoder) stringPair(f field, what string) (k, v string, err error) {
	err = d.fields(f.b, f.off, what, func(g field) error {
		if g.num != 1 && g.num != 2 {
			return nil
		}
		if err := d.want(g, protowire.BytesType, what); err != nil {
			return err
		}
		if g.num == 1 {
			k = string(g.b)
		} else {
			v = string(g.b)
		}
		return nil
	})
	return k, v, err
}

func (d *decoder) graph(b []byte, base int, m *Model) error {
	var inputs []ValueInfo
	isInit := map[string]bool{}
	external := map[string]bool{}
	err := d.fields(b, base, "graph", func(f field) error {
		switch f.num {
		case 1: // node
			if err := d.want(f, protowire.BytesType, "graph.node"); err != nil {
				return err
			}
			var op, dom string
			err := d.fields(f.b, f.off, "node", func(g field) error {
				if g.num != 4 && g.num != 7 {
					return nil
				}
				if err := d.want(g, protowire.BytesType, "node"); err != nil {
					return err
				}
				if g.num == 4 {
					op = string(g.b)
				} else {
					dom = string(g.b)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if dom != "" && dom != "ai.onnx" {
				op = dom + ":" + op
			}
			m.NodeCount++
			m.OpTypes[op]++
		case 2:
			if err := d.want(f, protowire.BytesType, "graph.name"); err != nil {
				return err
			}
			m.GraphName = string(f.b)
		case 5: // initializer
			if err := d.want(f, protowire.BytesType, "graph.initializer"); err != nil {
				return err
			}
			in, err := d.tensor(f.b, f.off)
			if err != nil {
				return err
			}
			m.Initializers = append(m.Initializers, in)
			isInit[in.Name] = true
			m.ParameterCount = addSat(m.ParameterCount, in.Elements())
			if in.External && in.Location != "" {
				external[in.Location] = true
			}
		case 15: // sparse_initializer {1 values, 2 indices, 3 dims}
			if err := d.want(f, protowire.BytesType, "graph.sparse_initializer"); err != nil {
				return err
			}
			var values Initializer
			var dims []int64
			err := d.fields(f.b, f.off, "sparse_initializer", func(g field) error {
				var err error
				switch g.num {
				case 1:
					if err = d.want(g, protowire.BytesType, "sparse_initializer.values"); err != nil {
						return err
					}
					values, err = d.tensor(g.b, g.off)
				case 3:
					dims, err = d.ints(g, dims, "sparse_initializer.dims")
				}
				return err
			})
			if err != nil {
				return err
			}
			isInit[values.Name] = true
			m.Initializers = append(m.Initializers, Initializer{Name: values.Name, Elem: values.Elem, Dims: dims, External: values.External, Location: values.Location})
			m.ParameterCount = addSat(m.ParameterCount, values.Elements())
			if values.External && values.Location != "" {
				external[values.Location] = true
			}
		case 11, 12: // input, output
			if err := d.want(f, protowire.BytesType, "graph.input/output"); err != nil {
				return err
			}
			vi, err := d.valueInfo(f.b, f.off)
			if err != nil {
				return err
			}
			if f.num == 11 {
				inputs = append(inputs, vi)
			} else {
				m.Outputs = append(m.Outputs, vi)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, in := range inputs {
		if isInit[in.Name] {
			m.OverridableInputs = append(m.OverridableInputs, in)
		} else {
			m.Inputs = append(m.Inputs, in)
		}
	}
	for loc := range external {
		m.ExternalData = append(m.ExternalData, loc)
	}
	sort.Strings(m.ExternalData)
	return nil
}

// tensor decodes the header of a TensorProto: dims (1), data_type (2),
// name (8), external_data (13) and data_location (14). The data is skipped.
func (d *decoder) tensor(b []byte, base int) (Initializer, error) {
	var in Initializer
	err := d.fields(b, base, "tensor", func(f field) error {
		var err error
		switch f.num {
		case 1:
			in.Dims, err = d.ints(f, in.Dims, "tensor.dims")
		case 2:
			err = d.want(f, protowire.VarintType, "tensor.data_type")
			in.Elem = ElemType(int32(f.v))
		case 8:
			err = d.want(f, protowire.BytesType, "tensor.name")
			in.Name = string(f.b)
		case 13:
			if err = d.want(f, protowire.BytesType, "tensor.external_data"); err != nil {
				return err
			}
			var k, v string
			k, v, err = d.stringPair(f, "tensor.external_data")
			if k == "location" {
				in.Location = v
			}
		case 14:
			err = d.want(f, protowire.VarintType, "tensor.data_location")
			in.External = f.v == 1
		}
		return err
	})
	return in, err
}

func (d *decoder) valueInfo(b []byte, base int) (ValueInfo, error) {
	var vi ValueInfo
	vi.Type.Kind = "unknown"
	err := d.fields(b, base, "value_info", func(f field) error {
		switch f.num {
		case 1, 3:
			if err := d.want(f, protowire.BytesType, "value_info"); err != nil {
				return err
			}
			if f.num == 1 {
				vi.Name = string(f.b)
			} else {
				vi.Doc = string(f.b)
			}
		case 2:
			if err := d.want(f, protowire.BytesType, "value_info.type"); err != nil {
				return err
			}
			t, err := d.typeProto(f.b, f.off, 0)
			if err != nil {
				return err
			}
			vi.Type = t
		}
		return nil
	})
	return vi, err
}

// typeProto decodes a TypeProto: tensor_type (1), sequence_type (4),
// map_type (5), sparse_tensor_type (8), optional_type (9).
func (d *decoder) typeProto(b []byte, base, depth int) (Type, error) {
	t := Type{Kind: "unknown"}
	if depth > maxDepth {
		return t, d.fail(base, "type: nested too deeply", nil)
	}
	err := d.fields(b, base, "type", func(f field) error {
		if f.num != 1 && f.num != 4 && f.num != 5 && f.num != 8 && f.num != 9 {
			return nil
		}
		if err := d.want(f, protowire.BytesType, "type"); err != nil {
			return err
		}
		switch f.num {
		case 1, 8:
			t.Kind = "tensor"
			if f.num == 8 {
				t.Kind = "sparse_tensor"
			}
			return d.fields(f.b, f.off, "tensor_type", func(g field) error {
				switch g.num {
				case 1:
					if err := d.want(g, protowire.VarintType, "tensor_type.elem_type"); err != nil {
						return err
					}
					t.Elem = ElemType(int32(g.v))
				case 2:
					if err := d.want(g, protowire.BytesType, "tensor_type.shape"); err != nil {
						return err
					}
					t.HasShape = true
					return d.shape(g.b, g.off, &t)
				}
				return nil
			})
		case 4, 9:
			t.Kind = "sequence"
			if f.num == 9 {
				t.Kind = "optional"
			}
			return d.fields(f.b, f.off, t.Kind+"_type", func(g field) error {
				if g.num != 1 {
					return nil
				}
				if err := d.want(g, protowire.BytesType, t.Kind+"_type.elem_type"); err != nil {
					return err
				}
				et, err := d.typeProto(g.b, g.off, depth+1)
				t.Inner = &et
				return err
			})
		case 5:
			t.Kind = "map"
			return d.fields(f.b, f.off, "map_type", func(g field) error {
				switch g.num {
				case 1:
					if err := d.want(g, protowire.VarintType, "map_type.key_type"); err != nil {
						return err
					}
					t.KeyType = ElemType(int32(g.v))
				case 2:
					if err := d.want(g, protowire.BytesType, "map_type.value_type"); err != nil {
						return err
					}
					vt, err := d.typeProto(g.b, g.off, depth+1)
					t.ValueType = &vt
					return err
				}
				return nil
			})
		}
		return nil
	})
	return t, err
}

// shape decodes a TensorShapeProto: repeated dim (1) {dim_value 1, dim_param 2}.
func (d *decoder) shape(b []byte, base int, t *Type) error {
	return d.fields(b, base, "shape", func(f field) error {
		if f.num != 1 {
			return nil
		}
		if err := d.want(f, protowire.BytesType, "shape.dim"); err != nil {
			return err
		}
		dim := Dim{Value: -1}
		err := d.fields(f.b, f.off, "dim", func(g field) error {
			switch g.num {
			case 1:
				if err := d.want(g, protowire.VarintType, "dim.dim_value"); err != nil {
					return err
				}
				dim.Value = int64(g.v)
				if dim.Value < 0 {
					dim.Value = -1
				}
			case 2:
				if err := d.want(g, protowire.BytesType, "dim.dim_param"); err != nil {
					return err
				}
				dim.Param = string(g.b)
				dim.Value = -1
			}
			return nil
		})
		t.Shape = append(t.Shape, dim)
		return err
	})
}

func product(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		if d <= 0 {
			return 0
		}
		if n > math.MaxInt64/d {
			return math.MaxInt64
		}
		n *= d
	}
	return n
}

func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
