package lambdaproxy_test

import (
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

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessionhttp/lambdaproxy"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// The session API's behaviour (README, package sessionhttp), proven three
// ways against a real redis-server: over a real HTTP connection
// (httptest.Server), and through Lambda proxy events of payload 1.0 and 2.0
// invoked with aws-lambda-go's own handler machinery (JSON in, JSON out).
// Every transport calls the API as a browser on an execute-api URL with
// stage "prod" does: under /prod, so the refresh cookie's Path must be
// /prod/auth/session/refresh.

const appOrigin = "https://app.example.com"

// stage is the prefix every transport's browser sees in front of the
// API's own paths.
const stage = "/prod"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// call is one browser request.
type call struct {
	method  string
	path    string
	header  http.Header
	cookies []*http.Cookie
	body    string
	// resource is the route's path template ("/auth/sessions/{id}") and
	// params its path parameters, as API Gateway puts them in an event;
	// resource "" is path itself.
	resource string
	params   map[string]string
}

// route is c's route path as the API definition writes it.
func (c call) route() string {
	if c.resource != "" {
		return c.resource
	}
	return c.path
}

// result is what the browser would see.
type result struct {
	status     int
	header     http.Header // without Set-Cookie
	setCookies []string    // one element per Set-Cookie line
	body       string
}

type transport struct {
	name string
	do   func(t *testing.T, h http.Handler, c call) result
}

var transports = []transport{
	{"http", doHTTP},
	{"v1", doV1},
	{"v2", doV2},
}

func doHTTP(t *testing.T, h http.Handler, c call) result {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(c.method, srv.URL+stage+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	hd := resp.Header.Clone()
	sc := hd.Values("Set-Cookie")
	hd.Del("Set-Cookie")
	return result{status: resp.StatusCode, header: hd, setCookies: sc, body: string(b)}
}

func invoke(t *testing.T, h http.Handler, event any, out any) {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	b, err := lambda.NewHandler(lambdaproxy.Handler(h)).Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("response %s: %v", b, err)
	}
}

// doV1 sends a REST API event as an HTTP/2 client makes it: one Cookie
// entry per cookie in multiValueHeaders, headers keeping only the last.
func doV1(t *testing.T, h http.Handler, c call) result {
	t.Helper()
	ev := events.APIGatewayProxyRequest{
		Resource: c.route(), Path: c.path, HTTPMethod: c.method, Body: c.body, PathParameters: c.params,
		Headers: map[string]string{}, MultiValueHeaders: map[string][]string{},
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "req-v1", Stage: "prod", Path: stage + c.path, ResourcePath: c.route(), HTTPMethod: c.method, DomainName: "abc.execute-api.eu-west-1.amazonaws.com",
		},
	}
	for k, vs := range c.header {
		ev.MultiValueHeaders[k] = append(ev.MultiValueHeaders[k], vs...)
		ev.Headers[k] = vs[len(vs)-1]
	}
	for _, ck := range c.cookies {
		ev.MultiValueHeaders["cookie"] = append(ev.MultiValueHeaders["cookie"], ck.Name+"="+ck.Value)
		ev.Headers["cookie"] = ck.Name + "=" + ck.Value
	}
	var resp events.APIGatewayProxyResponse
	invoke(t, h, ev, &resp)
	if len(resp.Headers) != 0 {
		t.Fatalf("v1 response uses headers %v; everything belongs in multiValueHeaders", resp.Headers)
	}
	hd := http.Header{}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			hd.Add(k, v)
		}
	}
	sc := hd.Values("Set-Cookie")
	hd.Del("Set-Cookie")
	return result{status: resp.StatusCode, header: hd, setCookies: sc, body: resp.Body}
}

