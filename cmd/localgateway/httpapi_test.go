package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/gatewayresponses"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessionhttp/lambdaproxy"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

const (
	httpAPIOrigin  = "https://app.example.com"
	foreignOrigin  = "https://evil.example"
	probeFunction  = "ProbeFunction"
	httpAPIRefresh = "/auth/session/refresh"
)

// httpAPITestDoc is an HTTP API definition of the shape render writes
// (httpapi-openapi.json): identity headers overwritten from the
// authorizer's context, the rotated cookie mapped on the statuses a
// backend commonly answers, the session API and a Lambda backend as
// aws_proxy, CORS for one origin.
const httpAPITestDoc = `{
  "openapi": "3.0.1",
  "info": {"title": "httpapi test", "version": "1"},
  "components": {"securitySchemes": {"sessiongate": {"type": "apiKey", "name": "Unused", "in": "header",
    "x-amazon-apigateway-authorizer": {"type": "request", "authorizerPayloadFormatVersion": "2.0",
      "enableSimpleResponses": true, "authorizerResultTtlInSeconds": 0,
      "authorizerUri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthorizerFunction.Arn}/invocations"}}}}},
  "paths": {
    "/public/status": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET",
      "payloadFormatVersion": "1.0", "uri": {"Fn::Sub": "${EchoBackendUrl}/public/status"}}}},
    "/api/me": {"get": {"security": [{"sessiongate": []}], "x-amazon-apigateway-integration": IDENTITY_BACKEND_ME}},
    "/api/admin": {"get": {"security": [{"sessiongate": []}], "x-amazon-apigateway-integration": IDENTITY_BACKEND_ADMIN}},
    "/api/items/{id}": {"get": {"security": [{"sessiongate": []}], "x-amazon-apigateway-integration": IDENTITY_BACKEND_ITEMS}},
    "/api/probe": {"post": {"security": [{"sessiongate": []}], "x-amazon-apigateway-integration": {"type": "aws_proxy",
      "httpMethod": "POST", "payloadFormatVersion": "2.0", "uri": {"Fn::Sub": "${ProbeFunction.Arn}"}}}},
    "/api/slow": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "timeoutInMillis": 50,
      "httpMethod": "POST", "payloadFormatVersion": "2.0", "uri": {"Fn::Sub": "${SlowFunction.Arn}"}}}},
    "/auth/session/refresh": {"post": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
      "payloadFormatVersion": "2.0",
      "uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${SessionApiFunction.Arn}/invocations"}}}}
  },
  "x-amazon-apigateway-cors": {"allowOrigins": [{"Fn::Sub": "${AllowedOrigin}"}], "allowCredentials": true,
    "allowHeaders": ["rid", "content-type"], "allowMethods": ["GET", "POST", "OPTIONS"],
    "exposeHeaders": ["front-token"], "maxAge": 600}
}`

// identityBackend is an http_proxy integration to the test backend at
// path, mapped as render maps it.
func identityBackend(path string) string {
	cookie := `{"overwrite:header.Set-Cookie": "$context.authorizer.setCookie",
	  "overwrite:header.front-token": "$context.authorizer.frontToken"}`
	var statuses []string
	for _, s := range []string{"200", "201", "204", "400", "404", "409", "422"} {
		statuses = append(statuses, `"`+s+`": `+cookie)
	}
	return `{"type": "http_proxy", "httpMethod": "GET", "payloadFormatVersion": "1.0",
	  "uri": {"Fn::Sub": "${EchoBackendUrl}` + path + `"},
	  "requestParameters": {"overwrite:header.x-user-id": "$context.authorizer.userId",
	    "overwrite:header.x-user-roles": "$context.authorizer.roles",
	    "overwrite:header.x-session-id": "$context.authorizer.sessionId"},
	  "responseParameters": {` + strings.Join(statuses, ",") + `}}`
}

func httpAPIDoc() []byte {
	return []byte(strings.NewReplacer(
		"IDENTITY_BACKEND_ME", identityBackend("/api/me"),
		"IDENTITY_BACKEND_ADMIN", identityBackend("/api/admin"),
		"IDENTITY_BACKEND_ITEMS", identityBackend("/items/{id}"),
	).Replace(httpAPITestDoc))
}

