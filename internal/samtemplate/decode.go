package samtemplate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxDepth bounds the nesting of a document (and of the evaluation of
// nested intrinsic functions). Real templates nest a dozen levels.
const maxDepth = 200

type kind uint8

const (
	scalarNode kind = iota + 1 // a string, number or boolean, as text
	nullNode
	seqNode
	mapNode
)

// node is one value of a template, decoded from YAML or JSON with
// short-form tags already rewritten to their long form ({"Ref": x},
// {"Fn::Sub": x}, ...), mapping keys kept in document order.
type node struct {
	kind  kind
	text  string   // scalarNode: the value; booleans are "true"/"false"
	items []*node  // seqNode
	keys  []string // mapNode, in document order
	vals  []*node  // mapNode, vals[i] belongs to keys[i]
	line  int      // 1-based; 0 when unknown
}

// get returns the value of key in a mapping, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// intrinsic reports whether n is an intrinsic function call: a mapping
// with exactly one key, "Ref", "Condition" or "Fn::...".
func (n *node) intrinsic() (name string, arg *node, ok bool) {
	if n == nil || n.kind != mapNode || len(n.keys) != 1 {
		return "", nil, false
	}
	k := n.keys[0]
	if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
		return k, n.vals[0], true
	}
	return "", nil, false
}

// decode reads a template in JSON or YAML. A document that is valid JSON
// is read with encoding/json (YAML parsers differ from JSON on escapes
// such as "\/"); anything else with yaml.v3.
func decode(data []byte) (*node, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' && json.Valid(data) {
		return decodeJSON(data)
	}
	return decodeYAML(data)
}

// --- JSON ----------------------------------------------------------------

type jsonReader struct {
	dec   *json.Decoder
	data  []byte
	lines []int // byte offset of the start of each line
}

func decodeJSON(data []byte) (*node, error) {
	r := &jsonReader{dec: json.NewDecoder(bytes.NewReader(data)), data: data, lines: []int{0}}
	r.dec.UseNumber()
	for i, b := range data {
		if b == '\n' {
			r.lines = append(r.lines, i+1)
		}
	}
	n, err := r.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := r.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, problemf(ErrInvalid, 0, "JSON: data after the template")
	}
	return n, nil
}

// line is the line of the next token.
func (r *jsonReader) line() int {
	off := int(r.dec.InputOffset())
	for off < len(r.data) && strings.IndexByte(" \t\r\n,:", r.data[off]) >= 0 {
		off++
	}
	return sort.SearchInts(r.lines, off+1)
}

func (r *jsonReader) value(depth int) (*node, error) {
	line := r.line()
	if depth > maxDepth {
		return nil, problemf(ErrInvalid, line, "nested more than %d levels", maxDepth)
	}
	tok, err := r.dec.Token()
	if err != nil {
		return nil, problemf(ErrInvalid, line, "JSON: %v", err)
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			n := &node{kind: mapNode, line: line}
			seen := map[string]bool{}
			for r.dec.More() {
				kline := r.line()
				kt, err := r.dec.Token()
				if err != nil {
					return nil, problemf(ErrInvalid, kline, "JSON: %v", err)
				}
				k, _ := kt.(string)
				if seen[k] {
					return nil, problemf(ErrInvalid, kline, "duplicate key %q", k)
				}
				c, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				seen[k] = true
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, c)
			}
			_, err = r.dec.Token() // '}'
			return n, err
		case '[':
			n := &node{kind: seqNode, line: line}
			for r.dec.More() {
				c, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, c)
			}
			_, err = r.dec.Token() // ']'
			return n, err
		}
	case string:
		return &node{kind: scalarNode, text: v, line: line}, nil
	case json.Number:
		return &node{kind: scalarNode, text: v.String(), line: line}, nil
	case bool:
		return &node{kind: scalarNode, text: fmt.Sprint(v), line: line}, nil
	case nil:
		return &node{kind: nullNode, line: line}, nil
	}
	return nil, problemf(ErrInvalid, line, "JSON: unexpected token")
}

// --- YAML ----------------------------------------------------------------

func decodeYAML(data []byte) (n *node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, problemf(ErrInvalid, 0, "empty document")
		}
		return nil, problemf(ErrInvalid, 0, "YAML: %v", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, problemf(ErrInvalid, extra.Line, "a template is one YAML document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, problemf(ErrInvalid, doc.Line, "a template is one YAML document")
	}
	return fromYAML(doc.Content[0], 0)
}

