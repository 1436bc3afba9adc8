package authorizer_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// docs/protocol.md#outcomes, row by row, for both payloads.
func TestOutcomes(t *testing.T) {
	e := newStubEnv(t, envOptions{})
	user := sessiontest.UniqueUser("outcomes")
	tok := e.signIn(user, []string{"editor", "viewer"}, map[string]any{"plan": "pro"})
	good := cookieHeader(tok.Access)

	type row struct {
		name   string
		cookie string
		want   string // "allow", "unauthorized"
	}
	rows := []row{
		{name: "valid session", cookie: good, want: "allow"},
		{name: "no cookie at all", cookie: "", want: "unauthorized"},
		{name: "other cookies only", cookie: "theme=dark; lang=en", want: "unauthorized"},
		{name: "bad cookie", cookie: e.access("not-a-token"), want: "unauthorized"},
		{name: "refresh cookie presented as access", cookie: e.access(tok.Refresh.Value), want: "unauthorized"},
	}
	for _, r := range rows {
		for _, p := range []string{"rest", "http"} {
			t.Run(r.name+"/"+p, func(t *testing.T) {
				var event []byte
				if p == "rest" {
					event = restEvent(t, ev{headers: map[string]string{"Cookie": r.cookie}})
				} else {
					event = httpEvent(t, ev{headers: map[string]string{"cookie": r.cookie}})
				}
				res := e.invoke(event)
				switch r.want {
				case "allow":
					if p == "rest" {
						if got := res.effect(t); got != "Allow" {
							t.Fatalf("effect %s: %s", got, res.raw)
						}
						if res.resp["principalId"] != user {
							t.Fatalf("principalId %v", res.resp["principalId"])
						}
						pd := res.resp["policyDocument"].(map[string]any)
						st := pd["Statement"].([]any)[0].(map[string]any)
						if got := st["Resource"].([]any)[0]; got != testARNBase+"GET/api/me" {
							t.Fatalf("resource %v", got)
						}
						if got := st["Action"].([]any)[0]; got != "execute-api:Invoke" {
							t.Fatalf("action %v", got)
						}
					} else if got := res.effect(t); got != "true" {
						t.Fatalf("isAuthorized %s: %s", got, res.raw)
					}
					c := res.context(t)
					want := map[string]any{"userId": user, "sessionId": tok.SessionID, "roles": "editor,viewer",
						"claims": `{"plan":"pro"}`, "setCookie": "", "frontToken": "", "accessToken": ""}
					for k, v := range want {
						if c[k] != v {
							t.Errorf("context[%s] = %#v, want %#v", k, c[k], v)
						}
					}
					for k, v := range c {
						switch v.(type) {
						case string, bool, float64:
						default:
							t.Errorf("context[%s] is not a scalar: %#v", k, v)
						}
					}
				case "unauthorized":
					if !isUnauthorized(res.err) {
						t.Fatalf("want error %q, got %v %s", authorizer.Unauthorized, res.err, res.raw)
					}
				}
			})
		}
	}

	t.Run("revoked", func(t *testing.T) {
		tok2 := e.signIn(sessiontest.UniqueUser("revoked"), nil, nil)
		e.revoke(tok2)
		res := e.invoke(restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok2.Access)}}))
		if !isUnauthorized(res.err) {
			t.Fatalf("want Unauthorized, got %v", res.err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		e2 := newStubEnv(t, envOptions{})
		tok2 := e2.signIn(sessiontest.UniqueUser("expired"), nil, nil)
		e2.stub.expire(tok2.SessionID)
		for _, event := range [][]byte{
			restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok2.Access)}}),
			httpEvent(t, ev{cookies: []string{cookieHeader(tok2.Access)}}),
		} {
			if res := e2.invoke(event); !isUnauthorized(res.err) {
				t.Fatalf("want Unauthorized, got %v %s", res.err, res.raw)
			}
		}
		if !strings.Contains(e2.logs.String(), `"reason":"expired"`) {
			t.Fatalf("log has no reason expired: %s", e2.logs.String())
		}
	})
	t.Run("store failure", func(t *testing.T) {
		e2 := newStubEnv(t, envOptions{})
		tok2 := e2.signIn(sessiontest.UniqueUser("store"), nil, nil)
		e2.stub.failStore(context.DeadlineExceeded)
		for _, event := range [][]byte{
			restEvent(t, ev{headers: map[string]string{"Cookie": e2.access("junk") + "; " + cookieHeader(tok2.Access)}}),
			httpEvent(t, ev{cookies: []string{cookieHeader(tok2.Access)}}),
		} {
			res := e2.invoke(event)
			if !errors.Is(res.err, authorizer.ErrStoreUnavailable) || res.raw != nil {
				t.Fatalf("want ErrStoreUnavailable and no response, got %v %s", res.err, res.raw)
			}
		}
		logs := e2.logs.String()
		if !strings.Contains(logs, `"reason":"store"`) || !strings.Contains(logs, `"error":"store timeout"`) {
			t.Fatalf("store failure log: %s", logs)
		}
		if !strings.Contains(e2.metrics.String(), `"Outcome":"error"`) {
			t.Fatal("no error metric")
		}
	})
	t.Run("an error of the engine's own is a 500, not a 401", func(t *testing.T) {
		e2 := newStubEnv(t, envOptions{})
		tok2 := e2.signIn(sessiontest.UniqueUser("internal"), nil, nil)
		e2.stub.failWith(errors.New("session: encoding the access cookie: a key bug"))
		res := e2.invoke(restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok2.Access)}}))
		if !errors.Is(res.err, authorizer.ErrInternal) || res.raw != nil {
			t.Fatalf("want ErrInternal (a 500) and no response, got %v %s", res.err, res.raw)
		}
		if logs := e2.logs.String(); !strings.Contains(logs, `"outcome":"error","reason":"internal"`) {
			t.Fatalf("log: %s", logs)
		}
	})
}

