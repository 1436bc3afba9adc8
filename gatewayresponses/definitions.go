package gatewayresponses

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session"
)

// Errors returned by this package. Match them with errors.Is.
var (
	// ErrInvalidOptions reports an Options value that cannot be rendered.
	ErrInvalidOptions = errors.New("gatewayresponses: invalid options")
	// ErrInvalidDefinition reports an OpenAPI document that Load cannot use.
	ErrInvalidDefinition = errors.New("gatewayresponses: invalid definition")
	// ErrUnsupported reports a mapping expression or template variable the
	// evaluator does not implement. Load refuses such documents instead of
	// evaluating them differently from API Gateway.
	ErrUnsupported = errors.New("gatewayresponses: unsupported expression")
	// ErrUnknownResponseType reports a gateway response type API Gateway
	// does not define.
	ErrUnknownResponseType = errors.New("gatewayresponses: unknown gateway response type")
	// ErrNoRoute reports a request that matches no route of the API.
	ErrNoRoute = errors.New("gatewayresponses: no route")
)

// ResponseType is an API Gateway (REST) gateway response type.
type ResponseType string

// The gateway response types sessiongate customizes.
const (
	Unauthorized                 ResponseType = "UNAUTHORIZED"
	AccessDenied                 ResponseType = "ACCESS_DENIED"
	AuthorizerFailure            ResponseType = "AUTHORIZER_FAILURE"
	AuthorizerConfigurationError ResponseType = "AUTHORIZER_CONFIGURATION_ERROR"
	Default4XX                   ResponseType = "DEFAULT_4XX"
	Default5XX                   ResponseType = "DEFAULT_5XX"
)

// typeInfo is what API Gateway does for a response type nobody customized:
// its default status code and the message behind $context.error.message.
// Status 0 means "no status of its own" (DEFAULT_4XX, DEFAULT_5XX).
//
// The messages of UNAUTHORIZED and ACCESS_DENIED are the ones AWS documents;
// the others are the local gateway's wording and may differ from AWS's text.
type typeInfo struct {
	status  int
	message string
}

var knownTypes = map[ResponseType]typeInfo{
	AccessDenied:                   {403, "User is not authorized to access this resource with an explicit deny"},
	"API_CONFIGURATION_ERROR":      {500, "Internal server error"},
	AuthorizerConfigurationError:   {500, "Internal server error"},
	AuthorizerFailure:              {500, "Internal server error"},
	"BAD_REQUEST_PARAMETERS":       {400, "Missing required request parameters"},
	"BAD_REQUEST_BODY":             {400, "Invalid request body"},
	Default4XX:                     {0, "Client error"},
	Default5XX:                     {0, "Internal server error"},
	"EXPIRED_TOKEN":                {403, "Token expired"},
	"INTEGRATION_FAILURE":          {504, "Internal server error"},
	"INTEGRATION_TIMEOUT":          {504, "Endpoint request timed out"},
	"INVALID_API_KEY":              {403, "Forbidden"},
	"INVALID_SIGNATURE":            {403, "Invalid signature"},
	"MISSING_AUTHENTICATION_TOKEN": {403, "Missing Authentication Token"},
	"QUOTA_EXCEEDED":               {429, "Limit Exceeded"},
	"REQUEST_TOO_LARGE":            {413, "Request Too Long"},
	"RESOURCE_NOT_FOUND":           {404, "Not Found"},
	"THROTTLED":                    {429, "Too Many Requests"},
	Unauthorized:                   {401, "Unauthorized"},
	"UNSUPPORTED_MEDIA_TYPE":       {415, "Unsupported Media Type"},
	"WAF_FILTERED":                 {403, "Forbidden"},
}

