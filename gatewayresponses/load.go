package gatewayresponses

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// API is a REST API definition loaded from OpenAPI JSON (the very file
// that is deployed), with every ${...} resolved.
type API struct {
	Routes []Route
	// GatewayResponses by type, as written in the document.
	GatewayResponses map[ResponseType]GatewayResponse
	// Authorizer is the authorizer's function logical id.
	Authorizer string
	// AuthorizerType is RequestAuthorizer or TokenAuthorizer.
	AuthorizerType AuthorizerType
	// TokenHeader is the header a TOKEN authorizer reads (its identity
	// source, the security scheme's name: Authorization as render writes
	// it); "" for a REQUEST authorizer.
	TokenHeader string
	// AuthorizerTTL is authorizerResultTtlInSeconds (always 0 here).
	AuthorizerTTL int
}

// LocalVars returns values for every ${...} the deployed definition uses,
// for a program that runs it on one machine: the allowed origin, the HTTP
// backend's base URL, and placeholder Lambda ARNs in region "local" (the
// local gateway dispatches on Integration.LambdaFunction, not on the ARN).
func LocalVars(allowedOrigin, backendURL string) map[string]string {
	v := map[string]string{
		"AWS::Partition": "aws", VarRegion: "local", "AWS::AccountId": "000000000000",
		VarAllowedOrigin: allowedOrigin, VarEchoBackendURL: backendURL,
		"AppSyncApiSubdomain": "local", "AppSyncInvokeRole.Arn": "arn:aws:iam::000000000000:role/local",
	}
	for _, f := range []string{FunctionAuthorizer, FunctionSessionAPI, FunctionBackend} {
		v[f+".Arn"] = "arn:aws:lambda:local:000000000000:function:" + f
	}
	return v
}

var subRef = regexp.MustCompile(`\$\{([^}]*)\}`)

// resolve evaluates a string or {"Fn::Sub": "..."} value. ${!x} is the
// literal ${x}, as in CloudFormation.
func resolve(v any, vars map[string]string, missing map[string]bool) (raw, val string, err error) {
	switch t := v.(type) {
	case string:
		return t, t, nil
	case map[string]any:
		s, ok := t["Fn::Sub"].(string)
		if !ok || len(t) != 1 {
			return "", "", fmt.Errorf("%w: only strings and {\"Fn::Sub\": string} are supported", ErrUnsupported)
		}
		out := subRef.ReplaceAllStringFunc(s, func(m string) string {
			name := m[2 : len(m)-1]
			if strings.HasPrefix(name, "!") {
				return "${" + name[1:] + "}"
			}
			val, ok := vars[name]
			if !ok {
				missing[name] = true
			}
			return val
		})
		return s, out, nil
	}
	return "", "", fmt.Errorf("%w: value of type %T", ErrInvalidDefinition, v)
}

type loader struct {
	vars    map[string]string
	missing map[string]bool
	errs    []error
}

func (l *loader) fail(where string, err error) {
	l.errs = append(l.errs, fmt.Errorf("%s: %w", where, err))
}

// loadError lists every problem Load found; errors.Is matches
// ErrInvalidDefinition and each problem's own sentinel.
type loadError struct{ errs []error }

func (e *loadError) Error() string {
	msgs := make([]string, len(e.errs))
	for i, err := range e.errs {
		msgs[i] = err.Error()
	}
	return ErrInvalidDefinition.Error() + ": " + strings.Join(msgs, "; ")
}

func (e *loadError) Unwrap() []error { return append([]error{ErrInvalidDefinition}, e.errs...) }

func (l *loader) str(where string, v any) string {
	if v == nil {
		return ""
	}
	_, s, err := resolve(v, l.vars, l.missing)
	if err != nil {
		l.fail(where, err)
	}
	return s
}

func (l *loader) strMap(where string, v any, check func(k, v string) error) map[string]string {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		l.fail(where, fmt.Errorf("%w: want an object", ErrInvalidDefinition))
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		s := l.str(where+"."+k, m[k])
		if check != nil {
			if err := check(k, s); err != nil {
				l.fail(where+"."+k, err)
			}
		}
		out[k] = s
	}
	return out
}

