package authorizer_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// Header mode (docs/protocol.md#header-mode): the same session presented
// as "Authorization: Bearer <access token>" on a REQUEST event (REST or
// HTTP API), or as a TOKEN event's authorizationToken.

// bearerKinds are the three ways a bearer token reaches the authorizer.
var bearerKinds = []string{"rest", "http", "token"}

// bearerEvent renders a request of kind carrying the Authorization value
// auth ("" sends no Authorization header; a TOKEN event then has an empty
// authorizationToken) and the extra headers (REQUEST events only).
func bearerEvent(t testing.TB, kind, auth, method, path string, extra map[string]string) []byte {
	t.Helper()
	if kind == "token" {
		return tokenEvent(t, auth, method, path)
	}
	h := map[string]string{}
	if auth != "" {
		h["Authorization"] = auth
	}
	for k, v := range extra {
		h[k] = v
	}
	if kind == "rest" {
		return restEvent(t, ev{method: method, path: path, headers: h})
	}
	return httpEvent(t, ev{method: method, path: path, headers: h})
}

func allowed(t testing.TB, r result) bool {
	t.Helper()
	if r.err != nil {
		return false
	}
	got := r.effect(t)
	return got == "Allow" || got == "true"
}

// A bearer request gets the decisions a cookie request gets
// (docs/protocol.md#outcomes), for every kind of event.
func TestBearerOutcomes(t *testing.T) {
	for _, kind := range bearerKinds {
		t.Run(kind, func(t *testing.T) {
			e := newStubEnv(t, envOptions{})
			user := sessiontest.UniqueUser("bearer")
			tok := e.signIn(user, []string{"editor", "viewer"}, map[string]any{"plan": "pro"})
			revoked := e.signIn(sessiontest.UniqueUser("bearer-revoked"), nil, nil)
			e.revoke(revoked)
			expired := e.signIn(sessiontest.UniqueUser("bearer-expired"), nil, nil)
			e.stub.expire(expired.SessionID)

			res := e.invoke(bearerEvent(t, kind, "Bearer "+tok.Access.Value, "GET", "/api/me", nil))
			if !allowed(t, res) {
				t.Fatalf("valid bearer: %v %s", res.err, res.raw)
			}
			if kind != "http" && res.resp["principalId"] != user {
				t.Fatalf("principalId %v", res.resp["principalId"])
			}
			c := res.context(t)
			want := map[string]any{"userId": user, "sessionId": tok.SessionID, "roles": "editor,viewer",
				"claims": `{"plan":"pro"}`, "setCookie": "", "frontToken": "", "accessToken": ""}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("context[%s] = %#v, want %#v", k, c[k], v)
				}
			}
			if got := e.stub.lastCall(); !slices.Equal(got, []string{tok.Access.Value}) {
				t.Fatalf("the engine got %d values, want the one token", len(got))
			}

			for _, c := range []struct{ name, auth, reason string }{
				{"no Authorization", "", "no_session"},
				{"forged token", "Bearer MTcwMDAwMDAwMHxhYmNkZWZ8Z2hpams=", "unknown"},
				{"refresh token as access token", "Bearer " + tok.Refresh.Value, "unknown"},
				{"revoked session", "Bearer " + revoked.Access.Value, "unknown"},
				{"expired token", "Bearer " + expired.Access.Value, "expired"},
				{"malformed", "Bearer " + tok.Access.Value + " " + tok.Access.Value, "unknown"},
				{"another scheme", "Basic dXNlcjpwYXNz", "no_session"},
			} {
				before := strings.Count(e.logs.String(), `"reason":"`+c.reason+`"`)
				res := e.invoke(bearerEvent(t, kind, c.auth, "GET", "/api/me", nil))
				if !isUnauthorized(res.err) {
					t.Fatalf("%s: want Unauthorized, got %v %s", c.name, res.err, res.raw)
				}
				if after := strings.Count(e.logs.String(), `"reason":"`+c.reason+`"`); after != before+1 {
					t.Fatalf("%s: no log line with reason %s", c.name, c.reason)
				}
			}

			e.stub.failStore(context.DeadlineExceeded)
			res = e.invoke(bearerEvent(t, kind, "Bearer "+tok.Access.Value, "GET", "/api/me", nil))
			if !errors.Is(res.err, authorizer.ErrStoreUnavailable) || res.raw != nil {
				t.Fatalf("store failure: want ErrStoreUnavailable and no response, got %v %s", res.err, res.raw)
			}
			e.stub.failStore(nil)
			e.stub.failWith(errors.New("session: encoding the access cookie: a key bug"))
			res = e.invoke(bearerEvent(t, kind, "Bearer "+tok.Access.Value, "GET", "/api/me", nil))
			if !errors.Is(res.err, authorizer.ErrInternal) || res.raw != nil {
				t.Fatalf("engine failure: want ErrInternal and no response, got %v %s", res.err, res.raw)
			}
		})
	}
}

