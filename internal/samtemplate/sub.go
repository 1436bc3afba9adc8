package samtemplate

import "strings"

// sub evaluates Fn::Sub, in its string form ("text ${Name}") and its
// list form (["text ${Var}", {Var: value}]). ${Name} is a variable of the
// list form, a parameter, a pseudo parameter, or a resource (unknown
// locally); ${Resource.Attribute} is an Fn::GetAtt (unknown locally);
// ${!Literal} is the text ${Literal}. An unknown part makes the whole
// value unknown, but the rest is still checked for errors.
func (e *evaluator) sub(arg *node, line, depth int) (value, error) {
	var text *node
	vars := map[string]value{}
	switch {
	case arg.kind == scalarNode:
		text = arg
	case arg.kind == seqNode && len(arg.items) == 2 && arg.items[0].kind == scalarNode && arg.items[1].kind == mapNode:
		text = arg.items[0]
		m := arg.items[1]
		for i, k := range m.keys {
			v, err := e.evalString(m.vals[i], "Fn::Sub variable "+k, depth)
			if err != nil {
				return value{}, err
			}
			vars[k] = v
		}
	default:
		return value{}, problemf(ErrInvalid, line, "Fn::Sub takes a string or [string, {variables}]")
	}
	s := text.text
	var b strings.Builder
	var unknownPart *value
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return value{}, problemf(ErrInvalid, line, "Fn::Sub: ${ without a closing }")
		}
		name := s[i+2 : i+j]
		s = s[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		v, err := e.subVar(name, vars, line, depth)
		if err != nil {
			return value{}, err
		}
		if v.kind == vUnknown {
			if unknownPart == nil {
				unknownPart = &v
			}
			continue
		}
		b.WriteString(v.str)
		if b.Len() > maxValueLen {
			return value{}, problemf(ErrInvalid, line, "Fn::Sub: value longer than %d bytes", maxValueLen)
		}
	}
	if unknownPart != nil {
		return *unknownPart, nil
	}
	return str(b.String()), nil
}

// subVar resolves one ${name}; the result is a string or unknown.
func (e *evaluator) subVar(name string, vars map[string]value, line, depth int) (value, error) {
	if name == "" {
		return value{}, problemf(ErrInvalid, line, "Fn::Sub: empty ${}")
	}
	if v, ok := vars[name]; ok {
		return v, nil
	}
	if res, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
		r := e.t.resources[res]
		if r == nil {
			return value{}, problemf(ErrInvalid, line, "Fn::Sub: ${%s}: no resource %s", name, res)
		}
		if err := e.mustExist(r, line, depth); err != nil {
			return value{}, err
		}
		return unknown("Fn::GetAtt " + res + "." + attr + " (a deployed resource)"), nil
	}
	v, err := e.ref(name, line, depth)
	if err != nil {
		return value{}, err
	}
	if v.kind != vString && v.kind != vUnknown {
		return value{}, problemf(ErrInvalid, line, "Fn::Sub: ${%s} is %s, want a string", name, v.describe())
	}
	return v, nil
}
