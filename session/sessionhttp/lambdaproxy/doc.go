// Package lambdaproxy runs an http.Handler behind API Gateway's Lambda proxy
// integration: it converts a REST API (payload 1.0) or HTTP API (payload
// 2.0) event into an *http.Request, serves it, and converts the recorded
// response back. cmd/sessionapi uses it to serve sessionhttp's handlers; the
// local gateway can call ServeV1 / ServeV2 in-process to run the very same
// conversion.
//
// It is the one package outside authorizer/ and cmd/ that imports
// aws-lambda-go (only its events types), so that the conversion can be
// imported and tested once instead of living in a package main.
//
// # Requests
//
//   - The payload version is read from the event: "version":"2.0" is payload
//     2.0; anything else ("1.0" or absent) is payload 1.0.
//   - Payload 1.0: headers from multiValueHeaders (every entry — HTTP/2
//     clients send each cookie as its own Cookie entry and "headers" keeps
//     only the last), else from headers.
//   - Payload 2.0: cookies from the "cookies" array, joined with "; " into
//     one Cookie header (a cookie header in "headers" is used only when the
//     array is empty).
//   - The URL path is the route's own path, as the API definition writes
//     it, and the request's context carries the prefix the browser sees in
//     front of it (sessionhttp.WithPathPrefix), so that handlers route on
//     stable paths and sessionhttp gives the refresh cookie the Path the
//     browser will send it to. See below.
//   - Every other header, Authorization and st-auth-mode (header mode)
//     included, is passed on as sent. A payload 2.0 event has repeated
//     headers comma-joined into one value, so two Authorization headers
//     arrive as one malformed value there, and as two (equally refused)
//     over payload 1.0 and net/http.
//   - requestContext.requestId goes into the request's context for the
//     handlers' logs. Nothing from the event is logged here.
//
// # The path prefix
//
// The browser-visible path is requestContext.path (REST) or rawPath (HTTP
// API); the route's own path is "resource" (REST) or the path of routeKey
// (HTTP API), with pathParameters filled in ("{id}", and greedy "{proxy+}"
// with its slashes). When the route's path ends the visible path on a
// segment boundary, what stands in front is the prefix:
//
//	                                 REST requestContext.path / HTTP API rawPath   prefix
//	execute-api URL, stage prod      /prod/auth/session/refresh                    /prod
//	custom domain, base path "v1"    /v1/auth/session/refresh                      /v1
//	custom domain, root mapping      /auth/session/refresh                         ""
//
// A route with a path parameter works the same way: the session API's
// DELETE <base>/sessions/{id} arrives with resource (REST) or routeKey
// (HTTP API) "/auth/sessions/{id}" and the id in pathParameters, so the
// route's own path is "/auth/sessions/<id>" and the prefix what stands in
// front of it.
//
// (REST's "path" field is no help on its own: it leaves out the stage but
// keeps a base-path mapping.) When the split fails — the event has no
// resource, the HTTP API's catch-all "$default" route has no path, or the
// route is not the end of the visible path — the prefix is "", never a
// guess, and the URL path is REST's "path" or rawPath without
// "/<stage>" (unless the stage is $default); STAGE_PREFIX is then the way to
// set the refresh cookie's Path. SplitPathV1 and SplitPathV2 expose the
// split for handlers that do not use net/http.
//
// # Responses
//
//   - Payload 1.0: every header in multiValueHeaders, so Set-Cookie has one
//     entry per cookie ("headers" is left empty: API Gateway keeps only the
//     multiValueHeaders copy of a key anyway).
//   - Payload 2.0: Set-Cookie values in the "cookies" array, other headers in
//     "headers".
//   - Bodies that are not UTF-8 are base64-encoded with isBase64Encoded.
//
// # Calling it in-process
//
// lambda.Start(lambdaproxy.Handler(h)) is the Lambda entry (cmd/sessionapi).
// To invoke it in-process through aws-lambda-go's JSON round trip from many
// goroutines at once (the local gateway does), build a handler per call:
// a handler made by lambda.NewHandler returns bytes from a pooled buffer it
// has already released, which is safe only one invocation at a time, as in
// Lambda.
package lambdaproxy
