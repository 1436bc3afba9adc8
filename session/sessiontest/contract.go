package sessiontest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
)

// Harness connects RunStoreContract to one store implementation running on
// a real server.
type Harness struct {
	// NewStore returns a store over the server under test. Each test uses
	// fresh random user and session ids, so stores may share a keyspace.
	NewStore func(t *testing.T) session.Store
	// Outage makes the server unreachable and Recover brings it back with
	// its data (a persisted restart). When nil, the outage test is skipped
	// for this harness and must be covered elsewhere.
	Outage, Recover func(t *testing.T)
	// ReadOnly, when the store counts them, returns how many validations
	// store s has answered with a plain read (no script, no write), so
	// that the race of one rotation against many reads can check that the
	// reads were that. Nil when the store does not count.
	ReadOnly func(s session.Store) int64
	// IndexLen returns how many entries store s holds in userID's index
	// (live or not), so that the per-user limit's rows can check that the
	// index stays bounded, not only the sessions. Nil when the store keeps
	// no such index.
	IndexLen func(t *testing.T, s session.Store, userID string) int
}

// TestConfig returns a valid configuration with fresh keys and the default
// lifetimes scaled for an injected clock: access 15m, rotate 5m, grace 30s,
// idle 1h, absolute 3h.
func TestConfig(t testing.TB) session.Config {
	t.Helper()
	cfg := session.DefaultConfig()
	var err error
	if cfg.Keys, err = session.ParseKeys(Keys(t)); err != nil {
		t.Fatal(err)
	}
	cfg.IdleTimeout = time.Hour
	cfg.AbsoluteTimeout = 3 * time.Hour
	return cfg
}