func httpAPIVars(backendURL string) map[string]string {
	v := map[string]string{"AWS::Partition": localPartition, "AWS::Region": localRegion,
		"AllowedOrigin": httpAPIOrigin, "EchoBackendUrl": backendURL}
	for _, fn := range []string{"AuthorizerFunction", "SessionApiFunction", probeFunction, "SlowFunction"} {
		v[fn+".Arn"] = localFunctionARN(fn)
	}
	return v
}

// testBackend is the http_proxy backend: it answers with the request it
// got (headers in lower case) and the status the query's "status" asks
// for, and sends CORS headers of its own, which the gateway must drop.
type testBackend struct {
	hits atomic.Int64
}

type backendEcho struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   string            `json:"query"`
	Headers map[string]string `json:"headers"`
}

func (b *testBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.hits.Add(1)
	out := backendEcho{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Headers: map[string]string{}}
	for k, vs := range r.Header {
		out.Headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	status := http.StatusOK
	if s := r.URL.Query().Get("status"); s != "" {
		status = map[string]int{"404": 404, "500": 500}[s]
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

// probe is the aws_proxy backend of POST /api/probe: it answers with what
// its payload 2.0 event carried, two cookies (one with a comma in it) and
// a CORS header of its own.
func probe(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var lambdaCtx map[string]any
	if ev.RequestContext.Authorizer != nil {
		lambdaCtx = ev.RequestContext.Authorizer.Lambda
	}
	body, err := json.Marshal(map[string]any{"authorizer": lambdaCtx, "routeKey": ev.RouteKey,
		"rawPath": ev.RawPath, "stage": ev.RequestContext.Stage, "cookies": ev.Cookies, "body": ev.Body,
		"xUserID": ev.Headers["x-user-id"]})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: string(body),
		Headers: map[string]string{"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
		Cookies: []string{"a=1; Path=/", "b=x, y; Path=/"}}, nil
}

// lockedBuffer collects log output from concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// httpAPIHarness is an HTTP API gateway on a real authorizer, session API
// and redis-server.
type httpAPIHarness struct {
	t       *testing.T
	url     string
	redis   *sessiontest.Server
	clock   *sessiontest.Clock
	m       *session.Manager
	backend *testBackend
	authzN  atomic.Int64
	log     *lockedBuffer
}

func newHTTPAPIHarness(t *testing.T, stage string) *httpAPIHarness {
	t.Helper()
	redisstore.SilenceClientLogs() // as main does: go-redis's own lines name the store's address
	h := &httpAPIHarness{t: t, redis: sessiontest.StartServer(t, sessiontest.Options{Persist: true}),
		clock: sessiontest.NewClock(), backend: &testBackend{}, log: &lockedBuffer{}}
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: h.redis.URL(), Mode: redisstore.ModeStandalone})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	cfg := sessiontest.TestConfig(t)
	cfg.AllowedOrigins = []string{httpAPIOrigin}
	h.m = sessiontest.NewManager(t, cfg, redisstore.New(rdb, redisstore.Options{}), h.clock)
	rules, err := authorizer.ParseRules(`[{"method":"*","path":"/api/admin","anyRoles":["admin"]}]`)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := authorizer.New(authorizer.Config{Manager: h.m, Rules: rules, Logger: quiet, Metrics: io.Discard, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	authz := lambdaFunc(a.Handle)
	backend := httptest.NewServer(h.backend)
	t.Cleanup(backend.Close)
	api, err := gatewayresponses.LoadHTTPAPI(httpAPIDoc(), httpAPIVars(backend.URL))
	if err != nil {
		t.Fatal(err)
	}
	g, err := newHTTPAPIGateway(httpAPIConfig{
		API: api,
		Authorizer: func(ctx context.Context, p []byte) ([]byte, error) {
			h.authzN.Add(1)
			return authz(ctx, p)
		},
		Lambdas: map[string]invoker{
			"SessionApiFunction": lambdaFunc(lambdaproxy.Handler(sessionhttp.New(h.m, sessionhttp.Options{Logger: quiet}))),
			probeFunction:        lambdaFunc(probe),
			"SlowFunction": func(ctx context.Context, _ []byte) ([]byte, error) {
				<-ctx.Done() // answers only when the gateway gives up
				return nil, ctx.Err()
			},
		},
		Local:  map[string]http.Handler{"GET /example-config.json": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "{}") })},
		Static: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "static") }),
		Stage:  stage,
		Log:    slog.New(slog.NewTextHandler(h.log, nil)),
		Now:    h.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

