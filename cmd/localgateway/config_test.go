package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/deploy"
	"github.com/sessiongate/sessiongate/internal/samtemplate"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// apiDir writes a directory as `sessiongate render` does: openapi.json
// and rules.json (the embedded deploy/ ones unless given), and, when
// template is not "", template.yaml.
func apiDir(t *testing.T, openapi, rules []byte, template string) string {
	t.Helper()
	dir := t.TempDir()
	if openapi == nil {
		openapi = deploy.OpenAPI
	}
	if rules == nil {
		rules = deploy.Rules
	}
	files := map[string][]byte{fileOpenAPI: openapi, fileRules: rules}
	if template != "" {
		files[fileTemplate] = []byte(template)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runErr runs the gateway with args and env, expecting it to refuse to
// start, and returns the error.
func runErr(t *testing.T, env map[string]string, args ...string) error {
	t.Helper()
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // should it start after all, it stops at once
	stdout := newLineWriter()
	err := runWith(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), lookup, stdout, io.Discard, time.Now)
	if err == nil {
		t.Fatalf("the gateway started: %s", stdout)
	}
	return err
}

// A template whose function has a variable only a deployment can give.
const templateDeployedOnly = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  AllowedOrigin: {Type: String}
  EchoBackendUrl: {Type: String}
  Tenant: {Type: String}
Resources:
  AuthorizerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: a.zip
      Handler: bootstrap
      Runtime: provided.al2023
      Environment:
        Variables:
          QUEUE_URL: !GetAtt Queue.QueueUrl
          TENANT: !Ref Tenant
  SessionApiFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s.zip, Handler: bootstrap, Runtime: provided.al2023}
  ExampleBackendFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: e.zip, Handler: bootstrap, Runtime: provided.al2023}
  Queue:
    Type: AWS::SQS::Queue
