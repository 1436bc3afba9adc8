package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

// schemaPath is ../shared/schemas/sam.schema.json relative to the
// repository root (CI has ../shared beside the clone).
var schemaPath = filepath.Join("..", "..", "shared", "schemas", "sam.schema.json")

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

func readTemplate(t testing.TB) map[string]any {
	t.Helper()
	src, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return templateJSON(t, src)
}

// --- the SAM schema ----------------------------------------------------

type re2 struct{ *regexp2.Regexp }

func (r re2) MatchString(s string) bool { ok, err := r.Regexp.MatchString(s); return err == nil && ok }

func samSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the SAM schema is required under CI: %v", err)
		}
		t.Skipf("SAM schema not found (%v); CI has it at ../shared/schemas", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		r, err := regexp2.Compile(s, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return re2{r}, nil
	})
	if err := c.AddResource("sam.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sam.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func TestTemplateMatchesSAMSchema(t *testing.T) {
	sch := samSchema(t)
	if err := sch.Validate(readTemplate(t)); err != nil {
		t.Fatalf("deploy/template.yaml does not match the SAM schema:\n%v", err)
	}
}

func TestMisspelledSAMPropertyFails(t *testing.T) {
	sch := samSchema(t)
	src, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, old, new string }{
		{"function property", "      CodeUri: dist/examplebackend.zip", "      CodeUrl: dist/examplebackend.zip"},
		{"api property", "      StageName: !Ref StageName", "      StageNam: !Ref StageName"},
		{"globals property", "    Handler: bootstrap", "    Handlr: bootstrap"},
		{"resource type", "Type: AWS::Serverless::Function", "Type: AWS::Serverless::Functon"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !bytes.Contains(src, []byte(c.old)) {
				t.Fatalf("template has no %q", c.old)
			}
			bad := bytes.Replace(src, []byte(c.old), []byte(c.new), 1)
			if err := sch.Validate(templateJSON(t, bad)); err == nil {
				t.Fatalf("the SAM schema accepted %q", c.new)
			}
		})
	}
}

// A plain YAML decode turns `!Ref X` into "X"; the conversion must not.
func TestShortFormIntrinsicsBecomeLongForm(t *testing.T) {
	tpl := templateJSON(t, []byte("A: !Ref B\nC: !GetAtt D.Arn\nE: !Sub 'x${F}'\nG: !Select [0, !GetAZs '']\n"))
	got, _ := json.Marshal(tpl)
	want := `{"A":{"Ref":"B"},"C":{"Fn::GetAtt":["D","Arn"]},"E":{"Fn::Sub":"x${F}"},"G":{"Fn::Select":[0,{"Fn::GetAZs":""}]}}`
	if string(got) != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	var root yaml.Node
	_ = yaml.Unmarshal([]byte("A: !Bogus x\n"), &root)
	if _, err := toJSONValue(&root); err == nil {
		t.Fatal("an unknown tag was accepted")
	}
}

// --- plain CloudFormation resources: the schema does not check them ------

type propRule struct {
	allowed  []string
	required []string
	check    func(t *testing.T, name string, p map[string]any)
}

func ref(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Ref"].(string)
	return s
}

