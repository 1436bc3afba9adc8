package sessionhttp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/sessiongate/sessiongate/session"
)

// Response bodies of the session API (README), byte for byte.
const (
	bodyRefreshOK        = `{}`
	bodyStatusOK         = `{"status":"OK"}`
	bodyUnauthorised     = `{"message":"unauthorised"}`
	bodyTheft            = `{"message":"token theft detected"}`
	bodyAntiCSRF         = `{"message":"anti-csrf check failed"}`
	bodyUnavailable      = `{"message":"session store unavailable, retry later"}`
	bodyMethod           = `{"message":"method not allowed"}`
	bodyNotFound         = `{"message":"not found"}`
	bodyOriginNotAllowed = `{"message":"origin not allowed"}`
)

// Route names used in logs.
const (
	RouteRefresh    = "refresh"
	RouteSignOut    = "signout"
	RouteDemoSignIn = "demo-signin"
)

// Options configure the handlers. The zero value is usable.
type Options struct {
	// Logger receives one record per request with an allow-list of fields:
	// request_id, route, outcome, reason. Never a cookie, a header or a body.
	// Default slog.Default().
	Logger *slog.Logger
	// RetryAfter is the Retry-After of a 503 when the store fails; default
	// 1s (rounded up to whole seconds).
	RetryAfter time.Duration
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	return o
}

// retryAfter is the Retry-After value in whole seconds, rounded up.
func (o Options) retryAfter() string {
	return strconv.Itoa(int((o.RetryAfter + time.Second - 1) / time.Second))
}

type ctxKey struct{}

// ContextWithRequestID returns ctx carrying a request id for the handlers'
// logs (package lambdaproxy sets API Gateway's requestContext.requestId).
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request id set by ContextWithRequestID, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Handler serves the session API. Build it with New.
type Handler struct {
	m       *session.Manager
	cfg     session.Config
	cors    CORS
	opts    Options
	refresh string
	signout string
}

var _ http.Handler = (*Handler)(nil)

// New returns the handler for POST <APIBasePath>/session/refresh and
// POST <APIBasePath>/signout and their CORS preflights, under any path
// prefix; any other path is 404. With a prefix set by WithPathPrefix (package
// lambdaproxy does), the URL path must be exactly one of the two routes.
// Without one (plain net/http), the URL path must end with one of them and
// what stands in front of it is the prefix: mount the handler where the
// browser calls it, without stripping a prefix (or set WithPathPrefix).
func New(m *session.Manager, opts Options) *Handler {
	cfg := m.Config()
	return &Handler{m: m, cfg: cfg, cors: NewCORS(cfg), opts: opts.withDefaults(),
		refresh: cfg.APIBasePath + "/session/refresh", signout: cfg.APIBasePath + "/signout"}
}

// RefreshPath is the refresh route's path, without any prefix.
func (h *Handler) RefreshPath() string { return h.refresh }

// SignOutPath is the sign-out route's path, without any prefix.
func (h *Handler) SignOutPath() string { return h.signout }

// ServeHTTP routes a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route := RouteRefresh
	prefix, ok := h.match(r, h.refresh)
	if !ok {
		route = RouteSignOut
		prefix, ok = h.match(r, h.signout)
	}
	if !ok {
		h.cors.Apply(w.Header(), r.Header.Get("Origin"))
		writeJSON(w, http.StatusNotFound, bodyNotFound)
		return
	}
	c := readCredentials(r, h.cfg)
	if !preamble(w, r, h.cfg, h.cors, c) {
		return
	}
	if route == RouteRefresh {
		h.serveRefresh(w, r, c, prefix)
	} else {
		h.serveSignOut(w, r, c, prefix)
	}
}

// match reports whether r is for route and under which prefix. Routing and
// the cookie Path come from this one answer, so they always agree.
func (h *Handler) match(r *http.Request, route string) (prefix string, ok bool) {
	if p, set := PathPrefix(r.Context()); set {
		return p, r.URL.Path == route
	}
	return suffixPrefix(r.URL.Path, route)
}

