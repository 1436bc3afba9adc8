package sessionhttp

import (
	"net/http"
	"strings"

	"github.com/sessiongate/sessiongate/session"
)

// Header mode names, re-exported from package session for handlers that
// import only this package.
const (
	HeaderAuthMode     = session.HeaderAuthMode
	HeaderAccessToken  = session.HeaderAccessToken
	HeaderRefreshToken = session.HeaderRefreshToken
)

// credentials is what a request carries to name a session, read once per
// request: the bearer credential of its Authorization header, whether it
// carries a session cookie, and the mode it asks for.
type credentials struct {
	// bearer is a well-formed bearer token (session.ParseBearer), or "".
	bearer string
	// bearerErr is session.ErrMalformedBearer when the Authorization
	// header is a bearer credential gone wrong (or there are several
	// Authorization headers and one is a bearer credential); nil otherwise.
	bearerErr error
	// hasBearer: the request carries a bearer credential, well-formed or
	// not (session.IsBearer). Another scheme ("Basic …") is not one.
	hasBearer bool
	// hasCookie: the request carries the access or the refresh cookie.
	hasCookie bool
	// header: the request asks for header mode (RequestsHeaderMode).
	header bool
}

// readCredentials reads r's credentials. Only the cookie names are
// compared here; no value is decoded.
func readCredentials(r *http.Request, cfg session.Config) credentials {
	c := credentials{
		hasCookie: len(r.CookiesNamed(cfg.AccessCookieName)) > 0 || len(r.CookiesNamed(cfg.RefreshCookieName)) > 0,
		header:    RequestsHeaderMode(r.Header),
	}
	switch vs := r.Header.Values(session.HeaderAuthorization); len(vs) {
	case 0:
	case 1:
		c.hasBearer = session.IsBearer(vs[0])
		if c.hasBearer {
			c.bearer, c.bearerErr = session.ParseBearer(vs[0])
		}
	default:
		// Authorization is not a list header: several of them are a
		// malformed credential, unless none of them is a bearer one.
		for _, v := range vs {
			if session.IsBearer(v) {
				c.hasBearer, c.bearerErr = true, session.ErrMalformedBearer
			}
		}
	}
	return c
}

// bearerOnly reports whether a bearer credential is all that r carries to
// name a session: no session cookie, so no ambient credential a cross-site
// request could ride on, and anti-CSRF does not apply. A browser never
// adds a Bearer Authorization header by itself, and a cross-origin script
// that sets one is preflighted like one that sets rid.
func (c credentials) bearerOnly() bool { return c.hasBearer && !c.hasCookie }

// clearsCookies and clearsHeaders decide what an answer that ends the
// session (a 401, a sign-out) clears: the mode the request asks for, and
// every mode whose credential it carried.
func (c credentials) clearsCookies() bool { return c.hasCookie || !c.header }
func (c credentials) clearsHeaders() bool { return c.hasBearer || c.header }

// RequestsHeaderMode reports whether request headers h ask for header mode:
// st-auth-mode is present and every value (several headers, or one
// comma-joined value as an HTTP API event has them) is "header", in any
// letter case. Anything else — absent, "cookie", an unknown value — is
// cookie mode. The SDK sends st-auth-mode on every call it makes.
func RequestsHeaderMode(h http.Header) bool {
	vs := h.Values(session.HeaderAuthMode)
	if len(vs) == 0 {
		return false
	}
	for _, v := range vs {
		for _, part := range strings.Split(v, ",") {
			if !strings.EqualFold(strings.TrimSpace(part), session.AuthModeHeader) {
				return false
			}
		}
	}
	return true
}

// WriteHeaderTokens is WriteTokens for header mode: it sets t's access and
// refresh tokens in st-access-token and st-refresh-token (the very values
// the cookies would carry, one header each), its front-token, and
// Cache-Control: no-store. It writes no Set-Cookie.
func WriteHeaderTokens(h http.Header, t session.Tokens) {
	for k, v := range HeaderTokens(t) {
		h.Set(k, v)
	}
}

// HeaderTokens returns WriteHeaderTokens' headers as a plain map, for a
// Lambda proxy response built without net/http (either payload version;
// every value is single).
func HeaderTokens(t session.Tokens) map[string]string {
	out := map[string]string{HeaderFrontToken: t.FrontToken, "Cache-Control": "no-store"}
	if t.Access != nil {
		out[HeaderAccessToken] = t.Access.Value
	}
	if t.Refresh != nil {
		out[HeaderRefreshToken] = t.Refresh.Value
	}
	return out
}

// clearHeaderTokens tells a header-mode client to forget both tokens: an
// empty st-access-token and st-refresh-token. Some proxies drop empty
// headers; front-token: remove, sent with it whenever the session ends,
// makes the SDK forget them too. Every caller's answer sets
// Cache-Control: no-store already (clear, WriteTokens).
func clearHeaderTokens(h http.Header) {
	h.Set(HeaderAccessToken, "")
	h.Set(HeaderRefreshToken, "")
}
