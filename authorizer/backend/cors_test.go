package backend_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/authorizer/backend"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
)

const allowed = "https://app.example.com"

var cors = backend.CORS{Origins: []string{allowed}}

func TestCORSApplyV1(t *testing.T) {
	for _, tc := range []struct {
		name   string
		origin string
		resp   events.APIGatewayProxyResponse
		wantOK bool
		// want holds every header of the response afterwards, by map.
		wantHeaders map[string]string
		wantMulti   map[string][]string
	}{
		{name: "allowed origin", origin: allowed, wantOK: true,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": allowed, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": sessionhttp.ExposeHeaders, "Vary": "Origin"}},
		{name: "foreign origin", origin: "https://evil.example",
			wantHeaders: map[string]string{"Vary": "Origin"}},
		{name: "no origin", origin: "",
			wantHeaders: map[string]string{"Vary": "Origin"}},
		{name: "existing headers keep their values", origin: allowed, wantOK: true,
			resp: events.APIGatewayProxyResponse{Headers: map[string]string{"vary": "Accept-Encoding", "Content-Type": "application/json"},
				MultiValueHeaders: map[string][]string{"access-control-expose-headers": {"x-a", "front-token"}}},
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": allowed, "Access-Control-Allow-Credentials": "true",
				"vary": "Accept-Encoding, Origin", "Content-Type": "application/json"},
			wantMulti: map[string][]string{"access-control-expose-headers": {"x-a, front-token, anti-csrf, st-access-token, st-refresh-token"}}},
		{name: "Allow-Origin replaced", origin: allowed, wantOK: true,
			resp: events.APIGatewayProxyResponse{Headers: map[string]string{"Access-Control-Allow-Origin": "*"}},
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": allowed, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": sessionhttp.ExposeHeaders, "Vary": "Origin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.resp
			if ok := cors.ApplyV1(&resp, tc.origin); ok != tc.wantOK {
				t.Fatalf("allowed = %v", ok)
			}
			if !reflect.DeepEqual(resp.Headers, tc.wantHeaders) {
				t.Fatalf("headers %v\nwant    %v", resp.Headers, tc.wantHeaders)
			}
			if len(resp.MultiValueHeaders) != 0 || len(tc.wantMulti) != 0 {
				if !reflect.DeepEqual(resp.MultiValueHeaders, tc.wantMulti) {
					t.Fatalf("multiValueHeaders %v\nwant              %v", resp.MultiValueHeaders, tc.wantMulti)
				}
			}
		})
	}
	var zero backend.CORS
	resp := events.APIGatewayProxyResponse{}
	if zero.ApplyV1(&resp, allowed) || resp.Headers["Access-Control-Allow-Origin"] != "" {
		t.Fatalf("the zero CORS allows no origin: %v", resp.Headers)
	}
}

func TestCORSApplyV2(t *testing.T) {
	resp := events.APIGatewayV2HTTPResponse{Headers: map[string]string{"access-control-expose-headers": "front-token"}}
	if !cors.ApplyV2(&resp, allowed) {
		t.Fatal("origin not allowed")
	}
	want := map[string]string{"Access-Control-Allow-Origin": allowed, "Access-Control-Allow-Credentials": "true",
		"access-control-expose-headers": "front-token, anti-csrf, st-access-token, st-refresh-token", "Vary": "Origin"}
	if !reflect.DeepEqual(resp.Headers, want) {
		t.Fatalf("headers %v", resp.Headers)
	}
	resp = events.APIGatewayV2HTTPResponse{}
	if cors.ApplyV2(&resp, "null") || !reflect.DeepEqual(resp.Headers, map[string]string{"Vary": "Origin"}) {
		t.Fatalf("foreign origin: %v", resp.Headers)
	}
}

func TestOrigin(t *testing.T) {
	for name, tc := range map[string]struct {
		req  events.APIGatewayProxyRequest
		want string
	}{
		"multiValueHeaders, lower case": {events.APIGatewayProxyRequest{MultiValueHeaders: map[string][]string{"origin": {allowed}},
			Headers: map[string]string{"origin": "https://other.example"}}, allowed},
		"headers only": {events.APIGatewayProxyRequest{Headers: map[string]string{"Origin": allowed}}, allowed},
		"two values":   {events.APIGatewayProxyRequest{MultiValueHeaders: map[string][]string{"Origin": {allowed}, "origin": {allowed}}}, ""},
		"none":         {events.APIGatewayProxyRequest{Headers: map[string]string{"Host": "x"}}, ""},
	} {
		if got := backend.OriginV1(tc.req); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
	if got := backend.OriginV2(events.APIGatewayV2HTTPRequest{Headers: map[string]string{"origin": allowed}}); got != allowed {
		t.Errorf("v2: %q", got)
	}
	if got := backend.OriginV2(events.APIGatewayV2HTTPRequest{Headers: map[string]string{"origin": allowed + "," + allowed}}); got != "" {
		t.Errorf("v2 joined: %q", got)
	}
}

// Wrapped outermost, CORS reaches every answer: the handler's, with the
// rotated cookie passed through, and the 401 of a request without identity.
func TestCORSWrap(t *testing.T) {
	ok := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "{}"}, nil
	}
	h := cors.WrapV1(backend.WrapV1(ok))
	origin := map[string][]string{"origin": {allowed}}
	resp, err := h(context.Background(), events.APIGatewayProxyRequest{MultiValueHeaders: origin,
		RequestContext: events.APIGatewayProxyRequestContext{Authorizer: v1Context()}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Headers["Access-Control-Allow-Origin"] != allowed ||
		len(resp.MultiValueHeaders["Set-Cookie"]) != 1 ||
		!reflect.DeepEqual(resp.MultiValueHeaders["Access-Control-Expose-Headers"], []string{sessionhttp.ExposeHeaders}) {
		t.Fatalf("%d headers %v multi %v", resp.StatusCode, resp.Headers, resp.MultiValueHeaders)
	}
	resp, err = h(context.Background(), events.APIGatewayProxyRequest{MultiValueHeaders: origin})
	if err != nil || resp.StatusCode != 401 || resp.Headers["Access-Control-Allow-Origin"] != allowed {
		t.Fatalf("401 without CORS: %d %v %v", resp.StatusCode, resp.Headers, err)
	}

	h2 := cors.WrapV2(backend.WrapV2(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	}))
	lambdaCtx := v1Context()
	delete(lambdaCtx, "principalId")
	resp2, err := h2(context.Background(), events.APIGatewayV2HTTPRequest{Headers: map[string]string{"origin": allowed},
		RequestContext: events.APIGatewayV2HTTPRequestContext{Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambdaCtx}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp2.Headers["Access-Control-Allow-Origin"] != allowed || resp2.Headers["Access-Control-Expose-Headers"] != sessionhttp.ExposeHeaders ||
		len(resp2.Cookies) != 1 || strings.Count(resp2.Headers["Access-Control-Expose-Headers"], "front-token") != 1 {
		t.Fatalf("v2: %v %q", resp2.Headers, resp2.Cookies)
	}
	resp2, _ = h2(context.Background(), events.APIGatewayV2HTTPRequest{Headers: map[string]string{"origin": "https://evil.example"}})
	if resp2.StatusCode != 401 || resp2.Headers["Access-Control-Allow-Origin"] != "" || resp2.Headers["Vary"] != "Origin" {
		t.Fatalf("v2 foreign 401: %d %v", resp2.StatusCode, resp2.Headers)
	}
}