// preamble answers preflights, wrong methods and anti-CSRF failures, and
// adds CORS headers; it reports whether the route should run. Anti-CSRF
// applies to every request but one that carries only a bearer credential
// (no session cookie): it has no ambient credential to abuse.
func preamble(w http.ResponseWriter, r *http.Request, cfg session.Config, cors CORS, c credentials) bool {
	if r.Method == http.MethodOptions {
		cors.Preflight(w, r)
		return false
	}
	origin := r.Header.Get("Origin")
	cors.Apply(w.Header(), origin)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeJSON(w, http.StatusMethodNotAllowed, bodyMethod)
		return false
	}
	if !c.bearerOnly() && !cfg.AntiCSRFOK(r.Method, len(r.Header.Values("rid")) > 0, origin) {
		writeJSON(w, http.StatusForbidden, bodyAntiCSRF)
		return false
	}
	return true
}

// serveRefresh rotates the refresh token the request carries. A
// well-formed bearer token is tried first, then the refresh cookie(s): a
// stale cookie beside a valid bearer token (or the reverse) never decides
// the answer. The answer goes back the way the winning token came (header
// mode for the bearer token, cookies for a cookie) and clears the other
// mode's tokens when the request carried them, so that a client holds one
// session in one mode. A store failure or theft on the bearer token is the
// answer: the cookie is not tried.
func (h *Handler) serveRefresh(w http.ResponseWriter, r *http.Request, c credentials, prefix string) {
	drain(r)
	ctx := r.Context()
	err := c.bearerErr
	if c.bearer != "" {
		t, berr := h.m.RefreshAny(ctx, []string{c.bearer})
		if berr == nil {
			WriteHeaderTokens(w.Header(), t)
			if c.hasCookie {
				h.clearCookies(w.Header(), prefix)
			}
			writeJSON(w, http.StatusOK, bodyRefreshOK)
			h.log(r, slog.LevelInfo, RouteRefresh, "ok", "refreshed")
			return
		}
		if errors.Is(berr, session.ErrStore) || errors.Is(berr, session.ErrTheft) {
			h.fail(w, r, c, prefix, RouteRefresh, berr)
			return
		}
		err = berr
	}
	if cookies := cookieValues(r, h.cfg.RefreshCookieName); len(cookies) > 0 {
		t, cerr := h.m.RefreshAny(ctx, cookies)
		if cerr == nil {
			WriteTokens(w.Header(), TokensForPrefix(h.cfg, t, prefix))
			if c.hasBearer {
				clearHeaderTokens(w.Header())
			}
			writeJSON(w, http.StatusOK, bodyRefreshOK)
			h.log(r, slog.LevelInfo, RouteRefresh, "ok", "refreshed")
			return
		}
		err = moreTelling(err, cerr)
	}
	h.fail(w, r, c, prefix, RouteRefresh, err)
}

// serveSignOut revokes every session the request names: the one of a
// well-formed bearer access token, and the one of the access cookie(s).
// Either may be expired (signing out needs only proof of the session).
// 200 when one was revoked, unless the store failed on the other (503:
// the client retries, and nothing is cleared meanwhile).
func (h *Handler) serveSignOut(w http.ResponseWriter, r *http.Request, c credentials, prefix string) {
	drain(r)
	ctx := r.Context()
	var err error
	revoked := false
	if c.bearer != "" {
		if _, berr := h.m.SignOut(ctx, []string{c.bearer}); berr == nil {
			revoked = true
		} else {
			err = moreTelling(err, berr)
		}
	}
	if cookies := cookieValues(r, h.cfg.AccessCookieName); len(cookies) > 0 {
		if _, cerr := h.m.SignOut(ctx, cookies); cerr == nil {
			revoked = true
		} else {
			err = moreTelling(err, cerr)
		}
	}
	if err == nil && !revoked {
		err = c.bearerErr
	}
	if !revoked || errors.Is(err, session.ErrStore) {
		h.fail(w, r, c, prefix, RouteSignOut, err)
		return
	}
	h.clear(w, c, prefix)
	writeJSON(w, http.StatusOK, bodyStatusOK)
	h.log(r, slog.LevelInfo, RouteSignOut, "ok", "signed_out")
}

