package deploy_test

// The tests of package deploy, by concern:
//
//   - deploy_test.go: reading templates (YAML with short-form intrinsics)
//     and evaluating their conditions for one set of parameter values.
//   - schema_test.go: deploy/template.yaml and examples/*/template.yaml
//     against AWS's published SAM schema.
//   - cfn_test.go: the plain CloudFormation resources, which that schema
//     does not check, and gateway-responses.cfn.json.
//   - template_test.go: the functions' configuration (one copy, in Globals)
//     and the two API types (ApiType REST | HTTP) with their outputs.
//   - openapi_test.go: every ${Name} a rendered document references exists
//     in its template, and API Gateway may invoke every function it names.
//   - observability_test.go: log groups and retention, LOG_SALT, the
//     session limits' parameters, and alarms on the metrics the code emits.
//   - build_test.go: build.sh's packages, and the rules they carry.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// The logical ids that the rendered openapi.json references; fixed names.
const (
	fnAuthorizer = "AuthorizerFunction"
	fnSessionAPI = "SessionApiFunction"
	fnBackend    = "ExampleBackendFunction"
)

// --- YAML with short-form intrinsics -> JSON ---------------------------

// intrinsicName maps a short-form tag to its long-form key.
func intrinsicName(tag string) (string, bool) {
	switch tag {
	case "!Ref":
		return "Ref", true
	case "!Condition":
		return "Condition", true
	case "!Base64", "!Cidr", "!Equals", "!FindInMap", "!GetAtt", "!GetAZs", "!If", "!ImportValue",
		"!Join", "!Not", "!And", "!Or", "!Select", "!Split", "!Sub", "!Transform", "!ToJsonString", "!Length":
		return "Fn::" + tag[1:], true
	}
	return "", false
}

