package sessionhttp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
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
	bodyNoSuchSession    = `{"message":"no such session"}`
	bodyReauth           = `{"message":"reauthentication required"}`
)

// Options configure the handlers. The zero value is usable.
type Options struct {
	// Logger receives one record per request with an allow-list of fields:
	// request_id, route, outcome, reason, and on a token theft sid and uid
	// (salted hashes). Never a cookie, a header or a body. Default
	// slog.Default().
	Logger *slog.Logger
	// RetryAfter is the Retry-After of a 503 when the store fails; default
	// 1s (rounded up to whole seconds).
	RetryAfter time.Duration
	// Metrics receives one CloudWatch Embedded Metric Format line per
	// request (see MetricRequests), each in one Write. cmd/sessionapi
	// passes os.Stdout, which Lambda ships to CloudWatch Logs, where the
	// lines become metrics. Default none.
	Metrics io.Writer
	// Now stamps the metric lines; default time.Now.
	Now func() time.Time
	// LogSalt keys the HMAC that stands for session and user ids in logs
	// (LOG_SALT; see package internal/logid): the first 12 hex characters
	// of HMAC-SHA256(LogSalt, id), the authorizer's rule, so one salt
	// correlates both. Default: random, drawn once per process.
	LogSalt []byte
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.LogSalt) == 0 {
		o.LogSalt = processSalt()
	} else {
		o.LogSalt = append([]byte(nil), o.LogSalt...)
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

// route is one route of the session API: its name (logs, metrics), its
// path without any prefix, its one method, and the CORS policy of its
// preflight (that method and OPTIONS).
type route struct {
	name, path, method string
	cors               CORS
}

// Handler serves the session API. Build it with New.
type Handler struct {
	m    *session.Manager
	cfg  session.Config
	opts Options
	cors CORS // of an unknown path
	// fixed are the routes with a fixed path; end is <sessions>/{id}.
	fixed                      [4]route
	refresh, signout, sessions *route
	end                        route
}

var _ http.Handler = (*Handler)(nil)

// New returns the handler of the session API's routes under
// <APIBasePath> — POST /session/refresh, POST /signout, GET /sessions,
// DELETE /sessions/{id}, POST /sessions/revoke-others — and their CORS
// preflights, under any path prefix; any other path is 404. With a prefix
// set by WithPathPrefix (package lambdaproxy does), the URL path must be
// exactly one of the routes. Without one (plain net/http), the URL path
// must end with one of them and what stands in front of it is the prefix:
// mount the handler where the browser calls it, without stripping a
// prefix (or set WithPathPrefix).
func New(m *session.Manager, opts Options) *Handler {
	cfg := m.Config()
	base := cfg.APIBasePath
	mk := func(name, path, method string) route {
		c := NewCORS(cfg)
		c.Methods = []string{method, http.MethodOptions}
		return route{name: name, path: path, method: method, cors: c}
	}
	h := &Handler{m: m, cfg: cfg, cors: NewCORS(cfg), opts: opts.withDefaults()}
	h.fixed = [4]route{
		mk(RouteRefresh, base+"/session/refresh", http.MethodPost),
		mk(RouteSignOut, base+"/signout", http.MethodPost),
		mk(RouteSessions, base+"/sessions", http.MethodGet),
		mk(RouteRevokeOthers, base+"/sessions/revoke-others", http.MethodPost),
	}
	h.refresh, h.signout, h.sessions = &h.fixed[0], &h.fixed[1], &h.fixed[2]
	h.end = mk(RouteEndSession, base+"/sessions/{id}", http.MethodDelete)
	return h
}

// RefreshPath is the refresh route's path, without any prefix.
func (h *Handler) RefreshPath() string { return h.refresh.path }

// SignOutPath is the sign-out route's path, without any prefix.
func (h *Handler) SignOutPath() string { return h.signout.path }

// SessionsPath is the path of the sessions list, without any prefix; one
// session is SessionsPath()+"/{id}", and SessionsPath()+"/revoke-others"
// ends all others.
func (h *Handler) SessionsPath() string { return h.sessions.path }

// ServeHTTP routes a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, prefix, id, ok := h.route(r)
	if !ok {
		h.cors.Apply(w.Header(), r.Header.Get("Origin"))
		writeJSON(w, http.StatusNotFound, bodyNotFound)
		return
	}
	c := readCredentials(r, h.cfg)
	if ev, done := preamble(w, r, h.cfg, rt.cors, c, rt.method); done {
		if ev != nil {
			ev.route = rt.name
			h.opts.observe(r, *ev)
		}
		return
	}
	switch rt.name {
	case RouteRefresh:
		h.serveRefresh(w, r, c, prefix)
		return
	case RouteSignOut:
		h.serveSignOut(w, r, c, prefix)
		return
	}
	// A self-service route: authenticate the caller, then its store call;
	// selfServiceFailed answers that call's failure.
	a, ok := h.authenticate(w, r, c, rt.name)
	if !ok {
		return
	}
	var err error
	switch rt.name {
	case RouteSessions:
		err = h.serveSessions(w, r, a)
	case RouteRevokeOthers:
		err = h.serveRevokeOthers(w, r, a)
	case RouteEndSession:
		err = h.serveEndSession(w, r, a, c, prefix, id)
	}
	if err != nil {
		h.selfServiceFailed(w, r, a, rt.name, err)
	}
}

