package deploy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

// renderedDocs are the rendered OpenAPI documents of one folder: the REST
// definition and its HTTP API variant.
var renderedDocs = []string{"openapi.json", "httpapi-openapi.json"}

func readDoc(t testing.TB, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// TestOpenAPIReferencesExistInTemplate: every ${Name} that a rendered
// document refers to is a parameter, a pseudo parameter or a resource of
// the template beside it (deploy/ and each examples/*/ with a template).
// AWS::Include substitutes them at deploy time; one that does not exist
// fails the deployment.
func TestOpenAPIReferencesExistInTemplate(t *testing.T) {
	dirs := append([]string{"."}, exampleDirs(t)...)
	for _, dir := range dirs {
		tpl := readTemplateFile(t, filepath.Join(dir, "template.yaml"))
		params, _ := tpl["Parameters"].(map[string]any)
		res, _ := tpl["Resources"].(map[string]any)
		found := 0
		for _, name := range renderedDocs {
			path := filepath.Join(dir, name)
			if _, err := os.Stat(path); err != nil {
				if dir == "." {
					t.Errorf("deploy/%s: %v", name, err)
				}
				continue
			}
			found++
			t.Run(path, func(t *testing.T) {
				refs := map[string]bool{}
				for _, r := range references(readDoc(t, path)) {
					refs[r] = true
				}
				if len(refs) == 0 {
					t.Fatalf("%s refers to nothing of its template", path)
				}
				for _, r := range sortedKeys(refs) {
					if params[r] == nil && !pseudoParams[r] && res[r] == nil {
						t.Errorf("%s refers to ${%s}, which %s does not define", path, r, filepath.Join(dir, "template.yaml"))
					}
				}
			})
		}
		if found == 0 {
			t.Errorf("%s has a template.yaml but no rendered %v", dir, renderedDocs)
		}
	}
}

// An operation that invokes a Lambda function: the function's logical id
// and what API Gateway names in the source ARN of the call.
type invocation struct {
	fn, where, call string // call: "<stage>/<METHOD>/<path>" or "authorizers/<id>"
}

var lambdaARN = regexp.MustCompile(`\$\{([A-Za-z0-9]+)\.Arn\}`)

// invocations lists every Lambda function a rendered document invokes: its
// authorizers and its integrations.
func invocations(doc map[string]any, stage string) []invocation {
	var out []invocation
	fns := func(v any) []string {
		var names []string
		b, _ := json.Marshal(v)
		for _, m := range lambdaARN.FindAllStringSubmatch(string(b), -1) {
			names = append(names, m[1])
		}
		return names
	}
	comps, _ := doc["components"].(map[string]any)
	schemes, _ := comps["securitySchemes"].(map[string]any)
	for name, s := range schemes {
		for _, fn := range fns(s.(map[string]any)["x-amazon-apigateway-authorizer"]) {
			out = append(out, invocation{fn, "authorizer " + name, "authorizers/a1b2c3"})
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			opm, ok := op.(map[string]any)
			if !ok {
				continue
			}
			m := strings.ToUpper(method)
			if method == "x-amazon-apigateway-any-method" {
				m = "GET"
			}
			concrete := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "p1")
			for _, fn := range fns(opm["x-amazon-apigateway-integration"]) {
				out = append(out, invocation{fn, m + " " + path, stage + "/" + m + concrete})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].where < out[j].where })
	return out
}

// permissionPattern is the part of a permission's SourceArn after the API
// id: "*/*/auth/*" of ".../${ApiId}/*/*/auth/*".
func permissionPattern(r map[string]any) string {
	p, _ := r["Properties"].(map[string]any)
	sa, _ := p["SourceArn"].(map[string]any)
	str, _ := subParts(sa["Fn::Sub"])
	names := subNames(str)
	if !executeAPISource.MatchString(str) || len(names) < 4 {
		return ""
	}
	_, after, _ := strings.Cut(str, "${"+names[3]+"}/") // after Partition, Region, AccountId: the API
	return after
}

// sourceArnMatches reports whether an execute-api source ARN pattern (the
// part after the API id, "*" matching anything) matches call.
func sourceArnMatches(pattern, call string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	return regexp.MustCompile(re).MatchString(call)
}