// Rotation: when the engine rotates the access cookie, the authorizer
// allows the request and hands back the new cookie and front-token through
// the context, on Allow and on Deny alike (TestEndToEnd rotates for real).
func TestRotation(t *testing.T) {
	e := newStubEnv(t, envOptions{rules: `[{"method":"*","path":"/api/admin","roles":["admin"]}]`})
	for _, p := range []string{"rest", "http"} {
		t.Run(p, func(t *testing.T) {
			tok := e.signIn(sessiontest.UniqueUser("rotate"), []string{"viewer"}, nil)
			e.stub.rotateNext(tok.SessionID)
			var event []byte
			if p == "rest" {
				event = restEvent(t, ev{headers: map[string]string{"cookie": cookieHeader(tok.Access)}})
			} else {
				event = httpEvent(t, ev{cookies: []string{cookieHeader(tok.Access)}})
			}
			res := e.invoke(event)
			if got := res.effect(t); got != "Allow" && got != "true" {
				t.Fatalf("effect %s", got)
			}
			c := res.context(t)
			nc := setCookieValue(t, c["setCookie"].(string))
			if nc.Name != e.cfg.AccessCookieName || nc.Value == tok.Access.Value || c["frontToken"] == "" {
				t.Fatalf("rotation not handed back: %s", res.raw)
			}
			// The new cookie is valid and needs no rotation.
			res2 := e.invoke(restEvent(t, ev{headers: map[string]string{"Cookie": e.access(nc.Value)}}))
			if got := res2.context(t)["setCookie"]; res2.effect(t) != "Allow" || got != "" {
				t.Fatalf("new cookie: %s", res2.raw)
			}
		})
	}
	t.Run("deny carries the rotated cookie", func(t *testing.T) {
		tok := e.signIn(sessiontest.UniqueUser("rotate-deny"), []string{"viewer"}, nil)
		e.stub.rotateNext(tok.SessionID)
		res := e.invoke(restEvent(t, ev{path: "/api/admin", headers: map[string]string{"Cookie": cookieHeader(tok.Access)}}))
		if res.effect(t) != "Deny" {
			t.Fatalf("want Deny: %s", res.raw)
		}
		c := res.context(t)
		if sc, _ := c["setCookie"].(string); !strings.HasPrefix(sc, e.access("")) || c["frontToken"] == "" {
			t.Fatalf("no rotated cookie on Deny: %s", res.raw)
		}
	})
}

// docs/protocol.md#anti-csrf, case by case, through both payloads.
func TestAntiCSRF(t *testing.T) {
	e := newStubEnv(t, envOptions{})
	tok := e.signIn(sessiontest.UniqueUser("csrf"), nil, nil)
	cookie := cookieHeader(tok.Access)
	cases := []struct {
		name    string
		method  string
		headers map[string]string
		allow   bool
	}{
		{"GET without rid", "GET", nil, true},
		{"HEAD without rid", "HEAD", nil, true},
		{"OPTIONS without rid", "OPTIONS", nil, true},
		{"POST without rid", "POST", nil, false},
		{"DELETE without rid", "DELETE", nil, false},
		{"POST with rid", "POST", map[string]string{"rid": "session"}, true},
		{"POST with RID in upper case", "POST", map[string]string{"RID": "anything"}, true},
		{"POST with rid, allowed origin", "POST", map[string]string{"rid": "x", "Origin": "https://app.example.com"}, true},
		{"POST with rid, foreign origin", "POST", map[string]string{"rid": "x", "Origin": "https://evil.example"}, false},
		{"GET with foreign origin", "GET", map[string]string{"Origin": "https://evil.example"}, true},
		{"PUT with rid, origin null", "PUT", map[string]string{"rid": "x", "origin": "null"}, false},
	}
	for _, c := range cases {
		for _, p := range []string{"rest", "http"} {
			t.Run(c.name+"/"+p, func(t *testing.T) {
				h := map[string]string{"Cookie": cookie}
				for k, v := range c.headers {
					h[k] = v
				}
				var res result
				if p == "rest" {
					res = e.invoke(restEvent(t, ev{method: c.method, path: "/api/items", headers: h}))
				} else {
					res = e.invoke(httpEvent(t, ev{method: c.method, path: "/api/items", headers: h}))
				}
				got := res.effect(t)
				if c.allow != (got == "Allow" || got == "true") {
					t.Fatalf("effect %s, want allow=%v: %s", got, c.allow, res.raw)
				}
				if !c.allow {
					if body := res.context(t)["body"]; body != `{"message":"anti-csrf check failed"}` {
						t.Fatalf("body %v", body)
					}
					if _, ok := res.resp["principalId"]; p == "rest" && !ok {
						t.Fatal("Deny without principalId")
					}
				}
			})
		}
	}
	t.Run("two Origin headers, one foreign", func(t *testing.T) {
		res := e.invoke(restEvent(t, ev{method: "POST", path: "/api/items", headers: map[string]string{"Cookie": cookie},
			multi: map[string][]string{"Cookie": {cookie}, "rid": {"x"}, "Origin": {"https://app.example.com", "https://evil.example"}}}))
		if res.effect(t) != "Deny" {
			t.Fatalf("want Deny: %s", res.raw)
		}
	})
	t.Run("mode none", func(t *testing.T) {
		e2 := newStubEnv(t, envOptions{config: func(c *session.Config) { c.AntiCSRF = session.AntiCSRFNone }})
		tok2 := e2.signIn(sessiontest.UniqueUser("csrf-none"), nil, nil)
		res := e2.invoke(restEvent(t, ev{method: "POST", headers: map[string]string{"Cookie": cookieHeader(tok2.Access),
			"Origin": "https://evil.example"}}))
		if res.effect(t) != "Allow" {
			t.Fatalf("mode none: %s", res.raw)
		}
	})
	t.Run("check order: no session beats anti-csrf", func(t *testing.T) {
		res := e.invoke(restEvent(t, ev{method: "POST", headers: map[string]string{"Cookie": e.access("bad")}}))
		if !isUnauthorized(res.err) {
			t.Fatalf("want Unauthorized, got %v", res.err)
		}
	})
}

