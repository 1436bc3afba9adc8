package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/deploy"
	"github.com/sessiongate/sessiongate/gatewayresponses"
)

const testOrigin = "http://app.test"

// authorizerFunc answers every authorizer event with out or err, checking
// the event's shape first.
func authorizerFunc(t *testing.T, out string, err error) invoker {
	return func(_ context.Context, payload []byte) ([]byte, error) {
		var ev map[string]any
		if e := json.Unmarshal(payload, &ev); e != nil || ev["type"] != "REQUEST" || ev["methodArn"] == "" {
			t.Errorf("authorizer event: %s", payload)
		}
		if err != nil {
			return nil, err
		}
		return []byte(out), nil
	}
}

func allowOut(arn string, ctx map[string]any) string {
	b, _ := json.Marshal(map[string]any{"principalId": "alice",
		"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{
			{"Action": "execute-api:Invoke", "Effect": strings.SplitN(arn, "|", 2)[0], "Resource": strings.SplitN(arn, "|", 2)[1]}}},
		"context": ctx})
	return string(b)
}

// badEventOut is authorizer.BadEventResponse as the authorizer writes it
// (authorizer/testdata/token-authorizer.golden.json).
var badEventOut = `{"principalId":"` + authorizer.BadEventPrincipal + `","policyDocument":{"Version":"2012-10-17",` +
	`"Statement":[{"Action":["execute-api:Invoke"],"Effect":"Deny","Resource":["*"]}]},"isAuthorized":false,` +
	`"context":{"body":` + strconv.Quote(authorizer.BadEventBody) + `}}`

// Logical ids of the example API's functions in deploy/.
const (
	authorizerFunction = "AuthorizerFunction"
	sessionAPIFunction = "SessionApiFunction"
)

// loadDeployed loads the embedded deploy/openapi.json with the local
// values of its ${...}.
func loadDeployed(t *testing.T, backendURL string) *gatewayresponses.API {
	t.Helper()
	params := map[string]string{paramAllowedOrigin: testOrigin, paramEchoBackend: backendURL}
	api, err := gatewayresponses.Load(deploy.OpenAPI, definitionVars(deploy.OpenAPI, params))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// mappingGateway builds a gateway over the deployed definition with the
// given authorizer and Lambda outputs; backendURL is the HTTP backend.
func mappingGateway(t *testing.T, authz invoker, lambdaOut string, backendURL string) http.Handler {
	return stagedGateway(t, "", authz, lambdaOut, backendURL)
}

// stagedGateway is mappingGateway under a stage ("" for the root).
func stagedGateway(t *testing.T, stage string, authz invoker, lambdaOut string, backendURL string) http.Handler {
	t.Helper()
	lambdaFn := func(_ context.Context, payload []byte) ([]byte, error) { return []byte(lambdaOut), nil }
	g, err := newGateway(gatewayConfig{API: loadDeployed(t, backendURL), Stage: stage, Authorizer: authz,
		Lambdas: map[string]invoker{sessionAPIFunction: lambdaFn, exampleBackendFunction: lambdaFn},
		Local:   map[string]http.Handler{"GET " + exampleConfigPath: exampleConfig(exampleSettings{APIPrefix: "/" + stage})},
		Static:  http.FileServerFS(fstest.MapFS{"index.html": {Data: []byte("<h1>app</h1>")}})})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func serve(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, "http://127.0.0.1:8080"+path, nil))
	return rec
}

