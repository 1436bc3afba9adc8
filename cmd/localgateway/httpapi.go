package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/gatewayresponses"
)

// HTTP API semantics (-http-api). What differs from the REST gateway in
// gateway.go, as API Gateway's HTTP APIs do it:
//
//   - The authorizer gets a payload 2.0 REQUEST event and answers with a
//     simple response. With an identity source ($request.header.Authorization,
//     render's variant of a TOKEN authorizer) a request without that header,
//     or with it empty, is 401 {"message":"Unauthorized"} without invoking
//     it. isAuthorized:false is 403 {"message":"Forbidden"};
//     the error "Unauthorized" is 401 {"message":"Unauthorized"}; any other
//     error or output that is not a simple response is 500
//     {"message":"Internal Server Error"}. HTTP APIs have no gateway
//     responses, so none of these carries a body or a header of ours — no
//     claim body on a 403, no cookie on any of them.
//   - http_proxy integrations get the client's request with the route's
//     request parameters applied (identity headers overwritten from
//     $context.authorizer.*), and the response parameters of the backend's
//     status code are applied to its answer (the rotated cookie, or the
//     rotated st-access-token of a client in header mode, and front-token
//     from the authorizer's context).
//   - aws_proxy integrations get a payload 2.0 event whose
//     requestContext.authorizer.lambda is the authorizer's context, and
//     answer with a payload 2.0 response: each element of its cookies is
//     one Set-Cookie line.
//   - CORS comes from x-amazon-apigateway-cors: the gateway answers a
//     preflight that no route matches (a $default or ANY route catches
//     OPTIONS, as in API Gateway) with 204 and, for an allowed origin, the
//     configured headers; every response to an allowed origin gets
//     Access-Control-Allow-Origin (and -Credentials, -Expose-Headers), and
//     an integration's own Access-Control-* headers are dropped.
//   - An unknown route is 404 {"message":"Not Found"}; an integration that
//     does not answer in time 503 {"message":"Service Unavailable"}, one
//     that fails otherwise 500 {"message":"Internal Server Error"}; every
//     response carries apigw-requestid.

// Limits of HTTP APIs that the local gateway keeps.
const (
	httpAPIMaxPayload        = 10 << 20 // request and response payload
	httpAPIAuthorizerTimeout = 10 * time.Second
)

// httpAPIConfig is what newHTTPAPIGateway wires together.
type httpAPIConfig struct {
	// API is the loaded HTTP API definition (gatewayresponses.LoadHTTPAPI).
	API *gatewayresponses.HTTPAPI
	// Authorizer is the REQUEST authorizer; required when a route uses it.
	Authorizer invoker
	// Lambdas are the aws_proxy integrations' functions by logical id;
	// every function a route names must be here.
	Lambdas map[string]invoker
	// Local are the local gateway's own routes, keyed "METHOD /path" by
	// the path the client calls (outside the stage, such as
	// /example-config.json). They come before everything else.
	Local map[string]http.Handler
	// Static serves GET and HEAD requests outside the stage and, served at
	// the root, those no route matches outside the API's top-level paths
	// (the browser example). nil: 404.
	Static http.Handler
	// Stage serves every route under /Stage, as on an execute-api URL
	// with a named stage; "" serves them at the root, as the $default
	// stage does (events then carry stage "$default").
	Stage string
	// Log gets one line per request (method, route, status, duration,
	// request id) and integration failures; never a header, cookie, token
	// or body. Default: discard.
	Log *slog.Logger
	// Now is the clock of the events' requestContext.time. Default
	// time.Now.
	Now func() time.Time
}

// httpAPIGateway serves a loaded HTTP API definition on one machine.
type httpAPIGateway struct {
	api        *gatewayresponses.HTTPAPI
	authorizer invoker
	lambdas    map[string]invoker
	local      map[string]http.Handler
	static     http.Handler
	stage      string
	apiRoots   map[string]bool
	client     *http.Client
	log        *slog.Logger
	now        func() time.Time
}