// TestAPIGatewayMayInvokeEveryFunction: for each ApiType, every function
// the deployed document invokes is a function of the template with an
// AWS::Lambda::Permission whose SourceArn covers that very call. A route
// the permission does not cover fails with 500 on AWS, not in a local run.
func TestAPIGatewayMayInvokeEveryFunction(t *testing.T) {
	tpl := readTemplate(t)
	docOf := map[string]string{"REST": "openapi.json", "HTTP": "httpapi-openapi.json"}
	for _, apiType := range apiTypes(t, tpl) {
		t.Run(apiType, func(t *testing.T) {
			s := evaluate(t, tpl, map[string]string{"ApiType": apiType})
			doc := readDoc(t, docOf[apiType])
			invs := invocations(doc, s.params["StageName"])
			invoked := map[string]bool{}
			for _, inv := range invs {
				invoked[inv.fn] = true
				if r := s.resources[inv.fn]; r == nil || r["Type"] != "AWS::Serverless::Function" {
					t.Errorf("%s: %s invokes %s, not a function of the template", docOf[apiType], inv.where, inv.fn)
					continue
				}
				covered := false
				for _, r := range s.resources {
					if r["Type"] != "AWS::Lambda::Permission" {
						continue
					}
					p := r["Properties"].(map[string]any)
					ga, _ := p["FunctionName"].(map[string]any)["Fn::GetAtt"].([]any)
					if len(ga) != 2 || ga[0] != inv.fn || ga[1] != "Arn" {
						continue
					}
					if sourceArnMatches(permissionPattern(r), inv.call) {
						covered = true
					}
				}
				if !covered {
					t.Errorf("%s: %s invokes %s (%s), and no AWS::Lambda::Permission covers it", docOf[apiType], inv.where, inv.fn, inv.call)
				}
			}
			for _, fn := range []string{fnAuthorizer, fnSessionAPI} {
				if !invoked[fn] {
					t.Errorf("%s never invokes %s", docOf[apiType], fn)
				}
			}
		})
	}
	if !sourceArnMatches("*/*/auth/*", "prod/POST/auth/session/refresh") || sourceArnMatches("*/GET/api/lambda-me", "prod/POST/api/lambda-me") {
		t.Fatal("sourceArnMatches is broken")
	}
}

// TestSessionAPIRoutesUseAPIBasePath: the session API's routes in both
// documents are gatewayresponses.SessionRoutes under the session API's
// API_BASE_PATH (refresh, sign-out and the self-service routes), the paths
// the session API serves and the refresh cookie's Path is built from; in
// the REST API each of their paths also has a preflight that the session
// API answers (the HTTP API answers preflights from its CORS
// configuration). Nothing else invokes the session API.
func TestSessionAPIRoutesUseAPIBasePath(t *testing.T) {
	tpl := readTemplate(t)
	for _, apiType := range apiTypes(t, tpl) {
		s := evaluate(t, tpl, map[string]string{"ApiType": apiType})
		base, _ := functionEnv(s, fnSessionAPI)["API_BASE_PATH"].(string)
		want := map[string][]string{}
		for _, r := range gr.SessionRoutes(base) {
			for _, name := range renderedDocs {
				want[name] = append(want[name], r.Method+" "+r.Path)
				if name == "openapi.json" && !contains(want[name], "OPTIONS "+r.Path) {
					want[name] = append(want[name], "OPTIONS "+r.Path)
				}
			}
		}
		for _, name := range renderedDocs {
			var got []string
			for _, inv := range invocations(readDoc(t, name), "prod") {
				if inv.fn == fnSessionAPI {
					got = append(got, inv.where)
				}
			}
			sort.Strings(got)
			sort.Strings(want[name])
			if strings.Join(got, ",") != strings.Join(want[name], ",") {
				t.Errorf("%s: session API routes %v, want %v (API_BASE_PATH %q)", name, got, want[name], base)
			}
		}
	}
}

// TestREADMEListsHTTPAPICookieStatuses: deploy/README.md's list of the
// status codes on which the HTTP API variant maps the rotated cookie is the
// list httpapi-openapi.json maps, on every operation that maps any.
func TestREADMEListsHTTPAPICookieStatuses(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const intro = "maps `Set-Cookie` and `front-token` on these backend status codes:"
	text := strings.Join(strings.Fields(string(readme)), " ")
	_, after, ok := strings.Cut(text, intro)
	if !ok {
		t.Fatalf("deploy/README.md has no %q", intro)
	}
	listed, _, _ := strings.Cut(after, ".")
	documented := strings.Join(regexp.MustCompile(`\b\d{3}\b`).FindAllString(listed, -1), ",")

	doc := readDoc(t, "httpapi-openapi.json")
	seen := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			opm, _ := op.(map[string]any)
			integ, _ := opm["x-amazon-apigateway-integration"].(map[string]any)
			rp, _ := integ["responseParameters"].(map[string]any)
			if len(rp) == 0 {
				continue
			}
			seen++
			codes := sortedKeys(rp)
			if got := strings.Join(codes, ","); got != documented {
				t.Errorf("%s %s maps the cookie on %s; deploy/README.md lists %s", method, path, got, documented)
			}
			for _, c := range codes {
				m, _ := rp[c].(map[string]any)
				if m["overwrite:header.Set-Cookie"] != "$context.authorizer.setCookie" || m["overwrite:header.front-token"] != "$context.authorizer.frontToken" {
					t.Errorf("%s %s, status %s: %v", method, path, c, m)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("httpapi-openapi.json maps the cookie nowhere")
	}
}
