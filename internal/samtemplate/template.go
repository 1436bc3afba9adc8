package samtemplate

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The resource types this package reads.
const (
	TypeFunction       = "AWS::Serverless::Function"
	TypeLambdaFunction = "AWS::Lambda::Function"
	TypeAPI            = "AWS::Serverless::Api"
	TypeHTTPAPI        = "AWS::Serverless::HttpApi"
)

// Template is a parsed template. It is immutable: every method may be
// called concurrently.
type Template struct {
	params     []*param
	paramByID  map[string]*param
	conditions *node // Conditions: name -> condition expression
	mappings   *node // Mappings
	resources  map[string]*resource
	globals    *node // Globals
}

type resource struct {
	id        string
	typ       string
	condition string // "" when unconditional
	props     *node  // Properties, nil when absent
	line      int
	// ignoreGlobals is SAM's IgnoreGlobals attribute: the Globals
	// properties the resource does not inherit ("*" for all of them).
	ignoreGlobals map[string]bool
}

// ignoresGlobal reports whether r opts out of the Globals property prop.
func (r *resource) ignoresGlobal(prop string) bool {
	return r.ignoreGlobals["*"] || r.ignoreGlobals[prop]
}

// Parameter is one entry of the template's Parameters section, as
// written (Default is the Default's text; HasDefault tells an empty
// Default from none).
type Parameter struct {
	Name           string
	Type           string
	Default        string
	HasDefault     bool
	AllowedValues  []string
	AllowedPattern string
	Description    string
}

type param struct {
	Parameter
	noEcho               bool
	pattern              *regexp.Regexp // AllowedPattern, anchored; nil when none
	minLength, maxLength int            // -1 when absent
	minValue, maxValue   *float64
	list                 bool // CommaDelimitedList and List<...>: Ref gives a list
	number               bool // Number and List<Number>
	ssmValue             bool // AWS::SSM::Parameter::Value<...>: Ref gives the stored value
}

var (
	logicalID = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	topLevel  = map[string]bool{"AWSTemplateFormatVersion": true, "Description": true, "Metadata": true,
		"Parameters": true, "Rules": true, "Mappings": true, "Conditions": true, "Transform": true,
		"Globals": true, "Resources": true, "Outputs": true}
	paramKeys = map[string]bool{"Type": true, "Default": true, "AllowedValues": true, "AllowedPattern": true,
		"Description": true, "NoEcho": true, "MinLength": true, "MaxLength": true, "MinValue": true,
		"MaxValue": true, "ConstraintDescription": true}
	resourceKeys = map[string]bool{"Type": true, "Properties": true, "Condition": true, "DependsOn": true,
		"DeletionPolicy": true, "UpdateReplacePolicy": true, "UpdatePolicy": true, "CreationPolicy": true,
		"Metadata": true, "IgnoreGlobals": true}
)

// Parse reads a template in YAML (short-form tags such as !Ref, !Sub,
// !GetAtt and the long forms) or JSON, and checks its structure: the
// sections, every parameter's declaration, every resource's Type and
// Condition. All problems are reported together, each wrapping
// ErrInvalid (or ErrUnsupported for an AllowedPattern Go cannot
// compile).
func Parse(data []byte) (*Template, error) {
	root, err := decode(data)
	if err != nil {
		return nil, joinProblems([]error{err})
	}
	var problems []error
	bad := func(sentinel error, line int, format string, args ...any) {
		problems = append(problems, problemf(sentinel, line, format, args...))
	}
	if root.kind != mapNode {
		bad(ErrInvalid, root.line, "a template is a mapping")
		return nil, joinProblems(problems)
	}
	t := &Template{paramByID: map[string]*param{}, resources: map[string]*resource{}}
	for i, k := range root.keys {
		if !topLevel[k] {
			bad(ErrInvalid, root.vals[i].line, "unknown top-level section %q", k)
		}
	}
	section := func(name string) *node {
		n := root.get(name)
		if n != nil && n.kind != mapNode {
			bad(ErrInvalid, n.line, "%s must be a mapping", name)
			return nil
		}
		return n
	}
	t.conditions = section("Conditions")
	t.mappings = section("Mappings")
	t.globals = section("Globals")
	params := section("Parameters")
	resources := root.get("Resources")
	if resources == nil || resources.kind != mapNode || len(resources.keys) == 0 {
		bad(ErrInvalid, root.line, "Resources must be a mapping with at least one resource")
		resources = nil
	}

	if params != nil {
		for i, name := range params.keys {
			p, errs := parseParam(name, params.vals[i])
			problems = append(problems, errs...)
			if p != nil {
				t.params = append(t.params, p)
				t.paramByID[name] = p
			}
		}
	}
	if t.conditions != nil {
		for i, name := range t.conditions.keys {
			c := t.conditions.vals[i]
			if !logicalID.MatchString(name) {
				bad(ErrInvalid, c.line, "condition name %q must be alphanumeric", name)
			}
			if _, _, ok := c.intrinsic(); !ok {
				bad(ErrInvalid, c.line, "condition %s must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition", name)
			}
		}
	}
	if t.mappings != nil {
		for i, name := range t.mappings.keys {
			m := t.mappings.vals[i]
			if m.kind != mapNode {
				bad(ErrInvalid, m.line, "mapping %s must be a mapping of mappings", name)
				continue
			}
			for j, k := range m.keys {
				if m.vals[j].kind != mapNode {
					bad(ErrInvalid, m.vals[j].line, "mapping %s.%s must be a mapping", name, k)
				}
			}
		}
	}
	if t.globals != nil {
		for i, name := range t.globals.keys {
			g := t.globals.vals[i]
			if g.kind != mapNode {
				bad(ErrInvalid, g.line, "Globals.%s must be a mapping", name)
				continue
			}
			if c := g.get("Condition"); c != nil {
				bad(ErrInvalid, c.line, "Globals.%s: SAM Globals have no Condition; use Fn::If in a value", name)
			}
		}
	}
	if resources != nil {
		for i, id := range resources.keys {
			r := resources.vals[i]
			res, errs := t.parseResource(id, r)
			problems = append(problems, errs...)
			if res != nil {
				t.resources[id] = res
			}
		}
	}
	if len(problems) > 0 {
		return nil, joinProblems(problems)
	}
	return t, nil
}