// doV2 sends an HTTP API payload 2.0 event on stage "prod": rawPath has
// the stage in front, cookies come in the cookies array.
func doV2(t *testing.T, h http.Handler, c call) result {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: c.method + " " + c.route(), RawPath: stage + c.path, Body: c.body,
		Headers: map[string]string{}, PathParameters: c.params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-v2", Stage: "prod", DomainName: "abc.execute-api.eu-west-1.amazonaws.com", RouteKey: c.method + " " + c.route(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: c.method, Path: stage + c.path},
		},
	}
	for k, vs := range c.header {
		ev.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	for _, ck := range c.cookies {
		ev.Cookies = append(ev.Cookies, ck.Name+"="+ck.Value)
	}
	var resp events.APIGatewayV2HTTPResponse
	invoke(t, h, ev, &resp)
	hd := http.Header{}
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "set-cookie") {
			t.Fatalf("v2 response has Set-Cookie in headers; cookies belong in the cookies array")
		}
		hd.Add(k, v)
	}
	if len(resp.MultiValueHeaders) != 0 {
		t.Fatalf("v2 response uses multiValueHeaders %v", resp.MultiValueHeaders)
	}
	return result{status: resp.StatusCode, header: hd, setCookies: resp.Cookies, body: resp.Body}
}

type env struct {
	srv   *sessiontest.Server
	clock *sessiontest.Clock
	m     *session.Manager
	h     http.Handler
	cfg   session.Config
}

func newEnv(t *testing.T, srv *sessiontest.Server) *env {
	t.Helper()
	return newEnvWith(t, srv, nil)
}

// newEnvWith is newEnv with the configuration edited first.
func newEnvWith(t *testing.T, srv *sessiontest.Server, edit func(*session.Config)) *env {
	t.Helper()
	if srv == nil {
		srv = sessiontest.StartServer(t, sessiontest.Options{})
	}
	cfg := sessiontest.TestConfig(t)
	cfg.AllowedOrigins = []string{appOrigin}
	if edit != nil {
		edit(&cfg)
	}
	clock := sessiontest.NewClock()
	m := sessiontest.NewManager(t, cfg, redistest.Store(t, srv, redisstore.Options{}), clock)
	return &env{srv: srv, clock: clock, m: m, h: sessionhttp.New(m, sessionhttp.Options{Logger: quiet}), cfg: cfg}
}

