package session

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Anti-CSRF modes (docs/protocol.md, "Anti-CSRF").
const (
	// AntiCSRFCustomHeader: a request whose method is not GET/HEAD/OPTIONS
	// must carry the "rid" header, and its Origin, when present, must be one
	// of AllowedOrigins. The default.
	AntiCSRFCustomHeader = "custom-header"
	// AntiCSRFNone disables the check; only for same-site-only apps.
	AntiCSRFNone = "none"
)

// Config is the whole configuration of a session layer. Every binary reads it
// from the same environment variables (docs/protocol.md, "Configuration")
// through ConfigFromEnv; DefaultConfig gives the defaults listed on each
// field. Start from DefaultConfig: Validate refuses a zero lifetime, cookie
// name, base path or anti-CSRF mode rather than guess one.
//
// The zero value fails closed. Every field whose zero value could weaken a
// session is either refused by Validate or means the secure choice: cookies
// are Secure unless InsecureCookies is set, and a zero CookieSameSite or
// AntiCSRF is refused, never read as "none". A combination that weakens
// the defaults without being wrong (SameSite None with no anti-CSRF check,
// plain http origins, cookies without Secure) is refused unless its
// insecure switch is set: the Insecure* fields, INSECURE_* in the
// environment.
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
	// IdleTimeout ends a session unused for this long; it slides on use.
	// The store records activity only with writes that happen anyway (a
	// rotation or a refresh), so the end is measured from the last of those:
	// its precision is RotateAfter (docs/protocol.md, "Timeouts").
	// SESSION_IDLE_TIMEOUT, default 168h.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after creation, whatever its
	// use. SESSION_ABSOLUTE_TIMEOUT, default 720h.
	AbsoluteTimeout time.Duration

	// InsecureCookies leaves the Secure attribute off every cookie. The zero
	// value, false, gives Secure cookies. In the environment it takes two
	// variables, COOKIE_SECURE=false and the switch INSECURE_COOKIES=true
	// (see "Insecure switches" below); in Go the field's name is the switch.
	// Set it only for plain-http development on a host other than
	// 127.0.0.1 or localhost (browsers store Secure cookies from those over
	// http), never in a deployment, and never with CookieSameSite None.
	InsecureCookies bool
	// CookieSameSite: COOKIE_SAMESITE lax (default), strict or none. The
	// zero value (http.SameSiteDefaultMode, which writes no attribute and
	// leaves the choice to each browser) is refused by Validate.
	CookieSameSite http.SameSite
	// CookieDomain: COOKIE_DOMAIN, default none (host-only cookies).
	CookieDomain string
	// AccessCookieName and RefreshCookieName name the two cookies:
	// ACCESS_COOKIE_NAME and REFRESH_COOKIE_NAME. Unset in the environment,
	// they are DefaultCookieNames(secure, COOKIE_DOMAIN): a name with the
	// strongest prefix the cookie's attributes allow, so that a browser
	// refuses the same name from a sibling domain or over plain http
	// (cookie tossing; ASVS 3.3.1, 3.3.3). DefaultConfig sets
	// "__Host-sAccessToken" and "__Secure-sRefreshToken": change them with
	// DefaultCookieNames when setting CookieDomain or InsecureCookies in
	// Go. Each name must be an RFC 6265 token; Validate refuses a
	// "__Host-" name (the prefix in any letter case) unless the cookie is
	// Secure, has no Domain and has Path=/ — which the refresh cookie,
	// whose Path is the refresh route, never has — and a "__Secure-" name
	// unless the cookie is Secure. securecookie binds the name into the
	// MAC, so renaming a cookie invalidates outstanding cookies of that
	// name.
	AccessCookieName  string
	RefreshCookieName string

	// MaxSessionsPerUser is how many live sessions one user may have: a
	// sign-in beyond it ends the user's least recently used sessions, in
	// the same atomic step that creates the new one (Tokens.Evicted).
	// SESSION_MAX_PER_USER, default 20, valid 1 to 1000.
	MaxSessionsPerUser int
	// ReauthWindow: ending another of one's own sessions, or all others,
	// needs the calling session to have been created (signed in) at most
	// this long ago, else ErrReauthenticate (ASVS 7.5.2: re-entered
	// credentials). SESSION_REAUTH_WINDOW, default 10m — or
	// SESSION_ABSOLUTE_TIMEOUT when that is shorter and the variable is
	// unset; > 0 and <= AbsoluteTimeout (in Go, set it when setting a
	// shorter AbsoluteTimeout).
	ReauthWindow time.Duration
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

	// Insecure switches (docs/protocol.md, "Insecure switches"). Each
	// allows one combination that weakens the defaults and that Validate
	// otherwise refuses; the zero value, false, refuses it. Set one only
	// knowing what it gives away. InsecureSwitchesInUse names those a
	// configuration relies on, for a start-up line.

	// InsecureCrossSiteWithoutCSRF allows CookieSameSite None together
	// with AntiCSRF none: every site may then send requests that carry the
	// session cookies, and nothing checks where they come from.
	// INSECURE_CROSS_SITE_WITHOUT_CSRF=true.
	InsecureCrossSiteWithoutCSRF bool
	// InsecureHTTPOrigins allows plain http origins in AllowedOrigins on a
	// host other than loopback (localhost, *.localhost, 127.0.0.0/8,
	// [::1]). Such a page can be rewritten by anyone on its network path,
	// who then acts with the user's session: CORS and the anti-CSRF check
	// trust the origin. INSECURE_HTTP_ORIGINS=true.
	InsecureHTTPOrigins bool
	// InsecureUnprefixedCookieNames allows Secure cookies whose names
	// carry neither the __Host- nor the __Secure- prefix. A sibling host
	// (any subdomain of a parent domain, over http too) can then plant
	// cookies of those names with a Domain attribute — an access and a
	// refresh cookie of its own session, beside or instead of the user's:
	// the several-cookies rule turns that into a 401, but for a browser
	// with no session of its own it is a sign-in as the attacker (a login
	// swap). INSECURE_UNPREFIXED_COOKIE_NAMES=true. (With COOKIE_SECURE
	// false no prefix is possible, and INSECURE_COOKIES covers it.)
	InsecureUnprefixedCookieNames bool
}

