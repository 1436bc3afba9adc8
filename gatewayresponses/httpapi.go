package gatewayresponses

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// HTTPAPI is an API Gateway HTTP API definition loaded from OpenAPI JSON
// (the variant render writes as httpapi-openapi.json) by LoadHTTPAPI, with
// every ${...} resolved. The local gateway serves it with HTTP API
// semantics: payload 2.0 authorizer with simple responses, no gateway
// responses, parameter mapping, CORS from the API's CORS configuration.
type HTTPAPI struct {
	// Routes in routeKey order. The $default route, when the document has
	// one, is among them with Key "$default" and no Method or Path.
	Routes []HTTPAPIRoute
	// Authorizer is the REQUEST authorizer's function logical id, "" when
	// the document defines none.
	Authorizer string
	// IdentityHeaders are the request headers of the authorizer's identity
	// source ($request.header.<name>), empty when it has none. When one of
	// them is missing or empty, API Gateway answers 401 without invoking
	// the authorizer. Render writes Authorization (TokenHeader) for a
	// document whose authorizer is TokenAuthorizer, nothing otherwise.
	IdentityHeaders []string
	// CORS is the API's CORS configuration (x-amazon-apigateway-cors), nil
	// when it has none.
	CORS *HTTPAPICORS
}

// HTTPAPIRoute is one route of an HTTP API.
type HTTPAPIRoute struct {
	// Key is the routeKey: "GET /api/me", "ANY /{proxy+}" or "$default".
	Key string
	// Method is upper case, "ANY" for x-amazon-apigateway-any-method, ""
	// for $default.
	Method string
	// Path is the path template ("/items/{id}", "/files/{proxy+}"), "" for
	// $default.
	Path        string
	OperationID string
	Summary     string
	// Authorized: the REQUEST authorizer runs before the integration.
	Authorized  bool
	Integration HTTPAPIIntegration
}

// HTTPAPIIntegrationType is an HTTP API integration type the local gateway
// serves.
type HTTPAPIIntegrationType string

// The HTTP API integration types LoadHTTPAPI accepts. AWS service
// integrations (integrationSubtype), private integrations (VPC links) and
// mock routes do not exist in the HTTP API variant and are refused.
const (
	// HTTPAPIHTTPProxy forwards the request to an HTTP URL
	// (payloadFormatVersion 1.0).
	HTTPAPIHTTPProxy HTTPAPIIntegrationType = "HTTP_PROXY"
	// HTTPAPILambdaProxy invokes a Lambda function with a payload 2.0 event.
	HTTPAPILambdaProxy HTTPAPIIntegrationType = "AWS_PROXY"
)

// DefaultHTTPAPITimeout is an HTTP API integration's timeout when
// timeoutInMillis is not set (also its maximum).
const DefaultHTTPAPITimeout = 30 * time.Second

// HTTPAPIIntegration is a route's x-amazon-apigateway-integration.
type HTTPAPIIntegration struct {
	Type HTTPAPIIntegrationType
	// HTTPMethod is the method toward an HTTP backend ("ANY": the
	// request's own); POST for Lambda.
	HTTPMethod string
	// URI is the resolved integration URI; URITemplate is it as written.
	URI, URITemplate string
	// Function is the logical id of the Lambda function of an AWS_PROXY
	// integration (from ${Name.Arn} in its URI).
	Function string
	// PayloadFormatVersion: "2.0" for AWS_PROXY, "1.0" for HTTP_PROXY.
	PayloadFormatVersion string
	// Timeout is timeoutInMillis, DefaultHTTPAPITimeout when unset.
	Timeout time.Duration
	// RequestParameters are the request header mappings, by header name.
	RequestParameters []HTTPAPIMapping
	// ResponseParameters are the response mappings of each integration
	// status code (200-599).
	ResponseParameters map[int][]HTTPAPIMapping
}

// HTTPAPIAction is what a parameter mapping does to its header.
type HTTPAPIAction string

