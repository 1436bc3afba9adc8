package authorizer_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// cookieShapes render one request carrying copies ("name=value" each, in
// order) in every way API Gateway hands cookies to the authorizer: REST
// with one Cookie header, REST with one Cookie header per copy (headers
// keeps the last, multiValueHeaders all), and HTTP API payload 2.0 with the
// cookies array or with a cookie header.
var cookieShapes = []struct {
	name  string
	event func(t testing.TB, copies []string) []byte
}{
	{"rest/one header", func(t testing.TB, c []string) []byte {
		return restEvent(t, ev{headers: map[string]string{"Cookie": strings.Join(c, "; ")}})
	}},
	{"rest/multiValueHeaders", func(t testing.TB, c []string) []byte {
		return restEvent(t, ev{headers: map[string]string{"cookie": c[len(c)-1]}, multi: map[string][]string{"cookie": c}})
	}},
	{"http/cookies array", func(t testing.TB, c []string) []byte {
		return httpEvent(t, ev{cookies: c})
	}},
	{"http/cookie header", func(t testing.TB, c []string) []byte {
		return httpEvent(t, ev{headers: map[string]string{"cookie": strings.Join(c, "; ")}})
	}},
}

// lastDecision is the last "authorizer decision" log line of e.
func lastDecision(t testing.TB, e *env) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(e.logs.String()), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", lines[i])
		}
		if m["msg"] == "authorizer decision" {
			return m
		}
	}
	t.Fatal("no decision logged")
	return nil
}

// TestCookieTossing reproduces the cookie-tossing weaknesses of issue 16
// against the authorizer over the real session engine and redis-server, in
// every event shape (cookieShapes). A page on a sibling domain, or any
// plain-http page of the site, can plant cookies of the access cookie's
// unprefixed name; the browser then sends both copies, the planted one
// often first. Before, the first valid copy won (a login swap: the victim
// acts as the attacker), and 16 junk copies or 4 revoked authentic ones in
// front of the valid copy hid it (a 401, a denial of service).
func TestCookieTossing(t *testing.T) {
	e := newEnv(t, envOptions{})
	victimID := sessiontest.UniqueUser("victim")
	victim := e.signIn(victimID, nil, nil)
	other := e.signIn(victimID, nil, nil) // the victim's second session (another device, another Path)
	attacker := e.signIn(sessiontest.UniqueUser("attacker"), nil, nil)
	var revoked []string
	for range 20 {
		tok := e.signIn(sessiontest.UniqueUser("revoked"), nil, nil)
		e.revoke(tok)
		revoked = append(revoked, cookieHeader(tok.Access))
	}
	junk := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = e.access("x")
		}
		return out
	}
	// fits is how many junk copies fit in front of the victim's copy
	// within session.HeaderBudget.
	fits := (session.HeaderBudget - session.CookieCopySize(e.cfg.AccessCookieName, victim.Access.Value)) /
		session.CookieCopySize(e.cfg.AccessCookieName, "x")
	v, a := cookieHeader(victim.Access), cookieHeader(attacker.Access)

	cases := []struct {
		name   string
		copies []string
		want   string // "victim", or the reason of a 401
	}{
		{"attacker's valid copy, then the victim's: refused, not swapped", []string{a, v}, "ambiguous"},
		{"victim's valid copy, then the attacker's: refused", []string{v, a}, "ambiguous"},
		{"attacker's copy between two of the victim's sessions", []string{v, a, cookieHeader(other.Access)}, "ambiguous"},
		{"two sessions of one user: the first", []string{v, cookieHeader(other.Access)}, "victim"},
		{"the same copy twice", []string{v, v}, "victim"},
		{"4 revoked authentic copies before the valid one", append(append([]string{}, revoked[:4]...), v), "victim"},
		{"20 revoked authentic copies before the valid one", append(append([]string{}, revoked...), v), "victim"},
		{"only revoked copies", revoked[:4], "unknown"},
		{"16 junk copies before the valid one", append(junk(16), v), "victim"},
		{"junk filling the header budget before the valid one", append(junk(fits), v), "victim"},
		{"one junk copy more: the valid one is past the budget", append(junk(fits+1), v), "unknown"},
		{"the attacker's copy past the budget is never read", append(append(junk(fits), v), a), "victim"},
	}
	if fits < 400 {
		t.Fatalf("only %d junk copies fit in the budget", fits)
	}
	for _, c := range cases {
		for _, s := range cookieShapes {
			t.Run(c.name+"/"+s.name, func(t *testing.T) {
				res := e.invoke(s.event(t, c.copies))
				log := lastDecision(t, e)
				if c.want != "victim" {
					if !isUnauthorized(res.err) || log["reason"] != c.want {
						t.Fatalf("want Unauthorized with reason %s, got %v %s, log %v", c.want, res.err, res.raw, log)
					}
					return
				}
				if !allowed(t, res) || res.context(t)["userId"] != victimID || res.context(t)["sessionId"] != victim.SessionID {
					t.Fatalf("want the victim's first session: %v %s", res.err, res.raw)
				}
			})
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, victim.Access.Value) || strings.Contains(logs, attacker.Access.Value) {
		t.Fatal("a cookie reached the log")
	}
	if !strings.Contains(e.metrics.String(), `"Outcome":"unauthorized"`) {
		t.Fatal("no unauthorized metric")
	}
}

