// Command localgateway runs an API that `sessiongate render` wrote on one
// machine, the way API Gateway and Lambda run it once deployed:
//
//	go run ./cmd/localgateway                          # the example API of deploy/, at the root
//	go run ./cmd/localgateway -stage prod              # the same under /prod, as on an execute-api URL
//	go run ./cmd/localgateway -api DIR -stage dev      # your own API: what render wrote to DIR
//	go run ./cmd/localgateway -http-api                # the HTTP API variant
//
// then open http://127.0.0.1:8080 for the browser example.
//
// # What it serves
//
// Without -api, the files embedded from deploy/ — the very files that are
// deployed: openapi.json (deploy.OpenAPI), rules.json (deploy.Rules) and
// template.yaml (deploy.Template). With -api DIR, what render wrote to
// DIR: DIR/openapi.json, DIR/rules.json (the authorizer's package), and
// DIR/template.yaml when it exists (or the template -template names).
// Nothing about routes, rules or configuration exists only here: the
// local run uses what the deployment uses.
//
// The definition is loaded through gatewayresponses.Load, and every
// request gets what API Gateway (REST) does with it:
//
//   - matches a route within the stage (gatewayresponses.API.Match); a path
//     the definition does not have is the MISSING_AUTHENTICATION_TOKEN
//     gateway response (403), as API Gateway answers an unknown path;
//   - runs the authorizer in-process on routes that have it, through
//     aws-lambda-go's JSON round trip (lambda.NewHandler(...).Invoke). A
//     REQUEST authorizer gets a REST payload 1.0 event as API Gateway sends
//     it: type, methodArn
//     arn:aws:execute-api:local:000000000000:localapi/<stage>/<METHOD>/<path>,
//     resource, path, httpMethod, headers (last value of each name),
//     multiValueHeaders (every value: several Cookie lines stay several
//     entries; Authorization as the client sent it), query parameters,
//     path parameters and requestContext with the stage, the path the
//     browser called and the request id. A TOKEN authorizer (render's
//     x-sessiongate: {authorizer: token}) gets the TOKEN event API Gateway
//     sends, {"type":"TOKEN","authorizationToken":<the Authorization
//     header's last value>,"methodArn":...}, and nothing else of the
//     request; a request whose Authorization header is missing or empty is
//     UNAUTHORIZED (401) without invoking it, as in API Gateway, so a
//     session cookie alone never passes it;
//   - maps the outcome as API Gateway does: the error "Unauthorized" →
//     UNAUTHORIZED (401) with no authorizer context; any other error, or
//     output API Gateway cannot use (no principalId or policy, an object or
//     array as a context value) → AUTHORIZER_CONFIGURATION_ERROR (500),
//     because that is what x-amzn-ErrorType: AuthorizerConfigurationException
//     reports; an explicit or implicit Deny → ACCESS_DENIED (403) with the
//     context; an Allow covering the methodArn → the integration, with the
//     context;
//   - renders gateway responses and integration mappings with
//     gatewayresponses' evaluator (x-user-id ← principalId, Set-Cookie ←
//     context.authorizer.setCookie, st-access-token ←
//     context.authorizer.accessToken for a client in header mode, CORS,
//     ...);
//   - HTTP and HTTP_PROXY integrations go to their URI; the example API's
//     ${EchoBackendUrl} is a built-in echo backend on its own loopback
//     listener, which answers {"method","path","headers"} with every header
//     it received (names in lower case);
//   - AWS_PROXY integrations are invoked in-process with a REST payload 1.0
//     proxy event whose requestContext.authorizer holds the authorizer's
//     context: the session API (sessionhttp through lambdaproxy: every
//     route render adds, gatewayresponses.SessionRoutes — refresh,
//     sign-out, and the caller's sessions GET <base>/sessions, DELETE
//     <base>/sessions/{id}, POST <base>/sessions/revoke-others — and their
//     preflights) and the
//     example backend ExampleBackendFunction (authorizer/backend). A Lambda
//     error or malformed response is a 502 {"message": "Internal server
//     error"}. Other functions run with -lambda-endpoint (see "Remote
//     functions"); without it the gateway refuses to start;
//   - AWS (non-proxy) integrations, such as AppSync, go to the URL that
//     -service gives for the service their URI names (see "Services");
//   - MOCK integrations answer from their integration response.
//
// Besides the definition it serves, outside the stage, the browser example
// (frontend-example, embedded) for GET and HEAD requests outside the API's
// top-level paths, and GET /example-config.json, {"apiPrefix":"/prod"}
// under -stage prod ({"apiPrefix":""} at the root): the example puts the
// prefix in front of every API path. The same file names the session
// cookies ("accessCookieName", "refreshCookieName", from the session API's
// configuration) for the browser tests, which assert the exact names; the
// example itself does not need them. Within the stage it adds POST
// <API_BASE_PATH>/demo/signin (sessionhttp.DemoSignInHandler), which is
// never part of a deployed definition: it signs in any user id with any
// roles, without authentication (see "Demo sign-in").
//
// # Demo sign-in
//
// Because the demo sign-in lets whoever reaches it be whoever they claim,
// the gateway serves it only when it listens on a loopback address
// (127.0.0.1, [::1], localhost: -addr's default). Listening anywhere else
// (-addr 0.0.0.0:8080, a LAN address), the route answers 403 {"message":
// "the demo sign-in is off: ..."} and creates nothing, unless
// -insecure-demo-signin (or INSECURE_DEMO_SIGNIN=true) serves it there
// anyway. One start-up line says which it is, and why.
//
// # Insecure switches
//
// The functions' configuration refuses the combinations that weaken the
// defaults unless their INSECURE_… switch is set (docs/protocol.md,
// "Insecure switches"): COOKIE_SECURE=false needs INSECURE_COOKIES=true,
// COOKIE_SAMESITE=none with ANTI_CSRF=none needs
// INSECURE_CROSS_SITE_WITHOUT_CSRF=true, an http:// origin other than
// loopback in ALLOWED_ORIGINS needs INSECURE_HTTP_ORIGINS=true, and cookie
// names without the __Host-/__Secure- prefix need
// INSECURE_UNPREFIXED_COOKIE_NAMES=true. Set them
// in the gateway's environment like any other variable. At start-up one
// line names every switch the gateway relies on — the functions' and
// INSECURE_DEMO_SIGNIN when the demo sign-in is on only because of it —
// or says "none"; names only, never a value. Listening on a LAN address
// (not a wildcard), the default allowed origin is that plain http address,
// so such a run needs INSECURE_HTTP_ORIGINS=true; browsers keep Secure
// cookies over http only from loopback, so it needs COOKIE_SECURE=false
// with INSECURE_COOKIES=true as well, and -insecure-demo-signin for the
// demo sign-in.
//
// # Timeouts
//
// The server reads a request's headers within -read-header-timeout
// (default 10s) and the whole request, body included, within
// -read-timeout (default 30s): a request that announces a body
// (Content-Length: 10) and does not send it is answered 408 {"message":
// "Request Timeout"} when the read deadline passes, and its connection is
// closed; one whose body is cut short gets 400. A keep-alive connection
// left idle for 120s is closed. A body larger than 10 MB (API Gateway's
// payload limit) is REQUEST_TOO_LARGE (413), the demo sign-in's body is
// bounded at 4096 bytes. There is no write timeout: integrations have
// their own (29 s, as API Gateway's).
//
// # Stage
//
// -stage NAME serves every route under /NAME, as on an execute-api URL
// (https://<api>.execute-api.<region>.amazonaws.com/NAME/...), the session
// API and the demo sign-in included. The events are those API Gateway
// sends there: path and resource without the stage, requestContext.path
// with it, requestContext.stage NAME, methodArn .../NAME/GET/api/me. The
// session API derives the refresh cookie's Path from that difference, so
// it is /NAME/auth/session/refresh, as deployed. A request outside /NAME
// gets the MISSING_AUTHENTICATION_TOKEN answer, unless it is the browser
// example or /example-config.json. Without -stage the API is served at
// the root, as behind a custom domain's root mapping; the events then
// carry the stage "local".
//
// # Configuration from the template
//
// With a SAM template (the embedded deploy/template.yaml without -api;
// DIR/template.yaml or -template FILE with -api), each in-process
// function's environment is the one the template gives it when deployed:
// Globals and the function's own Environment, every value evaluated
// (package internal/samtemplate) with the template's parameters — their
// defaults, or the -param Name=Value values (repeatable). The authorizer
// is the function the definition's authorizer URI names, the session API
// the function of its POST <API_BASE_PATH>/session/refresh route; each gets
// its own session.Manager from its own environment (they share the store),
// so a variable missing from one function, or different between them,
// shows locally as it would deployed.
//
// Some values exist only in a deployment; the local run sets these
// instead ("local overrides"):
//
//   - REDIS_URL and REDIS_MODE: the gateway's store — REDIS_URL (and
//     REDIS_MODE) from its own environment, else an embedded
//     Redis-compatible server (miniredis) on a loopback port, reached
//     through session/redisstore like real Redis, so the same Lua scripts
//     run; its key TTLs advance once a second, and sessions end with the
//     process;
//   - SESSION_KEYS: from the gateway's environment, else ephemeral keys
//     (session.GenerateKeys);
//   - LOG_SALT: from the gateway's environment, else a salt drawn for the
//     run; the in-process authorizer and session API share it, as the
//     deployed ones share the stack's secret, so the hashed ids in their
//     log lines correlate;
//   - ALLOWED_ORIGINS: from the gateway's environment, else — unless
//     -param AllowedOrigin names the browser's origin — the gateway's own
//     origin: http://<addr>, and for a loopback or wildcard address both
//     http://127.0.0.1:<port> and http://localhost:<port>;
//   - every other variable the functions read (README.md,
//     "Configuration": SESSION_*, COOKIE_*, API_BASE_PATH, STAGE_PREFIX,
//     ANTI_CSRF, INSECURE_*, AUTHZ_RULES, AUTHZ_RULES_FILE) and every variable the
//     template's environment names, when the gateway's environment sets it;
//   - the lifetimes the flags set (-access-ttl, ...).
//
// At start-up it prints one line naming the variables set locally instead
// of from the template — names only, never a value. A variable the
// template cannot give locally (it refers to a resource or secret only a
// deployment has) and that no override replaces is a start-up error naming
// it: set it in the gateway's environment.
//
// Template parameters without a default get a local value when the
// gateway has one — AllowedOrigin: the gateway's own origin (the first of
// ALLOWED_ORIGINS); EchoBackendUrl: the built-in echo backend — and must
// otherwise be given with -param. Every parameter value is checked against
// its constraints (AllowedValues, AllowedPattern, ...) as CloudFormation
// checks it. The parameters also give the definition's ${Name} values; a
// function's ${Name.Arn} is a local Lambda ARN, and any other
// ${Resource.Attribute} the stand-in "local".
//
// Without a template (-api DIR without template.yaml, and no -template),
// both functions read the gateway's own environment, with the same
// overrides for SESSION_KEYS, ALLOWED_ORIGINS and the flags.
//
// STAGE_PREFIX is an explicit override of the derived prefix, for setups
// where the derivation cannot work; leave it unset.
//
// # Route rules
//
// The in-process authorizer enforces the rules its package carries,
// chosen as cmd/authorizer chooses them: AUTHZ_RULES in its environment
// when it is not blank (an explicit override), else the file
// AUTHZ_RULES_FILE, else rules.json beside the definition (DIR/rules.json,
// or the embedded deploy/rules.json) — what render wrote and build.sh puts
// beside bootstrap. None of them is a start-up error: the local gateway has
// no rules of its own. It prints how many rules it enforces and from where.
//
// # Services
//
// -service NAME=URL (repeatable) sends every AWS (non-proxy) integration
// whose URI names the service NAME — arn:aws:apigateway:<region>:<host
// prefix>.appsync-api:path/graphql names appsync-api — to URL + the URI's
// path (URL/graphql), as a non-proxy HTTP integration with the route's
// request and response mappings: the backend gets only the mapped headers
// (x-user-id, ...) and the body, the client only the mapped response
// headers. Without -service such a route answers 502 {"message": "Internal
// server error"}; the start-up warning and the request's log line name the
// flag. A -service that no route uses, or whose routes call an action
// (action/...) rather than a path, is a start-up error.
//
// # HTTP API
//
// -http-api serves httpapi-openapi.json (DIR's, or the embedded one)
// instead, with HTTP API semantics (httpapi.go): a payload 2.0 authorizer
// event with simple responses (with the identity source
// $request.header.Authorization of a bearer-only API's variant: 401
// without invoking the authorizer when the header is missing or empty,
// its value in the event's identitySource otherwise), no gateway responses (401
// {"message":"Unauthorized"}, 403 {"message":"Forbidden"}, 404 {"message":
// "Not Found"}), parameter mapping, CORS from x-amazon-apigateway-cors,
// payload 2.0 events for Lambda routes. The stage, the configuration, the
// rules and the demo sign-in are the same as for the REST API; -service has
// nothing to route (the HTTP API variant has no AWS service integrations).
//
// # Flags
//
//	-addr                  listen address, default 127.0.0.1:8080
//	-api DIR               serve what render wrote to DIR (default: the embedded deploy/ files)
//	-stage NAME            serve under /NAME, as on an execute-api URL (default: at the root)
//	-template FILE         the SAM template of the functions (default: DIR/template.yaml, or the embedded one)
//	-param Name=Value      a template parameter (repeatable)
//	-service NAME=URL      where AWS integrations of service NAME go (repeatable)
//	-http-api              serve the HTTP API variant
//	-access-ttl            SESSION_ACCESS_TTL
//	-rotate-after          SESSION_ROTATE_AFTER
//	-grace                 SESSION_GRACE
//	-idle-timeout          SESSION_IDLE_TIMEOUT
//	-lambda-endpoint       LAMBDA_ENDPOINT, unset by default (see "Remote functions")
//	-read-timeout          bound on reading a whole request, default 30s (see "Timeouts")
//	-read-header-timeout   bound on reading its headers, default 10s
//	-insecure-demo-signin  INSECURE_DEMO_SIGNIN: serve the demo sign-in on an address other than loopback
//
// so `go run ./cmd/localgateway -access-ttl 40s -rotate-after 10s` shows
// rotation and expiry live. Every problem with the flags, the files, the
// template's parameters, each function's configuration, the rules and the
// definition is found before anything starts and reported together in one
// message, which never contains a key.
//
// The gateway responses allow exactly one origin (see gatewayresponses,
// "Allowed origin"): AllowedOrigin. COOKIE_SECURE keeps the template's
// value, true: Chromium treats http://127.0.0.1 and http://localhost as
// secure contexts and stores and sends Secure cookies there (checked with
// headless Chromium).
//
// It prints "localgateway: listening on http://<addr>" on stdout when
// ready, what it serves and from where on stderr, logs one line per
// request on stderr (method, route, status, duration, request id — never
// headers, cookies or bodies), and shuts down gracefully on SIGINT or
// SIGTERM.
//
// # Remote functions
//
// -lambda-endpoint URL (or LAMBDA_ENDPOINT) invokes every Lambda function
// of the definition through the AWS Lambda Invoke API at URL instead of
// in-process: POST URL/2015-03-31/functions/<logical id>/invocations with
// the event as the body. That is the API `sam local start-lambda` serves
// (one endpoint, functions by logical id), and the AWS runtime interface
// emulator (which runs one function and ignores the name). URL must be
// http or https, with no user, query or fragment; a path prefix is kept.
// The gateway prints one line saying so at start-up.
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
// Remote functions bring their own configuration (the emulator's
// environment; the authorizer's rules from its package or
// AUTHZ_RULES_FILE). The demo sign-in still runs here, with the session
// API's configuration as the template (or the environment) gives it and
// this process's store and keys — so give the gateway the functions'
// REDIS_URL and SESSION_KEYS (with the embedded store or ephemeral keys,
// the remote authorizer cannot see its sessions).
//
// # What it does not do
//
// It does not call AWS (with -lambda-endpoint it sends no credentials, so
// the endpoint is a local emulator; -service URLs get no signature), and
// does not emulate stage variables, VTL, throttling, usage plans or
// authorizer caching (render sets TTL 0 anyway).
package main
