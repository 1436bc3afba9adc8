package lambdaproxy_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// The self-service routes (GET /auth/sessions, DELETE /auth/sessions/{id},
// POST /auth/sessions/revoke-others) on the three transports, in cookie
// mode and in header mode, against a real redis-server. The REST and HTTP
// API events carry the {id} route as API Gateway does: resource or
// routeKey with the template, the id in pathParameters.

// credMode is how a client presents its access token.
type credMode struct {
	name   string
	header bool
	// present sets c's headers and cookies for access token a ("" for
	// none), as the SDK in that mode would send them.
	present func(c *call, a string)
}

var credModes = []credMode{
	{"cookie", false, func(c *call, a string) {
		c.header = sdkHeaders()
		c.cookies = nil
		if a != "" {
			c.cookies = []*http.Cookie{ac(a)}
		}
	}},
	{"header", true, func(c *call, a string) { c.header = headerSDK(a); c.cookies = nil }},
}

// forEachModeAndTransport runs f for every credential mode on every
// transport, each with its own env on one redis-server.
func forEachModeAndTransport(t *testing.T, f func(t *testing.T, e *env, tr transport, m credMode)) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	for _, m := range credModes {
		t.Run(m.name, func(t *testing.T) {
			for _, tr := range transports {
				t.Run(tr.name, func(t *testing.T) { f(t, newEnv(t, srv), retrying(tr), m) })
			}
		})
	}
}

func listCall(m credMode, access string) call {
	c := call{method: "GET", path: "/auth/sessions"}
	m.present(&c, access)
	return c
}

func endCall(m credMode, access, id string) call {
	c := call{method: "DELETE", path: "/auth/sessions/" + id, resource: "/auth/sessions/{id}", params: map[string]string{"id": id}}
	m.present(&c, access)
	return c
}

func revokeOthersCall(m credMode, access string) call {
	c := call{method: "POST", path: "/auth/sessions/revoke-others"}
	m.present(&c, access)
	return c
}

func wantList(t *testing.T, r result) []sessionhttp.ListedSession {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	var out sessionhttp.SessionList
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil || out.Sessions == nil {
		t.Fatalf("list body %s: %v", r.body, err)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a sessions list must not be cached: %v", r.header)
	}
	return out.Sessions
}

func ids(l []sessionhttp.ListedSession) string {
	var s []string
	for _, e := range l {
		s = append(s, e.ID)
	}
	return strings.Join(s, ",")
}

// wantUntouched checks a 401 of a protected route: nothing cleared, no
// front-token, no header token — the SDK refreshes and retries.
func wantUntouched(t *testing.T, r result, status int, body string) {
	t.Helper()
	wantJSON(t, r, status, body)
	if len(r.setCookies) != 0 || r.header.Get("front-token") != "" {
		t.Fatalf("%d must change no cookie: %q %v", status, r.setCookies, r.header)
	}
	wantNoHeaderTokens(t, r)
}

// wantEnded checks the sign-out answer of ending one's current session in
// mode m: 200 {"status":"OK"}, the mode's tokens cleared, front-token:
// remove.
func wantEnded(t *testing.T, r result, m credMode) {
	t.Helper()
	wantJSON(t, r, 200, `{"status":"OK"}`)
	if r.header.Get("front-token") != "remove" {
		t.Fatalf("front-token %q, want remove", r.header.Get("front-token"))
	}
	if m.header {
		wantHeadersCleared(t, r)
		if len(r.setCookies) != 0 {
			t.Fatalf("header mode: no cookie to clear, got %q", r.setCookies)
		}
	} else {
		wantCookiesCleared(t, r)
		wantNoHeaderTokens(t, r)
	}
}

func (e *env) create(t *testing.T, user, ua string) session.Tokens {
	t.Helper()
	tok, err := e.m.Create(context.Background(), session.CreateInput{UserID: user, UserAgent: ua})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *env) live(t *testing.T, tok session.Tokens) bool {
	t.Helper()
	_, err := e.m.Validate(context.Background(), tok.Access.Value)
	if err != nil && !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("validate: %v", err)
	}
	return err == nil
}

const chromeUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// A user sees and ends their own sessions, and never another user's: bob's
// sessions are never listed to alice, and alice's DELETE of bob's id gets
// exactly the answer of an id that does not exist.
func TestSelfServiceTwoUsers(t *testing.T) {
	forEachModeAndTransport(t, func(t *testing.T, e *env, tr transport, m credMode) {
		alice, bob := sessiontest.UniqueUser("alice"), sessiontest.UniqueUser("bob")
		a1 := e.create(t, alice, chromeUA)
		e.clock.Advance(time.Second)
		a2 := e.create(t, alice, "curl/8.5.0")
		b1 := e.create(t, bob, chromeUA)

		l := wantList(t, tr.do(t, e.h, listCall(m, a1.Access.Value)))
		if ids(l) != a1.SessionID+","+a2.SessionID || !l[0].Current || l[1].Current {
			t.Fatalf("alice's list %+v, want a1 (current) then a2", l)
		}
		if l[0].Agent != session.SummarizeUserAgent(chromeUA) || l[0].Agent == "" || l[1].Agent != session.SummarizeUserAgent("curl/8.5.0") {
			t.Fatalf("agents %q %q", l[0].Agent, l[1].Agent)
		}
		if now := e.clock.Now().UnixMilli(); l[0].CreatedAt > now || l[0].LastActiveAt < l[0].CreatedAt || l[0].ExpiresAt <= now {
			t.Fatalf("times %+v (now %d)", l[0], now)
		}
		if l := wantList(t, tr.do(t, e.h, listCall(m, b1.Access.Value))); ids(l) != b1.SessionID || !l[0].Current {
			t.Fatalf("bob's list %+v", l)
		}

		// Another user's id, an id that never existed (with alice's tag and
		// with bob's), an ended one and garbage: one and the same answer.
		foreign := tr.do(t, e.h, endCall(m, a1.Access.Value, b1.SessionID))
		wantJSON(t, foreign, 404, `{"message":"no such session"}`)
		garbage := []string{a1.SessionID[:8] + strings.Repeat("0", 24), b1.SessionID[:8] + strings.Repeat("f", 24), "not-a-session-id"}
		if tr.name != "http" {
			// An event's path is the path API Gateway decoded, and is not
			// decoded again: "%39…" is not the id "9…", and a NUL or a "%"
			// is a malformed id (404), not a malformed event (5xx).
			garbage = append(garbage, fmt.Sprintf("%%%02x", a2.SessionID[0])+a2.SessionID[1:], "\x00", "%", a2.SessionID+"%23x")
		}
		for _, id := range garbage {
			r := tr.do(t, e.h, endCall(m, a1.Access.Value, id))
			if r.status != foreign.status || r.body != foreign.body || len(r.setCookies) != 0 || r.header.Get("front-token") != "" {
				t.Fatalf("%s: %d %s differs from the answer for another user's session", id, r.status, r.body)
			}
		}
		if !e.live(t, b1) {
			t.Fatal("alice ended bob's session")
		}

		// Ending another of one's own: 200, nothing cleared.
		r := tr.do(t, e.h, endCall(m, a1.Access.Value, a2.SessionID))
		wantJSON(t, r, 200, `{"status":"OK"}`)
		wantCORS(t, r)
		if len(r.setCookies) != 0 || r.header.Get("front-token") == "remove" {
			t.Fatalf("ending another session must not end this one: %q %v", r.setCookies, r.header)
		}
		if e.live(t, a2) || !e.live(t, a1) {
			t.Fatal("a2 must be ended and a1 kept")
		}
		if r := tr.do(t, e.h, endCall(m, a1.Access.Value, a2.SessionID)); r.status != 404 || r.body != foreign.body {
			t.Fatalf("ending it twice: %d %s", r.status, r.body)
		}

		// Revoke the others: alice's other sessions end, bob's stay.
		a3 := e.create(t, alice, "")
		b2 := e.create(t, bob, "")
		r = tr.do(t, e.h, revokeOthersCall(m, a1.Access.Value))
		wantJSON(t, r, 200, `{"status":"OK","revoked":1}`)
		if len(r.setCookies) != 0 || e.live(t, a3) || !e.live(t, a1) || !e.live(t, b1) || !e.live(t, b2) {
			t.Fatalf("revoke-others: a3 live %v, a1 %v, b1 %v, b2 %v", e.live(t, a3), e.live(t, a1), e.live(t, b1), e.live(t, b2))
		}

		// Ending the current session is a sign-out.
		wantEnded(t, tr.do(t, e.h, endCall(m, a1.Access.Value, a1.SessionID)), m)
		if e.live(t, a1) {
			t.Fatal("the current session survived its own DELETE")
		}
		wantUntouched(t, tr.do(t, e.h, listCall(m, a1.Access.Value)), 401, `{"message":"unauthorised"}`)
		if l := wantList(t, tr.do(t, e.h, listCall(m, b1.Access.Value))); ids(l) != b1.SessionID+","+b2.SessionID {
			t.Fatalf("bob's sessions after alice's actions: %+v", l)
		}
	})
}

