package session

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// createOnlyStore accepts Create and nothing else: enough to see the
// cookies a Manager writes for a new session. Embedding the interface
// keeps it compiling whatever the other methods look like.
type createOnlyStore struct{ Store }

func (createOnlyStore) Create(context.Context, Record) ([]string, error) { return nil, nil }

// newKeys returns a SESSION_KEYS value with one fresh key pair.
func newKeys(t testing.TB) string {
	t.Helper()
	v, err := GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func testKeys(t *testing.T) []KeyPair {
	t.Helper()
	k, err := ParseKeys(newKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sessionCookies creates a session under cfg and returns every cookie the
// Manager writes for it: the access and refresh cookies and the two that
// clear them.
func sessionCookies(t *testing.T, cfg Config) []*http.Cookie {
	t.Helper()
	m, err := NewManager(cfg, createOnlyStore{})
	if err != nil {
		t.Fatalf("NewManager: %v", err)
	}
	tok, err := m.Create(context.Background(), CreateInput{UserID: "alice"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return append([]*http.Cookie{tok.Access, tok.Refresh}, m.ClearCookies()...)
}

// A zero Config fails closed: Validate refuses it, so no Manager, and no
// cookie, can come from it — with keys or without.
func TestZeroConfigCannotProduceACookie(t *testing.T) {
	for name, cfg := range map[string]Config{
		"zero":           {},
		"zero with keys": {Keys: testKeys(t)},
	} {
		err := cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidInput) {
			t.Fatalf("%s: Validate = %v, want a *ConfigError matching ErrInvalidInput", name, err)
		}
		for _, want := range []string{"session.DefaultConfig()", "SESSION_ROTATE_AFTER", "COOKIE_SAMESITE", "cookie names", "API_BASE_PATH", "ANTI_CSRF"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q missing from:\n%v", name, want, err)
			}
		}
		if m, err := NewManager(cfg, createOnlyStore{}); err == nil || m != nil {
			t.Errorf("%s: NewManager accepted a zero Config", name)
		}
	}
}

// Cookies are Secure unless InsecureCookies is set: the zero value of the
// field, which DefaultConfig keeps, is the secure one.
func TestCookiesAreSecureUnlessInsecureCookies(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Keys = testKeys(t)
	if cfg.InsecureCookies {
		t.Fatal("DefaultConfig sets InsecureCookies")
	}
	for _, c := range sessionCookies(t, cfg) {
		if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s: Secure=%v HttpOnly=%v SameSite=%v, want Secure, HttpOnly, Lax", c.Name, c.Secure, c.HttpOnly, c.SameSite)
		}
		if !strings.Contains(c.String(), "; Secure") {
			t.Errorf("cookie %s: Set-Cookie has no Secure attribute", c.Name)
		}
	}

	cfg.InsecureCookies = true
	cfg.AccessCookieName, cfg.RefreshCookieName = DefaultCookieNames(false, "")
	for _, c := range sessionCookies(t, cfg) {
		if c.Secure {
			t.Errorf("cookie %s: Secure with InsecureCookies set", c.Name)
		}
	}
	cfg.CookieSameSite = http.SameSiteNoneMode
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "COOKIE_SAMESITE=none requires COOKIE_SECURE=true") {
		t.Errorf("SameSite=None with insecure cookies: Validate = %v", err)
	}
}

// A CookieSameSite that writes no attribute (the zero value) or is not a
// known mode is refused, not passed on for each browser to interpret.
func TestSameSiteMustBeExplicit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Keys = testKeys(t)
	for _, s := range []http.SameSite{http.SameSiteDefaultMode, http.SameSite(42)} {
		cfg.CookieSameSite = s
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "COOKIE_SAMESITE must be lax, strict or none") {
			t.Errorf("SameSite %d: Validate = %v", s, err)
		}
	}
}

// COOKIE_SECURE maps onto InsecureCookies: unset or true gives Secure
// cookies, false (0, no) turns them off — with INSECURE_COOKIES=true —,
// anything else is a problem.
func TestCookieSecureVariable(t *testing.T) {
	keys := newKeys(t)
	for v, insecure := range map[string]bool{"": false, "true": false, "TRUE": false, "1": false, "yes": false, "false": true, "0": true, "No": true} {
		env := map[string]string{"SESSION_KEYS": keys, "COOKIE_SECURE": v, "INSECURE_COOKIES": "true"}
		c, err := ConfigFromEnv(func(k string) (string, bool) { x, ok := env[k]; return x, ok })
		if err != nil {
			t.Fatalf("COOKIE_SECURE=%q: %v", v, err)
		}
		if c.InsecureCookies != insecure {
			t.Errorf("COOKIE_SECURE=%q: InsecureCookies=%v, want %v", v, c.InsecureCookies, insecure)
		}
	}
	env := map[string]string{"SESSION_KEYS": keys, "COOKIE_SECURE": "maybe"}
	if _, err := ConfigFromEnv(func(k string) (string, bool) { x, ok := env[k]; return x, ok }); err == nil {
		t.Error("COOKIE_SECURE=maybe accepted")
	}
}

