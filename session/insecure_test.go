package session

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// envOf is a lookup over a map.
func envOf(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// insecureSwitches are the switches of the *InsecureError problems of err.
func insecureSwitches(err error) []string {
	var ce *ConfigError
	if !errors.As(err, &ce) {
		return nil
	}
	var out []string
	for _, p := range ce.Problems {
		var ie *InsecureError
		if errors.As(p, &ie) {
			out = append(out, ie.Switch)
		}
	}
	return out
}

// Every combination that weakens the defaults is refused at start-up,
// naming the switch that allows it; with the switch set it is accepted,
// and InsecureSwitchesInUse names the switch. A switch set for a
// combination that is not present is accepted and not "in use".
func TestInsecureCombinationsNeedTheirSwitch(t *testing.T) {
	keys := newKeys(t)
	for _, c := range []struct {
		name    string
		env     map[string]string
		refused []string // the switches the refusal names; nil: accepted
		inUse   []string // with the switches set
	}{
		{"defaults", nil, nil, nil},
		{"COOKIE_SECURE=false", map[string]string{"COOKIE_SECURE": "false"},
			[]string{"INSECURE_COOKIES"}, []string{"INSECURE_COOKIES"}},
		{"COOKIE_SECURE=0", map[string]string{"COOKIE_SECURE": "0"},
			[]string{"INSECURE_COOKIES"}, []string{"INSECURE_COOKIES"}},
		{"SameSite none, no anti-CSRF", map[string]string{"COOKIE_SAMESITE": "none", "ANTI_CSRF": "none"},
			[]string{"INSECURE_CROSS_SITE_WITHOUT_CSRF"}, []string{"INSECURE_CROSS_SITE_WITHOUT_CSRF"}},
		{"SameSite none with anti-CSRF", map[string]string{"COOKIE_SAMESITE": "none"}, nil, nil},
		{"no anti-CSRF, SameSite lax", map[string]string{"ANTI_CSRF": "none"}, nil, nil},
		{"no anti-CSRF, SameSite strict", map[string]string{"ANTI_CSRF": "none", "COOKIE_SAMESITE": "strict"}, nil, nil},
		{"http origin", map[string]string{"ALLOWED_ORIGINS": "https://app.example.com,http://app.example.com"},
			[]string{"INSECURE_HTTP_ORIGINS"}, []string{"INSECURE_HTTP_ORIGINS"}},
		{"two http origins", map[string]string{"ALLOWED_ORIGINS": "http://a.example.com,http://192.168.1.5:8080"},
			[]string{"INSECURE_HTTP_ORIGINS", "INSECURE_HTTP_ORIGINS"}, []string{"INSECURE_HTTP_ORIGINS"}},
		{"http origins on loopback", map[string]string{"ALLOWED_ORIGINS": "http://127.0.0.1:8080,http://localhost:8080,http://[::1]:8080,http://app.localhost,http://127.8.0.1,http://LOCALHOST"}, nil, nil},
		{"http origin on a name like localhost", map[string]string{"ALLOWED_ORIGINS": "http://localhost.example.com"},
			[]string{"INSECURE_HTTP_ORIGINS"}, []string{"INSECURE_HTTP_ORIGINS"}},
		{"https origins", map[string]string{"ALLOWED_ORIGINS": "https://app.example.com,https://192.168.1.5"}, nil, nil},
		{"unprefixed cookie names", map[string]string{"ACCESS_COOKIE_NAME": "sAccessToken", "REFRESH_COOKIE_NAME": "sRefreshToken"},
			[]string{"INSECURE_UNPREFIXED_COOKIE_NAMES", "INSECURE_UNPREFIXED_COOKIE_NAMES"}, []string{"INSECURE_UNPREFIXED_COOKIE_NAMES"}},
		{"unprefixed names on plain http", map[string]string{"COOKIE_SECURE": "false", "ACCESS_COOKIE_NAME": "a", "REFRESH_COOKIE_NAME": "r"},
			[]string{"INSECURE_COOKIES"}, []string{"INSECURE_COOKIES"}},
		{"all three", map[string]string{"COOKIE_SECURE": "false", "COOKIE_SAMESITE": "none", "ANTI_CSRF": "none", "ALLOWED_ORIGINS": "http://a.example.com"},
			[]string{"INSECURE_COOKIES", "INSECURE_CROSS_SITE_WITHOUT_CSRF", "INSECURE_HTTP_ORIGINS"}, nil}, // none with insecure cookies never works
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"SESSION_KEYS": keys}
			for k, v := range c.env {
				env[k] = v
			}
			cfg, err := ConfigFromEnv(envOf(env))
			if got := insecureSwitches(err); fmt.Sprint(got) != fmt.Sprint(c.refused) {
				t.Fatalf("refusals naming %v, want %v; err: %v", got, c.refused, err)
			}
			if c.refused == nil {
				if err != nil {
					t.Fatal(err)
				}
				if u := cfg.InsecureSwitchesInUse(); u != nil {
					t.Errorf("switches in use %v without any set", u)
				}
			} else {
				if !errors.Is(err, ErrInvalidInput) {
					t.Errorf("the refusal does not match ErrInvalidInput: %v", err)
				}
				for _, sw := range c.refused {
					if !strings.Contains(err.Error(), "set "+sw+"=true to allow it") {
						t.Errorf("the message does not name %s:\n%v", sw, err)
					}
				}
			}
			// Every switch set: accepted unless something else is wrong.
			for _, sw := range []string{SwitchInsecureCookies, SwitchCrossSiteWithoutCSRF, SwitchHTTPOrigins, SwitchUnprefixedCookieNames} {
				env[sw] = "true"
			}
			cfg, err = ConfigFromEnv(envOf(env))
			if c.inUse == nil && c.refused != nil {
				if err == nil {
					t.Fatal("SameSite none with insecure cookies accepted")
				}
				return
			}
			if err != nil {
				t.Fatalf("with every switch set: %v", err)
			}
			if got := cfg.InsecureSwitchesInUse(); fmt.Sprint(got) != fmt.Sprint(c.inUse) {
				t.Errorf("switches in use %v, want %v", got, c.inUse)
			}
		})
	}
}

