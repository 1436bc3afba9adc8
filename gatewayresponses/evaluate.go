package gatewayresponses

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Response is what API Gateway sends the client.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// values are the inputs one mapping expression may read.
type values struct {
	authCtx map[string]string // nil: no authorizer context
	req     *http.Request     // nil: no request parameters
	backend http.Header       // integration response headers
	errType ResponseType      // for $context.error.*
}

// source evaluates a mapping source: 'literal', context.authorizer.X,
// method.request.header.X, method.request.querystring.X or
// integration.response.header.X. ok is false when the value is absent or
// empty: such a mapping produces no header line.
func (v values) source(expr string) (string, bool) {
	var s string
	switch {
	case len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'':
		s = expr[1 : len(expr)-1]
	case strings.HasPrefix(expr, "context.authorizer."):
		s = v.authCtx[strings.TrimPrefix(expr, "context.authorizer.")]
	case strings.HasPrefix(expr, "method.request.header."):
		if v.req != nil {
			s = v.req.Header.Get(strings.TrimPrefix(expr, "method.request.header."))
		}
	case strings.HasPrefix(expr, "method.request.querystring."):
		if v.req != nil && v.req.URL != nil {
			s = v.req.URL.Query().Get(strings.TrimPrefix(expr, "method.request.querystring."))
		}
	case strings.HasPrefix(expr, "integration.response.header."):
		s = v.backend.Get(strings.TrimPrefix(expr, "integration.response.header."))
	}
	return s, s != ""
}

// headers applies header mappings "<prefix><name>" -> source to h. A
// header line never contains a line break: a value that has one is dropped.
func (v values) headers(h http.Header, prefix string, params map[string]string) {
	for _, k := range sortedKeys(params) {
		name, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue // a path parameter mapping (Route.BackendURI)
		}
		s, ok := v.source(params[k])
		if !ok || strings.ContainsAny(s, "\r\n") {
			continue
		}
		h[textproto.CanonicalMIMEHeaderKey(name)] = []string{s}
	}
}

// template substitutes $context variables (no VTL, as in API Gateway
// gateway responses). A template that is nothing but one authorizer
// variable, absent or empty, yields ok=false so the caller can fall back.
func (v values) template(t string) (string, bool) {
	trimmed := strings.TrimSpace(t)
	if key, ok := strings.CutPrefix(trimmed, "$context.authorizer."); ok && !strings.ContainsAny(key, " {}\"") {
		s := v.authCtx[key]
		return s, s != ""
	}
	msg := knownTypes[v.errType].message
	out := templateVar.ReplaceAllStringFunc(t, func(m string) string {
		dot := strings.HasSuffix(m, ".")
		m = strings.TrimSuffix(m, ".")
		var s string
		switch {
		case m == "$context.error.message":
			s = msg
		case m == "$context.error.messageString":
			b, _ := json.Marshal(msg)
			s = string(b)
		case m == "$context.error.responseType":
			s = string(v.errType)
		case strings.HasPrefix(m, "$context.authorizer."):
			s = v.authCtx[strings.TrimPrefix(m, "$context.authorizer.")]
		}
		if dot {
			s += "."
		}
		return s
	})
	return out, true
}

// EvaluateGatewayResponse returns the response API Gateway sends for a
// gateway response of type t. authCtx is the authorizer's context with its
// principalId under PrincipalIDKey, or nil when there is none (after the
// authorizer threw "Unauthorized", or failed). req supplies
// method.request.* sources and may be nil.
//
// A type the definition does not customize falls back to DEFAULT_5XX (5xx
// types) or DEFAULT_4XX, keeping its own default status; a type with no
// definition at all gets API Gateway's built-in {"message":...} body.
// DEFAULT_4XX and DEFAULT_5XX evaluated directly use 400 and 500.
//
// The ACCESS_DENIED body is $context.authorizer.body. When the authorizer
// gave no body (no context, or an implicit deny) API Gateway's output is
// not documented; the evaluator then renders DefaultBodyTemplate, so that
// the client still gets the JSON {"message": ...} shape it would get from
// any other gateway response.
func (a *API) EvaluateGatewayResponse(t ResponseType, authCtx map[string]string, req *http.Request) (*Response, error) {
	info, ok := knownTypes[t]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownResponseType, string(t))
	}
	def, ok := a.GatewayResponses[t]
	if !ok {
		fallback := Default4XX
		if info.status >= 500 || t == Default5XX {
			fallback = Default5XX
		}
		def, ok = a.GatewayResponses[fallback]
	}
	status := info.status
	if status == 0 {
		status = 400
		if t == Default5XX {
			status = 500
		}
	}
	if ok && def.StatusCode != "" {
		status, _ = strconv.Atoi(def.StatusCode) // checked by Load
	}
	v := values{authCtx: authCtx, req: req, errType: t}
	resp := &Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}}
	tpl := DefaultBodyTemplate
	if ok {
		v.headers(resp.Header, "gatewayresponse.header.", def.ResponseParameters)
		if s, has := def.ResponseTemplates["application/json"]; has {
			tpl = s
		}
	}
	body, ok := v.template(tpl)
	if !ok {
		body, _ = v.template(DefaultBodyTemplate)
	}
	resp.Body = []byte(body)
	return resp, nil
}

