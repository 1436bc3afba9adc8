package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/internal/lambdaemu"
	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// fixtureRules is the rules.json the fixture puts beside the binary, as
// deploy/build.sh puts it beside bootstrap in authorizer.zip.
const fixtureRules = `[{"method":"*","path":"/api/admin","roles":["admin"]}]`

type coldStartFixture struct {
	bin, redisURL, keys, cookie string
}

// newColdStartFixture builds the binary into a directory of its own, writes
// rules.json beside it (the package layout in Lambda: /var/task/bootstrap
// and /var/task/rules.json), and creates a session without roles.
func newColdStartFixture(tb testing.TB) coldStartFixture {
	srv := sessiontest.StartServer(tb, sessiontest.Options{})
	cfg := sessiontest.TestConfig(tb)
	m := sessiontest.NewManager(tb, cfg, redistest.Store(tb, srv, redisstore.Options{}), sessiontest.NewClock())
	tok, err := m.Create(context.Background(), session.CreateInput{UserID: "cold-start-user"})
	if err != nil {
		tb.Fatal(err)
	}
	bin := lambdaemu.Build(tb, ".")[0]
	if err := os.WriteFile(filepath.Join(filepath.Dir(bin), rulesFileName), []byte(fixtureRules), 0o644); err != nil {
		tb.Fatal(err)
	}
	return coldStartFixture{bin: bin, redisURL: srv.URL(), keys: session.FormatKeys(cfg.Keys), cookie: cfg.AccessCookieName + "=" + tok.Access.Value}
}

// event is a REST (payload 1.0) REQUEST authorizer event for GET path,
// served under the stage prod, carrying the fixture's session cookie.
func (f coldStartFixture) event(path string) []byte {
	ev, _ := json.Marshal(map[string]any{
		"type": "REQUEST", "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET" + path,
		"resource": path, "path": path, "httpMethod": "GET",
		"headers":           map[string]string{"Cookie": f.cookie},
		"multiValueHeaders": map[string][]string{"Cookie": {f.cookie}},
		"requestContext":    map[string]any{"requestId": "r1", "stage": "prod", "path": "/prod" + path},
	})
	return ev
}

// start execs the binary at bin against a fresh Runtime API (package
// lambdaemu, since the AWS runtime emulator cannot be installed on this
// machine) with the fixture's configuration, which sets no AUTHZ_RULES.
func (f coldStartFixture) start(tb testing.TB, bin string) (*lambdaemu.Runtime, *lambdaemu.Process) {
	rt := lambdaemu.NewRuntime(tb, "authorizer")
	p, err := rt.Start(bin,
		"REDIS_URL="+f.redisURL, "SESSION_KEYS="+f.keys,
		"SESSION_IDLE_TIMEOUT=1h", "SESSION_ABSOLUTE_TIMEOUT=3h",
	)
	if err != nil {
		tb.Fatal(err)
	}
	return rt, p
}

func invoke(tb testing.TB, rt *lambdaemu.Runtime, event []byte) lambdaemu.Result {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := rt.Invoke(ctx, event)
	if err != nil {
		tb.Fatalf("the bootstrap posted no result within 30s: %v", err)
	}
	if res.Kind != lambdaemu.Response {
		tb.Fatalf("bootstrap posted %s: %s", res.Kind, res.Body)
	}
	return res
}

// coldStart starts the fixture's binary, hands it one event and returns the
// time from exec to the posted response.
func (f coldStartFixture) coldStart(tb testing.TB) (time.Duration, lambdaemu.Result) {
	start := time.Now()
	rt, _ := f.start(tb, f.bin)
	defer rt.Close()
	res := invoke(tb, rt, f.event("/api/me"))
	return res.At.Sub(start), res
}

type policyAnswer struct {
	PrincipalID    string `json:"principalId"`
	PolicyDocument struct {
		Statement []struct{ Effect string }
	} `json:"policyDocument"`
	Context map[string]any `json:"context"`
}

func effect(tb testing.TB, res lambdaemu.Result) policyAnswer {
	tb.Helper()
	var out policyAnswer
	if err := json.Unmarshal(res.Body, &out); err != nil {
		tb.Fatal(err)
	}
	if len(out.PolicyDocument.Statement) != 1 {
		tb.Fatalf("answer %s: want one statement", res.Body)
	}
	return out
}

// TestBootstrapSpeaksRuntimeAPI runs the real binary through the Runtime API
// protocol, as Lambda does: the first invocation is allowed, and the rules
// file beside the binary is enforced (a session without the admin role is
// denied /api/admin) although no AUTHZ_RULES is set.
func TestBootstrapSpeaksRuntimeAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	f := newColdStartFixture(t)
	start := time.Now()
	rt, _ := f.start(t, f.bin)
	defer rt.Close()
	res := invoke(t, rt, f.event("/api/me"))
	if out := effect(t, res); out.PrincipalID != "cold-start-user" || out.PolicyDocument.Statement[0].Effect != "Allow" {
		t.Fatalf("GET /api/me answered %s", res.Body)
	}
	t.Logf("exec to first response (init + dial + one invocation): %s", res.At.Sub(start))

	res = invoke(t, rt, f.event("/api/admin"))
	out := effect(t, res)
	if out.PolicyDocument.Statement[0].Effect != "Deny" {
		t.Fatalf("GET /api/admin without the admin role answered %s; the rules beside bootstrap were not applied", res.Body)
	}
	if body, _ := out.Context["body"].(string); !strings.Contains(body, "roles") {
		t.Fatalf("deny body %q does not name the failed roles check", body)
	}
}

// Without AUTHZ_RULES, AUTHZ_RULES_FILE or rules.json beside it, the binary
// exits during init with a message that says how to build the package.
func TestBootstrapWithoutRulesDoesNotStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	f := newColdStartFixture(t)
	lone := filepath.Join(t.TempDir(), "bootstrap") // a directory without rules.json
	data, err := os.ReadFile(f.bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	rt, p := f.start(t, lone)
	defer rt.Close()
	select {
	case <-p.Exited():
	case <-time.After(30 * time.Second):
		t.Fatal("the bootstrap without rules did not exit within 30s")
	}
	out := p.Output()
	for _, want := range []string{"no route rules", filepath.Join(filepath.Dir(lone), rulesFileName), "deploy/build.sh"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up error does not say %q:\n%s", want, out)
		}
	}
}

// BenchmarkColdStart measures the authorizer binary's start-up to its first
// answered invocation: process start, configuration (rules.json included),
// Redis dial on first use, one validation, the response posted to the
// Runtime API.
func BenchmarkColdStart(b *testing.B) {
	f := newColdStartFixture(b)
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, _ := f.coldStart(b)
		total += d
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-response")
}
