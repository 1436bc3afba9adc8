package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// secretMarker stands for a cookie value: it must never appear in an
// error text or a log line.
const secretMarker = "s3cr3t-cookie-value"

// testEvent is an authorizer-like event carrying secretMarker in a cookie.
var testEvent = []byte(`{"type":"REQUEST","headers":{"Cookie":"` + defaultAccessCookie + `=` + secretMarker + `"},` +
	`"multiValueHeaders":{"Cookie":["` + defaultAccessCookie + `=` + secretMarker + `"]},"note":"bytes \u00e9 and é kept as sent"}`)

// invocation is one request the fake Invoke API received.
type invocation struct {
	Method, Path, ContentType string
	Function                  string
	Body                      []byte
}

// fakeInvokeAPI is an Invoke API endpoint whose answer per function can be
// changed between requests. It records every invocation.
type fakeInvokeAPI struct {
	*httptest.Server
	mu      sync.Mutex
	answers map[string]http.HandlerFunc // by function name
	calls   []invocation
}

func newFakeInvokeAPI(t *testing.T) *fakeInvokeAPI {
	f := &fakeInvokeAPI{answers: map[string]http.HandlerFunc{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		name, _ := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
		name, _ = strings.CutSuffix(name, "/invocations")
		f.mu.Lock()
		f.calls = append(f.calls, invocation{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Function: name, Body: body})
		h := f.answers[name]
		f.mu.Unlock()
		if h == nil {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			http.Error(w, `{"Type":"User","Message":"Function not found"}`, http.StatusNotFound)
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// answer sets how the function name answers from now on.
func (f *fakeInvokeAPI) answer(name string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[name] = h
}

// takeCalls returns the invocations since the last call and forgets them.
func (f *fakeInvokeAPI) takeCalls() []invocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// reply answers with status, an X-Amz-Function-Error value ("" for none)
// and body.
func reply(status int, functionError, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if functionError != "" {
			w.Header().Set("X-Amz-Function-Error", functionError)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// TestInvokeAPI drives the Invoke API client against a fake endpoint, one
// answer of the Invoke API per row. Every row checks the request (POST to
// the function's logical id, the event unchanged) and that no error text
// carries the event or its cookie.
func TestInvokeAPI(t *testing.T) {
	const fn = authorizerFunction
	limit := strings.Repeat("x", maxInvokeResponse)
	tests := []struct {
		name       string
		answer     http.HandlerFunc
		want       string // the response, when no error is expected
		wantFnErr  *functionError
		wantErrHas string // a part of an errInvoke text
	}{
		{name: "success", answer: reply(200, "", `{"principalId":"u"}`), want: `{"principalId":"u"}`},
		{name: "success at the 6 MB limit", answer: reply(200, "", limit), want: limit},
		{name: "unhandled Unauthorized", answer: reply(200, "Unhandled", `{"errorMessage":"Unauthorized","errorType":"errorString"}`),
			wantFnErr: &functionError{Message: "Unauthorized"}},
		{name: "handled error", answer: reply(200, "Handled", `{"errorMessage":"store unavailable","errorType":"wrapError","stackTrace":[]}`),
			wantFnErr: &functionError{Message: "store unavailable"}},
		{name: "function error without errorMessage", answer: echoEvent("Unhandled"), wantErrHas: "without a readable errorMessage"},
		{name: "function error body not JSON", answer: reply(200, "Unhandled", "panic: "+secretMarker), wantErrHas: "without a readable errorMessage"},
		{name: "status 502", answer: echoStatus(http.StatusBadGateway), wantErrHas: "status 502"},
		{name: "status 404 names the error type", answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			echoStatus(http.StatusNotFound)(w, r)
		}, wantErrHas: "status 404 (ResourceNotFoundException)"},
		{name: "a redirect is not followed", answer: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere?c="+secretMarker, http.StatusTemporaryRedirect)
		}, wantErrHas: "status 307"},
		{name: "oversized response", answer: reply(200, "", limit+"x"), wantErrHas: "response larger than 6291456 bytes"},
		{name: "oversized function error", answer: reply(200, "Unhandled", limit+"x"), wantErrHas: "response larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeInvokeAPI(t)
			f.answer(fn, tt.answer)
			out, err := newInvokeAPI(f.URL).invoke(context.Background(), fn, testEvent)

			calls := f.takeCalls()
			if len(calls) != 1 {
				t.Fatalf("%d requests, want 1", len(calls))
			}
			c := calls[0]
			if c.Method != http.MethodPost || c.Path != "/2015-03-31/functions/AuthorizerFunction/invocations" || c.ContentType != "application/json" {
				t.Errorf("request %s %s (Content-Type %q)", c.Method, c.Path, c.ContentType)
			}
			if string(c.Body) != string(testEvent) {
				t.Errorf("event changed on the way:\n got %s\nwant %s", c.Body, testEvent)
			}

			switch {
			case tt.wantFnErr != nil:
				var fe *functionError
				if !errors.As(err, &fe) || *fe != *tt.wantFnErr {
					t.Fatalf("got %#v (%v), want %#v", err, err, tt.wantFnErr)
				}
				if err.Error() != tt.wantFnErr.Message {
					t.Errorf("error text %q, want exactly errorMessage %q", err, tt.wantFnErr.Message)
				}
			case tt.wantErrHas != "":
				if !errors.Is(err, errInvoke) || !strings.Contains(err.Error(), tt.wantErrHas) {
					t.Fatalf("got %v, want an errInvoke containing %q", err, tt.wantErrHas)
				}
				var fe *functionError
				if errors.As(err, &fe) {
					t.Errorf("a failed invocation became a function error: %v", err)
				}
				if strings.Contains(err.Error(), secretMarker) || strings.Contains(err.Error(), "Cookie") {
					t.Errorf("error text carries the event: %v", err)
				}
			default:
				if err != nil || string(out) != tt.want {
					t.Fatalf("got %.80q, %v; want %.80q", out, err, tt.want)
				}
			}
		})
	}
}

// echoEvent answers with the request's body, as a function error of kind.
func echoEvent(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amz-Function-Error", kind)
		_, _ = io.Copy(w, r.Body)
	}
}

// echoStatus answers status with the request's body (which the client
// must not copy into its error).
func echoStatus(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = io.Copy(w, r.Body)
	}
}

// TestInvokeAPITransport: an endpoint that is down, one that does not
// answer within the invocation timeout, and an endpoint with a path prefix.
func TestInvokeAPITransport(t *testing.T) {
	t.Run("endpoint down", func(t *testing.T) {
		f := newFakeInvokeAPI(t)
		url := f.URL
		f.Close()
		_, err := newInvokeAPI(url).invoke(context.Background(), exampleBackendFunction, testEvent)
		if !errors.Is(err, errInvoke) || strings.Contains(err.Error(), secretMarker) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		f := newFakeInvokeAPI(t)
		f.answer(exampleBackendFunction, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		api := newInvokeAPI(f.URL)
		api.timeout = 50 * time.Millisecond // the endpoint never answers: any timeout ends it
		_, err := api.invoke(context.Background(), exampleBackendFunction, testEvent)
		if !errors.Is(err, errInvoke) || !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), secretMarker) {
			t.Fatalf("got %v, want an errInvoke wrapping context.DeadlineExceeded", err)
		}
	})
	t.Run("path prefix", func(t *testing.T) {
		f := newFakeInvokeAPI(t)
		ep, problems := parseLambdaEndpoint(f.URL + "/prefix/")
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		_, _ = newInvokeAPI(ep).invoke(context.Background(), exampleBackendFunction, testEvent)
		if calls := f.takeCalls(); len(calls) != 1 || calls[0].Path != "/prefix/2015-03-31/functions/ExampleBackendFunction/invocations" {
			t.Fatalf("requests %+v", calls)
		}
	})
}

