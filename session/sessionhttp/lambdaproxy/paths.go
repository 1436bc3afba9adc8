package lambdaproxy

import (
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// SplitPathV1 splits the path of a REST API (payload 1.0) event into the
// prefix the browser sees in front of the API's own paths and the route's
// own path. The browser-visible path is requestContext.path ("/prod/auth/…"
// on an execute-api URL, "/v1/auth/…" behind a custom domain's base-path
// mapping "v1"); the route's path is "resource" with pathParameters filled
// in ("{id}" and greedy "{proxy+}" alike). When the route's path is the end
// of the visible path on a segment boundary, prefix is what stands in front
// of it and path is the route's path as the browser wrote it, and derived
// is true. Otherwise prefix is "" (never a guess), path is the event's
// "path", and derived is false.
func SplitPathV1(ev events.APIGatewayProxyRequest) (prefix, path string, derived bool) {
	visible := ev.RequestContext.Path
	if visible == "" {
		visible = ev.Path
	}
	if route, ok := fillTemplate(ev.Resource, ev.PathParameters); ok {
		if prefix, path, ok := cutRoute(visible, route); ok {
			return prefix, path, true
		}
	}
	path = ev.Path
	if path == "" {
		path = ev.RequestContext.Path
	}
	return "", path, false
}

// SplitPathV2 is SplitPathV1 for an HTTP API (payload 2.0) event. The
// browser-visible path is rawPath; the route's path is the path part of
// routeKey ("POST /auth/session/refresh") with pathParameters filled in.
// When it cannot be derived (the "$default" route has no path), prefix is
// "" and path is rawPath with "/<stage>" removed unless the stage is
// $default.
func SplitPathV2(ev events.APIGatewayV2HTTPRequest) (prefix, path string, derived bool) {
	visible := ev.RawPath
	if visible == "" {
		visible = ev.RequestContext.HTTP.Path
	}
	routeKey := ev.RouteKey
	if routeKey == "" {
		routeKey = ev.RequestContext.RouteKey
	}
	if _, tmpl, found := strings.Cut(routeKey, " "); found {
		if route, ok := fillTemplate(tmpl, ev.PathParameters); ok {
			if prefix, path, ok := cutRoute(visible, route); ok {
				return prefix, path, true
			}
		}
	}
	path = visible
	if st := ev.RequestContext.Stage; st != "" && st != "$default" {
		if p := "/" + st; path == p {
			path = "/"
		} else if strings.HasPrefix(path, p+"/") {
			path = path[len(p):]
		}
	}
	return "", path, false
}

// fillTemplate fills a resource path template ("/items/{id}",
// "/{proxy+}") with the event's path parameters. It fails on a template
// that is not a path, on a missing or empty parameter, on a "/" in a
// parameter that is not greedy, and on braces inside a segment.
func fillTemplate(tmpl string, params map[string]string) (string, bool) {
	if !strings.HasPrefix(tmpl, "/") {
		return "", false
	}
	if tmpl == "/" {
		return "/", true
	}
	segs := strings.Split(tmpl[1:], "/")
	for i, seg := range segs {
		if !strings.ContainsAny(seg, "{}") {
			continue
		}
		if len(seg) < 3 || seg[0] != '{' || seg[len(seg)-1] != '}' {
			return "", false
		}
		name := seg[1 : len(seg)-1]
		greedy := strings.HasSuffix(name, "+")
		name = strings.TrimSuffix(name, "+")
		v, ok := params[name]
		if !ok || v == "" || (!greedy && strings.Contains(v, "/")) {
			return "", false
		}
		segs[i] = v
	}
	return "/" + strings.Join(segs, "/"), true
}

// cutRoute cuts route off the end of visible, segment by segment. A
// visible segment matches a route segment as written or percent-decoded
// (API Gateway gives path parameters decoded). It returns the segments in
// front of the route (the prefix, "" when none) and the route's segments
// as visible has them.
func cutRoute(visible, route string) (prefix, path string, ok bool) {
	if !strings.HasPrefix(visible, "/") || !strings.HasPrefix(route, "/") {
		return "", "", false
	}
	if route == "/" { // the root resource: everything before a final "/"
		return strings.TrimSuffix(visible, "/"), "/", true
	}
	vs := strings.Split(visible[1:], "/")
	rs := strings.Split(route[1:], "/")
	n := len(vs) - len(rs)
	if n < 0 {
		return "", "", false
	}
	for i, want := range rs {
		got := vs[n+i]
		if got == want {
			continue
		}
		if dec, err := url.PathUnescape(got); err != nil || dec != want {
			return "", "", false
		}
	}
	if n > 0 {
		prefix = "/" + strings.Join(vs[:n], "/")
	}
	return prefix, "/" + strings.Join(vs[n:], "/"), true
}
