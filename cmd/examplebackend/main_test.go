package main

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

const setCookie = "sAccessToken=v2; Path=/; HttpOnly; Secure; SameSite=Lax"

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
	out, err := lambda.NewHandler(handler{}).Invoke(context.Background(), ev)
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
	out, err := lambda.NewHandler(handler{}).Invoke(context.Background(), ev)
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
		out, err := lambda.NewHandler(handler{}).Invoke(context.Background(), []byte(ev))
		if err != nil {
			t.Fatal(err)
		}
		var resp struct{ StatusCode int }
		_ = json.Unmarshal(out, &resp)
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", ev, resp.StatusCode, want)
		}
	}
	if _, err := lambda.NewHandler(handler{}).Invoke(context.Background(), []byte(`[`)); err == nil {
		t.Fatal("want an error for a malformed event")
	}
}