// Keys returns a SESSION_KEYS value with one fresh key pair
// (session.GenerateKeys), for a test that builds a configuration from an
// environment.
func Keys(t testing.TB) string {
	t.Helper()
	v, err := session.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// NewManager builds a Manager over store with cfg and clock.
func NewManager(t testing.TB, cfg session.Config, store session.Store, clock *Clock) *session.Manager {
	t.Helper()
	m, err := session.NewManager(cfg, store, session.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var userSeq struct {
	sync.Mutex
	n int
}

// UniqueUser returns a user id no other test in this process uses.
func UniqueUser(prefix string) string {
	userSeq.Lock()
	defer userSeq.Unlock()
	userSeq.n++
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), userSeq.n)
}

// RunStoreContract runs the behaviour every session.Store must show, through
// session.Manager, against a real server.
func RunStoreContract(t *testing.T, h Harness) {
	ctx := context.Background()
	setup := func(t *testing.T) (*session.Manager, *Clock, session.Config) {
		cfg := TestConfig(t)
		clock := NewClock()
		return NewManager(t, cfg, h.NewStore(t), clock), clock, cfg
	}
	create := func(t *testing.T, m *session.Manager, roles ...string) session.Tokens {
		t.Helper()
		tok, err := m.Create(ctx, session.CreateInput{UserID: UniqueUser("u"), Roles: roles, Claims: map[string]any{"plan": "pro"}})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		return tok
	}
	gen := func(t *testing.T, m *session.Manager, v string) uint64 {
		t.Helper()
		i, err := m.InspectAccess(v)
		if err != nil {
			t.Fatalf("InspectAccess: %v", err)
		}
		return i.Generation
	}
	rgen := func(t *testing.T, m *session.Manager, v string) uint64 {
		t.Helper()
		i, err := m.InspectRefresh(v)
		if err != nil {
			t.Fatalf("InspectRefresh: %v", err)
		}
		return i.Generation
	}
	wantErr := func(t *testing.T, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Fatalf("got error %v, want %v", err, want)
		}
	}

	t.Run("CreateThenValidate", func(t *testing.T) {
		m, clock, cfg := setup(t)
		tok, err := m.Create(ctx, session.CreateInput{UserID: "alice@example.com", Roles: []string{"admin", "dev"}, Claims: map[string]any{"tenant": "t1"}})
		if err != nil {
			t.Fatal(err)
		}
		if tok.Access.Name != cfg.AccessCookieName || tok.Refresh.Name != cfg.RefreshCookieName {
			t.Fatalf("cookie names %q %q", tok.Access.Name, tok.Refresh.Name)
		}
		if !tok.Access.HttpOnly || !tok.Access.Secure || !tok.Refresh.HttpOnly || tok.Refresh.Path != "/auth/session/refresh" || tok.Access.Path != "/" {
			t.Fatalf("cookie attributes: %s | %s", tok.Access, tok.Refresh)
		}
		ft := DecodeFrontToken(t, tok.FrontToken)
		if ft.UID != "alice@example.com" || ft.ATE != clock.Now().Add(cfg.AccessTTL).UnixMilli() || ft.UP["tenant"] != "t1" {
			t.Fatalf("front token %+v", ft)
		}
		clock.Advance(time.Minute)
		v, err := m.Validate(ctx, tok.Access.Value)
		if err != nil {
			t.Fatal(err)
		}
		if v.UserID != "alice@example.com" || strings.Join(v.Roles, ",") != "admin,dev" || string(v.Claims) != `{"tenant":"t1"}` || v.SetCookie != nil || v.SessionID != tok.SessionID {
			t.Fatalf("validated %+v", v)
		}
	})

	// Validate takes the id as a session.ID and returns it as a string in
	// State.SessionID, on the read path and the script path alike; Refresh
	// returns the id it was given.
	t.Run("StateNamesItsSession", func(t *testing.T) {
		cfg, clock := TestConfig(t), NewClock()
		store := h.NewStore(t)
		m := NewManager(t, cfg, store, clock)
		tok := create(t, m)
		info, err := m.InspectAccess(tok.Access.Value)
		if err != nil {
			t.Fatal(err)
		}
		id := session.ID([]byte(info.SessionID))
		p := session.Policy{AccessTTL: cfg.AccessTTL, RotateAfter: cfg.RotateAfter, Grace: cfg.Grace, IdleTimeout: cfg.IdleTimeout}
		for name, a := range map[string]session.Access{
			"hints for a read": {Gen: info.Generation, Issued: clock.Now()},
			"no hints":         {Gen: info.Generation},
		} {
			st, err := store.Validate(ctx, id, a, clock.Now(), p)
			if err != nil || st.SessionID != tok.SessionID {
				t.Fatalf("Validate, %s: session id %q (%v), want %q", name, st.SessionID, err, tok.SessionID)
			}
		}
		st, err := store.Refresh(ctx, tok.SessionID, rgen(t, m, tok.Refresh.Value), clock.Now(), p)
		if err != nil || st.SessionID != tok.SessionID {
			t.Fatalf("Refresh: session id %q (%v), want %q", st.SessionID, err, tok.SessionID)
		}
	})

	t.Run("InvalidInputStoresNothing", func(t *testing.T) {
		m, _, _ := setup(t)
		for name, in := range map[string]session.CreateInput{
			"empty user":     {UserID: ""},
			"long user":      {UserID: strings.Repeat("x", 256)},
			"CRLF user":      {UserID: "bob\r\nSet-Cookie: x=1"},
			"NUL user":       {UserID: "bob\x00"},
			"bad UTF-8":      {UserID: "bob\xff"},
			"leading space":  {UserID: " bob"},
			"trailing space": {UserID: "bob "},
			"zero-width":     {UserID: "bo\u200bb"},
			"comma role":     {UserID: "bob", Roles: []string{"a,b"}},
			"empty role":     {UserID: "bob", Roles: []string{""}},
			"reserved claim": {UserID: "bob", Claims: map[string]any{"sub": "x"}},
			"huge claims":    {UserID: "bob", Claims: map[string]any{"x": strings.Repeat("y", 5000)}},
			"unencodable":    {UserID: "bob", Claims: map[string]any{"f": func() {}}},
		} {
			_, err := m.Create(ctx, in)
			if !errors.Is(err, session.ErrInvalidInput) {
				t.Errorf("%s: got %v, want ErrInvalidInput", name, err)
			}
		}
		if l, err := m.ListUser(ctx, "bob"); err != nil || len(l) != 0 {
			t.Fatalf("bob has sessions after rejected creates: %v %v", l, err)
		}
		if _, err := m.Create(ctx, session.CreateInput{UserID: strings.Repeat("é", 127)}); err != nil {
			t.Fatalf("254-byte UTF-8 user id rejected: %v", err)
		}
	})

	t.Run("CreateRevokesPresentedSession", func(t *testing.T) {
		m, _, _ := setup(t)
		old := create(t, m)
		tok, err := m.Create(ctx, session.CreateInput{UserID: old.UserID, Previous: []string{"garbage", old.Access.Value}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Validate(ctx, old.Access.Value)
		wantErr(t, err, session.ErrUnknown)
		if _, err := m.Validate(ctx, tok.Access.Value); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("NoCookieBadCookie", func(t *testing.T) {
		m, _, _ := setup(t)
		_, err := m.ValidateAny(ctx, nil)
		wantErr(t, err, session.ErrNoSession)
		for _, v := range []string{"", "x", strings.Repeat("A", 5000), "MTIzNDU2Nzg5MA=="} {
			_, err = m.Validate(ctx, v)
			wantErr(t, err, session.ErrUnknown)
		}
		tok := create(t, m)
		// A refresh cookie is not an access cookie: the name is in the MAC.
		_, err = m.Validate(ctx, tok.Refresh.Value)
		wantErr(t, err, session.ErrUnknown)
		_, err = m.Refresh(ctx, tok.Access.Value)
		wantErr(t, err, session.ErrUnknown)
	})

	t.Run("DuplicateCookiesBadCopyNeverShadows", func(t *testing.T) {
		m, _, _ := setup(t)
		other, _, _ := setup(t) // other keys: a tossed cookie from elsewhere
		tok := create(t, m)
		tossed := create(t, other)
		v, err := m.ValidateAny(ctx, []string{"junk", tossed.Access.Value, tok.Access.Value})
		if err != nil || v.SessionID != tok.SessionID {
			t.Fatalf("good copy not found: %v", err)
		}
		_, err = m.ValidateAny(ctx, []string{"junk", tossed.Access.Value})
		wantErr(t, err, session.ErrUnknown)
	})

	t.Run("RotationInPlace", func(t *testing.T) {
		m, clock, cfg := setup(t)
		tok := create(t, m)
		clock.Advance(cfg.RotateAfter)
		v, err := m.Validate(ctx, tok.Access.Value)
		if err != nil {
			t.Fatal(err)
		}
		if v.SetCookie == nil || v.FrontToken == "" {
			t.Fatalf("no rotation at RotateAfter: %+v", v)
		}
		if g := gen(t, m, v.SetCookie.Value); g != 2 {
			t.Fatalf("rotated generation %d, want 2", g)
		}
		if ft := DecodeFrontToken(t, v.FrontToken); ft.ATE != clock.Now().Add(cfg.AccessTTL).UnixMilli() {
			t.Fatalf("front token ate %d", ft.ATE)
		}
		// The new cookie is plain valid; the old one, inside grace, gets the same generation.
		v2, err := m.Validate(ctx, v.SetCookie.Value)
		if err != nil || v2.SetCookie != nil {
			t.Fatalf("new cookie: %v %+v", err, v2)
		}
		clock.Advance(cfg.Grace - time.Millisecond)
		v3, err := m.Validate(ctx, tok.Access.Value)
		if err != nil || v3.SetCookie == nil || gen(t, m, v3.SetCookie.Value) != 2 {
			t.Fatalf("old generation inside grace: %v %+v", err, v3)
		}
		clock.Advance(time.Millisecond)
		_, err = m.Validate(ctx, tok.Access.Value)
		wantErr(t, err, session.ErrExpired)
		// Expired is not theft: the session lives on.
		if _, err := m.Validate(ctx, v.SetCookie.Value); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("FiftyConcurrentValidationsRotateOnce", func(t *testing.T) {
		m, clock, cfg := setup(t)
		tok := create(t, m)
		clock.Advance(cfg.RotateAfter + time.Second)
		const n = 50
		var wg sync.WaitGroup
		gens := make([]uint64, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				v, err := m.Validate(ctx, tok.Access.Value)
				errs[i] = err
				if err == nil && v.SetCookie != nil {
					gens[i], _ = inspect(m, v.SetCookie.Value)
				}
			}(i)
		}
		close(start)
		wg.Wait()
		for i := 0; i < n; i++ {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if gens[i] != 2 {
				t.Fatalf("request %d got generation %d, want 2 (exactly one rotation)", i, gens[i])
			}
		}
		// Exactly one rotation: generation 2 is current and not due.
		v, err := m.Validate(ctx, tok.Access.Value)
		if err != nil || gen(t, m, v.SetCookie.Value) != 2 {
			t.Fatalf("after: %v", err)
		}
	})

	t.Run("OneRotationRacesReads", func(t *testing.T) {
		// Many requests read a session (their generation is not due) while
		// one rotates it: the readers' server clock is a millisecond behind
		// the rotator's, as another Lambda's may be. No fork: every reader
		// gets either the old generation (current when it read) or the one
		// new generation (handed back inside the grace window), and exactly
		// one new generation exists afterwards.
		cfg := TestConfig(t)
		store := h.NewStore(t)
		rotClock := NewClock()
		readClock := &Clock{t: rotClock.Now()}
		rotator := NewManager(t, cfg, store, rotClock)
		reader := NewManager(t, cfg, store, readClock)
		tok := create(t, rotator)
		rotClock.Advance(cfg.RotateAfter)
		readClock.Advance(cfg.RotateAfter - time.Millisecond)
		var readsBefore int64
		if h.ReadOnly != nil {
			readsBefore = h.ReadOnly(store)
		}

		const readers, after = 16, 3 // each reader goes on for `after` reads once the rotation is done
		var (
			mu                sync.Mutex
			reads, oldGen     int
			newGens           = map[uint64]int{}
			started, finished sync.WaitGroup
			rotated           = make(chan struct{})
			errs              = make(chan error, readers+1)
		)
		started.Add(readers)
		finished.Add(readers)
		for i := 0; i < readers; i++ {
			go func() {
				defer finished.Done()
				first, left := true, after
				for n := 0; left > 0 && n < 100_000; n++ {
					done := false
					select {
					case <-rotated:
						done = true
					default:
					}
					v, err := reader.Validate(ctx, tok.Access.Value)
					if first {
						started.Done()
						first = false
					}
					if err != nil {
						errs <- fmt.Errorf("read: %w", err)
						return
					}
					if done && v.SetCookie == nil {
						errs <- errors.New("a read after the rotation was told generation 1 is current")
						return
					}
					mu.Lock()
					reads++
					if v.SetCookie == nil {
						oldGen++
					} else {
						g, _ := inspect(reader, v.SetCookie.Value)
						newGens[g]++
					}
					mu.Unlock()
					if done {
						left--
					}
				}
				if left > 0 {
					errs <- errors.New("a reader never saw the rotation finish")
				}
			}()
		}
		started.Wait() // every reader has read once: the rotation races reads in flight
		v, err := rotator.Validate(ctx, tok.Access.Value)
		close(rotated)
		if err != nil || v.SetCookie == nil {
			t.Fatalf("the rotation: %v %+v", err, v)
		}
		finished.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if g := gen(t, rotator, v.SetCookie.Value); g != 2 {
			t.Fatalf("the rotation issued generation %d, want 2", g)
		}
		for g := range newGens {
			if g != 2 {
				t.Fatalf("a reader was handed generation %d: a fork (%v)", g, newGens)
			}
		}
		if newGens[2] < readers*after {
			t.Fatalf("%d reads after the rotation were handed generation 2, want at least %d (%v)", newGens[2], readers*after, newGens)
		}
		// Exactly one new generation: it is current, and the old one
		// inside the grace window is handed it.
		if again, err := rotator.Validate(ctx, v.SetCookie.Value); err != nil || again.SetCookie != nil {
			t.Fatalf("generation 2 afterwards: %v %+v", err, again)
		}
		if old, err := rotator.Validate(ctx, tok.Access.Value); err != nil || old.SetCookie == nil || gen(t, rotator, old.SetCookie.Value) != 2 {
			t.Fatalf("generation 1 afterwards: %v %+v", err, old)
		}
		if h.ReadOnly != nil {
			if got := h.ReadOnly(store) - readsBefore; got < int64(reads) {
				t.Fatalf("%d of the %d reads were answered by a plain read: the others wrote or ran a script", got, reads)
			}
		}
		t.Logf("%d reads: %d saw generation 1 current, %d were handed generation 2", reads, oldGen, newGens[2])
	})

	t.Run("CookieWithoutHintsStillValid", func(t *testing.T) {
		// An access cookie that says nothing about when its generation
		// was issued validates like the same cookie with hints, is issued
		// again with them, rotates when due and is handed the new
		// generation inside grace: the hints choose a store's path, never
		// its answer.
		m, clock, cfg := setup(t)
		tok := create(t, m)
		old := AccessCookieWithoutHints(t, cfg, tok.Access.Value)
		v, err := m.Validate(ctx, old)
		if err != nil {
			t.Fatalf("cookie without hints: %v", err)
		}
		if v.SetCookie == nil || gen(t, m, v.SetCookie.Value) != 1 {
			t.Fatalf("cookie without hints: want the same generation issued again with hints, got %+v", v)
		}
		if again, err := m.Validate(ctx, v.SetCookie.Value); err != nil || again.SetCookie != nil {
			t.Fatalf("the cookie issued again: %v %+v", err, again)
		}
		clock.Advance(cfg.RotateAfter)
		r, err := m.Validate(ctx, old)
		if err != nil || r.SetCookie == nil || gen(t, m, r.SetCookie.Value) != 2 {
			t.Fatalf("cookie without hints due for rotation: %v %+v", err, r)
		}
		clock.Advance(cfg.Grace - time.Millisecond)
		if g, err := m.Validate(ctx, old); err != nil || g.SetCookie == nil || gen(t, m, g.SetCookie.Value) != 2 {
			t.Fatalf("cookie without hints inside grace: %v %+v", err, g)
		}
	})

	t.Run("RefreshUseRecordedOnFirstValidation", func(t *testing.T) {
		// The first validation of an access token a refresh issued records
		// the refresh token as used (its predecessor then has only the
		// grace window left) and hands the same generation back in a
		// cookie that no longer asks for that write.
		m, clock, cfg := setup(t)
		tok := create(t, m)
		nt, err := m.Refresh(ctx, tok.Refresh.Value)
		if err != nil {
			t.Fatal(err)
		}
		v, err := m.Validate(ctx, nt.Access.Value)
		if err != nil || v.SetCookie == nil || gen(t, m, v.SetCookie.Value) != gen(t, m, nt.Access.Value) {
			t.Fatalf("first validation after a refresh: %v %+v", err, v)
		}
		for _, c := range []string{v.SetCookie.Value, nt.Access.Value} {
			if again, err := m.Validate(ctx, c); err != nil || (c == v.SetCookie.Value && again.SetCookie != nil) {
				t.Fatalf("validation after the use was recorded: %v %+v", err, again)
			}
		}
		clock.Advance(cfg.Grace)
		_, err = m.Refresh(ctx, tok.Refresh.Value)
		wantErr(t, err, session.ErrTheft)
		// The verdict names the session and its user, for the incident's
		// log (hashed there).
		if te, ok := errors.AsType[*session.TheftError](err); !ok || te.SessionID != tok.SessionID || te.UserID != tok.UserID {
			t.Fatalf("theft verdict %#v, want session %s of user %s", err, tok.SessionID, tok.UserID)
		}
	})

	// A session planted beside the user's own (cookie tossing) never
	// answers for the user, even when the user's access token has expired
	// (the normal state after 15 idle minutes) or is due for rotation, and
	// the ambiguous read writes nothing: the user's session is not rotated.
	t.Run("PlantedSessionBesideOwnNeverSwaps", func(t *testing.T) {
		m, clock, cfg := setup(t)
		victim := create(t, m)
		clock.Advance(cfg.AccessTTL) // the victim's token has just expired
		attacker := create(t, m)
		for _, order := range [][]string{{victim.Access.Value, attacker.Access.Value}, {attacker.Access.Value, victim.Access.Value}} {
			if v, err := m.ValidateAny(ctx, order); !errors.Is(err, session.ErrAmbiguous) {
				t.Fatalf("expired own token beside a planted valid one: %+v, %v; want ErrAmbiguous", v, err)
			}
		}
		// Due for rotation, not expired: still ambiguous, and not rotated.
		victim = create(t, m)
		clock.Advance(cfg.RotateAfter)
		if v, err := m.ValidateAny(ctx, []string{victim.Access.Value, attacker.Access.Value}); !errors.Is(err, session.ErrAmbiguous) {
			t.Fatalf("a token due for rotation beside a planted one: %+v, %v; want ErrAmbiguous", v, err)
		}
		clock.Advance(cfg.Grace + time.Millisecond)
		// Had the ambiguous read rotated it, this generation would be out
		// of its grace now (ErrExpired).
		if _, err := m.Validate(ctx, victim.Access.Value); err != nil {
			t.Fatalf("the victim's session was written by an ambiguous read: %v", err)
		}
	})

	t.Run("AccessExpiry", func(t *testing.T) {
		m, clock, cfg := setup(t)
		tok := create(t, m)
		// Validations before RotateAfter do not extend validity: it runs from issue.
		clock.Advance(cfg.RotateAfter - time.Millisecond)
		if _, err := m.Validate(ctx, tok.Access.Value); err != nil {
			t.Fatal(err)
		}
		clock.Advance(cfg.AccessTTL - cfg.RotateAfter + time.Millisecond)
		_, err := m.Validate(ctx, tok.Access.Value)
		wantErr(t, err, session.ErrExpired)
		// Refresh brings it back.
		nt, err := m.Refresh(ctx, tok.Refresh.Value)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Validate(ctx, nt.Access.Value); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("RefreshRotates", func(t *testing.T) {
		m, clock, cfg := setup(t)
		tok := create(t, m)
		clock.Advance(time.Minute)
		nt, err := m.Refresh(ctx, tok.Refresh.Value)
		if err != nil {
			t.Fatal(err)
		}
		if rgen(t, m, nt.Refresh.Value) != 2 || gen(t, m, nt.Access.Value) != 2 || nt.SessionID != tok.SessionID {
			t.Fatalf("refresh generations %d %d", rgen(t, m, nt.Refresh.Value), gen(t, m, nt.Access.Value))
		}
		if ft := DecodeFrontToken(t, nt.FrontToken); ft.UID != tok.UserID || ft.ATE != clock.Now().Add(cfg.AccessTTL).UnixMilli() {
			t.Fatalf("front token %+v", ft)
		}
	})

	t.Run("ConcurrentRefreshSameSuccessor", func(t *testing.T) {
		m, _, _ := setup(t)
		tok := create(t, m)
		var wg sync.WaitGroup
		res := make([]session.Tokens, 2)
		errs := make([]error, 2)
		for i := range res {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				res[i], errs[i] = m.Refresh(ctx, tok.Refresh.Value)
			}(i)
		}
		wg.Wait()
		for i := range res {
			if errs[i] != nil {
				t.Fatalf("refresh %d: %v", i, errs[i])
			}
		}
		if rgen(t, m, res[0].Refresh.Value) != 2 || rgen(t, m, res[1].Refresh.Value) != 2 {
			t.Fatal("the two refreshes got different successors")
		}
		for i := range res {
			if _, err := m.Validate(ctx, res[i].Access.Value); err != nil {
				t.Fatalf("access %d: %v", i, err)
			}
		}
	})

	t.Run("LostRefreshAnswerIsIdempotent", func(t *testing.T) {
		m, clock, cfg := setup(t)
		tok := create(t, m)
		first, err := m.Refresh(ctx, tok.Refresh.Value) // the answer is lost in transit
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(cfg.Grace*10 + cfg.AccessTTL) // long after the grace window
		again, err := m.Refresh(ctx, tok.Refresh.Value)
		if err != nil {
			t.Fatalf("replayed old token after lost answer: %v (must not be theft)", err)
		}
		if rgen(t, m, again.Refresh.Value) != rgen(t, m, first.Refresh.Value) {
			t.Fatal("a different successor was issued")
		}
		if _, err := m.Validate(ctx, again.Access.Value); err != nil {
			t.Fatalf("access from replay: %v", err)
		}
	})

	t.Run("ReplayAfterSuccessorUsedIsTheft", func(t *testing.T) {
		m, clock, cfg := setup(t)
		tok := create(t, m)
		nt, err := m.Refresh(ctx, tok.Refresh.Value)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Validate(ctx, nt.Access.Value); err != nil { // successor used
			t.Fatal(err)
		}
		clock.Advance(cfg.Grace / 2)
		inGrace, err := m.Refresh(ctx, tok.Refresh.Value) // a second tab, inside grace
		if err != nil || rgen(t, m, inGrace.Refresh.Value) != 2 {
			t.Fatalf("inside grace: %v", err)
		}
		clock.Advance(cfg.Grace)
		_, err = m.Refresh(ctx, tok.Refresh.Value)
		wantErr(t, err, session.ErrTheft)
		_, err = m.Validate(ctx, nt.Access.Value)
		wantErr(t, err, session.ErrUnknown)
		_, err = m.Refresh(ctx, nt.Refresh.Value)
		wantErr(t, err, session.ErrUnknown)
	})

	t.Run("ReplayAfterSuccessorRefreshedIsTheft", func(t *testing.T) {
		m, clock, cfg := setup(t)
		tok := create(t, m)
		r2, err := m.Refresh(ctx, tok.Refresh.Value)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if _, err := m.Refresh(ctx, r2.Refresh.Value); err != nil { // successor used by refreshing
			t.Fatal(err)
		}
		clock.Advance(cfg.Grace + time.Second)
		_, err = m.Refresh(ctx, tok.Refresh.Value)
		wantErr(t, err, session.ErrTheft)
	})

	// Grace covers only the refresh generation just rotated out. After
	// four refreshes (each successor used), a token two or more
	// generations behind the current one is a copy even inside the grace
	// window: theft, and the session is gone. The one just rotated out
	// still gets the current tokens there.
	refreshChain := func(t *testing.T, m *session.Manager, clock *Clock, cfg session.Config, useLast bool) []session.Tokens {
		t.Helper()
		toks := []session.Tokens{create(t, m)}
		for i := 1; i <= 4; i++ {
			clock.Advance(cfg.Grace / 10)
			nt, err := m.Refresh(ctx, toks[i-1].Refresh.Value) // uses toks[i-1]
			if err != nil {
				t.Fatalf("refresh %d: %v", i, err)
			}
			if rgen(t, m, nt.Refresh.Value) != uint64(i+1) {
				t.Fatalf("refresh %d issued generation %d", i, rgen(t, m, nt.Refresh.Value))
			}
			if i < 4 || useLast {
				if _, err := m.Validate(ctx, nt.Access.Value); err != nil { // uses nt
					t.Fatalf("access %d: %v", i, err)
				}
			}
			toks = append(toks, nt)
		}
		clock.Advance(cfg.Grace / 10) // inside grace of every use above
		return toks
	}
	wantRevoked := func(t *testing.T, m *session.Manager, cur session.Tokens) {
		t.Helper()
		_, err := m.Validate(ctx, cur.Access.Value)
		wantErr(t, err, session.ErrUnknown)
		_, err = m.Refresh(ctx, cur.Refresh.Value)
		wantErr(t, err, session.ErrUnknown)
	}
	t.Run("GraceOnlyForRefreshJustRotatedOut", func(t *testing.T) {
		for _, back := range []int{4, 3, 2} {
			t.Run(fmt.Sprintf("current-%d", back), func(t *testing.T) {
				m, clock, cfg := setup(t)
				toks := refreshChain(t, m, clock, cfg, true)
				_, err := m.Refresh(ctx, toks[4-back].Refresh.Value)
				wantErr(t, err, session.ErrTheft)
				wantRevoked(t, m, toks[4])
			})
		}
		t.Run("current-2 while current unused", func(t *testing.T) {
			m, clock, cfg := setup(t)
			toks := refreshChain(t, m, clock, cfg, false)
			_, err := m.Refresh(ctx, toks[2].Refresh.Value)
			wantErr(t, err, session.ErrTheft)
			wantRevoked(t, m, toks[4])
		})
		t.Run("current-1", func(t *testing.T) {
			m, clock, cfg := setup(t)
			toks := refreshChain(t, m, clock, cfg, true)
			for i := 0; i < 2; i++ { // two tabs, both inside grace
				got, err := m.Refresh(ctx, toks[3].Refresh.Value)
				if err != nil || rgen(t, m, got.Refresh.Value) != 5 {
					t.Fatalf("the generation just rotated out, inside grace: %v", err)
				}
				if _, err := m.Validate(ctx, got.Access.Value); err != nil {
					t.Fatalf("access from the grace answer: %v", err)
				}
			}
			if _, err := m.Validate(ctx, toks[4].Access.Value); err != nil {
				t.Fatalf("the current access token after a grace answer: %v", err)
			}
			// Grace runs from the current generation's first use: once it
			// is over, the generation just rotated out is theft too.
			clock.Advance(cfg.Grace)
			_, err := m.Refresh(ctx, toks[3].Refresh.Value)
			wantErr(t, err, session.ErrTheft)
			wantRevoked(t, m, toks[4])
		})
		t.Run("current-1 while current unused", func(t *testing.T) {
			// The idempotent rule, unchanged: no grace bound at all.
			m, clock, cfg := setup(t)
			toks := refreshChain(t, m, clock, cfg, false)
			clock.Advance(cfg.Grace * 10)
			got, err := m.Refresh(ctx, toks[3].Refresh.Value)
			if err != nil || rgen(t, m, got.Refresh.Value) != 5 {
				t.Fatalf("the generation just rotated out, successor unused: %v", err)
			}
		})
	})

	t.Run("IdleTimeoutSlidesAbsoluteDoesNot", func(t *testing.T) {
		m, clock, cfg := setup(t)
		tok := create(t, m)
		cur := tok
		// Use the session every 40 minutes (idle is 1h) until past the absolute 3h.
		for elapsed := time.Duration(0); ; {
			clock.Advance(40 * time.Minute)
			elapsed += 40 * time.Minute
			nt, err := m.Refresh(ctx, cur.Refresh.Value)
			if elapsed >= cfg.AbsoluteTimeout {
				wantErr(t, err, session.ErrUnknown)
				break
			}
			if err != nil {
				t.Fatalf("at %s: %v", elapsed, err)
			}
			cur = nt
		}
		idle := create(t, m)
		clock.Advance(cfg.IdleTimeout)
		_, err := m.Validate(ctx, idle.Access.Value)
		wantErr(t, err, session.ErrUnknown)
	})

	t.Run("RevokeListClaims", func(t *testing.T) {
		m, clock, _ := setup(t)
		uid := UniqueUser("multi")
		var toks []session.Tokens
		for i := 0; i < 3; i++ {
			tok, err := m.Create(ctx, session.CreateInput{UserID: uid, Roles: []string{"user"}})
			if err != nil {
				t.Fatal(err)
			}
			toks = append(toks, tok)
		}
		l, err := m.ListUser(ctx, uid)
		if err != nil || len(l) != 3 {
			t.Fatalf("list: %v %d", err, len(l))
		}
		n, err := m.SetUserClaims(ctx, uid, []string{"admin"}, map[string]any{"level": 3})
		if err != nil || n != 3 {
			t.Fatalf("set claims: %v %d", err, n)
		}
		clock.Advance(time.Second)
		v, err := m.Validate(ctx, toks[1].Access.Value)
		if err != nil || strings.Join(v.Roles, ",") != "admin" || string(v.Claims) != `{"level":3}` {
			t.Fatalf("claims not visible on next validation: %v %+v", err, v)
		}
		ok, err := m.Revoke(ctx, toks[0].SessionID)
		if err != nil || !ok {
			t.Fatalf("revoke: %v %v", ok, err)
		}
		_, err = m.Validate(ctx, toks[0].Access.Value)
		wantErr(t, err, session.ErrUnknown)
		if l, _ := m.ListUser(ctx, uid); len(l) != 2 {
			t.Fatalf("after revoke: %d sessions", len(l))
		}
		ids, err := m.SignOut(ctx, []string{toks[1].Access.Value})
		if err != nil || len(ids) != 1 || ids[0] != toks[1].SessionID {
			t.Fatalf("sign out: %v %v", ids, err)
		}
		_, err = m.SignOut(ctx, []string{toks[1].Access.Value})
		wantErr(t, err, session.ErrUnknown)
		n, err = m.RevokeUser(ctx, uid)
		if err != nil || n != 1 {
			t.Fatalf("revoke user: %v %d", err, n)
		}
		_, err = m.Validate(ctx, toks[2].Access.Value)
		wantErr(t, err, session.ErrUnknown)
		if l, _ := m.ListUser(ctx, uid); len(l) != 0 {
			t.Fatalf("after revoke all: %d sessions", len(l))
		}
	})

	t.Run("KeyRotation", func(t *testing.T) {
		cfgOld := TestConfig(t)
		clock := NewClock()
		store := h.NewStore(t)
		old := NewManager(t, cfgOld, store, clock)
		tok := create(t, old)
		cfgNew := TestConfig(t)
		cfgBoth := cfgNew
		cfgBoth.Keys = append(append([]session.KeyPair{}, cfgNew.Keys...), cfgOld.Keys...)
		both := NewManager(t, cfgBoth, store, clock)
		if _, err := both.Validate(ctx, tok.Access.Value); err != nil {
			t.Fatalf("retired key still listed: %v", err)
		}
		// New cookies are encoded with the newest key.
		nt, err := both.Refresh(ctx, tok.Refresh.Value)
		if err != nil {
			t.Fatal(err)
		}
		newOnly := NewManager(t, cfgNew, store, clock)
		if _, err := newOnly.Validate(ctx, nt.Access.Value); err != nil {
			t.Fatalf("cookie from newest key: %v", err)
		}
		_, err = newOnly.Validate(ctx, tok.Access.Value)
		wantErr(t, err, session.ErrUnknown)
	})

	runUserContract(t, h)

	t.Run("OutageIsStoreFailureAndLosesNothing", func(t *testing.T) {
		if h.Outage == nil {
			t.Skip("this harness covers outages elsewhere")
		}
		m, _, _ := setup(t)
		tok := create(t, m)
		h.Outage(t)
		_, err := m.Validate(ctx, tok.Access.Value)
		wantErr(t, err, session.ErrStore)
		if errors.Is(err, session.ErrUnknown) || errors.Is(err, session.ErrNoSession) {
			t.Fatal("a store failure was reported as no session")
		}
		_, err = m.Refresh(ctx, tok.Refresh.Value)
		wantErr(t, err, session.ErrStore)
		_, err = m.Create(ctx, session.CreateInput{UserID: "x"})
		wantErr(t, err, session.ErrStore)
		h.Recover(t)
		// A client may take a moment to re-dial after the server returns;
		// what matters is that the same cookie validates again, unchanged.
		var lastErr error
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if _, lastErr = m.Validate(ctx, tok.Access.Value); lastErr == nil || !errors.Is(lastErr, session.ErrStore) {
				break
			}
		}
		if lastErr != nil {
			t.Fatalf("same cookie after recovery: %v", lastErr)
		}
	})
}

func inspect(m *session.Manager, v string) (uint64, error) {
	i, err := m.InspectAccess(v)
	return i.Generation, err
}

// FrontToken is a decoded front-token header.
type FrontToken struct {
	UID string         `json:"uid"`
	ATE int64          `json:"ate"`
	UP  map[string]any `json:"up"`
}

// DecodeFrontToken decodes a front-token the way the browser SDK does
// (atob, then JSON) and fails the test when it does not decode.
func DecodeFrontToken(t testing.TB, v string) FrontToken {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatalf("front-token is not standard base64: %v", err)
	}
	var ft FrontToken
	if err := json.Unmarshal(raw, &ft); err != nil {
		t.Fatalf("front-token is not JSON: %v", err)
	}
	if _, ok := ft.UP["iat"]; !ok {
		t.Fatalf("front-token up lacks iat: %s", raw)
	}
	if _, ok := ft.UP["exp"]; !ok {
		t.Fatalf("front-token up lacks exp: %s", raw)
	}
	return ft
}
