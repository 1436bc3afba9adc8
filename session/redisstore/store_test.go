package redisstore_test

import (
	"context"
	"errors"
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
	m     *session.Manager
}

func newFixture(tb testing.TB, opts redisstore.Options) fixture {
	tb.Helper()
	f := fixture{srv: sessiontest.StartServer(tb, sessiontest.Options{}), clock: sessiontest.NewClock(), cfg: sessiontest.TestConfig(tb)}
	f.rdb = client(tb, f.srv.URL(), redisstore.ModeStandalone)
	f.m = sessiontest.NewManager(tb, f.cfg, redisstore.New(f.rdb, opts), f.clock)
	return f
}

func TestContractStandalone(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{Persist: true})
	sessiontest.RunStoreContract(t, sessiontest.Harness{
		NewStore: func(t *testing.T) session.Store {
			return redisstore.New(client(t, srv.URL(), redisstore.ModeStandalone), redisstore.Options{})
		},
		Outage:  func(*testing.T) { srv.Stop() },
		Recover: func(*testing.T) { srv.Restart() },
	})
}

func TestContractCluster(t *testing.T) {
	c := sessiontest.StartCluster(t, sessiontest.ClusterOptions{Masters: 3})
	sessiontest.RunStoreContract(t, sessiontest.Harness{
		NewStore: func(t *testing.T) session.Store {
			return redisstore.New(client(t, c.URL(), redisstore.ModeCluster), redisstore.Options{})
		},
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

// TestOneCommandPerValidation proves the hot path costs one Redis command:
// a warm Validate is exactly one EVALSHA, whether or not it rotates. (The
// commands the script runs inside Redis are counted separately by
// commandstats; only top-level client commands are round trips, so we count
// evalsha/eval and require nothing else was sent.)
func TestOneCommandPerValidation(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	srv, clock, cfg, m := f.srv, f.clock, f.cfg, f.m
	ctx := context.Background()
	tok, err := m.Create(ctx, session.CreateInput{UserID: "counted"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Validate(ctx, tok.Access.Value); err != nil { // loads the script
		t.Fatal(err)
	}
	if _, err := srv.Do("CONFIG", "RESETSTAT"); err != nil {
		t.Fatal(err)
	}
	// The client must not be in the middle of anything else; its connection
	// pool has no background traffic.
	const n = 20
	for i := 0; i < n; i++ {
		if i == n/2 {
			clock.Advance(cfg.RotateAfter) // one of them rotates
		}
		// The rotated-out generation stays valid for the grace window,
		// and the clock does not move again: every call must succeed.
		if _, err := m.Validate(ctx, tok.Access.Value); err != nil {
			t.Fatalf("validation %d: %v", i, err)
		}
	}
	calls := commandCalls(t, srv)
	// Script-internal commands (get, set) show up in
	// commandstats too; top-level ones are evalsha/eval. INFO itself and
	// CONFIG RESETSTAT are ours.
	if calls["evalsha"] != n || calls["eval"] != 0 {
		t.Fatalf("want %d EVALSHA and no EVAL, got %v", n, calls)
	}
	// The clock moved once, and only the rotation then wrote: the other
	// validations fall inside one activity step, so they only read.
	if calls["get"] != n || calls["set"] != 1 {
		t.Fatalf("want one GET per validation and one SET (the rotation) inside the script, got %v", calls)
	}
	for name := range calls {
		switch name {
		case "evalsha", "get", "set", "info", "config|resetstat":
		default:
			t.Fatalf("unexpected command %q on the validation path: %v", name, calls)
		}
	}
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

// TestActivityRecordedOncePerStep pins how the idle timeout slides: the
// last-active time is written when at least IdleTimeout/100 (at most a
// minute) has passed since the recorded one, so a burst of requests costs
// one write, and the idle end lies between IdleTimeout minus that step and
// IdleTimeout after the last request.
func TestActivityRecordedOncePerStep(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	ctx := context.Background()
	step := f.cfg.IdleTimeout / 100
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
	validate := func() {
		t.Helper()
		if _, err := f.m.Validate(ctx, tok.Access.Value); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(step - time.Millisecond)
	validate()
	if got := lastActive(); !got.Equal(t0) {
		t.Fatalf("inside the step: last active %v, want %v (unchanged)", got, t0)
	}
	f.clock.Advance(time.Millisecond)
	validate()
	t1 := f.clock.Now()
	if got := lastActive(); !got.Equal(t1) {
		t.Fatalf("after the step: last active %v, want %v", got, t1)
	}
	// A request inside the next step is not recorded, so the session times
	// out one IdleTimeout after t1, less than IdleTimeout after that request.
	f.clock.Advance(step / 2)
	validate()
	f.clock.Advance(t1.Add(f.cfg.IdleTimeout).Sub(f.clock.Now()))
	if _, err := f.m.Validate(ctx, tok.Access.Value); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("one IdleTimeout after the recorded activity: %v, want ErrUnknown", err)
	}
	if _, err := f.m.Refresh(ctx, tok.Refresh.Value); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("the timed-out session must be gone: refresh gave %v", err)
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
		rec.ID, rec.UserID = "0123456789abcdef0123456789abcdef", "out-of-range"
		if err := st.Create(ctx, rec); !errors.Is(err, session.ErrInvalidInput) {
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
	id := keys[0][len("sg:s:{") : len(keys[0])-1]
	st := redisstore.New(f.rdb, redisstore.Options{})
	p := session.Policy{AccessTTL: time.Minute, RotateAfter: time.Minute, Grace: time.Second, IdleTimeout: time.Hour}
	for name, now := range map[string]time.Time{"before 1970": time.UnixMilli(-1), "after 2^48 ms": time.UnixMilli(1 << 48)} {
		for op, call := range map[string]func(context.Context, string, uint64, time.Time, session.Policy) (session.State, error){
			"validate": st.Validate, "refresh": st.Refresh,
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
