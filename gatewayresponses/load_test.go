package gatewayresponses_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

func TestOptionsValidate(t *testing.T) {
	src := exampleSource(t)
	for _, c := range []struct {
		name string
		opts gr.Options
		want string // substring of the error; "" = valid
	}{
		{"zero value", gr.Options{}, ""},
		{"literal origin", gr.Options{AllowedOrigin: "https://app.example.com:8443", APIBasePath: "/session-api", RestAPI: "NotesApi"}, ""},
		{"wildcard origin", gr.Options{AllowedOrigin: "*"}, "AllowedOrigin"},
		{"origin with path", gr.Options{AllowedOrigin: "https://app.example.com/x"}, "AllowedOrigin"},
		{"origin with quote", gr.Options{AllowedOrigin: "https://a'b.example"}, "AllowedOrigin"},
		{"base path", gr.Options{APIBasePath: "auth/"}, "APIBasePath"},
		{"rest api id", gr.Options{RestAPI: "My.Api"}, "RestAPI"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.opts.Validate()
			_, rerr := src.Render(c.opts)
			if c.want == "" {
				if err != nil || rerr != nil {
					t.Fatal(err, rerr)
				}
				return
			}
			if !errors.Is(err, gr.ErrInvalidOptions) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrInvalidOptions about %s", err, c.want)
			}
			if !errors.Is(rerr, gr.ErrInvalidOptions) {
				t.Fatalf("Render accepted invalid options: %v", rerr)
			}
		})
	}
}

