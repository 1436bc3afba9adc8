package redisstore

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// TestDecideAgreesWithScript holds decide, the Go decision of a validation
// that only reads, to validate.lua: for records and calls drawn around
// every boundary either tests (the idle and absolute timeouts, adoption,
// the access TTL, rotation, the grace window, the generation just rotated
// out, the refresh-used flag and the generation it was issued with, clocks
// that disagree), run in a real redis-server:
//
//   - answer: the script replies with the record as stored and writes
//     nothing;
//   - expired: the script replies R_EXPIRED and writes nothing;
//   - write: the script writes (a new value, a new expiry, or a deleted
//     key), so a second round trip is never spent on a call that needed
//     none.
func TestDecideAgreesWithScript(t *testing.T) {
	rdb := scriptClient(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	policies := []session.Policy{
		{AccessTTL: 15 * time.Minute, RotateAfter: 10 * time.Minute, Grace: time.Minute, IdleTimeout: 24 * time.Hour},
		// Rotation later than expiry, grace longer than the access TTL.
		{AccessTTL: 2 * time.Second, RotateAfter: 3 * time.Second, Grace: 5 * time.Second, IdleTimeout: 1234 * time.Millisecond},
		// The load test's lifetimes.
		{AccessTTL: 3 * time.Second, RotateAfter: time.Second, Grace: 5 * time.Second, IdleTimeout: time.Hour},
	}
	const ttl = 7777777 // ms: an expiry no write by the script produces
	const perPolicy = 1500
	count := map[verdict]int{}
	for _, p := range policies {
		ps := newScripts(p)
		if err := ps.validate.Load(ctx, rdb).Err(); err != nil {
			t.Fatal(err)
		}
		l := ps.limits
		near := func(x int64) int64 { return x + rng.Int64N(3) - 1 }
		pick := func(xs ...int64) int64 { return xs[rng.IntN(len(xs))] }
		for i := 0; i < perPolicy; i++ {
			now := int64(1795253061000)
			r := sampleRecord()
			r.h[fLastActive] = uint64(now - pick(0, near(l.idle), near(l.rot), -5, rng.Int64N(2*l.idle+1)))
			r.h[fAbsEnd] = uint64(now + pick(-1, 0, 1, 2000, 1<<30))
			ag := uint64(rng.IntN(4) + 2)
			r.h[fAccessGen] = ag
			r.h[fAccessIssued] = uint64(now - pick(0, near(l.rot), near(l.ttl), rng.Int64N(2*l.ttl+1), -7))
			r.h[fPrevAccessGen] = ag - uint64(pick(1, 1, 1, 2))
			r.h[fPrevAccessOut] = uint64(now - pick(0, near(l.grace), rng.Int64N(2*l.grace+1), -3))
			r.h[fRefreshUsed] = uint64(rng.IntN(2))
			r.h[fRefreshAccessGen] = uint64(rng.IntN(int(ag)+1) + 1)
			v, err := r.encode()
			if err != nil {
				t.Fatal(err)
			}
			gen := uint64(int64(ag) + pick(0, 0, -1, -1, 1, -2))
			want := decide(&r, now, gen, l)
			count[want]++

			arg, _ := callArg(time.UnixMilli(now), gen)
			pipe := rdb.Pipeline()
			pipe.Set(ctx, "rec", v, ttl*time.Millisecond)
			reply := pipe.EvalSha(ctx, ps.validate.Hash(), []string{"rec"}, arg)
			after := pipe.Get(ctx, "rec")
			expiry := pipe.PTTL(ctx, "rec")
			if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
				t.Fatal(err)
			}
			if reply.Err() != nil {
				t.Fatalf("case %d: script: %v", i, reply.Err())
			}
			gone := after.Err() == redis.Nil
			d := expiry.Val() - ttl*time.Millisecond
			wrote := gone || after.Val() != v || d < -time.Second || d > time.Second
			got := reply.Val()
			ok := false
			switch want {
			case answer:
				ok = got == v && !wrote
			case expired:
				ok = got == int64(replyExpired) && !wrote
			case write:
				ok = wrote
			}
			if !ok {
				t.Fatalf("case %d (policy %+v, now %d, gen %d, header %v): decide says %v; the script replied %q and wrote: %v (value %q, expiry %v)",
					i, p, now, gen, r.h, want, got, wrote, after.Val(), expiry.Val())
			}
		}
	}
	for _, w := range []verdict{answer, expired, write} {
		if count[w] < 200 {
			t.Fatalf("the cases reach too few calls of one kind: %v", count)
		}
	}
	t.Logf("%d answered by a read, %d expired by a read, %d needing the script", count[answer], count[expired], count[write])
}

