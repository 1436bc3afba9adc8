package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/gatewayresponses"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update to accept):\n%s", name, got)
	}
}

// sampleRequest is an HTTP/2-style request with two Cookie header lines,
// a forged x-user-id and a repeated query parameter.
func sampleRequest() *http.Request {
	r := httptest.NewRequest("POST", "http://127.0.0.1:8080/api/admin?a=1&a=2&b=3", strings.NewReader(`{"x":1}`))
	r.RemoteAddr = "127.0.0.1:50000"
	r.Header.Add("Cookie", defaultAccessCookie+"=first")
	r.Header.Add("Cookie", "other=1; "+defaultAccessCookie+"=second")
	r.Header.Set("rid", "session")
	r.Header.Set("X-User-Id", "mallory")
	r.Header.Set("Origin", "http://127.0.0.1:8080")
	return r
}

// atRoot is the stage path of sampleRequest served at the root.
var atRoot = stagePath{stage: rootStage, full: "/api/admin", route: "/api/admin"}

// underProd is the same request under -stage prod: the browser called
// /prod/api/admin.
var underProd = stagePath{stage: "prod", full: "/prod/api/admin", route: "/api/admin"}

func TestAuthorizerEventGolden(t *testing.T) {
	ev := authorizerEvent(sampleRequest(), atRoot, "/api/admin", "req-1")
	golden(t, "authorizer-event.json", ev)
	if ev.MethodArn != "arn:aws:execute-api:local:000000000000:localapi/local/POST/api/admin" {
		t.Errorf("methodArn %q", ev.MethodArn)
	}
	if got := ev.MultiValueHeaders["Cookie"]; len(got) != 2 || ev.Headers["Cookie"] != "other=1; "+defaultAccessCookie+"=second" {
		t.Errorf("cookies: headers %q multiValueHeaders %q", ev.Headers["Cookie"], got)
	}
}

// Under a stage, the event is what API Gateway sends for an execute-api
// URL: path and resource without the stage, requestContext.path with it,
// requestContext.stage and the methodArn's stage set.
func TestAuthorizerEventUnderStage(t *testing.T) {
	ev := authorizerEvent(sampleRequest(), underProd, "/api/admin", "req-1")
	golden(t, "authorizer-event-stage.json", ev)
	if ev.MethodArn != "arn:aws:execute-api:local:000000000000:localapi/prod/POST/api/admin" {
		t.Errorf("methodArn %q", ev.MethodArn)
	}
	if ev.Path != "/api/admin" || ev.Resource != "/api/admin" || ev.RequestContext.Path != "/prod/api/admin" ||
		ev.RequestContext.Stage != "prod" || ev.RequestContext.ResourcePath != "/api/admin" {
		t.Errorf("path %q resource %q requestContext.path %q stage %q resourcePath %q",
			ev.Path, ev.Resource, ev.RequestContext.Path, ev.RequestContext.Stage, ev.RequestContext.ResourcePath)
	}
}

func TestProxyEventGolden(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	authCtx := map[string]string{gatewayresponses.PrincipalIDKey: "alice", "userId": "alice", "roles": "user", "setCookie": ""}
	golden(t, "proxy-event.json", proxyEvent(sampleRequest(), []byte(`{"x":1}`), atRoot, "/api/admin", "req-1", authCtx, at))
	golden(t, "proxy-event-public.json", proxyEvent(sampleRequest(), []byte{0xff, 0x00}, atRoot, "/api/admin", "req-2", nil, at))
	ev := proxyEvent(sampleRequest(), nil, underProd, "/api/admin", "req-3", nil, at)
	golden(t, "proxy-event-stage.json", ev)
	if ev.Path != "/api/admin" || ev.Resource != "/api/admin" || ev.RequestContext.Path != "/prod/api/admin" || ev.RequestContext.Stage != "prod" {
		t.Errorf("path %q resource %q requestContext.path %q stage %q", ev.Path, ev.Resource, ev.RequestContext.Path, ev.RequestContext.Stage)
	}
}

