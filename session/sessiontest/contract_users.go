package sessiontest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
)

// runUserContract is the part of RunStoreContract about the sessions of one
// user together: the per-user limit (Store.Create), "log out everywhere"
// atomic with sign-in (Store.RevokeUser), and Store.Info. Rows about what a
// deployment sees go through the Manager; rows about what the store
// promises its caller (what it refuses, what it returns) call the store.
func runUserContract(t *testing.T, h Harness) {
	ctx := context.Background()
	// manager is a Manager over a fresh store whose users may have limit
	// sessions each.
	manager := func(t *testing.T, limit int) (*session.Manager, session.Store, *Clock, session.Config) {
		cfg := TestConfig(t)
		cfg.MaxSessionsPerUser = limit
		clock := NewClock()
		store := h.NewStore(t)
		return NewManager(t, cfg, store, clock), store, clock, cfg
	}
	signIn := func(t *testing.T, m *session.Manager, uid string) session.Tokens {
		t.Helper()
		tok, err := m.Create(ctx, session.CreateInput{UserID: uid})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		return tok
	}
	// live is the sorted ids of the user's live sessions, by ListUser.
	live := func(t *testing.T, m *session.Manager, uid string) []string {
		t.Helper()
		l, err := m.ListUser(ctx, uid)
		if err != nil {
			t.Fatalf("ListUser: %v", err)
		}
		ids := make([]string, len(l))
		for i, in := range l {
			if in.UserID != uid {
				t.Fatalf("ListUser(%q) lists a session of %q", uid, in.UserID)
			}
			ids[i] = in.ID
		}
		slices.Sort(ids)
		return ids
	}
	ids := func(toks ...session.Tokens) []string {
		out := make([]string, len(toks))
		for i, tok := range toks {
			out[i] = tok.SessionID
		}
		slices.Sort(out)
		return out
	}
	// gone fails unless none of toks' sessions validates or refreshes.
	gone := func(t *testing.T, m *session.Manager, toks ...session.Tokens) {
		t.Helper()
		for _, tok := range toks {
			if _, err := m.Validate(ctx, tok.Access.Value); !errors.Is(err, session.ErrUnknown) {
				t.Fatalf("session %s validates after it was ended: %v", tok.SessionID, err)
			}
			if _, err := m.Refresh(ctx, tok.Refresh.Value); !errors.Is(err, session.ErrUnknown) {
				t.Fatalf("session %s refreshes after it was ended: %v", tok.SessionID, err)
			}
		}
	}
	alive := func(t *testing.T, m *session.Manager, toks ...session.Tokens) {
		t.Helper()
		for _, tok := range toks {
			if _, err := m.Validate(ctx, tok.Access.Value); err != nil {
				t.Fatalf("session %s: %v", tok.SessionID, err)
			}
		}
	}
	// indexAtMost fails when the store's index of uid holds more than n
	// entries (when the store says).
	indexAtMost := func(t *testing.T, store session.Store, uid string, n int) {
		t.Helper()
		if h.IndexLen == nil {
			return
		}
		if got := h.IndexLen(t, store, uid); got > n {
			t.Fatalf("the index of the user holds %d entries, want at most %d", got, n)
		}
	}
	// record is a Record of a new session of uid as a Manager would make
	// it at now.
	record := func(t *testing.T, cfg session.Config, uid string, now time.Time, limit int) session.Record {
		var b [(session.IDLen - session.UserTagLen) / 2]byte
		if _, err := rand.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		return session.Record{ID: session.UserTag(uid) + hex.EncodeToString(b[:]), UserID: uid, Roles: []string{"user"},
			Claims: []byte("{}"), CreatedAt: now, AbsoluteEnd: now.Add(cfg.AbsoluteTimeout), IdleTimeout: cfg.IdleTimeout, MaxPerUser: limit}
	}

	// Signing in past the limit ends the least recently used sessions,
	// in the same step, and says which: here the oldest session was made
	// recently used by a refresh, so the next two are ended instead.
	t.Run("PerUserLimitEndsLeastRecentlyUsed", func(t *testing.T) {
		const limit = 3
		m, store, clock, _ := manager(t, limit)
		uid := UniqueUser("limit")
		var toks []session.Tokens
		for i := 0; i < limit; i++ {
			tok := signIn(t, m, uid)
			if len(tok.Evicted) != 0 {
				t.Fatalf("sign-in %d, under the limit, ended %v", i, tok.Evicted)
			}
			toks = append(toks, tok)
			clock.Advance(time.Second)
		}
		// The oldest becomes the most recently used.
		clock.Advance(time.Minute)
		r0, err := m.Refresh(ctx, toks[0].Refresh.Value)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		t3 := signIn(t, m, uid)
		if !slices.Equal(t3.Evicted, []string{toks[1].SessionID}) {
			t.Fatalf("the 4th sign-in ended %v, want the least recently used, %s", t3.Evicted, toks[1].SessionID)
		}
		clock.Advance(time.Second)
		t4 := signIn(t, m, uid)
		if !slices.Equal(t4.Evicted, []string{toks[2].SessionID}) {
			t.Fatalf("the 5th sign-in ended %v, want %s", t4.Evicted, toks[2].SessionID)
		}
		gone(t, m, toks[1], toks[2])
		alive(t, m, r0, t3, t4)
		if got, want := live(t, m, uid), ids(toks[0], t3, t4); !slices.Equal(got, want) {
			t.Fatalf("live sessions %v, want %v", got, want)
		}
		indexAtMost(t, store, uid, limit)
	})

	// Equal last activity: the oldest created goes first.
	t.Run("PerUserLimitTieEndsOldestCreated", func(t *testing.T) {
		m, _, clock, _ := manager(t, 2)
		uid := UniqueUser("tie")
		a := signIn(t, m, uid)
		clock.Advance(time.Second)
		b := signIn(t, m, uid)
		clock.Advance(time.Minute)
		ra, err := m.Refresh(ctx, a.Refresh.Value)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := m.Refresh(ctx, b.Refresh.Value) // the same instant
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		c := signIn(t, m, uid)
		if !slices.Equal(c.Evicted, []string{a.SessionID}) {
			t.Fatalf("ended %v, want the older of two equally recent sessions, %s", c.Evicted, a.SessionID)
		}
		gone(t, m, ra)
		alive(t, m, rb, c)
	})

	// A limit of one: every sign-in ends the previous session.
	t.Run("PerUserLimitOfOne", func(t *testing.T) {
		m, store, clock, _ := manager(t, 1)
		uid := UniqueUser("one")
		prev := signIn(t, m, uid)
		for i := 0; i < 5; i++ {
			clock.Advance(time.Millisecond)
			tok := signIn(t, m, uid)
			if !slices.Equal(tok.Evicted, []string{prev.SessionID}) {
				t.Fatalf("sign-in %d ended %v, want %s", i, tok.Evicted, prev.SessionID)
			}
			gone(t, m, prev)
			prev = tok
		}
		alive(t, m, prev)
		indexAtMost(t, store, uid, 1)
	})

	// The reproduction: 2,000 sign-ins of one user under the
	// default limit leave exactly that many sessions, and an index no
	// larger; each sign-in past the limit ends exactly the session signed
	// in limit sign-ins before it (the least recently used, none of them
	// having been used since).
	t.Run("TwoThousandSignInsKeepTheLimit", func(t *testing.T) {
		limit := session.DefaultConfig().MaxSessionsPerUser
		m, store, clock, _ := manager(t, limit)
		uid := UniqueUser("many")
		const n = 2000
		var all []session.Tokens
		ended := map[string]bool{}
		for i := 0; i < n; i++ {
			tok := signIn(t, m, uid)
			switch {
			case i < limit && len(tok.Evicted) != 0:
				t.Fatalf("sign-in %d ended %v under the limit", i, tok.Evicted)
			case i >= limit && !slices.Equal(tok.Evicted, []string{all[i-limit].SessionID}):
				t.Fatalf("sign-in %d ended %v, want %s", i, tok.Evicted, all[i-limit].SessionID)
			}
			for _, id := range tok.Evicted {
				ended[id] = true
			}
			all = append(all, tok)
			clock.Advance(time.Millisecond)
		}
		if len(ended) != n-limit {
			t.Fatalf("%d sessions ended, want %d", len(ended), n-limit)
		}
		if got, want := live(t, m, uid), ids(all[n-limit:]...); !slices.Equal(got, want) {
			t.Fatalf("%d live sessions, want the last %d", len(got), limit)
		}
		indexAtMost(t, store, uid, limit)
		gone(t, m, all[0], all[n-limit-1])
		alive(t, m, all[n-limit], all[n-1])
	})

	// Sessions that timed out (idle or absolute, by the caller's clock)
	// are not sessions: they do not count towards the limit, are not
	// reported as ended by it, and leave the index on the way.
	t.Run("TimedOutSessionsLeaveTheIndexOnTheWay", func(t *testing.T) {
		const limit = 3
		m, store, clock, cfg := manager(t, limit)
		uid := UniqueUser("idle")
		var old []session.Tokens
		for i := 0; i < limit; i++ {
			old = append(old, signIn(t, m, uid))
		}
		clock.Advance(cfg.IdleTimeout)
		tok := signIn(t, m, uid)
		if len(tok.Evicted) != 0 {
			t.Fatalf("timed-out sessions reported as ended by the limit: %v", tok.Evicted)
		}
		if got := live(t, m, uid); !slices.Equal(got, ids(tok)) {
			t.Fatalf("live sessions %v, want only the new one", got)
		}
		indexAtMost(t, store, uid, 1)
		gone(t, m, old...)

		// Absolute ends, at the store: records that end a minute after
		// creation, then one more sign-in a minute later.
		uid = UniqueUser("absolute")
		now := clock.Now()
		for i := 0; i < limit; i++ {
			rec := record(t, cfg, uid, now, limit)
			rec.AbsoluteEnd = now.Add(time.Minute)
			if ev, err := store.Create(ctx, rec); err != nil || len(ev) != 0 {
				t.Fatalf("Create: %v %v", ev, err)
			}
		}
		rec := record(t, cfg, uid, now.Add(time.Minute), limit)
		if ev, err := store.Create(ctx, rec); err != nil || len(ev) != 0 {
			t.Fatalf("Create after the others' absolute end: ended %v (%v), want none", ev, err)
		}
		if l, err := store.ListUser(ctx, uid, now.Add(time.Minute)); err != nil || len(l) != 1 || l[0].ID != rec.ID {
			t.Fatalf("ListUser: %v %v, want only %s", l, err, rec.ID)
		}
		indexAtMost(t, store, uid, 1)
	})

	// The store refuses a record it could not keep with its user's other
	// sessions (its id lacks the user's tag) or without a limit, before
	// anything is written.
	t.Run("CreateRefusesForeignTagAndNoLimit", func(t *testing.T) {
		_, store, clock, cfg := manager(t, 3)
		uid := UniqueUser("refuse")
		now := clock.Now()
		other := record(t, cfg, uid+"-other", now, 3)
		if session.UserTag(uid) == session.UserTag(other.UserID) {
			t.Fatal("the two users share a tag: pick other ids")
		}
		for name, rec := range map[string]session.Record{
			"another user's tag": func() session.Record { r := record(t, cfg, uid, now, 3); r.ID = other.ID; return r }(),
			"limit 0":            record(t, cfg, uid, now, 0),
			"negative limit":     record(t, cfg, uid, now, -1),
		} {
			ev, err := store.Create(ctx, rec)
			if !errors.Is(err, session.ErrInvalidInput) || len(ev) != 0 {
				t.Errorf("%s: got %v %v, want ErrInvalidInput", name, ev, err)
			}
			if _, err := store.Info(ctx, rec.ID, now); !errors.Is(err, session.ErrUnknown) {
				t.Errorf("%s: the refused session is stored: %v", name, err)
			}
		}
		if l, err := store.ListUser(ctx, uid, now); err != nil || len(l) != 0 {
			t.Fatalf("the user has sessions after refused creates: %v %v", l, err)
		}
		indexAtMost(t, store, uid, 0)
	})

	// Log out everywhere, racing sign-ins of the same user. Every session
	// must be ended by exactly one RevokeUser or survive them all, so the
	// counts they return add up to the sign-ins exactly, and once a last
	// RevokeUser (alone) has run no session is left. A store that reads
	// the index and then deletes fails this whenever a sign-in lands in
	// between: its session is neither deleted nor left in the index, so
	// it outlives every later RevokeUser and goes uncounted. Each
	// RevokeUser must also end every session whose sign-in had returned
	// before it was called (checked for the newest of them each time).
	t.Run("RevokeUserAtomicWithCreate", func(t *testing.T) {
		limit := session.MaxSessionsPerUserLimit // no sign-in here ends another
		m, store, clock, _ := manager(t, limit)
		uid := UniqueUser("everywhere")
		const creators, overlapping, newest = 6, 8, 32
		var (
			mu      sync.Mutex
			created []session.Tokens // in the order the sign-ins returned
			stop    atomic.Bool
			wg      sync.WaitGroup
			errs    = make(chan error, creators)
		)
		for c := 0; c < creators; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					mu.Lock()
					full := len(created) >= limit-creators
					mu.Unlock()
					if full {
						return
					}
					tok, err := m.Create(ctx, session.CreateInput{UserID: uid})
					if err == nil && len(tok.Evicted) != 0 {
						err = fmt.Errorf("a sign-in under the limit ended %v", tok.Evicted)
					}
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					created = append(created, tok)
					mu.Unlock()
				}
			}()
		}
		count := func() int { mu.Lock(); defer mu.Unlock(); return len(created) }
		revoked, rounds, overlapped, checked := 0, 0, 0, 0
		for overlapped < overlapping && count() < limit-creators {
			before := count()
			n, err := m.RevokeUser(ctx, uid)
			if err != nil {
				t.Fatal(err)
			}
			revoked += n
			rounds++
			if count() > before {
				overlapped++ // a sign-in returned while it ran
			}
			// The sign-ins that returned last before it was called, the ones
			// a store that read and then deleted could miss; every sign-in
			// is checked again after the last RevokeUser below.
			mu.Lock()
			returned := created[max(checked, before-newest):before]
			mu.Unlock()
			for _, tok := range returned {
				if _, err := store.Info(ctx, tok.SessionID, clock.Now()); !errors.Is(err, session.ErrUnknown) {
					t.Fatalf("round %d: a session signed in before RevokeUser was called survived it: %v", rounds, err)
				}
			}
			checked = before
		}
		stop.Store(true)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if overlapped == 0 {
			t.Fatalf("no RevokeUser ran while sign-ins did (%d rounds, %d sign-ins): the race was not exercised", rounds, len(created))
		}
		n, err := m.RevokeUser(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		if revoked+n != len(created) {
			t.Fatalf("%d sign-ins, but RevokeUser ended %d while they ran and %d after: %d sessions escaped the index",
				len(created), revoked, n, len(created)-revoked-n)
		}
		for _, tok := range created {
			if _, err := store.Info(ctx, tok.SessionID, clock.Now()); !errors.Is(err, session.ErrUnknown) {
				t.Fatalf("session %s survived every RevokeUser: %v", tok.SessionID, err)
			}
		}
		if got := live(t, m, uid); len(got) != 0 {
			t.Fatalf("%d sessions listed after the last RevokeUser", len(got))
		}
		indexAtMost(t, store, uid, 0)
		after := signIn(t, m, uid)
		alive(t, m, after)
		t.Logf("%d sign-ins; %d RevokeUser calls, %d while sign-ins returned, ended %d; the last ended %d", len(created), rounds, overlapped, revoked, n)
	})

	// Ending every other session (a password change, "sign out other
	// devices") keeps exactly the one named.
	t.Run("RevokeUserKeepsOne", func(t *testing.T) {
		m, store, clock, _ := manager(t, 5)
		uid := UniqueUser("keep")
		var toks []session.Tokens
		for i := 0; i < 4; i++ {
			toks = append(toks, signIn(t, m, uid))
		}
		n, err := m.RevokeOthers(ctx, uid, toks[2].SessionID)
		if err != nil || n != 3 {
			t.Fatalf("RevokeOthers: %d %v, want 3", n, err)
		}
		gone(t, m, toks[0], toks[1], toks[3])
		alive(t, m, toks[2])
		if got := live(t, m, uid); !slices.Equal(got, ids(toks[2])) {
			t.Fatalf("live sessions %v, want only the kept one", got)
		}
		indexAtMost(t, store, uid, 1)
		// Keeping a session the user does not have keeps nothing.
		other := signIn(t, m, UniqueUser("keep-other"))
		if n, err := store.RevokeUser(ctx, uid, other.SessionID); err != nil || n != 1 {
			t.Fatalf("RevokeUser keeping another user's session: %d %v, want 1", n, err)
		}
		gone(t, m, toks[2])
		alive(t, m, other)
		if _, err := store.Info(ctx, other.SessionID, clock.Now()); err != nil {
			t.Fatalf("the other user's session: %v", err)
		}
	})

	// Info reads one session and writes nothing: the owner, the times and
	// the agent of a live one; ErrUnknown for one that is absent, revoked
	// or timed out by the caller's clock.
	t.Run("InfoLiveAndAbsent", func(t *testing.T) {
		m, store, clock, cfg := manager(t, 5)
		uid := UniqueUser("info")
		const ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
		created := clock.Now()
		tok, err := m.Create(ctx, session.CreateInput{UserID: uid, Roles: []string{"a", "b"}, UserAgent: ua})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		in, err := store.Info(ctx, tok.SessionID, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		want := session.Info{ID: tok.SessionID, UserID: uid, Roles: []string{"a", "b"}, CreatedAt: created, LastActive: created,
			AbsoluteEnd: created.Add(cfg.AbsoluteTimeout), Agent: session.SummarizeUserAgent(ua)}
		if !sameInfo(in, want) {
			t.Fatalf("Info %+v, want %+v", in, want)
		}
		if want.Agent == "" {
			t.Fatal("the user agent summary is empty: pick another user agent")
		}
		l, err := m.ListUser(ctx, uid)
		if err != nil || len(l) != 1 || !sameInfo(l[0], want) {
			t.Fatalf("ListUser %+v %v, want [%+v]", l, err, want)
		}
		for name, id := range map[string]string{
			"absent":    session.UserTag(uid) + "000000000000000000000000",
			"malformed": "not a session id",
			"empty":     "",
			"upper":     "ABCDEF0123456789ABCDEF0123456789",
		} {
			if _, err := store.Info(ctx, id, clock.Now()); !errors.Is(err, session.ErrUnknown) {
				t.Errorf("Info of an id %s: %v, want ErrUnknown", name, err)
			}
		}
		// Timed out by the caller's clock: ErrUnknown, and Info leaves the
		// session as it was for a caller whose clock is behind.
		idle := clock.Now().Add(cfg.IdleTimeout - time.Minute)
		if _, err := store.Info(ctx, tok.SessionID, idle); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("Info one idle timeout after the last activity: %v, want ErrUnknown", err)
		}
		if _, err := store.Info(ctx, tok.SessionID, idle.Add(-time.Millisecond)); err != nil {
			t.Fatalf("Info a millisecond before the idle timeout: %v", err)
		}
		if _, err := store.Info(ctx, tok.SessionID, want.AbsoluteEnd); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("Info at the absolute end: %v, want ErrUnknown", err)
		}
		alive(t, m, tok)
		if ok, err := m.Revoke(ctx, tok.SessionID); err != nil || !ok {
			t.Fatalf("Revoke: %v %v", ok, err)
		}
		if _, err := store.Info(ctx, tok.SessionID, clock.Now()); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("Info after Revoke: %v, want ErrUnknown", err)
		}
	})

	// SetClaims reaches every live session of the user and no other
	// user's, and keeps the agent.
	t.Run("SetClaimsEverySessionOfTheUser", func(t *testing.T) {
		m, store, clock, _ := manager(t, 5)
		uid, other := UniqueUser("claims"), UniqueUser("claims-other")
		var toks []session.Tokens
		for i := 0; i < 3; i++ {
			tok, err := m.Create(ctx, session.CreateInput{UserID: uid, UserAgent: "curl/8.5.0"})
			if err != nil {
				t.Fatal(err)
			}
			toks = append(toks, tok)
		}
		o := signIn(t, m, other)
		if ok, err := m.Revoke(ctx, toks[0].SessionID); err != nil || !ok {
			t.Fatalf("Revoke: %v %v", ok, err)
		}
		n, err := m.SetUserClaims(ctx, uid, []string{"editor"}, map[string]any{"plan": "team"})
		if err != nil || n != 2 {
			t.Fatalf("SetUserClaims: %d %v, want 2", n, err)
		}
		for _, tok := range toks[1:] {
			v, err := m.Validate(ctx, tok.Access.Value)
			if err != nil || !slices.Equal(v.Roles, []string{"editor"}) || string(v.Claims) != `{"plan":"team"}` {
				t.Fatalf("after SetUserClaims: %v %+v", err, v)
			}
			in, err := store.Info(ctx, tok.SessionID, clock.Now())
			if err != nil || in.Agent != session.SummarizeUserAgent("curl/8.5.0") || in.UserID != uid {
				t.Fatalf("Info after SetUserClaims: %+v %v", in, err)
			}
		}
		if v, err := m.Validate(ctx, o.Access.Value); err != nil || len(v.Roles) != 0 {
			t.Fatalf("the other user's session: %v %+v", err, v)
		}
	})
}

// sameInfo compares two Infos field by field (times with Equal).
func sameInfo(a, b session.Info) bool {
	return a.ID == b.ID && a.UserID == b.UserID && slices.Equal(a.Roles, b.Roles) && a.CreatedAt.Equal(b.CreatedAt) &&
		a.LastActive.Equal(b.LastActive) && a.AbsoluteEnd.Equal(b.AbsoluteEnd) && a.Agent == b.Agent
}
