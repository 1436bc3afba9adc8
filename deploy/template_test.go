package deploy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

// sessionConfigNames are the variables of the session configuration: every
// name session.ConfigFromEnv and redisstore.ClientConfigFromEnv look up,
// recorded by calling them. Derived, so that a new variable needs no edit
// here.
func sessionConfigNames(t testing.TB) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	record := func(k string) (string, bool) { names[k] = true; return "", false }
	_, _ = session.ConfigFromEnv(record)
	_, _ = redisstore.ClientConfigFromEnv(record)
	if !names["SESSION_KEYS"] || !names["REDIS_URL"] {
		t.Fatalf("recorded only %v", sortedKeys(names))
	}
	return names
}

// envLiteral finds the names a command's own code looks up.
var envLiteral = regexp.MustCompile(`(?:lookup|LookupEnv|Getenv|env)\("([A-Z][A-Z0-9_]*)"\)`)

// namesRead is every variable cmd/<cmd> reads: the names its own sources
// look up, the session configuration's when it reads that, and LOG_SALT
// when it reads it through package logid.
func namesRead(t testing.TB, cmd string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "cmd", cmd, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("cmd/%s has no Go files (%v)", cmd, err)
	}
	names := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envLiteral.FindAllSubmatch(src, -1) {
			names[string(m[1])] = true
		}
		if strings.Contains(string(src), "session.ConfigFromEnv(") {
			for n := range sessionConfigNames(t) {
				names[n] = true
			}
		}
		if strings.Contains(string(src), "logid.FromEnv(") || strings.Contains(string(src), "logid.EnvSalt") {
			names[logid.EnvSalt] = true
		}
	}
	return names
}

// functionEnv is the environment a function gets in s: the Globals'
// variables (unless it ignores them) overlaid with its own, without the
// ones an Fn::If removed (AWS::NoValue).
func functionEnv(s stack, fn string) map[string]any {
	env := map[string]any{}
	r := s.resources[fn]
	if !ignoresGlobal(r, "Environment") {
		g, _ := s.resolve(s.tpl["Globals"]).(map[string]any)
		gf, _ := g["Function"].(map[string]any)
		ge, _ := gf["Environment"].(map[string]any)
		gv, _ := ge["Variables"].(map[string]any)
		for k, v := range gv {
			env[k] = v
		}
	}
	for k, v := range ownEnv(r) {
		env[k] = v
	}
	for k, v := range env {
		if ref(v) == "AWS::NoValue" {
			delete(env, k)
		}
	}
	return env
}

// ownEnv is the Environment.Variables a function declares itself.
func ownEnv(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	e, _ := p["Environment"].(map[string]any)
	v, _ := e["Variables"].(map[string]any)
	return v
}

// ignoresGlobal reports whether resource r opts out of the Globals'
// property prop with the IgnoreGlobals attribute ("*" or a list).
func ignoresGlobal(r map[string]any, prop string) bool {
	switch ig := r["IgnoreGlobals"].(type) {
	case string:
		return ig == "*"
	case []any:
		for _, x := range ig {
			if x == prop {
				return true
			}
		}
	}
	return false
}

// functionProp is a property of a function, its own or from Globals.
func functionProp(s stack, fn, prop string) any {
	r := s.resources[fn]
	p, _ := r["Properties"].(map[string]any)
	if v, ok := p[prop]; ok {
		return v
	}
	if ignoresGlobal(r, prop) {
		return nil
	}
	g, _ := s.tpl["Globals"].(map[string]any)
	gf, _ := g["Function"].(map[string]any)
	return s.resolve(gf[prop])
}

// apiTypes are the values of the ApiType parameter.
func apiTypes(t testing.TB, tpl map[string]any) []string {
	t.Helper()
	p, _ := tpl["Parameters"].(map[string]any)["ApiType"].(map[string]any)
	var out []string
	for _, v := range p["AllowedValues"].([]any) {
		out = append(out, v.(string))
	}
	if fmt.Sprint(out) != "[REST HTTP]" || p["Default"] != "REST" {
		t.Fatalf("ApiType: AllowedValues %v Default %v, want [REST HTTP] and REST", out, p["Default"])
	}
	return out
}

