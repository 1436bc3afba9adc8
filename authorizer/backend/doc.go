// Package backend helps a Lambda **proxy** backend that sits behind the
// sessiongate authorizer.
//
// A proxy integration (REST "AWS_PROXY", HTTP API Lambda integrations) cannot
// use integration-request or integration-response mappings: API Gateway
// neither maps principalId to an x-user-id header for it nor copies the
// authorizer's setCookie into its response. The backend must do both itself:
//
//   - read the identity from requestContext.authorizer (REST v1: principalId
//     and the context values, stringified) or requestContext.authorizer.lambda
//     (HTTP API 2.0) — FromV1, FromV2, FromAuthorizerContext;
//   - when the authorizer rotated the access token, send the new cookie and
//     front-token to the browser — ApplyV1 (multiValueHeaders["Set-Cookie"],
//     one cookie per line, never comma-joined) and ApplyV2 (the response's
//     cookies array).
//
// WrapV1 and WrapV2 do both around a handler and put the Identity in the
// handler's context (FromContext).
//
// # Threat model
//
// The identity is read only from requestContext, which API Gateway fills
// from the authorizer's result; a header a client sends (x-user-id, …) is
// never consulted. A request without an identity is answered 401 without
// calling the handler: that only happens when a route is not behind the
// authorizer, which is a deployment mistake that must fail closed.
//
// The package reads no cookie and talks to no store: the authorizer has
// already validated the session on this very request (caching off).
package backend