// newHTTPAPIGateway checks that every route can be served — each Lambda
// function a route names has a handler, the authorizer exists when a
// route uses it, the stage is a valid name — and returns the handler. It
// fails closed: every problem at start-up, together.
func newHTTPAPIGateway(c httpAPIConfig) (http.Handler, error) {
	if c.API == nil {
		return nil, fmt.Errorf("%w: no HTTP API definition", errConfig)
	}
	var problems []string
	if c.Stage != "" && !stageName.MatchString(c.Stage) {
		problems = append(problems, fmt.Sprintf("stage %q: want letters, digits, - and _ (1 to 128)", c.Stage))
	}
	roots := map[string]bool{}
	for _, r := range c.API.Routes {
		if seg := firstSegment(r.Path); seg != "" {
			roots[seg] = true
		}
		if r.Authorized && c.Authorizer == nil {
			problems = append(problems, r.Key+": uses the authorizer, which is not configured")
		}
		switch r.Integration.Type {
		case gatewayresponses.HTTPAPIHTTPProxy:
		case gatewayresponses.HTTPAPILambdaProxy:
			if c.Lambdas[r.Integration.Function] == nil {
				problems = append(problems, r.Key+": no handler for Lambda function "+r.Integration.Function)
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: integration type %q", r.Key, r.Integration.Type))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: cannot serve the HTTP API definition:\n  - %s", errConfig, strings.Join(problems, "\n  - "))
	}
	g := &httpAPIGateway{api: c.API, authorizer: c.Authorizer, lambdas: c.Lambdas, local: c.Local, static: c.Static,
		stage: c.Stage, apiRoots: roots, log: c.Log, now: c.Now,
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if g.log == nil {
		g.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}

// ServeHTTP serves one request and logs one line (see serveLogged).
func (g *httpAPIGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	serveLogged(w, r, g.log, "Apigw-Requestid", newHTTPAPIRequestID(), g.serve)
}

// httpAPIResponse is what the gateway sends the client.
type httpAPIResponse struct {
	status int
	header http.Header
	body   []byte
}

// httpAPIMessage is one of the HTTP API's own answers: a JSON
// {"message": ...} body and nothing else of ours.
func httpAPIMessage(status int, message string) *httpAPIResponse {
	b, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{message})
	return &httpAPIResponse{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

var (
	errNotFound     = func() *httpAPIResponse { return httpAPIMessage(http.StatusNotFound, "Not Found") }
	errUnauthorized = func() *httpAPIResponse { return httpAPIMessage(http.StatusUnauthorized, "Unauthorized") }
	errForbidden    = func() *httpAPIResponse { return httpAPIMessage(http.StatusForbidden, "Forbidden") }
	errInternal     = func() *httpAPIResponse {
		return httpAPIMessage(http.StatusInternalServerError, "Internal Server Error")
	}
	errUnavailable    = func() *httpAPIResponse { return httpAPIMessage(http.StatusServiceUnavailable, "Service Unavailable") }
	errEntityTooLarge = func() *httpAPIResponse {
		return httpAPIMessage(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	}
)

// routePath places a request's path in the stage: ok is false for a path
// outside /<stage>.
func (g *httpAPIGateway) routePath(p string) (string, bool) {
	if g.stage == "" {
		return p, true
	}
	rest, ok := strings.CutPrefix(p, "/"+g.stage)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	if rest == "" {
		rest = "/"
	}
	return rest, true
}

// serve dispatches and returns the route name for the log.
func (g *httpAPIGateway) serve(w http.ResponseWriter, r *http.Request, rid string) string {
	if h, ok := g.local[r.Method+" "+r.URL.Path]; ok {
		h.ServeHTTP(w, r)
		return "local " + r.Method + " " + r.URL.Path
	}
	origin := r.Header.Get("Origin")
	static := (r.Method == http.MethodGet || r.Method == http.MethodHead) && g.static != nil
	routePath, inStage := g.routePath(r.URL.Path)
	if !inStage {
		if static {
			g.static.ServeHTTP(w, r)
			return "static"
		}
		g.write(w, r, errNotFound(), origin)
		return "outside the stage"
	}
	m, err := g.api.Match(r.Method, routePath)
	if err != nil {
		switch {
		case g.api.CORS != nil && gatewayresponses.IsPreflight(r):
			writeHTTPAPI(w, r, &httpAPIResponse{status: http.StatusNoContent, header: g.api.CORS.PreflightHeader(origin)})
			return "preflight"
		case static && g.stage == "" && !g.apiRoots[firstSegment(routePath)]:
			g.static.ServeHTTP(w, r)
			return "static"
		}
		g.write(w, r, errNotFound(), origin)
		return "no route"
	}
	name := m.Route.Key
	body, bp := readBody(w, r, httpAPIMaxPayload)
	switch bp {
	case bodyOK:
	case bodyTooLarge:
		g.write(w, r, errEntityTooLarge(), origin)
		return name
	default:
		writeBodyProblem(w, bp)
		return name
	}
	q := &httpAPIRequest{r: r, stage: httpAPIDefaultStage, routePath: routePath, match: m, requestID: rid, now: g.now()}
	if g.stage != "" {
		q.stage = g.stage
	}
	ctx := r.Context()
	var authCtx map[string]any
	if m.Route.Authorized {
		var denied *httpAPIResponse
		if authCtx, denied = g.authorize(ctx, q); denied != nil {
			g.write(w, r, denied, origin)
			return name
		}
	}
	var resp *httpAPIResponse
	switch in := &m.Route.Integration; in.Type {
	case gatewayresponses.HTTPAPIHTTPProxy:
		resp = g.httpProxy(ctx, q, in, body, authCtx)
	case gatewayresponses.HTTPAPILambdaProxy:
		resp = g.lambdaProxy(ctx, q, in, body, authCtx)
	default: // refused by newHTTPAPIGateway
		resp = errInternal()
	}
	g.write(w, r, resp, origin)
	return name
}

// authorize runs the REQUEST authorizer with a payload 2.0 event and
// returns its context (decoded with UseNumber, values as it returned
// them), or the response that ends the request. A request without one of
// the authorizer's identity headers, or with it empty, is 401 without
// invoking it.
func (g *httpAPIGateway) authorize(ctx context.Context, q *httpAPIRequest) (map[string]any, *httpAPIResponse) {
	ev, ok := q.authorizerEvent(g.api.IdentityHeaders)
	if !ok {
		return nil, errUnauthorized()
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, errInternal()
	}
	ctx, cancel := context.WithTimeout(ctx, httpAPIAuthorizerTimeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: newRequestID(),
		InvokedFunctionArn: localFunctionARN(g.api.Authorizer)})
	out, err := g.authorizer(ctx, payload)
	if err != nil {
		if err.Error() == authorizer.Unauthorized {
			return nil, errUnauthorized()
		}
		attrs := []any{"requestId", q.requestID}
		if errors.Is(err, errInvoke) { // the gateway's own text: the function and the problem
			attrs = append(attrs, "error", err.Error())
		}
		g.log.Warn("authorizer failed", attrs...)
		return nil, errInternal()
	}
	var resp struct {
		IsAuthorized *bool          `json:"isAuthorized"`
		Context      map[string]any `json:"context"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&resp); err != nil || resp.IsAuthorized == nil {
		g.log.Error("authorizer output is not a simple response (isAuthorized)", "requestId", q.requestID)
		return nil, errInternal()
	}
	if !*resp.IsAuthorized {
		return nil, errForbidden()
	}
	if resp.Context == nil {
		resp.Context = map[string]any{}
	}
	return resp.Context, nil
}

// hopByHopHeaders are not forwarded by a proxy, in either direction.
var hopByHopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// httpProxy forwards the request to an http_proxy backend with the
// route's request parameters applied, and applies the response
// parameters of the backend's status code to its answer.
func (g *httpAPIGateway) httpProxy(ctx context.Context, q *httpAPIRequest, in *gatewayresponses.HTTPAPIIntegration, body []byte, authCtx map[string]any) *httpAPIResponse {
	r, key := q.r, q.match.Route.Key
	target, err := in.TargetURL(q.match.PathParameters, r.URL.RawQuery)
	if err != nil {
		g.log.Error("http_proxy integration: target", "route", key, "requestId", q.requestID, "error", err.Error())
		return errInternal()
	}
	clientHeader := r.Header.Clone()
	clientHeader.Set("Host", r.Host) // $request.header.host reads it, as in API Gateway
	h := r.Header.Clone()
	for _, k := range hopByHopHeaders {
		h.Del(k)
	}
	ev, _ := headersAndCookies(r)
	for _, k := range []string{"x-forwarded-for", "x-forwarded-proto", "x-forwarded-port"} {
		if v, ok := ev[k]; ok {
			h.Set(k, v)
		}
	}
	vals := gatewayresponses.HTTPAPIValues{Request: clientHeader, PathParameters: q.match.PathParameters, Authorizer: authCtx}
	if err := in.MapRequestHeader(h, vals); err != nil {
		g.log.Error("http_proxy integration: request parameters", "route", key, "requestId", q.requestID, "error", err.Error())
		return errInternal()
	}
	method := in.HTTPMethod
	if method == "ANY" {
		method = r.Method
	}
	ctx, cancel := context.WithTimeout(ctx, in.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		g.log.Error("http_proxy integration: request", "route", key, "requestId", q.requestID, "error", err.Error())
		return errInternal()
	}
	req.Header = h
	res, err := g.client.Do(req)
	if err != nil {
		// Not the *url.Error's text: its URL holds the client's query
		// string, which may carry a token.
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err
		}
		g.log.Warn("http_proxy integration failed", "route", key, "requestId", q.requestID, "error", cause.Error())
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return errUnavailable()
		}
		return errInternal()
	}
	defer res.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(res.Body, httpAPIMaxPayload+1))
	if err != nil || len(rb) > httpAPIMaxPayload {
		g.log.Warn("http_proxy integration: unreadable or too large response", "route", key, "requestId", q.requestID)
		return errInternal()
	}
	out := res.Header.Clone()
	for _, k := range hopByHopHeaders {
		out.Del(k)
	}
	vals.Response = res.Header
	status, err := in.MapResponse(res.StatusCode, out, vals)
	if err != nil {
		g.log.Error("http_proxy integration: response parameters", "route", key, "requestId", q.requestID, "error", err.Error())
		return errInternal()
	}
	return &httpAPIResponse{status: status, header: out, body: rb}
}

// lambdaProxy invokes an aws_proxy integration with a payload 2.0 event.
// A Lambda error or a malformed response is 500 Internal Server Error;
// no answer within the integration's timeout is 503.
func (g *httpAPIGateway) lambdaProxy(ctx context.Context, q *httpAPIRequest, in *gatewayresponses.HTTPAPIIntegration, body []byte, authCtx map[string]any) *httpAPIResponse {
	fn := in.Function
	payload, err := json.Marshal(q.proxyEvent(body, authCtx))
	if err != nil {
		g.log.Error("aws_proxy integration: event", "function", fn, "requestId", q.requestID, "error", err.Error())
		return errInternal()
	}
	ctx, cancel := context.WithTimeout(ctx, in.Timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: newRequestID(),
		InvokedFunctionArn: localFunctionARN(fn)})
	out, err := g.lambdas[fn](ctx, payload)
	if err == nil {
		var resp httpAPIResponse
		if resp.status, resp.header, resp.body, err = decodeHTTPAPIResponse(out); err == nil {
			return &resp
		}
	}
	if ctx.Err() != nil {
		g.log.Warn("aws_proxy integration timed out", "function", fn, "requestId", q.requestID)
		return errUnavailable()
	}
	attrs := []any{"function", fn, "requestId", q.requestID}
	if errors.Is(err, errInvoke) || errors.Is(err, errBadHTTPAPIResponse) { // our own text, never the function's
		attrs = append(attrs, "error", err.Error())
	}
	g.log.Error("aws_proxy integration failed", attrs...)
	return errInternal()
}

// write applies the CORS configuration for origin and sends resp.
func (g *httpAPIGateway) write(w http.ResponseWriter, r *http.Request, resp *httpAPIResponse, origin string) {
	if resp.header == nil {
		resp.header = http.Header{}
	}
	g.api.CORS.ApplyResponse(resp.header, origin)
	writeHTTPAPI(w, r, resp)
}

// writeHTTPAPI sends resp; each Set-Cookie value stays its own line, and a
// header with an empty value is never sent.
func writeHTTPAPI(w http.ResponseWriter, r *http.Request, resp *httpAPIResponse) {
	h := w.Header()
	for k, vs := range resp.header {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Date":
			continue
		}
		for _, v := range vs {
			if v != "" {
				h.Add(k, v)
			}
		}
	}
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead && len(resp.body) > 0 && resp.status != http.StatusNoContent {
		_, _ = w.Write(resp.body)
	}
}
