package backend_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/authorizer/backend"
	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// v1Context is requestContext.authorizer as a REST proxy backend receives
// it: principalId plus every context value, stringified by API Gateway.
func v1Context() map[string]any {
	return map[string]any{"principalId": "u-1", "userId": "u-1", "sessionId": "sid-1", "roles": "admin,viewer",
		"claims": `{"plan":"pro"}`, "setCookie": "__Host-sAccessToken=new; Path=/; HttpOnly; Secure; SameSite=Lax",
		"frontToken": "eyJ1aWQiOiJ1LTEifQ==", "integrationLatency": 12.0}
}

func TestFromV1(t *testing.T) {
	req := events.APIGatewayProxyRequest{
		Headers:        map[string]string{"x-user-id": "attacker"},
		RequestContext: events.APIGatewayProxyRequestContext{Authorizer: v1Context()},
	}
	id, err := backend.FromV1(req)
	if err != nil {
		t.Fatal(err)
	}
	want := backend.Identity{UserID: "u-1", SessionID: "sid-1", Roles: []string{"admin", "viewer"},
		Claims: json.RawMessage(`{"plan":"pro"}`), SetCookie: "__Host-sAccessToken=new; Path=/; HttpOnly; Secure; SameSite=Lax",
		FrontToken: "eyJ1aWQiOiJ1LTEifQ=="}
	if !reflect.DeepEqual(id, want) {
		t.Fatalf("got %+v", id)
	}
	if !id.HasRole("admin") || id.HasRole("root") {
		t.Fatal("HasRole")
	}
}

func TestFromErrors(t *testing.T) {
	cases := map[string]map[string]any{
		"none":                nil,
		"no userId":           {"principalId": "u"},
		"principal differs":   {"principalId": "u", "userId": "v"},
		"claims are not JSON": {"userId": "u", "claims": "{"},
	}
	for name, m := range cases {
		if _, err := backend.FromAuthorizerContext(m); !errors.Is(err, backend.ErrNoIdentity) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if _, err := backend.FromV2(events.APIGatewayV2HTTPRequest{}); !errors.Is(err, backend.ErrNoIdentity) {
		t.Errorf("v2 without authorizer: %v", err)
	}
	id, err := backend.FromAuthorizerContext(map[string]any{"userId": "u", "claims": ""})
	if err != nil || id.Claims != nil || id.Roles != nil {
		t.Fatalf("dropped claims: %+v %v", id, err)
	}
	// A session without roles has roles "," in the context (never empty).
	id, err = backend.FromAuthorizerContext(map[string]any{"userId": "u", "roles": ","})
	if err != nil || id.Roles != nil || id.HasRole("") {
		t.Fatalf("no roles: %+v %v", id, err)
	}
}

func TestWrapV1(t *testing.T) {
	h := backend.WrapV1(func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		id, ok := backend.FromContext(ctx)
		if !ok || id.UserID != "u-1" {
			t.Fatalf("identity in context: %+v %v", id, ok)
		}
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "{}",
			Headers:           map[string]string{"Set-Cookie": "pref=1; Path=/", "Access-Control-Expose-Headers": "x-a"},
			MultiValueHeaders: map[string][]string{"Set-Cookie": {"other=2; Path=/"}}}, nil
	})
	resp, err := h(context.Background(), events.APIGatewayProxyRequest{
		RequestContext: events.APIGatewayProxyRequestContext{Authorizer: v1Context()}})
	if err != nil {
		t.Fatal(err)
	}
	wantCookies := []string{"other=2; Path=/", "pref=1; Path=/", "__Host-sAccessToken=new; Path=/; HttpOnly; Secure; SameSite=Lax"}
	if got := resp.MultiValueHeaders["Set-Cookie"]; !reflect.DeepEqual(got, wantCookies) {
		t.Fatalf("Set-Cookie lines %q", got)
	}
	if got := resp.MultiValueHeaders["front-token"]; len(got) != 1 || got[0] != "eyJ1aWQiOiJ1LTEifQ==" {
		t.Fatalf("front-token %q", got)
	}
	if got := resp.MultiValueHeaders["Access-Control-Expose-Headers"]; !reflect.DeepEqual(got, []string{"x-a, front-token"}) {
		t.Fatalf("expose %q", got)
	}
	if _, ok := resp.Headers["Set-Cookie"]; ok {
		t.Fatal("Set-Cookie left in headers")
	}
	// No identity: 401, next is not called.
	resp, err = h(context.Background(), events.APIGatewayProxyRequest{Headers: map[string]string{"x-user-id": "u-1"}})
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("without identity: %d %v", resp.StatusCode, err)
	}
}