// signIn creates a session and returns its access and refresh cookies.
func (h *httpAPIHarness) signIn(user string, roles ...string) (access, refresh *http.Cookie) {
	h.t.Helper()
	tok, err := h.m.Create(context.Background(), session.CreateInput{UserID: user, Roles: roles})
	if err != nil {
		h.t.Fatal(err)
	}
	return tok.Access, tok.Refresh
}

// do sends a request with the given cookies and headers (name, value
// pairs) and no cookie jar.
func (h *httpAPIHarness) do(method, path string, cookies []*http.Cookie, hdr ...string) result {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return result{Status: res.StatusCode, Header: res.Header, Body: b}
}

// setCookies parses the Set-Cookie lines of a response by name.
func setCookies(t *testing.T, h http.Header) map[string]*http.Cookie {
	t.Helper()
	out := map[string]*http.Cookie{}
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if _, dup := out[c.Name]; dup {
			t.Fatalf("two Set-Cookie lines for %s", c.Name)
		}
		out[c.Name] = c
	}
	return out
}

func wantMessage(t *testing.T, r result, status int, message string) {
	t.Helper()
	if r.Status != status || string(r.Body) != `{"message":"`+message+`"}` {
		t.Fatalf("got %d %s, want %d {\"message\":%q}", r.Status, r.Body, status, message)
	}
	if r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
}

func wantNoCookieChange(t *testing.T, r result) {
	t.Helper()
	if v, ok := r.Header["Set-Cookie"]; ok {
		t.Errorf("Set-Cookie %q", v)
	}
	if v, ok := r.Header[http.CanonicalHeaderKey(authorizer.HeaderFrontToken)]; ok {
		t.Errorf("front-token %q", v)
	}
}

func wantCORS(t *testing.T, r result) {
	t.Helper()
	if got := r.Header.Values("Access-Control-Allow-Origin"); !slices.Equal(got, []string{httpAPIOrigin}) ||
		r.Header.Get("Access-Control-Allow-Credentials") != "true" || r.Header.Get("Access-Control-Expose-Headers") != "front-token" {
		t.Errorf("CORS headers: %v", r.Header)
	}
}

