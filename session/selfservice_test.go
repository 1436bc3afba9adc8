package session

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// A new session's id begins with its user's tag; the store gets the
// per-user limit and the user-agent summary with the record; the sessions
// the store ended for the limit come back in Tokens.Evicted.
func TestCreateRecordAndEvictions(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MaxSessionsPerUser = 2 })
	ctx := context.Background()
	ua := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	var toks []Tokens
	for i := 0; i < 3; i++ {
		tok, err := r.m.Create(ctx, CreateInput{UserID: "alice", UserAgent: ua})
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
		r.clock.add(time.Second)
	}
	for _, tok := range toks {
		if !strings.HasPrefix(tok.SessionID, UserTag("alice")) || !IsSessionID(tok.SessionID) {
			t.Errorf("session id %q does not begin with UserTag(alice) %q", tok.SessionID, UserTag("alice"))
		}
		if info, err := r.m.InspectAccess(tok.Access.Value); err != nil || info.SessionID != tok.SessionID {
			t.Errorf("access cookie names %q (%v), want %q", info.SessionID, err, tok.SessionID)
		}
		if info, err := r.m.InspectRefresh(tok.Refresh.Value); err != nil || info.SessionID != tok.SessionID {
			t.Errorf("refresh cookie names %q (%v), want %q", info.SessionID, err, tok.SessionID)
		}
	}
	if len(toks[0].Evicted)+len(toks[1].Evicted) != 0 || !slices.Equal(toks[2].Evicted, []string{toks[0].SessionID}) {
		t.Errorf("evicted %v, %v, %v; want only the first session, at the third sign-in", toks[0].Evicted, toks[1].Evicted, toks[2].Evicted)
	}
	rec := r.store.sessions[toks[2].SessionID].rec
	if rec.MaxPerUser != 2 || rec.Agent != "Chrome 131 on Linux" {
		t.Errorf("record MaxPerUser %d, Agent %q", rec.MaxPerUser, rec.Agent)
	}
}