// Parameter mapping actions.
const (
	HTTPAPIAppend    HTTPAPIAction = "append"
	HTTPAPIOverwrite HTTPAPIAction = "overwrite"
	HTTPAPIRemove    HTTPAPIAction = "remove"
)

// HTTPAPIMapping is one parameter mapping, "<action>:header.<name>" →
// source, or "overwrite:statuscode" → a literal status.
type HTTPAPIMapping struct {
	Action HTTPAPIAction
	// Header is the header's name in lower case; "" for the status code.
	Header string
	// StatusCode: this mapping is overwrite:statuscode.
	StatusCode bool
	// Source is the value as written: a static value, or exactly one of
	// $context.authorizer.<key>, $request.header.<name>,
	// $request.path.<name> (request mappings), $response.header.<name>
	// (response mappings). Ignored for remove.
	Source string

	src httpAPISource
}

// HTTPAPICORS is an x-amazon-apigateway-cors configuration.
type HTTPAPICORS struct {
	// AllowOrigins are serialized origins, or the single entry "*" (only
	// without credentials).
	AllowOrigins     []string
	AllowCredentials bool
	AllowHeaders     []string
	AllowMethods     []string
	ExposeHeaders    []string
	// MaxAge is maxAge in seconds when HasMaxAge.
	MaxAge    int
	HasMaxAge bool
}

// HTTPAPIDefaultRoute is the routeKey of the catch-all route.
const HTTPAPIDefaultRoute = "$default"

// sourceKind is what a mapping source reads.
type sourceKind int

const (
	srcStatic sourceKind = iota
	srcAuthorizer
	srcRequestHeader
	srcRequestPath
	srcResponseHeader
)

type httpAPISource struct {
	kind sourceKind
	name string // the key, header or path parameter; the value for srcStatic
}

var sourcePrefixes = []struct {
	prefix string
	kind   sourceKind
}{
	{"$context.authorizer.", srcAuthorizer},
	{"$request.header.", srcRequestHeader},
	{"$request.path.", srcRequestPath},
	{"$response.header.", srcResponseHeader},
}

// contextKey is an authorizer context key, a path parameter's name.
var contextKey = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// parseSource reads a mapping source. Anything with a '$' must be exactly
// one supported variable: API Gateway would substitute text around it or
// other variables, which the evaluator does not.
func parseSource(v string, allowed ...sourceKind) (httpAPISource, error) {
	if strings.ContainsAny(v, "\r\n") {
		return httpAPISource{}, fmt.Errorf("%w: line break in a mapping value", ErrInvalidDefinition)
	}
	if !strings.Contains(v, "$") {
		return httpAPISource{kind: srcStatic, name: v}, nil
	}
	for _, p := range sourcePrefixes {
		name, ok := strings.CutPrefix(v, p.prefix)
		if !ok {
			continue
		}
		valid := contextKey.MatchString(name)
		if p.kind == srcRequestHeader || p.kind == srcResponseHeader {
			valid = headerName.MatchString(name)
		}
		if !valid {
			break
		}
		for _, k := range allowed {
			if k == p.kind {
				return httpAPISource{kind: p.kind, name: name}, nil
			}
		}
		return httpAPISource{}, fmt.Errorf("%w: %s cannot be read here", ErrUnsupported, strings.TrimSuffix(p.prefix, "."))
	}
	return httpAPISource{}, fmt.Errorf("%w: mapping value %q (want a static value or exactly one of $context.authorizer.<key>, $request.header.<name>, $request.path.<name>, $response.header.<name>)", ErrUnsupported, v)
}

// reservedHeader reports a header HTTP API parameter mapping cannot touch
// (API Gateway refuses the definition).
func reservedHeader(name string) bool {
	n := strings.ToLower(name)
	for _, p := range []string{"access-control-", "apigw-", "x-amz-", "x-amzn-"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	switch n {
	case "authorization", "connection", "content-encoding", "content-length", "content-location", "forwarded",
		"keep-alive", "origin", "proxy-authenticate", "proxy-authorization", "te", "trailers",
		"transfer-encoding", "upgrade", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "via":
		return true
	}
	return false
}

// httpAPILoader collects every problem of a document.
type httpAPILoader struct {
	vars    map[string]string
	missing map[string]bool
	errs    []error
}

func (l *httpAPILoader) fail(where string, err error) {
	l.errs = append(l.errs, fmt.Errorf("%s: %w", where, err))
}

func (l *httpAPILoader) failf(where string, sentinel error, format string, args ...any) {
	l.fail(where, fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...))
}

