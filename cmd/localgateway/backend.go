package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/authorizer/backend"
)

// lambdaMe is the example Lambda proxy backend of GET /api/lambda-me: it
// shows the identity the authorizer decided, read from
// requestContext.authorizer through authorizer/backend (never from a
// header, which a client could forge). backend.WrapV1 refuses a request
// without an identity and copies a rotated cookie and front-token into the
// response, since API Gateway maps no response headers for AWS_PROXY.
func lambdaMe(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	id, _ := backend.FromContext(ctx) // WrapV1 guarantees it
	claims := id.Claims
	if len(claims) == 0 {
		claims = json.RawMessage("null")
	}
	roles := id.Roles
	if roles == nil {
		roles = []string{}
	}
	body, err := json.Marshal(struct {
		UserID    string          `json:"userId"`
		SessionID string          `json:"sessionId"`
		Roles     []string        `json:"roles"`
		Claims    json.RawMessage `json:"claims"`
		Via       string          `json:"via"`
	}{id.UserID, id.SessionID, roles, claims, "lambda-proxy"})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(body),
		Headers: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}}, nil
}

// exampleBackend is lambdaMe as an in-process Lambda function, through
// aws-lambda-go's JSON round trip.
func exampleBackend() invoker {
	return lambdaFunc(backend.WrapV1(lambdaMe))
}