func TestWrapV2(t *testing.T) {
	h := backend.WrapV2(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Cookies: []string{"pref=1"}}, nil
	})
	ctx := v1Context()
	delete(ctx, "principalId")
	resp, err := h(context.Background(), events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: ctx}}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(resp.Cookies, []string{"pref=1", "__Host-sAccessToken=new; Path=/; HttpOnly; Secure; SameSite=Lax"}) {
		t.Fatalf("cookies %q", resp.Cookies)
	}
	if resp.Headers["front-token"] != "eyJ1aWQiOiJ1LTEifQ==" || resp.Headers["Access-Control-Expose-Headers"] != "front-token" {
		t.Fatalf("headers %v", resp.Headers)
	}
	// A backend's own front-token wins.
	own := events.APIGatewayV2HTTPResponse{Headers: map[string]string{"Front-Token": "remove"}}
	backend.ApplyV2(&own, backend.Identity{FrontToken: "new"})
	if len(own.Headers) != 1 || own.Headers["Front-Token"] != "remove" {
		t.Fatalf("own front-token overwritten: %v", own.Headers)
	}
}

// A request that presented a bearer token (header mode) gets its rotated
// access token as the st-access-token header, exposed, and no cookie.
func TestApplyAccessToken(t *testing.T) {
	ctx := v1Context()
	ctx["setCookie"], ctx["accessToken"] = "", "new-access-token"
	id, err := backend.FromAuthorizerContext(ctx)
	if err != nil || id.AccessToken != "new-access-token" || id.SetCookie != "" {
		t.Fatalf("identity %+v %v", id, err)
	}

	v1 := events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Access-Control-Expose-Headers": "x-a"}}
	backend.ApplyV1(&v1, id)
	want := map[string][]string{"st-access-token": {"new-access-token"}, "front-token": {"eyJ1aWQiOiJ1LTEifQ=="},
		"Access-Control-Expose-Headers": {"x-a, st-access-token, front-token"}}
	if !reflect.DeepEqual(v1.MultiValueHeaders, want) || len(v1.Headers) != 0 {
		t.Fatalf("v1 headers %v %v", v1.Headers, v1.MultiValueHeaders)
	}

	v2 := events.APIGatewayV2HTTPResponse{StatusCode: 200}
	backend.ApplyV2(&v2, id)
	if len(v2.Cookies) != 0 || !reflect.DeepEqual(v2.Headers, map[string]string{"st-access-token": "new-access-token",
		"front-token": "eyJ1aWQiOiJ1LTEifQ==", "Access-Control-Expose-Headers": "st-access-token, front-token"}) {
		t.Fatalf("v2 cookies %q headers %v", v2.Cookies, v2.Headers)
	}

	// The backend's own st-access-token wins (one header, never two values),
	// and an exposure the backend already made is not repeated.
	own1 := events.APIGatewayProxyResponse{Headers: map[string]string{"ST-Access-Token": "", "Access-Control-Expose-Headers": "*"}}
	backend.ApplyV1(&own1, backend.Identity{AccessToken: "new"})
	if !reflect.DeepEqual(own1.MultiValueHeaders, map[string][]string{"ST-Access-Token": {""}, "Access-Control-Expose-Headers": {"*"}}) {
		t.Fatalf("own st-access-token (v1): %v", own1.MultiValueHeaders)
	}
	own2 := events.APIGatewayV2HTTPResponse{Headers: map[string]string{"st-access-token": "mine"}}
	backend.ApplyV2(&own2, backend.Identity{AccessToken: "new"})
	if !reflect.DeepEqual(own2.Headers, map[string]string{"st-access-token": "mine"}) {
		t.Fatalf("own st-access-token (v2): %v", own2.Headers)
	}
}