// TestHTTPAPIGatewayFlow serves the HTTP API under stage prod with a real
// authorizer.Handler, session API and redis-server.
func TestHTTPAPIGatewayFlow(t *testing.T) {
	h := newHTTPAPIHarness(t, "prod")
	access, refresh := h.signIn(sessiontest.UniqueUser("alice"), "viewer")
	origin := []string{"Origin", httpAPIOrigin}
	accessName, refreshName := h.m.Config().AccessCookieName, h.m.Config().RefreshCookieName

	t.Run("valid session: identity headers at the backend, a client-sent x-user-id overwritten", func(t *testing.T) {
		r := h.do("GET", "/prod/api/me", []*http.Cookie{access}, "x-user-id", "mallory", "X-Session-Id", "forged", "Origin", httpAPIOrigin)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		var echo backendEcho
		if err := json.Unmarshal(r.Body, &echo); err != nil {
			t.Fatal(err)
		}
		v, err := h.m.Validate(context.Background(), access.Value)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"x-user-id": v.UserID, "x-user-roles": "viewer", "x-session-id": v.SessionID}
		for k, val := range want {
			if echo.Headers[k] != val {
				t.Errorf("backend got %s %q, want %q", k, echo.Headers[k], val)
			}
		}
		if echo.Path != "/api/me" || echo.Headers["x-forwarded-for"] == "" {
			t.Errorf("backend request: %+v", echo)
		}
		wantCORS(t, r)
		wantNoCookieChange(t, r) // nothing rotated: no empty Set-Cookie or front-token line
	})

	t.Run("rotated cookie reaches the client on 200", func(t *testing.T) {
		h.clock.Advance(6 * time.Minute)
		r := h.do("GET", "/prod/api/me", []*http.Cookie{access}, origin...)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		cs := setCookies(t, r.Header)
		if cs[accessName] == nil || len(cs) != 1 || r.Header.Get("front-token") == "" {
			t.Fatalf("Set-Cookie %v front-token %q", r.Header.Values("Set-Cookie"), r.Header.Get("front-token"))
		}
		access = cs[accessName]
	})

	t.Run("rotated cookie reaches the client on a 4xx from the backend", func(t *testing.T) {
		h.clock.Advance(6 * time.Minute)
		r := h.do("GET", "/prod/api/me?status=404", []*http.Cookie{access}, origin...)
		if r.Status != 404 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		cs := setCookies(t, r.Header)
		if cs[accessName] == nil || cs[accessName].Value == access.Value || r.Header.Get("front-token") == "" {
			t.Fatalf("Set-Cookie %v front-token %q", r.Header.Values("Set-Cookie"), r.Header.Get("front-token"))
		}
		access = cs[accessName]
		wantCORS(t, r)
	})

	t.Run("a status without a mapping passes the backend's answer through", func(t *testing.T) {
		r := h.do("GET", "/prod/api/items/42?status=500&x=1", []*http.Cookie{access}, origin...)
		var echo backendEcho
		if err := json.Unmarshal(r.Body, &echo); r.Status != 500 || err != nil {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if echo.Path != "/items/42" || echo.Query != "status=500&x=1" {
			t.Errorf("backend request %+v", echo)
		}
	})

	t.Run("no session: 401 JSON, no cookie", func(t *testing.T) {
		for _, cookies := range [][]*http.Cookie{nil, {{Name: accessName, Value: "garbage"}}} {
			r := h.do("GET", "/prod/api/me", cookies, origin...)
			wantMessage(t, r, 401, "Unauthorized")
			wantNoCookieChange(t, r)
			wantCORS(t, r)
		}
	})

	t.Run("viewer on /api/admin: 403 Forbidden, no claim body, no cookie", func(t *testing.T) {
		hits := h.backend.hits.Load()
		h.clock.Advance(6 * time.Minute) // the authorizer rotates, and its setCookie is lost on a 403
		r := h.do("GET", "/prod/api/admin", []*http.Cookie{access}, origin...)
		wantMessage(t, r, 403, "Forbidden")
		wantNoCookieChange(t, r)
		if h.backend.hits.Load() != hits {
			t.Errorf("the backend was called")
		}
		// The rotation the 403 could not deliver is not lost: the old
		// token is in its grace period and gets the same new generation.
		r = h.do("GET", "/prod/api/me", []*http.Cookie{access}, origin...)
		if r.Status != 200 || setCookies(t, r.Header)[accessName] == nil {
			t.Fatalf("after the 403: %d %v", r.Status, r.Header.Values("Set-Cookie"))
		}
		access = setCookies(t, r.Header)[accessName]
	})

	t.Run("aws_proxy: payload 2.0 event with the context, one Set-Cookie per cookie", func(t *testing.T) {
		r := h.do("POST", "/prod/api/probe", []*http.Cookie{access, {Name: "theme", Value: "dark"}},
			"rid", "x", "Origin", httpAPIOrigin, "x-user-id", "mallory")
		if r.Status != 201 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		var got struct {
			Authorizer map[string]any `json:"authorizer"`
			RouteKey   string         `json:"routeKey"`
			RawPath    string         `json:"rawPath"`
			Stage      string         `json:"stage"`
			Cookies    []string       `json:"cookies"`
		}
		if err := json.Unmarshal(r.Body, &got); err != nil {
			t.Fatal(err)
		}
		v, _ := h.m.Validate(context.Background(), access.Value)
		if got.Authorizer[authorizer.CtxUserID] != v.UserID || got.Authorizer[authorizer.CtxSessionID] != v.SessionID ||
			got.RouteKey != "POST /api/probe" || got.RawPath != "/prod/api/probe" || got.Stage != "prod" ||
			!slices.Equal(got.Cookies, []string{accessName + "=" + access.Value, "theme=dark"}) {
			t.Errorf("event: %s", r.Body)
		}
		if lines := r.Header.Values("Set-Cookie"); !slices.Equal(lines, []string{"a=1; Path=/", "b=x, y; Path=/"}) {
			t.Errorf("Set-Cookie lines %q", lines)
		}
		wantCORS(t, r)
	})

	t.Run("session API refresh under /prod", func(t *testing.T) {
		r := h.do("POST", "/prod"+httpAPIRefresh, []*http.Cookie{access, refresh}, "rid", "session", "Origin", httpAPIOrigin)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		cs := setCookies(t, r.Header)
		if len(r.Header.Values("Set-Cookie")) != 2 || cs[accessName] == nil || cs[refreshName] == nil {
			t.Fatalf("Set-Cookie lines %q", r.Header.Values("Set-Cookie"))
		}
		if p := cs[refreshName].Path; p != "/prod"+httpAPIRefresh {
			t.Errorf("refresh cookie Path %q, want /prod%s (where the browser calls it)", p, httpAPIRefresh)
		}
		if r.Header.Get("front-token") == "" {
			t.Errorf("no front-token")
		}
		wantCORS(t, r)
		access, refresh = cs[accessName], cs[refreshName]
	})

	t.Run("store down: 500 and no cookie change", func(t *testing.T) {
		h.redis.Stop()
		r := h.do("GET", "/prod/api/me", []*http.Cookie{access}, origin...)
		wantMessage(t, r, 500, "Internal Server Error")
		wantNoCookieChange(t, r)
		r = h.do("POST", "/prod"+httpAPIRefresh, []*http.Cookie{access, refresh}, "rid", "session", "Origin", httpAPIOrigin)
		if r.Status < 500 {
			t.Errorf("refresh during the outage: %d %s", r.Status, r.Body)
		}
		wantNoCookieChange(t, r)
	})

	// The log has one line per request and never a cookie, token or
	// header value.
	logs := h.log.String()
	for _, secret := range []string{access.Value, refresh.Value, "mallory", "forged", "dark"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, `route="GET /api/me"`) {
		t.Errorf("no request line:\n%s", logs)
	}
}

