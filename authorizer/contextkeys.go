package authorizer

import "github.com/sessiongate/sessiongate/session"

// Context keys the authorizer returns to API Gateway. This is the one list
// shared by the authorizer, the gateway definitions (package
// gatewayresponses) and the local gateway. Values under these keys are
// strings, numbers or booleans only: API Gateway rejects nested values.
const (
	// CtxUserID is the user id (also returned as principalId).
	CtxUserID = "userId"
	// CtxSessionID is a non-secret id for the session (not the handle).
	CtxSessionID = "sessionId"
	// CtxRoles is the user's roles, comma-joined.
	CtxRoles = "roles"
	// CtxClaims is the JSON text of the custom claims.
	CtxClaims = "claims"
	// CtxSetCookie is one Set-Cookie value, or "" when nothing changes.
	CtxSetCookie = "setCookie"
	// CtxFrontToken is the front-token header value, or "".
	CtxFrontToken = "frontToken"
	// CtxBody is the JSON text of the response body on Deny (403).
	CtxBody = "body"
)

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
)