// Load parses a REST API OpenAPI document as this package renders it and
// checks that the evaluator implements every expression in it. vars
// resolves the ${...} references (see LocalVars); a reference without a
// value is an error. Every problem is reported at once.
//
// The one Lambda authorizer is a REQUEST authorizer without identity
// sources, or a TOKEN authorizer whose token header is its security
// scheme's name (no identityValidationExpression); either with
// authorizerResultTtlInSeconds 0.
func Load(data []byte, vars map[string]string) (*API, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDefinition, err)
	}
	l := &loader{vars: vars, missing: map[string]bool{}}
	api := &API{GatewayResponses: map[ResponseType]GatewayResponse{}}

	// The authorizer.
	authSchemes := map[string]bool{}
	if comps, ok := doc["components"].(map[string]any); ok {
		schemes, _ := comps["securitySchemes"].(map[string]any)
		for _, name := range sortedKeys(schemes) {
			s, _ := schemes[name].(map[string]any)
			a, ok := s["x-amazon-apigateway-authorizer"].(map[string]any)
			if !ok {
				continue
			}
			where := "securitySchemes." + name
			t, _ := a["type"].(string)
			switch AuthorizerType(t) {
			case RequestAuthorizer:
				if _, ok := a["identitySource"]; ok {
					l.fail(where, fmt.Errorf("%w: identitySource must be absent (a missing cookie must reach the authorizer)", ErrInvalidDefinition))
				}
			case TokenAuthorizer:
				// API Gateway reads a TOKEN authorizer's token from the
				// header the security scheme names.
				header, _ := s["name"].(string)
				if in, _ := s["in"].(string); in != "header" || !headerName.MatchString(header) {
					l.fail(where, fmt.Errorf("%w: a token authorizer's scheme needs in: header and the token's header as its name", ErrInvalidDefinition))
				}
				for _, k := range []string{"identitySource", "identityValidationExpression"} {
					if _, ok := a[k]; ok {
						l.fail(where, fmt.Errorf("%w: %s on a token authorizer (its identity source is the scheme's header name; the local gateway does not evaluate %s)", ErrUnsupported, k, k))
					}
				}
				api.TokenHeader = header
			default:
				l.fail(where, fmt.Errorf("%w: authorizer type %q (want request or token)", ErrUnsupported, t))
			}
			if _, ok := a["authorizerPayloadFormatVersion"]; ok {
				l.fail(where, fmt.Errorf("%w: an HTTP API authorizer", ErrUnsupported))
			}
			ttl, ok := a["authorizerResultTtlInSeconds"].(float64)
			if !ok || ttl != 0 {
				l.fail(where, fmt.Errorf("%w: authorizerResultTtlInSeconds must be set to 0 (unset means 300)", ErrInvalidDefinition))
			}
			raw, _, err := resolve(a["authorizerUri"], l.vars, l.missing)
			if err != nil {
				l.fail(where, err)
			}
			fn, ok := lambdaFunctionName(raw)
			if !ok {
				l.fail(where, fmt.Errorf("%w: authorizerUri does not name a function as ${Name.Arn}", ErrInvalidDefinition))
			}
			if api.Authorizer != "" {
				l.fail(where, fmt.Errorf("%w: more than one authorizer", ErrUnsupported))
			}
			api.Authorizer = fn
			api.AuthorizerType = AuthorizerType(t)
			api.AuthorizerTTL = int(ttl)
			authSchemes[name] = true
		}
	}

	// Gateway responses.
	grs, _ := doc["x-amazon-apigateway-gateway-responses"].(map[string]any)
	for _, k := range sortedKeys(grs) {
		where := "gateway-responses." + k
		t := ResponseType(k)
		if !t.Valid() {
			l.fail(where, ErrUnknownResponseType)
			continue
		}
		g, _ := grs[k].(map[string]any)
		gr := GatewayResponse{Type: t}
		switch sc := g["statusCode"].(type) {
		case nil:
		case string:
			gr.StatusCode = sc
		case float64:
			gr.StatusCode = strconv.Itoa(int(sc))
		}
		if gr.StatusCode != "" {
			if n, err := strconv.Atoi(gr.StatusCode); err != nil || n < 100 || n > 599 {
				l.fail(where, fmt.Errorf("%w: statusCode %q", ErrInvalidDefinition, gr.StatusCode))
			}
		}
		gr.ResponseParameters = l.strMap(where, g["responseParameters"], checkParam("gatewayresponse.header.", gatewaySources))
		gr.ResponseTemplates = l.strMap(where, g["responseTemplates"], checkTemplate)
		api.GatewayResponses[t] = gr
	}

	// Routes.
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range sortedKeys(paths) {
		item, _ := paths[p].(map[string]any)
		for _, m := range sortedKeys(item) {
			method := strings.ToUpper(m)
			if m == "x-amazon-apigateway-any-method" {
				method = "ANY"
			}
			switch method {
			case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY":
			default:
				continue
			}
			where := method + " " + p
			op, _ := item[m].(map[string]any)
			r := Route{Method: method, Path: p}
			r.Summary, _ = op["summary"].(string)
			if sec, ok := op["security"].([]any); ok {
				for _, s := range sec {
					sm, _ := s.(map[string]any)
					for name := range sm {
						if !authSchemes[name] {
							l.fail(where, fmt.Errorf("%w: security scheme %q is not a Lambda authorizer", ErrUnsupported, name))
						}
						r.Authorized = true
					}
				}
			}
			in, ok := op["x-amazon-apigateway-integration"].(map[string]any)
			if !ok {
				l.fail(where, fmt.Errorf("%w: no x-amazon-apigateway-integration", ErrInvalidDefinition))
				continue
			}
			r.Integration = l.integration(where, in)
			l.pathMappings(where, p, r.Integration)
			api.Routes = append(api.Routes, r)
		}
	}
	if len(l.missing) > 0 {
		l.errs = append(l.errs, fmt.Errorf("no value for ${%s}", strings.Join(sortedKeys(l.missing), "}, ${")))
	}
	if len(l.errs) > 0 {
		return nil, &loadError{l.errs}
	}
	return api, nil
}

