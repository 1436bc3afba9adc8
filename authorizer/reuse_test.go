package authorizer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Invoke works in memory that the next invocation reuses (the event, the
// cookie values, the response structs, the claim lookup): nothing of one
// invocation may reach the next. Each case answers first, then then, on
// one handler, and then must get the answer it gets alone — above all when
// it lacks what first had (a cookie, a bearer token, a body), and when
// first failed halfway through decoding. The list runs twice, so every
// case also follows the last one.
func TestNothingCarriesOverBetweenInvocations(t *testing.T) {
	e := newStubEnv(t, envOptions{rules: testRules})
	tok := e.signIn("user-first", []string{"viewer"}, map[string]any{"plan": "pro"})
	other := e.signIn("user-then", []string{"viewer"}, map[string]any{"plan": "pro"})
	good := cookieHeader(tok.Access)
	// Events with no headers, multiValueHeaders or cookies member at all:
	// a decoder filling a used event would leave the previous ones there.
	bareREST := []byte(`{"type":"REQUEST","methodArn":"` + testARNBase + `GET/api/me","path":"/api/me","httpMethod":"GET"}`)
	bareHTTP := []byte(`{"version":"2.0","type":"REQUEST","routeArn":"` + testARNBase + `GET/api/me","rawPath":"/prod/api/me",` +
		`"requestContext":{"stage":"prod","http":{"method":"GET","path":"/prod/api/me"}}}`)
	// Decoding fails after the cookie was read: a bad event, and nothing of
	// it may stay behind.
	halfBad := []byte(`{"type":"REQUEST","methodArn":"` + testARNBase + `GET/api/me","headers":{"Cookie":"` + good + `"},"path":1}`)

	noSession := func(t *testing.T, r result) {
		t.Helper()
		if !isUnauthorized(r.err) {
			t.Fatalf("want Unauthorized, got %v %s", r.err, r.raw)
		}
		if got := e.stub.lastCall(); len(got) != 0 {
			t.Fatalf("the engine was given %d values left over from the invocation before", len(got))
		}
	}
	allowedAs := func(user string) func(*testing.T, result) {
		return func(t *testing.T, r result) {
			t.Helper()
			if eff := r.effect(t); eff != "Allow" && eff != "true" {
				t.Fatalf("want Allow, got %s", r.raw)
			}
			c := r.context(t)
			if c["userId"] != user || c["setCookie"] != "" || c["accessToken"] != "" || c["frontToken"] != "" {
				t.Fatalf("context %v: want user %s and no new token", c, user)
			}
			if _, ok := c["body"]; ok {
				t.Fatalf("an Allow with a body: %v", c)
			}
		}
	}
	cases := []struct {
		name        string
		before      func()
		first, then []byte
		want        func(*testing.T, result)
	}{
		{"REST cookie, then no headers", nil,
			restEvent(t, ev{headers: map[string]string{"Cookie": good}}), bareREST, noSession},
		{"REST multiValueHeaders, then no headers", nil,
			restEvent(t, ev{multi: map[string][]string{"Cookie": {good}}}), bareREST, noSession},
		{"HTTP API cookies, then none", nil,
			httpEvent(t, ev{cookies: []string{good}}), bareHTTP, noSession},
		{"bearer token, then no headers", nil,
			restEvent(t, ev{headers: map[string]string{"Authorization": "Bearer " + tok.Access.Value, "st-auth-mode": "header"}}), bareREST, noSession},
		{"TOKEN event, then no headers", nil,
			tokenEvent(t, "Bearer "+tok.Access.Value, "GET", "/api/me"), bareREST, noSession},
		{"a bad event that had read a cookie, then no headers", nil, halfBad, bareREST, noSession},
		{"a rotation, then an Allow without one", func() { e.stub.rotateNext(tok.SessionID) },
			restEvent(t, ev{headers: map[string]string{"Cookie": good}}),
			restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(other.Access)}}), allowedAs("user-then")},
		{"a bearer rotation, then an HTTP API Allow", func() { e.stub.rotateNext(tok.SessionID) },
			httpEvent(t, ev{headers: map[string]string{"Authorization": "Bearer " + tok.Access.Value}}),
			httpEvent(t, ev{cookies: []string{cookieHeader(other.Access)}}), allowedAs("user-then")},
		{"an anti-CSRF Deny with a body, then an Allow", nil,
			restEvent(t, ev{method: "POST", headers: map[string]string{"Cookie": good, "rid": "x", "Origin": "https://evil.example"}}),
			restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(other.Access)}}), allowedAs("user-then")},
	}
	for round := range 2 {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%d", c.name, round), func(t *testing.T) {
				if c.before != nil {
					c.before()
				}
				e.invoke(c.first)
				e.stub.resetCalls()
				c.want(t, e.invoke(c.then))
			})
		}
	}
}

// Concurrent invocations each get their own answer: sessions whose claims
// pass or fail a claim rule, invoked from many goroutines at once, are
// allowed or denied each for itself, under its own user id. Run with -race
// it also holds the reused memory to one invocation at a time.
func TestConcurrentInvocationsKeepTheirOwn(t *testing.T) {
	e := newStubEnv(t, envOptions{rules: testRules})
	const workers, rounds = 8, 40
	type caller struct {
		user  string
		event []byte
		allow bool
	}
	callers := make([]caller, workers)
	for i := range callers {
		plan := []string{"pro", "free"}[i%2]
		user := fmt.Sprintf("user-%d-%s", i, plan)
		tok := e.signIn(user, []string{"viewer"}, map[string]any{"plan": plan, "pad": strings.Repeat("x", i*37)})
		c := caller{user: user, allow: plan == "pro"}
		if i%3 == 0 {
			c.event = httpEvent(t, ev{path: "/api/reports/q3", cookies: []string{cookieHeader(tok.Access)}})
		} else {
			c.event = restEvent(t, ev{path: "/api/reports/q3", headers: map[string]string{"Cookie": cookieHeader(tok.Access)}})
		}
		callers[i] = c
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for _, c := range callers {
		wg.Go(func() {
			for range rounds {
				if err := checkOwnAnswer(e, c.event, c.user, c.allow); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// checkOwnAnswer invokes event once and checks that it was allowed (or
// denied by the claim rule) under user.
func checkOwnAnswer(e *env, event []byte, user string, allow bool) error {
	out, err := e.inv.Invoke(context.Background(), event)
	if err != nil {
		return fmt.Errorf("%s: %w", user, err)
	}
	var r struct {
		IsAuthorized   *bool `json:"isAuthorized"`
		PolicyDocument struct {
			Statement []struct{ Effect string }
		} `json:"policyDocument"`
		Context struct {
			UserID string `json:"userId"`
			Body   string `json:"body"`
		} `json:"context"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("%s: %w", user, err)
	}
	allowed := r.IsAuthorized != nil && *r.IsAuthorized ||
		len(r.PolicyDocument.Statement) == 1 && r.PolicyDocument.Statement[0].Effect == "Allow"
	if r.Context.UserID != user || allowed != allow || (r.Context.Body != "") == allow {
		return fmt.Errorf("%s (allow %v) was answered %s", user, allow, out)
	}
	return nil
}
