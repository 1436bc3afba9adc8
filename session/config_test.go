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

func (createOnlyStore) Create(context.Context, Record) error { return nil }

func testKeys(t *testing.T) []KeyPair {
	t.Helper()
	v, err := GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKeys(v)
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
	keys, err := GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
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
	good, err := GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"SESSION_KEYS":       good + ",!!!:???",
		"SESSION_ACCESS_TTL": "soon",
		"ANTI_CSRF":          "tokens",
		"ALLOWED_ORIGINS":    "*",
	}
	_, err = ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
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
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}