// toJSONValue converts a yaml.Node to plain JSON values, rewriting
// short-form intrinsic tags. An unknown custom tag is an error, never
// silently dropped.
func toJSONValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("want one YAML document")
		}
		return toJSONValue(n.Content[0])
	case yaml.AliasNode:
		return nil, fmt.Errorf("line %d: YAML aliases are not supported by CloudFormation", n.Line)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		name, ok := intrinsicName(n.Tag)
		if !ok {
			return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
		}
		plain := *n
		plain.Tag = ""
		switch n.Kind {
		case yaml.ScalarNode:
			plain.Tag = "!!str"
		case yaml.SequenceNode:
			plain.Tag = "!!seq"
		case yaml.MappingNode:
			plain.Tag = "!!map"
		}
		v, err := toJSONValue(&plain)
		if err != nil {
			return nil, err
		}
		if name == "Fn::GetAtt" {
			if s, ok := v.(string); ok {
				res, attr, found := strings.Cut(s, ".")
				if !found {
					return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, s)
				}
				v = []any{res, attr}
			}
		}
		if name == "Fn::GetAZs" && v == nil {
			v = ""
		}
		return map[string]any{name: v}, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: non-scalar key", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			v, err := toJSONValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := []any{}
		for _, c := range n.Content {
			v, err := toJSONValue(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		if n.Tag == "!!str" {
			return n.Value, nil
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

func templateJSON(t testing.TB, src []byte) map[string]any {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		t.Fatal(err)
	}
	v, err := toJSONValue(&root)
	if err != nil {
		t.Fatal(err)
	}
	// Round-trip through JSON so the value has exactly JSON's types.
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out.(map[string]any)
}

func readTemplateFile(t testing.TB, path string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return templateJSON(t, src)
}

func readTemplate(t testing.TB) map[string]any {
	t.Helper()
	return readTemplateFile(t, "template.yaml")
}

// exampleDirs are the examples/*/ folders that come with their own SAM
// template, relative to this package's directory.
func exampleDirs(t testing.TB) []string {
	t.Helper()
	tpls, err := filepath.Glob(filepath.Join("..", "examples", "*", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, tpl := range tpls {
		dirs = append(dirs, filepath.Dir(tpl))
	}
	sort.Strings(dirs)
	return dirs
}

// A plain YAML decode turns `!Ref X` into "X"; the conversion must not.
func TestShortFormIntrinsicsBecomeLongForm(t *testing.T) {
	tpl := templateJSON(t, []byte("A: !Ref B\nC: !GetAtt D.Arn\nE: !Sub 'x${F}'\nG: !Select [0, !GetAZs '']\nH: !If [C, !Ref I, !Ref 'AWS::NoValue']\n"))
	got, _ := json.Marshal(tpl)
	want := `{"A":{"Ref":"B"},"C":{"Fn::GetAtt":["D","Arn"]},"E":{"Fn::Sub":"x${F}"},"G":{"Fn::Select":[0,{"Fn::GetAZs":""}]},"H":{"Fn::If":["C",{"Ref":"I"},{"Ref":"AWS::NoValue"}]}}`
	if string(got) != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	var root yaml.Node
	_ = yaml.Unmarshal([]byte("A: !Bogus x\n"), &root)
	if _, err := toJSONValue(&root); err == nil {
		t.Fatal("an unknown tag was accepted")
	}
}

// --- one evaluation of a template: conditions and Fn::If ----------------

// pseudoParams are CloudFormation's pseudo parameters.
var pseudoParams = map[string]bool{"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true,
	"AWS::Partition": true, "AWS::Region": true, "AWS::StackId": true, "AWS::StackName": true, "AWS::URLSuffix": true}

// stack is a template evaluated for one set of parameter values: which
// conditions hold, and so which resources and outputs exist.
type stack struct {
	tpl       map[string]any
	params    map[string]string // every parameter's value: the given one, else its default
	conds     map[string]bool
	resources map[string]map[string]any // the resources that exist
}

// evaluate evaluates tpl's conditions with the given parameter values (the
// others take their defaults, or "x" when they have none).
func evaluate(t testing.TB, tpl map[string]any, given map[string]string) stack {
	t.Helper()
	s := stack{tpl: tpl, params: map[string]string{}, conds: map[string]bool{}, resources: map[string]map[string]any{}}
	params, _ := tpl["Parameters"].(map[string]any)
	for name, p := range params {
		if v, ok := given[name]; ok {
			s.params[name] = v
		} else if d, ok := p.(map[string]any)["Default"]; ok {
			s.params[name] = fmt.Sprint(d)
		} else {
			s.params[name] = "x"
		}
	}
	for name := range given {
		if _, ok := params[name]; !ok {
			t.Fatalf("the template has no parameter %s", name)
		}
	}
	conds, _ := tpl["Conditions"].(map[string]any)
	var cond func(name string, depth int) bool
	var eval func(v any, depth int) any
	eval = func(v any, depth int) any {
		if depth > 20 {
			t.Fatalf("condition nesting too deep")
		}
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return v
		}
		for k, arg := range m {
			args, _ := arg.([]any)
			switch k {
			case "Ref":
				name, _ := arg.(string)
				val, ok := s.params[name]
				if !ok {
					t.Fatalf("condition refers to %v, not a parameter", arg)
				}
				return val
			case "Condition":
				return cond(arg.(string), depth+1)
			case "Fn::Equals":
				return fmt.Sprint(eval(args[0], depth+1)) == fmt.Sprint(eval(args[1], depth+1))
			case "Fn::Not":
				return !eval(args[0], depth+1).(bool)
			case "Fn::And", "Fn::Or":
				every, some := true, false
				for _, a := range args {
					b := eval(a, depth+1).(bool)
					every, some = every && b, some || b
				}
				return (k == "Fn::And" && every) || (k == "Fn::Or" && some)
			}
		}
		t.Fatalf("condition uses %v, which this test does not evaluate", v)
		return nil
	}
	cond = func(name string, depth int) bool {
		c, ok := conds[name]
		if !ok {
			t.Fatalf("no condition %s", name)
		}
		b, ok := eval(c, depth).(bool)
		if !ok {
			t.Fatalf("condition %s is not a boolean", name)
		}
		return b
	}
	for name := range conds {
		s.conds[name] = cond(name, 0)
	}
	res, _ := tpl["Resources"].(map[string]any)
	for name, r := range res {
		rm := r.(map[string]any)
		if c, ok := rm["Condition"].(string); ok && !s.conds[c] {
			continue
		}
		s.resources[name] = s.resolve(rm).(map[string]any)
	}
	return s
}

// resolve replaces every Fn::If in v by the branch its condition selects.
func (s stack) resolve(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if args, ok := x["Fn::If"].([]any); ok && len(x) == 1 && len(args) == 3 {
			if s.conds[args[0].(string)] {
				return s.resolve(args[1])
			}
			return s.resolve(args[2])
		}
		out := map[string]any{}
		for k, c := range x {
			out[k] = s.resolve(c)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = s.resolve(c)
		}
		return out
	}
	return v
}

// outputs are the outputs that exist, resolved.
func (s stack) outputs() map[string]map[string]any {
	out := map[string]map[string]any{}
	outs, _ := s.tpl["Outputs"].(map[string]any)
	for name, o := range outs {
		om := o.(map[string]any)
		if c, ok := om["Condition"].(string); ok && !s.conds[c] {
			continue
		}
		out[name] = s.resolve(om).(map[string]any)
	}
	return out
}

// references lists what v refers to: Ref targets, Fn::GetAtt resources and
// the names in Fn::Sub strings (a dotted ${A.B} as its resource A), minus
// the variables an Fn::Sub defines itself.
func references(v any) []string {
	var out []string
	var walk func(v any, local map[string]bool)
	walk = func(v any, local map[string]bool) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["Ref"].(string); ok && len(x) == 1 {
				out = append(out, r)
				return
			}
			if ga, ok := x["Fn::GetAtt"].([]any); ok && len(x) == 1 && len(ga) > 0 {
				out = append(out, fmt.Sprint(ga[0]))
				return
			}
			if sub, ok := x["Fn::Sub"]; ok && len(x) == 1 {
				str, vars := subParts(sub)
				inner := map[string]bool{}
				for k := range local {
					inner[k] = true
				}
				for k, val := range vars {
					inner[k] = true
					walk(val, local)
				}
				for _, name := range subNames(str) {
					if !inner[name] {
						res, _, _ := strings.Cut(name, ".")
						if strings.HasPrefix(name, "AWS::") {
							res = name
						}
						out = append(out, res)
					}
				}
				return
			}
			for _, c := range x {
				walk(c, local)
			}
		case []any:
			for _, c := range x {
				walk(c, local)
			}
		}
	}
	walk(v, nil)
	return out
}

// subParts splits an Fn::Sub argument into its string and variable map.
func subParts(sub any) (string, map[string]any) {
	switch x := sub.(type) {
	case string:
		return x, nil
	case []any:
		if len(x) == 2 {
			s, _ := x[0].(string)
			vars, _ := x[1].(map[string]any)
			return s, vars
		}
	}
	return "", nil
}

// subNames are the ${Name} of an Fn::Sub string, without ${!Literal}s.
func subNames(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		if name := s[i+2 : i+j]; !strings.HasPrefix(name, "!") {
			out = append(out, strings.TrimSpace(name))
		}
		s = s[i+j+1:]
	}
}

// --- small helpers --------------------------------------------------------

func ref(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Ref"].(string)
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