const testRules = `[
 {"method":"*","path":"/api/admin/**","roles":["admin"]},
 {"method":"GET","path":"/api/reports/*","claims":{"plan":["pro","team"]}},
 {"method":"DELETE","path":"/api/reports/*","roles":["admin","auditor"]},
 {"method":"*","path":"/api/flags","claims":{"beta":[true]}},
 {"method":"*","path":"/api/notes/*","anyRoles":["editor","admin"]}
]`

func TestRouteRules(t *testing.T) {
	e := newStubEnv(t, envOptions{rules: testRules})
	admin := e.signIn(sessiontest.UniqueUser("admin"), []string{"admin"}, map[string]any{"plan": "free"})
	viewer := e.signIn(sessiontest.UniqueUser("viewer"), []string{"viewer"}, map[string]any{"plan": "pro", "beta": true})
	team := e.signIn(sessiontest.UniqueUser("team"), nil, map[string]any{"plan": []any{"team", "x"}})
	none := e.signIn(sessiontest.UniqueUser("none"), nil, nil)
	h := func(tok session.Tokens) map[string]string {
		return map[string]string{"Cookie": cookieHeader(tok.Access), "rid": "x"}
	}
	cases := []struct {
		name   string
		tok    session.Tokens
		method string
		path   string
		allow  bool
		errors string // JSON of claimValidationErrors on Deny
	}{
		{"admin on admin", admin, "GET", "/api/admin", true, ""},
		{"admin on admin subtree", admin, "POST", "/api/admin/users/7", true, ""},
		{"viewer on admin", viewer, "GET", "/api/admin", false,
			`[{"id":"roles","reason":{"message":"wrong value","expectedToInclude":"admin","actualValue":["viewer"]}}]`},
		{"viewer on admin, double slash and trailing slash", viewer, "GET", "/api//admin/", false,
			`[{"id":"roles","reason":{"message":"wrong value","expectedToInclude":"admin","actualValue":["viewer"]}}]`},
		{"viewer on admin via dot-dot", viewer, "GET", "/api/x/../admin", false,
			`[{"id":"roles","reason":{"message":"wrong value","expectedToInclude":"admin","actualValue":["viewer"]}}]`},
		{"no roles on admin", none, "GET", "/api/admin/x", false,
			`[{"id":"roles","reason":{"message":"wrong value","expectedToInclude":"admin","actualValue":[]}}]`},
		{"path is case-sensitive", viewer, "GET", "/api/Admin", true, ""},
		{"sibling path not covered", viewer, "GET", "/api/administrator", true, ""},
		{"pro plan on report", viewer, "GET", "/api/reports/q1", true, ""},
		{"array claim includes team", team, "GET", "/api/reports/q1", true, ""},
		{"free plan on report", admin, "GET", "/api/reports/q1", false,
			`[{"id":"plan","reason":{"message":"wrong value","expectedToBeOneOf":["pro","team"],"actualValue":"free"}}]`},
		{"missing claim", none, "GET", "/api/reports/q1", false,
			`[{"id":"plan","reason":{"message":"value does not exist","expectedToBeOneOf":["pro","team"]}}]`},
		{"star is one segment only", admin, "GET", "/api/reports/q1/raw", true, ""},
		{"method not covered", admin, "POST", "/api/reports/q1", true, ""},
		{"two roles required, one held", admin, "DELETE", "/api/reports/q1", false,
			`[{"id":"roles","reason":{"message":"wrong value","expectedToInclude":"auditor","actualValue":["admin"]}}]`},
		{"boolean claim", viewer, "PATCH", "/api/flags", true, ""},
		{"boolean claim missing, every failure listed", none, "PATCH", "/api/flags", false,
			`[{"id":"beta","reason":{"message":"value does not exist","expectedToBeOneOf":[true]}}]`},
		{"array claim without an allowed value", admin, "GET", "/api/reports/x", false,
			`[{"id":"plan","reason":{"message":"wrong value","expectedToBeOneOf":["pro","team"],"actualValue":"free"}}]`},
		{"anyRoles: one of them held", admin, "PUT", "/api/notes/7", true, ""},
		{"anyRoles: none held", viewer, "PUT", "/api/notes/7", false,
			`[{"id":"roles","reason":{"message":"wrong value","expectedToIncludeAtLeastOneOf":["editor","admin"],"actualValue":["viewer"]}}]`},
		{"anyRoles: no roles at all", none, "GET", "/api/notes/7", false,
			`[{"id":"roles","reason":{"message":"wrong value","expectedToIncludeAtLeastOneOf":["editor","admin"],"actualValue":[]}}]`},
	}
	for _, c := range cases {
		for _, p := range []string{"rest", "http"} {
			t.Run(c.name+"/"+p, func(t *testing.T) {
				var res result
				if p == "rest" {
					res = e.invoke(restEvent(t, ev{method: c.method, path: c.path, headers: h(c.tok)}))
				} else {
					res = e.invoke(httpEvent(t, ev{method: c.method, path: c.path, headers: h(c.tok)}))
				}
				got := res.effect(t)
				if c.allow != (got == "Allow" || got == "true") {
					t.Fatalf("effect %s, want allow=%v: %s", got, c.allow, res.raw)
				}
				if c.allow {
					return
				}
				var body struct {
					Message string          `json:"message"`
					Errors  json.RawMessage `json:"claimValidationErrors"`
				}
				if err := json.Unmarshal([]byte(res.context(t)["body"].(string)), &body); err != nil {
					t.Fatal(err)
				}
				if body.Message != "invalid claim" || string(body.Errors) != c.errors {
					t.Fatalf("body %s %s\nwant %s", body.Message, body.Errors, c.errors)
				}
			})
		}
	}
	// A session with no roles gets roles "," (never empty): API Gateway
	// maps it into x-user-roles, and a non-empty source always overwrites
	// a client-sent copy.
	t.Run("no roles gives a roles value of one comma", func(t *testing.T) {
		for _, event := range [][]byte{restEvent(t, ev{path: "/api/me", headers: h(none)}), httpEvent(t, ev{path: "/api/me", headers: h(none)})} {
			res := e.invoke(event)
			if got := res.context(t)[authorizer.CtxRoles]; got != "," {
				t.Fatalf("roles %#v: %s", got, res.raw)
			}
		}
	})
	t.Run("custom domain base path in the path field", func(t *testing.T) {
		// Behind a custom domain with base path mapping "v1", REST's path
		// field is "/v1/api/admin" while the method ARN names "api/admin".
		event := restEvent(t, ev{path: "/api/admin", headers: h(viewer)})
		event = []byte(strings.Replace(string(event), `"path":"/api/admin"`, `"path":"/v1/api/admin"`, 1))
		if !strings.Contains(string(event), `"/v1/api/admin"`) {
			t.Fatal("test event not rewritten")
		}
		if res := e.invoke(event); res.effect(t) != "Deny" {
			t.Fatalf("rule missed behind a base path: %s", res.raw)
		}
	})
	t.Run("claims change takes effect on the next request", func(t *testing.T) {
		u := sessiontest.UniqueUser("promote")
		tok := e.signIn(u, []string{"viewer"}, nil)
		event := restEvent(t, ev{path: "/api/admin", headers: h(tok)})
		if e.invoke(event).effect(t) != "Deny" {
			t.Fatal("want Deny before promotion")
		}
		e.stub.setRoles(u, []string{"admin"})
		if res := e.invoke(event); res.effect(t) != "Allow" || res.context(t)["roles"] != "admin" {
			t.Fatalf("want Allow after promotion: %s", res.raw)
		}
	})
}

