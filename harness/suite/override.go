package suite

import (
	"errors"
	"fmt"
	"github.com/evalctl/evalctl/harness/dataset"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Overrides change a suite from the command line, without editing it:
// ${VAR} and ${VAR:-default} in its values are expanded from the
// environment, then --model and --set are applied to the parsed YAML, and
// only then is the suite checked and validated, so that an override gets
// the same errors as the file would, naming the flag instead of a line.
type Overrides struct {
	// Models are --model NAME=PATH arguments: the model NAME's path becomes
	// PATH, relative to the current directory (not the suite's folder).
	Models []string
	// Sets are --set key.path=value arguments. The key path is that of error
	// messages ("runtime.batch_size", "tasks[0].metrics"); a list element may
	// also be named by its name ("models.bert.path"). The value is YAML
	// ("64", "[accuracy, nll]", "{resamples: 200}"); missing mappings on the
	// way are created.
	Sets []string
	// LookupEnv finds ${VAR}'s value (nil: os.LookupEnv).
	LookupEnv func(string) (string, bool)
}

// overrideLine is the first synthetic line number given to the YAML nodes
// an override creates: line overrideLine+i belongs to override i, so that an
// error found on such a node can name the flag.
const overrideLine = 1 << 30

// LoadWith is Load with overrides applied before validation; the suite's
// Overrides record them (with the environment variables used) for the
// result's provenance.
func LoadWith(path string, o Overrides) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return ParseWith(data, path, o)
}

// flagName is how an override is named in errors and provenance.
func (o Overrides) flagName(i int) string {
	if i < len(o.Models) {
		return "--model " + o.Models[i]
	}
	return "--set " + o.Sets[i-len(o.Models)]
}

