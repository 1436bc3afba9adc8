package samtemplate

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// maxValueLen bounds every string an expression builds (Fn::Join,
// Fn::Sub, Fn::Base64), so a hostile template cannot make the evaluator
// allocate without limit. A Lambda function's whole environment is at
// most 4 KB.
const maxValueLen = 64 << 10

type vkind uint8

const (
	vString  vkind = iota + 1
	vList          // a list; items may be unknown
	vMap           // a literal mapping, not evaluated (only Fn::If picks one)
	vNoValue       // Ref AWS::NoValue: the property is removed
	vUnknown       // known only to the deployed stack
)

// value is the result of evaluating an expression.
type value struct {
	kind vkind
	str  string  // vString
	list []value // vList
	m    *node   // vMap
	why  string  // vUnknown: what cannot be known locally
}

func str(s string) value {
	if strings.Contains(s, "{{resolve:") {
		return unknown("a dynamic reference ({{resolve:...}})")
	}
	return value{kind: vString, str: s}
}

func unknown(why string) value { return value{kind: vUnknown, why: why} }

type condState struct {
	done, busy, val bool
}

// evaluator evaluates expressions of one template with one set of
// parameter values. Not safe for concurrent use; each call of an
// exported method makes its own.
type evaluator struct {
	t     *Template
	given map[string]string
	conds map[string]condState
}

// supported lists the intrinsic functions eval understands, for the
// message that refuses the others.
const supported = "Ref, Fn::Sub, Fn::If, Fn::Join, Fn::Select, Fn::Split, Fn::Base64, Fn::FindInMap, Fn::GetAtt, Fn::GetAZs, Fn::ImportValue"

// eval evaluates an expression in a value position.
func (e *evaluator) eval(n *node, depth int) (value, error) {
	if depth > maxDepth {
		return value{}, problemf(ErrInvalid, n.line, "expressions nested more than %d levels", maxDepth)
	}
	switch n.kind {
	case scalarNode:
		return str(n.text), nil
	case nullNode:
		return value{}, problemf(ErrInvalid, n.line, "null value")
	case seqNode:
		out := value{kind: vList, list: []value{}}
		for _, it := range n.items {
			v, err := e.eval(it, depth+1)
			if err != nil {
				return value{}, err
			}
			if v.kind != vNoValue { // AWS::NoValue removes a list item
				out.list = append(out.list, v)
			}
		}
		return out, nil
	}
	name, arg, ok := n.intrinsic()
	if !ok {
		return value{kind: vMap, m: n}, nil
	}
	switch name {
	case "Ref":
		if arg.kind != scalarNode {
			return value{}, problemf(ErrInvalid, n.line, "Ref takes a name")
		}
		return e.ref(arg.text, n.line, depth)
	case "Fn::GetAtt":
		return e.getAtt(arg, n.line, depth)
	case "Fn::Sub":
		return e.sub(arg, n.line, depth)
	case "Fn::If":
		return e.fnIf(arg, n.line, depth)
	case "Fn::Join":
		return e.join(arg, n.line, depth)
	case "Fn::Select":
		return e.selectItem(arg, n.line, depth)
	case "Fn::Split":
		return e.split(arg, n.line, depth)
	case "Fn::Base64":
		v, err := e.evalString(arg, "Fn::Base64", depth)
		if err != nil || v.kind != vString {
			return v, err
		}
		if base64.StdEncoding.EncodedLen(len(v.str)) > maxValueLen {
			return value{}, problemf(ErrInvalid, n.line, "Fn::Base64: value longer than %d bytes", maxValueLen)
		}
		return str(base64.StdEncoding.EncodeToString([]byte(v.str))), nil
	case "Fn::FindInMap":
		return e.findInMap(arg, n.line, depth)
	case "Fn::GetAZs":
		return unknown("Fn::GetAZs (the Availability Zones of the deployed region)"), nil
	case "Fn::ImportValue":
		return unknown("Fn::ImportValue (another stack's export)"), nil
	case "Condition", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		return value{}, problemf(ErrInvalid, n.line, "%s is a condition function; a value chooses with Fn::If", name)
	}
	return value{}, problemf(ErrUnsupported, n.line, "intrinsic function %s is not evaluated locally (supported: %s)", name, supported)
}

