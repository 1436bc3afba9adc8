package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/gatewayresponses"
	"github.com/sessiongate/sessiongate/session"
)

// Payload 2.0 events as HTTP APIs send them. The field set is API
// Gateway's (compare authorizer/testdata/http-*.event.json and
// aws-lambda-go's events.APIGatewayV2CustomAuthorizerV2Request and
// events.APIGatewayV2HTTPRequest, which decode them): no field a real
// event lacks, none left out that a handler might read.

// httpAPIRequestContext is requestContext of a payload 2.0 event.
type httpAPIRequestContext struct {
	AccountID string `json:"accountId"`
	APIID     string `json:"apiId"`
	// Authorizer is set on integration events of authorized routes only.
	Authorizer   *httpAPIAuthorizerContext `json:"authorizer,omitempty"`
	DomainName   string                    `json:"domainName"`
	DomainPrefix string                    `json:"domainPrefix"`
	HTTP         httpAPIHTTPContext        `json:"http"`
	RequestID    string                    `json:"requestId"`
	RouteKey     string                    `json:"routeKey"`
	Stage        string                    `json:"stage"`
	Time         string                    `json:"time"`
	TimeEpoch    int64                     `json:"timeEpoch"`
}

// httpAPIAuthorizerContext is requestContext.authorizer: a Lambda
// authorizer's context under "lambda", its values as the authorizer
// returned them.
type httpAPIAuthorizerContext struct {
	Lambda map[string]any `json:"lambda"`
}

type httpAPIHTTPContext struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// httpAPIAuthorizerEvent is the payload 2.0 REQUEST authorizer event.
type httpAPIAuthorizerEvent struct {
	Version               string                `json:"version"`
	Type                  string                `json:"type"`
	RouteArn              string                `json:"routeArn"`
	IdentitySource        []string              `json:"identitySource"`
	RouteKey              string                `json:"routeKey"`
	RawPath               string                `json:"rawPath"`
	RawQueryString        string                `json:"rawQueryString"`
	Cookies               []string              `json:"cookies"`
	Headers               map[string]string     `json:"headers"`
	QueryStringParameters map[string]string     `json:"queryStringParameters"`
	RequestContext        httpAPIRequestContext `json:"requestContext"`
	PathParameters        map[string]string     `json:"pathParameters"`
	StageVariables        map[string]string     `json:"stageVariables"`
}