func (l *loader) integration(where string, in map[string]any) Integration {
	var out Integration
	t, _ := in["type"].(string)
	out.Type = IntegrationType(strings.ToUpper(t))
	if !out.Type.Valid() {
		l.fail(where, fmt.Errorf("%w: integration type %q", ErrUnsupported, t))
	}
	out.HTTPMethod, _ = in["httpMethod"].(string)
	if in["uri"] != nil {
		raw, val, err := resolve(in["uri"], l.vars, l.missing)
		if err != nil {
			l.fail(where, err)
		}
		out.URITemplate, out.URI = raw, val
	}
	out.Credentials = l.str(where+".credentials", in["credentials"])
	out.PassthroughBehavior, _ = in["passthroughBehavior"].(string)
	out.RequestParameters = l.strMap(where+".requestParameters", in["requestParameters"], func(k, v string) error {
		if strings.HasPrefix(k, "integration.request.path.") {
			return nil // checked by pathMappings, which knows the route's path
		}
		return checkParam("integration.request.header.", requestSources)(k, v)
	})
	out.RequestTemplates = l.strMap(where+".requestTemplates", in["requestTemplates"], nil)
	if out.Type == Mock {
		if _, err := mockStatus(out.RequestTemplates); err != nil {
			l.fail(where, err)
		}
	} else if len(out.RequestTemplates) > 0 {
		l.fail(where, fmt.Errorf("%w: request templates on a %s integration", ErrUnsupported, out.Type))
	}
	switch out.Type {
	case AWSProxy, AWS:
		if out.URI == "" || out.HTTPMethod != "POST" {
			l.fail(where, fmt.Errorf("%w: %s integration needs a uri and httpMethod POST", ErrInvalidDefinition, out.Type))
		}
	case HTTP, HTTPProxy:
		if out.URI == "" || out.HTTPMethod == "" {
			l.fail(where, fmt.Errorf("%w: %s integration needs a uri and an httpMethod", ErrInvalidDefinition, out.Type))
		}
	}
	if out.Type == AWSProxy && len(out.RequestParameters) > 0 {
		l.fail(where, fmt.Errorf("%w: AWS_PROXY ignores requestParameters; read requestContext.authorizer in the backend", ErrInvalidDefinition))
	}
	rs, _ := in["responses"].(map[string]any)
	if out.Type.Proxy() && len(rs) > 0 {
		l.fail(where, fmt.Errorf("%w: a proxy integration has no integration responses", ErrInvalidDefinition))
	}
	for _, k := range sortedKeys(rs) {
		rw := where + ".responses." + k
		r, _ := rs[k].(map[string]any)
		ir := IntegrationResponse{SelectionPattern: k}
		if k == "default" {
			ir.SelectionPattern = ""
		} else if _, err := regexp.Compile(k); err != nil {
			l.fail(rw, fmt.Errorf("%w: selection pattern: %w", ErrInvalidDefinition, err))
			continue
		}
		ir.StatusCode, _ = r["statusCode"].(string)
		if n, err := strconv.Atoi(ir.StatusCode); err != nil || n < 100 || n > 599 {
			l.fail(rw, fmt.Errorf("%w: statusCode %q", ErrInvalidDefinition, ir.StatusCode))
		}
		ir.ResponseParameters = l.strMap(rw, r["responseParameters"], checkParam("method.response.header.", responseSources))
		ir.ResponseTemplates = l.strMap(rw, r["responseTemplates"], checkTemplate)
		out.Responses = append(out.Responses, ir)
	}
	// The default response is tried last.
	sort.SliceStable(out.Responses, func(i, j int) bool {
		return out.Responses[i].SelectionPattern != "" && out.Responses[j].SelectionPattern == ""
	})
	return out
}

