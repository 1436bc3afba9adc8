package authorizer

import (
	"strings"

	"github.com/sessiongate/sessiongate/session"
)

// Context keys the authorizer returns to API Gateway. This is the one list
// shared by the authorizer, the gateway definitions (package
// gatewayresponses) and the local gateway. Values under these keys are
// strings, numbers or booleans only: API Gateway rejects nested values.
const (
	// CtxUserID is the user id (also returned as principalId).
	CtxUserID = "userId"
	// CtxSessionID is a non-secret id for the session (not the handle).
	CtxSessionID = "sessionId"
	// CtxRoles is the user's roles, comma-joined, and never empty: a
	// session with no roles gets NoRoles (see RolesValue).
	CtxRoles = "roles"
	// CtxClaims is the JSON text of the custom claims.
	CtxClaims = "claims"
	// CtxSetCookie is one Set-Cookie value, or "" when nothing changes or
	// the request presented a bearer token (then CtxAccessToken).
	CtxSetCookie = "setCookie"
	// CtxFrontToken is the front-token header value, or "".
	CtxFrontToken = "frontToken"
	// CtxAccessToken is a rotated access token for a request that
	// presented a bearer token (header mode; mapped to the st-access-token
	// response header wherever CtxSetCookie is mapped to Set-Cookie), or
	// "" when nothing changes or the request presented a cookie. At most
	// one of CtxSetCookie and CtxAccessToken is set.
	CtxAccessToken = "accessToken"
	// CtxBody is the JSON text of the response body on Deny (403).
	CtxBody = "body"
)

// NoRoles is the roles context value of a session that holds no role: a
// single comma, which SplitRoles reads as no roles at all. It is never
// empty because API Gateway maps it into x-user-roles, and only a
// non-empty source is sure to overwrite a client-sent copy on HTTP_PROXY
// (docs/protocol.md#identity-headers). Role names cannot contain a comma
// (session.ValidateRoles).
const NoRoles = ","

// RolesValue is the roles context value (and x-user-roles header value) of
// a session: its roles comma-joined, or NoRoles when it has none.
func RolesValue(roles []string) string {
	if len(roles) == 0 {
		return NoRoles
	}
	return strings.Join(roles, ",")
}

// SplitRoles reads a roles context value or x-user-roles header: the
// comma-separated role names, empty names dropped, so NoRoles (and "")
// give none.
func SplitRoles(v string) []string {
	var out []string
	for _, r := range strings.Split(v, ",") {
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

// Headers that API Gateway maps from the authorizer's result.
const (
	// HeaderUserID carries principalId to backends.
	HeaderUserID = "x-user-id"
	// HeaderUserRoles carries the roles context value to backends.
	HeaderUserRoles = "x-user-roles"
	// HeaderSessionID carries the sessionId context value to backends.
	HeaderSessionID = "x-session-id"
	// HeaderFrontToken is the response header the frontend SDK reads.
	HeaderFrontToken = session.HeaderFrontToken
	// HeaderAccessToken is the response header that carries a rotated
	// access token (CtxAccessToken) to a client in header mode.
	HeaderAccessToken = session.HeaderAccessToken
)

// Request headers that carry a rotated access cookie to an HTTP_PROXY
// backend, which must echo them as its response's Set-Cookie and
// front-token header: API Gateway cannot map response headers of a proxy
// integration (docs/protocol.md#proxy-backends). Either is absent or empty
// when nothing was rotated.
const (
	HeaderProxySetCookie  = "x-sessiongate-set-cookie"
	HeaderProxyFrontToken = "x-sessiongate-front-token"
)

// HeaderProxyAccessToken carries a rotated access token for a client in
// header mode (accessToken) to an HTTP_PROXY backend, which must echo it
// as its response's st-access-token header; absent or empty when nothing
// was rotated.
const HeaderProxyAccessToken = "x-sessiongate-access-token"