// httpAPILoadError lists every problem LoadHTTPAPI found; errors.Is
// matches ErrInvalidDefinition and each problem's own sentinel.
type httpAPILoadError struct{ errs []error }

func (e *httpAPILoadError) Error() string {
	msgs := make([]string, len(e.errs))
	for i, err := range e.errs {
		msgs[i] = err.Error()
	}
	return ErrInvalidDefinition.Error() + " (HTTP API): " + strings.Join(msgs, "; ")
}

func (e *httpAPILoadError) Unwrap() []error { return append([]error{ErrInvalidDefinition}, e.errs...) }

// checkKeys refuses keys the loader does not know: a setting it ignored
// would make the local run differ from API Gateway.
func (l *httpAPILoader) checkKeys(where string, m map[string]any, known ...string) {
	for _, k := range sortedKeys(m) {
		if !contains(known, k) {
			l.failf(where, ErrUnsupported, "unknown key %q", k)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// LoadHTTPAPI parses an HTTP API OpenAPI document as render writes it
// (httpapi-openapi.json) and checks that the local gateway can evaluate
// all of it exactly. vars resolves the ${...} references (see LocalVars);
// a reference without a value is an error. Every problem is reported at
// once, wrapping ErrInvalidDefinition and ErrUnsupported (a feature API
// Gateway has but the evaluator does not implement).
//
// Accepted: http_proxy (payload 1.0) and aws_proxy (payload 2.0)
// integrations; header request parameters on http_proxy
// (append|overwrite|remove:header.<name>) from a static value,
// $context.authorizer.<key>, $request.header.<name> or
// $request.path.<name>; response parameters on http_proxy per status code
// (the same actions, and overwrite:statuscode with a literal status) from
// a static value, $context.authorizer.<key> or $response.header.<name>;
// one REQUEST Lambda authorizer with payload 2.0, enableSimpleResponses,
// authorizerResultTtlInSeconds 0 and no identity source, or the identity
// source $request.header.Authorization (HTTPAPI.IdentityHeaders); routes
// "METHOD /path", "ANY /path" (x-amazon-apigateway-any-method), {param}
// and a trailing greedy {name+}, and /$default; x-amazon-apigateway-cors.
//
// Refused: everything else, e.g. Lambda payload 1.0, parameter mapping on
// aws_proxy, querystring and path mappings, append to Set-Cookie (API
// Gateway would comma-join cookies), two mappings of one header,
// reserved headers, JWT or cached authorizers, gateway responses.
func LoadHTTPAPI(data []byte, vars map[string]string) (*HTTPAPI, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w (HTTP API): %w", ErrInvalidDefinition, err)
	}
	if doc == nil {
		return nil, fmt.Errorf("%w (HTTP API): not a JSON object", ErrInvalidDefinition)
	}
	l := &httpAPILoader{vars: vars, missing: map[string]bool{}}
	api := &HTTPAPI{}

	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		l.failf("openapi", ErrInvalidDefinition, "want an OpenAPI 3 document")
	}
	for _, k := range sortedKeys(doc) {
		switch {
		case k == "security":
			l.failf(k, ErrUnsupported, "document-level security; put security on each operation")
		case k == "x-amazon-apigateway-gateway-responses":
			l.failf(k, ErrInvalidDefinition, "HTTP APIs have no gateway responses")
		case k == "x-amazon-apigateway-cors", k == "x-amazon-apigateway-importexport-version":
		case strings.HasPrefix(k, "x-amazon-apigateway-"):
			l.failf(k, ErrUnsupported, "not evaluated by the local gateway")
		}
	}

	scheme := l.authorizer(doc, api)
	if c, ok := doc["x-amazon-apigateway-cors"]; ok {
		api.CORS = l.cors(c)
	}

	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		l.failf("paths", ErrInvalidDefinition, "no paths")
	}
	for _, p := range sortedKeys(paths) {
		item, ok := paths[p].(map[string]any)
		if !ok {
			l.failf(p, ErrInvalidDefinition, "path item is not an object")
			continue
		}
		isDefault := p == "/"+HTTPAPIDefaultRoute
		params := map[string]bool{}
		if !isDefault {
			l.checkPath(p, params)
		}
		for _, m := range sortedKeys(item) {
			method := strings.ToUpper(m)
			switch {
			case m == "x-amazon-apigateway-any-method":
				method = "ANY"
			case m == "parameters", m == "summary", m == "description", m == "servers":
				continue
			case method == "GET", method == "POST", method == "PUT", method == "PATCH", method == "DELETE",
				method == "HEAD", method == "OPTIONS":
			default:
				l.failf(p+"."+m, ErrUnsupported, "unknown path item key")
				continue
			}
			r := HTTPAPIRoute{Method: method, Path: p, Key: method + " " + p}
			if isDefault {
				if method != "ANY" {
					l.failf(p, ErrInvalidDefinition, "the $default route must be x-amazon-apigateway-any-method")
				}
				r = HTTPAPIRoute{Key: HTTPAPIDefaultRoute}
			}
			op, ok := item[m].(map[string]any)
			if !ok {
				l.failf(r.Key, ErrInvalidDefinition, "operation is not an object")
				continue
			}
			l.route(&r, op, scheme, params)
			api.Routes = append(api.Routes, r)
		}
	}
	sort.Slice(api.Routes, func(i, j int) bool { return api.Routes[i].Key < api.Routes[j].Key })

	if len(l.missing) > 0 {
		l.errs = append(l.errs, fmt.Errorf("no value for ${%s}", strings.Join(sortedKeys(l.missing), "}, ${")))
	}
	if len(l.errs) > 0 {
		return nil, &httpAPILoadError{l.errs}
	}
	return api, nil
}

