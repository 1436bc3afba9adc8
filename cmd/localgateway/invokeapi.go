package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxInvokeResponse is Lambda's limit on a synchronous invocation's
// response payload: 6 MB. A larger answer is an error, never read whole.
const maxInvokeResponse = 6 << 20

// errInvoke wraps every failed invocation through the Invoke API that is
// not a function error: the endpoint could not be reached or did not answer
// in time, answered a status other than 200, or sent a body that is too
// large or unreadable. Its text names the function and the problem, never
// the event, a cookie or a header.
var errInvoke = errors.New("localgateway: Lambda Invoke API")

// functionError is a function error reported by the Invoke API: a 200 with
// X-Amz-Function-Error (Handled or Unhandled) and the body
// {"errorMessage":…,"errorType":…}. Its text is exactly errorMessage, as
// API Gateway sees it, so the authorizer's "Unauthorized" is a 401 through
// the same code path as in-process.
type functionError struct{ Message string }

func (e *functionError) Error() string { return e.Message }

// invokeAPI calls Lambda functions through the AWS Lambda Invoke API
// (POST {endpoint}/2015-03-31/functions/{name}/invocations), as served by
// `sam local start-lambda` (functions by logical id) or the AWS runtime
// interface emulator (any name). It sends no credentials.
type invokeAPI struct {
	endpoint string        // http(s)://host[:port][/prefix], no trailing slash
	client   *http.Client  // follows no redirects
	timeout  time.Duration // per invocation, on top of the caller's deadline
}

// newInvokeAPI returns the client of an endpoint that parseLambdaEndpoint
// accepted. Each invocation is bounded by integrationDeadline, API
// Gateway's integration timeout (the authorizer's context is shorter
// still).
func newInvokeAPI(endpoint string) *invokeAPI {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32 // the gateway serves many requests at once
	return &invokeAPI{endpoint: endpoint, timeout: integrationDeadline,
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
}

// functions are the API's Lambda functions, each invoked by its logical
// id: the authorizer, and the AWS_PROXY integrations keyed by it.
func (a *invokeAPI) functions(f apiFunctions) (invoker, map[string]invoker) {
	lambdas := map[string]invoker{}
	for _, fn := range f.proxies {
		lambdas[fn] = a.function(fn)
	}
	if f.authorizer == "" {
		return nil, lambdas
	}
	return a.function(f.authorizer), lambdas
}

// function is the invoker of the function with logical id name.
func (a *invokeAPI) function(name string) invoker {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		return a.invoke(ctx, name, payload)
	}
}

// invoke sends payload, unchanged, as the event of a RequestResponse
// invocation of name and returns the function's response; a function error
// is a *functionError, anything else that goes wrong wraps errInvoke.
func (a *invokeAPI) invoke(ctx context.Context, name string, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	u := a.endpoint + "/2015-03-31/functions/" + url.PathEscape(name) + "/invocations"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errInvoke, name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	res, err := a.client.Do(req)
	if err != nil {
		// *url.Error: the method, the invocation URL and the cause.
		return nil, fmt.Errorf("%w: %s: %w", errInvoke, name, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		detail := ""
		if t := token(res.Header.Get("X-Amzn-ErrorType")); t != "" {
			detail = " (" + t + ")"
		}
		return nil, fmt.Errorf("%w: %s: status %d%s", errInvoke, name, res.StatusCode, detail)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxInvokeResponse+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: reading the response: %w", errInvoke, name, err)
	}
	if len(body) > maxInvokeResponse {
		return nil, fmt.Errorf("%w: %s: response larger than %d bytes", errInvoke, name, maxInvokeResponse)
	}
	if res.Header.Get("X-Amz-Function-Error") == "" {
		return body, nil
	}
	var doc struct {
		Message *string `json:"errorMessage"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Message == nil {
		return nil, fmt.Errorf("%w: %s: function error without a readable errorMessage", errInvoke, name)
	}
	return nil, &functionError{Message: *doc.Message}
}

// token keeps an identifier from a response header (an error type such as
// ResourceNotFoundException) for an error text: at most 64 letters, digits
// and . : _ -; anything else gives "".
func token(s string) string {
	if len(s) > 64 {
		return ""
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".:_-", c)) {
			return ""
		}
	}
	return s
}

// parseLambdaEndpoint checks a -lambda-endpoint value (see parseBaseURL).
func parseLambdaEndpoint(raw string) (string, []string) {
	return parseBaseURL(raw, "http://127.0.0.1:3001")
}

// parseBaseURL checks the base URL of something the gateway calls: http
// or https, a host, no user, query or fragment. It returns it without a
// trailing slash, or the problems with it; example shows the expected form.
func parseBaseURL(raw, example string) (string, []string) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", []string{fmt.Sprintf("%q is not a URL like %s", raw, example)}
	}
	var problems []string
	if u.Scheme != "http" && u.Scheme != "https" {
		problems = append(problems, fmt.Sprintf("%q is not an http or https URL (like %s)", u.Redacted(), example))
	} else if u.Host == "" {
		problems = append(problems, fmt.Sprintf("%q has no host", u.Redacted()))
	}
	if u.User != nil {
		problems = append(problems, "the URL must not carry a user or password")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		problems = append(problems, fmt.Sprintf("%q must not have a query or fragment", u.Redacted()))
	}
	return strings.TrimRight(u.String(), "/"), problems
}