func (e *env) signIn(t *testing.T) session.Tokens {
	t.Helper()
	tok, err := e.m.Create(context.Background(), session.CreateInput{UserID: sessiontest.UniqueUser("u"), Roles: []string{"reader"}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func sdkHeaders() http.Header {
	return http.Header{"Rid": {"session"}, "Fdi-Version": {"4.0"}, "Origin": {appOrigin}}
}

// refreshCall is the refresh request a browser makes with a session's
// cookies: the access cookie (Path=/, so it goes to the refresh route too)
// and the refresh cookie. A refresh by cookie is bound to an access cookie
// of the same session, of any generation, expired or not
// (session.Manager.RefreshCookies): the refresh cookie alone is refused.
func refreshCall(access, refresh string) call {
	return refreshWith(ac(access), rc(refresh))
}

// refreshWith is a refresh request carrying exactly cookies.
func refreshWith(cookies ...*http.Cookie) call {
	return call{method: "POST", path: "/auth/session/refresh", header: sdkHeaders(), cookies: cookies}
}

// names holds the cookie names of every env (sessiontest.TestConfig starts
// from session.DefaultConfig): names.AccessCookieName and
// names.RefreshCookieName.
var names = session.DefaultConfig()

func rc(v string) *http.Cookie { return &http.Cookie{Name: names.RefreshCookieName, Value: v} }
func ac(v string) *http.Cookie { return &http.Cookie{Name: names.AccessCookieName, Value: v} }

func parseSetCookies(t *testing.T, lines []string) map[string]*http.Cookie {
	t.Helper()
	out := map[string]*http.Cookie{}
	for _, l := range lines {
		c, err := http.ParseSetCookie(l)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", l, err)
		}
		if _, dup := out[c.Name]; dup {
			t.Fatalf("cookie %s set twice", c.Name)
		}
		out[c.Name] = c
	}
	return out
}

func wantJSON(t *testing.T, r result, status int, body string) {
	t.Helper()
	if r.status != status || r.body != body {
		t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
}

func wantCORS(t *testing.T, r result) {
	t.Helper()
	if r.header.Get("Access-Control-Allow-Origin") != appOrigin || r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("CORS headers missing: %v", r.header)
	}
	if !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "front-token") {
		t.Fatalf("front-token not exposed: %v", r.header)
	}
}

// wantRefreshed checks a successful refresh and returns the new cookies.
func wantRefreshed(t *testing.T, e *env, r result, user string) (access, refresh *http.Cookie) {
	t.Helper()
	wantJSON(t, r, 200, `{}`)
	wantCORS(t, r)
	if len(r.setCookies) != 2 {
		t.Fatalf("want two Set-Cookie lines, got %d: %q", len(r.setCookies), r.setCookies)
	}
	cs := parseSetCookies(t, r.setCookies)
	access, refresh = cs[names.AccessCookieName], cs[names.RefreshCookieName]
	if access == nil || refresh == nil || access.Value == "" || refresh.Value == "" {
		t.Fatalf("missing cookies: %q", r.setCookies)
	}
	if refresh.Path != stage+"/auth/session/refresh" || access.Path != "/" || !access.HttpOnly || !refresh.HttpOnly || !access.Secure {
		t.Fatalf("cookie attributes: %q", r.setCookies)
	}
	ft := sessiontest.DecodeFrontToken(t, r.header.Get("front-token"))
	if ft.UID != user {
		t.Fatalf("front-token uid %q, want %q", ft.UID, user)
	}
	// ate is the access token's expiry: in the future, at most AccessTTL
	// away (an idempotent replay returns the generation issued earlier).
	if now := e.clock.Now(); ft.ATE <= now.UnixMilli() || ft.ATE > now.Add(e.cfg.AccessTTL).UnixMilli() {
		t.Fatalf("front-token ate %d outside (now, now+AccessTTL]", ft.ATE)
	}
	if ft.UP["sub"] != user {
		t.Fatalf("front-token up %v", ft.UP)
	}
	return access, refresh
}

// wantCleared checks a 401 that ends the SDK's session.
func wantCleared(t *testing.T, r result, body string) {
	t.Helper()
	wantJSON(t, r, 401, body)
	if got := r.header.Get("front-token"); got != "remove" {
		t.Fatalf("front-token %q, want remove", got)
	}
	cs := parseSetCookies(t, r.setCookies)
	if len(cs) != 2 || len(r.setCookies) != 2 {
		t.Fatalf("want both cookies cleared on two lines, got %q", r.setCookies)
	}
	for name, path := range map[string]string{names.AccessCookieName: "/", names.RefreshCookieName: stage + "/auth/session/refresh"} {
		c := cs[name]
		if c == nil || c.MaxAge >= 0 || c.Value != "" || c.Path != path || !c.Expires.Before(time.Unix(1, 0)) {
			t.Fatalf("%s not cleared properly: %q", name, r.setCookies)
		}
	}
}

// forEachTransport runs f once per transport against one redis-server. The
// transport handed to f retries a 503 a few times, as a client would: on a
// loaded machine a Redis call can exceed the client's short timeouts, and
// the session API then answers 503 (cookies untouched) by design. A 503 is
// never taken as the answer; TestStoreOutage checks 503s themselves.
func forEachTransport(t *testing.T, f func(t *testing.T, e *env, tr transport)) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { f(t, newEnv(t, srv), retrying(tr)) })
	}
}

func retrying(tr transport) transport {
	return transport{name: tr.name, do: func(t *testing.T, h http.Handler, c call) result {
		t.Helper()
		for attempt := 1; ; attempt++ {
			r := tr.do(t, h, c)
			if r.status != http.StatusServiceUnavailable || attempt == 5 {
				return r
			}
			t.Logf("%s %s: 503 (attempt %d), retrying", c.method, c.path, attempt)
			time.Sleep(200 * time.Millisecond)
		}
	}}
}

