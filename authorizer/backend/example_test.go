package backend_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/sessiongate/sessiongate/authorizer/backend"
)

// A REST (v1) Lambda proxy backend behind the authorizer. In a main:
// lambda.Start(backend.WrapV1(me)).
func ExampleWrapV1() {
	me := func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		id, _ := backend.FromContext(ctx)
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: fmt.Sprintf(`{"user":%q}`, id.UserID)}, nil
	}
	h := backend.WrapV1(me)

	// What API Gateway passes after the authorizer rotated the access token.
	req := events.APIGatewayProxyRequest{RequestContext: events.APIGatewayProxyRequestContext{
		Authorizer: map[string]any{"principalId": "user-1", "userId": "user-1", "sessionId": "3f2a",
			"roles": "viewer", "claims": "{}", "setCookie": "__Host-sAccessToken=v2; Path=/; HttpOnly; Secure; SameSite=Lax",
			"frontToken": "eyJ1aWQiOiJ1c2VyLTEifQ=="}}}
	resp, _ := h(context.Background(), req)
	fmt.Println(resp.StatusCode, resp.Body)
	fmt.Println(resp.MultiValueHeaders["Set-Cookie"])
	fmt.Println(resp.MultiValueHeaders["front-token"])
	// Output:
	// 200 {"user":"user-1"}
	// [__Host-sAccessToken=v2; Path=/; HttpOnly; Secure; SameSite=Lax]
	// [eyJ1aWQiOiJ1c2VyLTEifQ==]
}

// A Lambda proxy backend that browsers on another origin call: CORS wraps
// outermost, so even the 401 of a request without identity is readable.
// In a main, Origins come from ALLOWED_ORIGINS (session.ParseAllowedOrigins).
func ExampleCORS_WrapV1() {
	ok := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "{}"}, nil
	}
	cors := backend.CORS{Origins: []string{"https://app.example.com"}}
	h := cors.WrapV1(backend.WrapV1(ok))

	for _, origin := range []string{"https://app.example.com", "https://evil.example"} {
		resp, _ := h(context.Background(), events.APIGatewayProxyRequest{Headers: map[string]string{"Origin": origin}})
		fmt.Println(resp.StatusCode, resp.Headers["Access-Control-Allow-Origin"], resp.Headers["Access-Control-Allow-Credentials"], resp.Headers["Vary"])
	}
	// Output:
	// 401 https://app.example.com true Origin
	// 401   Origin
}
