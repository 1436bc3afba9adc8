package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

func envOf(kv map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

type outcome struct {
	code           int
	stdout, stderr string
}

func runCLI(env map[string]string, args ...string) outcome {
	var out, errb bytes.Buffer
	code := run(args, envOf(env), &out, &errb)
	return outcome{code, out.String(), errb.String()}
}

// setup starts a real redis-server and a Manager that plays the session API
// (it creates and validates sessions; the CLI only gets REDIS_URL).
func setup(t *testing.T) (*session.Manager, map[string]string, *sessiontest.Server) {
	t.Helper()
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	m := sessiontest.NewManager(t, sessiontest.TestConfig(t), redistest.Store(t, srv, redisstore.Options{}), sessiontest.NewClock())
	return m, map[string]string{"REDIS_URL": srv.URL()}, srv
}

func create(t *testing.T, m *session.Manager, user string, roles ...string) session.Tokens {
	t.Helper()
	tok, err := m.Create(context.Background(), session.CreateInput{UserID: user, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestKeygenNeedsNoEnvironment(t *testing.T) {
	a := runCLI(nil, "keygen")
	b := runCLI(nil, "keygen")
	if a.code != 0 || a.stderr != "" {
		t.Fatalf("%+v", a)
	}
	v := strings.TrimSpace(a.stdout)
	keys, err := session.ParseKeys(v)
	if err != nil || len(keys) != 1 || len(keys[0].Hash) != 64 || len(keys[0].Block) != 32 {
		t.Fatalf("keygen output does not parse as SESSION_KEYS: %v", err)
	}
	if v == strings.TrimSpace(b.stdout) {
		t.Fatal("two keygen runs printed the same keys")
	}
	cfg := session.DefaultConfig()
	cfg.Keys = keys
	if err := cfg.Validate(); err != nil {
		t.Fatalf("generated keys are not a valid configuration: %v", err)
	}
}

func TestSessionsListClaimsSetRevoke(t *testing.T) {
	m, env, _ := setup(t)
	ctx := context.Background()
	user := sessiontest.UniqueUser("ops")
	other := sessiontest.UniqueUser("bystander")
	s1 := create(t, m, user, "reader")
	s2 := create(t, m, user, "reader")
	s3 := create(t, m, other, "reader")

	// list: both sessions of the user, none of the other.
	o := runCLI(env, "sessions", "list", "--user", user)
	if o.code != 0 || !strings.Contains(o.stdout, s1.SessionID) || !strings.Contains(o.stdout, s2.SessionID) ||
		strings.Contains(o.stdout, s3.SessionID) || !strings.Contains(o.stdout, "2 live session(s)") ||
		!strings.Contains(o.stdout, "SESSION ID") || !strings.Contains(o.stdout, "reader") {
		t.Fatalf("list: %+v", o)
	}
	o = runCLI(env, "sessions", "list", "--user", user, "--json")
	var rows []struct {
		SessionID string   `json:"sessionId"`
		Roles     []string `json:"roles"`
	}
	if o.code != 0 || json.Unmarshal([]byte(o.stdout), &rows) != nil || len(rows) != 2 {
		t.Fatalf("list --json: %+v", o)
	}

	// claims set: every session of the user sees the new roles and claims
	// on its next request, with the same cookies.
	o = runCLI(env, "claims", "set", "--user", user, "--roles", "admin, billing", "--claims", `{"tenant":"t1","n":12345678901234567}`)
	if o.code != 0 || !strings.Contains(o.stdout, "on 2 session(s)") {
		t.Fatalf("claims set: %+v", o)
	}
	for _, s := range []session.Tokens{s1, s2} {
		v, err := m.Validate(ctx, s.Access.Value)
		if err != nil || strings.Join(v.Roles, ",") != "admin,billing" || string(v.Claims) != `{"n":12345678901234567,"tenant":"t1"}` {
			t.Fatalf("after claims set: %+v %v (claims %s)", v, err, v.Claims)
		}
	}
	if v, err := m.Validate(ctx, s3.Access.Value); err != nil || strings.Join(v.Roles, ",") != "reader" {
		t.Fatalf("other user changed: %+v %v", v, err)
	}

	// revoke one session.
	o = runCLI(env, "sessions", "revoke", "--session", s1.SessionID)
	if o.code != 0 || !strings.Contains(o.stdout, s1.SessionID) {
		t.Fatalf("revoke --session: %+v", o)
	}
	if _, err := m.Validate(ctx, s1.Access.Value); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("revoked session validates: %v", err)
	}
	if _, err := m.Validate(ctx, s2.Access.Value); err != nil {
		t.Fatalf("sibling session lost: %v", err)
	}
	if o = runCLI(env, "sessions", "revoke", "--session", s1.SessionID); o.code != 1 || !strings.Contains(o.stderr, "not found") {
		t.Fatalf("revoking twice: %+v", o)
	}

	// revoke the user: every remaining session ends.
	s4 := create(t, m, user)
	o = runCLI(env, "sessions", "revoke", "--user", user)
	if o.code != 0 || !strings.Contains(o.stdout, "revoked 2 session(s)") {
		t.Fatalf("revoke --user: %+v", o)
	}
	for _, s := range []session.Tokens{s2, s4} {
		if _, err := m.Validate(ctx, s.Access.Value); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("after revoke --user: %v", err)
		}
		if _, err := m.Refresh(ctx, s.Refresh.Value); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("refresh after revoke --user: %v", err)
		}
	}
	if _, err := m.Validate(ctx, s3.Access.Value); err != nil {
		t.Fatalf("other user's session lost: %v", err)
	}
	if o = runCLI(env, "sessions", "list", "--user", user); o.code != 0 || !strings.Contains(o.stdout, "no live sessions") {
		t.Fatalf("list after revoke: %+v", o)
	}
}

func TestClaimsSetClearsRoles(t *testing.T) {
	m, env, _ := setup(t)
	user := sessiontest.UniqueUser("clear")
	s := create(t, m, user, "admin")
	if o := runCLI(env, "claims", "set", "--user", user, "--roles", ""); o.code != 0 {
		t.Fatalf("%+v", o)
	}
	v, err := m.Validate(context.Background(), s.Access.Value)
	if err != nil || len(v.Roles) != 0 || string(v.Claims) != "{}" {
		t.Fatalf("%+v %v", v, err)
	}
}

func TestUsageErrors(t *testing.T) {
	env := map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage:"},
		{"unknown", []string{"sessions", "purge"}, "unknown command"},
		{"list without user", []string{"sessions", "list"}, "--user"},
		{"revoke both", []string{"sessions", "revoke", "--user", "a", "--session", strings.Repeat("a", 32)}, "exactly one"},
		{"revoke neither", []string{"sessions", "revoke"}, "exactly one"},
		{"bad session id", []string{"sessions", "revoke", "--session", "xyz"}, "not a session id"},
		{"claims without roles", []string{"claims", "set", "--user", "a"}, "--roles is required"},
		{"bad role", []string{"claims", "set", "--user", "a", "--roles", "a b"}, "--roles"},
		{"claims not object", []string{"claims", "set", "--user", "a", "--roles", "x", "--claims", "[1]"}, "JSON object"},
		{"reserved claim", []string{"claims", "set", "--user", "a", "--roles", "x", "--claims", `{"exp":1}`}, "reserved"},
		{"extra argument", []string{"keygen", "now"}, "unexpected argument"},
		{"unknown flag", []string{"sessions", "list", "--usr", "a"}, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := runCLI(env, tc.args...)
			if o.code != 2 || !strings.Contains(o.stderr, tc.want) || o.stdout != "" {
				t.Fatalf("%+v, want exit 2 and %q", o, tc.want)
			}
		})
	}
	if o := runCLI(nil, "help"); o.code != 0 || !strings.Contains(o.stderr, "claims set") {
		t.Fatalf("help: %+v", o)
	}
}

