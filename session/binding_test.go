package session

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// A refresh by cookie is bound to the access cookie (RefreshCookies): the
// refresh cookie, scoped to the refresh route's Path, can be __Secure- but
// never __Host-, so a sibling host can plant one; the __Host- access
// cookie cannot be planted. Only a refresh token whose session an
// authentic access cookie of the same request also names is refreshed.
func TestRefreshCookiesBoundToAccessCookie(t *testing.T) {
	ctx := context.Background()
	// noWrites fails unless the store was neither written nor asked to
	// refresh since the last reset.
	noWrites := func(t *testing.T, r *rig) {
		t.Helper()
		if r.store.writes != 0 {
			t.Errorf("%d writes (%v)", r.store.writes, r.store.calls)
		}
		for _, c := range r.store.calls {
			if strings.HasPrefix(c, "refresh ") {
				t.Errorf("the store was asked to refresh: %v", r.store.calls)
			}
		}
	}

	t.Run("planted refresh cookie alone", func(t *testing.T) {
		// The user has no session; the attacker planted their own.
		r := newRig(t)
		planted := r.signIn(t, "attacker")
		r.store.reset()
		tok, err := r.m.RefreshCookies(ctx, []string{planted.Refresh.Value}, nil)
		if !errors.Is(err, ErrUnbound) || !errors.Is(err, ErrUnknown) || tok.Access != nil {
			t.Fatalf("RefreshCookies = %+v, %v; want ErrUnbound", tok, err)
		}
		noWrites(t, r)
	})

	t.Run("planted refresh cookie beside the victim's access cookie", func(t *testing.T) {
		r := newRig(t)
		planted, victim := r.signIn(t, "attacker"), r.signIn(t, "victim")
		r.store.reset()
		tok, err := r.m.RefreshCookies(ctx, []string{planted.Refresh.Value}, []string{victim.Access.Value})
		if !errors.Is(err, ErrUnbound) || tok.Access != nil {
			t.Fatalf("RefreshCookies = %+v, %v; want ErrUnbound", tok, err)
		}
		noWrites(t, r)
		// The planted session's access cookie does not bind the victim's
		// refresh cookie either.
		tok, err = r.m.RefreshCookies(ctx, []string{victim.Refresh.Value}, []string{planted.Access.Value})
		if !errors.Is(err, ErrUnbound) || tok.Access != nil {
			t.Fatalf("victim's refresh beside the planted access cookie = %+v, %v; want ErrUnbound", tok, err)
		}
		noWrites(t, r)
	})

	t.Run("own refresh cookie beside an expired older access cookie", func(t *testing.T) {
		r := newRig(t)
		first := r.signIn(t, "u")
		second, err := r.m.RefreshCookies(ctx, []string{first.Refresh.Value}, []string{first.Access.Value})
		if err != nil || second.SessionID != first.SessionID {
			t.Fatalf("first refresh: %v", err)
		}
		r.clock.add(r.m.cfg.AccessTTL + 1)
		// The access cookie is a generation behind and expired: it proves
		// the session all the same.
		if _, err := r.m.ValidateAny(ctx, []string{first.Access.Value}); !errors.Is(err, ErrExpired) {
			t.Fatalf("the old access cookie validates: %v", err)
		}
		third, err := r.m.RefreshCookies(ctx, []string{second.Refresh.Value}, []string{first.Access.Value})
		if err != nil || third.SessionID != first.SessionID {
			t.Fatalf("RefreshCookies = %v, %v; want session %s", third.SessionID, err, first.SessionID)
		}
		if info, err := r.m.InspectRefresh(third.Refresh.Value); err != nil || info.Generation != 3 {
			t.Fatalf("refreshed to %+v, %v; want generation 3", info, err)
		}
	})

	t.Run("own pair beside a planted refresh cookie", func(t *testing.T) {
		for _, plantedFirst := range []bool{true, false} {
			r := newRig(t)
			planted, own := r.signIn(t, "attacker"), r.signIn(t, "victim")
			refresh := []string{own.Refresh.Value, planted.Refresh.Value}
			if plantedFirst {
				refresh = []string{planted.Refresh.Value, own.Refresh.Value}
			}
			r.store.reset()
			tok, err := r.m.RefreshCookies(ctx, refresh, []string{own.Access.Value})
			if err != nil || tok.SessionID != own.SessionID {
				t.Fatalf("planted first %v: RefreshCookies = %v, %v; want the own session", plantedFirst, tok.SessionID, err)
			}
			// The planted session is not even looked up: no ambiguity.
			if want := []string{"refresh " + own.SessionID}; !slices.Equal(r.store.calls, want) {
				t.Fatalf("planted first %v: store calls %v, want %v", plantedFirst, r.store.calls, want)
			}
		}
	})

	t.Run("no refresh cookie", func(t *testing.T) {
		r := newRig(t)
		own := r.signIn(t, "u")
		r.store.reset()
		for _, access := range [][]string{nil, {own.Access.Value}} {
			if _, err := r.m.RefreshCookies(ctx, nil, access); !errors.Is(err, ErrNoSession) {
				t.Fatalf("access %d: RefreshCookies = %v; want ErrNoSession", len(access), err)
			}
		}
		noWrites(t, r)
	})

	t.Run("refresh cookie that does not decode", func(t *testing.T) {
		// Not ErrUnbound: there is no refresh token to bind.
		r := newRig(t)
		own := r.signIn(t, "u")
		_, err := r.m.RefreshCookies(ctx, []string{"junk"}, []string{own.Access.Value})
		if !errors.Is(err, ErrUnknown) || errors.Is(err, ErrUnbound) {
			t.Fatalf("RefreshCookies = %v; want ErrUnknown, not ErrUnbound", err)
		}
	})
}