func TestFunctions(t *testing.T) {
	tpl := readTemplate(t)
	g := tpl["Globals"].(map[string]any)["Function"].(map[string]any)
	if g["Runtime"] != "provided.al2023" || g["Handler"] != "bootstrap" || fmt.Sprint(g["Architectures"]) != "[arm64]" {
		t.Errorf("Globals.Function: %v", g)
	}
	build, err := os.ReadFile("build.sh")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	sessionNames := sessionConfigNames(t)
	cmdOf := map[string]string{fnAuthorizer: "authorizer", fnSessionAPI: "sessionapi", fnBackend: "examplebackend"}

	for _, apiType := range apiTypes(t, tpl) {
		s := evaluate(t, tpl, map[string]string{"ApiType": apiType})
		envs := map[string]map[string]any{}
		for _, fn := range sortedKeys(cmdOf) {
			cmd := cmdOf[fn]
			r := s.resources[fn]
			if r == nil || r["Type"] != "AWS::Serverless::Function" {
				t.Errorf("%s: no function %s", apiType, fn)
				continue
			}
			if code := r["Properties"].(map[string]any)["CodeUri"]; code != "dist/"+cmd+".zip" {
				t.Errorf("%s: CodeUri %v, want dist/%s.zip", fn, code, cmd)
			}
			if !strings.Contains(string(build), cmd) {
				t.Errorf("build.sh does not build %s", cmd)
			}
			env := functionEnv(s, fn)
			envs[fn] = env
			read := namesRead(t, cmd)
			for _, k := range sortedKeys(env) {
				if !read[k] {
					t.Errorf("%s: %s gets %s, which cmd/%s never reads", apiType, fn, k, cmd)
				}
				if !strings.Contains(string(readme), "`"+k+"`") {
					t.Errorf("%s: %s gets %s, which deploy/README.md does not document", apiType, fn, k)
				}
			}
			// A function that checks origins gets the one allowed origin.
			if read["ALLOWED_ORIGINS"] && ref(env["ALLOWED_ORIGINS"]) != "AllowedOrigin" {
				t.Errorf("%s: cmd/%s reads ALLOWED_ORIGINS; %s gets %v, want the AllowedOrigin parameter", apiType, cmd, fn, env["ALLOWED_ORIGINS"])
			}
			// The deployed authorizer enforces the rules in its package
			// (build_test.go); the session API derives the cookie path.
			for _, k := range []string{"AUTHZ_RULES", "AUTHZ_RULES_FILE", "STAGE_PREFIX"} {
				if _, ok := env[k]; ok {
					t.Errorf("%s: %s sets %s", apiType, fn, k)
				}
			}
		}

		// The session configuration: once, in Globals, the same for both.
		for _, fn := range []string{fnAuthorizer, fnSessionAPI} {
			for k := range ownEnv(s.resources[fn]) {
				if sessionNames[k] {
					t.Errorf("%s sets %s itself: the session configuration belongs in Globals.Function.Environment, once", fn, k)
				}
			}
			if functionProp(s, fn, "VpcConfig") == nil {
				t.Errorf("%s: must run in the VPC to reach the cache", fn)
			}
		}
		for k := range sessionNames {
			a, b := envs[fnAuthorizer][k], envs[fnSessionAPI][k]
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: the authorizer and the session API disagree on %s: %v and %v", apiType, k, a, b)
			}
		}
		env := envs[fnAuthorizer]
		if u, _ := env["REDIS_URL"].(map[string]any)["Fn::Sub"].(string); !strings.HasPrefix(u, "rediss://") {
			t.Errorf("REDIS_URL %q must use TLS (rediss://)", u)
		}
		if env["REDIS_MODE"] != "cluster" {
			t.Errorf("REDIS_MODE %v: ElastiCache Serverless needs the cluster client", env["REDIS_MODE"])
		}
		if k, _ := env["SESSION_KEYS"].(map[string]any)["Fn::Sub"].(string); !strings.HasPrefix(k, "{{resolve:secretsmanager:") {
			t.Errorf("SESSION_KEYS %q must be a Secrets Manager dynamic reference", k)
		}
		if env["COOKIE_SECURE"] != "true" {
			t.Errorf("COOKIE_SECURE %v", env["COOKIE_SECURE"])
		}

		// The example backend gets no session configuration and no VPC.
		for k := range envs[fnBackend] {
			if sessionNames[k] && k != "ALLOWED_ORIGINS" {
				t.Errorf("%s must not receive %s", fnBackend, k)
			}
		}
		if functionProp(s, fnBackend, "VpcConfig") != nil {
			t.Errorf("%s runs outside the VPC", fnBackend)
		}
	}
}

