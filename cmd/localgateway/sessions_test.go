package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/deploy"
	"github.com/sessiongate/sessiongate/gatewayresponses"
	"github.com/sessiongate/sessiongate/internal/samtemplate"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// sessionList is the body of GET <base>/sessions.
type sessionList struct{ Sessions []sessionEntry }

type sessionEntry struct {
	ID                                 string
	CreatedAt, LastActiveAt, ExpiresAt int64
	Agent                              string
	Current                            bool
}

// TestSelfServiceSessions: the session API's self-service routes, which
// render adds to the definition (gatewayresponses.SessionRoutes), are
// served by the gateway as it serves every route of the definition — REST
// at the root, REST under a stage, and the HTTP API variant. After a demo
// sign-in (whose User-Agent reaches the session API), GET <base>/sessions
// lists the session with that agent's summary; one user cannot end
// another's session (404, the answer for an id that does not exist); a
// user ends one of their own other sessions, and all of them.
func TestSelfServiceSessions(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	const ua = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	for _, mode := range []struct {
		name, prefix string
		args         []string
	}{
		{"REST at the root", "", nil},
		{"REST under a stage", "/prod", []string{"-stage", "prod"}},
		{"HTTP API", "/prod", []string{"-http-api", "-stage", "prod"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			clock := sessiontest.NewClock()
			g := startGateway(t, map[string]string{"REDIS_URL": srv.URL()}, clock.Now, mode.args...)
			base := mode.prefix + session.DefaultConfig().APIBasePath
			routes := gatewayresponses.SessionRoutes(base)
			list, end, others := routes[2], routes[3], routes[4]
			if list.Method != "GET" || end.Method != "DELETE" || others.Method != "POST" {
				t.Fatalf("session routes %+v", routes)
			}
			endPath := func(id string) string {
				return strings.Replace(end.Path, "{"+gatewayresponses.SessionIDParam+"}", id, 1)
			}
			signInAs := func(user, agent string) *client {
				c := newClient(t, g.URL)
				body, _ := json.Marshal(map[string]any{"userId": user})
				if r := c.do("POST", base+"/demo/signin", string(body), "rid", "x", "User-Agent", agent); r.Status != 200 {
					t.Fatalf("demo sign-in: %d %s", r.Status, r.Body)
				}
				return c
			}
			sessions := func(c *client) sessionList {
				t.Helper()
				r := c.do(list.Method, list.Path, "", "Origin", g.URL)
				if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != g.URL {
					t.Fatalf("%s %s: %d %s %v", list.Method, list.Path, r.Status, r.Body, r.Header)
				}
				var l sessionList
				if err := json.Unmarshal(r.Body, &l); err != nil {
					t.Fatalf("%s: %v", r.Body, err)
				}
				return l
			}

			aliceID, bobID := sessiontest.UniqueUser("alice"), sessiontest.UniqueUser("bob")
			alice, bob := signInAs(aliceID, ua), signInAs(bobID, "curl/8.5.0")
			mine := sessions(alice)
			if len(mine.Sessions) != 1 || !mine.Sessions[0].Current || mine.Sessions[0].ID == "" {
				t.Fatalf("alice's sessions %+v", mine)
			}
			if want := session.SummarizeUserAgent(ua); want == "" || mine.Sessions[0].Agent != want {
				t.Errorf("agent %q, want %q: the sign-in's User-Agent did not reach the session API", mine.Sessions[0].Agent, want)
			}
			bobs := sessions(bob)
			if len(bobs.Sessions) != 1 || bobs.Sessions[0].ID == mine.Sessions[0].ID {
				t.Fatalf("bob's sessions %+v", bobs)
			}

			t.Run("the preflight of each path allows its method", func(t *testing.T) {
				for _, r := range []gatewayresponses.SessionRoute{list, end, others} {
					p := endPath(mine.Sessions[0].ID)
					if r.Path != end.Path {
						p = r.Path
					}
					res := alice.do("OPTIONS", p, "", "Origin", g.URL, "Access-Control-Request-Method", r.Method)
					if res.Status >= 300 || res.Header.Get("Access-Control-Allow-Origin") != g.URL ||
						!strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), r.Method) {
						t.Errorf("OPTIONS %s: %d %v", p, res.Status, res.Header)
					}
				}
			})
			t.Run("another user's session: 404, and it lives on", func(t *testing.T) {
				r := alice.do("DELETE", endPath(bobs.Sessions[0].ID), "", "rid", "x", "Origin", g.URL)
				if r.Status != 404 || r.JSON(t)["message"] != "no such session" {
					t.Fatalf("got %d %s", r.Status, r.Body)
				}
				if r := bob.do("GET", mode.prefix+"/api/me", ""); r.Status != 200 {
					t.Errorf("bob after alice's DELETE: %d %s", r.Status, r.Body)
				}
			})
			t.Run("ending one's own other session", func(t *testing.T) {
				laptop := signInAs(aliceID, "curl/8.5.0")
				l := sessions(alice)
				var other string
				for _, s := range l.Sessions {
					if !s.Current {
						other = s.ID
					}
				}
				if len(l.Sessions) != 2 || other == "" || !l.Sessions[0].Current {
					t.Fatalf("alice's sessions %+v, want the current one first and one other", l)
				}
				if r := alice.do("DELETE", endPath(other), "", "rid", "x", "Origin", g.URL); r.Status != 200 {
					t.Fatalf("got %d %s", r.Status, r.Body)
				}
				if r := laptop.do("GET", mode.prefix+"/api/me", ""); r.Status != 401 {
					t.Errorf("the ended session still works: %d", r.Status)
				}
			})
			t.Run("ending all others", func(t *testing.T) {
				phone := signInAs(aliceID, "curl/8.5.0")
				r := alice.do(others.Method, others.Path, "", "rid", "x", "Origin", g.URL)
				if r.Status != 200 || r.JSON(t)["revoked"] != float64(1) {
					t.Fatalf("got %d %s", r.Status, r.Body)
				}
				if r := phone.do("GET", mode.prefix+"/api/me", ""); r.Status != 401 {
					t.Errorf("the other session still works: %d", r.Status)
				}
				if l := sessions(alice); len(l.Sessions) != 1 || !l.Sessions[0].Current {
					t.Errorf("alice's sessions %+v, want only the current one", l)
				}
				sameID := func(a, b sessionEntry) bool { return a.ID == b.ID }
				if got := sessions(bob); !slices.EqualFunc(got.Sessions, bobs.Sessions, sameID) {
					t.Errorf("bob's sessions changed: %+v", got)
				}
			})
		})
	}
}