// exampleSource is deploy/api.yaml, parsed.
func exampleSource(t testing.TB) *gr.Source {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "deploy", "api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := gr.ParseSource(data)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// concretePath fills a route's {id} with a session id.
func concretePath(p string) string {
	return strings.ReplaceAll(p, "{"+gr.SessionIDParam+"}", strings.Repeat("ab", 16))
}

// The demo sign-in is never rendered: the local gateway adds it itself.
// The session API follows APIBasePath: every route of gr.SessionRoutes and
// a preflight on each of its paths go to the session API, without the
// authorizer, and render lists exactly those routes as "session API".
func TestSessionAPIRoutes(t *testing.T) {
	r, err := exampleSource(t).Render(gr.Options{APIBasePath: "/session"})
	if err != nil {
		t.Fatal(err)
	}
	api, err := gr.Load(r.Files[gr.FileOpenAPI], gr.LocalVars("http://localhost:8080", "http://127.0.0.1:9000"))
	if err != nil {
		t.Fatal(err)
	}
	routes := gr.SessionRoutes("/session")
	var want, listed []string
	for _, sr := range routes {
		if !strings.HasPrefix(sr.Path, "/session/") {
			t.Errorf("%s %s is not under APIBasePath", sr.Method, sr.Path)
		}
		want = append(want, sr.Method+" "+sr.Path)
		p := concretePath(sr.Path)
		for _, m := range []string{sr.Method, "OPTIONS"} {
			route, err := api.Match(m, p)
			if err != nil {
				t.Fatal(err)
			}
			if fn, _ := route.LambdaFunction(); fn != gr.FunctionSessionAPI || route.Authorized || route.Path != sr.Path {
				t.Errorf("%s %s: %s %s authorized=%v", m, p, fn, route.Path, route.Authorized)
			}
		}
	}
	for _, ri := range r.Routes {
		if ri.Protection == "session API" {
			listed = append(listed, ri.Method+" "+ri.Path)
			if ri.Authorizer != "" || ri.Integration != gr.AWSProxy {
				t.Errorf("%s %s: %+v", ri.Method, ri.Path, ri)
			}
		}
	}
	if strings.Join(listed, ",") != strings.Join(want, ",") {
		t.Errorf("render lists the session API routes %v, want %v", listed, want)
	}
	// The session API's routes as docs/protocol.md specifies them; every
	// other test derives them from gr.SessionRoutes.
	const spec = "POST /session/session/refresh,POST /session/signout,GET /session/sessions," +
		"DELETE /session/sessions/{id},POST /session/sessions/revoke-others"
	if got := strings.Join(want, ","); got != spec {
		t.Errorf("gr.SessionRoutes: %s, want %s", got, spec)
	}
	for _, p := range []string{"/session/demo/signin", "/auth/demo/signin", "/auth/session/refresh"} {
		if _, err := api.Match("POST", p); !errors.Is(err, gr.ErrNoRoute) {
			t.Errorf("POST %s: %v", p, err)
		}
	}
	// A method the session API does not serve on a path has no route (API
	// Gateway answers 403 before the Lambda runs).
	if _, err := api.Match("DELETE", "/session/sessions"); !errors.Is(err, gr.ErrNoRoute) {
		t.Errorf("DELETE /session/sessions: %v", err)
	}
}

// The HTTP API variant routes every session API route to the session API
// (payload 2.0, no authorizer), declares {id}, and its CORS configuration,
// which answers the preflights, allows each route's method.
func TestSessionAPIRoutesHTTPAPI(t *testing.T) {
	r, err := exampleSource(t).Render(gr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := gr.LoadHTTPAPI(r.Files[gr.FileHTTPAPI], gr.LocalVars("http://localhost:8080", "http://127.0.0.1:9000"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
		CORS struct {
			AllowMethods []string `json:"allowMethods"`
		} `json:"x-amazon-apigateway-cors"`
	}
	if err := json.Unmarshal(r.Files[gr.FileHTTPAPI], &doc); err != nil {
		t.Fatal(err)
	}
	for _, sr := range gr.SessionRoutes("/auth") {
		m, err := api.Match(sr.Method, concretePath(sr.Path))
		if err != nil {
			t.Fatal(err)
		}
		if m.Route.Path != sr.Path || m.Route.Authorized || m.Route.Integration.Function != gr.FunctionSessionAPI ||
			m.Route.Integration.PayloadFormatVersion != "2.0" {
			t.Errorf("%s %s: %+v", sr.Method, sr.Path, m.Route)
		}
		if !slices.Contains(doc.CORS.AllowMethods, sr.Method) {
			t.Errorf("CORS allowMethods %v lack %s", doc.CORS.AllowMethods, sr.Method)
		}
		op := doc.Paths[sr.Path][strings.ToLower(sr.Method)]
		if strings.Contains(sr.Path, "{") && (len(op.Parameters) != 1 || op.Parameters[0].Name != gr.SessionIDParam || op.Parameters[0].In != "path") {
			t.Errorf("%s %s declares %+v", sr.Method, sr.Path, op.Parameters)
		}
	}
}

// mutate loads deploy/openapi.json as generic JSON, applies f, and Loads it.
func mutate(t *testing.T, f func(doc map[string]any)) error {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "deploy", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	out, _ := json.Marshal(doc)
	_, err = gr.Load(out, gr.LocalVars(testOrigin, testBackend))
	return err
}

func path(doc map[string]any, keys ...string) map[string]any {
	cur := doc
	for _, k := range keys {
		cur = cur[k].(map[string]any)
	}
	return cur
}

// toToken turns the deployed definition's authorizer into the TOKEN
// authorizer render writes for `x-sessiongate: {authorizer: token}`.
func toToken(d map[string]any) {
	scheme := path(d, "components", "securitySchemes")[gr.AuthorizerName].(map[string]any)
	scheme["name"] = "Authorization"
	scheme["x-amazon-apigateway-authorizer"].(map[string]any)["type"] = "token"
}

// The deployed definition with a TOKEN authorizer loads, and the token
// header is the scheme's name.
func TestLoadTokenAuthorizer(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "deploy", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	toToken(doc)
	path(doc, "components", "securitySchemes")[gr.AuthorizerName].(map[string]any)["name"] = "X-Api-Token"
	out, _ := json.Marshal(doc)
	api, err := gr.Load(out, gr.LocalVars(testOrigin, testBackend))
	if err != nil {
		t.Fatal(err)
	}
	if api.AuthorizerType != gr.TokenAuthorizer || api.TokenHeader != "X-Api-Token" {
		t.Errorf("authorizer %q, token header %q", api.AuthorizerType, api.TokenHeader)
	}
	if deployed := load(t, "openapi.json"); deployed.AuthorizerType != gr.RequestAuthorizer || deployed.TokenHeader != "" {
		t.Errorf("deployed authorizer %q, token header %q", deployed.AuthorizerType, deployed.TokenHeader)
	}
}

func TestLoadRefuses(t *testing.T) {
	authz := func(doc map[string]any) map[string]any {
		return path(doc, "components", "securitySchemes", gr.AuthorizerName, "x-amazon-apigateway-authorizer")
	}
	meInt := func(doc map[string]any) map[string]any {
		return path(doc, "paths", "/api/me", "get", "x-amazon-apigateway-integration")
	}
	for _, c := range []struct {
		name string
		f    func(map[string]any)
		want error
		msg  string
	}{
		{"authorizer caching left at its default", func(d map[string]any) { delete(authz(d), "authorizerResultTtlInSeconds") }, gr.ErrInvalidDefinition, "authorizerResultTtlInSeconds"},
		{"authorizer caching on", func(d map[string]any) { authz(d)["authorizerResultTtlInSeconds"] = 300 }, gr.ErrInvalidDefinition, "authorizerResultTtlInSeconds"},
		{"identity source", func(d map[string]any) { authz(d)["identitySource"] = "method.request.header.Cookie" }, gr.ErrInvalidDefinition, "identitySource"},
		{"cognito authorizer", func(d map[string]any) { authz(d)["type"] = "cognito_user_pools" }, gr.ErrUnsupported, `authorizer type "cognito_user_pools" (want request or token)`},
		{"token authorizer with a validation expression", func(d map[string]any) {
			toToken(d)
			authz(d)["identityValidationExpression"] = "^Bearer .+$"
		}, gr.ErrUnsupported, "identityValidationExpression on a token authorizer"},
		{"token authorizer with identitySource", func(d map[string]any) {
			toToken(d)
			authz(d)["identitySource"] = "method.request.header.Authorization"
		}, gr.ErrUnsupported, "identitySource on a token authorizer"},
		{"token authorizer on a query parameter", func(d map[string]any) {
			toToken(d)
			path(d, "components", "securitySchemes")[gr.AuthorizerName].(map[string]any)["in"] = "query"
		}, gr.ErrInvalidDefinition, "in: header"},
		{"token authorizer cached", func(d map[string]any) {
			toToken(d)
			authz(d)["authorizerResultTtlInSeconds"] = 300
		}, gr.ErrInvalidDefinition, "authorizerResultTtlInSeconds"},
		{"misspelled response type", func(d map[string]any) {
			g := d["x-amazon-apigateway-gateway-responses"].(map[string]any)
			g["UNAUTHORISED"] = g["UNAUTHORIZED"]
		}, gr.ErrUnknownResponseType, "UNAUTHORISED"},
		{"VTL in a gateway response", func(d map[string]any) {
			path(d, "x-amazon-apigateway-gateway-responses", "UNAUTHORIZED", "responseTemplates")["application/json"] = "#if(1)x#end"
		}, gr.ErrUnsupported, "VTL"},
		{"stage variable source", func(d map[string]any) {
			meInt(d)["requestParameters"].(map[string]any)["integration.request.header.x-user-id"] = "stageVariables.user"
		}, gr.ErrUnsupported, "stageVariables"},
		{"mapping on a Lambda proxy", func(d map[string]any) {
			path(d, "paths", "/api/lambda-me", "get", "x-amazon-apigateway-integration")["requestParameters"] = map[string]any{"integration.request.header.x-user-id": "context.authorizer.principalId"}
		}, gr.ErrInvalidDefinition, "AWS_PROXY ignores"},
		{"unknown variable", func(d map[string]any) {
			meInt(d)["uri"] = map[string]any{"Fn::Sub": "${Nope}/api/me"}
		}, gr.ErrInvalidDefinition, "${Nope}"},
		{"uri variable without a path mapping", func(d map[string]any) {
			meInt(d)["uri"] = map[string]any{"Fn::Sub": "${EchoBackendUrl}/api/{x}"}
		}, gr.ErrInvalidDefinition, "uri variable {x} has no integration.request.path.x mapping"},
		{"path mapping from a header", func(d map[string]any) {
			meInt(d)["uri"] = map[string]any{"Fn::Sub": "${EchoBackendUrl}/api/{x}"}
			meInt(d)["requestParameters"].(map[string]any)["integration.request.path.x"] = "method.request.header.x"
		}, gr.ErrUnsupported, "want method.request.path.<a variable of /api/me>"},
		{"unknown scheme", func(d map[string]any) {
			path(d, "paths", "/api/me", "get")["security"] = []any{map[string]any{"cognito": []any{}}}
		}, gr.ErrUnsupported, "cognito"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := mutate(t, c.f)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("got %v, want %v mentioning %q", err, c.want, c.msg)
			}
		})
	}
}

func TestHTTPAPIVariant(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "deploy", "httpapi-openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	a := path(doc, "components", "securitySchemes", gr.AuthorizerName, "x-amazon-apigateway-authorizer")
	if a["authorizerPayloadFormatVersion"] != "2.0" || a["enableSimpleResponses"] != true ||
		a["authorizerResultTtlInSeconds"] != float64(0) || a["identitySource"] != nil {
		t.Errorf("authorizer %v", a)
	}
	me := path(doc, "paths", "/api/me", "get", "x-amazon-apigateway-integration")
	rp := me["requestParameters"].(map[string]any)
	if rp["overwrite:header.x-user-id"] != "$context.authorizer.userId" || rp["append:header.x-user-id"] != nil {
		t.Errorf("/api/me request parameters %v", rp)
	}
	// The rotated cookie on every common status, keyed by status code.
	resps := path(me, "responseParameters")
	for _, code := range gr.CookieStatuses {
		resp, _ := resps[strconv.Itoa(code)].(map[string]any)
		if resp["overwrite:header.Set-Cookie"] != "$context.authorizer.setCookie" || resp["overwrite:header.front-token"] != "$context.authorizer.frontToken" {
			t.Errorf("/api/me response parameters for %d: %v", code, resp)
		}
	}
	if len(resps) != len(gr.CookieStatuses) {
		t.Errorf("%d response parameter keys, want %d", len(resps), len(gr.CookieStatuses))
	}
	if _, ok := path(doc, "paths", "/api/me")["options"]; ok {
		t.Error("HTTP API preflights come from the CORS configuration, not routes")
	}
	if _, ok := path(doc, "paths")["/public/status"]; ok {
		t.Error("a MOCK route has no HTTP API equivalent and must be left out")
	}
	cors := doc["x-amazon-apigateway-cors"].(map[string]any)
	if cors["allowCredentials"] != true {
		t.Errorf("cors %v", cors)
	}
	if _, err := gr.Load(data, gr.LocalVars(testOrigin, testBackend)); !errors.Is(err, gr.ErrUnsupported) {
		t.Errorf("Load of the HTTP API variant: %v", err)
	}
	if _, err := gr.LoadHTTPAPI(data, gr.LocalVars(testOrigin, testBackend)); err != nil {
		t.Errorf("LoadHTTPAPI of the HTTP API variant: %v", err)
	}
}
