package sessiontest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// CommandStat is one command's line of INFO commandstats.
type CommandStat struct {
	Calls       int
	UsecPerCall float64 // Redis's own time per call, in µs
}

// CommandStats reads INFO commandstats, keyed by lower-case command name
// ("get", "evalsha", "config|resetstat"). Commands a script runs inside
// Redis are counted under their own names as well.
func (s *Server) CommandStats() (map[string]CommandStat, error) {
	out, err := s.Do("INFO", "commandstats")
	if err != nil {
		return nil, err
	}
	stats := map[string]CommandStat{}
	for line := range strings.SplitSeq(out, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, isCmd := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isCmd {
			continue
		}
		var st CommandStat
		for f := range strings.SplitSeq(rest, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				st.Calls, _ = strconv.Atoi(v)
			}
			if v, ok := strings.CutPrefix(f, "usec_per_call="); ok {
				st.UsecPerCall, _ = strconv.ParseFloat(v, 64)
			}
		}
		stats[name] = st
	}
	return stats, nil
}

// BenchPaired measures an operation against a bare round trip in the most
// drift-proof way a shared machine allows: every iteration runs get (one
// bare GET) and then op, back to back against the same server, timing each.
// Load that comes and goes during the run then weighs on both sides alike,
// which two separate benchmarks cannot promise. It reports get-ns/op,
// op-ns/op and op/get (the ratio of the totals), and Redis's own time per
// GET and per EVALSHA from INFO commandstats (redis-get-ns/call,
// redis-evalsha-ns/call); ns/op is the pair. Both functions are run once
// before timing starts (connections dialled, scripts loaded).
func BenchPaired(b *testing.B, srv *Server, get, op func(context.Context) error) {
	b.Helper()
	ctx := context.Background()
	if err := get(ctx); err != nil {
		b.Fatal(err)
	}
	if err := op(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := srv.Do("CONFIG", "RESETSTAT"); err != nil {
		b.Fatal(err)
	}
	var getd, opd time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := get(ctx); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := op(ctx); err != nil {
			b.Fatal(err)
		}
		getd += t1.Sub(t0)
		opd += time.Since(t1)
	}
	b.StopTimer()
	stats, err := srv.CommandStats()
	if err != nil {
		b.Fatal(err)
	}
	for _, cmd := range []string{"get", "evalsha"} {
		if st, ok := stats[cmd]; ok {
			b.ReportMetric(st.UsecPerCall*1000, "redis-"+cmd+"-ns/call")
		}
	}
	b.ReportMetric(float64(getd.Nanoseconds())/float64(b.N), "get-ns/op")
	b.ReportMetric(float64(opd.Nanoseconds())/float64(b.N), "op-ns/op")
	b.ReportMetric(float64(opd)/float64(getd), "op/get")
}