// authorizer reads the Lambda authorizer, if any, and returns its scheme
// name.
func (l *httpAPILoader) authorizer(doc map[string]any, api *HTTPAPI) string {
	comps, _ := doc["components"].(map[string]any)
	schemes, _ := comps["securitySchemes"].(map[string]any)
	var name string
	for _, n := range sortedKeys(schemes) {
		s, _ := schemes[n].(map[string]any)
		a, ok := s["x-amazon-apigateway-authorizer"].(map[string]any)
		where := "securitySchemes." + n
		if !ok {
			l.failf(where, ErrUnsupported, "only Lambda REQUEST authorizers (x-amazon-apigateway-authorizer)")
			continue
		}
		if name != "" {
			l.failf(where, ErrUnsupported, "more than one authorizer")
			continue
		}
		name = n
		l.checkKeys(where, a, "type", "authorizerUri", "authorizerPayloadFormatVersion", "enableSimpleResponses",
			"authorizerResultTtlInSeconds", "identitySource", "authorizerCredentials")
		if t, _ := a["type"].(string); t != "request" {
			l.failf(where, ErrUnsupported, "authorizer type %q (want request)", t)
		}
		if v, _ := a["authorizerPayloadFormatVersion"].(string); v != "2.0" {
			l.failf(where, ErrUnsupported, "authorizerPayloadFormatVersion %q (want 2.0)", v)
		}
		if v, _ := a["enableSimpleResponses"].(bool); !v {
			l.failf(where, ErrUnsupported, "enableSimpleResponses must be true (IAM policy responses are not evaluated)")
		}
		if ttl, ok := a["authorizerResultTtlInSeconds"].(float64); !ok || ttl != 0 {
			l.failf(where, ErrInvalidDefinition, "authorizerResultTtlInSeconds must be set to 0 (a cached result would outlive a revoked session)")
		}
		api.IdentityHeaders = l.identitySource(where, a["identitySource"])
		raw, _, err := resolve(a["authorizerUri"], l.vars, l.missing)
		if err != nil {
			l.fail(where+".authorizerUri", err)
			continue
		}
		fn, ok := httpAPILambdaName(raw)
		if !ok {
			l.failf(where, ErrInvalidDefinition, "authorizerUri does not name a function as ${Name.Arn}")
		}
		api.Authorizer = fn
	}
	return name
}

