// Package gatewayresponses turns a team's own OpenAPI document into the API
// Gateway definitions sessiongate needs (ParseSource, Source.Render), and
// evaluates a rendered REST definition the way API Gateway would (Load), so
// that the local gateway runs exactly what is deployed.
//
// # One source: the annotated API document
//
// A team writes its API as it already does for SAM: an OpenAPI 3.0
// document for a REST API (YAML or JSON) with an
// x-amazon-apigateway-integration on every operation. It adds, on an
// operation or once at the document's root as the default:
//
//	x-sessiongate:
//	  session: required      # required | none
//	  roles: [editor, admin] # the session must hold at least one
//	  claims: {plan: [pro]}  # each named claim must hold one of the values
//
// Secure by default: an operation without any annotation requires a
// session, and session: none is the only way to make it public. The merge
// rule: every key an operation writes replaces the root's value of that key
// (roles replace roles, claims replace claims as a whole); keys it does not
// write come from the root. An operation with session: none runs no
// authorizer, so the root's roles and claims do not apply to it, and roles
// or claims written beside session: none are an error; an operation that
// is public by the root's default must write session: required to add
// roles or claims. deploy/api.yaml is the example API written this way.
//
// The document's root may also choose the authorizer, once for the whole
// API (an operation cannot):
//
//	x-sessiongate:
//	  authorizer: token      # request (the default) | token
//
// request renders a REQUEST authorizer, which gets the whole request: the
// session cookie of a browser and the Authorization: Bearer header of a
// client in header mode alike. token renders a TOKEN authorizer for a
// bearer-only API (mobile apps, server-to-server callers): it gets only
// the Authorization header's value, API Gateway answers 401 without
// invoking it when that header is missing or empty, and a browser in
// cookie mode cannot call the API. See "Header mode" below.
//
// ParseSource checks the annotations (unknown keys, wrong types, an empty
// role or claim list, a session other than required or none, an
// authorizer other than request or token, or one on an operation), the
// document
// (OpenAPI 3.0, paths, an integration of a supported type on every
// operation, paths API Gateway can serve, declared path parameters, unique
// operationIds) and reports every problem at once in a *SourceError, each
// naming the operation and its line:
//
//	GET /api/admin: x-sessiongate: unknown key "role" (want session, roles or claims) (line 12)
//
// It reads YAML with gopkg.in/yaml.v3 (JSON is YAML): duplicate keys are an
// error, merge keys and anchors work, and an alias bomb stops at a node
// budget. A string holding ${Name} is a CloudFormation reference; !Sub and
// {"Fn::Sub": "..."} mean the same, other intrinsic functions are refused.
// Render keeps the team's own fields: info, tags, servers, components,
// root x-amazon-apigateway-* keys (REST only), path item parameters, and
// each operation's operationId, summary, description, parameters,
// requestBody, responses, tags and other x- keys.
//
// # What Render derives
//
// Source.Render writes four files (FileOpenAPI, FileHTTPAPI, FileRules,
// FileGatewayResponsesCFN):
//
//   - openapi.json, the REST API: the authorizer "sessiongate"
//     (${AuthorizerFunction.Arn}, caching off; REQUEST with no identity
//     sources, or TOKEN on the Authorization header) as security on every
//     protected operation; the operations' integrations
//     with sessiongate's mappings (below); a CORS preflight (OPTIONS, MOCK,
//     no authorizer) on every path; the session API's routes
//     (SessionRoutes: POST <APIBasePath>/session/refresh, POST /signout,
//     GET /sessions, DELETE /sessions/{id}, POST /sessions/revoke-others)
//     with a preflight on each of their paths (AWS_PROXY to
//     ${SessionApiFunction.Arn}, which answers the preflights too); and the
//     gateway responses
//     UNAUTHORIZED (401), ACCESS_DENIED (403, body $context.authorizer.body),
//     AUTHORIZER_FAILURE, AUTHORIZER_CONFIGURATION_ERROR (500), DEFAULT_4XX
//     and DEFAULT_5XX, each with CORS for the one allowed origin. ACCESS_DENIED
//     and UNAUTHORIZED map the rotation headers too (RotationHeaders); after
//     the authorizer throws "Unauthorized" there is no context and the 401
//     carries no cookie or token (clearing cookies is the refresh route's
//     job). The 5xx responses never touch cookies or tokens, so a store
//     outage logs nobody out.
//   - httpapi-openapi.json, the HTTP API variant (payload 2.0 REQUEST
//     authorizer, simple responses, caching off, and for a token document
//     the identity source $request.header.Authorization; CORS from
//     x-amazon-apigateway-cors).
//   - rules.json, the route rules the authorizer enforces (package
//     authorizer): one rule per protected operation with roles or claims,
//     {"method":"GET","path":"/api/admin","anyRoles":["admin"]}; ANY becomes
//     "*", {id} becomes "*" and a greedy {proxy+} "**". Always written,
//     "[]" when no operation needs a role or claim.
//   - gateway-responses.cfn.json, the gateway responses as
//     AWS::ApiGateway::GatewayResponse resources of Options.RestAPI.
//
// Never rendered: POST <APIBasePath>/demo/signin. The local gateway adds it
// itself; a document path equal to a session API path or to it is an
// error, and so is one of the same shape (/auth/sessions/{sid} beside the
// session API's /auth/sessions/{id}: API Gateway cannot hold both).
//
// # Mappings by integration type (protected operations)
//
// The rotation headers (RotationHeaders) are Set-Cookie ← setCookie,
// front-token ← frontToken and st-access-token ← accessToken: the
// authorizer rotates a browser's cookie into setCookie and a header-mode
// client's bearer token into accessToken, and the definitions map both
// wherever they map either.
//
//	type        identity headers    rotation (Set-Cookie, front-token, st-access-token)
//	MOCK        -                   mapped on every integration response
//	HTTP        mapped              mapped on every integration response
//	AWS         mapped              mapped on every integration response
//	HTTP_PROXY  mapped              request headers x-sessiongate-set-cookie,
//	                                x-sessiongate-front-token and
//	                                x-sessiongate-access-token: the backend must
//	                                echo them (render warns)
//	AWS_PROXY   -                   the Lambda passes it on with package
//	                                authorizer/backend (render warns)
//
// The identity headers are x-user-id ← principalId, x-user-roles ← roles,
// x-session-id ← sessionId. They always overwrite: render drops any mapping
// of these names the document had, and the authorizer's roles value is
// never empty ("," without roles), so no client-sent copy can pass through.
// A non-proxy integration without integration responses gets two: any
// 2xx-4xx becomes 200 with the backend's body and Content-Type, a 5xx
// becomes 502 {"message":"bad gateway"}; every integration response of a
// non-proxy integration gets CORS, and on a protected operation the rotated
// cookie, and every status it maps is declared as a method response with
// its headers (merged into the document's own responses). One cookie per
// mapped header: API Gateway has no multi-value form for context sources.
// A public operation gets no identity mapping; a public HTTP_PROXY one
// passes the client's headers through, and render warns that its backend
// must not trust them.
//
// In the HTTP API variant HTTP and HTTP_PROXY become http_proxy with the
// identity headers overwritten (removed on public operations) and the
// rotation headers overwritten on every status of CookieStatuses (HTTP API
// response mappings are per status code); AWS_PROXY stays a Lambda proxy
// with payload 2.0. MOCK and AWS (non-proxy) have no HTTP API equivalent:
// render leaves them out and lists them (Rendered.NoHTTPAPI). HTTP APIs
// have no gateway responses: a 401 or 403 from the authorizer carries no
// cookie and no body.
//
// Render also warns when a route rule, which the authorizer matches
// against request paths, covers another operation API Gateway routes
// separately (a rule on /items/{id} and an operation /items/special): that
// operation must satisfy the rule too. And it loads its own openapi.json
// the way the local gateway will, warning when the evaluator cannot serve
// it.
//
// With the zero Options every deployment-specific value is a ${...}
// reference written as {"Fn::Sub": ...}: deploy/template.yaml includes
// openapi.json with AWS::Include, which resolves them. `sessiongate render
// --api FILE` (cmd/sessiongate) writes the files; TestGenerated fails when
// deploy/ or an examples/*/ folder drifts from its api.yaml.
//
// # Header mode
//
// A client in header mode (the SuperTokens SDKs' tokenTransferMethod
// "header": mobile apps, browsers that cannot use cookies) sends
// Authorization: Bearer <access token> and reads a rotated token from the
// st-access-token response header (HeaderAccessToken). Through API
// Gateway:
//
//   - A REQUEST authorizer (the default) gets the Authorization header in
//     its event's headers, beside any cookie, and returns a rotated token
//     under the context key accessToken; RotationHeaders maps it to
//     st-access-token exactly where setCookie is mapped to Set-Cookie.
//   - A TOKEN authorizer (x-sessiongate: {authorizer: token} at the root)
//     is rendered as SAM writes one: the security scheme's header name is
//     Authorization, which makes its identity source
//     method.request.header.Authorization (x-amazon-apigateway-authorizer
//     has identitySource for request and jwt authorizers only), caching
//     off, no identityValidationExpression. API Gateway sends it
//     {"type":"TOKEN","authorizationToken":"Bearer ...","methodArn":...}
//     and answers 401 itself, through the UNAUTHORIZED gateway response,
//     when the header is missing or empty. The mappings and gateway
//     responses are the same as with a REQUEST authorizer.
//   - HTTP APIs have no TOKEN type. The HTTP API variant of a token
//     document is the same payload 2.0 REQUEST authorizer with the identity
//     source $request.header.Authorization and caching off — HTTP APIs need
//     an identity source only when caching is on, and with one API Gateway
//     answers 401 without invoking the authorizer when the header is
//     missing or empty. Its event carries the header's value in
//     identitySource.
//   - CORS: ExposedHeaders lists st-access-token and st-refresh-token with
//     front-token, AllowedRequestHeaders lists authorization and
//     st-auth-mode (session.CORSExposeHeaders, session.CORSAllowHeaders).
//
// Load accepts the TOKEN authorizer (API.AuthorizerType, API.TokenHeader)
// and LoadHTTPAPI the identity source (HTTPAPI.IdentityHeaders); the local
// gateway does what API Gateway does with them.
//
// # Allowed origin
//
// A gateway response header can only be a static literal or a request
// parameter. Echoing method.request.header.Origin would allow every origin
// with credentials, so the definitions use one static configured origin.
// Several browser origins are not supported by the gateway responses (a
// documented limitation); the authorizer's ALLOWED_ORIGINS check still
// takes a list.
//
// # Evaluation
//
// Load parses a rendered REST definition, resolves its ${...} from vars
// (LocalVars gives local values) and refuses any expression it cannot
// evaluate exactly (ErrUnsupported). Then API.Match finds a route (the most
// specific path, then the method or ANY), API.EvaluateGatewayResponse,
// Integration.BackendRequestHeader, Route.BackendURI (path parameter
// mappings), Integration.ClientResponse and Integration.EvaluateMock
// produce what API Gateway would send. Rules: 'literal',
// context.authorizer.X, method.request.header.X,
// method.request.querystring.X, method.request.path.X (into
// integration.request.path.X only), integration.response.header.X;
// templates substitute $context.authorizer.X, $context.error.message,
// $context.error.messageString and $context.error.responseType (no VTL). A
// mapping whose source is empty or absent produces no header line. An
// ACCESS_DENIED without $context.authorizer.body (implicit deny, or no
// context) renders the default {"message":$context.error.messageString}
// body: AWS does not document the output, and clients should always get
// JSON. Values with a line break are never emitted as headers. LoadHTTPAPI
// does the same for the HTTP API variant.
//
// # What it does not do
//
// It does not call AWS, does not implement VTL mapping templates or stage
// variables, and reads OpenAPI 3.0 only (no 2.0, no 3.1, no $ref path
// items). Messages of gateway response types other than UNAUTHORIZED and
// ACCESS_DENIED are the evaluator's wording, not verified against AWS.
package gatewayresponses
