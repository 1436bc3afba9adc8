package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// TestStageFlowRealRedis serves the embedded deploy/ API under -stage prod,
// as on an execute-api URL, against a real redis-server, with the
// functions' environment from the embedded template. AUTHZ_RULES is set
// but empty, the reproduction of a viewer reaching /api/admin: the rules
// now come from the authorizer's package (deploy/rules.json), so the
// viewer is denied. The refresh cookie's Path includes the stage, so the
// browser (the cookie jar here) sends it to /prod/auth/session/refresh
// and a refresh after the access token expired works.
func TestStageFlowRealRedis(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	clock := sessiontest.NewClock()
	g := startGateway(t, map[string]string{"REDIS_URL": srv.URL(), "AUTHZ_RULES": ""}, clock.Now, "-stage", "prod")
	c := newClient(t, g.URL)
	origin := g.URL

	t.Run("the example's configuration names the stage and the cookies", func(t *testing.T) {
		r := c.do("GET", "/example-config.json", "")
		if r.Status != 200 || string(r.Body) != exampleConfigBody("/prod", g) || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("got %d %q %v", r.Status, r.Body, r.Header)
		}
	})
	t.Run("the browser example stays at /", func(t *testing.T) {
		if r := c.do("GET", "/", ""); r.Status != 200 || !strings.Contains(string(r.Body), "<html") {
			t.Fatalf("got %d", r.Status)
		}
	})
	t.Run("public status under the stage", func(t *testing.T) {
		if r := c.do("GET", "/prod/public/status", ""); r.Status != 200 || r.JSON(t)["status"] != "ok" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	for _, p := range []struct{ method, path string }{{"GET", "/public/status"}, {"GET", "/api/me"},
		{"POST", "/auth/demo/signin"}, {"POST", "/auth/session/refresh"}, {"GET", "/prod/nothing"}, {"POST", "/prodx/api/me"}} {
		t.Run(p.method+" "+p.path+" is API Gateway's unknown path", func(t *testing.T) {
			r := c.do(p.method, p.path, "{}", "rid", "session")
			if r.Status != 403 || r.Header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
				t.Fatalf("got %d %s %v", r.Status, r.Body, r.Header)
			}
		})
	}
	t.Run("me without a cookie is 401", func(t *testing.T) {
		if r := c.do("GET", "/prod/api/me", "", "Origin", origin); r.Status != 401 {
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
			t.Errorf("refresh cookie Path %q, want /prod/auth/session/refresh", p)
		}
	})
	t.Run("me under the stage maps the user", func(t *testing.T) {
		r := c.do("GET", "/prod/api/me", "", "Origin", origin)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		var echo echoResponse
		if err := json.Unmarshal(r.Body, &echo); err != nil {
			t.Fatal(err)
		}
		if echo.Headers["x-user-id"] != viewer || echo.Path != "/api/me" {
			t.Errorf("echo %+v", echo)
		}
	})
	for _, method := range []string{"GET", "POST"} {
		t.Run("a viewer is denied "+method+" /prod/api/admin by the rendered rules", func(t *testing.T) {
			r := c.do(method, "/prod/api/admin", "{}", "rid", "x", "Origin", origin)
			if r.Status != 403 || r.JSON(t)["message"] != "invalid claim" {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
			if r.Header.Get("Access-Control-Allow-Origin") != origin {
				t.Errorf("403 without CORS: %v", r.Header)
			}
		})
	}
	t.Run("an admin reaches /prod/api/admin", func(t *testing.T) {
		admin := newClient(t, g.URL)
		body, _ := json.Marshal(map[string]any{"userId": sessiontest.UniqueUser("root"), "roles": []string{"admin"}})
		if r := admin.do("POST", "/prod/auth/demo/signin", string(body), "rid", "session"); r.Status != 200 {
			t.Fatalf("sign-in: %d %s", r.Status, r.Body)
		}
		if r := admin.do("GET", "/prod/api/admin", ""); r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("the Lambda backend under the stage", func(t *testing.T) {
		if r := c.do("GET", "/prod/api/lambda-me", ""); r.Status != 200 || !strings.Contains(string(r.Body), viewer) {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("expired access, then refresh under the stage", func(t *testing.T) {
		clock.Advance(15*time.Minute + time.Second) // the template's SESSION_ACCESS_TTL
		if r := c.do("GET", "/prod/api/me", ""); r.Status != 401 {
			t.Fatalf("me with an expired access token: %d %s", r.Status, r.Body)
		}
		r := c.do("POST", "/prod/auth/session/refresh", "", "rid", "session", "Origin", origin)
		if r.Status != 200 {
			t.Fatalf("refresh: %d %s (the jar sends the refresh cookie only to its Path)", r.Status, r.Body)
		}
		if got := setCookieNames(r.Header); !slices.Equal(got, []string{g.Access, g.Refresh}) {
			t.Errorf("Set-Cookie lines: %q", r.Header.Values("Set-Cookie"))
		}
		if p := refreshCookie(t, g, r.Header).Path; p != "/prod/auth/session/refresh" {
			t.Errorf("rotated refresh cookie Path %q", p)
		}
		if r := c.do("GET", "/prod/api/me", ""); r.Status != 200 {
			t.Errorf("me after refresh: %d", r.Status)
		}
	})
	t.Run("sign-out under the stage clears the cookies at their paths", func(t *testing.T) {
		r := c.do("POST", "/prod/auth/signout", "", "rid", "session", "Origin", origin)
		if r.Status != 200 || r.Header.Get("front-token") != "remove" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if p := refreshCookie(t, g, r.Header).Path; p != "/prod/auth/session/refresh" {
			t.Errorf("cleared refresh cookie Path %q", p)
		}
		if c.cookie("/prod/auth/session/refresh", g.Refresh) != "" {
			t.Errorf("the refresh cookie survived sign-out")
		}
		if r := c.do("GET", "/prod/api/me", ""); r.Status != 401 {
			t.Errorf("me after sign-out: %d", r.Status)
		}
	})

	log := g.Stderr.String()
	for _, want := range []string{"serving deploy/openapi.json (embedded) under /prod",
		"from deploy/rules.json (embedded)", "the functions' environment comes from deploy/template.yaml (embedded)"} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
}

// The local run prints which variables it sets instead of the template,
// by name, and never a value: not the keys, not the store's URL, not a
// lifetime given as a flag.
func TestOverridesPrintedByNameOnly(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	keys := sessiontest.Keys(t)
	g := startGateway(t, map[string]string{"REDIS_URL": srv.URL(), "SESSION_KEYS": keys, "COOKIE_DOMAIN": "cookies.test.invalid",
		"UNRELATED": "x"}, time.Now, "-access-ttl", "7m")
	log := g.Stderr.String()
	var line string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "set locally instead: ") {
			line = l
		}
	}
	_, names, _ := strings.Cut(line, "set locally instead: ")
	want := "ALLOWED_ORIGINS, COOKIE_DOMAIN, LOG_SALT, REDIS_MODE, REDIS_URL, SESSION_ACCESS_TTL, SESSION_KEYS"
	if names != want {
		t.Errorf("overridden names %q, want %q\n%s", names, want, log)
	}
	for _, secret := range []string{keys, srv.URL(), srv.Addr(), "cookies.test.invalid", "7m"} {
		if strings.Contains(log, secret) {
			t.Errorf("stderr shows the value %q:\n%s", secret, log)
		}
	}
	if strings.Contains(log, "ephemeral keys") || strings.Contains(log, "REDIS_URL is not set") {
		t.Errorf("the gateway's keys or store were not used:\n%s", log)
	}
}

// Each function's environment is its own: the template's session API
// writes SameSite=Strict cookies at sign-in, the authorizer Lax ones
// when it rotates the access token, each after its own rotate-after.
func TestTemplateEnvPerFunctionInCookies(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	dir := apiDir(t, nil, nil, "")
	clock := sessiontest.NewClock()
	g := startGateway(t, map[string]string{"REDIS_URL": srv.URL()}, clock.Now, "-api", dir, "-template", "testdata/template-differ.yaml")
	c := newClient(t, g.URL)
	r := signIn(t, c, sessiontest.UniqueUser("strict"), "user")
	for _, v := range r.Header.Values("Set-Cookie") {
		if !strings.Contains(v, "SameSite=Strict") {
			t.Errorf("session API cookie without the template's SameSite=Strict: %s", cookieName(v))
		}
	}
	clock.Advance(5*time.Minute + time.Second) // the authorizer's rotate-after (the default)
	r = c.do("GET", "/api/me", "")
	if r.Status != 200 || len(r.Header.Values("Set-Cookie")) != 1 {
		t.Fatalf("got %d, Set-Cookie %d lines", r.Status, len(r.Header.Values("Set-Cookie")))
	}
	if v := r.Header.Get("Set-Cookie"); !strings.Contains(v, "SameSite=Lax") {
		t.Errorf("authorizer's rotated cookie without SameSite=Lax (%s)", cookieName(v))
	}
}

// cookieName is the name of a Set-Cookie line, for messages that must not
// show the value.
func cookieName(setCookie string) string {
	name, _, _ := strings.Cut(setCookie, "=")
	return name
}

// The whole flow of the example at the root still works with the demo
// route at <API_BASE_PATH>/demo/signin: covered by TestFlowRealRedis; here
// the example's configuration at the root.
func TestExampleConfigAtRoot(t *testing.T) {
	g := startGateway(t, map[string]string{}, time.Now)
	res, err := http.Get(g.URL + "/example-config.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var cfg map[string]string
	if err := json.NewDecoder(res.Body).Decode(&cfg); err != nil || res.StatusCode != 200 || cfg["apiPrefix"] != "" || len(cfg) != 3 {
		t.Fatalf("got %d %v (%v)", res.StatusCode, cfg, err)
	}
	// With the template's COOKIE_SECURE=true and no COOKIE_DOMAIN, the
	// names session.DefaultCookieNames gives Secure host-only cookies.
	access, refresh := session.DefaultCookieNames(true, "")
	if cfg["accessCookieName"] != access || cfg["refreshCookieName"] != refresh || g.Access != access || g.Refresh != refresh {
		t.Fatalf("cookie names %v, gateway %s %s, want %s %s", cfg, g.Access, g.Refresh, access, refresh)
	}
}

// exampleConfigBody is GET /example-config.json of g under prefix: the
// prefix and the session cookies' names of g's session API configuration.
func exampleConfigBody(prefix string, g *gw) string {
	return `{"apiPrefix":"` + prefix + `","accessCookieName":"` + g.Access + `","refreshCookieName":"` + g.Refresh + `"}`
}
