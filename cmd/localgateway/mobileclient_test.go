package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// Header mode, as a mobile app uses it: no cookie jar, the tokens kept by
// the app from response headers and sent back as Authorization: Bearer.
// The rules the client follows are the SuperTokens SDKs' (supertokens-website
// in frontend-example/node_modules, which supertokens-react-native shares):
//
//   - every request carries st-auth-mode: header, and the session API calls
//     (sign-in, refresh, sign-out) carry rid: session;
//   - st-access-token / st-refresh-token in any response replace the stored
//     token (an empty value removes it); front-token: remove clears everything;
//   - an API call sends Authorization: Bearer <access token>; on a 401 the
//     client calls POST /auth/session/refresh once, with Authorization:
//     Bearer <refresh token>, and retries the call once;
//   - a refresh that answers 401 clears everything (the user is signed out).

// mobileClient is a mobile app's HTTP layer. It has no cookie jar: a
// Set-Cookie header has no effect on it, as in an app that does not keep
// cookies.
type mobileClient struct {
	t    *testing.T
	base string
	hc   *http.Client

	access, refresh, front string // what the app stores
	refreshCalls           int    // refresh requests sent
}

func newMobileClient(t *testing.T, base string) *mobileClient {
	return &mobileClient{t: t, base: base, hc: &http.Client{Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// send makes one request with the header-mode headers and bearer (when not
// ""), stores the tokens the response carries, and returns it.
func (m *mobileClient) send(method, path, body, bearer string, hdr ...string) result {
	m.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, m.base+path, rd)
	if err != nil {
		m.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("st-auth-mode", "header")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := m.hc.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		m.t.Fatal(err)
	}
	r := result{Status: res.StatusCode, Header: res.Header, Body: b}
	m.store(r.Header)
	return r
}

// store keeps the tokens of a response as the SDK does: refresh token,
// access token, then front-token, each only when its header is present.
func (m *mobileClient) store(h http.Header) {
	if v, ok := single(m.t, h, "st-refresh-token"); ok {
		m.refresh = v
	}
	if v, ok := single(m.t, h, "st-access-token"); ok {
		m.access = v
	}
	if v, ok := single(m.t, h, "front-token"); ok {
		if v == session.FrontTokenRemove {
			m.access, m.refresh, m.front = "", "", ""
		} else {
			m.front = v
		}
	}
}

// single returns the one value of a response header. Two values would be
// joined by an app's HTTP stack and stored as a broken token: an error.
func single(t *testing.T, h http.Header, name string) (string, bool) {
	t.Helper()
	vs := h.Values(name)
	if len(vs) > 1 {
		t.Errorf("%d %s headers in one response", len(vs), name)
	}
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// signIn signs in through the demo route, asking for header mode.
func (m *mobileClient) signIn(user string, roles ...string) result {
	m.t.Helper()
	body, _ := json.Marshal(map[string]any{"userId": user, "roles": roles})
	return m.send("POST", "/auth/demo/signin", string(body), "", "rid", "session")
}

// mustSignIn signs in and stops the test unless the app now holds both
// tokens.
func (m *mobileClient) mustSignIn(user string, roles ...string) {
	m.t.Helper()
	r := m.signIn(user, roles...)
	if r.Status != 200 || m.access == "" || m.refresh == "" {
		m.t.Fatalf("sign-in in header mode: %d %s, access token %v, refresh token %v",
			r.Status, r.Body, m.access != "", m.refresh != "")
	}
}

// refreshOnce is the SDK's refresh call: the stored refresh token as the
// bearer, no body. A 401 clears everything, as the SDK does.
func (m *mobileClient) refreshOnce() result {
	m.t.Helper()
	m.refreshCalls++
	r := m.send("POST", "/auth/session/refresh", "", m.refresh, "rid", "session")
	if r.Status == http.StatusUnauthorized {
		m.access, m.refresh, m.front = "", "", ""
	}
	return r
}

// call is an API call: the access token as the bearer; on a 401, one
// refresh and, if it worked, one retry with the new access token. The
// answer is the retry's, else the refresh's (what the SDK hands the app).
func (m *mobileClient) call(method, path, body string, hdr ...string) result {
	m.t.Helper()
	r := m.send(method, path, body, m.access, hdr...)
	if r.Status != http.StatusUnauthorized || m.refresh == "" {
		return r
	}
	if rr := m.refreshOnce(); rr.Status != http.StatusOK {
		return rr
	}
	return m.send(method, path, body, m.access, hdr...)
}

// signOut is the SDK's sign-out: the access token as the bearer.
func (m *mobileClient) signOut() result {
	m.t.Helper()
	return m.send("POST", "/auth/signout", "", m.access, "rid", "session")
}

// wantNoCookies fails when a header-mode answer sets a cookie.
func wantNoCookies(t *testing.T, what string, r result) {
	t.Helper()
	if n := setCookieNames(r.Header); len(n) != 0 {
		t.Errorf("%s set cookies %q in header mode", what, n)
	}
}

// wantTokens fails unless r carries an access token, a refresh token (when
// refresh is true) and a front-token for user, each non-empty.
func wantTokens(t *testing.T, what string, r result, user string, refresh bool) {
	t.Helper()
	if r.Header.Get("st-access-token") == "" {
		t.Errorf("%s: no st-access-token", what)
	}
	if got := r.Header.Get("st-refresh-token"); refresh && got == "" {
		t.Errorf("%s: no st-refresh-token", what)
	} else if !refresh && len(r.Header.Values("st-refresh-token")) != 0 {
		t.Errorf("%s: an st-refresh-token header without a refresh", what)
	}
	ft := r.Header.Get("front-token")
	if ft == "" || ft == session.FrontTokenRemove {
		t.Fatalf("%s: front-token %q", what, ft)
	}
	if got := sessiontest.DecodeFrontToken(t, ft).UID; got != user {
		t.Errorf("%s: front-token uid %q, want %q", what, got, user)
	}
}

// echoOf decodes the echo backend's answer.
func echoOf(t *testing.T, r result) echoResponse {
	t.Helper()
	var e echoResponse
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("not the echo backend's answer: %v (%d)", err, r.Status)
	}
	return e
}

// mobileGateway starts the example API on a real redis-server with an
// injected clock and known keys, and returns it with a session.Manager on
// the same store and keys (to revoke sessions as an operator would).
func mobileGateway(t *testing.T) (*gw, *sessiontest.Clock, *session.Manager) {
	t.Helper()
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	clock := sessiontest.NewClock()
	keys := sessiontest.Keys(t)
	g := startGateway(t, map[string]string{"REDIS_URL": srv.URL(), "SESSION_KEYS": keys}, clock.Now, lifetimeFlags...)

	cfg := sessiontest.TestConfig(t)
	var err error
	if cfg.Keys, err = session.ParseKeys(keys); err != nil {
		t.Fatal(err)
	}
	return g, clock, sessiontest.NewManager(t, cfg, redistest.Store(t, srv, redisstore.Options{}), clock)
}

// The lifetimes of lifetimeFlags, which the clock crosses.
const (
	mobileRotateAfter = 5 * time.Minute
	mobileAccessTTL   = 15 * time.Minute
	mobileGrace       = 30 * time.Second
)

// TestMobileClientHeaderMode is a mobile app's whole session in header
// mode against the local gateway on real Redis: sign-in, calls, rotation
// in place, expiry → one refresh → retry, sign-out.
func TestMobileClientHeaderMode(t *testing.T) {
	g, clock, _ := mobileGateway(t)
	m := newMobileClient(t, g.URL)
	user := sessiontest.UniqueUser("mobile")

	t.Run("sign-in in header mode: tokens in headers, no cookie", func(t *testing.T) {
		r := m.signIn(user, "user")
		if r.Status != 200 {
			t.Fatalf("sign-in: %d %s", r.Status, r.Body)
		}
		wantNoCookies(t, "sign-in", r)
		wantTokens(t, "sign-in", r, user, true)
		if m.access == m.refresh {
			t.Errorf("the access and refresh tokens are the same value")
		}
	})
	if m.access == "" || m.refresh == "" {
		t.Fatalf("signed in without tokens: nothing else can run")
	}

	var sessionID string
	t.Run("the bearer reaches /api/me as the user", func(t *testing.T) {
		r := m.call("GET", "/api/me", "", "x-user-id", "mallory")
		if r.Status != 200 {
			t.Fatalf("me: %d %s", r.Status, r.Body)
		}
		e := echoOf(t, r)
		if e.Headers["x-user-id"] != user || e.Headers["x-user-roles"] != "user" || e.Headers["x-session-id"] == "" {
			t.Errorf("mapped headers: user %q roles %q session id set %v",
				e.Headers["x-user-id"], e.Headers["x-user-roles"], e.Headers["x-session-id"] != "")
		}
		if _, ok := e.Headers["authorization"]; ok {
			t.Errorf("the backend received the client's Authorization header")
		}
		sessionID = e.Headers["x-session-id"]
		if m.refreshCalls != 0 {
			t.Errorf("a fresh token was refreshed")
		}
		wantNoCookies(t, "me", r)
		if r.Header.Get("st-access-token") != "" || r.Header.Get("front-token") != "" {
			t.Errorf("a fresh token was rotated")
		}
	})
	t.Run("the Lambda backend sees the same identity", func(t *testing.T) {
		r := m.call("GET", "/api/lambda-me", "")
		if r.Status != 200 || !strings.Contains(string(r.Body), user) {
			t.Fatalf("lambda-me: %d %s", r.Status, r.Body)
		}
	})

	t.Run("rotation in place: a new st-access-token, no refresh", func(t *testing.T) {
		before, refreshBefore := m.access, m.refresh
		clock.Advance(mobileRotateAfter + time.Second)
		r := m.call("GET", "/api/me", "")
		if r.Status != 200 {
			t.Fatalf("me after rotate-after: %d %s", r.Status, r.Body)
		}
		wantNoCookies(t, "rotation", r)
		wantTokens(t, "rotation", r, user, false)
		if m.access == before {
			t.Errorf("the access token was not replaced")
		}
		if m.refresh != refreshBefore || m.refreshCalls != 0 {
			t.Errorf("rotation went through the refresh route")
		}
		if e := echoOf(t, r); e.Headers["x-user-id"] != user || e.Headers["x-session-id"] != sessionID {
			t.Errorf("rotation changed the identity: user %q, same session %v", e.Headers["x-user-id"], e.Headers["x-session-id"] == sessionID)
		}
		// The new token is the current one: no second rotation.
		r = m.call("GET", "/api/me", "")
		if r.Status != 200 || r.Header.Get("st-access-token") != "" {
			t.Errorf("after rotation: %d, rotated again: %v", r.Status, r.Header.Get("st-access-token") != "")
		}
	})

	t.Run("rotation through a Lambda proxy backend: st-access-token too", func(t *testing.T) {
		before := m.access
		clock.Advance(mobileRotateAfter + time.Second)
		r := m.call("GET", "/api/lambda-me", "")
		if r.Status != 200 || !strings.Contains(string(r.Body), user) {
			t.Fatalf("lambda-me after rotate-after: %d %s", r.Status, r.Body)
		}
		wantNoCookies(t, "rotation via the Lambda backend", r)
		wantTokens(t, "rotation via the Lambda backend", r, user, false)
		if m.access == before || m.refreshCalls != 0 {
			t.Errorf("access token replaced %v, refresh calls %d", m.access != before, m.refreshCalls)
		}
		if r := m.call("GET", "/api/me", ""); r.Status != 200 || r.Header.Get("st-access-token") != "" {
			t.Errorf("after rotation: %d, rotated again: %v", r.Status, r.Header.Get("st-access-token") != "")
		}
	})

	t.Run("expiry: 401, one refresh with the refresh bearer, one retry", func(t *testing.T) {
		access, refresh := m.access, m.refresh
		clock.Advance(mobileAccessTTL + time.Second)
		// The expired call's 401 must leave the app something to refresh
		// with: no front-token: remove, no emptied token headers.
		r := newMobileClient(t, g.URL).send("GET", "/api/me", "", access)
		if r.Status != 401 {
			t.Fatalf("me with an expired access token: %d %s", r.Status, r.Body)
		}
		for _, h := range []string{"front-token", "st-access-token", "st-refresh-token"} {
			if len(r.Header.Values(h)) != 0 {
				t.Errorf("the expiry 401 carries %s", h)
			}
		}
		r = m.call("GET", "/api/me", "")
		if r.Status != 200 {
			t.Fatalf("me after refresh and retry: %d %s", r.Status, r.Body)
		}
		if m.refreshCalls != 1 {
			t.Errorf("refresh calls: %d, want 1", m.refreshCalls)
		}
		if m.access == access || m.refresh == refresh {
			t.Errorf("refresh did not rotate both tokens (access new %v, refresh new %v)", m.access != access, m.refresh != refresh)
		}
		if e := echoOf(t, r); e.Headers["x-user-id"] != user || e.Headers["x-session-id"] != sessionID {
			t.Errorf("refresh changed the identity: user %q, same session %v", e.Headers["x-user-id"], e.Headers["x-session-id"] == sessionID)
		}
	})

	t.Run("the refresh answer: all three tokens in headers, no cookie", func(t *testing.T) {
		clock.Advance(mobileAccessTTL + time.Second)
		r := m.refreshOnce()
		if r.Status != 200 {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		wantNoCookies(t, "refresh", r)
		wantTokens(t, "refresh", r, user, true)
		if r := m.call("GET", "/api/me", ""); r.Status != 200 {
			t.Errorf("me after refresh: %d", r.Status)
		}
	})

	t.Run("an access token is not a refresh token, nor the reverse", func(t *testing.T) {
		// Sent by another client, so that a 401's front-token: remove
		// does not clear this app's tokens.
		other := newMobileClient(t, g.URL)
		if r := other.send("GET", "/api/me", "", m.refresh); r.Status != 401 {
			t.Errorf("me with the refresh token as bearer: %d", r.Status)
		}
		if r := other.send("POST", "/auth/session/refresh", "", m.access, "rid", "session"); r.Status != 401 {
			t.Errorf("refresh with the access token as bearer: %d", r.Status)
		}
		if r := m.call("GET", "/api/me", ""); r.Status != 200 || m.refreshCalls != 2 {
			t.Errorf("the session after the mix-up: %d, refresh calls %d", r.Status, m.refreshCalls)
		}
	})

	t.Run("sign-out with the access bearer ends the session", func(t *testing.T) {
		if m.access == "" {
			t.Fatalf("signed out before sign-out")
		}
		access, refresh := m.access, m.refresh
		r := m.signOut()
		if r.Status != 200 || r.Header.Get("front-token") != session.FrontTokenRemove {
			t.Fatalf("sign-out: %d %s, front-token %q", r.Status, r.Body, r.Header.Get("front-token"))
		}
		if m.access != "" || m.refresh != "" || m.front != "" {
			t.Errorf("sign-out left tokens in the app")
		}
		// Replayed by someone who kept them, neither token works.
		other := newMobileClient(t, g.URL)
		if r := other.send("GET", "/api/me", "", access); r.Status != 401 {
			t.Errorf("me with the signed-out access token: %d", r.Status)
		}
		if r := other.send("POST", "/auth/session/refresh", "", refresh, "rid", "session"); r.Status != 401 {
			t.Errorf("refresh with the signed-out refresh token: %d", r.Status)
		}
	})
}

// TestMobileClientTheft: a refresh token replayed after its successor was
// used, outside the grace window, is theft; the whole session ends, for
// the thief and the app alike.
func TestMobileClientTheft(t *testing.T) {
	g, clock, _ := mobileGateway(t)
	m := newMobileClient(t, g.URL)
	user := sessiontest.UniqueUser("stolen")
	m.mustSignIn(user)
	stolen := m.refresh

	clock.Advance(mobileAccessTTL + time.Second)
	if r := m.call("GET", "/api/me", ""); r.Status != 200 || m.refreshCalls != 1 {
		t.Fatalf("me after expiry: %d, refresh calls %d", r.Status, m.refreshCalls)
	}
	if m.refresh == stolen {
		t.Fatalf("the refresh token was not rotated")
	}
	// The successor's access token has been used (the retry above). Inside
	// the grace window a replay of the old refresh token is a lost response,
	// not theft.
	thief := newMobileClient(t, g.URL)
	thief.refresh = stolen
	if r := thief.refreshOnce(); r.Status != 200 {
		t.Fatalf("the old refresh token inside the grace window: %d %s", r.Status, r.Body)
	}
	if r := m.call("GET", "/api/me", ""); r.Status != 200 {
		t.Fatalf("the app after a replay inside the grace window: %d %s", r.Status, r.Body)
	}

	clock.Advance(mobileGrace + time.Second)
	thief.refresh = stolen
	r := thief.refreshOnce()
	if r.Status != 401 || r.JSON(t)["message"] != "token theft detected" {
		t.Fatalf("the old refresh token outside the grace window: %d %s", r.Status, r.Body)
	}
	wantNoCookies(t, "theft", r)
	if r := m.send("GET", "/api/me", "", m.access); r.Status != 401 {
		t.Errorf("the app's access token after theft: %d", r.Status)
	}
	if r := m.refreshOnce(); r.Status != 401 {
		t.Errorf("the app's refresh token after theft: %d", r.Status)
	}
	if m.access != "" || m.refresh != "" {
		t.Errorf("the app kept tokens after its refresh answered 401")
	}
}

// TestMobileClientRevocation: an operator revokes the session (one, or all
// of a user's); the app's next call is 401, its one refresh is 401 too, and
// it ends signed out.
func TestMobileClientRevocation(t *testing.T) {
	g, _, mgr := mobileGateway(t)
	ctx := context.Background()

	t.Run("one session", func(t *testing.T) {
		m := newMobileClient(t, g.URL)
		m.mustSignIn(sessiontest.UniqueUser("revoked"))
		r := m.call("GET", "/api/me", "")
		if r.Status != 200 {
			t.Fatalf("me: %d %s", r.Status, r.Body)
		}
		id := echoOf(t, r).Headers["x-session-id"]
		if ok, err := mgr.Revoke(ctx, id); err != nil || !ok {
			t.Fatalf("revoke: %v, %v", ok, err)
		}
		if r := m.call("GET", "/api/me", ""); r.Status != 401 {
			t.Errorf("me after revocation: %d %s", r.Status, r.Body)
		}
		if m.refreshCalls != 1 || m.access != "" || m.refresh != "" {
			t.Errorf("after revocation: %d refresh calls, tokens kept %v", m.refreshCalls, m.access != "" || m.refresh != "")
		}
	})

	t.Run("every session of a user", func(t *testing.T) {
		user := sessiontest.UniqueUser("everywhere")
		phone, tablet := newMobileClient(t, g.URL), newMobileClient(t, g.URL)
		for _, c := range []*mobileClient{phone, tablet} {
			c.mustSignIn(user)
			if r := c.call("GET", "/api/me", ""); r.Status != 200 {
				t.Fatalf("me: %d %s", r.Status, r.Body)
			}
		}
		if n, err := mgr.RevokeUser(ctx, user); err != nil || n != 2 {
			t.Fatalf("revoke user: %d, %v", n, err)
		}
		for _, c := range []*mobileClient{phone, tablet} {
			if r := c.call("GET", "/api/me", ""); r.Status != 401 {
				t.Errorf("me after log-out-everywhere: %d", r.Status)
			}
		}
	})
}

// TestMobileClientNoRID: anti-CSRF does not apply to bearer requests (a
// bearer token is not an ambient credential a cross-site page can make the
// browser send), so an app that never sends rid still reaches a POST
// route; the route rules still apply.
func TestMobileClientNoRID(t *testing.T) {
	g, _, _ := mobileGateway(t)
	admin, viewer := newMobileClient(t, g.URL), newMobileClient(t, g.URL)
	admin.mustSignIn(sessiontest.UniqueUser("root"), "admin")
	viewer.mustSignIn(sessiontest.UniqueUser("viewer"), "viewer")
	r := admin.call("POST", "/api/admin", `{"x":1}`)
	if r.Status != 200 {
		t.Fatalf("admin POST without rid: %d %s", r.Status, r.Body)
	}
	if e := echoOf(t, r); e.Method != "POST" || e.Headers["x-user-roles"] != "admin" {
		t.Errorf("echo: %s %q", e.Method, e.Headers["x-user-roles"])
	}
	r = viewer.call("POST", "/api/admin", `{"x":1}`)
	if r.Status != 403 || r.JSON(t)["message"] != "invalid claim" {
		t.Errorf("viewer POST without rid: %d %s", r.Status, r.Body)
	}
	if viewer.refreshCalls != 0 || viewer.access == "" {
		t.Errorf("a 403 must not refresh or sign out")
	}
}