func TestRefreshSuccess(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		e.clock.Advance(time.Minute)
		r := tr.do(t, e.h, refreshCall(tok.Access.Value, tok.Refresh.Value))
		access, refresh := wantRefreshed(t, e, r, tok.UserID)
		v, err := e.m.Validate(context.Background(), access.Value)
		if err != nil || v.UserID != tok.UserID || v.SessionID != tok.SessionID {
			t.Fatalf("new access cookie: %+v %v", v, err)
		}
		if info, err := e.m.InspectRefresh(refresh.Value); err != nil || info.Generation != 2 {
			t.Fatalf("refresh generation %+v %v", info, err)
		}
	})
}

func TestRefreshUnauthorised(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		revoked, live, other := e.signIn(t), e.signIn(t), e.signIn(t)
		if ok, err := e.m.Revoke(context.Background(), revoked.SessionID); !ok || err != nil {
			t.Fatalf("revoke: %v %v", ok, err)
		}
		for name, cookies := range map[string][]*http.Cookie{
			"missing":   nil,
			"invalid":   {ac(live.Access.Value), rc("not-a-real-token")},
			"revoked":   {ac(revoked.Access.Value), rc(revoked.Refresh.Value)},
			"as-access": {ac(live.Access.Value), rc(live.Access.Value)}, // an access token is never a refresh token
			// A refresh cookie planted by a sibling host: alone, or beside
			// the access cookie of another session, it refreshes nothing.
			"unbound":                  {rc(other.Refresh.Value)},
			"bound to another session": {ac(live.Access.Value), rc(other.Refresh.Value)},
		} {
			t.Run(name, func(t *testing.T) {
				wantCleared(t, tr.do(t, e.h, refreshWith(cookies...)), `{"message":"unauthorised"}`)
			})
		}
	})
}

func TestRefreshTheft(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		a2, r2 := wantRefreshed(t, e, tr.do(t, e.h, refreshCall(tok.Access.Value, tok.Refresh.Value)), tok.UserID)
		// The successor is used: the legitimate client refreshes with it.
		a3, r3 := wantRefreshed(t, e, tr.do(t, e.h, refreshCall(a2.Value, r2.Value)), tok.UserID)
		e.clock.Advance(e.cfg.Grace + time.Second)
		// The attacker's stolen copy of the first refresh token, with the
		// access cookie stolen beside it (two generations old).
		wantCleared(t, tr.do(t, e.h, refreshCall(tok.Access.Value, tok.Refresh.Value)), `{"message":"token theft detected"}`)
		// The session is gone for everyone.
		wantCleared(t, tr.do(t, e.h, refreshCall(a3.Value, r3.Value)), `{"message":"unauthorised"}`)
		if _, err := e.m.Validate(context.Background(), a3.Value); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("access after theft: %v, want ErrUnknown", err)
		}
	})
}

func TestRefreshLostAnswerIsIdempotent(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		_, lost := wantRefreshed(t, e, tr.do(t, e.h, refreshCall(tok.Access.Value, tok.Refresh.Value)), tok.UserID)
		// The answer never reached the browser; it retries much later (past
		// the grace window) with the same old cookies, its access token
		// long expired.
		e.clock.Advance(2 * time.Minute)
		againAccess, again := wantRefreshed(t, e, tr.do(t, e.h, refreshCall(tok.Access.Value, tok.Refresh.Value)), tok.UserID)
		li, _ := e.m.InspectRefresh(lost.Value)
		ai, _ := e.m.InspectRefresh(again.Value)
		if li != ai || ai.Generation != 2 {
			t.Fatalf("replay gave %+v, first answer was %+v", ai, li)
		}
		// The successor still works afterwards.
		wantRefreshed(t, e, tr.do(t, e.h, refreshCall(againAccess.Value, again.Value)), tok.UserID)
	})
}

