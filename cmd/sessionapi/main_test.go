package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

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
	_, err := build(envOf(map[string]string{"SESSION_GRACE": "soon", "REDIS_MODE": "sentinel"}), quiet)
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
	if _, err := build(envOf(map[string]string{"SESSION_KEYS": keys, "REDIS_URL": "redis://127.0.0.1:1/0"}), quiet); err != nil {
		t.Fatal(err)
	}
}

func TestLogLevel(t *testing.T) {
	if logLevel(envOf(map[string]string{"LOG_LEVEL": "DEBUG"})) != slog.LevelDebug || logLevel(envOf(nil)) != slog.LevelInfo {
		t.Fatal("LOG_LEVEL")
	}
}

// The Lambda entry end to end: environment → handler → aws-lambda-go's
// invocation of real v1 and v2 events → a real redis-server.
func TestLambdaEndToEnd(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	keys, err := session.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	// No STAGE_PREFIX, as the template deploys it: the refresh cookie's
	// Path comes from each event.
	env := map[string]string{"SESSION_KEYS": keys, "REDIS_URL": srv.URL(), "ALLOWED_ORIGINS": "https://app.example.com"}
	h, err := build(envOf(env), quiet)
	if err != nil {
		t.Fatal(err)
	}
	invoke := lambda.NewHandler(lambdaproxy.Handler(h)).Invoke

	// A second process (the sign-in) sharing keys and Redis creates the session.
	cfg, err := session.ConfigFromEnv(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	rdb, _ := redisstore.NewClient(redisstore.ClientConfig{URL: srv.URL(), Mode: redisstore.ModeStandalone})
	t.Cleanup(func() { rdb.Close() })
	m, err := session.NewManager(cfg, redisstore.New(rdb, redisstore.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := m.Create(context.Background(), session.CreateInput{UserID: "carol"})
	if err != nil {
		t.Fatal(err)
	}

	// Refresh through an HTTP API payload 2.0 event on stage "prod".
	v2 := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /auth/session/refresh", RawPath: "/prod/auth/session/refresh",
		Cookies: []string{"sRefreshToken=" + tok.Refresh.Value},
		Headers: map[string]string{"rid": "session", "origin": "https://app.example.com"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: "prod", RequestID: "r-1",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/prod/auth/session/refresh"}}}
	payload, _ := json.Marshal(v2)
	out, err := invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	var r2 events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &r2); err != nil {
		t.Fatal(err)
	}
	if r2.StatusCode != 200 || r2.Body != "{}" || len(r2.Cookies) != 2 || r2.Headers["Front-Token"] == "" {
		t.Fatalf("v2 refresh: %s", out)
	}
	refresh, err := http.ParseSetCookie(r2.Cookies[1])
	if err != nil || refresh.Name != "sRefreshToken" || refresh.Path != "/prod/auth/session/refresh" {
		t.Fatalf("refresh cookie %q: %v", r2.Cookies[1], err)
	}
	access, err := http.ParseSetCookie(r2.Cookies[0])
	if err != nil || access.Name != "sAccessToken" {
		t.Fatalf("access cookie %q", r2.Cookies[0])
	}
	if ft := sessiontest.DecodeFrontToken(t, r2.Headers["Front-Token"]); ft.UID != "carol" {
		t.Fatalf("front-token %+v", ft)
	}

	// Sign out through a REST API (payload 1.0) event behind a custom
	// domain's base-path mapping "v1".
	v1 := events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/v1/auth/signout", Resource: "/auth/signout",
		MultiValueHeaders: map[string][]string{"Cookie": {"sAccessToken=" + access.Value}, "rid": {"session"}},
		RequestContext:    events.APIGatewayProxyRequestContext{Stage: "prod", RequestID: "r-2", Path: "/v1/auth/signout"}}
	payload, _ = json.Marshal(v1)
	if out, err = invoke(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	var r1 events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &r1); err != nil {
		t.Fatal(err)
	}
	if r1.StatusCode != 200 || r1.Body != `{"status":"OK"}` || len(r1.MultiValueHeaders["Set-Cookie"]) != 2 ||
		r1.MultiValueHeaders["Front-Token"][0] != "remove" {
		t.Fatalf("v1 sign-out: %s", out)
	}
	if c, err := http.ParseSetCookie(r1.MultiValueHeaders["Set-Cookie"][1]); err != nil || c.Name != "sRefreshToken" ||
		c.Path != "/v1/auth/session/refresh" || c.MaxAge >= 0 {
		t.Fatalf("cleared refresh cookie %q: %v", r1.MultiValueHeaders["Set-Cookie"][1], err)
	}
	if _, err := m.Validate(context.Background(), access.Value); err == nil {
		t.Fatal("session still valid after sign-out")
	}

	// STAGE_PREFIX, when set, overrides the derived prefix.
	env["STAGE_PREFIX"] = "/override"
	ho, err := build(envOf(env), quiet)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ = json.Marshal(v1)
	if out, err = lambda.NewHandler(lambdaproxy.Handler(ho)).Invoke(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	r1 = events.APIGatewayProxyResponse{}
	if err := json.Unmarshal(out, &r1); err != nil {
		t.Fatal(err)
	}
	if c, err := http.ParseSetCookie(r1.MultiValueHeaders["Set-Cookie"][1]); r1.StatusCode != 401 || err != nil ||
		c.Name != "sRefreshToken" || c.Path != "/override/auth/session/refresh" {
		t.Fatalf("STAGE_PREFIX override: %s", out)
	}
}