// identitySource reads an authorizer's identitySource: a list or a
// comma-separated string of mapping expressions. It must be empty (a
// request without a session cookie must still reach the authorizer), or
// name the bearer token's header only ($request.header.Authorization, as
// render writes it for a TOKEN authorizer's document), which the local
// gateway checks before invoking the authorizer.
func (l *httpAPILoader) identitySource(where string, v any) []string {
	var exprs []string
	switch t := v.(type) {
	case nil:
	case string:
		for _, e := range strings.Split(t, ",") {
			if e = strings.TrimSpace(e); e != "" {
				exprs = append(exprs, e)
			}
		}
	case []any:
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				l.failf(where, ErrInvalidDefinition, "identitySource holds a %T", e)
				continue
			}
			exprs = append(exprs, s)
		}
	default:
		l.failf(where, ErrInvalidDefinition, "identitySource of type %T", v)
	}
	var headers []string
	for _, e := range exprs {
		name, ok := strings.CutPrefix(e, "$request.header.")
		if !ok || !strings.EqualFold(name, TokenHeader) {
			l.failf(where, ErrInvalidDefinition, "identitySource %q: want none (a request without the cookie must still reach the authorizer), or $request.header.%s for a bearer-only API", e, TokenHeader)
			continue
		}
		if !contains(headers, TokenHeader) {
			headers = append(headers, TokenHeader)
		}
	}
	return headers
}

// httpAPILambdaName is the logical id in a Lambda integration URI: the
// apigateway invocation form (".../functions/${Name.Arn}/invocations") or
// the function ARN itself ("${Name.Arn}"), which HTTP APIs also accept.
func httpAPILambdaName(raw string) (string, bool) {
	if name, ok := strings.CutSuffix(strings.TrimPrefix(raw, "${"), ".Arn}"); ok && strings.HasPrefix(raw, "${") {
		if name != "" && !strings.ContainsAny(name, "${}") {
			return name, true
		}
		return "", false
	}
	return lambdaFunctionName(raw)
}

// checkPath checks a path template and collects its parameter names.
func (l *httpAPILoader) checkPath(p string, params map[string]bool) {
	if !strings.HasPrefix(p, "/") {
		l.failf(p, ErrInvalidDefinition, "path must start with /")
		return
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		name, isParam := strings.CutPrefix(s, "{")
		if !isParam {
			if strings.ContainsAny(s, "{}") || (s == "" && len(segs) > 1) {
				l.failf(p, ErrInvalidDefinition, "segment %q", s)
			}
			continue
		}
		name, ok := strings.CutSuffix(name, "}")
		greedy := strings.HasSuffix(name, "+")
		name = strings.TrimSuffix(name, "+")
		switch {
		case !ok || !contextKey.MatchString(name):
			l.failf(p, ErrInvalidDefinition, "path parameter %q", s)
		case greedy && i != len(segs)-1:
			l.failf(p, ErrInvalidDefinition, "a greedy path parameter must be the last segment")
		case params[name]:
			l.failf(p, ErrInvalidDefinition, "path parameter %q twice", name)
		}
		params[name] = true
	}
}

