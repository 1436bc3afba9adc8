package authorizer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
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

// env is one authorizer over either a real redis-server and session engine
// (newEnv) or a stub of authorizer.Sessions (newStubEnv). signIn, revoke,
// setRoles and rotateNext work on both.
type env struct {
	t       testing.TB
	clock   *sessiontest.Clock
	cfg     session.Config
	h       *authorizer.Handler
	inv     lambda.Handler
	logs    *syncBuffer
	metrics *syncBuffer

	// newEnv only.
	srv *sessiontest.Server
	rdb redis.UniversalClient // the store's client
	m   *session.Manager

	// newStubEnv only.
	stub *stubSessions
}

type envOptions struct {
	rules     string
	persist   bool
	redisArgs []string
	// bench: production logging (level Info) and metrics into io.Discard.
	bench  bool
	config func(*session.Config)
}

// newEnv builds an authorizer over the real session engine and a fresh
// redis-server.
func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	srv := sessiontest.StartServer(t, sessiontest.Options{Persist: o.persist, Args: o.redisArgs})
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: srv.URL(), Mode: redisstore.ModeStandalone})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	e := &env{t: t, clock: sessiontest.NewClock(), cfg: testConfig(t, o), srv: srv, rdb: rdb}
	e.m = sessiontest.NewManager(t, e.cfg, redisstore.New(rdb, redisstore.Options{}), e.clock)
	e.build(e.m, o)
	return e
}

// newStubEnv builds an authorizer over stubSessions: no Redis.
func newStubEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	e := &env{t: t, clock: sessiontest.NewClock(), cfg: testConfig(t, o)}
	e.stub = newStubSessions(e.cfg)
	e.build(e.stub, o)
	return e
}

func testConfig(t testing.TB, o envOptions) session.Config {
	cfg := sessiontest.TestConfig(t)
	cfg.AllowedOrigins = []string{"https://app.example.com"}
	if o.config != nil {
		o.config(&cfg)
	}
	return cfg
}

func (e *env) build(s authorizer.Sessions, o envOptions) {
	e.t.Helper()
	rules, err := authorizer.ParseRules(o.rules)
	if err != nil {
		e.t.Fatal(err)
	}
	e.logs, e.metrics = &syncBuffer{}, &syncBuffer{}
	ac := authorizer.Config{
		Manager: s, Rules: rules, Now: e.clock.Now, LogSalt: []byte("test salt"),
		Logger:  slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics: e.metrics,
	}
	if o.bench {
		ac.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
		ac.Metrics = io.Discard
	}
	if e.h, err = authorizer.New(ac); err != nil {
		e.t.Fatal(err)
	}
	e.inv = lambda.NewHandler(e.h)
}