// httpAPIProxyEvent is the payload 2.0 Lambda proxy integration event.
type httpAPIProxyEvent struct {
	Version               string                `json:"version"`
	RouteKey              string                `json:"routeKey"`
	RawPath               string                `json:"rawPath"`
	RawQueryString        string                `json:"rawQueryString"`
	Cookies               []string              `json:"cookies,omitempty"`
	Headers               map[string]string     `json:"headers"`
	QueryStringParameters map[string]string     `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string     `json:"pathParameters,omitempty"`
	RequestContext        httpAPIRequestContext `json:"requestContext"`
	Body                  string                `json:"body,omitempty"`
	IsBase64Encoded       bool                  `json:"isBase64Encoded"`
}

// httpAPIRequest is what both events are built from: the client's request
// placed in the stage and matched to a route.
type httpAPIRequest struct {
	r         *http.Request
	stage     string // requestContext.stage: "$default" or the -stage name
	routePath string // the path within the stage
	match     *gatewayresponses.HTTPAPIMatch
	requestID string
	now       time.Time
}

// httpAPIDefaultStage is the stage name of an HTTP API served at the root.
const httpAPIDefaultStage = "$default"

// newHTTPAPIRequestID makes an id shaped like API Gateway's HTTP API
// request ids (16 characters, as in "JKJaXmPLvHcESHA=").
func newHTTPAPIRequestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// routeArn is arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path
// within the stage, without its leading slash>.
func (q *httpAPIRequest) routeArn() string {
	return fmt.Sprintf("arn:%s:execute-api:%s:%s:%s/%s/%s/%s", localPartition, localRegion, localAccount, localAPIID,
		q.stage, q.r.Method, strings.TrimPrefix(q.routePath, "/"))
}

// headersAndCookies gives the headers as a payload 2.0 event carries them:
// names in lower case, several values of one name joined with ",", the
// Host header included, and the X-Forwarded-* headers API Gateway adds.
// Cookie headers are not among them: each cookie is one element of
// cookies, in the order the client sent them.
func headersAndCookies(r *http.Request) (map[string]string, []string) {
	h := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		name := strings.ToLower(k)
		if name == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		if prev, ok := h[name]; ok {
			vs = append([]string{prev}, vs...)
		}
		h[name] = strings.Join(vs, ",")
	}
	if r.Host != "" {
		h["host"] = r.Host
	}
	ip := sourceIP(r)
	if prev := h["x-forwarded-for"]; prev != "" {
		h["x-forwarded-for"] = prev + ", " + ip
	} else {
		h["x-forwarded-for"] = ip
	}
	h["x-forwarded-proto"] = "http"
	if r.TLS != nil {
		h["x-forwarded-proto"] = "https"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(a.String()); err == nil {
			h["x-forwarded-port"] = port
		}
	}
	return h, cookies
}

// queryParameters joins several values of one name with ",", as payload
// 2.0 does; nil when there is no query.
func queryParameters(r *http.Request) map[string]string {
	q := r.URL.Query()
	if len(q) == 0 {
		return nil
	}
	out := make(map[string]string, len(q))
	for k, vs := range q {
		out[k] = strings.Join(vs, ",")
	}
	return out
}

func (q *httpAPIRequest) requestContext() httpAPIRequestContext {
	host := q.r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	return httpAPIRequestContext{
		AccountID:    localAccount,
		APIID:        localAPIID,
		DomainName:   q.r.Host,
		DomainPrefix: prefix,
		HTTP: httpAPIHTTPContext{Method: q.r.Method, Path: q.r.URL.Path, Protocol: q.r.Proto,
			SourceIP: sourceIP(q.r), UserAgent: q.r.UserAgent()},
		RequestID: q.requestID,
		RouteKey:  q.match.Route.Key,
		Stage:     q.stage,
		Time:      q.now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		TimeEpoch: q.now.UnixMilli(),
	}
}

// authorizerEvent builds the payload 2.0 REQUEST authorizer event:
// rawPath and requestContext.http.path as the client called them (with
// the stage), routeArn with the path within the stage, identitySource the
// values of the identity headers in order (empty without any), empty
// lists and maps rather than absent ones, as API Gateway sends them. ok
// is false when an identity header is missing or empty: API Gateway then
// answers 401 without invoking the authorizer.
func (q *httpAPIRequest) authorizerEvent(identityHeaders []string) (ev httpAPIAuthorizerEvent, ok bool) {
	h, cookies := headersAndCookies(q.r)
	identity := []string{}
	for _, name := range identityHeaders {
		v := h[strings.ToLower(name)]
		if v == "" {
			return httpAPIAuthorizerEvent{}, false
		}
		identity = append(identity, v)
	}
	if cookies == nil {
		cookies = []string{}
	}
	qs := queryParameters(q.r)
	if qs == nil {
		qs = map[string]string{}
	}
	pp := q.match.PathParameters
	if pp == nil {
		pp = map[string]string{}
	}
	return httpAPIAuthorizerEvent{
		Version: "2.0", Type: "REQUEST", RouteArn: q.routeArn(), IdentitySource: identity,
		RouteKey: q.match.Route.Key, RawPath: q.r.URL.Path, RawQueryString: q.r.URL.RawQuery,
		Cookies: cookies, Headers: h, QueryStringParameters: qs, RequestContext: q.requestContext(),
		PathParameters: pp, StageVariables: map[string]string{},
	}, true
}

// proxyEvent builds the payload 2.0 Lambda proxy integration event;
// authCtx (nil on a route without the authorizer) becomes
// requestContext.authorizer.lambda. A body that is not UTF-8 is sent
// base64-encoded.
func (q *httpAPIRequest) proxyEvent(body []byte, authCtx map[string]any) httpAPIProxyEvent {
	h, cookies := headersAndCookies(q.r)
	ev := httpAPIProxyEvent{
		Version: "2.0", RouteKey: q.match.Route.Key, RawPath: q.r.URL.Path, RawQueryString: q.r.URL.RawQuery,
		Cookies: cookies, Headers: h, QueryStringParameters: queryParameters(q.r),
		PathParameters: q.match.PathParameters, RequestContext: q.requestContext(),
	}
	if authCtx != nil {
		ev.RequestContext.Authorizer = &httpAPIAuthorizerContext{Lambda: authCtx}
	}
	ev.Body, ev.IsBase64Encoded = proxyBody(body)
	return ev
}

// errBadHTTPAPIResponse reports Lambda output an HTTP API answers with
// 500 Internal Server Error.
var errBadHTTPAPIResponse = errors.New("localgateway: malformed payload 2.0 Lambda response")

// httpAPILambdaResponse is a payload 2.0 Lambda proxy response.
type httpAPILambdaResponse struct {
	StatusCode      *int              `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	Cookies         []string          `json:"cookies"`
}

// decodeHTTPAPIResponse reads a payload 2.0 Lambda response as HTTP APIs
// do: an object with statusCode is the response (every element of cookies
// becomes its own Set-Cookie line, never joined); any other valid JSON is
// a 200 application/json response whose body is that JSON. A status
// outside 100-599, a header or cookie with a line break, or a body that
// is not the base64 it claims to be is errBadHTTPAPIResponse.
func decodeHTTPAPIResponse(out []byte) (int, http.Header, []byte, error) {
	trimmed := bytes.TrimSpace(out)
	if !json.Valid(trimmed) {
		return 0, nil, nil, fmt.Errorf("%w: not JSON", errBadHTTPAPIResponse)
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(trimmed, &fields) != nil || fields["statusCode"] == nil {
		// No statusCode: the whole output is the body.
		return http.StatusOK, http.Header{"Content-Type": {"application/json"}}, trimmed, nil
	}
	var resp httpAPILambdaResponse
	if err := json.Unmarshal(trimmed, &resp); err != nil {
		return 0, nil, nil, fmt.Errorf("%w: %w", errBadHTTPAPIResponse, err)
	}
	if resp.StatusCode == nil {
		return 0, nil, nil, fmt.Errorf("%w: statusCode is null", errBadHTTPAPIResponse)
	}
	status := *resp.StatusCode
	if status < 100 || status > 599 {
		return 0, nil, nil, fmt.Errorf("%w: statusCode %d", errBadHTTPAPIResponse, status)
	}
	h := http.Header{}
	for k, v := range resp.Headers {
		if !session.IsHTTPToken(k) || strings.ContainsAny(v, "\r\n") {
			return 0, nil, nil, fmt.Errorf("%w: header %q", errBadHTTPAPIResponse, k)
		}
		h.Add(k, v)
	}
	for i, c := range resp.Cookies {
		if c == "" || strings.ContainsAny(c, "\r\n") {
			return 0, nil, nil, fmt.Errorf("%w: cookie %d", errBadHTTPAPIResponse, i)
		}
		h.Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("%w: body: %w", errBadHTTPAPIResponse, err)
		}
		body = b
	}
	return status, h, body, nil
}