// MaxSessionsPerUserLimit is the largest MaxSessionsPerUser Validate
// accepts.
const MaxSessionsPerUserLimit = 1000

// DefaultConfig returns the defaults (docs/protocol.md, "Variables"), with no
// keys.
func DefaultConfig() Config {
	access, refresh := DefaultCookieNames(true, "")
	return Config{
		AccessTTL:          15 * time.Minute,
		RotateAfter:        5 * time.Minute,
		Grace:              30 * time.Second,
		IdleTimeout:        168 * time.Hour,
		AbsoluteTimeout:    720 * time.Hour,
		CookieSameSite:     http.SameSiteLaxMode,
		AccessCookieName:   access,
		RefreshCookieName:  refresh,
		MaxSessionsPerUser: 20,
		ReauthWindow:       10 * time.Minute,
		APIBasePath:        "/auth",
		AntiCSRF:           AntiCSRFCustomHeader,
	}
}

// The cookie names the frontend SDK knows, before any prefix.
const (
	baseAccessCookieName  = "sAccessToken"
	baseRefreshCookieName = "sRefreshToken"
)

// Cookie name prefixes (RFC 6265bis, section 4.1.3). A browser stores a
// cookie whose name starts with one only when its attributes match, and
// compares the prefix without regard to letter case.
const (
	// HostCookiePrefix: the cookie is Secure, has no Domain and has
	// Path=/, so only this exact host, over https, can have set it.
	HostCookiePrefix = "__Host-"
	// SecureCookiePrefix: the cookie is Secure, so a plain-http page
	// cannot have set it.
	SecureCookiePrefix = "__Secure-"
)

// DefaultCookieNames returns the access and refresh cookie names used when
// ACCESS_COOKIE_NAME and REFRESH_COOKIE_NAME are unset, for cookies that
// are Secure or not and have domain as their Domain ("" for host-only
// cookies): each gets the strongest prefix its attributes allow.
//
//	access:  __Host-sAccessToken     Secure, no Domain (Path is always /)
//	         __Secure-sAccessToken   Secure, with a Domain
//	         sAccessToken            not Secure
//	refresh: __Secure-sRefreshToken  Secure (its Path is the refresh
//	                                 route, so never __Host-)
//	         sRefreshToken           not Secure
func DefaultCookieNames(secure bool, domain string) (access, refresh string) {
	switch {
	case !secure:
		return baseAccessCookieName, baseRefreshCookieName
	case domain == "":
		return HostCookiePrefix + baseAccessCookieName, SecureCookiePrefix + baseRefreshCookieName
	default:
		return SecureCookiePrefix + baseAccessCookieName, SecureCookiePrefix + baseRefreshCookieName
	}
}