// KnownResponseTypes lists every gateway response type API Gateway defines
// for REST APIs, sorted.
func KnownResponseTypes() []ResponseType {
	out := make([]ResponseType, 0, len(knownTypes))
	for t := range knownTypes {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Valid reports whether t is a response type API Gateway defines.
func (t ResponseType) Valid() bool { _, ok := knownTypes[t]; return ok }

// DefaultStatus is the status API Gateway uses for t when the gateway
// response sets none; 0 for DEFAULT_4XX and DEFAULT_5XX and unknown types.
func (t ResponseType) DefaultStatus() int { return knownTypes[t].status }

// PrincipalIDKey is the key under which an authCtx map given to the
// evaluator carries the authorizer's principalId (API Gateway keeps it
// beside the context, as $context.authorizer.principalId).
const PrincipalIDKey = "principalId"

// ExposedHeaders is the Access-Control-Expose-Headers value on every
// response: the response headers the frontend SDK reads.
const ExposedHeaders = session.CORSExposeHeaders

// AllowedRequestHeaders is the Access-Control-Allow-Headers value of the
// preflights: what the frontend SDK and a JSON client send.
const AllowedRequestHeaders = session.CORSAllowHeaders

// Names the rendered definitions refer to with Fn::Sub. Render writes
// VarAllowedOrigin (the default Options.AllowedOrigin), FunctionAuthorizer
// and FunctionSessionAPI into every API; deploy/template.yaml declares them.
// VarEchoBackendURL and FunctionBackend are what the example API
// (deploy/api.yaml) refers to. Load needs a value for each name a document
// uses (LocalVars).
const (
	VarRegion          = "AWS::Region"
	VarAllowedOrigin   = "AllowedOrigin"
	VarEchoBackendURL  = "EchoBackendUrl"
	FunctionAuthorizer = "AuthorizerFunction"
	FunctionSessionAPI = "SessionApiFunction"
	FunctionBackend    = "ExampleBackendFunction"
)

// Options are the inputs of Render. The zero value renders the deployable
// definitions: every deployment-specific value is a ${...} reference
// resolved by CloudFormation through Fn::Sub.
type Options struct {
	// AllowedOrigin is the one browser origin that gateway responses,
	// preflights and non-proxy method responses allow, with credentials.
	// API Gateway can only put a static literal (or the request's own
	// Origin, which would allow every origin) into a gateway response
	// header, so exactly one origin is supported; see the package
	// documentation. Default: "${AllowedOrigin}" (a template parameter).
	AllowedOrigin string
	// APIBasePath is the session API's base path (the API_BASE_PATH of the
	// functions). Default "/auth".
	APIBasePath string
	// RestAPI is the logical id of the AWS::ApiGateway::RestApi that
	// gateway-responses.cfn.json refers to. Default "ExampleApi".
	RestAPI string
}

func (o Options) withDefaults() Options {
	if o.AllowedOrigin == "" {
		o.AllowedOrigin = "${" + VarAllowedOrigin + "}"
	}
	if o.APIBasePath == "" {
		o.APIBasePath = "/auth"
	}
	if o.RestAPI == "" {
		o.RestAPI = "ExampleApi"
	}
	return o
}

// Validate reports every problem of o at once.
func (o Options) Validate() error {
	o = o.withDefaults()
	var probs []string
	if !isRef(o.AllowedOrigin) {
		if err := checkOrigin(o.AllowedOrigin); err != nil {
			probs = append(probs, "AllowedOrigin: "+err.Error())
		}
	}
	if !strings.HasPrefix(o.APIBasePath, "/") || strings.HasSuffix(o.APIBasePath, "/") ||
		strings.ContainsAny(o.APIBasePath, "{}?#' ") {
		probs = append(probs, "APIBasePath: want /segment[/segment...] with no trailing slash")
	}
	if !logicalID.MatchString(o.RestAPI) {
		probs = append(probs, "RestAPI: want a CloudFormation logical id (letters and digits)")
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidOptions, strings.Join(probs, "; "))
	}
	return nil
}

var logicalID = regexp.MustCompile(`^[A-Za-z0-9]{1,255}$`)

func isRef(s string) bool {
	return strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") && strings.Count(s, "${") == 1
}

// checkOrigin accepts a serialized origin: scheme://host[:port], nothing else.
func checkOrigin(s string) error {
	if s == "*" || s == "null" {
		return errors.New("a wildcard or null origin cannot be used with credentials")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New("want scheme://host[:port] with no path")
	}
	if strings.ContainsAny(s, "'\\") {
		return errors.New("quote or backslash in origin")
	}
	return nil
}

// GatewayResponse is one customized gateway response, in API Gateway's own
// terms: StatusCode "" keeps the type's default status; parameter values
// are mapping expressions ('literal', method.request.header.X,
// context.authorizer.X); templates use $context variables.
type GatewayResponse struct {
	Type               ResponseType
	StatusCode         string
	ResponseParameters map[string]string
	ResponseTemplates  map[string]string
}

// DefaultBodyTemplate is the JSON body of every gateway response except
// ACCESS_DENIED, and what the evaluator renders for ACCESS_DENIED when the
// authorizer gave no body (see EvaluateGatewayResponse).
const DefaultBodyTemplate = `{"message":$context.error.messageString}`

// DenyBodyTemplate is the ACCESS_DENIED body: the authorizer's JSON text.
const DenyBodyTemplate = "$context.authorizer." + authorizer.CtxBody

func ctxRef(key string) string { return "context.authorizer." + key }

func quote(s string) string { return "'" + s + "'" }

// corsHeaders are the CORS headers of every browser-facing response, as a
// map from header name to mapping expression.
func corsHeaders(origin string) map[string]string {
	return map[string]string{
		"Access-Control-Allow-Origin":      quote(origin),
		"Access-Control-Allow-Credentials": quote("true"),
		"Access-Control-Expose-Headers":    quote(ExposedHeaders),
	}
}

// HeaderAccessToken is the response header that carries a rotated access
// token to a client in header mode (the SDK's tokenTransferMethod
// "header"; docs/protocol.md, "Header mode through API Gateway"). The
// definitions map it from the authorizer's accessToken wherever they map
// Set-Cookie from setCookie.
const HeaderAccessToken = authorizer.HeaderAccessToken

// RotationHeaders maps response headers to the authorizer's context: the
// rotated access token as a cookie (Set-Cookie ← setCookie) or, for a
// client in header mode, as a header (st-access-token ← accessToken), and
// its front-token. The authorizer fills one of setCookie and accessToken,
// never both; a mapping whose source is empty sends no header. One value
// per mapped header: API Gateway has no multi-value form for these
// sources.
func RotationHeaders() map[string]string {
	return map[string]string{
		"Set-Cookie":                ctxRef(authorizer.CtxSetCookie),
		authorizer.HeaderFrontToken: ctxRef(authorizer.CtxFrontToken),
		HeaderAccessToken:           ctxRef(authorizer.CtxAccessToken),
	}
}

// rotationHeaderNames are the response headers RotationHeaders maps.
func rotationHeaderNames() []string {
	return sortedKeys(RotationHeaders())
}

// IdentityHeaders maps backend request headers to the authorizer's result.
// Every integration that can carry them maps them, which also replaces any
// copy the client sent.
func IdentityHeaders() map[string]string {
	return map[string]string{
		authorizer.HeaderUserID:    ctxRef(PrincipalIDKey),
		authorizer.HeaderUserRoles: ctxRef(authorizer.CtxRoles),
		authorizer.HeaderSessionID: ctxRef(authorizer.CtxSessionID),
	}
}

// GatewayResponses returns the customized gateway responses, sorted by type.
//
// ACCESS_DENIED and UNAUTHORIZED carry the rotation mappings
// (RotationHeaders); after the authorizer throws "Unauthorized" API Gateway
// has no authorizer context and the headers come out absent: clearing
// cookies is the refresh route's job. The 5xx responses never touch cookies
// or tokens, so a store outage logs nobody out.
func GatewayResponses(opts Options) ([]GatewayResponse, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	mk := func(t ResponseType, status string, cookies bool, body string) GatewayResponse {
		params := map[string]string{}
		for h, v := range corsHeaders(opts.AllowedOrigin) {
			params["gatewayresponse.header."+h] = v
		}
		if cookies {
			for h, v := range RotationHeaders() {
				params["gatewayresponse.header."+h] = v
			}
		}
		return GatewayResponse{Type: t, StatusCode: status, ResponseParameters: params,
			ResponseTemplates: map[string]string{"application/json": body}}
	}
	return []GatewayResponse{
		mk(AccessDenied, "403", true, DenyBodyTemplate),
		mk(AuthorizerConfigurationError, "500", false, DefaultBodyTemplate),
		mk(AuthorizerFailure, "500", false, DefaultBodyTemplate),
		mk(Default4XX, "", false, DefaultBodyTemplate),
		mk(Default5XX, "", false, DefaultBodyTemplate),
		mk(Unauthorized, "401", true, DefaultBodyTemplate),
	}, nil
}
