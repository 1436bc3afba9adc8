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
	if !h.preamble(w, r) {
		return
	}
	if route == RouteRefresh {
		h.serveRefresh(w, r, prefix)
	} else {
		h.serveSignOut(w, r, prefix)
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
// adds CORS headers; it reports whether the route should run.
func (h *Handler) preamble(w http.ResponseWriter, r *http.Request) bool {
	return preamble(w, r, h.cfg, h.cors)
}

func preamble(w http.ResponseWriter, r *http.Request, cfg session.Config, cors CORS) bool {
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
	if !cfg.AntiCSRFOK(r.Method, len(r.Header.Values("rid")) > 0, origin) {
		writeJSON(w, http.StatusForbidden, bodyAntiCSRF)
		return false
	}
	return true
}

func (h *Handler) serveRefresh(w http.ResponseWriter, r *http.Request, prefix string) {
	drain(r)
	t, err := h.m.RefreshAny(r.Context(), cookieValues(r, h.cfg.RefreshCookieName))
	if err != nil {
		h.fail(w, r, prefix, RouteRefresh, err)
		return
	}
	WriteTokens(w.Header(), TokensForPrefix(h.cfg, t, prefix))
	writeJSON(w, http.StatusOK, bodyRefreshOK)
	h.log(r, slog.LevelInfo, RouteRefresh, "ok", "refreshed")
}

func (h *Handler) serveSignOut(w http.ResponseWriter, r *http.Request, prefix string) {
	drain(r)
	_, err := h.m.SignOut(r.Context(), cookieValues(r, h.cfg.AccessCookieName))
	if err != nil {
		h.fail(w, r, prefix, RouteSignOut, err)
		return
	}
	h.clear(w, prefix)
	writeJSON(w, http.StatusOK, bodyStatusOK)
	h.log(r, slog.LevelInfo, RouteSignOut, "ok", "signed_out")
}

// fail is the one place that maps a session outcome to a response:
//
//	ErrStore                          → 503 + Retry-After, cookies untouched
//	ErrTheft                          → 401 token theft detected, cookies cleared
//	anything else (no session, expired,
//	unknown, revoked, bad cookie)     → 401 unauthorised, cookies cleared
//
// Every 401 clears both cookies (the refresh cookie at the Path it was set
// with under prefix) and sends front-token: remove.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, prefix, route string, err error) {
	switch {
	case errors.Is(err, session.ErrStore):
		w.Header().Set("Retry-After", h.opts.retryAfter())
		writeJSON(w, http.StatusServiceUnavailable, bodyUnavailable)
		h.log(r, slog.LevelError, route, "unavailable", "store_failure")
	case errors.Is(err, session.ErrTheft):
		h.clear(w, prefix)
		writeJSON(w, http.StatusUnauthorized, bodyTheft)
		h.log(r, slog.LevelWarn, route, "unauthorised", "token_theft")
	default:
		h.clear(w, prefix)
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

func (h *Handler) clear(w http.ResponseWriter, prefix string) { writeClear(w.Header(), h.m, prefix) }

func writeClear(hd http.Header, m *session.Manager, prefix string) {
	for _, c := range clearCookies(m, prefix) {
		addCookie(hd, c)
	}
	hd.Set(HeaderFrontToken, session.FrontTokenRemove)
	hd.Set("Cache-Control", "no-store")
}

func reasonCode(err error) string {
	switch {
	case errors.Is(err, session.ErrNoSession):
		return "no_session"
	case errors.Is(err, session.ErrExpired):
		return "expired"
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