// Cookie extraction (docs/protocol.md#events-and-cookies): multiValueHeaders,
// any letter case, several Cookie headers, the 2.0 cookies array,
// duplicates.
func TestCookieSources(t *testing.T) {
	e := newStubEnv(t, envOptions{})
	tok := e.signIn(sessiontest.UniqueUser("sources"), nil, nil)
	good := cookieHeader(tok.Access)
	other := e.signIn(sessiontest.UniqueUser("other"), nil, nil)
	e.revoke(other)
	revoked := cookieHeader(other.Access)
	cases := []struct {
		name  string
		event func(t testing.TB) []byte
		allow bool
	}{
		{"REST headers, lower-case name", func(t testing.TB) []byte {
			return restEvent(t, ev{headers: map[string]string{"cookie": "a=1; " + good}})
		}, true},
		{"REST headers, upper-case name", func(t testing.TB) []byte {
			return restEvent(t, ev{headers: map[string]string{"COOKIE": good}})
		}, true},
		{"REST multiValueHeaders win over headers", func(t testing.TB) []byte {
			// headers keeps only the last Cookie header (HTTP/2); multi has both.
			return restEvent(t, ev{headers: map[string]string{"cookie": "a=1"},
				multi: map[string][]string{"cookie": {good, "a=1"}}})
		}, true},
		{"REST several Cookie headers, ours in the second", func(t testing.TB) []byte {
			return restEvent(t, ev{multi: map[string][]string{"Cookie": {"a=1; b=2", "c=3; " + good}}})
		}, true},
		{"REST two keys differing in case", func(t testing.TB) []byte {
			return restEvent(t, ev{multi: map[string][]string{"Cookie": {"a=1"}, "cookie": {good}}})
		}, true},
		{"tossed bad copy before the good one", func(t testing.TB) []byte {
			return restEvent(t, ev{headers: map[string]string{"Cookie": e.access("garbage") + "; " + good}})
		}, true},
		{"tossed revoked copy before the good one", func(t testing.TB) []byte {
			return restEvent(t, ev{headers: map[string]string{"Cookie": revoked + "; " + good}})
		}, true},
		{"good copy first, garbage after", func(t testing.TB) []byte {
			return restEvent(t, ev{headers: map[string]string{"Cookie": good + "; " + e.access("%%%") + "; " + e.access("")}})
		}, true},
		{"only tossed copies", func(t testing.TB) []byte {
			return restEvent(t, ev{headers: map[string]string{"Cookie": e.access("garbage") + "; " + revoked}})
		}, false},
		{"quoted value", func(t testing.TB) []byte {
			return restEvent(t, ev{headers: map[string]string{"Cookie": e.access(`"` + tok.Access.Value + `"`)}})
		}, true},
		{"HTTP API cookies array", func(t testing.TB) []byte {
			return httpEvent(t, ev{cookies: []string{"a=1", good}})
		}, true},
		{"HTTP API cookies array, tossed copy first", func(t testing.TB) []byte {
			return httpEvent(t, ev{cookies: []string{e.access("x"), good}})
		}, true},
		{"HTTP API cookies only in headers", func(t testing.TB) []byte {
			return httpEvent(t, ev{headers: map[string]string{"cookie": "a=1; " + good}})
		}, true},
		{"HTTP API empty cookies array falls back to headers", func(t testing.TB) []byte {
			return httpEvent(t, ev{cookies: []string{}, headers: map[string]string{"Cookie": good}})
		}, true},
		{"thousands of cookies before ours", func(t testing.TB) []byte {
			var b strings.Builder
			for i := 0; i < 3000; i++ {
				b.WriteString("c=v;")
			}
			b.WriteString(good)
			return restEvent(t, ev{headers: map[string]string{"Cookie": b.String()}})
		}, true},
		{"non-UTF-8 garbage", func(t testing.TB) []byte {
			return restEvent(t, ev{headers: map[string]string{"Cookie": "\xff\xfe=\x00; ;;=; " + e.cfg.AccessCookieName + "\xff=1; " + good}})
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.invoke(c.event(t))
			if !c.allow {
				if !isUnauthorized(res.err) {
					t.Fatalf("want Unauthorized, got %v %s", res.err, res.raw)
				}
				return
			}
			if got := res.effect(t); got != "Allow" && got != "true" {
				t.Fatalf("effect %s: %s", got, res.raw)
			}
			if res.context(t)["sessionId"] != tok.SessionID {
				t.Fatalf("wrong session: %s", res.raw)
			}
		})
	}
}