// Every problem comes back in one *ConfigError whose problems keep their
// causes (errors.Is reaches them), under one "session:" prefix.
func TestConfigErrorsWrapTheirCauses(t *testing.T) {
	good := newKeys(t)
	env := map[string]string{
		"SESSION_KEYS":       good + ",!!!:???",
		"SESSION_ACCESS_TTL": "soon",
		"ANTI_CSRF":          "tokens",
		"ALLOWED_ORIGINS":    "*",
	}
	_, err := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("ConfigFromEnv = %T %v, want *ConfigError", err, err)
	}
	if !errors.Is(err, ErrInvalidInput) || !errors.Is(err, errNotBase64) {
		t.Errorf("the error does not reach its causes: %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "session: invalid configuration:\n  - ") || strings.Count(msg, "session:") != 1 {
		t.Errorf("want one prefix and one problem per line:\n%s", msg)
	}
	for _, want := range []string{"pair 2: hash key is not base64", "pair 2: block key is not base64", "SESSION_ACCESS_TTL: not a Go duration", `ANTI_CSRF "tokens"`, "ALLOWED_ORIGINS: *"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q missing from:\n%s", want, msg)
		}
	}
	if n := len(ce.Problems); n != 5 {
		t.Errorf("%d problems, want 5:\n%s", n, msg)
	}
	for _, part := range strings.Split(good, ":") {
		if strings.Contains(msg, part) {
			t.Fatal("the message prints key material")
		}
	}

	if _, err := ParseAllowedOrigins("https://ok.example.com, ftp://x"); !errors.As(err, &ce) || len(ce.Problems) != 1 {
		t.Errorf("ParseAllowedOrigins: %v", err)
	}
}

// Lifetimes of a few seconds are valid; the checks are only the orderings
// docs/protocol.md lists under "Checks".
func TestShortLifetimesAreValid(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Keys = testKeys(t)
	cfg.AccessTTL, cfg.RotateAfter, cfg.Grace, cfg.IdleTimeout, cfg.AbsoluteTimeout = 3*time.Second, time.Second, 0, 3*time.Second, 3*time.Second
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "SESSION_REAUTH_WINDOW (10m0s) must be > 0 and <= SESSION_ABSOLUTE_TIMEOUT (3s)") {
		t.Fatalf("a reauthentication window longer than a session's life: %v", err)
	}
	cfg.ReauthWindow = 3 * time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

// DefaultConfig's new defaults: 20 sessions per user, a 10-minute
// reauthentication window, and prefixed cookie names that its own
// attributes (Secure, no Domain) allow.
func TestConfigDefaults(t *testing.T) {
	c := DefaultConfig()
	if c.MaxSessionsPerUser != 20 || c.ReauthWindow != 10*time.Minute {
		t.Errorf("MaxSessionsPerUser %d, ReauthWindow %s; want 20, 10m", c.MaxSessionsPerUser, c.ReauthWindow)
	}
	if c.AccessCookieName != "__Host-sAccessToken" || c.RefreshCookieName != "__Secure-sRefreshToken" {
		t.Errorf("cookie names %q, %q", c.AccessCookieName, c.RefreshCookieName)
	}
	c.Keys = testKeys(t)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	env, err := ConfigFromEnv(envOf(map[string]string{"SESSION_KEYS": FormatKeys(c.Keys)}))
	if err != nil {
		t.Fatal(err)
	}
	if env.MaxSessionsPerUser != 20 || env.ReauthWindow != 10*time.Minute || env.AccessCookieName != c.AccessCookieName || env.RefreshCookieName != c.RefreshCookieName {
		t.Errorf("ConfigFromEnv's defaults differ from DefaultConfig's: %d %s %q %q", env.MaxSessionsPerUser, env.ReauthWindow, env.AccessCookieName, env.RefreshCookieName)
	}
}

// Each cookie gets the strongest prefix its attributes allow.
func TestDefaultCookieNames(t *testing.T) {
	for _, c := range []struct {
		secure          bool
		domain          string
		access, refresh string
	}{
		{true, "", "__Host-sAccessToken", "__Secure-sRefreshToken"},
		{true, "example.com", "__Secure-sAccessToken", "__Secure-sRefreshToken"},
		{false, "", "sAccessToken", "sRefreshToken"},
		{false, "example.com", "sAccessToken", "sRefreshToken"},
	} {
		a, r := DefaultCookieNames(c.secure, c.domain)
		if a != c.access || r != c.refresh {
			t.Errorf("DefaultCookieNames(%v, %q) = %q, %q; want %q, %q", c.secure, c.domain, a, r, c.access, c.refresh)
		}
		// And the names it gives are valid under those attributes.
		cfg := DefaultConfig()
		cfg.Keys = testKeys(t)
		cfg.InsecureCookies, cfg.CookieDomain = !c.secure, c.domain
		cfg.AccessCookieName, cfg.RefreshCookieName = a, r
		if err := cfg.Validate(); err != nil {
			t.Errorf("DefaultCookieNames(%v, %q): %v", c.secure, c.domain, err)
		}
	}
}