// signIn creates a session and returns its tokens.
func (e *env) signIn(user string, roles []string, claims map[string]any) session.Tokens {
	e.t.Helper()
	if e.stub != nil {
		return e.stub.create(e.t, user, roles, claims)
	}
	tok, err := e.m.Create(context.Background(), session.CreateInput{UserID: user, Roles: roles, Claims: claims})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// revoke ends a session.
func (e *env) revoke(tok session.Tokens) {
	e.t.Helper()
	if e.stub != nil {
		e.stub.revoke(tok.SessionID)
		return
	}
	if _, err := e.m.Revoke(context.Background(), tok.SessionID); err != nil {
		e.t.Fatal(err)
	}
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

// tokenEvent is a TOKEN authorizer event, as API Gateway sends it: the
// Authorization header's value and the method ARN, nothing else.
func tokenEvent(t testing.TB, authorization, method, path string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": "TOKEN", "authorizationToken": authorization,
		"methodArn": testARNBase + method + path})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cookieHeader renders "name=value".
func cookieHeader(c *http.Cookie) string { return c.Name + "=" + c.Value }

// access renders "name=value" for the access cookie e is configured with
// (the default, __Host-sAccessToken, unless a test changed it).
func (e *env) access(value string) string { return e.cfg.AccessCookieName + "=" + value }

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

// stubSessions is authorizer.Sessions without Redis: sessions live in a map
// keyed by their access cookie value. Like session.Manager.ValidateAny it
// tries the values in order (a value it does not know is one that does not
// decode: skipped), but it has no header budget: that rule is the engine's
// alone, tested against the real engine (TestCookieTossing). Valid
// sessions of more than one user are session.ErrAmbiguous, else the first
// valid one wins, and when none is, the most telling failure is returned:
// a store failure, then ErrExpired, then ErrUnknown; no value at all is
// ErrNoSession.
type stubSessions struct {
	cfg session.Config

	mu       sync.Mutex
	byValue  map[string]*stubSession
	storeErr error      // when set, every value it knows fails with a StoreError of it
	err      error      // when set, every value it knows fails with it
	calls    [][]string // the values of every ValidateAny call
}

type stubSession struct {
	v       session.Validated
	revoked bool
	expired bool
	rotate  bool // the next validation rotates the access cookie
}

func newStubSessions(cfg session.Config) *stubSessions {
	return &stubSessions{cfg: cfg, byValue: map[string]*stubSession{}}
}

var _ authorizer.Sessions = (*stubSessions)(nil)

func (s *stubSessions) Config() session.Config { return s.cfg }

func (s *stubSessions) ValidateAny(_ context.Context, values []string) (*session.Validated, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, append([]string(nil), values...))
	if len(values) == 0 {
		return nil, session.ErrNoSession
	}
	var best error = session.ErrUnknown
	var found *session.Validated
	for _, v := range values {
		ss, ok := s.byValue[v]
		switch {
		case !ok:
			continue
		case s.storeErr != nil:
			return nil, &session.StoreError{Op: "validate", Err: s.storeErr}
		case s.err != nil:
			return nil, s.err
		case ss.revoked:
		case ss.expired:
			best = session.ErrExpired
		case found != nil:
			if ss.v.UserID != found.UserID {
				return nil, session.ErrAmbiguous
			}
		default:
			out := ss.v
			if ss.rotate {
				ss.rotate = false
				next := randomText(24)
				out.SetCookie = &http.Cookie{Name: s.cfg.AccessCookieName, Value: next, Path: "/",
					MaxAge: 3600, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
				out.FrontToken = "front-" + randomText(12)
				s.byValue[next] = &stubSession{v: ss.v}
			}
			found = &out
		}
	}
	if found == nil {
		return nil, best
	}
	return found, nil
}

// create registers a session and returns tokens whose values only this
// stub knows.
func (s *stubSessions) create(t testing.TB, user string, roles []string, claims map[string]any) session.Tokens {
	t.Helper()
	var raw json.RawMessage
	if len(claims) > 0 {
		b, err := json.Marshal(claims)
		if err != nil {
			t.Fatal(err)
		}
		raw = b
	}
	tok := session.Tokens{SessionID: randomText(16), UserID: user,
		Access:  &http.Cookie{Name: s.cfg.AccessCookieName, Value: randomText(24)},
		Refresh: &http.Cookie{Name: s.cfg.RefreshCookieName, Value: randomText(24)}}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byValue[tok.Access.Value] = &stubSession{v: session.Validated{SessionID: tok.SessionID, UserID: user,
		Roles: append([]string(nil), roles...), Claims: raw}}
	return tok
}

// update applies f to every copy of the session called id.
func (s *stubSessions) update(id string, f func(*stubSession)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.byValue {
		if ss.v.SessionID == id {
			f(ss)
		}
	}
}

func (s *stubSessions) revoke(id string) { s.update(id, func(ss *stubSession) { ss.revoked = true }) }
func (s *stubSessions) expire(id string) { s.update(id, func(ss *stubSession) { ss.expired = true }) }

// rotateNext makes the next validation of the session rotate its cookie.
func (s *stubSessions) rotateNext(id string) {
	s.update(id, func(ss *stubSession) { ss.rotate = true })
}

// setRoles replaces the roles of every session of user.
func (s *stubSessions) setRoles(user string, roles []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.byValue {
		if ss.v.UserID == user {
			ss.v.Roles = roles
		}
	}
}

// failStore makes every validation of a known value a store failure
// (err != nil) or ends that (nil).
func (s *stubSessions) failStore(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeErr = err
}

// failWith makes every validation of a known value fail with err, an
// error of the engine's own.
func (s *stubSessions) failWith(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// resetCalls forgets the ValidateAny calls so far.
func (s *stubSessions) resetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// allCalls returns the values of every ValidateAny call since resetCalls.
func (s *stubSessions) allCalls() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// lastCall returns the values of the last ValidateAny call.
func (s *stubSessions) lastCall() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) == 0 {
		return nil
	}
	return s.calls[len(s.calls)-1]
}

// randomText is n random bytes in hex.
func randomText(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}
