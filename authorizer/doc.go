// Package authorizer is the sessiongate Lambda authorizer, REQUEST and
// TOKEN: it turns an API Gateway authorizer event into a decision and the
// decision into the response API Gateway expects. It never talks to Redis itself: it asks the
// session engine, through the small interface Sessions that it owns and
// that *session.Manager satisfies. The wire protocol it implements is
// docs/protocol.md (Authorizer); the API Gateway behaviours it relies on are
// docs/apigateway.md.
//
// # One invocation, four steps
//
// Handler.Invoke (lambda.Start(h); Handle is the same for aws-lambda-go's
// reflection) runs every event through four steps, each in a file of its
// own:
//
//	parse    event.go, parse.go  bytes → event (one typed struct) → request
//	decide   decide.go           request → decision: a typed outcome and reason
//	render   render.go           decision → the response's bytes, or the error
//	observe  observe.go          one log line (if its level is on), one metric line
//
// The memory the steps work in — the decoded event, the request's cookie
// values, the response before it is encoded — is an invocation
// (invocation.go), reused from one call to the next through a sync.Pool and
// zeroed in between; nothing that outlives Invoke points into it, and the
// bytes Invoke returns are the encoder's fresh copy.
//
// parse reads the payload format from the event itself
// (docs/protocol.md#events-and-cookies): a REQUEST event with a methodArn
// and no version or "1.0" is answered with an IAM policy (REST APIs), one
// with "version":"2.0" and a routeArn with a simple response (HTTP APIs),
// and a TOKEN event (authorizationToken and methodArn) with an IAM policy.
// Anything else is a bad event: another type or version, a member of the
// wrong JSON type, JSON that is not strict (below), an ARN that does not
// parse, a TOKEN event whose ARN names no method. parse also decides which
// credential the request presents — the access cookie or a bearer token
// (header mode, below) — and takes its values.
//
// decide runs the checks in the order of docs/protocol.md#check-order —
// cookie or bearer token → session in the store → anti-CSRF (cookies only)
// → route rules — and says what it concluded as an outcome (allow,
// unauthorized, deny, error, bad_event) and a reason (no_session, expired,
// unknown, ambiguous, csrf, claims, store, …), values of Go types rather than
// strings. render is the one place an
// outcome becomes what API Gateway answers (docs/protocol.md#outcomes):
//
//	allow         Allow for the exact methodArn, principalId = user id, context
//	              (2.0: isAuthorized true + context)
//	unauthorized  the error "Unauthorized" (ErrUnauthorized): API Gateway answers
//	              401, the SDK refreshes and retries
//	deny          Deny for the methodArn + context with body (JSON text) and
//	              setCookie or accessToken (2.0: isAuthorized false): 403
//	              (ACCESS_DENIED), and the gateway response maps them into it
//	error         ErrStoreUnavailable (ErrInternal for the engine's own failures):
//	              500; no cookie is changed, so an outage logs nobody out
//	bad_event     BadEventResponse: 403 under every response format
//
// A 401 is the error "Unauthorized" because that is the only way a Lambda
// authorizer gets one, and it carries no context; a 403 is a Deny because
// its context reaches the ACCESS_DENIED gateway response, which is how the
// body and a rotated cookie get to the browser
// (docs/apigateway.md#authorizer-outcomes). An HTTP API has no gateway
// responses: its browser sees a bare 403, though the context is returned.
// A bad event is logged at error level and counted under the metric
// outcome bad_event; it is neither a 401 (no refresh fixes a deployment
// mistake) nor a 500 ("the store failed, keep your cookies").
//
// # Header mode: bearer tokens
//
// A client that does not keep cookies — a mobile app, a server, a browser
// app with the SDK's tokenTransferMethod "header" — sends the same access
// token as "Authorization: Bearer <token>" (docs/protocol.md#header-mode).
// The token is the access cookie's value and is validated by the same
// engine call, Sessions.ValidateAny, so every outcome above is the same
// for it. The header's syntax is session.ParseBearer's, shared with the
// session API: the scheme in any letter case, exactly one RFC 6750 token;
// anything else carrying the Bearer scheme, a bare token or a cookie string
// is malformed, a 401 like a cookie that does not decode (reason unknown),
// and another scheme (Basic …) is no credential at all.
//
// A REQUEST event may carry both a cookie and a bearer token: a header-mode
// browser app also sends the cookies it holds, and a cookie-mode SDK may
// have stored a token. The cookie decides, and the Authorization header is
// ignored, unless the request says "st-auth-mode: header" (the SDK sends it
// on every request in header mode) and its bearer token is well-formed:
// then the token decides, so that a stale access cookie left from cookie
// mode cannot answer every refreshed request with a 401, a refresh loop.
// Without a cookie a well-formed bearer token always decides. A TOKEN event
// (identity source method.request.header.Authorization, caching off) has
// only the header's value and the methodArn: its route rules see the ARN's
// method and path.
//
// Anti-CSRF applies to cookie requests only: a browser never attaches a
// bearer token on its own, so a cross-site request cannot carry one. A
// rotated access token goes back the way it came: setCookie (a Set-Cookie
// line) to a cookie request, accessToken (the bare token, which the
// definitions map to the st-access-token response header) to a bearer
// request, which is never handed a cookie; frontToken to both.
//
// # Decoding: encoding/json/v2, strict
//
// Events are decoded with github.com/go-json-experiment/json, the module
// form of encoding/json/v2, into one typed struct (event) for REST REQUEST,
// HTTP API 2.0 REQUEST and TOKEN events; members the authorizer does not
// read are checked and skipped. The header objects are read token by token
// (jsontext, UnmarshalJSONFrom) keeping only Cookie, Origin and
// Authorization and counting rid and st-auth-mode: header, so no map of
// every header is built. A maintained decoder instead of a
// hand-written scanner: the JSON grammar, UTF-8 and duplicate names are the
// library's to get right, and there is one parser to trust.
//
// Its defaults are strict, and the authorizer keeps them: an event that is
// not one JSON object of valid UTF-8, that repeats a member name anywhere
// (skipped members included), or whose members have the wrong JSON type is
// a bad event. Fail closed: when two readers of the same bytes could see
// two different events, the authorizer does not pick one. The logged cause
// names the problem and its byte offset, never the event's text.
//
// Responses are typed structs (the policy document is aws-lambda-go's
// events.APIGatewayCustomAuthorizerPolicy; the context a struct whose JSON
// names are the Ctx constants) encoded by the same library, with HTML
// escaping off as aws-lambda-go's own encoder has it: one encoding path.
//
// # Context, cookies and route rules
//
// The context's keys are the constants of contextkeys.go and its values
// strings only (docs/protocol.md#context-keys); at most one of setCookie
// and accessToken is set; claims longer than
// MaxContextClaimsBytes are left out of it and a 403 body is kept within
// MaxBodyBytes, for API Gateway's header budget (docs/apigateway.md#limits).
// The access cookie is read from every Cookie header of the bag that
// counts (any letter case of the name), every copy kept in order with no
// cap of the authorizer's own, and all of them go to
// Sessions.ValidateAny, whose rule alone decides which count
// (session.HeaderBudget, API Gateway's own limit, so junk in front never
// hides a valid copy) and refuses copies naming sessions of two users
// (session.ErrAmbiguous: a 401 logged with reason ambiguous), so a cookie
// tossed in from a sibling domain can neither shadow the good one nor
// swap the user (docs/protocol.md#events-and-cookies). Route
// rules (AUTHZ_RULES, normally the rules.json `sessiongate render` writes)
// are read strictly and checked at start-up by ParseRules, and every rule
// that matches a request applies (Rule; docs/protocol.md#route-rules).
//
// # Policy
//
// One builder makes every IAM policy (NewPolicy, for a typed Effect and an
// ARN checked by ParseMethodARN). Allow and Deny name the exact methodArn
// that was called (with caching off nothing else is ever needed); only
// BadEventResponse, which has no ARN it could trust, denies "*".
//
// # Testing without Redis
//
// Everything above the session engine depends on Sessions alone, so the
// package's tables (outcomes, anti-CSRF, rules, cookies, hostile input, the
// golden files) run against a stub of it; TestEndToEnd runs the same paths
// over the real engine and redis-server, and FuzzDecodeEvent holds the
// decoder to "refused, or decided" on any bytes.
//
// # Threat model and operations
//
//   - Authorizer caching must stay off (authorizerResultTtlInSeconds 0; no
//     identity sources for REQUEST, the Authorization header for TOKEN;
//     docs/apigateway.md#caching-and-identity-sources). A cached Allow would
//     let a revoked session in until the TTL ends, and a cached policy would
//     replay another request's setCookie or accessToken. The authorizer
//     validates against the store on every request.
//   - Cookies and tokens are never logged. Logs (log/slog JSON) carry only
//     request_id, payload, credential (none, cookie, bearer, malformed),
//     route, outcome, reason, sid and uid (salted hashes of the session
//     and user ids, internal/logid: the first 12 hex digits of HMAC-SHA256
//     under a per-process salt or LOG_SALT) and, for errors,
//     our own message or a coarse store-failure class — never a header, a
//     token, the event, or the store's address. Allowed requests log at
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