// hopByHop are not forwarded by a proxy.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Host"}

// BackendRequestHeader returns the headers the backend receives, given the
// client's request and the authorizer's context (nil on routes without
// the authorizer).
//
//   - HTTP, AWS (non-proxy): only the mapped headers, plus the client's
//     Content-Type (the body passes through unmapped).
//   - HTTP_PROXY: the client's headers minus hop-by-hop ones, with every
//     mapped header name removed first and then set from its source, so a
//     client-sent x-user-id never reaches the backend, even when the
//     source is empty.
//   - AWS_PROXY: the client's headers unchanged: API Gateway ignores
//     request parameters here. The backend must read the identity from
//     requestContext.authorizer (package authorizer/backend), never from
//     an x-user-id header.
//   - MOCK: no backend; nil.
func (in *Integration) BackendRequestHeader(req *http.Request, authCtx map[string]string) (http.Header, error) {
	h := http.Header{}
	switch in.Type {
	case Mock:
		return nil, nil
	case AWSProxy:
		for k, vs := range req.Header {
			h[k] = append([]string(nil), vs...)
		}
		return h, nil
	case HTTPProxy:
		for k, vs := range req.Header {
			h[k] = append([]string(nil), vs...)
		}
		for _, k := range hopByHop {
			h.Del(k)
		}
		for k := range in.RequestParameters {
			name, ok := strings.CutPrefix(k, "integration.request.header.")
			if !ok {
				continue
			}
			for have := range h {
				if strings.EqualFold(have, name) {
					delete(h, have)
				}
			}
		}
	case HTTP, AWS:
		if ct := req.Header.Get("Content-Type"); ct != "" {
			h.Set("Content-Type", ct)
		}
	default:
		return nil, fmt.Errorf("%w: integration type %q", ErrUnsupported, in.Type)
	}
	values{authCtx: authCtx, req: req}.headers(h, "integration.request.header.", in.RequestParameters)
	return h, nil
}

