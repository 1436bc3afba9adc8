package session

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Anti-CSRF modes (contract §2).
const (
	// AntiCSRFCustomHeader: a request whose method is not GET/HEAD/OPTIONS
	// must carry the "rid" header, and its Origin, when present, must be one
	// of AllowedOrigins. The default.
	AntiCSRFCustomHeader = "custom-header"
	// AntiCSRFNone disables the check; only for same-site-only apps.
	AntiCSRFNone = "none"
)

// Config is the whole configuration of a session layer. Every binary reads it
// from the same environment variables (contract §5) through ConfigFromEnv;
// DefaultConfig gives the defaults listed on each field.
type Config struct {
	// Keys are the securecookie key pairs, newest first. The newest encodes;
	// every pair decodes (key rotation). SESSION_KEYS. Required.
	Keys []KeyPair

	// AccessTTL is how long an access generation is valid from the moment it
	// was issued; use does not extend it. SESSION_ACCESS_TTL, default 15m.
	AccessTTL time.Duration
	// RotateAfter: an access generation older than this is rotated in place
	// on the next request. SESSION_ROTATE_AFTER, default 5m.
	RotateAfter time.Duration
	// Grace: how long a just-rotated-out generation (access or refresh) is
	// still honoured, returning the current one. SESSION_GRACE, default 30s.
	Grace time.Duration
	// IdleTimeout ends a session unused for this long; it slides on use (the
	// Redis store records activity at most every IdleTimeout/100, at most a
	// minute apart, so the end may come up to that step early).
	// SESSION_IDLE_TIMEOUT, default 168h.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after creation, whatever its
	// use. SESSION_ABSOLUTE_TIMEOUT, default 720h.
	AbsoluteTimeout time.Duration

	// CookieSecure sets the Secure attribute. COOKIE_SECURE, default true.
	// Turn it off only for plain-http development.
	CookieSecure bool
	// CookieSameSite: COOKIE_SAMESITE lax (default), strict or none.
	CookieSameSite http.SameSite
	// CookieDomain: COOKIE_DOMAIN, default none (host-only cookies).
	CookieDomain string
	// AccessCookieName defaults to "sAccessToken"; RefreshCookieName to
	// "sRefreshToken". securecookie binds the name into the MAC, so renaming
	// a cookie invalidates outstanding cookies of that name.
	AccessCookieName  string
	RefreshCookieName string
	// APIBasePath is the base path of the session API as the API
	// definition writes its routes (the resource path, without a stage or a
	// custom domain's base-path mapping). API_BASE_PATH, default "/auth".
	// The refresh cookie's Path is <prefix> + APIBasePath +
	// "/session/refresh" (RefreshCookiePathFor).
	APIBasePath string
	// StagePrefix, when set, overrides the path prefix that browsers see in
	// front of the API's own paths. It is normally left empty: the session
	// API derives the prefix from each request it serves ("/prod" on an
	// execute-api URL, "/v1" behind a custom domain's base-path mapping "v1",
	// "" at a custom domain's root; see package sessionhttp). Set it only
	// when that derivation cannot work, for example behind a proxy that
	// rewrites paths. STAGE_PREFIX, default none (derived).
	StagePrefix string

	// AllowedOrigins are the browser origins allowed for CORS and for the
	// anti-CSRF origin check. ALLOWED_ORIGINS, comma-separated, default none.
	AllowedOrigins []string
	// AntiCSRF is AntiCSRFCustomHeader (default) or AntiCSRFNone. ANTI_CSRF.
	AntiCSRF string
}

// DefaultConfig returns the defaults of contract §5, with no keys.
func DefaultConfig() Config {
	return Config{
		AccessTTL:         15 * time.Minute,
		RotateAfter:       5 * time.Minute,
		Grace:             30 * time.Second,
		IdleTimeout:       168 * time.Hour,
		AbsoluteTimeout:   720 * time.Hour,
		CookieSecure:      true,
		CookieSameSite:    http.SameSiteLaxMode,
		AccessCookieName:  "sAccessToken",
		RefreshCookieName: "sRefreshToken",
		APIBasePath:       "/auth",
		AntiCSRF:          AntiCSRFCustomHeader,
	}
}