// ConfigFromEnv derives the cookie names from COOKIE_SECURE and
// COOKIE_DOMAIN when ACCESS_COOKIE_NAME and REFRESH_COOKIE_NAME are unset,
// and takes them as given when set.
func TestCookieNameVariables(t *testing.T) {
	keys := newKeys(t)
	for _, c := range []struct {
		name            string
		env             map[string]string
		access, refresh string
	}{
		{"defaults", nil, "__Host-sAccessToken", "__Secure-sRefreshToken"},
		{"a cookie domain", map[string]string{"COOKIE_DOMAIN": "example.com"}, "__Secure-sAccessToken", "__Secure-sRefreshToken"},
		{"plain http", map[string]string{"COOKIE_SECURE": "false", "INSECURE_COOKIES": "true"}, "sAccessToken", "sRefreshToken"},
		{"set", map[string]string{"ACCESS_COOKIE_NAME": "__Secure-a", "REFRESH_COOKIE_NAME": "__Secure-r"}, "__Secure-a", "__Secure-r"},
		{"set without prefixes", map[string]string{"ACCESS_COOKIE_NAME": "sAccessToken", "REFRESH_COOKIE_NAME": "sRefreshToken",
			"INSECURE_UNPREFIXED_COOKIE_NAMES": "true"}, "sAccessToken", "sRefreshToken"},
		{"one set", map[string]string{"ACCESS_COOKIE_NAME": "__Secure-a"}, "__Secure-a", "__Secure-sRefreshToken"},
	} {
		env := map[string]string{"SESSION_KEYS": keys}
		for k, v := range c.env {
			env[k] = v
		}
		cfg, err := ConfigFromEnv(envOf(env))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if cfg.AccessCookieName != c.access || cfg.RefreshCookieName != c.refresh {
			t.Errorf("%s: %q, %q; want %q, %q", c.name, cfg.AccessCookieName, cfg.RefreshCookieName, c.access, c.refresh)
		}
	}
}

// A cookie name must be a token; a __Host- name (in any letter case) needs
// Secure, no Domain and Path=/ — so never the refresh cookie —, and a
// __Secure- name needs Secure. Each refusal says why.
func TestCookieNamePrefixRules(t *testing.T) {
	for _, c := range []struct {
		name    string
		edit    func(*Config)
		refusal []string // each must appear; nil: accepted
	}{
		{"defaults", func(*Config) {}, nil},
		{"no prefixes", func(c *Config) { c.AccessCookieName, c.RefreshCookieName = "sAccessToken", "sRefreshToken" },
			[]string{`ACCESS_COOKIE_NAME "sAccessToken" has neither the __Host- nor the __Secure- prefix`,
				`REFRESH_COOKIE_NAME "sRefreshToken" has neither the __Host- nor the __Secure- prefix`, "INSECURE_UNPREFIXED_COOKIE_NAMES=true"}},
		{"no prefixes, switch set", func(c *Config) {
			c.AccessCookieName, c.RefreshCookieName, c.InsecureUnprefixedCookieNames = "sAccessToken", "sRefreshToken", true
		}, nil},
		{"no prefix on the refresh cookie", func(c *Config) { c.RefreshCookieName = "sRefreshToken" },
			[]string{`REFRESH_COOKIE_NAME "sRefreshToken" has neither the __Host- nor the __Secure- prefix`}},
		{"__Secure- access cookie with a domain", func(c *Config) {
			c.CookieDomain, c.AccessCookieName = "example.com", "__Secure-sAccessToken"
		}, nil},
		{"not a token", func(c *Config) { c.AccessCookieName = "s Access;Token" },
			[]string{`ACCESS_COOKIE_NAME "s Access;Token" must be an RFC 6265 token`}},
		{"not a token (refresh)", func(c *Config) { c.RefreshCookieName = "a=b" },
			[]string{`REFRESH_COOKIE_NAME "a=b" must be an RFC 6265 token`}},
		{"__Host- with a domain", func(c *Config) { c.CookieDomain = "example.com" },
			[]string{`ACCESS_COOKIE_NAME "__Host-sAccessToken": a __Host- cookie may have no Domain, and COOKIE_DOMAIN is "example.com" (use __Secure-`}},
		{"__Host- without Secure", func(c *Config) { c.InsecureCookies = true },
			[]string{`ACCESS_COOKIE_NAME "__Host-sAccessToken": a __Host- cookie must be Secure, and COOKIE_SECURE is false`,
				`REFRESH_COOKIE_NAME "__Secure-sRefreshToken": a __Secure- cookie must be Secure, and COOKIE_SECURE is false`}},
		{"__Host- refresh cookie", func(c *Config) { c.RefreshCookieName = "__Host-sRefreshToken" },
			[]string{`REFRESH_COOKIE_NAME "__Host-sRefreshToken": a __Host- cookie must have Path=/, and the refresh cookie's Path is the refresh route (/auth/session/refresh): use __Secure-`}},
		{"prefix in another letter case", func(c *Config) {
			c.InsecureCookies, c.AccessCookieName, c.RefreshCookieName = true, "__HOST-a", "__secure-r"
		}, []string{`ACCESS_COOKIE_NAME "__HOST-a": a __Host- cookie must be Secure`, `REFRESH_COOKIE_NAME "__secure-r": a __Secure- cookie must be Secure`}},
		{"same name twice", func(c *Config) { c.RefreshCookieName = c.AccessCookieName }, []string{"cookie names must be non-empty and distinct"}},
	} {
		cfg := DefaultConfig()
		cfg.Keys = testKeys(t)
		c.edit(&cfg)
		err := cfg.Validate()
		if c.refusal == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, want := range c.refusal {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q missing from:\n%v", c.name, want, err)
			}
		}
	}
}

