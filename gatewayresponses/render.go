package gatewayresponses

//go:generate go test -run TestGenerated -update .

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sessiongate/sessiongate/authorizer"
)

// AuthorizerName is the security scheme name of the authorizer (REQUEST or
// TOKEN).
const AuthorizerName = "sessiongate"

// The files Render writes, by name.
const (
	// FileOpenAPI is the REST API definition (deploy/template.yaml includes
	// it; the local gateway serves it).
	FileOpenAPI = "openapi.json"
	// FileHTTPAPI is the HTTP API variant.
	FileHTTPAPI = "httpapi-openapi.json"
	// FileRules is the route rules the authorizer enforces: a JSON array of
	// authorizer.Rule, "[]" when no operation needs a role or claim.
	FileRules = "rules.json"
	// FileGatewayResponsesCFN is the gateway responses as
	// AWS::ApiGateway::GatewayResponse resources.
	FileGatewayResponsesCFN = "gateway-responses.cfn.json"
)

// generatedNote marks every rendered definition.
const generatedNote = "Rendered by `sessiongate render` from the annotated API document; edit that document and render again. Do not edit."

// jsonSchemaName is the schema render declares for JSON bodies.
const jsonSchemaName = "JSON"

// Rendered is what Render derives from a Source.
type Rendered struct {
	// Files are the definitions by file name (FileOpenAPI, FileHTTPAPI,
	// FileRules, FileGatewayResponsesCFN).
	Files map[string][]byte
	// Routes lists every route of the REST API except the CORS
	// preflights: the document's operations, then the session API.
	Routes []RouteInfo
	// Warnings name each route where something cannot work as the
	// document might expect (a rotated cookie that API Gateway cannot
	// deliver, a rule that also covers another operation) and what to do.
	Warnings []string
	// NoHTTPAPI lists the operations the HTTP API variant leaves out, as
	// "GET /public/status (MOCK)" with the reason when it is not the type.
	NoHTTPAPI []string
}

// RouteInfo is one route as render lists it.
type RouteInfo struct {
	Method, Path string
	// Protection is Protection.String() for the document's operations,
	// "session API" for the session API's routes.
	Protection  string
	Integration IntegrationType
	// Authorizer is the authorizer that runs before the route, "" for a
	// public route and the session API's.
	Authorizer AuthorizerType
}

type obj = map[string]any

// sub renders s as a plain string, or as {"Fn::Sub": s} when it holds a
// ${...} reference that CloudFormation must resolve.
func sub(s string) any {
	if strings.Contains(s, "${") {
		return obj{"Fn::Sub": s}
	}
	return s
}

func subMap(m map[string]string) obj {
	out := obj{}
	for k, v := range m {
		out[k] = sub(v)
	}
	return out
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("gatewayresponses: encode: %w", err)
	}
	return b.Bytes(), nil
}

// Render derives the API Gateway definitions from the document:
//
//   - openapi.json: the document's operations with the authorizer
//     (security) on every protected one, the identity mappings, the
//     rotation mappings (Set-Cookie, front-token, st-access-token) the
//     integration type allows, CORS on non-proxy responses, a CORS
//     preflight (OPTIONS, MOCK) on every path, the session API's routes
//     (SessionRoutes: POST <APIBasePath>/session/refresh, POST /signout,
//     GET /sessions, DELETE /sessions/{id}, POST /sessions/revoke-others,
//     and a preflight on each path, to the SessionApiFunction Lambda), the
//     authorizer —
//     REQUEST with no identity sources, or TOKEN on the Authorization
//     header (Source.Authorizer), caching off — and the gateway responses
//     with CORS;
//   - httpapi-openapi.json: the HTTP API variant, without the operations
//     that have no HTTP API equivalent (Rendered.NoHTTPAPI);
//   - rules.json: one authorizer.Rule per protected operation with roles
//     or claims;
//   - gateway-responses.cfn.json: the gateway responses as CloudFormation.
//
// A path of the document that is also a session API path is an error.
func (s *Source) Render(opts Options) (*Rendered, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	if probs := s.conflicts(o); len(probs) > 0 {
		return nil, &SourceError{Problems: probs}
	}
	out := &Rendered{Files: map[string][]byte{}}

	rest, err := s.renderREST(o, out)
	if err != nil {
		return nil, err
	}
	out.Files[FileOpenAPI] = rest
	if out.Files[FileHTTPAPI], err = s.renderHTTPAPI(o, out); err != nil {
		return nil, err
	}
	if out.Files[FileRules], err = s.renderRules(out); err != nil {
		return nil, err
	}
	if out.Files[FileGatewayResponsesCFN], err = RenderCloudFormation(opts, o.RestAPI); err != nil {
		return nil, err
	}
	// The local gateway evaluates openapi.json with Load: say so when it
	// cannot (an expression the evaluator does not implement), rather
	// than fail at its start-up.
	if _, err := Load(rest, placeholderVars(rest)); err != nil {
		out.Warnings = append(out.Warnings, "the local gateway cannot serve "+FileOpenAPI+": "+err.Error())
	}
	return out, nil
}

