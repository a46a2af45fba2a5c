package robustness

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
)

// MaxSeverity is the highest severity level. Severities run from 1 (mild) to
// MaxSeverity (strong), as in ImageNet-C.
const MaxSeverity = 5

// Kind says which kind of input a perturbation applies to.
type Kind int

// Kinds of input.
const (
	// KindImage perturbations act on an Image (CHW float32, values in [0,1]).
	KindImage Kind = iota + 1
	// KindTabular perturbations act on one row of float64 features.
	KindTabular
	// KindText perturbations act on a UTF-8 string.
	KindText
)

var kindNames = map[Kind]string{KindImage: "image", KindTabular: "tabular", KindText: "text"}

// String returns "image", "tabular" or "text".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) {
	if _, ok := kindNames[k]; !ok {
		return nil, fmt.Errorf("robustness: unknown kind %d", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler. It accepts "image",
// "tabular" and "text".
func (k *Kind) UnmarshalText(b []byte) error {
	for kk, s := range kindNames {
		if string(b) == s {
			*k = kk
			return nil
		}
	}
	return fmt.Errorf("unknown perturbation kind %q (known: image, tabular, text)", b)
}

// Perturbation is what every perturbation has in common. A value returned by
// Lookup also implements exactly one of ImagePerturbation,
// TabularPerturbation or TextPerturbation, according to its Kind.
//
// Perturbations hold no mutable state: one value may be used from many
// goroutines at once, each with its own *rand.Rand.
type Perturbation interface {
	// Name is the registry name, e.g. "gaussian_noise".
	Name() string
	// Kind is the kind of input the perturbation applies to.
	Kind() Kind
	// Params describes the parameters used at a severity in 1..MaxSeverity,
	// e.g. "sigma=0.08", for provenance in results and reports. It returns
	// "" for a severity out of range.
	Params(severity int) string
}

// ImagePerturbation perturbs an Image.
type ImagePerturbation interface {
	Perturbation
	// Apply writes the perturbed src into dst. dst must have the same shape
	// as src; dst.Pix may be the same slice as src.Pix (in place) but must
	// not otherwise overlap it. rng supplies all randomness; use
	// ExampleRNG to make results independent of order and sharding.
	// Apply returns an error for an invalid image, a shape mismatch or a
	// severity outside 1..MaxSeverity, and then leaves dst unspecified.
	Apply(dst, src Image, severity int, rng *rand.Rand) error
}

// TextPerturbation perturbs a string.
type TextPerturbation interface {
	Perturbation
	// Apply returns the perturbed text. The result is always valid UTF-8:
	// invalid bytes in s become U+FFFD. Apply returns an error only for a
	// severity outside 1..MaxSeverity.
	Apply(s string, severity int, rng *rand.Rand) (string, error)
}

// TabularPerturbation perturbs one row of features.
type TabularPerturbation interface {
	Perturbation
	// Apply writes the perturbed src into dst (which may be src itself).
	// p supplies per-feature statistics and choices; each perturbation
	// documents which fields it needs. Apply returns an error when a needed
	// field is missing or has the wrong length, when len(dst) != len(src),
	// or for a severity outside 1..MaxSeverity.
	Apply(dst, src []float64, p TabularParams, severity int, rng *rand.Rand) error
}

var registry = map[string]Perturbation{}

func register(p Perturbation) {
	if _, dup := registry[p.Name()]; dup {
		panic("robustness: duplicate perturbation " + p.Name())
	}
	registry[p.Name()] = p
}

// Lookup returns the perturbation registered under name. Names are unique
// across kinds. An unknown name gives an error that lists the known names.
func Lookup(name string) (Perturbation, error) {
	if p, ok := registry[name]; ok {
		return p, nil
	}
	var b strings.Builder
	for _, k := range []Kind{KindImage, KindTabular, KindText} {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", k, strings.Join(Names(k), ", "))
	}
	return nil, fmt.Errorf("unknown perturbation %q (known %s)", name, b.String())
}

// LookupImage is Lookup restricted to image perturbations.
func LookupImage(name string) (ImagePerturbation, error) {
	p, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	ip, ok := p.(ImagePerturbation)
	if !ok {
		return nil, fmt.Errorf("perturbation %q has kind %s, not image (image: %s)", name, p.Kind(), strings.Join(Names(KindImage), ", "))
	}
	return ip, nil
}

// LookupText is Lookup restricted to text perturbations.
func LookupText(name string) (TextPerturbation, error) {
	p, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	tp, ok := p.(TextPerturbation)
	if !ok {
		return nil, fmt.Errorf("perturbation %q has kind %s, not text (text: %s)", name, p.Kind(), strings.Join(Names(KindText), ", "))
	}
	return tp, nil
}

// LookupTabular is Lookup restricted to tabular perturbations.
func LookupTabular(name string) (TabularPerturbation, error) {
	p, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	tp, ok := p.(TabularPerturbation)
	if !ok {
		return nil, fmt.Errorf("perturbation %q has kind %s, not tabular (tabular: %s)", name, p.Kind(), strings.Join(Names(KindTabular), ", "))
	}
	return tp, nil
}

// Names returns the sorted names of the registered perturbations of kind k.
func Names(k Kind) []string {
	var out []string
	for n, p := range registry {
		if p.Kind() == k {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// ExampleRNG returns the random source for one perturbed example. Its
// stream depends only on (seed, name, severity, index), so a perturbed
// example is the same whatever the order of evaluation, the sharding or the
// number of goroutines.
//
// The key is hashed as follows: FNV-1a (64 bit) over the 8-byte
// little-endian seed, the name bytes, a zero byte, and the 8-byte
// little-endian severity and index; the hash h seeds a PCG generator with
// (splitmix64(h), splitmix64(h ^ 0x9e3779b97f4a7c15)).
func ExampleRNG(seed uint64, name string, severity, index int) *rand.Rand {
	h := fnv.New64a()
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], seed)
	h.Write(buf[:])
	h.Write([]byte(name))
	h.Write([]byte{0})
	binary.LittleEndian.PutUint64(buf[:], uint64(int64(severity)))
	h.Write(buf[:])
	binary.LittleEndian.PutUint64(buf[:], uint64(int64(index)))
	h.Write(buf[:])
	k := h.Sum64()
	return rand.New(rand.NewPCG(splitmix64(k), splitmix64(k^0x9e3779b97f4a7c15)))
}

// splitmix64 is the finaliser of Steele, Lea & Flood's SplitMix64.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func checkSeverity(name string, severity int) error {
	if severity < 1 || severity > MaxSeverity {
		return fmt.Errorf("%s: severity %d out of range 1..%d", name, severity, MaxSeverity)
	}
	return nil
}

// base carries the name and parameter description common to all
// perturbations.
type base struct {
	name   string
	kind   Kind
	params [MaxSeverity]string
}

func (b *base) Name() string { return b.name }
func (b *base) Kind() Kind   { return b.kind }
func (b *base) Params(severity int) string {
	if severity < 1 || severity > MaxSeverity {
		return ""
	}
	return b.params[severity-1]
}

// paramStrings formats one parameter list per severity.
func paramStrings(format string, vals ...[MaxSeverity]float64) [MaxSeverity]string {
	var out [MaxSeverity]string
	for s := range MaxSeverity {
		args := make([]any, len(vals))
		for i, v := range vals {
			args[i] = v[s]
		}
		out[s] = fmt.Sprintf(format, args...)
	}
	return out
}
