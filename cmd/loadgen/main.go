// Command loadgen drives a running local gateway (or any deployment of the
// example API on this machine) like many browsers at once and reports
// throughput, latency and every broken session invariant. It only targets
// loopback addresses and stops after -duration or -max-requests.
//
//	go run ./cmd/localgateway &   # with COOKIE_SECURE=false INSECURE_COOKIES=true and short lifetimes
//	go run ./cmd/loadgen -url http://127.0.0.1:8080 -users 2000 -duration 60s
//
// The local gateway must run with COOKIE_SECURE=false, and so with the
// switch INSECURE_COOKIES=true that allows it: Go's cookie jar, like a
// browser on a non-local host, never sends Secure cookies over plain http.
//
// Against the local gateway it also reports how the session store answered
// the run's validations (the gateway's GET /_localgateway/store-stats): with
// one GET, with one script, or with a GET and then a script — the second
// round trip, whose share should stay under 2%. -store-stats=false skips
// that for a target without the route.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/sessiongate/sessiongate/internal/loadtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "base URL of the API (loopback only)")
	users := fs.Int("users", 500, "virtual users, one session each")
	twoTab := fs.Int("two-tab-every", 5, "every n-th user runs two tabs sharing cookies (0: none)")
	dur := fs.Duration("duration", 30*time.Second, "how long to run")
	maxReq := fs.Int64("max-requests", 2_000_000, "stop after this many requests")
	pauseEvery := fs.Int("pause-every", 50, "a tab pauses after this many requests (0: never)")
	pause := fs.Duration("pause", 0, "pause length; make it longer than SESSION_ACCESS_TTL to exercise refresh")
	storeStats := fs.Bool("store-stats", true, "report how the local gateway's session store answered validations")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := loadtest.Config{BaseURL: *url, Users: *users, TwoTabEvery: *twoTab, Duration: *dur, MaxRequests: *maxReq, PauseEvery: *pauseEvery, Pause: *pause}
	if *storeStats {
		read, err := loadtest.GatewayStoreStats(*url)
		if err != nil {
			fmt.Fprintln(stderr, "loadgen:", err)
			return 2
		}
		cfg.StoreStats = read
	}
	rep, err := loadtest.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		if errors.Is(err, loadtest.ErrNoStoreStats) {
			fmt.Fprintln(stderr, "loadgen: a target other than the local gateway has no store counts: run with -store-stats=false")
		}
		return 2
	}
	fmt.Fprintln(stdout, rep)
	if v := rep.Violations(); len(v) > 0 {
		fmt.Fprintln(stderr, "loadgen: invariants broken:", v)
		return 1
	}
	return 0
}
