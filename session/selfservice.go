package session

import (
	"context"
	"errors"
	"sort"
	"time"
)

// SessionView is one of a user's sessions as the user may see it
// (Manager.Sessions): nothing in it is a secret, and nothing in it can be
// replayed.
type SessionView struct {
	// ID is the session's public id (the id of x-session-id and of the
	// operator CLI): a hash, never the handle.
	ID         string
	CreatedAt  time.Time // when the user signed in
	LastActive time.Time // the last activity the store recorded (a rotation or a refresh)
	// ExpiresAt is when the session ends unless it is used before:
	// LastActive + IdleTimeout, or its absolute end if that comes first.
	ExpiresAt time.Time
	// Agent summarizes the client that signed in (SummarizeUserAgent), or
	// "".
	Agent string
	// Current: this is the session the request was made with.
	Current bool
}

// Sessions lists the live sessions of the user of v, the session of a
// request that ValidateAny has just validated: the current one first,
// then by LastActive, most recent first (ties: newest CreatedAt, then id).
// It needs no recent sign-in.
func (m *Manager) Sessions(ctx context.Context, v *Validated) ([]SessionView, error) {
	if v == nil {
		return nil, ErrNoSession
	}
	l, err := m.store.ListUser(ctx, v.UserID, m.now())
	if err != nil {
		return nil, storeErr("list user", err)
	}
	out := make([]SessionView, 0, len(l))
	for _, in := range l {
		if in.UserID != v.UserID {
			continue // another user's: never shown (a broken index)
		}
		exp := in.AbsoluteEnd
		if idle := in.LastActive.Add(m.cfg.IdleTimeout); !in.LastActive.IsZero() && idle.Before(exp) {
			exp = idle
		}
		out = append(out, SessionView{ID: in.ID, CreatedAt: in.CreatedAt, LastActive: in.LastActive,
			ExpiresAt: exp, Agent: in.Agent, Current: in.ID == v.SessionID})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Current != b.Current:
			return a.Current
		case !a.LastActive.Equal(b.LastActive):
			return a.LastActive.After(b.LastActive)
		case !a.CreatedAt.Equal(b.CreatedAt):
			return a.CreatedAt.After(b.CreatedAt)
		}
		return a.ID < b.ID
	})
	return out, nil
}

// EndSession ends session id of the user of v, a session ValidateAny has
// just validated, and reports whether it was v's own (current) session:
// the caller then answers as for a sign-out and clears the cookies.
// Ending one's current session needs nothing more; ending another one
// needs a recent sign-in: ErrReauthenticate when v's session was created
// more than Config.ReauthWindow ago. ErrUnknown when id is not a live
// session of v's user — the same answer for a malformed id, an ended
// session and another user's, so that nothing can be learned about
// sessions not one's own.
func (m *Manager) EndSession(ctx context.Context, v *Validated, id string) (current bool, err error) {
	if v == nil {
		return false, ErrNoSession
	}
	if id == v.SessionID {
		if _, err := m.store.Revoke(ctx, id); err != nil {
			return false, storeErr("revoke", err)
		}
		return true, nil
	}
	now := m.now()
	if err := m.recentSignIn(ctx, v, now); err != nil {
		return false, err
	}
	if !IsSessionID(id) || id[:UserTagLen] != UserTag(v.UserID) {
		return false, ErrUnknown // not one of this user's: no store call needed
	}
	info, err := m.store.Info(ctx, id, now)
	if err != nil {
		return false, storeErr("info", err)
	}
	if info.UserID != v.UserID {
		return false, ErrUnknown
	}
	ok, err := m.store.Revoke(ctx, id)
	if err != nil {
		return false, storeErr("revoke", err)
	}
	if !ok {
		return false, ErrUnknown // ended meanwhile
	}
	return false, nil
}

// EndOtherSessions ends every session of the user of v but v's own ("sign
// out everywhere else", ASVS 7.4.3) and reports how many, atomically with
// respect to a concurrent sign-in (Store.RevokeUser). It needs a recent
// sign-in: ErrReauthenticate otherwise (see EndSession).
func (m *Manager) EndOtherSessions(ctx context.Context, v *Validated) (int, error) {
	if v == nil {
		return 0, ErrNoSession
	}
	if err := m.recentSignIn(ctx, v, m.now()); err != nil {
		return 0, err
	}
	n, err := m.store.RevokeUser(ctx, v.UserID, v.SessionID)
	return n, storeErr("revoke user", err)
}

// RevokeOthers ends every session of userID but keepSessionID and reports
// how many, atomically with respect to a concurrent sign-in — for an
// application's own flows that have just re-checked the user's
// credentials, such as a password change (ASVS 7.4.3): keep the session
// the change was made in. keepSessionID must be a session id of userID
// (ErrInvalidInput otherwise; RevokeUser ends them all).
func (m *Manager) RevokeOthers(ctx context.Context, userID, keepSessionID string) (int, error) {
	if err := ValidateUserID(userID); err != nil {
		return 0, err
	}
	if !IsSessionID(keepSessionID) || keepSessionID[:UserTagLen] != UserTag(userID) {
		return 0, invalidf("the session to keep is not a session id of this user")
	}
	n, err := m.store.RevokeUser(ctx, userID, keepSessionID)
	return n, storeErr("revoke user", err)
}

// recentSignIn returns ErrReauthenticate unless v's session was created at
// most ReauthWindow before now. It reads the session (Store.Info), which
// also proves it is still live and v's user's.
func (m *Manager) recentSignIn(ctx context.Context, v *Validated, now time.Time) error {
	info, err := m.store.Info(ctx, v.SessionID, now)
	if err != nil {
		return storeErr("info", err)
	}
	if info.UserID != v.UserID {
		return &StoreError{Op: "info", Err: errors.New("the store answered with another user")}
	}
	if now.Sub(info.CreatedAt) > m.cfg.ReauthWindow {
		return ErrReauthenticate
	}
	return nil
}

// IsSessionID reports whether s has the form of a session id: IDLen
// lower-case hex digits. Use it to refuse input early; whether a session
// of that id exists is for the store to say.
func IsSessionID(s string) bool {
	if len(s) != IDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