// uriVar finds the {name} variables of an integration URI.
var uriVarRE = regexp.MustCompile(`\{([A-Za-z0-9._-]+)\+?\}`)

// pathMappings checks the path parameter mappings of an HTTP or
// HTTP_PROXY integration: integration.request.path.<var> from
// method.request.path.<param> where <param> is a variable of the route's
// path and {<var>} appears in the URI, and every {<var>} of the URI mapped
// (Route.BackendURI fills them in).
func (l *loader) pathMappings(where, path string, in Integration) {
	params := map[string]bool{}
	for _, seg := range strings.Split(path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			params[strings.TrimSuffix(strings.TrimSuffix(name, "}"), "+")] = true
		}
	}
	mapped := map[string]bool{}
	for _, k := range sortedKeys(in.RequestParameters) {
		name, ok := strings.CutPrefix(k, "integration.request.path.")
		if !ok {
			continue
		}
		mapped[name] = true
		from, ok := strings.CutPrefix(in.RequestParameters[k], "method.request.path.")
		switch {
		case in.Type != HTTP && in.Type != HTTPProxy:
			l.fail(where, fmt.Errorf("%w: path parameter mapping on a %s integration", ErrUnsupported, in.Type))
		case !ok || !params[from]:
			l.fail(where+"."+k, fmt.Errorf("%w: mapping source %q (want method.request.path.<a variable of %s>)", ErrUnsupported, in.RequestParameters[k], path))
		case !strings.Contains(in.URI, "{"+name+"}") && !strings.Contains(in.URI, "{"+name+"+}"):
			l.fail(where+"."+k, fmt.Errorf("%w: the uri has no {%s}", ErrInvalidDefinition, name))
		}
	}
	if in.Type == HTTP || in.Type == HTTPProxy {
		for _, m := range uriVarRE.FindAllStringSubmatch(in.URI, -1) {
			if !mapped[m[1]] {
				l.fail(where, fmt.Errorf("%w: uri variable {%s} has no integration.request.path.%s mapping", ErrInvalidDefinition, m[1], m[1]))
			}
		}
	}
}

// Sources each kind of mapping may read.
var (
	gatewaySources  = []string{"method.request.header.", "method.request.querystring.", "context.authorizer."}
	requestSources  = []string{"method.request.header.", "method.request.querystring.", "context.authorizer."}
	responseSources = []string{"integration.response.header.", "context.authorizer."}
)

var headerName = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_|~-]+$`)

func checkParam(keyPrefix string, sources []string) func(k, v string) error {
	return func(k, v string) error {
		name, ok := strings.CutPrefix(k, keyPrefix)
		if !ok || !headerName.MatchString(name) {
			return fmt.Errorf("%w: mapping key (want %s<header>)", ErrUnsupported, keyPrefix)
		}
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			if strings.ContainsAny(v[1:len(v)-1], "\r\n") {
				return fmt.Errorf("%w: line break in a literal", ErrInvalidDefinition)
			}
			return nil
		}
		for _, p := range sources {
			if rest, ok := strings.CutPrefix(v, p); ok && headerName.MatchString(rest) {
				return nil
			}
		}
		return fmt.Errorf("%w: mapping source %q", ErrUnsupported, v)
	}
}

// templateVar finds $context and $stageVariables references, and VTL.
var templateVar = regexp.MustCompile(`\$[A-Za-z{!][A-Za-z0-9_.]*`)

func checkTemplate(_, t string) error {
	if strings.Contains(t, "#") {
		return fmt.Errorf("%w: VTL directive in template", ErrUnsupported)
	}
	for _, m := range templateVar.FindAllString(t, -1) {
		m = strings.TrimSuffix(m, ".")
		if _, ok := strings.CutPrefix(m, "$context.authorizer."); ok {
			continue
		}
		switch m {
		case "$context.error.message", "$context.error.messageString", "$context.error.responseType":
			continue
		}
		return fmt.Errorf("%w: template variable %s", ErrUnsupported, m)
	}
	return nil
}

var mockStatusRE = regexp.MustCompile(`^\{\s*"statusCode"\s*:\s*([0-9]{3})\s*\}$`)

func mockStatus(tpl map[string]string) (int, error) {
	m := mockStatusRE.FindStringSubmatch(strings.TrimSpace(tpl["application/json"]))
	if m == nil {
		return 0, fmt.Errorf("%w: a MOCK integration needs the request template {\"statusCode\": NNN}", ErrUnsupported)
	}
	n, _ := strconv.Atoi(m[1])
	return n, nil
}