// Which credential counts when a REQUEST event carries both
// (parse.go, chooseCredential): the access cookie, unless the request asks
// for header mode and its bearer token is well-formed.
func TestBearerPrecedence(t *testing.T) {
	e := newStubEnv(t, envOptions{})
	tok := e.signIn(sessiontest.UniqueUser("precedence"), nil, nil)
	stale := e.signIn(sessiontest.UniqueUser("precedence-stale"), nil, nil)
	e.revoke(stale)
	good, bearer := cookieHeader(tok.Access), "Bearer "+tok.Access.Value
	staleCookie, staleBearer := cookieHeader(stale.Access), "Bearer "+stale.Access.Value
	cases := []struct {
		name    string
		headers map[string]string
		multi   map[string][]string
		allow   bool
		engine  []string // what ValidateAny got; nil: not called
	}{
		{"bearer alone", map[string]string{"Authorization": bearer}, nil, true, []string{tok.Access.Value}},
		{"lower-case header name", map[string]string{"authorization": bearer}, nil, true, []string{tok.Access.Value}},
		{"cookie wins without header mode: good cookie, stale bearer",
			map[string]string{"Cookie": good, "Authorization": staleBearer}, nil, true, []string{tok.Access.Value}},
		{"cookie wins without header mode: stale cookie, good bearer",
			map[string]string{"Cookie": staleCookie, "Authorization": bearer}, nil, false, []string{stale.Access.Value}},
		{"st-auth-mode cookie: the cookie decides",
			map[string]string{"Cookie": staleCookie, "Authorization": bearer, "st-auth-mode": "cookie"}, nil, false, []string{stale.Access.Value}},
		{"header mode: the bearer wins over a stale cookie",
			map[string]string{"Cookie": staleCookie, "Authorization": bearer, "st-auth-mode": "header"}, nil, true, []string{tok.Access.Value}},
		{"header mode in any letter case",
			map[string]string{"Cookie": staleCookie, "Authorization": bearer, "ST-AUTH-MODE": " Header "}, nil, true, []string{tok.Access.Value}},
		{"header mode: the bearer decides even beside a good cookie",
			map[string]string{"Cookie": good, "Authorization": staleBearer, "st-auth-mode": "header"}, nil, false, []string{stale.Access.Value}},
		{"header mode, malformed bearer: the cookie decides",
			map[string]string{"Cookie": good, "Authorization": "Bearer a b", "st-auth-mode": "header"}, nil, true, []string{tok.Access.Value}},
		{"header mode, another scheme: the cookie decides",
			map[string]string{"Cookie": good, "Authorization": "Basic dXNlcjpwYXNz", "st-auth-mode": "header"}, nil, true, []string{tok.Access.Value}},
		{"header mode, no Authorization: the cookie decides",
			map[string]string{"Cookie": good, "st-auth-mode": "header"}, nil, true, []string{tok.Access.Value}},
		{"the SDK's own frontend cookies are not the access cookie",
			map[string]string{"Cookie": "st-access-token=" + tok.Access.Value + "; sFrontToken=x"}, nil, false, []string{}},
		{"malformed bearer alone: not sent to the engine", map[string]string{"Authorization": "Bearer " + good}, nil, false, nil},
		{"another scheme alone: no credential", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, nil, false, []string{}},
		{"two Authorization headers", nil, map[string][]string{"Authorization": {bearer, bearer}}, false, nil},
		{"two Authorization headers beside a good cookie",
			nil, map[string][]string{"Authorization": {staleBearer, bearer}, "Cookie": {good}, "st-auth-mode": {"header"}}, true, []string{tok.Access.Value}},
		{"multiValueHeaders win over headers",
			map[string]string{"Authorization": staleBearer}, map[string][]string{"Authorization": {bearer}}, true, []string{tok.Access.Value}},
	}
	for _, c := range cases {
		for _, p := range []string{"rest", "http"} {
			if p == "http" && c.multi != nil {
				continue // payload 2.0 has no multiValueHeaders
			}
			t.Run(c.name+"/"+p, func(t *testing.T) {
				e.stub.resetCalls()
				var res result
				if p == "rest" {
					res = e.invoke(restEvent(t, ev{headers: c.headers, multi: c.multi}))
				} else {
					res = e.invoke(httpEvent(t, ev{headers: c.headers}))
				}
				if allowed(t, res) != c.allow {
					t.Fatalf("allow %v, want %v: %v %s", !c.allow, c.allow, res.err, res.raw)
				}
				if !c.allow && !isUnauthorized(res.err) {
					t.Fatalf("want Unauthorized, got %v %s", res.err, res.raw)
				}
				switch got := e.stub.allCalls(); {
				case c.engine == nil && len(got) != 0:
					t.Fatalf("the engine was called with %d values", len(got[0]))
				case c.engine != nil && (len(got) != 1 || !slices.Equal(got[0], c.engine)):
					t.Fatalf("the engine got %d calls, want one with %d values", len(got), len(c.engine))
				}
			})
		}
	}
}