// The switches take true or false like COOKIE_SECURE; anything else is a
// problem, reported with the others, and leaves the switch off.
func TestInsecureSwitchValues(t *testing.T) {
	keys := newKeys(t)
	for _, sw := range []string{SwitchInsecureCookies, SwitchCrossSiteWithoutCSRF, SwitchHTTPOrigins, SwitchUnprefixedCookieNames} {
		for v, on := range map[string]bool{"true": true, "YES": true, "1": true, "false": false, "0": false, "no": false, " ": false} {
			env := map[string]string{"SESSION_KEYS": keys, sw: v, "COOKIE_SECURE": "false", "COOKIE_SAMESITE": "none", "ANTI_CSRF": "none", "ALLOWED_ORIGINS": "http://a.example.com"}
			if sw == SwitchUnprefixedCookieNames { // needs Secure cookies
				env = map[string]string{"SESSION_KEYS": keys, sw: v, "ACCESS_COOKIE_NAME": "a"}
			}
			_, err := ConfigFromEnv(envOf(env))
			refused := strings.Join(insecureSwitches(err), ",")
			if strings.Contains(refused, sw) == on {
				t.Errorf("%s=%q: refusals %s", sw, v, refused)
			}
		}
		env := map[string]string{"SESSION_KEYS": keys, sw: "sure", "ANTI_CSRF": "tokens"}
		_, err := ConfigFromEnv(envOf(env))
		if err == nil || !strings.Contains(err.Error(), sw+`: "sure" must be true or false`) || !strings.Contains(err.Error(), "ANTI_CSRF") {
			t.Errorf("%s=sure: %v", sw, err)
		}
	}
}

// In Go the switches are fields: Validate refuses the combination until
// the field is set. InsecureCookies is itself the switch.
func TestInsecureSwitchFields(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Keys = testKeys(t)
	cfg.CookieSameSite, cfg.AntiCSRF = http.SameSiteNoneMode, AntiCSRFNone
	cfg.AllowedOrigins = []string{"http://app.example.com"}
	err := cfg.Validate()
	if got := insecureSwitches(err); fmt.Sprint(got) != "[INSECURE_CROSS_SITE_WITHOUT_CSRF INSECURE_HTTP_ORIGINS]" {
		t.Fatalf("refusals %v: %v", got, err)
	}
	if _, err := NewManager(cfg, createOnlyStore{}); err == nil {
		t.Fatal("NewManager accepted it")
	}
	cfg.InsecureCrossSiteWithoutCSRF, cfg.InsecureHTTPOrigins = true, true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.CookieSameSite, cfg.InsecureCookies = http.SameSiteLaxMode, true
	cfg.AccessCookieName, cfg.RefreshCookieName = DefaultCookieNames(false, "")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := cfg.InsecureSwitchesInUse(); fmt.Sprint(got) != "[INSECURE_COOKIES INSECURE_HTTP_ORIGINS]" {
		t.Errorf("in use: %v", got)
	}
}
