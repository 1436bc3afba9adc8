package lambdaproxy_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// Header mode (docs/protocol.md, "Header mode"): the same sessions with
// the tokens in Authorization: Bearer on requests and in st-access-token /
// st-refresh-token on answers, proven on the three transports against a
// real redis-server.

// api serves the session API routes and the demo sign-in route.
func (e *env) api() http.Handler {
	demo := sessionhttp.DemoSignInHandler(e.m, sessionhttp.Options{Logger: quiet})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/demo/signin") {
			demo.ServeHTTP(w, r)
			return
		}
		e.h.ServeHTTP(w, r)
	})
}

// headerSDK is what the SDK in tokenTransferMethod "header" sends on every
// call, plus Authorization when token is not "".
func headerSDK(token string) http.Header {
	h := sdkHeaders()
	h.Set("st-auth-mode", "header")
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return h
}

func bearerRefresh(token string) call {
	return call{method: "POST", path: "/auth/session/refresh", header: headerSDK(token)}
}

func bearerSignOut(token string) call {
	return call{method: "POST", path: "/auth/signout", header: headerSDK(token)}
}

func demoSignIn(user string, header http.Header, cookies ...*http.Cookie) call {
	return call{method: "POST", path: "/auth/demo/signin", header: header, cookies: cookies, body: `{"userId":"` + user + `"}`}
}

