package authorizer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/redis/go-redis/v9"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// Each benchmark starts its own redis-server the same way (sessiontest),
// and every client is built by redisstore.NewClient, so BenchmarkInvoke*
// and BenchmarkRedisGET compare like with like in one run:
//
//	go test -run '^$' -bench . -benchmem -count 6 ./authorizer/
//
// Under CI=true a missing redis-server fails them (sessiontest.RequireRedis),
// it never skips.

// benchEnv builds a fresh env for a benchmark with a valid session; the
// clock stays still, so no rotation happens (the warm path).
func benchEnv(b *testing.B) (*env, string) {
	e := newEnv(b, envOptions{rules: testRules, bench: true})
	tok := e.signIn(sessiontest.UniqueUser("bench"), []string{"viewer"}, map[string]any{"plan": "pro"})
	return e, cookieHeader(tok.Access)
}

// tokenOf is the value of a "name=value" cookie.
func tokenOf(cookie string) string {
	_, v, _ := strings.Cut(cookie, "=")
	return v
}

func benchInvoke(b *testing.B, event []byte, e *env) {
	ctx := context.Background()
	// Warm up: connection dialled, Lua script loaded.
	if _, err := e.inv.Invoke(ctx, event); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := e.inv.Invoke(ctx, event)
		if err != nil || len(out) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvokeREST is the full Lambda round trip of a realistic REST
// event (JSON in, decision over real Redis, JSON out), warm, no rotation.
func BenchmarkInvokeREST(b *testing.B) {
	e, cookie := benchEnv(b)
	benchInvoke(b, restBenchEvent(b, cookie), e)
}

// restBenchEvent is a realistic REST event: the browser's headers in both
// headers and multiValueHeaders, the session cookie after another one.
func restBenchEvent(b testing.TB, cookie string) []byte {
	h := realisticHeaders(b)
	h["Cookie"] = "theme=dark; " + cookie
	multi := map[string][]string{}
	for k, v := range h {
		multi[k] = []string{v}
	}
	return restEvent(b, ev{path: "/api/reports/q3", headers: h, multi: multi})
}

// BenchmarkInvokeHTTPAPI is the same for an HTTP API payload 2.0 event.
func BenchmarkInvokeHTTPAPI(b *testing.B) {
	e, cookie := benchEnv(b)
	benchInvoke(b, httpBenchEvent(b, cookie), e)
}

// httpBenchEvent is the HTTP API payload 2.0 version of restBenchEvent.
func httpBenchEvent(b *testing.B, cookie string) []byte {
	return httpEvent(b, ev{path: "/api/reports/q3", headers: realisticHeaders(b), cookies: []string{"theme=dark", cookie}})
}

// BenchmarkInvokeRESTBearer is BenchmarkInvokeREST in header mode: the
// same event with the access token in "Authorization: Bearer" and
// "st-auth-mode: header" instead of the access cookie.
func BenchmarkInvokeRESTBearer(b *testing.B) {
	e, cookie := benchEnv(b)
	benchInvoke(b, restBearerBenchEvent(b, tokenOf(cookie)), e)
}

// restBearerBenchEvent is restBenchEvent in header mode.
func restBearerBenchEvent(b *testing.B, token string) []byte {
	h := bearerHeaders(b, token)
	multi := map[string][]string{}
	for k, v := range h {
		multi[k] = []string{v}
	}
	return restEvent(b, ev{path: "/api/reports/q3", headers: h, multi: multi})
}

// bearerHeaders are realisticHeaders in header mode: the other cookie
// stays, the access cookie is a bearer token.
func bearerHeaders(t testing.TB, token string) map[string]string {
	h := realisticHeaders(t)
	h["Cookie"] = "theme=dark"
	h["Authorization"] = "Bearer " + token
	h["st-auth-mode"] = "header"
	return h
}

// BenchmarkInvokeHTTPAPIBearer is BenchmarkInvokeHTTPAPI in header mode.
func BenchmarkInvokeHTTPAPIBearer(b *testing.B) {
	e, cookie := benchEnv(b)
	h := bearerHeaders(b, tokenOf(cookie))
	delete(h, "Cookie")
	benchInvoke(b, httpEvent(b, ev{path: "/api/reports/q3", headers: h, cookies: []string{"theme=dark"}}), e)
}

// BenchmarkInvokeTOKEN is a TOKEN authorizer's event (the Authorization
// header's value and the method ARN) through the same round trip.
func BenchmarkInvokeTOKEN(b *testing.B) {
	e, cookie := benchEnv(b)
	benchInvoke(b, tokenEvent(b, "Bearer "+tokenOf(cookie), "GET", "/api/reports/q3"), e)
}

// BenchmarkRedisGET is the floor: one bare go-redis GET against a
// redis-server started the same way, with the same client options the
// authorizer's store uses (redisstore.NewClient).
func BenchmarkRedisGET(b *testing.B) {
	srv := sessiontest.StartServer(b, sessiontest.Options{})
	rdb := getClient(b, srv.URL())
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rdb.Get(ctx, "bench:key").Result(); err != nil && err != redis.Nil {
			b.Fatal(err)
		}
	}
}

// getClient is the GET side of the comparisons: a client built like the
// store's (redisstore.NewClient), closed with the benchmark, and the key it
// reads, bench:key, holding a 38-byte value.
func getClient(b *testing.B, url string) redis.UniversalClient {
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: url, Mode: redisstore.ModeStandalone})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rdb.Close() })
	if err := rdb.Set(context.Background(), "bench:key", "a-value-of-a-realistic-size-0123456789", time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	return rdb
}