// evalString evaluates n and wants a string (or an unknown value).
func (e *evaluator) evalString(n *node, what string, depth int) (value, error) {
	v, err := e.eval(n, depth+1)
	if err != nil {
		return value{}, err
	}
	if v.kind != vString && v.kind != vUnknown {
		return value{}, problemf(ErrInvalid, n.line, "%s: want a string, got %s", what, v.describe())
	}
	return v, nil
}

func (v value) describe() string {
	switch v.kind {
	case vString:
		return "a string"
	case vList:
		return "a list"
	case vMap:
		return "a mapping"
	case vNoValue:
		return "AWS::NoValue"
	}
	return "a value not known locally"
}

// ref evaluates Ref name: a parameter's value, a pseudo parameter, or a
// resource's physical id (unknown locally).
func (e *evaluator) ref(name string, line, depth int) (value, error) {
	if name == "AWS::NoValue" {
		return value{kind: vNoValue}, nil
	}
	if v, ok := pseudo[name]; ok {
		return str(v), nil
	}
	if strings.HasPrefix(name, "AWS::") {
		if name == "AWS::StackId" || name == "AWS::NotificationARNs" {
			return unknown("Ref " + name), nil
		}
		return value{}, problemf(ErrInvalid, line, "Ref %s: no such pseudo parameter", name)
	}
	if p := e.t.paramByID[name]; p != nil {
		return e.param(p, line)
	}
	if r := e.t.resources[name]; r != nil {
		if err := e.mustExist(r, line, depth); err != nil {
			return value{}, err
		}
		return unknown("Ref " + name + " (a deployed resource)"), nil
	}
	return value{}, problemf(ErrInvalid, line, "Ref %s: no parameter or resource of that name", name)
}

// param is the value of a parameter: the given value, else its Default.
func (e *evaluator) param(p *param, line int) (value, error) {
	v, ok := e.given[p.Name]
	if !ok {
		v, ok = p.Default, p.HasDefault
	}
	if !ok {
		return value{}, problemf(ErrParameter, line, "parameter %s is needed and has no Default; give it a value", p.Name)
	}
	if p.ssmValue {
		return unknown("parameter " + p.Name + " (the value stored in Systems Manager)"), nil
	}
	if p.list {
		out := value{kind: vList}
		for _, s := range strings.Split(v, ",") {
			out.list = append(out.list, str(s))
		}
		return out, nil
	}
	return str(v), nil
}

// mustExist: a reference to a resource whose Condition is false is an
// error in CloudFormation too.
func (e *evaluator) mustExist(r *resource, line, depth int) error {
	ok, err := e.created(r)
	if err != nil {
		return err
	}
	if !ok {
		return problemf(ErrInvalid, line, "refers to %s, which its Condition %s leaves out", r.id, r.condition)
	}
	return nil
}

// created reports whether the stack has the resource.
func (e *evaluator) created(r *resource) (bool, error) {
	if r.condition == "" {
		return true, nil
	}
	return e.condition(r.condition, r.line)
}

func (e *evaluator) getAtt(arg *node, line, depth int) (value, error) {
	var res, attr string
	switch {
	case arg.kind == scalarNode:
		var found bool
		res, attr, found = strings.Cut(arg.text, ".")
		if !found {
			return value{}, problemf(ErrInvalid, line, "Fn::GetAtt %q: want Resource.Attribute", arg.text)
		}
	case arg.kind == seqNode && len(arg.items) == 2 && arg.items[0].kind == scalarNode:
		res = arg.items[0].text
		if a := arg.items[1]; a.kind == scalarNode {
			attr = a.text
		} else {
			attr = "(computed)"
		}
	default:
		return value{}, problemf(ErrInvalid, line, "Fn::GetAtt takes [Resource, Attribute]")
	}
	r := e.t.resources[res]
	if r == nil {
		return value{}, problemf(ErrInvalid, line, "Fn::GetAtt %s.%s: no resource %s", res, attr, res)
	}
	if err := e.mustExist(r, line, depth); err != nil {
		return value{}, err
	}
	return unknown("Fn::GetAtt " + res + "." + attr + " (a deployed resource)"), nil
}

