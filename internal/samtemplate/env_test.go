package samtemplate

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// fn wraps environment variables (YAML, indented 10 spaces) in a
// template with one SAM function Fn; head is added before Resources.
func fn(head, vars string) string {
	return head + `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: dist/fn.zip
      Environment:
        Variables:
` + vars + `
  Res:
    Type: AWS::SNS::Topic
`
}

type envCase struct {
	name       string
	tpl        string
	fn         string // default "Fn"
	params     map[string]string
	env        map[string]string
	unresolved []string
	errIs      []error
	errHas     []string
}

var envCases = []envCase{
	{
		name: "Globals are merged, the function's value wins",
		tpl: `
Globals:
  Function:
    Runtime: provided.al2023
    Environment:
      Variables:
        ONLY_GLOBAL: g
        BOTH: from-globals
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          BOTH: from-function
          ONLY_FUNCTION: f
  NoEnv:
    Type: AWS::Serverless::Function
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          OWN: x
`,
		env: map[string]string{"ONLY_GLOBAL": "g", "BOTH": "from-function", "ONLY_FUNCTION": "f"},
	},
	{
		name: "a SAM function without Environment gets the Globals",
		tpl: `
Globals:
  Function:
    Environment:
      Variables:
        G: g
Resources:
  Fn:
    Type: AWS::Serverless::Function
`,
		env: map[string]string{"G": "g"},
	},
	{
		name: "an Environment without Variables keeps the Globals",
		tpl: `
Globals:
  Function:
    Environment:
      Variables:
        G: g
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {}
`,
		env: map[string]string{"G": "g"},
	},
	{
		name: "an AWS::Lambda::Function gets no Globals",
		tpl: `
Globals:
  Function:
    Environment:
      Variables:
        G: g
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          OWN: x
`,
		env: map[string]string{"OWN": "x"},
	},
	{
		name: "parameters given and defaulted, pseudo parameters",
		tpl: fn(`
Parameters:
  Given: {Type: String, Default: not-used}
  Defaulted: {Type: String, Default: the-default}
  EmptyDefault: {Type: String, Default: ""}
  Num: {Type: Number, Default: 5}`, `
          GIVEN: !Ref Given
          DEFAULTED: !Ref Defaulted
          EMPTY: !Ref EmptyDefault
          NUM: !Ref Num
          REGION: !Ref AWS::Region
          PARTITION: !Sub ${AWS::Partition}
          ACCOUNT: !Ref "AWS::AccountId"
          STACK: !Ref AWS::StackName
          SUFFIX: !Ref AWS::URLSuffix`),
		params: map[string]string{"Given": "given"},
		env: map[string]string{"GIVEN": "given", "DEFAULTED": "the-default", "EMPTY": "", "NUM": "5", "REGION": "local",
			"PARTITION": "aws", "ACCOUNT": "000000000000", "STACK": "local", "SUFFIX": "amazonaws.com"},
	},
	{
		name:   "a needed parameter without a value is an error naming it",
		tpl:    fn("\nParameters:\n  BackendUrl: {Type: String}", "          URL: !Sub ${BackendUrl}/api"),
		errIs:  []error{ErrParameter},
		errHas: []string{"function Fn, variable URL", "parameter BackendUrl is needed and has no Default"},
	},
	{
		name:   "an unused parameter without a value is no error",
		tpl:    fn("\nParameters:\n  Unused: {Type: String}", "          A: a"),
		params: map[string]string{},
		env:    map[string]string{"A": "a"},
	},
	{
		name: "AWS::NoValue removes the variable",
		tpl: fn(`
Parameters:
  Domain: {Type: String, Default: ""}
Conditions:
  HasDomain: !Not [!Equals [!Ref Domain, ""]]`, `
          COOKIE_DOMAIN: !If [HasDomain, !Ref Domain, !Ref "AWS::NoValue"]
          GONE: !Ref AWS::NoValue
          KEPT: k`),
		env: map[string]string{"KEPT": "k"},
	},
	{
		name: "Fn::If picks the true branch",
		tpl: fn(`
Parameters:
  Domain: {Type: String, Default: ""}
Conditions:
  HasDomain: !Not [!Equals [!Ref Domain, ""]]`, `
          COOKIE_DOMAIN: !If [HasDomain, !Ref Domain, !Ref "AWS::NoValue"]`),
		params: map[string]string{"Domain": "example.com"},
		env:    map[string]string{"COOKIE_DOMAIN": "example.com"},
	},
	{
		name: "Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition",
		tpl: fn(`
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Mode: {Type: String, Default: a}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  ProdAndA: !And [!Condition IsProd, !Equals [a, !Ref Mode]]
  DevOrB: !Or [{Condition: IsDev}, !Equals [!Ref Mode, b]]
  Nested: {"Fn::And": [{"Fn::Or": [!Condition IsProd, !Condition IsDev]}, !Not [!Equals [!Ref Mode, z]]]}`, `
          PROD: !If [IsProd, yes, no]
          DEV: !If [IsDev, yes, no]
          PROD_AND_A: !If [ProdAndA, yes, no]
          DEV_OR_B: !If [DevOrB, yes, no]
          NESTED: !If [Nested, yes, no]`),
		params: map[string]string{"Env": "prod"},
		env:    map[string]string{"PROD": "yes", "DEV": "no", "PROD_AND_A": "yes", "DEV_OR_B": "no", "NESTED": "yes"},
	},
	{
		name: "a condition cycle is an error",
		tpl: fn(`
Conditions:
  A: !Not [!Condition B]
  B: !Not [!Condition A]`, "          V: !If [A, x, y]"),
		errIs:  []error{ErrInvalid},
		errHas: []string{"variable V", "depends on itself"},
	},
	{
		name: "Fn::Sub: string and list forms, escapes, pseudo parameters",
		tpl: fn(`
Parameters:
  Stage: {Type: String, Default: prod}`, `
          PATH: !Sub /${Stage}/auth/session/refresh
          ARN: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:x/${Stage}"
          VARS: !Sub ["${Scheme}://${Host}/${Stage}", {Scheme: https, Host: !Join [".", [api, example, com]]}]
          SHADOW: !Sub ["${Stage}", {Stage: shadowed}]
          LITERAL: !Sub "${!Literal}-${!Stage}-$${Stage}-$x-{}"
          LONG: {"Fn::Sub": "x${Stage}"}`),
		env: map[string]string{
			"PATH":    "/prod/auth/session/refresh",
			"ARN":     "arn:aws:execute-api:local:000000000000:x/prod",
			"VARS":    "https://api.example.com/prod",
			"SHADOW":  "shadowed",
			"LITERAL": "${Literal}-${Stage}-$prod-$x-{}",
			"LONG":    "xprod",
		},
	},
	{
		name:   "Fn::Sub of an undefined name is an error",
		tpl:    fn("", "          V: !Sub ${Nope}"),
		errIs:  []error{ErrInvalid},
		errHas: []string{"variable V", "Ref Nope: no parameter or resource"},
	},
	{
		name:   "Fn::Sub without a closing brace is an error",
		tpl:    fn("", "          V: !Sub abc${AWS::Region"),
		errIs:  []error{ErrInvalid},
		errHas: []string{"variable V", "without a closing }"},
	},
	{
		name: "Fn::Join, Fn::Select, Fn::Split, Fn::Base64, Fn::FindInMap",
		tpl: fn(`
Parameters:
  Env: {Type: String, Default: prod}
  Hosts: {Type: CommaDelimitedList, Default: "a.example,b.example"}
Mappings:
  ByEnv:
    prod: {Level: warn, Ports: [443, 8443]}`, `
          JOINED: !Join ["-", [a, !Ref Env, "3"]]
          JOIN_LIST_PARAM: !Join [";", !Ref Hosts]
          SECOND_HOST: !Select [1, !Ref Hosts]
          SELECTED: !Select ["0", [first, !GetAtt Res.Arn]]
          SPLIT: !Select [2, !Split ["/", "a/b/c"]]
          B64: !Base64 hello
          LEVEL: !FindInMap [ByEnv, !Ref Env, Level]
          PORTS: !Join [",", !FindInMap [ByEnv, prod, Ports]]
          NOVALUE_ITEM: !Join [",", [a, !Ref AWS::NoValue, b]]`),
		env: map[string]string{"JOINED": "a-prod-3", "JOIN_LIST_PARAM": "a.example;b.example", "SECOND_HOST": "b.example",
			"SELECTED": "first", "SPLIT": "c", "B64": "aGVsbG8=", "LEVEL": "warn", "PORTS": "443,8443", "NOVALUE_ITEM": "a,b"},
	},
	{
		name: "deployed values are unresolved, never guessed",
		tpl: fn(`
Parameters:
  SecretName: {Type: String, Default: app/keys}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /app/url}`, `
          GETATT: !GetAtt Res.TopicArn
          GETATT_LONG: {"Fn::GetAtt": [Res, TopicName]}
          REF_RESOURCE: !Ref Res
          SUB_ATTR: !Sub "rediss://${Res.Endpoint.Address}:${Res.Endpoint.Port}"
          SUB_RESOURCE: !Sub "${Res}"
          DYNAMIC: "{{resolve:ssm:/app/setting}}"
          DYNAMIC_SUB: !Sub "{{resolve:secretsmanager:${SecretName}:SecretString}}"
          JOIN_UNKNOWN: !Join ["", [x, !GetAtt Res.Arn]]
          AZ: !Select [0, !GetAZs ""]
          IMPORT: !ImportValue shared-vpc
          SSM_PARAM: !Ref FromSsm
          STACK_ID: !Ref AWS::StackId
          KNOWN: k`),
		env: map[string]string{"KNOWN": "k"},
		unresolved: []string{"AZ", "DYNAMIC", "DYNAMIC_SUB", "GETATT", "GETATT_LONG", "IMPORT", "JOIN_UNKNOWN",
			"REF_RESOURCE", "SSM_PARAM", "STACK_ID", "SUB_ATTR", "SUB_RESOURCE"},
	},
	{
		name:   "an unsupported intrinsic names the function, the variable and the intrinsic",
		tpl:    fn("", `          CIDR: !Select [0, !Cidr ["10.0.0.0/16", 2, 8]]`),
		errIs:  []error{ErrUnsupported},
		errHas: []string{"function Fn, variable CIDR", "Fn::Cidr"},
	},
	{
		name:   "Fn::ToJsonString is not evaluated",
		tpl:    fn("", `          JSON: !ToJsonString {a: b}`),
		errIs:  []error{ErrUnsupported},
		errHas: []string{"variable JSON", "Fn::ToJsonString"},
	},
	{
		name: "every problem at once",
		tpl: fn(`
Parameters:
  Level: {Type: String, Default: info, AllowedValues: [info, warn]}
  Needed: {Type: String}`, `
          A: !Cidr ["10.0.0.0/16", 2, 8]
          B: !Ref Needed
          C: !Select [5, [x]]
          OK: fine`),
		params: map[string]string{"Level": "debug", "Typo": "x"},
		errIs:  []error{ErrUnsupported, ErrParameter, ErrInvalid},
		errHas: []string{"variable A", "Fn::Cidr", "variable B", "Needed", "variable C", "index 5 out of range",
			`"Typo" is not a parameter`, `Level "debug" is not one of AllowedValues`},
	},
	{
		name:   "AllowedPattern must match the whole value",
		tpl:    fn("\nParameters:\n  Stage: {Type: String, Default: prod, AllowedPattern: '[a-z]+'}", "          S: !Ref Stage"),
		params: map[string]string{"Stage": "prod2"},
		errIs:  []error{ErrParameter},
		errHas: []string{`Stage "prod2" does not match AllowedPattern "[a-z]+"`},
	},
	{
		name:   "a Default is checked too",
		tpl:    fn("\nParameters:\n  Stage: {Type: String, Default: Prod, AllowedPattern: '^[a-z]+$'}", "          S: x"),
		errIs:  []error{ErrParameter},
		errHas: []string{`Stage "Prod" does not match AllowedPattern`},
	},
	{
		name: "Number, MinValue, MaxValue, MinLength, MaxLength, list items",
		tpl: fn(`
Parameters:
  Timeout: {Type: Number, MinValue: 1, MaxValue: 30, Default: 5}
  Count: {Type: Number, Default: 1}
  Name: {Type: String, MinLength: 3, MaxLength: 5, Default: abcd}
  Envs: {Type: CommaDelimitedList, AllowedValues: [dev, prod], Default: dev}
  Ports: {Type: "List<Number>", Default: "80"}`, "          S: x"),
		params: map[string]string{"Timeout": "31", "Count": "many", "Name": "ab", "Envs": "dev,test", "Ports": "80,x"},
		errIs:  []error{ErrParameter},
		errHas: []string{`Timeout "31" is more than MaxValue 30`, `Count "many" is not a number`, `Name "ab" is shorter than MinLength 3`,
			`Envs "dev,test" is not one of AllowedValues`, `Ports "80,x" is not a number`},
	},
	{
		name:   "a NoEcho value is never quoted",
		tpl:    fn("\nParameters:\n  Secret: {Type: String, NoEcho: true, MinLength: 20, Default: xxxxxxxxxxxxxxxxxxxxxxxx}", "          S: x"),
		params: map[string]string{"Secret": "hunter2"},
		errIs:  []error{ErrParameter},
		errHas: []string{"Secret (NoEcho value) is shorter than MinLength 20"},
	},
	{
		name:   "a parameter the template does not declare is an error",
		tpl:    fn("", "          S: x"),
		params: map[string]string{"EchoBackendUrl": "http://x"},
		errIs:  []error{ErrParameter},
		errHas: []string{`"EchoBackendUrl" is not a parameter of the template`},
	},
	{
		name: "a function whose Condition is false is not created",
		tpl: `
Parameters:
  WithExtra: {Type: String, Default: "no"}
Conditions:
  Extra: !Equals [!Ref WithExtra, "yes"]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Condition: Extra
`,
		errIs:  []error{ErrNotCreated},
		errHas: []string{"function Fn: its Condition Extra is false"},
	},
	{
		name: "a function whose Condition is true is created",
		tpl: `
Parameters:
  WithExtra: {Type: String, Default: "no"}
Conditions:
  Extra: !Equals [!Ref WithExtra, "yes"]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Condition: Extra
    Properties:
      Environment: {Variables: {A: a}}
`,
		params: map[string]string{"WithExtra": "yes"},
		env:    map[string]string{"A": "a"},
	},
	{
		name: "a Ref to a resource its Condition leaves out is an error",
		tpl: `
Conditions:
  Never: !Equals [a, b]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TOPIC: !Ref Topic
          GUARDED: !If [Never, !GetAtt Topic.TopicName, none]
  Topic:
    Type: AWS::SNS::Topic
    Condition: Never
`,
		errIs:  []error{ErrInvalid},
		errHas: []string{"variable TOPIC", "refers to Topic, which its Condition Never leaves out"},
	},
	{
		name:   "GetAtt of no resource is an error",
		tpl:    fn("", "          V: !GetAtt Nothing.Arn"),
		errIs:  []error{ErrInvalid},
		errHas: []string{"variable V", "no resource Nothing"},
	},
	{
		name:   "an unknown pseudo parameter is an error",
		tpl:    fn("", "          V: !Ref AWS::Regoin"),
		errIs:  []error{ErrInvalid},
		errHas: []string{"variable V", "no such pseudo parameter"},
	},
	{
		name:   "a value must be a string",
		tpl:    fn("", "          LIST: [a, b]\n          NULL_VALUE:\n          MAP: {a: b}"),
		errIs:  []error{ErrInvalid},
		errHas: []string{"variable LIST: invalid template: line", "is a list, want a string", "variable NULL_VALUE", "null value", "variable MAP", "is a mapping"},
	},
	{
		name:   "a condition function is not a value",
		tpl:    fn("", "          V: !Equals [a, a]"),
		errIs:  []error{ErrInvalid},
		errHas: []string{"variable V", "Fn::Equals is a condition function"},
	},
	{
		name:   "a variable name Lambda refuses is an error",
		tpl:    fn("", "          1BAD: x\n          X: y"),
		errIs:  []error{ErrInvalid},
		errHas: []string{"variable 1BAD", "letters, digits and _"},
	},
	{
		name:   "scalars keep their text",
		tpl:    fn("", "          INT: 5\n          BOOL: true\n          FLOAT: 1.50\n          QUOTED: \"007\"\n          OCTAL_LOOKING: 0755"),
		env:    map[string]string{"INT": "5", "BOOL": "true", "FLOAT": "1.50", "QUOTED": "007", "OCTAL_LOOKING": "0755"},
		params: nil,
	},
	{
		name: "a condition that depends on a deployed value is refused",
		tpl: fn(`
Conditions:
  Odd: !Equals [!GetAtt Res.TopicName, x]`, "          V: !If [Odd, a, b]"),
		errIs:  []error{ErrUnsupported},
		errHas: []string{"variable V", "Fn::Equals: depends on Fn::GetAtt Res.TopicName"},
	},
	{
		name: "Fn::If may choose the Environment when Globals set none",
		tpl: `
Parameters:
  Debug: {Type: String, Default: "yes"}
Conditions:
  IsDebug: !Equals [!Ref Debug, "yes"]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment: !If [IsDebug, {Variables: {LOG: debug}}, !Ref AWS::NoValue]
`,
		env: map[string]string{"LOG": "debug"},
	},
	{
		name: "Fn::If choosing the Variables beside Globals is refused",
		tpl: `
Conditions:
  Always: !Equals [a, a]
Globals:
  Function:
    Environment:
      Variables: {G: g}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables: !If [Always, {A: a}, {B: b}]
`,
		errIs:  []error{ErrUnsupported},
		errHas: []string{"function Fn", "SAM's merge of the two is not evaluated locally"},
	},
	{
		name:   "an unknown function",
		tpl:    fn("", "          V: x"),
		fn:     "Res",
		errIs:  []error{ErrNoFunction},
		errHas: []string{`"Res" is not a function`},
	},
}

