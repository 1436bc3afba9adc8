package gatewayresponses

import "strings"

// IntegrationType is an API Gateway REST integration type.
type IntegrationType string

// Integration types. Request parameter mapping applies to HTTP, HTTP_PROXY
// and AWS; response mapping only to the non-proxy types MOCK, HTTP and AWS.
// AWS_PROXY ignores both: a Lambda proxy backend reads the authorizer's
// result from requestContext.authorizer and sets Set-Cookie itself
// (package authorizer/backend).
const (
	Mock      IntegrationType = "MOCK"
	HTTP      IntegrationType = "HTTP"
	HTTPProxy IntegrationType = "HTTP_PROXY"
	AWS       IntegrationType = "AWS"
	AWSProxy  IntegrationType = "AWS_PROXY"
)

// Proxy reports whether t passes the request and response through
// unmapped (HTTP_PROXY, AWS_PROXY).
func (t IntegrationType) Proxy() bool { return t == HTTPProxy || t == AWSProxy }

// Valid reports whether t is one of the integration types above.
func (t IntegrationType) Valid() bool {
	switch t {
	case Mock, HTTP, HTTPProxy, AWS, AWSProxy:
		return true
	}
	return false
}

// Integration is an x-amazon-apigateway-integration, in API Gateway's terms.
// Strings may hold ${Name} references; the renderers emit those as Fn::Sub
// and Load resolves them from its vars.
type Integration struct {
	Type       IntegrationType
	HTTPMethod string // method toward the backend; POST for Lambda
	URI        string // resolved after Load; may hold ${...} before rendering
	// URITemplate is the URI as written in the document, ${...} unresolved.
	// Set by Load.
	URITemplate string
	// Credentials is the IAM role API Gateway assumes (AWS integrations).
	Credentials string
	// RequestParameters maps integration.request.header.<name> to a source.
	RequestParameters map[string]string
	// RequestTemplates maps a content type to a template (MOCK: the status).
	RequestTemplates    map[string]string
	PassthroughBehavior string
	// Responses are the integration responses of a non-proxy integration.
	Responses []IntegrationResponse
}

// IntegrationResponse maps a backend status (matched by SelectionPattern,
// "" for the default response) to the client's status and headers.
type IntegrationResponse struct {
	SelectionPattern   string
	StatusCode         string
	ResponseParameters map[string]string // method.response.header.<name> -> source
	ResponseTemplates  map[string]string
	// ContentHandling is the response's contentHandling (CONVERT_TO_TEXT,
	// CONVERT_TO_BINARY), "" when unset.
	ContentHandling string
}

// Route is one method of one path.
type Route struct {
	Method     string // upper case; "ANY" for x-amazon-apigateway-any-method
	Path       string
	Summary    string
	Authorized bool // the sessiongate authorizer (REQUEST or TOKEN) runs first
	Integration
}

// LambdaFunction returns the logical id of the Lambda function an AWS_PROXY
// or AWS Lambda integration invokes, taken from the ${Name.Arn} reference
// in its URI template; ok is false for any other integration.
func (in Integration) LambdaFunction() (name string, ok bool) {
	uri := in.URITemplate
	if uri == "" {
		uri = in.URI
	}
	return lambdaFunctionName(uri)
}

func lambdaFunctionName(uri string) (string, bool) {
	i := strings.Index(uri, ":lambda:path/2015-03-31/functions/${")
	if i < 0 {
		return "", false
	}
	rest := uri[i+len(":lambda:path/2015-03-31/functions/${"):]
	name, tail, ok := strings.Cut(rest, ".Arn}/invocations")
	if !ok || tail != "" || name == "" || strings.ContainsAny(name, "${}") {
		return "", false
	}
	return name, true
}

// LambdaURI is the integration URI that invokes the function with the
// given logical id, as a Fn::Sub string.
func LambdaURI(function string) string {
	return "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" +
		function + ".Arn}/invocations"
}

func identityParams() map[string]string {
	p := map[string]string{}
	for h, v := range IdentityHeaders() {
		p["integration.request.header."+h] = v
	}
	return p
}

func lambdaProxy(function string) Integration {
	return Integration{Type: AWSProxy, HTTPMethod: "POST", URI: LambdaURI(function),
		PassthroughBehavior: "when_no_match"}
}

func mockJSON(origin, body string) Integration {
	p := map[string]string{}
	for h, v := range corsHeaders(origin) {
		p["method.response.header."+h] = v
	}
	return Integration{Type: Mock, RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
		PassthroughBehavior: "when_no_match",
		Responses: []IntegrationResponse{{StatusCode: "200", ResponseParameters: p,
			ResponseTemplates: map[string]string{"application/json": body}}}}
}

// preflight answers an OPTIONS request with the CORS headers, from API
// Gateway itself (MOCK): the authorizer does not run on preflights.
func preflight(origin, methods string) Integration {
	in := mockJSON(origin, "")
	p := in.Responses[0].ResponseParameters
	p["method.response.header.Access-Control-Allow-Methods"] = quote(methods)
	p["method.response.header.Access-Control-Allow-Headers"] = quote(AllowedRequestHeaders)
	p["method.response.header.Access-Control-Max-Age"] = quote("600")
	in.Responses[0].StatusCode = "204"
	in.Responses[0].ResponseTemplates = nil
	in.RequestTemplates = map[string]string{"application/json": `{"statusCode": 204}`}
	return in
}