// RefreshCookiePath is the Path of the refresh cookie when no prefix is
// known: RefreshCookiePathFor(""). session.Manager gives new refresh
// cookies this Path; package sessionhttp replaces it with the one derived
// from the request.
func (c Config) RefreshCookiePath() string {
	return c.RefreshCookiePathFor("")
}

// RefreshCookiePathFor is the Path of the refresh cookie for a request whose
// browser-visible path has prefix in front of the API's own paths (the
// stage on an execute-api URL, a custom domain's base-path mapping, or ""):
// prefix + APIBasePath + "/session/refresh", so that only the refresh route
// ever receives the cookie. StagePrefix, when set, is an explicit override
// and replaces prefix.
func (c Config) RefreshCookiePathFor(prefix string) string {
	if c.StagePrefix != "" {
		prefix = c.StagePrefix
	}
	return prefix + c.APIBasePath + "/session/refresh"
}

// OriginAllowed reports whether origin is exactly one of AllowedOrigins.
func (c Config) OriginAllowed(origin string) bool {
	for _, o := range c.AllowedOrigins {
		if o == origin {
			return true
		}
	}
	return false
}

// Validate checks the configuration and reports every problem at once. It
// never includes key material in its message.
func (c Config) Validate() error {
	var p []string
	if len(c.Keys) == 0 {
		p = append(p, "SESSION_KEYS: at least one key pair is required")
	}
	for i, k := range c.Keys {
		if n := len(k.Hash); n != 32 && n != 64 {
			p = append(p, fmt.Sprintf("SESSION_KEYS: pair %d: hash key must be 32 or 64 bytes", i+1))
		}
		if n := len(k.Block); n != 16 && n != 24 && n != 32 {
			p = append(p, fmt.Sprintf("SESSION_KEYS: pair %d: block key must be 16, 24 or 32 bytes", i+1))
		}
	}
	if !(c.RotateAfter > 0 && c.RotateAfter < c.AccessTTL) {
		p = append(p, fmt.Sprintf("SESSION_ROTATE_AFTER (%s) must be > 0 and < SESSION_ACCESS_TTL (%s)", c.RotateAfter, c.AccessTTL))
	}
	if c.Grace < 0 {
		p = append(p, fmt.Sprintf("SESSION_GRACE (%s) must be >= 0", c.Grace))
	}
	if c.AccessTTL > c.IdleTimeout {
		p = append(p, fmt.Sprintf("SESSION_ACCESS_TTL (%s) must be <= SESSION_IDLE_TIMEOUT (%s)", c.AccessTTL, c.IdleTimeout))
	}
	if c.IdleTimeout > c.AbsoluteTimeout {
		p = append(p, fmt.Sprintf("SESSION_IDLE_TIMEOUT (%s) must be <= SESSION_ABSOLUTE_TIMEOUT (%s)", c.IdleTimeout, c.AbsoluteTimeout))
	}
	if c.CookieSameSite == http.SameSiteNoneMode && !c.CookieSecure {
		p = append(p, "COOKIE_SAMESITE=none requires COOKIE_SECURE=true (browsers drop such cookies)")
	}
	if c.AccessCookieName == "" || c.RefreshCookieName == "" || c.AccessCookieName == c.RefreshCookieName {
		p = append(p, "cookie names must be non-empty and distinct")
	}
	if !strings.HasPrefix(c.APIBasePath, "/") || strings.HasSuffix(c.APIBasePath, "/") {
		p = append(p, fmt.Sprintf("API_BASE_PATH %q must start with / and not end with /", c.APIBasePath))
	}
	if c.StagePrefix != "" && (!strings.HasPrefix(c.StagePrefix, "/") || strings.HasSuffix(c.StagePrefix, "/")) {
		p = append(p, fmt.Sprintf("STAGE_PREFIX %q must start with / and not end with /", c.StagePrefix))
	}
	for _, o := range c.AllowedOrigins {
		if msg := originProblem(o); msg != "" {
			p = append(p, msg)
		}
	}
	if c.AntiCSRF != AntiCSRFCustomHeader && c.AntiCSRF != AntiCSRFNone {
		p = append(p, fmt.Sprintf("ANTI_CSRF %q must be custom-header or none", c.AntiCSRF))
	}
	if len(p) > 0 {
		return fmt.Errorf("%w: invalid configuration:\n  - %s", ErrInvalidInput, strings.Join(p, "\n  - "))
	}
	return nil
}