// realisticHeaders returns (a fresh copy of) what a browser behind
// CloudFront sends: the headers cmd/runtimebench sends the built authorizer
// too, read from its file so that both measure the same event.
func realisticHeaders(t testing.TB) map[string]string {
	t.Helper()
	var h map[string]string
	raw, err := os.ReadFile("../cmd/runtimebench/browser-headers.json")
	if err == nil {
		err = json.Unmarshal(raw, &h)
	}
	if err != nil || len(h) == 0 {
		t.Fatalf("the benchmarks' headers: %v", err)
	}
	return h
}

// BenchmarkManagerValidate is the session engine alone (securecookie decode
// and one EVALSHA round trip), to split BenchmarkInvoke* into the engine's
// share and the authorizer's own (event decoding, rules, response).
func BenchmarkManagerValidate(b *testing.B) {
	e, cookie := benchEnv(b)
	v := []string{tokenOf(cookie)}
	ctx := context.Background()
	if _, err := e.m.ValidateAny(ctx, v); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.m.ValidateAny(ctx, v); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPaired runs sessiontest.BenchPaired on e's redis-server: a bare GET
// through the store's own client, then op, in every iteration.
func benchPaired(b *testing.B, e *env, op func(context.Context) error) {
	ctx := context.Background()
	if err := e.rdb.Set(ctx, "bench:key", "a-value-of-a-realistic-size-0123456789", time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	get := func(ctx context.Context) error { return e.rdb.Get(ctx, "bench:key").Err() }
	sessiontest.BenchPaired(b, e.srv, get, op)
}

func invokeOp(e *env, event []byte) func(context.Context) error {
	return func(ctx context.Context) error {
		out, err := e.inv.Invoke(ctx, event)
		if err == nil && len(out) == 0 {
			err = errors.New("empty response")
		}
		return err
	}
}

// BenchmarkPairedREST: BenchmarkInvokeREST's Invoke, paired with a GET.
func BenchmarkPairedREST(b *testing.B) {
	e, cookie := benchEnv(b)
	benchPaired(b, e, invokeOp(e, restBenchEvent(b, cookie)))
}

// BenchmarkPairedHTTPAPI: BenchmarkInvokeHTTPAPI's Invoke, paired with a
// GET.
func BenchmarkPairedHTTPAPI(b *testing.B) {
	e, cookie := benchEnv(b)
	benchPaired(b, e, invokeOp(e, httpBenchEvent(b, cookie)))
}

// BenchmarkPairedEngine: the session engine alone (BenchmarkManagerValidate)
// paired with a GET, to split the authorizer's ratio into the engine's share
// (cookie decode, the Lua script's work in Redis) and the authorizer's own.
func BenchmarkPairedEngine(b *testing.B) {
	e, cookie := benchEnv(b)
	v := []string{tokenOf(cookie)}
	benchPaired(b, e, func(ctx context.Context) error {
		_, err := e.m.ValidateAny(ctx, v)
		return err
	})
}

// BenchmarkPairedFloor is the least an authorizer of docs/protocol.md must
// do per request, paired with a GET like the other Paired benchmarks:
// decode the access cookie as the engine does
// (Manager.InspectAccess: securecookie's HMAC and AES with the
// SESSION_KEYS pair, then the session id the Redis key is named by) and run
// one Lua script that only GETs the session's record, under a per-call
// deadline as the store sets one and with a 13-byte argument like
// validate.lua's. Nothing is checked and no event is read, so it is a
// floor, not an authorizer: what it costs over the GET is what the machine
// charges for the parts the authorizer may not drop. Two more cases split
// it: the decode with a plain GET of the record (securecookie's share), and
// the script alone (Lua's share). "event+cookie+get" is the floor of today's
// read path: one strict pass of the maintained JSON library over the REST
// event (what reading an event with encoding/json/v2 costs at the least:
// two fields kept, the rest only validated), the cookie decode, and a plain
// GET under a per-call deadline.
func BenchmarkPairedFloor(b *testing.B) {
	e, cookie := benchEnv(b)
	ctx := context.Background()
	value := tokenOf(cookie)
	info, err := e.m.InspectAccess(value)
	if err != nil {
		b.Fatal(err)
	}
	keys, err := e.rdb.Keys(ctx, "sg:s:*").Result()
	if err != nil || len(keys) != 1 || !strings.Contains(keys[0], info.SessionID) {
		b.Fatalf("want the one record of session %s, got %q (%v)", info.SessionID, keys, err)
	}
	record := keys[0]
	event := restBenchEvent(b, cookie)
	script := redis.NewScript("return redis.call('GET', KEYS[1])")
	arg := make([]byte, 13)
	decode := func() error {
		_, err := e.m.InspectAccess(value)
		return err
	}
	run := func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		return script.Run(ctx, e.rdb, []string{record}, arg).Err()
	}
	cases := []struct {
		name string
		op   func(context.Context) error
	}{
		{"cookie+script", func(ctx context.Context) error {
			if err := decode(); err != nil {
				return err
			}
			return run(ctx)
		}},
		{"cookie+get", func(ctx context.Context) error {
			if err := decode(); err != nil {
				return err
			}
			return e.rdb.Get(ctx, record).Err()
		}},
		{"script", run},
		{"event+cookie+get", func(ctx context.Context) error {
			var ev struct {
				Type      string         `json:"type"`
				MethodArn string         `json:"methodArn"`
				Headers   jsontext.Value `json:"headers"`
			}
			if err := json.Unmarshal(event, &ev); err != nil || ev.Type != "REQUEST" {
				return fmt.Errorf("floor event: %q %v", ev.Type, err)
			}
			if err := decode(); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			return e.rdb.Get(ctx, record).Err()
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { benchPaired(b, e, c.op) })
	}
}
