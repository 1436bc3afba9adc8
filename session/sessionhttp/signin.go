package sessionhttp

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/sessiongate/sessiongate/session"
)

// SignIn creates a session for a user the application has just
// authenticated and writes it to w, in the mode the request asks for. Call
// it before writing the status and body; on error it writes nothing and
// returns the session error (errors.Is session.ErrInvalidInput → 400,
// session.ErrStore → 503).
//
//   - Cookie mode (the default): the two cookies (two Set-Cookie lines), the
//     front-token header and Cache-Control: no-store (WriteTokens). If the
//     request carried a bearer credential, empty st-access-token and
//     st-refresh-token headers tell the client to forget its header-mode
//     tokens.
//   - Header mode, when the request carries st-auth-mode: header
//     (RequestsHeaderMode): the tokens in st-access-token and
//     st-refresh-token, the front-token and Cache-Control: no-store
//     (WriteHeaderTokens), and no cookie. If the request carried a session
//     cookie, two Set-Cookie lines clear both cookies.
//
// Either way a client holds one session in one mode afterwards. The
// request's User-Agent goes into in.UserAgent unless set already (the
// Manager stores only its summary, which the user sees in the sessions
// list). Every
// access token r carries — in its access cookie(s) and as a well-formed
// bearer token — is appended to in.Previous, so the session it names is
// revoked first: a session planted in the client before sign-in never
// survives it (no fixation).
//
// The refresh cookie's Path is TokensForPrefix's for the prefix in r's
// context (WithPathPrefix; package lambdaproxy sets it from the event),
// else "": STAGE_PREFIX, when set, overrides either. SignIn does not guess
// a prefix from r's URL, since it does not know the route it is mounted
// at; behind a server that serves the API under a prefix, set it with
// WithPathPrefix. The returned Tokens carry the cookies with that Path; in
// header mode their values are what st-access-token and st-refresh-token
// carry.
//
// SignIn writes no log and no metric; Handler.SignIn is SignIn with the
// session API's log record and metric line.
func SignIn(w http.ResponseWriter, r *http.Request, m *session.Manager, in session.CreateInput) (session.Tokens, error) {
	cfg := m.Config()
	if in.UserAgent == "" {
		in.UserAgent = r.UserAgent()
	}
	c := readCredentials(r, cfg)
	prev := append([]string(nil), in.Previous...)
	prev = append(prev, cookieValues(r, cfg.AccessCookieName)...)
	if c.bearer != "" {
		prev = append(prev, c.bearer)
	}
	in.Previous = prev
	t, err := m.Create(r.Context(), in)
	if err != nil {
		return session.Tokens{}, err
	}
	prefix, _ := PathPrefix(r.Context())
	t = TokensForPrefix(cfg, t, prefix)
	h := w.Header()
	if c.header {
		WriteHeaderTokens(h, t)
		if c.hasCookie {
			addClearCookies(h, m, prefix)
		}
		return t, nil
	}
	WriteTokens(h, t)
	if c.hasBearer {
		clearHeaderTokens(h)
	}
	return t, nil
}

// SignIn is the package's SignIn, observed like the session API's routes:
// one log record and one metric line with route signin and outcome ok,
// bad_request (ErrInvalidInput) or store_error (ErrStore), and on a
// sign-in that ended sessions of the user beyond
// session.Config.MaxSessionsPerUser, SessionsEvicted (and "evicted" in the
// log). The session is created with h's Manager; the caller writes the
// status and body, as with SignIn.
func (h *Handler) SignIn(w http.ResponseWriter, r *http.Request, in session.CreateInput) (session.Tokens, error) {
	return signIn(w, r, h.m, in, h.opts)
}

// signIn is SignIn with its observation.
func signIn(w http.ResponseWriter, r *http.Request, m *session.Manager, in session.CreateInput, opts Options) (session.Tokens, error) {
	t, err := SignIn(w, r, m, in)
	ev := event{route: RouteSignIn, outcome: OutcomeOK, reason: "signed_in", level: slog.LevelInfo, evicted: len(t.Evicted)}
	switch {
	case err == nil:
	case errors.Is(err, session.ErrStore):
		ev = event{route: RouteSignIn, outcome: OutcomeStoreError, reason: "store_failure", level: slog.LevelError}
	default:
		ev = event{route: RouteSignIn, outcome: OutcomeBadRequest, reason: reasonCode(err), level: slog.LevelInfo}
	}
	opts.observe(r, ev)
	return t, err
}

// WriteTokens adds t's cookies as two Set-Cookie lines, its front-token, and
// Cache-Control: no-store to h.
func WriteTokens(h http.Header, t session.Tokens) {
	addCookie(h, t.Access)
	addCookie(h, t.Refresh)
	h.Set(HeaderFrontToken, t.FrontToken)
	h.Set("Cache-Control", "no-store")
}

// ProxyHeaders is WriteTokens for a Lambda proxy response of a REST API
// (payload 1.0): put the result in the response's multiValueHeaders, where
// "Set-Cookie" holds one entry per cookie. Do not also put Set-Cookie in
// "headers": API Gateway keeps only the multiValueHeaders copy of a key.
// Give it t after TokensForPrefix, so the refresh cookie gets the Path the
// browser calls the refresh route under.
func ProxyHeaders(t session.Tokens) map[string][]string {
	h := http.Header{}
	WriteTokens(h, t)
	return map[string][]string(h)
}

// ProxyCookies returns t's cookies for the "cookies" array of an HTTP API
// (payload 2.0) Lambda response, one Set-Cookie value per element. Put the
// other headers (ProxyHeadersV2) in its "headers".
func ProxyCookies(t session.Tokens) []string {
	var out []string
	for _, c := range []*http.Cookie{t.Access, t.Refresh} {
		if c == nil {
			continue
		}
		if v := c.String(); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// ProxyHeadersV2 returns the single-valued headers that go with
// ProxyCookies in an HTTP API (payload 2.0) response: front-token and
// Cache-Control.
func ProxyHeadersV2(t session.Tokens) map[string]string {
	return map[string]string{HeaderFrontToken: t.FrontToken, "Cache-Control": "no-store"}
}