func TestRefreshConcurrentInGrace(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		const n = 4
		results := make([]result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { results[i] = tr.do(t, e.h, refreshCall(tok.Access.Value, tok.Refresh.Value)) })
		}
		wg.Wait()
		var gens []session.TokenInfo
		var lastAccess, last *http.Cookie
		for _, r := range results {
			access, refresh := wantRefreshed(t, e, r, tok.UserID)
			info, err := e.m.InspectRefresh(refresh.Value)
			if err != nil {
				t.Fatal(err)
			}
			gens = append(gens, info)
			lastAccess, last = access, refresh
		}
		for _, g := range gens {
			if g != gens[0] {
				t.Fatalf("concurrent refreshes forked: %+v", gens)
			}
		}
		// No theft: the one successor keeps the session going.
		wantRefreshed(t, e, tr.do(t, e.h, refreshCall(lastAccess.Value, last.Value)), tok.UserID)
	})
}

func TestSignOut(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		c := call{method: "POST", path: "/auth/signout", header: sdkHeaders(), cookies: []*http.Cookie{ac(tok.Access.Value)}}
		r := tr.do(t, e.h, c)
		wantJSON(t, r, 200, `{"status":"OK"}`)
		wantCORS(t, r)
		if r.header.Get("front-token") != "remove" || len(r.setCookies) != 2 {
			t.Fatalf("sign-out must clear both cookies and remove the front-token: %q %v", r.setCookies, r.header)
		}
		if _, err := e.m.Validate(context.Background(), tok.Access.Value); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("after sign-out: %v", err)
		}
		wantCleared(t, tr.do(t, e.h, refreshCall(tok.Access.Value, tok.Refresh.Value)), `{"message":"unauthorised"}`)
		// Signing out again, or with no cookie: 401, cookies cleared.
		wantCleared(t, tr.do(t, e.h, c), `{"message":"unauthorised"}`)
		c.cookies = nil
		wantCleared(t, tr.do(t, e.h, c), `{"message":"unauthorised"}`)
	})
}

func TestPreflight(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		pre := func(origin string) result {
			return tr.do(t, e.h, call{method: "OPTIONS", path: "/auth/session/refresh", header: http.Header{
				"Origin": {origin}, "Access-Control-Request-Method": {"POST"},
				"Access-Control-Request-Headers": {"rid,fdi-version,st-auth-mode"}}})
		}
		r := pre(appOrigin)
		if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != appOrigin ||
			r.header.Get("Access-Control-Allow-Credentials") != "true" ||
			r.header.Get("Access-Control-Allow-Headers") != sessionhttp.AllowHeaders ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") || len(r.setCookies) != 0 {
			t.Fatalf("allowed preflight: %d %v", r.status, r.header)
		}
		r = pre("https://evil.example")
		if r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("foreign preflight: %d %v", r.status, r.header)
		}
	})
}

func TestStoreOutage(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{Persist: true})
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			e := newEnv(t, srv)
			tok := e.signIn(t)
			srv.Stop()
			for _, c := range []call{
				refreshCall(tok.Access.Value, tok.Refresh.Value),
				{method: "POST", path: "/auth/signout", header: sdkHeaders(), cookies: []*http.Cookie{ac(tok.Access.Value)}},
			} {
				r := tr.do(t, e.h, c)
				if r.status != 503 || r.header.Get("Retry-After") == "" {
					t.Fatalf("%s during outage: %d %v", c.path, r.status, r.header)
				}
				if len(r.setCookies) != 0 || r.header.Get("front-token") != "" {
					t.Fatalf("an outage must not touch cookies: %q %v", r.setCookies, r.header)
				}
			}
			srv.Restart()
			// The same cookie works once Redis is back (the client re-dials).
			deadline := time.Now().Add(10 * time.Second)
			for {
				r := tr.do(t, e.h, refreshCall(tok.Access.Value, tok.Refresh.Value))
				if r.status == 200 {
					wantRefreshed(t, e, r, tok.UserID)
					break
				}
				if r.status != 503 || time.Now().After(deadline) {
					t.Fatalf("after recovery: %d %s", r.status, r.body)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}
