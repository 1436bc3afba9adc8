package gatewayresponses

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sessiongate/sessiongate/authorizer"
)

// CookieStatuses are the integration status codes on which the HTTP API
// variant maps the rotation headers (Set-Cookie, front-token,
// st-access-token; RotationHeaders) onto the response. HTTP API response
// parameters are set per status code, with no wildcard: these are the
// codes a backend commonly answers. A response with any other status
// reaches the client without the rotated cookie or token (the old one
// keeps working until it expires, then the SDK refreshes).
var CookieStatuses = []int{200, 201, 202, 204, 301, 302, 303, 304, 307, 308,
	400, 401, 403, 404, 405, 409, 410, 412, 415, 422, 429, 500, 502, 503, 504}

// httpAPIIdentity maps the identity headers in the HTTP API variant. A
// payload 2.0 authorizer with simple responses has no principalId: the
// user id comes from the context's userId.
var httpAPIIdentity = map[string]string{
	authorizer.HeaderUserID:    authorizer.CtxUserID,
	authorizer.HeaderUserRoles: authorizer.CtxRoles,
	authorizer.HeaderSessionID: authorizer.CtxSessionID,
}

// renderHTTPAPI renders the HTTP API variant: payload 2.0 REQUEST
// authorizer with simple responses and caching off (for a document whose
// authorizer is TokenAuthorizer, with the identity source
// $request.header.Authorization: HTTP APIs have no TOKEN type); HTTP and
// HTTP_PROXY operations become http_proxy integrations with the identity
// headers overwritten (removed on public operations) and the rotation
// headers overwritten on every status of CookieStatuses; AWS_PROXY stays a
// Lambda proxy with payload 2.0; MOCK and AWS (non-proxy) have no HTTP API
// equivalent and are left out. CORS comes from the API's CORS
// configuration, which also answers preflights.
func (s *Source) renderHTTPAPI(o Options, out *Rendered) ([]byte, error) {
	paths := obj{}
	methods := map[string]bool{}
	add := func(path, method string, op obj) {
		item, _ := paths[path].(obj)
		if item == nil {
			item = cloneMap(s.pathFields[path])
			if item == nil {
				item = obj{}
			}
			paths[path] = item
		}
		item[openAPIMethod(method)] = op
		methods[method] = true
	}
	for i := range s.Operations {
		op := &s.Operations[i]
		in, reason := op.httpAPIIntegration()
		if reason != "" {
			out.NoHTTPAPI = append(out.NoHTTPAPI, reason)
			continue
		}
		if op.Integration.Type == HTTP && (len(op.Integration.Responses) > 0 || len(op.Integration.RequestTemplates) > 0) {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s (HTTP): the HTTP API variant proxies the backend: it has no integration responses or mapping templates, so the backend's status and body pass through unchanged", op.Name()))
		}
		o := cloneMap(op.fields)
		if o == nil {
			o = obj{}
		}
		id := op.OperationID
		if id == "" {
			id = operationID(Route{Method: op.Method, Path: op.Path})
		}
		o["operationId"] = id
		if op.Summary != "" {
			o["summary"] = op.Summary
		}
		o["responses"] = httpAPIResponses(op.responses)
		o["x-amazon-apigateway-integration"] = in
		if !op.Protection.Public() {
			o["security"] = []any{obj{AuthorizerName: []any{}}}
		}
		add(op.Path, op.Method, o)
	}
	for _, a := range SessionRoutes(o.APIBasePath) {
		r := Route{Method: a.Method, Path: a.Path}
		op := obj{"summary": a.Summary, "operationId": operationID(r),
			"responses": httpAPIResponses(nil),
			"x-amazon-apigateway-integration": obj{"type": "aws_proxy", "httpMethod": "POST",
				"uri": sub(LambdaURI(FunctionSessionAPI)), "payloadFormatVersion": "2.0"}}
		for k, v := range sessionPathParams(a.Path) {
			op[k] = v
		}
		add(a.Path, a.Method, op)
	}
	allow := []any{}
	if methods["ANY"] {
		allow = append(allow, "*")
	} else {
		methods["OPTIONS"] = true
		list := sortedKeys(methods)
		sort.SliceStable(list, func(i, j int) bool { return methodOrder[list[i]] < methodOrder[list[j]] })
		for _, m := range list {
			allow = append(allow, m)
		}
	}
	doc := s.document(httpAPIAuthorizerScheme(s.authorizer()), " (HTTP API variant)")
	doc["paths"] = paths
	doc["x-amazon-apigateway-cors"] = obj{
		"allowOrigins":     []any{sub(o.AllowedOrigin)},
		"allowCredentials": true,
		"allowHeaders":     splitList(AllowedRequestHeaders),
		"allowMethods":     allow,
		"exposeHeaders":    splitList(ExposedHeaders),
		"maxAge":           600,
	}
	return marshal(doc)
}

