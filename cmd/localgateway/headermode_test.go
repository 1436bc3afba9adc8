package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/gatewayresponses"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// Header mode through the local gateway: the Authorization header reaches
// the authorizer, a TOKEN authorizer gets a TOKEN event (and a request
// without the header never reaches it), and a rotated access token in the
// authorizer's context reaches the client as st-access-token, on the REST
// API and on the HTTP API variant.

// bearerAPI is a bearer-only API: its root asks for a TOKEN authorizer.
const bearerAPI = `openapi: 3.0.1
info: {title: bearer-only, version: "1"}
x-sessiongate: {authorizer: token}
paths:
  /api/me:
    get:
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "${EchoBackendUrl}/api/me"}
  /api/proxy:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "${EchoBackendUrl}/api/proxy"}
  /public/status:
    get:
      x-sessiongate: {session: none}
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "${EchoBackendUrl}/public/status"}
`

// renderAPI renders an annotated API document as `sessiongate render`
// does for a folder without a template.
func renderAPI(t *testing.T, doc string) *gatewayresponses.Rendered {
	t.Helper()
	src, err := gatewayresponses.ParseSource([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r, err := src.Render(gatewayresponses.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// recordingAuthorizer answers every event with out (or err) and keeps the
// events it got.
type recordingAuthorizer struct {
	mu     sync.Mutex
	out    string
	err    error
	events []map[string]any
}

func (a *recordingAuthorizer) invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, ev)
	if a.err != nil {
		return nil, a.err
	}
	return []byte(a.out), nil
}

// took returns the events so far and forgets them.
func (a *recordingAuthorizer) took() []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	evs := a.events
	a.events = nil
	return evs
}

// headerModeCtx is the context of an Allow or Deny after the authorizer
// rotated a bearer access token: the new token under accessToken, no
// cookie.
func headerModeCtx() map[string]any {
	return map[string]any{authorizer.CtxUserID: "alice", authorizer.CtxSessionID: "s1", authorizer.CtxRoles: authorizer.NoRoles,
		authorizer.CtxSetCookie: "", authorizer.CtxFrontToken: "front-token-value", authorizer.CtxAccessToken: "rotated-access-token"}
}

// bearerGateway serves bearerAPI's REST definition with authz as its
// authorizer and backendURL as ${EchoBackendUrl}.
func bearerGateway(t *testing.T, authz invoker, backendURL string) (http.Handler, *gatewayresponses.API) {
	t.Helper()
	def := renderAPI(t, bearerAPI).Files[gatewayresponses.FileOpenAPI]
	params := map[string]string{paramAllowedOrigin: testOrigin, paramEchoBackend: backendURL}
	api, err := gatewayresponses.Load(def, definitionVars(def, params))
	if err != nil {
		t.Fatal(err)
	}
	lambda := func(context.Context, []byte) ([]byte, error) { return []byte(`{"statusCode":204}`), nil }
	g, err := newGateway(gatewayConfig{API: api, Authorizer: authz, Lambdas: map[string]invoker{sessionAPIFunction: lambda}})
	if err != nil {
		t.Fatal(err)
	}
	return g, api
}

// serveWith serves one request with the given headers (name, value
// pairs; a name may repeat).
func serveWith(h http.Handler, method, path string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://127.0.0.1:8080"+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func echoHeaders(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var e echoResponse
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("backend answer %q: %v", body, err)
	}
	return e.Headers
}