// ConfigFromEnv reads contract §5's variables (all but REDIS_*, which the
// store reads) through lookup — os.LookupEnv in a main — starting from
// DefaultConfig. It returns every problem together; key bytes are never part
// of a message.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	c := DefaultConfig()
	var errs []error
	get := func(k string) (string, bool) {
		v, ok := lookup(k)
		v = strings.TrimSpace(v)
		return v, ok && v != ""
	}
	if v, ok := get("SESSION_KEYS"); ok {
		keys, err := ParseKeys(v)
		if err != nil {
			errs = append(errs, err)
		}
		c.Keys = keys
	}
	durs := []struct {
		name string
		dst  *time.Duration
	}{
		{"SESSION_ACCESS_TTL", &c.AccessTTL},
		{"SESSION_ROTATE_AFTER", &c.RotateAfter},
		{"SESSION_GRACE", &c.Grace},
		{"SESSION_IDLE_TIMEOUT", &c.IdleTimeout},
		{"SESSION_ABSOLUTE_TIMEOUT", &c.AbsoluteTimeout},
	}
	for _, d := range durs {
		if v, ok := get(d.name); ok {
			x, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a Go duration (like 15m or 30s)", d.name, v))
				continue
			}
			*d.dst = x
		}
	}
	if v, ok := get("COOKIE_SECURE"); ok {
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			c.CookieSecure = true
		case "false", "0", "no":
			c.CookieSecure = false
		default:
			errs = append(errs, fmt.Errorf("COOKIE_SECURE: %q must be true or false", v))
		}
	}
	if v, ok := get("COOKIE_SAMESITE"); ok {
		switch strings.ToLower(v) {
		case "lax":
			c.CookieSameSite = http.SameSiteLaxMode
		case "strict":
			c.CookieSameSite = http.SameSiteStrictMode
		case "none":
			c.CookieSameSite = http.SameSiteNoneMode
		default:
			errs = append(errs, fmt.Errorf("COOKIE_SAMESITE: %q must be lax, strict or none", v))
		}
	}
	if v, ok := get("COOKIE_DOMAIN"); ok {
		c.CookieDomain = v
	}
	if v, ok := get("API_BASE_PATH"); ok {
		c.APIBasePath = v
	}
	if v, ok := get("STAGE_PREFIX"); ok {
		c.StagePrefix = v
	}
	if v, ok := get("ALLOWED_ORIGINS"); ok {
		c.AllowedOrigins = splitOrigins(v)
	}
	if v, ok := get("ANTI_CSRF"); ok {
		c.AntiCSRF = strings.ToLower(v)
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	return c, nil
}

// ParseAllowedOrigins reads an ALLOWED_ORIGINS value (comma-separated exact
// origins, a trailing "/" ignored) for a binary that needs only the origins,
// such as a Lambda proxy backend adding CORS headers. It applies the same
// checks as Config.Validate and reports every problem together; an empty
// value is no origin at all.
func ParseAllowedOrigins(v string) ([]string, error) {
	origins := splitOrigins(v)
	var p []string
	for _, o := range origins {
		if msg := originProblem(o); msg != "" {
			p = append(p, msg)
		}
	}
	if len(p) > 0 {
		return nil, fmt.Errorf("%w: invalid configuration:\n  - %s", ErrInvalidInput, strings.Join(p, "\n  - "))
	}
	return origins, nil
}

func splitOrigins(v string) []string {
	var out []string
	for _, o := range strings.Split(v, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, strings.TrimSuffix(o, "/"))
		}
	}
	return out
}

// originProblem describes why o is not an allowed origin, or returns "".
func originProblem(o string) string {
	if o == "*" {
		return "ALLOWED_ORIGINS: * is not allowed with credentials; list exact origins"
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Sprintf("ALLOWED_ORIGINS: %q is not an origin like https://app.example.com", o)
	}
	return ""
}