// Anti-CSRF (docs/protocol.md#anti-csrf) applies to cookie requests only:
// a bearer token is no ambient credential.
func TestBearerAntiCSRF(t *testing.T) {
	e := newStubEnv(t, envOptions{})
	tok := e.signIn(sessiontest.UniqueUser("bearer-csrf"), nil, nil)
	stale := e.signIn(sessiontest.UniqueUser("bearer-csrf-stale"), nil, nil)
	e.revoke(stale)
	bearer := "Bearer " + tok.Access.Value
	foreign := map[string]string{"Origin": "https://evil.example"}
	for _, kind := range bearerKinds {
		for _, method := range []string{"POST", "DELETE", "PUT"} {
			res := e.invoke(bearerEvent(t, kind, bearer, method, "/api/items", foreign))
			if !allowed(t, res) {
				t.Fatalf("%s %s without rid from a foreign origin, bearer: %v %s", kind, method, res.err, res.raw)
			}
		}
	}
	for _, p := range []string{"rest", "http"} {
		// The same request with the cookie is refused...
		h := map[string]string{"Cookie": cookieHeader(tok.Access), "Origin": "https://evil.example"}
		if res := e.invoke(bearerEvent(t, p, "", "POST", "/api/items", h)); allowed(t, res) || res.err != nil {
			t.Fatalf("%s: cookie POST without rid: %v %s", p, res.err, res.raw)
		}
		// ...and so it is when the cookie decides beside a bearer token.
		h["Authorization"] = "Bearer " + stale.Access.Value
		if res := e.invoke(bearerEvent(t, p, "", "POST", "/api/items", h)); allowed(t, res) || res.err != nil {
			t.Fatalf("%s: cookie POST with a bearer beside it: %v %s", p, res.err, res.raw)
		}
		if body := e.invoke(bearerEvent(t, p, "", "POST", "/api/items", h)).context(t)["body"]; body != `{"message":"anti-csrf check failed"}` {
			t.Fatalf("%s: body %v", p, body)
		}
	}
}

