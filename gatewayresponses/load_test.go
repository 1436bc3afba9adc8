package gatewayresponses_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
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

// The demo sign-in is never rendered: the local gateway adds it itself.
// The session API follows APIBasePath.
func TestSessionAPIRoutes(t *testing.T) {
	r, err := exampleSource(t).Render(gr.Options{APIBasePath: "/session"})
	if err != nil {
		t.Fatal(err)
	}
	api, err := gr.Load(r.Files[gr.FileOpenAPI], gr.LocalVars("http://localhost:8080", "http://127.0.0.1:9000"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"POST", "OPTIONS"} {
		for _, p := range []string{"/session/session/refresh", "/session/signout"} {
			route, err := api.Match(m, p)
			if err != nil {
				t.Fatal(err)
			}
			if fn, _ := route.LambdaFunction(); fn != gr.FunctionSessionAPI || route.Authorized {
				t.Errorf("%s %s: %s authorized=%v", m, p, fn, route.Authorized)
			}
		}
	}
	for _, p := range []string{"/session/demo/signin", "/auth/demo/signin", "/auth/session/refresh"} {
		if _, err := api.Match("POST", p); !errors.Is(err, gr.ErrNoRoute) {
			t.Errorf("POST %s: %v", p, err)
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