// Every copy of the access cookie reaches the session engine, in order,
// from every Cookie header of the bag that is read, with no cap of the
// authorizer's own (the engine's HeaderBudget decides which count); other
// cookies and the bag that is not read never do.
func TestCookieCopiesReachTheEngine(t *testing.T) {
	e := newStubEnv(t, envOptions{})
	many := strings.Repeat(e.access("x")+"; ", 2000)
	a, b, h := e.access("a"), e.access("b"), e.access("h")
	cases := []struct {
		name  string
		event []byte
		want  []string
	}{
		{"headers", restEvent(t, ev{headers: map[string]string{"Cookie": a + "; x=1; " + b}}), []string{"a", "b"}},
		{"multiValueHeaders over headers", restEvent(t, ev{headers: map[string]string{"Cookie": h},
			multi: map[string][]string{"cookie": {a, "y=2; " + b}}}), []string{"a", "b"}},
		{"multiValueHeaders, keys in several letter cases", restEvent(t, ev{multi: map[string][]string{ // encoding/json sorts the keys
			"Cookie": {a}, "cookie": {"y=2; " + b}, "COOKIE": {e.access("c")}}}), []string{"c", "a", "b"}},
		{"cookies array over headers", httpEvent(t, ev{headers: map[string]string{"cookie": h},
			cookies: []string{a, "theme=dark", b}}), []string{"a", "b"}},
		{"no access cookie", restEvent(t, ev{headers: map[string]string{"Cookie": "x=1"}}), nil},
		{"another name, or the prefix in another letter case", restEvent(t, ev{headers: map[string]string{
			"Cookie": "sAccessToken=u; __host-sAccessToken=l; " + strings.ToLower(e.cfg.AccessCookieName) + "=m"}}), nil},
		{"no cap: 2000 copies", restEvent(t, ev{headers: map[string]string{"Cookie": many}}), slices.Repeat([]string{"x"}, 2000)},
	}
	for _, c := range cases {
		e.invoke(c.event)
		if got := e.stub.lastCall(); !slices.Equal(got, c.want) {
			t.Errorf("%s: the engine got %q, want %q", c.name, got, c.want)
		}
	}
}

// Events that are neither REQUEST authorizer events of payload 1.0 or 2.0
// nor TOKEN events are configuration errors: BadEventResponse (403 under
// every response format),
// never "Unauthorized" and never a 500, logged at error level with reason
// bad_event and counted under the metric outcome bad_event.
func TestBadEvents(t *testing.T) {
	e := newStubEnv(t, envOptions{})
	cases := map[string]string{
		"not JSON":                        `{"type":`,
		"JSON array":                      `[1,2]`,
		"null":                            `null`,
		"TOKEN without methodArn":         `{"type":"TOKEN","authorizationToken":"Bearer x"}`,
		"TOKEN with a routeArn":           `{"type":"TOKEN","authorizationToken":"Bearer x","routeArn":"` + testARNBase + `GET/x"}`,
		"TOKEN with version 2.0":          `{"version":"2.0","type":"TOKEN","authorizationToken":"Bearer x","methodArn":"` + testARNBase + `GET/x"}`,
		"TOKEN for every method":          `{"type":"TOKEN","authorizationToken":"Bearer x","methodArn":"` + testARNBase + `*/x"}`,
		"TOKEN, authorizationToken array": `{"type":"TOKEN","authorizationToken":["Bearer x"],"methodArn":"` + testARNBase + `GET/x"}`,
		"type in lower case":              `{"type":"token","authorizationToken":"Bearer x","methodArn":"` + testARNBase + `GET/x"}`,
		"no type":                         `{"methodArn":"` + testARNBase + `GET/x"}`,
		"version 3.0":                     `{"version":"3.0","type":"REQUEST","routeArn":"` + testARNBase + `GET/x"}`,
		"version as a number":             `{"version":2.0,"type":"REQUEST","routeArn":"` + testARNBase + `GET/x"}`,
		"headers as an array":             `{"type":"REQUEST","methodArn":"` + testARNBase + `GET/x","headers":["Cookie"]}`,
		"2.0 without routeArn":            `{"version":"2.0","type":"REQUEST","methodArn":"` + testARNBase + `GET/x"}`,
		"1.0 without methodArn":           `{"type":"REQUEST","routeArn":"` + testARNBase + `GET/x"}`,
		"malformed methodArn":             `{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123:a/prod/GET/x"}`,
		"other service":                   `{"type":"REQUEST","methodArn":"arn:aws:lambda:eu-west-1:123456789012:a/prod/GET/x"}`,
		// Strict JSON (encoding/json/v2's defaults): fail closed.
		"repeated member name":       `{"type":"REQUEST","methodArn":"` + testARNBase + `GET/x","methodArn":"` + testARNBase + `GET/y"}`,
		"repeated name, skipped":     `{"type":"REQUEST","methodArn":"` + testARNBase + `GET/x","stageVariables":{"a":"1","a":"2"}}`,
		"repeated header name":       `{"type":"REQUEST","methodArn":"` + testARNBase + `GET/x","headers":{"X-Secret-Name":"a","X-Secret-Name":"b"}}`,
		"invalid UTF-8 in a header":  "{\"type\":\"REQUEST\",\"methodArn\":\"" + testARNBase + "GET/x\",\"headers\":{\"Cookie\":\"a=\xff\"}}",
		"invalid UTF-8, skipped":     "{\"type\":\"REQUEST\",\"methodArn\":\"" + testARNBase + "GET/x\",\"body\":\"\xc3\x28\"}",
		"header value is a number":   `{"type":"REQUEST","methodArn":"` + testARNBase + `GET/x","headers":{"X-Secret-Name":1}}`,
		"header array holds objects": `{"type":"REQUEST","methodArn":"` + testARNBase + `GET/x","multiValueHeaders":{"Accept":[{}]}}`,
		"cookies holds a number":     `{"version":"2.0","type":"REQUEST","routeArn":"` + testARNBase + `GET/x","cookies":["a=1",2]}`,
		"requestContext is a string": `{"type":"REQUEST","methodArn":"` + testARNBase + `GET/x","requestContext":"x"}`,
		"httpMethod is a number":     `{"type":"REQUEST","methodArn":"` + testARNBase + `GET/x","httpMethod":1}`,
		"trailing data":              `{"type":"REQUEST","methodArn":"` + testARNBase + `GET/x"} {}`,
		"empty":                      ``,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			res := e.invoke([]byte(body))
			res.requireBadEventResponse(t)
		})
	}
	logs := e.logs.String()
	if n := strings.Count(logs, `"level":"ERROR","msg":"authorizer decision"`); n != len(cases) {
		t.Fatalf("%d error-level decision lines for %d bad events:\n%s", n, len(cases), logs)
	}
	if n := strings.Count(logs, `"reason":"bad_event"`); n != len(cases) {
		t.Fatalf("%d bad_event log lines for %d bad events", n, len(cases))
	}
	if n := strings.Count(e.metrics.String(), `"Outcome":"bad_event"`); n != len(cases) {
		t.Fatalf("%d bad_event metric lines for %d bad events", n, len(cases))
	}
	// The reason logged names the problem, never the client's text.
	if strings.Contains(logs, "X-Secret-Name") || strings.Contains(logs, "a=") {
		t.Fatalf("a bad event's log quotes the event:\n%s", logs)
	}
	for _, want := range []string{"a member name is repeated", "not valid JSON or not UTF-8", "member headers has the wrong JSON type",
		"member cookies has the wrong JSON type", "member requestContext has the wrong JSON type", "a TOKEN event without methodArn",
		"member authorizationToken has the wrong JSON type", "type is not REQUEST or TOKEN"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no bad_event line says %q:\n%s", want, logs)
		}
	}
}

