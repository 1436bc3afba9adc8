package authorizer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sessiongate/sessiongate/session"
)

// errBadEvent wraps every reason an event is not an authorizer event the
// handler reads (REQUEST of payload 1.0 or 2.0, or TOKEN); render answers
// it with a BadEventResponse.
var errBadEvent = errors.New("authorizer: unsupported or malformed event")

// payload is the event's format, which decides the response's.
type payload uint8

const (
	payloadUnknown payload = iota
	payloadV1              // REST REQUEST (or HTTP API payload 1.0): IAM policy response
	payloadV2              // HTTP API payload 2.0: simple response
	payloadToken           // REST TOKEN: IAM policy response
)

var payloadNames = [...]string{"unknown", "1.0", "2.0", "token"}

// String is the payload's name in logs.
func (p payload) String() string { return payloadNames[p] }

// credential is what a request presented to identify its session: the
// access cookie, or a bearer token (header mode, docs/protocol.md). It
// decides whether anti-CSRF applies and how a rotated token goes back.
type credential uint8

const (
	credNone      credential = iota // nothing usable: a 401
	credCookie                      // the access cookie: anti-CSRF applies; setCookie
	credBearer                      // Authorization: Bearer: no anti-CSRF; accessToken
	credMalformed                   // only a malformed bearer credential: a 401 (unknown)
)

var credentialNames = [...]string{"none", "cookie", "bearer", "malformed"}

// String is the credential's name in logs.
func (c credential) String() string { return credentialNames[c] }

// request is what the decision needs, taken from any of the payloads.
type request struct {
	payload payload
	arn     MethodARN
	arnText string // the ARN as the event had it: arn.String()
	method  string // upper case
	path    string // without the stage
	id      string // requestContext.requestId, for logs
	cred    credential
	// values go to Sessions.ValidateAny: every copy of the access cookie
	// (credCookie; how many count is the engine's rule, HeaderBudget), or
	// the one bearer token (credBearer). Never logged.
	values  []string
	hasRID  bool
	origins stringList
}

