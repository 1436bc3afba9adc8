package sessionhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// The route scenarios of the README (refresh success, theft, lost answer,
// concurrency, sign-out, preflight, outage) run over real HTTP and through
// Lambda proxy events in package lambdaproxy's tests. These tests cover the
// rest of this package against a real redis-server.

const origin = "https://app.example.com"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type fixture struct {
	m     *session.Manager
	cfg   session.Config
	clock *sessiontest.Clock
	srv   *sessiontest.Server
}

func newFixture(t testing.TB, edit func(*session.Config)) fixture {
	t.Helper()
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	cfg := sessiontest.TestConfig(t)
	cfg.AllowedOrigins = []string{origin}
	if edit != nil {
		edit(&cfg)
	}
	clock := sessiontest.NewClock()
	m := sessiontest.NewManager(t, cfg, redistest.Store(t, srv, redisstore.Options{}), clock)
	return fixture{m: m, cfg: cfg, clock: clock, srv: srv}
}

// accessCookie and refreshCookie are request cookies of the fixture's
// names (cfg.AccessCookieName, cfg.RefreshCookieName).
func (f fixture) accessCookie(v string) *http.Cookie {
	return &http.Cookie{Name: f.cfg.AccessCookieName, Value: v}
}

func (f fixture) refreshCookie(v string) *http.Cookie {
	return &http.Cookie{Name: f.cfg.RefreshCookieName, Value: v}
}

// sessionCookies are the cookies a browser sends to the refresh route:
// the access cookie (Path=/, so it goes there too) and the refresh cookie.
// A refresh by cookie is bound to an access cookie of the same session, of
// any generation, expired or not (session.Manager.RefreshCookies): a
// refresh cookie alone refreshes nothing.
func (f fixture) sessionCookies(access, refresh string) []*http.Cookie {
	return []*http.Cookie{f.accessCookie(access), f.refreshCookie(refresh)}
}

// defaultNames is the configuration whose cookie names every fixture uses
// (sessiontest.TestConfig starts from session.DefaultConfig).
var defaultNames = session.DefaultConfig()