// The handler's reflection entry point (lambda.NewHandler(h.Handle)) gives
// the same bytes as its Invoke method.
func TestHandleAndInvokeAgree(t *testing.T) {
	e := newStubEnv(t, envOptions{rules: testRules})
	tok := e.signIn(sessiontest.UniqueUser("agree"), []string{"viewer"}, map[string]any{"note": "a<b&c"})
	viaHandle := lambda.NewHandler(e.h.Handle)
	for _, event := range [][]byte{
		restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok.Access)}}),
		restEvent(t, ev{path: "/api/admin", headers: map[string]string{"Cookie": cookieHeader(tok.Access)}}),
		httpEvent(t, ev{cookies: []string{cookieHeader(tok.Access)}}),
	} {
		a, errA := e.inv.Invoke(context.Background(), event)
		b, errB := viaHandle.Invoke(context.Background(), event)
		if errA != nil || errB != nil || string(a) != string(b) {
			t.Fatalf("Invoke %s %v\nHandle %s %v", a, errA, b, errB)
		}
	}
	_, errA := e.inv.Invoke(context.Background(), restEvent(t, ev{}))
	_, errB := viaHandle.Invoke(context.Background(), restEvent(t, ev{}))
	if !isUnauthorized(errA) || !isUnauthorized(errB) {
		t.Fatalf("errors %v %v", errA, errB)
	}
}