// A missing, forged, expired, revoked or ambiguous access token is a plain
// 401 that changes nothing (the SDK refreshes), on every route.
func TestSelfServiceUnauthorised(t *testing.T) {
	forEachModeAndTransport(t, func(t *testing.T, e *env, tr transport, m credMode) {
		alice, bob := sessiontest.UniqueUser("alice"), sessiontest.UniqueUser("bob")
		revoked := e.create(t, alice, "")
		if _, err := e.m.Revoke(context.Background(), revoked.SessionID); err != nil {
			t.Fatal(err)
		}
		stale := e.create(t, alice, "")
		e.clock.Advance(e.cfg.AccessTTL + time.Minute)
		a := e.create(t, alice, "")
		b := e.create(t, bob, "")
		cases := map[string]string{"missing": "", "forged": "forged-value", "revoked": revoked.Access.Value,
			"expired": stale.Access.Value, "refresh token as access": a.Refresh.Value}
		for name, tok := range cases {
			for _, c := range []call{listCall(m, tok), endCall(m, tok, a.SessionID), revokeOthersCall(m, tok)} {
				t.Run(name+" "+c.method, func(t *testing.T) {
					wantUntouched(t, tr.do(t, e.h, c), 401, `{"message":"unauthorised"}`)
				})
			}
		}
		if !m.header {
			// Cookie tossing: valid access cookies of two users.
			c := listCall(m, a.Access.Value)
			c.cookies = append(c.cookies, ac(b.Access.Value))
			wantUntouched(t, tr.do(t, e.h, c), 401, `{"message":"unauthorised"}`)
			c = endCall(m, a.Access.Value, b.SessionID)
			c.cookies = append(c.cookies, ac(b.Access.Value))
			wantUntouched(t, tr.do(t, e.h, c), 401, `{"message":"unauthorised"}`)
		}
		if !e.live(t, a) || !e.live(t, b) {
			t.Fatal("a refused request ended a session")
		}
	})
}

// Ending another session, or all others, needs a recent sign-in (403);
// listing and ending one's own do not. Validation that rotates the access
// token hands the new one back the way the old one came, on a 403 too.
func TestSelfServiceReauthAndRotation(t *testing.T) {
	forEachModeAndTransport(t, func(t *testing.T, e *env, tr transport, m credMode) {
		alice := sessiontest.UniqueUser("alice")
		a1 := e.create(t, alice, "")
		a2 := e.create(t, alice, "")
		// Past the reauthentication window and RotateAfter, inside AccessTTL.
		e.clock.Advance(e.cfg.ReauthWindow + time.Second)
		if e.cfg.ReauthWindow+time.Second <= e.cfg.RotateAfter || e.cfg.ReauthWindow+time.Second >= e.cfg.AccessTTL {
			t.Fatalf("test assumes RotateAfter < ReauthWindow < AccessTTL: %+v", e.cfg)
		}
		r := tr.do(t, e.h, endCall(m, a1.Access.Value, a2.SessionID))
		wantJSON(t, r, 403, `{"message":"reauthentication required"}`)
		access := rotatedAccess(t, e, r, m, alice)
		if !e.live(t, a2) {
			t.Fatal("a 403 ended the session")
		}
		r = tr.do(t, e.h, revokeOthersCall(m, access))
		wantJSON(t, r, 403, `{"message":"reauthentication required"}`)
		if !e.live(t, a2) {
			t.Fatal("a 403 ended the other sessions")
		}
		// The list needs no recent sign-in; with the rotated token it
		// rotates nothing more.
		r = tr.do(t, e.h, listCall(m, access))
		if l := wantList(t, r); len(l) != 2 || l[0].ID != a1.SessionID || !l[0].Current {
			t.Fatalf("list %+v", l)
		}
		if len(r.setCookies) != 0 || r.header.Get("front-token") != "" {
			t.Fatalf("nothing to rotate: %q %v", r.setCookies, r.header)
		}
		// Ending one's own session needs none either.
		wantEnded(t, tr.do(t, e.h, endCall(m, access, a1.SessionID)), m)
		if !e.live(t, a2) {
			t.Fatal("ending the current session ended another")
		}
	})
}