// route reads one operation.
func (l *httpAPILoader) route(r *HTTPAPIRoute, op map[string]any, scheme string, params map[string]bool) {
	where := r.Key
	r.OperationID, _ = op["operationId"].(string)
	r.Summary, _ = op["summary"].(string)
	switch sec := op["security"].(type) {
	case nil:
	case []any:
		for _, s := range sec {
			sm, _ := s.(map[string]any)
			for _, n := range sortedKeys(sm) {
				if n != scheme || scheme == "" {
					l.failf(where, ErrUnsupported, "security scheme %q is not the Lambda authorizer", n)
				}
				if scopes, _ := sm[n].([]any); len(scopes) > 0 {
					l.failf(where, ErrUnsupported, "authorization scopes")
				}
				r.Authorized = true
			}
		}
		if len(sec) > 1 {
			l.failf(where, ErrUnsupported, "more than one security requirement")
		}
	default:
		l.failf(where, ErrInvalidDefinition, "security is not a list")
	}
	in, ok := op["x-amazon-apigateway-integration"].(map[string]any)
	if !ok {
		l.failf(where, ErrInvalidDefinition, "no x-amazon-apigateway-integration")
		return
	}
	r.Integration = l.integration(where, in, params)
}

func (l *httpAPILoader) integration(where string, in map[string]any, params map[string]bool) HTTPAPIIntegration {
	var out HTTPAPIIntegration
	l.checkKeys(where, in, "type", "httpMethod", "uri", "payloadFormatVersion", "requestParameters",
		"responseParameters", "timeoutInMillis", "connectionType", "credentials")
	t, _ := in["type"].(string)
	out.Type = HTTPAPIIntegrationType(strings.ToUpper(t))
	if ct, ok := in["connectionType"]; ok && ct != "INTERNET" {
		l.failf(where, ErrUnsupported, "connectionType %v (private integrations)", ct)
	}
	out.HTTPMethod, _ = in["httpMethod"].(string)
	out.HTTPMethod = strings.ToUpper(out.HTTPMethod)
	if in["uri"] != nil {
		raw, val, err := resolve(in["uri"], l.vars, l.missing)
		if err != nil {
			l.fail(where+".uri", err)
		}
		out.URITemplate, out.URI = raw, val
	}
	out.PayloadFormatVersion, _ = in["payloadFormatVersion"].(string)
	out.Timeout = DefaultHTTPAPITimeout
	if v, ok := in["timeoutInMillis"]; ok {
		ms, ok := v.(float64)
		if !ok || ms != float64(int(ms)) || ms < 50 || ms > 30000 {
			l.failf(where, ErrInvalidDefinition, "timeoutInMillis must be an integer from 50 to 30000")
		} else {
			out.Timeout = time.Duration(ms) * time.Millisecond
		}
	}
	switch out.Type {
	case HTTPAPILambdaProxy:
		if out.PayloadFormatVersion != "2.0" {
			l.failf(where, ErrUnsupported, "aws_proxy payloadFormatVersion %q (the local gateway sends payload 2.0 only)", out.PayloadFormatVersion)
		}
		if out.HTTPMethod != "POST" {
			l.failf(where, ErrInvalidDefinition, "aws_proxy needs httpMethod POST")
		}
		fn, ok := httpAPILambdaName(out.URITemplate)
		if !ok {
			l.failf(where, ErrInvalidDefinition, "aws_proxy uri does not name a function as ${Name.Arn}")
		}
		out.Function = fn
		for _, k := range []string{"requestParameters", "responseParameters"} {
			if _, ok := in[k]; ok {
				l.failf(where, ErrUnsupported, "%s on aws_proxy: the Lambda reads requestContext.authorizer.lambda and sets its own headers (package authorizer/backend)", k)
			}
		}
		return out
	case HTTPAPIHTTPProxy:
		if v := out.PayloadFormatVersion; v != "" && v != "1.0" {
			l.failf(where, ErrInvalidDefinition, "http_proxy payloadFormatVersion %q (want 1.0)", v)
		}
		out.PayloadFormatVersion = "1.0"
		switch out.HTTPMethod {
		case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY":
		default:
			l.failf(where, ErrInvalidDefinition, "http_proxy httpMethod %q", out.HTTPMethod)
		}
		l.checkURI(where, out.URI, params)
	default:
		l.failf(where, ErrUnsupported, "integration type %q (the HTTP API variant has http_proxy and aws_proxy only)", t)
		return out
	}
	out.RequestParameters = l.mappings(where+".requestParameters", in["requestParameters"], false, params)
	if rp, ok := in["responseParameters"]; ok {
		m, ok := rp.(map[string]any)
		if !ok {
			l.failf(where+".responseParameters", ErrInvalidDefinition, "want an object")
		}
		out.ResponseParameters = map[int][]HTTPAPIMapping{}
		for _, k := range sortedKeys(m) {
			code, err := strconv.Atoi(k)
			if err != nil || code < 200 || code > 599 || strconv.Itoa(code) != k {
				l.failf(where+".responseParameters."+k, ErrInvalidDefinition, "key must be a status code from 200 to 599")
				continue
			}
			out.ResponseParameters[code] = l.mappings(where+".responseParameters."+k, m[k], true, nil)
		}
	}
	return out
}

