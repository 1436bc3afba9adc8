package samtemplate

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The repository's own template, as it is: the local gateway's
// configuration comes from it, so it must evaluate cleanly.
var deployDir = filepath.Join("..", "..", "deploy")

func deployTemplate(t testing.TB) *Template {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(deployDir, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, string(src))
}

// requiredParams gives a value to every parameter without a Default:
// the ones the local gateway supplies, or the first allowed value.
func requiredParams(t testing.TB, tpl *Template) map[string]string {
	t.Helper()
	known := map[string]string{"AllowedOrigin": "https://app.example.com", "EchoBackendUrl": "https://backend.example.com"}
	params := map[string]string{}
	for _, p := range tpl.Parameters() {
		switch {
		case p.HasDefault:
		case known[p.Name] != "":
			params[p.Name] = known[p.Name]
		case len(p.AllowedValues) > 0:
			params[p.Name] = p.AllowedValues[0]
		default:
			t.Fatalf("parameter %s has no Default: add a test value for it here", p.Name)
		}
	}
	return params
}

func TestDeployTemplate(t *testing.T) {
	tpl := deployTemplate(t)
	params := requiredParams(t, tpl)
	fns, err := tpl.FunctionsFor(params)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"AuthorizerFunction", "SessionApiFunction"} {
		if !slices.Contains(fns, want) {
			t.Errorf("functions %q, want %s", fns, want)
		}
	}
	for _, problem := range deployEnvProblems(tpl, fns, params) {
		t.Error(problem)
	}

	// Parameters reach the functions: a given value changes what each
	// function gets, and a value the template refuses is refused.
	with := map[string]string{}
	for k, v := range params {
		with[k] = v
	}
	if p := findParam(tpl, "CookieDomain"); p != nil {
		with["CookieDomain"] = "example.com"
	}
	if p := findParam(tpl, "CookieSameSite"); p != nil {
		with["CookieSameSite"] = "strict"
	}
	for _, id := range []string{"AuthorizerFunction", "SessionApiFunction"} {
		env, _, err := tpl.FunctionEnv(id, with)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if with["CookieDomain"] != "" && env["COOKIE_DOMAIN"] != "example.com" {
			t.Errorf("%s: COOKIE_DOMAIN=%q with CookieDomain=example.com", id, env["COOKIE_DOMAIN"])
		}
		if with["CookieSameSite"] != "" && env["COOKIE_SAMESITE"] != "strict" {
			t.Errorf("%s: COOKIE_SAMESITE=%q with CookieSameSite=strict", id, env["COOKIE_SAMESITE"])
		}
	}
	// Number parameters: a value reaches the environment as its text, and
	// one outside MinValue/MaxValue or AllowedValues is refused.
	if p := findParam(tpl, "SessionMaxPerUser"); p != nil {
		m := map[string]string{"SessionMaxPerUser": "7"}
		for k, v := range params {
			m[k] = v
		}
		env, _, err := tpl.FunctionEnv("SessionApiFunction", m)
		if err != nil || env["SESSION_MAX_PER_USER"] != "7" {
			t.Errorf("SESSION_MAX_PER_USER=%q with SessionMaxPerUser=7 (%v)", env["SESSION_MAX_PER_USER"], err)
		}
	}
	for name, v := range map[string]string{"SessionMaxPerUser": "1001", "LogRetentionDays": "31"} {
		if findParam(tpl, name) == nil {
			continue
		}
		bad := map[string]string{name: v}
		for k, v := range params {
			bad[k] = v
		}
		_, _, err := tpl.FunctionEnv("AuthorizerFunction", bad)
		wantErr(t, err, []error{ErrParameter}, []string{name})
	}
	if p := findParam(tpl, "StageName"); p != nil && p.AllowedPattern != "" {
		bad := map[string]string{"StageName": "no/slashes"}
		for k, v := range params {
			bad[k] = v
		}
		_, _, err := tpl.FunctionEnv("AuthorizerFunction", bad)
		wantErr(t, err, []error{ErrParameter}, []string{"StageName"})
	}
}

