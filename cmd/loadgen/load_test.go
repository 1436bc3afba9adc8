package main

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/internal/gatewaytest"
	"github.com/sessiongate/sessiongate/internal/loadtest"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// full reports whether the full-size runs of BENCHMARKS.md were asked for
// (SESSIONGATE_FULL=1); make test runs the bounded sizes.
func full() bool { return os.Getenv("SESSIONGATE_FULL") == "1" }

func pick[T any](short, long T) T {
	if full() {
		return long
	}
	return short
}

// Short lifetimes so that rotations (every second) and refreshes (every
// three) happen throughout even a short run.
func gatewayEnv(redisURL string) map[string]string {
	return map[string]string{
		"REDIS_URL":                redisURL,
		"COOKIE_SECURE":            "false", // Go's cookie jar sends no Secure cookie over http
		"SESSION_ACCESS_TTL":       "3s",
		"SESSION_ROTATE_AFTER":     "1s",
		"SESSION_GRACE":            "5s",
		"SESSION_IDLE_TIMEOUT":     "1h",
		"SESSION_ABSOLUTE_TIMEOUT": "2h",
	}
}

// TestLoad is the bounded version of the load run that BENCHMARKS.md
// reports at full size: many sessions, concurrent clients, two-tab users,
// rotations and refreshes throughout; zero 5xx, zero false theft, zero lost.
func TestLoad(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	gw := gatewaytest.Start(t, gatewayEnv(srv.URL()))
	rep, err := loadtest.Run(context.Background(), loadtest.Config{
		BaseURL: gw.URL, Users: pick(300, 2000), TwoTabEvery: 5, Duration: pick(9*time.Second, 60*time.Second), MaxRequests: pick[int64](200_000, 5_000_000),
		PauseEvery: 10, Pause: 3200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("load: %s", rep)
	if v := rep.Violations(); len(v) > 0 {
		t.Fatalf("invariants broken: %v\ngateway log tail:\n%s", v, tail(gw.Log()))
	}
	if rep.Rotations == 0 || rep.Refreshes == 0 {
		t.Fatalf("the run saw %d rotations and %d refreshes; both must happen", rep.Rotations, rep.Refreshes)
	}
}

// TestLoadRedisRestart stops a persisted Redis in the middle of the load and
// starts it again: errors only during the outage (plus the client's re-dial
// after it), no session lost, no cookie cleared, no false theft.
func TestLoadRedisRestart(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{Persist: true})
	gw := gatewaytest.Start(t, gatewayEnv(srv.URL()))
	var outage atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(pick(3*time.Second, 20*time.Second))
		outage.Store(true)
		srv.Stop()
		time.Sleep(2 * time.Second)
		srv.Restart()
		// The window closes once the gateway's client has re-dialled
		// (go-redis retries a failed dial about once a second; a loaded CI
		// machine gets some slack).
		time.Sleep(4 * time.Second)
		outage.Store(false)
	}()
	rep, err := loadtest.Run(context.Background(), loadtest.Config{
		BaseURL: gw.URL, Users: pick(150, 1000), TwoTabEvery: 5, Duration: pick(13*time.Second, 45*time.Second), MaxRequests: pick[int64](200_000, 5_000_000),
		InOutage: outage.Load,
	})
	<-done
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("load with Redis restart: %s", rep)
	if v := rep.Violations(); len(v) > 0 {
		t.Fatalf("invariants broken: %v\ngateway log tail:\n%s", v, tail(gw.Log()))
	}
	if rep.ServerErrorsOutage == 0 {
		t.Fatal("the outage produced no 5xx: Redis was not really stopped")
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}
