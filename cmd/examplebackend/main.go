// Command examplebackend is a tiny Lambda proxy backend behind the
// sessiongate authorizer, for REST APIs (payload 1.0) and HTTP APIs (payload
// 2.0) alike. GET /api/lambda-me answers the identity it read from
// requestContext.authorizer as JSON, and passes the authorizer's setCookie
// and frontToken through to the browser (package authorizer/backend), which
// a proxy integration cannot do with mappings. Any other route is 404.
//
// Every answer, the 401 of a request without identity included, carries the
// CORS headers for the request's Origin when it is one of ALLOWED_ORIGINS
// (backend.CORS): API Gateway adds none to a proxy integration's response.
// ALLOWED_ORIGINS is its only configuration (default none: no cross-origin
// access); an invalid value exits at start-up with every problem listed. It
// talks to no store.
//
// The route is matched on the API's own path — "resource" (REST) or the
// route key (HTTP API) with path parameters filled in, as package
// lambdaproxy splits it — so a stage or a custom domain's base-path mapping
// in front of it changes nothing.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sessiongate/sessiongate/authorizer/backend"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessionhttp/lambdaproxy"
)

func main() {
	h, err := newHandler(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "examplebackend:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// newHandler reads ALLOWED_ORIGINS through lookup and returns the Lambda
// handler.
func newHandler(lookup func(string) (string, bool)) (handler, error) {
	v, _ := lookup("ALLOWED_ORIGINS")
	origins, err := session.ParseAllowedOrigins(v)
	if err != nil {
		return handler{}, err
	}
	cors := backend.CORS{Origins: origins}
	return handler{v1: cors.WrapV1(backend.WrapV1(v1)), v2: cors.WrapV2(backend.WrapV2(v2))}, nil
}

// me is what GET /api/lambda-me answers.
type me struct {
	UserID    string          `json:"userId"`
	SessionID string          `json:"sessionId"`
	Roles     []string        `json:"roles"`
	Claims    json.RawMessage `json:"claims,omitempty"`
	Rotated   bool            `json:"rotated"`
}

func answer(method, path string, id backend.Identity) (int, string) {
	if path != "/api/lambda-me" {
		return 404, `{"message":"not found"}`
	}
	if method != "GET" {
		return 405, `{"message":"method not allowed"}`
	}
	roles := id.Roles
	if roles == nil {
		roles = []string{}
	}
	b, _ := json.Marshal(me{UserID: id.UserID, SessionID: id.SessionID, Roles: roles, Claims: id.Claims,
		Rotated: id.SetCookie != ""})
	return 200, string(b)
}

var jsonHeaders = map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}

func v1(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	id, _ := backend.FromContext(ctx)
	_, path, _ := lambdaproxy.SplitPathV1(req)
	status, body := answer(req.HTTPMethod, path, id)
	return events.APIGatewayProxyResponse{StatusCode: status, Body: body, Headers: clone(jsonHeaders)}, nil
}

func v2(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	id, _ := backend.FromContext(ctx)
	_, path, _ := lambdaproxy.SplitPathV2(req)
	status, body := answer(req.RequestContext.HTTP.Method, path, id)
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: body, Headers: clone(jsonHeaders)}, nil
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// handler detects the payload (HTTP API 2.0 events carry "version":"2.0")
// and runs the matching middleware chain: CORS outermost, then identity.
type handler struct {
	v1 backend.HandlerV1
	v2 backend.HandlerV2
}

func (h handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var probe struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		return nil, fmt.Errorf("examplebackend: event is not a JSON object: %w", err)
	}
	if probe.Version == "2.0" {
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, fmt.Errorf("examplebackend: malformed 2.0 event: %w", err)
		}
		resp, err := h.v2(ctx, req)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	}
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, fmt.Errorf("examplebackend: malformed 1.0 event: %w", err)
	}
	resp, err := h.v1(ctx, req)
	if err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}
