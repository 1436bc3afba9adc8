package main

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

const setCookie = "__Host-sAccessToken=v2; Path=/; HttpOnly; Secure; SameSite=Lax"

const appOrigin = "https://app.example.com"

// newTestHandler is the handler as the template configures it.
func newTestHandler(t *testing.T) handler {
	t.Helper()
	h, err := newHandler(func(k string) (string, bool) {
		if k == "ALLOWED_ORIGINS" {
			return appOrigin, true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func authorizerContext() map[string]any {
	return map[string]any{"userId": "u-1", "sessionId": "sid-1", "roles": "viewer,editor", "claims": `{"plan":"pro"}`,
		"setCookie": setCookie, "frontToken": "ZnQ="}
}

func TestRESTProxy(t *testing.T) {
	ctx := authorizerContext()
	ctx["principalId"] = "u-1"
	ev, _ := json.Marshal(map[string]any{"resource": "/api/lambda-me", "path": "/api/lambda-me", "httpMethod": "GET",
		"headers":        map[string]string{"x-user-id": "attacker"},
		"requestContext": map[string]any{"stage": "prod", "authorizer": ctx}})
	out, err := lambda.NewHandler(newTestHandler(t)).Invoke(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Body != `{"userId":"u-1","sessionId":"sid-1","roles":["viewer","editor"],"claims":{"plan":"pro"},"rotated":true}` {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if !reflect.DeepEqual(resp.MultiValueHeaders["Set-Cookie"], []string{setCookie}) ||
		!reflect.DeepEqual(resp.MultiValueHeaders["front-token"], []string{"ZnQ="}) {
		t.Fatalf("headers %v", resp.MultiValueHeaders)
	}
}

func TestHTTPAPIProxy(t *testing.T) {
	ev, _ := json.Marshal(map[string]any{"version": "2.0", "routeKey": "GET /api/lambda-me", "rawPath": "/prod/api/lambda-me",
		"requestContext": map[string]any{"stage": "prod", "http": map[string]any{"method": "GET", "path": "/prod/api/lambda-me"},
			"authorizer": map[string]any{"lambda": authorizerContext()}}})
	out, err := lambda.NewHandler(newTestHandler(t)).Invoke(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !reflect.DeepEqual(resp.Cookies, []string{setCookie}) || resp.Headers["front-token"] != "ZnQ=" {
		t.Fatalf("%d %v %v %s", resp.StatusCode, resp.Cookies, resp.Headers, resp.Body)
	}
}

func TestNoIdentityAndUnknownRoute(t *testing.T) {
	for ev, want := range map[string]int{
		`{"path":"/api/lambda-me","httpMethod":"GET","headers":{"x-user-id":"u-1"}}`:                                 401,
		`{"path":"/api/other","httpMethod":"GET","requestContext":{"authorizer":{"userId":"u-1"}}}`:                  404,
		`{"path":"/api/lambda-me","httpMethod":"POST","requestContext":{"authorizer":{"userId":"u-1"}}}`:             405,
		`{"version":"2.0","rawPath":"/api/lambda-me","requestContext":{"http":{"method":"GET"},"stage":"$default"}}`: 401,
	} {
		out, err := lambda.NewHandler(newTestHandler(t)).Invoke(context.Background(), []byte(ev))
		if err != nil {
			t.Fatal(err)
		}
		var resp struct{ StatusCode int }
		_ = json.Unmarshal(out, &resp)
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", ev, resp.StatusCode, want)
		}
	}
	if _, err := lambda.NewHandler(newTestHandler(t)).Invoke(context.Background(), []byte(`[`)); err == nil {
		t.Fatal("want an error for a malformed event")
	}
}

func TestBadAllowedOrigins(t *testing.T) {
	_, err := newHandler(func(k string) (string, bool) { return "*, ftp://x", k == "ALLOWED_ORIGINS" })
	if err == nil || !strings.Contains(err.Error(), "* is not allowed") || !strings.Contains(err.Error(), "ftp://x") {
		t.Fatalf("want every problem reported, got %v", err)
	}
	if _, err := newHandler(func(string) (string, bool) { return "", false }); err != nil {
		t.Fatalf("ALLOWED_ORIGINS unset: %v", err)
	}
}

// Every answer carries CORS for the allowed origin — the route's, the 401
// without identity and the 404 — on REST (v1) and HTTP API (2.0), also
// behind a custom domain's base-path mapping; a foreign origin gets none.
func TestCORS(t *testing.T) {
	h := lambda.NewHandler(newTestHandler(t))
	v1ctx := authorizerContext()
	v1ctx["principalId"] = "u-1"
	for _, tc := range []struct {
		name   string
		event  map[string]any
		status int
	}{
		{"REST execute-api", map[string]any{"resource": "/api/lambda-me", "path": "/api/lambda-me", "httpMethod": "GET",
			"headers": map[string]string{"origin": appOrigin}, "multiValueHeaders": map[string][]string{"origin": {appOrigin}},
			"requestContext": map[string]any{"stage": "prod", "path": "/prod/api/lambda-me", "authorizer": v1ctx}}, 200},
		{"REST base-path mapping", map[string]any{"resource": "/api/lambda-me", "path": "/v1/api/lambda-me", "httpMethod": "GET",
			"headers":        map[string]string{"Origin": appOrigin},
			"requestContext": map[string]any{"stage": "prod", "path": "/v1/api/lambda-me", "authorizer": v1ctx}}, 200},
		{"REST without identity", map[string]any{"resource": "/api/lambda-me", "path": "/api/lambda-me", "httpMethod": "GET",
			"headers": map[string]string{"origin": appOrigin}}, 401},
		{"HTTP API named stage", map[string]any{"version": "2.0", "routeKey": "GET /api/lambda-me", "rawPath": "/prod/api/lambda-me",
			"headers": map[string]string{"origin": appOrigin},
			"requestContext": map[string]any{"stage": "prod", "http": map[string]any{"method": "GET", "path": "/prod/api/lambda-me"},
				"authorizer": map[string]any{"lambda": authorizerContext()}}}, 200},
		{"HTTP API base-path mapping", map[string]any{"version": "2.0", "routeKey": "GET /api/lambda-me", "rawPath": "/v1/api/lambda-me",
			"headers": map[string]string{"origin": appOrigin},
			"requestContext": map[string]any{"stage": "$default", "http": map[string]any{"method": "GET", "path": "/v1/api/lambda-me"},
				"authorizer": map[string]any{"lambda": authorizerContext()}}}, 200},
		{"HTTP API without identity", map[string]any{"version": "2.0", "routeKey": "GET /api/lambda-me", "rawPath": "/api/lambda-me",
			"headers":        map[string]string{"origin": appOrigin},
			"requestContext": map[string]any{"stage": "$default", "http": map[string]any{"method": "GET"}}}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, origin := range []string{appOrigin, "https://evil.example"} {
				for _, k := range []string{"headers", "multiValueHeaders"} {
					switch m := tc.event[k].(type) {
					case map[string]string:
						for hk := range m {
							m[hk] = origin
						}
					case map[string][]string:
						for hk := range m {
							m[hk] = []string{origin}
						}
					}
				}
				ev, _ := json.Marshal(tc.event)
				out, err := h.Invoke(context.Background(), ev)
				if err != nil {
					t.Fatal(err)
				}
				var resp struct {
					StatusCode        int
					Headers           map[string]string
					MultiValueHeaders map[string][]string
				}
				if err := json.Unmarshal(out, &resp); err != nil {
					t.Fatal(err)
				}
				get := func(name string) string {
					if v, ok := resp.MultiValueHeaders[name]; ok {
						return strings.Join(v, ", ")
					}
					return resp.Headers[name]
				}
				if resp.StatusCode != tc.status || !strings.Contains(get("Vary"), "Origin") {
					t.Fatalf("%s: %d %s", origin, resp.StatusCode, out)
				}
				if origin == appOrigin {
					if get("Access-Control-Allow-Origin") != appOrigin || get("Access-Control-Allow-Credentials") != "true" ||
						!strings.Contains(get("Access-Control-Expose-Headers"), "front-token") {
						t.Fatalf("allowed origin without CORS: %s", out)
					}
				} else if get("Access-Control-Allow-Origin") != "" || get("Access-Control-Allow-Credentials") != "" {
					t.Fatalf("foreign origin got CORS: %s", out)
				}
			}
		})
	}
}
