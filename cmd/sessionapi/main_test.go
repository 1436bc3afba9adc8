package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessionhttp/lambdaproxy"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func envOf(kv map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

func TestBuildReportsEveryProblem(t *testing.T) {
	_, err := build(envOf(map[string]string{"SESSION_GRACE": "soon", "REDIS_MODE": "sentinel"}), quiet, io.Discard)
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, want := range []string{"SESSION_KEYS", "SESSION_GRACE", "REDIS_URL", "REDIS_MODE"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestBuildDoesNoNetworkIO(t *testing.T) {
	keys, _ := session.GenerateKeys(nil)
	// Nothing listens on port 1: building must still succeed (the first
	// request dials).
	if _, err := build(envOf(map[string]string{"SESSION_KEYS": keys, "REDIS_URL": "redis://127.0.0.1:1/0"}), quiet, io.Discard); err != nil {
		t.Fatal(err)
	}
}

func TestLogLevel(t *testing.T) {
	if logLevel(envOf(map[string]string{"LOG_LEVEL": "DEBUG"})) != slog.LevelDebug || logLevel(envOf(nil)) != slog.LevelInfo {
		t.Fatal("LOG_LEVEL")
	}
}

// signInProcess is a second process (the sign-in) sharing env's keys and
// srv: it creates the sessions that the session API under test serves, on
// the real clock like the API.
func signInProcess(t *testing.T, srv *sessiontest.Server, env map[string]string) (session.Config, *session.Manager) {
	t.Helper()
	cfg, err := session.ConfigFromEnv(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.NewManager(cfg, redistest.Store(t, srv, redisstore.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, m
}

// invokeEvent invokes a Lambda handler with event as aws-lambda-go does
// (JSON in, JSON out), decodes the answer into resp and returns it as
// sent, for messages.
func invokeEvent(t *testing.T, invoke func(context.Context, []byte) ([]byte, error), event, resp any) []byte {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	out, err := invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, resp); err != nil {
		t.Fatal(err)
	}
	return out
}

// The Lambda entry end to end: environment → handler → aws-lambda-go's
// invocation of real v1 and v2 events → a real redis-server.
func TestLambdaEndToEnd(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	keys := sessiontest.Keys(t)
	// No STAGE_PREFIX, as the template deploys it: the refresh cookie's
	// Path comes from each event.
	env := map[string]string{"SESSION_KEYS": keys, "REDIS_URL": srv.URL(), "ALLOWED_ORIGINS": "https://app.example.com", "LOG_SALT": "salt"}
	var logs, metrics bytes.Buffer
	h, err := build(envOf(env), slog.New(slog.NewJSONHandler(&logs, nil)), &metrics)
	if err != nil {
		t.Fatal(err)
	}
	invoke := lambda.NewHandler(lambdaproxy.Handler(h)).Invoke

	cfg, m := signInProcess(t, srv, env)
	tok, err := m.Create(context.Background(), session.CreateInput{UserID: "carol", UserAgent: "curl/8.5.0"})
	if err != nil {
		t.Fatal(err)
	}

	// Refresh through an HTTP API payload 2.0 event on stage "prod", with
	// both cookies as a browser sends them (a refresh by cookie is bound to
	// the access cookie of its session).
	v2 := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /auth/session/refresh", RawPath: "/prod/auth/session/refresh",
		Cookies: []string{cfg.AccessCookieName + "=" + tok.Access.Value, cfg.RefreshCookieName + "=" + tok.Refresh.Value},
		Headers: map[string]string{"rid": "session", "origin": "https://app.example.com"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: "prod", RequestID: "r-1",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/prod/auth/session/refresh"}}}
	var r2 events.APIGatewayV2HTTPResponse
	out := invokeEvent(t, invoke, v2, &r2)
	if r2.StatusCode != 200 || r2.Body != "{}" || len(r2.Cookies) != 2 || r2.Headers["Front-Token"] == "" {
		t.Fatalf("v2 refresh: %s", out)
	}
	refresh, err := http.ParseSetCookie(r2.Cookies[1])
	if err != nil || refresh.Name != cfg.RefreshCookieName || refresh.Path != "/prod/auth/session/refresh" {
		t.Fatalf("refresh cookie %q: %v", r2.Cookies[1], err)
	}
	access, err := http.ParseSetCookie(r2.Cookies[0])
	if err != nil || access.Name != cfg.AccessCookieName {
		t.Fatalf("access cookie %q", r2.Cookies[0])
	}
	if ft := sessiontest.DecodeFrontToken(t, r2.Headers["Front-Token"]); ft.UID != "carol" {
		t.Fatalf("front-token %+v", ft)
	}

	// The self-service list through a REST API event: the caller's session,
	// the agent recorded at sign-in.
	list := events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/auth/sessions", Resource: "/auth/sessions",
		MultiValueHeaders: map[string][]string{"Cookie": {cfg.AccessCookieName + "=" + access.Value}},
		RequestContext:    events.APIGatewayProxyRequestContext{Stage: "prod", RequestID: "r-list", Path: "/prod/auth/sessions"}}
	var rl events.APIGatewayProxyResponse
	out = invokeEvent(t, invoke, list, &rl)
	if rl.StatusCode != 200 || !strings.Contains(rl.Body, `"id":"`+tok.SessionID+`"`) || !strings.Contains(rl.Body, `"agent":"curl"`) {
		t.Fatalf("sessions list: %s", out)
	}

	// Sign out through a REST API (payload 1.0) event behind a custom
	// domain's base-path mapping "v1".
	v1 := events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/v1/auth/signout", Resource: "/auth/signout",
		MultiValueHeaders: map[string][]string{"Cookie": {cfg.AccessCookieName + "=" + access.Value}, "rid": {"session"}},
		RequestContext:    events.APIGatewayProxyRequestContext{Stage: "prod", RequestID: "r-2", Path: "/v1/auth/signout"}}
	var r1 events.APIGatewayProxyResponse
	out = invokeEvent(t, invoke, v1, &r1)
	if r1.StatusCode != 200 || r1.Body != `{"status":"OK"}` || len(r1.MultiValueHeaders["Set-Cookie"]) != 2 ||
		r1.MultiValueHeaders["Front-Token"][0] != "remove" {
		t.Fatalf("v1 sign-out: %s", out)
	}
	if c, err := http.ParseSetCookie(r1.MultiValueHeaders["Set-Cookie"][1]); err != nil || c.Name != cfg.RefreshCookieName ||
		c.Path != "/v1/auth/session/refresh" || c.MaxAge >= 0 {
		t.Fatalf("cleared refresh cookie %q: %v", r1.MultiValueHeaders["Set-Cookie"][1], err)
	}
	if _, err := m.Validate(context.Background(), access.Value); err == nil {
		t.Fatal("session still valid after sign-out")
	}

	// One EMF line per request on the metrics writer (stdout in Lambda).
	var routes []string
	for _, l := range strings.Split(strings.TrimSpace(metrics.String()), "\n") {
		var line struct{ Route, Outcome string }
		if err := json.Unmarshal([]byte(l), &line); err != nil || !strings.Contains(l, `"Namespace":"sessiongate"`) {
			t.Fatalf("metric line %q: %v", l, err)
		}
		routes = append(routes, line.Route+"/"+line.Outcome)
	}
	if got := strings.Join(routes, " "); got != "refresh/ok sessions/ok signout/ok" {
		t.Fatalf("metrics %q", got)
	}
	if strings.Contains(logs.String(), access.Value) || !strings.Contains(logs.String(), `"route":"signout"`) {
		t.Fatalf("logs: %s", logs.String())
	}

	// STAGE_PREFIX, when set, overrides the derived prefix.
	env["STAGE_PREFIX"] = "/override"
	ho, err := build(envOf(env), quiet, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r1 = events.APIGatewayProxyResponse{}
	out = invokeEvent(t, lambda.NewHandler(lambdaproxy.Handler(ho)).Invoke, v1, &r1)
	if c, err := http.ParseSetCookie(r1.MultiValueHeaders["Set-Cookie"][1]); r1.StatusCode != 401 || err != nil ||
		c.Name != cfg.RefreshCookieName || c.Path != "/override/auth/session/refresh" {
		t.Fatalf("STAGE_PREFIX override: %s", out)
	}
}

// LOG_SALT keys the hashes of the theft warning, so that the session API's
// lines correlate with the authorizer's (same salt, same rule).
func TestTheftWarningUsesLogSalt(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	keys := sessiontest.Keys(t)
	env := map[string]string{"SESSION_KEYS": keys, "REDIS_URL": srv.URL(), "LOG_SALT": "shared salt"}
	var logs bytes.Buffer
	h, err := build(envOf(env), slog.New(slog.NewJSONHandler(&logs, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, m := signInProcess(t, srv, env)
	ctx := context.Background()
	tok, err := m.Create(ctx, session.CreateInput{UserID: "dave"})
	if err != nil {
		t.Fatal(err)
	}
	// Two rotations: the first refresh token is then older than the one
	// just rotated out, which is theft whatever the time.
	next := tok.Refresh.Value
	for range 2 {
		t2, err := m.Refresh(ctx, next)
		if err != nil {
			t.Fatal(err)
		}
		next = t2.Refresh.Value
	}
	r := httptest.NewRequest(http.MethodPost, "/auth/session/refresh", nil)
	r.Header.Set("rid", "session")
	// The stolen pair: the first refresh token and the access cookie
	// issued with it.
	r.AddCookie(&http.Cookie{Name: cfg.AccessCookieName, Value: tok.Access.Value})
	r.AddCookie(&http.Cookie{Name: cfg.RefreshCookieName, Value: tok.Refresh.Value})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 401 || !strings.Contains(w.Body.String(), "theft") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	want := `"sid":"` + logid.Hash([]byte("shared salt"), tok.SessionID) + `"`
	if !strings.Contains(logs.String(), want) || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Fatalf("want %s in a warn line:\n%s", want, logs.String())
	}
	if strings.Contains(logs.String(), tok.Refresh.Value) || strings.Contains(logs.String(), tok.Access.Value) || strings.Contains(logs.String(), tok.SessionID) {
		t.Fatal("a token or a raw id reached the logs")
	}
}
