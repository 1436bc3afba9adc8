package gatewayresponses_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/authorizer"
	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

var httpVars = gr.LocalVars("http://localhost:8080", "http://127.0.0.1:9000")

// TestLoadHTTPAPIDeployed loads the HTTP API variant that is deployed and
// checks what the local gateway relies on.
func TestLoadHTTPAPIDeployed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "deploy", "httpapi-openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	api, err := gr.LoadHTTPAPI(data, httpVars)
	if err != nil {
		t.Fatal(err)
	}
	if api.Authorizer != gr.FunctionAuthorizer {
		t.Errorf("authorizer %q", api.Authorizer)
	}
	if !api.CORS.AllowsOrigin("http://localhost:8080") || api.CORS.AllowsOrigin("https://evil.example") || !api.CORS.AllowCredentials {
		t.Errorf("CORS %+v", api.CORS)
	}
	me, err := api.Match("GET", "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	in := me.Route.Integration
	if !me.Route.Authorized || in.Type != gr.HTTPAPIHTTPProxy || in.URI != "http://127.0.0.1:9000/api/me" {
		t.Errorf("GET /api/me: %+v", me.Route)
	}
	want := map[string]string{
		authorizer.HeaderUserID:    "$context.authorizer." + authorizer.CtxUserID,
		authorizer.HeaderUserRoles: "$context.authorizer." + authorizer.CtxRoles,
		authorizer.HeaderSessionID: "$context.authorizer." + authorizer.CtxSessionID,
	}
	for _, m := range in.RequestParameters {
		if want[m.Header] == m.Source && m.Action == gr.HTTPAPIOverwrite {
			delete(want, m.Header)
		}
	}
	if len(want) > 0 {
		t.Errorf("identity headers not overwritten from the context: %v", want)
	}
	ok200 := false
	for _, m := range in.ResponseParameters[200] {
		ok200 = ok200 || (m.Header == "set-cookie" && m.Action == gr.HTTPAPIOverwrite &&
			m.Source == "$context.authorizer."+authorizer.CtxSetCookie)
	}
	if !ok200 {
		t.Errorf("no Set-Cookie mapping on 200: %+v", in.ResponseParameters)
	}
	refresh, err := api.Match("POST", "/auth/session/refresh")
	if err != nil {
		t.Fatal(err)
	}
	if refresh.Route.Authorized || refresh.Route.Integration.Type != gr.HTTPAPILambdaProxy ||
		refresh.Route.Integration.Function != gr.FunctionSessionAPI || refresh.Route.Integration.PayloadFormatVersion != "2.0" {
		t.Errorf("refresh route: %+v", refresh.Route)
	}
	if _, err := api.Match("GET", "/nowhere"); !errors.Is(err, gr.ErrNoRoute) {
		t.Errorf("unknown path: %v", err)
	}
}

// baseDoc is a small valid HTTP API document; tests change one thing.
const baseDoc = `{
  "openapi": "3.0.1",
  "info": {"title": "t", "version": "1"},
  "components": {"securitySchemes": {"sg": {"type": "apiKey", "name": "Unused", "in": "header",
    "x-amazon-apigateway-authorizer": {"type": "request", "authorizerPayloadFormatVersion": "2.0",
      "enableSimpleResponses": true, "authorizerResultTtlInSeconds": 0,
      "authorizerUri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthorizerFunction.Arn}/invocations"}}}}},
  "paths": {
    "/items/{id}": {"get": {"security": [{"sg": []}], "x-amazon-apigateway-integration": {
      "type": "http_proxy", "httpMethod": "GET", "payloadFormatVersion": "1.0",
      "uri": {"Fn::Sub": "${EchoBackendUrl}/items/{id}"},
      "requestParameters": {"overwrite:header.x-user-id": "$context.authorizer.userId",
        "append:header.x-trace": "$request.header.x-request",
        "overwrite:header.x-item": "$request.path.id",
        "remove:header.x-drop": "",
        "overwrite:header.x-static": "fixed"},
      "responseParameters": {"200": {"overwrite:header.Set-Cookie": "$context.authorizer.setCookie"},
        "404": {"overwrite:header.Set-Cookie": "$context.authorizer.setCookie",
          "overwrite:header.x-backend": "$response.header.x-origin",
          "overwrite:statuscode": "410"}}}}},
    "/fn": {"post": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
      "payloadFormatVersion": "2.0", "uri": {"Fn::Sub": "${SessionApiFunction.Arn}"}}}}
  },
  "x-amazon-apigateway-cors": {"allowOrigins": [{"Fn::Sub": "${AllowedOrigin}"}], "allowCredentials": true,
    "allowHeaders": ["rid", "content-type"], "allowMethods": ["GET", "POST"], "exposeHeaders": ["front-token"], "maxAge": 600}
}`

