package backend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/sessiongate/sessiongate/authorizer"
)

// ErrNoIdentity: the request carries no identity from the sessiongate
// authorizer (the route is not protected by it, or the event is not a proxy
// event). A backend must treat this as "not signed in" and refuse.
var ErrNoIdentity = errors.New("backend: no authorizer identity in requestContext")

// Identity is what the authorizer decided about a request, read from
// requestContext.authorizer (never from a header a client could send).
type Identity struct {
	UserID    string
	SessionID string
	Roles     []string
	// Claims is the JSON object of custom claims; nil when the authorizer
	// dropped them for size (see authorizer.MaxContextClaimsBytes).
	Claims json.RawMessage
	// SetCookie is the rotated access cookie's Set-Cookie value, or "".
	SetCookie string
	// AccessToken is the rotated access token of a request that presented
	// a bearer token (header mode), for the st-access-token response
	// header, or "". At most one of SetCookie and AccessToken is set.
	AccessToken string
	// FrontToken is the new front-token header value, or "".
	FrontToken string
}

// HasRole reports whether the identity holds role.
func (id Identity) HasRole(role string) bool {
	for _, r := range id.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// FromAuthorizerContext reads an Identity from the authorizer's context as a
// proxy backend receives it: requestContext.authorizer for REST (v1), where
// API Gateway stringifies every value, or requestContext.authorizer.lambda
// for HTTP APIs (2.0).
func FromAuthorizerContext(m map[string]any) (Identity, error) {
	var id Identity
	if len(m) == 0 {
		return id, ErrNoIdentity
	}
	id.UserID = str(m[authorizer.CtxUserID])
	if id.UserID == "" {
		return id, fmt.Errorf("%w: no %s", ErrNoIdentity, authorizer.CtxUserID)
	}
	if p, ok := m["principalId"]; ok && str(p) != id.UserID {
		return Identity{}, fmt.Errorf("%w: principalId and %s differ", ErrNoIdentity, authorizer.CtxUserID)
	}
	id.SessionID = str(m[authorizer.CtxSessionID])
	id.Roles = authorizer.SplitRoles(str(m[authorizer.CtxRoles]))
	if c := str(m[authorizer.CtxClaims]); c != "" {
		if !json.Valid([]byte(c)) {
			return Identity{}, fmt.Errorf("%w: %s is not JSON", ErrNoIdentity, authorizer.CtxClaims)
		}
		id.Claims = json.RawMessage(c)
	}
	id.SetCookie = str(m[authorizer.CtxSetCookie])
	id.AccessToken = str(m[authorizer.CtxAccessToken])
	id.FrontToken = str(m[authorizer.CtxFrontToken])
	return id, nil
}

// FromV1 reads the identity of a REST (v1) Lambda proxy request.
func FromV1(req events.APIGatewayProxyRequest) (Identity, error) {
	return FromAuthorizerContext(req.RequestContext.Authorizer)
}

// FromV2 reads the identity of an HTTP API (2.0) Lambda proxy request.
func FromV2(req events.APIGatewayV2HTTPRequest) (Identity, error) {
	if req.RequestContext.Authorizer == nil {
		return Identity{}, ErrNoIdentity
	}
	return FromAuthorizerContext(req.RequestContext.Authorizer.Lambda)
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return ""
}

type ctxKey struct{}

// NewContext returns ctx carrying id (the middlewares do this).
func NewContext(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the identity the middleware stored in ctx.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(Identity)
	return id, ok
}

// ApplyV1 copies the rotated cookie or access token and the front-token
// into a REST (v1) proxy response: Set-Cookie as its own line in
// multiValueHeaders (never joined with the backend's own cookies),
// st-access-token and front-token unless the backend set its own, and
// those two added to Access-Control-Expose-Headers so the frontend SDK
// can read them cross-origin.
func ApplyV1(resp *events.APIGatewayProxyResponse, id Identity) {
	if id.SetCookie == "" && id.AccessToken == "" && id.FrontToken == "" {
		return
	}
	if resp.MultiValueHeaders == nil {
		resp.MultiValueHeaders = map[string][]string{}
	}
	// API Gateway prefers multiValueHeaders over headers for the same name:
	// move the backend's single-valued copies so none is lost.
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "Set-Cookie") || strings.EqualFold(k, authorizer.HeaderFrontToken) ||
			strings.EqualFold(k, authorizer.HeaderAccessToken) || strings.EqualFold(k, "Access-Control-Expose-Headers") {
			resp.MultiValueHeaders[k] = append(resp.MultiValueHeaders[k], v)
			delete(resp.Headers, k)
		}
	}
	if id.SetCookie != "" {
		k := keyFor(resp.MultiValueHeaders, "Set-Cookie")
		resp.MultiValueHeaders[k] = append(resp.MultiValueHeaders[k], id.SetCookie)
	}
	for _, h := range [...]struct{ name, value string }{
		{authorizer.HeaderAccessToken, id.AccessToken},
		{authorizer.HeaderFrontToken, id.FrontToken},
	} {
		if h.value == "" || keyFor(resp.MultiValueHeaders, h.name) != h.name || len(resp.MultiValueHeaders[h.name]) != 0 {
			continue // nothing to add, or the backend's own wins
		}
		resp.MultiValueHeaders[h.name] = []string{h.value}
		k := keyFor(resp.MultiValueHeaders, "Access-Control-Expose-Headers")
		resp.MultiValueHeaders[k] = expose(resp.MultiValueHeaders[k], h.name)
	}
}

