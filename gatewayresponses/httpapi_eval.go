package gatewayresponses

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// HTTPAPIMatch is the route a request matched and its path parameters.
type HTTPAPIMatch struct {
	Route *HTTPAPIRoute
	// PathParameters by name; a greedy {name+} holds the rest of the path
	// (without its leading '/'). nil when the route has none.
	PathParameters map[string]string
}

// Match finds the route of a request as HTTP APIs do: the path is without
// the stage. The most specific route wins:
//
//  1. a route without a greedy variable over one with {name+};
//  2. then, segment by segment from the left, a literal segment over a
//     variable;
//  3. then a route of the request's method over ANY;
//  4. the $default route when nothing else matches.
//
// A {name} matches one non-empty segment, a trailing {name+} one or more.
// No match is ErrNoRoute (HTTP APIs answer 404 {"message":"Not Found"}).
// Paths and methods are compared case-sensitively.
func (a *HTTPAPI) Match(method, path string) (*HTTPAPIMatch, error) {
	var best *HTTPAPIMatch
	var bestRank []int
	var def *HTTPAPIRoute
	for i := range a.Routes {
		r := &a.Routes[i]
		if r.Key == HTTPAPIDefaultRoute {
			def = r
			continue
		}
		if r.Method != method && r.Method != "ANY" {
			continue
		}
		params, rank, ok := matchTemplate(r.Path, path)
		if !ok {
			continue
		}
		if r.Method != "ANY" {
			rank = append(rank, 1)
		} else {
			rank = append(rank, 0)
		}
		if best == nil || rankLess(bestRank, rank) {
			best, bestRank = &HTTPAPIMatch{Route: r, PathParameters: params}, rank
		}
	}
	if best != nil {
		return best, nil
	}
	if def != nil {
		return &HTTPAPIMatch{Route: def}, nil
	}
	return nil, fmt.Errorf("%w: %s %s", ErrNoRoute, method, path)
}

// matchTemplate matches a path against a template. rank orders matches by
// specificity: first 1 for no greedy variable, then per segment 1 for a
// literal and 0 for a variable.
func matchTemplate(tpl, path string) (map[string]string, []int, bool) {
	if !strings.HasPrefix(path, "/") {
		return nil, nil, false
	}
	ts, ps := strings.Split(tpl[1:], "/"), strings.Split(path[1:], "/")
	rank := []int{1}
	var params map[string]string
	set := func(k, v string) {
		if params == nil {
			params = map[string]string{}
		}
		params[k] = v
	}
	for i, t := range ts {
		name, isVar := strings.CutPrefix(t, "{")
		if !isVar {
			if i >= len(ps) || ps[i] != t {
				return nil, nil, false
			}
			rank = append(rank, 1)
			continue
		}
		name = strings.TrimSuffix(name, "}")
		if greedy, ok := strings.CutSuffix(name, "+"); ok {
			rest := strings.Join(ps[min(i, len(ps)):], "/")
			if i >= len(ps) || rest == "" {
				return nil, nil, false
			}
			set(greedy, rest)
			rank[0] = 0
			return params, append(rank, 0), true
		}
		if i >= len(ps) || ps[i] == "" {
			return nil, nil, false
		}
		set(name, ps[i])
		rank = append(rank, 0)
	}
	if len(ts) != len(ps) {
		return nil, nil, false
	}
	return params, rank, true
}

// rankLess reports whether rank a is less specific than b.
func rankLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// HTTPAPIValues are what a parameter mapping may read.
type HTTPAPIValues struct {
	// Request is the client's request headers ($request.header.<name>,
	// several values joined with ",").
	Request http.Header
	// PathParameters of the matched route ($request.path.<name>).
	PathParameters map[string]string
	// Authorizer is the authorizer's context as it returned it, decoded
	// with json.Decoder.UseNumber ($context.authorizer.<key>); nil on a
	// route without the authorizer.
	Authorizer map[string]any
	// Response is the integration response's headers
	// ($response.header.<name>).
	Response http.Header
}

// ContextString is $context.authorizer.<key> as a mapping reads it: a
// string as it is, a number as written, true or false, "" for null or an
// absent key. An object or array is ErrUnsupported: how API Gateway
// renders one into a header is not documented.
func ContextString(ctx map[string]any, key string) (string, error) {
	switch v := ctx[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	default:
		return "", fmt.Errorf("%w: authorizer context key %q holds a %T", ErrUnsupported, key, v)
	}
}

func (v HTTPAPIValues) eval(s httpAPISource) (string, error) {
	switch s.kind {
	case srcStatic:
		return s.name, nil
	case srcAuthorizer:
		return ContextString(v.Authorizer, s.name)
	case srcRequestHeader:
		return strings.Join(v.Request.Values(s.name), ","), nil
	case srcRequestPath:
		return v.PathParameters[s.name], nil
	case srcResponseHeader:
		return strings.Join(v.Response.Values(s.name), ","), nil
	}
	return "", fmt.Errorf("%w: mapping source", ErrUnsupported)
}