// End to end: the authorizer rotates a token over real Redis, API Gateway
// passes its context to a proxy backend, the middleware hands the new cookie
// to the browser.
func TestAuthorizerToBackend(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	cfg := sessiontest.TestConfig(t)
	clock := sessiontest.NewClock()
	m := sessiontest.NewManager(t, cfg, redistest.Store(t, srv, redisstore.Options{}), clock)
	h, err := authorizer.New(authorizer.Config{Manager: m, Now: clock.Now, Metrics: io.Discard,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	user := sessiontest.UniqueUser("e2e")
	tok, err := m.Create(context.Background(), session.CreateInput{UserID: user, Roles: []string{"viewer"}})
	if err != nil {
		t.Fatal(err)
	}
	bearerTok, err := m.Create(context.Background(), session.CreateInput{UserID: user, Roles: []string{"viewer"}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(cfg.RotateAfter + time.Second)
	// pass runs the authorizer on event, then a proxy backend wrapped by
	// WrapV1 on the context API Gateway would hand it.
	pass := func(event map[string]any) (backend.Identity, events.APIGatewayProxyResponse) {
		t.Helper()
		raw, _ := json.Marshal(event)
		out, err := lambda.NewHandler(h).Invoke(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		var ar events.APIGatewayCustomAuthorizerResponse
		if err := json.Unmarshal(out, &ar); err != nil {
			t.Fatal(err)
		}
		// API Gateway stringifies the context and adds principalId.
		actx := map[string]any{"principalId": ar.PrincipalID}
		for k, v := range ar.Context {
			actx[k] = v
		}
		resp, err := backend.WrapV1(func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200}, nil
		})(context.Background(), events.APIGatewayProxyRequest{RequestContext: events.APIGatewayProxyRequestContext{Authorizer: actx}})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := backend.FromAuthorizerContext(actx)
		return id, resp
	}
	arn := "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/api/lambda-me"

	id, resp := pass(map[string]any{"type": "REQUEST", "methodArn": arn, "path": "/api/lambda-me", "httpMethod": "GET",
		"headers": map[string]string{"Cookie": cfg.AccessCookieName + "=" + tok.Access.Value}})
	lines := resp.MultiValueHeaders["Set-Cookie"]
	if len(lines) != 1 {
		t.Fatalf("Set-Cookie %q", lines)
	}
	if id.UserID != user || id.SetCookie != lines[0] || resp.MultiValueHeaders["front-token"][0] == "" ||
		resp.MultiValueHeaders["st-access-token"] != nil {
		t.Fatalf("identity %+v, response %+v", id, resp.MultiValueHeaders)
	}

	// Header mode, through a TOKEN authorizer: the new token as
	// st-access-token, no cookie, and it is a token the authorizer takes.
	id, resp = pass(map[string]any{"type": "TOKEN", "methodArn": arn, "authorizationToken": "Bearer " + bearerTok.Access.Value})
	next := resp.MultiValueHeaders["st-access-token"]
	if len(next) != 1 || next[0] == "" || id.AccessToken != next[0] || resp.MultiValueHeaders["Set-Cookie"] != nil ||
		len(resp.MultiValueHeaders["front-token"]) != 1 {
		t.Fatalf("identity %+v, response %+v", id, resp.MultiValueHeaders)
	}
	if info, err := m.InspectAccess(next[0]); err != nil || info.SessionID != bearerTok.SessionID {
		t.Fatalf("st-access-token is not the session's access token: %v", err)
	}
}