func TestFunctionEnv(t *testing.T) {
	for _, c := range envCases {
		t.Run(c.name, func(t *testing.T) {
			tpl := mustParse(t, c.tpl)
			id := c.fn
			if id == "" {
				id = "Fn"
			}
			env, unresolved, err := tpl.FunctionEnv(id, c.params)
			if c.errIs != nil || c.errHas != nil {
				wantErr(t, err, c.errIs, c.errHas)
				if !wrapsSentinel(err) {
					t.Errorf("a part of the error wraps no sentinel:\n%v", err)
				}
				if env != nil || unresolved != nil {
					t.Errorf("on error env %v unresolved %v, want nil", env, unresolved)
				}
				return
			}
			if err != nil {
				t.Fatalf("FunctionEnv: %v", err)
			}
			want := c.env
			if want == nil {
				want = map[string]string{}
			}
			if !reflect.DeepEqual(env, want) {
				t.Errorf("env\n got %q\nwant %q", env, want)
			}
			wantU := c.unresolved
			if wantU == nil {
				wantU = []string{}
			}
			if !reflect.DeepEqual(unresolved, wantU) {
				t.Errorf("unresolved\n got %q\nwant %q", unresolved, wantU)
			}
		})
	}
}

// The error says where: the line of the offending expression.
func TestFunctionEnvErrorNamesTheLine(t *testing.T) {
	tpl := mustParse(t, fn("", "          A: ok\n          B: !Select [3, [x]]"))
	_, _, err := tpl.FunctionEnv("Fn", nil)
	wantErr(t, err, []error{ErrInvalid}, []string{"samtemplate: function Fn, variable B: invalid template: line 10: Fn::Select: index 3 out of range (1 items)"})
}

