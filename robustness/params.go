package robustness

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// ParamTable names a table of image-corruption parameters per severity.
// Hendrycks & Dietterich (2019) published two: one tuned for 32×32 CIFAR
// images (make_cifar_c.py) and one for 224×224 ImageNet crops
// (make_imagenet_c.py), where the same severity is much stronger (CIFAR's
// gaussian_noise severity 3, σ = 0.08, is ImageNet-C's severity 1).
type ParamTable string

// The parameter tables. Text and tabular perturbations have one table and
// ignore the choice; rotate and translate (not in the benchmark) have the
// same parameters in both.
const (
	// CIFAR10C is make_cifar_c.py's table, the default.
	CIFAR10C ParamTable = "cifar10_c"
	// ImageNetC is make_imagenet_c.py's table.
	ImageNetC ParamTable = "imagenet_c"
)

// DefaultParamTable is the table used when a suite names none.
const DefaultParamTable = CIFAR10C

// ParamTables returns the known tables, default first.
func ParamTables() []ParamTable { return []ParamTable{CIFAR10C, ImageNetC} }

// ParseParamTable maps a suite value to a table; "" is the default.
func ParseParamTable(s string) (ParamTable, error) {
	if s == "" {
		return DefaultParamTable, nil
	}
	for _, t := range ParamTables() {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown parameter table %q (known: cifar10_c, imagenet_c)", s)
}

// randSource is the randomness an image corruption draws from; a
// *rand.Rand is one. Tests replay recorded draws through it.
type randSource interface {
	Float64() float64
	NormFloat64() float64
	IntN(n int) int
}

var _ randSource = (*rand.Rand)(nil)

// sevParams is one severity's parameter tuple, in the order of the
// reference's c, and what is derived from it once (a kernel), if anything.
type sevParams struct {
	c   []float64
	aux any
}

// paramSet is one table's parameters of one perturbation.
type paramSet struct {
	text [MaxSeverity]string
	sev  [MaxSeverity]sevParams
}

// newParams builds a paramSet from one tuple per severity; format renders
// a tuple for Params (fmt verbs, one per element), and prep, if not nil,
// derives aux from a tuple.
func newParams(format string, prep func(c []float64) any, rows [MaxSeverity][]float64) *paramSet {
	ps := &paramSet{}
	for s, c := range rows {
		args := make([]any, len(c))
		for i, v := range c {
			args[i] = v
		}
		ps.text[s] = fmt.Sprintf(format, args...)
		ps.sev[s].c = c
		if prep != nil {
			ps.sev[s].aux = prep(c)
		}
	}
	return ps
}

// col turns per-severity values of one parameter into one-element tuples.
func col(v [MaxSeverity]float64) (out [MaxSeverity][]float64) {
	for s := range v {
		out[s] = []float64{v[s]}
	}
	return out
}

// cols zips per-severity values of several parameters into tuples.
func cols(vs ...[MaxSeverity]float64) (out [MaxSeverity][]float64) {
	for s := range MaxSeverity {
		for _, v := range vs {
			out[s] = append(out[s], v[s])
		}
	}
	return out
}

// registerImage registers an image perturbation with its CIFAR-10-C and
// ImageNet-C parameters (the same set for both where the benchmark has
// only one).
func registerImage(name string, pointwise bool, fn imageFunc, cifar, imagenet *paramSet) {
	p := &imagePert{name: name, pointwise: pointwise, fn: fn,
		sets: map[ParamTable]*paramSet{CIFAR10C: cifar, ImageNetC: imagenet}}
	register(p)
}

// LookupImageIn is LookupImage with the parameters of table t: the value
// it returns applies, and its Params describes, t's parameters.
func LookupImageIn(t ParamTable, name string) (ImagePerturbation, error) {
	p, err := LookupImage(name)
	if err != nil {
		return nil, err
	}
	ip := p.(*imagePert)
	if _, ok := ip.sets[t]; !ok {
		return nil, fmt.Errorf("perturbation %q: unknown parameter table %q (known: %s)", name, t, tableNames())
	}
	return &imageTableView{imagePert: ip, table: t}, nil
}

// ParamsIn describes the parameters of perturbation name at a severity in
// table t, as Params does for the default table; "" if name is not an
// image perturbation, t is unknown or the severity out of range. Text and
// tabular perturbations have one table: ParamsIn returns their Params.
func ParamsIn(t ParamTable, name string, severity int) string {
	p, ok := registry[name]
	if !ok {
		return ""
	}
	ip, ok := p.(*imagePert)
	if !ok {
		return p.Params(severity)
	}
	ps := ip.sets[t]
	if ps == nil || severity < 1 || severity > MaxSeverity {
		return ""
	}
	return ps.text[severity-1]
}

func tableNames() string {
	var s []string
	for _, t := range ParamTables() {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

// imageTableView is an image perturbation bound to one parameter table.
type imageTableView struct {
	*imagePert
	table ParamTable
}

func (v *imageTableView) Params(severity int) string { return ParamsIn(v.table, v.name, severity) }

func (v *imageTableView) Apply(dst, src Image, severity int, rng *rand.Rand) error {
	return v.apply(dst, src, severity, rng, v.sets[v.table])
}