// ClientResponse returns what the client receives for the backend's
// response. Proxy integrations pass it through unchanged. Non-proxy ones
// select the integration response whose selection pattern matches the
// backend status (the default one otherwise), and send its status code,
// only the mapped headers (a Content-Type of application/json unless one
// is mapped) and the response template's output, or the backend body when
// there is no template.
func (in *Integration) ClientResponse(status int, header http.Header, body []byte, authCtx map[string]string) (*Response, error) {
	if in.Type.Proxy() {
		return &Response{Status: status, Header: header.Clone(), Body: body}, nil
	}
	code := strconv.Itoa(status)
	for _, r := range in.Responses {
		if r.SelectionPattern != "" {
			re, err := regexp.Compile(`^(?:` + r.SelectionPattern + `)$`)
			if err != nil || !re.MatchString(code) {
				continue
			}
		}
		out := &Response{Header: http.Header{}}
		out.Status, _ = strconv.Atoi(r.StatusCode)
		v := values{authCtx: authCtx, backend: header}
		v.headers(out.Header, "method.response.header.", r.ResponseParameters)
		if out.Header.Get("Content-Type") == "" && out.Status != http.StatusNoContent {
			out.Header.Set("Content-Type", "application/json")
		}
		out.Body = body
		if t, ok := r.ResponseTemplates["application/json"]; ok {
			s, _ := v.template(t)
			out.Body = []byte(s)
		}
		if out.Status == http.StatusNoContent {
			out.Body = nil
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: no integration response matches status %d", ErrInvalidDefinition, status)
}

// EvaluateMock returns the response of a MOCK integration: the status its
// request template names, through ClientResponse with an empty body.
func (in *Integration) EvaluateMock(authCtx map[string]string) (*Response, error) {
	if in.Type != Mock {
		return nil, fmt.Errorf("%w: %s is not MOCK", ErrUnsupported, in.Type)
	}
	status, err := mockStatus(in.RequestTemplates)
	if err != nil {
		return nil, err
	}
	return in.ClientResponse(status, http.Header{}, nil, authCtx)
}

// Match finds the route for a method and a path, as API Gateway does:
// the most specific path template that matches (a literal segment before
// a {param}, a {param} before a greedy {param+}), then the method on it,
// or its ANY route. A {param} matches one non-empty segment, a final
// {param+} one or more. A path or method with no route is ErrNoRoute: API
// Gateway answers that with the MISSING_AUTHENTICATION_TOKEN gateway
// response (403).
func (a *API) Match(method, path string) (*Route, error) {
	var best string
	found := false
	for i := range a.Routes {
		r := &a.Routes[i]
		if pathMatches(r.Path, path) && (!found || moreSpecific(r.Path, best)) {
			best, found = r.Path, true
		}
	}
	var anyRoute *Route
	for i := range a.Routes {
		r := &a.Routes[i]
		if !found || r.Path != best {
			continue
		}
		if r.Method == method {
			return r, nil
		}
		if r.Method == "ANY" {
			anyRoute = r
		}
	}
	if anyRoute != nil {
		return anyRoute, nil
	}
	return nil, fmt.Errorf("%w: %s %s", ErrNoRoute, method, path)
}

// segmentRank orders template segments: literal, {param}, {param+}.
func segmentRank(s string) int {
	switch {
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
		return 2
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
		return 1
	}
	return 0
}

// moreSpecific reports whether template a is preferred over b for a path
// both match: at the first segment where they differ in kind, a's is the
// more literal one.
func moreSpecific(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if ra, rb := segmentRank(as[i]), segmentRank(bs[i]); ra != rb {
			return ra < rb
		}
	}
	return len(as) > len(bs)
}

func pathMatches(tpl, path string) bool {
	_, ok := pathParams(tpl, path)
	return ok
}

// pathParams matches a path against a template and returns the values of
// its variables (a greedy one joined with '/').
func pathParams(tpl, path string) (map[string]string, bool) {
	ts, ps := strings.Split(tpl, "/"), strings.Split(path, "/")
	params := map[string]string{}
	for i := range ts {
		if segmentRank(ts[i]) == 2 && i == len(ts)-1 {
			rest := ps[min(i, len(ps)):]
			if len(rest) == 0 || strings.Join(rest, "") == "" {
				return nil, false
			}
			params[ts[i][1:len(ts[i])-2]] = strings.Join(rest, "/")
			return params, true
		}
		if i >= len(ps) {
			return nil, false
		}
		if segmentRank(ts[i]) == 1 {
			if ps[i] == "" {
				return nil, false
			}
			params[ts[i][1:len(ts[i])-1]] = ps[i]
			continue
		}
		if ts[i] != ps[i] {
			return nil, false
		}
	}
	return params, len(ts) == len(ps)
}

// BackendURI returns the URI an HTTP or HTTP_PROXY integration calls for a
// request path (as decoded, without the stage): each {name} of the URI is
// filled with the request's path parameter that
// integration.request.path.<name> maps, escaped as a path (a greedy
// parameter keeps its slashes). Other integrations return the URI as is.
func (r *Route) BackendURI(path string) (string, error) {
	if r.Type != HTTP && r.Type != HTTPProxy || !strings.Contains(r.URI, "{") {
		return r.URI, nil
	}
	params, ok := pathParams(r.Path, path)
	if !ok {
		return "", fmt.Errorf("%w: %s does not match %s", ErrNoRoute, path, r.Path)
	}
	var err error
	uri := uriVarRE.ReplaceAllStringFunc(r.URI, func(m string) string {
		name := strings.TrimSuffix(m[1:len(m)-1], "+")
		from, ok := strings.CutPrefix(r.RequestParameters["integration.request.path."+name], "method.request.path.")
		v, has := params[from]
		if !ok || !has {
			err = fmt.Errorf("%w: uri variable {%s} is not mapped from the path", ErrInvalidDefinition, name)
			return m
		}
		segs := strings.Split(v, "/")
		for i := range segs {
			segs[i] = url.PathEscape(segs[i])
		}
		return strings.Join(segs, "/")
	})
	if err != nil {
		return "", err
	}
	return uri, nil
}
