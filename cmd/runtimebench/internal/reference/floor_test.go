package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// The floor answers Allow only when the event is strict JSON of a REST
// REQUEST event and one copy of the access cookie, read from the Cookie
// headers where docs/protocol.md says they are read, decodes and names a
// record that is in Redis; anything else is a function error that quotes
// nothing of the event.
func TestFloor(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	env := map[string]string{"REDIS_URL": srv.URL(), "SESSION_KEYS": sessiontest.Keys(t), "RUNTIMEBENCH_REFERENCE": "floor"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := session.ConfigFromEnv(lookup)
	if err != nil {
		t.Fatal(err)
	}
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	m, err := session.NewManager(cfg, redisstore.New(rdb, redisstore.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Two sessions of one user (so their keys differ only in the session
	// id): good, and gone, which is revoked. The record is the key of gone
	// that Revoke deleted (a store may keep other keys of a session, such as
	// a Create's receipt), and good's record is the same key with good's id,
	// as cmd/runtimebench finds it.
	user := sessiontest.UniqueUser("floor")
	create := func() (value, id string) {
		t.Helper()
		tok, err := m.Create(ctx, session.CreateInput{UserID: user})
		if err != nil {
			t.Fatal(err)
		}
		return tok.Access.Value, tok.SessionID
	}
	keysOf := func(id string) []string {
		t.Helper()
		found, err := rdb.Keys(ctx, "*"+id+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	good, goodID := create()
	gone, goneID := create()
	before := keysOf(goneID)
	if _, err := m.Revoke(ctx, goneID); err != nil {
		t.Fatal(err)
	}
	after := keysOf(goneID)
	var deleted []string
	for _, k := range before {
		if !slices.Contains(after, k) {
			deleted = append(deleted, k)
		}
	}
	if len(deleted) != 1 {
		t.Fatalf("Revoke deleted %q of %q: want the one record", deleted, before)
	}
	prefix, suffix, _ := strings.Cut(deleted[0], goneID)
	env["RUNTIMEBENCH_KEY_PREFIX"], env["RUNTIMEBENCH_KEY_SUFFIX"] = prefix, suffix
	record := prefix + goodID + suffix
	if n, err := rdb.Exists(ctx, record).Result(); err != nil || n != 1 {
		t.Fatalf("good's record %q: EXISTS %d, %v", record, n, err)
	}
	h, err := handler(lookup)
	if err != nil {
		t.Fatal(err)
	}

	name := cfg.AccessCookieName
	q := func(s string) string {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cookie := func(v string) string { return q("theme=dark; " + name + "=" + v) }
	// event is a REST REQUEST event with the given headers and
	// multiValueHeaders members (raw JSON; "" leaves the member out).
	event := func(headers, multi string) string {
		ev := `{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:k3x9q2w7ab/prod/GET/api/reports/q3","resource":"/api/reports/{id}","requestContext":{"stage":"prod"}`
		if headers != "" {
			ev += `,"headers":` + headers
		}
		if multi != "" {
			ev += `,"multiValueHeaders":` + multi
		}
		return ev + "}"
	}
	for _, tc := range []struct {
		name, event string
		allow       bool
	}{
		{"headers only", event(`{"Accept":"*/*","Cookie":`+cookie(good)+`}`, ""), true},
		{"both, the same cookie", event(`{"Cookie":`+cookie(good)+`}`, `{"Cookie":[`+cookie(good)+`]}`), true},
		{"multiValueHeaders win", event(`{"Cookie":`+cookie(good)+`}`, `{"Cookie":["theme=dark"],"Accept":["*/*"]}`), false},
		{"empty multiValueHeaders count as none", event(`{"Cookie":`+cookie(good)+`}`, `{}`), true},
		{"null multiValueHeaders count as none", event(`{"Cookie":`+cookie(good)+`}`, `null`), true},
		{"the second of two Cookie headers", event("", `{"Cookie":["a=1",null,`+cookie(good)+`]}`), true},
		{"any letter case", event(`{"COOKIE":`+cookie(good)+`}`, ""), true},
		{"an escaped name", event(`{"Cooki\u0065":`+cookie(good)+`}`, ""), true},
		{"a garbage copy first", event(`{"Cookie":`+q(name+"=garbage; "+name+"="+good)+`}`, ""), true},
		{"a copy of a deleted session first", event(`{"Cookie":`+q(name+"="+gone+"; "+name+"="+good)+`}`, ""), true},
		{"no access cookie", event(`{"Cookie":"theme=dark"}`, ""), false},
		{"no headers", event("", ""), false},
		{"a longer cookie name", event(`{"Cookie":`+q("x"+name+"="+good)+`}`, ""), false},
		{"another header name", event(`{"Coo-kie":`+cookie(good)+`}`, ""), false},
		{"a Kelvin sign", event(`{"Coo\u212aie":`+cookie(good)+`}`, ""), false},
		{"the cookie of a deleted session", event(`{"Cookie":`+cookie(gone)+`}`, ""), false},
		{"a repeated header", event(`{"Cookie":`+cookie(good)+`,"Cookie":"theme=dark"}`, ""), false},
		{"a repeated skipped member", event(`{"Accept":"a","Accept":"b","Cookie":`+cookie(good)+`}`, ""), false},
		{"a Cookie of the wrong type", event(`{"Cookie":7}`, ""), false},
		{"headers of the wrong type", event(`["Cookie",`+cookie(good)+`]`, ""), false},
		{"invalid UTF-8 elsewhere", strings.Replace(event(`{"Cookie":`+cookie(good)+`}`, ""), "prod", "pr\xffd", 1), false},
		{"a TOKEN event", strings.Replace(event(`{"Cookie":`+cookie(good)+`}`, ""), "REQUEST", "TOKEN", 1), false},
		{"two events", event(`{"Cookie":`+cookie(good)+`}`, "") + "{}", false},
	} {
		out, err := h.Invoke(ctx, []byte(tc.event))
		switch {
		case tc.allow && (err != nil || !bytes.Equal(out, allow)):
			t.Errorf("%s: got %q, %v; want the Allow", tc.name, out, err)
		case !tc.allow && err == nil:
			t.Errorf("%s: answered %q; want a function error", tc.name, out)
		case err != nil && (strings.Contains(err.Error(), good) || strings.Contains(err.Error(), "theme")):
			t.Errorf("%s: the error quotes the event: %v", tc.name, err)
		}
	}
	if n, err := rdb.Exists(ctx, record).Result(); err != nil || n != 1 {
		t.Errorf("the floor changed the record: EXISTS %d, %v", n, err)
	}
}

// Every mode needs what it reads from its environment.
func TestHandlerModes(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"no mode":           {},
		"an unknown mode":   {"RUNTIMEBENCH_REFERENCE": "authorizer"},
		"get without a key": {"RUNTIMEBENCH_REFERENCE": "get", "REDIS_URL": "redis://127.0.0.1:1/0"},
		"floor without a key prefix": {"RUNTIMEBENCH_REFERENCE": "floor", "REDIS_URL": "redis://127.0.0.1:1/0",
			"SESSION_KEYS": sessiontest.Keys(t)},
		"floor without SESSION_KEYS": {"RUNTIMEBENCH_REFERENCE": "floor", "REDIS_URL": "redis://127.0.0.1:1/0",
			"RUNTIMEBENCH_KEY_PREFIX": "sg:s:{"},
	} {
		if _, err := handler(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil {
			t.Errorf("%s: handler built", name)
		}
	}
}
