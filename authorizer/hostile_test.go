package authorizer_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// TestHostileInput is the one table of hostile and malformed input, run
// through the Lambda JSON round trip against a stub of the session engine
// (authorizer.Sessions): what is under test is what the authorizer makes
// of the input; TestEndToEnd runs forged and tampered cookies through the
// real engine. Each row has one clear outcome:
//
//   - allow: the request is authorized (the hostile part is ignored);
//   - unauthorized: error "Unauthorized" (401);
//   - deny: Deny / isAuthorized:false (403);
//   - badEvent: BadEventResponse, a 403 under every response format
//     (reason bad_event).
//
// No row produces a 500: only a store failure does (TestOutcomes,
// TestEndToEnd). badEvent rows are event shapes that only a deployment
// mistake can produce (API Gateway builds the event; a TOKEN authorizer,
// another payload version, fields of the wrong JSON type) or that are not
// strict JSON (a repeated member name, invalid UTF-8), which the decoder
// refuses rather than guess at. They are a 403, not a 401, which would send
// the SDK into refresh-and-retry for a problem no refresh fixes
// (authorizer/doc.go).
func TestHostileInput(t *testing.T) {
	e := newStubEnv(t, envOptions{rules: `[{"method":"*","path":"/api/admin","roles":["admin"]}]`})
	tok := e.signIn(sessiontest.UniqueUser("hostile"), []string{"user"}, nil)
	good := cookieHeader(tok.Access)
	val := tok.Access.Value

	// A cookie another deployment (another key) issued.
	oldTok := newStubSessions(e.cfg).create(t, "retired-key-user", nil, nil)
	// Claims with CR/LF and header-like text, and claims too big for the context.
	crlf := e.signIn(sessiontest.UniqueUser("crlf"), nil, map[string]any{"note": "a\r\nSet-Cookie: evil=1\r\n\r\n<x>"})
	big := e.signIn(sessiontest.UniqueUser("big"), nil, map[string]any{"blob": strings.Repeat("b", 3000)})

	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	cookie := func(v string) map[string]string { return map[string]string{"Cookie": v} }
	rest := func(h map[string]string) func(testing.TB) []byte {
		return func(t testing.TB) []byte { return restEvent(t, ev{headers: h}) }
	}
	near10KB := func() string {
		var b strings.Builder
		for b.Len() < 10240-len(good)-200 {
			b.WriteString("tracking_cookie_with_a_long_name=0123456789abcdef0123456789abcdef; ")
		}
		return b.String() + good
	}()
	raw := func(s string) func(testing.TB) []byte { return func(testing.TB) []byte { return []byte(s) } }
	arn := testARNBase + "GET/api/me"

	type want int
	const (
		allow want = iota
		unauthorized
		deny
		badEvent
	)
	type hostileCase struct {
		name  string
		event func(testing.TB) []byte
		want  want
		check func(t *testing.T, r result)
	}
	cases := []hostileCase{
		{"forged cookie (random base64)", rest(cookie(e.access("MTcwMDAwMDAwMHxhYmNkZWZ8Z2hpams="))), unauthorized, nil},
		{"tampered cookie: one byte flipped in the middle", rest(cookie(e.access(flip(val, len(val)/2)))), unauthorized, nil},
		{"tampered cookie: one byte flipped in the MAC", rest(cookie(e.access(flip(val, len(val)-3)))), unauthorized, nil},
		{"truncated cookie", rest(cookie(e.access(val[:len(val)-10]))), unauthorized, nil},
		{"refresh token presented as access token", rest(cookie(e.access(tok.Refresh.Value))), unauthorized, nil},
		{"cookie signed with a retired key", rest(cookie(cookieHeader(oldTok.Access))), unauthorized, nil},
		{"empty cookie value", rest(cookie(e.access(""))), unauthorized, nil},
		{"oversized cookie value", rest(cookie(e.access(strings.Repeat("A", 9000)))), unauthorized, nil},
		{"Cookie header near API Gateway's 10 KB limit", rest(cookie(near10KB)), allow, nil},
		{"thousands of cookies", rest(cookie(strings.Repeat("x=1; ", 2000) + good)), allow, nil},
		{"duplicate names: forged copies around the good one", rest(cookie(e.access("forged") + "; " + good + "; " + e.access(flip(val, 5)))), allow, nil},
		{"non-UTF-8 bytes in the Cookie header", rest(cookie("\xc3\x28=\xa0\xa1; " + e.access("\xff\xfe") + "; " + good)), allow, nil},
		{"CR/LF in the Cookie header", rest(cookie("a=1\r\nSet-Cookie: x=1; " + good)), allow, nil},
		{"CR/LF in claims stays escaped JSON in the context", rest(cookie(cookieHeader(crlf.Access))), allow, func(t *testing.T, r result) {
			c, _ := r.context(t)["claims"].(string)
			if strings.ContainsAny(c, "\r\n") || !strings.Contains(c, `\r\n`) {
				t.Fatalf("claims context value %q must hold escaped, not raw, CR/LF", c)
			}
		}},
		{"oversized claims are dropped from the context, not a 500", rest(cookie(cookieHeader(big.Access))), allow, func(t *testing.T, r result) {
			if c := r.context(t)["claims"]; c != "" {
				t.Fatalf("claims %v", c)
			}
		}},
		{"client-sent identity headers are ignored", rest(map[string]string{"Cookie": good, "x-user-id": "admin", "X-User-Roles": "admin"}), allow, func(t *testing.T, r result) {
			if r.context(t)["userId"] != tok.UserID || r.context(t)["roles"] != "user" {
				t.Fatalf("context %v", r.context(t))
			}
		}},
		{"path traversal to reach the admin rule's path", func(t testing.TB) []byte {
			return restEvent(t, ev{method: "GET", path: "/api/x/../admin", headers: cookie(good)})
		}, deny, nil},
		{"unicode and encoded bytes in the path", func(t testing.TB) []byte {
			return restEvent(t, ev{method: "GET", path: "/api/m%C3%A9/\u00e9/%00", headers: cookie(good)})
		}, allow, nil},
		{"very long path", func(t testing.TB) []byte {
			return restEvent(t, ev{method: "GET", path: "/api/" + strings.Repeat("a", 1400), headers: cookie(good)})
		}, allow, nil},
		{"no headers at all", raw(`{"type":"REQUEST","methodArn":"` + arn + `"}`), unauthorized, nil},
		{"null headers and multiValueHeaders", raw(`{"type":"REQUEST","methodArn":"` + arn + `","headers":null,"multiValueHeaders":null}`), unauthorized, nil},
		{"HTTP API with null cookies", raw(`{"version":"2.0","type":"REQUEST","routeArn":"` + arn + `","cookies":null}`), unauthorized, nil},
		{"malformed methodArn: too few parts", raw(`{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123456789012"}`), badEvent, nil},
		{"malformed methodArn: empty", raw(`{"type":"REQUEST","methodArn":""}`), badEvent, nil},
		{"wrong payload version", raw(`{"version":"9.9","type":"REQUEST","routeArn":"` + arn + `"}`), badEvent, nil},
		{"TOKEN event with a bare word", raw(`{"type":"TOKEN","authorizationToken":"x","methodArn":"` + arn + `"}`), unauthorized, nil},
		{"TOKEN event with an empty authorizationToken", raw(`{"type":"TOKEN","authorizationToken":"","methodArn":"` + arn + `"}`), unauthorized, nil},
		{"TOKEN event with no authorizationToken", raw(`{"type":"TOKEN","methodArn":"` + arn + `"}`), unauthorized, nil},
		{"TOKEN event with headers: they are not read", raw(`{"type":"TOKEN","authorizationToken":"x","methodArn":"` + arn + `","headers":{"Cookie":"` + good + `"}}`), unauthorized, nil},
		{"TOKEN event without methodArn", raw(`{"type":"TOKEN","authorizationToken":"Bearer ` + val + `"}`), badEvent, nil},
		{"TOKEN event, authorizationToken is a number", raw(`{"type":"TOKEN","authorizationToken":42,"methodArn":"` + arn + `"}`), badEvent, nil},
		{"type confusion: headers is a string", raw(`{"type":"REQUEST","methodArn":"` + arn + `","headers":"Cookie: x"}`), badEvent, nil},
		{"type confusion: cookies is an object", raw(`{"version":"2.0","type":"REQUEST","routeArn":"` + arn + `","cookies":{"a":1}}`), badEvent, nil},
		// Tolerated: a lone string where a list is expected reads as one value.
		{"type confusion: multiValueHeaders value is a string", raw(`{"type":"REQUEST","methodArn":"` + arn + `","multiValueHeaders":{"Cookie":"` + good + `"}}`), allow, nil},
		{"type confusion: multiValueHeaders value is a number", raw(`{"type":"REQUEST","methodArn":"` + arn + `","multiValueHeaders":{"Cookie":[1,2]}}`), badEvent, nil},
		{"type confusion: methodArn is a number", raw(`{"type":"REQUEST","methodArn":42}`), badEvent, nil},
		{"not JSON", raw(`{"type":"REQUEST",`), badEvent, nil},
		{"empty event", raw(``), badEvent, nil},
		{"duplicate member: a second methodArn", raw(`{"type":"REQUEST","methodArn":"` + arn + `","methodArn":"` + testARNBase + `GET/api/admin"}`), badEvent, nil},
		{"duplicate member: a second type", raw(`{"type":"TOKEN","type":"REQUEST","methodArn":"` + arn + `"}`), badEvent, nil},
		{"duplicate header: two Cookie members", raw(`{"type":"REQUEST","methodArn":"` + arn + `","headers":{"Cookie":"` + good + `","Cookie":"x=1"}}`), badEvent, nil},
		{"invalid UTF-8 in the event's Cookie header", raw("{\"type\":\"REQUEST\",\"methodArn\":\"" + arn + "\",\"headers\":{\"Cookie\":\"\xff; " + good + "\"}}"), badEvent, nil},
		{"invalid UTF-8 in a member the authorizer skips", raw("{\"type\":\"REQUEST\",\"methodArn\":\"" + arn + "\",\"body\":\"\xed\xa0\x80\"}"), badEvent, nil},
		{"escaped member names are names", raw(`{"type":"REQUEST","method\u0041rn":"` + arn + `","headers":{"\u0043ookie":"` + good + `"}}`), allow, nil},
		{"deeply nested skipped member", raw(`{"type":"REQUEST","methodArn":"` + arn + `","x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`), badEvent, nil},
	}
	// Authorization values, malformed or hostile, on a request without a
	// session cookie: each a 401 from a REST or HTTP API REQUEST event and
	// from a TOKEN event alike (session.ParseBearer's rules).
	authRows := []struct {
		name, value string
		want        want
	}{
		{"bearer token", "Bearer " + val, allow},
		{"bearer token, spaces around", "  Bearer   " + val + " \t", allow},
		{"lower-case scheme: the same scheme (RFC 7235)", "bearer " + val, allow},
		{"no scheme: the bare token", val, unauthorized},
		{"the scheme alone", "Bearer", unauthorized},
		{"the scheme and a space", "Bearer ", unauthorized},
		{"two tokens", "Bearer " + val + " " + val, unauthorized},
		{"two credentials, comma-joined", "Bearer " + val + ", Bearer " + val, unauthorized},
		{"10 KB token", "Bearer " + strings.Repeat("A", 10240), unauthorized},
		{"10 KB of spaces before a good token: spaces", "Bearer" + strings.Repeat(" ", 10240) + val, allow},
		{"non-ASCII in the token", "Bearer " + val[:8] + "é" + val[8:], unauthorized},
		{"non-ASCII scheme", "Bеarer " + val, unauthorized}, // a Cyrillic e
		{"control characters", "Bearer " + val + "\x00\r\nSet-Cookie: evil=1", unauthorized},
		{"a cookie string", e.access(val), unauthorized},
		{"a cookie string after the scheme", "Bearer " + e.access(val), unauthorized},
		{"a Cookie header's value", e.access(val) + "; " + cookieHeader(tok.Refresh), unauthorized},
		{"a refresh token as the access token", "Bearer " + tok.Refresh.Value, unauthorized},
		{"forged token", "Bearer MTcwMDAwMDAwMHxhYmNkZWZ8Z2hpams=", unauthorized},
		{"tampered token", "Bearer " + flip(val, len(val)/2), unauthorized},
		{"padding in the middle", "Bearer " + val[:10] + "=" + val[10:], unauthorized},
		{"another scheme", "Basic " + val, unauthorized},
		{"a token of another deployment", "Bearer " + oldTok.Access.Value, unauthorized},
	}
	for _, a := range authRows {
		cases = append(cases,
			hostileCase{"Authorization: " + a.name + "/rest", rest(map[string]string{"Authorization": a.value}), a.want, nil},
			hostileCase{"Authorization: " + a.name + "/http", func(t testing.TB) []byte {
				return httpEvent(t, ev{headers: map[string]string{"authorization": a.value, "st-auth-mode": "header"}})
			}, a.want, nil},
			hostileCase{"Authorization: " + a.name + "/token", func(t testing.TB) []byte {
				return tokenEvent(t, a.value, "GET", "/api/me")
			}, a.want, nil},
		)
	}
	cases = append(cases, []hostileCase{
		// The reverse: a bearer credential where a cookie belongs.
		{"Cookie header holding a bearer credential", rest(cookie("Bearer " + val)), unauthorized, nil},
		{"access cookie holding a bearer credential", rest(cookie(e.access("Bearer " + val))), unauthorized, nil},
		{"HTTP API cookies array holding a bearer credential", func(t testing.TB) []byte {
			return httpEvent(t, ev{cookies: []string{"Bearer " + val}})
		}, unauthorized, nil},
		// A malformed Authorization never shadows a good cookie.
		{"hostile Authorization beside a good cookie", rest(map[string]string{"Cookie": good, "st-auth-mode": "header",
			"Authorization": "Bearer " + strings.Repeat("é", 3000)}), allow, nil},
	}...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r result
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				r = e.invoke(c.event(t))
			}()
			if r.err != nil && errors.Is(r.err, authorizer.ErrStoreUnavailable) {
				t.Fatalf("a store failure for hostile input: %v", r.err)
			}
			switch c.want {
			case allow:
				if r.err != nil || (r.effect(t) != "Allow" && r.effect(t) != "true") {
					t.Fatalf("want Allow, got %v %s", r.err, r.raw)
				}
			case unauthorized:
				if !isUnauthorized(r.err) {
					t.Fatalf("want Unauthorized, got %v %s", r.err, r.raw)
				}
			case deny:
				if r.err != nil || (r.effect(t) != "Deny" && r.effect(t) != "false") {
					t.Fatalf("want Deny, got %v %s", r.err, r.raw)
				}
			case badEvent:
				r.requireBadEventResponse(t)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
	if logs := e.logs.String(); strings.Contains(logs, val) || strings.Contains(logs, tok.Refresh.Value) ||
		strings.Contains(logs, "evil=1") || strings.Contains(logs, "Bearer") {
		t.Fatal("a token, a cookie or client text reached the log")
	}
}