// SESSION_MAX_PER_USER is a whole number from 1 to 1000;
// SESSION_REAUTH_WINDOW a duration above 0 and at most
// SESSION_ABSOLUTE_TIMEOUT.
func TestSessionLimitAndReauthWindowVariables(t *testing.T) {
	keys := newKeys(t)
	for _, c := range []struct {
		env     map[string]string
		refusal string // "": accepted
		check   func(Config) bool
	}{
		{map[string]string{"SESSION_MAX_PER_USER": "1"}, "", func(c Config) bool { return c.MaxSessionsPerUser == 1 }},
		{map[string]string{"SESSION_MAX_PER_USER": "1000"}, "", func(c Config) bool { return c.MaxSessionsPerUser == 1000 }},
		{map[string]string{"SESSION_MAX_PER_USER": "0"}, "SESSION_MAX_PER_USER (0) must be 1 to 1000", nil},
		{map[string]string{"SESSION_MAX_PER_USER": "1001"}, "SESSION_MAX_PER_USER (1001) must be 1 to 1000", nil},
		{map[string]string{"SESSION_MAX_PER_USER": "many"}, `SESSION_MAX_PER_USER: "many" is not a whole number`, nil},
		{map[string]string{"SESSION_REAUTH_WINDOW": "5m"}, "", func(c Config) bool { return c.ReauthWindow == 5*time.Minute }},
		{map[string]string{"SESSION_REAUTH_WINDOW": "720h"}, "", func(c Config) bool { return c.ReauthWindow == 720*time.Hour }},
		{map[string]string{"SESSION_REAUTH_WINDOW": "0s"}, "SESSION_REAUTH_WINDOW (0s) must be > 0 and <= SESSION_ABSOLUTE_TIMEOUT (720h0m0s)", nil},
		{map[string]string{"SESSION_REAUTH_WINDOW": "721h"}, "SESSION_REAUTH_WINDOW (721h0m0s) must be > 0", nil},
		{map[string]string{"SESSION_REAUTH_WINDOW": "soon"}, "SESSION_REAUTH_WINDOW: not a Go duration", nil},
		// Unset, the window never exceeds a short absolute timeout.
		{map[string]string{"SESSION_ACCESS_TTL": "3s", "SESSION_ROTATE_AFTER": "1s", "SESSION_IDLE_TIMEOUT": "5s", "SESSION_ABSOLUTE_TIMEOUT": "5s"}, "",
			func(c Config) bool { return c.ReauthWindow == 5*time.Second }},
	} {
		env := map[string]string{"SESSION_KEYS": keys}
		for k, v := range c.env {
			env[k] = v
		}
		cfg, err := ConfigFromEnv(envOf(env))
		switch {
		case c.refusal == "" && err != nil:
			t.Errorf("%v: %v", c.env, err)
		case c.refusal == "" && !c.check(cfg):
			t.Errorf("%v: parsed %d, %s", c.env, cfg.MaxSessionsPerUser, cfg.ReauthWindow)
		case c.refusal != "" && (err == nil || !strings.Contains(err.Error(), c.refusal)):
			t.Errorf("%v: %v, want %q", c.env, err, c.refusal)
		}
	}
}