func (e *evaluator) fnIf(arg *node, line, depth int) (value, error) {
	if arg.kind != seqNode || len(arg.items) != 3 || arg.items[0].kind != scalarNode {
		return value{}, problemf(ErrInvalid, line, "Fn::If takes [ConditionName, ValueIfTrue, ValueIfFalse]")
	}
	ok, err := e.condition(arg.items[0].text, line)
	if err != nil {
		return value{}, err
	}
	if ok {
		return e.eval(arg.items[1], depth+1)
	}
	return e.eval(arg.items[2], depth+1)
}

func (e *evaluator) join(arg *node, line, depth int) (value, error) {
	if arg.kind != seqNode || len(arg.items) != 2 || arg.items[0].kind != scalarNode {
		return value{}, problemf(ErrInvalid, line, "Fn::Join takes [delimiter, [values...]]")
	}
	delim := arg.items[0].text
	l, err := e.eval(arg.items[1], depth+1)
	if err != nil {
		return value{}, err
	}
	switch l.kind {
	case vUnknown:
		return l, nil
	case vList:
	default:
		return value{}, problemf(ErrInvalid, line, "Fn::Join: want a list, got %s", l.describe())
	}
	parts := make([]string, len(l.list))
	size := 0
	for i, it := range l.list {
		switch it.kind {
		case vUnknown:
			return it, nil
		case vString:
			parts[i] = it.str
			size += len(it.str) + len(delim)
		default:
			return value{}, problemf(ErrInvalid, line, "Fn::Join: item %d is %s, want a string", i, it.describe())
		}
		if size > maxValueLen {
			return value{}, problemf(ErrInvalid, line, "Fn::Join: value longer than %d bytes", maxValueLen)
		}
	}
	return str(strings.Join(parts, delim)), nil
}

func (e *evaluator) selectItem(arg *node, line, depth int) (value, error) {
	if arg.kind != seqNode || len(arg.items) != 2 {
		return value{}, problemf(ErrInvalid, line, "Fn::Select takes [index, [values...]]")
	}
	iv, err := e.evalString(arg.items[0], "Fn::Select index", depth)
	if err != nil {
		return value{}, err
	}
	l, err := e.eval(arg.items[1], depth+1)
	if err != nil {
		return value{}, err
	}
	if iv.kind == vUnknown {
		return iv, nil
	}
	i, err := strconv.Atoi(iv.str)
	if err != nil || i < 0 {
		return value{}, problemf(ErrInvalid, line, "Fn::Select: index %q is not a non-negative integer", iv.str)
	}
	switch l.kind {
	case vUnknown:
		return l, nil
	case vList:
	default:
		return value{}, problemf(ErrInvalid, line, "Fn::Select: want a list, got %s", l.describe())
	}
	if i >= len(l.list) {
		return value{}, problemf(ErrInvalid, line, "Fn::Select: index %d out of range (%d items)", i, len(l.list))
	}
	return l.list[i], nil
}

func (e *evaluator) split(arg *node, line, depth int) (value, error) {
	if arg.kind != seqNode || len(arg.items) != 2 || arg.items[0].kind != scalarNode || arg.items[0].text == "" {
		return value{}, problemf(ErrInvalid, line, "Fn::Split takes [delimiter, string]")
	}
	v, err := e.evalString(arg.items[1], "Fn::Split", depth)
	if err != nil || v.kind == vUnknown {
		return v, err
	}
	out := value{kind: vList}
	for _, s := range strings.Split(v.str, arg.items[0].text) {
		out.list = append(out.list, str(s))
	}
	return out, nil
}