// A TOKEN authorizer's event is what API Gateway sends: type, the token
// header's value as authorizationToken, the methodArn, and nothing else
// (docs/apigateway.md, "REST authorizer payload").
func TestTokenAuthorizerEventGolden(t *testing.T) {
	r := sampleRequest()
	r.Header.Set("Authorization", "Bearer access-token-placeholder")
	ev, ok := tokenAuthorizerEvent(r, underProd, gatewayresponses.TokenHeader)
	if !ok {
		t.Fatal("no event")
	}
	golden(t, "token-authorizer-event.json", ev)
	raw, _ := json.Marshal(ev)
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"type": "TOKEN", "authorizationToken": "Bearer access-token-placeholder",
		"methodArn": "arn:aws:execute-api:local:000000000000:localapi/prod/POST/api/admin"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("TOKEN event %s", raw)
	}

	// Several Authorization lines: the last, as a REQUEST event's headers
	// keep it. Missing or empty: no event.
	r.Header.Add("Authorization", "Bearer second")
	if ev, _ := tokenAuthorizerEvent(r, underProd, "authorization"); ev.AuthorizationToken != "Bearer second" {
		t.Errorf("authorizationToken %q", ev.AuthorizationToken)
	}
	r.Header.Set("Authorization", "")
	if _, ok := tokenAuthorizerEvent(r, underProd, gatewayresponses.TokenHeader); ok {
		t.Error("an event for an empty Authorization header")
	}
	r.Header.Del("Authorization")
	if _, ok := tokenAuthorizerEvent(r, underProd, gatewayresponses.TokenHeader); ok {
		t.Error("an event without an Authorization header")
	}
}

// A REQUEST authorizer gets the Authorization header as the client sent
// it, beside the cookies.
func TestAuthorizerEventCarriesAuthorization(t *testing.T) {
	r := sampleRequest()
	r.Header.Set("Authorization", "Bearer abc")
	ev := authorizerEvent(r, atRoot, "/api/admin", "req-1")
	if ev.Headers["Authorization"] != "Bearer abc" || !slices.Equal(ev.MultiValueHeaders["Authorization"], []string{"Bearer abc"}) ||
		len(ev.MultiValueHeaders["Cookie"]) != 2 {
		t.Errorf("headers %v, multiValueHeaders %v", ev.Headers, ev.MultiValueHeaders)
	}
}

