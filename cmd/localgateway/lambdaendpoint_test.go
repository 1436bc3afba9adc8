package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/deploy"
	"github.com/sessiongate/sessiongate/internal/lambdaemu"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// TestLambdaEndpointRealBinaries runs the gateway with -lambda-endpoint in
// front of the real Lambda binaries — cmd/authorizer, cmd/sessionapi and
// cmd/examplebackend, built as deployed — behind a miniature runtime
// emulator (package lambdaemu: the Invoke API, and the Runtime API each
// binary polls), all against a real redis-server. The demo sign-in runs in
// the gateway, so it gets the functions' REDIS_URL and SESSION_KEYS.
func TestLambdaEndpointRealBinaries(t *testing.T) {
	redis := sessiontest.StartServer(t, sessiontest.Options{})
	keys, err := session.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	const mod = "github.com/sessiongate/sessiongate/cmd/"
	bins := lambdaemu.Build(t, mod+"authorizer", mod+"sessionapi", mod+"examplebackend")
	shared := []string{"REDIS_URL=" + redis.URL(), "SESSION_KEYS=" + keys}
	// The authorizer's package has the rendered rules beside bootstrap;
	// here they are the embedded deploy/rules.json, named by
	// AUTHZ_RULES_FILE.
	rulesFile := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(rulesFile, deploy.Rules, 0o600); err != nil {
		t.Fatal(err)
	}
	emu := lambdaemu.StartServer(t,
		lambdaemu.Function{Name: authorizerFunction, Path: bins[0], Env: append(shared, "AUTHZ_RULES_FILE="+rulesFile)},
		lambdaemu.Function{Name: sessionAPIFunction, Path: bins[1], Env: shared},
		lambdaemu.Function{Name: exampleBackendFunction, Path: bins[2]},
	)
	g := startGateway(t, map[string]string{"REDIS_URL": redis.URL(), "SESSION_KEYS": keys}, time.Now,
		"-lambda-endpoint", emu.URL())
	if !strings.Contains(g.Stderr.String(), "through the Lambda Invoke API at "+emu.URL()) {
		t.Errorf("no startup line naming the endpoint:\n%s", g.Stderr)
	}
	c := newClient(t, g.URL)

	t.Run("no cookie: the authorizer's Unauthorized is a 401", func(t *testing.T) {
		r := c.do("GET", "/api/me", "")
		if r.Status != 401 || r.JSON(t)["message"] != "Unauthorized" || r.Header.Get("x-amzn-ErrorType") != "UnauthorizedException" {
			t.Fatalf("got %d %s %v", r.Status, r.Body, r.Header)
		}
	})
	user := sessiontest.UniqueUser("remote")
	signIn(t, c, user, "user")
	t.Run("me maps the user", func(t *testing.T) {
		r := c.do("GET", "/api/me", "", "x-user-id", "mallory")
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		var echo echoResponse
		if err := json.Unmarshal(r.Body, &echo); err != nil {
			t.Fatal(err)
		}
		if echo.Headers["x-user-id"] != user || echo.Headers["x-user-roles"] != "user" {
			t.Errorf("mapped headers: %v", echo.Headers)
		}
	})
	t.Run("the rules of the authorizer's package deny a viewer /api/admin", func(t *testing.T) {
		r := c.do("GET", "/api/admin", "")
		if r.Status != 403 || r.JSON(t)["message"] != "invalid claim" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("the Lambda backend shows the identity", func(t *testing.T) {
		r := c.do("GET", "/api/lambda-me", "")
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		var me struct {
			UserID string   `json:"userId"`
			Roles  []string `json:"roles"`
		}
		if err := json.Unmarshal(r.Body, &me); err != nil || me.UserID != user || !slices.Equal(me.Roles, []string{"user"}) {
			t.Errorf("body %s (%v)", r.Body, err)
		}
	})
	t.Run("refresh", func(t *testing.T) {
		r := c.do("POST", "/auth/session/refresh", "", "rid", "session")
		if r.Status != 200 || !slices.Equal(setCookieNames(r.Header), []string{g.Access, g.Refresh}) {
			t.Fatalf("got %d %s, Set-Cookie %q", r.Status, r.Body, r.Header.Values("Set-Cookie"))
		}
	})
	t.Run("sign-out", func(t *testing.T) {
		r := c.do("POST", "/auth/signout", "", "rid", "session")
		if r.Status != 200 || r.Header.Get("front-token") != "remove" {
			t.Fatalf("got %d %s %v", r.Status, r.Body, r.Header)
		}
		if r := c.do("GET", "/api/me", ""); r.Status != 401 {
			t.Errorf("me after sign-out: %d %s", r.Status, r.Body)
		}
	})

	// Every function ran in its own process, none in the gateway.
	for fn, want := range map[string]int{authorizerFunction: 5, exampleBackendFunction: 1, sessionAPIFunction: 2} {
		if got := emu.Invocations(fn); got != want {
			t.Errorf("%s was invoked %d times through the emulator, want %d", fn, got, want)
		}
	}
}
