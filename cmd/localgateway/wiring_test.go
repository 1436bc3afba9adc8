package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// TestHTTPAPIFlag runs `localgateway -http-api -stage prod`: the embedded
// deploy/httpapi-openapi.json with HTTP API semantics, its functions
// configured from the embedded template, the rendered rules enforced,
// under the stage, against a real redis-server.
func TestHTTPAPIFlag(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	clock := sessiontest.NewClock()
	g := startGateway(t, map[string]string{"REDIS_URL": srv.URL()}, clock.Now, "-http-api", "-stage", "prod")
	if !strings.Contains(g.Stderr.String(), "serving deploy/httpapi-openapi.json (embedded) under /prod (stage prod) with HTTP API semantics") {
		t.Errorf("no start-up line for the HTTP API:\n%s", g.Stderr)
	}
	c := newClient(t, g.URL)
	origin := g.URL

	t.Run("an unknown path is a 404", func(t *testing.T) {
		if r := c.do("GET", "/prod/nothing", ""); r.Status != 404 || r.JSON(t)["message"] != "Not Found" {
			t.Errorf("GET /prod/nothing: %d %s", r.Status, r.Body)
		}
		if r := c.do("GET", "/api/me", ""); r.Status != 404 {
			t.Errorf("GET /api/me outside the stage: %d %s", r.Status, r.Body)
		}
	})
	t.Run("no session is 401 without a body of ours", func(t *testing.T) {
		if r := c.do("GET", "/prod/api/me", "", "Origin", origin); r.Status != 401 || r.JSON(t)["message"] != "Unauthorized" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	viewer := sessiontest.UniqueUser("viewer")
	t.Run("demo sign-in under the stage", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"userId": viewer, "roles": []string{"viewer"}})
		r := c.do("POST", "/prod/auth/demo/signin", string(body), "rid", "session", "Origin", origin)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if p := refreshCookie(t, g, r.Header).Path; p != "/prod/auth/session/refresh" {
			t.Errorf("refresh cookie Path %q", p)
		}
	})
	t.Run("me maps the user", func(t *testing.T) {
		r := c.do("GET", "/prod/api/me", "", "x-user-id", "mallory", "Origin", origin)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		var echo echoResponse
		if err := json.Unmarshal(r.Body, &echo); err != nil || echo.Headers["x-user-id"] != viewer {
			t.Errorf("echo %s (%v)", r.Body, err)
		}
		if r.Header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("no CORS: %v", r.Header)
		}
	})
	t.Run("a viewer is denied /prod/api/admin by the rendered rules", func(t *testing.T) {
		if r := c.do("GET", "/prod/api/admin", "", "Origin", origin); r.Status != 403 || r.JSON(t)["message"] != "Forbidden" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("refresh under the stage", func(t *testing.T) {
		clock.Advance(15*time.Minute + time.Second)
		if r := c.do("GET", "/prod/api/me", ""); r.Status != 401 {
			t.Fatalf("expired: %d", r.Status)
		}
		r := c.do("POST", "/prod/auth/session/refresh", "", "rid", "session", "Origin", origin)
		if r.Status != 200 || !slices.Equal(setCookieNames(r.Header), []string{g.Access, g.Refresh}) {
			t.Fatalf("got %d %s, Set-Cookie %q", r.Status, r.Body, setCookieNames(r.Header))
		}
		if p := refreshCookie(t, g, r.Header).Path; p != "/prod/auth/session/refresh" {
			t.Errorf("refresh cookie Path %q", p)
		}
		if r := c.do("GET", "/prod/api/me", ""); r.Status != 200 {
			t.Errorf("me after refresh: %d", r.Status)
		}
	})
	t.Run("the example's configuration", func(t *testing.T) {
		if r := c.do("GET", "/example-config.json", ""); string(r.Body) != exampleConfigBody("/prod", g) {
			t.Errorf("got %d %s", r.Status, r.Body)
		}
	})
}

// -service has nothing to route with -http-api: the HTTP API variant has
// no AWS service integrations.
func TestHTTPAPIRefusesService(t *testing.T) {
	err := runErr(t, nil, "-http-api", "-service", "appsync-api=http://127.0.0.1:1")
	if !strings.Contains(err.Error(), "-service: the HTTP API variant has no AWS service integrations") {
		t.Fatal(err)
	}
}
