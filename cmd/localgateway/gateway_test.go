package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// lifetimes given as flags, so the flags are exercised too.
var lifetimeFlags = []string{"-access-ttl", "15m", "-rotate-after", "5m", "-grace", "30s", "-idle-timeout", "1h"}

// TestFlowRealRedis runs the example API's whole flow (README.md, "The
// local gateway") through the gateway against a real redis-server,
// including an outage.
func TestFlowRealRedis(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{Persist: true})
	clock := sessiontest.NewClock()
	g := startGateway(t, map[string]string{"REDIS_URL": srv.URL()}, clock.Now, lifetimeFlags...)
	runFlow(t, g, clock, func(c *client) {
		t.Run("store outage", func(t *testing.T) { storeOutage(t, g, c, srv) })
	})
	if strings.Contains(g.Stderr.String(), "REDIS_URL is not set") {
		t.Errorf("REDIS_URL set, but the embedded store was used:\n%s", g.Stderr)
	}
}

// TestFlowEmbeddedStore runs the same flow on the embedded store, which
// proves session/redisstore's Lua scripts and commands work on it.
func TestFlowEmbeddedStore(t *testing.T) {
	clock := sessiontest.NewClock()
	g := startGateway(t, map[string]string{}, clock.Now, lifetimeFlags...)
	runFlow(t, g, clock, nil)
	for _, want := range []string{"warning: REDIS_URL is not set", "warning: SESSION_KEYS is not set"} {
		if !strings.Contains(g.Stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, g.Stderr)
		}
	}
}

func signIn(t *testing.T, c *client, user string, roles ...string) result {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"userId": user, "roles": roles})
	r := c.do("POST", "/auth/demo/signin", string(body), "rid", "session")
	if r.Status != 200 {
		t.Fatalf("demo sign-in: %d %s", r.Status, r.Body)
	}
	return r
}

