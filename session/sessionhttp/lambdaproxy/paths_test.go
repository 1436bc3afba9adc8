package lambdaproxy_test

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessionhttp/lambdaproxy"
)

func TestSplitPathV1(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		rcPath, path, resource string
		params                 map[string]string
		wantPrefix, wantPath   string
		wantDerived            bool
	}{
		{"execute-api stage", "/prod/auth/session/refresh", "/auth/session/refresh", "/auth/session/refresh", nil, "/prod", "/auth/session/refresh", true},
		{"base-path mapping", "/v1/auth/session/refresh", "/v1/auth/session/refresh", "/auth/session/refresh", nil, "/v1", "/auth/session/refresh", true},
		{"two-level base path", "/api/v2/auth/signout", "/api/v2/auth/signout", "/auth/signout", nil, "/api/v2", "/auth/signout", true},
		{"custom domain root", "/auth/session/refresh", "/auth/session/refresh", "/auth/session/refresh", nil, "", "/auth/session/refresh", true},
		{"greedy proxy", "/prod/auth/session/refresh", "/auth/session/refresh", "/{proxy+}", map[string]string{"proxy": "auth/session/refresh"}, "/prod", "/auth/session/refresh", true},
		{"greedy under a fixed segment", "/v1/auth/session/refresh", "/v1/auth/session/refresh", "/auth/{proxy+}", map[string]string{"proxy": "session/refresh"}, "/v1", "/auth/session/refresh", true},
		{"path parameter", "/prod/items/42", "/items/42", "/items/{id}", map[string]string{"id": "42"}, "/prod", "/items/42", true},
		{"encoded parameter", "/prod/items/a%20b", "/items/a b", "/items/{id}", map[string]string{"id": "a b"}, "/prod", "/items/a%20b", true},
		{"root resource", "/prod/", "/", "/", nil, "/prod", "/", true},
		{"root resource without slash", "/prod", "/", "/", nil, "/prod", "/", true},
		{"not a suffix: fail safe", "/prod/auth/session/refresh", "/auth/session/refresh", "/auth/signout", nil, "", "/auth/session/refresh", false},
		{"partial segment is no boundary", "/prod/xauth/session/refresh", "/xauth/session/refresh", "/auth/session/refresh", nil, "", "/xauth/session/refresh", false},
		{"trailing slash", "/prod/auth/session/refresh/", "/auth/session/refresh/", "/auth/session/refresh", nil, "", "/auth/session/refresh/", false},
		{"missing parameter", "/prod/items/42", "/items/42", "/items/{id}", nil, "", "/items/42", false},
		{"slash in a plain parameter", "/prod/items/4/2", "/items/4/2", "/items/{id}", map[string]string{"id": "4/2"}, "", "/items/4/2", false},
		{"no resource", "/prod/auth/session/refresh", "/auth/session/refresh", "", nil, "", "/auth/session/refresh", false},
		{"route longer than path", "/refresh", "/refresh", "/auth/session/refresh", nil, "", "/refresh", false},
		{"no requestContext.path", "", "/auth/signout", "/auth/signout", nil, "", "/auth/signout", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := events.APIGatewayProxyRequest{Resource: tc.resource, Path: tc.path, PathParameters: tc.params,
				RequestContext: events.APIGatewayProxyRequestContext{Path: tc.rcPath, Stage: "prod"}}
			prefix, path, derived := lambdaproxy.SplitPathV1(ev)
			if prefix != tc.wantPrefix || path != tc.wantPath || derived != tc.wantDerived {
				t.Fatalf("got (%q, %q, %v), want (%q, %q, %v)", prefix, path, derived, tc.wantPrefix, tc.wantPath, tc.wantDerived)
			}
		})
	}
}

func TestSplitPathV2(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		stage, rawPath, route string
		params                map[string]string
		wantPrefix, wantPath  string
		wantDerived           bool
	}{
		{"named stage", "prod", "/prod/auth/session/refresh", "POST /auth/session/refresh", nil, "/prod", "/auth/session/refresh", true},
		{"base-path mapping", "$default", "/v1/auth/session/refresh", "POST /auth/session/refresh", nil, "/v1", "/auth/session/refresh", true},
		{"base-path mapping on a named stage", "prod", "/v1/auth/session/refresh", "POST /auth/session/refresh", nil, "/v1", "/auth/session/refresh", true},
		{"custom domain root", "$default", "/auth/session/refresh", "POST /auth/session/refresh", nil, "", "/auth/session/refresh", true},
		{"greedy proxy", "prod", "/prod/auth/signout", "ANY /{proxy+}", map[string]string{"proxy": "auth/signout"}, "/prod", "/auth/signout", true},
		{"path parameter", "prod", "/prod/items/42", "GET /items/{id}", map[string]string{"id": "42"}, "/prod", "/items/42", true},
		{"$default route: stage stripped, no prefix", "prod", "/prod/auth/session/refresh", "$default", nil, "", "/auth/session/refresh", false},
		{"no route key", "$default", "/v1/auth/x", "", nil, "", "/v1/auth/x", false},
		{"not a suffix: fail safe", "prod", "/prod/auth/session/refresh", "POST /auth/signout", nil, "", "/auth/session/refresh", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: tc.route, RawPath: tc.rawPath, PathParameters: tc.params,
				RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: tc.stage, RouteKey: tc.route}}
			prefix, path, derived := lambdaproxy.SplitPathV2(ev)
			if prefix != tc.wantPrefix || path != tc.wantPath || derived != tc.wantDerived {
				t.Fatalf("got (%q, %q, %v), want (%q, %q, %v)", prefix, path, derived, tc.wantPrefix, tc.wantPath, tc.wantDerived)
			}
		})
	}
}

// The converted request carries the split: the route's own path as its URL
// path, the prefix in its context (also "" when it could not be derived).
func TestRequestCarriesPrefix(t *testing.T) {
	r, err := lambdaproxy.RequestV1(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST",
		Resource: "/auth/signout", Path: "/v1/auth/signout", RequestContext: events.APIGatewayProxyRequestContext{Path: "/v1/auth/signout"}})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := sessionhttp.PathPrefix(r.Context()); !ok || p != "/v1" || r.URL.Path != "/auth/signout" {
		t.Fatalf("v1: prefix %q %v, path %q", p, ok, r.URL.Path)
	}
	r, err = lambdaproxy.RequestV2(context.Background(), events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default",
		RawPath: "/prod/x", RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: "prod",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := sessionhttp.PathPrefix(r.Context()); !ok || p != "" || r.URL.Path != "/x" {
		t.Fatalf("v2 fail safe: prefix %q %v, path %q", p, ok, r.URL.Path)
	}
}
