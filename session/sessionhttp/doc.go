// Package sessionhttp serves the session API over net/http — POST
// <base>/session/refresh, POST <base>/signout, and the self-service routes
// GET <base>/sessions, DELETE <base>/sessions/{id} and POST
// <base>/sessions/revoke-others, with their CORS preflights, as
// docs/protocol.md ("Session API routes", "Header mode") specifies them —
// and gives the application's own sign-in handler one call, SignIn (or
// Handler.SignIn, which also logs and counts it), that creates a session
// and writes its cookies, or its tokens in headers for a client in header
// mode.
//
// The handlers are plain http.Handlers: they run behind the Lambda proxy
// adapter (package lambdaproxy, used by cmd/sessionapi), in the local
// gateway, or in any Go server.
//
// # Wire behaviour
//
//	POST <base>/session/refresh
//	  200 {}                                  two Set-Cookie lines (access, refresh), front-token
//	  401 {"message":"unauthorised"}          no/invalid/expired/revoked refresh cookie;
//	                                          both cookies cleared, front-token: remove
//	  401 {"message":"token theft detected"}  an old refresh token reused after its successor
//	                                          was used, outside the grace window; the session
//	                                          is revoked; cookies cleared, front-token: remove
//	POST <base>/signout
//	  200 {"status":"OK"}                     every session presented revoked (each authentic
//	                                          access cookie and the bearer token), cookies
//	                                          cleared, front-token: remove
//	  401 {"message":"unauthorised"}          no session; cookies cleared, front-token: remove
//	GET <base>/sessions
//	  200 {"sessions":[{"id","createdAt","lastActiveAt","expiresAt","agent","current"}]}
//	                                          the caller's live sessions, current first, then
//	                                          the most recently active; times in ms
//	                                          (SessionList)
//	DELETE <base>/sessions/{id}
//	  200 {"status":"OK"}                     that session of the caller's user ended; when it
//	                                          is the caller's own, a sign-out (cookies or header
//	                                          tokens cleared, front-token: remove)
//	  404 {"message":"no such session"}       not a live session of the caller's user: unknown,
//	                                          ended, malformed or another user's — one answer
//	  403 {"message":"reauthentication required"} ending another session needs a sign-in
//	                                          within SESSION_REAUTH_WINDOW
//	POST <base>/sessions/revoke-others
//	  200 {"status":"OK","revoked":n}         every other session of the caller's user ended
//	  403 {"message":"reauthentication required"} as above
//	the three self-service routes
//	  401 {"message":"unauthorised"}          no, forged, expired, revoked or ambiguous access
//	                                          token; NOTHING cleared and no front-token, as
//	                                          on any protected route: the SDK refreshes
//	every route
//	  403 {"message":"anti-csrf check failed"} no rid header, or an Origin not allowed (not on
//	                                          GET, and not for a bearer-only request)
//	  405 + Allow: <its method>, OPTIONS       any other method
//	  503 + Retry-After                        the session store failed; no cookie or header
//	                                          token is touched, so an outage logs nobody out
//	OPTIONS (preflight)
//	  204 + Access-Control-Allow-*             for an origin in ALLOWED_ORIGINS; Allow-Methods
//	                                          is the route's method and OPTIONS
//	  403 {"message":"origin not allowed"}     for any other origin, with no Allow-Origin
//
// That is cookie mode; header mode is below. Cookies are always separate
// Set-Cookie lines (http.Header.Add), never
// comma-joined: browsers do not split Set-Cookie on commas and a cookie's
// Expires date contains one. Responses carry Cache-Control: no-store when
// they set or clear cookies.
//
// # Self-service: a user's own sessions, and nobody else's
//
// The self-service routes are protected routes: the access token is
// validated exactly as the authorizer validates it: one credential,
// chosen as the authorizer chooses it — a well-formed bearer token when
// the request asks for header mode or carries no access cookie, else the
// access cookie copies (package session's ValidateAny, which refuses live
// sessions of two users as ambiguous). When
// validation rotates the access token, the answer carries the new one the
// way the old one came — one Set-Cookie line, or st-access-token — and its
// front-token, as the authorizer's mapped headers do (not on a 503, which
// changes nothing). The user is always the validated session's; no route
// takes a user id. Manager.EndSession answers an id that is not a live
// session of that user — including another user's — with ErrUnknown before
// it writes anything, so a 404 tells nothing about other users' sessions.
// Ending another session or all others needs the calling session to have
// been created within session.Config.ReauthWindow (ASVS 7.5.2); ending
// one's own never does. An application's own password-change flow calls
// Manager.RevokeOthers directly.
//
// # Header mode
//
// A client that keeps no cookies (a mobile app, a server, the SDK with
// tokenTransferMethod "header") carries the same tokens in headers:
// "Authorization: Bearer <refresh token>" on the refresh route,
// "Authorization: Bearer <access token>" on sign-out, and
// "st-auth-mode: header" on every call. The token values are the cookie
// values; package session's ParseBearer reads the header (the scheme in
// any letter case, exactly one token after it).
//
//	POST <base>/session/refresh   Authorization: Bearer <refresh>
//	  200 {}                      st-access-token, st-refresh-token (each exactly once), front-token;
//	                              no cookie
//	  401 (as above)              st-access-token: "" and st-refresh-token: "" (forget them),
//	                              front-token: remove
//	POST <base>/signout           Authorization: Bearer <access>
//	  200 {"status":"OK"}         session revoked; both header tokens cleared, front-token: remove
//	GET, DELETE, POST <base>/sessions…   Authorization: Bearer <access>
//	  as in cookie mode; a rotated access token comes back in st-access-token; ending
//	  one's own session clears both header tokens
//
// Precedence on the refresh route, when a request carries both a bearer
// token and cookies (the self-service routes choose one credential, as
// the authorizer does: see above): the bearer token (if well-formed) is
// tried first, then the cookie, so a
// stale credential of one mode never shadows a good one of the other (a
// stale cookie winning over a valid bearer token would send the SDK round
// refresh → retry → 401 until it gives up). A store failure or theft on the
// bearer token is the answer. The answer goes back the way the token that
// worked came, and clears the other mode's tokens when the request carried
// them, so that a client ends up holding one session in one mode. Sign-out
// revokes the sessions of both. A 401 clears the tokens of the mode the
// request asks for and of every mode whose credential it carried; a 503
// clears nothing.
//
// Anti-CSRF does not apply to a request whose only credential is a bearer
// credential (no session cookie): it carries nothing ambient, a browser
// never adds a Bearer Authorization header by itself, and a cross-origin
// script that sets one is preflighted. A request with a session cookie,
// with no credential, or with another scheme (Basic, which a browser does
// replay by itself) still needs rid.
//
// Hostile Authorization values — no scheme, two tokens, 10 KB, non-ASCII,
// a cookie string, an access token presented as a refresh token or the
// reverse, several Authorization headers — are each a 401 unauthorised,
// logged with reason malformed_bearer or unknown_session, never a 5xx.
//
// # The path prefix and the refresh cookie's Path
//
// The refresh cookie must reach the refresh route and nothing else, so its
// Path is the path under which the browser really calls that route:
//
//	Path = <prefix> + API_BASE_PATH + "/session/refresh"
//
// where the prefix is what the browser sees in front of the API's own
// paths (the paths the API definition writes):
//
//	https://abc123.execute-api.eu-west-1.amazonaws.com/prod/auth/…  prefix "/prod" (the stage)
//	https://api.example.com/v1/auth/…  (base-path mapping "v1")      prefix "/v1"
//	https://api.example.com/auth/…     (custom domain's root)        prefix ""
//
// The prefix is derived from the request being served, never configured:
//
//   - Behind API Gateway, package lambdaproxy derives it from the event —
//     the browser-visible path (REST: requestContext.path; HTTP API:
//     rawPath) minus the route's own path (REST: resource; HTTP API: the
//     path of routeKey; path parameters filled in), cut only on a segment
//     boundary, else "" — and hands it over with WithPathPrefix, the
//     request's URL path being the route's own path.
//   - In plain net/http (no prefix on the context), the routes, and
//     DemoSignInHandler, take what stands in front of their own route in
//     r.URL.Path. Mount them where the browser calls
//     them, without http.StripPrefix, or set WithPathPrefix yourself.
//   - SignIn does not know its route: it uses the context's prefix, else "".
//
// The same prefix gives the Path of a new refresh cookie (refresh, SignIn,
// the demo route) and of the one a 401 or a sign-out clears, so a clearing
// cookie always names the cookie that was set. STAGE_PREFIX
// (session.Config.StagePrefix), when set, is an explicit override that
// replaces the derived prefix for cookie paths; leave it unset unless a
// proxy in front of API Gateway rewrites paths. A prefix that is not clean
// ("/seg[/seg…]", no empty or dot segment, only the characters stage names
// and base-path mappings use) counts as "" (fail safe): a ";" could
// otherwise end the Path attribute.
//
// Routing uses the very same answer: New's handler serves a request when
// its path is prefix + route for one of its routes (for DELETE
// <base>/sessions/{id}, prefix + <base>/sessions + "/" + one segment), and
// 404 otherwise; a path with an unclean prefix is 404 too. The access
// cookie's Path is always "/".
//
// # CORS
//
// CORS never answers "*": with credentials the browser needs the exact
// origin, so only origins listed in session.Config.AllowedOrigins get
// Access-Control-Allow-Origin (echoed), Allow-Credentials: true, and the
// header sets AllowHeaders (what the frontend SDK sends) and ExposeHeaders
// (front-token and friends, which the SDK must read). The CORS type is
// exported so other servers can give their routes the same policy.
//
// # Sign-in
//
// The application authenticates the user itself, then calls SignIn (or
// Handler.SignIn, for the log record and metric line), which revokes any
// session the client already presented, as a cookie or a bearer token (no
// fixation), creates the new one with the summary of the request's
// User-Agent (shown in the sessions list), and writes the cookies and
// front-token — or, when the request carries st-auth-mode: header, the
// st-access-token, st-refresh-token and front-token headers and no cookie. Behind API Gateway,
// serve the sign-in handler through package lambdaproxy so that the refresh
// cookie gets the prefix. For a Lambda proxy response without net/http,
// ProxyHeaders (REST, multiValueHeaders) and ProxyCookies with
// ProxyHeadersV2 (HTTP API, cookies array) return the same values as plain
// Go maps and slices, so this package needs no Lambda SDK; pass them the
// tokens through TokensForPrefix with the prefix lambdaproxy.SplitPathV1 or
// SplitPathV2 derives from the event. In header mode, HeaderTokens gives
// the headers as a plain map.
//
// DemoSignInHandler signs in any user id it is given, with no
// authentication at all. It exists for the local gateway and browser tests
// and must never be deployed.
//
// # Metrics
//
// With Options.Metrics set (cmd/sessionapi: os.Stdout), every request that
// reaches a route — not a preflight, not an unknown path — writes one
// CloudWatch Embedded Metric Format line: namespace MetricNamespace
// ("sessiongate"), metric MetricRequests (Count, 1), dimension sets
// [Route, Outcome] and [Outcome], where Route is one of RouteSignIn,
// RouteRefresh, RouteSignOut, RouteSessions, RouteEndSession,
// RouteRevokeOthers and Outcome one of OutcomeOK, OutcomeUnauthorised,
// OutcomeTheft, OutcomeStoreError, OutcomeForbidden, OutcomeBadRequest,
// OutcomeNotFound, OutcomeReauth. A sign-in (Handler.SignIn,
// DemoSignInHandler) that ended sessions beyond the per-user limit adds
// MetricSessionsEvicted with their number to its line. The deployment's
// alarms (theft > 0, store errors) are derived from these constants.
//
// # Logs
//
// One log/slog record per request with an allow-list of fields —
// request_id (ContextWithRequestID), route, outcome and reason; sid and
// uid on a token theft; evicted on a sign-in that evicted — and nothing
// else: never a cookie, a header, a body or an error text that could carry
// one, and never a token in either mode. route and outcome are the metric's
// Route and Outcome. A theft is logged once, at warn, with sid (and uid
// when the session package reports the user) as salted hashes:
// the first 12 hex characters of HMAC-SHA256(Options.LogSalt, id), the
// authorizer's rule (package internal/logid), so one LOG_SALT correlates
// the lines of both. A refresh with no credential at all is routine (the
// SDK probes on a page's first load, in either mode) and logs at debug
// level, as does a protected route called with none.
package sessionhttp