`

func TestConfigErrors(t *testing.T) {
	const keys = "SESSION_KEYS"
	noTemplate := apiDir(t, nil, nil, "")
	deployedOnly := apiDir(t, nil, nil, templateDeployedOnly)
	noOpenAPI := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"bad flag duration", nil, []string{"-access-ttl", "soon"}, []string{"-access-ttl", `"soon"`}},
		{"bad env duration", map[string]string{"SESSION_GRACE": "x"}, nil, []string{"SESSION_GRACE"}},
		{"flag against env", map[string]string{"SESSION_ACCESS_TTL": "10m"}, []string{"-rotate-after", "20m"}, []string{"SESSION_ROTATE_AFTER"}},
		{"rules override", map[string]string{"AUTHZ_RULES": `[{"role":"x"}]`}, nil, []string{"AUTHZ_RULES"}},
		{"rules file", map[string]string{"AUTHZ_RULES_FILE": filepath.Join(noOpenAPI, "none.json")}, nil, []string{"AUTHZ_RULES_FILE"}},
		{"api base path", map[string]string{"API_BASE_PATH": "/session"}, nil, []string{"API_BASE_PATH /session", "POST /auth/session/refresh"}},
		{"bad keys never printed", map[string]string{keys: "c2VjcmV0c2VjcmV0:c2VjcmV0"}, nil, []string{"SESSION_KEYS"}},
		{"extra argument", nil, []string{"serve"}, []string{"unexpected arguments"}},
		{"cluster without url", map[string]string{"REDIS_MODE": "cluster"}, nil, []string{"REDIS_MODE"}},
		{"stage with a slash", nil, []string{"-stage", "/prod"}, []string{"-stage", "no slash"}},
		{"param without a value", nil, []string{"-param", "StageName"}, []string{`-param "StageName": want Name=Value`}},
		{"param twice", nil, []string{"-param", "StageName=a", "-param", "StageName=b"}, []string{"-param StageName is given more than once"}},
		{"param the template does not declare", nil, []string{"-param", "Nope=1"}, []string{"-param Nope: the template declares no parameter Nope", "StageName"}},
		{"param its pattern refuses", nil, []string{"-param", "AllowedOrigin=not an origin"}, []string{"AllowedOrigin"}},
		{"parameter without default", nil, []string{"-api", deployedOnly}, []string{"template parameter Tenant has no default: give it with -param Tenant=VALUE"}},
		{"variable only a deployment has", nil, []string{"-api", deployedOnly, "-param", "Tenant=t1"},
			[]string{"AuthorizerFunction: QUEUE_URL cannot be evaluated locally", "set QUEUE_URL in the gateway's environment"}},
		{"no api directory", nil, []string{"-api", filepath.Join(noOpenAPI, "missing")}, []string{"-api", "not a directory"}},
		{"no openapi.json", nil, []string{"-api", noOpenAPI}, []string{"has no openapi.json", "sessiongate render"}},
		{"no rules.json", nil, []string{"-api", func() string {
			d := apiDir(t, nil, nil, "")
			if err := os.Remove(filepath.Join(d, fileRules)); err != nil {
				t.Fatal(err)
			}
			return d
		}()}, []string{"rules.json does not exist", "AUTHZ_RULES"}},
		{"no template file", nil, []string{"-api", noTemplate, "-template", filepath.Join(noOpenAPI, "t.yaml")}, []string{"-template", "no such file"}},
		{"service syntax", nil, []string{"-service", "appsync-api"}, []string{`-service "appsync-api": want NAME=URL`}},
		{"service URL", nil, []string{"-service", "appsync-api=ftp://x"}, []string{"-service appsync-api", "not an http or https URL"}},
		{"service no route uses", nil, []string{"-service", "appsync-api=http://127.0.0.1:1"},
			[]string{"-service appsync-api: no AWS integration of the API names the service appsync-api"}},
		{"every problem together", map[string]string{"SESSION_GRACE": "x"},
			[]string{"-stage", "a/b", "-param", "Nope=1", "-service", "x", "-access-ttl", "soon"},
			[]string{"-stage", "-param Nope", `-service "x"`, "-access-ttl", "SESSION_GRACE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runErr(t, tt.env, tt.args...)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "c2VjcmV0") {
				t.Errorf("error prints key material: %v", err)
			}
		})
	}
}

// STAGE_PREFIX is an explicit override now, no longer refused.
func TestStagePrefixIsAnOverride(t *testing.T) {
	g := startGateway(t, map[string]string{"STAGE_PREFIX": "/v1"}, time.Now)
	r := signIn(t, newClient(t, g.URL), "alice", "user")
	if c := refreshCookie(t, g, r.Header); c.Path != "/v1/auth/session/refresh" {
		t.Errorf("refresh cookie Path %q, want STAGE_PREFIX's /v1/auth/session/refresh", c.Path)
	}
}

// refreshCookie is the refresh cookie (g.Refresh) of a response.
func refreshCookie(t *testing.T, g *gw, h http.Header) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == g.Refresh {
			return c
		}
	}
	t.Fatalf("no %s cookie in %q", g.Refresh, h.Values("Set-Cookie"))
	return nil
}

// configureFor runs configure over the inputs of args and env, failing
// the test on any problem.
func configureFor(t *testing.T, env map[string]string, args ...string) *startup {
	t.Helper()
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	s, ps, err := parseFlags(args, lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var problems problemList
	problems.add(ps...)
	src, errs := loadSource(s)
	for _, err := range errs {
		problems.addErr("", err)
	}
	st := configure(s, src, lookup, "http://127.0.0.1:9,http://localhost:9", "http://127.0.0.1:7", sessiontest.Keys(t), &problems)
	if err := problems.err(); err != nil {
		t.Fatal(err)
	}
	return st
}

// Each in-process function gets its own environment from the template:
// a variable that differs between them shows in its manager's
// configuration, a parameter given with -param in both, and the local
// overrides in both.
func TestTemplateEnvPerFunction(t *testing.T) {
	tpl, err := os.ReadFile(filepath.Join("testdata", "template-differ.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := apiDir(t, nil, nil, string(tpl))
	st := configureFor(t, map[string]string{"SESSION_KEYS": sessiontest.Keys(t), "SESSION_GRACE": "7s"}, "-api", dir, "-param", "AccessTtl=20m")
	authz, sess := st.configs[authorizerFunction], st.configs[sessionAPIFunction]
	if authz.CookieSameSite != http.SameSiteLaxMode || sess.CookieSameSite != http.SameSiteStrictMode {
		t.Errorf("SameSite: authorizer %v, session API %v; want lax and strict as the template says", authz.CookieSameSite, sess.CookieSameSite)
	}
	if authz.RotateAfter != 5*time.Minute || sess.RotateAfter != 2*time.Minute {
		t.Errorf("RotateAfter: authorizer %s, session API %s; want the default 5m and the template's 2m", authz.RotateAfter, sess.RotateAfter)
	}
	for id, cfg := range st.configs {
		if cfg.AccessTTL != 20*time.Minute {
			t.Errorf("%s: AccessTTL %s, want -param AccessTtl=20m", id, cfg.AccessTTL)
		}
		if cfg.Grace != 7*time.Second {
			t.Errorf("%s: Grace %s, want the gateway's SESSION_GRACE", id, cfg.Grace)
		}
		if strings.Join(cfg.AllowedOrigins, ",") != "http://127.0.0.1:9,http://localhost:9" {
			t.Errorf("%s: AllowedOrigins %q, want the gateway's own", id, cfg.AllowedOrigins)
		}
	}
	want := []string{"ALLOWED_ORIGINS", "REDIS_MODE", "REDIS_URL", "SESSION_GRACE", "SESSION_KEYS"}
	if strings.Join(st.overridden, ",") != strings.Join(want, ",") {
		t.Errorf("overridden %q, want %q", st.overridden, want)
	}
	if st.store != nil {
		t.Errorf("the template's REDIS_URL was used for the store")
	}
}

// -param AllowedOrigin names the browser's origin: the template's
// ALLOWED_ORIGINS (!Ref AllowedOrigin) then stands, and the gateway
// responses allow that origin.
func TestParamAllowedOrigin(t *testing.T) {
	st := configureFor(t, map[string]string{}, "-param", "AllowedOrigin=http://localhost:5173")
	for id, cfg := range st.configs {
		if strings.Join(cfg.AllowedOrigins, ",") != "http://localhost:5173" {
			t.Errorf("%s: AllowedOrigins %q", id, cfg.AllowedOrigins)
		}
	}
	if contains(st.overridden, "ALLOWED_ORIGINS") {
		t.Errorf("ALLOWED_ORIGINS overridden: %q", st.overridden)
	}
	resp, err := st.api.EvaluateGatewayResponse("UNAUTHORIZED", nil, nil)
	if err != nil || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Errorf("gateway response CORS %v (%v)", resp.Header, err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestParseAWSURI(t *testing.T) {
	tests := []struct {
		uri  string
		want awsTarget
		ok   bool
	}{
		{"arn:aws:apigateway:us-east-1:abc123.appsync-api:path/graphql", awsTarget{service: "appsync-api", path: "/graphql"}, true},
		{"arn:aws:apigateway:local:local.appsync-api:path/graphql", awsTarget{service: "appsync-api", path: "/graphql"}, true},
		{"arn:aws:apigateway:eu-west-1:s3:path/bucket/key.json", awsTarget{service: "s3", path: "/bucket/key.json"}, true},
		{"arn:aws:apigateway:eu-west-1:sqs:action/SendMessage", awsTarget{service: "sqs", action: "SendMessage"}, true},
		{"arn:aws-cn:apigateway:cn-north-1:a.b.appsync-api:path/graphql", awsTarget{service: "appsync-api", path: "/graphql"}, true},
		{"arn:aws:lambda:us-east-1:1:function:f", awsTarget{}, false},
		{"arn:aws:apigateway:us-east-1:Bad_Service:path/x", awsTarget{}, false},
		{"arn:aws:apigateway:us-east-1:s3:other/x", awsTarget{}, false},
		{"https://example.com/graphql", awsTarget{}, false},
	}
	for _, tt := range tests {
		got, ok := parseAWSURI(tt.uri)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseAWSURI(%q) = %+v, %v; want %+v, %v", tt.uri, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDefinitionVars(t *testing.T) {
	def := []byte(`{"a":{"Fn::Sub":"${AWS::Region} ${AllowedOrigin} ${AuthorizerFunction.Arn} ${Api.GraphQLDns} ${!Literal} ${Unknown}"}}`)
	v := definitionVars(def, map[string]string{"AllowedOrigin": "http://o"})
	for k, want := range map[string]string{"AWS::Region": "local", "AllowedOrigin": "http://o",
		"AuthorizerFunction.Arn": "arn:aws:lambda:local:000000000000:function:AuthorizerFunction", "Api.GraphQLDns": "local"} {
		if v[k] != want {
			t.Errorf("%s = %q, want %q", k, v[k], want)
		}
	}
	for _, k := range []string{"Unknown", "!Literal"} {
		if _, ok := v[k]; ok {
			t.Errorf("%s has a value: a reference to nothing must stay an error of Load", k)
		}
	}
}

// The gateway warns when the template, with the parameters given, would
// not deploy the definition it serves.
func TestDeployedAPIWarning(t *testing.T) {
	const tpl = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  ApiType: {Type: String, Default: REST, AllowedValues: [REST, HTTP]}
Conditions:
  IsRest: !Equals [!Ref ApiType, REST]
  IsHttp: !Equals [!Ref ApiType, HTTP]
Resources:
  RestApi:
    Type: AWS::Serverless::Api
    Condition: IsRest
    Properties:
      StageName: prod
      DefinitionBody: {"Fn::Transform": {Name: AWS::Include, Parameters: {Location: openapi.json}}}
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Condition: IsHttp
    Properties:
      DefinitionBody: {"Fn::Transform": {Name: AWS::Include, Parameters: {Location: ./httpapi-openapi.json}}}
`
	parsed, err := samtemplate.Parse([]byte(tpl))
	if err != nil {
		t.Fatal(err)
	}
	src := func(def string) apiSource {
		return apiSource{definition: file{name: def}, template: parsed, templateName: "DIR/template.yaml"}
	}
	for _, tt := range []struct {
		def, apiType string
		warn         bool
	}{
		{"DIR/openapi.json", "REST", false},
		{"deploy/httpapi-openapi.json (embedded)", "HTTP", false},
		{"deploy/httpapi-openapi.json (embedded)", "REST", true},
		{"DIR/openapi.json", "HTTP", true},
	} {
		got := deployedAPIWarning(src(tt.def), map[string]string{"ApiType": tt.apiType})
		if (len(got) > 0) != tt.warn {
			t.Errorf("%s with ApiType %s: warnings %q", tt.def, tt.apiType, got)
		}
		if tt.warn && !strings.Contains(got[0], "deploys no API from") {
			t.Errorf("warning %q", got[0])
		}
	}
}