func TestHTTPAPIGatewayPreflight(t *testing.T) {
	h := newHTTPAPIHarness(t, "")
	pre := func(origin string) result {
		return h.do("OPTIONS", "/api/me", nil, "Origin", origin, "Access-Control-Request-Method", "GET",
			"Access-Control-Request-Headers", "rid")
	}
	r := pre(httpAPIOrigin)
	want := map[string]string{"Access-Control-Allow-Origin": httpAPIOrigin, "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods": "GET,POST,OPTIONS", "Access-Control-Allow-Headers": "rid,content-type",
		"Access-Control-Max-Age": "600"}
	if r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("allowed origin: %d %s", r.Status, r.Body)
	}
	for k, v := range want {
		if r.Header.Get(k) != v {
			t.Errorf("%s %q, want %q", k, r.Header.Get(k), v)
		}
	}
	r = pre(foreignOrigin)
	if r.Status != 204 {
		t.Fatalf("foreign origin: %d", r.Status)
	}
	for k := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			t.Errorf("foreign origin gets %s: %q", k, r.Header.Get(k))
		}
	}
	if n := h.authzN.Load(); n != 0 {
		t.Errorf("a preflight invoked the authorizer %d times", n)
	}
	if n := h.backend.hits.Load(); n != 0 {
		t.Errorf("a preflight reached the backend %d times", n)
	}

	// A response to a foreign origin carries no CORS header, not even the
	// backend's own.
	r = h.do("GET", "/public/status", nil, "Origin", foreignOrigin)
	if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin: %d %v", r.Status, r.Header)
	}
}

// TestHTTPAPIGatewayAnswers covers the gateway's own answers: routes,
// stage, static and local routes, authorizer and integration failures.
func TestHTTPAPIGatewayAnswers(t *testing.T) {
	h := newHTTPAPIHarness(t, "prod")
	for _, c := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/prod/nowhere", 404, `{"message":"Not Found"}`},
		{"POST", "/prod/public/status", 404, `{"message":"Not Found"}`},
		{"GET", "/production/public/status", 200, "static"}, // outside the stage
		{"POST", "/api/me", 404, `{"message":"Not Found"}`},
		{"GET", "/example-config.json", 200, "{}"},
		{"GET", "/prod/api/slow", 503, `{"message":"Service Unavailable"}`},
	} {
		r := h.do(c.method, c.path, nil)
		if r.Status != c.status || string(r.Body) != c.body {
			t.Errorf("%s %s: got %d %s, want %d %s", c.method, c.path, r.Status, r.Body, c.status, c.body)
		}
		if len(r.Header.Get("Apigw-Requestid")) != 16 && c.body != "static" && c.body != "{}" {
			t.Errorf("%s %s: apigw-requestid %q", c.method, c.path, r.Header.Get("Apigw-Requestid"))
		}
	}
	r := h.do("GET", "/prod/public/status", nil)
	var echo backendEcho
	if err := json.Unmarshal(r.Body, &echo); r.Status != 200 || err != nil || echo.Headers["x-user-id"] != "" {
		t.Errorf("public route: %d %s", r.Status, r.Body)
	}
}