// checkURI checks an http_proxy URI and the {name} variables in it.
func (l *httpAPILoader) checkURI(where, uri string, params map[string]bool) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
		l.failf(where, ErrInvalidDefinition, "http_proxy uri must be an http(s) URL")
		return
	}
	for _, m := range uriVar.FindAllStringSubmatch(uri, -1) {
		if !params[m[1]] {
			l.failf(where, ErrInvalidDefinition, "uri variable {%s} is not a path parameter of the route", m[1])
		}
	}
	if strings.Count(uri, "{") != len(uriVar.FindAllString(uri, -1)) || strings.Count(uri, "}") != strings.Count(uri, "{") {
		l.failf(where, ErrInvalidDefinition, "malformed {variable} in uri")
	}
}

var uriVar = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// mappings reads a requestParameters object or one status code's
// responseParameters object.
func (l *httpAPILoader) mappings(where string, v any, response bool, params map[string]bool) []HTTPAPIMapping {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		l.failf(where, ErrInvalidDefinition, "want an object")
		return nil
	}
	allowed := []sourceKind{srcStatic, srcAuthorizer, srcRequestHeader, srcRequestPath}
	if response {
		allowed = []sourceKind{srcStatic, srcAuthorizer, srcResponseHeader}
	}
	var out []HTTPAPIMapping
	seen := map[string]string{}
	for _, k := range sortedKeys(m) {
		kw := where + "." + k
		s, isString := m[k].(string)
		if !isString {
			l.failf(kw, ErrInvalidDefinition, "value must be a string")
			continue
		}
		action, target, _ := strings.Cut(k, ":")
		mp := HTTPAPIMapping{Action: HTTPAPIAction(action), Source: s}
		switch mp.Action {
		case HTTPAPIAppend, HTTPAPIOverwrite, HTTPAPIRemove:
		default:
			l.failf(kw, ErrUnsupported, "action %q (want append, overwrite or remove)", action)
			continue
		}
		if target == "statuscode" && response {
			code, err := strconv.Atoi(s)
			if mp.Action != HTTPAPIOverwrite || err != nil || code < 100 || code > 599 || strconv.Itoa(code) != s {
				l.failf(kw, ErrUnsupported, "only overwrite:statuscode with a literal status code")
				continue
			}
			mp.StatusCode, mp.src = true, httpAPISource{kind: srcStatic, name: s}
			out = append(out, mp)
			continue
		}
		name, ok := strings.CutPrefix(target, "header.")
		if !ok || !headerName.MatchString(name) {
			l.failf(kw, ErrUnsupported, "mapping key (want append|overwrite|remove:header.<name>)")
			continue
		}
		mp.Header = strings.ToLower(name)
		if reservedHeader(mp.Header) {
			l.failf(kw, ErrInvalidDefinition, "header %s is reserved: API Gateway does not map it", name)
			continue
		}
		if prev, dup := seen[mp.Header]; dup {
			l.failf(kw, ErrUnsupported, "a second mapping of header %s (also %s): API Gateway does not document their order", name, prev)
			continue
		}
		seen[mp.Header] = k
		if mp.Action == HTTPAPIAppend && mp.Header == "set-cookie" {
			l.failf(kw, ErrUnsupported, "append to Set-Cookie: API Gateway joins header values with commas, which breaks cookies; use overwrite")
			continue
		}
		if mp.Action != HTTPAPIRemove {
			src, err := parseSource(s, allowed...)
			if err != nil {
				l.fail(kw, err)
				continue
			}
			if src.kind == srcRequestPath && !params[src.name] {
				l.failf(kw, ErrInvalidDefinition, "$request.path.%s is not a path parameter of the route", src.name)
				continue
			}
			if src.kind == srcResponseHeader && strings.EqualFold(src.name, "set-cookie") {
				l.failf(kw, ErrUnsupported, "$response.header.set-cookie: API Gateway would comma-join several cookies")
				continue
			}
			mp.src = src
		}
		out = append(out, mp)
	}
	return out
}