func TestEnvironmentAndStoreFailures(t *testing.T) {
	// No REDIS_URL.
	if o := runCLI(nil, "sessions", "list", "--user", "a"); o.code != 1 || !strings.Contains(o.stderr, "REDIS_URL is required") {
		t.Fatalf("%+v", o)
	}
	// A malformed URL never echoes its password.
	o := runCLI(map[string]string{"REDIS_URL": "redis://admin:hunter2@host-without-port:x/0"}, "sessions", "list", "--user", "a")
	if o.code != 1 || strings.Contains(o.stderr, "hunter2") {
		t.Fatalf("%+v", o)
	}
	if o := runCLI(map[string]string{"REDIS_URL": "redis://127.0.0.1:6379", "REDIS_MODE": "sentinel"}, "sessions", "list", "--user", "a"); o.code != 1 || !strings.Contains(o.stderr, "REDIS_MODE") {
		t.Fatalf("%+v", o)
	}
	// The store is down: a clear failure, exit 1.
	_, env, srv := setup(t)
	srv.Stop()
	for _, args := range [][]string{
		{"sessions", "list", "--user", "a"},
		{"sessions", "revoke", "--user", "a"},
		{"claims", "set", "--user", "a", "--roles", "x"},
	} {
		if o := runCLI(env, args...); o.code != 1 || o.stderr == "" {
			t.Fatalf("%v with Redis down: %+v", args, o)
		}
	}
}