// TestHTTPAPIGatewayFailures: the authorizer's and integrations' failures
// as HTTP APIs answer them. No Redis: the functions are stand-ins.
func TestHTTPAPIGatewayFailures(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // a backend that refuses connections
	api, err := gatewayresponses.LoadHTTPAPI(httpAPIDoc(), httpAPIVars(downURL))
	if err != nil {
		t.Fatal(err)
	}
	var authz invoker
	lambdaErr := func(context.Context, []byte) ([]byte, error) { return nil, errors.New("boom s3cret") }
	logs := &lockedBuffer{}
	g, err := newHTTPAPIGateway(httpAPIConfig{API: api,
		Authorizer: func(ctx context.Context, p []byte) ([]byte, error) { return authz(ctx, p) },
		Lambdas:    map[string]invoker{"SessionApiFunction": lambdaErr, probeFunction: lambdaErr, "SlowFunction": lambdaErr},
		Log:        slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	allow := func(context.Context, []byte) ([]byte, error) {
		return []byte(`{"isAuthorized":true,"context":{"userId":"u"}}`), nil
	}
	for _, c := range []struct {
		name    string
		authz   invoker
		method  string
		path    string
		status  int
		message string
	}{
		{"Unauthorized", func(context.Context, []byte) ([]byte, error) { return nil, errors.New(authorizer.Unauthorized) },
			"GET", "/api/me", 401, "Unauthorized"},
		{"isAuthorized false", func(context.Context, []byte) ([]byte, error) {
			return []byte(`{"isAuthorized":false,"context":{"body":"{\"message\":\"invalid claim\"}","setCookie":"` + defaultAccessCookie + `=x"}}`), nil
		}, "GET", "/api/me", 403, "Forbidden"},
		{"authorizer error", lambdaErr, "GET", "/api/me", 500, "Internal Server Error"},
		{"IAM policy instead of a simple response", func(context.Context, []byte) ([]byte, error) {
			return []byte(`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[]}}`), nil
		}, "GET", "/api/me", 500, "Internal Server Error"},
		{"isAuthorized not a boolean", func(context.Context, []byte) ([]byte, error) {
			return []byte(`{"isAuthorized":"true"}`), nil
		}, "GET", "/api/me", 500, "Internal Server Error"},
		{"object in a mapped context value", func(context.Context, []byte) ([]byte, error) {
			return []byte(`{"isAuthorized":true,"context":{"userId":{"a":1}}}`), nil
		}, "GET", "/api/me", 500, "Internal Server Error"},
		{"backend unreachable", allow, "GET", "/api/me?token=s3cret", 500, "Internal Server Error"},
		{"Lambda error", allow, "POST", "/api/probe?token=s3cret", 500, "Internal Server Error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			authz = c.authz
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(c.method, c.path, nil)
			req.Header.Set("Cookie", defaultAccessCookie+"=x")
			g.ServeHTTP(rec, req)
			r := result{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
			wantMessage(t, r, c.status, c.message)
			wantNoCookieChange(t, r)
		})
	}
	// A failure is logged without the client's query string or the
	// function's own error text, either of which may carry a secret.
	if l := logs.String(); strings.Contains(l, "s3cret") || !strings.Contains(l, "http_proxy integration failed") {
		t.Errorf("log:\n%s", l)
	}
}

func TestNewHTTPAPIGatewayRefuses(t *testing.T) {
	api, err := gatewayresponses.LoadHTTPAPI(httpAPIDoc(), httpAPIVars("http://127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = newHTTPAPIGateway(httpAPIConfig{API: api, Stage: "pr/od", Lambdas: map[string]invoker{probeFunction: lambdaFunc(probe)}})
	if !errors.Is(err, errConfig) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{`stage "pr/od"`, "GET /api/me: uses the authorizer", "no handler for Lambda function SessionApiFunction",
		"no handler for Lambda function SlowFunction"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), probeFunction) {
		t.Errorf("complains about a function it has:\n%v", err)
	}
	if _, err := newHTTPAPIGateway(httpAPIConfig{}); !errors.Is(err, errConfig) {
		t.Errorf("no API: %v", err)
	}
}

// TestHTTPAPIDeployedDefinition: the deployed HTTP API variant loads and
// every route can be served with the functions the local gateway has.
func TestHTTPAPIDeployedDefinition(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "httpapi-openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	api, err := gatewayresponses.LoadHTTPAPI(data, definitionVars(data, map[string]string{
		"AllowedOrigin": httpAPIOrigin, "EchoBackendUrl": "http://127.0.0.1:9"}))
	if err != nil {
		t.Fatal(err)
	}
	lambdas := map[string]invoker{}
	for _, r := range api.Routes {
		if r.Integration.Type == gatewayresponses.HTTPAPILambdaProxy {
			lambdas[r.Integration.Function] = lambdaFunc(probe)
		}
	}
	if _, err := newHTTPAPIGateway(httpAPIConfig{API: api, Authorizer: lambdaFunc(probe), Lambdas: lambdas, Stage: "prod"}); err != nil {
		t.Fatal(err)
	}
}