func (f fixture) create(t *testing.T) session.Tokens {
	t.Helper()
	tok, err := f.m.Create(context.Background(), session.CreateInput{UserID: sessiontest.UniqueUser("u"), Roles: []string{"r"}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func post(path string, hdr map[string]string, cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

var sdk = map[string]string{"rid": "session", "Origin": origin}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAntiCSRFAndMethods(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	for _, tc := range []struct {
		name   string
		r      *http.Request
		status int
		body   string
	}{
		{"no rid", post("/auth/session/refresh", map[string]string{"Origin": origin}), 403, `{"message":"anti-csrf check failed"}`},
		{"foreign origin", post("/auth/signout", map[string]string{"rid": "session", "Origin": "https://evil.example"}), 403, `{"message":"anti-csrf check failed"}`},
		{"rid without origin passes", post("/auth/session/refresh", map[string]string{"rid": "x"}), 401, `{"message":"unauthorised"}`},
		{"GET", httptest.NewRequest(http.MethodGet, "/auth/session/refresh", nil), 405, `{"message":"method not allowed"}`},
		{"PUT signout", httptest.NewRequest(http.MethodPut, "/auth/signout", nil), 405, `{"message":"method not allowed"}`},
		{"other path", post("/auth/other", sdk), 404, `{"message":"not found"}`},
		{"prefix only", post("/auth/session/refresh/x", sdk), 404, `{"message":"not found"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(h, tc.r)
			if w.Code != tc.status || w.Body.String() != tc.body {
				t.Fatalf("got %d %s", w.Code, w.Body)
			}
			if tc.status == 405 && w.Header().Get("Allow") != "POST, OPTIONS" {
				t.Fatalf("Allow = %q", w.Header().Get("Allow"))
			}
			if tc.status == 403 && len(w.Header().Values("Set-Cookie")) != 0 {
				t.Fatal("a 403 must not touch cookies")
			}
		})
	}
	t.Run("mode none", func(t *testing.T) {
		g := newFixture(t, func(c *session.Config) { c.AntiCSRF = session.AntiCSRFNone })
		tok := g.create(t)
		w := serve(sessionhttp.New(g.m, sessionhttp.Options{Logger: quiet}),
			post("/auth/session/refresh", nil, g.sessionCookies(tok.Access.Value, tok.Refresh.Value)...))
		if w.Code != 200 {
			t.Fatalf("got %d %s", w.Code, w.Body)
		}
	})
}

// STAGE_PREFIX overrides the derived prefix; routes are still found under
// any prefix, and only under API_BASE_PATH.
func TestStagePrefixAndBasePath(t *testing.T) {
	f := newFixture(t, func(c *session.Config) { c.StagePrefix = "/prod"; c.APIBasePath = "/api/auth" })
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	if h.RefreshPath() != "/api/auth/session/refresh" || h.SignOutPath() != "/api/auth/signout" {
		t.Fatalf("paths %q %q", h.RefreshPath(), h.SignOutPath())
	}
	for _, p := range []string{"/api/auth/session/refresh", "/prod/api/auth/session/refresh", "/v1/api/auth/session/refresh"} {
		tok := f.create(t)
		w := serve(h, post(p, sdk, f.sessionCookies(tok.Access.Value, tok.Refresh.Value)...))
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", p, w.Code, w.Body)
		}
		if c := refreshSetCookie(t, w); c.Path != "/prod/api/auth/session/refresh" {
			t.Fatalf("%s: refresh cookie Path %q", p, c.Path)
		}
	}
	if w := serve(h, post("/auth/session/refresh", sdk)); w.Code != 404 {
		t.Fatalf("default base path must not be served: %d", w.Code)
	}
}

// refreshSetCookie returns the one Set-Cookie of w that sets or clears the
// refresh cookie.
func refreshSetCookie(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	return setCookieNamed(t, w, defaultNames.RefreshCookieName)
}

// setCookieNamed returns the one Set-Cookie of w that sets or clears the
// cookie called name.
func setCookieNamed(t *testing.T, w *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	var found *http.Cookie
	for _, line := range w.Header().Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if c.Name == name {
			if found != nil {
				t.Fatalf("two %s cookies: %q", name, w.Header().Values("Set-Cookie"))
			}
			found = c
		}
	}
	if found == nil {
		t.Fatalf("%d %s: no %s cookie in %q", w.Code, w.Body, name, w.Header().Values("Set-Cookie"))
	}
	return found
}

// In plain net/http the prefix is what stands in front of the route in the
// request path; routing and the cookie Path come from the same answer.
func TestPathPrefixPlainHTTP(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	for _, tc := range []struct{ name, prefix string }{
		{"execute-api stage", "/prod"},
		{"base-path mapping", "/v1"},
		{"two-level base path", "/api/v2"},
		{"root", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.prefix + "/auth/session/refresh"
			tok := f.create(t)
			w := serve(h, post(tc.prefix+"/auth/session/refresh", sdk, f.sessionCookies(tok.Access.Value, tok.Refresh.Value)...))
			if c := refreshSetCookie(t, w); w.Code != 200 || c.Path != want || c.MaxAge <= 0 {
				t.Fatalf("refresh: %d, Path %q MaxAge %d", w.Code, c.Path, c.MaxAge)
			}
			w = serve(h, post(tc.prefix+"/auth/session/refresh", sdk, f.refreshCookie("forged")))
			if c := refreshSetCookie(t, w); w.Code != 401 || c.Path != want || c.MaxAge >= 0 {
				t.Fatalf("failed refresh: %d, Path %q MaxAge %d", w.Code, c.Path, c.MaxAge)
			}
			w = serve(h, post(tc.prefix+"/auth/signout", sdk, f.accessCookie(tok.Access.Value)))
			if c := refreshSetCookie(t, w); w.Code != 200 || c.Path != want || c.MaxAge >= 0 {
				t.Fatalf("sign-out: %d, Path %q MaxAge %d", w.Code, c.Path, c.MaxAge)
			}
			if w := serve(h, post(tc.prefix+"/auth/other", sdk)); w.Code != 404 || len(w.Header().Values("Set-Cookie")) != 0 {
				t.Fatalf("unknown route under the prefix: %d", w.Code)
			}
		})
	}
	for _, p := range []string{
		"//auth/session/refresh",             // empty segment
		"/a;b/auth/session/refresh",          // would end the cookie's Path attribute
		"/../auth/session/refresh",           // dot segment
		"/prod/xauth/session/refresh",        // not on a segment boundary
		"/prod/auth/session/refresh/",        // trailing slash
		"/prod/auth/session/refresh/signout", // prefix only
	} {
		if w := serve(h, post(p, sdk)); w.Code != 404 || len(w.Header().Values("Set-Cookie")) != 0 {
			t.Errorf("%s: %d, want 404 without cookies", p, w.Code)
		}
	}
	// A prefix set on the context (a server that stripped it, or package
	// lambdaproxy) is used as given, and the path must be the route itself.
	tok := f.create(t)
	r := post("/auth/session/refresh", sdk, f.sessionCookies(tok.Access.Value, tok.Refresh.Value)...)
	w := serve(h, r.WithContext(sessionhttp.WithPathPrefix(r.Context(), "/stage")))
	if c := refreshSetCookie(t, w); w.Code != 200 || c.Path != "/stage/auth/session/refresh" {
		t.Fatalf("context prefix: %d, Path %q", w.Code, c.Path)
	}
	r = post("/stage/auth/session/refresh", sdk)
	if w := serve(h, r.WithContext(sessionhttp.WithPathPrefix(r.Context(), "/stage"))); w.Code != 404 {
		t.Fatalf("with a context prefix the path must be the route's own: %d", w.Code)
	}
}

func TestSignInPrefix(t *testing.T) {
	plain := newFixture(t, nil)
	override := newFixture(t, func(c *session.Config) { c.StagePrefix = "/override" })
	for _, tc := range []struct {
		name   string
		f      fixture
		ctx    *string // prefix set with WithPathPrefix
		reqURL string
		want   string
	}{
		{"context prefix", plain, ptr("/prod"), "/login", "/prod/auth/session/refresh"},
		{"no context: URL not guessed", plain, nil, "/prod/login", "/auth/session/refresh"},
		{"invalid context prefix falls back", plain, ptr("/a;b"), "/login", "/auth/session/refresh"},
		{"STAGE_PREFIX overrides the context", override, ptr("/prod"), "/login", "/override/auth/session/refresh"},
		{"STAGE_PREFIX without context", override, nil, "/login", "/override/auth/session/refresh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(tc.reqURL, nil)
			if tc.ctx != nil {
				r = r.WithContext(sessionhttp.WithPathPrefix(r.Context(), *tc.ctx))
			}
			w := httptest.NewRecorder()
			tok, err := sessionhttp.SignIn(w, r, tc.f.m, sessionCreate("signin"))
			if err != nil {
				t.Fatal(err)
			}
			if c := refreshSetCookie(t, w); c.Path != tc.want || tok.Refresh.Path != tc.want {
				t.Fatalf("Set-Cookie Path %q, returned Path %q, want %q", c.Path, tok.Refresh.Path, tc.want)
			}
		})
	}
}

func TestDemoSignInPrefix(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.DemoSignInHandler(f.m, sessionhttp.Options{Logger: quiet})
	for path, want := range map[string]string{
		"/auth/demo/signin":      "/auth/session/refresh",
		"/prod/auth/demo/signin": "/prod/auth/session/refresh",
		"/elsewhere":             "/auth/session/refresh", // not its route: no prefix guessed
	} {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"userId":"`+sessiontest.UniqueUser("d")+`"}`))
		r.Header.Set("rid", "session")
		w := serve(h, r)
		if c := refreshSetCookie(t, w); w.Code != 200 || c.Path != want {
			t.Errorf("%s: %d, Path %q, want %q", path, w.Code, c.Path, want)
		}
	}
}

func ptr(s string) *string { return &s }

// A forged or stale duplicate cookie never shadows the good one.
func TestDuplicateRefreshCookies(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	tok := f.create(t)
	r := post("/auth/session/refresh", sdk, f.accessCookie(tok.Access.Value))
	r.Header.Add("Cookie", f.cfg.RefreshCookieName+"=forged")
	r.Header.Add("Cookie", f.cfg.RefreshCookieName+"="+tok.Refresh.Value)
	if w := serve(h, r); w.Code != 200 || len(w.Header().Values("Set-Cookie")) != 2 {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
}

// A refresh by cookie is bound to the access cookie: a refresh cookie
// planted by a sibling host (it cannot be __Host-: its Path is the refresh
// route) refreshes nothing on its own or beside an access cookie of
// another session — 401, reason "unbound", the cookies cleared, nothing
// written — and beside the user's own pair it is ignored.
func TestRefreshRouteBoundToAccessCookie(t *testing.T) {
	f := newFixture(t, nil)
	var logs syncBuffer
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	planted, victim := f.create(t), f.create(t)
	for _, tc := range []struct {
		name    string
		cookies []*http.Cookie
	}{
		{"planted refresh cookie alone", []*http.Cookie{f.refreshCookie(planted.Refresh.Value)}},
		{"planted refresh cookie beside the victim's access cookie", []*http.Cookie{f.accessCookie(victim.Access.Value), f.refreshCookie(planted.Refresh.Value)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.reset()
			w := serve(h, post("/auth/session/refresh", sdk, tc.cookies...))
			if w.Code != 401 || w.Body.String() != `{"message":"unauthorised"}` || w.Header().Get("front-token") != "remove" {
				t.Fatalf("got %d %s, front-token %q", w.Code, w.Body, w.Header().Get("front-token"))
			}
			for _, name := range []string{f.cfg.AccessCookieName, f.cfg.RefreshCookieName} {
				if c := setCookieNamed(t, w, name); c.MaxAge >= 0 || c.Value != "" {
					t.Fatalf("%s not cleared: %q", name, w.Header().Values("Set-Cookie"))
				}
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &rec); err != nil {
				t.Fatalf("want one log record: %v\n%s", err, logs.String())
			}
			if rec["route"] != "refresh" || rec["outcome"] != "unauthorised" || rec["reason"] != "unbound" || rec["level"] != "INFO" {
				t.Fatalf("log record %v", rec)
			}
		})
	}
	t.Run("planted refresh cookie beside the user's own pair", func(t *testing.T) {
		for _, plantedFirst := range []bool{true, false} {
			user := f.create(t)
			cookies := f.sessionCookies(user.Access.Value, user.Refresh.Value)
			if plantedFirst {
				cookies = append([]*http.Cookie{f.refreshCookie(planted.Refresh.Value)}, cookies...)
			} else {
				cookies = append(cookies, f.refreshCookie(planted.Refresh.Value))
			}
			w := serve(h, post("/auth/session/refresh", sdk, cookies...))
			if w.Code != 200 {
				t.Fatalf("got %d %s", w.Code, w.Body)
			}
			v, err := f.m.Validate(context.Background(), setCookieNamed(t, w, f.cfg.AccessCookieName).Value)
			if err != nil || v.SessionID != user.SessionID {
				t.Fatalf("planted first %v: refreshed %+v (%v), want the user's own session", plantedFirst, v, err)
			}
		}
	})
	// Nothing was written to the planted session: past the grace window its
	// first refresh token still refreshes (a rotation would make it theft).
	f.clock.Advance(f.cfg.Grace + time.Second)
	if w := serve(h, post("/auth/session/refresh", sdk, f.sessionCookies(planted.Access.Value, planted.Refresh.Value)...)); w.Code != 200 {
		t.Fatalf("the planted session was touched: %d %s", w.Code, w.Body)
	}
}

func TestSignIn(t *testing.T) {
	f := newFixture(t, nil)
	planted := f.create(t)
	r := post("/login", nil, f.accessCookie(planted.Access.Value))
	w := httptest.NewRecorder()
	tok, err := sessionhttp.SignIn(w, r, f.m, session.CreateInput{UserID: "alice", Roles: []string{"admin"}, Claims: map[string]any{"tenant": "t1"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := w.Header().Values("Set-Cookie")
	if len(lines) != 2 || lines[0] != tok.Access.String() || lines[1] != tok.Refresh.String() {
		t.Fatalf("Set-Cookie lines %q", lines)
	}
	ft := sessiontest.DecodeFrontToken(t, w.Header().Get("front-token"))
	if ft.UID != "alice" || ft.UP["tenant"] != "t1" {
		t.Fatalf("front-token %+v", ft)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Fatal("no Cache-Control: no-store")
	}
	v, err := f.m.Validate(context.Background(), tok.Access.Value)
	if err != nil || v.UserID != "alice" || strings.Join(v.Roles, ",") != "admin" {
		t.Fatalf("new session: %+v %v", v, err)
	}
	if _, err := f.m.Validate(context.Background(), planted.Access.Value); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("the session presented before sign-in must be revoked (fixation): %v", err)
	}

	t.Run("invalid input writes nothing", func(t *testing.T) {
		w := httptest.NewRecorder()
		_, err := sessionhttp.SignIn(w, post("/login", nil), f.m, session.CreateInput{UserID: ""})
		if !errors.Is(err, session.ErrInvalidInput) || len(w.Header()) != 0 {
			t.Fatalf("err %v, headers %v", err, w.Header())
		}
	})
}

func TestProxyHelpers(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.create(t)
	mv := sessionhttp.ProxyHeaders(tok)
	if sc := mv["Set-Cookie"]; len(sc) != 2 || sc[0] != tok.Access.String() || sc[1] != tok.Refresh.String() {
		t.Fatalf("multiValueHeaders Set-Cookie %q", sc)
	}
	if ft := mv["Front-Token"]; len(ft) != 1 || ft[0] != tok.FrontToken {
		t.Fatalf("front-token %q", ft)
	}
	if c := sessionhttp.ProxyCookies(tok); len(c) != 2 || c[0] != tok.Access.String() || c[1] != tok.Refresh.String() {
		t.Fatalf("cookies %q", c)
	}
	if h := sessionhttp.ProxyHeadersV2(tok); h["front-token"] != tok.FrontToken || h["Cache-Control"] != "no-store" {
		t.Fatalf("v2 headers %v", h)
	}
	for _, line := range sessionhttp.ProxyCookies(tok) {
		if strings.Count(line, "=") < 2 || strings.Contains(line, ", s") {
			t.Fatalf("one cookie per value: %q", line)
		}
	}
}

func TestDemoSignIn(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.DemoSignInHandler(f.m, sessionhttp.Options{Logger: quiet})
	req := func(body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/auth/demo/signin", strings.NewReader(body))
		r.Header.Set("rid", "session")
		r.Header.Set("Origin", origin)
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	w := serve(h, req(`{"userId":"demo-user","roles":["admin","reader"]}`))
	if w.Code != 200 || w.Body.String() != `{"status":"OK"}` || len(w.Header().Values("Set-Cookie")) != 2 {
		t.Fatalf("got %d %s %v", w.Code, w.Body, w.Header())
	}
	if w.Header().Get("Access-Control-Allow-Origin") != origin {
		t.Fatal("no CORS on demo sign-in")
	}
	ft := sessiontest.DecodeFrontToken(t, w.Header().Get("front-token"))
	if ft.UID != "demo-user" {
		t.Fatalf("front-token %+v", ft)
	}
	for name, body := range map[string]string{
		"not json":      `userId=x`,
		"empty user":    `{"userId":""}`,
		"control char":  `{"userId":"a\u0000b"}`,
		"bad role":      `{"userId":"x","roles":["a,b"]}`,
		"unknown field": `{"userId":"x","admin":true}`,
		"trailing":      `{"userId":"x"} {}`,
		"too large":     `{"userId":"` + strings.Repeat("x", 5000) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			w := serve(h, req(body))
			var msg struct{ Message string }
			if w.Code != 400 || json.Unmarshal(w.Body.Bytes(), &msg) != nil || msg.Message == "" || len(w.Header().Values("Set-Cookie")) != 0 {
				t.Fatalf("got %d %s", w.Code, w.Body)
			}
		})
	}
	if w := serve(h, httptest.NewRequest(http.MethodGet, "/auth/demo/signin", nil)); w.Code != 405 {
		t.Fatalf("GET: %d", w.Code)
	}
	r := req(`{"userId":"x"}`)
	r.Header.Del("rid")
	if w := serve(h, r); w.Code != 403 {
		t.Fatalf("no rid: %d", w.Code)
	}
}

func TestCORSWrap(t *testing.T) {
	c := sessionhttp.CORS{Origins: []string{origin}, Methods: []string{"GET", "POST", "OPTIONS"}}
	h := c.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hi") }))
	r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
	r.Header.Set("Origin", origin)
	w := serve(h, r)
	if w.Body.String() != "hi" || w.Header().Get("Access-Control-Allow-Origin") != origin ||
		w.Header().Get("Access-Control-Expose-Headers") != sessionhttp.ExposeHeaders {
		t.Fatalf("%v", w.Header())
	}
	r.Header.Set("Origin", "null")
	if w := serve(h, r); w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Vary") != "Origin" {
		t.Fatalf("foreign origin got CORS headers: %v", w.Header())
	}
	p := httptest.NewRequest(http.MethodOptions, "/api/me", nil)
	p.Header.Set("Origin", origin)
	if w := serve(h, p); w.Code != 204 || w.Header().Get("Access-Control-Allow-Methods") != "GET, POST, OPTIONS" {
		t.Fatalf("preflight %d %v", w.Code, w.Header())
	}
	if (sessionhttp.CORS{Origins: []string{"*"}}).Allowed("*") {
		t.Fatal("* must never be allowed")
	}
}

// syncBuffer collects log output from concurrent handlers.
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

func (s *syncBuffer) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

// Logs carry only the allow-listed fields, never a cookie value.
func TestLogsAllowList(t *testing.T) {
	f := newFixture(t, nil)
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: logger})
	tok := f.create(t)
	var secrets []string
	rcookie := func(v string) *http.Cookie { return f.refreshCookie(v) }
	w := serve(h, post("/auth/session/refresh", sdk, f.sessionCookies(tok.Access.Value, tok.Refresh.Value)...))
	if w.Code != 200 {
		t.Fatalf("refresh: %d %s", w.Code, w.Body)
	}
	secrets = append(secrets, tok.Refresh.Value, tok.Access.Value)
	secrets = append(secrets, w.Header().Values("Set-Cookie")...)
	serve(h, post("/auth/session/refresh", sdk))                             // no cookie: debug
	serve(h, post("/auth/session/refresh", sdk, rcookie("forged-secret-1"))) // unknown
	serve(h, post("/auth/signout", sdk, f.accessCookie(tok.Access.Value)))
	secrets = append(secrets, "forged-secret-1")

	lines := strings.Split(strings.TrimSpace(buf.b.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want one record per request, got %d:\n%s", len(lines), buf.b.String())
	}
	allowed := map[string]bool{"time": true, "level": true, "msg": true, "request_id": true, "route": true, "outcome": true, "reason": true}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		for k := range rec {
			if !allowed[k] {
				t.Fatalf("log field %q is not on the allow-list: %s", k, l)
			}
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(buf.b.String(), s) {
			t.Fatalf("a cookie value reached the logs")
		}
	}
	if !strings.Contains(lines[1], `"level":"DEBUG"`) || !strings.Contains(lines[1], `"reason":"no_session"`) {
		t.Fatalf("a refresh without cookies must log at debug: %s", lines[1])
	}
}

func TestRequestIDContext(t *testing.T) {
	ctx := sessionhttp.ContextWithRequestID(context.Background(), "abc")
	if sessionhttp.RequestID(ctx) != "abc" || sessionhttp.RequestID(context.Background()) != "" {
		t.Fatal("request id round trip")
	}
}

func FuzzParseDemoSignIn(f *testing.F) {
	for _, s := range []string{`{"userId":"a","roles":["b"]}`, `{}`, `{"userId":"\u0001"}`, `[]`, `{"userId":"a"}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := sessionhttp.ParseDemoSignIn(b)
		if err != nil {
			if !errors.Is(err, sessionhttp.ErrBadRequest) {
				t.Fatalf("error without ErrBadRequest: %v", err)
			}
			return
		}
		if session.ValidateUserID(in.UserID) != nil || session.ValidateRoles(in.Roles) != nil {
			t.Fatalf("accepted invalid input %+v", in)
		}
	})
}

func sessionCreate(prefix string) session.CreateInput {
	return session.CreateInput{UserID: sessiontest.UniqueUser(prefix), Roles: []string{"r"}}
}
