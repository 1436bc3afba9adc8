package redisstore_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

func client(t testing.TB, url, mode string) redis.UniversalClient {
	t.Helper()
	c, err := redisstore.NewClient(redisstore.ClientConfig{URL: url, Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// fixture is a Manager over the Redis store on its own standalone
// redis-server, with an injected clock: the setup most tests here share.
type fixture struct {
	srv   *sessiontest.Server
	rdb   redis.UniversalClient
	clock *sessiontest.Clock
	cfg   session.Config
	store *redisstore.Store
	m     *session.Manager
}

func newFixture(tb testing.TB, opts redisstore.Options) fixture {
	tb.Helper()
	f := fixture{srv: sessiontest.StartServer(tb, sessiontest.Options{}), clock: sessiontest.NewClock(), cfg: sessiontest.TestConfig(tb)}
	f.rdb = client(tb, f.srv.URL(), redisstore.ModeStandalone)
	f.store = redisstore.New(f.rdb, opts)
	f.m = sessiontest.NewManager(tb, f.cfg, f.store, f.clock)
	return f
}

func TestContractStandalone(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{Persist: true})
	sessiontest.RunStoreContract(t, sessiontest.Harness{
		NewStore: func(t *testing.T) session.Store {
			return redisstore.New(client(t, srv.URL(), redisstore.ModeStandalone), redisstore.Options{})
		},
		Outage:   func(*testing.T) { srv.Stop() },
		Recover:  func(*testing.T) { srv.Restart() },
		ReadOnly: readOnly,
		IndexLen: indexLen,
	})
}

// readOnly is how many validations a *redisstore.Store answered with a
// plain GET.
func readOnly(s session.Store) int64 { return s.(*redisstore.Store).Stats().ReadOnly }

// indexLen is the number of members of a user's index (ZCARD).
func indexLen(t *testing.T, s session.Store, userID string) int {
	t.Helper()
	n, err := s.(*redisstore.Store).IndexLen(context.Background(), userID)
	if err != nil {
		t.Fatalf("ZCARD of the user's index: %v", err)
	}
	return int(n)
}

// On the cluster, every script of a user reaches keys it did not declare
// (the sessions of the index): the contract's rows about users pass there
// only because those keys are in the slot of the declared ones.
// TestUserKeysShareOneSlot checks the slots themselves.
func TestContractCluster(t *testing.T) {
	c := sessiontest.StartCluster(t, sessiontest.ClusterOptions{Masters: 3})
	sessiontest.RunStoreContract(t, sessiontest.Harness{
		NewStore: func(t *testing.T) session.Store {
			return redisstore.New(client(t, c.URL(), redisstore.ModeCluster), redisstore.Options{})
		},
		ReadOnly: readOnly,
		IndexLen: indexLen,
	})
}

// commandCalls is the "calls=" of every command in INFO commandstats.
func commandCalls(t *testing.T, srv *sessiontest.Server) map[string]int {
	t.Helper()
	stats, err := srv.CommandStats()
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for name, st := range stats {
		calls[name] = st.Calls
	}
	return calls
}

// TestOneCommandPerValidation proves what a validation costs in round
// trips, from INFO commandstats (top-level commands only are round trips;
// the commands a script runs inside Redis are counted under their own names
// as well, so a script's GET shows as one EVALSHA and one GET) and from the
// store's Stats:
//
//   - the usual validation, which writes nothing: one GET, no script;
//   - a rotation the cookie says is due: one EVALSHA, no GET before it;
//   - a generation just rotated out, inside the grace window, whose cookie
//     says it is due: one EVALSHA that writes nothing;
//   - a cookie without hints (sessiontest.AccessCookieWithoutHints): one EVALSHA;
//   - a write found only in the record read (here, a generation to adopt
//     after a lost write): a GET, then one EVALSHA.
func TestOneCommandPerValidation(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	ctx := context.Background()
	tok, err := f.m.Create(ctx, session.CreateInput{UserID: "counted"})
	if err != nil {
		t.Fatal(err)
	}
	key := redisstore.SessionKey(tok.SessionID)
	created, err := f.rdb.Get(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	type cost struct {
		get, evalsha, set int                            // top-level GET; EVALSHA; SET inside a script
		stats             redisstore.Stats               // the store's counts for the step
		check             func(*session.Validated) error // nil: none
	}
	var before redisstore.Stats
	step := func(name string, n int, value string, want cost) string {
		t.Helper()
		if _, err := f.srv.Do("CONFIG", "RESETSTAT"); err != nil {
			t.Fatal(err)
		}
		var last *session.Validated
		for i := 0; i < n; i++ {
			v, err := f.m.Validate(ctx, value)
			if err != nil {
				t.Fatalf("%s, validation %d: %v", name, i, err)
			}
			if want.check != nil {
				if err := want.check(v); err != nil {
					t.Fatalf("%s, validation %d: %v", name, i, err)
				}
			}
			last = v
		}
		calls := commandCalls(t, f.srv)
		for c := range calls {
			switch c {
			case "get", "evalsha", "set", "info", "config|resetstat":
			default:
				t.Fatalf("%s: unexpected command %q on the validation path: %v", name, c, calls)
			}
		}
		// A script's own GET shows in commandstats too: subtract one per EVALSHA.
		if got := (cost{get: calls["get"] - calls["evalsha"], evalsha: calls["evalsha"], set: calls["set"]}); got.get != want.get || got.evalsha != want.evalsha || got.set != want.set || calls["eval"] != 0 {
			t.Fatalf("%s: want %d GET, %d EVALSHA and %d SET in a script, got %v", name, want.get, want.evalsha, want.set, calls)
		}
		now := f.store.Stats()
		d := redisstore.Stats{ReadOnly: now.ReadOnly - before.ReadOnly, FromToken: now.FromToken - before.FromToken, SecondTrip: now.SecondTrip - before.SecondTrip}
		before = now
		if d != want.stats {
			t.Fatalf("%s: store stats %+v, want %+v", name, d, want.stats)
		}
		if last != nil && last.SetCookie != nil {
			return last.SetCookie.Value
		}
		return value
	}
	noCookie := func(v *session.Validated) error {
		if v.SetCookie != nil {
			return errors.New("a new cookie where none is due")
		}
		return nil
	}
	newCookie := func(v *session.Validated) error {
		if v.SetCookie == nil {
			return errors.New("no new cookie")
		}
		return nil
	}
	// Dial, and load the script: a cookie without hints goes to it.
	if _, err := f.m.Validate(ctx, sessiontest.AccessCookieWithoutHints(t, f.cfg, tok.Access.Value)); err != nil {
		t.Fatal(err)
	}
	before = f.store.Stats()

	const n = 10
	step("the usual validation", n, tok.Access.Value, cost{get: n, stats: redisstore.Stats{ReadOnly: n}, check: noCookie})
	f.clock.Advance(f.cfg.RotateAfter)
	rotated := step("a rotation due by the cookie", 1, tok.Access.Value, cost{evalsha: 1, set: 1, stats: redisstore.Stats{FromToken: 1}, check: newCookie})
	step("the old generation inside the grace window", n, tok.Access.Value, cost{evalsha: n, stats: redisstore.Stats{FromToken: n}, check: newCookie})
	step("the new generation", n, rotated, cost{get: n, stats: redisstore.Stats{ReadOnly: n}, check: noCookie})

	old := sessiontest.AccessCookieWithoutHints(t, f.cfg, rotated)
	upgraded := step("a cookie without hints", 1, old, cost{evalsha: 1, stats: redisstore.Stats{FromToken: 1}, check: newCookie})
	step("the same session, with hints again", n, upgraded, cost{get: n, stats: redisstore.Stats{ReadOnly: n}, check: noCookie})

	// A lost write (a failover): the record goes back to what Create wrote,
	// generation 1, and the cookie of generation 2 says nothing is due. The
	// read shows the generation to adopt: a second round trip, once; the
	// cookie then gets the adopted generation's issue time.
	if err := f.rdb.Set(ctx, key, created, redis.KeepTTL).Err(); err != nil {
		t.Fatal(err)
	}
	adopted := step("a write found in the read", 1, upgraded, cost{get: 1, evalsha: 1, set: 1, stats: redisstore.Stats{SecondTrip: 1}})
	step("after the adoption", n, adopted, cost{get: n, stats: redisstore.Stats{ReadOnly: n}, check: noCookie})
}

func TestStoreFailureIsNeverNoSession(t *testing.T) {
	f := newFixture(t, redisstore.Options{Timeout: 300 * time.Millisecond})
	srv, m := f.srv, f.m
	ctx := context.Background()
	tok, err := m.Create(ctx, session.CreateInput{UserID: "paused"})
	if err != nil {
		t.Fatal(err)
	}
	// A paused server (slow Redis) must produce a store failure within the
	// deadline, not a hang and not "no session".
	if _, err := srv.Do("CLIENT", "PAUSE", "2000", "ALL"); err != nil {
		t.Fatal(err)
	}
	_, err = m.Validate(ctx, tok.Access.Value)
	if !errors.Is(err, session.ErrStore) {
		t.Fatalf("paused Redis: got %v, want ErrStore", err)
	}
	srv.Do("CLIENT", "UNPAUSE")
}

func TestClientConfig(t *testing.T) {
	for _, tc := range []struct {
		name, url, mode, wantErr string
	}{
		{"standalone", "redis://127.0.0.1:6379/0", "", ""},
		{"tls with ACL", "rediss://user:s3cret@cache.example.com:6379", "standalone", ""},
		{"cluster", "redis://127.0.0.1:7000?addr=127.0.0.1:7001", "cluster", ""},
		{"missing", "", "", "REDIS_URL is required"},
		{"bad scheme", "http://user:s3cret@x:1", "", "not a valid"},
		{"bad mode", "redis://x:1", "sentinel", "REDIS_MODE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"REDIS_URL": tc.url, "REDIS_MODE": tc.mode}
			c, err := redisstore.ClientConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := redisstore.NewClient(c); err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Fatal("error message leaks the password")
			}
			if strings.Contains(c.String(), "s3cret") {
				t.Fatal("String leaks the password")
			}
		})
	}
}

// TestActivityRecordedWithWrites pins how the idle timeout slides:
// activity is recorded only by writes that happen anyway — a rotation, a
// refresh, creation — never by a validation that only reads. A session in
// use rotates at least every RotateAfter, so its idle end lies between
// IdleTimeout minus RotateAfter and IdleTimeout after its last request.
func TestActivityRecordedWithWrites(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	ctx := context.Background()
	tok, err := f.m.Create(ctx, session.CreateInput{UserID: "bursty"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := f.clock.Now()
	lastActive := func() time.Time {
		t.Helper()
		infos, err := f.m.ListUser(ctx, "bursty")
		if err != nil || len(infos) != 1 {
			t.Fatalf("list: %v %v", infos, err)
		}
		return infos[0].LastActive
	}
	validate := func(v string) *session.Validated {
		t.Helper()
		res, err := f.m.Validate(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	f.clock.Advance(f.cfg.RotateAfter - time.Millisecond)
	validate(tok.Access.Value)
	if got := lastActive(); !got.Equal(t0) {
		t.Fatalf("a validation that only reads: last active %v, want %v (unchanged)", got, t0)
	}
	f.clock.Advance(time.Millisecond)
	res := validate(tok.Access.Value)
	t1 := f.clock.Now()
	if res.SetCookie == nil {
		t.Fatal("no rotation at RotateAfter")
	}
	if got := lastActive(); !got.Equal(t1) {
		t.Fatalf("after the rotation: last active %v, want %v", got, t1)
	}
	// A request just before the next rotation is not recorded, so the
	// session times out one IdleTimeout after t1: IdleTimeout minus
	// RotateAfter (and a millisecond) after that request.
	f.clock.Advance(f.cfg.RotateAfter - time.Millisecond)
	validate(res.SetCookie.Value)
	if got := lastActive(); !got.Equal(t1) {
		t.Fatalf("inside the rotation period: last active %v, want %v", got, t1)
	}
	f.clock.Advance(t1.Add(f.cfg.IdleTimeout).Sub(f.clock.Now()))
	if _, err := f.m.Validate(ctx, res.SetCookie.Value); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("one IdleTimeout after the recorded activity: %v, want ErrUnknown", err)
	}
	if _, err := f.m.Refresh(ctx, tok.Refresh.Value); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("the timed-out session must be gone: refresh gave %v", err)
	}
	if n, err := f.rdb.Exists(ctx, redisstore.SessionKey(tok.SessionID)).Result(); err != nil || n != 0 {
		t.Fatalf("the timed-out record is still stored: %d %v", n, err)
	}
}

// TestCreateOutOfRangeWritesNothing: times a record cannot hold are invalid
// input, refused before the user's index or the session is written.
func TestCreateOutOfRangeWritesNothing(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	st := redisstore.New(f.rdb, redisstore.Options{})
	ctx := context.Background()
	now := time.Now()
	for name, rec := range map[string]session.Record{
		"created before 1970": {CreatedAt: time.UnixMilli(-5), AbsoluteEnd: time.UnixMilli(1000), IdleTimeout: time.Second},
		"already ended":       {CreatedAt: now, AbsoluteEnd: now, IdleTimeout: time.Hour},
		"ends after 2^48 ms":  {CreatedAt: now, AbsoluteEnd: time.UnixMilli(1 << 48), IdleTimeout: time.Hour},
	} {
		rec.UserID, rec.MaxPerUser = "out-of-range", 5
		rec.ID = session.UserTag(rec.UserID) + "0123456789abcdef01234567"
		if _, err := st.Create(ctx, rec); !errors.Is(err, session.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", name, err)
		}
		if keys, err := f.rdb.Keys(ctx, "*").Result(); err != nil || len(keys) != 0 {
			t.Fatalf("%s: keys written: %v %v", name, keys, err)
		}
	}
}

// A clock outside what a record can hold is the server's fault: Validate
// and Refresh fail as a store failure would (the Manager reports ErrStore,
// so nobody is logged out), and the record is left as it was.
func TestCallOutOfRangeIsStoreFailure(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	ctx := context.Background()
	tok, err := f.m.Create(ctx, session.CreateInput{UserID: "clock-user"})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := f.rdb.Keys(ctx, "sg:s:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	before, _ := f.rdb.Get(ctx, keys[0]).Result()
	id := keys[0][len(keys[0])-session.IDLen:]
	st := redisstore.New(f.rdb, redisstore.Options{})
	p := session.Policy{AccessTTL: time.Minute, RotateAfter: time.Minute, Grace: time.Second, IdleTimeout: time.Hour}
	for name, now := range map[string]time.Time{"before 1970": time.UnixMilli(-1), "after 2^48 ms": time.UnixMilli(1 << 48)} {
		for op, call := range map[string]func(context.Context, string, uint64, time.Time, session.Policy) (session.State, error){
			"validate": func(ctx context.Context, id string, gen uint64, now time.Time, p session.Policy) (session.State, error) {
				return st.Validate(ctx, session.ID([]byte(id)), session.Access{Gen: gen}, now, p)
			},
			"validate, hints for a read": func(ctx context.Context, id string, gen uint64, now time.Time, p session.Policy) (session.State, error) {
				return st.Validate(ctx, session.ID([]byte(id)), session.Access{Gen: gen, Issued: now}, now, p)
			},
			"refresh": st.Refresh,
		} {
			_, err := call(ctx, id, 1, now, p)
			if err == nil {
				t.Errorf("%s %s: no error, want a store failure", name, op)
				continue
			}
			for _, sentinel := range []error{session.ErrUnknown, session.ErrNoSession, session.ErrExpired, session.ErrTheft, session.ErrInvalidInput} {
				if errors.Is(err, sentinel) {
					t.Errorf("%s %s: got %v, want a store failure", name, op, err)
				}
			}
		}
	}
	if after, _ := f.rdb.Get(ctx, keys[0]).Result(); after != before {
		t.Error("the record changed")
	}
	f.clock.Advance(time.UnixMilli(-1).Sub(f.clock.Now()))
	if _, err := f.m.Validate(ctx, tok.Access.Value); !errors.Is(err, session.ErrStore) {
		t.Errorf("Manager.Validate with a clock before 1970: got %v, want ErrStore", err)
	}
}

// TestValidateAnyPrefixAndRoles: a validation builds its key and its
// roles in a buffer when they fit and on their own when they do not (a
// long prefix, many roles); either way the key is the one Create wrote and
// the roles are the session's, on the read path and on the script path.
func TestValidateAnyPrefixAndRoles(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	rdb := client(t, srv.URL(), redisstore.ModeStandalone)
	ctx := context.Background()
	many := make([]string, session.MaxRoles)
	for i := range many {
		many[i] = fmt.Sprintf("role-%d", i)
	}
	for _, prefix := range []string{"", "p:", "a-prefix-longer-than-the-buffer-holds:"} {
		for _, roles := range [][]string{nil, {"a"}, {"a", "b", "c", "d"}, {"a", "b", "c", "d", "e"}, many} {
			name := fmt.Sprintf("prefix %q, %d roles", prefix, len(roles))
			clock := sessiontest.NewClock()
			cfg := sessiontest.TestConfig(t)
			store := redisstore.New(rdb, redisstore.Options{Prefix: prefix})
			m := sessiontest.NewManager(t, cfg, store, clock)
			tok, err := m.Create(ctx, session.CreateInput{UserID: "u", Roles: roles})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			key := cmp.Or(prefix, "sg:") + "s:{" + tok.SessionID[:session.UserTagLen] + "}" + tok.SessionID
			if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 1 {
				t.Fatalf("%s: no record under %q: %d %v", name, key, n, err)
			}
			check := func(path, value string) string {
				t.Helper()
				v, err := m.Validate(ctx, value)
				if err != nil {
					t.Fatalf("%s, %s: %v", name, path, err)
				}
				if !slices.Equal(v.Roles, roles) || (roles == nil) != (v.Roles == nil) {
					t.Fatalf("%s, %s: roles %q, want %q", name, path, v.Roles, roles)
				}
				if v.SetCookie != nil {
					return v.SetCookie.Value
				}
				return value
			}
			check("read", tok.Access.Value)
			clock.Advance(cfg.RotateAfter)
			rotated := check("script", tok.Access.Value)
			check("read after the rotation", rotated)
			if st := store.Stats(); st.ReadOnly != 2 || st.FromToken != 1 {
				t.Fatalf("%s: the paths were not both taken: %+v", name, st)
			}
		}
	}
}

// A theft verdict is answered again for a while after it deleted the
// session: a refresh that go-redis resends because the verdict's reply was
// lost (a reset connection) must not answer "unknown session", or the
// incident's log line, metric and alarm are lost with it.
func TestTheftVerdictSurvivesAResend(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	ctx := context.Background()
	tok, err := f.m.Create(ctx, session.CreateInput{UserID: sessiontest.UniqueUser("theft")})
	if err != nil {
		t.Fatal(err)
	}
	next, err := f.m.Refresh(ctx, tok.Refresh.Value)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Refresh(ctx, next.Refresh.Value); err != nil { // the successor is used
		t.Fatal(err)
	}
	f.clock.Advance(f.cfg.Grace + time.Millisecond)
	for i := range 2 { // the verdict, then the same call sent again
		_, err := f.m.Refresh(ctx, tok.Refresh.Value)
		te, ok := errors.AsType[*session.TheftError](err)
		if !ok || te.UserID != tok.UserID || te.SessionID != tok.SessionID {
			t.Fatalf("call %d: %v, want the theft verdict naming %s", i+1, err, tok.UserID)
		}
	}
	if _, err := f.m.Validate(ctx, next.Access.Value); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("the session must be gone: %v", err)
	}
}