// TestLambdaEndpointFlag: -lambda-endpoint defaults to LAMBDA_ENDPOINT,
// overrides it, and a URL that is not http or https is refused with every
// problem listed.
func TestLambdaEndpointFlag(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		want     string
		problems []string
	}{
		{name: "unset: in-process", want: ""},
		{name: "from the environment", env: map[string]string{"LAMBDA_ENDPOINT": "http://127.0.0.1:3001"}, want: "http://127.0.0.1:3001"},
		{name: "the flag overrides the environment", env: map[string]string{"LAMBDA_ENDPOINT": "http://127.0.0.1:3001"},
			args: []string{"-lambda-endpoint", " https://lambda.example:9001/ "}, want: "https://lambda.example:9001"},
		{name: "a path prefix is kept", args: []string{"-lambda-endpoint", "http://127.0.0.1:9000/emu/"}, want: "http://127.0.0.1:9000/emu"},
		{name: "not http", args: []string{"-lambda-endpoint", "ftp://127.0.0.1:3001"},
			problems: []string{`-lambda-endpoint: "ftp://127.0.0.1:3001" is not an http or https URL`}},
		{name: "no scheme, from the environment", env: map[string]string{"LAMBDA_ENDPOINT": "localhost:3001"},
			problems: []string{`LAMBDA_ENDPOINT: "localhost:3001" is not an http or https URL`}},
		{name: "no host", args: []string{"-lambda-endpoint", "http:///2015-03-31"}, problems: []string{"-lambda-endpoint: \"http:///2015-03-31\" has no host"}},
		{name: "every problem is listed", args: []string{"-addr", "nowhere", "-lambda-endpoint", "http://user:pw@127.0.0.1:3001?x=1"},
			problems: []string{`-addr: "nowhere" is not host:port`, "-lambda-endpoint: the URL must not carry a user or password",
				"-lambda-endpoint: \"http://user:xxxxx@127.0.0.1:3001?x=1\" must not have a query or fragment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			s, err := parseFlagsErr(tt.args, lookup)
			if len(tt.problems) == 0 {
				if err != nil || s.lambdaEndpoint != tt.want {
					t.Fatalf("got %q, %v; want %q", s.lambdaEndpoint, err, tt.want)
				}
				return
			}
			if !errors.Is(err, errConfig) {
				t.Fatalf("got %v, want errConfig", err)
			}
			for _, p := range tt.problems {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error lacks %q:\n%v", p, err)
				}
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

// parseFlagsErr is parseFlags with its problems as one error, as runWith
// reports them.
func parseFlagsErr(args []string, lookup func(string) (string, bool)) (settings, error) {
	s, ps, err := parseFlags(args, lookup, io.Discard)
	if err != nil {
		return s, err
	}
	var p problemList
	p.add(ps...)
	return s, p.err()
}

// allowPolicy is an authorizer response that allows everything for user.
func allowPolicy(user string) string {
	return `{"principalId":"` + user + `","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke",` +
		`"Effect":"Allow","Resource":"arn:aws:execute-api:*"}]},"context":{"userId":"` + user + `"}}`
}

// TestLambdaEndpointGateway runs the gateway with -lambda-endpoint against
// a fake Invoke API and checks how each kind of answer reaches the client:
// through the same code paths as in-process functions.
func TestLambdaEndpointGateway(t *testing.T) {
	f := newFakeInvokeAPI(t)
	g := startGateway(t, map[string]string{}, time.Now, "-lambda-endpoint", f.URL+"/")
	c := newClient(t, g.URL)
	cookie := defaultAccessCookie + "=" + secretMarker

	if want := "invoking the Lambda functions AuthorizerFunction, ExampleBackendFunction, SessionApiFunction through the Lambda Invoke API at " + f.URL + ";"; !strings.Contains(g.Stderr.String(), want) {
		t.Errorf("no startup line %q:\n%s", want, g.Stderr)
	}

	tests := []struct {
		name       string
		authorizer http.HandlerFunc
		backend    http.HandlerFunc // ExampleBackendFunction
		method     string
		path       string
		wantStatus int
		wantType   string   // x-amzn-ErrorType
		wantBody   string   // a part of the body
		wantCalls  []string // functions invoked, in order
	}{
		{name: "authorizer throws Unauthorized: 401",
			authorizer: reply(200, "Unhandled", `{"errorMessage":"Unauthorized","errorType":"errorString"}`),
			method:     "GET", path: "/api/me", wantStatus: 401, wantType: "UnauthorizedException", wantBody: `"message":"Unauthorized"`,
			wantCalls: []string{"AuthorizerFunction"}},
		{name: "authorizer fails with another message: 500",
			authorizer: reply(200, "Handled", `{"errorMessage":"unauthorized","errorType":"errorString"}`),
			method:     "GET", path: "/api/me", wantStatus: 500, wantType: "AuthorizerConfigurationException",
			wantCalls: []string{"AuthorizerFunction"}},
		{name: "endpoint answers 502: 500",
			authorizer: echoStatus(http.StatusBadGateway),
			method:     "GET", path: "/api/me", wantStatus: 500, wantType: "AuthorizerConfigurationException",
			wantCalls: []string{"AuthorizerFunction"}},
		{name: "authorizer allows: the HTTP backend gets the user",
			authorizer: reply(200, "", allowPolicy("remote-user")),
			method:     "GET", path: "/api/me", wantStatus: 200, wantBody: `"x-user-id":"remote-user"`,
			wantCalls: []string{"AuthorizerFunction"}},
		{name: "Lambda backend answers",
			authorizer: reply(200, "", allowPolicy("remote-user")),
			backend:    reply(200, "", `{"statusCode":200,"headers":{"Content-Type":"application/json"},"body":"{\"via\":\"remote\"}"}`),
			method:     "GET", path: "/api/lambda-me", wantStatus: 200, wantBody: `{"via":"remote"}`,
			wantCalls: []string{"AuthorizerFunction", "ExampleBackendFunction"}},
		{name: "Lambda backend function error: 502",
			authorizer: reply(200, "", allowPolicy("remote-user")),
			backend:    reply(200, "Unhandled", `{"errorMessage":"boom","errorType":"errorString"}`),
			method:     "GET", path: "/api/lambda-me", wantStatus: 502, wantType: "InternalServerErrorException", wantBody: "Internal server error",
			wantCalls: []string{"AuthorizerFunction", "ExampleBackendFunction"}},
		{name: "session API by its logical id",
			method: "POST", path: "/auth/signout", wantStatus: 200, wantBody: `"signedOut":true`,
			wantCalls: []string{"SessionApiFunction"}},
	}
	f.answer(sessionAPIFunction, reply(200, "", `{"statusCode":200,"body":"{\"signedOut\":true}"}`))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.answer(authorizerFunction, tt.authorizer)
			f.answer(exampleBackendFunction, tt.backend)
			f.takeCalls()
			r := c.do(tt.method, tt.path, "", "Cookie", cookie, "rid", "x")
			if r.Status != tt.wantStatus || !strings.Contains(string(r.Body), tt.wantBody) {
				t.Errorf("got %d %s, want %d with %s", r.Status, r.Body, tt.wantStatus, tt.wantBody)
			}
			if got := r.Header.Get("x-amzn-ErrorType"); got != tt.wantType {
				t.Errorf("x-amzn-ErrorType %q, want %q", got, tt.wantType)
			}
			calls := f.takeCalls()
			var names []string
			for _, call := range calls {
				names = append(names, call.Function)
			}
			if strings.Join(names, ",") != strings.Join(tt.wantCalls, ",") {
				t.Fatalf("invoked %v, want %v", names, tt.wantCalls)
			}
			for _, call := range calls {
				var ev struct {
					Path    string            `json:"path"`
					Headers map[string]string `json:"headers"`
				}
				if err := json.Unmarshal(call.Body, &ev); err != nil || ev.Path != tt.path || ev.Headers["Cookie"] != cookie {
					t.Errorf("%s received an event for %q with Cookie %q (%v)", call.Function, ev.Path, ev.Headers["Cookie"], err)
				}
			}
		})
	}
	if strings.Contains(g.Stderr.String(), secretMarker) {
		t.Errorf("the gateway logged a cookie:\n%s", g.Stderr)
	}
	if want := "Lambda Invoke API: AuthorizerFunction: status 502"; !strings.Contains(g.Stderr.String(), want) {
		t.Errorf("the failed invocation is not logged with its cause %q:\n%s", want, g.Stderr)
	}
}
