package authorizer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/redis/go-redis/v9"
	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one authorizer over a real redis-server.
type env struct {
	t       testing.TB
	srv     *sessiontest.Server
	rdb     redis.UniversalClient // the store's client
	clock   *sessiontest.Clock
	cfg     session.Config
	m       *session.Manager
	h       *authorizer.Handler
	inv     lambda.Handler
	logs    *syncBuffer
	metrics *syncBuffer
}

type envOptions struct {
	rules     string
	persist   bool
	redisArgs []string
	// bench: production logging (level Info) and metrics into io.Discard.
	bench  bool
	config func(*session.Config)
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	srv := sessiontest.StartServer(t, sessiontest.Options{Persist: o.persist, Args: o.redisArgs})
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: srv.URL(), Mode: redisstore.ModeStandalone})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	cfg := sessiontest.TestConfig(t)
	cfg.AllowedOrigins = []string{"https://app.example.com"}
	if o.config != nil {
		o.config(&cfg)
	}
	clock := sessiontest.NewClock()
	m := sessiontest.NewManager(t, cfg, redisstore.New(rdb, redisstore.Options{}), clock)
	rules, err := authorizer.ParseRules(o.rules)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, rdb: rdb, clock: clock, cfg: cfg, m: m, logs: &syncBuffer{}, metrics: &syncBuffer{}}
	ac := authorizer.Config{
		Manager: m, Rules: rules, Now: clock.Now, LogSalt: []byte("test salt"),
		Logger:  slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics: e.metrics,
	}
	if o.bench {
		ac.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
		ac.Metrics = io.Discard
	}
	e.h, err = authorizer.New(ac)
	if err != nil {
		t.Fatal(err)
	}
	e.inv = lambda.NewHandler(e.h)
	return e
}

// signIn creates a session and returns its access cookie value.
func (e *env) signIn(user string, roles []string, claims map[string]any) session.Tokens {
	e.t.Helper()
	tok, err := e.m.Create(context.Background(), session.CreateInput{UserID: user, Roles: roles, Claims: claims})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// result is what API Gateway would get back from Lambda.
type result struct {
	err  error
	raw  []byte
	resp map[string]any
}

func (r result) context(t testing.TB) map[string]any {
	t.Helper()
	c, ok := r.resp["context"].(map[string]any)
	if !ok {
		t.Fatalf("response has no context: %s", r.raw)
	}
	return c
}

// effect returns "Allow"/"Deny" (v1) or "true"/"false" (v2 isAuthorized).
func (r result) effect(t testing.TB) string {
	t.Helper()
	if r.err != nil {
		t.Fatalf("want a response, got error %q", r.err)
	}
	if v, ok := r.resp["isAuthorized"].(bool); ok {
		if v {
			return "true"
		}
		return "false"
	}
	pd, _ := r.resp["policyDocument"].(map[string]any)
	st, _ := pd["Statement"].([]any)
	if len(st) != 1 {
		t.Fatalf("want one statement: %s", r.raw)
	}
	s := st[0].(map[string]any)
	return s["Effect"].(string)
}

// requireBadEventResponse fails unless r is the exact deny-everything
// answer to an unreadable event: a Deny of every resource for the IAM policy
// reading, isAuthorized false for the simple-response reading, and the 403
// body in the context.
func (r result) requireBadEventResponse(t testing.TB) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("want BadEventResponse, got error %v", r.err)
	}
	want := `{"principalId":"` + authorizer.BadEventPrincipal + `","policyDocument":{"Version":"2012-10-17",` +
		`"Statement":[{"Action":["execute-api:Invoke"],"Effect":"Deny","Resource":["*"]}]},` +
		`"isAuthorized":false,"context":{"body":` + strconv.Quote(authorizer.BadEventBody) + `}}`
	if string(r.raw) != want {
		t.Fatalf("bad event response:\n got %s\nwant %s", r.raw, want)
	}
}

// invoke runs the JSON round trip Lambda performs.
func (e *env) invoke(ev []byte) result {
	e.t.Helper()
	out, err := e.inv.Invoke(context.Background(), ev)
	r := result{err: err, raw: out}
	if err == nil {
		if jerr := json.Unmarshal(out, &r.resp); jerr != nil {
			e.t.Fatalf("response is not JSON: %v: %s", jerr, out)
		}
	}
	return r
}

func isUnauthorized(err error) bool { return err != nil && err.Error() == authorizer.Unauthorized }

// ev describes a request; restEvent and httpEvent render it.
type ev struct {
	method  string
	path    string
	headers map[string]string   // REST headers / HTTP API headers
	multi   map[string][]string // REST multiValueHeaders (nil: none sent)
	cookies []string            // HTTP API cookies array
}

// defaults fills what a test left out: GET /api/me.
func (r *ev) defaults() {
	if r.method == "" {
		r.method = "GET"
	}
	if r.path == "" {
		r.path = "/api/me"
	}
}

const testARNBase = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/"

func restEvent(t testing.TB, r ev) []byte {
	t.Helper()
	r.defaults()
	m := map[string]any{
		"type":       "REQUEST",
		"methodArn":  testARNBase + r.method + r.path,
		"resource":   r.path,
		"path":       r.path,
		"httpMethod": r.method,
		"headers":    r.headers,
		"requestContext": map[string]any{"path": "/prod" + r.path, "accountId": "123456789012",
			"stage": "prod", "requestId": "req-" + strings.ReplaceAll(r.path, "/", "-"), "httpMethod": r.method,
			"apiId": "a1b2c3d4e5", "resourcePath": r.path},
	}
	if r.multi != nil {
		m["multiValueHeaders"] = r.multi
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func httpEvent(t testing.TB, r ev) []byte {
	t.Helper()
	r.defaults()
	m := map[string]any{
		"version":  "2.0",
		"type":     "REQUEST",
		"routeArn": testARNBase + r.method + r.path,
		"routeKey": r.method + " " + r.path,
		"rawPath":  "/prod" + r.path,
		"headers":  r.headers,
		"requestContext": map[string]any{"accountId": "123456789012", "apiId": "a1b2c3d4e5",
			"http":  map[string]any{"method": r.method, "path": "/prod" + r.path},
			"stage": "prod", "requestId": "req-v2"},
	}
	if r.cookies != nil {
		m["cookies"] = r.cookies
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cookieHeader renders "name=value".
func cookieHeader(c *http.Cookie) string { return c.Name + "=" + c.Value }

// setCookieValue parses a Set-Cookie line and returns the cookie.
func setCookieValue(t testing.TB, line string) *http.Cookie {
	t.Helper()
	c, err := http.ParseSetCookie(line)
	if err != nil {
		t.Fatalf("setCookie %q: %v", line, err)
	}
	return c
}

// waitAllow polls (bounded) until the store answers again after a restart.
func (e *env) waitAllow(event []byte) result {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := e.invoke(event)
		if r.err == nil || time.Now().After(deadline) {
			return r
		}
		if !errors.Is(r.err, authorizer.ErrStoreUnavailable) {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
}