// The checks of TestFunctions see a function's real environment: the
// Globals' variables unless IgnoreGlobals drops them, its own on top.
func TestFunctionEnvMergesGlobals(t *testing.T) {
	tpl := templateJSON(t, []byte(`
Globals:
  Function:
    Environment:
      Variables: {A: "1", B: "2", C: !If [Never, x, !Ref "AWS::NoValue"]}
Conditions:
  Never: !Equals [a, b]
Resources:
  F: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {B: "3"}}}}
  G: {Type: AWS::Serverless::Function, IgnoreGlobals: [Environment], Properties: {}}
  H: {Type: AWS::Serverless::Function, IgnoreGlobals: "*", Properties: {Environment: {Variables: {D: "4"}}}}
`))
	s := evaluate(t, tpl, nil)
	for fn, want := range map[string]string{"F": `{"A":"1","B":"3"}`, "G": `{}`, "H": `{"D":"4"}`} {
		got, _ := json.Marshal(functionEnv(s, fn))
		if string(got) != want {
			t.Errorf("%s: env %s, want %s", fn, got, want)
		}
	}
}

// TestAPITypes: ApiType REST creates the REST API from openapi.json, HTTP
// the HTTP API from httpapi-openapi.json; everything each stack refers to
// exists in it, and the outputs name the API that exists.
func TestAPITypes(t *testing.T) {
	tpl := readTemplate(t)
	want := map[string]struct{ id, typ, body string }{
		"REST": {"ExampleApi", "AWS::Serverless::Api", "openapi.json"},
		"HTTP": {"ExampleHttpApi", "AWS::Serverless::HttpApi", "httpapi-openapi.json"},
	}
	for _, apiType := range apiTypes(t, tpl) {
		t.Run(apiType, func(t *testing.T) {
			s := evaluate(t, tpl, map[string]string{"ApiType": apiType})
			w := want[apiType]
			var apis []string
			for name, r := range s.resources {
				if typ, _ := r["Type"].(string); typ == "AWS::Serverless::Api" || typ == "AWS::Serverless::HttpApi" {
					apis = append(apis, name)
				}
			}
			if len(apis) != 1 || apis[0] != w.id || s.resources[w.id]["Type"] != w.typ {
				t.Fatalf("APIs %v, want only %s (%s)", apis, w.id, w.typ)
			}
			p := s.resources[w.id]["Properties"].(map[string]any)
			if ref(p["StageName"]) != "StageName" {
				t.Errorf("%s: StageName %v, want the StageName parameter", w.id, p["StageName"])
			}
			tr, _ := p["DefinitionBody"].(map[string]any)["Fn::Transform"].(map[string]any)
			if tr["Name"] != "AWS::Include" || tr["Parameters"].(map[string]any)["Location"] != w.body {
				t.Errorf("%s: DefinitionBody %v, want AWS::Include of %s", w.id, p["DefinitionBody"], w.body)
			}
			checkReferencesExist(t, s)

			// Every permission is scoped to the API that exists.
			for _, name := range sortedKeys(s.resources) {
				r := s.resources[name]
				if r["Type"] != "AWS::Lambda::Permission" {
					continue
				}
				if api := permissionAPI(r); api != w.id {
					t.Errorf("%s: SourceArn names API %q, want %s", name, api, w.id)
				}
			}

			outs := s.outputs()
			if ref(outs["ApiType"]["Value"]) != "ApiType" {
				t.Errorf("output ApiType %v", outs["ApiType"])
			}
			url, vars := subParts(outs["ApiUrl"]["Value"].(map[string]any)["Fn::Sub"])
			if !strings.HasPrefix(url, "https://${ApiId}.execute-api.") || !strings.HasSuffix(url, "/${StageName}") || ref(vars["ApiId"]) != w.id {
				t.Errorf("output ApiUrl %v, want the execute-api URL of %s", outs["ApiUrl"]["Value"], w.id)
			}
			base := functionEnv(s, fnSessionAPI)["API_BASE_PATH"]
			path, _ := subParts(outs["RefreshCookiePath"]["Value"].(map[string]any)["Fn::Sub"])
			if path != "/${StageName}"+fmt.Sprint(base)+"/session/refresh" {
				t.Errorf("output RefreshCookiePath %q, want /${StageName} + API_BASE_PATH (%v) + /session/refresh", path, base)
			}
			if v, _ := outs["SameSiteRequirement"]["Value"].(string); !strings.Contains(v, "one site") {
				t.Errorf("output SameSiteRequirement %q must state the same-site requirement", v)
			}
		})
	}
	if d, _ := tpl["Description"].(string); !strings.Contains(d, "Same-site requirement") || len(d) > 1024 {
		t.Errorf("the template's Description (%d bytes, at most 1024) must state the same-site requirement: %q", len(d), d)
	}
}