// With the unprefixed name a deployer may still configure
// (ACCESS_COOKIE_NAME=sAccessToken), 600 junk copies in front of the valid
// one stay within API Gateway's 10240 bytes, so the valid one counts.
func TestCookieTossingJunkUnprefixed(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *session.Config) { c.AccessCookieName, c.InsecureUnprefixedCookieNames = "sAccessToken", true }})
	tok := e.signIn(sessiontest.UniqueUser("junk"), nil, nil)
	copies := append(strings.Split(strings.Repeat("sAccessToken=x\n", 600), "\n")[:600], "sAccessToken="+tok.Access.Value)
	if n := len(strings.Join(copies, "; ")); n > 10240-len("Cookie: \r\n") {
		t.Fatalf("the test's Cookie header is %d bytes: more than API Gateway passes", n)
	}
	for _, s := range cookieShapes {
		t.Run(s.name, func(t *testing.T) {
			res := e.invoke(s.event(t, copies))
			if !allowed(t, res) || res.context(t)["sessionId"] != tok.SessionID {
				t.Fatalf("want Allow: %v %s", res.err, res.raw)
			}
		})
	}
}

// The default cookie names carry the prefixes browsers enforce
// (docs/protocol.md): the engine issues __Host-sAccessToken, the authorizer
// reads that name only — a copy under the unprefixed name, a prefix in
// another letter case, or __Secure-, which a sibling domain or a plain-http
// page could set, is no credential at all — and a rotated cookie keeps the
// name and the attributes the prefix requires.
func TestPrefixedCookieNames(t *testing.T) {
	e := newEnv(t, envOptions{})
	if want := session.HostCookiePrefix + "sAccessToken"; e.cfg.AccessCookieName != want {
		t.Fatalf("the default access cookie is %q, want %q", e.cfg.AccessCookieName, want)
	}
	tok := e.signIn(sessiontest.UniqueUser("prefix"), nil, nil)
	if tok.Access.Name != e.cfg.AccessCookieName {
		t.Fatalf("the engine issued %q", tok.Access.Name)
	}
	for _, s := range cookieShapes {
		t.Run(s.name, func(t *testing.T) {
			if res := e.invoke(s.event(t, []string{cookieHeader(tok.Access)})); !allowed(t, res) {
				t.Fatalf("the prefixed cookie: %v %s", res.err, res.raw)
			}
			for _, name := range []string{"sAccessToken", "__host-sAccessToken", "__HOST-SACCESSTOKEN", "__Secure-sAccessToken"} {
				res := e.invoke(s.event(t, []string{name + "=" + tok.Access.Value}))
				if log := lastDecision(t, e); !isUnauthorized(res.err) || log["reason"] != "no_session" {
					t.Fatalf("%s: want Unauthorized (no_session), got %v %s, log %v", name, res.err, res.raw, log)
				}
			}
		})
	}
	e.clock.Advance(e.cfg.RotateAfter + time.Second)
	res := e.invoke(restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok.Access)}}))
	if !allowed(t, res) {
		t.Fatalf("rotation: %v %s", res.err, res.raw)
	}
	nc := setCookieValue(t, res.context(t)["setCookie"].(string))
	if nc.Name != e.cfg.AccessCookieName || !nc.Secure || nc.Path != "/" || nc.Domain != "" {
		t.Fatalf("rotated cookie %+v: a __Host- cookie must be Secure, Path=/, without Domain", nc)
	}
}