// hasPrefixFold reports whether s begins with prefix in any letter case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// cookieNameProblems lists what is wrong with the cookie names under c's
// attributes.
func (c Config) cookieNameProblems() []error {
	var p []error
	add := func(format string, args ...any) { p = append(p, fmt.Errorf(format, args...)) }
	if c.AccessCookieName == "" || c.RefreshCookieName == "" || c.AccessCookieName == c.RefreshCookieName {
		add("cookie names must be non-empty and distinct")
	}
	for _, n := range []struct{ env, name, path string }{
		{"ACCESS_COOKIE_NAME", c.AccessCookieName, "/"},
		{"REFRESH_COOKIE_NAME", c.RefreshCookieName, c.RefreshCookiePath()},
	} {
		if n.name == "" {
			continue
		}
		if !IsHTTPToken(n.name) {
			add("%s %q must be an RFC 6265 token: letters, digits and !#$%%&'*+-.^_`|~ only", n.env, n.name)
			continue
		}
		switch {
		case hasPrefixFold(n.name, HostCookiePrefix):
			if c.InsecureCookies {
				add("%s %q: a __Host- cookie must be Secure, and COOKIE_SECURE is false (drop the prefix, or see DefaultCookieNames)", n.env, n.name)
			}
			if c.CookieDomain != "" {
				add("%s %q: a __Host- cookie may have no Domain, and COOKIE_DOMAIN is %q (use __Secure-, or see DefaultCookieNames)", n.env, n.name, c.CookieDomain)
			}
			if n.path != "/" {
				add("%s %q: a __Host- cookie must have Path=/, and the refresh cookie's Path is the refresh route (%s): use __Secure-", n.env, n.name, n.path)
			}
		case hasPrefixFold(n.name, SecureCookiePrefix):
			if c.InsecureCookies {
				add("%s %q: a __Secure- cookie must be Secure, and COOKIE_SECURE is false (drop the prefix, or see DefaultCookieNames)", n.env, n.name)
			}
		default:
			if !c.InsecureCookies && !c.InsecureUnprefixedCookieNames {
				p = append(p, &InsecureError{Switch: SwitchUnprefixedCookieNames,
					Problem: fmt.Sprintf("%s %q has neither the __Host- nor the __Secure- prefix: a sibling host could plant a cookie of that name "+
						"and sign a browser into its own session (leave the variable unset for the prefixed default)", n.env, n.name)})
			}
		}
	}
	return p
}

