package session

import (
	"errors"
	"fmt"
)

// Outcomes a caller branches on. Every error returned by Manager wraps exactly
// one of these sentinels (test with errors.Is) — ErrAmbiguous, which is a
// kind of ErrUnknown, matches both — so the authorizer and the HTTP handlers
// decide 401 / 403 / 5xx in one place without reading message text.
var (
	// ErrNoSession: no session cookie was presented at all.
	ErrNoSession = errors.New("session: no session")
	// ErrExpired: the access token's generation is too old; the client should
	// call the refresh route and retry. Never a sign of theft.
	ErrExpired = errors.New("session: access token expired, refresh")
	// ErrUnknown: the cookie does not decode with any listed key, or it names a
	// session that does not exist (revoked, timed out, never existed).
	ErrUnknown = errors.New("session: revoked or unknown session")
	// ErrTheft: a rotated-out refresh token was presented after its successor
	// had been used, outside the grace window — or, whatever the time, one
	// older than the generation just rotated out. The session has been
	// revoked.
	ErrTheft = errors.New("session: token theft detected")
	// ErrInvalidInput: an argument (user id, role, claims) was rejected before
	// anything was stored, or a configuration was (a *ConfigError, from
	// Validate, ConfigFromEnv, ParseKeys or NewManager). The wrapped message
	// says which and why.
	ErrInvalidInput = errors.New("session: invalid input")
	// ErrStore: the session store failed (network, timeout, Redis error). The
	// caller must answer 5xx and change no cookie: an outage logs nobody out.
	ErrStore = errors.New("session: store failure")
	// ErrAmbiguous: the request carried several copies of a session cookie
	// that name live sessions of more than one user (cookie tossing: a
	// sibling domain or a path-scoped cookie planted beside the real one),
	// so no copy is trusted and nothing was written. It wraps ErrUnknown —
	// errors.Is(err, ErrUnknown) holds, so callers answer 401 as for no
	// session — and lets a log say "ambiguous" (see Manager.ValidateAny).
	ErrAmbiguous = fmt.Errorf("%w: cookies of more than one user's sessions", ErrUnknown)
	// ErrUnbound: a refresh cookie came without an authentic access cookie
	// of the same session (Manager.RefreshCookies). The refresh cookie is
	// path-scoped, so it cannot carry the __Host- prefix, and a sibling
	// host could plant one; the access cookie (__Host- by default) cannot
	// be planted, so a refresh by cookie needs both. It wraps ErrUnknown —
	// a 401 like any other — and nothing was written.
	ErrUnbound = fmt.Errorf("%w: refresh cookie without the access cookie of its session", ErrUnknown)
	// ErrReauthenticate: the calling session was created (signed in) longer
	// ago than Config.ReauthWindow, and the action asked for — ending
	// another session, ending all others — needs a recent sign-in (ASVS
	// 7.5.2). Callers answer 403; the user signs in again and retries.
	ErrReauthenticate = errors.New("session: reauthentication required")
)

// TheftError is ErrTheft with what the log of an incident needs: the
// session the theft verdict revoked and its user (a store fills UserID
// from the record it deleted; the Manager fills SessionID). It matches
// ErrTheft with errors.Is. Neither field is a secret, but both are
// personal data: log them only as salted hashes (internal/logid).
type TheftError struct {
	SessionID string
	UserID    string
}

func (e *TheftError) Error() string { return ErrTheft.Error() }

// Is makes a *TheftError match ErrTheft.
func (e *TheftError) Is(target error) bool { return target == ErrTheft }

// StoreError carries the operation and the underlying store error. It matches
// ErrStore with errors.Is.
type StoreError struct {
	Op  string
	Err error
}

func (e *StoreError) Error() string {
	return "session: store failure in " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns both ErrStore and the cause, so errors.Is works for either.
func (e *StoreError) Unwrap() []error { return []error{ErrStore, e.Err} }

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidInput}, args...)...)
}

// storeErr wraps err as a StoreError unless it already is one of the outcome
// sentinels (which a Store returns for expected outcomes).
func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{ErrNoSession, ErrExpired, ErrUnknown, ErrTheft, ErrInvalidInput, ErrStore, ErrReauthenticate} {
		if errors.Is(err, s) {
			return err
		}
	}
	return &StoreError{Op: op, Err: err}
}