// SessionRoute is one route of the session API as render emits it. Every
// path of the session API also gets a CORS preflight (OPTIONS), which the
// session API answers itself.
type SessionRoute struct {
	// Method is the route's HTTP method.
	Method string
	// Path is the route's path: APIBasePath and the route's own part,
	// with {id} for the session id of DELETE <base>/sessions/{id}.
	Path string
	// Summary is the operation's summary in the rendered definitions.
	Summary string
}

// SessionIDParam is the path parameter of DELETE <base>/sessions/{id}.
const SessionIDParam = "id"

// SessionRoutes are the session API's routes under base (APIBasePath), in
// the order render emits them: refresh, sign-out, and the self-service
// routes — the caller's sessions, ending one of them, and ending all the
// others. Render, the deploy tests and the local gateway's tests derive
// them from this list. The session API's router (package sessionhttp)
// names the same paths for itself, since this package is not its
// dependency; cmd/localgateway's TestSelfServiceSessions sends every route
// of this list through the real session API, so the two cannot disagree
// unnoticed.
func SessionRoutes(base string) []SessionRoute {
	return []SessionRoute{
		{"POST", base + "/session/refresh", "Rotate the refresh token (session API)"},
		{"POST", base + "/signout", "Revoke the session (session API)"},
		{"GET", base + "/sessions", "List the caller's sessions (session API)"},
		{"DELETE", base + "/sessions/{" + SessionIDParam + "}", "End one of the caller's sessions (session API)"},
		{"POST", base + "/sessions/revoke-others", "End the caller's other sessions (session API)"},
	}
}