// unprefixedCookieNames: a cookie name without a prefix on Secure cookies.
func (c Config) unprefixedCookieNames() bool {
	if c.InsecureCookies {
		return false
	}
	for _, n := range []string{c.AccessCookieName, c.RefreshCookieName} {
		if !hasPrefixFold(n, HostCookiePrefix) && !hasPrefixFold(n, SecureCookiePrefix) {
			return true
		}
	}
	return false
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

// ConfigError is every problem found in a configuration, reported together
// so that one start-up shows them all. It matches ErrInvalidInput, and each
// of its problems, with errors.Is and errors.As. Its message never contains
// key material.
type ConfigError struct {
	Problems []error
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("session: invalid configuration:")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns ErrInvalidInput and every problem.
func (e *ConfigError) Unwrap() []error {
	return append([]error{ErrInvalidInput}, e.Problems...)
}

// configErr returns a *ConfigError for problems, or nil when there are none.
func configErr(problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	return &ConfigError{Problems: problems}
}

// appendProblems adds err's problems to p: each problem of a *ConfigError,
// else err itself.
func appendProblems(p []error, err error) []error {
	if err == nil {
		return p
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return append(p, ce.Problems...)
	}
	return append(p, err)
}

// Validate checks the configuration and reports every problem at once, as a
// *ConfigError. It never includes key material in its message.
func (c Config) Validate() error {
	return configErr(c.problems(false))
}

// problems lists what is wrong with c. keysReported: SESSION_KEYS was set
// and its problems are already listed, so its absence is no news.
func (c Config) problems(keysReported bool) []error {
	var p []error
	add := func(format string, args ...any) { p = append(p, fmt.Errorf(format, args...)) }
	if c.AccessTTL == 0 && c.AccessCookieName == "" && c.APIBasePath == "" && c.AntiCSRF == "" {
		add("the configuration is a zero session.Config: start from session.DefaultConfig()")
	}
	if len(c.Keys) == 0 && !keysReported {
		add("SESSION_KEYS: at least one key pair is required")
	}
	for i, k := range c.Keys {
		if n := len(k.Hash); n != 32 && n != 64 {
			add("SESSION_KEYS: pair %d: hash key must be 32 or 64 bytes", i+1)
		}
		if n := len(k.Block); n != 16 && n != 24 && n != 32 {
			add("SESSION_KEYS: pair %d: block key must be 16, 24 or 32 bytes", i+1)
		}
	}
	if !(c.RotateAfter > 0 && c.RotateAfter < c.AccessTTL) {
		add("SESSION_ROTATE_AFTER (%s) must be > 0 and < SESSION_ACCESS_TTL (%s)", c.RotateAfter, c.AccessTTL)
	}
	if c.Grace < 0 {
		add("SESSION_GRACE (%s) must be >= 0", c.Grace)
	}
	if c.AccessTTL > c.IdleTimeout {
		add("SESSION_ACCESS_TTL (%s) must be <= SESSION_IDLE_TIMEOUT (%s)", c.AccessTTL, c.IdleTimeout)
	}
	if c.IdleTimeout > c.AbsoluteTimeout {
		add("SESSION_IDLE_TIMEOUT (%s) must be <= SESSION_ABSOLUTE_TIMEOUT (%s)", c.IdleTimeout, c.AbsoluteTimeout)
	}
	switch c.CookieSameSite {
	case http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if c.InsecureCookies {
			add("COOKIE_SAMESITE=none requires COOKIE_SECURE=true (browsers drop such cookies)")
		}
	default:
		add("COOKIE_SAMESITE must be lax, strict or none (CookieSameSite is %d)", c.CookieSameSite)
	}
	p = append(p, c.cookieNameProblems()...)
	if c.MaxSessionsPerUser < 1 || c.MaxSessionsPerUser > MaxSessionsPerUserLimit {
		add("SESSION_MAX_PER_USER (%d) must be 1 to %d", c.MaxSessionsPerUser, MaxSessionsPerUserLimit)
	}
	if !(c.ReauthWindow > 0 && c.ReauthWindow <= c.AbsoluteTimeout) {
		add("SESSION_REAUTH_WINDOW (%s) must be > 0 and <= SESSION_ABSOLUTE_TIMEOUT (%s)", c.ReauthWindow, c.AbsoluteTimeout)
	}
	if !strings.HasPrefix(c.APIBasePath, "/") || strings.HasSuffix(c.APIBasePath, "/") {
		add("API_BASE_PATH %q must start with / and not end with /", c.APIBasePath)
	}
	if c.StagePrefix != "" && (!strings.HasPrefix(c.StagePrefix, "/") || strings.HasSuffix(c.StagePrefix, "/")) {
		add("STAGE_PREFIX %q must start with / and not end with /", c.StagePrefix)
	}
	for _, o := range c.AllowedOrigins {
		if err := originProblem(o); err != nil {
			p = append(p, err)
		}
	}
	if c.AntiCSRF != AntiCSRFCustomHeader && c.AntiCSRF != AntiCSRFNone {
		add("ANTI_CSRF %q must be custom-header or none", c.AntiCSRF)
	}
	if c.crossSiteWithoutCSRF() && !c.InsecureCrossSiteWithoutCSRF {
		p = append(p, &InsecureError{Switch: SwitchCrossSiteWithoutCSRF,
			Problem: "COOKIE_SAMESITE=none with ANTI_CSRF=none: any site could send requests that carry the session cookies, " +
				"and nothing would check where they come from (use ANTI_CSRF=custom-header)"})
	}
	if !c.InsecureHTTPOrigins {
		for _, o := range c.plainHTTPOrigins() {
			p = append(p, &InsecureError{Switch: SwitchHTTPOrigins,
				Problem: fmt.Sprintf("ALLOWED_ORIGINS: %q is plain http on a host other than loopback: anyone on its network path "+
					"could rewrite that page and act with the user's session (use https)", o)})
		}
	}
	return p
}

// ConfigFromEnv reads the variables of docs/protocol.md, "Variables" (all
// but REDIS_*, which the store reads, and the ones only one binary reads)
// through lookup — os.LookupEnv in a main — starting from DefaultConfig. A
// variable that is unset or blank keeps its default. The insecure switches
// (INSECURE_COOKIES, INSECURE_CROSS_SITE_WITHOUT_CSRF,
// INSECURE_HTTP_ORIGINS) are read with the rest; COOKIE_SECURE=false
// needs INSECURE_COOKIES=true. Every problem, of parsing and of Validate,
// comes back together in one *ConfigError; key bytes are never part of a
// message.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	c := DefaultConfig()
	var p []error
	get := func(k string) (string, bool) {
		v, ok := lookup(k)
		v = strings.TrimSpace(v)
		return v, ok && v != ""
	}
	keysReported := false
	if v, ok := get("SESSION_KEYS"); ok {
		keys, err := ParseKeys(v)
		p = appendProblems(p, err)
		c.Keys, keysReported = keys, err != nil
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
		{"SESSION_REAUTH_WINDOW", &c.ReauthWindow},
	}
	for _, d := range durs {
		if v, ok := get(d.name); ok {
			x, err := time.ParseDuration(v)
			if err != nil {
				p = append(p, fmt.Errorf("%s: not a Go duration (like 15m or 30s): %w", d.name, err))
				continue
			}
			*d.dst = x
		}
	}
	if _, set := get("SESSION_REAUTH_WINDOW"); !set && c.AbsoluteTimeout > 0 && c.AbsoluteTimeout < c.ReauthWindow {
		c.ReauthWindow = c.AbsoluteTimeout // the default never refuses short lifetimes
	}
	boolVar := func(name string) bool {
		v, ok := get(name)
		if !ok {
			return false
		}
		b, known := parseBool(v)
		if !known {
			p = append(p, fmt.Errorf("%s: %q must be true or false", name, v))
		}
		return b
	}
	insecureCookiesAllowed := boolVar(SwitchInsecureCookies)
	c.InsecureCrossSiteWithoutCSRF = boolVar(SwitchCrossSiteWithoutCSRF)
	c.InsecureHTTPOrigins = boolVar(SwitchHTTPOrigins)
	c.InsecureUnprefixedCookieNames = boolVar(SwitchUnprefixedCookieNames)
	if v, ok := get("COOKIE_SECURE"); ok {
		switch secure, known := parseBool(v); {
		case !known:
			p = append(p, fmt.Errorf("COOKIE_SECURE: %q must be true or false", v))
		case secure:
			c.InsecureCookies = false
		case insecureCookiesAllowed:
			c.InsecureCookies = true
		default:
			p = append(p, &InsecureError{Switch: SwitchInsecureCookies,
				Problem: "COOKIE_SECURE=false: the session cookies would travel over plain http too, where anyone on the network path can copy them " +
					"(browsers store Secure cookies from http://127.0.0.1 and http://localhost: keep COOKIE_SECURE=true there)"})
			// Refused; the rest is checked as asked for, so that this
			// one refusal is the whole news (no prefix is possible
			// without Secure).
			c.InsecureCookies = true
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
			p = append(p, fmt.Errorf("COOKIE_SAMESITE: %q must be lax, strict or none", v))
		}
	}
	if v, ok := get("COOKIE_DOMAIN"); ok {
		c.CookieDomain = v
	}
	if v, ok := get("SESSION_MAX_PER_USER"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			p = append(p, fmt.Errorf("SESSION_MAX_PER_USER: %q is not a whole number", v))
		} else {
			c.MaxSessionsPerUser = n
		}
	}
	c.AccessCookieName, c.RefreshCookieName = DefaultCookieNames(!c.InsecureCookies, c.CookieDomain)
	if v, ok := get("ACCESS_COOKIE_NAME"); ok {
		c.AccessCookieName = v
	}
	if v, ok := get("REFRESH_COOKIE_NAME"); ok {
		c.RefreshCookieName = v
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
	p = append(p, c.problems(keysReported)...)
	return c, configErr(p)
}

// parseBool reads a boolean variable: true, 1, yes or false, 0, no, in
// any case; known is false for anything else.
func parseBool(v string) (b, known bool) {
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return false, false
}

// ParseAllowedOrigins reads an ALLOWED_ORIGINS value (comma-separated exact
// origins, a trailing "/" ignored) for a binary that needs only the origins,
// such as a Lambda proxy backend adding CORS headers. It applies the same
// per-origin checks as Config.Validate, except the one an insecure switch
// lifts (plain http origins, which the session configuration itself
// refuses), and reports every problem together in one *ConfigError; an
// empty value is no origin at all.
func ParseAllowedOrigins(v string) ([]string, error) {
	origins := splitOrigins(v)
	var p []error
	for _, o := range origins {
		if err := originProblem(o); err != nil {
			p = append(p, err)
		}
	}
	if err := configErr(p); err != nil {
		return nil, err
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

// originProblem says why o is not an allowed origin, or returns nil.
func originProblem(o string) error {
	if o == "*" {
		return errors.New("ALLOWED_ORIGINS: * is not allowed with credentials; list exact origins")
	}
	u, err := url.Parse(o)
	if err != nil {
		return fmt.Errorf("ALLOWED_ORIGINS: %q is not an origin like https://app.example.com: %w", o, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("ALLOWED_ORIGINS: %q is not an origin like https://app.example.com", o)
	}
	return nil
}