// parse decodes an event into a request, reading the cookies named access
// and the bearer token. The event is decoded into inv, which must be zero,
// and req.values is backed by inv: the request is good only while inv is
// (invocation). Every error wraps errBadEvent and names no value the
// client sent.
func parse(raw []byte, access string, inv *invocation) (request, error) {
	var req request
	ev := &inv.ev
	if err := decodeEvent(raw, ev); err != nil {
		return req, fmt.Errorf("%w: %w", errBadEvent, err)
	}
	req.id = ev.RequestContext.RequestID
	switch {
	case ev.Type == "TOKEN":
		// A TOKEN authorizer: its event is the Authorization header's value
		// and the methodArn, nothing else (docs/apigateway.md).
		if ev.Version != "" && ev.Version != "1.0" {
			return req, fmt.Errorf("%w: a TOKEN event with a payload version", errBadEvent)
		}
		if ev.MethodArn == "" {
			return req, fmt.Errorf("%w: a TOKEN event without methodArn", errBadEvent)
		}
		req.payload, req.arnText = payloadToken, ev.MethodArn
	case ev.Type != "REQUEST":
		return req, fmt.Errorf("%w: type is not REQUEST or TOKEN", errBadEvent)
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
	arn, err := ParseMethodARN(req.arnText)
	if err != nil {
		return req, fmt.Errorf("%w: %w", errBadEvent, err)
	}
	req.arn = arn
	// rawPath starts with "/<stage>" unless the stage is $default
	// (docs/apigateway.md#stage-and-base-path).
	if st := ev.RequestContext.Stage; req.payload == payloadV2 && st != "" && st != "$default" && strings.HasPrefix(req.path, "/") {
		if rest, ok := strings.CutPrefix(req.path[1:], st); ok && (rest == "" || rest[0] == '/') {
			req.path = rest
		}
	}
	if req.method == "" {
		// A TOKEN event has only the ARN; route rules need a method, and a
		// "*" would match no rule written for one method: fail closed.
		if req.payload == payloadToken && req.arn.Method == "*" {
			return req, fmt.Errorf("%w: a TOKEN event whose methodArn names no method", errBadEvent)
		}
		req.method = req.arn.Method
	}
	if req.path == "" {
		req.path = slashResource(req.arnText, req.arn.Resource)
	}
	req.method = strings.ToUpper(req.method)

	req.values = inv.values[:0] // the usual one to four copies need no allocation
	if req.payload == payloadToken {
		req.setBearer(ev.AuthorizationToken)
		return req, nil
	}
	// Cookies: payload 2.0's cookies array, else every Cookie header of
	// multiValueHeaders when the event has them (HTTP/2 clients send
	// several, and headers keeps only the last), else of headers; header
	// names in any letter case (headerBag). Every copy goes to the engine,
	// in order: which ones count is its rule (session.HeaderBudget), so
	// that a tossed copy can neither shadow nor be hidden behind junk.
	if req.payload == payloadV2 {
		for i := range ev.Cookies.n {
			req.values = AppendCookieValues(req.values, ev.Cookies.at(i), access)
		}
	}
	hb := &ev.Headers
	if ev.MultiValueHeaders.present {
		hb = &ev.MultiValueHeaders
	}
	if len(req.values) == 0 {
		for i := range hb.cookie.n {
			req.values = AppendCookieValues(req.values, hb.cookie.at(i), access)
		}
	}
	req.hasRID = hb.rid > 0
	req.origins = hb.origin
	req.chooseCredential(hb)
	return req, nil
}

// chooseCredential decides between the access cookie (in req.values) and
// a bearer token in the Authorization header of hb
// (docs/protocol.md#header-mode):
//
//   - A well-formed bearer token wins when the request asks for header mode
//     (st-auth-mode: header, as the SDK sends on every request in header
//     mode) or carries no access cookie. A header-mode browser app also
//     sends whatever cookies it holds (credentials: "include"), and a
//     stale access cookie must not shadow its valid token: that would be a
//     401 after every refresh, a loop.
//   - Otherwise the cookie decides, exactly as without header mode, and the
//     Authorization header is ignored: it may be the application's own, or
//     a token the SDK stored while in cookie mode.
//   - With neither, a malformed bearer credential (the Bearer scheme with
//     anything but one token, a bare token, a cookie string, two
//     Authorization headers) is a 401 like a cookie that does not decode;
//     another scheme (Basic …) is no credential at all.
func (req *request) chooseCredential(hb *headerBag) {
	tok, err := "", session.ErrNoSession
	switch hb.authorization.n {
	case 0:
	case 1:
		tok, err = session.ParseBearer(hb.authorization.at(0))
	default: // two Authorization headers: which one counts is not ours to guess
		err = session.ErrMalformedBearer
	}
	switch {
	case err == nil && (hb.headerMode > 0 || len(req.values) == 0):
		req.cred, req.values = credBearer, append(req.values[:0], tok)
	case len(req.values) > 0:
		req.cred = credCookie
	case errors.Is(err, session.ErrMalformedBearer):
		req.cred = credMalformed
	}
}

// setBearer reads a TOKEN event's authorizationToken: the Authorization
// header's value, under session.ParseBearer's rules.
func (req *request) setBearer(auth string) {
	tok, err := session.ParseBearer(auth)
	switch {
	case err == nil:
		req.cred, req.values = credBearer, append(req.values, tok)
	case errors.Is(err, session.ErrMalformedBearer):
		req.cred = credMalformed
	}
}

// slashResource is "/" + resource, sliced from the ARN text when it ends
// with that (it does: ParseMethodARN's parts are the text's), which spares
// a TOKEN event, whose path is only in its ARN, an allocation.
func slashResource(arnText, resource string) string {
	if i := len(arnText) - len(resource) - 1; i >= 0 && arnText[i] == '/' && arnText[i+1:] == resource {
		return arnText[i:]
	}
	return "/" + resource
}
