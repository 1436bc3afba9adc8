package gatewayresponses_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/authorizer"
	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

const (
	testOrigin  = "https://app.example.com"
	testBackend = "http://127.0.0.1:9999"
)

func load(t testing.TB, name string) *gr.API {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	api, err := gr.Load(data, gr.LocalVars(testOrigin, testBackend))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// integrationExamples is an annotated API with the integration types the
// example API does not use: an AppSync GraphQL endpoint behind an AWS
// integration, and an HTTP_PROXY backend.
const integrationExamples = `
openapi: 3.0.1
info: {title: integration examples, version: "1"}
paths:
  /graphql:
    post:
      summary: AppSync behind the authorizer; resolvers read x-user-id
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:${AWS::Partition}:apigateway:${AWS::Region}:${AppSyncApiSubdomain}.appsync-api:path/graphql
        credentials: ${AppSyncInvokeRole.Arn}
        requestParameters:
          integration.request.header.Content-Type: "'application/json'"
          integration.request.header.X-User-Id: method.request.header.X-User-Id # replaced by the mapping
  /api/proxy-me:
    get:
      summary: HTTP_PROXY backend; echoes the rotated cookie's request headers
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: ${EchoBackendUrl}/api/proxy-me
`

// loadSource renders an annotated API with the zero Options and loads the
// REST definition, as the local gateway does with a rendered directory.
func loadSource(t testing.TB, doc string) *gr.API {
	t.Helper()
	src, err := gr.ParseSource([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r, err := src.Render(gr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := gr.Load(r.Files[gr.FileOpenAPI], gr.LocalVars(testOrigin, testBackend))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// allowCtx is what the authorizer returns with Allow after rotating a
// cookie.
func allowCtx() map[string]string {
	return map[string]string{
		gr.PrincipalIDKey:         "user-1",
		authorizer.CtxUserID:      "user-1",
		authorizer.CtxSessionID:   "sid-1",
		authorizer.CtxRoles:       "admin,editor",
		authorizer.CtxClaims:      `{"plan":"pro"}`,
		authorizer.CtxSetCookie:   "sAccessToken=new; Path=/; HttpOnly; Secure; SameSite=Lax",
		authorizer.CtxFrontToken:  "eyJ1aWQiOiJ1c2VyLTEifQ==",
		authorizer.CtxAccessToken: "",
	}
}

// headerCtx is what the authorizer returns with Allow after rotating the
// bearer access token of a client in header mode: the new token under
// accessToken, no cookie.
func headerCtx() map[string]string {
	c := allowCtx()
	c[authorizer.CtxSetCookie] = ""
	c[authorizer.CtxAccessToken] = "new-bearer-access-token"
	return c
}

// claimFailure is a Deny's body (claim failure).
const claimFailure = `{"message":"invalid claim","claimValidationErrors":[{"id":"st-role","reason":"wrong role"}]}`

// denyCtx is what the authorizer returns with Deny (claim failure) to a
// cookie request.
func denyCtx() map[string]string {
	c := allowCtx()
	c[authorizer.CtxBody] = claimFailure
	return c
}

// headerDenyCtx is denyCtx for a request in header mode.
func headerDenyCtx() map[string]string {
	c := headerCtx()
	c[authorizer.CtxBody] = claimFailure
	return c
}

func dump(b *strings.Builder, title string, r *gr.Response) {
	fmt.Fprintf(b, "=== %s\nstatus: %d\n", title, r.Status)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(b, "body: %s\n\n", r.Body)
}

func dumpHeader(b *strings.Builder, title string, h http.Header) {
	dump(b, title, &gr.Response{Header: h})
}

func golden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (refresh with -update)", err)
	}
	if !bytes.Equal([]byte(got), want) {
		t.Errorf("output differs from %s (refresh with -update after review):\n%s", path, got)
	}
}

func TestGatewayResponsesGolden(t *testing.T) {
	api := load(t, "openapi.json")
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Origin", testOrigin)
	types := []gr.ResponseType{gr.Unauthorized, gr.AccessDenied, gr.AuthorizerFailure,
		gr.AuthorizerConfigurationError, gr.Default4XX, gr.Default5XX,
		"MISSING_AUTHENTICATION_TOKEN", "INTEGRATION_TIMEOUT"}
	var b strings.Builder
	for _, typ := range types {
		for _, c := range []struct {
			name string
			ctx  map[string]string
		}{{"context", denyCtx()}, {"header-mode context", headerDenyCtx()}, {"no context", nil}} {
			r, err := api.EvaluateGatewayResponse(typ, c.ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			dump(&b, fmt.Sprintf("%s, %s", typ, c.name), r)
		}
	}
	golden(t, "gateway_responses.golden", b.String())
}

func TestGatewayResponseRules(t *testing.T) {
	api := load(t, "openapi.json")
	// After a thrown "Unauthorized" there is no context: no cookie line.
	r, err := api.EvaluateGatewayResponse(gr.Unauthorized, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 401 || r.Header.Values("Set-Cookie") != nil || r.Header.Get("front-token") != "" || r.Header.Get(gr.HeaderAccessToken) != "" {
		t.Errorf("UNAUTHORIZED without context: %d %v", r.Status, r.Header)
	}
	if string(r.Body) != `{"message":"Unauthorized"}` {
		t.Errorf("UNAUTHORIZED body %s", r.Body)
	}
	if r.Header.Get("Access-Control-Allow-Origin") != testOrigin || r.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		!exposes(r.Header, "front-token", "st-access-token", "st-refresh-token") {
		t.Errorf("UNAUTHORIZED CORS: %v", r.Header)
	}
	// Deny: the authorizer's body and cookie, 403.
	ctx := denyCtx()
	r, _ = api.EvaluateGatewayResponse(gr.AccessDenied, ctx, nil)
	if r.Status != 403 || string(r.Body) != ctx[authorizer.CtxBody] ||
		r.Header.Get("Set-Cookie") != ctx[authorizer.CtxSetCookie] || r.Header.Get("front-token") != ctx[authorizer.CtxFrontToken] ||
		r.Header.Values(gr.HeaderAccessToken) != nil {
		t.Errorf("ACCESS_DENIED: %d %v %s", r.Status, r.Header, r.Body)
	}
	// Deny in header mode: the rotated token as st-access-token, no cookie.
	hctx := headerDenyCtx()
	r, _ = api.EvaluateGatewayResponse(gr.AccessDenied, hctx, nil)
	if r.Status != 403 || string(r.Body) != hctx[authorizer.CtxBody] || r.Header.Values("Set-Cookie") != nil ||
		!reflect.DeepEqual(r.Header.Values(gr.HeaderAccessToken), []string{hctx[authorizer.CtxAccessToken]}) ||
		r.Header.Get("front-token") != hctx[authorizer.CtxFrontToken] {
		t.Errorf("ACCESS_DENIED in header mode: %d %v %s", r.Status, r.Header, r.Body)
	}
	// Implicit deny, no body: the default JSON body.
	r, _ = api.EvaluateGatewayResponse(gr.AccessDenied, nil, nil)
	if r.Status != 403 || !strings.HasPrefix(string(r.Body), `{"message":"User is not authorized`) {
		t.Errorf("ACCESS_DENIED without body: %d %s", r.Status, r.Body)
	}
	// A store failure never changes cookies or tokens, even with a context.
	for _, typ := range []gr.ResponseType{gr.AuthorizerFailure, gr.AuthorizerConfigurationError, gr.Default5XX, gr.Default4XX} {
		for _, c := range []map[string]string{ctx, hctx} {
			r, _ = api.EvaluateGatewayResponse(typ, c, nil)
			if r.Header.Get("Set-Cookie") != "" || r.Header.Get(gr.HeaderAccessToken) != "" || r.Header.Get("front-token") != "" {
				t.Errorf("%s carries a rotation: %v", typ, r.Header)
			}
		}
	}
	if _, err := api.EvaluateGatewayResponse("UNAUTHORISED", nil, nil); !errors.Is(err, gr.ErrUnknownResponseType) {
		t.Errorf("misspelled type: %v", err)
	}
}

func TestIntegrationsGolden(t *testing.T) {
	main, examples := load(t, "openapi.json"), loadSource(t, integrationExamples)
	var b strings.Builder
	client := func(method, path string) *http.Request {
		req := httptest.NewRequest(method, path, strings.NewReader(`{"q":1}`))
		req.Header.Set("Origin", testOrigin)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Cookie", "sAccessToken=old")
		req.Header.Set("rid", "anti-csrf")
		req.Header.Set("Connection", "keep-alive")
		// Forged identity headers, in several spellings.
		req.Header["X-User-Id"] = []string{"forged-admin"}
		req.Header["x-user-roles"] = []string{"admin"}
		req.Header.Set("X-Session-Id", "forged")
		return req
	}
	backendHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Backend": {"echo"}, "Set-Cookie": {"backend=1"}}
	cases := []struct {
		api          *gr.API
		method, path string
	}{
		{main, "GET", "/public/status"},
		{main, "OPTIONS", "/api/admin"},
		{main, "GET", "/api/me"},
		{main, "POST", "/api/admin"},
		{examples, "GET", "/api/proxy-me"},
		{examples, "POST", "/graphql"},
		{main, "GET", "/api/lambda-me"},
		{main, "POST", "/auth/session/refresh"},
	}
	for _, c := range cases {
		route, err := c.api.Match(c.method, c.path)
		if err != nil {
			t.Fatal(err)
		}
		fn, _ := route.LambdaFunction()
		fmt.Fprintf(&b, "##### %s %s: %s authorized=%v uri=%s lambda=%s\n\n", c.method, c.path, route.Type, route.Authorized, route.URI, fn)
		for _, ac := range []struct {
			name string
			ctx  map[string]string
		}{{"context", allowCtx()}, {"header-mode context", headerCtx()}, {"context without rotation", noRotation()}} {
			if !route.Authorized && ac.name != "context" {
				continue
			}
			ctx := ac.ctx
			if !route.Authorized {
				ctx = nil
			}
			if route.Type == gr.Mock {
				r, err := route.EvaluateMock(ctx)
				if err != nil {
					t.Fatal(err)
				}
				dump(&b, "mock response", r)
				continue
			}
			h, err := route.BackendRequestHeader(client(c.method, c.path), ctx)
			if err != nil {
				t.Fatal(err)
			}
			dumpHeader(&b, "backend request headers, "+ac.name, h)
			for _, status := range []int{200, 503} {
				r, err := route.ClientResponse(status, backendHeader, []byte(`{"from":"backend"}`), ctx)
				if err != nil {
					t.Fatal(err)
				}
				dump(&b, fmt.Sprintf("client response to backend %d, %s", status, ac.name), r)
			}
		}
	}
	golden(t, "integrations.golden", b.String())
}

// noRotation is the context of a session with no roles whose access token
// was not rotated.
func noRotation() map[string]string {
	c := allowCtx()
	c[authorizer.CtxSetCookie] = ""
	c[authorizer.CtxFrontToken] = ""
	c[authorizer.CtxRoles] = authorizer.NoRoles
	return c
}

// exposes reports whether Access-Control-Expose-Headers lists every name.
func exposes(h http.Header, names ...string) bool {
	return listsAll(h.Get("Access-Control-Expose-Headers"), names...)
}

// listsAll reports whether a comma-separated header list holds every
// name, compared case-insensitively.
func listsAll(list string, names ...string) bool {
	have := map[string]bool{}
	for _, p := range strings.Split(list, ",") {
		have[strings.ToLower(strings.TrimSpace(p))] = true
	}
	for _, n := range names {
		if !have[strings.ToLower(n)] {
			return false
		}
	}
	return true
}

// A client in header mode reads st-access-token, st-refresh-token and
// front-token, and sends Authorization and st-auth-mode (with rid,
// fdi-version and content-type): every response the SDK reads exposes the
// first, every preflight allows the second, in both the REST API and the
// HTTP API variant.
func TestCORSForHeaderMode(t *testing.T) {
	exposed := []string{"front-token", "st-access-token", "st-refresh-token"}
	allowed := []string{"authorization", "st-auth-mode", "rid", "fdi-version", "content-type"}
	if !listsAll(gr.ExposedHeaders, exposed...) || !listsAll(gr.AllowedRequestHeaders, allowed...) {
		t.Fatalf("ExposedHeaders %q, AllowedRequestHeaders %q", gr.ExposedHeaders, gr.AllowedRequestHeaders)
	}
	api := load(t, "openapi.json")
	for _, typ := range []gr.ResponseType{gr.Unauthorized, gr.AccessDenied, gr.Default4XX, gr.Default5XX} {
		r, err := api.EvaluateGatewayResponse(typ, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !exposes(r.Header, exposed...) {
			t.Errorf("%s exposes %q", typ, r.Header.Get("Access-Control-Expose-Headers"))
		}
	}
	for _, m := range []struct{ method, path string }{{"GET", "/api/me"}, {"POST", "/api/admin"}, {"GET", "/public/status"}} {
		route, err := api.Match(m.method, m.path)
		if err != nil {
			t.Fatal(err)
		}
		var r *gr.Response
		if route.Type == gr.Mock {
			r, err = route.EvaluateMock(nil)
		} else {
			r, err = route.ClientResponse(200, http.Header{}, nil, headerCtx())
		}
		if err != nil {
			t.Fatal(err)
		}
		if !exposes(r.Header, exposed...) {
			t.Errorf("%s %s exposes %q", m.method, m.path, r.Header.Get("Access-Control-Expose-Headers"))
		}
		pf, err := api.Match("OPTIONS", m.path)
		if err != nil {
			t.Fatal(err)
		}
		r, err = pf.EvaluateMock(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !listsAll(r.Header.Get("Access-Control-Allow-Headers"), allowed...) {
			t.Errorf("OPTIONS %s allows %q", m.path, r.Header.Get("Access-Control-Allow-Headers"))
		}
	}
	data, err := os.ReadFile(filepath.Join("..", "deploy", "httpapi-openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	httpAPI, err := gr.LoadHTTPAPI(data, gr.LocalVars(testOrigin, testBackend))
	if err != nil {
		t.Fatal(err)
	}
	if !listsAll(strings.Join(httpAPI.CORS.ExposeHeaders, ","), exposed...) || !listsAll(strings.Join(httpAPI.CORS.AllowHeaders, ","), allowed...) {
		t.Errorf("HTTP API CORS %+v", httpAPI.CORS)
	}
}

// A client-sent identity header never reaches a backend as if mapped.
func TestForgedIdentityHeaders(t *testing.T) {
	main, examples := load(t, "openapi.json"), loadSource(t, integrationExamples)
	for _, c := range []struct {
		api          *gr.API
		method, path string
	}{{main, "GET", "/api/me"}, {main, "POST", "/api/admin"}, {examples, "GET", "/api/proxy-me"}, {examples, "POST", "/graphql"}} {
		route, err := c.api.Match(c.method, c.path)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(c.method, c.path, nil)
		req.Header["x-user-id"] = []string{"forged"}
		req.Header["X-User-Roles"] = []string{"admin"}
		req.Header.Set(authorizer.HeaderProxyAccessToken, "forged-token")
		req.Header.Set(authorizer.HeaderProxySetCookie, "sAccessToken=forged")
		h, err := route.BackendRequestHeader(req, noRotation())
		if err != nil {
			t.Fatal(err)
		}
		// Nothing was rotated: the backend must not echo a client's copy.
		for _, name := range []string{authorizer.HeaderProxyAccessToken, authorizer.HeaderProxySetCookie} {
			if got := headerValues(h, name); got != nil {
				t.Errorf("%s %s: %s %q", c.method, c.path, name, got)
			}
		}
		if got := headerValues(h, authorizer.HeaderUserID); len(got) != 1 || got[0] != "user-1" {
			t.Errorf("%s %s: x-user-id %q", c.method, c.path, got)
		}
		if got := headerValues(h, authorizer.HeaderUserRoles); len(got) != 1 || got[0] != "," {
			t.Errorf("%s %s: a session without roles must give x-user-roles \",\", got %q", c.method, c.path, got)
		}
	}
}

func headerValues(h http.Header, name string) []string {
	var out []string
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			out = append(out, vs...)
		}
	}
	return out
}

func TestMatch(t *testing.T) {
	api := load(t, "openapi.json")
	if _, err := api.Match("DELETE", "/api/me"); !errors.Is(err, gr.ErrNoRoute) {
		t.Errorf("DELETE /api/me: %v", err)
	}
	if _, err := api.Match("POST", "/auth/demo/signin"); !errors.Is(err, gr.ErrNoRoute) {
		t.Errorf("the deployed definition must not have the demo sign-in: %v", err)
	}
	var authorized []string
	for _, r := range api.Routes {
		if r.Authorized {
			authorized = append(authorized, r.Method+" "+r.Path)
		}
	}
	want := "GET /api/admin,POST /api/admin,GET /api/lambda-me,GET /api/me"
	if got := strings.Join(authorized, ","); got != want {
		t.Errorf("authorized routes %s, want %s", got, want)
	}
	if api.Authorizer != gr.FunctionAuthorizer || api.AuthorizerTTL != 0 {
		t.Errorf("authorizer %q ttl %d", api.Authorizer, api.AuthorizerTTL)
	}
}

// Match picks the most specific path first (a literal before a {param},
// a {param} before a greedy {param+}), then the method on it or its ANY
// route, as API Gateway does; BackendURI fills mapped path parameters in.
func TestMatchPrefersTheMostSpecificPath(t *testing.T) {
	api := loadSource(t, doc("", `  /items/{id}:
    get:
      parameters: [{name: id, in: path, required: true}]
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "https://b.example.com/items/{item}"
        requestParameters: {integration.request.path.item: method.request.path.id}
  /items/special:
    x-amazon-apigateway-any-method: {`+httpInt+`}
  /files/{p+}:
    get:
      parameters: [{name: p, in: path, required: true}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "https://b.example.com/f/{p}"
        requestParameters: {integration.request.path.p: method.request.path.p}
`))
	for _, c := range []struct {
		method, path string
		want         string // "METHOD template", "" = ErrNoRoute
		uri          string
	}{
		{"GET", "/items/special", "ANY /items/special", "https://b.example.com/x"},
		{"GET", "/items/7", "GET /items/{id}", "https://b.example.com/items/7"},
		{"GET", "/items/a%2Fb", "GET /items/{id}", "https://b.example.com/items/a%252Fb"},
		{"POST", "/items/7", "", ""},
		{"GET", "/items", "", ""},
		{"GET", "/files/a/b c/d", "GET /files/{p+}", "https://b.example.com/f/a/b%20c/d"},
		{"GET", "/files/x", "GET /files/{p+}", "https://b.example.com/f/x"},
		{"GET", "/files", "", ""},
		{"GET", "/files/", "", ""},
	} {
		route, err := api.Match(c.method, c.path)
		if c.want == "" {
			if !errors.Is(err, gr.ErrNoRoute) {
				t.Errorf("%s %s: %v, want ErrNoRoute", c.method, c.path, err)
			}
			continue
		}
		if err != nil || route.Method+" "+route.Path != c.want {
			t.Errorf("%s %s: %v %v, want %s", c.method, c.path, route, err, c.want)
			continue
		}
		if uri, err := route.BackendURI(c.path); err != nil || uri != c.uri {
			t.Errorf("%s %s: BackendURI %q %v, want %q", c.method, c.path, uri, err, c.uri)
		}
	}
}
