package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

// user is the session's user; the reference answers name it too.
const user = "runtimebench-user"

// fixture is everything a measurement needs, set up once.
type fixture struct {
	machine   machine
	dir       string // the temporary directory of the builds
	redis     *redisServer
	rdb       interface{ Close() error }
	bareGET   func(context.Context) error // one GET of the record from this process
	event     []byte
	functions []*function // authorizer, noop, noop+GET, floor (the indexes below)
}

// The functions' places in fixture.functions.
const (
	fnAuthorizer = iota
	fnNoop
	fnGet
	fnFloor
	nFunctions
)

// setUp starts (or reaches) Redis, creates a session, builds the four
// functions and starts their processes. On error, what was started is
// returned too, for close.
func setUp(ctx context.Context, o options, log io.Writer) (*fixture, error) {
	f := &fixture{machine: probeMachine()}
	var err error
	if f.dir, err = os.MkdirTemp("", "runtimebench-"); err != nil {
		return f, err
	}
	url := o.redisURL
	if url == "" {
		fmt.Fprintln(log, "runtimebench: starting redis-server")
		if f.redis, err = startRedis(ctx, filepath.Join(f.dir, "redis")); err != nil {
			return f, err
		}
		url = f.redis.url
	}
	keys, err := session.GenerateKeys(nil)
	if err != nil {
		return f, err
	}
	// Lifetimes long enough that nothing rotates or expires during a run:
	// every invocation takes the path a valid, current cookie takes.
	env := map[string]string{
		"REDIS_URL": url, "SESSION_KEYS": keys,
		"SESSION_ACCESS_TTL": "2h", "SESSION_ROTATE_AFTER": "1h", "SESSION_GRACE": "10s",
		"SESSION_IDLE_TIMEOUT": "4h", "SESSION_ABSOLUTE_TIMEOUT": "8h",
		"ALLOWED_ORIGINS": "https://app.example.com",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cookie, record, sessionID, err := f.createSession(ctx, lookup)
	if err != nil {
		return f, err
	}
	// The floor names the record from the cookie's session id: the parts of
	// the key around it, as the store wrote it.
	keyPrefix, keySuffix, _ := strings.Cut(record, sessionID)
	if f.event, err = restEvent(cookie); err != nil {
		return f, err
	}

	fmt.Fprintln(log, "runtimebench: building cmd/authorizer and the reference function as bootstrap (GOOS=linux, -tags lambda.norpc)")
	authBin, refBin, err := build(f.dir)
	if err != nil {
		return f, err
	}

	base := make([]string, 0, len(env))
	for k, v := range env {
		base = append(base, k+"="+v)
	}
	for _, spec := range []struct {
		name, bin string
		extra     []string
	}{
		{"authorizer", authBin, nil},
		{"noop", refBin, []string{"RUNTIMEBENCH_REFERENCE=noop"}},
		{"noop+GET", refBin, []string{"RUNTIMEBENCH_REFERENCE=get", "RUNTIMEBENCH_GET_KEY=" + record}},
		{"floor", refBin, []string{"RUNTIMEBENCH_REFERENCE=floor",
			"RUNTIMEBENCH_KEY_PREFIX=" + keyPrefix, "RUNTIMEBENCH_KEY_SUFFIX=" + keySuffix}},
	} {
		fn, err := startFunction(ctx, spec.name, spec.bin, append(append([]string(nil), base...), spec.extra...))
		if fn != nil {
			f.functions = append(f.functions, fn)
		}
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

// createSession creates a session through session.Manager with the
// functions' configuration, and returns its access cookie ("name=value"),
// the Redis key of its record (found in Redis, not computed: the store's
// key layout is written down once, in the store) and the session id.
func (f *fixture) createSession(ctx context.Context, lookup func(string) (string, bool)) (cookie, record, sessionID string, err error) {
	cfg, err := session.ConfigFromEnv(lookup)
	if err != nil {
		return "", "", "", err
	}
	cc, err := redisstore.ClientConfigFromEnv(lookup)
	if err != nil {
		return "", "", "", err
	}
	redisstore.SilenceClientLogs()
	rdb, err := redisstore.NewClient(cc)
	if err != nil {
		return "", "", "", err
	}
	f.rdb = rdb
	m, err := session.NewManager(cfg, redisstore.New(rdb, redisstore.Options{}))
	if err != nil {
		return "", "", "", err
	}
	// The record is the key Revoke deletes: a store may keep other keys of
	// a session beside it (a Create's receipt). A probe session of the same
	// user, revoked, shows which; the measured session's record is that key
	// with its own id, since the two differ only in the id.
	keysOf := func(id string) ([]string, error) {
		var found []string
		iter := rdb.Scan(ctx, 0, "*"+id+"*", 1000).Iterator()
		for iter.Next(ctx) {
			found = append(found, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return nil, fmt.Errorf("find the session's keys: %w", err)
		}
		return found, nil
	}
	probe, err := m.Create(ctx, session.CreateInput{UserID: user})
	if err != nil {
		return "", "", "", fmt.Errorf("create a session: %w", err)
	}
	before, err := keysOf(probe.SessionID)
	if err != nil {
		return "", "", "", err
	}
	if _, err := m.Revoke(ctx, probe.SessionID); err != nil {
		return "", "", "", fmt.Errorf("revoke the probe session: %w", err)
	}
	after, err := keysOf(probe.SessionID)
	if err != nil {
		return "", "", "", err
	}
	var deleted []string
	for _, k := range before {
		if !slices.Contains(after, k) {
			deleted = append(deleted, k)
		}
	}
	if len(deleted) != 1 {
		return "", "", "", fmt.Errorf("revoking a session deleted %d of its %d keys in Redis: want the one record", len(deleted), len(before))
	}
	tok, err := m.Create(ctx, session.CreateInput{UserID: user, Roles: []string{"viewer"}, Claims: map[string]any{"plan": "pro"}})
	if err != nil {
		return "", "", "", fmt.Errorf("create a session: %w", err)
	}
	prefix, suffix, _ := strings.Cut(deleted[0], probe.SessionID)
	record = prefix + tok.SessionID + suffix
	if n, err := rdb.Exists(ctx, record).Result(); err != nil || n != 1 {
		return "", "", "", fmt.Errorf("the session's record %q is not in Redis (%v)", record, err)
	}
	serverInfo, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return "", "", "", fmt.Errorf("INFO server: %w", err)
	}
	f.machine.redisVersion = infoField(serverInfo, "redis_version")
	f.bareGET = func(ctx context.Context) error { return rdb.Get(ctx, record).Err() }
	return (&http.Cookie{Name: tok.Access.Name, Value: tok.Access.Value}).String(), record, tok.SessionID, nil
}

// close stops every process and removes the builds.
func (f *fixture) close() {
	for _, fn := range f.functions {
		fn.rt.Close()
	}
	if f.rdb != nil {
		_ = f.rdb.Close()
	}
	if f.redis != nil {
		f.redis.stop()
	}
	if f.dir != "" {
		_ = os.RemoveAll(f.dir)
	}
}

// browserHeaders are what a browser behind CloudFront sends, in every
// event: one JSON object of header names and values, which the authorizer
// package's benchmarks read too (authorizer/bench_test.go), so that the
// figures of both measure the same event.
//
//go:embed browser-headers.json
var browserHeaders []byte

// restHeaders is browserHeaders decoded.
var restHeaders = func() map[string]string {
	var h map[string]string
	if err := json.Unmarshal(browserHeaders, &h); err != nil {
		panic("runtimebench: browser-headers.json: " + err.Error())
	}
	return h
}()

// restEvent is a REST API (payload 1.0) REQUEST authorizer event for GET
// /api/reports/q3 under the stage prod, as API Gateway sends it: the
// headers in both headers and multiValueHeaders, the session cookie after
// another one.
func restEvent(cookie string) ([]byte, error) {
	if strings.ContainsAny(cookie, ";\r\n") {
		return nil, errors.New("the session cookie is not a single name=value")
	}
	const path = "/api/reports/q3"
	headers := map[string]string{"Cookie": "theme=dark; " + cookie}
	multi := map[string][]string{}
	for k, v := range restHeaders {
		headers[k] = v
	}
	for k, v := range headers {
		multi[k] = []string{v}
	}
	return json.Marshal(map[string]any{
		"type":                            "REQUEST",
		"methodArn":                       "arn:aws:execute-api:eu-west-1:123456789012:k3x9q2w7ab/prod/GET" + path,
		"resource":                        "/api/reports/{id}",
		"path":                            path,
		"httpMethod":                      "GET",
		"headers":                         headers,
		"multiValueHeaders":               multi,
		"queryStringParameters":           map[string]string{},
		"multiValueQueryStringParameters": map[string][]string{},
		"pathParameters":                  map[string]string{"id": "q3"},
		"stageVariables":                  map[string]string{},
		"requestContext": map[string]any{
			"path": "/prod" + path, "accountId": "123456789012", "resourceId": "x1y2z3", "stage": "prod",
			"requestId": "c6a9f1e2-0d4b-4c1e-9f7a-runtimebench", "resourcePath": "/api/reports/{id}", "httpMethod": "GET",
			"apiId": "k3x9q2w7ab", "identity": map[string]any{"sourceIp": "203.0.113.7", "userAgent": restHeaders["User-Agent"]},
		},
	})
}

// infoField is one field of an INFO reply, or "unknown".
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return "unknown"
}
