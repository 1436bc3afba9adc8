package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rig is a Manager over a memStore with a clock the test moves.
type rig struct {
	m     *Manager
	store *memStore
	clock *testClock
}

func newRig(t *testing.T, edit ...func(*Config)) *rig {
	t.Helper()
	cfg := testConfig(t)
	for _, e := range edit {
		e(&cfg)
	}
	r := &rig{store: newMemStore(), clock: newTestClock()}
	m, err := NewManager(cfg, r.store, r.clock.option())
	if err != nil {
		t.Fatal(err)
	}
	r.m = m
	return r
}

// signIn creates a session of user and returns its tokens.
func (r *rig) signIn(t *testing.T, user string) Tokens {
	t.Helper()
	tok, err := r.m.Create(context.Background(), CreateInput{UserID: user})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// junk is n short values that do not decode.
func junk(n int) []string { return slices.Repeat([]string{"x"}, n) }

// Two valid sessions of different users in one request: neither is
// trusted, whatever their order, and nothing is written — on reads and on
// refresh. The error is ErrAmbiguous, which callers see as ErrUnknown.
func TestAmbiguousCookiesOfTwoUsers(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	victim, attacker := r.signIn(t, "victim"), r.signIn(t, "attacker")
	for name, order := range map[string][2]Tokens{"attacker first": {attacker, victim}, "victim first": {victim, attacker}} {
		r.store.reset()
		v, err := r.m.ValidateAny(ctx, []string{order[0].Access.Value, order[1].Access.Value})
		if !errors.Is(err, ErrAmbiguous) || !errors.Is(err, ErrUnknown) || v != nil {
			t.Errorf("%s: ValidateAny = %v, %v; want ErrAmbiguous", name, v, err)
		}
		tok, err := r.m.RefreshAny(ctx, []string{order[0].Refresh.Value, order[1].Refresh.Value})
		if !errors.Is(err, ErrAmbiguous) || !errors.Is(err, ErrUnknown) || tok.Access != nil {
			t.Errorf("%s: RefreshAny = %v; want ErrAmbiguous", name, err)
		}
		if r.store.writes != 0 {
			t.Errorf("%s: %d writes (%v)", name, r.store.writes, r.store.calls)
		}
		for _, c := range r.store.calls {
			if strings.HasPrefix(c, "refresh ") {
				t.Errorf("%s: the store was asked to refresh: %v", name, r.store.calls)
			}
		}
	}
	// Both sessions are untouched: each refreshes on its own.
	for _, tok := range []Tokens{victim, attacker} {
		if _, err := r.m.RefreshAny(ctx, []string{tok.Refresh.Value}); err != nil {
			t.Errorf("%s afterwards: %v", tok.UserID, err)
		}
	}
}

// Several valid sessions of one user: the first in header order wins, on
// reads and on refresh (only that one is refreshed).
func TestSeveralSessionsOfOneUserFirstWins(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	a, b := r.signIn(t, "u"), r.signIn(t, "u")
	v, err := r.m.ValidateAny(ctx, []string{b.Access.Value, a.Access.Value})
	if err != nil || v.SessionID != b.SessionID {
		t.Fatalf("ValidateAny = %v, %v; want session %s", v, err, b.SessionID)
	}
	r.store.reset()
	tok, err := r.m.RefreshAny(ctx, []string{a.Refresh.Value, b.Refresh.Value})
	if err != nil || tok.SessionID != a.SessionID {
		t.Fatalf("RefreshAny = %v, %v; want session %s", tok.SessionID, err, a.SessionID)
	}
	if want := []string{"info " + a.SessionID, "info " + b.SessionID, "refresh " + a.SessionID}; !slices.Equal(r.store.calls, want) {
		t.Errorf("store calls %v, want %v", r.store.calls, want)
	}
	// A live session of the user beside one that is gone: the live one.
	if _, err := r.m.Revoke(ctx, a.SessionID); err != nil {
		t.Fatal(err)
	}
	tok, err = r.m.RefreshAny(ctx, []string{a.Refresh.Value, tok.Refresh.Value, b.Refresh.Value})
	if err != nil || tok.SessionID != b.SessionID {
		t.Fatalf("RefreshAny beside an ended session = %v, %v; want %s", tok.SessionID, err, b.SessionID)
	}
}

// Of one session presented several times, the highest generation counts:
// an old copy beside the current one, before or after it, neither fails
// the request nor (on refresh) counts as a replay.
func TestHighestGenerationPerSession(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	old := r.signIn(t, "u")
	cur, err := r.m.RefreshAny(ctx, []string{old.Refresh.Value})
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range map[string][]string{"old first": {old.Access.Value, cur.Access.Value}, "old last": {cur.Access.Value, old.Access.Value}} {
		r.store.reset()
		v, err := r.m.ValidateAny(ctx, values)
		if err != nil || v.SessionID != cur.SessionID {
			t.Errorf("%s: ValidateAny = %v", name, err)
		}
		if len(r.store.calls) != 1 {
			t.Errorf("%s: store calls %v, want one validation", name, r.store.calls)
		}
	}
	next, err := r.m.RefreshAny(ctx, []string{old.Refresh.Value, cur.Refresh.Value})
	if err != nil {
		t.Fatalf("RefreshAny with an older copy first: %v", err)
	}
	if info, _ := r.m.InspectRefresh(next.Refresh.Value); info.Generation != 3 {
		t.Errorf("refreshed to generation %d, want 3", info.Generation)
	}
}

// Junk never hides a valid copy: as many short undecodable copies as fit
// in HeaderBudget before the valid one (hundreds), or authentic copies of
// sessions that have ended.
func TestJunkCopiesNeverHideAValidOne(t *testing.T) {
	r := newRig(t, func(c *Config) {
		c.AccessCookieName, c.RefreshCookieName, c.InsecureUnprefixedCookieNames = "sAccessToken", "sRefreshToken", true
	})
	ctx := context.Background()
	good := r.signIn(t, "u")
	name := r.m.cfg.AccessCookieName
	n := (HeaderBudget - CookieCopySize(name, good.Access.Value)) / CookieCopySize(name, "x")
	if n < 600 {
		t.Fatalf("only %d junk copies fit", n)
	}
	values := append(junk(n), good.Access.Value)
	if v, err := r.m.ValidateAny(ctx, values); err != nil || v.SessionID != good.SessionID {
		t.Fatalf("valid copy after %d junk ones: %v", n, err)
	}
	// Authentic copies of ended sessions, of another user too.
	var ended []string
	for i := 0; i < 20; i++ {
		tok := r.signIn(t, fmt.Sprint("other", i%2))
		if _, err := r.m.Revoke(ctx, tok.SessionID); err != nil {
			t.Fatal(err)
		}
		ended = append(ended, tok.Access.Value)
	}
	if v, err := r.m.ValidateAny(ctx, append(ended, good.Access.Value)); err != nil || v.SessionID != good.SessionID {
		t.Fatalf("valid copy after %d ended sessions: %v", len(ended), err)
	}
	rname := r.m.cfg.RefreshCookieName
	n = (HeaderBudget - CookieCopySize(rname, good.Refresh.Value)) / CookieCopySize(rname, "x")
	if _, err := r.m.RefreshAny(ctx, append(junk(n), good.Refresh.Value)); err != nil || n < 500 {
		t.Fatalf("refresh after %d junk copies: %v", n, err)
	}
}

// Copies beyond HeaderBudget are ignored: a request that passed API
// Gateway cannot have carried them. The copy that just fits counts.
func TestCopiesBeyondTheBudgetAreIgnored(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	good := r.signIn(t, "u")
	name := r.m.cfg.AccessCookieName
	room := HeaderBudget - CookieCopySize(name, good.Access.Value)
	// Fill exactly room bytes with junk: pad one copy to make it exact.
	unit := CookieCopySize(name, "x")
	fill := junk(room/unit - 1)
	pad := room - len(fill)*unit - CookieCopySize(name, "")
	fill = append(fill, strings.Repeat("y", pad))
	if got := sizeOf(name, fill); got != room {
		t.Fatalf("fill is %d bytes, want %d", got, room)
	}
	values := append(fill, good.Access.Value)
	if got := len(CookieCopiesInBudget(name, values)); got != len(values) {
		t.Fatalf("CookieCopiesInBudget kept %d of %d copies that fit exactly", got, len(values))
	}
	if _, err := r.m.ValidateAny(ctx, values); err != nil {
		t.Fatalf("the copy that just fits: %v", err)
	}
	values = append([]string{"z"}, values...)
	if got := len(CookieCopiesInBudget(name, values)); got != len(values)-1 {
		t.Fatalf("CookieCopiesInBudget kept %d of %d", got, len(values))
	}
	r.store.reset()
	if _, err := r.m.ValidateAny(ctx, values); !errors.Is(err, ErrUnknown) {
		t.Fatalf("a copy past the budget was used: %v", err)
	}
	if _, err := r.m.SignOut(ctx, values); !errors.Is(err, ErrUnknown) {
		t.Fatalf("sign-out used a copy past the budget: %v", err)
	}
	if len(r.store.calls) != 0 {
		t.Fatalf("the store was asked about a copy past the budget: %v", r.store.calls)
	}
}

func sizeOf(name string, values []string) int {
	n := 0
	for _, v := range values {
		n += CookieCopySize(name, v)
	}
	return n
}

// Sign-out revokes every authentic session presented: of a victim's
// session and one tossed beside it, neither survives.
func TestSignOutRevokesEverySessionPresented(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	victim, attacker := r.signIn(t, "victim"), r.signIn(t, "attacker")
	ids, err := r.m.SignOut(ctx, []string{attacker.Access.Value, "junk", victim.Access.Value, attacker.Access.Value})
	if err != nil || !slices.Equal(ids, []string{attacker.SessionID, victim.SessionID}) {
		t.Fatalf("SignOut = %v, %v", ids, err)
	}
	for _, tok := range []Tokens{victim, attacker} {
		if _, err := r.m.ValidateAny(ctx, []string{tok.Access.Value}); !errors.Is(err, ErrUnknown) {
			t.Errorf("%s's session survived sign-out: %v", tok.UserID, err)
		}
	}
	if _, err := r.m.SignOut(ctx, []string{victim.Access.Value}); !errors.Is(err, ErrUnknown) {
		t.Errorf("signing out again: %v", err)
	}
	if _, err := r.m.SignOut(ctx, nil); !errors.Is(err, ErrNoSession) {
		t.Errorf("nothing presented: %v", err)
	}
	// A store failure is reported (5xx, a retry ends the rest), with what
	// was revoked before it.
	a, b := r.signIn(t, "a"), r.signIn(t, "b")
	r.store.fail["revoke "+b.SessionID] = errors.New("connection reset")
	ids, err = r.m.SignOut(ctx, []string{a.Access.Value, b.Access.Value})
	if !errors.Is(err, ErrStore) || !slices.Equal(ids, []string{a.SessionID}) {
		t.Fatalf("SignOut with a store failure = %v, %v", ids, err)
	}
}

// A store failure on any session fails the request, even beside a valid
// one: the session not read might have been another user's.
func TestStoreFailureBesideAValidSession(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	good, other := r.signIn(t, "u"), r.signIn(t, "v")
	boom := errors.New("connection reset")
	r.store.fail["validate "+other.SessionID] = boom
	r.store.fail["info "+other.SessionID] = boom
	if _, err := r.m.ValidateAny(ctx, []string{good.Access.Value, other.Access.Value}); !errors.Is(err, ErrStore) {
		t.Errorf("ValidateAny = %v, want ErrStore", err)
	}
	if _, err := r.m.RefreshAny(ctx, []string{good.Refresh.Value, other.Refresh.Value}); !errors.Is(err, ErrStore) {
		t.Errorf("RefreshAny = %v, want ErrStore", err)
	}
	// On its own (junk beside it is skipped) the good session is fine.
	if _, err := r.m.ValidateAny(ctx, []string{good.Access.Value, "junk"}); err != nil {
		t.Errorf("ValidateAny: %v", err)
	}
}

// With no valid copy, the most telling failure is returned: ErrExpired
// over ErrUnknown.
func TestNoValidCopyMostTellingFailure(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	old := r.signIn(t, "u")
	if _, err := r.m.RefreshAny(ctx, []string{old.Refresh.Value}); err != nil {
		t.Fatal(err)
	}
	ended := r.signIn(t, "v")
	if _, err := r.m.Revoke(ctx, ended.SessionID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.ValidateAny(ctx, []string{"junk", ended.Access.Value, old.Access.Value}); !errors.Is(err, ErrExpired) {
		t.Errorf("ValidateAny = %v, want ErrExpired", err)
	}
	if _, err := r.m.ValidateAny(ctx, nil); !errors.Is(err, ErrNoSession) {
		t.Errorf("no value: %v", err)
	}
	if _, err := r.m.RefreshAny(ctx, []string{"junk", ended.Refresh.Value}); !errors.Is(err, ErrUnknown) || errors.Is(err, ErrAmbiguous) {
		t.Errorf("RefreshAny = %v, want ErrUnknown", err)
	}
}

// One cookie costs what it cost before the several-cookies rule: ValidateAny
// with one value allocates exactly what the decode and the validation of
// that value allocate on their own.
func TestValidateAnyOneValueAllocatesNothingMore(t *testing.T) {
	m, _, _, v := liveStateManager(t, [16]byte{1})
	ctx := context.Background()
	values := []string{v}
	direct := testing.AllocsPerRun(200, func() {
		t, _ := m.codec.decode(m.cfg.AccessCookieName, v)
		_, _ = m.validateToken(ctx, t)
	})
	viaAny := testing.AllocsPerRun(200, func() { _, _ = m.ValidateAny(ctx, values) })
	if viaAny != direct {
		t.Fatalf("ValidateAny with one value: %v allocations, decode and validate alone: %v", viaAny, direct)
	}
}
