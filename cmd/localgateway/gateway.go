package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/gatewayresponses"
)

// Gateway response types the local gateway produces besides those
// gatewayresponses names.
const (
	missingAuthToken   gatewayresponses.ResponseType = "MISSING_AUTHENTICATION_TOKEN"
	integrationFailure gatewayresponses.ResponseType = "INTEGRATION_FAILURE"
	integrationTimeout gatewayresponses.ResponseType = "INTEGRATION_TIMEOUT"
	requestTooLarge    gatewayresponses.ResponseType = "REQUEST_TOO_LARGE"
)

// Limits of API Gateway (REST) that the local gateway keeps.
const (
	maxPayload          = 10 << 20 // 10 MB request and response payload
	authorizerTimeout   = 10 * time.Second
	integrationDeadline = 29 * time.Second
)

// errorTypes are the x-amzn-ErrorType values API Gateway sends with its
// own responses.
var errorTypes = map[gatewayresponses.ResponseType]string{
	gatewayresponses.Unauthorized:                 "UnauthorizedException",
	gatewayresponses.AccessDenied:                 "AccessDeniedException",
	gatewayresponses.AuthorizerConfigurationError: "AuthorizerConfigurationException",
	missingAuthToken:                              "MissingAuthenticationTokenException",
}

// invoker calls a Lambda function in-process with a JSON payload, as
// lambda.NewHandler(h).Invoke does, and returns its JSON output.
type invoker func(ctx context.Context, payload []byte) ([]byte, error)

// lambdaFunc makes an invoker of a Lambda handler function through
// aws-lambda-go's own JSON round trip, safe for concurrent requests.
//
// A handler built by lambda.NewHandler is made for Lambda, which invokes a
// process one event at a time: its Invoke returns bytes that alias a pooled
// buffer, which it has already put back in the pool. Two concurrent
// invocations of one such handler can therefore hand one request the
// other's response (seen under load here: a user received another user's
// refreshed cookies). The local gateway serves requests concurrently, so it
// builds a handler per invocation; the pool then belongs to that call alone.
func lambdaFunc(handler any) invoker {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		return lambda.NewHandler(handler).Invoke(ctx, payload)
	}
}

// gateway serves a loaded REST API definition on one machine.
type gateway struct {
	api        *gatewayresponses.API
	stage      string             // "" at the root
	authorizer invoker            // the REQUEST or TOKEN authorizer
	lambdas    map[string]invoker // AWS_PROXY integrations by function logical id
	services   map[*gatewayresponses.Route]string
	local      map[string]http.Handler
	static     http.Handler // GET and HEAD outside the API
	apiRoots   map[string]bool
	client     *http.Client
	log        *slog.Logger
	now        func() time.Time
}

// gatewayConfig is what newGateway wires together.
type gatewayConfig struct {
	API *gatewayresponses.API
	// Stage serves every route under /Stage, as on an execute-api URL;
	// "" serves them at the root.
	Stage      string
	Authorizer invoker
	Lambdas    map[string]invoker
	// Services are the URLs AWS (non-proxy) integrations are sent to, by
	// route (serviceTargets); an AWS route not in it answers 502.
	Services map[*gatewayresponses.Route]string
	// Local are routes of the local gateway only, keyed "METHOD /path" by
	// the path the client calls (/example-config.json outside the stage,
	// the demo sign-in within it); they take precedence over everything
	// else.
	Local map[string]http.Handler
	// Static serves GET and HEAD requests outside the stage and outside
	// the API's top-level paths (the browser example).
	Static http.Handler
	Log    *slog.Logger
	Now    func() time.Time
}

