package gatewayresponses_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

func TestOptionsValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		opts gr.Options
		want string // substring of the error; "" = valid
	}{
		{"zero value", gr.Options{}, ""},
		{"literal origin", gr.Options{AllowedOrigin: "https://app.example.com:8443", BackendURL: "http://127.0.0.1:9000"}, ""},
		{"wildcard origin", gr.Options{AllowedOrigin: "*"}, "AllowedOrigin"},
		{"origin with path", gr.Options{AllowedOrigin: "https://app.example.com/x"}, "AllowedOrigin"},
		{"origin with quote", gr.Options{AllowedOrigin: "https://a'b.example"}, "AllowedOrigin"},
		{"backend trailing slash", gr.Options{BackendURL: "http://127.0.0.1:9000/"}, "BackendURL"},
		{"backend scheme", gr.Options{BackendURL: "ftp://x"}, "BackendURL"},
		{"base path", gr.Options{APIBasePath: "auth/"}, "APIBasePath"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.opts.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, gr.ErrInvalidOptions) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrInvalidOptions about %s", err, c.want)
			}
			if _, err := gr.RenderOpenAPI(c.opts); !errors.Is(err, gr.ErrInvalidOptions) {
				t.Fatalf("RenderOpenAPI accepted invalid options: %v", err)
			}
		})
	}
}

func TestDemoSigninOnlyWhenAsked(t *testing.T) {
	doc, err := gr.RenderOpenAPI(gr.Options{IncludeDemoSignin: true})
	if err != nil {
		t.Fatal(err)
	}
	api, err := gr.Load(doc, gr.LocalVars("http://localhost:8080", "http://127.0.0.1:9000"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := api.Match("POST", "/auth/demo/signin")
	if err != nil {
		t.Fatal(err)
	}
	if fn, _ := r.LambdaFunction(); fn != gr.FunctionSessionAPI || r.Authorized {
		t.Fatalf("demo sign-in route: %s authorized=%v", fn, r.Authorized)
	}
}

// mutate loads deploy/openapi.json as generic JSON, applies f, and Loads it.
func mutate(t *testing.T, f func(doc map[string]any)) error {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "deploy", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	out, _ := json.Marshal(doc)
	_, err = gr.Load(out, gr.LocalVars(testOrigin, testBackend))
	return err
}

func path(doc map[string]any, keys ...string) map[string]any {
	cur := doc
	for _, k := range keys {
		cur = cur[k].(map[string]any)
	}
	return cur
}

func TestLoadRefuses(t *testing.T) {
	authz := func(doc map[string]any) map[string]any {
		return path(doc, "components", "securitySchemes", gr.AuthorizerName, "x-amazon-apigateway-authorizer")
	}
	meInt := func(doc map[string]any) map[string]any {
		return path(doc, "paths", "/api/me", "get", "x-amazon-apigateway-integration")
	}
	for _, c := range []struct {
		name string
		f    func(map[string]any)
		want error
		msg  string
	}{
		{"authorizer caching left at its default", func(d map[string]any) { delete(authz(d), "authorizerResultTtlInSeconds") }, gr.ErrInvalidDefinition, "authorizerResultTtlInSeconds"},
		{"authorizer caching on", func(d map[string]any) { authz(d)["authorizerResultTtlInSeconds"] = 300 }, gr.ErrInvalidDefinition, "authorizerResultTtlInSeconds"},
		{"identity source", func(d map[string]any) { authz(d)["identitySource"] = "method.request.header.Cookie" }, gr.ErrInvalidDefinition, "identitySource"},
		{"misspelled response type", func(d map[string]any) {
			g := d["x-amazon-apigateway-gateway-responses"].(map[string]any)
			g["UNAUTHORISED"] = g["UNAUTHORIZED"]
		}, gr.ErrUnknownResponseType, "UNAUTHORISED"},
		{"VTL in a gateway response", func(d map[string]any) {
			path(d, "x-amazon-apigateway-gateway-responses", "UNAUTHORIZED", "responseTemplates")["application/json"] = "#if(1)x#end"
		}, gr.ErrUnsupported, "VTL"},
		{"stage variable source", func(d map[string]any) {
			meInt(d)["requestParameters"].(map[string]any)["integration.request.header.x-user-id"] = "stageVariables.user"
		}, gr.ErrUnsupported, "stageVariables"},
		{"mapping on a Lambda proxy", func(d map[string]any) {
			path(d, "paths", "/api/lambda-me", "get", "x-amazon-apigateway-integration")["requestParameters"] = map[string]any{"integration.request.header.x-user-id": "context.authorizer.principalId"}
		}, gr.ErrInvalidDefinition, "AWS_PROXY ignores"},
		{"unknown variable", func(d map[string]any) {
			meInt(d)["uri"] = map[string]any{"Fn::Sub": "${Nope}/api/me"}
		}, gr.ErrInvalidDefinition, "${Nope}"},
		{"unknown scheme", func(d map[string]any) {
			path(d, "paths", "/api/me", "get")["security"] = []any{map[string]any{"cognito": []any{}}}
		}, gr.ErrUnsupported, "cognito"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := mutate(t, c.f)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("got %v, want %v mentioning %q", err, c.want, c.msg)
			}
		})
	}
}

func TestHTTPAPIVariant(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "deploy", "httpapi-openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	a := path(doc, "components", "securitySchemes", gr.AuthorizerName, "x-amazon-apigateway-authorizer")
	if a["authorizerPayloadFormatVersion"] != "2.0" || a["enableSimpleResponses"] != true ||
		a["authorizerResultTtlInSeconds"] != float64(0) || a["identitySource"] != nil {
		t.Errorf("authorizer %v", a)
	}
	me := path(doc, "paths", "/api/me", "get", "x-amazon-apigateway-integration")
	rp := me["requestParameters"].(map[string]any)
	if rp["overwrite:header.x-user-id"] != "$context.authorizer.userId" || rp["append:header.x-user-id"] != nil {
		t.Errorf("/api/me request parameters %v", rp)
	}
	resp := path(me, "responseParameters", "200")
	if resp["overwrite:header.Set-Cookie"] != "$context.authorizer.setCookie" {
		t.Errorf("/api/me response parameters %v", resp)
	}
	if _, ok := path(doc, "paths", "/api/me")["options"]; ok {
		t.Error("HTTP API preflights come from the CORS configuration, not routes")
	}
	cors := doc["x-amazon-apigateway-cors"].(map[string]any)
	if cors["allowCredentials"] != true {
		t.Errorf("cors %v", cors)
	}
	if _, err := gr.Load(data, gr.LocalVars(testOrigin, testBackend)); !errors.Is(err, gr.ErrUnsupported) {
		t.Errorf("Load of the HTTP API variant: %v", err)
	}
}
