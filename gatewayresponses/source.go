package gatewayresponses

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sessiongate/sessiongate/authorizer"
)

// ErrInvalidSource is wrapped by every error of ParseSource and Render
// about the team's API document; the error is a *SourceError listing
// every problem.
var ErrInvalidSource = errors.New("gatewayresponses: invalid API document")

// Problem is one thing wrong with an API document.
type Problem struct {
	// Where names the place: "GET /api/admin" for an operation, the path
	// for a path item, a top-level key, or "" for the whole document.
	Where string
	// Line is the 1-based line in the document, 0 when unknown.
	Line int
	// Msg says what is wrong.
	Msg string
}

func (p Problem) String() string {
	s := p.Msg
	if p.Where != "" {
		s = p.Where + ": " + s
	}
	if p.Line > 0 {
		s += fmt.Sprintf(" (line %d)", p.Line)
	}
	return s
}

// SourceError lists every problem of an API document at once, in document
// order. errors.Is(err, ErrInvalidSource) holds.
type SourceError struct {
	Problems []Problem
}

func (e *SourceError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return ErrInvalidSource.Error() + ":\n  " + strings.Join(msgs, "\n  ")
}

// Unwrap makes errors.Is(err, ErrInvalidSource) hold.
func (e *SourceError) Unwrap() error { return ErrInvalidSource }

// Source is a team's annotated OpenAPI 3 document for an API Gateway REST
// API, parsed and checked by ParseSource. Render derives every definition
// from it.
type Source struct {
	// Operations in path order, then method order (GET, HEAD, POST, PUT,
	// PATCH, DELETE, ANY).
	Operations []Operation
	// Default is the document root's annotation merged with the built-in
	// default (session required).
	Default Protection
	// Authorizer is the kind of authorizer that protects every protected
	// operation: the root annotation's authorizer, RequestAuthorizer when
	// it has none.
	Authorizer AuthorizerType

	info             map[string]any            // the document's info
	root             map[string]any            // other root keys render carries over (servers, tags, x-...)
	restRoot         map[string]any            // root x-amazon-apigateway-* keys (REST API only)
	components       map[string]any            // the document's components
	gatewayResponses map[string]any            // the document's own gateway responses
	pathFields       map[string]map[string]any // path item keys other than operations
}

// Operation is one method of one path of the team's document.
type Operation struct {
	// Method is upper case; "ANY" for x-amazon-apigateway-any-method.
	Method string
	// Path is the path template as written ("/items/{id}").
	Path string
	// OperationID and Summary as written ("" when absent).
	OperationID string
	Summary     string
	// Protection is the operation's x-sessiongate merged over the root's.
	Protection Protection
	// Integration is the team's x-amazon-apigateway-integration, before
	// render adds sessiongate's mappings.
	Integration Integration
	// Line is where the operation starts in the document.
	Line int

	fields    map[string]any // the operation's other OpenAPI fields, carried over
	responses map[string]any // the operation's responses, nil when absent
	extra     map[string]any // integration keys passed on unchanged
}

// Name is "METHOD /path", as messages and render's listing name the
// operation.
func (o *Operation) Name() string { return o.Method + " " + o.Path }

// operationKeys are the OpenAPI 3.0 operation fields render carries over.
var operationKeys = map[string]bool{"tags": true, "description": true, "externalDocs": true,
	"parameters": true, "requestBody": true, "callbacks": true, "deprecated": true, "servers": true}

// integrationPassKeys are x-amazon-apigateway-integration keys render
// passes on unchanged to the REST API definition.
var integrationPassKeys = map[string]bool{"timeoutInMillis": true, "contentHandling": true,
	"connectionType": true, "connectionId": true, "cacheKeyParameters": true, "cacheNamespace": true, "tlsConfig": true}

// methodOrder orders methods for listings and for the preflight's
// Access-Control-Allow-Methods.
var methodOrder = map[string]int{"GET": 0, "HEAD": 1, "POST": 2, "PUT": 3, "PATCH": 4, "DELETE": 5, "ANY": 6, "OPTIONS": 7}

// pathSegment is one segment of a path API Gateway can serve: letters,
// digits and ._- , or a whole-segment {name} or (last only) {name+}.
var (
	literalSegment = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	paramSegment   = regexp.MustCompile(`^\{([A-Za-z0-9._-]+)(\+?)\}$`)
)

// sourceParser collects every problem of a document.
type sourceParser struct {
	t     yamlTree
	probs []Problem
}

