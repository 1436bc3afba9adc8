package sessionhttp

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/session"
)

// The CORS header sets of the frontend SDK (supertokens-website, in cookie
// and in header mode): the request headers it sends, and the response
// headers it must be able to read.
const (
	// AllowHeaders is the Access-Control-Allow-Headers value of a preflight.
	AllowHeaders = session.CORSAllowHeaders
	// ExposeHeaders is the Access-Control-Expose-Headers value of every
	// response to an allowed origin. Set-Cookie can never be exposed (Fetch
	// spec); the browser stores cookies of a credentialed response anyway.
	ExposeHeaders = session.CORSExposeHeaders
	// HeaderFrontToken is the response header the SDK reads its session
	// state from (same value as authorizer.HeaderFrontToken).
	HeaderFrontToken = session.HeaderFrontToken
)

// CORS is the cross-origin policy for credentialed browser calls. The zero
// value allows no origin. It never answers "*": with credentials a browser
// requires the exact origin, and echoing any origin would let every site
// read authenticated responses.
type CORS struct {
	// Origins are the exact allowed origins (scheme://host[:port]), usually
	// session.Config.AllowedOrigins.
	Origins []string
	// Methods answered to a preflight; default "POST, OPTIONS".
	Methods []string
	// MaxAge lets browsers cache a preflight; default 10 minutes.
	MaxAge time.Duration
}

// NewCORS returns the policy for the session API routes: cfg's allowed
// origins, POST and OPTIONS.
func NewCORS(cfg session.Config) CORS {
	return CORS{Origins: cfg.AllowedOrigins, Methods: []string{http.MethodPost, http.MethodOptions}}
}

// Allowed reports whether origin is exactly one of the allowed origins. An
// empty origin (no Origin header: same-origin or not a browser) is not.
func (c CORS) Allowed(origin string) bool {
	if origin == "" || origin == "*" {
		return false
	}
	for _, o := range c.Origins {
		if o == origin {
			return true
		}
	}
	return false
}

// Apply adds the headers of an actual (non-preflight) response for a
// request from origin: always "Vary: Origin"; for an allowed origin also
// Access-Control-Allow-Origin (that origin), -Allow-Credentials and
// -Expose-Headers. It reports whether the origin was allowed.
func (c CORS) Apply(h http.Header, origin string) bool {
	h.Add("Vary", "Origin")
	if !c.Allowed(origin) {
		return false
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Expose-Headers", ExposeHeaders)
	return true
}

// Preflight answers an OPTIONS request. An allowed origin gets 204 with
// Allow-Origin, Allow-Credentials, Allow-Methods, Allow-Headers and Max-Age;
// any other origin (or none) gets 403 {"message":"origin not allowed"} with
// no Access-Control-Allow-* header, so the browser blocks the real call.
func (c CORS) Preflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if !c.Allowed(origin) {
		writeJSON(w, http.StatusForbidden, bodyOriginNotAllowed)
		return
	}
	methods := c.Methods
	if len(methods) == 0 {
		methods = []string{http.MethodPost, http.MethodOptions}
	}
	maxAge := c.MaxAge
	if maxAge <= 0 {
		maxAge = 10 * time.Minute
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	h.Set("Access-Control-Allow-Headers", AllowHeaders)
	h.Set("Access-Control-Max-Age", strconv.Itoa(int(maxAge/time.Second)))
	w.WriteHeader(http.StatusNoContent)
}

// Wrap serves OPTIONS requests as preflights and adds Apply's headers to
// every other response of next. Other servers (the local gateway) use it to
// give their routes the same CORS behaviour as the session API.
func (c CORS) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			c.Preflight(w, r)
			return
		}
		c.Apply(w.Header(), r.Header.Get("Origin"))
		next.ServeHTTP(w, r)
	})
}
