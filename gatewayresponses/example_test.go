package gatewayresponses_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/sessiongate/sessiongate/gatewayresponses"
)

// Load the deployed definition and evaluate what API Gateway sends after
// the authorizer threw "Unauthorized" (no context), and which headers an
// HTTP backend receives when a client forges x-user-id.
func ExampleLoad() {
	doc, err := gatewayresponses.RenderOpenAPI(gatewayresponses.Options{}) // = deploy/openapi.json
	if err != nil {
		panic(err)
	}
	api, err := gatewayresponses.Load(doc, gatewayresponses.LocalVars("https://app.example.com", "http://127.0.0.1:9000"))
	if err != nil {
		panic(err)
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