// rotatedAccess checks that r hands back a rotated access token the way
// the request's came — one access Set-Cookie line, or st-access-token —
// with its front-token, and returns it.
func rotatedAccess(t *testing.T, e *env, r result, m credMode, user string) string {
	t.Helper()
	var v string
	if m.header {
		v = only(t, r, "st-access-token")
		if len(r.setCookies) != 0 {
			t.Fatalf("header mode: Set-Cookie %q", r.setCookies)
		}
	} else {
		cs := parseSetCookies(t, r.setCookies)
		c := cs[names.AccessCookieName]
		if len(r.setCookies) != 1 || c == nil || c.MaxAge <= 0 || c.Path != "/" {
			t.Fatalf("want one new access cookie, got %q", r.setCookies)
		}
		v = c.Value
		wantNoHeaderTokens(t, r)
	}
	if info, err := e.m.InspectAccess(v); err != nil || info.Generation < 2 {
		t.Fatalf("rotated access token %+v %v", info, err)
	}
	if ft := sessiontest.DecodeFrontToken(t, r.header.Get("front-token")); ft.UID != user {
		t.Fatalf("front-token %+v", ft)
	}
	return v
}

// DELETE and POST need rid (and an allowed Origin) when a cookie carries
// the session, exactly as sign-out; a bearer-only request does not.
func TestSelfServiceAntiCSRF(t *testing.T) {
	forEachModeAndTransport(t, func(t *testing.T, e *env, tr transport, m credMode) {
		alice := sessiontest.UniqueUser("alice")
		a1 := e.create(t, alice, "")
		a2 := e.create(t, alice, "")
		for _, edit := range []func(h http.Header){
			func(h http.Header) { h.Del("rid") },
			func(h http.Header) { h.Set("Origin", "https://evil.example") },
		} {
			for _, c := range []call{endCall(m, a1.Access.Value, a2.SessionID), revokeOthersCall(m, a1.Access.Value)} {
				edit(c.header)
				r := tr.do(t, e.h, c)
				if m.header {
					if r.status != 200 {
						t.Fatalf("bearer-only %s %s: %d %s", c.method, c.path, r.status, r.body)
					}
					a2 = e.create(t, alice, "")
					continue
				}
				wantUntouched(t, r, 403, `{"message":"anti-csrf check failed"}`)
				if !e.live(t, a2) {
					t.Fatal("a request refused by anti-CSRF ended a session")
				}
			}
		}
		// GET is not state-changing: no rid needed.
		c := listCall(m, a1.Access.Value)
		c.header.Del("rid")
		wantList(t, tr.do(t, e.h, c))
	})
}

func TestSelfServicePreflight(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env, tr transport) {
		id := strings.Repeat("ab", 16)
		for _, c := range []struct {
			call
			want string // the route's method
		}{
			{call{path: "/auth/sessions"}, "GET"},
			{call{path: "/auth/sessions/" + id, resource: "/auth/sessions/{id}", params: map[string]string{"id": id}}, "DELETE"},
			{call{path: "/auth/sessions/revoke-others"}, "POST"},
		} {
			c.method = "OPTIONS"
			c.header = http.Header{"Origin": {appOrigin}, "Access-Control-Request-Method": {c.want},
				"Access-Control-Request-Headers": {"rid,fdi-version,st-auth-mode,authorization"}}
			r := tr.do(t, e.h, c.call)
			if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != appOrigin ||
				r.header.Get("Access-Control-Allow-Methods") != c.want+", OPTIONS" || len(r.setCookies) != 0 {
				t.Fatalf("%s preflight: %d %v", c.path, r.status, r.header)
			}
		}
	})
}

// A store failure is 503 + Retry-After, and changes no cookie or header
// token: an outage logs nobody out.
func TestSelfServiceStoreOutage(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	for _, m := range credModes {
		for _, tr := range transports {
			t.Run(m.name+"/"+tr.name, func(t *testing.T) {
				e := newEnv(t, srv)
				a := e.create(t, sessiontest.UniqueUser("alice"), "")
				srv.Stop()
				defer srv.Restart()
				for _, c := range []call{listCall(m, a.Access.Value), endCall(m, a.Access.Value, a.SessionID), revokeOthersCall(m, a.Access.Value)} {
					r := tr.do(t, e.h, c)
					if r.status != 503 || r.header.Get("Retry-After") == "" {
						t.Fatalf("%s %s during outage: %d %s", c.method, c.path, r.status, r.body)
					}
					if len(r.setCookies) != 0 || r.header.Get("front-token") != "" {
						t.Fatalf("an outage must not touch cookies: %q %v", r.setCookies, r.header)
					}
					wantNoHeaderTokens(t, r)
				}
			})
		}
	}
}
