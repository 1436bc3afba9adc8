package main

import (
	"context"
	"net"
	"os"
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
		"INSECURE_COOKIES":         "true",  // the switch COOKIE_SECURE=false needs
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
	storeStats, err := loadtest.GatewayStoreStats(gw.URL)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := loadtest.Run(context.Background(), loadtest.Config{
		BaseURL: gw.URL, Users: pick(300, 2000), TwoTabEvery: 5, Duration: pick(9*time.Second, 60*time.Second), MaxRequests: pick[int64](200_000, 5_000_000),
		PauseEvery: 10, Pause: 3200 * time.Millisecond, StoreStats: storeStats,
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
	// A validation takes a second round trip only when its record shows a
	// write its cookie did not foresee: under 2% of them (a share of
	// counts, not a timing).
	if n := rep.Store.Validations(); n < rep.OK {
		t.Fatalf("the store counted %d validations for %d successful requests", n, rep.OK)
	}
	if share := rep.Store.SecondTripShare(); share >= 0.02 {
		t.Fatalf("%.2f%% of validations took a second round trip (%+v), want under 2%%", 100*share, rep.Store)
	}
}

// TestLoadRedisRestart stops a persisted Redis in the middle of the load and
// starts it again: errors only during the outage, no session lost, no cookie
// cleared, no false theft. Every step waits for what it needs, never for a
// timer, reading the load's own counts (loadtest.Progress) and Redis's:
//
//   - Redis is stopped once the load has had a given number of successful
//     requests;
//   - it is restarted once it has exited, its port refuses connections, the
//     load has felt it (a given number of 5xx answers) and the gateway's
//     Redis client has certainly entered its dial back-off
//     (waitDialBackoff);
//   - the outage window closes at the first request through the gateway
//     that needs Redis and succeeds (a sign-in, then a validation with its
//     cookie) once that client has left the back-off (waitDialRearmed).
//
// From then on every request must succeed: a 5xx counts as expected only
// when the window was open at some moment while its request ran
// (loadtest.Outage). The run ends once the load has had as many successful
// requests again after the window closed.
func TestLoadRedisRestart(t *testing.T) {
	// Verbose logging: Redis then logs each connection it accepts and
	// closes, which waitDialRearmed reads.
	srv := sessiontest.StartServer(t, sessiontest.Options{Persist: true, Args: []string{"--loglevel", "verbose"}})
	gw := gatewaytest.Start(t, gatewayEnv(srv.URL()))
	okBefore, okAfter := pick[int64](1500, 30_000), pick[int64](1500, 30_000)
	felt := pick[int64](50, 500) // 5xx answers of the load before Redis comes back
	outage, progress := &loadtest.Outage{}, &loadtest.Progress{}
	ctx, cancel := context.WithCancel(context.Background())
	var (
		rep     loadtest.Report
		runErr  error
		stopped = make(chan struct{}) // closed when loadtest.Run has returned
	)
	go func() {
		defer close(stopped)
		// Duration and MaxRequests only bound a run that goes wrong; the
		// run ends when the test cancels it.
		rep, runErr = loadtest.Run(ctx, loadtest.Config{
			BaseURL: gw.URL, Users: pick(150, 1000), TwoTabEvery: 5, Duration: pick(2*time.Minute, 10*time.Minute), MaxRequests: pick[int64](1_000_000, 10_000_000),
			Outage: outage, Progress: progress,
		})
	}()
	t.Cleanup(func() { cancel(); <-stopped }) // before the gateway and Redis stop

	waitFor(t, "successful requests", progress.OK, okBefore, stopped)
	outage.Open()
	srv.Stop()
	if srv.Running() {
		t.Fatal("redis-server still runs after Stop")
	}
	if c, err := net.Dial("tcp", srv.Addr()); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after Stop", srv.Addr())
	}
	waitFor(t, "5xx answers in the outage", progress.ServerErrorsOutage, felt, stopped)
	waitDialBackoff(t, gw.URL)
	logFrom := redisLogSize(t, srv)
	srv.Restart()
	waitDialRearmed(t, srv, logFrom)
	probe(t, gw.URL)
	outage.Close()
	closedAt := progress.OK()
	waitFor(t, "successful requests", progress.OK, closedAt+okAfter, stopped)
	cancel()
	<-stopped
	if runErr != nil {
		t.Fatal(runErr)
	}
	t.Logf("load with Redis restart: %s (Redis stopped after %d successful requests, restarted after %d 5xx, window closed after %d successful requests)", rep, okBefore, felt, closedAt)
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