func TestDeployTemplateAPIs(t *testing.T) {
	tpl := deployTemplate(t)
	params := requiredParams(t, tpl)
	// Every value of an API-choosing parameter gives exactly one API.
	variants := []map[string]string{params}
	if p := findParam(tpl, "ApiType"); p != nil {
		variants = nil
		for _, v := range p.AllowedValues {
			m := map[string]string{"ApiType": v}
			for k, v := range params {
				m[k] = v
			}
			variants = append(variants, m)
		}
	}
	for _, params := range variants {
		apis, err := tpl.APIsFor(params)
		if err != nil {
			t.Fatal(err)
		}
		if len(apis) != 1 {
			t.Errorf("%v: %d APIs, want 1: %+v", params, len(apis), apis)
			continue
		}
		a := apis[0]
		if a.DefinitionLocation == "" {
			t.Errorf("%s: no definition file", a.LogicalID)
		} else if _, err := os.Stat(filepath.Join(deployDir, a.DefinitionLocation)); err != nil {
			t.Errorf("%s: definition %s: %v", a.LogicalID, a.DefinitionLocation, err)
		}
		if p := findParam(tpl, "StageName"); p != nil && a.StageName != p.Default {
			t.Errorf("%s: StageName %q, want the parameter's Default %q", a.LogicalID, a.StageName, p.Default)
		}
	}
}

// deployEnvProblems checks what each function of the deployed template
// gets with the parameters at their defaults.
func deployEnvProblems(tpl *Template, fns []string, params map[string]string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, id := range fns {
		env, unresolved, err := tpl.FunctionEnv(id, params)
		if err != nil {
			bad("%s: %v", id, err)
			continue
		}
		for k, v := range env {
			if strings.Contains(v, "${") || strings.Contains(v, "{{resolve:") {
				bad("%s: %s=%q was not evaluated", id, k, v)
			}
		}
		if _, literal := env["SESSION_KEYS"]; literal {
			bad("%s: SESSION_KEYS is a literal; the keys are the deployed secret's", id)
		}
		if _, literal := env["LOG_SALT"]; literal {
			bad("%s: LOG_SALT is a literal; the salt is the deployed stack's secret", id)
		}
		if _, literal := env["REDIS_URL"]; literal {
			bad("%s: REDIS_URL is a literal; the deployed cache's endpoint is known only to the stack", id)
		}
		if slices.Contains(unresolved, "ALLOWED_ORIGINS") {
			bad("%s: ALLOWED_ORIGINS depends on a deployed value", id)
		}
		if v, ok := env["ALLOWED_ORIGINS"]; ok && v != params["AllowedOrigin"] {
			bad("%s: ALLOWED_ORIGINS=%q, want the AllowedOrigin parameter %q", id, v, params["AllowedOrigin"])
		}
		if v, ok := env["COOKIE_SECURE"]; ok && v != "true" {
			bad("%s: COOKIE_SECURE=%q", id, v)
		}
		if _, ok := env["COOKIE_DOMAIN"]; ok {
			bad("%s: COOKIE_DOMAIN is set with CookieDomain at its Default", id)
		}
	}
	return problems
}

// The checks above can fail: a template that hard-codes the store and
// the cookie domain is caught.
func TestDeployEnvProblemsCatchLiterals(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(deployDir, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ pattern, repl, want string }{
		{`(?m)^(\s+)REDIS_URL: .*$`, "${1}REDIS_URL: redis://localhost:6379", "REDIS_URL is a literal"},
		{`(?m)^(\s+)COOKIE_DOMAIN: .*$`, "${1}COOKIE_DOMAIN: example.com", "COOKIE_DOMAIN is set"},
		{`(?m)^(\s+)COOKIE_SECURE: .*$`, `${1}COOKIE_SECURE: "false"`, "COOKIE_SECURE=\"false\""},
	} {
		re := regexp.MustCompile(c.pattern)
		if !re.Match(src) {
			t.Errorf("deploy/template.yaml has no line matching %s: update this test", c.pattern)
			continue
		}
		tpl := mustParse(t, re.ReplaceAllString(string(src), c.repl))
		params := requiredParams(t, tpl)
		fns, err := tpl.FunctionsFor(params)
		if err != nil {
			t.Fatal(err)
		}
		problems := deployEnvProblems(tpl, fns, params)
		if !strings.Contains(strings.Join(problems, "\n"), c.want) {
			t.Errorf("%s: problems %q, want %q", c.repl, problems, c.want)
		}
	}
}

func findParam(tpl *Template, name string) *Parameter {
	for _, p := range tpl.Parameters() {
		if p.Name == name {
			return &p
		}
	}
	return nil
}