// checkReferencesExist: everything the existing resources, the Globals and
// the existing outputs refer to is a parameter, a pseudo parameter or a
// resource of this stack.
func checkReferencesExist(t *testing.T, s stack) {
	t.Helper()
	params, _ := s.tpl["Parameters"].(map[string]any)
	where := map[string]any{"Globals": s.resolve(s.tpl["Globals"])}
	for name, r := range s.resources {
		where["resource "+name] = r
	}
	for name, o := range s.outputs() {
		where["output "+name] = o
	}
	for _, w := range sortedKeys(where) {
		for _, name := range references(where[w]) {
			if params[name] == nil && !pseudoParams[name] && s.resources[name] == nil {
				t.Errorf("%s refers to %s, which does not exist in this stack", w, name)
			}
		}
	}
}

// permissionAPI is the API resource a permission's SourceArn names: the
// first ${X} after the account, or the resource its variable refers to.
func permissionAPI(r map[string]any) string {
	p, _ := r["Properties"].(map[string]any)
	sa, _ := p["SourceArn"].(map[string]any)
	str, vars := subParts(sa["Fn::Sub"])
	m := executeAPISource.FindString(str)
	if m == "" {
		return ""
	}
	names := subNames(str)
	if len(names) < 4 {
		return ""
	}
	api := names[3] // after Partition, Region and AccountId
	if v, ok := vars[api]; ok {
		return ref(v)
	}
	return api
}

// The reference check fails on a resource that exists only for the other
// ApiType.
func TestReferenceCheckCatchesMissingResource(t *testing.T) {
	tpl := templateJSON(t, []byte(`
Parameters: {ApiType: {Type: String, Default: REST}}
Conditions: {IsHttp: !Equals [!Ref ApiType, HTTP]}
Resources:
  Http: {Type: AWS::Serverless::HttpApi, Condition: IsHttp}
  P: {Type: AWS::Lambda::Permission, Properties: {SourceArn: !Sub "${Http}/x"}}
`))
	s := evaluate(t, tpl, map[string]string{"ApiType": "REST"})
	var refs []string
	for _, r := range s.resources {
		refs = append(refs, references(r)...)
	}
	sort.Strings(refs)
	if fmt.Sprint(refs) != "[Http]" || s.resources["Http"] != nil {
		t.Fatalf("refs %v, resources %v: checkReferencesExist would miss the dangling ${Http}", refs, sortedKeys(s.resources))
	}
}
