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

// TestValidateFastPathAgrees holds validate_fast.lua to validate.lua: for
// records and calls drawn around every boundary the fast path tests (the
// idle step, rotation, the access TTL, the absolute end, the generation,
// the refresh-used flag), the script as deployed and validate.lua alone
// give the same reply and leave the same record with the same expiry.
func TestValidateFastPathAgrees(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	policies := []session.Policy{
		{AccessTTL: 15 * time.Minute, RotateAfter: 10 * time.Minute, Grace: time.Minute, IdleTimeout: 24 * time.Hour},
		{AccessTTL: 2 * time.Second, RotateAfter: 3 * time.Second, Grace: 500 * time.Millisecond, IdleTimeout: 1234 * time.Millisecond},
	}
	const ttl = 7777777 // ms: an expiry no write by the scripts produces
	fast, slow := 0, 0
	for _, p := range policies {
		full := newScripts(p).validate
		alone := validateAlone(p)
		step, rot, tl := activityStep(p), p.RotateAfter.Milliseconds(), p.AccessTTL.Milliseconds()
		near := func(x int64) int64 { return x + rng.Int64N(3) - 1 }
		for i := 0; i < 1500; i++ {
			now := int64(1795253061000)
			r := sampleRecord()
			pick := func(xs ...int64) int64 { return xs[rng.IntN(len(xs))] }
			r.h[fLastActive] = uint64(now - pick(0, near(step), near(p.IdleTimeout.Milliseconds()), -5, rng.Int64N(2*step+1)))
			// (An end 1 ms away would be a write that expires before it is read.)
			r.h[fAbsEnd] = uint64(now + pick(-1, 0, 2000, 1<<30))
			ag := uint64(rng.IntN(4) + 2)
			r.h[fAccessGen] = ag
			r.h[fAccessIssued] = uint64(now - pick(0, near(rot), near(tl), rng.Int64N(2*tl+1)))
			r.h[fPrevAccessGen], r.h[fPrevAccessOut] = ag-1, uint64(now-pick(0, near(p.Grace.Milliseconds())))
			r.h[fRefreshUsed] = uint64(rng.IntN(2))
			r.h[fRefreshAccessGen] = uint64(rng.IntN(int(ag)) + 1)
			v, err := r.encode()
			if err != nil {
				t.Fatal(err)
			}
			gen := uint64(int64(ag) + pick(0, 0, -1, 1))
			arg, _ := callArg(time.UnixMilli(now), gen)
			var replies [2]any
			var after [2]string
			var expiry [2]time.Duration
			for j, s := range []*redis.Script{full, alone} {
				k := []string{"a", "b"}[j]
				if err := rdb.Set(ctx, k, v, ttl*time.Millisecond).Err(); err != nil {
					t.Fatal(err)
				}
				replies[j], err = s.Run(ctx, rdb, []string{k}, arg).Result()
				if err != nil {
					t.Fatalf("case %d script %d: %v", i, j, err)
				}
				after[j], _ = rdb.Get(ctx, k).Result()
				expiry[j], _ = rdb.PTTL(ctx, k).Result()
			}
			wrote := func(j int) bool { // a new value or a new expiry
				d := expiry[j] - ttl*time.Millisecond
				return after[j] != v || d < -time.Second || d > time.Second
			}
			if replies[0] != replies[1] || after[0] != after[1] || wrote(0) != wrote(1) {
				t.Fatalf("case %d (policy %v, gen %d, record %+v): fast path and validate.lua differ:\nreply %q / %q\nrecord %q / %q\nttl %v / %v",
					i, p, gen, r.h, replies[0], replies[1], after[0], after[1], expiry[0], expiry[1])
			}
			// Calls that change nothing are those the fast path may answer.
			if replies[0] == v && !wrote(0) {
				fast++
			} else {
				slow++
			}
		}
	}
	if fast < 100 || slow < 100 {
		t.Fatalf("the cases reach too few calls of one kind: %d unchanged, %d others", fast, slow)
	}
	t.Logf("%d calls that change nothing, %d others", fast, slow)
}

// validateAlone is validate.lua for p without its fast path: what the
// deployed script must agree with.
func validateAlone(p session.Policy) *redis.Script {
	return redis.NewScript(policyConsts(p) + "local fv\n" + recordSrc + "\n" + validateSrc)
}

// BenchmarkScriptCost is Redis's own time per script call on a warm server
// (calls pipelined 50 at a time, so no round trip or wake-up is in it), read
// from INFO commandstats as redis-evalsha-ns/call: an empty script, a
// script that only GETs the record, validate.lua alone, and the script as
// deployed (its fast path first), for a validation that changes nothing.
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
		s    *redis.Script
	}{
		{"empty", redis.NewScript("return 1")},
		{"get", redis.NewScript("return redis.call('GET', KEYS[1])")},
		{"validate.lua", validateAlone(p)},
		{"deployed", newScripts(p).validate},
	} {
		b.Run(c.name, func(b *testing.B) {
			if got, err := c.s.Run(ctx, rdb, []string{"rec"}, arg).Result(); err != nil || (c.name != "empty" && got != v) {
				b.Fatalf("%v %v", got, err)
			}
			if _, err := srv.Do("CONFIG", "RESETSTAT"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i += 50 {
				pipe := rdb.Pipeline()
				for j := 0; j < 50; j++ {
					pipe.EvalSha(ctx, c.s.Hash(), []string{"rec"}, arg)
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
			b.ReportMetric(stats["evalsha"].UsecPerCall*1000, "redis-evalsha-ns/call")
		})
	}
}