// apply runs header mappings on h. overwrite removes every copy of the
// header, then sets the value; append adds the value after the existing
// ones, joined with "," into one line, as API Gateway documents; remove
// deletes the header. A value that is empty or holds a line break never
// becomes a header line: overwrite then leaves the header removed, so a
// client-sent copy of a mapped header never survives, and append leaves
// it as it was. (API Gateway does not document what an empty source
// gives; this is the fail-closed reading.)
func (v HTTPAPIValues) apply(h http.Header, ms []HTTPAPIMapping) (status int, err error) {
	for _, m := range ms {
		if m.StatusCode {
			status, _ = strconv.Atoi(m.src.name) // checked by LoadHTTPAPI
			continue
		}
		val := ""
		if m.Action != HTTPAPIRemove {
			if val, err = v.eval(m.src); err != nil {
				return 0, err
			}
		}
		ok := val != "" && !strings.ContainsAny(val, "\r\n")
		key := http.CanonicalHeaderKey(m.Header)
		switch m.Action {
		case HTTPAPIRemove:
			delHeader(h, m.Header)
		case HTTPAPIOverwrite:
			delHeader(h, m.Header)
			if ok {
				h[key] = []string{val}
			}
		case HTTPAPIAppend:
			if !ok {
				continue
			}
			prev := headerValues(h, m.Header)
			delHeader(h, m.Header)
			h[key] = []string{strings.Join(append(prev, val), ",")}
		}
	}
	return status, nil
}

// delHeader deletes a header under any spelling of its name.
func delHeader(h http.Header, name string) {
	for k := range h {
		if strings.EqualFold(k, name) {
			delete(h, k)
		}
	}
}

func headerValues(h http.Header, name string) []string {
	var out []string
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			out = append(out, vs...)
		}
	}
	return out
}

// MapRequestHeader applies the integration's request parameters to h, the
// headers the backend will receive (which start as the client's).
func (in *HTTPAPIIntegration) MapRequestHeader(h http.Header, v HTTPAPIValues) error {
	_, err := v.apply(h, in.RequestParameters)
	return err
}

// MapResponse applies the response parameters of the integration's status
// code (exactly that code; there are no ranges) to the response headers h
// and returns the status the client gets: status itself unless an
// overwrite:statuscode mapping applies. v.Response should hold the
// integration's own headers (a copy of h before the call).
func (in *HTTPAPIIntegration) MapResponse(status int, h http.Header, v HTTPAPIValues) (int, error) {
	ms, ok := in.ResponseParameters[status]
	if !ok {
		return status, nil
	}
	out, err := v.apply(h, ms)
	if err != nil {
		return 0, err
	}
	if out == 0 {
		out = status
	}
	return out, nil
}

// TargetURL is the URL an HTTP_PROXY integration calls: the URI with each
// {name} replaced by the path parameter (escaped as a path, '/' kept for a
// greedy one) and the client's raw query string appended.
func (in *HTTPAPIIntegration) TargetURL(params map[string]string, rawQuery string) (string, error) {
	if in.Type != HTTPAPIHTTPProxy {
		return "", fmt.Errorf("%w: %s has no target URL", ErrUnsupported, in.Type)
	}
	target := uriVar.ReplaceAllStringFunc(in.URI, func(m string) string {
		segs := strings.Split(params[m[1:len(m)-1]], "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		return strings.Join(segs, "/")
	})
	if rawQuery != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + rawQuery
	}
	return target, nil
}

// AllowsOrigin reports whether origin may read responses under c.
func (c *HTTPAPICORS) AllowsOrigin(origin string) bool {
	if c == nil || origin == "" {
		return false
	}
	for _, o := range c.AllowOrigins {
		if o == "*" || o == origin {
			return true
		}
	}
	return false
}

func (c *HTTPAPICORS) allowOriginValue(origin string) string {
	if len(c.AllowOrigins) == 1 && c.AllowOrigins[0] == "*" {
		return "*"
	}
	return origin
}

// IsPreflight reports a CORS preflight: OPTIONS with Origin and
// Access-Control-Request-Method. With a CORS configuration, HTTP APIs
// answer these themselves, whether or not an OPTIONS route exists.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// PreflightHeader returns the headers of the gateway's answer to a
// preflight from origin: the configured allowed methods and headers,
// credentials and max age for an allowed origin; none for any other
// origin (the answer is then 204 with no CORS headers, and the browser
// refuses the real request).
func (c *HTTPAPICORS) PreflightHeader(origin string) http.Header {
	h := http.Header{}
	if !c.AllowsOrigin(origin) {
		return h
	}
	h.Set("Access-Control-Allow-Origin", c.allowOriginValue(origin))
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.AllowMethods) > 0 {
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
	}
	if len(c.AllowHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
	}
	if c.HasMaxAge {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
	}
	return h
}

// ApplyResponse sets the CORS headers of a response (the integration's,
// or one of the gateway's own 4xx/5xx) for a request from origin: the
// integration's own Access-Control-* headers are dropped, as HTTP APIs
// ignore them when CORS is configured, and an allowed origin gets
// Access-Control-Allow-Origin, -Allow-Credentials and -Expose-Headers.
// A nil c (no CORS configuration) leaves h unchanged.
func (c *HTTPAPICORS) ApplyResponse(h http.Header, origin string) {
	if c == nil {
		return
	}
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			delete(h, k)
		}
	}
	if !c.AllowsOrigin(origin) {
		return
	}
	h.Set("Access-Control-Allow-Origin", c.allowOriginValue(origin))
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
}
