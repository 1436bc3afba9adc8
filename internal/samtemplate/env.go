package samtemplate

import (
	"fmt"
	"regexp"
	"sort"
)

// envName is the name Lambda accepts for an environment variable.
var envName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)

// FunctionEnv returns the environment the function logicalID gets when
// the template is deployed with these parameter values (parameters not
// given take their Default).
//
// For an AWS::Serverless::Function it is Globals.Function.Environment.
// Variables merged with the function's own Environment.Variables, the
// function's value winning for a name in both, as SAM merges them; an
// AWS::Lambda::Function gets no Globals. Each value is evaluated: a
// variable whose value is known only to the deployed stack (Fn::GetAtt,
// a Ref to a resource, a {{resolve:...}} dynamic reference,
// Fn::ImportValue, an SSM parameter type) is named in unresolved (sorted)
// and is not in env; a variable whose value is AWS::NoValue is in
// neither.
//
// Errors: ErrNoFunction for an unknown logicalID, ErrNotCreated when the
// function's Condition is false; otherwise every problem found at once —
// given parameters the template does not declare, parameter values their
// constraints refuse, a parameter needed without a value, an intrinsic
// function not evaluated here (naming the function, the variable and the
// intrinsic), a value that is not a string. On error env and unresolved
// are nil.
func (t *Template) FunctionEnv(logicalID string, params map[string]string) (env map[string]string, unresolved []string, err error) {
	r := t.resources[logicalID]
	if r == nil || !r.isFunction() {
		return nil, nil, joinProblems([]error{problemf(ErrNoFunction, 0, "%q is not a function of the template", logicalID)})
	}
	e, problems := t.newEvaluator(params)
	where := fmt.Sprintf("function %s", logicalID)
	created, cerr := e.created(r)
	switch {
	case cerr != nil:
		problems = append(problems, fmt.Errorf("%s: Condition %s: %w", where, r.condition, cerr))
	case !created:
		return nil, nil, joinProblems([]error{problemf(ErrNotCreated, r.line, "function %s: its Condition %s is false", logicalID, r.condition)})
	}
	names, vals, errs := e.variables(r)
	for _, err := range errs {
		problems = append(problems, fmt.Errorf("%s: %w", where, err))
	}
	env = map[string]string{}
	unresolved = []string{}
	for _, name := range names {
		n := vals[name]
		if !envName.MatchString(name) {
			problems = append(problems, fmt.Errorf("%s, variable %s: %w", where, name,
				problemf(ErrInvalid, n.line, "Lambda wants a name of letters, digits and _, starting with a letter")))
			continue
		}
		v, err := e.eval(n, 0)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s, variable %s: %w", where, name, err))
			continue
		}
		switch v.kind {
		case vString:
			env[name] = v.str
		case vUnknown:
			unresolved = append(unresolved, name)
		case vNoValue:
		default:
			problems = append(problems, fmt.Errorf("%s, variable %s: %w", where, name,
				problemf(ErrInvalid, n.line, "the value is %s, want a string", v.describe())))
		}
	}
	if len(problems) > 0 {
		return nil, nil, joinProblems(problems)
	}
	sort.Strings(unresolved)
	return env, unresolved, nil
}

// variables returns the function's environment variables (unevaluated),
// Globals merged in for a SAM function. SAM merges the two mappings
// before CloudFormation evaluates anything; when either side is an
// intrinsic function (an Fn::If choosing the Environment, say) SAM's
// merge replaces rather than merges, which this package does not
// evaluate: that shape is refused when both sides exist. One side alone
// may be chosen by Fn::If.
func (e *evaluator) variables(r *resource) ([]string, map[string]*node, []error) {
	type side struct {
		env   *node
		where string
	}
	var sides []side
	if r.typ == TypeFunction && !r.ignoresGlobal("Environment") {
		if g := e.t.globals.get("Function").get("Environment"); g != nil {
			sides = append(sides, side{g, "Globals.Function.Environment"})
		}
	}
	if own := r.props.get("Environment"); own != nil {
		sides = append(sides, side{own, "Environment"})
	}
	var problems []error
	if len(sides) == 2 {
		for _, s := range sides {
			if isIntrinsic(s.env) || isIntrinsic(s.env.get("Variables")) {
				problems = append(problems, problemf(ErrUnsupported, s.env.line,
					"%s is an intrinsic function and the other of Globals.Function.Environment and Environment is set too; SAM's merge of the two is not evaluated locally", s.where))
			}
		}
		if len(problems) > 0 {
			return nil, nil, problems
		}
	}
	vals := map[string]*node{}
	for _, s := range sides {
		m, err := e.envVariables(s.env, s.where)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if m == nil {
			continue
		}
		for i, k := range m.keys {
			vals[k] = m.vals[i]
		}
	}
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, vals, problems
}

func isIntrinsic(n *node) bool {
	_, _, ok := n.intrinsic()
	return ok
}

// envVariables returns env.Variables as a literal mapping (nil when there
// are none), evaluating an Fn::If that chooses the Environment or the
// Variables.
func (e *evaluator) envVariables(env *node, where string) (*node, error) {
	env, err := e.literalMap(env, where)
	if env == nil || err != nil {
		return nil, err
	}
	return e.literalMap(env.get("Variables"), where+".Variables")
}

// literalMap evaluates n, which must give a mapping or AWS::NoValue (nil).
func (e *evaluator) literalMap(n *node, where string) (*node, error) {
	if n == nil {
		return nil, nil
	}
	if n.kind == mapNode && !isIntrinsic(n) {
		return n, nil
	}
	v, err := e.eval(n, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	switch v.kind {
	case vNoValue:
		return nil, nil
	case vMap:
		return v.m, nil
	}
	return nil, problemf(ErrInvalid, n.line, "%s is %s, want a mapping", where, v.describe())
}