func (t *Template) parseResource(id string, r *node) (*resource, []error) {
	var problems []error
	bad := func(line int, format string, args ...any) {
		problems = append(problems, problemf(ErrInvalid, line, "resource %s: "+format, append([]any{id}, args...)...))
	}
	if !logicalID.MatchString(id) {
		bad(r.line, "a logical id must be alphanumeric")
		return nil, problems
	}
	if t.paramByID[id] != nil {
		bad(r.line, "a parameter has the same name")
	}
	if r.kind != mapNode {
		bad(r.line, "must be a mapping")
		return nil, problems
	}
	res := &resource{id: id, line: r.line}
	for i, k := range r.keys {
		if !resourceKeys[k] {
			bad(r.vals[i].line, "unknown resource attribute %q", k)
		}
	}
	if typ := r.get("Type"); typ == nil || typ.kind != scalarNode || typ.text == "" {
		bad(r.line, "Type is required")
	} else {
		res.typ = typ.text
	}
	if c := r.get("Condition"); c != nil {
		if c.kind != scalarNode {
			bad(c.line, "Condition must be a condition's name")
		} else if t.conditions.get(c.text) == nil {
			bad(c.line, "Condition %q is not in Conditions", c.text)
		} else {
			res.condition = c.text
		}
	}
	if p := r.get("Properties"); p != nil {
		if p.kind != mapNode {
			bad(p.line, "Properties must be a mapping")
		} else {
			res.props = p
		}
	}
	if ig := r.get("IgnoreGlobals"); ig != nil {
		// SAM: "*" (every Globals property) or a list of property names.
		res.ignoreGlobals = map[string]bool{}
		switch {
		case ig.kind == scalarNode && ig.text == "*":
			res.ignoreGlobals["*"] = true
		case ig.kind == seqNode:
			for _, item := range ig.items {
				if item.kind != scalarNode || item.text == "" || item.text == "*" {
					bad(item.line, "IgnoreGlobals items must be property names")
					continue
				}
				res.ignoreGlobals[item.text] = true
			}
		default:
			bad(ig.line, "IgnoreGlobals must be \"*\" or a list of property names")
		}
	}
	return res, problems
}

