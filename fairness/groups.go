package fairness

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Attribute is one sensitive feature: a name and one group label per
// example (fairlearn's sensitive_features column).
type Attribute struct {
	Name   string
	Values []string
}

// AttributesFromMap turns a name → labels map into attributes ordered by
// name, so that results do not depend on map iteration order.
func AttributesFromMap(m map[string][]string) []Attribute {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]Attribute, len(names))
	for i, n := range names {
		out[i] = Attribute{Name: n, Values: m[n]}
	}
	return out
}

// grouping is one way of splitting the examples: a single attribute, or the
// intersection of several.
type grouping struct {
	name   string   // "sex" or "sex|age"
	keys   []string // group keys in report order ("sex=female", ...)
	groups [][]int  // example indices per key
}

// checkAttributes validates attrs and returns the number of examples.
func checkAttributes(attrs []Attribute) (int, error) {
	if len(attrs) == 0 {
		return 0, fmt.Errorf("fairness: no group attributes given")
	}
	n := len(attrs[0].Values)
	seen := map[string]bool{}
	for i, a := range attrs {
		if a.Name == "" {
			return 0, fmt.Errorf("fairness: attribute %d has no name", i)
		}
		if strings.ContainsAny(a.Name, "|=") {
			return 0, fmt.Errorf("fairness: attribute name %q must not contain '|' or '='", a.Name)
		}
		if seen[a.Name] {
			return 0, fmt.Errorf("fairness: attribute %q given twice", a.Name)
		}
		seen[a.Name] = true
		if len(a.Values) != n {
			return 0, fmt.Errorf("fairness: attribute %q has %d labels, attribute %q has %d", a.Name, len(a.Values), attrs[0].Name, n)
		}
	}
	return n, nil
}

// singleGrouping splits examples by one attribute; groups are sorted by label.
func singleGrouping(a Attribute) grouping {
	byLabel := map[string][]int{}
	for i, v := range a.Values {
		byLabel[v] = append(byLabel[v], i)
	}
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	g := grouping{name: a.Name}
	for _, l := range labels {
		g.keys = append(g.keys, a.Name+"="+l)
		g.groups = append(g.groups, byLabel[l])
	}
	return g
}

// intersectionGrouping splits examples by the Cartesian product of the
// attributes' labels, as fairlearn does with several sensitive features
// (it reindexes by the full product, so empty cells appear with n = 0).
func intersectionGrouping(attrs []Attribute) grouping {
	n := len(attrs[0].Values)
	levels := make([][]string, len(attrs))
	names := make([]string, len(attrs))
	for j, a := range attrs {
		names[j] = a.Name
		set := map[string]bool{}
		for _, v := range a.Values {
			set[v] = true
		}
		for v := range set {
			levels[j] = append(levels[j], v)
		}
		sort.Strings(levels[j])
	}
	byKey := map[string][]int{}
	for i := 0; i < n; i++ {
		key := cellKey(attrs, func(j int) string { return attrs[j].Values[i] })
		byKey[key] = append(byKey[key], i)
	}
	g := grouping{name: strings.Join(names, "|")}
	if n == 0 {
		return g
	}
	pos := make([]int, len(attrs))
	for {
		key := cellKey(attrs, func(j int) string { return levels[j][pos[j]] })
		g.keys = append(g.keys, key)
		g.groups = append(g.groups, byKey[key]) // nil for an empty cell
		j := len(attrs) - 1
		for j >= 0 {
			pos[j]++
			if pos[j] < len(levels[j]) {
				break
			}
			pos[j] = 0
			j--
		}
		if j < 0 {
			break
		}
	}
	return g
}

func cellKey(attrs []Attribute, label func(j int) string) string {
	parts := make([]string, len(attrs))
	for j, a := range attrs {
		parts[j] = a.Name + "=" + label(j)
	}
	return strings.Join(parts, "|")
}

// buildGroupings returns one grouping per attribute and, if intersect is set
// and there are at least two attributes, the intersection of all of them.
func buildGroupings(attrs []Attribute, intersect bool) []grouping {
	var out []grouping
	for _, a := range attrs {
		out = append(out, singleGrouping(a))
	}
	if intersect && len(attrs) > 1 {
		out = append(out, intersectionGrouping(slices.Clone(attrs)))
	}
	return out
}