// The REST gateway with a TOKEN authorizer: 401 without invoking it when
// Authorization is missing or empty (a session cookie does not count), a
// TOKEN event otherwise, and the rotated token back as st-access-token
// (or, on HTTP_PROXY, as the request header the backend echoes).
func TestTokenAuthorizerGateway(t *testing.T) {
	echo := httptest.NewServer(echoHandler())
	defer echo.Close()
	arnMe := methodARN(rootStage, "GET", "/api/me")
	authz := &recordingAuthorizer{out: allowOut("Allow|"+arnMe, headerModeCtx())}
	g, api := bearerGateway(t, authz.invoke, echo.URL)
	if api.AuthorizerType != gatewayresponses.TokenAuthorizer || api.TokenHeader != "Authorization" {
		t.Fatalf("loaded authorizer %q on %q", api.AuthorizerType, api.TokenHeader)
	}

	for _, c := range []struct {
		name string
		hdr  []string
	}{
		{"no Authorization", nil},
		{"empty Authorization", []string{"Authorization", ""}},
		{"a session cookie only", []string{"Cookie", defaultAccessCookie + "=abc"}},
	} {
		t.Run(c.name+" is 401 without the authorizer", func(t *testing.T) {
			rec := serveWith(g, "GET", "/api/me", c.hdr...)
			if rec.Code != 401 || rec.Body.String() != `{"message":"Unauthorized"}` ||
				rec.Header().Get("x-amzn-ErrorType") != "UnauthorizedException" || rec.Header().Get("Access-Control-Allow-Origin") != testOrigin {
				t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
			}
			if evs := authz.took(); len(evs) != 0 {
				t.Errorf("the authorizer ran %d times", len(evs))
			}
		})
	}

	t.Run("a bearer token is a TOKEN event; the rotated token comes back as st-access-token", func(t *testing.T) {
		rec := serveWith(g, "GET", "/api/me", "Authorization", "Bearer old", "Cookie", defaultAccessCookie+"=ignored", "x-user-id", "mallory")
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		evs := authz.took()
		want := map[string]any{"type": "TOKEN", "authorizationToken": "Bearer old", "methodArn": arnMe}
		if len(evs) != 1 || !reflect.DeepEqual(evs[0], want) {
			t.Fatalf("authorizer events %v, want [%v]", evs, want)
		}
		if got := rec.Header().Values(gatewayresponses.HeaderAccessToken); !slices.Equal(got, []string{"rotated-access-token"}) {
			t.Errorf("st-access-token %q", got)
		}
		if rec.Header().Get("front-token") != "front-token-value" || rec.Header().Values("Set-Cookie") != nil {
			t.Errorf("front-token %q, Set-Cookie %q", rec.Header().Get("front-token"), rec.Header().Values("Set-Cookie"))
		}
		if !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "st-access-token") {
			t.Errorf("st-access-token is not exposed: %v", rec.Header())
		}
		if h := echoHeaders(t, rec.Body.Bytes()); h["x-user-id"] != "alice" || h["authorization"] != "" {
			t.Errorf("the HTTP backend got %v", h)
		}
	})

	t.Run("HTTP_PROXY: the backend gets the rotated token to echo", func(t *testing.T) {
		authz.out = allowOut("Allow|*", headerModeCtx())
		rec := serveWith(g, "GET", "/api/proxy", "Authorization", "Bearer old", authorizer.HeaderProxyAccessToken, "forged")
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		h := echoHeaders(t, rec.Body.Bytes())
		if h[authorizer.HeaderProxyAccessToken] != "rotated-access-token" || h["authorization"] != "Bearer old" || h["x-user-id"] != "alice" {
			t.Errorf("the HTTP_PROXY backend got %v", h)
		}
		authz.took()
	})

	t.Run("Deny carries the rotated token", func(t *testing.T) {
		ctx := headerModeCtx()
		ctx[authorizer.CtxBody] = `{"message":"invalid claim"}`
		authz.out = allowOut("Deny|"+arnMe, ctx)
		rec := serveWith(g, "GET", "/api/me", "Authorization", "Bearer old")
		if rec.Code != 403 || rec.Body.String() != `{"message":"invalid claim"}` ||
			rec.Header().Get(gatewayresponses.HeaderAccessToken) != "rotated-access-token" {
			t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
		}
		authz.took()
	})

	t.Run("the error Unauthorized is 401 with no token", func(t *testing.T) {
		authz.err = errors.New(authorizer.Unauthorized)
		defer func() { authz.err = nil }()
		rec := serveWith(g, "GET", "/api/me", "Authorization", "Bearer expired")
		if rec.Code != 401 || rec.Header().Values(gatewayresponses.HeaderAccessToken) != nil {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
		if len(authz.took()) != 1 {
			t.Error("the authorizer did not run")
		}
	})

	t.Run("a public route needs no token", func(t *testing.T) {
		if rec := serveWith(g, "GET", "/public/status"); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if len(authz.took()) != 0 {
			t.Error("the authorizer ran on a public route")
		}
	})
}

