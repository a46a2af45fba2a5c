// Package tensor holds the plain n-dimensional arrays that flow between
// evalctl's dataset encoders, the model runtime and the output decoders.
//
// A Tensor is a name, an element type, a shape and a flat row-major slice of
// the Go type matching the element type:
//
//	Float32 → []float32   Float64 → []float64   Float16 → []uint16 (IEEE 754 half bits)
//	Int64   → []int64     Int32   → []int32     Uint8   → []uint8
//	Bool    → []bool      String  → []string
//
// The package imports nothing of evalctl, so tasks and harness can both use it.
package tensor

import (
	"fmt"
	"math"
	"strings"
)

// DType is a tensor element type. Its text form is the ONNX name in lower case
// ("float32", "int64", ...).
type DType int

// The element types evalctl moves between Go and ONNX Runtime.
const (
	Invalid DType = iota
	Float32
	Float64
	Float16
	Int64
	Int32
	Uint8
	Bool
	String
)

var dtypeNames = [...]string{"invalid", "float32", "float64", "float16", "int64", "int32", "uint8", "bool", "string"}

// String returns the lower-case type name, e.g. "float32".
func (d DType) String() string {
	if d < 0 || int(d) >= len(dtypeNames) {
		return fmt.Sprintf("dtype(%d)", int(d))
	}
	return dtypeNames[d]
}

// MarshalText implements encoding.TextMarshaler.
func (d DType) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. It accepts the names
// returned by String plus the aliases "float", "double", "half", "long", "int".
func (d *DType) UnmarshalText(b []byte) error {
	p, err := ParseDType(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// ParseDType parses a type name as UnmarshalText does.
func ParseDType(s string) (DType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "float32", "float":
		return Float32, nil
	case "float64", "double":
		return Float64, nil
	case "float16", "half":
		return Float16, nil
	case "int64", "long":
		return Int64, nil
	case "int32", "int":
		return Int32, nil
	case "uint8":
		return Uint8, nil
	case "bool":
		return Bool, nil
	case "string":
		return String, nil
	}
	return Invalid, fmt.Errorf("unknown element type %q (known: %s)", s, strings.Join(dtypeNames[1:], ", "))
}

// Tensor is a named n-dimensional array. Data holds a slice whose Go type
// matches DType (see the package doc); its length is the product of Shape.
//
// Keys is set only for tensors decoded from a sequence of maps (scikit-learn's
// ZipMap output): Shape is [n, len(Keys)] and column j holds the value for
// class key Keys[j].
type Tensor struct {
	Name  string
	DType DType
	Shape []int64
	Data  any
	Keys  []string
}

// Len returns the product of the shape, the number of elements.
func (t Tensor) Len() int { return NumElements(t.Shape) }

// NumElements returns the product of shape (1 for a scalar shape).
func NumElements(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// New allocates a zeroed tensor of the given type and shape.
func New(name string, dt DType, shape []int64) Tensor {
	n := NumElements(shape)
	var data any
	switch dt {
	case Float32:
		data = make([]float32, n)
	case Float64:
		data = make([]float64, n)
	case Float16:
		data = make([]uint16, n)
	case Int64:
		data = make([]int64, n)
	case Int32:
		data = make([]int32, n)
	case Uint8:
		data = make([]uint8, n)
	case Bool:
		data = make([]bool, n)
	case String:
		data = make([]string, n)
	default:
		panic("tensor: New with invalid dtype")
	}
	return Tensor{Name: name, DType: dt, Shape: append([]int64(nil), shape...), Data: data}
}

// Check reports whether Data has the Go type DType calls for and the length
// Shape calls for.
func (t Tensor) Check() error {
	n, ok := dataLen(t.DType, t.Data)
	if !ok {
		return fmt.Errorf("tensor %q: dtype %s but data is %T", t.Name, t.DType, t.Data)
	}
	if want := t.Len(); n != want {
		return fmt.Errorf("tensor %q: shape %v needs %d elements, data has %d", t.Name, t.Shape, want, n)
	}
	return nil
}

func dataLen(dt DType, data any) (int, bool) {
	switch v := data.(type) {
	case []float32:
		return len(v), dt == Float32
	case []float64:
		return len(v), dt == Float64
	case []uint16:
		return len(v), dt == Float16
	case []int64:
		return len(v), dt == Int64
	case []int32:
		return len(v), dt == Int32
	case []uint8:
		return len(v), dt == Uint8
	case []bool:
		return len(v), dt == Bool
	case []string:
		return len(v), dt == String
	}
	return 0, false
}

// SetFloat stores v at flat index i, converting to the tensor's element type
// (rounding to nearest for integers, v != 0 for bool). It panics for String.
func (t Tensor) SetFloat(i int, v float64) {
	switch d := t.Data.(type) {
	case []float32:
		d[i] = float32(v)
	case []float64:
		d[i] = v
	case []uint16:
		d[i] = Float32ToHalf(float32(v))
	case []int64:
		d[i] = int64(math.Round(v))
	case []int32:
		d[i] = int32(math.Round(v))
	case []uint8:
		d[i] = uint8(math.Round(v))
	case []bool:
		d[i] = v != 0
	default:
		panic("tensor: SetFloat on " + t.DType.String())
	}
}

// Float returns element i as float64 (bool as 0 or 1). It panics for String.
func (t Tensor) Float(i int) float64 {
	switch d := t.Data.(type) {
	case []float32:
		return float64(d[i])
	case []float64:
		return d[i]
	case []uint16:
		return float64(HalfToFloat32(d[i]))
	case []int64:
		return float64(d[i])
	case []int32:
		return float64(d[i])
	case []uint8:
		return float64(d[i])
	case []bool:
		if d[i] {
			return 1
		}
		return 0
	}
	panic("tensor: Float on " + t.DType.String())
}

// Float64s returns all elements converted to float64 in a new slice.
func (t Tensor) Float64s() []float64 {
	if d, ok := t.Data.([]float64); ok {
		return append([]float64(nil), d...)
	}
	n := t.Len()
	out := make([]float64, n)
	if d, ok := t.Data.([]float32); ok {
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	}
	for i := range out {
		out[i] = t.Float(i)
	}
	return out
}

// Float32ToHalf converts f to IEEE 754 binary16 bits, rounding to nearest even.
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff == 0:
		return sign
	case b>>23&0xff == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp >= 0x1f:
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := uint16(mant >> shift)
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | half
	}
	half := sign | uint16(exp)<<10 | uint16(mant>>13)
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, which is the right result
	}
	return half
}

// HalfToFloat32 converts IEEE 754 binary16 bits to float32 exactly.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		for mant&0x400 == 0 {
			mant <<= 1
			exp--
		}
		exp++
		mant &= 0x3ff
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}
