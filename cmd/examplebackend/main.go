// Command examplebackend is a tiny Lambda proxy backend behind the
// sessiongate authorizer, for REST APIs (payload 1.0) and HTTP APIs (payload
// 2.0) alike. GET /api/lambda-me answers the identity it read from
// requestContext.authorizer as JSON, and passes the authorizer's setCookie
// and frontToken through to the browser (package authorizer/backend), which
// a proxy integration cannot do with mappings. Any other route is 404.
//
// It needs no configuration and talks to no store.
package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/sessiongate/sessiongate/authorizer/backend"
)

func main() { lambda.Start(handler{}) }

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
	status, body := answer(req.HTTPMethod, req.Path, id)
	return events.APIGatewayProxyResponse{StatusCode: status, Body: body, Headers: clone(jsonHeaders)}, nil
}

func v2(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	id, _ := backend.FromContext(ctx)
	path := req.RawPath
	if st := req.RequestContext.Stage; st != "" && st != "$default" {
		if rest, ok := cutStage(path, st); ok {
			path = rest
		}
	}
	status, body := answer(req.RequestContext.HTTP.Method, path, id)
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: body, Headers: clone(jsonHeaders)}, nil
}

func cutStage(path, stage string) (string, bool) {
	p := "/" + stage
	if len(path) >= len(p) && path[:len(p)] == p && (len(path) == len(p) || path[len(p)] == '/') {
		return path[len(p):], true
	}
	return path, false
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// handler detects the payload (HTTP API 2.0 events carry "version":"2.0")
// and runs the matching middleware.
type handler struct{}

var (
	wrappedV1 = backend.WrapV1(v1)
	wrappedV2 = backend.WrapV2(v2)
)

func (handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
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
		resp, err := wrappedV2(ctx, req)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	}
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, fmt.Errorf("examplebackend: malformed 1.0 event: %w", err)
	}
	resp, err := wrappedV1(ctx, req)
	if err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}