func parseParam(name string, n *node) (*param, []error) {
	var problems []error
	bad := func(sentinel error, line int, format string, args ...any) {
		problems = append(problems, problemf(sentinel, line, "parameter %s: "+format, append([]any{name}, args...)...))
	}
	if !logicalID.MatchString(name) {
		bad(ErrInvalid, n.line, "a parameter name must be alphanumeric")
		return nil, problems
	}
	if n.kind != mapNode {
		bad(ErrInvalid, n.line, "must be a mapping")
		return nil, problems
	}
	p := &param{Parameter: Parameter{Name: name}, minLength: -1, maxLength: -1}
	for i, k := range n.keys {
		if !paramKeys[k] {
			bad(ErrInvalid, n.vals[i].line, "unknown property %q", k)
		}
	}
	text := func(key string) (string, bool) {
		v := n.get(key)
		if v == nil {
			return "", false
		}
		if v.kind != scalarNode {
			bad(ErrInvalid, v.line, "%s must be a string", key)
			return "", false
		}
		return v.text, true
	}
	typ, ok := text("Type")
	switch {
	case !ok:
		bad(ErrInvalid, n.line, "Type is required")
	case typ == "String" || strings.HasPrefix(typ, "AWS::SSM::Parameter::Name"):
	case typ == "Number":
		p.number = true
	case typ == "List<Number>":
		p.number, p.list = true, true
	case typ == "CommaDelimitedList":
		p.list = true
	case strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<") && strings.HasSuffix(typ, ">"):
		p.ssmValue = true
	case strings.HasPrefix(typ, "List<AWS::") && strings.HasSuffix(typ, ">"):
		p.list = true
	case strings.HasPrefix(typ, "AWS::"):
	default:
		bad(ErrInvalid, n.line, "unknown Type %q", typ)
	}
	p.Type = typ
	p.Default, p.HasDefault = text("Default")
	p.Description, _ = text("Description")
	if v, ok := text("NoEcho"); ok {
		p.noEcho = strings.EqualFold(v, "true")
	}
	if av := n.get("AllowedValues"); av != nil {
		if av.kind != seqNode || len(av.items) == 0 {
			bad(ErrInvalid, av.line, "AllowedValues must be a non-empty list")
		} else {
			for _, it := range av.items {
				if it.kind != scalarNode {
					bad(ErrInvalid, it.line, "AllowedValues must be strings")
					continue
				}
				p.AllowedValues = append(p.AllowedValues, it.text)
			}
		}
	}
	if pat, ok := text("AllowedPattern"); ok {
		p.AllowedPattern = pat
		// CloudFormation matches the whole value (Java regex syntax);
		// Go's RE2 covers the common subset and refuses the rest.
		re, err := regexp.Compile(`^(?:` + pat + `)$`)
		if err != nil {
			bad(ErrUnsupported, n.get("AllowedPattern").line, "AllowedPattern cannot be checked with Go's regexp: %v", err)
		} else {
			p.pattern = re
		}
	}
	for _, k := range []string{"MinLength", "MaxLength"} {
		if v, ok := text(k); ok {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 {
				bad(ErrInvalid, n.get(k).line, "%s must be a non-negative integer", k)
				continue
			}
			if k == "MinLength" {
				p.minLength = i
			} else {
				p.maxLength = i
			}
		}
	}
	for _, k := range []string{"MinValue", "MaxValue"} {
		if v, ok := text(k); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				bad(ErrInvalid, n.get(k).line, "%s must be a number", k)
				continue
			}
			if k == "MinValue" {
				p.minValue = &f
			} else {
				p.maxValue = &f
			}
		}
	}
	return p, problems
}

// Parameters returns the template's parameters in document order.
func (t *Template) Parameters() []Parameter {
	out := make([]Parameter, len(t.params))
	for i, p := range t.params {
		out[i] = p.Parameter
		out[i].AllowedValues = append([]string(nil), p.AllowedValues...)
	}
	return out
}

// isFunction reports whether the resource is a Lambda function.
func (r *resource) isFunction() bool { return r.typ == TypeFunction || r.typ == TypeLambdaFunction }

// Functions returns the logical ids of the template's functions
// (AWS::Serverless::Function and AWS::Lambda::Function), sorted, leaving
// out those whose Condition is false with every parameter at its
// Default. A Condition that cannot be decided from the defaults (a
// parameter without one) keeps the function in the list. For the
// functions of a stack deployed with given parameter values, use
// FunctionsFor.
func (t *Template) Functions() []string {
	ids, _ := t.functions(nil, true)
	return ids
}

// FunctionsFor returns the logical ids of the functions the stack has
// with these parameter values, sorted: those whose Condition is false are
// left out. A Condition that cannot be evaluated is an error.
func (t *Template) FunctionsFor(params map[string]string) ([]string, error) {
	e, problems := t.newEvaluator(params)
	if len(problems) > 0 {
		return nil, joinProblems(problems)
	}
	return t.functionsWith(e, false)
}

func (t *Template) functions(params map[string]string, lenient bool) ([]string, error) {
	e, _ := t.newEvaluator(params)
	return t.functionsWith(e, lenient)
}

func (t *Template) functionsWith(e *evaluator, lenient bool) ([]string, error) {
	var ids []string
	var problems []error
	for _, id := range t.sortedResources() {
		r := t.resources[id]
		if !r.isFunction() {
			continue
		}
		created, err := e.created(r)
		if err != nil {
			if !lenient {
				problems = append(problems, err)
				continue
			}
			created = true
		}
		if created {
			ids = append(ids, id)
		}
	}
	return ids, joinProblems(problems)
}

func (t *Template) sortedResources() []string {
	ids := make([]string, 0, len(t.resources))
	for id := range t.resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Condition evaluates the template's condition name with these parameter
// values (defaults for the rest).
func (t *Template) Condition(name string, params map[string]string) (bool, error) {
	e, problems := t.newEvaluator(params)
	if len(problems) > 0 {
		return false, joinProblems(problems)
	}
	if t.conditions.get(name) == nil {
		return false, joinProblems([]error{problemf(ErrInvalid, 0, "no condition %q", name)})
	}
	b, err := e.condition(name, 0)
	if err != nil {
		return false, joinProblems([]error{err})
	}
	return b, nil
}
