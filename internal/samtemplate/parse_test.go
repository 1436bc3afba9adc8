package samtemplate

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRefuses(t *testing.T) {
	const fnOnly = "Resources:\n  Fn: {Type: AWS::Serverless::Function}\n"
	for _, c := range []struct {
		name   string
		src    string
		errIs  error
		errHas []string
	}{
		{"an unknown tag", "Resources:\n  Fn: {Type: !Bogus x}\n", ErrInvalid, []string{"line 2: unknown tag !Bogus"}},
		{"a YAML alias", "Parameters:\n  A: &p {Type: String}\n  B: *p\n" + fnOnly, ErrInvalid, []string{"aliases are not supported"}},
		{"a merge key", "Parameters:\n  A: &p {Type: String}\n  B:\n    <<: *p\n" + fnOnly, ErrInvalid, []string{"merge keys"}},
		{"a duplicate key (YAML)", "Resources:\n  Fn: {Type: AWS::Serverless::Function}\n  Fn: {Type: AWS::Serverless::Function}\n", ErrInvalid, []string{`line 3: duplicate key "Fn"`}},
		{"a duplicate key (JSON)", `{"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Type": "x"}}}`, ErrInvalid, []string{`line 1: duplicate key "Type"`}},
		{"two documents", fnOnly + "---\n" + fnOnly, ErrInvalid, []string{"one YAML document"}},
		{"an empty document", "", ErrInvalid, []string{"empty document"}},
		{"not a mapping", "- a\n- b\n", ErrInvalid, []string{"a template is a mapping"}},
		{"YAML syntax", "Resources: [\n", ErrInvalid, []string{"YAML:"}},
		{"no Resources", "Parameters: {}\n", ErrInvalid, []string{"Resources must be a mapping with at least one resource"}},
		{"an unknown section", fnOnly + "Outputz: {}\n", ErrInvalid, []string{`unknown top-level section "Outputz"`}},
		{"a parameter without Type", "Parameters:\n  P: {Default: x}\n" + fnOnly, ErrInvalid, []string{"parameter P: Type is required"}},
		{"an unknown parameter Type", "Parameters:\n  P: {Type: Strin}\n" + fnOnly, ErrInvalid, []string{`parameter P: unknown Type "Strin"`}},
		{"an unknown parameter property", "Parameters:\n  P: {Type: String, Defualt: x}\n" + fnOnly, ErrInvalid, []string{`parameter P: unknown property "Defualt"`}},
		{"a list Default", "Parameters:\n  P: {Type: CommaDelimitedList, Default: [a, b]}\n" + fnOnly, ErrInvalid, []string{"parameter P: Default must be a string"}},
		{"empty AllowedValues", "Parameters:\n  P: {Type: String, AllowedValues: []}\n" + fnOnly, ErrInvalid, []string{"AllowedValues must be a non-empty list"}},
		{"a Java-only AllowedPattern", "Parameters:\n  P: {Type: String, AllowedPattern: '(?!x).*'}\n" + fnOnly, ErrUnsupported, []string{"parameter P: AllowedPattern cannot be checked with Go's regexp"}},
		{"a resource without Type", "Resources:\n  Fn: {Properties: {}}\n", ErrInvalid, []string{"resource Fn: Type is required"}},
		{"a resource Condition not in Conditions", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Condition: Nope}\n", ErrInvalid, []string{`resource Fn: Condition "Nope" is not in Conditions`}},
		{"an unknown resource attribute", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Propertes: {}}\n", ErrInvalid, []string{`resource Fn: unknown resource attribute "Propertes"`}},
		{"a logical id that is not alphanumeric", "Resources:\n  My-Fn: {Type: AWS::Serverless::Function}\n", ErrInvalid, []string{"resource My-Fn: a logical id must be alphanumeric"}},
		{"a parameter and a resource of one name", "Parameters:\n  Fn: {Type: String}\n" + fnOnly, ErrInvalid, []string{"resource Fn: a parameter has the same name"}},
		{"a condition that is no condition function", "Conditions:\n  C: yes\n" + fnOnly, ErrInvalid, []string{"condition C must be Fn::Equals"}},
		{"a Condition in Globals", "Globals:\n  Function:\n    Condition: C\n" + fnOnly, ErrInvalid, []string{"SAM Globals have no Condition"}},
		{"!GetAtt without a dot", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {X: !GetAtt Fn}}\n", ErrInvalid, []string{"want Resource.Attribute"}},
		{"!Ref of a list", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {X: !Ref [a]}}\n", ErrInvalid, []string{"!Ref takes a name"}},
		{"too deep", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {X: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "}}\n", ErrInvalid, []string{"nested more than"}},
		{"too deep (JSON)", `{"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"X": ` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}}}}`, ErrInvalid, []string{"nested more than"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := Parse([]byte(c.src))
			if tpl != nil {
				t.Error("a template and an error")
			}
			wantErr(t, err, []error{c.errIs}, append(c.errHas, "samtemplate: "))
			if !wrapsSentinel(err) {
				t.Errorf("a part of the error wraps no sentinel:\n%v", err)
			}
		})
	}
}

// Parse reports every structural problem at once.
func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`
Parameters:
  A: {Type: Strin}
  B: {Default: x}
Resources:
  Fn: {Type: AWS::Serverless::Function, Condition: Nope}
  G: {Properties: {}}
`))
	wantErr(t, err, []error{ErrInvalid}, []string{"parameter A: unknown Type", "parameter B: Type is required",
		`resource Fn: Condition "Nope"`, "resource G: Type is required"})
	if n := strings.Count(err.Error(), "\n") + 1; n != 4 {
		t.Errorf("%d problems, want 4:\n%v", n, err)
	}
}

func TestParameters(t *testing.T) {
	tpl := mustParse(t, `
Parameters:
  Zed:
    Type: String
    Default: ""
    Description: comes first
  Alpha:
    Type: Number
    Default: 5
    AllowedValues: [5, 10]
  Pattern:
    Type: String
    AllowedPattern: "^[a-z]+$"
Resources:
  Fn: {Type: AWS::Serverless::Function}
`)
	want := []Parameter{
		{Name: "Zed", Type: "String", HasDefault: true, Description: "comes first"},
		{Name: "Alpha", Type: "Number", Default: "5", HasDefault: true, AllowedValues: []string{"5", "10"}},
		{Name: "Pattern", Type: "String", AllowedPattern: "^[a-z]+$"},
	}
	got := tpl.Parameters()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parameters()\n got %+v\nwant %+v", got, want)
	}
	got[1].AllowedValues[0] = "changed"
	if tpl.Parameters()[1].AllowedValues[0] != "5" {
		t.Error("Parameters() shares its slices with the template")
	}
}

// JSON that YAML parsers misread ("\/") is read as JSON; a YAML flow
// mapping that is not JSON is read as YAML.
func TestParseJSONOrYAML(t *testing.T) {
	for _, src := range []string{
		"\xef\xbb\xbf{\n\t\"Resources\": {\"Fn\": {\"Type\": \"AWS::Serverless::Function\", \"Properties\": {\"Environment\": {\"Variables\": {\"U\": \"http:\\/\\/x\"}}}}}\n}",
		"{Resources: {Fn: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {U: 'http://x'}}}}}}",
	} {
		env, _, err := mustParse(t, src).FunctionEnv("Fn", nil)
		if err != nil || env["U"] != "http://x" {
			t.Errorf("%q: env %q, err %v", src, env, err)
		}
	}
}