// Logs carry only allow-listed fields; metrics are one EMF line per call.
func TestLogsAndMetrics(t *testing.T) {
	e := newStubEnv(t, envOptions{rules: testRules})
	big := map[string]any{"blob": strings.Repeat("x", authorizer.MaxContextClaimsBytes)}
	tok := e.signIn(sessiontest.UniqueUser("logs"), []string{"viewer"}, big)
	bearer := e.signIn(sessiontest.UniqueUser("logs-bearer"), []string{"viewer"}, nil)
	e.stub.rotateNext(bearer.SessionID)
	events := [][]byte{
		restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok.Access), "X-Secret": "hdr-secret"}}),
		restEvent(t, ev{path: "/api/admin", headers: map[string]string{"Cookie": cookieHeader(tok.Access)}}),
		restEvent(t, ev{headers: map[string]string{"Cookie": e.access("bogus-cookie-value")}}),
		httpEvent(t, ev{cookies: []string{cookieHeader(tok.Access)}}),
		restEvent(t, ev{headers: map[string]string{"Authorization": "Bearer " + bearer.Access.Value}}),
		tokenEvent(t, "Bearer bogus-bearer-value", "GET", "/api/me"),
		tokenEvent(t, "Bearer "+bearer.Refresh.Value, "GET", "/api/me"),
		httpEvent(t, ev{headers: map[string]string{"authorization": "Bearer a b", "st-auth-mode": "header"}}),
	}
	var results []result
	for _, event := range events {
		results = append(results, e.invoke(event))
	}
	// Claims over budget are dropped from the context, never a 500.
	if c := results[0].context(t); c["claims"] != "" {
		t.Fatalf("claims over budget kept: %d bytes", len(c["claims"].(string)))
	}
	// The bearer request's rotated token went back in the context.
	newAccess, _ := results[4].context(t)[authorizer.CtxAccessToken].(string)
	if newAccess == "" {
		t.Fatalf("no rotated access token: %s", results[4].raw)
	}
	logs := e.logs.String()
	for _, secret := range []string{tok.Access.Value, tok.SessionID, "bogus-cookie-value", "hdr-secret", "xxxxxxxx",
		bearer.Access.Value, bearer.Refresh.Value, bearer.SessionID, newAccess, "bogus-bearer-value", "Bearer"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log contains %q", secret)
		}
	}
	allowed := map[string]bool{"time": true, "level": true, "msg": true, "request_id": true, "payload": true,
		"credential": true, "route": true, "outcome": true, "reason": true, "sid": true, "uid": true, "error": true, "claims_bytes": true}
	var sids, uids []string
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		for k := range m {
			if !allowed[k] {
				t.Fatalf("log field %q is not allow-listed", k)
			}
		}
		if s, ok := m["sid"].(string); ok {
			sids = append(sids, s)
			uid, _ := m["uid"].(string)
			uids = append(uids, uid)
		}
	}
	if !strings.Contains(logs, `"reason":"claims_dropped"`) {
		t.Fatal("no claims_dropped line")
	}
	// sid and uid are internal/logid's salted hashes (the same as the
	// session API's and the operator tool's under one LOG_SALT); the first
	// two lines are tok's.
	salt := []byte("test salt")
	if len(sids) < 2 || sids[0] != logid.Hash(salt, tok.SessionID) || sids[0] != sids[1] {
		t.Fatalf("sid hashes %v", sids)
	}
	if uids[0] != logid.Hash(salt, tok.UserID) || uids[0] != uids[1] || uids[0] == sids[0] {
		t.Fatalf("uid hashes %v", uids)
	}
	if strings.Contains(logs, tok.UserID) {
		t.Fatal("a user id reached the log")
	}
	for _, want := range []string{`"payload":"1.0","credential":"cookie"`, `"payload":"1.0","credential":"bearer"`,
		`"payload":"token","credential":"bearer"`, `"payload":"2.0","credential":"malformed"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %s:\n%s", want, logs)
		}
	}
	lines := strings.Split(strings.TrimSpace(e.metrics.String()), "\n")
	if len(lines) != len(events) {
		t.Fatalf("%d metric lines for %d invocations", len(lines), len(events))
	}
	want := []string{"allow", "deny", "unauthorized", "allow", "allow", "unauthorized", "unauthorized", "unauthorized"}
	for i, line := range lines {
		var m struct {
			AWS struct {
				Timestamp         int64
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
					Metrics    []struct{ Name, Unit string }
				}
			} `json:"_aws"`
			Outcome   string
			Decisions int
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("EMF line %q: %v", line, err)
		}
		cw := m.AWS.CloudWatchMetrics
		if m.Outcome != want[i] || m.Decisions != 1 || m.AWS.Timestamp != e.clock.Now().UnixMilli() ||
			len(cw) != 1 || cw[0].Namespace != "sessiongate" || cw[0].Dimensions[0][0] != "Outcome" ||
			cw[0].Metrics[0].Name != "Decisions" || cw[0].Metrics[0].Unit != "Count" {
			t.Fatalf("EMF line %d: %s", i, line)
		}
	}
}

func TestNewRequiresManager(t *testing.T) {
	if _, err := authorizer.New(authorizer.Config{}); !errors.Is(err, authorizer.ErrInvalidConfig) {
		t.Fatalf("err %v", err)
	}
}

// TestEndToEnd is the authorizer over the real session engine and a real
// redis-server: what the stub stands for (cookies that decode, rotation,
// revocation, expiry, claims changes, a store outage) done for real, through
// both payloads.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t, envOptions{rules: `[{"method":"*","path":"/api/admin","roles":["admin"]}]`, persist: true})
	ctx := context.Background()
	user := sessiontest.UniqueUser("e2e")
	tok := e.signIn(user, []string{"viewer"}, map[string]any{"plan": "pro"})
	rest := restEvent(t, ev{headers: map[string]string{"Cookie": "theme=dark; " + cookieHeader(tok.Access)}})
	httpEv := httpEvent(t, ev{cookies: []string{"theme=dark", cookieHeader(tok.Access)}})

	t.Run("allow", func(t *testing.T) {
		for _, event := range [][]byte{rest, httpEv} {
			res := e.invoke(event)
			if got := res.effect(t); got != "Allow" && got != "true" {
				t.Fatalf("effect %s: %s", got, res.raw)
			}
			c := res.context(t)
			if c["userId"] != user || c["sessionId"] != tok.SessionID || c["roles"] != "viewer" || c["claims"] != `{"plan":"pro"}` {
				t.Fatalf("context %v", c)
			}
		}
	})
	t.Run("cookies the engine refuses", func(t *testing.T) {
		retired := sessiontest.NewManager(t, sessiontest.TestConfig(t), redisstore.New(e.rdb, redisstore.Options{}), e.clock)
		old, err := retired.Create(ctx, session.CreateInput{UserID: "retired-key-user"})
		if err != nil {
			t.Fatal(err)
		}
		v := tok.Access.Value
		for name, value := range map[string]string{
			"tampered":          v[:len(v)/2] + flipByte(v[len(v)/2]) + v[len(v)/2+1:],
			"truncated":         v[:len(v)-10],
			"refresh as access": tok.Refresh.Value,
			"retired key":       old.Access.Value,
		} {
			res := e.invoke(restEvent(t, ev{headers: map[string]string{"Cookie": e.access(value)}}))
			if !isUnauthorized(res.err) {
				t.Fatalf("%s: want Unauthorized, got %v %s", name, res.err, res.raw)
			}
		}
	})
	t.Run("rotation", func(t *testing.T) {
		before, err := e.m.InspectAccess(tok.Access.Value)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(e.cfg.RotateAfter + time.Second)
		res := e.invoke(restEvent(t, ev{path: "/api/admin", headers: map[string]string{"Cookie": cookieHeader(tok.Access)}}))
		if res.effect(t) != "Deny" {
			t.Fatalf("want Deny on the admin path: %s", res.raw)
		}
		c := res.context(t)
		line, _ := c["setCookie"].(string)
		if strings.Count(line, e.access("")) != 1 {
			t.Fatalf("setCookie must hold exactly one cookie: %q", line)
		}
		nc := setCookieValue(t, line)
		after, err := e.m.InspectAccess(nc.Value)
		if err != nil {
			t.Fatal(err)
		}
		if after.SessionID != before.SessionID || after.Generation <= before.Generation {
			t.Fatalf("rotated to %+v from %+v", after, before)
		}
		if !nc.HttpOnly || !nc.Secure || nc.Path != "/" {
			t.Fatalf("cookie attributes: %+v", nc)
		}
		if ft := sessiontest.DecodeFrontToken(t, c["frontToken"].(string)); ft.UID != user {
			t.Fatalf("front-token uid %q", ft.UID)
		}
		res = e.invoke(httpEvent(t, ev{cookies: []string{e.access(nc.Value)}}))
		if res.effect(t) != "true" || res.context(t)["setCookie"] != "" {
			t.Fatalf("the rotated cookie: %s", res.raw)
		}
		tok.Access = nc
	})
	t.Run("claims change", func(t *testing.T) {
		event := restEvent(t, ev{path: "/api/admin", headers: map[string]string{"Cookie": cookieHeader(tok.Access)}})
		if _, err := e.m.SetUserClaims(ctx, user, []string{"admin"}, nil); err != nil {
			t.Fatal(err)
		}
		if res := e.invoke(event); res.effect(t) != "Allow" || res.context(t)["roles"] != "admin" {
			t.Fatalf("want Allow after promotion: %s", res.raw)
		}
	})
	t.Run("store outage", func(t *testing.T) {
		event := restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok.Access)}})
		e.srv.Stop()
		for _, event := range [][]byte{event, httpEvent(t, ev{cookies: []string{cookieHeader(tok.Access)}})} {
			res := e.invoke(event)
			if !errors.Is(res.err, authorizer.ErrStoreUnavailable) || res.raw != nil {
				t.Fatalf("want ErrStoreUnavailable and no response: %v %s", res.err, res.raw)
			}
		}
		if logs := e.logs.String(); !strings.Contains(logs, `"reason":"store"`) || strings.Contains(logs, e.srv.Addr()) {
			t.Fatalf("store failure log: %s", logs)
		}
		e.srv.Restart()
		if res := e.waitAllow(event); res.effect(t) != "Allow" {
			t.Fatalf("want Allow after recovery (an outage logs nobody out): %v %s", res.err, res.raw)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		e.revoke(tok)
		if res := e.invoke(rest); !isUnauthorized(res.err) {
			t.Fatalf("want Unauthorized after revocation, got %v %s", res.err, res.raw)
		}
	})
	t.Run("expired", func(t *testing.T) {
		tok2 := e.signIn(sessiontest.UniqueUser("e2e-expired"), nil, nil)
		e.clock.Advance(e.cfg.AccessTTL)
		if res := e.invoke(httpEvent(t, ev{cookies: []string{cookieHeader(tok2.Access)}})); !isUnauthorized(res.err) {
			t.Fatalf("want Unauthorized, got %v %s", res.err, res.raw)
		}
		if !strings.Contains(e.logs.String(), `"reason":"expired"`) {
			t.Fatalf("log has no reason expired: %s", e.logs.String())
		}
	})
	t.Run("bearer", func(t *testing.T) {
		user := sessiontest.UniqueUser("e2e-bearer")
		tok3 := e.signIn(user, []string{"viewer"}, nil)
		bearer := "Bearer " + tok3.Access.Value
		for _, event := range [][]byte{
			restEvent(t, ev{headers: map[string]string{"Authorization": bearer}}),
			restEvent(t, ev{method: "POST", headers: map[string]string{"Cookie": cookieHeader(tok.Access), "Authorization": bearer,
				"st-auth-mode": "header", "Origin": "https://evil.example"}}), // a stale cookie, no rid: header mode
			httpEvent(t, ev{headers: map[string]string{"authorization": bearer}}),
			tokenEvent(t, bearer, "GET", "/api/me"),
		} {
			res := e.invoke(event)
			if !allowed(t, res) || res.context(t)["userId"] != user {
				t.Fatalf("bearer: %v %s", res.err, res.raw)
			}
		}
		for name, auth := range map[string]string{
			"refresh token as access token":     "Bearer " + tok3.Refresh.Value,
			"access token of a revoked session": "Bearer " + tok.Access.Value,
			"cookie string":                     cookieHeader(tok3.Access),
		} {
			for _, event := range [][]byte{tokenEvent(t, auth, "GET", "/api/me"),
				httpEvent(t, ev{headers: map[string]string{"authorization": auth}})} {
				if res := e.invoke(event); !isUnauthorized(res.err) {
					t.Fatalf("%s: want Unauthorized, got %v %s", name, res.err, res.raw)
				}
			}
		}
		// Rotation through a TOKEN authorizer: the new token comes back as
		// accessToken, never as a cookie, and is the next generation.
		before, err := e.m.InspectAccess(tok3.Access.Value)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(e.cfg.RotateAfter + time.Second)
		res := e.invoke(tokenEvent(t, bearer, "GET", "/api/me"))
		c := res.context(t)
		next, _ := c["accessToken"].(string)
		if !allowed(t, res) || next == "" || c["setCookie"] != "" {
			t.Fatalf("bearer rotation: %s", res.raw)
		}
		after, err := e.m.InspectAccess(next)
		if err != nil || after.SessionID != before.SessionID || after.Generation <= before.Generation {
			t.Fatalf("rotated to %+v from %+v: %v", after, before, err)
		}
		if ft := sessiontest.DecodeFrontToken(t, c["frontToken"].(string)); ft.UID != user {
			t.Fatalf("front-token uid %q", ft.UID)
		}
		res = e.invoke(restEvent(t, ev{headers: map[string]string{"Authorization": "Bearer " + next}}))
		if !allowed(t, res) || res.context(t)["accessToken"] != "" {
			t.Fatalf("the rotated token: %s", res.raw)
		}
		// Grace: the rotated-out token still gets the current generation back.
		res = e.invoke(httpEvent(t, ev{headers: map[string]string{"authorization": bearer}}))
		again, _ := res.context(t)["accessToken"].(string)
		if !allowed(t, res) || again == "" {
			t.Fatalf("inside grace: %s", res.raw)
		}
		if info, err := e.m.InspectAccess(again); err != nil || info.Generation != after.Generation {
			t.Fatalf("inside grace: generation %+v, want %d: %v", info, after.Generation, err)
		}
		if logs := e.logs.String(); strings.Contains(logs, tok3.Access.Value) || strings.Contains(logs, next) ||
			strings.Contains(logs, tok3.Refresh.Value) {
			t.Fatal("a bearer token reached the log")
		}
	})
	if logs := e.logs.String(); strings.Contains(logs, tok.Access.Value) || strings.Contains(logs, tok.SessionID) {
		t.Fatal("a cookie or a session id reached the log")
	}
}

// flipByte returns a different base64url character for c.
func flipByte(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}
