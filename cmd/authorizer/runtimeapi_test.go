package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// runtimeAPI is the part of the Lambda Runtime API that a provided.al2023
// function speaks to (GET .../invocation/next, POST .../response or
// .../error): enough to run the real bootstrap binary here, since the AWS
// runtime emulator cannot be installed on this machine.
type runtimeAPI struct {
	events chan []byte
	result chan runtimeResult
}

type runtimeResult struct {
	kind string // "response" or "error" or "init-error"
	body []byte
	at   time.Time
}

func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == "GET" && r.URL.Path == "/2018-06-01/runtime/invocation/next":
		select {
		case ev := <-a.events:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(10*time.Second).UnixMilli()))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:authorizer")
			w.Write(ev)
		case <-r.Context().Done():
		}
	case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/2018-06-01/runtime/"):
		b, _ := io.ReadAll(r.Body)
		kind := "init-error"
		if strings.HasSuffix(r.URL.Path, "/response") {
			kind = "response"
		} else if strings.HasSuffix(r.URL.Path, "/error") {
			kind = "error"
		}
		w.WriteHeader(http.StatusAccepted)
		a.result <- runtimeResult{kind: kind, body: b, at: time.Now()}
	default:
		http.NotFound(w, r)
	}
}

// buildBootstrap builds the authorizer for this machine exactly as deployed
// (-tags lambda.norpc -trimpath, CGO off).
func buildBootstrap(tb testing.TB) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

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
	return coldStartFixture{bin: buildBootstrap(tb), redisURL: srv.URL(), keys: session.FormatKeys(cfg.Keys), event: ev}
}

// coldStart execs the bootstrap against a fresh Runtime API, hands it one
// event and returns the time from exec to the posted response.
func (f coldStartFixture) coldStart(tb testing.TB) (time.Duration, runtimeResult) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	api := &runtimeAPI{events: make(chan []byte, 1), result: make(chan runtimeResult, 2)}
	hs := &http.Server{Handler: api}
	go hs.Serve(l)
	defer hs.Close()
	api.events <- f.event
	cmd := exec.Command(f.bin)
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + l.Addr().String(),
		"REDIS_URL=" + f.redisURL, "SESSION_KEYS=" + f.keys,
		"SESSION_IDLE_TIMEOUT=1h", "SESSION_ABSOLUTE_TIMEOUT=3h",
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	select {
	case res := <-api.result:
		return res.at.Sub(start), res
	case <-time.After(30 * time.Second):
		tb.Fatal("the bootstrap posted no result within 30s")
	}
	return 0, runtimeResult{}
}

// TestBootstrapSpeaksRuntimeAPI runs the real binary through the Runtime API
// protocol, as Lambda does, and checks the first invocation's answer.
func TestBootstrapSpeaksRuntimeAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	f := newColdStartFixture(t)
	d, res := f.coldStart(t)
	if res.kind != "response" {
		t.Fatalf("bootstrap posted %s: %s", res.kind, res.body)
	}
	var out struct {
		PrincipalID    string `json:"principalId"`
		PolicyDocument struct {
			Statement []struct{ Effect string }
		} `json:"policyDocument"`
	}
	if err := json.Unmarshal(res.body, &out); err != nil {
		t.Fatal(err)
	}
	if out.PrincipalID != "cold-start-user" || len(out.PolicyDocument.Statement) != 1 || out.PolicyDocument.Statement[0].Effect != "Allow" {
		t.Fatalf("first invocation answered %s", res.body)
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
		if res.kind != "response" {
			b.Fatalf("bootstrap posted %s: %s", res.kind, res.body)
		}
		total += d
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-response")
}
