package sessionhttp

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/sessiongate/sessiongate/session"
)

// The self-service routes let a signed-in user see and end their own
// sessions (ASVS 7.4.3, 7.5.2):
//
//	GET    <base>/sessions                the caller's live sessions
//	DELETE <base>/sessions/{id}           end one of them
//	POST   <base>/sessions/revoke-others  end all but the caller's
//
// They are protected routes: the caller's access token (cookie, or bearer
// token in header mode) is validated as the authorizer validates it, and a
// failure is a plain 401 that clears nothing, so that the SDK refreshes
// and retries. Every answer is about the caller's own user only: the user
// comes from the validated session, never from the request, and an id of
// another user's session gets exactly the answer of an id that does not
// exist.

// SessionList is the answer of GET <base>/sessions: the caller's live
// sessions, the current one first, then the most recently active. It is
// exported for Go clients (and tests) that read the answer.
type SessionList struct {
	Sessions []ListedSession `json:"sessions"`
}

// ListedSession is one entry of a SessionList. Times are milliseconds
// since the epoch, as the front-token's "ate".
type ListedSession struct {
	ID           string `json:"id"`
	CreatedAt    int64  `json:"createdAt"`
	LastActiveAt int64  `json:"lastActiveAt"`
	ExpiresAt    int64  `json:"expiresAt"`
	Agent        string `json:"agent"`
	Current      bool   `json:"current"`
}

// authenticated is the caller of a self-service route.
type authenticated struct {
	v *session.Validated
	// bearer: the session came from the bearer token, so a rotated access
	// token goes back in st-access-token; else in a Set-Cookie line.
	bearer bool
}

// authenticate drains the request's body (the self-service routes take
// none) and validates its access token: one credential, chosen as the
// authorizer chooses it on a protected route (see below), never one after
// the other. On failure it has
// answered: 503 on a store failure, else 401 unauthorised, with no cookie
// cleared and no front-token (the session may only need a refresh).
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, c credentials, route string) (authenticated, bool) {
	drain(r)
	ctx := r.Context()
	// One credential decides, chosen as the authorizer chooses it on a
	// protected route: a well-formed bearer token when the request asks
	// for header mode or carries no access cookie, else the access cookie
	// copies. Never one after the other: a failed bearer token must not
	// let a cookie planted beside it answer for another user.
	cookies := cookieValues(r, h.cfg.AccessCookieName)
	var err error
	switch {
	case c.bearer != "" && (c.header || len(cookies) == 0):
		v, berr := h.m.ValidateAny(ctx, []string{c.bearer})
		if berr == nil {
			return authenticated{v: v, bearer: true}, true
		}
		err = berr
	case len(cookies) > 0:
		v, cerr := h.m.ValidateAny(ctx, cookies)
		if cerr == nil {
			return authenticated{v: v}, true
		}
		err = cerr
	case c.bearerErr != nil:
		err = c.bearerErr
	default:
		err = session.ErrNoSession
	}
	w.Header().Set("Cache-Control", "no-store")
	if errors.Is(err, session.ErrStore) {
		h.storeFailed(w, r, route)
		return authenticated{}, false
	}
	writeJSON(w, http.StatusUnauthorized, bodyUnauthorised)
	h.unauthorised(r, route, err)
	return authenticated{}, false
}

// rotated hands a rotated access token back the way it came, as the
// authorizer does: a Set-Cookie line, or st-access-token; with its
// front-token. Nothing when validation did not rotate.
func (a authenticated) rotated(hd http.Header) {
	if a.v.SetCookie == nil {
		return
	}
	if a.bearer {
		hd.Set(HeaderAccessToken, a.v.SetCookie.Value)
	} else {
		addCookie(hd, a.v.SetCookie)
	}
	hd.Set(HeaderFrontToken, a.v.FrontToken)
}

