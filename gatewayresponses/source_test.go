package gatewayresponses_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/authorizer"
	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

// doc builds a document from a head (root keys after openapi and info) and
// the paths block.
func doc(head, paths string) string {
	return "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\n" + head + "paths:\n" + paths
}

const httpInt = `x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "https://b.example.com/x"}`

func parse(t *testing.T, text string) *gr.Source {
	t.Helper()
	src, err := gr.ParseSource([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func render(t *testing.T, text string) *gr.Rendered {
	t.Helper()
	r, err := parse(t, text).Render(gr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// problems returns the problems of a document ParseSource refuses.
func problems(t *testing.T, text string) []string {
	t.Helper()
	_, err := gr.ParseSource([]byte(text))
	var se *gr.SourceError
	if !errors.As(err, &se) || !errors.Is(err, gr.ErrInvalidSource) {
		t.Fatalf("want a *SourceError, got %v", err)
	}
	var out []string
	for _, p := range se.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestParseSourceErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want string // a substring of one problem
	}{
		{"unknown annotation key", doc("", "  /api/admin:\n    get:\n      x-sessiongate: {role: [admin]}\n      "+httpInt+"\n"),
			`GET /api/admin: x-sessiongate: unknown key "role" (want session, roles or claims) (line 6)`},
		{"roles not a list", doc("", "  /a:\n    get:\n      x-sessiongate: {roles: admin}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: roles: want a list of role names, like [admin], got "admin"`},
		{"empty role list", doc("", "  /a:\n    get:\n      x-sessiongate: {roles: []}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: roles: empty list`},
		{"bad role name", doc("", "  /a:\n    get:\n      x-sessiongate: {roles: [\"a,b\"]}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: roles: session: invalid`},
		{"role not a string", doc("", "  /a:\n    get:\n      x-sessiongate: {roles: [{x: 1}]}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: roles: a role name must be a string`},
		{"empty claim list", doc("", "  /a:\n    get:\n      x-sessiongate: {claims: {plan: []}}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: claims.plan: needs 1 to 64 values, got 0`},
		{"claim not a list", doc("", "  /a:\n    get:\n      x-sessiongate: {claims: {plan: pro}}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: claims.plan: want a list of values, like [pro], got "pro"`},
		{"claim value null", doc("", "  /a:\n    get:\n      x-sessiongate: {claims: {plan: [null]}}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: claims.plan: a value must be a string, number or boolean, got null`},
		{"claims not a mapping", doc("", "  /a:\n    get:\n      x-sessiongate: {claims: [plan]}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: claims: want a mapping`},
		{"session optional", doc("", "  /a:\n    get:\n      x-sessiongate: {session: optional}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: session: want required or none, got "optional"`},
		{"session false", doc("", "  /a:\n    get:\n      x-sessiongate: {session: false}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: session: want required or none, got "false"`},
		{"annotation not a mapping", doc("", "  /a:\n    get:\n      x-sessiongate: none\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: want a mapping with session, roles or claims`},
		{"roles on a public op", doc("", "  /a:\n    get:\n      x-sessiongate: {session: none, roles: [admin]}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: roles or claims beside session: none`},
		{"roles on an op public by default", doc("x-sessiongate: {session: none}\n", "  /a:\n    get:\n      x-sessiongate: {roles: [admin]}\n      "+httpInt+"\n"),
			`add session: required`},
		{"root roles beside none", doc("x-sessiongate: {session: none, roles: [a]}\n", "  /a:\n    get:\n      "+httpInt+"\n"),
			`document root: x-sessiongate: roles or claims beside session: none`},
		{"annotation on a path item", doc("", "  /a:\n    x-sessiongate: {session: none}\n    get:\n      "+httpInt+"\n"),
			`/a: x-sessiongate on a path item`},
		{"authorizer on an operation", doc("", "  /a:\n    get:\n      x-sessiongate: {authorizer: token}\n      "+httpInt+"\n"),
			`GET /a: x-sessiongate: authorizer: set it once at the document's root: an API has one authorizer for all its protected operations (line 6)`},
		{"authorizer jwt", doc("x-sessiongate: {authorizer: jwt}\n", "  /a:\n    get:\n      "+httpInt+"\n"),
			`document root: x-sessiongate: authorizer: want request or token, got "jwt" (line 3)`},
		{"authorizer upper case", doc("x-sessiongate: {authorizer: TOKEN}\n", "  /a:\n    get:\n      "+httpInt+"\n"),
			`x-sessiongate: authorizer: want request or token, got "TOKEN"`},
		{"authorizer a list", doc("x-sessiongate: {authorizer: [token]}\n", "  /a:\n    get:\n      "+httpInt+"\n"),
			`x-sessiongate: authorizer: want request or token, got a list`},
		{"unknown root annotation key", doc("x-sessiongate: {authoriser: token}\n", "  /a:\n    get:\n      "+httpInt+"\n"),
			`document root: x-sessiongate: unknown key "authoriser" (want session, roles, claims or authorizer)`},
		{"duplicate key", doc("", "  /a:\n    get:\n      x-sessiongate: {session: none}\n      x-sessiongate: {roles: [a]}\n      "+httpInt+"\n"),
			`key "x-sessiongate" is given twice`},
		{"swagger 2", "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n", "OpenAPI 2.0 (swagger) is not supported"},
		{"openapi 3.1", "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    get:\n      " + httpInt + "\n", "API Gateway imports OpenAPI 3.0"},
		{"not openapi", "title: hello\n", "not an OpenAPI 3 document"},
		{"not yaml", "{[", "not YAML or JSON"},
		{"empty", "  \n", "empty document"},
		{"a list", "- a\n", "not an OpenAPI document"},
		{"no paths", "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\n", "paths: the document has no paths"},
		{"empty paths", doc("", "  {}\n"), "the document has no paths"},
		{"no info", "openapi: 3.0.1\npaths:\n  /a:\n    get:\n      " + httpInt + "\n", "info with title and version is required"},
		{"no integration", doc("", "  /a:\n    get:\n      summary: x\n"), "GET /a: no x-amazon-apigateway-integration"},
		{"unsupported integration type", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: vpc_link}\n"),
			`GET /a: x-amazon-apigateway-integration: type "vpc_link" is not supported`},
		{"integration typo", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: \"https://b.example.com\", requestParameter: {}}\n"),
			`unknown key "requestParameter"`},
		{"http without uri", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET}\n"), "http needs a uri and an httpMethod"},
		{"http uri not a URL", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: \"ftp://x\"}\n"), "is not an http(s) URL"},
		{"lambda with GET", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: GET, uri: \"arn:x\"}\n"), "needs httpMethod POST"},
		{"mapping on a Lambda proxy", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: \"arn:x\", requestParameters: {integration.request.header.a: \"'b'\"}}\n"),
			"requestParameters on aws_proxy"},
		{"responses on a proxy", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"https://b.example.com\", responses: {default: {statusCode: \"200\"}}}\n"),
			"responses on a proxy integration"},
		{"bad status", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock, responses: {default: {statusCode: \"2000\"}}}\n"),
			"statusCode: want a status code"},
		{"other intrinsic", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: {Ref: Url}}\n"),
			"uri: want a string or {\"Fn::Sub\": string}"},
		{"short-form tag", doc("", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: !Ref Url}\n"),
			"tag !Ref is not supported"},
		{"public op maps x-user-id", doc("", "  /a:\n    get:\n      x-sessiongate: {session: none}\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"https://b.example.com\", requestParameters: {integration.request.header.X-User-Id: \"'x'\"}}\n"),
			"X-User-Id is sessiongate's identity header"},
		{"trailing slash", doc("", "  /a/:\n    get:\n      "+httpInt+"\n"), "/a/: API Gateway cannot serve this path"},
		{"param inside a segment", doc("", "  /a/x{id}:\n    get:\n      "+httpInt+"\n"), `segment "x{id}"`},
		{"greedy not last", doc("", "  /a/{p+}/b:\n    get:\n      "+httpInt+"\n"), "must be the last segment"},
		{"sibling variables", doc("", "  /a/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true}]\n      "+httpInt+"\n  /a/{key}/x:\n    get:\n      parameters: [{name: key, in: path, required: true}]\n      "+httpInt+"\n"),
			"API Gateway allows one variable per level"},
		{"undeclared path parameter", doc("", "  /a/{id}:\n    get:\n      "+httpInt+"\n"), "path parameter id is not declared"},
		{"own preflight", doc("", "  /a:\n    options:\n      "+httpInt+"\n    get:\n      "+httpInt+"\n"), "OPTIONS /a: render writes the CORS preflight"},
		{"trace", doc("", "  /a:\n    trace:\n      "+httpInt+"\n"), "API Gateway has no TRACE method"},
		{"operation security", doc("", "  /a:\n    get:\n      security: [{key: []}]\n      "+httpInt+"\n"), "GET /a: render derives security from x-sessiongate"},
		{"root security", doc("security: [{key: []}]\n", "  /a:\n    get:\n      "+httpInt+"\n"), "security: render derives security"},
		{"own security scheme", doc("components: {securitySchemes: {key: {type: apiKey}}}\n", "  /a:\n    get:\n      "+httpInt+"\n"), "securitySchemes"},
		{"own UNAUTHORIZED", doc("x-amazon-apigateway-gateway-responses: {UNAUTHORIZED: {statusCode: 401}}\n", "  /a:\n    get:\n      "+httpInt+"\n"),
			"UNAUTHORIZED: render writes this gateway response"},
		{"duplicate operationId", doc("", "  /a:\n    get:\n      operationId: x\n      "+httpInt+"\n  /b:\n    get:\n      operationId: x\n      "+httpInt+"\n"),
			`operationId "x" is also the operationId of GET /a`},
		{"unknown operation key", doc("", "  /a:\n    get:\n      sumary: x\n      "+httpInt+"\n"), `"sumary" is not a key of an OpenAPI operation`},
		{"path item $ref", doc("", "  /a:\n    $ref: '#/x'\n"), "$ref path items are not supported"},
		{"alias bomb", "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\n" + aliasBomb() + "paths:\n  /a:\n    get:\n      x-big: *j\n      " + httpInt + "\n",
			"expands to more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			probs := problems(t, c.text)
			for _, p := range probs {
				if strings.Contains(p, c.want) {
					return
				}
			}
			t.Fatalf("no problem mentions %q:\n%s", c.want, strings.Join(probs, "\n"))
		})
	}
}

// aliasBomb defines &j, which expands to 10^9 nodes.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("x-a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		b.WriteString("x-" + n + ": &" + n + " [")
		for i := 0; i < 10; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = n
	}
	return b.String()
}

// Every problem is reported at once, in document order, each naming its
// operation.
func TestParseSourceReportsEveryProblem(t *testing.T) {
	probs := problems(t, doc("", `  /a:
    get:
      x-sessiongate: {role: [admin]}
      `+httpInt+`
    post:
      x-sessiongate: {roles: []}
  /b:
    put:
      x-amazon-apigateway-integration: {type: soap}
`))
	want := []string{
		`GET /a: x-sessiongate: unknown key "role" (want session, roles or claims) (line 6)`,
		`POST /a: x-sessiongate: roles: empty list (name at least one role, or leave roles out) (line 9)`,
		`POST /a: no x-amazon-apigateway-integration: every operation needs its integration (line 8)`,
		`PUT /b: x-amazon-apigateway-integration: type "soap" is not supported (want mock, http, http_proxy, aws or aws_proxy) (line 12)`,
	}
	if !reflect.DeepEqual(probs, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(probs, "\n"), strings.Join(want, "\n"))
	}
}

// The merge rule of x-sessiongate: operation keys replace the root's key
// by key; session: none drops the root's roles and claims.
func TestAnnotationMerge(t *testing.T) {
	src := parse(t, doc("x-sessiongate: {roles: [user], claims: {plan: [pro]}}\n", `  /default:
    get: {`+httpInt+`}
  /own-roles:
    get: {x-sessiongate: {roles: [admin, editor]}, `+httpInt+`}
  /own-claims:
    get: {x-sessiongate: {claims: {tier: [1, 2.5, true]}}, `+httpInt+`}
  /public:
    get: {x-sessiongate: {session: none}, `+httpInt+`}
`))
	got := map[string]gr.Protection{}
	for _, op := range src.Operations {
		got[op.Path] = op.Protection
	}
	want := map[string]gr.Protection{
		"/default":    {Session: gr.SessionRequired, Roles: []string{"user"}, Claims: map[string][]any{"plan": {"pro"}}},
		"/own-roles":  {Session: gr.SessionRequired, Roles: []string{"admin", "editor"}, Claims: map[string][]any{"plan": {"pro"}}},
		"/own-claims": {Session: gr.SessionRequired, Roles: []string{"user"}, Claims: map[string][]any{"tier": {1.0, 2.5, true}}},
		"/public":     {Session: gr.SessionNone},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("protections\n got %#v\nwant %#v", got, want)
	}
	// Unannotated, in a document without a default: a session is required.
	src = parse(t, doc("", "  /a:\n    get: {"+httpInt+"}\n"))
	if p := src.Operations[0].Protection; p.Public() || p.HasRule() || p.String() != "session" {
		t.Fatalf("unannotated: %+v", p)
	}
}

// JSON is read like YAML (JSON is YAML), including !Sub's long form.
func TestParseSourceJSON(t *testing.T) {
	j := `{"openapi":"3.0.1","info":{"title":"t","version":"1"},
	  "paths":{"/a":{"get":{"x-sessiongate":{"roles":["admin"]},
	    "x-amazon-apigateway-integration":{"type":"HTTP","httpMethod":"get","uri":{"Fn::Sub":"${Url}/a"}}}}}}`
	y := doc("", "  /a:\n    get:\n      x-sessiongate: {roles: [admin]}\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: !Sub \"${Url}/a\"}\n")
	a, b := render(t, j), render(t, y)
	for _, name := range []string{gr.FileOpenAPI, gr.FileHTTPAPI, gr.FileRules} {
		if string(a.Files[name]) != string(b.Files[name]) {
			t.Errorf("%s differs between the JSON and the YAML form", name)
		}
	}
}

// decode returns a rendered file as generic JSON.
func decode(t *testing.T, r *gr.Rendered, name string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Files[name], &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const mixedAPI = `openapi: 3.0.1
info: {title: mixed, version: "2"}
tags: [{name: things}]
components:
  schemas:
    Thing: {type: object}
x-amazon-apigateway-binary-media-types: [image/png]
x-amazon-apigateway-gateway-responses:
  THROTTLED: {statusCode: 429, responseTemplates: {application/json: '{"message":"slow down"}'}}
paths:
  /things/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getThing
      summary: One thing
      tags: [things]
      responses:
        "200":
          description: The thing
          content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}
      x-sessiongate: {roles: [reader]}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: ${Backend}/things/{id}
        timeoutInMillis: 5000
        requestParameters:
          integration.request.path.id: method.request.path.id
          integration.request.header.x-user-id: method.request.header.x-user-id
          integration.request.header.X-Trace: method.request.header.X-Trace
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.set-cookie: integration.response.header.Set-Cookie
    put:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: PUT
        uri: ${Backend}/things/{id}
        requestParameters: {integration.request.path.id: method.request.path.id}
  /things:
    x-amazon-apigateway-any-method:
      x-sessiongate: {claims: {plan: [pro, team]}}
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:${AWS::Partition}:apigateway:${AWS::Region}:${Api}.appsync-api:path/graphql
        credentials: ${Role.Arn}
  /files/{path+}:
    get:
      parameters: [{name: path, in: path, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FilesFunction.Arn}/invocations
  /open:
    post:
      x-sessiongate: {session: none}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "https://open.example.com/x"}
`

// Render adds sessiongate's mappings and keeps the team's own fields.
func TestRenderREST(t *testing.T) {
	r := render(t, mixedAPI)
	d := decode(t, r, gr.FileOpenAPI)
	get := path(d, "paths", "/things/{id}", "get")
	in := get["x-amazon-apigateway-integration"].(map[string]any)
	rp := in["requestParameters"].(map[string]any)
	wantRP := map[string]any{
		"integration.request.path.id":             "method.request.path.id",
		"integration.request.header.X-Trace":      "method.request.header.X-Trace",
		"integration.request.header.x-user-id":    "context.authorizer.principalId", // the team's mapping is replaced
		"integration.request.header.x-user-roles": "context.authorizer.roles",
		"integration.request.header.x-session-id": "context.authorizer.sessionId",
	}
	if !reflect.DeepEqual(rp, wantRP) {
		t.Errorf("GET requestParameters\n got %v\nwant %v", rp, wantRP)
	}
	if in["timeoutInMillis"] != float64(5000) {
		t.Errorf("timeoutInMillis not carried: %v", in["timeoutInMillis"])
	}
	def := path(in, "responses", "default", "responseParameters")
	if def["method.response.header.Set-Cookie"] != "context.authorizer.setCookie" || def["method.response.header.set-cookie"] != nil ||
		def["method.response.header.front-token"] != "context.authorizer.frontToken" || def["method.response.header.Access-Control-Allow-Credentials"] != "'true'" ||
		def["method.response.header.st-access-token"] != "context.authorizer.accessToken" {
		t.Errorf("GET integration response parameters %v", def)
	}
	if get["operationId"] != "getThing" || get["summary"] != "One thing" || !reflect.DeepEqual(get["tags"], []any{"things"}) {
		t.Errorf("GET fields %v", get)
	}
	resp200 := path(get, "responses", "200")
	if resp200["description"] != "The thing" || path(resp200, "content", "application/json", "schema")["$ref"] != "#/components/schemas/Thing" {
		t.Errorf("the team's response was not kept: %v", resp200)
	}
	for _, h := range []string{"Set-Cookie", "front-token", "st-access-token"} {
		if _, ok := path(resp200, "headers")[h]; !ok {
			t.Errorf("the method response does not declare the mapped header %s: %v", h, resp200)
		}
	}
	if !reflect.DeepEqual(get["security"], []any{map[string]any{gr.AuthorizerName: []any{}}}) {
		t.Errorf("security %v", get["security"])
	}
	// HTTP_PROXY: identity and the rotated cookie as request headers.
	put := path(d, "paths", "/things/{id}", "put", "x-amazon-apigateway-integration", "requestParameters")
	if put["integration.request.header."+authorizer.HeaderProxySetCookie] != "context.authorizer.setCookie" ||
		put["integration.request.header."+authorizer.HeaderProxyFrontToken] != "context.authorizer.frontToken" ||
		put["integration.request.header."+authorizer.HeaderProxyAccessToken] != "context.authorizer.accessToken" ||
		put["integration.request.header.x-user-id"] != "context.authorizer.principalId" {
		t.Errorf("PUT requestParameters %v", put)
	}
	if path(d, "paths", "/things/{id}", "put")["requestBody"] == nil {
		t.Error("requestBody not carried")
	}
	// AWS (AppSync) under ANY: identity mappings, cookie on responses.
	anyOp := path(d, "paths", "/things", "x-amazon-apigateway-any-method", "x-amazon-apigateway-integration")
	if path(anyOp, "requestParameters")["integration.request.header.x-user-id"] != "context.authorizer.principalId" ||
		path(anyOp, "responses", "default", "responseParameters")["method.response.header.Set-Cookie"] != "context.authorizer.setCookie" {
		t.Errorf("ANY /things integration %v", anyOp)
	}
	// A public HTTP_PROXY operation: no authorizer, no identity mappings.
	open := path(d, "paths", "/open", "post")
	if open["security"] != nil || path(open, "x-amazon-apigateway-integration")["requestParameters"] != nil {
		t.Errorf("public operation %v", open)
	}
	// Preflights: methods of the path, and the path parameter declared
	// when the path item does not declare it.
	pf := path(d, "paths", "/things/{id}", "options", "x-amazon-apigateway-integration", "responses", "default", "responseParameters")
	if pf["method.response.header.Access-Control-Allow-Methods"] != "'GET,PUT,OPTIONS'" {
		t.Errorf("preflight %v", pf)
	}
	if params := path(d, "paths", "/files/{path+}", "options")["parameters"].([]any); len(params) != 1 {
		t.Errorf("greedy preflight parameters %v", params)
	}
	if pf := path(d, "paths", "/things", "options", "x-amazon-apigateway-integration", "responses", "default", "responseParameters"); pf["method.response.header.Access-Control-Allow-Methods"] != "'GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS'" {
		t.Errorf("ANY preflight %v", pf)
	}
	// Root keys, components and gateway responses are carried over.
	if !reflect.DeepEqual(d["x-amazon-apigateway-binary-media-types"], []any{"image/png"}) || d["tags"] == nil ||
		path(d, "components", "schemas")["Thing"] == nil || path(d, "x-amazon-apigateway-gateway-responses")["THROTTLED"] == nil ||
		path(d, "x-amazon-apigateway-gateway-responses")["UNAUTHORIZED"] == nil || path(d, "info")["title"] != "mixed" {
		t.Errorf("root %v", d)
	}
	// And the local gateway can serve it.
	api, err := gr.Load(r.Files[gr.FileOpenAPI], map[string]string{"AWS::Partition": "aws", "AWS::Region": "local",
		"AllowedOrigin": testOrigin, "Backend": "http://127.0.0.1:1", "Api": "x", "Role.Arn": "arn:role",
		"FilesFunction.Arn": "arn:f", "AuthorizerFunction.Arn": "arn:a", "SessionApiFunction.Arn": "arn:s"})
	if err != nil {
		t.Fatal(err)
	}
	route, err := api.Match("GET", "/things/a b")
	if err != nil {
		t.Fatal(err)
	}
	if uri, err := route.BackendURI("/things/a b"); err != nil || uri != "http://127.0.0.1:1/things/a%20b" {
		t.Errorf("BackendURI %q %v", uri, err)
	}
	for _, w := range r.Warnings {
		if strings.Contains(w, "local gateway") {
			t.Errorf("warning %s", w)
		}
	}
}

func TestRenderWarnings(t *testing.T) {
	r := render(t, mixedAPI)
	want := []string{
		"PUT /things/{id} (HTTP_PROXY): API Gateway cannot map a rotated cookie onto a proxied response; the backend must echo request header x-sessiongate-set-cookie as Set-Cookie, x-sessiongate-front-token as front-token and x-sessiongate-access-token as st-access-token",
		"GET /files/{path+} (AWS_PROXY): API Gateway cannot map a rotated cookie onto a Lambda proxy response; the Lambda must pass it on with package authorizer/backend (requestContext.authorizer.setCookie as Set-Cookie, frontToken as front-token, accessToken as st-access-token)",
		"POST /open (HTTP_PROXY, public): API Gateway passes the client's headers through; the backend must not trust x-user-id",
		"GET /things/{id} (HTTP): the HTTP API variant proxies the backend",
	}
	for _, w := range want {
		found := false
		for _, got := range r.Warnings {
			found = found || strings.HasPrefix(got, w)
		}
		if !found {
			t.Errorf("no warning %q in:\n%s", w, strings.Join(r.Warnings, "\n"))
		}
	}
	if want := []string{"ANY /things (AWS)"}; !reflect.DeepEqual(r.NoHTTPAPI, want) {
		t.Errorf("NoHTTPAPI %v, want %v", r.NoHTTPAPI, want)
	}
}

func TestRenderHTTPAPI(t *testing.T) {
	r := render(t, mixedAPI)
	d := decode(t, r, gr.FileHTTPAPI)
	get := path(d, "paths", "/things/{id}", "get", "x-amazon-apigateway-integration")
	if get["type"] != "http_proxy" || get["uri"].(map[string]any)["Fn::Sub"] != "${Backend}/things/{id}" || get["timeoutInMillis"] != float64(5000) {
		t.Errorf("GET %v", get)
	}
	rp := path(get, "requestParameters")
	if rp["overwrite:header.x-user-id"] != "$context.authorizer.userId" || rp["overwrite:header.X-Trace"] != "$request.header.X-Trace" ||
		rp["overwrite:header.x-user-roles"] != "$context.authorizer.roles" || len(rp) != 4 {
		t.Errorf("GET requestParameters %v", rp)
	}
	if len(path(get, "responseParameters")) != len(gr.CookieStatuses) {
		t.Errorf("GET responseParameters %v", path(get, "responseParameters"))
	}
	want := map[string]any{"overwrite:header.Set-Cookie": "$context.authorizer.setCookie",
		"overwrite:header.front-token": "$context.authorizer.frontToken", "overwrite:header.st-access-token": "$context.authorizer.accessToken"}
	if got := path(get, "responseParameters", "404"); !reflect.DeepEqual(got, want) {
		t.Errorf("GET responseParameters for 404: %v, want %v", got, want)
	}
	open := path(d, "paths", "/open", "post", "x-amazon-apigateway-integration")
	if path(open, "requestParameters")["remove:header.x-user-id"] != "''" || open["responseParameters"] != nil {
		t.Errorf("public operation %v", open)
	}
	if _, ok := path(d, "paths")["/things"]; ok {
		t.Error("an AWS (non-proxy) route has no HTTP API equivalent")
	}
	files := path(d, "paths", "/files/{path+}", "get", "x-amazon-apigateway-integration")
	if files["type"] != "aws_proxy" || files["payloadFormatVersion"] != "2.0" {
		t.Errorf("Lambda proxy %v", files)
	}
	if d["x-amazon-apigateway-binary-media-types"] != nil || d["x-amazon-apigateway-gateway-responses"] != nil {
		t.Error("REST-only root keys in the HTTP API variant")
	}
	vars := map[string]string{"AWS::Partition": "aws", "AWS::Region": "local", "AllowedOrigin": testOrigin,
		"Backend": "http://127.0.0.1:1", "FilesFunction.Arn": "arn:f", "AuthorizerFunction.Arn": "arn:a", "SessionApiFunction.Arn": "arn:s"}
	if _, err := gr.LoadHTTPAPI(r.Files[gr.FileHTTPAPI], vars); err != nil {
		t.Errorf("LoadHTTPAPI: %v", err)
	}
}

// tokenAPI asks for a TOKEN authorizer at its root: a bearer-only API.
const tokenAPI = `openapi: 3.0.1
info: {title: bearer, version: "1"}
x-sessiongate: {authorizer: token, roles: [member]}
paths:
  /items:
    get:
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "https://b.example.com/items"}
  /items/{id}:
    put:
      parameters: [{name: id, in: path, required: true}]
      x-sessiongate: {roles: [editor]}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: PUT
        uri: "https://b.example.com/items/{id}"
        requestParameters: {integration.request.path.id: method.request.path.id}
  /status:
    get:
      x-sessiongate: {session: none}
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "https://b.example.com/status"}
`

// A document that asks for a TOKEN authorizer renders one on the REST API
// (identity source: the scheme's header Authorization, caching off) and a
// REQUEST authorizer with the identity source $request.header.Authorization
// on the HTTP API variant; both load, and everything else is what a
// REQUEST-authorizer document renders.
func TestRenderTokenAuthorizer(t *testing.T) {
	src := parse(t, tokenAPI)
	if src.Authorizer != gr.TokenAuthorizer || parse(t, mixedAPI).Authorizer != gr.RequestAuthorizer {
		t.Fatalf("Source.Authorizer %q", src.Authorizer)
	}
	r, err := src.Render(gr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := decode(t, r, gr.FileOpenAPI)
	scheme := path(d, "components", "securitySchemes", gr.AuthorizerName)
	wantScheme := map[string]any{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
		"x-amazon-apigateway-authorizer": map[string]any{"type": "token", "authorizerResultTtlInSeconds": float64(0),
			"authorizerUri": map[string]any{"Fn::Sub": gr.LambdaURI(gr.FunctionAuthorizer)}}}
	if !reflect.DeepEqual(scheme, wantScheme) {
		t.Errorf("REST security scheme\n got %v\nwant %v", scheme, wantScheme)
	}
	if !reflect.DeepEqual(path(d, "paths", "/items", "get")["security"], []any{map[string]any{gr.AuthorizerName: []any{}}}) ||
		path(d, "paths", "/status", "get")["security"] != nil {
		t.Error("security on the operations")
	}
	// The same mappings as with a REQUEST authorizer.
	def := path(d, "paths", "/items", "get", "x-amazon-apigateway-integration", "responses", "default", "responseParameters")
	if def["method.response.header.st-access-token"] != "context.authorizer.accessToken" || def["method.response.header.Set-Cookie"] != "context.authorizer.setCookie" {
		t.Errorf("integration response parameters %v", def)
	}
	denied := path(d, "x-amazon-apigateway-gateway-responses", "ACCESS_DENIED", "responseParameters")
	if denied["gatewayresponse.header.st-access-token"] != "context.authorizer.accessToken" {
		t.Errorf("ACCESS_DENIED %v", denied)
	}
	h := decode(t, r, gr.FileHTTPAPI)
	ha := path(h, "components", "securitySchemes", gr.AuthorizerName, "x-amazon-apigateway-authorizer")
	if ha["type"] != "request" || ha["identitySource"] != "$request.header.Authorization" || ha["authorizerResultTtlInSeconds"] != float64(0) ||
		ha["authorizerPayloadFormatVersion"] != "2.0" || ha["enableSimpleResponses"] != true {
		t.Errorf("HTTP API authorizer %v", ha)
	}
	// The route list names the authorizer of every route.
	got := map[string]gr.AuthorizerType{}
	for _, ri := range r.Routes {
		got[ri.Method+" "+ri.Path] = ri.Authorizer
	}
	want := map[string]gr.AuthorizerType{"GET /items": gr.TokenAuthorizer, "PUT /items/{id}": gr.TokenAuthorizer, "GET /status": ""}
	for _, sr := range gr.SessionRoutes("/auth") {
		want[sr.Method+" "+sr.Path] = "" // the session API runs without the authorizer
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("route authorizers %v, want %v", got, want)
	}
	// Rules do not depend on the authorizer's type.
	if string(r.Files[gr.FileRules]) != "[\n  {\"method\":\"GET\",\"path\":\"/items\",\"anyRoles\":[\"member\"]},\n  {\"method\":\"PUT\",\"path\":\"/items/*\",\"anyRoles\":[\"editor\"]}\n]\n" {
		t.Errorf("rules %s", r.Files[gr.FileRules])
	}
	vars := map[string]string{"AWS::Partition": "aws", "AWS::Region": "local", "AllowedOrigin": testOrigin,
		"AuthorizerFunction.Arn": "arn:a", "SessionApiFunction.Arn": "arn:s"}
	api, err := gr.Load(r.Files[gr.FileOpenAPI], vars)
	if err != nil {
		t.Fatal(err)
	}
	if api.AuthorizerType != gr.TokenAuthorizer || api.TokenHeader != "Authorization" || api.Authorizer != gr.FunctionAuthorizer || api.AuthorizerTTL != 0 {
		t.Errorf("loaded authorizer %q %q %q %d", api.AuthorizerType, api.TokenHeader, api.Authorizer, api.AuthorizerTTL)
	}
	httpAPI, err := gr.LoadHTTPAPI(r.Files[gr.FileHTTPAPI], vars)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(httpAPI.IdentityHeaders, []string{"Authorization"}) {
		t.Errorf("HTTP API identity headers %v", httpAPI.IdentityHeaders)
	}
	// A REQUEST-authorizer document has none of this.
	plain := render(t, mixedAPI)
	if a := path(decode(t, plain, gr.FileOpenAPI), "components", "securitySchemes", gr.AuthorizerName); a["name"] != "Unused" ||
		path(a, "x-amazon-apigateway-authorizer")["type"] != "request" {
		t.Errorf("REQUEST scheme %v", a)
	}
	if a := path(decode(t, plain, gr.FileHTTPAPI), "components", "securitySchemes", gr.AuthorizerName, "x-amazon-apigateway-authorizer"); a["identitySource"] != nil {
		t.Errorf("HTTP API REQUEST authorizer with an identity source: %v", a)
	}
}

func TestRenderRules(t *testing.T) {
	r := render(t, mixedAPI)
	var rules []authorizer.Rule
	if err := json.Unmarshal(r.Files[gr.FileRules], &rules); err != nil {
		t.Fatal(err)
	}
	want := []authorizer.Rule{
		{Method: "*", Path: "/things", Claims: map[string][]any{"plan": {"pro", "team"}}},
		{Method: "GET", Path: "/things/*", AnyRoles: []string{"reader"}},
	}
	if !reflect.DeepEqual(rules, want) {
		t.Fatalf("rules\n got %+v\nwant %+v", rules, want)
	}
	if _, err := authorizer.ParseRules(string(r.Files[gr.FileRules])); err != nil {
		t.Fatal(err)
	}
	greedy := render(t, doc("", "  /files/{p+}:\n    get:\n      parameters: [{name: p, in: path, required: true}]\n      x-sessiongate: {roles: [a]}\n      "+httpInt+"\n"))
	if !strings.Contains(string(greedy.Files[gr.FileRules]), `"path":"/files/**"`) {
		t.Errorf("greedy rule %s", greedy.Files[gr.FileRules])
	}
	// A rule on /items/{id} also matches /items/special, a separate
	// operation with another protection: render says so.
	overlap := render(t, doc("", `  /items/{id}:
    get: {parameters: [{name: id, in: path, required: true}], x-sessiongate: {roles: [admin]}, `+httpInt+`}
  /items/special:
    get: {`+httpInt+`}
  /items/other:
    post: {`+httpInt+`}
`))
	if len(overlap.Warnings) != 1 || !strings.Contains(overlap.Warnings[0], "the route rule of GET /items/{id} (session, any role of admin) also applies to GET /items/special") {
		t.Errorf("overlap warnings %q", overlap.Warnings)
	}
	if empty := render(t, doc("", "  /a:\n    get: {"+httpInt+"}\n")); string(empty.Files[gr.FileRules]) != "[]\n" {
		t.Errorf("rules without any rule: %q", empty.Files[gr.FileRules])
	}
}

// A document path the session API (or the local demo sign-in) serves is an
// error naming the operation; with another API_BASE_PATH it is not.
func TestRenderSessionAPIConflict(t *testing.T) {
	src := parse(t, doc("", "  /auth/signout:\n    post: {"+httpInt+"}\n  /auth/demo/signin:\n    post: {"+httpInt+"}\n"))
	_, err := src.Render(gr.Options{})
	var se *gr.SourceError
	if !errors.As(err, &se) || len(se.Problems) != 2 || !strings.Contains(se.Problems[0].String(), "POST /auth/signout: the session API serves /auth/signout") ||
		!strings.Contains(se.Problems[1].String(), "POST /auth/demo/signin: the local gateway's demo sign-in serves") {
		t.Fatalf("got %v", err)
	}
	if _, err := src.Render(gr.Options{APIBasePath: "/session"}); err != nil {
		t.Fatal(err)
	}
}

// A document path of the same shape as a session API path conflicts with
// it too: API Gateway cannot hold /auth/sessions/{sid} beside the session
// API's /auth/sessions/{id}.
func TestRenderSessionAPIShapeConflict(t *testing.T) {
	src := parse(t, doc("", "  /auth/sessions/{sid}:\n    get: {parameters: [{name: sid, in: path, required: true}], "+httpInt+"}\n"+
		"  /auth/sessions/mine:\n    get: {"+httpInt+"}\n"))
	_, err := src.Render(gr.Options{})
	var se *gr.SourceError
	if !errors.As(err, &se) || len(se.Problems) != 1 ||
		!strings.Contains(se.Problems[0].String(), "GET /auth/sessions/{sid}: the session API serves /auth/sessions/{id}") {
		t.Fatalf("got %v", err)
	}
}

// Render never changes its Source: rendering twice gives the same bytes.
func TestRenderIsPure(t *testing.T) {
	src := parse(t, mixedAPI)
	a, err := src.Render(gr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.Render(gr.Options{AllowedOrigin: "https://x.example"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := src.Render(gr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, c) || reflect.DeepEqual(a.Files, b.Files) {
		t.Fatal("Render is not a function of its Source and Options")
	}
}

// FuzzParseSource: ParseSource never panics; whatever it accepts renders
// without panicking, and whatever renders gives valid JSON and rules the
// authorizer accepts.
func FuzzParseSource(f *testing.F) {
	f.Add([]byte(mixedAPI))
	f.Add([]byte(integrationExamples))
	f.Add([]byte(tokenAPI))
	f.Add([]byte(doc("x-sessiongate: {roles: [a]}\n", "  /a/{b}:\n    get: {parameters: [{name: b, in: path}], x-sessiongate: {claims: {c: [1]}}, "+httpInt+"}\n")))
	f.Add([]byte("openapi: 3.0.1\npaths: {/a: {get: {x-sessiongate: &x {session: none}, z: *x}}}\n"))
	f.Add([]byte(`{"openapi":"3.0.1","paths":{"/":{"get":{"x-amazon-apigateway-integration":{"type":"mock"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := gr.ParseSource(data)
		if err != nil {
			if !errors.Is(err, gr.ErrInvalidSource) {
				t.Fatalf("error without ErrInvalidSource: %v", err)
			}
			return
		}
		r, err := src.Render(gr.Options{})
		if err != nil {
			return
		}
		for name, b := range r.Files {
			if !json.Valid(b) {
				t.Fatalf("%s is not JSON", name)
			}
		}
		if _, err := authorizer.ParseRules(string(r.Files[gr.FileRules])); err != nil {
			t.Fatalf("rules: %v", err)
		}
	})
}
