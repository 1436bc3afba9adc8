package backend

import (
	"context"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/session/sessionhttp"
)

// CORS adds the cross-origin headers of a credentialed browser call to a
// Lambda proxy response. With a proxy integration API Gateway adds none
// (REST: the backend must answer CORS itself), so without them the
// browser hides the response from the app.
//
// The headers are those of the session API (sessionhttp.CORS.Apply): always
// "Vary: Origin"; for a request whose Origin is exactly one of Origins also
// Access-Control-Allow-Origin (that origin), Access-Control-Allow-Credentials:
// true and Access-Control-Expose-Headers (sessionhttp.ExposeHeaders:
// front-token and the other headers the frontend SDK reads). Any other
// origin, or none, gets no Access-Control-* header. It never answers "*".
//
// The zero value allows no origin. Origins is usually ALLOWED_ORIGINS,
// read in a main with session.ParseAllowedOrigins.
type CORS struct {
	// Origins are the exact allowed origins (scheme://host[:port]).
	Origins []string
}

func (c CORS) headers(origin string) http.Header {
	h := http.Header{}
	sessionhttp.CORS{Origins: c.Origins}.Apply(h, origin)
	return h
}

// ApplyV1 adds the CORS headers for a request from origin to a REST (v1)
// proxy response and reports whether the origin was allowed. A header the
// response already has, in headers or multiValueHeaders in any letter case,
// is changed where it is: Vary and Access-Control-Expose-Headers keep their
// values and gain the missing names; the Allow-* headers are replaced.
func (c CORS) ApplyV1(resp *events.APIGatewayProxyResponse, origin string) bool {
	add := c.headers(origin)
	for k, vs := range add {
		v := strings.Join(vs, ", ")
		if mk := keyFor(resp.MultiValueHeaders, k); len(resp.MultiValueHeaders[mk]) > 0 {
			resp.MultiValueHeaders[mk] = []string{merge(k, strings.Join(resp.MultiValueHeaders[mk], ", "), v)}
			continue
		}
		if resp.Headers == nil {
			resp.Headers = map[string]string{}
		}
		sk := keyForSingle(resp.Headers, k)
		resp.Headers[sk] = merge(k, resp.Headers[sk], v)
	}
	return add.Get("Access-Control-Allow-Origin") != ""
}

// ApplyV2 is ApplyV1 for an HTTP API (2.0) proxy response. An HTTP API
// with a CORS configuration replaces these headers with its own; without
// one, they are what the browser sees.
func (c CORS) ApplyV2(resp *events.APIGatewayV2HTTPResponse, origin string) bool {
	add := c.headers(origin)
	for k, vs := range add {
		if resp.Headers == nil {
			resp.Headers = map[string]string{}
		}
		sk := keyForSingle(resp.Headers, k)
		resp.Headers[sk] = merge(k, resp.Headers[sk], strings.Join(vs, ", "))
	}
	return add.Get("Access-Control-Allow-Origin") != ""
}

// merge combines a header's current value with the one CORS adds: list
// headers (Vary, Access-Control-Expose-Headers) gain the names they lack,
// any other header takes the new value.
func merge(name, cur, add string) string {
	if cur == "" {
		return add
	}
	if !strings.EqualFold(name, "Vary") && !strings.EqualFold(name, "Access-Control-Expose-Headers") {
		return add
	}
	out := cur
	for _, n := range strings.Split(add, ",") {
		n = strings.TrimSpace(n)
		if n != "" && !hasToken(cur, n) {
			out += ", " + n
		}
	}
	return out
}

func hasToken(list, tok string) bool {
	for _, t := range strings.Split(list, ",") {
		if t = strings.TrimSpace(t); strings.EqualFold(t, tok) || t == "*" {
			return true
		}
	}
	return false
}

// OriginV1 returns the request's Origin header: from multiValueHeaders
// when present, else headers, in any letter case. Several Origin values
// are no origin at all (fail closed).
func OriginV1(req events.APIGatewayProxyRequest) string {
	if len(req.MultiValueHeaders) > 0 {
		var vals []string
		for k, vs := range req.MultiValueHeaders {
			if strings.EqualFold(k, "Origin") {
				vals = append(vals, vs...)
			}
		}
		if len(vals) == 1 {
			return vals[0]
		}
		return ""
	}
	return single(req.Headers)
}

// OriginV2 returns an HTTP API (2.0) request's Origin header (API Gateway
// gives header names in lower case and joins repeated values with commas,
// so a joined value is no origin at all).
func OriginV2(req events.APIGatewayV2HTTPRequest) string {
	o := single(req.Headers)
	if strings.Contains(o, ",") {
		return ""
	}
	return o
}

func single(h map[string]string) string {
	var vals []string
	for k, v := range h {
		if strings.EqualFold(k, "Origin") {
			vals = append(vals, v)
		}
	}
	if len(vals) == 1 {
		return vals[0]
	}
	return ""
}

// WrapV1 adds the CORS headers for the request's Origin to every response
// of next, including the 401 of an inner WrapV1 (so wrap that one:
// c.WrapV1(backend.WrapV1(h))) — the browser SDK must be able to read a
// 401 to refresh. An error from next is returned unchanged.
func (c CORS) WrapV1(next HandlerV1) HandlerV1 {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		resp, err := next(ctx, req)
		if err != nil {
			return resp, err
		}
		c.ApplyV1(&resp, OriginV1(req))
		return resp, nil
	}
}

// WrapV2 is WrapV1 for HTTP API (2.0) proxy backends.
func (c CORS) WrapV2(next HandlerV2) HandlerV2 {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		resp, err := next(ctx, req)
		if err != nil {
			return resp, err
		}
		c.ApplyV2(&resp, OriginV2(req))
		return resp, nil
	}
}