// serveSessions answers GET <base>/sessions: 200
// {"sessions":[{"id","createdAt","lastActiveAt","expiresAt","agent","current"}]},
// the current session first, then the most recently active. A failure of
// the store call is returned, for selfServiceFailed.
func (h *Handler) serveSessions(w http.ResponseWriter, r *http.Request, a authenticated) error {
	list, err := h.m.Sessions(r.Context(), a.v)
	if err != nil {
		return err
	}
	out := SessionList{Sessions: make([]ListedSession, 0, len(list))}
	for _, s := range list {
		last := s.LastActive
		if last.IsZero() {
			last = s.CreatedAt
		}
		out.Sessions = append(out.Sessions, ListedSession{ID: s.ID, CreatedAt: s.CreatedAt.UnixMilli(),
			LastActiveAt: last.UnixMilli(), ExpiresAt: s.ExpiresAt.UnixMilli(), Agent: s.Agent, Current: s.Current})
	}
	body, err := json.Marshal(out)
	if err != nil { // strings, numbers and booleans always encode
		h.storeFailed(w, r, RouteSessions)
		return nil
	}
	h.selfServiceOK(w, r, a, RouteSessions, string(body), "listed")
	return nil
}

// serveEndSession answers DELETE <base>/sessions/{id}: 200 {"status":"OK"};
// ending the caller's own session is a sign-out (cookies or header tokens
// cleared, front-token: remove); 404 for an id that is not a live session
// of the caller's user (another user's included); 403 when ending another
// session needs a recent sign-in.
func (h *Handler) serveEndSession(w http.ResponseWriter, r *http.Request, a authenticated, c credentials, prefix, id string) error {
	current, err := h.m.EndSession(r.Context(), a.v, id)
	if err != nil {
		return err
	}
	if current {
		h.clear(w, c, prefix)
		writeJSON(w, http.StatusOK, bodyStatusOK)
		h.ok(r, RouteEndSession, "ended_current")
		return nil
	}
	h.selfServiceOK(w, r, a, RouteEndSession, bodyStatusOK, "ended")
	return nil
}

// serveRevokeOthers answers POST <base>/sessions/revoke-others: 200
// {"status":"OK","revoked":n}; 403 when it needs a recent sign-in.
func (h *Handler) serveRevokeOthers(w http.ResponseWriter, r *http.Request, a authenticated) error {
	n, err := h.m.EndOtherSessions(r.Context(), a.v)
	if err != nil {
		return err
	}
	h.selfServiceOK(w, r, a, RouteRevokeOthers, `{"status":"OK","revoked":`+strconv.Itoa(n)+`}`, "revoked_others")
	return nil
}

// selfServiceOK answers a self-service success: 200 with body, never
// cached, with a rotated access token handed back the way it came.
func (h *Handler) selfServiceOK(w http.ResponseWriter, r *http.Request, a authenticated, route, body, reason string) {
	w.Header().Set("Cache-Control", "no-store")
	a.rotated(w.Header())
	writeJSON(w, http.StatusOK, body)
	h.ok(r, route, reason)
}

// selfServiceFailed maps a failure after authentication:
//
//	ErrStore           → 503 + Retry-After, no cookie or header token changed
//	ErrReauthenticate  → 403 reauthentication required
//	ErrNoSession,
//	ErrExpired         → 401 unauthorised (the caller's session ended meanwhile)
//	ErrUnknown         → 404 no such session on DELETE, else 401
//
// A rotated access token goes back with a 403 or 404, as with a success.
func (h *Handler) selfServiceFailed(w http.ResponseWriter, r *http.Request, a authenticated, route string, err error) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	switch {
	case errors.Is(err, session.ErrStore):
		h.storeFailed(w, r, route)
	case errors.Is(err, session.ErrReauthenticate):
		a.rotated(hd)
		writeJSON(w, http.StatusForbidden, bodyReauth)
		h.opts.observe(r, event{route: route, outcome: OutcomeReauth, reason: "reauthentication_required", level: slog.LevelInfo})
	case route == RouteEndSession && errors.Is(err, session.ErrUnknown):
		a.rotated(hd)
		writeJSON(w, http.StatusNotFound, bodyNoSuchSession)
		h.opts.observe(r, event{route: route, outcome: OutcomeNotFound, reason: "no_such_session", level: slog.LevelInfo})
	default:
		writeJSON(w, http.StatusUnauthorized, bodyUnauthorised)
		h.unauthorised(r, route, err)
	}
}