// TestHTTPAPIEvents pins the payload 2.0 events: every field a real event
// has (aws-lambda-go's types decode them with no unknown field), the stage
// in rawPath but not in the routeArn's path, cookies as an array.
func TestHTTPAPIEvents(t *testing.T) {
	api, err := gatewayresponses.LoadHTTPAPI(httpAPIDoc(), httpAPIVars("http://127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := api.Match("GET", "/api/items/7")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://gw.example:8080/prod/api/items/7?a=1&a=2&b=", nil)
	r.Header.Add("Cookie", defaultAccessCookie+"=one; theme=dark")
	r.Header.Add("Cookie", defaultAccessCookie+"=two")
	r.Header.Add("X-Multi", "1")
	r.Header.Add("X-Multi", "2")
	r.Header.Set("User-Agent", "test-agent")
	now := time.Date(2026, 11, 21, 5, 49, 2, 0, time.UTC)
	q := &httpAPIRequest{r: r, stage: "prod", routePath: "/api/items/7", match: m, requestID: "Zx1AbCdEfGh=", now: now}

	ev, ok := q.authorizerEvent(nil)
	if !ok {
		t.Fatal("no event without identity sources")
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var aws events.APIGatewayV2CustomAuthorizerV2Request
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aws); err != nil {
		t.Fatalf("authorizer event has a field a real one lacks: %v", err)
	}
	want := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteArn: "arn:aws:execute-api:local:000000000000:localapi/prod/GET/api/items/7",
		IdentitySource: []string{}, RouteKey: "GET /api/items/{id}", RawPath: "/prod/api/items/7", RawQueryString: "a=1&a=2&b=",
		Cookies: []string{defaultAccessCookie + "=one", "theme=dark", defaultAccessCookie + "=two"},
		Headers: map[string]string{"x-multi": "1,2", "user-agent": "test-agent", "host": "gw.example:8080",
			"x-forwarded-for": "192.0.2.1", "x-forwarded-proto": "http"},
		QueryStringParameters: map[string]string{"a": "1,2", "b": ""},
		RequestContext: events.APIGatewayV2HTTPRequestContext{AccountID: "000000000000", APIID: "localapi",
			DomainName: "gw.example:8080", DomainPrefix: "gw", RequestID: "Zx1AbCdEfGh=", RouteKey: "GET /api/items/{id}",
			Stage: "prod", Time: "21/Nov/2026:05:49:02 +0000", TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/prod/api/items/7",
				Protocol: "HTTP/1.1", SourceIP: "192.0.2.1", UserAgent: "test-agent"}},
		PathParameters: map[string]string{"id": "7"}, StageVariables: map[string]string{},
	}
	if !reflect.DeepEqual(aws, want) {
		t.Errorf("authorizer event\n got %+v\nwant %+v", aws, want)
	}
	// The authorizer reads it as a payload 2.0 event: its route ARN parses.
	if _, err := authorizer.ParseMethodARN(ev.RouteArn); err != nil {
		t.Error(err)
	}

	pe := q.proxyEvent([]byte{0xff, 0x00}, map[string]any{"userId": "u", "n": json.Number("1")})
	raw, err = json.Marshal(pe)
	if err != nil {
		t.Fatal(err)
	}
	var awsProxy events.APIGatewayV2HTTPRequest
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&awsProxy); err != nil {
		t.Fatalf("proxy event has a field a real one lacks: %v", err)
	}
	if awsProxy.RequestContext.Authorizer == nil || awsProxy.RequestContext.Authorizer.Lambda["userId"] != "u" ||
		awsProxy.RequestContext.Authorizer.Lambda["n"] != float64(1) || !awsProxy.IsBase64Encoded || awsProxy.Body != "/wA=" ||
		awsProxy.RawPath != "/prod/api/items/7" || awsProxy.RouteKey != "GET /api/items/{id}" {
		t.Errorf("proxy event %s", raw)
	}
	if strings.Contains(string(raw), `"cookie"`) {
		t.Errorf("the Cookie header is in headers too: %s", raw)
	}

	// With the identity source of a bearer-only API: the header's value in
	// identitySource (and in headers, as always); without it, no event.
	bearer := []string{gatewayresponses.TokenHeader}
	if _, ok := q.authorizerEvent(bearer); ok {
		t.Error("an event without the identity header")
	}
	r.Header.Set("Authorization", "")
	if _, ok := q.authorizerEvent(bearer); ok {
		t.Error("an event with the identity header empty")
	}
	r.Header.Set("Authorization", "Bearer abc.def")
	if ev, ok := q.authorizerEvent(bearer); !ok || !reflect.DeepEqual(ev.IdentitySource, []string{"Bearer abc.def"}) ||
		ev.Headers["authorization"] != "Bearer abc.def" {
		t.Errorf("identity source %q, authorization header %q", ev.IdentitySource, ev.Headers["authorization"])
	}

	// Served at the root, the stage is $default and the ARN names it.
	q.stage, q.r = httpAPIDefaultStage, httptest.NewRequest("GET", "/api/items/7", nil)
	if ev, _ := q.authorizerEvent(nil); ev.RouteArn != "arn:aws:execute-api:local:000000000000:localapi/$default/GET/api/items/7" ||
		ev.RequestContext.Stage != "$default" || ev.RawPath != "/api/items/7" || ev.Cookies == nil || ev.QueryStringParameters == nil {
		t.Errorf("root: %+v", ev)
	}
}

