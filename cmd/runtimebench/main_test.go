package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// TestRuntimeBenchEndToEnd runs the command as `go run ./cmd/runtimebench
// -n 30 -warmup 3` would: its own redis-server, the four functions
// (authorizer, noop, noop+GET, floor) built and started, every answer
// checked, the report written. It checks that
// the run completes and the report has every figure, not what the figures
// are.
func TestRuntimeBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	sessiontest.RequireRedis(t) // fails under CI=true, skips elsewhere
	var out, log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, options{n: 30, warmup: 3}, &out, &log); err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, log.String())
	}
	report := out.String()
	t.Logf("report:\n%s", report)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`machine: \d+ CPUs \(nproc\), .+, redis-server \d+\.`),
		regexp.MustCompile(`bare GET \(this process\) +[\d.]+ µs +[\d.]+ µs +[\d.]+ µs`),
		regexp.MustCompile(`noop \(fixed Allow\) +[\d.]+ µs`),
		regexp.MustCompile(`noop \+ one GET +[\d.]+ µs`),
		regexp.MustCompile(`floor \(event\+cookie\+GET\) +[\d.]+ µs +[\d.]+ µs +[\d.]+ µs`),
		regexp.MustCompile(`authorizer +[\d.]+ µs +[\d.]+ µs +[\d.]+ µs`),
		regexp.MustCompile(`ratio \(authorizer p50 − noop p50\) / \(noop\+GET p50 − noop p50\) = -?[\d.]+ µs / -?[\d.]+ µs = (-?[\d.]+|undefined)`),
		regexp.MustCompile(`(?m)^floor \(floor p50 − noop p50\) / \(noop\+GET p50 − noop p50\) = -?[\d.]+ µs / -?[\d.]+ µs = (-?[\d.]+   \(the target, ≤ 1\.15, |undefined)`),
		regexp.MustCompile(`paired: .* = (-?[\d.]+|undefined)`),
		regexp.MustCompile(`paired floor: median per-round \(floor − noop\) .* = (-?[\d.]+|undefined)`),
	} {
		if !want.MatchString(report) {
			t.Errorf("the report has no line matching %s", want)
		}
	}
}

// A function that does not answer Allow stops the run, naming it: an event
// without the session cookie (Unauthorized, a function error for a REST
// authorizer) or for a route whose rule the session fails (a Deny policy).
func TestRuntimeBenchRefusesAnythingButAllow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	sessiontest.RequireRedis(t)
	f, err := setUp(context.Background(), options{n: 1, warmup: 1}, &bytes.Buffer{})
	if f != nil {
		defer f.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	allowed := f.event
	for name, tc := range map[string]struct {
		change func(ev map[string]any)
		want   string
	}{
		"no cookie": {func(ev map[string]any) {
			ev["headers"] = map[string]string{"Cookie": "theme=dark"}
			ev["multiValueHeaders"] = map[string][]string{"Cookie": {"theme=dark"}}
		}, "function error"},
		"denied route": {func(ev map[string]any) {
			ev["methodArn"] = "arn:aws:execute-api:eu-west-1:123456789012:k3x9q2w7ab/prod/GET/api/admin/users"
			ev["path"], ev["resource"] = "/api/admin/users", "/api/admin/users"
			ev["requestContext"].(map[string]any)["path"] = "/prod/api/admin/users"
			ev["requestContext"].(map[string]any)["resourcePath"] = "/api/admin/users"
		}, "not an Allow"},
	} {
		var ev map[string]any
		if err := json.Unmarshal(allowed, &ev); err != nil {
			t.Fatal(err)
		}
		tc.change(ev)
		if f.event, err = json.Marshal(ev); err != nil {
			t.Fatal(err)
		}
		_, err = f.measure(context.Background(), options{n: 1, warmup: 1})
		if err == nil || !strings.HasPrefix(err.Error(), "warm-up: authorizer: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: the run ended with %v, want an error of the authorizer saying %q", name, err, tc.want)
		}
	}

	// The floor reads the cookie from the event too: without it, it stops
	// the run as the authorizer does.
	all := f.functions
	defer func() { f.functions = all }()
	f.functions = all[fnFloor : fnFloor+1]
	var ev map[string]any
	if err := json.Unmarshal(allowed, &ev); err != nil {
		t.Fatal(err)
	}
	ev["headers"] = map[string]string{"Cookie": "theme=dark"}
	ev["multiValueHeaders"] = map[string][]string{"Cookie": {"theme=dark"}}
	if f.event, err = json.Marshal(ev); err != nil {
		t.Fatal(err)
	}
	_, err = f.measure(context.Background(), options{n: 1, warmup: 1})
	if err == nil || !strings.HasPrefix(err.Error(), "warm-up: floor: ") || !strings.Contains(err.Error(), "function error") {
		t.Errorf("no cookie: the run ended with %v, want a function error of the floor", err)
	}
}

func TestPercentile(t *testing.T) {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i + 1)
	}
	for q, want := range map[float64]time.Duration{0.5: 50, 0.9: 90, 0.99: 99, 1: 100, 0.001: 1} {
		if got := percentile(d, q); got != want {
			t.Errorf("percentile(1..100, %v) = %d, want %d", q, got, want)
		}
	}
	if got := percentile([]time.Duration{7}, 0.99); got != 7 {
		t.Errorf("percentile of one = %d", got)
	}
}

func TestCPUModel(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ text, want string }{
		"x86":   {"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n", "AMD EPYC 7B13"},
		"arm64": {"processor\t: 0\nBogoMIPS\t: 243.75\nCPU part\t: 0xd0c\n", "CPU part 0xd0c"},
		"none":  {"processor\t: 0\n", "unknown"},
	} {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := cpuModel(p); got != tc.want {
			t.Errorf("%s: cpuModel = %q, want %q", name, got, tc.want)
		}
	}
}
