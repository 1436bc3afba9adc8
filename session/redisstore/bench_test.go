package redisstore_test

import (
	"context"
	"testing"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// The two benchmarks below run against the same redis-server with the same
// client options, so their ratio is the engine's cost over one bare round
// trip. Run them together: go test -run=^$ -bench=. -benchmem ./session/redisstore

func BenchmarkRedisGET(b *testing.B) {
	srv := sessiontest.StartServer(b, sessiontest.Options{})
	rdb := client(b, srv.URL(), redisstore.ModeStandalone)
	ctx := context.Background()
	if err := rdb.Set(ctx, "bench:key", "some session-sized value of about forty bytes", 0).Err(); err != nil {
		b.Fatal(err)
	}
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