// wantHeaderTokens checks an answer in header mode (sign-in or refresh):
// status and body, no Set-Cookie at all unless clearing cookies is
// expected, st-access-token and st-refresh-token each exactly once with a
// token of the right kind, and the front-token. It returns the tokens.
func wantHeaderTokens(t *testing.T, e *env, r result, body, user string, clearedCookies bool) (access, refresh string) {
	t.Helper()
	wantJSON(t, r, 200, body)
	wantCORS(t, r)
	wantExposed(t, r)
	if clearedCookies {
		wantCookiesCleared(t, r)
	} else if len(r.setCookies) != 0 {
		t.Fatalf("header mode must set no cookie: %q", r.setCookies)
	}
	access, refresh = only(t, r, "st-access-token"), only(t, r, "st-refresh-token")
	if _, err := e.m.InspectAccess(access); err != nil {
		t.Fatalf("st-access-token is not an access token: %v", err)
	}
	if _, err := e.m.InspectRefresh(refresh); err != nil {
		t.Fatalf("st-refresh-token is not a refresh token: %v", err)
	}
	if ft := sessiontest.DecodeFrontToken(t, r.header.Get("front-token")); ft.UID != user {
		t.Fatalf("front-token uid %q, want %q", ft.UID, user)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	return access, refresh
}

// only returns the one value of header name, failing unless there is
// exactly one non-empty value (a comma-joined duplicate is not a token).
func only(t *testing.T, r result, name string) string {
	t.Helper()
	vs := r.header.Values(name)
	if len(vs) != 1 || vs[0] == "" || strings.ContainsAny(vs[0], ", ") {
		t.Fatalf("%s: want exactly one token, got %q", name, vs)
	}
	return vs[0]
}

// wantHeadersCleared checks that the answer tells a header-mode client to
// forget both tokens: each header present once with an empty value.
func wantHeadersCleared(t *testing.T, r result) {
	t.Helper()
	for _, name := range []string{"st-access-token", "st-refresh-token"} {
		if vs := r.header.Values(name); len(vs) != 1 || vs[0] != "" {
			t.Fatalf("%s: want one empty value, got %q", name, vs)
		}
	}
}

// wantNoHeaderTokens checks that the answer says nothing about header
// tokens.
func wantNoHeaderTokens(t *testing.T, r result) {
	t.Helper()
	for _, name := range []string{"st-access-token", "st-refresh-token"} {
		if vs := r.header.Values(name); len(vs) != 0 {
			t.Fatalf("%s present: %q", name, vs)
		}
	}
}

// wantCookiesCleared checks two Set-Cookie lines that delete both cookies.
func wantCookiesCleared(t *testing.T, r result) {
	t.Helper()
	cs := parseSetCookies(t, r.setCookies)
	if len(cs) != 2 || len(r.setCookies) != 2 {
		t.Fatalf("want both cookies cleared on two lines, got %q", r.setCookies)
	}
	for name, path := range map[string]string{names.AccessCookieName: "/", names.RefreshCookieName: stage + "/auth/session/refresh"} {
		if c := cs[name]; c == nil || c.MaxAge >= 0 || c.Value != "" || c.Path != path {
			t.Fatalf("%s not cleared: %q", name, r.setCookies)
		}
	}
}

// wantHeaderEnded checks a 401 to a header-mode client: the body, the
// front-token removed, both header tokens cleared, no cookie touched.
func wantHeaderEnded(t *testing.T, r result, body string) {
	t.Helper()
	wantJSON(t, r, 401, body)
	if got := r.header.Get("front-token"); got != "remove" {
		t.Fatalf("front-token %q, want remove", got)
	}
	wantHeadersCleared(t, r)
	if len(r.setCookies) != 0 {
		t.Fatalf("a header-mode client got Set-Cookie: %q", r.setCookies)
	}
}

// wantExposed checks that a cross-origin SDK can read the header tokens.
func wantExposed(t *testing.T, r result) {
	t.Helper()
	exposed := map[string]bool{}
	for _, h := range strings.Split(r.header.Get("Access-Control-Expose-Headers"), ",") {
		exposed[strings.TrimSpace(h)] = true
	}
	for _, h := range []string{"front-token", "st-access-token", "st-refresh-token"} {
		if !exposed[h] {
			t.Fatalf("%s is not exposed: %q", h, r.header.Get("Access-Control-Expose-Headers"))
		}
	}
}

func TestHeaderModeSignIn(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		api := e.api()
		t.Run("header mode", func(t *testing.T) {
			for _, mode := range []string{"header", "HEADER", " Header "} {
				user := sessiontest.UniqueUser("h")
				h := headerSDK("")
				h.Set("st-auth-mode", mode)
				access, refresh := wantHeaderTokens(t, e, tr.do(t, api, demoSignIn(user, h)), `{"status":"OK"}`, user, false)
				v, err := e.m.Validate(context.Background(), access)
				if err != nil || v.UserID != user {
					t.Fatalf("%q: st-access-token names %+v, %v", mode, v, err)
				}
				if info, err := e.m.InspectRefresh(refresh); err != nil || info.SessionID != v.SessionID || info.Generation != 1 {
					t.Fatalf("%q: st-refresh-token %+v %v", mode, info, err)
				}
			}
		})
		t.Run("cookie mode when not asked", func(t *testing.T) {
			for _, mode := range []string{"", "cookie", "bogus", "header, cookie"} {
				h := sdkHeaders()
				if mode != "" {
					h.Set("st-auth-mode", mode)
				}
				r := tr.do(t, api, demoSignIn(sessiontest.UniqueUser("c"), h))
				wantJSON(t, r, 200, `{"status":"OK"}`)
				if cs := parseSetCookies(t, r.setCookies); len(cs) != 2 || cs[names.AccessCookieName].MaxAge <= 0 || cs[names.RefreshCookieName].MaxAge <= 0 {
					t.Fatalf("%q: want both cookies set, got %q", mode, r.setCookies)
				}
				wantNoHeaderTokens(t, r)
			}
		})
		t.Run("header mode clears cookies the request carried", func(t *testing.T) {
			planted := e.signIn(t)
			user := sessiontest.UniqueUser("h")
			wantHeaderTokens(t, e, tr.do(t, api, demoSignIn(user, headerSDK(""), ac(planted.Access.Value))), `{"status":"OK"}`, user, true)
			if _, err := e.m.Validate(context.Background(), planted.Access.Value); !errors.Is(err, session.ErrUnknown) {
				t.Fatalf("the session of the cookie presented at sign-in must be revoked: %v", err)
			}
		})
		t.Run("cookie mode clears header tokens the request carried", func(t *testing.T) {
			planted := e.signIn(t)
			h := sdkHeaders()
			h.Set("st-auth-mode", "cookie")
			h.Set("Authorization", "Bearer "+planted.Access.Value)
			r := tr.do(t, api, demoSignIn(sessiontest.UniqueUser("c"), h))
			wantJSON(t, r, 200, `{"status":"OK"}`)
			if len(r.setCookies) != 2 {
				t.Fatalf("want both cookies set, got %q", r.setCookies)
			}
			wantHeadersCleared(t, r)
			if _, err := e.m.Validate(context.Background(), planted.Access.Value); !errors.Is(err, session.ErrUnknown) {
				t.Fatalf("the session of the bearer token presented at sign-in must be revoked: %v", err)
			}
		})
	})
}

