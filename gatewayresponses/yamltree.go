package gatewayresponses

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxSourceNodes bounds how many YAML nodes one document may expand to,
// aliases counted each time they are used, so that an alias bomb is an
// error instead of exhausting memory.
const maxSourceNodes = 1 << 20

// yamlTree reads a parsed YAML (or JSON) document: mappings with their keys in
// order, scalars with their tags, and values converted to what
// encoding/json would decode (for the parts render carries over).
type yamlTree struct {
	budget int // nodes left to visit
}

// yamlEntry is one key of a mapping.
type yamlEntry struct {
	key  string
	line int
	val  *yaml.Node
}

// deref follows an alias to the node it names.
func yamlDeref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// spend charges one node against the budget.
func (t *yamlTree) spend() error {
	t.budget--
	if t.budget < 0 {
		return fmt.Errorf("the document expands to more than %d nodes (aliases included)", maxSourceNodes)
	}
	return nil
}

// entries returns the keys of a mapping in document order. Merge keys
// ("<<: *defaults") add the keys of the merged mappings that the mapping
// does not set itself; a key given twice is an error (JSON decoders keep
// one of them silently, which would hide an annotation).
func (t *yamlTree) entries(n *yaml.Node) ([]yamlEntry, error) {
	n = yamlDeref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("want a mapping, got %s", yamlKind(n))
	}
	if err := t.spend(); err != nil {
		return nil, err
	}
	var own, merged []yamlEntry
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamlDeref(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a mapping key must be a plain value", n.Content[i].Line)
		}
		if k.Tag == "!!merge" {
			var srcs []*yaml.Node
			if dv := yamlDeref(v); dv != nil && dv.Kind == yaml.SequenceNode {
				srcs = dv.Content
			} else {
				srcs = []*yaml.Node{v}
			}
			for _, s := range srcs {
				es, err := t.entries(s)
				if err != nil {
					return nil, fmt.Errorf("line %d: merge key: %w", k.Line, err)
				}
				merged = append(merged, es...)
			}
			continue
		}
		if seen[k.Value] {
			return nil, fmt.Errorf("line %d: key %q is given twice", k.Line, k.Value)
		}
		seen[k.Value] = true
		own = append(own, yamlEntry{key: k.Value, line: k.Line, val: v})
	}
	for _, e := range merged {
		if !seen[e.key] {
			seen[e.key] = true
			own = append(own, e)
		}
	}
	return own, nil
}

func yamlKind(n *yaml.Node) string {
	n = yamlDeref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an empty document"
}

// str reads a plain string scalar.
func yamlString(n *yaml.Node) (string, bool) {
	n = yamlDeref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", false
	}
	return n.Value, true
}

// subStr reads a string that may hold CloudFormation ${Name} references:
// a plain string, a !Sub string or {"Fn::Sub": string}. All three render
// the same way (as Fn::Sub when they hold "${").
func (t *yamlTree) subStr(n *yaml.Node) (string, error) {
	n = yamlDeref(n)
	if n != nil && n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "!Sub") {
		return n.Value, nil
	}
	if n != nil && n.Kind == yaml.MappingNode {
		es, err := t.entries(n)
		if err == nil && len(es) == 1 && es[0].key == "Fn::Sub" {
			if s, ok := yamlString(es[0].val); ok {
				return s, nil
			}
		}
		return "", fmt.Errorf("want a string or {\"Fn::Sub\": string} (other intrinsic functions are not supported)")
	}
	if n != nil && n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return "", fmt.Errorf("tag %s is not supported (only !Sub)", n.Tag)
	}
	return "", fmt.Errorf("want a string, got %s", yamlKind(n))
}

// strMap reads a mapping of strings (each may be a !Sub or Fn::Sub).
func (t *yamlTree) strMap(n *yaml.Node) (map[string]string, error) {
	es, err := t.entries(n)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(es))
	for _, e := range es {
		s, err := t.subStr(e.val)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.key, err)
		}
		out[e.key] = s
	}
	return out, nil
}

// value converts a node to the value encoding/json would decode from the
// same document: map[string]any, []any, string, int64 or float64, bool,
// nil. A !Sub scalar becomes {"Fn::Sub": value}; timestamps and binary
// scalars stay the text they were written as.
func (t *yamlTree) value(n *yaml.Node) (any, error) {
	n = yamlDeref(n)
	if n == nil {
		return nil, nil
	}
	if err := t.spend(); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return t.value(n.Content[0])
	case yaml.SequenceNode:
		if n.Tag != "!!seq" {
			return nil, fmt.Errorf("line %d: tag %s is not supported", n.Line, n.Tag)
		}
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := t.value(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		if n.Tag != "!!map" {
			return nil, fmt.Errorf("line %d: tag %s is not supported", n.Line, n.Tag)
		}
		es, err := t.entries(n)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(es))
		for _, e := range es {
			v, err := t.value(e.val)
			if err != nil {
				return nil, err
			}
			out[e.key] = v
		}
		return out, nil
	case yaml.ScalarNode:
		return scalarValue(n)
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

func scalarValue(n *yaml.Node) (any, error) {
	switch n.Tag {
	case "!!str", "!!timestamp", "!!binary", "!":
		return n.Value, nil
	case "!Sub":
		return map[string]any{"Fn::Sub": n.Value}, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return b, nil
	case "!!int":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		switch i := v.(type) {
		case int:
			return int64(i), nil
		case int64:
			return i, nil
		case uint64:
			return float64(i), nil
		}
		return nil, fmt.Errorf("line %d: integer %s out of range", n.Line, n.Value)
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil {
			var v float64
			if derr := n.Decode(&v); derr != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, derr)
			}
			f = v
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("line %d: %s has no JSON form", n.Line, n.Value)
		}
		return f, nil
	}
	return nil, fmt.Errorf("line %d: tag %s is not supported (CloudFormation short forms other than !Sub cannot be rendered)", n.Line, n.Tag)
}

// cloneValue deep-copies a value made of maps, slices and scalars, so that
// rendering never changes a Source.
func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = cloneValue(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return cloneValue(m).(map[string]any)
}