// ApplyV2 copies the rotated cookie or access token and the front-token
// into an HTTP API (2.0) proxy response: the cookie as one more entry of
// cookies (API Gateway sends each as its own Set-Cookie line),
// st-access-token and front-token unless the backend set its own, and
// those two in Access-Control-Expose-Headers.
func ApplyV2(resp *events.APIGatewayV2HTTPResponse, id Identity) {
	if id.SetCookie != "" {
		resp.Cookies = append(resp.Cookies, id.SetCookie)
	}
	for _, h := range [...]struct{ name, value string }{
		{authorizer.HeaderAccessToken, id.AccessToken},
		{authorizer.HeaderFrontToken, id.FrontToken},
	} {
		if h.value == "" {
			continue
		}
		if resp.Headers == nil {
			resp.Headers = map[string]string{}
		}
		if keyForSingle(resp.Headers, h.name) != h.name || resp.Headers[h.name] != "" {
			continue // the backend's own wins
		}
		resp.Headers[h.name] = h.value
		k := keyForSingle(resp.Headers, "Access-Control-Expose-Headers")
		var cur []string
		if v, ok := resp.Headers[k]; ok {
			cur = []string{v}
		}
		resp.Headers[k] = strings.Join(expose(cur, h.name), ", ")
	}
}

// expose returns the Access-Control-Expose-Headers values vals with name
// added, unless they already list it (or "*").
func expose(vals []string, name string) []string {
	for _, v := range vals {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); strings.EqualFold(n, name) || n == "*" {
				return vals
			}
		}
	}
	if len(vals) == 0 {
		return []string{name}
	}
	out := append([]string(nil), vals...)
	out[len(out)-1] += ", " + name
	return out
}

// keyFor returns the existing key matching name in any letter case, or name.
func keyFor(m map[string][]string, name string) string {
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

func keyForSingle(m map[string]string, name string) string {
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// HandlerV1 is a REST (v1) Lambda proxy handler.
type HandlerV1 func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// HandlerV2 is an HTTP API (2.0) Lambda proxy handler.
type HandlerV2 func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// unauthorizedV1 is what a protected backend answers when the authorizer's
// identity is missing: a 401 the frontend SDK treats as "refresh, retry".
const unauthorizedBody = `{"message":"unauthorised"}`

// WrapV1 reads the identity, refuses a request without one (401, the route
// is misconfigured: it is not behind the authorizer), stores it in the
// context for next (FromContext), and copies setCookie / accessToken /
// frontToken into next's response (ApplyV1). An error from next is
// returned unchanged.
func WrapV1(next HandlerV1) HandlerV1 {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		id, err := FromV1(req)
		if err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 401, Body: unauthorizedBody,
				Headers: map[string]string{"Content-Type": "application/json"}}, nil
		}
		resp, err := next(NewContext(ctx, id), req)
		if err != nil {
			return resp, err
		}
		ApplyV1(&resp, id)
		return resp, nil
	}
}

// WrapV2 is WrapV1 for HTTP API (2.0) proxy backends.
func WrapV2(next HandlerV2) HandlerV2 {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		id, err := FromV2(req)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{StatusCode: 401, Body: unauthorizedBody,
				Headers: map[string]string{"Content-Type": "application/json"}}, nil
		}
		resp, err := next(NewContext(ctx, id), req)
		if err != nil {
			return resp, err
		}
		ApplyV2(&resp, id)
		return resp, nil
	}
}
