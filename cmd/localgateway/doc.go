// Command localgateway runs sessiongate's deployed API definition on one
// machine: `go run ./cmd/localgateway`, then open http://127.0.0.1:8080.
//
// It loads deploy/openapi.json — the very file deployed, embedded as
// deploy.OpenAPI — through gatewayresponses.Load, and for every request does
// what API Gateway (REST) does with it:
//
//   - matches a route (gatewayresponses.API.Match); a GET or HEAD that no
//     route matches, outside the API's top-level paths (/api, /auth,
//     /public), is served from the browser example; anything else unmatched
//     is the MISSING_AUTHENTICATION_TOKEN gateway response (403);
//   - runs the REQUEST authorizer in-process on routes that have it, through
//     aws-lambda-go's JSON round trip (lambda.NewHandler(...).Invoke), with a
//     REST payload v1 event: type, methodArn
//     arn:aws:execute-api:local:000000000000:localapi/local/<METHOD>/<path>,
//     resource, path, httpMethod, headers (last value of each name),
//     multiValueHeaders (every value: several Cookie lines stay several
//     entries), query parameters and requestContext with the request id;
//   - maps the outcome as API Gateway does (research facts §4): the error
//     "Unauthorized" → UNAUTHORIZED (401) with no authorizer context; any
//     other error, or output API Gateway cannot use (no principalId or
//     policy, an object or array as a context value) →
//     AUTHORIZER_CONFIGURATION_ERROR (500), because that is what
//     x-amzn-ErrorType: AuthorizerConfigurationException reports; an
//     explicit or implicit Deny → ACCESS_DENIED (403) with the context; an
//     Allow covering the methodArn → the integration, with the context;
//   - renders gateway responses and integration mappings with
//     gatewayresponses' evaluator (x-user-id ← principalId, Set-Cookie ←
//     context.authorizer.setCookie, CORS, ...);
//   - forwards HTTP integrations to a built-in echo backend on its own
//     loopback listener, which answers {"method","path","headers"} with every
//     header it received (names in lower case);
//   - invokes AWS_PROXY integrations in-process with a REST v1 proxy event
//     whose requestContext.authorizer holds the authorizer's context: the
//     session API (sessionhttp through lambdaproxy) and the example backend
//     of /api/lambda-me (authorizer/backend). A Lambda error or malformed
//     response is a 502 {"message": "Internal server error"}.
//
// With -lambda-endpoint, the three Lambda functions run elsewhere instead
// (see "Remote functions" below); everything else stays the same.
//
// POST /auth/demo/signin (sessionhttp.DemoSignInHandler) is added by the
// local gateway itself and is never part of the deployed definition: it
// signs in any user id with any roles, without authentication.
//
// # Configuration
//
// Every variable of contract §5 is read from the environment through
// session.ConfigFromEnv and redisstore.ClientConfigFromEnv, plus AUTHZ_RULES
// (default: /api/admin needs the role admin). Flags override their
// variable and default to its value:
//
//	-addr             listen address, default 127.0.0.1:8080
//	-access-ttl       SESSION_ACCESS_TTL
//	-rotate-after     SESSION_ROTATE_AFTER
//	-grace            SESSION_GRACE
//	-idle-timeout     SESSION_IDLE_TIMEOUT
//	-lambda-endpoint  LAMBDA_ENDPOINT, unset by default (see "Remote functions")
//
// so `go run ./cmd/localgateway -access-ttl 40s -rotate-after 10s` shows
// rotation and expiry live. Differences from a Lambda deployment, each
// announced by one warning line on stderr:
//
//   - without REDIS_URL the store is an embedded Redis-compatible server
//     (miniredis) on a loopback port, reached through session/redisstore like
//     real Redis, so the same Lua scripts run; its key TTLs are advanced
//     once a second. Sessions end with the process;
//   - without SESSION_KEYS the keys are ephemeral (session.GenerateKeys).
//
// ALLOWED_ORIGINS defaults to the gateway's own origin: http://<addr>, and
// for a loopback or wildcard address both http://127.0.0.1:<port> and
// http://localhost:<port>. The gateway responses allow exactly one origin
// (see gatewayresponses, "Allowed origin"): the first one. COOKIE_SECURE
// keeps its default, true: Chromium treats http://127.0.0.1 and
// http://localhost as secure contexts and stores and sends Secure cookies
// there (checked with headless Chromium). STAGE_PREFIX must be empty and
// API_BASE_PATH must be the one deploy/openapi.json was rendered with: the
// API is served at the root.
//
// It prints "localgateway: listening on http://<addr>" on stdout when ready,
// logs one line per request on stderr (method, route, status, duration,
// request id — never headers, cookies or bodies), and shuts down gracefully
// on SIGINT or SIGTERM.
//
// # Remote functions
//
// -lambda-endpoint URL (or LAMBDA_ENDPOINT) invokes every Lambda function
// through the AWS Lambda Invoke API at URL instead of in-process: POST
// URL/2015-03-31/functions/<logical id>/invocations with the event as the
// body, the logical ids being those of deploy/ (AuthorizerFunction,
// SessionApiFunction, ExampleBackendFunction). That is the API `sam local
// start-lambda` serves (one endpoint, functions by logical id), and the
// AWS runtime interface emulator (which runs one function and ignores the
// name). URL must be http or https, with no user, query or fragment; a path
// prefix is kept. The gateway prints one line saying so at start-up.
//
// The answers map as Lambda's do in API Gateway:
//
//   - 200 without X-Amz-Function-Error: the body is the function's response
//     (at most 6 MB, Lambda's limit; more is an error);
//   - 200 with X-Amz-Function-Error (Handled or Unhandled): a function
//     error whose text is exactly the body's errorMessage, so the
//     authorizer's "Unauthorized" is a 401 as in-process, and any other
//     error the same 500 (authorizer) or 502 (proxy integration);
//   - any other status, a transport error, a timeout (29 s, API Gateway's
//     integration timeout; the authorizer's 10 s applies first), or a
//     function error without a readable errorMessage: a failed invocation,
//     the same 500 or 502. Its log line names the function and the
//     problem, never the event, a cookie or a header.
//
// An endpoint that reports a function error without X-Amz-Function-Error
// (some versions of the runtime interface emulator do) makes the error
// document look like output: the authorizer's "Unauthorized" then becomes
// a 500, not a 401. `sam local start-lambda` sets the header.
//
// Remote functions bring their own configuration (REDIS_URL,
// SESSION_KEYS, AUTHZ_RULES, the SESSION_* lifetimes, ...: the template's
// or the emulator's environment). The gateway's own configuration then
// serves only what stays in-process: the gateway responses (ALLOWED_ORIGINS,
// API_BASE_PATH) and POST /auth/demo/signin, which creates sessions with
// this process's store and keys — so give the gateway the functions'
// REDIS_URL and SESSION_KEYS (with the embedded store or ephemeral keys,
// the remote authorizer cannot see its sessions).
//
// # What it does not do
//
// It does not call AWS (with -lambda-endpoint it sends no credentials, so
// the endpoint is a local emulator) and runs only the REST definition: HTTP API
// (payload 2.0) behaviour, stage variables, VTL, throttling and authorizer
// caching (deploy/openapi.json sets TTL 0 anyway) are not emulated.
package main
