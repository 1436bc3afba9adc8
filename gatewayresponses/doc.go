// Package gatewayresponses holds sessiongate's API Gateway definitions as
// Go data — the one source of truth — renders them, and evaluates them.
//
// # What is defined
//
//   - Gateway responses (REST): UNAUTHORIZED (401), ACCESS_DENIED (403),
//     AUTHORIZER_FAILURE, AUTHORIZER_CONFIGURATION_ERROR (500), DEFAULT_4XX
//     and DEFAULT_5XX, each with CORS for one configured origin
//     (credentials allowed, front-token exposed) and a JSON body.
//     ACCESS_DENIED and UNAUTHORIZED map Set-Cookie ← context.authorizer.setCookie
//     and front-token ← context.authorizer.frontToken; ACCESS_DENIED's body
//     is $context.authorizer.body. After the authorizer throws
//     "Unauthorized", API Gateway has no authorizer context: the 401 carries
//     no cookie, and clearing cookies is the refresh route's job. The 5xx
//     responses never touch cookies, so a store outage logs nobody out.
//   - Integration request mappings x-user-id ← principalId, x-user-roles ←
//     roles, x-session-id ← sessionId on HTTP, HTTP_PROXY and AWS (e.g.
//     AppSync) integrations. They replace any copy the client sent.
//     AWS_PROXY ignores request mappings: a Lambda proxy backend reads
//     requestContext.authorizer (package authorizer/backend).
//   - Method/integration response mappings Set-Cookie and front-token for
//     non-proxy integrations, so a rotated access cookie reaches the browser
//     on every authorized route. One cookie per mapped header: API Gateway
//     has no multi-value form for context sources.
//   - The routes of the example API (contract §6) and two documented
//     examples that are not deployed (AppSync, HTTP_PROXY).
//
// # Rendering
//
// RenderOpenAPI (REST, with x-amazon-apigateway-gateway-responses,
// -integration and a request authorizer with no identity sources and
// authorizerResultTtlInSeconds 0), RenderHTTPAPIOpenAPI (payload 2.0,
// simple responses, overwrite:header mappings), RenderExamplesOpenAPI and
// RenderCloudFormation (AWS::ApiGateway::GatewayResponse resources). With
// the zero Options, deployment-specific values are ${...} references
// written as {"Fn::Sub": ...}: deploy/template.yaml includes the file with
// AWS::Include, which resolves them. Generated lists the files under
// deploy/; `go generate ./gatewayresponses` rewrites them and a test fails
// when they drift.
//
// The HTTP API variant overwrites x-user-id rather than appending to it:
// append would keep a client-sent x-user-id in front of the real one.
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
// Load parses the deployed OpenAPI JSON, resolves its ${...} from vars
// (LocalVars gives local values) and refuses any expression it cannot
// evaluate exactly (ErrUnsupported). Then API.Match finds a route,
// API.EvaluateGatewayResponse, Integration.BackendRequestHeader,
// Integration.ClientResponse and Integration.EvaluateMock produce what API
// Gateway would send. The local gateway uses these, so it applies exactly
// what is deployed. Rules: 'literal', context.authorizer.X,
// method.request.header.X, method.request.querystring.X,
// integration.response.header.X; templates substitute $context.authorizer.X,
// $context.error.message, $context.error.messageString and
// $context.error.responseType (no VTL). A mapping whose source is empty or
// absent produces no header line. An ACCESS_DENIED without
// $context.authorizer.body (implicit deny, or no context) renders the
// default {"message":$context.error.messageString} body: AWS does not
// document the output, and clients should always get JSON. Values with a
// line break are never emitted as headers.
//
// # What it does not do
//
// It does not call AWS, does not implement VTL mapping templates, stage
// variables, or HTTP API evaluation (the local gateway runs the REST
// definition). Messages of gateway response types other than UNAUTHORIZED
// and ACCESS_DENIED are the evaluator's wording, not verified against AWS.
package gatewayresponses