func TestAuthorizerOutcomes(t *testing.T) {
	echo := httptest.NewServer(echoHandler())
	defer echo.Close()
	arnMe := methodARN(rootStage, "GET", "/api/me")
	tests := []struct {
		name      string
		authz     invoker
		status    int
		errorType string
		cookie    string
		body      string
	}{
		{"Unauthorized is 401 without context", authorizerFunc(t, "", errors.New("Unauthorized")), 401, "UnauthorizedException", "", `{"message":"Unauthorized"}`},
		{"other error is AUTHORIZER_CONFIGURATION_ERROR", authorizerFunc(t, "", errors.New("authorizer: session store unavailable")), 500, "AuthorizerConfigurationException", "", ""},
		{"nested context is AUTHORIZER_CONFIGURATION_ERROR", authorizerFunc(t, allowOut("Allow|"+arnMe, map[string]any{"x": map[string]any{}}), nil), 500, "AuthorizerConfigurationException", "", ""},
		{"Deny is ACCESS_DENIED with the context", authorizerFunc(t, allowOut("Deny|"+arnMe, map[string]any{"setCookie": defaultAccessCookie + "=new; Path=/", "body": `{"message":"invalid claim"}`}), nil),
			403, "AccessDeniedException", defaultAccessCookie + "=new; Path=/", `{"message":"invalid claim"}`},
		{"the authorizer's answer to an unreadable event is ACCESS_DENIED", authorizerFunc(t, badEventOut, nil),
			403, "AccessDeniedException", "", authorizer.BadEventBody},
		{"Allow for another method is an implicit deny", authorizerFunc(t, allowOut("Allow|"+methodARN(rootStage, "POST", "/api/me"), nil), nil), 403, "AccessDeniedException", "", ""},
		{"Allow maps identity and cookie", authorizerFunc(t, allowOut("Allow|"+arnMe, map[string]any{"setCookie": defaultAccessCookie + "=rot; Path=/", "roles": "user", "sessionId": "s1"}), nil),
			200, "", defaultAccessCookie + "=rot; Path=/", `"x-user-id":"alice"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(mappingGateway(t, tt.authz, "", echo.URL), "GET", "/api/me")
			if rec.Code != tt.status {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got := rec.Header().Get("x-amzn-ErrorType"); got != tt.errorType {
				t.Errorf("x-amzn-ErrorType %q", got)
			}
			if got := strings.Join(rec.Header().Values("Set-Cookie"), "|"); got != tt.cookie {
				t.Errorf("Set-Cookie %q, want %q", got, tt.cookie)
			}
			if !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("body %s lacks %s", rec.Body, tt.body)
			}
			if rec.Header().Get("Access-Control-Allow-Origin") != testOrigin {
				t.Errorf("no CORS: %v", rec.Header())
			}
			if rec.Header().Get("x-amzn-RequestId") == "" {
				t.Errorf("no request id")
			}
		})
	}
}

func TestRoutingAndIntegrationFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	allow := authorizerFunc(t, allowOut("Allow|*", nil), nil)

	t.Run("unmatched GET outside the API serves the app", func(t *testing.T) {
		rec := serve(mappingGateway(t, allow, "", dead), "GET", "/")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<h1>app</h1>") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	for _, c := range []struct{ method, path string }{{"GET", "/api/nothing"}, {"DELETE", "/api/me"}, {"POST", "/"}} {
		t.Run("no route "+c.method+" "+c.path, func(t *testing.T) {
			rec := serve(mappingGateway(t, allow, "", dead), c.method, c.path)
			if rec.Code != 403 || rec.Header().Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" ||
				!strings.Contains(rec.Body.String(), "Missing Authentication Token") {
				t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
			}
		})
	}
	t.Run("HTTP backend down is 504", func(t *testing.T) {
		rec := serve(mappingGateway(t, allow, "", dead), "GET", "/api/me")
		if rec.Code != 504 || len(rec.Header().Values("Set-Cookie")) != 0 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("malformed Lambda proxy response is 502", func(t *testing.T) {
		rec := serve(mappingGateway(t, allow, `{"statusCode":"nope"}`, dead), "POST", "/auth/session/refresh")
		if rec.Code != 502 || !strings.Contains(rec.Body.String(), "Internal server error") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("Lambda proxy response passes through with every Set-Cookie line", func(t *testing.T) {
		out := `{"statusCode":201,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"],"Content-Type":["application/json"]},"body":"{}"}`
		rec := serve(mappingGateway(t, allow, out, dead), "POST", "/auth/session/refresh")
		if rec.Code != 201 || len(rec.Header().Values("Set-Cookie")) != 2 {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
	})
	t.Run("HEAD has no body", func(t *testing.T) {
		rec := serve(mappingGateway(t, allow, "", dead), "HEAD", "/")
		if rec.Code != 200 || rec.Body.Len() != 0 {
			t.Fatalf("%d %q", rec.Code, rec.Body)
		}
	})
}

func TestNewGatewayRefusesWhatItCannotServe(t *testing.T) {
	_, err := newGateway(gatewayConfig{API: loadDeployed(t, "http://127.0.0.1:1")})
	if !errors.Is(err, errConfig) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"authorizer", sessionAPIFunction, exampleBackendFunction, "-lambda-endpoint"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// Under a stage, routes match within it and the Lambda proxy event is
// the one an execute-api URL gives: resource and path without the stage,
// requestContext.path with it, requestContext.stage set. Outside the
// stage, only the browser example and /example-config.json answer.
func TestStageRouting(t *testing.T) {
	var mu sync.Mutex
	var got events.APIGatewayProxyRequest
	lambdaFn := func(_ context.Context, payload []byte) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		if err := json.Unmarshal(payload, &got); err != nil {
			t.Errorf("event: %v", err)
		}
		return []byte(`{"statusCode":200,"body":"{}"}`), nil
	}
	g, err := newGateway(gatewayConfig{API: loadDeployed(t, "http://127.0.0.1:1"), Stage: "prod",
		Authorizer: authorizerFunc(t, allowOut("Allow|*", nil), nil),
		Lambdas:    map[string]invoker{sessionAPIFunction: lambdaFn, exampleBackendFunction: lambdaFn},
		Local:      map[string]http.Handler{"GET " + exampleConfigPath: exampleConfig(exampleSettings{APIPrefix: "/prod"})},
		Static:     http.FileServerFS(fstest.MapFS{"index.html": {Data: []byte("<h1>app</h1>")}})})
	if err != nil {
		t.Fatal(err)
	}
	if rec := serve(g, "POST", "/prod/auth/session/refresh"); rec.Code != 200 {
		t.Fatalf("refresh under the stage: %d %s", rec.Code, rec.Body)
	}
	mu.Lock()
	if got.Resource != "/auth/session/refresh" || got.Path != "/auth/session/refresh" ||
		got.RequestContext.Path != "/prod/auth/session/refresh" || got.RequestContext.Stage != "prod" {
		t.Errorf("event: resource %q path %q requestContext.path %q stage %q",
			got.Resource, got.Path, got.RequestContext.Path, got.RequestContext.Stage)
	}
	mu.Unlock()
	for path, want := range map[string]int{"/": 200, "/example-config.json": 200, "/prod/public/status": 200,
		"/public/status": 403, "/api/me": 403, "/prod": 403, "/prod/": 403, "/prod/index.html": 403} {
		rec := serve(g, "GET", path)
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
		if want == 403 && rec.Header().Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
			t.Errorf("GET %s: %v", path, rec.Header())
		}
	}
	if rec := serve(g, "POST", "/example-config.json"); rec.Code != 403 {
		t.Errorf("POST /example-config.json: %d", rec.Code)
	}
}
