package sessionhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/sessiongate/sessiongate/session"
)

// maxDemoBody bounds the demo sign-in request body.
const maxDemoBody = 4096

// DemoSignIn is the body of POST <APIBasePath>/demo/signin.
type DemoSignIn struct {
	UserID string   `json:"userId"`
	Roles  []string `json:"roles"`
}

// ErrBadRequest wraps every rejection of a demo sign-in body.
var ErrBadRequest = errors.New("sessionhttp: bad request")

// ParseDemoSignIn decodes and validates a demo sign-in body: a JSON object
// with "userId" (session.ValidateNewUserID: no surrounding whitespace, no
// invisible characters) and optional "roles" (session.ValidateRoles);
// unknown fields and trailing data are rejected.
func ParseDemoSignIn(body []byte) (DemoSignIn, error) {
	var in DemoSignIn
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return DemoSignIn{}, fmt.Errorf("%w: body must be JSON {\"userId\":\"…\",\"roles\":[\"…\"]}: %w", ErrBadRequest, err)
	}
	if dec.More() {
		return DemoSignIn{}, fmt.Errorf("%w: trailing data after the JSON object", ErrBadRequest)
	}
	if err := session.ValidateNewUserID(in.UserID); err != nil {
		return DemoSignIn{}, fmt.Errorf("%w: userId: %w", ErrBadRequest, err)
	}
	if err := session.ValidateRoles(in.Roles); err != nil {
		return DemoSignIn{}, fmt.Errorf("%w: roles: %w", ErrBadRequest, err)
	}
	return in, nil
}

// DemoSignInHandler serves POST <APIBasePath>/demo/signin for the local
// gateway and browser tests: it signs in whoever it is told to, with the
// roles it is told, WITHOUT ANY AUTHENTICATION. Never deploy it. It answers
// like a refresh: 200 {"status":"OK"} with both cookies and a front-token,
// or, when the request asks for header mode (st-auth-mode: header), with
// the tokens in st-access-token and st-refresh-token and no cookie (see
// SignIn); 400 with a clear message on a bad body; 408 when the body does
// not arrive before the server's read deadline (http.Server.ReadTimeout)
// and 400 when it is cut short, both closing the connection; 503 when the
// store fails. CORS and anti-CSRF apply as on the session API routes.
//
// Like Handler.SignIn, it writes one log record and one metric line
// (route signin) per request, with SessionsEvicted when the per-user
// limit ended sessions.
//
// The local gateway serves it only on a loopback address unless told
// otherwise (-insecure-demo-signin): whoever can reach it is whoever they
// claim to be.
//
// The refresh cookie's Path follows the same rule as the refresh route's:
// the prefix set with WithPathPrefix, else what stands in front of
// <APIBasePath>/demo/signin in the URL path, else ""; STAGE_PREFIX, when
// set, overrides it.
func DemoSignInHandler(m *session.Manager, opts Options) http.Handler {
	opts = opts.withDefaults()
	cfg := m.Config()
	cors := NewCORS(cfg)
	route := cfg.APIBasePath + "/demo/signin"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ev, done := preamble(w, r, cfg, cors, readCredentials(r, cfg), http.MethodPost); done {
			if ev != nil {
				ev.route = RouteSignIn
				opts.observe(r, *ev)
			}
			return
		}
		r = r.WithContext(WithPathPrefix(r.Context(), requestPrefix(r, route)))
		body, err := io.ReadAll(io.LimitReader(r.Body, maxDemoBody+1))
		if err != nil {
			// The read error names addresses; the client gets only what
			// happened.
			status, msg, reason := http.StatusBadRequest, `{"message":"the request body was cut short"}`, "body_cut_short"
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				status, msg, reason = http.StatusRequestTimeout, `{"message":"the request body did not arrive in time"}`, "body_timeout"
			}
			w.Header().Set("Connection", "close")
			writeJSON(w, status, msg)
			opts.observe(r, event{route: RouteSignIn, outcome: OutcomeBadRequest, reason: reason, level: slog.LevelInfo})
			return
		}
		if len(body) > maxDemoBody {
			err = fmt.Errorf("%w: body larger than %d bytes", ErrBadRequest, maxDemoBody)
		}
		var in DemoSignIn
		if err == nil {
			in, err = ParseDemoSignIn(body)
		}
		if err != nil {
			msg, _ := json.Marshal(map[string]string{"message": err.Error()})
			writeJSON(w, http.StatusBadRequest, string(msg))
			opts.observe(r, event{route: RouteSignIn, outcome: OutcomeBadRequest, reason: "invalid_body", level: slog.LevelInfo})
			return
		}
		_, err = signIn(w, r, m, session.CreateInput{UserID: in.UserID, Roles: in.Roles}, opts)
		switch {
		case err == nil:
			writeJSON(w, http.StatusOK, bodyStatusOK)
		case errors.Is(err, session.ErrStore):
			w.Header().Set("Retry-After", opts.retryAfter())
			writeJSON(w, http.StatusServiceUnavailable, bodyUnavailable)
		default:
			msg, _ := json.Marshal(map[string]string{"message": err.Error()})
			writeJSON(w, http.StatusBadRequest, string(msg))
		}
	})
}