// The deployed definition (a REQUEST authorizer): the authorizer gets the
// bearer token in its event's headers, and a rotated token in its context
// reaches the client as st-access-token, on an Allow and on a Deny.
func TestRequestAuthorizerHeaderMode(t *testing.T) {
	echo := httptest.NewServer(echoHandler())
	defer echo.Close()
	arnMe := methodARN(rootStage, "GET", "/api/me")
	authz := &recordingAuthorizer{out: allowOut("Allow|"+arnMe, headerModeCtx())}
	g := mappingGateway(t, authz.invoke, "", echo.URL)

	rec := serveWith(g, "GET", "/api/me", "Authorization", "Bearer old")
	if rec.Code != 200 || rec.Header().Get(gatewayresponses.HeaderAccessToken) != "rotated-access-token" || rec.Header().Values("Set-Cookie") != nil {
		t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	evs := authz.took()
	if len(evs) != 1 || evs[0]["type"] != "REQUEST" || evs[0]["headers"].(map[string]any)["Authorization"] != "Bearer old" {
		t.Fatalf("authorizer events %v", evs)
	}

	ctx := headerModeCtx()
	ctx[authorizer.CtxBody] = `{"message":"invalid claim"}`
	authz.out = allowOut("Deny|"+arnMe, ctx)
	rec = serveWith(g, "GET", "/api/me", "Authorization", "Bearer old")
	if rec.Code != 403 || rec.Header().Get(gatewayresponses.HeaderAccessToken) != "rotated-access-token" {
		t.Fatalf("Deny: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}

	// Without a REQUEST authorizer's identity source, a request without
	// Authorization still reaches it (it may carry a cookie).
	authz.took()
	authz.err = errors.New(authorizer.Unauthorized)
	if rec := serveWith(g, "GET", "/api/me"); rec.Code != 401 || len(authz.took()) != 1 {
		t.Fatalf("%d: the REQUEST authorizer must run without Authorization", rec.Code)
	}
}

// simpleAllow is an HTTP API authorizer's simple response.
func simpleAllow(ctx map[string]any) string {
	b, _ := json.Marshal(map[string]any{"isAuthorized": true, "context": ctx})
	return string(b)
}

// The HTTP API variant of bearerAPI: a REQUEST authorizer with the
// identity source $request.header.Authorization; without the header, 401
// before the authorizer runs; with it, identitySource holds its value and
// the rotated token comes back as st-access-token.
func TestHTTPAPIIdentitySourceGateway(t *testing.T) {
	echo := httptest.NewServer(echoHandler())
	defer echo.Close()
	def := renderAPI(t, bearerAPI).Files[gatewayresponses.FileHTTPAPI]
	params := map[string]string{paramAllowedOrigin: testOrigin, paramEchoBackend: echo.URL}
	api, err := gatewayresponses.LoadHTTPAPI(def, definitionVars(def, params))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(api.IdentityHeaders, []string{"Authorization"}) {
		t.Fatalf("identity headers %v", api.IdentityHeaders)
	}
	authz := &recordingAuthorizer{out: simpleAllow(headerModeCtx())}
	lambda := func(context.Context, []byte) ([]byte, error) { return []byte(`{"statusCode":204}`), nil }
	g, err := newHTTPAPIGateway(httpAPIConfig{API: api, Authorizer: authz.invoke, Lambdas: map[string]invoker{sessionAPIFunction: lambda}})
	if err != nil {
		t.Fatal(err)
	}

	for _, hdr := range [][]string{nil, {"Authorization", ""}, {"Cookie", defaultAccessCookie + "=abc"}} {
		rec := serveWith(g, "GET", "/api/me", append(hdr, "Origin", testOrigin)...)
		if rec.Code != 401 || rec.Body.String() != `{"message":"Unauthorized"}` || rec.Header().Get("Access-Control-Allow-Origin") != testOrigin {
			t.Errorf("%v: %d %v %s", hdr, rec.Code, rec.Header(), rec.Body)
		}
		if evs := authz.took(); len(evs) != 0 {
			t.Errorf("%v: the authorizer ran", hdr)
		}
	}

	rec := serveWith(g, "GET", "/api/me", "Authorization", "Bearer old", "Origin", testOrigin)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	evs := authz.took()
	if len(evs) != 1 || !reflect.DeepEqual(evs[0]["identitySource"], []any{"Bearer old"}) ||
		evs[0]["headers"].(map[string]any)["authorization"] != "Bearer old" {
		t.Fatalf("authorizer events %v", evs)
	}
	if got := rec.Header().Values(gatewayresponses.HeaderAccessToken); !slices.Equal(got, []string{"rotated-access-token"}) ||
		rec.Header().Get("front-token") != "front-token-value" || rec.Header().Values("Set-Cookie") != nil {
		t.Errorf("st-access-token %q, front-token %q, Set-Cookie %q", got, rec.Header().Get("front-token"), rec.Header().Values("Set-Cookie"))
	}
	if !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "st-access-token") {
		t.Errorf("st-access-token is not exposed: %v", rec.Header())
	}
}

// writeRendered renders doc into a fresh folder, as `sessiongate render
// --api DIR/api.yaml` does, and returns the folder.
func writeRendered(t *testing.T, doc string) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range renderAPI(t, doc).Files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// `localgateway -api DIR` serves a rendered bearer-only API on a real
// redis-server, REST (TOKEN authorizer) and HTTP API (identity source),
// with the real authorizer: a signed-in browser's cookie alone gets 401
// before the authorizer runs; a client in header mode calls with its
// bearer token, gets a rotated one back as st-access-token, and the
// rotated one works; public routes need nothing.
func TestBearerOnlyAPIRealRedis(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	dir := writeRendered(t, bearerAPI)
	for _, mode := range []struct {
		name, announce string
		args           []string
	}{
		{"REST", "the authorizer is a TOKEN authorizer on the Authorization header", []string{"-api", dir}},
		{"HTTP API", "the authorizer's identity source is the Authorization header", []string{"-api", dir, "-http-api"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			clock := sessiontest.NewClock()
			g := startGateway(t, map[string]string{"REDIS_URL": srv.URL()}, clock.Now, append(mode.args, lifetimeFlags...)...)
			if !strings.Contains(g.Stderr.String(), mode.announce) {
				t.Errorf("stderr lacks %q:\n%s", mode.announce, g.Stderr)
			}
			c := newClient(t, g.URL)
			if r := c.do("GET", "/public/status", ""); r.Status != 200 {
				t.Errorf("public route: %d %s", r.Status, r.Body)
			}

			browser := sessiontest.UniqueUser("browser")
			signIn(t, c, browser)
			if c.cookie("/api/me", g.Access) == "" {
				t.Fatal("the demo sign-in set no access cookie")
			}
			if r := c.do("GET", "/api/me", "", "Origin", g.URL); r.Status != 401 || r.JSON(t)["message"] != "Unauthorized" {
				t.Errorf("a session cookie without Authorization: %d %s", r.Status, r.Body)
			}

			app := newClient(t, g.URL)
			app.hc.Jar = nil // an app that keeps no cookies
			user := sessiontest.UniqueUser("bearer")
			body, _ := json.Marshal(map[string]any{"userId": user, "roles": []string{"user"}})
			r := app.do("POST", "/auth/demo/signin", string(body), "rid", "session", "st-auth-mode", "header")
			access := r.Header.Get(gatewayresponses.HeaderAccessToken)
			if r.Status != 200 || access == "" {
				t.Fatalf("sign-in in header mode: %d %s, access token %v", r.Status, r.Body, access != "")
			}
			call := func(token string) result {
				return app.do("GET", "/api/me", "", "Authorization", "Bearer "+token, "st-auth-mode", "header", "x-user-id", "mallory")
			}
			r = call(access)
			if r.Status != 200 || echoHeadersOf(t, r)["x-user-id"] != user || r.Header.Get(gatewayresponses.HeaderAccessToken) != "" {
				t.Fatalf("the bearer token: %d %s, rotated %v", r.Status, r.Body, r.Header.Get(gatewayresponses.HeaderAccessToken) != "")
			}

			clock.Advance(5*time.Minute + time.Second) // past -rotate-after
			r = call(access)
			rotated := r.Header.Values(gatewayresponses.HeaderAccessToken)
			if r.Status != 200 || len(rotated) != 1 || rotated[0] == "" || rotated[0] == access {
				t.Fatalf("after rotate-after: %d %s, st-access-token %d values", r.Status, r.Body, len(rotated))
			}
			if r.Header.Get("front-token") == "" || r.Header.Values("Set-Cookie") != nil {
				t.Errorf("rotation: front-token set %v, Set-Cookie lines %d", r.Header.Get("front-token") != "", len(r.Header.Values("Set-Cookie")))
			}
			if r = call(rotated[0]); r.Status != 200 || echoHeadersOf(t, r)["x-user-id"] != user {
				t.Errorf("the rotated token: %d %s", r.Status, r.Body)
			}
		})
	}
}

func echoHeadersOf(t *testing.T, r result) map[string]string {
	t.Helper()
	return echoHeaders(t, r.Body)
}
