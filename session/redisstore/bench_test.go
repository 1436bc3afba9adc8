package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// BenchmarkPairedValidate is the figure for the engine's target (Validate
// on the read path against a bare GET): both in every iteration, against
// the same redis-server, with clients built the same way
// (sessiontest.BenchPaired). BenchmarkPairedFastPath is the store's read
// path alone, without the cookie's decode; BenchmarkPairedScriptPath the
// same validation sent to validate.lua, as a cookie without hints is.
// BenchmarkRedisGET and BenchmarkValidate time each alone, on their own
// servers. Run: go test -run=^$ -bench=. -benchmem ./session/redisstore

func BenchmarkPairedValidate(b *testing.B) {
	f := newFixture(b, redisstore.Options{})
	ctx := context.Background()
	if err := f.rdb.Set(ctx, "bench:key", "some session-sized value of about forty bytes", 0).Err(); err != nil {
		b.Fatal(err)
	}
	tok, err := f.m.Create(ctx, session.CreateInput{UserID: "bench-user", Roles: []string{"user"}, Claims: map[string]any{"plan": "pro"}})
	if err != nil {
		b.Fatal(err)
	}
	sessiontest.BenchPaired(b, f.srv,
		func(ctx context.Context) error { return f.rdb.Get(ctx, "bench:key").Err() },
		func(ctx context.Context) error { _, err := f.m.Validate(ctx, tok.Access.Value); return err })
	onlyReads(b, f.store)
}

// BenchmarkPairedFastPath is Store.Validate on the read path (one GET of
// the record, decided in Go) against a bare GET: what the store adds to
// the round trip, without securecookie.
func BenchmarkPairedFastPath(b *testing.B) {
	f := newFixture(b, redisstore.Options{})
	a, id := benchSession(b, f)
	p := benchPolicy(f.cfg)
	sessiontest.BenchPaired(b, f.srv,
		func(ctx context.Context) error { return f.rdb.Get(ctx, "bench:key").Err() },
		func(ctx context.Context) error { _, err := f.store.Validate(ctx, id, a, f.clock.Now(), p); return err })
	onlyReads(b, f.store)
}

// BenchmarkPairedScriptPath is the same validation through validate.lua
// (a cookie without hints): what the read path saves.
func BenchmarkPairedScriptPath(b *testing.B) {
	f := newFixture(b, redisstore.Options{})
	a, id := benchSession(b, f)
	a.Issued = time.Time{}
	p := benchPolicy(f.cfg)
	sessiontest.BenchPaired(b, f.srv,
		func(ctx context.Context) error { return f.rdb.Get(ctx, "bench:key").Err() },
		func(ctx context.Context) error { _, err := f.store.Validate(ctx, id, a, f.clock.Now(), p); return err })
	if st := f.store.Stats(); st.ReadOnly != 0 || st.SecondTrip != 0 {
		b.Fatalf("the script path was not taken every time: %+v", st)
	}
}

// benchSession creates a session with a 40-byte bench:key beside it and
// returns what its access cookie presents, and its id.
func benchSession(b *testing.B, f fixture) (session.Access, session.ID) {
	ctx := context.Background()
	if err := f.rdb.Set(ctx, "bench:key", "some session-sized value of about forty bytes", 0).Err(); err != nil {
		b.Fatal(err)
	}
	tok, err := f.m.Create(ctx, session.CreateInput{UserID: "bench-user", Roles: []string{"user"}, Claims: map[string]any{"plan": "pro"}})
	if err != nil {
		b.Fatal(err)
	}
	info, err := f.m.InspectAccess(tok.Access.Value)
	if err != nil {
		b.Fatal(err)
	}
	return session.Access{Gen: info.Generation, Issued: f.clock.Now()}, session.ID([]byte(info.SessionID))
}

func benchPolicy(cfg session.Config) session.Policy {
	return session.Policy{AccessTTL: cfg.AccessTTL, RotateAfter: cfg.RotateAfter, Grace: cfg.Grace, IdleTimeout: cfg.IdleTimeout}
}

// onlyReads fails a benchmark of the read path whose validations took
// another path, so its figures cannot silently measure something else.
func onlyReads(b *testing.B, s *redisstore.Store) {
	if st := s.Stats(); st.FromToken != 0 || st.SecondTrip != 0 {
		b.Fatalf("validations left the read path: %+v", st)
	}
}

// getClient is a client of its own redis-server with bench:key set, for
// the benchmarks that time a bare GET.
func getClient(b *testing.B) redis.UniversalClient {
	srv := sessiontest.StartServer(b, sessiontest.Options{})
	rdb := client(b, srv.URL(), redisstore.ModeStandalone)
	if err := rdb.Set(context.Background(), "bench:key", "some session-sized value of about forty bytes", 0).Err(); err != nil {
		b.Fatal(err)
	}
	return rdb
}