func runFlow(t *testing.T, g *gw, clock *sessiontest.Clock, beforeSignOut func(*client)) {
	c := newClient(t, g.URL)
	origin := g.URL

	t.Run("public status", func(t *testing.T) {
		r := c.do("GET", "/public/status", "")
		if r.Status != 200 || r.JSON(t)["status"] != "ok" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("me without cookie is 401 with CORS", func(t *testing.T) {
		r := c.do("GET", "/api/me", "", "Origin", origin)
		if r.Status != 401 || r.JSON(t)["message"] != "Unauthorized" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if r.Header.Get("Access-Control-Allow-Origin") != origin || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("CORS headers: %v", r.Header)
		}
		if !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "front-token") {
			t.Errorf("front-token not exposed: %v", r.Header)
		}
		if len(r.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("401 after Unauthorized carries cookies: %v", r.Header.Values("Set-Cookie"))
		}
	})

	user := sessiontest.UniqueUser("alice")
	t.Run("demo sign-in", func(t *testing.T) {
		r := signIn(t, c, user, "user")
		if got := setCookieNames(r.Header); !slices.Equal(got, []string{g.Access, g.Refresh}) {
			t.Errorf("Set-Cookie lines: %q", r.Header.Values("Set-Cookie"))
		}
		if ft := sessiontest.DecodeFrontToken(t, r.Header.Get("front-token")); ft.UID != user {
			t.Errorf("front-token uid %q", ft.UID)
		}
	})
	t.Run("me maps the user and overrides a forged x-user-id", func(t *testing.T) {
		r := c.do("GET", "/api/me", "", "x-user-id", "mallory", "Origin", origin)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		var echo echoResponse
		if err := json.Unmarshal(r.Body, &echo); err != nil {
			t.Fatal(err)
		}
		if echo.Headers["x-user-id"] != user || echo.Headers["x-user-roles"] != "user" || echo.Headers["x-session-id"] == "" {
			t.Errorf("mapped headers: %v", echo.Headers)
		}
		if echo.Method != "GET" || echo.Path != "/api/me" {
			t.Errorf("echo: %+v", echo)
		}
		if _, ok := echo.Headers["cookie"]; ok {
			t.Errorf("the HTTP (non-proxy) backend received the client's cookies")
		}
		if len(r.Header.Values("Set-Cookie")) != 0 || r.Header.Get("front-token") != "" {
			t.Errorf("fresh token rotated: %v", r.Header)
		}
	})
	t.Run("rotation after rotate-after", func(t *testing.T) {
		before := c.cookie("/", g.Access)
		clock.Advance(5*time.Minute + time.Second)
		r := c.do("GET", "/api/me", "")
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if got := setCookieNames(r.Header); !slices.Equal(got, []string{g.Access}) {
			t.Fatalf("Set-Cookie lines after rotate-after: %q", r.Header.Values("Set-Cookie"))
		}
		if ft := sessiontest.DecodeFrontToken(t, r.Header.Get("front-token")); ft.UID != user {
			t.Errorf("front-token uid %q", ft.UID)
		}
		if after := c.cookie("/", g.Access); after == before || after == "" {
			t.Errorf("access cookie not replaced")
		}
		if r := c.do("GET", "/api/me", ""); r.Status != 200 || len(r.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("after rotation: %d, Set-Cookie %q", r.Status, r.Header.Values("Set-Cookie"))
		}
	})
	t.Run("non-admin POST /api/admin is 403 invalid claim", func(t *testing.T) {
		r := c.do("POST", "/api/admin", "{}", "rid", "x", "Origin", origin)
		if r.Status != 403 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		m := r.JSON(t)
		errs, _ := m["claimValidationErrors"].([]any)
		if m["message"] != "invalid claim" || len(errs) == 0 {
			t.Errorf("body %s", r.Body)
		}
		if r.Header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("403 without CORS: %v", r.Header)
		}
	})
	t.Run("POST without rid is 403 anti-csrf", func(t *testing.T) {
		r := c.do("POST", "/api/admin", "{}")
		if r.Status != 403 || r.JSON(t)["message"] != "anti-csrf check failed" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("admin POST /api/admin reaches the backend", func(t *testing.T) {
		admin := newClient(t, g.URL)
		signIn(t, admin, sessiontest.UniqueUser("root"), "admin")
		r := admin.do("POST", "/api/admin", `{"x":1}`, "rid", "x", "Origin", origin)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		var echo echoResponse
		if err := json.Unmarshal(r.Body, &echo); err != nil || echo.Method != "POST" || echo.Headers["x-user-roles"] != "admin" {
			t.Errorf("echo %s (%v)", r.Body, err)
		}
	})
	t.Run("lambda proxy backend shows the identity", func(t *testing.T) {
		r := c.do("GET", "/api/lambda-me", "", "x-user-id", "mallory")
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if !strings.Contains(string(r.Body), user) || strings.Contains(string(r.Body), "mallory") {
			t.Errorf("body %s", r.Body)
		}
	})
	t.Run("refresh", func(t *testing.T) {
		r := c.do("POST", "/auth/session/refresh", "", "rid", "session", "Origin", origin)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if got := setCookieNames(r.Header); !slices.Equal(got, []string{g.Access, g.Refresh}) {
			t.Errorf("Set-Cookie lines: %q", r.Header.Values("Set-Cookie"))
		}
		if r := c.do("GET", "/api/me", ""); r.Status != 200 {
			t.Errorf("me after refresh: %d", r.Status)
		}
	})
	if beforeSignOut != nil {
		beforeSignOut(c)
	}
	t.Run("sign-out", func(t *testing.T) {
		r := c.do("POST", "/auth/signout", "", "rid", "session", "Origin", origin)
		if r.Status != 200 || r.Header.Get("front-token") != "remove" {
			t.Fatalf("got %d %s %v", r.Status, r.Body, r.Header)
		}
		if r := c.do("GET", "/api/me", ""); r.Status != 401 {
			t.Errorf("me after sign-out: %d", r.Status)
		}
	})
}

// storeOutage stops Redis: the authorizer fails closed with a 5xx and no
// cookie changes; after a restart the same cookies work again.
func storeOutage(t *testing.T, g *gw, c *client, srv *sessiontest.Server) {
	access, refresh := c.cookie("/", g.Access), c.cookie("/auth/session/refresh", g.Refresh)
	srv.Stop()
	r := c.do("GET", "/api/me", "")
	if r.Status < 500 || len(r.Header.Values("Set-Cookie")) != 0 || r.Header.Get("front-token") != "" {
		t.Errorf("me during outage: %d, Set-Cookie %q", r.Status, r.Header.Values("Set-Cookie"))
	}
	if r.Header.Get("x-amzn-ErrorType") != "AuthorizerConfigurationException" {
		t.Errorf("x-amzn-ErrorType %q", r.Header.Get("x-amzn-ErrorType"))
	}
	r = c.do("POST", "/auth/session/refresh", "", "rid", "session")
	if r.Status < 500 || len(r.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("refresh during outage: %d, Set-Cookie %q", r.Status, r.Header.Values("Set-Cookie"))
	}
	if c.cookie("/", g.Access) != access || c.cookie("/auth/session/refresh", g.Refresh) != refresh {
		t.Fatalf("cookies changed during the outage")
	}
	srv.Restart()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r = c.do("GET", "/api/me", "")
		if r.Status == http.StatusOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r.Status != http.StatusOK {
		t.Fatalf("me after restart: %d %s", r.Status, r.Body)
	}
	if c.cookie("/", g.Access) != access {
		t.Errorf("access cookie changed across the outage")
	}
}