// newGateway checks that every route of the API can be served — each
// Lambda function it names has an in-process handler, each integration
// type is implemented — and returns the handler. It fails closed: a
// definition the local gateway cannot run exactly is an error at start-up,
// not a surprise at request time.
func newGateway(c gatewayConfig) (*gateway, error) {
	var problems []string
	if c.API == nil {
		return nil, fmt.Errorf("%w: no API definition", errConfig)
	}
	roots := map[string]bool{}
	for _, r := range c.API.Routes {
		if seg := firstSegment(r.Path); seg != "" {
			roots[seg] = true
		}
		where := r.Method + " " + r.Path
		if r.Authorized && c.Authorizer == nil {
			problems = append(problems, where+": uses the authorizer, which is not configured")
		}
		switch r.Type {
		case gatewayresponses.Mock, gatewayresponses.HTTP, gatewayresponses.HTTPProxy, gatewayresponses.AWS:
		case gatewayresponses.AWSProxy:
			fn, ok := r.LambdaFunction()
			if !ok {
				problems = append(problems, where+": AWS_PROXY integration without a ${Function.Arn} URI")
			} else if c.Lambdas[fn] == nil {
				problems = append(problems, where+": no in-process handler for Lambda function "+fn+
					" (the local gateway runs the authorizer, the session API and "+exampleBackendFunction+
					" itself; run other functions with -lambda-endpoint)")
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: integration type %s is not supported by the local gateway", where, r.Type))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: cannot serve the API definition:\n  - %s", errConfig, strings.Join(problems, "\n  - "))
	}
	g := &gateway{api: c.API, stage: c.Stage, authorizer: c.Authorizer, lambdas: c.Lambdas, services: c.Services,
		local: c.Local, static: c.Static, apiRoots: roots, log: c.Log, now: c.Now,
		client: &http.Client{Timeout: integrationDeadline, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
	if g.log == nil {
		g.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}

func firstSegment(p string) string {
	p = strings.TrimPrefix(p, "/")
	seg, _, _ := strings.Cut(p, "/")
	return seg
}

// recorder remembers the status for the request log.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ServeHTTP serves one request and logs one line (see serveLogged).
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	serveLogged(w, r, g.log, "x-amzn-RequestId", newRequestID(), g.serve)
}

// serveLogged serves one request with serve, sets the request id header,
// and logs one line: method, route, status, duration and request id —
// never headers, cookies or bodies.
func serveLogged(w http.ResponseWriter, r *http.Request, log *slog.Logger, idHeader, rid string,
	serve func(http.ResponseWriter, *http.Request, string) string) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	rec.Header().Set(idHeader, rid)
	route := serve(rec, r, rid)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	log.Info("request", "method", r.Method, "route", route, "status", rec.status,
		"duration", time.Since(start).Round(time.Microsecond).String(), "requestId", rid)
}

// stagePath places a request's path in the stage: ok is false for a path
// outside /<stage>. Served at the root, every path is inside.
func (g *gateway) stagePath(p string) (stagePath, bool) {
	if g.stage == "" {
		return stagePath{stage: rootStage, full: p, route: p}, true
	}
	rest, ok := strings.CutPrefix(p, "/"+g.stage)
	if !ok || (rest != "" && rest[0] != '/') {
		return stagePath{}, false
	}
	if rest == "" {
		rest = "/" // GET /prod is the root resource of stage prod
	}
	return stagePath{stage: g.stage, full: p, route: rest}, true
}

// serve dispatches and returns the route name for the log:
//
//   - the local routes (outside the stage) first;
//   - a path outside the stage: the browser example for a GET or HEAD
//     outside the API's top-level paths, else the MISSING_AUTHENTICATION_TOKEN
//     gateway response, API Gateway's answer to a path it does not know;
//   - a path inside: the route API Gateway would match within the stage,
//     or MISSING_AUTHENTICATION_TOKEN (served at the root, an unmatched GET
//     or HEAD outside the API's top-level paths is the browser example).
func (g *gateway) serve(w http.ResponseWriter, r *http.Request, rid string) string {
	if h, ok := g.local[r.Method+" "+r.URL.Path]; ok {
		h.ServeHTTP(w, r)
		return "local " + r.Method + " " + r.URL.Path
	}
	static := (r.Method == http.MethodGet || r.Method == http.MethodHead) && !g.apiRoots[firstSegment(r.URL.Path)] && g.static != nil
	sp, inStage := g.stagePath(r.URL.Path)
	if !inStage {
		if static {
			g.static.ServeHTTP(w, r)
			return "static"
		}
		g.gatewayResponse(w, r, missingAuthToken, nil)
		return "outside the stage"
	}
	route, err := g.api.Match(r.Method, sp.route)
	if err != nil {
		if static && g.stage == "" {
			g.static.ServeHTTP(w, r)
			return "static"
		}
		g.gatewayResponse(w, r, missingAuthToken, nil)
		return "no route"
	}
	name := route.Method + " " + route.Path
	body, bp := readBody(w, r, maxPayload)
	switch bp {
	case bodyOK:
	case bodyTooLarge:
		g.gatewayResponse(w, r, requestTooLarge, nil)
		return name
	default:
		writeBodyProblem(w, bp)
		return name
	}
	ctx := r.Context()
	var authCtx map[string]string
	if route.Authorized {
		var t gatewayresponses.ResponseType
		authCtx, t = g.authorize(ctx, r, sp, route.Path, rid)
		if t != "" {
			g.gatewayResponse(w, r, t, authCtx)
			return name
		}
	}
	var resp *gatewayresponses.Response
	switch route.Type {
	case gatewayresponses.Mock:
		resp, err = route.EvaluateMock(authCtx)
	case gatewayresponses.HTTP, gatewayresponses.HTTPProxy:
		var target string
		if target, err = route.BackendURI(sp.route); err == nil { // {id} in the URI from the path
			resp, err = g.httpIntegration(ctx, r, route, target, body, authCtx, rid)
		}
	case gatewayresponses.AWS:
		if target, ok := g.services[route]; ok {
			resp, err = g.httpIntegration(ctx, r, route, target, body, authCtx, rid)
			break
		}
		t, _ := parseAWSURI(route.URI) // checked at start-up
		g.log.Error("AWS integration: no -service "+t.service+"=URL given, so it cannot be sent anywhere",
			"route", name, "requestId", rid)
		resp, err = g.badGateway(r)
	case gatewayresponses.AWSProxy:
		resp, err = g.lambdaProxy(ctx, r, sp, route, body, rid, authCtx)
	default:
		err = fmt.Errorf("integration type %s", route.Type) // refused by newGateway
	}
	if err != nil {
		g.log.Error("integration failed", "route", name, "requestId", rid, "error", err.Error())
		g.gatewayResponse(w, r, gatewayresponses.Default5XX, nil)
		return name
	}
	writeResponse(w, r, resp)
	return name
}

// authorize runs the authorizer and maps its outcome as API Gateway does.
// A REQUEST authorizer gets the whole request (authorizerEvent); a TOKEN
// authorizer only its token header's value (tokenAuthorizerEvent), and a
// request without that header, or with it empty, is UNAUTHORIZED without
// invoking it. Then:
//
//   - error "Unauthorized" → UNAUTHORIZED, with no authorizer context;
//   - any other error, or output API Gateway cannot use (no principalId or
//     policy, a nested context value) → AUTHORIZER_CONFIGURATION_ERROR: the
//     x-amzn-ErrorType API Gateway sends is AuthorizerConfigurationException;
//   - Deny, explicit or implicit → ACCESS_DENIED with the context;
//   - Allow → "" and the context for the integration.
func (g *gateway) authorize(ctx context.Context, r *http.Request, sp stagePath, tpl, rid string) (map[string]string, gatewayresponses.ResponseType) {
	var ev any
	var arn string
	if g.api.AuthorizerType == gatewayresponses.TokenAuthorizer {
		tev, ok := tokenAuthorizerEvent(r, sp, g.api.TokenHeader)
		if !ok {
			return nil, gatewayresponses.Unauthorized
		}
		ev, arn = tev, tev.MethodArn
	} else {
		rev := authorizerEvent(r, sp, tpl, rid)
		ev, arn = rev, rev.MethodArn
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, gatewayresponses.AuthorizerConfigurationError
	}
	ctx, cancel := context.WithTimeout(ctx, authorizerTimeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: newRequestID(),
		InvokedFunctionArn: localFunctionARN(gatewayresponses.FunctionAuthorizer)})
	out, err := g.authorizer(ctx, payload)
	if err != nil {
		if err.Error() == authorizer.Unauthorized {
			return nil, gatewayresponses.Unauthorized
		}
		attrs := []any{"requestId", rid}
		if errors.Is(err, errInvoke) { // the gateway's own text: the function and the problem
			attrs = append(attrs, "error", err.Error())
		}
		g.log.Warn("authorizer failed", attrs...)
		return nil, gatewayresponses.AuthorizerConfigurationError
	}
	d, err := decide(out, arn)
	if err != nil {
		g.log.Error("authorizer output rejected", "requestId", rid, "error", err.Error())
		return nil, gatewayresponses.AuthorizerConfigurationError
	}
	if !d.allow {
		return d.authCtx, gatewayresponses.AccessDenied
	}
	return d.authCtx, ""
}

// httpIntegration forwards to target — an HTTP or HTTP_PROXY backend's
// URI, or the -service URL of an AWS integration — with the mapped request
// headers and maps its answer. A backend that cannot be reached is
// INTEGRATION_FAILURE, one that does not answer in time
// INTEGRATION_TIMEOUT (both 504), as in API Gateway.
func (g *gateway) httpIntegration(ctx context.Context, r *http.Request, route *gatewayresponses.Route, target string, body []byte, authCtx map[string]string, rid string) (*gatewayresponses.Response, error) {
	h, err := route.BackendRequestHeader(r, authCtx)
	if err != nil {
		return nil, err
	}
	if route.Type == gatewayresponses.HTTPProxy && r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	method := route.HTTPMethod
	if method == "ANY" {
		method = r.Method
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = h
	res, err := g.client.Do(req)
	if err != nil {
		t := integrationFailure
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			t = integrationTimeout
		}
		g.log.Warn("http integration failed", "route", route.Method+" "+route.Path, "requestId", rid, "error", err.Error())
		return g.evaluate(t, nil, r)
	}
	defer res.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(res.Body, maxPayload+1))
	if err != nil || len(rb) > maxPayload {
		g.log.Warn("http integration: unreadable or too large response", "route", route.Method+" "+route.Path, "requestId", rid)
		return g.evaluate(integrationFailure, nil, r)
	}
	return route.ClientResponse(res.StatusCode, res.Header, rb, authCtx)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// lambdaProxy invokes an AWS_PROXY integration in-process with a REST v1
// proxy event. A Lambda error or a malformed response is API Gateway's
// 502 {"message": "Internal server error"}.
func (g *gateway) lambdaProxy(ctx context.Context, r *http.Request, sp stagePath, route *gatewayresponses.Route, body []byte, rid string, authCtx map[string]string) (*gatewayresponses.Response, error) {
	fn, _ := route.LambdaFunction()
	ev := proxyEvent(r, body, sp, route.Path, rid, authCtx, g.now())
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: newRequestID(),
		InvokedFunctionArn: localFunctionARN(fn)})
	out, err := g.lambdas[fn](ctx, payload)
	if err == nil {
		var status int
		var h http.Header
		var b []byte
		status, h, b, err = proxyResponse(out)
		if err == nil {
			return route.ClientResponse(status, h, b, authCtx)
		}
	}
	g.log.Error("lambda proxy integration failed", "function", fn, "requestId", rid, "error", err.Error())
	return g.badGateway(r)
}