// pathShape is path with every {name} or {name+} segment replaced by {}:
// API Gateway cannot hold two paths of one shape (sibling path parameters
// of different names are an import error), so a document path of the same
// shape as a session API path conflicts with it.
func pathShape(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

// conflicts reports document paths that the session API or the local
// gateway's demo sign-in already serve.
func (s *Source) conflicts(o Options) []Problem {
	taken := map[string]string{o.APIBasePath + "/demo/signin": "the local gateway's demo sign-in"}
	for _, r := range SessionRoutes(o.APIBasePath) {
		taken[r.Path] = "the session API"
	}
	var probs []Problem
	for _, op := range s.Operations {
		for _, p := range sortedKeys(taken) {
			if pathShape(op.Path) == pathShape(p) {
				probs = append(probs, Problem{Where: op.Name(), Line: op.Line,
					Msg: fmt.Sprintf("%s serves %s (API_BASE_PATH %s); choose another path", taken[p], p, o.APIBasePath)})
			}
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return probs
}

// sessionPathParams declares the path parameters of a session API path
// ({id}), nil for a path without any.
func sessionPathParams(path string) obj {
	if params := undeclaredPathParams(path, nil); len(params) > 0 {
		return obj{"parameters": params}
	}
	return nil
}

// restOp is one operation of the rendered REST definition.
type restOp struct {
	Route
	opID      string
	fields    map[string]any // carried-over OpenAPI fields
	responses obj
	extra     map[string]any // integration keys passed on unchanged
}

func (s *Source) renderREST(o Options, out *Rendered) ([]byte, error) {
	origin := o.AllowedOrigin
	var ops []restOp
	pathMethods := map[string][]string{}
	var pathOrder []string
	for i := range s.Operations {
		op := &s.Operations[i]
		in := op.restIntegration(origin)
		r := Route{Method: op.Method, Path: op.Path, Summary: op.Summary, Authorized: !op.Protection.Public(), Integration: in}
		var authz AuthorizerType
		if r.Authorized {
			authz = s.authorizer()
		}
		id := op.OperationID
		if id == "" {
			id = operationID(r)
		}
		responses, warn := methodResponsesFor(in, op.responses)
		if warn != "" {
			out.Warnings = append(out.Warnings, op.Name()+": "+warn)
		}
		ops = append(ops, restOp{Route: r, opID: id, fields: op.fields, responses: responses, extra: op.extra})
		if _, ok := pathMethods[op.Path]; !ok {
			pathOrder = append(pathOrder, op.Path)
		}
		pathMethods[op.Path] = append(pathMethods[op.Path], op.Method)
		out.Routes = append(out.Routes, RouteInfo{Method: op.Method, Path: op.Path, Protection: op.Protection.String(),
			Integration: op.Integration.Type, Authorizer: authz})
		out.Warnings = append(out.Warnings, op.restWarnings()...)
	}
	for _, p := range pathOrder {
		pf := restOp{Route: Route{Method: "OPTIONS", Path: p, Summary: "CORS preflight",
			Integration: preflight(origin, allowMethods(pathMethods[p]))}}
		pf.opID = operationID(pf.Route)
		pf.responses = methodResponses(pf.Integration)
		if params := undeclaredPathParams(p, s.pathFields[p]); len(params) > 0 {
			pf.fields = obj{"parameters": params}
		}
		ops = append(ops, pf)
	}
	// The session API's routes, each path followed by its preflight; the
	// session API answers the preflights itself (its CORS configuration).
	var sPaths []string // in SessionRoutes order, each once
	sessionOps := map[string][]restOp{}
	for _, a := range SessionRoutes(o.APIBasePath) {
		if _, ok := sessionOps[a.Path]; !ok {
			sPaths = append(sPaths, a.Path)
		}
		r := Route{Method: a.Method, Path: a.Path, Summary: a.Summary, Integration: lambdaProxy(FunctionSessionAPI)}
		sessionOps[a.Path] = append(sessionOps[a.Path], restOp{Route: r, opID: operationID(r),
			fields: sessionPathParams(a.Path), responses: methodResponses(r.Integration)})
		out.Routes = append(out.Routes, RouteInfo{Method: a.Method, Path: a.Path, Protection: "session API", Integration: AWSProxy})
	}
	for _, p := range sPaths {
		r := Route{Method: "OPTIONS", Path: p, Summary: "CORS preflight, answered by the session API", Integration: lambdaProxy(FunctionSessionAPI)}
		ops = append(ops, sessionOps[p]...)
		ops = append(ops, restOp{Route: r, opID: operationID(r), fields: sessionPathParams(p), responses: methodResponses(r.Integration)})
	}
	if probs := duplicateIDs(ops); len(probs) > 0 {
		return nil, &SourceError{Problems: probs}
	}

	grs, err := GatewayResponses(o)
	if err != nil {
		return nil, err
	}
	gatewayResponses := gatewayResponsesObj(grs)
	for k, v := range s.gatewayResponses {
		gatewayResponses[k] = cloneValue(v)
	}
	doc := s.document(restAuthorizerScheme(s.authorizer()), "")
	doc["paths"] = pathsObj(ops, s.pathFields)
	doc["x-amazon-apigateway-gateway-responses"] = gatewayResponses
	for k, v := range s.restRoot {
		doc[k] = cloneValue(v)
	}
	return marshal(doc)
}

// document is the root of a rendered definition: the document's info,
// components and other root keys, sessiongate's schema and security
// scheme, and the generated note.
func (s *Source) document(scheme obj, titleSuffix string) obj {
	info := cloneMap(s.info)
	if info == nil {
		info = obj{"title": "API", "version": "1.0.0"}
	}
	if titleSuffix != "" {
		title, _ := info["title"].(string)
		info["title"] = title + titleSuffix
	}
	comps := cloneMap(s.components)
	if comps == nil {
		comps = obj{}
	}
	schemas, _ := comps["schemas"].(map[string]any)
	if schemas == nil {
		schemas = obj{}
	}
	schemas[jsonSchemaName] = obj{"type": "object", "description": "A JSON object"}
	comps["schemas"] = schemas
	comps["securitySchemes"] = scheme
	doc := obj{"openapi": "3.0.1", "info": info, "components": comps, "x-sessiongate-generated": generatedNote}
	for k, v := range s.root {
		doc[k] = cloneValue(v)
	}
	return doc
}

// restIntegration is the operation's integration as render deploys it:
// on a protected operation the identity headers (and, for HTTP_PROXY, the
// rotated cookie or token as request headers) are mapped, replacing any
// mapping of those headers the document had; every non-proxy response
// carries CORS and, on a protected operation, the rotation headers
// (RotationHeaders).
func (op *Operation) restIntegration(origin string) Integration {
	in := op.Integration
	in.RequestParameters = copyStrings(in.RequestParameters)
	in.RequestTemplates = copyStrings(in.RequestTemplates)
	if in.PassthroughBehavior == "" {
		in.PassthroughBehavior = "when_no_match"
	}
	protected := !op.Protection.Public()
	switch in.Type {
	case HTTP, HTTPProxy, AWS:
		if protected {
			p := withoutHeaders(in.RequestParameters, "integration.request.header.", ownedRequestHeaders)
			for k, v := range identityParams() {
				p[k] = v
			}
			if in.Type == HTTPProxy {
				p["integration.request.header."+authorizer.HeaderProxySetCookie] = ctxRef(authorizer.CtxSetCookie)
				p["integration.request.header."+authorizer.HeaderProxyFrontToken] = ctxRef(authorizer.CtxFrontToken)
				p["integration.request.header."+authorizer.HeaderProxyAccessToken] = ctxRef(authorizer.CtxAccessToken)
			}
			in.RequestParameters = p
		}
	}
	if in.Type.Proxy() {
		return in
	}
	var responses []IntegrationResponse
	if len(in.Responses) == 0 {
		responses = defaultResponses(in.Type)
	} else {
		for _, r := range in.Responses {
			r.ResponseParameters = copyStrings(r.ResponseParameters)
			r.ResponseTemplates = copyStrings(r.ResponseTemplates)
			responses = append(responses, r)
		}
	}
	owned := []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers"}
	if protected {
		owned = append(owned, rotationHeaderNames()...)
	}
	for i := range responses {
		p := withoutHeaders(responses[i].ResponseParameters, "method.response.header.", owned)
		for h, v := range corsHeaders(origin) {
			p["method.response.header."+h] = v
		}
		if protected {
			for h, v := range RotationHeaders() {
				p["method.response.header."+h] = v
			}
		}
		responses[i].ResponseParameters = p
	}
	in.Responses = responses
	return in
}

// restWarnings say what a backend must do where API Gateway cannot.
func (op *Operation) restWarnings() []string {
	name := op.Name()
	switch {
	case op.Protection.Public() && op.Integration.Type == HTTPProxy:
		return []string{fmt.Sprintf("%s (HTTP_PROXY, public): API Gateway passes the client's headers through; the backend must not trust %s, %s or %s on this route",
			name, authorizer.HeaderUserID, authorizer.HeaderUserRoles, authorizer.HeaderSessionID)}
	case op.Protection.Public():
		return nil
	case op.Integration.Type == HTTPProxy:
		return []string{fmt.Sprintf("%s (HTTP_PROXY): API Gateway cannot map a rotated cookie onto a proxied response; the backend must echo request header %s as Set-Cookie, %s as %s and %s as %s",
			name, authorizer.HeaderProxySetCookie, authorizer.HeaderProxyFrontToken, authorizer.HeaderFrontToken,
			authorizer.HeaderProxyAccessToken, HeaderAccessToken)}
	case op.Integration.Type == AWSProxy:
		return []string{fmt.Sprintf("%s (AWS_PROXY): API Gateway cannot map a rotated cookie onto a Lambda proxy response; the Lambda must pass it on with package authorizer/backend (requestContext.authorizer.%s as Set-Cookie, %s as %s, %s as %s)",
			name, authorizer.CtxSetCookie, authorizer.CtxFrontToken, authorizer.HeaderFrontToken,
			authorizer.CtxAccessToken, HeaderAccessToken)}
	}
	return nil
}

// defaultResponses are the integration responses of a non-proxy
// integration that declares none: any 2xx-4xx backend answer becomes a
// 200 with the backend's body and Content-Type; a 5xx becomes 502 (the
// cookie and CORS are added like on every response, so a rotation is never
// lost). A MOCK answers 200 with its own body.
func defaultResponses(t IntegrationType) []IntegrationResponse {
	if t == Mock {
		return []IntegrationResponse{{StatusCode: "200"}}
	}
	return []IntegrationResponse{
		{SelectionPattern: "", StatusCode: "200",
			ResponseParameters: map[string]string{"method.response.header.Content-Type": "integration.response.header.Content-Type"}},
		{SelectionPattern: `5\d{2}`, StatusCode: "502",
			ResponseTemplates: map[string]string{"application/json": `{"message":"bad gateway"}`}},
	}
}

func copyStrings(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// withoutHeaders copies params without the mappings of the named headers,
// compared case-insensitively (HTTP header names are).
func withoutHeaders(params map[string]string, prefix string, names []string) map[string]string {
	out := map[string]string{}
	for k, v := range params {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			drop := false
			for _, n := range names {
				if strings.EqualFold(n, name) {
					drop = true
				}
			}
			if drop {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// allowMethods is a preflight's Access-Control-Allow-Methods value.
func allowMethods(methods []string) string {
	set := map[string]bool{"OPTIONS": true}
	for _, m := range methods {
		if m == "ANY" {
			for _, all := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
				set[all] = true
			}
			continue
		}
		set[m] = true
	}
	list := make([]string, 0, len(set))
	for m := range set {
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return methodOrder[list[i]] < methodOrder[list[j]] })
	return strings.Join(list, ",")
}

// undeclaredPathParams declares, for a rendered preflight, the path
// parameters the path item does not declare itself.
func undeclaredPathParams(path string, fields map[string]any) []any {
	names, _ := checkSourcePath(path)
	pathParams, _ := fields["parameters"].([]any)
	declared, _ := declaredPathParams(pathParams)
	var out []any
	for _, n := range names {
		if !declared[n] {
			out = append(out, obj{"name": n, "in": "path", "required": true, "schema": obj{"type": "string"}})
		}
	}
	return out
}

func duplicateIDs(ops []restOp) []Problem {
	seen := map[string]string{}
	var probs []Problem
	for _, op := range ops {
		name := op.Method + " " + op.Path
		if prev, dup := seen[op.opID]; dup {
			probs = append(probs, Problem{Where: name, Msg: fmt.Sprintf("operationId %q is also rendered for %s; give the operation an operationId of its own", op.opID, prev)})
			continue
		}
		seen[op.opID] = name
	}
	return probs
}

// placeholderVars gives every ${Name} a rendered document refers to a
// value Load accepts, so that render can check the document the way the
// local gateway will load it.
func placeholderVars(doc []byte) map[string]string {
	vars := LocalVars("https://app.example.com", "http://127.0.0.1:1")
	for _, m := range subRef.FindAllSubmatch(doc, -1) {
		name := string(m[1])
		if _, ok := vars[name]; ok || strings.HasPrefix(name, "!") {
			continue
		}
		if fn, ok := strings.CutSuffix(name, ".Arn"); ok {
			vars[name] = "arn:aws:lambda:local:000000000000:function:" + fn
			continue
		}
		vars[name] = "local-" + name
	}
	return vars
}

func gatewayResponsesObj(grs []GatewayResponse) obj {
	out := obj{}
	for _, gr := range grs {
		o := obj{"responseParameters": subMap(gr.ResponseParameters), "responseTemplates": subMap(gr.ResponseTemplates)}
		if gr.StatusCode != "" {
			o["statusCode"] = gr.StatusCode
		}
		out[string(gr.Type)] = o
	}
	return out
}

func integrationObj(in Integration) obj {
	o := obj{"type": strings.ToLower(string(in.Type))}
	if in.HTTPMethod != "" {
		o["httpMethod"] = in.HTTPMethod
	}
	if in.URI != "" {
		o["uri"] = sub(in.URI)
	}
	if in.Credentials != "" {
		o["credentials"] = sub(in.Credentials)
	}
	if len(in.RequestParameters) > 0 {
		o["requestParameters"] = subMap(in.RequestParameters)
	}
	if len(in.RequestTemplates) > 0 {
		o["requestTemplates"] = subMap(in.RequestTemplates)
	}
	if in.PassthroughBehavior != "" {
		o["passthroughBehavior"] = in.PassthroughBehavior
	}
	if len(in.Responses) > 0 {
		rs := obj{}
		for _, r := range in.Responses {
			ro := obj{"statusCode": r.StatusCode}
			if len(r.ResponseParameters) > 0 {
				ro["responseParameters"] = subMap(r.ResponseParameters)
			}
			if len(r.ResponseTemplates) > 0 {
				ro["responseTemplates"] = subMap(r.ResponseTemplates)
			}
			if r.ContentHandling != "" {
				ro["contentHandling"] = r.ContentHandling
			}
			key := r.SelectionPattern
			if key == "" {
				key = "default"
			}
			rs[key] = ro
		}
		o["responses"] = rs
	}
	return o
}

var jsonBody = obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/" + jsonSchemaName}}}

// methodResponses declares, for OpenAPI and for API Gateway's method
// responses, every status and header a non-proxy integration maps.
func methodResponses(in Integration) obj {
	out := obj{}
	if in.Type.Proxy() {
		out["default"] = obj{"description": "The backend's own response, passed through", "content": cloneValue(jsonBody)}
		return out
	}
	for _, r := range in.Responses {
		hs := obj{}
		for k := range r.ResponseParameters {
			hs[strings.TrimPrefix(k, "method.response.header.")] = obj{"schema": obj{"type": "string"}}
		}
		ro := obj{"description": "Status " + r.StatusCode, "headers": hs}
		if r.StatusCode != "204" {
			ro["content"] = cloneValue(jsonBody)
		}
		out[r.StatusCode] = ro
	}
	return out
}

// methodResponsesFor merges the document's own responses of an operation
// with the method responses its integration needs: every status an
// integration response maps to, declaring every header it maps. warn is
// set when a response is a $ref render cannot add headers to.
func methodResponsesFor(in Integration, own map[string]any) (obj, string) {
	if in.Type.Proxy() {
		if len(own) > 0 {
			return cloneMap(own), ""
		}
		return methodResponses(in), ""
	}
	out := cloneMap(own)
	if out == nil {
		out = obj{}
	}
	var warn string
	gen := methodResponses(in)
	for _, code := range sortedKeys(gen) {
		g := gen[code].(obj)
		have, ok := out[code].(map[string]any)
		if !ok {
			out[code] = g
			continue
		}
		if _, ref := have["$ref"]; ref {
			warn = "responses." + code + " is a $ref: declare the headers " + strings.Join(sortedKeys(g["headers"].(obj)), ", ") + " in it (API Gateway needs them as method response headers)"
			continue
		}
		hs, _ := have["headers"].(map[string]any)
		if hs == nil {
			hs = obj{}
		}
		for _, h := range sortedKeys(g["headers"].(obj)) {
			found := false
			for k := range hs {
				if strings.EqualFold(k, h) {
					found = true
				}
			}
			if !found {
				hs[h] = obj{"schema": obj{"type": "string"}}
			}
		}
		have["headers"] = hs
		if _, ok := have["description"]; !ok {
			have["description"] = "Status " + code
		}
	}
	return out, warn
}

func openAPIMethod(m string) string {
	if m == "ANY" {
		return "x-amazon-apigateway-any-method"
	}
	return strings.ToLower(m)
}

func pathsObj(ops []restOp, pathFields map[string]map[string]any) obj {
	paths := obj{}
	for _, r := range ops {
		item, _ := paths[r.Path].(obj)
		if item == nil {
			item = cloneMap(pathFields[r.Path])
			if item == nil {
				item = obj{}
			}
			paths[r.Path] = item
		}
		op := cloneMap(r.fields)
		if op == nil {
			op = obj{}
		}
		op["operationId"] = r.opID
		op["responses"] = r.responses
		in := integrationObj(r.Integration)
		for k, v := range r.extra {
			in[k] = cloneValue(v)
		}
		op["x-amazon-apigateway-integration"] = in
		if r.Summary != "" {
			op["summary"] = r.Summary
		}
		if r.Authorized {
			op["security"] = []any{obj{AuthorizerName: []any{}}}
		}
		item[openAPIMethod(r.Method)] = op
	}
	return paths
}

// operationID is the operationId render gives an operation without one:
// the method and the path's words, "getApiLambdaMe".
func operationID(r Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, part := range strings.FieldsFunc(r.Path, func(c rune) bool { return !isIDRune(c) }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func isIDRune(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// authorizer is Source.Authorizer, RequestAuthorizer when unset.
func (s *Source) authorizer() AuthorizerType {
	if s.Authorizer == TokenAuthorizer {
		return TokenAuthorizer
	}
	return RequestAuthorizer
}

// restAuthorizerScheme is the REST API's security scheme, as SAM writes
// one: a REQUEST authorizer has no identity sources (the scheme's name is
// unused); a TOKEN authorizer's identity source,
// method.request.header.Authorization, is the scheme's header name (the
// x-amazon-apigateway-authorizer object has identitySource for request
// and jwt authorizers only). Caching is off for both.
func restAuthorizerScheme(t AuthorizerType) obj {
	name := "Unused"
	if t == TokenAuthorizer {
		name = TokenHeader
	}
	return obj{AuthorizerName: obj{
		"type": "apiKey", "name": name, "in": "header",
		"x-amazon-apigateway-authtype": "custom",
		"x-amazon-apigateway-authorizer": obj{
			"type":                         string(t),
			"authorizerUri":                sub(LambdaURI(FunctionAuthorizer)),
			"authorizerResultTtlInSeconds": 0,
		},
	}}
}

// RenderCloudFormation renders the gateway responses as plain
// AWS::ApiGateway::GatewayResponse resources (gateway-responses.cfn.json),
// for a REST API whose body is not rendered by this package. restAPI is
// the logical id of the AWS::ApiGateway::RestApi.
func RenderCloudFormation(opts Options, restAPI string) ([]byte, error) {
	if !logicalID.MatchString(restAPI) {
		return nil, fmt.Errorf("%w: restAPI must be a logical id", ErrInvalidOptions)
	}
	grs, err := GatewayResponses(opts)
	if err != nil {
		return nil, err
	}
	res := obj{}
	for _, gr := range grs {
		props := obj{
			"RestApiId":          obj{"Ref": restAPI},
			"ResponseType":       string(gr.Type),
			"ResponseParameters": subMap(gr.ResponseParameters),
			"ResponseTemplates":  subMap(gr.ResponseTemplates),
		}
		if gr.StatusCode != "" {
			props["StatusCode"] = gr.StatusCode
		}
		res[cfnName(gr.Type)] = obj{"Type": "AWS::ApiGateway::GatewayResponse", "Properties": props}
	}
	return marshal(obj{"Resources": res})
}

func cfnName(t ResponseType) string {
	var b strings.Builder
	b.WriteString("GatewayResponse")
	for _, p := range strings.Split(strings.ToLower(string(t)), "_") {
		if p == "" {
			continue
		}
		if _, err := strconv.Atoi(p[:1]); err == nil {
			b.WriteString(strings.ToUpper(p))
			continue
		}
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
