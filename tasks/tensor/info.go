package tensor

import "strings"

// ValueKind says what an ONNX graph input or output holds.
type ValueKind int

// The value kinds evalctl understands.
const (
	// KindTensor is a dense tensor.
	KindTensor ValueKind = iota
	// KindSequenceOfMaps is a sequence of maps from class key to probability,
	// as scikit-learn's ZipMap produces.
	KindSequenceOfMaps
	// KindOther is anything else (optional types, nested sequences, ...).
	KindOther
)

// String returns "tensor", "seq(map)" or "other".
func (k ValueKind) String() string {
	switch k {
	case KindTensor:
		return "tensor"
	case KindSequenceOfMaps:
		return "seq(map)"
	}
	return "other"
}

// Info describes one graph input or output as the model declares it.
//
// Shape has one entry per axis; a dynamic axis is -1 and its symbolic name,
// if the model gives one, is in DimParams at the same position ("" otherwise).
// For KindSequenceOfMaps, DType is the map's value type and MapKey its key type.
type Info struct {
	Name      string
	Kind      ValueKind
	DType     DType
	MapKey    DType
	Shape     []int64
	DimParams []string
}

// ShapeString renders the shape with symbolic names, e.g. "[batch, 1, 28, 28]".
func (i Info) ShapeString() string {
	parts := make([]string, len(i.Shape))
	for k, d := range i.Shape {
		switch {
		case d >= 0:
			parts[k] = itoa(d)
		case k < len(i.DimParams) && i.DimParams[k] != "":
			parts[k] = i.DimParams[k]
		default:
			parts[k] = "?"
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}