func TestHeaderModeRefresh(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		e.clock.Advance(time.Minute)
		access, refresh := wantHeaderTokens(t, e, tr.do(t, e.h, bearerRefresh(tok.Refresh.Value)), `{}`, tok.UserID, false)
		v, err := e.m.Validate(context.Background(), access)
		if err != nil || v.SessionID != tok.SessionID {
			t.Fatalf("new access token: %+v %v", v, err)
		}
		if info, err := e.m.InspectRefresh(refresh); err != nil || info.Generation != 2 {
			t.Fatalf("refresh generation %+v %v", info, err)
		}
		// The SDK's first call on a page that holds no tokens: a clean 401.
		wantHeaderEnded(t, tr.do(t, e.h, bearerRefresh("")), `{"message":"unauthorised"}`)
		// An access token is never a refresh token.
		wantHeaderEnded(t, tr.do(t, e.h, bearerRefresh(access)), `{"message":"unauthorised"}`)
	})
}

func TestHeaderModeRefreshIdempotent(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		_, lost := wantHeaderTokens(t, e, tr.do(t, e.h, bearerRefresh(tok.Refresh.Value)), `{}`, tok.UserID, false)
		// The answer never reached the client; it retries past the grace
		// window with the same token and gets the same successor.
		e.clock.Advance(2 * time.Minute)
		_, again := wantHeaderTokens(t, e, tr.do(t, e.h, bearerRefresh(tok.Refresh.Value)), `{}`, tok.UserID, false)
		li, _ := e.m.InspectRefresh(lost)
		ai, _ := e.m.InspectRefresh(again)
		if li != ai || ai.Generation != 2 {
			t.Fatalf("replay gave %+v, first answer was %+v", ai, li)
		}
		wantHeaderTokens(t, e, tr.do(t, e.h, bearerRefresh(again)), `{}`, tok.UserID, false)
	})
}

func TestHeaderModeTheft(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		_, r2 := wantHeaderTokens(t, e, tr.do(t, e.h, bearerRefresh(tok.Refresh.Value)), `{}`, tok.UserID, false)
		a3, r3 := wantHeaderTokens(t, e, tr.do(t, e.h, bearerRefresh(r2)), `{}`, tok.UserID, false)
		e.clock.Advance(e.cfg.Grace + time.Second)
		wantHeaderEnded(t, tr.do(t, e.h, bearerRefresh(tok.Refresh.Value)), `{"message":"token theft detected"}`)
		wantHeaderEnded(t, tr.do(t, e.h, bearerRefresh(r3)), `{"message":"unauthorised"}`)
		if _, err := e.m.Validate(context.Background(), a3); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("access after theft: %v, want ErrUnknown", err)
		}
	})
}

func TestHeaderModeSignOut(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		// A refresh token is never an access token: nothing is revoked.
		wantHeaderEnded(t, tr.do(t, e.h, bearerSignOut(tok.Refresh.Value)), `{"message":"unauthorised"}`)
		if _, err := e.m.Validate(context.Background(), tok.Access.Value); err != nil {
			t.Fatalf("a refused sign-out revoked the session: %v", err)
		}
		// Expired access tokens still sign out.
		e.clock.Advance(e.cfg.AccessTTL + time.Minute)
		r := tr.do(t, e.h, bearerSignOut(tok.Access.Value))
		wantJSON(t, r, 200, `{"status":"OK"}`)
		wantCORS(t, r)
		if r.header.Get("front-token") != "remove" || len(r.setCookies) != 0 {
			t.Fatalf("sign-out: front-token %q, Set-Cookie %q", r.header.Get("front-token"), r.setCookies)
		}
		wantHeadersCleared(t, r)
		if _, err := e.m.Validate(context.Background(), tok.Access.Value); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("after sign-out: %v", err)
		}
		wantHeaderEnded(t, tr.do(t, e.h, bearerRefresh(tok.Refresh.Value)), `{"message":"unauthorised"}`)
		wantHeaderEnded(t, tr.do(t, e.h, bearerSignOut(tok.Access.Value)), `{"message":"unauthorised"}`)
	})
}