func (e *evaluator) findInMap(arg *node, line, depth int) (value, error) {
	if arg.kind != seqNode || len(arg.items) != 3 {
		return value{}, problemf(ErrInvalid, line, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
	}
	keys := make([]string, 3)
	for i, it := range arg.items {
		v, err := e.evalString(it, "Fn::FindInMap key", depth)
		if err != nil {
			return value{}, err
		}
		if v.kind == vUnknown {
			return v, nil
		}
		keys[i] = v.str
	}
	n := e.t.mappings.get(keys[0]).get(keys[1]).get(keys[2])
	if n == nil {
		return value{}, problemf(ErrInvalid, line, "Fn::FindInMap: Mappings has no %s.%s.%s", keys[0], keys[1], keys[2])
	}
	return e.eval(n, depth+1)
}

// --- conditions ------------------------------------------------------------

// condition evaluates a named condition once per evaluator; a condition
// that depends on itself is an error.
func (e *evaluator) condition(name string, line int) (bool, error) {
	st := e.conds[name]
	if st.done {
		return st.val, nil
	}
	if st.busy {
		return false, problemf(ErrInvalid, line, "condition %s depends on itself", name)
	}
	n := e.t.conditions.get(name)
	if n == nil {
		return false, problemf(ErrInvalid, line, "no condition %q", name)
	}
	e.conds[name] = condState{busy: true}
	v, err := e.condExpr(n, 0)
	if err != nil {
		delete(e.conds, name)
		return false, err
	}
	e.conds[name] = condState{done: true, val: v}
	return v, nil
}

func (e *evaluator) condExpr(n *node, depth int) (bool, error) {
	if depth > maxDepth {
		return false, problemf(ErrInvalid, n.line, "conditions nested more than %d levels", maxDepth)
	}
	name, arg, ok := n.intrinsic()
	if !ok {
		return false, problemf(ErrInvalid, n.line, "a condition is Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition")
	}
	switch name {
	case "Condition":
		if arg.kind != scalarNode {
			return false, problemf(ErrInvalid, n.line, "Condition takes a condition's name")
		}
		return e.condition(arg.text, n.line)
	case "Fn::Equals":
		if arg.kind != seqNode || len(arg.items) != 2 {
			return false, problemf(ErrInvalid, n.line, "Fn::Equals takes [value, value]")
		}
		var vs [2]value
		for i, it := range arg.items {
			v, err := e.eval(it, depth+1)
			if err != nil {
				return false, err
			}
			if err := v.comparable(); err != nil {
				return false, problemf(ErrUnsupported, it.line, "Fn::Equals: %v", err)
			}
			vs[i] = v
		}
		return vs[0].equal(vs[1]), nil
	case "Fn::Not":
		if arg.kind != seqNode || len(arg.items) != 1 {
			return false, problemf(ErrInvalid, n.line, "Fn::Not takes [condition]")
		}
		v, err := e.condExpr(arg.items[0], depth+1)
		return !v, err
	case "Fn::And", "Fn::Or":
		if arg.kind != seqNode || len(arg.items) < 2 || len(arg.items) > 10 {
			return false, problemf(ErrInvalid, n.line, "%s takes 2 to 10 conditions", name)
		}
		and := name == "Fn::And"
		result := and
		for _, it := range arg.items {
			v, err := e.condExpr(it, depth+1)
			if err != nil {
				return false, err
			}
			if and {
				result = result && v
			} else {
				result = result || v
			}
		}
		return result, nil
	}
	return false, problemf(ErrInvalid, n.line, "%s is not a condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition)", name)
}

// comparable: a condition can only compare values known locally; one
// that depends on a deployed value is refused, never guessed.
func (v value) comparable() error {
	switch v.kind {
	case vString:
		return nil
	case vList:
		for _, it := range v.list {
			if err := it.comparable(); err != nil {
				return err
			}
		}
		return nil
	case vUnknown:
		return &whyError{"depends on " + v.why + ", which is not known before a deploy"}
	}
	return &whyError{"cannot compare " + v.describe()}
}

func (v value) equal(w value) bool {
	if v.kind != w.kind {
		return false
	}
	if v.kind == vString {
		return v.str == w.str
	}
	return slices.EqualFunc(v.list, w.list, value.equal)
}

type whyError struct{ s string }

func (w *whyError) Error() string { return w.s }