func docWith(t *testing.T, change func(d map[string]any)) []byte {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(baseDoc), &d); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(d)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// at walks a path of object keys.
func at(d map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		d = d[k].(map[string]any)
	}
	return d
}

func itemsIntegration(d map[string]any) map[string]any {
	return at(d, "paths", "/items/{id}", "get", "x-amazon-apigateway-integration")
}

func authz(d map[string]any) map[string]any {
	return at(d, "components", "securitySchemes", "sg", "x-amazon-apigateway-authorizer")
}

func TestLoadHTTPAPIInline(t *testing.T) {
	api, err := gr.LoadHTTPAPI(docWith(t, nil), httpVars)
	if err != nil {
		t.Fatal(err)
	}
	if len(api.Routes) != 2 || api.Authorizer != gr.FunctionAuthorizer {
		t.Fatalf("routes %+v, authorizer %q", api.Routes, api.Authorizer)
	}
	items, fn := api.Routes[0], api.Routes[1]
	if fn.Key != "POST /fn" || fn.Integration.Function != gr.FunctionSessionAPI || fn.Authorized {
		t.Errorf("aws_proxy with a plain ${Name.Arn} uri: %+v", fn)
	}
	if items.Key != "GET /items/{id}" || !items.Authorized || items.Integration.Timeout != gr.DefaultHTTPAPITimeout {
		t.Errorf("items: %+v", items)
	}
	c := api.CORS
	if !reflect.DeepEqual(c.AllowOrigins, []string{"http://localhost:8080"}) || !c.HasMaxAge || c.MaxAge != 600 {
		t.Errorf("cors %+v", c)
	}
}

// An identity source on the bearer token's header (render's HTTP API
// variant of a TOKEN authorizer) loads, as a string or a list.
func TestLoadHTTPAPIIdentitySource(t *testing.T) {
	token := []string{"Authorization"}
	for _, c := range []struct {
		source any // nil: no identitySource key
		want   []string
	}{
		{"$request.header.Authorization", token},
		{[]any{"$request.header.authorization"}, token},
		{nil, nil},
		{"", nil},
		{[]any{}, nil},
	} {
		api, err := gr.LoadHTTPAPI(docWith(t, func(d map[string]any) {
			if c.source != nil {
				authz(d)["identitySource"] = c.source
			}
		}), httpVars)
		if err != nil {
			t.Fatalf("%v: %v", c.source, err)
		}
		if !reflect.DeepEqual(api.IdentityHeaders, c.want) {
			t.Errorf("%v: identity headers %v, want %v", c.source, api.IdentityHeaders, c.want)
		}
	}
}