// Precedence: a well-formed bearer token is tried first, then the cookie;
// a stale or malformed credential of one mode never shadows a good one of
// the other, and the answer clears the mode that lost.
func TestHeaderModePrecedence(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		stale := e.signIn(t)
		if ok, err := e.m.Revoke(context.Background(), stale.SessionID); !ok || err != nil {
			t.Fatalf("revoke: %v %v", ok, err)
		}
		t.Run("valid bearer beside a stale cookie", func(t *testing.T) {
			tok := e.signIn(t)
			c := bearerRefresh(tok.Refresh.Value)
			c.cookies = []*http.Cookie{rc(stale.Refresh.Value), ac(stale.Access.Value)}
			wantHeaderTokens(t, e, tr.do(t, e.h, c), `{}`, tok.UserID, true)
		})
		for name, bearer := range map[string]string{
			"stale bearer":     "Bearer " + stale.Refresh.Value,
			"malformed bearer": "Bearer not a token",
			"access as bearer": "", // filled below
		} {
			t.Run("valid cookie beside a "+name, func(t *testing.T) {
				tok := e.signIn(t)
				if bearer == "" {
					bearer = "Bearer " + tok.Access.Value
				}
				c := refreshCall(tok.Access.Value, tok.Refresh.Value)
				c.header.Set("Authorization", bearer)
				c.header.Set("st-auth-mode", "header")
				r := tr.do(t, e.h, c)
				wantRefreshed(t, e, r, tok.UserID)
				wantHeadersCleared(t, r)
			})
		}
		t.Run("sign-out revokes the sessions of both", func(t *testing.T) {
			a, b := e.signIn(t), e.signIn(t)
			c := bearerSignOut(a.Access.Value)
			c.cookies = []*http.Cookie{ac(b.Access.Value)}
			r := tr.do(t, e.h, c)
			wantJSON(t, r, 200, `{"status":"OK"}`)
			wantHeadersCleared(t, r)
			wantCookiesCleared(t, r)
			for _, tok := range []session.Tokens{a, b} {
				if _, err := e.m.Validate(context.Background(), tok.Access.Value); !errors.Is(err, session.ErrUnknown) {
					t.Fatalf("after sign-out: %v", err)
				}
			}
		})
	})
}

// Anti-CSRF does not apply to a request that carries only a bearer
// credential; it still does as soon as a session cookie rides along, and
// to a request with no credential or another scheme.
func TestHeaderModeAntiCSRF(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		noRID := func(c call) call { c.header.Del("Rid"); c.header.Set("Origin", "https://evil.example"); return c }
		wantAccepted := func(r result) {
			t.Helper()
			if r.status != 200 || len(r.setCookies) != 0 || r.header.Get("st-refresh-token") == "" {
				t.Fatalf("bearer-only refresh without rid: %d %s", r.status, r.body)
			}
		}
		wantAccepted(tr.do(t, e.h, noRID(bearerRefresh(tok.Refresh.Value))))
		for name, c := range map[string]call{
			"bearer beside a cookie": func() call {
				c := noRID(bearerRefresh(tok.Refresh.Value))
				c.cookies = []*http.Cookie{ac(tok.Access.Value)}
				return c
			}(),
			"no credential": noRID(bearerRefresh("")),
			"another scheme": func() call {
				c := noRID(bearerRefresh(""))
				c.header.Set("Authorization", "Basic dXNlcjpwYXNz")
				return c
			}(),
		} {
			r := tr.do(t, e.h, c)
			if r.status != 403 || r.body != `{"message":"anti-csrf check failed"}` {
				t.Fatalf("%s without rid: %d %s", name, r.status, r.body)
			}
		}
	})
}