// cors reads x-amazon-apigateway-cors.
func (l *httpAPILoader) cors(v any) *HTTPAPICORS {
	const where = "x-amazon-apigateway-cors"
	m, ok := v.(map[string]any)
	if !ok {
		l.failf(where, ErrInvalidDefinition, "want an object")
		return nil
	}
	l.checkKeys(where, m, "allowOrigins", "allowCredentials", "allowHeaders", "allowMethods", "exposeHeaders", "maxAge")
	c := &HTTPAPICORS{}
	c.AllowCredentials, _ = m["allowCredentials"].(bool)
	if _, ok := m["allowCredentials"]; ok {
		if _, isBool := m["allowCredentials"].(bool); !isBool {
			l.failf(where+".allowCredentials", ErrInvalidDefinition, "want a boolean")
		}
	}
	list := func(k string) []string {
		raw, ok := m[k]
		if !ok {
			return nil
		}
		items, ok := raw.([]any)
		if !ok {
			l.failf(where+"."+k, ErrInvalidDefinition, "want a list")
			return nil
		}
		var out []string
		for _, it := range items {
			_, s, err := resolve(it, l.vars, l.missing)
			if err != nil {
				l.fail(where+"."+k, err)
				continue
			}
			out = append(out, s)
		}
		return out
	}
	c.AllowOrigins = list("allowOrigins")
	c.AllowHeaders = list("allowHeaders")
	c.AllowMethods = list("allowMethods")
	c.ExposeHeaders = list("exposeHeaders")
	for _, o := range c.AllowOrigins {
		if o == "*" {
			if c.AllowCredentials || len(c.AllowOrigins) > 1 {
				l.failf(where+".allowOrigins", ErrInvalidDefinition, `"*" cannot be combined with credentials or other origins`)
			}
			continue
		}
		if err := checkHTTPAPIOrigin(o); err != nil {
			l.failf(where+".allowOrigins", ErrUnsupported, "%q: %v", o, err)
		}
	}
	for _, k := range []struct {
		name string
		vs   []string
	}{{"allowHeaders", c.AllowHeaders}, {"allowMethods", c.AllowMethods}, {"exposeHeaders", c.ExposeHeaders}} {
		for _, h := range k.vs {
			if !headerName.MatchString(h) || h == "*" {
				l.failf(where+"."+k.name, ErrUnsupported, "%q (wildcards are not evaluated; list the names)", h)
			}
		}
	}
	if v, ok := m["maxAge"]; ok {
		n, ok := v.(float64)
		if !ok || n != float64(int(n)) || n < -1 || n > 86400 {
			l.failf(where+".maxAge", ErrInvalidDefinition, "want an integer from -1 to 86400")
		} else if n >= 0 {
			c.MaxAge, c.HasMaxAge = int(n), true
		}
	}
	return c
}

// checkHTTPAPIOrigin accepts a serialized origin: scheme://host[:port].
func checkHTTPAPIOrigin(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.Contains(s, "*") {
		return errors.New("want scheme://host[:port] (wildcard origins are not evaluated)")
	}
	return nil
}