// A rotated access token goes back the way it came: accessToken (and no
// cookie) to a bearer request, setCookie (and no accessToken) to a cookie
// request; frontToken to both, on Allow and on Deny.
func TestBearerRotation(t *testing.T) {
	e := newStubEnv(t, envOptions{rules: testRules})
	for _, kind := range bearerKinds {
		t.Run(kind, func(t *testing.T) {
			tok := e.signIn(sessiontest.UniqueUser("bearer-rotate"), []string{"viewer"}, map[string]any{"plan": "pro"})
			e.stub.rotateNext(tok.SessionID)
			res := e.invoke(bearerEvent(t, kind, "Bearer "+tok.Access.Value, "GET", "/api/me", nil))
			if !allowed(t, res) {
				t.Fatalf("rotation: %v %s", res.err, res.raw)
			}
			c := res.context(t)
			next, _ := c["accessToken"].(string)
			if next == "" || next == tok.Access.Value || c["setCookie"] != "" || c["frontToken"] == "" {
				t.Fatalf("rotation not handed back as a token: %s", res.raw)
			}
			// The new token is valid and needs no rotation.
			res = e.invoke(bearerEvent(t, kind, "Bearer "+next, "GET", "/api/me", nil))
			if !allowed(t, res) || res.context(t)["accessToken"] != "" || res.context(t)["frontToken"] != "" {
				t.Fatalf("the new token: %v %s", res.err, res.raw)
			}
			// Deny (a route rule) carries the rotation too.
			e.stub.rotateNext(tok.SessionID)
			res = e.invoke(bearerEvent(t, kind, "Bearer "+next, "DELETE", "/api/admin/x", nil))
			if res.err != nil || allowed(t, res) {
				t.Fatalf("want Deny: %v %s", res.err, res.raw)
			}
			c = res.context(t)
			if a, _ := c["accessToken"].(string); a == "" || c["setCookie"] != "" || c["frontToken"] == "" || !strings.Contains(c["body"].(string), "invalid claim") {
				t.Fatalf("Deny without the rotated token: %s", res.raw)
			}
		})
	}
	t.Run("cookie request", func(t *testing.T) {
		tok := e.signIn(sessiontest.UniqueUser("cookie-rotate"), nil, nil)
		e.stub.rotateNext(tok.SessionID)
		res := e.invoke(restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok.Access),
			"Authorization": "Bearer something-else"}}))
		c := res.context(t)
		if sc, _ := c["setCookie"].(string); !strings.HasPrefix(sc, e.access("")) || c["accessToken"] != "" || c["frontToken"] == "" {
			t.Fatalf("cookie rotation: %s", res.raw)
		}
	})
}

// A TOKEN event is decided on its methodArn: route rules see the ARN's
// method and path.
func TestTokenRules(t *testing.T) {
	e := newStubEnv(t, envOptions{rules: testRules})
	admin := e.signIn(sessiontest.UniqueUser("token-admin"), []string{"admin"}, map[string]any{"plan": "free"})
	viewer := e.signIn(sessiontest.UniqueUser("token-viewer"), []string{"viewer"}, map[string]any{"plan": "pro"})
	cases := []struct {
		tok          session.Tokens
		method, path string
		allow        bool
	}{
		{admin, "GET", "/api/admin/users", true},
		{viewer, "GET", "/api/admin/users", false},
		{viewer, "GET", "/api/reports/q1", true},
		{admin, "GET", "/api/reports/q1", false},
		{admin, "DELETE", "/api/reports/q1", false}, // roles admin and auditor
		{viewer, "POST", "/api/reports/q1", true},   // no rule for POST
	}
	for _, c := range cases {
		res := e.invoke(tokenEvent(t, "Bearer "+c.tok.Access.Value, c.method, c.path))
		if allowed(t, res) != c.allow {
			t.Fatalf("%s %s: allow %v, want %v: %v %s", c.method, c.path, !c.allow, c.allow, res.err, res.raw)
		}
		if !c.allow && !strings.Contains(res.context(t)["body"].(string), `"message":"invalid claim"`) {
			t.Fatalf("%s %s: Deny body %s", c.method, c.path, res.raw)
		}
	}
}