// badGateway is API Gateway's answer to an integration that failed: 502
// {"message": "Internal server error"}, with the DEFAULT_5XX headers.
func (g *gateway) badGateway(r *http.Request) (*gatewayresponses.Response, error) {
	resp, err := g.evaluate(gatewayresponses.Default5XX, nil, r)
	if err != nil {
		return nil, err
	}
	resp.Status = http.StatusBadGateway
	resp.Body = []byte(`{"message": "Internal server error"}`)
	resp.Header.Set("x-amzn-ErrorType", "InternalServerErrorException")
	return resp, nil
}

// gatewayResponse writes the gateway response of type t as the deployed
// definition renders it.
func (g *gateway) gatewayResponse(w http.ResponseWriter, r *http.Request, t gatewayresponses.ResponseType, authCtx map[string]string) {
	resp, err := g.evaluate(t, authCtx, r)
	if err != nil {
		g.log.Error("gateway response", "type", string(t), "error", err.Error())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"message":"Internal server error"}`)
		return
	}
	writeResponse(w, r, resp)
}

// evaluate renders the gateway response of type t, with API Gateway's
// x-amzn-ErrorType header where it sends one.
func (g *gateway) evaluate(t gatewayresponses.ResponseType, authCtx map[string]string, r *http.Request) (*gatewayresponses.Response, error) {
	resp, err := g.api.EvaluateGatewayResponse(t, authCtx, r)
	if err != nil {
		return nil, err
	}
	if et, ok := errorTypes[t]; ok {
		resp.Header.Set("x-amzn-ErrorType", et)
	}
	return resp, nil
}

// writeResponse sends resp; each Set-Cookie value stays its own line.
func writeResponse(w http.ResponseWriter, r *http.Request, resp *gatewayresponses.Response) {
	h := w.Header()
	for k, vs := range resp.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Date":
			continue
		}
		h[k] = append([]string(nil), vs...)
	}
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead && len(resp.Body) > 0 {
		_, _ = w.Write(resp.Body)
	}
}