// route finds r's route, the prefix in front of it, and for
// DELETE <sessions>/{id} the id (one path segment, not checked here).
// "revoke-others" is a route of its own, never an id.
func (h *Handler) route(r *http.Request) (rt *route, prefix, id string, ok bool) {
	for i := range h.fixed {
		if prefix, ok := h.match(r, r.URL.Path, h.fixed[i].path); ok {
			return &h.fixed[i], prefix, "", true
		}
	}
	path := r.URL.Path
	i := strings.LastIndexByte(path, '/')
	if i < 0 || i == len(path)-1 {
		return nil, "", "", false
	}
	if prefix, ok := h.match(r, path[:i], h.sessions.path); ok {
		return &h.end, prefix, path[i+1:], true
	}
	return nil, "", "", false
}

// match reports whether path is route's and under which prefix. Routing and
// the cookie Path come from this one answer, so they always agree.
func (h *Handler) match(r *http.Request, path, route string) (prefix string, ok bool) {
	if p, set := PathPrefix(r.Context()); set {
		return p, path == route
	}
	return suffixPrefix(path, route)
}

// preamble answers preflights, wrong methods and anti-CSRF failures, and
// adds CORS headers; it reports whether it answered, and what (nil for a
// preflight, which is neither logged nor counted). Anti-CSRF applies to
// every request but one that carries only a bearer credential (no session
// cookie): it has no ambient credential to abuse.
func preamble(w http.ResponseWriter, r *http.Request, cfg session.Config, cors CORS, c credentials, method string) (ev *event, done bool) {
	if r.Method == http.MethodOptions {
		cors.Preflight(w, r)
		return nil, true
	}
	origin := r.Header.Get("Origin")
	cors.Apply(w.Header(), origin)
	if r.Method != method {
		w.Header().Set("Allow", method+", OPTIONS")
		writeJSON(w, http.StatusMethodNotAllowed, bodyMethod)
		return &event{outcome: OutcomeBadRequest, reason: "method_not_allowed", level: slog.LevelInfo}, true
	}
	if !c.bearerOnly() && !cfg.AntiCSRFOK(r.Method, len(r.Header.Values("rid")) > 0, origin) {
		writeJSON(w, http.StatusForbidden, bodyAntiCSRF)
		return &event{outcome: OutcomeForbidden, reason: "anti_csrf", level: slog.LevelInfo}, true
	}
	return nil, false
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
				addClearCookies(w.Header(), h.m, prefix)
			}
			writeJSON(w, http.StatusOK, bodyRefreshOK)
			h.ok(r, RouteRefresh, "refreshed")
			return
		}
		if errors.Is(berr, session.ErrStore) || errors.Is(berr, session.ErrTheft) {
			h.fail(w, r, c, prefix, RouteRefresh, berr)
			return
		}
		err = berr
	}
	if cookies := cookieValues(r, h.cfg.RefreshCookieName); len(cookies) > 0 {
		// Bound to the access cookie of the same session: a planted
		// refresh cookie alone refreshes nothing (Manager.RefreshCookies).
		t, cerr := h.m.RefreshCookies(ctx, cookies, cookieValues(r, h.cfg.AccessCookieName))
		if cerr == nil {
			WriteTokens(w.Header(), TokensForPrefix(h.cfg, t, prefix))
			if c.hasBearer {
				clearHeaderTokens(w.Header())
			}
			writeJSON(w, http.StatusOK, bodyRefreshOK)
			h.ok(r, RouteRefresh, "refreshed")
			return
		}
		if failureRank(cerr) > failureRank(err) {
			err = cerr
		}
	}
	h.fail(w, r, c, prefix, RouteRefresh, err)
}