// intrinsicTags maps the short-form tags CloudFormation defines to their
// long-form keys. Any other local tag is an error, never dropped.
var intrinsicTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!Equals": "Fn::Equals", "!FindInMap": "Fn::FindInMap",
	"!GetAtt": "Fn::GetAtt", "!GetAZs": "Fn::GetAZs", "!If": "Fn::If", "!ImportValue": "Fn::ImportValue",
	"!Join": "Fn::Join", "!Not": "Fn::Not", "!And": "Fn::And", "!Or": "Fn::Or", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!Sub": "Fn::Sub", "!Transform": "Fn::Transform",
	"!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length",
}

func fromYAML(y *yaml.Node, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, problemf(ErrInvalid, y.Line, "nested more than %d levels", maxDepth)
	}
	if y.Kind == yaml.AliasNode {
		return nil, problemf(ErrInvalid, y.Line, "YAML aliases are not supported by CloudFormation")
	}
	if strings.HasPrefix(y.Tag, "!") && !strings.HasPrefix(y.Tag, "!!") {
		return fromTagged(y, depth)
	}
	switch y.Kind {
	case yaml.MappingNode:
		if t := y.ShortTag(); t != "!!map" {
			return nil, problemf(ErrInvalid, y.Line, "unsupported tag %s", t)
		}
		n := &node{kind: mapNode, line: y.Line}
		seen := map[string]bool{}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i]
			if k.Kind != yaml.ScalarNode || (k.ShortTag() != "!!str" && k.ShortTag() != "!!int" &&
				k.ShortTag() != "!!float" && k.ShortTag() != "!!bool") {
				return nil, problemf(ErrInvalid, k.Line, "a mapping key must be a plain string (merge keys, aliases and tags are not supported)")
			}
			if seen[k.Value] {
				return nil, problemf(ErrInvalid, k.Line, "duplicate key %q", k.Value)
			}
			seen[k.Value] = true
			c, err := fromYAML(y.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.Value)
			n.vals = append(n.vals, c)
		}
		return n, nil
	case yaml.SequenceNode:
		if t := y.ShortTag(); t != "!!seq" {
			return nil, problemf(ErrInvalid, y.Line, "unsupported tag %s", t)
		}
		n := &node{kind: seqNode, line: y.Line}
		for _, c := range y.Content {
			v, err := fromYAML(c, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		return n, nil
	case yaml.ScalarNode:
		switch t := y.ShortTag(); t {
		case "!!null":
			return &node{kind: nullNode, line: y.Line}, nil
		case "!!bool":
			var b bool
			if err := y.Decode(&b); err != nil {
				return nil, problemf(ErrInvalid, y.Line, "YAML: %v", err)
			}
			return &node{kind: scalarNode, text: fmt.Sprint(b), line: y.Line}, nil
		case "!!str", "!!int", "!!float":
			return &node{kind: scalarNode, text: y.Value, line: y.Line}, nil
		default:
			return nil, problemf(ErrInvalid, y.Line, "unsupported tag %s", t)
		}
	}
	return nil, problemf(ErrInvalid, y.Line, "unexpected YAML node")
}

// fromTagged rewrites a short-form intrinsic (!Ref X) to its long form
// ({"Ref": X}). !GetAtt A.B.C becomes {"Fn::GetAtt": ["A", "B.C"]}, as
// CloudFormation splits it at the first dot.
func fromTagged(y *yaml.Node, depth int) (*node, error) {
	key, ok := intrinsicTags[y.Tag]
	if !ok {
		return nil, problemf(ErrInvalid, y.Line, "unknown tag %s", y.Tag)
	}
	plain := *y
	switch y.Kind {
	case yaml.ScalarNode:
		plain.Tag = "!!str"
	case yaml.SequenceNode:
		plain.Tag = "!!seq"
	case yaml.MappingNode:
		plain.Tag = "!!map"
	default:
		return nil, problemf(ErrInvalid, y.Line, "%s on an unsupported YAML node", y.Tag)
	}
	arg, err := fromYAML(&plain, depth+1)
	if err != nil {
		return nil, err
	}
	switch key {
	case "Ref", "Condition":
		if arg.kind != scalarNode {
			return nil, problemf(ErrInvalid, y.Line, "%s takes a name", y.Tag)
		}
	case "Fn::GetAtt":
		if arg.kind == scalarNode {
			res, attr, found := strings.Cut(arg.text, ".")
			if !found || res == "" || attr == "" {
				return nil, problemf(ErrInvalid, y.Line, "!GetAtt %q: want Resource.Attribute", arg.text)
			}
			arg = &node{kind: seqNode, line: arg.line, items: []*node{
				{kind: scalarNode, text: res, line: arg.line},
				{kind: scalarNode, text: attr, line: arg.line},
			}}
		}
	}
	return &node{kind: mapNode, line: y.Line, keys: []string{key}, vals: []*node{arg}}, nil
}
