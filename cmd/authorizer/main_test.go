package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// Building the handler does no network I/O: Redis is first dialled by the
// first invocation.
func TestBuildDoesNoNetworkIO(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = build(envOf(map[string]string{"REDIS_URL": "redis://" + ln.Addr().String(), "SESSION_KEYS": sessiontest.Keys(t),
		"AUTHZ_RULES": `[{"method":"*","path":"/api/admin","roles":["admin"]}]`}), t.TempDir(), &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing may have connected (not even in the background): a connection
	// made during build would be waiting in the listener's backlog.
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(300 * time.Millisecond))
	if c, err := ln.Accept(); err == nil {
		c.Close()
		t.Fatal("build connected to Redis")
	}

	// Nothing listens at all: construction still succeeds, and the first
	// invocation with a valid cookie is a store failure (500), not a 401.
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	sk := sessiontest.Keys(t)
	cfg, err := session.ConfigFromEnv(envOf(map[string]string{"SESSION_KEYS": sk}))
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.NewManager(cfg, redistest.Store(t, srv, redisstore.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := m.Create(context.Background(), session.CreateInput{UserID: "u-nonet"})
	if err != nil {
		t.Fatal(err)
	}
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := dead.Addr().String()
	dead.Close()
	var logs bytes.Buffer
	h, err := build(envOf(map[string]string{"REDIS_URL": "redis://" + addr, "SESSION_KEYS": sk, "AUTHZ_RULES": "[]"}),
		t.TempDir(), &logs, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	event := []byte(`{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/api/me",` +
		`"path":"/api/me","httpMethod":"GET","headers":{"Cookie":"` + cfg.AccessCookieName + `=` + tok.Access.Value + `"}}`)
	_, err = lambda.NewHandler(h).Invoke(context.Background(), event)
	if !errors.Is(err, authorizer.ErrStoreUnavailable) {
		t.Fatalf("want ErrStoreUnavailable, got %v", err)
	}
	if strings.Contains(logs.String(), addr) || strings.Contains(logs.String(), tok.Access.Value) {
		t.Fatalf("log leaks the address or the cookie: %s", logs.String())
	}
}

func TestBuildListsEveryProblem(t *testing.T) {
	secret := "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
	_, err := build(envOf(map[string]string{"SESSION_KEYS": secret + ":xx", "REDIS_MODE": "sharded",
		"AUTHZ_RULES": `[{"method":"*","path":"nope"}]`, "LOG_LEVEL": "loud", "ANTI_CSRF": "maybe"}),
		"", &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	for _, want := range []string{"SESSION_KEYS", "REDIS_URL", "REDIS_MODE", "AUTHZ_RULES", "LOG_LEVEL", "ANTI_CSRF"} {
		if !strings.Contains(msg, want) {
			t.Errorf("problem with %s not reported:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, secret) || strings.Contains(msg, "c2VjcmV0") {
		t.Fatalf("message prints key material:\n%s", msg)
	}
	if !errors.Is(err, authorizer.ErrInvalidRules) {
		t.Fatalf("rules error not wrapped: %v", err)
	}
}

// The Lambda binary builds for provided.al2023 on arm64 and amd64.
func TestBuildBootstrap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the Lambda binary: %v", err)
	}
	for _, arch := range []string{"arm64", "amd64"} {
		out := filepath.Join(t.TempDir(), "bootstrap")
		cmd := exec.Command(gobin, "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, ".")
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", arch, err, b)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("bootstrap linux/%s: %d bytes (%.1f MiB)", arch, fi.Size(), float64(fi.Size())/(1<<20))
	}
}