// Path parameters are filled from the path within the stage.
func TestEventPathParametersUnderStage(t *testing.T) {
	r := httptest.NewRequest("GET", "http://127.0.0.1:8080/prod/notes/n-7", nil)
	sp := stagePath{stage: "prod", full: "/prod/notes/n-7", route: "/notes/n-7"}
	ev := proxyEvent(r, nil, sp, "/notes/{id}", "r", nil, time.Unix(0, 0))
	if ev.PathParameters["id"] != "n-7" || ev.Resource != "/notes/{id}" {
		t.Errorf("pathParameters %v resource %q", ev.PathParameters, ev.Resource)
	}
	if a := authorizerEvent(r, sp, "/notes/{id}", "r"); a.PathParameters["id"] != "n-7" ||
		a.MethodArn != "arn:aws:execute-api:local:000000000000:localapi/prod/GET/notes/n-7" {
		t.Errorf("authorizer event: pathParameters %v methodArn %q", a.PathParameters, a.MethodArn)
	}
}

func TestDecide(t *testing.T) {
	arn := methodARN(rootStage, "GET", "/api/me")
	policy := func(effect, resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"` + effect + `","Resource":["` + resource + `"]}]}`
	}
	tests := []struct {
		name    string
		out     string
		allow   bool
		err     bool
		ctxWant map[string]string
	}{
		{"allow exact", `{"principalId":"u","policyDocument":` + policy("Allow", arn) + `,"context":{"userId":"u","n":1.5,"b":true,"z":null}}`,
			true, false, map[string]string{"principalId": "u", "userId": "u", "n": "1.5", "b": "true", "z": ""}},
		{"allow wildcard", `{"principalId":"u","policyDocument":` + policy("Allow", "arn:aws:execute-api:local:000000000000:localapi/local/*/*") + `}`, true, false, nil},
		{"allow other method is implicit deny", `{"principalId":"u","policyDocument":` + policy("Allow", methodARN(rootStage, "POST", "/api/me")) + `}`, false, false, nil},
		{"explicit deny", `{"principalId":"u","policyDocument":` + policy("Deny", arn) + `,"context":{"body":"{\"message\":\"x\"}"}}`,
			false, false, map[string]string{"principalId": "u", "body": `{"message":"x"}`}},
		{"deny wins", `{"principalId":"u","policyDocument":{"Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"` + arn + `"}]}}`, false, false, nil},
		{"nested context", `{"principalId":"u","policyDocument":` + policy("Allow", arn) + `,"context":{"x":{"a":1}}}`, false, true, nil},
		{"array context", `{"principalId":"u","policyDocument":` + policy("Allow", arn) + `,"context":{"x":[1]}}`, false, true, nil},
		{"no principal", `{"policyDocument":` + policy("Allow", arn) + `}`, false, true, nil},
		{"no policy", `{"principalId":"u"}`, false, true, nil},
		{"bad effect", `{"principalId":"u","policyDocument":` + policy("Maybe", arn) + `}`, false, true, nil},
		{"not JSON", `nope`, false, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decide([]byte(tt.out), arn)
			if tt.err {
				if !errors.Is(err, errBadAuthorizerResponse) {
					t.Fatalf("err = %v, want errBadAuthorizerResponse", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.allow != tt.allow {
				t.Errorf("allow = %v", d.allow)
			}
			for k, v := range tt.ctxWant {
				if d.authCtx[k] != v {
					t.Errorf("context[%q] = %q, want %q", k, d.authCtx[k], v)
				}
			}
		})
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"a*", "a/b/c", true},
		{"*", "", true},
		{"a?c", "abc", true},
		{"a?c", "a/c", true},
		{"a?c", "ac", false},
		{"arn:*/GET/*", "arn:x/y/GET/api/me", true},
		{"arn:*/GET/*", "arn:x/y/POST/api/me", false},
		{"abc", "abcd", false},
		{"*b*b", "abab", true},
	}
	for _, tt := range tests {
		if got := globMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

func TestProxyResponse(t *testing.T) {
	status, h, body, err := proxyResponse([]byte(`{"statusCode":200,"headers":{"Set-Cookie":"lost=1","X-A":"1"},` +
		`"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"aGk=","isBase64Encoded":true}`))
	if err != nil || status != 200 || string(body) != "hi" || h.Get("X-A") != "1" || len(h.Values("Set-Cookie")) != 2 {
		t.Fatalf("got %d %v %q %v", status, h, body, err)
	}
	for _, bad := range []string{`[]`, `{"statusCode":0}`, `{"statusCode":200,"headers":{"a":"x\r\ny"}}`, `{"statusCode":200,"body":"%","isBase64Encoded":true}`} {
		if _, _, _, err := proxyResponse([]byte(bad)); !errors.Is(err, errBadLambdaResponse) {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}

// FuzzDecide: authorizer output never panics the gateway, and an allow
// always carries the principal.
func FuzzDecide(f *testing.F) {
	f.Add([]byte(`{"principalId":"u","policyDocument":{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":["*"]}]},"context":{"a":1}}`))
	f.Add([]byte(`{"principalId":"u","policyDocument":{"Statement":[{"Action":"*","Effect":"Deny","Resource":"arn:*"}]}}`))
	f.Fuzz(func(t *testing.T, out []byte) {
		d, err := decide(out, methodARN(rootStage, "GET", "/api/me"))
		if err == nil && d.authCtx[gatewayresponses.PrincipalIDKey] == "" {
			t.Fatalf("decision without principal: %+v", d)
		}
	})
}

// FuzzProxyResponse: a Lambda's output never panics the gateway and never
// yields a header value with a line break.
func FuzzProxyResponse(f *testing.F) {
	f.Add([]byte(`{"statusCode":200,"headers":{"a":"b"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"x"}`))
	f.Add([]byte(`{"statusCode":302,"body":"eA==","isBase64Encoded":true}`))
	f.Fuzz(func(t *testing.T, out []byte) {
		status, h, _, err := proxyResponse(out)
		if err != nil {
			return
		}
		if status < 100 || status > 599 {
			t.Fatalf("status %d", status)
		}
		for k, vs := range h {
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n") {
					t.Fatalf("header %s has a line break", k)
				}
			}
		}
	})
}

// The proxy event must decode as aws-lambda-go's type (what lambdaproxy and
// any Go backend read).
func TestProxyEventRoundTrip(t *testing.T) {
	ev := proxyEvent(sampleRequest(), []byte("x"), atRoot, "/api/admin", "r", map[string]string{"principalId": "u"}, time.Unix(0, 0))
	b, _ := json.Marshal(ev)
	var back events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &back); err != nil || back.RequestContext.Authorizer["principalId"] != "u" || back.Body != "x" {
		t.Fatalf("%v %+v", err, back)
	}
}

func TestPathParams(t *testing.T) {
	tests := []struct {
		tpl, path string
		want      map[string]string
	}{
		{"/notes/{id}", "/notes/n1", map[string]string{"id": "n1"}},
		{"/a/{x}/b/{y}", "/a/1/b/2", map[string]string{"x": "1", "y": "2"}},
		{"/files/{proxy+}", "/files/a/b/c", map[string]string{"proxy": "a/b/c"}},
		{"/files/{proxy+}", "/files/a", map[string]string{"proxy": "a"}},
		{"/api/me", "/api/me", nil},
		{"/notes/{id}", "/notes/n1/x", nil},
	}
	for _, tt := range tests {
		got := pathParams(tt.tpl, tt.path)
		if len(got) != len(tt.want) {
			t.Errorf("pathParams(%q, %q) = %v, want %v", tt.tpl, tt.path, got, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("pathParams(%q, %q) = %v, want %v", tt.tpl, tt.path, got, tt.want)
			}
		}
	}
}
