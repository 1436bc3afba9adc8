package session

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// The insecure switches: the variables that allow a configuration which
// weakens the defaults (docs/protocol.md, "Insecure switches"). Each is
// "true" or "false" (also 1/0, yes/no); unset or blank is false.
const (
	// SwitchInsecureCookies allows COOKIE_SECURE=false (InsecureCookies).
	SwitchInsecureCookies = "INSECURE_COOKIES"
	// SwitchCrossSiteWithoutCSRF allows COOKIE_SAMESITE=none with
	// ANTI_CSRF=none (InsecureCrossSiteWithoutCSRF).
	SwitchCrossSiteWithoutCSRF = "INSECURE_CROSS_SITE_WITHOUT_CSRF"
	// SwitchHTTPOrigins allows plain http origins other than loopback in
	// ALLOWED_ORIGINS (InsecureHTTPOrigins).
	SwitchHTTPOrigins = "INSECURE_HTTP_ORIGINS"
	// SwitchUnprefixedCookieNames allows Secure session cookies named
	// without the __Host- or __Secure- prefix
	// (InsecureUnprefixedCookieNames).
	SwitchUnprefixedCookieNames = "INSECURE_UNPREFIXED_COOKIE_NAMES"
)

// InsecureError is a configuration refused because it weakens the
// defaults and its switch is not set. It is one problem of a
// *ConfigError; errors.As finds it there.
type InsecureError struct {
	// Problem says what the configuration would give away.
	Problem string
	// Switch is the variable that allows it (SwitchInsecureCookies, ...).
	Switch string
}

func (e *InsecureError) Error() string {
	return e.Problem + "; set " + e.Switch + "=true to allow it anyway"
}

// InsecureSwitchesInUse names the insecure switches this configuration
// relies on — the ones set whose combination is present — in a fixed
// order, for a start-up line; nil when it relies on none.
func (c Config) InsecureSwitchesInUse() []string {
	var out []string
	if c.InsecureCookies {
		out = append(out, SwitchInsecureCookies)
	}
	if c.InsecureCrossSiteWithoutCSRF && c.crossSiteWithoutCSRF() {
		out = append(out, SwitchCrossSiteWithoutCSRF)
	}
	if c.InsecureHTTPOrigins && len(c.plainHTTPOrigins()) > 0 {
		out = append(out, SwitchHTTPOrigins)
	}
	if c.InsecureUnprefixedCookieNames && c.unprefixedCookieNames() {
		out = append(out, SwitchUnprefixedCookieNames)
	}
	return out
}

// crossSiteWithoutCSRF: cookies sent on cross-site requests, and no
// anti-CSRF check.
func (c Config) crossSiteWithoutCSRF() bool {
	return c.CookieSameSite == http.SameSiteNoneMode && c.AntiCSRF == AntiCSRFNone
}

// plainHTTPOrigins are the allowed origins that are plain http on a host
// other than loopback.
func (c Config) plainHTTPOrigins() []string {
	var out []string
	for _, o := range c.AllowedOrigins {
		u, err := url.Parse(o)
		if err == nil && u.Scheme == "http" && !loopbackHost(u.Hostname()) {
			out = append(out, o)
		}
	}
	return out
}

// loopbackHost reports whether a browser reaches host on this machine
// only: localhost and its subdomains (which browsers resolve to loopback
// and treat as secure contexts), and loopback addresses.
func loopbackHost(host string) bool {
	h := strings.ToLower(host)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}