// Hostile Authorization values: each a clean 401 (or, for a lower-case
// scheme, an accepted token), never a 5xx, and never a revoked session.
func TestHeaderModeHostile(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		tok := e.signIn(t)
		big := strings.Repeat("A", 10<<10)
		for _, tc := range []struct {
			name    string
			route   string
			auth    []string
			cookie  string // a raw Cookie header
			status  int
			body    string
			cookies bool // the 401 also clears cookies (a cookie was carried)
		}{
			{name: "refresh: no scheme", route: "refresh", auth: []string{tok.Refresh.Value}, status: 401},
			{name: "refresh: lower-case bearer is accepted", route: "refresh", auth: []string{"bearer " + tok.Refresh.Value}, status: 200},
			{name: "refresh: two tokens", route: "refresh", auth: []string{"Bearer " + tok.Refresh.Value + " " + tok.Refresh.Value}, status: 401},
			{name: "refresh: two Authorization headers", route: "refresh", auth: []string{"Bearer " + tok.Refresh.Value, "Bearer " + tok.Refresh.Value}, status: 401},
			{name: "refresh: 10 KB", route: "refresh", auth: []string{"Bearer " + big}, status: 401},
			{name: "refresh: non-ASCII", route: "refresh", auth: []string{"Bearer tökén-" + tok.Refresh.Value}, status: 401},
			{name: "refresh: scheme only", route: "refresh", auth: []string{"Bearer"}, status: 401},
			{name: "refresh: a cookie value", route: "refresh", auth: []string{names.RefreshCookieName + "=" + tok.Refresh.Value}, status: 401},
			{name: "refresh: a cookie value after Bearer", route: "refresh", auth: []string{"Bearer " + names.RefreshCookieName + "=" + tok.Refresh.Value}, status: 401},
			{name: "refresh: a Cookie header", route: "refresh", auth: []string{names.AccessCookieName + "=" + tok.Access.Value + "; " + names.RefreshCookieName + "=" + tok.Refresh.Value}, status: 401},
			{name: "refresh: access token as refresh", route: "refresh", auth: []string{"Bearer " + tok.Access.Value}, status: 401},
			{name: "refresh: bearer in the cookie", route: "refresh", cookie: names.RefreshCookieName + "=Bearer " + tok.Refresh.Value, status: 401, cookies: true},
			{name: "signout: no scheme", route: "signout", auth: []string{tok.Access.Value}, status: 401},
			{name: "signout: two tokens", route: "signout", auth: []string{"Bearer " + tok.Access.Value + " x"}, status: 401},
			{name: "signout: 10 KB", route: "signout", auth: []string{"Bearer " + big}, status: 401},
			{name: "signout: non-ASCII", route: "signout", auth: []string{"Bearer ü"}, status: 401},
			{name: "signout: a cookie value", route: "signout", auth: []string{names.AccessCookieName + "=" + tok.Access.Value}, status: 401},
			{name: "signout: refresh token as access", route: "signout", auth: []string{"Bearer " + tok.Refresh.Value}, status: 401},
			{name: "signout: bearer in the cookie", route: "signout", cookie: names.AccessCookieName + "=Bearer " + tok.Access.Value, status: 401, cookies: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := bearerRefresh("")
				if tc.route == "signout" {
					c = bearerSignOut("")
				}
				for _, a := range tc.auth {
					c.header.Add("Authorization", a)
				}
				if tc.cookie != "" {
					c.header.Set("Cookie", tc.cookie)
				}
				r := tr.do(t, e.h, c)
				if r.status != tc.status {
					t.Fatalf("got %d %s, want %d", r.status, r.body, tc.status)
				}
				if tc.status == 200 {
					wantHeaderTokens(t, e, r, `{}`, tok.UserID, false)
					return
				}
				if tc.cookies {
					wantJSON(t, r, 401, `{"message":"unauthorised"}`)
					wantHeadersCleared(t, r)
					wantCookiesCleared(t, r)
				} else {
					wantHeaderEnded(t, r, `{"message":"unauthorised"}`)
				}
			})
		}
		if _, err := e.m.Validate(context.Background(), tok.Access.Value); err != nil {
			t.Fatalf("a hostile request revoked the session: %v", err)
		}
	})
}

func TestHeaderModeStoreOutage(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	envs := make([]*env, len(transports))
	toks := make([]session.Tokens, len(transports))
	for i := range transports {
		envs[i] = newEnv(t, srv)
		toks[i] = envs[i].signIn(t)
	}
	srv.Stop()
	for i, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			e, tok := envs[i], toks[i]
			for _, c := range []call{bearerRefresh(tok.Refresh.Value), bearerSignOut(tok.Access.Value)} {
				r := tr.do(t, e.h, c)
				wantJSON(t, r, 503, `{"message":"session store unavailable, retry later"}`)
				if r.header.Get("Retry-After") == "" {
					t.Fatalf("%s: no Retry-After", c.path)
				}
				if len(r.setCookies) != 0 || r.header.Get("front-token") != "" {
					t.Fatalf("%s: an outage must not end the session: %q %v", c.path, r.setCookies, r.header)
				}
				wantNoHeaderTokens(t, r)
			}
		})
	}
}

func TestHeaderModePreflight(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		for _, path := range []string{"/auth/session/refresh", "/auth/signout"} {
			r := tr.do(t, e.h, call{method: "OPTIONS", path: path, header: http.Header{
				"Origin": {appOrigin}, "Access-Control-Request-Method": {"POST"},
				"Access-Control-Request-Headers": {"authorization,content-type,fdi-version,rid,st-auth-mode"}}})
			if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != appOrigin || r.header.Get("Access-Control-Allow-Credentials") != "true" {
				t.Fatalf("%s preflight: %d %v", path, r.status, r.header)
			}
			allowed := map[string]bool{}
			for _, h := range strings.Split(r.header.Get("Access-Control-Allow-Headers"), ",") {
				allowed[strings.ToLower(strings.TrimSpace(h))] = true
			}
			for _, h := range []string{"authorization", "st-auth-mode", "rid", "fdi-version", "content-type"} {
				if !allowed[h] {
					t.Fatalf("%s preflight does not allow %s: %q", path, h, r.header.Get("Access-Control-Allow-Headers"))
				}
			}
		}
		// Every actual answer exposes the header tokens, failures included.
		wantExposed(t, tr.do(t, e.h, bearerRefresh("")))
	})
}