// Sessions lists the caller's live sessions, current first, then the most
// recently active; never another user's.
func TestSessionsListsTheCallersOwn(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	a := r.signIn(t, "alice")
	r.clock.add(time.Minute)
	b, err := r.m.Create(ctx, CreateInput{UserID: "alice", UserAgent: "curl/8.5.0"})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.add(time.Minute)
	r.signIn(t, "bob")
	c := r.signIn(t, "alice")
	v, err := r.m.ValidateAny(ctx, []string{a.Access.Value})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.m.Sessions(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if want := []string{a.SessionID, c.SessionID, b.SessionID}; !slices.Equal(ids, want) {
		t.Fatalf("sessions %v, want %v", ids, want)
	}
	if !got[0].Current || got[1].Current || got[2].Current {
		t.Errorf("current flags %v %v %v", got[0].Current, got[1].Current, got[2].Current)
	}
	cfg := r.m.Config()
	if s := got[2]; s.Agent != "curl" || !s.ExpiresAt.Equal(s.LastActive.Add(cfg.IdleTimeout)) || !s.CreatedAt.Equal(s.LastActive) {
		t.Errorf("view %+v", s)
	}
	if _, err := r.m.Sessions(ctx, nil); !errors.Is(err, ErrNoSession) {
		t.Errorf("Sessions(nil) = %v", err)
	}
}

// Ending another session, or all others, needs the calling session to
// have been signed in within ReauthWindow: at the window's end it still
// works, a millisecond later it is ErrReauthenticate and nothing is ended.
// Ending one's current session (a sign-out) never needs it.
func TestReauthWindow(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	window := r.m.Config().ReauthWindow
	caller := r.signIn(t, "alice")
	created := r.clock.t
	others := []Tokens{r.signIn(t, "alice"), r.signIn(t, "alice"), r.signIn(t, "alice")}
	validate := func() *Validated {
		t.Helper()
		v, err := r.m.ValidateAny(ctx, []string{caller.Access.Value})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := validate()

	r.clock.t = created.Add(window)
	if current, err := r.m.EndSession(ctx, v, others[0].SessionID); err != nil || current {
		t.Fatalf("at the window's end: EndSession = %v, %v", current, err)
	}
	r.clock.t = created.Add(window + time.Millisecond)
	r.store.reset()
	if _, err := r.m.EndSession(ctx, v, others[1].SessionID); !errors.Is(err, ErrReauthenticate) {
		t.Fatalf("past the window: EndSession = %v, want ErrReauthenticate", err)
	}
	if n, err := r.m.EndOtherSessions(ctx, v); !errors.Is(err, ErrReauthenticate) || n != 0 {
		t.Fatalf("past the window: EndOtherSessions = %d, %v, want ErrReauthenticate", n, err)
	}
	if r.store.writes != 0 {
		t.Fatalf("a refused request wrote: %v", r.store.calls)
	}
	// A fresh sign-in may.
	fresh := r.signIn(t, "alice")
	fv, err := r.m.ValidateAny(ctx, []string{fresh.Access.Value})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.m.EndOtherSessions(ctx, fv); err != nil || n != 3 {
		t.Fatalf("EndOtherSessions = %d, %v; want 3 (the caller and two others)", n, err)
	}
	if got, _ := r.m.Sessions(ctx, fv); len(got) != 1 || got[0].ID != fresh.SessionID {
		t.Fatalf("left %v", got)
	}
	// The current session ends without any window: that is a sign-out.
	r.clock.add(10 * window)
	old := r.signIn(t, "carol")
	ov, err := r.m.ValidateAny(ctx, []string{old.Access.Value})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.add(10 * window)
	if current, err := r.m.EndSession(ctx, ov, old.SessionID); err != nil || !current {
		t.Fatalf("ending the current session: %v, %v", current, err)
	}
	if _, err := r.m.ValidateAny(ctx, []string{old.Access.Value}); !errors.Is(err, ErrUnknown) {
		t.Fatalf("the current session survived: %v", err)
	}
}

// EndSession gives the same answer, ErrUnknown, for every id that is not a
// live session of the caller's user — another user's (which survives), an
// ended one, a malformed one — and ends a live one of the caller's.
func TestEndSessionOnlyTheCallersOwn(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	alice, mine, bob := r.signIn(t, "alice"), r.signIn(t, "alice"), r.signIn(t, "bob")
	v, err := r.m.ValidateAny(ctx, []string{alice.Access.Value})
	if err != nil {
		t.Fatal(err)
	}
	ended := r.signIn(t, "alice")
	if _, err := r.m.Revoke(ctx, ended.SessionID); err != nil {
		t.Fatal(err)
	}
	// Another user's id with alice's tag: a different user who shares the
	// tag is still refused (the store says whose it is).
	sameTag := r.signIn(t, "alice")
	r.store.sessions[sameTag.SessionID].rec.UserID = "mallory"
	for name, id := range map[string]string{
		"another user's":           bob.SessionID,
		"another user's, same tag": sameTag.SessionID,
		"ended":                    ended.SessionID,
		"malformed":                "not-an-id",
		"upper case":               strings.ToUpper(mine.SessionID),
		"empty":                    "",
	} {
		if current, err := r.m.EndSession(ctx, v, id); !errors.Is(err, ErrUnknown) || current {
			t.Errorf("%s: EndSession = %v, %v; want ErrUnknown", name, current, err)
		}
	}
	if _, err := r.m.ValidateAny(ctx, []string{bob.Access.Value}); err != nil {
		t.Fatalf("bob's session was ended: %v", err)
	}
	if current, err := r.m.EndSession(ctx, v, mine.SessionID); err != nil || current {
		t.Fatalf("EndSession of one's own = %v, %v", current, err)
	}
	if _, err := r.m.ValidateAny(ctx, []string{mine.Access.Value}); !errors.Is(err, ErrUnknown) {
		t.Fatalf("the session survived: %v", err)
	}
	if _, err := r.m.EndSession(ctx, nil, mine.SessionID); !errors.Is(err, ErrNoSession) {
		t.Errorf("EndSession(nil) = %v", err)
	}
}

// RevokeOthers keeps exactly the session named, which must be one of the
// user's; RevokeUser keeps none.
func TestRevokeOthersAndRevokeUser(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	keep, other := r.signIn(t, "alice"), r.signIn(t, "alice")
	bob := r.signIn(t, "bob")
	for name, id := range map[string]string{"empty": "", "malformed": "xyz", "another user's": bob.SessionID} {
		if _, err := r.m.RevokeOthers(ctx, "alice", id); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: RevokeOthers = %v, want ErrInvalidInput", name, err)
		}
	}
	r.store.reset()
	if n, err := r.m.RevokeOthers(ctx, "alice", keep.SessionID); err != nil || n != 1 {
		t.Fatalf("RevokeOthers = %d, %v", n, err)
	}
	if want := []string{"revokeuser alice keep=" + keep.SessionID}; !slices.Equal(r.store.calls, want) {
		t.Errorf("store calls %v, want %v", r.store.calls, want)
	}
	if _, err := r.m.ValidateAny(ctx, []string{other.Access.Value}); !errors.Is(err, ErrUnknown) {
		t.Errorf("the other session survived: %v", err)
	}
	r.store.reset()
	if n, err := r.m.RevokeUser(ctx, "alice"); err != nil || n != 1 {
		t.Fatalf("RevokeUser = %d, %v", n, err)
	}
	if want := []string{"revokeuser alice keep="}; !slices.Equal(r.store.calls, want) {
		t.Errorf("store calls %v, want %v", r.store.calls, want)
	}
}
