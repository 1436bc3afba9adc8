// Package authorizer is the sessiongate REQUEST Lambda authorizer: it turns
// an API Gateway authorizer event into a decision and the decision into the
// response API Gateway expects. It imports the session engine and
// aws-lambda-go's events; it never talks to Redis itself (the
// session.Manager it is given does).
//
// # One handler, two payloads
//
// Handler.Handle (or Handler.Invoke, its lambda.Handler form) reads the
// payload format from the event itself:
//
//   - "type":"REQUEST" with a methodArn (and no version, or "1.0") is a REST
//     API event (events.APIGatewayCustomAuthorizerRequestTypeRequest; HTTP
//     APIs send the same with payload format 1.0). The response is an IAM
//     policy: events.APIGatewayCustomAuthorizerResponse.
//   - "version":"2.0", "type":"REQUEST" with a routeArn is an HTTP API event
//     (events.APIGatewayV2CustomAuthorizerV2Request). The response is a
//     simple response: events.APIGatewayV2CustomAuthorizerSimpleResponse.
//   - Anything else — a TOKEN authorizer, another version, a field of the
//     wrong JSON type, an ARN that does not parse — is a deployment mistake.
//     The payload version is then unknown, so the answer is a
//     BadEventResponse that denies under every format API Gateway may read
//     it as (a Deny of "*" and isAuthorized false): a 403 with the body
//     BadEventBody, logged at error level with reason "bad_event" and
//     counted under the metric outcome "bad_event". It is deliberately not
//     "Unauthorized": a 401 would send the browser SDK into refresh-and-retry
//     for a problem no refresh fixes. Nor is it a 500, which means "the
//     store failed, keep your cookies".
//
// # Outcomes (contract §4), decided in one place
//
// The checks run in the order of contract §2: cookie → session in Redis →
// anti-CSRF → route rules.
//
//	valid session            Allow for the exact methodArn, principalId = user id, context
//	                         (2.0: isAuthorized true + context)
//	no/unknown/expired/      error "Unauthorized" (the constant Unauthorized, ErrUnauthorized):
//	revoked session          API Gateway answers 401, the SDK refreshes and retries
//	anti-CSRF or rule        Deny for the methodArn + context with body (JSON text) and
//	failure                  setCookie: API Gateway answers 403 (ACCESS_DENIED), and the
//	                         gateway response maps body and setCookie into it
//	store failure            ErrStoreUnavailable → 500; no cookie is changed, so an outage
//	                         logs nobody out
//
// Why Deny for 403 and an error for 401: the error "Unauthorized" is the only
// way to get a 401 from a Lambda authorizer, and API Gateway passes no
// context with it, so a 401 can neither set nor clear a cookie (the SDK
// then calls the refresh route, which can). A Deny policy does carry the
// context into the ACCESS_DENIED gateway response, which is how a 403 gets
// its JSON body (claimValidationErrors, which the SDK's API_INVALID_CLAIM
// event parses) and the rotated cookie.
//
// HTTP APIs have no gateway responses: isAuthorized:false becomes a bare
// 403 whose body and headers nobody can set. The context (body, setCookie)
// is still returned, for completeness and for the local gateway, but a
// browser behind an HTTP API sees only the status.
//
// # Context
//
// Keys are the constants of contextkeys.go; values are strings only
// (API Gateway rejects nested values with a 500): userId, sessionId (the
// public session id, never the handle), roles (comma-joined; "," — NoRoles —
// when the session holds none, never empty: API Gateway maps it into
// x-user-roles, and only a non-empty source is sure to overwrite a copy the
// client sent; SplitRoles reads it back), claims (JSON
// text of the custom claims; "{}" when none), setCookie (the one Set-Cookie
// value of a rotated access token, else ""), frontToken (the new front-token,
// else ""), and body on Deny.
//
// Size budget: API Gateway limits a request's headers, and so everything the
// gateway maps from the context, to 10240 bytes in total. The session engine
// bounds user id (255 B), roles (32 × 64 B) and the token; this package bounds
// what grows with the application: claims longer than MaxContextClaimsBytes
// (2048) are left out of the context (claims is then "", and a log line with
// reason "claims_dropped" says so — never a 500; the decision itself still
// uses the full claims), and a 403 body longer than MaxBodyBytes (2048) loses
// its actual values, then trailing errors.
//
// # Cookies
//
// The access cookie (session.Config.AccessCookieName) is read from every
// Cookie header: multiValueHeaders when present (every key equal to "cookie"
// in any letter case, every element — HTTP/2 clients send several Cookie
// headers and headers keeps only the last), else headers; for payload 2.0 the
// cookies array, else the headers. Every copy of the name is kept in order, up
// to MaxCookieValues (16), and handed to session.Manager.ValidateAny, which
// tries each: a copy tossed in from a sibling domain never shadows the good
// one and never causes a 500. The parser skips garbage and never panics
// (FuzzAppendCookieValues).
//
// # Route rules (AUTHZ_RULES)
//
// A JSON array of Rule, validated at start-up with every problem listed
// (ParseRules). A rule names a method ("*" or one upper-case method), a path
// pattern (literal segments, "*" for exactly one segment, a trailing "**"
// for any number, including none) and the roles (all required), anyRoles
// (at least one required) and claims (each one of a list of values) it
// demands. `sessiongate render` writes these rules (rules.json) from the
// x-sessiongate annotations of an API's OpenAPI document. Every matching rule applies.
// The pattern is matched against the request path without the stage:
// REST's path field, or for 2.0 rawPath (else requestContext.http.path) with
// "/<stage>" removed when the stage is not $default — and also against the
// path the method ARN names (relative to the API, so a custom domain's base
// path mapping, which REST's path field includes, cannot make a rule miss):
// a rule applies when either matches. "//", "." and ".." are cleaned first
// so that another spelling of a path cannot skip a rule.
// Failures give 403 {"message":"invalid claim","claimValidationErrors":
// [{"id":"roles"|<claim>,"reason":{…}}]} in the shape of the SuperTokens
// SDK's validators.
//
// # Policy
//
// NewPolicy is the one builder of IAM policies: a typed Effect and a parsed
// MethodARN (partition, region, 12-digit account, API id, stage, method and
// path kept exactly as the input had them). Allow and Deny both name the exact
// methodArn that was called: with caching off nothing else is ever needed.
// The one exception is BadEventResponse, which has no ARN it could trust and
// denies "*".
//
// # Threat model and operations
//
//   - Authorizer caching must stay off (authorizerResultTtlInSeconds 0, no
//     identity sources). A cached Allow would let a revoked session in until
//     the TTL ends, and a cached policy would replay another request's
//     setCookie. The authorizer validates against Redis on every request.
//   - Cookies are never logged. Logs (log/slog JSON) carry only request_id,
//     payload, route, outcome, reason, sid (the first 12 hex digits of
//     HMAC-SHA256 of the session id under a per-process salt or LOG_SALT) and,
//     for errors, our own message or a coarse store-failure class — never a
//     header, the event, or the store's address. Allowed requests log at
//     Debug.
//   - Every invocation writes one CloudWatch Embedded Metric Format line to
//     stdout (namespace sessiongate, metric Decisions, dimension Outcome =
//     allow | unauthorized | deny | error | bad_event), so dashboards and
//     alarms need no agent: alarm on Outcome=error (the store) and on
//     Outcome=bad_event (a deployment mistake).
//   - Fail closed: an event that does not parse is denied everything (403);
//     a store failure is a 500 with no cookie change; only a clean "no valid
//     session" is a 401.
package authorizer
