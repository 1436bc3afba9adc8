package session

// AntiCSRFOK applies the anti-CSRF rule (docs/protocol.md, "Anti-CSRF") to
// one request: in mode custom-header, a request whose method is not GET,
// HEAD or OPTIONS must carry the "rid" header (any value — a cross-site form
// cannot set a custom header, and a cross-site fetch that sets one needs a
// CORS preflight we refuse), and its Origin, when present, must be one of
// AllowedOrigins. Any other mode than none — the zero value "" included —
// applies the check (fail closed); mode none always passes. origin is ""
// when the request had no Origin header.
func (c Config) AntiCSRFOK(method string, hasRID bool, origin string) bool {
	if c.AntiCSRF == AntiCSRFNone {
		return true
	}
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return true
	}
	if !hasRID {
		return false
	}
	return origin == "" || c.OriginAllowed(origin)
}

// Wire names (docs/protocol.md, "Wire protocol") that every part of the
// system shares: the authorizer's mapped response header, the gateway
// responses' CORS headers and the session API's CORS answers are all built
// from these.
const (
	// HeaderFrontToken is the response header the frontend SDK keeps its
	// session state from; FrontTokenRemove as its value ends that state.
	HeaderFrontToken = "front-token"
	// CORSAllowHeaders are the request headers the SDK sends
	// (Access-Control-Allow-Headers of a preflight), in either mode:
	// authorization and st-auth-mode carry header mode (bearer.go),
	// content-type the JSON of its sign-in calls.
	CORSAllowHeaders = "rid, fdi-version, anti-csrf, authorization, " + HeaderAuthMode + ", content-type"
	// CORSExposeHeaders are the response headers the SDK must be able to
	// read (Access-Control-Expose-Headers): front-token in both modes, the
	// header-mode tokens, and anti-csrf (never sent by sessiongate; the SDK
	// reads it if present). Set-Cookie can never be exposed (Fetch spec); a
	// browser stores the cookies of a credentialed response anyway.
	CORSExposeHeaders = HeaderFrontToken + ", anti-csrf, " + HeaderAccessToken + ", " + HeaderRefreshToken
)