// A template is read-only after Parse: evaluations may run at once.
func TestFunctionEnvConcurrent(t *testing.T) {
	var src string
	for _, c := range envCases {
		if strings.HasPrefix(c.name, "Fn::Equals, Fn::Not") {
			src = c.tpl
		}
	}
	tpl := mustParse(t, src)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := "dev"
			if i%2 == 0 {
				env = "prod"
			}
			got, _, err := tpl.FunctionEnv("Fn", map[string]string{"Env": env})
			if err != nil {
				t.Error(err)
				return
			}
			if want := map[string]string{"prod": "yes", "dev": "no"}[env]; got["PROD"] != want {
				t.Errorf("Env=%s: PROD=%s", env, got["PROD"])
			}
		}()
	}
	wg.Wait()
}

func TestFunctionsAndConditions(t *testing.T) {
	tpl := mustParse(t, `
Parameters:
  Extras: {Type: String, Default: "no", AllowedValues: ["yes", "no"]}
  Required: {Type: String}
Conditions:
  WithExtras: !Equals [!Ref Extras, "yes"]
  NeedsValue: !Equals [!Ref Required, x]
Resources:
  Zeta: {Type: AWS::Serverless::Function}
  Alpha: {Type: AWS::Lambda::Function}
  Extra: {Type: AWS::Serverless::Function, Condition: WithExtras}
  Undecided: {Type: AWS::Serverless::Function, Condition: NeedsValue}
  Topic: {Type: AWS::SNS::Topic}
`)
	if got, want := tpl.Functions(), []string{"Alpha", "Undecided", "Zeta"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Functions() = %q, want %q", got, want)
	}
	got, err := tpl.FunctionsFor(map[string]string{"Extras": "yes", "Required": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Alpha", "Extra", "Undecided", "Zeta"}; !reflect.DeepEqual(got, want) {
		t.Errorf("FunctionsFor = %q, want %q", got, want)
	}
	_, err = tpl.FunctionsFor(map[string]string{"Extras": "yes"})
	wantErr(t, err, []error{ErrParameter}, []string{"parameter Required is needed"})
	_, err = tpl.FunctionsFor(map[string]string{"Extras": "maybe", "Required": "x"})
	wantErr(t, err, []error{ErrParameter}, []string{`Extras "maybe" is not one of AllowedValues`})

	if ok, err := tpl.Condition("WithExtras", map[string]string{"Extras": "yes"}); err != nil || !ok {
		t.Errorf("Condition(WithExtras) = %v, %v", ok, err)
	}
	if ok, err := tpl.Condition("WithExtras", nil); err != nil || ok {
		t.Errorf("Condition(WithExtras) with defaults = %v, %v", ok, err)
	}
	_, err = tpl.Condition("Nope", nil)
	wantErr(t, err, []error{ErrInvalid}, []string{`no condition "Nope"`})
}

// JSON with long forms and YAML with short forms are the same template.
func TestJSONAndYAMLAgree(t *testing.T) {
	yamlSrc := `
Parameters:
  Stage: {Type: String, Default: prod}
  Domain: {Type: String, Default: ""}
Conditions:
  HasDomain: !Not [!Equals [!Ref Domain, ""]]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          PATH_: !Sub "/${Stage}/x"
          DOMAIN: !If [HasDomain, !Ref Domain, !Ref AWS::NoValue]
          ARN: !GetAtt Topic.TopicArn
          SLASH: "a/b"
  Topic: {Type: AWS::SNS::Topic}
`
	jsonSrc := `{
	"Parameters": {"Stage": {"Type": "String", "Default": "prod"}, "Domain": {"Type": "String", "Default": ""}},
	"Conditions": {"HasDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Domain"}, ""]}]}},
	"Resources": {
		"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Environment": {"Variables": {
			"PATH_": {"Fn::Sub": "/${Stage}/x"},
			"DOMAIN": {"Fn::If": ["HasDomain", {"Ref": "Domain"}, {"Ref": "AWS::NoValue"}]},
			"ARN": {"Fn::GetAtt": ["Topic", "TopicArn"]},
			"SLASH": "a\/b"
		}}}},
		"Topic": {"Type": "AWS::SNS::Topic"}
	}
}`
	params := map[string]string{"Domain": "example.com"}
	var envs []map[string]string
	for _, src := range []string{yamlSrc, jsonSrc} {
		env, unresolved, err := mustParse(t, src).FunctionEnv("Fn", params)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(unresolved, []string{"ARN"}) {
			t.Errorf("unresolved %q", unresolved)
		}
		envs = append(envs, env)
	}
	want := map[string]string{"PATH_": "/prod/x", "DOMAIN": "example.com", "SLASH": "a/b"}
	if !reflect.DeepEqual(envs[0], want) || !reflect.DeepEqual(envs[1], want) {
		t.Errorf("YAML %q\nJSON %q\nwant %q", envs[0], envs[1], want)
	}
}

// Expressions that would build huge strings stop with an error.
func TestValueSizeIsBounded(t *testing.T) {
	long := strings.Repeat("x", 40<<10)
	tpl := mustParse(t, fn("\nParameters:\n  Long: {Type: String, Default: "+long+"}",
		"          V: !Sub ${Long}${Long}\n          W: !Join [\"\", [!Ref Long, !Ref Long]]\n          B: !Base64 {\"Fn::Base64\": !Ref Long}"))
	_, _, err := tpl.FunctionEnv("Fn", nil)
	wantErr(t, err, []error{ErrInvalid}, []string{"variable V", "variable W", "variable B", "longer than"})
	if errors.Is(err, ErrUnsupported) {
		t.Error("size limits are ErrInvalid")
	}
}
