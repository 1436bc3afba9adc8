package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/internal/lambdaemu"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

type coldStartFixture struct {
	bin, redisURL, keys string
	event               []byte
}

func newColdStartFixture(tb testing.TB) coldStartFixture {
	srv := sessiontest.StartServer(tb, sessiontest.Options{})
	cfg := sessiontest.TestConfig(tb)
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: srv.URL()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { rdb.Close() })
	m := sessiontest.NewManager(tb, cfg, redisstore.New(rdb, redisstore.Options{}), sessiontest.NewClock())
	tok, err := m.Create(context.Background(), session.CreateInput{UserID: "cold-start-user"})
	if err != nil {
		tb.Fatal(err)
	}
	ev, _ := json.Marshal(map[string]any{
		"type": "REQUEST", "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/api/me",
		"resource": "/api/me", "path": "/api/me", "httpMethod": "GET",
		"headers":           map[string]string{"Cookie": "sAccessToken=" + tok.Access.Value},
		"multiValueHeaders": map[string][]string{"Cookie": {"sAccessToken=" + tok.Access.Value}},
		"requestContext":    map[string]any{"requestId": "r1", "stage": "prod", "path": "/prod/api/me"},
	})
	return coldStartFixture{bin: lambdaemu.Build(tb, ".")[0], redisURL: srv.URL(), keys: session.FormatKeys(cfg.Keys), event: ev}
}

// coldStart execs the bootstrap against a fresh Runtime API (package
// lambdaemu, since the AWS runtime emulator cannot be installed on this
// machine), hands it one event and returns the time from exec to the posted
// response.
func (f coldStartFixture) coldStart(tb testing.TB) (time.Duration, lambdaemu.Result) {
	rt := lambdaemu.NewRuntime(tb, "authorizer")
	defer rt.Close()
	start := time.Now()
	if _, err := rt.Start(f.bin,
		"REDIS_URL="+f.redisURL, "SESSION_KEYS="+f.keys,
		"SESSION_IDLE_TIMEOUT=1h", "SESSION_ABSOLUTE_TIMEOUT=3h",
	); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := rt.Invoke(ctx, f.event)
	if err != nil {
		tb.Fatalf("the bootstrap posted no result within 30s: %v", err)
	}
	return res.At.Sub(start), res
}

// TestBootstrapSpeaksRuntimeAPI runs the real binary through the Runtime API
// protocol, as Lambda does, and checks the first invocation's answer.
func TestBootstrapSpeaksRuntimeAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	f := newColdStartFixture(t)
	d, res := f.coldStart(t)
	if res.Kind != lambdaemu.Response {
		t.Fatalf("bootstrap posted %s: %s", res.Kind, res.Body)
	}
	var out struct {
		PrincipalID    string `json:"principalId"`
		PolicyDocument struct {
			Statement []struct{ Effect string }
		} `json:"policyDocument"`
	}
	if err := json.Unmarshal(res.Body, &out); err != nil {
		t.Fatal(err)
	}
	if out.PrincipalID != "cold-start-user" || len(out.PolicyDocument.Statement) != 1 || out.PolicyDocument.Statement[0].Effect != "Allow" {
		t.Fatalf("first invocation answered %s", res.Body)
	}
	t.Logf("exec to first response (init + dial + one invocation): %s", d)
}

// BenchmarkColdStart measures the authorizer binary's start-up to its first
// answered invocation: process start, configuration, Redis dial on first
// use, one validation, the response posted to the Runtime API.
func BenchmarkColdStart(b *testing.B) {
	f := newColdStartFixture(b)
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, res := f.coldStart(b)
		if res.Kind != lambdaemu.Response {
			b.Fatalf("bootstrap posted %s: %s", res.Kind, res.Body)
		}
		total += d
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-response")
}