var cfnRules = map[string]propRule{
	"AWS::Lambda::Permission": {
		allowed:  []string{"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount", "EventSourceToken", "FunctionUrlAuthType", "PrincipalOrgID"},
		required: []string{"Action", "FunctionName", "Principal", "SourceArn"},
		check: func(t *testing.T, name string, p map[string]any) {
			if p["Action"] != "lambda:InvokeFunction" || p["Principal"] != "apigateway.amazonaws.com" {
				t.Errorf("%s: Action %v Principal %v", name, p["Action"], p["Principal"])
			}
			sub, _ := p["SourceArn"].(map[string]any)["Fn::Sub"].(string)
			if !strings.Contains(sub, ":execute-api:") || !strings.Contains(sub, "${ExampleApi}/") {
				t.Errorf("%s: SourceArn %q must be scoped to the API", name, sub)
			}
		},
	},
	"AWS::EC2::VPC": {
		allowed:  []string{"CidrBlock", "EnableDnsHostnames", "EnableDnsSupport", "InstanceTenancy", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "Tags"},
		required: []string{"CidrBlock"},
	},
	"AWS::EC2::Subnet": {
		allowed:  []string{"AssignIpv6AddressOnCreation", "AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "EnableDns64", "Ipv6CidrBlock", "Ipv6Native", "MapPublicIpOnLaunch", "OutpostArn", "PrivateDnsNameOptionsOnLaunch", "Tags", "VpcId"},
		required: []string{"VpcId", "CidrBlock", "AvailabilityZone"},
		check: func(t *testing.T, name string, p map[string]any) {
			if p["MapPublicIpOnLaunch"] == true {
				t.Errorf("%s: the session subnets are private", name)
			}
		},
	},
	"AWS::EC2::SecurityGroup": {
		allowed:  []string{"GroupDescription", "GroupName", "SecurityGroupEgress", "SecurityGroupIngress", "Tags", "VpcId"},
		required: []string{"GroupDescription", "VpcId", "SecurityGroupEgress"},
		check: func(t *testing.T, name string, p map[string]any) {
			if _, ok := p["SecurityGroupIngress"]; ok {
				t.Errorf("%s: ingress is a separate AWS::EC2::SecurityGroupIngress", name)
			}
			for _, e := range p["SecurityGroupEgress"].([]any) {
				checkKeys(t, name+" egress", e.(map[string]any), []string{"CidrIp", "CidrIpv6", "Description", "DestinationPrefixListId", "DestinationSecurityGroupId", "FromPort", "IpProtocol", "ToPort"}, []string{"IpProtocol"})
			}
		},
	},
	"AWS::EC2::SecurityGroupIngress": {
		allowed:  []string{"CidrIp", "CidrIpv6", "Description", "FromPort", "GroupId", "GroupName", "IpProtocol", "SourcePrefixListId", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "ToPort"},
		required: []string{"GroupId", "IpProtocol", "FromPort", "ToPort", "SourceSecurityGroupId"},
		check: func(t *testing.T, name string, p map[string]any) {
			if _, open := p["CidrIp"]; open {
				t.Errorf("%s: the cache is reachable from the Lambdas' security group only", name)
			}
			if p["FromPort"] != json.Number("6379") || p["ToPort"] != json.Number("6380") {
				t.Errorf("%s: ports %v-%v, want 6379-6380", name, p["FromPort"], p["ToPort"])
			}
		},
	},
	"AWS::ElastiCache::ServerlessCache": {
		allowed:  []string{"CacheUsageLimits", "DailySnapshotTime", "Description", "Endpoint", "Engine", "FinalSnapshotName", "KmsKeyId", "MajorEngineVersion", "ReaderEndpoint", "SecurityGroupIds", "ServerlessCacheName", "SnapshotArnsToRestore", "SnapshotRetentionLimit", "SubnetIds", "Tags", "UserGroupId"},
		required: []string{"ServerlessCacheName", "Engine", "SecurityGroupIds", "SubnetIds"},
		check: func(t *testing.T, name string, p map[string]any) {
			if e, ok := p["Engine"].(string); ok && e != "redis" && e != "valkey" {
				t.Errorf("%s: Engine %q", name, e)
			}
			if subnets, _ := p["SubnetIds"].([]any); len(subnets) < 2 {
				t.Errorf("%s: want subnets in two zones", name)
			}
		},
	},
}

func checkKeys(t *testing.T, where string, p map[string]any, allowed, required []string) {
	t.Helper()
	for _, problem := range keyProblems(p, allowed, required) {
		t.Errorf("%s: %s", where, problem)
	}
}

func keyProblems(p map[string]any, allowed, required []string) []string {
	var out []string
	for _, k := range sortedKeys(p) {
		if !contains(allowed, k) {
			out = append(out, fmt.Sprintf("unknown property %q", k))
		}
	}
	for _, k := range required {
		if _, ok := p[k]; !ok {
			out = append(out, fmt.Sprintf("missing property %q", k))
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCloudFormationResourceProperties(t *testing.T) {
	res := readTemplate(t)["Resources"].(map[string]any)
	for _, name := range sortedKeys(res) {
		r := res[name].(map[string]any)
		typ, _ := r["Type"].(string)
		if strings.HasPrefix(typ, "AWS::Serverless::") {
			continue // checked by the SAM schema
		}
		rule, ok := cfnRules[typ]
		if !ok {
			t.Errorf("%s: resource type %s has no property rules in this test; add them", name, typ)
			continue
		}
		p, _ := r["Properties"].(map[string]any)
		checkKeys(t, name, p, rule.allowed, rule.required)
		if rule.check != nil {
			rule.check(t, name, p)
		}
		for k := range r {
			if !contains([]string{"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"}, k) {
				t.Errorf("%s: unknown resource attribute %q", name, k)
			}
		}
	}
}

func TestRulesCatchMisspelledCloudFormationProperty(t *testing.T) {
	rule := cfnRules["AWS::ElastiCache::ServerlessCache"]
	p := map[string]any{"ServerlessCacheName": "x", "Engin": "valkey", "SecurityGroupIds": []any{}, "SubnetIds": []any{}}
	got := keyProblems(p, rule.allowed, rule.required)
	if fmt.Sprint(got) != `[unknown property "Engin" missing property "Engine"]` {
		t.Fatalf("problems %q", got)
	}
}

// --- the template and the generated OpenAPI agree ------------------------

var subRef = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func collectSubs(v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["Fn::Sub"].(string); ok {
			for _, m := range subRef.FindAllStringSubmatch(s, -1) {
				out[m[1]] = true
			}
		}
		for _, c := range x {
			collectSubs(c, out)
		}
	case []any:
		for _, c := range x {
			collectSubs(c, out)
		}
	}
}

func TestOpenAPIReferencesExistInTemplate(t *testing.T) {
	tpl := readTemplate(t)
	params := tpl["Parameters"].(map[string]any)
	res := tpl["Resources"].(map[string]any)
	data, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	refs := map[string]bool{}
	collectSubs(doc, refs)
	vars := map[string]string{}
	for _, name := range sortedKeys(refs) {
		switch {
		case strings.HasPrefix(name, "AWS::"):
		case params[name] != nil:
		case strings.HasSuffix(name, ".Arn"):
			r, _ := res[strings.TrimSuffix(name, ".Arn")].(map[string]any)
			if r == nil || r["Type"] != "AWS::Serverless::Function" {
				t.Errorf("openapi.json refers to ${%s}, which is not a function of the template", name)
			}
		default:
			t.Errorf("openapi.json refers to ${%s}, which the template does not define", name)
		}
		vars[name] = "x"
	}
	vars[gr.VarAllowedOrigin] = "https://app.example.com"
	vars[gr.VarEchoBackendURL] = "https://backend.example.com"
	api, err := gr.Load(data, vars)
	if err != nil {
		t.Fatal(err)
	}
	if api.Authorizer != gr.FunctionAuthorizer || res[api.Authorizer] == nil {
		t.Errorf("authorizer %q", api.Authorizer)
	}
	// Every function the API invokes may be invoked by API Gateway.
	invoked := map[string]bool{api.Authorizer: true}
	for _, r := range api.Routes {
		if fn, ok := r.LambdaFunction(); ok {
			invoked[fn] = true
		}
	}
	for fn := range invoked {
		found := false
		for _, r := range res {
			rm := r.(map[string]any)
			if rm["Type"] != "AWS::Lambda::Permission" {
				continue
			}
			ga, _ := rm["Properties"].(map[string]any)["FunctionName"].(map[string]any)["Fn::GetAtt"].([]any)
			if len(ga) == 2 && ga[0] == fn {
				found = true
			}
		}
		if !found {
			t.Errorf("no AWS::Lambda::Permission for %s", fn)
		}
	}
}

var contractEnv = []string{"REDIS_URL", "REDIS_MODE", "SESSION_KEYS", "SESSION_ACCESS_TTL", "SESSION_ROTATE_AFTER",
	"SESSION_GRACE", "SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_TIMEOUT", "COOKIE_SECURE", "COOKIE_SAMESITE",
	"COOKIE_DOMAIN", "API_BASE_PATH", "ALLOWED_ORIGINS", "ANTI_CSRF"}

func TestFunctions(t *testing.T) {
	tpl := readTemplate(t)
	g := tpl["Globals"].(map[string]any)["Function"].(map[string]any)
	if g["Runtime"] != "provided.al2023" || g["Handler"] != "bootstrap" || fmt.Sprint(g["Architectures"]) != "[arm64]" {
		t.Errorf("Globals.Function: %v", g)
	}
	res := tpl["Resources"].(map[string]any)
	wantCode := map[string]string{gr.FunctionAuthorizer: "dist/authorizer.zip", gr.FunctionSessionAPI: "dist/sessionapi.zip", gr.FunctionBackend: "dist/examplebackend.zip"}
	build, err := os.ReadFile("build.sh")
	if err != nil {
		t.Fatal(err)
	}
	for fn, code := range wantCode {
		r, _ := res[fn].(map[string]any)
		if r == nil {
			t.Errorf("no function %s", fn)
			continue
		}
		p := r["Properties"].(map[string]any)
		if p["CodeUri"] != code {
			t.Errorf("%s: CodeUri %v, want %s", fn, p["CodeUri"], code)
		}
		cmd := strings.TrimSuffix(strings.TrimPrefix(code, "dist/"), ".zip")
		if !bytes.Contains(build, []byte(cmd)) {
			t.Errorf("build.sh does not build %s", cmd)
		}
		env, _ := p["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		for k := range vars {
			if !contains(contractEnv, k) {
				t.Errorf("%s: environment variable %s is not in contract §5", fn, k)
			}
		}
		if fn == gr.FunctionBackend {
			if _, ok := vars["SESSION_KEYS"]; ok {
				t.Errorf("%s must not receive SESSION_KEYS", fn)
			}
			continue
		}
		for _, k := range contractEnv {
			if _, ok := vars[k]; !ok {
				t.Errorf("%s: missing environment variable %s", fn, k)
			}
		}
		if u, _ := vars["REDIS_URL"].(map[string]any)["Fn::Sub"].(string); !strings.HasPrefix(u, "rediss://") {
			t.Errorf("%s: REDIS_URL %q must use TLS (rediss://)", fn, u)
		}
		if vars["COOKIE_SECURE"] != "true" {
			t.Errorf("%s: COOKIE_SECURE %v", fn, vars["COOKIE_SECURE"])
		}
		if _, ok := p["VpcConfig"]; !ok {
			t.Errorf("%s: must run in the VPC to reach the cache", fn)
		}
	}
	api := res["ExampleApi"].(map[string]any)["Properties"].(map[string]any)
	tr := api["DefinitionBody"].(map[string]any)["Fn::Transform"].(map[string]any)
	if tr["Name"] != "AWS::Include" || tr["Parameters"].(map[string]any)["Location"] != "openapi.json" {
		t.Errorf("ExampleApi.DefinitionBody: %v", tr)
	}
}

func TestGatewayResponsesCloudFormationFile(t *testing.T) {
	data, err := os.ReadFile("gateway-responses.cfn.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Resources) == 0 {
		t.Fatal("no resources")
	}
	for name, r := range doc.Resources {
		if r.Type != "AWS::ApiGateway::GatewayResponse" {
			t.Errorf("%s: type %s", name, r.Type)
		}
		checkKeys(t, name, r.Properties, []string{"ResponseParameters", "ResponseTemplates", "ResponseType", "RestApiId", "StatusCode"}, []string{"ResponseType", "RestApiId"})
		rt, _ := r.Properties["ResponseType"].(string)
		if !gr.ResponseType(rt).Valid() {
			t.Errorf("%s: ResponseType %q is not an API Gateway response type", name, rt)
		}
		if ref(r.Properties["RestApiId"]) == "" {
			t.Errorf("%s: RestApiId must be a Ref", name)
		}
	}
}

// The build script runs when the three commands exist (the lead adds
// them); it is skipped before that, and in -short mode.
func TestBuildScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three arm64 binaries")
	}
	for _, c := range []string{"authorizer", "sessionapi", "examplebackend"} {
		if !hasMainPackage(filepath.Join("..", "cmd", c)) {
			t.Skipf("cmd/%s has no main package yet", c)
		}
	}
	if _, err := exec.LookPath("zip"); err != nil {
		t.Skip("zip is not installed")
	}
	out, err := exec.Command("bash", "build.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	for _, c := range []string{"authorizer", "sessionapi", "examplebackend"} {
		list, err := exec.Command("unzip", "-Z1", filepath.Join("dist", c+".zip")).Output()
		if err != nil {
			t.Fatalf("%s.zip: %v", c, err)
		}
		if strings.TrimSpace(string(list)) != "bootstrap" {
			t.Errorf("%s.zip holds %q, want bootstrap only", c, list)
		}
	}
}

func hasMainPackage(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err == nil && regexp.MustCompile(`(?m)^package main\b`).Match(src) {
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