// apply expands the environment in doc and applies the overrides, returning
// the provenance lines and every problem found.
func (o Overrides) apply(doc *yaml.Node, file string) ([]string, []error) {
	lookup := o.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var prov []string
	var errs []error
	seen := map[string]bool{}
	expandTree(doc, "", func(n *yaml.Node, path string) {
		v, used, err := expandEnv(n.Value, lookup)
		if err != nil {
			errs = append(errs, &Error{File: file, Line: n.Line, Col: n.Column, Path: path, Err: fmt.Errorf("%w: %v", ErrInvalid, err)})
			return
		}
		if v == n.Value {
			return
		}
		for _, u := range used {
			if !seen[u] {
				seen[u] = true
				prov = append(prov, u)
			}
		}
		n.Value = v
		if n.Style == 0 {
			n.Tag = resolveTag(v)
		}
	})
	for i, m := range o.Models {
		name, p, ok := strings.Cut(m, "=")
		flag := o.flagName(i)
		if !ok || name == "" || p == "" {
			errs = append(errs, &Error{File: flag, Err: fmt.Errorf("%w: want --model NAME=PATH", ErrInvalid)})
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		v := scalar(p)
		setLines(v, overrideLine+i)
		if err := setPath(doc, []string{"models", name, "path"}, v, false); err != nil {
			errs = append(errs, &Error{File: flag, Err: err})
			continue
		}
		prov = append(prov, "--model "+name+"="+p)
	}
	for j, s := range o.Sets {
		i := len(o.Models) + j
		flag := o.flagName(i)
		key, val, ok := strings.Cut(s, "=")
		if !ok || key == "" {
			errs = append(errs, &Error{File: flag, Err: fmt.Errorf("%w: want --set key.path=value", ErrInvalid)})
			continue
		}
		var vd yaml.Node
		if err := yaml.Unmarshal([]byte(val), &vd); err != nil {
			errs = append(errs, &Error{File: flag, Err: fmt.Errorf("%w: value %q is not YAML: %v", ErrInvalid, val, err)})
			continue
		}
		v := scalar("")
		v.Tag = "!!null"
		if vd.Kind == yaml.DocumentNode && len(vd.Content) == 1 {
			v = vd.Content[0]
		}
		steps, err := splitKeyPath(key)
		if err == nil {
			setLines(v, overrideLine+i)
			err = setPath(doc, steps, v, true)
		}
		if err != nil {
			errs = append(errs, &Error{File: flag, Err: err})
			continue
		}
		prov = append(prov, flag)
	}
	return prov, errs
}

// attribute rewrites errors found on nodes an override created so that
// they name the flag instead of a line of the file.
func (o Overrides) attribute(errs []error) {
	for _, err := range errs {
		var e *Error
		if errors.As(err, &e) && e.Line >= overrideLine {
			if i := e.Line - overrideLine; i < len(o.Models)+len(o.Sets) {
				e.File = o.flagName(i)
			}
			e.Line, e.Col = 0, 0
		}
	}
}

// Attribute rewrites, in place, the *Error values inside err (one, or an
// errors.Join of them) that were found on values an override set, so that
// they name the --set or --model flag. Use it on errors found after Parse
// (gates, for instance); Parse's own errors are already attributed.
func (s *Suite) Attribute(err error) error {
	if err == nil {
		return nil
	}
	var list interface{ Unwrap() []error }
	if errors.As(err, &list) {
		s.overrides.attribute(list.Unwrap())
	} else {
		s.overrides.attribute([]error{err})
	}
	return err
}

func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

func setLines(n *yaml.Node, line int) {
	n.Line, n.Column = line, 1
	for _, c := range n.Content {
		setLines(c, line)
	}
}

// resolveTag returns the tag YAML gives the plain scalar v (!!int, !!bool, ...).
func resolveTag(v string) string {
	var d yaml.Node
	if yaml.Unmarshal([]byte(v), &d) == nil && d.Kind == yaml.DocumentNode && len(d.Content) == 1 &&
		d.Content[0].Kind == yaml.ScalarNode && d.Content[0].Value == v {
		return d.Content[0].Tag
	}
	return "!!str"
}

// expandTree calls fn on every scalar value (not mapping keys) under n.
func expandTree(n *yaml.Node, path string, fn func(*yaml.Node, string)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expandTree(c, path, fn)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			expandTree(n.Content[i+1], join(path, n.Content[i].Value), fn)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			expandTree(c, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case yaml.ScalarNode:
		fn(n, path)
	}
}

// expandEnv replaces ${VAR} and ${VAR:-default} in s; $${ stands for a
// literal ${. It returns the "${VAR}=value" of each variable used.
func expandEnv(s string, lookup func(string) (string, bool)) (string, []string, error) {
	if !strings.Contains(s, "${") {
		return s, nil, nil
	}
	var b strings.Builder
	var used []string
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", nil, fmt.Errorf("%q: ${ without a closing }", s)
		}
		expr := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if !validEnvName(name) {
			return "", nil, fmt.Errorf("${%s}: %q is not a variable name (letters, digits and _, not starting with a digit)", expr, name)
		}
		v, ok := lookup(name)
		switch {
		case ok && (v != "" || !hasDef):
			used = append(used, "${"+name+"}="+v)
		case hasDef:
			v = def
			used = append(used, "${"+name+"} unset: default "+def)
		default:
			return "", nil, fmt.Errorf("${%s}: environment variable %s is not set (give it a default with ${%s:-default})", name, name, name)
		}
		b.WriteString(v)
		i += end + 1
	}
	return b.String(), used, nil
}

func validEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// splitKeyPath splits "tasks[0].metrics" or "models.bert.path" into steps.
func splitKeyPath(key string) ([]string, error) {
	var steps []string
	for _, part := range strings.Split(key, ".") {
		name := part
		var idx []string
		if j := strings.IndexByte(part, '['); j >= 0 {
			name = part[:j]
			rest := part[j:]
			for rest != "" {
				k := strings.IndexByte(rest, ']')
				if rest[0] != '[' || k < 0 {
					return nil, fmt.Errorf("%w: key path %q: malformed index in %q", ErrInvalid, key, part)
				}
				idx = append(idx, rest[1:k])
				rest = rest[k+1:]
			}
		}
		if name == "" && (len(steps) == 0 || len(idx) == 0) {
			return nil, fmt.Errorf("%w: key path %q has an empty part", ErrInvalid, key)
		}
		if name != "" {
			steps = append(steps, name)
		}
		steps = append(steps, idx...)
	}
	return steps, nil
}