// Every operator action writes one audit line to stderr with the session
// and user ids as salted hashes (LOG_SALT), never the ids themselves.
func TestOperatorActionsAudited(t *testing.T) {
	m, env, _ := setup(t)
	env["LOG_SALT"] = "ops salt"
	hash := func(id string) string { return logid.Hash([]byte("ops salt"), id) }
	user := sessiontest.UniqueUser("audited")
	s1 := create(t, m, user, "reader")
	create(t, m, user, "reader")

	type line struct {
		Level, Msg, Action, Outcome, SID, UID string
		Sessions                              int
	}
	audit := func(o outcome) line {
		t.Helper()
		var lines []line
		var jsonText strings.Builder
		for _, l := range strings.Split(strings.TrimSpace(o.stderr), "\n") {
			if !strings.HasPrefix(l, "{") {
				continue // a human-readable failure message
			}
			jsonText.WriteString(l)
			var a line
			if err := json.Unmarshal([]byte(l), &a); err != nil {
				t.Fatalf("audit line %q: %v", l, err)
			}
			lines = append(lines, a)
		}
		if len(lines) != 1 || lines[0].Msg != "operator action" {
			t.Fatalf("want one audit line, got %+v from %q", lines, o.stderr)
		}
		for _, raw := range []string{user, s1.SessionID, "reader", "admin", "t1"} {
			if strings.Contains(jsonText.String(), raw) {
				t.Fatalf("the audit line carries %q: %s", raw, jsonText.String())
			}
		}
		return lines[0]
	}

	o := runCLI(env, "claims", "set", "--user", user, "--roles", "admin", "--claims", `{"tenant":"t1"}`)
	if a := audit(o); o.code != 0 || a.Level != "INFO" || a.Action != "set_claims" || a.Outcome != "ok" || a.UID != hash(user) || a.SID != "" || a.Sessions != 2 {
		t.Fatalf("claims set: %+v %+v", o, a)
	}
	o = runCLI(env, "sessions", "revoke", "--session", s1.SessionID)
	if a := audit(o); o.code != 0 || a.Level != "INFO" || a.Action != "revoke_session" || a.Outcome != "ok" || a.SID != hash(s1.SessionID) || a.UID != hash(user) || a.Sessions != 1 {
		t.Fatalf("revoke --session: %+v %+v", o, a)
	}
	o = runCLI(env, "sessions", "revoke", "--session", s1.SessionID)
	if a := audit(o); o.code != 1 || a.Level != "WARN" || a.Outcome != "not_found" || a.SID != hash(s1.SessionID) || a.UID != "" {
		t.Fatalf("revoke --session again: %+v %+v", o, a)
	}
	o = runCLI(env, "sessions", "revoke", "--user", user)
	if a := audit(o); o.code != 0 || a.Action != "revoke_user" || a.Outcome != "ok" || a.UID != hash(user) || a.Sessions != 1 {
		t.Fatalf("revoke --user: %+v %+v", o, a)
	}
	// Reading writes no audit line.
	if o = runCLI(env, "sessions", "list", "--user", user); o.code != 0 || o.stderr != "" {
		t.Fatalf("list: %+v", o)
	}
	// Without LOG_SALT, each run draws its own salt.
	delete(env, "LOG_SALT")
	s3 := create(t, m, user)
	o = runCLI(env, "sessions", "revoke", "--session", s3.SessionID)
	if a := audit(o); o.code != 0 || a.SID == "" || a.SID == hash(s3.SessionID) || len(a.SID) != logid.Len {
		t.Fatalf("random salt: %+v", a)
	}
}