// moreTelling returns whichever of two failures tells the client more:
// theft, then a store failure, then an expired token, then any other; a
// nil a is no failure yet. On a tie the first one stays.
func moreTelling(a, b error) error {
	rank := func(e error) int {
		switch {
		case e == nil:
			return -1
		case errors.Is(e, session.ErrTheft):
			return 4
		case errors.Is(e, session.ErrStore):
			return 3
		case errors.Is(e, session.ErrExpired):
			return 2
		case errors.Is(e, session.ErrNoSession):
			return 0
		default:
			return 1
		}
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// fail is the one place that maps a session outcome to a response:
//
//	ErrStore                          → 503 + Retry-After, nothing cleared
//	ErrTheft                          → 401 token theft detected, tokens cleared
//	anything else (no session, expired,
//	unknown, revoked, bad cookie,
//	malformed bearer credential)      → 401 unauthorised, tokens cleared
//
// A nil err is no credential at all (ErrNoSession). Every 401 clears the
// tokens as clear does and sends front-token: remove.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, c credentials, prefix, route string, err error) {
	if err == nil {
		err = session.ErrNoSession
	}
	switch {
	case errors.Is(err, session.ErrStore):
		w.Header().Set("Retry-After", h.opts.retryAfter())
		writeJSON(w, http.StatusServiceUnavailable, bodyUnavailable)
		h.log(r, slog.LevelError, route, "unavailable", "store_failure")
	case errors.Is(err, session.ErrTheft):
		h.clear(w, c, prefix)
		writeJSON(w, http.StatusUnauthorized, bodyTheft)
		h.log(r, slog.LevelWarn, route, "unauthorised", "token_theft")
	default:
		h.clear(w, c, prefix)
		writeJSON(w, http.StatusUnauthorized, bodyUnauthorised)
		// A refresh with no cookie at all is routine (the SDK probes on first
		// load): debug level, no error.
		level := slog.LevelInfo
		if errors.Is(err, session.ErrNoSession) {
			level = slog.LevelDebug
		}
		h.log(r, level, route, "unauthorised", reasonCode(err))
	}
}

// clear ends the client's session: both cookies cleared (the refresh
// cookie at the Path it was set with under prefix) when the request asks
// for cookie mode or carried a session cookie, both header tokens cleared
// (empty values) when it asks for header mode or carried a bearer
// credential, and front-token: remove in every case. A client in one mode
// never gets the other mode's clearing unless it sent that mode's tokens.
func (h *Handler) clear(w http.ResponseWriter, c credentials, prefix string) {
	hd := w.Header()
	if c.clearsCookies() {
		h.clearCookies(hd, prefix)
	}
	if c.clearsHeaders() {
		clearHeaderTokens(hd)
	}
	hd.Set(HeaderFrontToken, session.FrontTokenRemove)
	hd.Set("Cache-Control", "no-store")
}

// clearCookies adds the two Set-Cookie lines that delete the session's
// cookies for a request under prefix.
func (h *Handler) clearCookies(hd http.Header, prefix string) {
	for _, c := range clearCookies(h.m, prefix) {
		addCookie(hd, c)
	}
	hd.Set("Cache-Control", "no-store")
}

func reasonCode(err error) string {
	switch {
	case errors.Is(err, session.ErrNoSession):
		return "no_session"
	case errors.Is(err, session.ErrExpired):
		return "expired"
	case errors.Is(err, session.ErrMalformedBearer):
		return "malformed_bearer"
	case errors.Is(err, session.ErrUnknown):
		return "unknown_session"
	case errors.Is(err, session.ErrInvalidInput):
		return "invalid_input"
	default:
		return "other"
	}
}

func (h *Handler) log(r *http.Request, level slog.Level, route, outcome, reason string) {
	logAt(r, h.opts.Logger, level, route, outcome, reason)
}

func logAt(r *http.Request, l *slog.Logger, level slog.Level, route, outcome, reason string) {
	ctx := r.Context()
	if !l.Enabled(ctx, level) {
		return
	}
	l.LogAttrs(ctx, level, "session api",
		slog.String("request_id", RequestID(ctx)),
		slog.String("route", route),
		slog.String("outcome", outcome),
		slog.String("reason", reason))
}

// cookieValues returns every value of the named cookie from every Cookie
// header of r, in order (duplicates included: session.Manager decides).
func cookieValues(r *http.Request, name string) []string {
	var out []string
	for _, c := range r.CookiesNamed(name) {
		out = append(out, c.Value)
	}
	return out
}

// addCookie adds one Set-Cookie line. Each cookie is its own header line:
// browsers never split a comma-joined Set-Cookie (an Expires date has a comma).
func addCookie(h http.Header, c *http.Cookie) {
	if v := c.String(); v != "" {
		h.Add("Set-Cookie", v)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// drain reads a little of an unused request body so a keep-alive
// connection can be reused; the routes take no body.
func drain(r *http.Request) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 4096))
	}
}