// setPath puts v at steps under doc. In a list a step is an index or the
// name of an element; in a mapping a key, created (with the mappings after
// it) when create is set.
func setPath(doc *yaml.Node, steps []string, v *yaml.Node, create bool) error {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	var at string
	for i, step := range steps {
		last := i == len(steps)-1
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" && create {
			// "bootstrap:" with nothing after it: an empty mapping to fill.
			n.Kind, n.Tag, n.Value = yaml.MappingNode, "!!map", ""
		}
		switch n.Kind {
		case yaml.MappingNode:
			var child *yaml.Node
			for k := 0; k+1 < len(n.Content); k += 2 {
				if n.Content[k].Value == step {
					if last {
						n.Content[k+1] = v
						return nil
					}
					child = n.Content[k+1]
				}
			}
			if child == nil {
				if !create {
					return fmt.Errorf("%w: %s has no key %q", ErrInvalid, orTop(at), step)
				}
				child = v
				if !last {
					child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: 1}
				}
				key := scalar(step)
				key.Line, key.Column = v.Line, 1
				n.Content = append(n.Content, key, child)
				if last {
					return nil
				}
			}
			n = child
		case yaml.SequenceNode:
			j, err := strconv.Atoi(step)
			if err != nil {
				j = -1
				var names []string
				for k, item := range n.Content {
					nm := itemName(item)
					names = append(names, nm)
					if nm == step {
						j = k
					}
				}
				if j < 0 {
					hint := ""
					if near := dataset.Nearest(step, names); near != "" {
						hint = fmt.Sprintf(" (did you mean %q?)", near)
					}
					return fmt.Errorf("%w: %s has no element named %q%s (names: %s)", ErrInvalid, orTop(at), step, hint, strings.Join(quoteAll(names), ", "))
				}
			} else if j < 0 || j >= len(n.Content) {
				return fmt.Errorf("%w: %s has %d elements; index %d is out of range", ErrInvalid, orTop(at), len(n.Content), j)
			}
			if last {
				n.Content[j] = v
				return nil
			}
			n = n.Content[j]
		default:
			return fmt.Errorf("%w: %s is %s, not a mapping or a list", ErrInvalid, orTop(at), describe(n))
		}
		if _, err := strconv.Atoi(step); err == nil && at != "" {
			at += "[" + step + "]"
		} else {
			at = join(at, step)
		}
	}
	return nil
}

func orTop(at string) string {
	if at == "" {
		return "the suite"
	}
	return at
}

// itemName is the "name" of a list element that is a mapping ("" if none).
func itemName(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		if n.Content[k].Value == "name" {
			return n.Content[k+1].Value
		}
	}
	return ""
}

// Replay returns the overrides a result recorded (Suite.Overrides, as
// result.Suite.Overrides keeps them), so that rescore and merge load the
// suite as the run did: the same --model and --set flags, and each ${VAR}
// as it was expanded then (unset where its default was used); a variable
// the record does not name is read from the environment.
func Replay(recorded []string) Overrides {
	var o Overrides
	vars := map[string]string{}
	unset := map[string]bool{}
	for _, r := range recorded {
		switch {
		case strings.HasPrefix(r, "--model "):
			o.Models = append(o.Models, strings.TrimPrefix(r, "--model "))
		case strings.HasPrefix(r, "--set "):
			o.Sets = append(o.Sets, strings.TrimPrefix(r, "--set "))
		case strings.HasPrefix(r, "${"):
			name, rest, ok := strings.Cut(r[2:], "}")
			if !ok {
				continue
			}
			if v, ok := strings.CutPrefix(rest, "="); ok {
				vars[name] = v
			} else {
				unset[name] = true
			}
		}
	}
	o.LookupEnv = func(k string) (string, bool) {
		if v, ok := vars[k]; ok {
			return v, true
		}
		if unset[k] {
			return "", false
		}
		return os.LookupEnv(k)
	}
	return o
}
