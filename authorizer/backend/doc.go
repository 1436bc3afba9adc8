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
//     cookies array); for a client in header mode (it presented
//     "Authorization: Bearer …"), the new token as the st-access-token
//     header instead of a cookie (context key accessToken), exposed to the
//     SDK like front-token.
//
// WrapV1 and WrapV2 do both around a handler and put the Identity in the
// handler's context (FromContext).
//
// # CORS
//
// A proxy integration also gets no CORS headers from API Gateway: a REST
// API adds Access-Control-Allow-Origin only to the responses it makes
// itself (gateway responses, mocked preflights, mapped method responses),
// so a Lambda proxy route answers a browser on another origin without it
// and the browser hides the answer. CORS adds the same headers the session
// API sends, for the request's Origin when it is exactly one of the allowed
// origins (ALLOWED_ORIGINS, read in a main with
// session.ParseAllowedOrigins): Access-Control-Allow-Origin (that origin,
// never "*"), Access-Control-Allow-Credentials: true,
// Access-Control-Expose-Headers (front-token and the other headers the
// frontend SDK reads), and always Vary: Origin. Wrap it outermost, so the
// 401 of a request without identity carries them too:
//
//	cors := backend.CORS{Origins: origins}
//	lambda.Start(cors.WrapV1(backend.WrapV1(handler)))
//
// Preflights (OPTIONS) are not the backend's: the REST definition answers
// them with a mock integration, and an HTTP API's CORS configuration
// answers them (and then replaces these headers with its own).
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