// TestSessionLimitsFromTheTemplate: the per-user session limit and the
// reauthentication window of the in-process functions come from the same
// place as the deployed ones — the template's SessionMaxPerUser and
// SessionReauthWindow parameters, through Globals — never from a default
// of the local gateway: their Defaults, and a value given with -param,
// reach both functions' configurations; the gateway's own environment
// overrides them and says so.
func TestSessionLimitsFromTheTemplate(t *testing.T) {
	tpl, err := samtemplate.Parse(deploy.Template)
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{}
	for _, p := range tpl.Parameters() {
		defaults[p.Name] = p.Default
	}
	for _, c := range []struct {
		name     string
		env      map[string]string
		args     []string
		max      string
		window   string
		override bool
	}{
		{"the template's defaults", nil, nil, defaults["SessionMaxPerUser"], defaults["SessionReauthWindow"], false},
		{"-param", nil, []string{"-param", "SessionMaxPerUser=7", "-param", "SessionReauthWindow=3m"}, "7", "3m", false},
		{"the gateway's environment", map[string]string{"SESSION_MAX_PER_USER": "5", "SESSION_REAUTH_WINDOW": "2m"}, nil, "5", "2m", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.max == "" || c.window == "" {
				t.Fatalf("the deployed template has no SessionMaxPerUser or SessionReauthWindow default: %v", defaults)
			}
			env := map[string]string{"SESSION_KEYS": sessiontest.Keys(t)}
			for k, v := range c.env {
				env[k] = v
			}
			st := configureFor(t, env, c.args...)
			window, err := time.ParseDuration(c.window)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{authorizerFunction, sessionAPIFunction} {
				cfg, ok := st.configs[id]
				if !ok {
					t.Fatalf("no configuration for %s", id)
				}
				if strconv.Itoa(cfg.MaxSessionsPerUser) != c.max || cfg.ReauthWindow != window {
					t.Errorf("%s: MaxSessionsPerUser %d, ReauthWindow %s; want %s and %s", id, cfg.MaxSessionsPerUser, cfg.ReauthWindow, c.max, window)
				}
			}
			overridden := slices.Contains(st.overridden, "SESSION_MAX_PER_USER") && slices.Contains(st.overridden, "SESSION_REAUTH_WINDOW")
			if overridden != c.override {
				t.Errorf("overridden %q", st.overridden)
			}
		})
	}
}

// TestLogSaltShared: the in-process authorizer and session API hash ids in
// their logs with one salt, as the deployed template gives both one
// LOG_SALT: the gateway's LOG_SALT when set, else one drawn for the run
// (the template's is a secret only the stack has, which the gateway sets
// locally instead and says so).
func TestLogSaltShared(t *testing.T) {
	keys := sessiontest.Keys(t)
	st := configureFor(t, map[string]string{"SESSION_KEYS": keys, "LOG_SALT": "pepper"})
	if string(st.logSalt) != "pepper" {
		t.Errorf("logSalt %q, want the gateway's LOG_SALT", st.logSalt)
	}
	a := configureFor(t, map[string]string{"SESSION_KEYS": keys})
	b := configureFor(t, map[string]string{"SESSION_KEYS": keys})
	if len(a.logSalt) != 32 || string(a.logSalt) == string(b.logSalt) {
		t.Errorf("without LOG_SALT: salts %x and %x, want 32 random bytes per run", a.logSalt, b.logSalt)
	}
	if !slices.Contains(a.overridden, "LOG_SALT") {
		t.Errorf("overridden %q lacks LOG_SALT, which the template sets", a.overridden)
	}
}