// TestScriptFirst pins the path a cookie's hints choose: straight to the
// script when a write is due by the cookie (rotation, the refresh token's
// first use) or when it carries no hints; a read otherwise, including for
// a generation already expired by its age (its answer is a refusal or a
// hand-back inside the grace window, both read-only).
func TestScriptFirst(t *testing.T) {
	l := limits{ttl: 3000, rot: 1000, grace: 5000, idle: 3600000}
	now := int64(1795253061000)
	issued := func(age int64) time.Time { return time.UnixMilli(now - age) }
	for _, tc := range []struct {
		name string
		a    session.Access
		want bool
	}{
		{"no hints (issued not said)", session.Access{Gen: 2}, true},
		{"fresh", session.Access{Gen: 2, Issued: issued(0)}, false},
		{"just before rotation", session.Access{Gen: 2, Issued: issued(999)}, false},
		{"due for rotation", session.Access{Gen: 2, Issued: issued(1000)}, true},
		{"just before expiry", session.Access{Gen: 2, Issued: issued(2999)}, true},
		{"expired by its age", session.Access{Gen: 2, Issued: issued(3000)}, false},
		{"issued in the future (clock skew)", session.Access{Gen: 2, Issued: issued(-50)}, false},
		{"refresh use to record", session.Access{Gen: 2, Issued: issued(0), RefreshPending: true}, true},
	} {
		if got := scriptFirst(tc.a, now, l); got != tc.want {
			t.Errorf("%s: scriptFirst = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// BenchmarkScriptCost is Redis's own time per call on a warm server (calls
// pipelined 50 at a time, so no round trip or wake-up is in it), read from
// INFO commandstats as redis-ns/call: a plain GET of the record (the read
// path), an empty script, a script that only GETs the record, and
// validate.lua answering a validation that changes nothing (the path of a
// cookie whose hints say a write is due, when another request wrote it
// first).
func BenchmarkScriptCost(b *testing.B) {
	srv := sessiontest.StartServer(b, sessiontest.Options{})
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	p := session.Policy{AccessTTL: 15 * time.Minute, RotateAfter: 10 * time.Minute, Grace: time.Minute, IdleTimeout: 24 * time.Hour}
	now := int64(1795253061000)
	r := sampleRecord()
	r.h[fLastActive], r.h[fAccessIssued], r.h[fAbsEnd] = uint64(now), uint64(now), uint64(now+3_600_000)
	v, err := r.encode()
	if err != nil {
		b.Fatal(err)
	}
	if err := rdb.Set(ctx, "rec", v, time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	arg, _ := callArg(time.UnixMilli(now), r.h[fAccessGen])
	for _, c := range []struct {
		name string
		s    *redis.Script // nil: a plain GET
	}{
		{"get", nil},
		{"empty-script", redis.NewScript("return 1")},
		{"get-script", redis.NewScript("return redis.call('GET', KEYS[1])")},
		{"validate.lua", newScripts(p).validate},
	} {
		b.Run(c.name, func(b *testing.B) {
			cmd, stat := "get", "get"
			if c.s != nil {
				cmd, stat = "evalsha", "evalsha"
				if got, err := c.s.Run(ctx, rdb, []string{"rec"}, arg).Result(); err != nil || (c.name != "empty-script" && got != v) {
					b.Fatalf("%v %v", got, err)
				}
			}
			if _, err := srv.Do("CONFIG", "RESETSTAT"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i += 50 {
				pipe := rdb.Pipeline()
				for j := 0; j < 50; j++ {
					if c.s == nil {
						pipe.Get(ctx, "rec")
					} else {
						pipe.EvalSha(ctx, c.s.Hash(), []string{"rec"}, arg)
					}
				}
				if _, err := pipe.Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			stats, err := srv.CommandStats()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(stats[stat].UsecPerCall*1000, "redis-"+cmd+"-ns/call")
		})
	}
}