// serveSignOut revokes every session the request names — the one of a
// well-formed bearer access token and those of every authentic copy of the
// access cookie (Manager.SignOut), so that neither a session planted
// beside the user's nor the user's own survives — in one call. Expired
// tokens count: signing out needs only proof of the session. 200 when at
// least one was revoked; 503 when the store failed on any (the client
// retries, and nothing is cleared meanwhile); else 401.
func (h *Handler) serveSignOut(w http.ResponseWriter, r *http.Request, c credentials, prefix string) {
	drain(r)
	values := cookieValues(r, h.cfg.AccessCookieName)
	if c.bearer != "" {
		values = append([]string{c.bearer}, values...)
	}
	var err error
	var ids []string
	if len(values) > 0 {
		ids, err = h.m.SignOut(r.Context(), values)
	}
	if err == nil && len(ids) == 0 {
		err = c.bearerErr
	}
	if len(ids) == 0 || errors.Is(err, session.ErrStore) {
		h.fail(w, r, c, prefix, RouteSignOut, err)
		return
	}
	h.clear(w, c, prefix)
	writeJSON(w, http.StatusOK, bodyStatusOK)
	h.ok(r, RouteSignOut, "signed_out")
}

// failureRank orders failures: theft, then a store failure, then an
// expired token, then any other, then no credential at all, then none.
func failureRank(e error) int {
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

// fail is the one place that maps a failure of the refresh and sign-out
// routes, which end the client's session, to a response:
//
//	ErrStore                          → 503 + Retry-After, nothing cleared
//	ErrTheft                          → 401 token theft detected, tokens cleared
//	anything else (no session, expired,
//	unknown, ambiguous, revoked, bad
//	cookie, malformed bearer credential) → 401 unauthorised, tokens cleared
//
// A nil err is no credential at all (ErrNoSession). Every 401 clears the
// tokens as clear does and sends front-token: remove. A theft's log names
// the revoked session and its user from the Manager's *session.TheftError.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, c credentials, prefix, route string, err error) {
	if err == nil {
		err = session.ErrNoSession
	}
	switch {
	case errors.Is(err, session.ErrStore):
		h.storeFailed(w, r, route)
	case errors.Is(err, session.ErrTheft):
		h.clear(w, c, prefix)
		writeJSON(w, http.StatusUnauthorized, bodyTheft)
		ev := event{route: route, outcome: OutcomeTheft, reason: "token_theft", level: slog.LevelWarn}
		if te, ok := errors.AsType[*session.TheftError](err); ok {
			ev.sid, ev.uid = te.SessionID, te.UserID
		}
		h.opts.observe(r, ev)
	default:
		h.clear(w, c, prefix)
		writeJSON(w, http.StatusUnauthorized, bodyUnauthorised)
		h.unauthorised(r, route, err)
	}
}

// unauthorised logs a 401 unauthorised. A request with no credential at
// all is routine (the SDK probes refresh on first load, and calls
// protected routes before it knows it is signed out): debug level.
func (h *Handler) unauthorised(r *http.Request, route string, err error) {
	level := slog.LevelInfo
	if errors.Is(err, session.ErrNoSession) {
		level = slog.LevelDebug
	}
	h.opts.observe(r, event{route: route, outcome: OutcomeUnauthorised, reason: reasonCode(err), level: level})
}

// storeFailed answers 503 + Retry-After, touching no cookie: an outage
// logs nobody out.
func (h *Handler) storeFailed(w http.ResponseWriter, r *http.Request, route string) {
	w.Header().Set("Retry-After", h.opts.retryAfter())
	writeJSON(w, http.StatusServiceUnavailable, bodyUnavailable)
	h.opts.observe(r, event{route: route, outcome: OutcomeStoreError, reason: "store_failure", level: slog.LevelError})
}

// ok logs and counts a success.
func (h *Handler) ok(r *http.Request, route, reason string) {
	h.opts.observe(r, event{route: route, outcome: OutcomeOK, reason: reason, level: slog.LevelInfo})
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
		addClearCookies(hd, h.m, prefix)
	}
	if c.clearsHeaders() {
		clearHeaderTokens(hd)
	}
	hd.Set(HeaderFrontToken, session.FrontTokenRemove)
	hd.Set("Cache-Control", "no-store")
}

// addClearCookies adds the two Set-Cookie lines that delete the session's
// cookies for a request under prefix.
func addClearCookies(hd http.Header, m *session.Manager, prefix string) {
	for _, c := range clearCookies(m, prefix) {
		addCookie(hd, c)
	}
}

func reasonCode(err error) string {
	switch {
	case errors.Is(err, session.ErrNoSession):
		return "no_session"
	case errors.Is(err, session.ErrExpired):
		return "expired"
	case errors.Is(err, session.ErrMalformedBearer):
		return "malformed_bearer"
	case errors.Is(err, session.ErrAmbiguous):
		return "ambiguous"
	case errors.Is(err, session.ErrUnbound):
		return "unbound"
	case errors.Is(err, session.ErrUnknown):
		return "unknown_session"
	case errors.Is(err, session.ErrInvalidInput):
		return "invalid_input"
	default:
		return "other"
	}
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