func (p *sourceParser) fail(where string, line int, format string, args ...any) {
	p.probs = append(p.probs, Problem{Where: where, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// ParseSource reads a team's OpenAPI 3.0 document for an API Gateway REST
// API, in YAML or JSON, with an x-amazon-apigateway-integration on every
// operation and x-sessiongate annotations (see the package documentation).
// It checks the annotations, the integrations and the paths, and reports
// every problem at once as a *SourceError; each problem names the
// operation (e.g. `GET /api/admin: x-sessiongate: unknown key "role"`) and
// its line.
func ParseSource(data []byte) (*Source, error) {
	p := &sourceParser{t: yamlTree{budget: maxSourceNodes}}
	src := p.parse(data)
	if len(p.probs) > 0 {
		return nil, &SourceError{Problems: p.probs}
	}
	return src, nil
}

func (p *sourceParser) parse(data []byte) *Source {
	if len(bytes.TrimSpace(data)) == 0 {
		p.fail("", 0, "empty document")
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.fail("", 0, "not YAML or JSON: %v", err)
		return nil
	}
	rootNode := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		rootNode = doc.Content[0]
	}
	es, err := p.t.entries(rootNode)
	if err != nil {
		p.fail("", 0, "not an OpenAPI document: %v", err)
		return nil
	}
	src := &Source{root: map[string]any{}, restRoot: map[string]any{}, pathFields: map[string]map[string]any{}}
	byKey := map[string]yamlEntry{}
	for _, e := range es {
		byKey[e.key] = e
	}
	switch v, ok := byKey["openapi"]; {
	case !ok:
		if _, swagger := byKey["swagger"]; swagger {
			p.fail("", 0, "OpenAPI 2.0 (swagger) is not supported: convert the document to OpenAPI 3.0")
		} else {
			p.fail("", 0, "not an OpenAPI 3 document (no openapi key)")
		}
		return nil
	default:
		s, _ := yamlString(v.val)
		if !strings.HasPrefix(s, "3.0.") {
			p.fail("openapi", v.line, "version %s: API Gateway imports OpenAPI 3.0 (write openapi: 3.0.1)", yamlKind(v.val))
		}
	}

	var rootAnn annotation
	if e, ok := byKey[AnnotationKey]; ok {
		a, probs := p.t.parseAnnotation(e.val, true)
		for _, m := range probs {
			p.fail("document root", e.line, "%s", m)
		}
		if a.hasSession && a.session == SessionNone && (a.hasRoles || a.hasClaims) {
			p.fail("document root", e.line, "%s: roles or claims beside session: none", AnnotationKey)
		}
		rootAnn = a
	}
	src.Default, _ = protection(annotation{}, rootAnn)
	src.Authorizer = RequestAuthorizer
	if rootAnn.authorizer != "" {
		src.Authorizer = rootAnn.authorizer
	}

	for _, e := range es {
		switch {
		case e.key == "openapi", e.key == AnnotationKey, e.key == "paths":
		case e.key == "info":
			v, err := p.t.value(e.val)
			m, ok := v.(map[string]any)
			if err != nil || !ok {
				p.fail("info", e.line, "want a mapping with title and version")
				continue
			}
			if t, _ := m["title"].(string); t == "" {
				p.fail("info", e.line, "title is required (a string)")
			}
			if _, ok := m["version"].(string); !ok {
				p.fail("info", e.line, "version is required (a string; quote numbers, like \"1.0\")")
			}
			src.info = m
		case e.key == "components":
			v, err := p.t.value(e.val)
			m, ok := v.(map[string]any)
			if err != nil || !ok {
				p.fail("components", e.line, "want a mapping")
				continue
			}
			if _, ok := m["securitySchemes"]; ok {
				p.fail("components", e.line, "securitySchemes: render writes the one security scheme (the sessiongate authorizer); use x-sessiongate on operations instead")
			}
			if schemas, ok := m["schemas"].(map[string]any); ok && schemas[jsonSchemaName] != nil {
				p.fail("components", e.line, "schemas.%s is the name render gives its own schema; rename yours", jsonSchemaName)
			}
			src.components = m
		case e.key == "security":
			p.fail("security", e.line, "render derives security from x-sessiongate; remove security and annotate operations instead")
		case e.key == "x-amazon-apigateway-gateway-responses":
			v, err := p.t.value(e.val)
			m, ok := v.(map[string]any)
			if err != nil || !ok {
				p.fail(e.key, e.line, "want a mapping")
				continue
			}
			for _, k := range sortedKeys(m) {
				if renderedResponseTypes[ResponseType(k)] {
					p.fail(e.key, e.line, "%s: render writes this gateway response (CORS and the rotated cookie); remove yours", k)
				} else if !ResponseType(k).Valid() {
					p.fail(e.key, e.line, "%s: not a gateway response type of API Gateway", k)
				}
			}
			src.gatewayResponses = m
		case e.key == "x-amazon-apigateway-cors":
			p.fail(e.key, e.line, "the CORS configuration of an HTTP API; render writes it into the HTTP API variant from the allowed origin")
		case strings.HasPrefix(e.key, "x-amazon-apigateway-"):
			v, err := p.t.value(e.val)
			if err != nil {
				p.fail(e.key, e.line, "%v", err)
				continue
			}
			src.restRoot[e.key] = v
		case e.key == "servers", e.key == "tags", e.key == "externalDocs", strings.HasPrefix(e.key, "x-"):
			v, err := p.t.value(e.val)
			if err != nil {
				p.fail(e.key, e.line, "%v", err)
				continue
			}
			src.root[e.key] = v
		default:
			p.fail(e.key, e.line, "not a key of an OpenAPI 3.0 document")
		}
	}
	if src.info == nil {
		p.fail("info", 0, "info with title and version is required")
	}

	pe, ok := byKey["paths"]
	if !ok {
		p.fail("paths", 0, "the document has no paths")
		return src
	}
	paths, err := p.t.entries(pe.val)
	if err != nil || len(paths) == 0 {
		p.fail("paths", pe.line, "the document has no paths")
		return src
	}
	for _, pathEntry := range paths {
		p.pathItem(src, rootAnn, pathEntry)
	}
	p.checkSiblings(paths)
	p.checkOperationIDs(src)
	sort.SliceStable(src.Operations, func(i, j int) bool {
		a, b := src.Operations[i], src.Operations[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return methodOrder[a.Method] < methodOrder[b.Method]
	})
	return src
}

// renderedResponseTypes are the gateway responses render writes.
var renderedResponseTypes = map[ResponseType]bool{AccessDenied: true, AuthorizerConfigurationError: true,
	AuthorizerFailure: true, Default4XX: true, Default5XX: true, Unauthorized: true}

// checkSourcePath reports why API Gateway cannot serve a path template, and
// returns its parameter names.
func checkSourcePath(path string) ([]string, error) {
	if path == "/" {
		return nil, nil
	}
	if !strings.HasPrefix(path, "/") {
		return nil, errors.New("a path must start with /")
	}
	if strings.HasSuffix(path, "/") {
		return nil, errors.New("a path cannot end with / (API Gateway resources have no trailing slash)")
	}
	segs := strings.Split(path[1:], "/")
	var params []string
	for i, s := range segs {
		if literalSegment.MatchString(s) {
			continue
		}
		m := paramSegment.FindStringSubmatch(s)
		switch {
		case s == "":
			return nil, errors.New("empty path segment (//)")
		case m == nil:
			return nil, fmt.Errorf("segment %q: API Gateway allows letters, digits and ._- , or a whole {name} or {name+}", s)
		case m[2] == "+" && i != len(segs)-1:
			return nil, fmt.Errorf("greedy %s must be the last segment", s)
		}
		for _, have := range params {
			if have == m[1] {
				return nil, fmt.Errorf("path parameter {%s} appears twice", m[1])
			}
		}
		params = append(params, m[1])
	}
	return params, nil
}

// checkSiblings reports two different path variables under one parent
// ("/items/{id}" and "/items/{itemId}/x"): API Gateway allows one.
func (p *sourceParser) checkSiblings(paths []yamlEntry) {
	vars := map[string]string{} // parent path -> variable segment
	for _, e := range paths {
		if _, err := checkSourcePath(e.key); err != nil {
			continue
		}
		segs := strings.Split(strings.TrimPrefix(e.key, "/"), "/")
		for i, s := range segs {
			if !strings.HasPrefix(s, "{") {
				continue
			}
			parent := "/" + strings.Join(segs[:i], "/")
			if have, ok := vars[parent]; ok && have != s {
				p.fail(e.key, e.line, "path variable %s beside %s under %s: API Gateway allows one variable per level; use one name", s, have, parent)
				continue
			}
			vars[parent] = s
		}
	}
}

func (p *sourceParser) checkOperationIDs(src *Source) {
	seen := map[string]string{}
	for _, o := range src.Operations {
		if o.OperationID == "" {
			continue
		}
		if prev, dup := seen[o.OperationID]; dup {
			p.fail(o.Name(), o.Line, "operationId %q is also the operationId of %s", o.OperationID, prev)
			continue
		}
		seen[o.OperationID] = o.Name()
	}
}

func (p *sourceParser) pathItem(src *Source, rootAnn annotation, pe yamlEntry) {
	path := pe.key
	params, err := checkSourcePath(path)
	if err != nil {
		p.fail(path, pe.line, "API Gateway cannot serve this path: %v", err)
		return
	}
	es, err := p.t.entries(pe.val)
	if err != nil {
		p.fail(path, pe.line, "a path item must be a mapping of operations: %v", err)
		return
	}
	fields := map[string]any{}
	var pathParams []any
	var ops []yamlEntry
	for _, e := range es {
		method := strings.ToUpper(e.key)
		switch {
		case e.key == "x-amazon-apigateway-any-method":
			ops = append(ops, e)
		case method == "GET", method == "PUT", method == "POST", method == "DELETE", method == "HEAD", method == "PATCH":
			if e.key != strings.ToLower(e.key) {
				p.fail(path, e.line, "method %q must be lower case in OpenAPI", e.key)
				continue
			}
			ops = append(ops, e)
		case method == "OPTIONS":
			p.fail("OPTIONS "+path, e.line, "render writes the CORS preflight of every path; remove this operation")
		case method == "TRACE":
			p.fail("TRACE "+path, e.line, "API Gateway has no TRACE method")
		case e.key == "$ref":
			p.fail(path, e.line, "$ref path items are not supported; write the path item inline")
		case e.key == AnnotationKey:
			p.fail(path, e.line, "%s on a path item: put it on each operation, or at the document root as the default", AnnotationKey)
		case e.key == "summary", e.key == "description", e.key == "parameters", e.key == "servers", strings.HasPrefix(e.key, "x-"):
			v, err := p.t.value(e.val)
			if err != nil {
				p.fail(path, e.line, "%s: %v", e.key, err)
				continue
			}
			if e.key == "parameters" {
				pathParams, _ = v.([]any)
			}
			fields[e.key] = v
		default:
			p.fail(path, e.line, "%q is not a key of an OpenAPI path item", e.key)
		}
	}
	if len(ops) == 0 {
		p.fail(path, pe.line, "no operations")
	}
	for _, e := range ops {
		method := strings.ToUpper(e.key)
		if e.key == "x-amazon-apigateway-any-method" {
			method = "ANY"
		}
		p.operation(src, rootAnn, path, method, e, params, pathParams)
	}
	src.pathFields[path] = fields
}

// declaredPathParams lists the names of parameters "in: path"; ok is false
// when a parameter is a $ref (not followed).
func declaredPathParams(lists ...[]any) (names map[string]bool, ok bool) {
	names = map[string]bool{}
	ok = true
	for _, l := range lists {
		for _, v := range l {
			m, _ := v.(map[string]any)
			if _, ref := m["$ref"]; ref {
				ok = false
				continue
			}
			if m["in"] == "path" {
				if n, _ := m["name"].(string); n != "" {
					names[n] = true
				}
			}
		}
	}
	return names, ok
}

func (p *sourceParser) operation(src *Source, rootAnn annotation, path, method string, e yamlEntry, params []string, pathParams []any) {
	op := Operation{Method: method, Path: path, Line: e.line, fields: map[string]any{}}
	where := op.Name()
	es, err := p.t.entries(e.val)
	if err != nil {
		p.fail(where, e.line, "an operation must be a mapping: %v", err)
		return
	}
	var ann annotation
	var integration *yamlEntry
	for i := range es {
		f := es[i]
		switch {
		case f.key == AnnotationKey:
			a, probs := p.t.parseAnnotation(f.val, false)
			for _, m := range probs {
				p.fail(where, f.line, "%s", m)
			}
			ann = a
		case f.key == "x-amazon-apigateway-integration":
			integration = &es[i]
		case f.key == "security":
			p.fail(where, f.line, "render derives security from x-sessiongate; remove security")
		case f.key == "x-amazon-apigateway-auth":
			p.fail(where, f.line, "x-amazon-apigateway-auth: render sets the authorizer from x-sessiongate; remove it")
		case f.key == "operationId", f.key == "summary":
			s, ok := yamlString(f.val)
			if !ok {
				p.fail(where, f.line, "%s: want a string, got %s", f.key, yamlKind(f.val))
				continue
			}
			if f.key == "summary" {
				op.Summary = s
			} else {
				op.OperationID = s
			}
		case f.key == "responses":
			v, err := p.t.value(f.val)
			m, ok := v.(map[string]any)
			if err != nil || !ok {
				p.fail(where, f.line, "responses: want a mapping of status codes")
				continue
			}
			op.responses = m
		case operationKeys[f.key], strings.HasPrefix(f.key, "x-"):
			v, err := p.t.value(f.val)
			if err != nil {
				p.fail(where, f.line, "%s: %v", f.key, err)
				continue
			}
			op.fields[f.key] = v
		default:
			p.fail(where, f.line, "%q is not a key of an OpenAPI operation", f.key)
		}
	}
	pr, msg := protection(rootAnn, ann)
	if msg != "" {
		p.fail(where, e.line, "%s", msg)
	}
	op.Protection = pr
	if integration == nil {
		p.fail(where, e.line, "no x-amazon-apigateway-integration: every operation needs its integration")
	} else {
		p.integration(&op, *integration)
	}
	if len(params) > 0 {
		own, _ := op.fields["parameters"].([]any)
		names, ok := declaredPathParams(pathParams, own)
		if ok {
			for _, n := range params {
				if !names[n] {
					p.fail(where, e.line, "path parameter %s is not declared (add {name: %s, in: path, required: true} to parameters)", n, n)
				}
			}
		}
	}
	src.Operations = append(src.Operations, op)
}

// ownedRequestHeaders are the backend request headers sessiongate maps.
var ownedRequestHeaders = []string{authorizer.HeaderUserID, authorizer.HeaderUserRoles, authorizer.HeaderSessionID,
	authorizer.HeaderProxySetCookie, authorizer.HeaderProxyFrontToken, authorizer.HeaderProxyAccessToken}

var requestParamKey = regexp.MustCompile(`^integration\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.[A-Za-z0-9!#$%&'*+.^_|~-]+$`)

func (p *sourceParser) integration(op *Operation, e yamlEntry) {
	where := op.Name()
	fail := func(format string, args ...any) {
		p.fail(where, e.line, "x-amazon-apigateway-integration: "+format, args...)
	}
	es, err := p.t.entries(e.val)
	if err != nil {
		fail("want a mapping: %v", err)
		return
	}
	in := &op.Integration
	op.extra = map[string]any{}
	var responses *yamlEntry
	for i := range es {
		f := es[i]
		switch f.key {
		case "type":
			s, _ := yamlString(f.val)
			in.Type = IntegrationType(strings.ToUpper(s))
			if !in.Type.Valid() {
				fail("type %s is not supported (want mock, http, http_proxy, aws or aws_proxy)", yamlKind(f.val))
			}
		case "httpMethod":
			s, ok := yamlString(f.val)
			if !ok {
				fail("httpMethod: want a string")
			}
			in.HTTPMethod = strings.ToUpper(s)
		case "uri", "credentials":
			s, err := p.t.subStr(f.val)
			if err != nil {
				fail("%s: %v", f.key, err)
			}
			if f.key == "uri" {
				in.URI = s
			} else {
				in.Credentials = s
			}
		case "requestParameters":
			m, err := p.t.strMap(f.val)
			if err != nil {
				fail("requestParameters: %v", err)
			}
			for _, k := range sortedKeys(m) {
				if !requestParamKey.MatchString(k) {
					fail("requestParameters: key %q (want integration.request.header|querystring|path.<name>)", k)
				}
				if m[k] == "" {
					fail("requestParameters.%s: empty source", k)
				}
			}
			in.RequestParameters = m
		case "requestTemplates":
			m, err := p.t.strMap(f.val)
			if err != nil {
				fail("requestTemplates: %v", err)
			}
			in.RequestTemplates = m
		case "passthroughBehavior":
			s, _ := yamlString(f.val)
			switch s {
			case "when_no_match", "when_no_templates", "never":
				in.PassthroughBehavior = s
			default:
				fail("passthroughBehavior %s (want when_no_match, when_no_templates or never)", yamlKind(f.val))
			}
		case "responses":
			responses = &es[i]
		default:
			if !integrationPassKeys[f.key] {
				fail("unknown key %q", f.key)
				continue
			}
			v, err := p.t.value(f.val)
			if err != nil {
				fail("%s: %v", f.key, err)
				continue
			}
			op.extra[f.key] = v
		}
	}
	if in.Type == "" {
		fail("no type")
		return
	}
	if responses != nil {
		p.integrationResponses(op, *responses)
	}
	switch in.Type {
	case AWSProxy:
		if in.HTTPMethod != "POST" {
			fail("aws_proxy (Lambda) needs httpMethod POST")
		}
		if len(in.RequestParameters) > 0 {
			fail("requestParameters on aws_proxy: API Gateway ignores them; the Lambda reads requestContext.authorizer (package authorizer/backend)")
		}
		if _, ok := in.LambdaFunction(); !ok && !strings.HasPrefix(in.URI, "arn:") {
			fail("aws_proxy uri must be a Lambda invocation ARN, like arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${MyFunction.Arn}/invocations")
		}
	case AWS:
		if in.URI == "" || in.HTTPMethod == "" {
			fail("aws needs a uri and an httpMethod")
		}
	case HTTP, HTTPProxy:
		if in.URI == "" || in.HTTPMethod == "" {
			fail("%s needs a uri and an httpMethod", strings.ToLower(string(in.Type)))
		} else if !strings.Contains(in.URI, "${") {
			if u, err := url.Parse(in.URI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				fail("uri %q is not an http(s) URL", in.URI)
			}
		}
	case Mock:
		if in.URI != "" {
			fail("a mock integration has no uri")
		}
	}
	if in.Type.Proxy() && len(in.Responses) > 0 {
		fail("responses on a proxy integration: API Gateway passes the backend's response through")
	}
	if in.Type != Mock && len(in.RequestTemplates) > 0 && in.Type.Proxy() {
		fail("requestTemplates on a proxy integration")
	}
	if op.Protection.Public() {
		for _, k := range sortedKeys(in.RequestParameters) {
			if name, ok := strings.CutPrefix(k, "integration.request.header."); ok && ownedHeader(name) {
				fail("requestParameters: %s is sessiongate's identity header; a public operation must not map it", name)
			}
		}
	}
}

func ownedHeader(name string) bool {
	for _, h := range ownedRequestHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

func (p *sourceParser) integrationResponses(op *Operation, e yamlEntry) {
	where := op.Name()
	es, err := p.t.entries(e.val)
	if err != nil {
		p.fail(where, e.line, "x-amazon-apigateway-integration.responses: want a mapping of selection patterns")
		return
	}
	for _, r := range es {
		rw := "x-amazon-apigateway-integration.responses." + r.key
		ir := IntegrationResponse{SelectionPattern: r.key}
		if r.key == "default" {
			ir.SelectionPattern = ""
		} else if _, err := regexp.Compile(r.key); err != nil {
			p.fail(where, r.line, "%s: selection pattern is not a regular expression: %v", rw, err)
		}
		fs, err := p.t.entries(r.val)
		if err != nil {
			p.fail(where, r.line, "%s: want a mapping", rw)
			continue
		}
		for _, f := range fs {
			switch f.key {
			case "statusCode":
				n := yamlDeref(f.val)
				if n != nil && n.Kind == yaml.ScalarNode {
					ir.StatusCode = n.Value
				}
				if !validStatus(ir.StatusCode) {
					p.fail(where, f.line, "%s.statusCode: want a status code from 100 to 599", rw)
				}
			case "responseParameters", "responseTemplates":
				m, err := p.t.strMap(f.val)
				if err != nil {
					p.fail(where, f.line, "%s.%s: %v", rw, f.key, err)
					continue
				}
				if f.key == "responseParameters" {
					for _, k := range sortedKeys(m) {
						if !strings.HasPrefix(k, "method.response.header.") {
							p.fail(where, f.line, "%s.responseParameters: key %q (want method.response.header.<name>)", rw, k)
						}
					}
					ir.ResponseParameters = m
				} else {
					ir.ResponseTemplates = m
				}
			case "contentHandling":
				s, _ := yamlString(f.val)
				ir.ContentHandling = s
			default:
				p.fail(where, f.line, "%s: unknown key %q", rw, f.key)
			}
		}
		if ir.StatusCode == "" {
			p.fail(where, r.line, "%s: no statusCode", rw)
		}
		op.Integration.Responses = append(op.Integration.Responses, ir)
	}
}

func validStatus(s string) bool {
	if len(s) != 3 || s[0] < '1' || s[0] > '5' {
		return false
	}
	return s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}