// TestLoadHTTPAPIRefuses: every document the evaluator cannot run exactly
// is an error naming the place and the reason.
func TestLoadHTTPAPIRefuses(t *testing.T) {
	for _, c := range []struct {
		name     string
		change   func(d map[string]any)
		vars     map[string]string
		sentinel error
		want     string
	}{
		{"not JSON", nil, nil, gr.ErrInvalidDefinition, "invalid character"},
		{"OpenAPI 2", func(d map[string]any) { d["openapi"] = "2.0" }, nil, gr.ErrInvalidDefinition, "OpenAPI 3"},
		{"no paths", func(d map[string]any) { delete(d, "paths") }, nil, gr.ErrInvalidDefinition, "no paths"},
		{"missing var", nil, map[string]string{}, gr.ErrInvalidDefinition, "no value for ${AWS::Partition}"},
		{"gateway responses", func(d map[string]any) { d["x-amazon-apigateway-gateway-responses"] = map[string]any{} }, nil,
			gr.ErrInvalidDefinition, "no gateway responses"},
		{"unknown extension", func(d map[string]any) { d["x-amazon-apigateway-policy"] = map[string]any{} }, nil,
			gr.ErrUnsupported, "x-amazon-apigateway-policy"},
		{"document security", func(d map[string]any) { d["security"] = []any{} }, nil, gr.ErrUnsupported, "document-level security"},
		{"payload 1.0 authorizer", func(d map[string]any) { authz(d)["authorizerPayloadFormatVersion"] = "1.0" }, nil,
			gr.ErrUnsupported, "authorizerPayloadFormatVersion"},
		{"IAM responses", func(d map[string]any) { authz(d)["enableSimpleResponses"] = false }, nil, gr.ErrUnsupported, "enableSimpleResponses"},
		{"cached authorizer", func(d map[string]any) { authz(d)["authorizerResultTtlInSeconds"] = 300 }, nil,
			gr.ErrInvalidDefinition, "authorizerResultTtlInSeconds"},
		{"TTL unset", func(d map[string]any) { delete(authz(d), "authorizerResultTtlInSeconds") }, nil,
			gr.ErrInvalidDefinition, "authorizerResultTtlInSeconds"},
		{"identity source", func(d map[string]any) { authz(d)["identitySource"] = []any{"$request.header.cookie"} }, nil,
			gr.ErrInvalidDefinition, "identitySource"},
		{"identity source beside the token", func(d map[string]any) {
			authz(d)["identitySource"] = "$request.header.Authorization, $request.querystring.token"
		}, nil, gr.ErrInvalidDefinition, `identitySource "$request.querystring.token"`},
		{"identity source not a string", func(d map[string]any) { authz(d)["identitySource"] = []any{1} }, nil,
			gr.ErrInvalidDefinition, "identitySource holds a float64"},
		{"JWT authorizer", func(d map[string]any) { authz(d)["type"] = "jwt" }, nil, gr.ErrUnsupported, `authorizer type "jwt"`},
		{"unknown authorizer key", func(d map[string]any) { authz(d)["jwtConfiguration"] = map[string]any{} }, nil,
			gr.ErrUnsupported, "jwtConfiguration"},
		{"authorizer not a function", func(d map[string]any) { authz(d)["authorizerUri"] = "arn:aws:lambda:x" }, nil,
			gr.ErrInvalidDefinition, "authorizerUri"},
		{"two authorizers", func(d map[string]any) {
			s := at(d, "components", "securitySchemes")
			s["other"] = s["sg"]
		}, nil, gr.ErrUnsupported, "more than one authorizer"},
		{"unknown scheme", func(d map[string]any) {
			at(d, "paths", "/items/{id}", "get")["security"] = []any{map[string]any{"nope": []any{}}}
		}, nil, gr.ErrUnsupported, `"nope"`},
		{"scopes", func(d map[string]any) {
			at(d, "paths", "/items/{id}", "get")["security"] = []any{map[string]any{"sg": []any{"read"}}}
		}, nil, gr.ErrUnsupported, "scopes"},
		{"no integration", func(d map[string]any) {
			delete(at(d, "paths", "/items/{id}", "get"), "x-amazon-apigateway-integration")
		}, nil,
			gr.ErrInvalidDefinition, "GET /items/{id}: gatewayresponses: invalid definition: no x-amazon-apigateway-integration"},
		{"mock", func(d map[string]any) { itemsIntegration(d)["type"] = "mock" }, nil, gr.ErrUnsupported, `integration type "mock"`},
		{"service integration", func(d map[string]any) { itemsIntegration(d)["integrationSubtype"] = "SQS-SendMessage" }, nil,
			gr.ErrUnsupported, "integrationSubtype"},
		{"VPC link", func(d map[string]any) { itemsIntegration(d)["connectionType"] = "VPC_LINK" }, nil, gr.ErrUnsupported, "private"},
		{"timeout", func(d map[string]any) { itemsIntegration(d)["timeoutInMillis"] = 60000 }, nil, gr.ErrInvalidDefinition, "timeoutInMillis"},
		{"http_proxy payload 2.0", func(d map[string]any) { itemsIntegration(d)["payloadFormatVersion"] = "2.0" }, nil,
			gr.ErrInvalidDefinition, "payloadFormatVersion"},
		{"uri variable not a parameter", func(d map[string]any) { itemsIntegration(d)["uri"] = "http://b/{other}" }, nil,
			gr.ErrInvalidDefinition, "{other}"},
		{"uri not http", func(d map[string]any) { itemsIntegration(d)["uri"] = "ftp://b/x" }, nil, gr.ErrInvalidDefinition, "http(s) URL"},
		{"lambda payload 1.0", func(d map[string]any) {
			at(d, "paths", "/fn", "post", "x-amazon-apigateway-integration")["payloadFormatVersion"] = "1.0"
		}, nil, gr.ErrUnsupported, "payload 2.0 only"},
		{"mapping on aws_proxy", func(d map[string]any) {
			at(d, "paths", "/fn", "post", "x-amazon-apigateway-integration")["responseParameters"] = map[string]any{}
		}, nil, gr.ErrUnsupported, "responseParameters on aws_proxy"},
		{"querystring mapping", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:querystring.a": "b"}
		}, nil, gr.ErrUnsupported, "mapping key"},
		{"path mapping", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:path": "/x"}
		}, nil, gr.ErrUnsupported, "mapping key"},
		{"unknown action", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"set:header.a": "b"}
		}, nil, gr.ErrUnsupported, `action "set"`},
		{"reserved header", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.X-Forwarded-For": "b"}
		}, nil, gr.ErrInvalidDefinition, "reserved"},
		{"two mappings of a header", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.x-a": "1", "append:header.X-A": "2"}
		}, nil, gr.ErrUnsupported, "second mapping"},
		{"append Set-Cookie", func(d map[string]any) {
			itemsIntegration(d)["responseParameters"] = map[string]any{"200": map[string]any{"append:header.set-cookie": "$context.authorizer.setCookie"}}
		}, nil, gr.ErrUnsupported, "append to Set-Cookie"},
		{"response Set-Cookie source", func(d map[string]any) {
			itemsIntegration(d)["responseParameters"] = map[string]any{"200": map[string]any{"overwrite:header.x-c": "$response.header.Set-Cookie"}}
		}, nil, gr.ErrUnsupported, "comma-join"},
		{"mixed text and variable", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.x-a": "id=$context.authorizer.userId"}
		}, nil, gr.ErrUnsupported, "mapping value"},
		{"two variables", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.x-a": "$context.authorizer.a$context.authorizer.b"}
		}, nil, gr.ErrUnsupported, "mapping value"},
		{"braced variable", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.x-a": "${context.authorizer.userId}"}
		}, nil, gr.ErrUnsupported, "mapping value"},
		{"other context variable", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.x-a": "$context.requestId"}
		}, nil, gr.ErrUnsupported, "mapping value"},
		{"body source", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.x-a": "$request.body.name"}
		}, nil, gr.ErrUnsupported, "mapping value"},
		{"response header in a request mapping", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.x-a": "$response.header.x"}
		}, nil, gr.ErrUnsupported, "$response.header cannot be read here"},
		{"request header in a response mapping", func(d map[string]any) {
			itemsIntegration(d)["responseParameters"] = map[string]any{"200": map[string]any{"overwrite:header.x-a": "$request.header.x"}}
		}, nil, gr.ErrUnsupported, "$request.header cannot be read here"},
		{"unknown path parameter", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.x-a": "$request.path.nope"}
		}, nil, gr.ErrInvalidDefinition, "$request.path.nope"},
		{"line break", func(d map[string]any) {
			itemsIntegration(d)["requestParameters"] = map[string]any{"overwrite:header.x-a": "a\r\nb: c"}
		}, nil, gr.ErrInvalidDefinition, "line break"},
		{"status key", func(d map[string]any) {
			itemsIntegration(d)["responseParameters"] = map[string]any{"2XX": map[string]any{}}
		}, nil, gr.ErrInvalidDefinition, "status code from 200 to 599"},
		{"status from a variable", func(d map[string]any) {
			itemsIntegration(d)["responseParameters"] = map[string]any{"200": map[string]any{"overwrite:statuscode": "$response.header.x"}}
		}, nil, gr.ErrUnsupported, "literal status code"},
		{"greedy not last", func(d map[string]any) {
			at(d, "paths")["/a/{p+}/b"] = at(d, "paths", "/items/{id}")
		}, nil, gr.ErrInvalidDefinition, "greedy"},
		{"bad path", func(d map[string]any) { at(d, "paths")["a{b"] = map[string]any{} }, nil, gr.ErrInvalidDefinition, "must start with /"},
		{"$default with a method", func(d map[string]any) {
			at(d, "paths")["/$default"] = map[string]any{"get": at(d, "paths", "/items/{id}", "get")}
		}, nil, gr.ErrInvalidDefinition, "$default route must be"},
		{"CORS wildcard with credentials", func(d map[string]any) {
			at(d, "x-amazon-apigateway-cors")["allowOrigins"] = []any{"*"}
		}, nil, gr.ErrInvalidDefinition, `"*"`},
		{"CORS wildcard origin pattern", func(d map[string]any) {
			at(d, "x-amazon-apigateway-cors")["allowOrigins"] = []any{"https://*.example.com"}
		}, nil, gr.ErrUnsupported, "wildcard"},
		{"CORS wildcard headers", func(d map[string]any) {
			at(d, "x-amazon-apigateway-cors")["allowHeaders"] = []any{"*"}
		}, nil, gr.ErrUnsupported, "allowHeaders"},
		{"CORS unknown key", func(d map[string]any) {
			at(d, "x-amazon-apigateway-cors")["allowOrigin"] = "x"
		}, nil, gr.ErrUnsupported, `"allowOrigin"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := []byte("{nope")
			if c.name != "not JSON" {
				data = docWith(t, c.change)
			}
			vars := c.vars
			if vars == nil {
				vars = httpVars
			}
			api, err := gr.LoadHTTPAPI(data, vars)
			if err == nil {
				t.Fatalf("accepted: %+v", api)
			}
			if !errors.Is(err, c.sentinel) || !errors.Is(err, gr.ErrInvalidDefinition) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant %v and %q", err, c.sentinel, c.want)
			}
		})
	}
}

func TestHTTPAPIMatch(t *testing.T) {
	op := map[string]any{"x-amazon-apigateway-integration": map[string]any{
		"type": "http_proxy", "httpMethod": "ANY", "uri": "http://backend/x"}}
	paths := map[string]any{
		"/pets/dog/1":       map[string]any{"get": op},
		"/pets/dog/{id}":    map[string]any{"get": op, "x-amazon-apigateway-any-method": op},
		"/pets/{proxy+}":    map[string]any{"get": op},
		"/{proxy+}":         map[string]any{"x-amazon-apigateway-any-method": op},
		"/":                 map[string]any{"get": op},
		"/a/{x}/c":          map[string]any{"get": op},
		"/a/b/{y}":          map[string]any{"get": op},
		"/" + "$default":    map[string]any{"x-amazon-apigateway-any-method": op},
		"/only/{name}/tail": map[string]any{"post": op},
	}
	data, _ := json.Marshal(map[string]any{"openapi": "3.0.1", "paths": paths})
	api, err := gr.LoadHTTPAPI(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path, key string
		params            map[string]string
	}{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"POST", "/pets/dog/2", "ANY /pets/dog/{id}", map[string]string{"id": "2"}},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"POST", "/pets/cat/1", "ANY /{proxy+}", map[string]string{"proxy": "pets/cat/1"}},
		{"GET", "/", "GET /", nil},
		{"POST", "/", "$default", nil},
		{"GET", "/a/b/c", "GET /a/b/{y}", map[string]string{"y": "c"}},
		{"GET", "/pets/dog/", "GET /pets/{proxy+}", map[string]string{"proxy": "dog/"}},
		{"POST", "/only/x/tail", "POST /only/{name}/tail", map[string]string{"name": "x"}},
		{"POST", "/only//tail", "ANY /{proxy+}", map[string]string{"proxy": "only//tail"}},
		{"GET", "/Pets/dog/1", "ANY /{proxy+}", map[string]string{"proxy": "Pets/dog/1"}},
	} {
		m, err := api.Match(c.method, c.path)
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
			continue
		}
		if m.Route.Key != c.key || !reflect.DeepEqual(m.PathParameters, c.params) {
			t.Errorf("%s %s: got %s %v, want %s %v", c.method, c.path, m.Route.Key, m.PathParameters, c.key, c.params)
		}
	}

	// Without $default and a catch-all, an unknown route is ErrNoRoute.
	delete(paths, "/$default")
	delete(paths, "/{proxy+}")
	data, _ = json.Marshal(map[string]any{"openapi": "3.0.1", "paths": paths})
	if api, err = gr.LoadHTTPAPI(data, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/pets", "/nowhere", "/only/x/tail"} {
		if m, err := api.Match("GET", p); !errors.Is(err, gr.ErrNoRoute) {
			t.Errorf("GET %s: %v %+v", p, err, m)
		}
	}
}

func loadItems(t *testing.T) *gr.HTTPAPIIntegration {
	t.Helper()
	api, err := gr.LoadHTTPAPI(docWith(t, nil), httpVars)
	if err != nil {
		t.Fatal(err)
	}
	m, err := api.Match("GET", "/items/42")
	if err != nil {
		t.Fatal(err)
	}
	return &m.Route.Integration
}

func TestHTTPAPIMapRequestHeader(t *testing.T) {
	in := loadItems(t)
	client := http.Header{}
	client.Add("X-User-Id", "forged")
	client["x-user-id"] = []string{"forged-too"} // another spelling of the name
	client.Add("X-Trace", "t1")
	client.Add("X-Request", "r1")
	client.Add("X-Request", "r2")
	client.Add("X-Drop", "gone")
	client.Add("X-Item", "forged")
	v := gr.HTTPAPIValues{Request: client, PathParameters: map[string]string{"id": "42"},
		Authorizer: map[string]any{"userId": "alice"}}
	h := client.Clone()
	if err := in.MapRequestHeader(h, v); err != nil {
		t.Fatal(err)
	}
	want := http.Header{
		"X-User-Id": {"alice"},
		"X-Trace":   {"t1,r1,r2"},
		"X-Request": {"r1", "r2"},
		"X-Item":    {"42"},
		"X-Static":  {"fixed"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %v\nwant %v", h, want)
	}

	// An empty or absent source never leaves the client's copy, nor an
	// empty header; a value with a line break is never a header line.
	for name, ctx := range map[string]map[string]any{
		"empty":      {"userId": ""},
		"absent":     {},
		"line break": {"userId": "a\r\nX-Evil: 1"},
		"null":       {"userId": nil},
	} {
		h := http.Header{"X-User-Id": {"forged"}}
		if err := in.MapRequestHeader(h, gr.HTTPAPIValues{Request: h.Clone(), Authorizer: ctx}); err != nil {
			t.Fatal(err)
		}
		if _, ok := h["X-User-Id"]; ok {
			t.Errorf("%s: x-user-id %q reaches the backend", name, h["X-User-Id"])
		}
		if _, ok := h["X-Evil"]; ok {
			t.Errorf("%s: header injected", name)
		}
	}

	// Numbers and booleans read as written; objects are refused.
	h = http.Header{}
	if err := in.MapRequestHeader(h, gr.HTTPAPIValues{Authorizer: map[string]any{"userId": json.Number("12.50")}}); err != nil || h.Get("X-User-Id") != "12.50" {
		t.Errorf("number: %v %v", h, err)
	}
	err := in.MapRequestHeader(http.Header{}, gr.HTTPAPIValues{Authorizer: map[string]any{"userId": map[string]any{}}})
	if !errors.Is(err, gr.ErrUnsupported) {
		t.Errorf("object context value: %v", err)
	}
}

func TestHTTPAPIMapResponse(t *testing.T) {
	in := loadItems(t)
	const cookie = "sAccessToken=new; Path=/; HttpOnly; Secure; SameSite=Lax"
	for _, c := range []struct {
		name      string
		status    int
		setCookie string
		wantCode  int
		want      http.Header
	}{
		{"200 rotated", 200, cookie, 200, http.Header{"Set-Cookie": {cookie}, "X-Origin": {"o"}}},
		{"404 rotated, status overwritten", 404, cookie, 410,
			http.Header{"Set-Cookie": {cookie}, "X-Origin": {"o"}, "X-Backend": {"o"}}},
		// Overwrite with an empty value leaves no Set-Cookie at all, not
		// an empty line and not the backend's own cookie.
		{"200 not rotated", 200, "", 200, http.Header{"X-Origin": {"o"}}},
		// A status without mappings passes through unchanged.
		{"500 untouched", 500, cookie, 500, http.Header{"Set-Cookie": {"backend=1"}, "X-Origin": {"o"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{"Set-Cookie": {"backend=1"}, "X-Origin": {"o"}}
			v := gr.HTTPAPIValues{Response: h.Clone(), Authorizer: map[string]any{"setCookie": c.setCookie}}
			code, err := in.MapResponse(c.status, h, v)
			if err != nil {
				t.Fatal(err)
			}
			if code != c.wantCode || !reflect.DeepEqual(h, c.want) {
				t.Errorf("got %d %v\nwant %d %v", code, h, c.wantCode, c.want)
			}
		})
	}
}

func TestHTTPAPITargetURL(t *testing.T) {
	in := gr.HTTPAPIIntegration{Type: gr.HTTPAPIHTTPProxy, URI: "http://b:9/files/{proxy}?v=1"}
	got, err := in.TargetURL(map[string]string{"proxy": "a b/c?d"}, "x=1&y=2")
	if err != nil || got != "http://b:9/files/a%20b/c%3Fd?v=1&x=1&y=2" {
		t.Errorf("got %q %v", got, err)
	}
	if _, err := (&gr.HTTPAPIIntegration{Type: gr.HTTPAPILambdaProxy}).TargetURL(nil, ""); !errors.Is(err, gr.ErrUnsupported) {
		t.Errorf("aws_proxy: %v", err)
	}
}

func TestHTTPAPICORS(t *testing.T) {
	api, err := gr.LoadHTTPAPI(docWith(t, nil), httpVars)
	if err != nil {
		t.Fatal(err)
	}
	c := api.CORS
	pre := c.PreflightHeader("http://localhost:8080")
	want := http.Header{
		"Access-Control-Allow-Origin":      {"http://localhost:8080"},
		"Access-Control-Allow-Credentials": {"true"},
		"Access-Control-Allow-Methods":     {"GET,POST"},
		"Access-Control-Allow-Headers":     {"rid,content-type"},
		"Access-Control-Max-Age":           {"600"},
	}
	if !reflect.DeepEqual(pre, want) {
		t.Errorf("preflight: %v", pre)
	}
	if h := c.PreflightHeader("https://evil.example"); len(h) != 0 {
		t.Errorf("preflight for a foreign origin: %v", h)
	}

	h := http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Max-Age": {"1"}, "X-A": {"1"}}
	c.ApplyResponse(h, "http://localhost:8080")
	want = http.Header{"X-A": {"1"}, "Access-Control-Allow-Origin": {"http://localhost:8080"},
		"Access-Control-Allow-Credentials": {"true"}, "Access-Control-Expose-Headers": {"front-token"}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("response, allowed origin: %v", h)
	}
	h = http.Header{"Access-Control-Allow-Origin": {"*"}, "X-A": {"1"}}
	c.ApplyResponse(h, "https://evil.example")
	if !reflect.DeepEqual(h, http.Header{"X-A": {"1"}}) {
		t.Errorf("response, foreign origin: the backend's CORS headers survive: %v", h)
	}
	var none *gr.HTTPAPICORS
	h = http.Header{"Access-Control-Allow-Origin": {"*"}}
	none.ApplyResponse(h, "https://evil.example")
	if h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("no CORS configuration changed the response")
	}

	for _, r := range []struct {
		method string
		hdr    map[string]string
		want   bool
	}{
		{"OPTIONS", map[string]string{"Origin": "o", "Access-Control-Request-Method": "POST"}, true},
		{"OPTIONS", map[string]string{"Origin": "o"}, false},
		{"GET", map[string]string{"Origin": "o", "Access-Control-Request-Method": "POST"}, false},
	} {
		req, _ := http.NewRequest(r.method, "http://x/", nil)
		for k, v := range r.hdr {
			req.Header.Set(k, v)
		}
		if gr.IsPreflight(req) != r.want {
			t.Errorf("IsPreflight(%s %v) != %v", r.method, r.hdr, r.want)
		}
	}
}

// FuzzLoadHTTPAPI: no document makes LoadHTTPAPI panic, and an accepted
// one can be matched.
func FuzzLoadHTTPAPI(f *testing.F) {
	f.Add([]byte(baseDoc))
	if data, err := os.ReadFile(filepath.Join("..", "deploy", "httpapi-openapi.json")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"openapi":"3.0.1","paths":{"/{a+}":{"get":{"x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"GET","uri":"http://b/{a}"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		api, err := gr.LoadHTTPAPI(data, httpVars)
		if err != nil {
			return
		}
		for _, p := range []string{"/", "/a", "/a/b/c", "//", ""} {
			_, _ = api.Match("GET", p)
		}
	})
}

func ExampleLoadHTTPAPI() {
	doc := `{"openapi": "3.0.1", "paths": {"/orders/{id}": {"get": {"x-amazon-apigateway-integration": {
	  "type": "http_proxy", "httpMethod": "GET", "uri": {"Fn::Sub": "${Backend}/orders/{id}"},
	  "requestParameters": {"overwrite:header.x-order": "$request.path.id"}}}}}}`
	api, err := gr.LoadHTTPAPI([]byte(doc), map[string]string{"Backend": "http://127.0.0.1:9000"})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, _ := api.Match("GET", "/orders/7")
	target, _ := m.Route.Integration.TargetURL(m.PathParameters, "")
	h := http.Header{}
	_ = m.Route.Integration.MapRequestHeader(h, gr.HTTPAPIValues{PathParameters: m.PathParameters})
	fmt.Println(m.Route.Key, target, h.Get("x-order"))
	// Output: GET /orders/{id} http://127.0.0.1:9000/orders/7 7
}
