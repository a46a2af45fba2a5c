package suite

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/evalctl/evalctl/harness/dataset"
)

type position struct{ line, col int }

// checker walks a YAML node tree against the Go types it will decode into,
// collecting every unknown key and wrongly typed value with its position,
// and recording the position of every key path for later validation.
type checker struct {
	file    string
	errs    []error
	pos     map[string]position
	dropped int // problems beyond MaxErrors
	steps   int // nodes visited, bounded by maxWalk
}

func (c *checker) add(n *yaml.Node, path string, err error) {
	if len(c.errs) >= MaxErrors {
		c.dropped++
		return
	}
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	c.errs = append(c.errs, &Error{File: c.file, Line: line, Col: col, Path: path, Err: err})
}

var (
	gateSpecType = reflect.TypeOf(GateSpec{})
	intListType  = reflect.TypeOf(IntList{})
	floatListTyp = reflect.TypeOf(FloatList{})
)

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk checks node n against type t. It reports whether n may be decoded.
func (c *checker) walk(n *yaml.Node, t reflect.Type, path string) bool {
	if c.steps++; c.steps > maxWalk {
		if c.steps == maxWalk+1 {
			c.errs = append(c.errs, &Error{File: c.file, Line: n.Line, Col: n.Column, Path: path,
				Err: fmt.Errorf("%w: more than %d values once aliases are expanded", ErrTooLarge, maxWalk)})
		}
		return false
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	c.pos[path] = position{n.Line, n.Column}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return true
	}
	if t == gateSpecType && n.Kind == yaml.ScalarNode {
		return true
	}
	if t == intListType && n.Kind == yaml.ScalarNode {
		// One integer stands for a list of one.
		t = reflect.TypeOf(0)
	}
	if t == floatListTyp && n.Kind == yaml.ScalarNode {
		// One number stands for a list of one.
		t = reflect.TypeOf(0.0)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.add(n, path, fmt.Errorf("%w: expected a mapping, found %s", ErrType, describe(n)))
			return false
		}
		fields := yamlFields(t)
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, k)
		}
		sort.Strings(names)
		ok := true
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kp := join(path, k.Value)
			if seen[k.Value] {
				c.add(k, kp, fmt.Errorf("%w: key %q given twice", ErrInvalid, k.Value))
				ok = false
				continue
			}
			seen[k.Value] = true
			f, found := fields[k.Value]
			if !found {
				msg := fmt.Sprintf("%q", k.Value)
				if near := dataset.Nearest(k.Value, names); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				} else {
					msg += " (" + known(names) + ")"
				}
				c.add(k, kp, fmt.Errorf("%w %s", ErrUnknownKey, msg))
				ok = false
				continue
			}
			c.pos[kp] = position{v.Line, v.Column}
			if !c.walk(v, f.Type, kp) {
				ok = false
			}
		}
		return ok
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.add(n, path, fmt.Errorf("%w: expected a list, found %s", ErrType, describe(n)))
			return false
		}
		ok := true
		for i, item := range n.Content {
			if !c.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)) {
				ok = false
			}
		}
		return ok
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.add(n, path, fmt.Errorf("%w: expected a mapping, found %s", ErrType, describe(n)))
			return false
		}
		ok := true
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !c.walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)) {
				ok = false
			}
		}
		return ok
	}
	if n.Kind != yaml.ScalarNode {
		c.add(n, path, fmt.Errorf("%w: expected %s, found %s", ErrType, scalarName(t), describe(n)))
		return false
	}
	var err error
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		_, err = strconv.ParseInt(n.Value, 0, 64)
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		_, err = strconv.ParseUint(n.Value, 0, 64)
	case reflect.Float64, reflect.Float32:
		if n.Tag != "!!int" && n.Tag != "!!float" {
			err = fmt.Errorf("not a number")
		}
	case reflect.Bool:
		if n.Tag != "!!bool" {
			err = fmt.Errorf("not a boolean")
		}
	case reflect.String:
		return true
	}
	if err != nil {
		c.add(n, path, fmt.Errorf("%w: expected %s, found %q", ErrType, scalarName(t), n.Value))
		return false
	}
	return true
}

func scalarName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		return "a non-negative integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	}
	return "a mapping"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "a YAML " + strings.ToLower(fmt.Sprint(n.Kind))
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		out[tag] = f
	}
	return out
}