func TestDecodeHTTPAPIResponse(t *testing.T) {
	for _, c := range []struct {
		name   string
		out    string
		status int
		header http.Header
		body   string
		bad    bool
	}{
		{"full", `{"statusCode":200,"headers":{"X-A":"1"},"cookies":["a=1","b=2, c"],"body":"hi"}`, 200,
			http.Header{"X-A": {"1"}, "Set-Cookie": {"a=1", "b=2, c"}}, "hi", false},
		{"base64", `{"statusCode":418,"body":"/wA=","isBase64Encoded":true}`, 418, http.Header{}, "\xff\x00", false},
		{"no statusCode: the output is the body", `{"hello":"world"}`, 200,
			http.Header{"Content-Type": {"application/json"}}, `{"hello":"world"}`, false},
		{"a string", `"text"`, 200, http.Header{"Content-Type": {"application/json"}}, `"text"`, false},
		{"statusCode null", `{"statusCode":null}`, 0, nil, "", true},
		{"statusCode a string", `{"statusCode":"200"}`, 0, nil, "", true},
		{"status out of range", `{"statusCode":99}`, 0, nil, "", true},
		{"line break in a header", `{"statusCode":200,"headers":{"X-A":"1\r\nX-B: 2"}}`, 0, nil, "", true},
		{"bad header name", `{"statusCode":200,"headers":{"X A":"1"}}`, 0, nil, "", true},
		{"line break in a cookie", `{"statusCode":200,"cookies":["a=1\r\nX-B: 2"]}`, 0, nil, "", true},
		{"bad base64", `{"statusCode":200,"body":"!!","isBase64Encoded":true}`, 0, nil, "", true},
		{"not JSON", `nope`, 0, nil, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, h, body, err := decodeHTTPAPIResponse([]byte(c.out))
			if c.bad {
				if !errors.Is(err, errBadHTTPAPIResponse) {
					t.Fatalf("got %d %v %q, %v", status, h, body, err)
				}
				return
			}
			if err != nil || status != c.status || !reflect.DeepEqual(h, c.header) || string(body) != c.body {
				t.Fatalf("got %d %v %q %v", status, h, body, err)
			}
		})
	}
}
