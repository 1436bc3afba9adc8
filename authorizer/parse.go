package authorizer

import (
	"errors"
	"fmt"
	"strings"
)

// errBadEvent wraps every reason an event is not a REQUEST authorizer event
// of payload 1.0 or 2.0; render answers it with a BadEventResponse.
var errBadEvent = errors.New("authorizer: unsupported or malformed event")

// payload is the event's format, which decides the response's.
type payload uint8

const (
	payloadUnknown payload = iota
	payloadV1              // REST REQUEST (or HTTP API payload 1.0): IAM policy response
	payloadV2              // HTTP API payload 2.0: simple response
)

var payloadNames = [...]string{"unknown", "1.0", "2.0"}

// String is the payload's name in logs.
func (p payload) String() string { return payloadNames[p] }

// request is what the decision needs, taken from either payload.
type request struct {
	payload payload
	arn     MethodARN
	arnText string // the ARN as the event had it: arn.String()
	method  string // upper case
	path    string // without the stage
	id      string // requestContext.requestId, for logs
	cookies []string
	hasRID  bool
	origins stringList
}

// parse decodes an event into a request, reading the cookies named access.
// Every error wraps errBadEvent and names no value the client sent.
func parse(raw []byte, access string) (request, error) {
	var req request
	ev, err := decodeEvent(raw)
	if err != nil {
		return req, fmt.Errorf("%w: %w", errBadEvent, err)
	}
	req.id = ev.RequestContext.RequestID
	switch {
	case ev.Type == "TOKEN":
		// Until header mode (bearer tokens), a TOKEN authorizer is a mistake.
		return req, fmt.Errorf("%w: TOKEN authorizers are not supported; configure a REQUEST authorizer", errBadEvent)
	case ev.Type != "REQUEST":
		return req, fmt.Errorf("%w: type is not REQUEST", errBadEvent)
	case ev.Version == "2.0":
		if ev.RouteArn == "" {
			return req, fmt.Errorf("%w: payload 2.0 without routeArn", errBadEvent)
		}
		req.payload, req.arnText = payloadV2, ev.RouteArn
		req.method = ev.RequestContext.HTTP.Method
		req.path = ev.RawPath
		if req.path == "" {
			req.path = ev.RequestContext.HTTP.Path
		}
	case ev.Version == "" || ev.Version == "1.0":
		if ev.MethodArn == "" {
			return req, fmt.Errorf("%w: payload 1.0 without methodArn", errBadEvent)
		}
		req.payload, req.arnText = payloadV1, ev.MethodArn
		req.method, req.path = ev.HTTPMethod, ev.Path
	default:
		return req, fmt.Errorf("%w: payload version is not 1.0 or 2.0", errBadEvent)
	}
	if req.arn, err = ParseMethodARN(req.arnText); err != nil {
		return req, fmt.Errorf("%w: %w", errBadEvent, err)
	}
	// rawPath starts with "/<stage>" unless the stage is $default
	// (docs/apigateway.md#stage-and-base-path).
	if st := ev.RequestContext.Stage; req.payload == payloadV2 && st != "" && st != "$default" && strings.HasPrefix(req.path, "/") {
		if rest, ok := strings.CutPrefix(req.path[1:], st); ok && (rest == "" || rest[0] == '/') {
			req.path = rest
		}
	}
	if req.method == "" {
		req.method = req.arn.Method
	}
	if req.path == "" {
		req.path = "/" + req.arn.Resource
	}
	req.method = strings.ToUpper(req.method)

	// Cookies: payload 2.0's cookies array, else every Cookie header of
	// multiValueHeaders when the event has them (HTTP/2 clients send
	// several, and headers keeps only the last), else of headers.
	req.cookies = make([]string, 0, 4) // one allocation for the usual one to four copies
	if req.payload == payloadV2 {
		for i := range ev.Cookies.n {
			req.cookies = AppendCookieValues(req.cookies, ev.Cookies.at(i), access, MaxCookieValues)
		}
	}
	hb := &ev.Headers
	if ev.MultiValueHeaders.present {
		hb = &ev.MultiValueHeaders
	}
	if len(req.cookies) == 0 {
		for i := range hb.cookie.n {
			req.cookies = AppendCookieValues(req.cookies, hb.cookie.at(i), access, MaxCookieValues)
		}
	}
	req.hasRID = hb.rid > 0
	req.origins = hb.origin
	return req, nil
}