func BenchmarkRedisGET(b *testing.B) {
	rdb := getClient(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rdb.Get(ctx, "bench:key").Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	m := newFixture(b, redisstore.Options{}).m
	ctx := context.Background()
	tok, err := m.Create(ctx, session.CreateInput{UserID: "bench-user", Roles: []string{"user"}, Claims: map[string]any{"plan": "pro"}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Validate(ctx, tok.Access.Value); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Validate(ctx, tok.Access.Value); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateParallel is the same under concurrency (GOMAXPROCS
// goroutines on one pooled client), for throughput rather than latency.
func BenchmarkValidateParallel(b *testing.B) {
	m := newFixture(b, redisstore.Options{}).m
	ctx := context.Background()
	tok, err := m.Create(ctx, session.CreateInput{UserID: "bench-user"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Validate(ctx, tok.Access.Value); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkRefresh(b *testing.B) {
	m := newFixture(b, redisstore.Options{}).m
	ctx := context.Background()
	tok, err := m.Create(ctx, session.CreateInput{UserID: "bench-user"})
	if err != nil {
		b.Fatal(err)
	}
	cur := tok.Refresh.Value
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nt, err := m.Refresh(ctx, cur)
		if err != nil {
			b.Fatal(err)
		}
		cur = nt.Refresh.Value
	}
}

// BenchmarkGETAfterClientWork measures the machine rather than sessiongate:
// a bare GET's latency after the client has computed for a while since its
// previous round trip, which is how long redis-server sat idle. On a VM
// whose idle vCPUs halt, a server woken after a longer idle answers later,
// so anything an operation computes before its round trip (decoding the
// event and the cookie) costs more than its own CPU time in a paired
// benchmark. BENCHMARKS.md ("Why the ratio depends on the machine") uses
// it. Every iteration runs one GET after each amount of work, so the levels
// share the machine's state; work<N>-get-ns/op is that GET alone (the
// spinning is not timed).
func BenchmarkGETAfterClientWork(b *testing.B) {
	rdb := getClient(b)
	ctx := context.Background()
	work := []time.Duration{0, 5 * time.Microsecond, 10 * time.Microsecond, 20 * time.Microsecond, 40 * time.Microsecond, 80 * time.Microsecond}
	getd := make([]time.Duration, len(work))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, w := range work {
			for t := time.Now(); time.Since(t) < w; {
			}
			t0 := time.Now()
			if err := rdb.Get(ctx, "bench:key").Err(); err != nil {
				b.Fatal(err)
			}
			getd[j] += time.Since(t0)
		}
	}
	for j, w := range work {
		b.ReportMetric(float64(getd[j].Nanoseconds())/float64(b.N), fmt.Sprintf("work%03dus-get-ns/op", w/time.Microsecond))
	}
}

// BenchmarkCreateAtLimit is a sign-in of a user who has as many sessions
// as the limit allows already (1, the default 20, 100): create.lua reads
// every one of them, ends the least recently used and stores the new one,
// in one EVALSHA. redis-evalsha-ns/call is Redis's own time for that step,
// and redis-cpu-ns/op the CPU time redis-server spent per sign-in (INFO
// cpu), which a machine shared with other work inflates less.
func BenchmarkCreateAtLimit(b *testing.B) {
	for _, limit := range []int{1, session.DefaultConfig().MaxSessionsPerUser, 100} {
		b.Run(fmt.Sprintf("limit-%d", limit), func(b *testing.B) {
			f := newFixture(b, redisstore.Options{})
			ctx := context.Background()
			now := f.clock.Now()
			create := func(i int) {
				ev, err := f.store.Create(ctx, newRecord(f.cfg, "bench-user", i, now.Add(time.Duration(i)*time.Millisecond), limit))
				if err != nil || (i >= limit && len(ev) != 1) {
					b.Fatalf("create %d: %v %v", i, ev, err)
				}
			}
			for i := 0; i < limit; i++ {
				create(i)
			}
			if _, err := f.srv.Do("CONFIG", "RESETSTAT"); err != nil {
				b.Fatal(err)
			}
			cpu0 := redisCPU(b, f.srv)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				create(limit + i)
			}
			b.StopTimer()
			cpu := redisCPU(b, f.srv) - cpu0
			stats, err := f.srv.CommandStats()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(stats["evalsha"].UsecPerCall*1000, "redis-evalsha-ns/call")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "redis-cpu-ns/op")
		})
	}
}

// redisCPU is the CPU time redis-server has used (INFO cpu, user and
// system).
func redisCPU(b *testing.B, srv *sessiontest.Server) time.Duration {
	out, err := srv.Do("INFO", "cpu")
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for line := range strings.SplitSeq(out, "\n") {
		name, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if name == "used_cpu_user" || name == "used_cpu_sys" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatal(err)
			}
			total += x
		}
	}
	return time.Duration(total * float64(time.Second))
}
