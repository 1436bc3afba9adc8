package gatewayresponses_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/sessiongate/sessiongate/deploy"
	"github.com/sessiongate/sessiongate/gatewayresponses"
)

// A team's own API, annotated: one public route, one route for any
// session, one for editors and admins with a pro plan, and one behind an
// HTTP_PROXY backend. Render derives the definitions and says what it did.
func ExampleParseSource() {
	doc := []byte(`
openapi: 3.0.1
info: {title: notes, version: "1.0"}
x-sessiongate: {session: required}   # the default (also without this line)
paths:
  /health:
    get:
      x-sessiongate: {session: none}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
  /notes:
    get:
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "${NotesUrl}/notes"}
  /notes/{id}:
    put:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      x-sessiongate:
        roles: [editor, admin]
        claims: {plan: [pro]}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: PUT
        uri: "${NotesUrl}/notes/{id}"
        requestParameters: {integration.request.path.id: method.request.path.id}
`)
	src, err := gatewayresponses.ParseSource(doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := src.Render(gatewayresponses.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, route := range r.Routes {
		authz := string(route.Authorizer)
		if authz == "" {
			authz = "-"
		}
		fmt.Printf("%-6s %-29s %-10s %-7s %s\n", route.Method, route.Path, route.Integration, authz, route.Protection)
	}
	for _, w := range r.Warnings {
		fmt.Println("warning:", w)
	}
	fmt.Println("not in the HTTP API variant:", r.NoHTTPAPI)
	fmt.Print(string(r.Files[gatewayresponses.FileRules]))
	// Output:
	// GET    /health                       MOCK       -       public
	// GET    /notes                        HTTP       request session
	// PUT    /notes/{id}                   HTTP_PROXY request session, any role of editor, admin, claim plan one of pro
	// POST   /auth/session/refresh         AWS_PROXY  -       session API
	// POST   /auth/signout                 AWS_PROXY  -       session API
	// GET    /auth/sessions                AWS_PROXY  -       session API
	// DELETE /auth/sessions/{id}           AWS_PROXY  -       session API
	// POST   /auth/sessions/revoke-others  AWS_PROXY  -       session API
	// warning: PUT /notes/{id} (HTTP_PROXY): API Gateway cannot map a rotated cookie onto a proxied response; the backend must echo request header x-sessiongate-set-cookie as Set-Cookie, x-sessiongate-front-token as front-token and x-sessiongate-access-token as st-access-token
	// not in the HTTP API variant: [GET /health (MOCK)]
	// [
	//   {"method":"PUT","path":"/notes/*","anyRoles":["editor","admin"],"claims":{"plan":["pro"]}}
	// ]
}

// Load the deployed definition and evaluate what API Gateway sends after
// the authorizer threw "Unauthorized" (no context), and which headers an
// HTTP backend receives when a client forges x-user-id.
func ExampleLoad() {
	api, err := gatewayresponses.Load(deploy.OpenAPI, gatewayresponses.LocalVars("https://app.example.com", "http://127.0.0.1:9000"))
	if err != nil {
		fmt.Println(err)
		return
	}
	r, _ := api.EvaluateGatewayResponse(gatewayresponses.Unauthorized, nil, nil)
	fmt.Println(r.Status, string(r.Body), r.Header.Get("Access-Control-Allow-Origin"), len(r.Header.Values("Set-Cookie")))

	route, _ := api.Match("GET", "/api/me")
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("X-User-Id", "forged")
	h, _ := route.BackendRequestHeader(req, map[string]string{gatewayresponses.PrincipalIDKey: "user-1"})
	fmt.Println(route.Type, route.URI, h.Get("X-User-Id"))
	// Output:
	// 401 {"message":"Unauthorized"} https://app.example.com 0
	// HTTP http://127.0.0.1:9000/api/me user-1
}