// httpAPIAuthorizerScheme is the HTTP API variant's security scheme: a
// payload 2.0 REQUEST authorizer with simple responses and caching off.
// For TokenAuthorizer it has the identity source
// $request.header.Authorization, so that, as with a REST TOKEN
// authorizer, API Gateway answers 401 without invoking it when the header
// is missing or empty (HTTP APIs allow an identity source with caching
// off; they require one only with caching on).
func httpAPIAuthorizerScheme(t AuthorizerType) obj {
	a := obj{
		"type":                           "request",
		"authorizerUri":                  sub(LambdaURI(FunctionAuthorizer)),
		"authorizerPayloadFormatVersion": "2.0",
		"enableSimpleResponses":          true,
		"authorizerResultTtlInSeconds":   0,
	}
	name := "Unused"
	if t == TokenAuthorizer {
		name = TokenHeader
		a["identitySource"] = "$request.header." + TokenHeader
	}
	return obj{AuthorizerName: obj{"type": "apiKey", "name": name, "in": "header", "x-amazon-apigateway-authorizer": a}}
}

// httpAPIResponses are an HTTP API operation's responses: the document's
// own, or one default (HTTP APIs pass the backend's response through).
func httpAPIResponses(own map[string]any) obj {
	if len(own) > 0 {
		return cloneMap(own)
	}
	return obj{"default": obj{"description": "The backend's response", "content": cloneValue(jsonBody)}}
}

// httpAPIIntegration is the operation's integration in the HTTP API
// variant, or the reason it has none ("GET /x (MOCK)").
func (op *Operation) httpAPIIntegration() (obj, string) {
	in := op.Integration
	name := op.Name() + " (" + string(in.Type) + ")"
	switch in.Type {
	case Mock, AWS:
		return nil, name
	case AWSProxy:
		out := obj{"type": "aws_proxy", "httpMethod": "POST", "uri": sub(in.URI), "payloadFormatVersion": "2.0"}
		copyTimeout(out, op.extra)
		return out, ""
	case HTTP, HTTPProxy:
	default:
		return nil, name
	}
	uri := in.URI
	req := obj{}
	for _, k := range sortedKeys(in.RequestParameters) {
		v := in.RequestParameters[k]
		rest := strings.TrimPrefix(k, "integration.request.")
		kind, pname, _ := strings.Cut(rest, ".")
		switch kind {
		case "header":
			if ownedHeader(pname) {
				continue // sessiongate's own mappings follow
			}
			src, ok := httpAPISourceOf(v)
			if !ok {
				return nil, fmt.Sprintf("%s: request parameter %s from %s has no HTTP API form", name, k, v)
			}
			req["overwrite:header."+pname] = src
		case "path":
			from, ok := strings.CutPrefix(v, "method.request.path.")
			if !ok {
				return nil, fmt.Sprintf("%s: request parameter %s from %s has no HTTP API form", name, k, v)
			}
			uri = strings.ReplaceAll(uri, "{"+pname+"}", "{"+from+"}")
		default:
			return nil, fmt.Sprintf("%s: request parameter %s has no HTTP API form (header and path mappings only)", name, k)
		}
	}
	out := obj{"type": "http_proxy", "httpMethod": in.HTTPMethod, "uri": sub(uri), "payloadFormatVersion": "1.0"}
	copyTimeout(out, op.extra)
	if op.Protection.Public() {
		for h := range httpAPIIdentity {
			req["remove:header."+h] = "''"
		}
	} else {
		for h, key := range httpAPIIdentity {
			req["overwrite:header."+h] = "$context.authorizer." + key
		}
		resp := obj{}
		for _, code := range CookieStatuses {
			m := obj{}
			for h, v := range RotationHeaders() {
				m["overwrite:header."+h] = "$" + v // context.authorizer.<key> → $context.authorizer.<key>
			}
			resp[strconv.Itoa(code)] = m
		}
		out["responseParameters"] = resp
	}
	out["requestParameters"] = req
	return out, ""
}

// httpAPISourceOf translates a REST mapping source to HTTP API syntax.
func httpAPISourceOf(v string) (string, bool) {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		lit := v[1 : len(v)-1]
		return lit, !strings.Contains(lit, "$")
	}
	for rest, to := range map[string]string{"method.request.header.": "$request.header.",
		"method.request.path.": "$request.path.", "context.authorizer.": "$context.authorizer."} {
		if name, ok := strings.CutPrefix(v, rest); ok && name != "" {
			return to + name, true
		}
	}
	return "", false
}

// copyTimeout carries timeoutInMillis over when an HTTP API allows it.
func copyTimeout(in obj, extra map[string]any) {
	switch t := extra["timeoutInMillis"].(type) {
	case int64:
		if t >= 50 && t <= 30000 {
			in["timeoutInMillis"] = t
		}
	}
}

func splitList(s string) []any {
	var out []any
	for _, p := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}
