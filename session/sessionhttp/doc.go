// Package sessionhttp serves the session API of contract §2 over net/http —
// POST <base>/session/refresh and POST <base>/signout with their CORS
// preflights — and gives the application's own sign-in handler one call,
// SignIn, that creates a session and writes its cookies.
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
//	  200 {"status":"OK"}                     session revoked, cookies cleared, front-token: remove
//	  401 {"message":"unauthorised"}          no session; cookies cleared, front-token: remove
//	either route
//	  403 {"message":"anti-csrf check failed"} no rid header, or an Origin not allowed
//	  405 + Allow: POST, OPTIONS               any other method
//	  503 + Retry-After                        the session store failed; no cookie is touched,
//	                                          so an outage logs nobody out
//	OPTIONS (preflight)
//	  204 + Access-Control-Allow-*             for an origin in ALLOWED_ORIGINS
//	  403 {"message":"origin not allowed"}     for any other origin, with no Allow-Origin
//
// Cookies are always separate Set-Cookie lines (http.Header.Add), never
// comma-joined: browsers do not split Set-Cookie on commas and a cookie's
// Expires date contains one. Responses carry Cache-Control: no-store when
// they set or clear cookies. Paths are matched without the API Gateway
// stage prefix (lambdaproxy strips it); the stage-prefixed path is accepted
// too.
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
// The application authenticates the user itself, then calls SignIn, which
// revokes any session the browser already presented (no fixation), creates
// the new one, and writes the cookies and front-token. For a Lambda proxy
// response without net/http, ProxyHeaders (REST, multiValueHeaders) and
// ProxyCookies with ProxyHeadersV2 (HTTP API, cookies array) return the same
// values as plain Go maps and slices, so this package needs no Lambda SDK.
//
// DemoSignInHandler signs in any user id it is given, with no
// authentication at all. It exists for the local gateway and browser tests
// and must never be deployed.
//
// # Logs
//
// One log/slog record per request with an allow-list of fields —
// request_id (ContextWithRequestID), route, outcome, reason — and nothing
// else: never a cookie, a header, a body or an error text that could carry
// one. A refresh with no cookie at all is routine (the SDK probes on a
// page's first load) and logs at debug level.
package sessionhttp
