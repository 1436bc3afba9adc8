package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/gatewayresponses"
)

// stagePath is a request's path as API Gateway sees it on an execute-api
// URL: the browser calls /prod/api/me; the stage is prod; the path within
// the stage, which route matching, the event's path and the methodArn
// use, is /api/me. Served at the root, full and route are the same and
// the events carry the stage rootStage.
type stagePath struct {
	stage string // the stage name in the events
	full  string // what the browser called: requestContext.path
	route string // within the stage: the event's path
}

// methodARN is the methodArn API Gateway gives a REQUEST or TOKEN authorizer:
// arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path
// within the stage, without its leading slash>.
func methodARN(stage, method, routePath string) string {
	return fmt.Sprintf("arn:%s:execute-api:%s:%s:%s/%s/%s/%s", localPartition, localRegion, localAccount, localAPIID, stage,
		method, strings.TrimPrefix(routePath, "/"))
}

// requestHeaders splits the client's headers the way a REST API event
// carries them: headers keeps the last value of each name, multiValueHeaders
// every value (several Cookie header lines stay several entries). Go's
// server moves Host out of the header map; API Gateway keeps it.
func requestHeaders(r *http.Request) (map[string]string, map[string][]string) {
	single, multi := splitValues(r.Header)
	if r.Host != "" {
		single["Host"] = r.Host
		multi["Host"] = []string{r.Host}
	}
	return single, multi
}

// queryParams is requestHeaders for the query string; both maps are nil
// when there is no query (API Gateway sends null then).
func queryParams(r *http.Request) (map[string]string, map[string][]string) {
	q := r.URL.Query()
	if len(q) == 0 {
		return nil, nil
	}
	return splitValues(q)
}

// splitValues gives the single-value form (the last value of each name)
// and the multi-value form (every value) of a header or query map.
func splitValues(in map[string][]string) (map[string]string, map[string][]string) {
	single, multi := map[string]string{}, map[string][]string{}
	for k, vs := range in {
		if len(vs) == 0 {
			continue
		}
		single[k] = vs[len(vs)-1]
		multi[k] = append([]string(nil), vs...)
	}
	return single, multi
}

// pathParams extracts the {name} segments of a route template, and a
// trailing greedy {name+} (the rest of the path, joined with '/'); nil
// when there are none or the path does not fit the template.
func pathParams(tpl, urlPath string) map[string]string {
	ts, ps := strings.Split(tpl, "/"), strings.Split(urlPath, "/")
	var out map[string]string
	for i, t := range ts {
		if !strings.HasPrefix(t, "{") || !strings.HasSuffix(t, "}") {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		if strings.HasSuffix(t, "+}") && i == len(ts)-1 && i < len(ps) {
			out[strings.Trim(t, "{}+")] = strings.Join(ps[i:], "/")
			return out
		}
		if len(ts) != len(ps) {
			return nil
		}
		out[strings.Trim(t, "{}")] = ps[i]
	}
	if len(ts) != len(ps) {
		return nil
	}
	return out
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// authorizerEvent builds the REST (payload v1) REQUEST authorizer event for
// a request to route tpl: path and methodArn within the stage,
// requestContext.path as the browser called it, every header — Cookie and
// Authorization alike — as the client sent it.
func authorizerEvent(r *http.Request, sp stagePath, tpl, requestID string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	h, mh := requestHeaders(r)
	q, mq := queryParams(r)
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:                            "REQUEST",
		MethodArn:                       methodARN(sp.stage, r.Method, sp.route),
		Resource:                        tpl,
		Path:                            sp.route,
		HTTPMethod:                      r.Method,
		Headers:                         h,
		MultiValueHeaders:               mh,
		QueryStringParameters:           q,
		MultiValueQueryStringParameters: mq,
		PathParameters:                  pathParams(tpl, sp.route),
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path:         sp.full,
			AccountID:    localAccount,
			ResourceID:   resourceID(tpl),
			Stage:        sp.stage,
			RequestID:    requestID,
			Identity:     events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: sourceIP(r)},
			ResourcePath: tpl,
			HTTPMethod:   r.Method,
			APIID:        localAPIID,
		},
	}
}

// tokenAuthorizerEvent builds the event a REST TOKEN authorizer gets:
// {"type":"TOKEN","authorizationToken":<the token header's value>,
// "methodArn":...} and nothing else of the request (docs/apigateway.md,
// "REST authorizer payload"). The token is the header's last value, as the
// headers of a REQUEST event keep it. ok is false when the header is
// missing or empty: API Gateway then answers 401 without invoking the
// authorizer.
func tokenAuthorizerEvent(r *http.Request, sp stagePath, header string) (events.APIGatewayCustomAuthorizerRequest, bool) {
	vs := r.Header.Values(header)
	if len(vs) == 0 || vs[len(vs)-1] == "" {
		return events.APIGatewayCustomAuthorizerRequest{}, false
	}
	return events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: vs[len(vs)-1],
		MethodArn: methodARN(sp.stage, r.Method, sp.route)}, true
}

// resourceID is a stable short id for a route template.
func resourceID(tpl string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(tpl); i++ {
		h = (h ^ uint32(tpl[i])) * 16777619
	}
	return strconv.FormatUint(uint64(h), 36)
}

// proxyEvent builds the REST (payload v1) Lambda proxy integration event:
// resource is the route template tpl, path the path within the stage,
// requestContext.path the path the browser called (the session API
// derives the refresh cookie's Path from the difference). authCtx is the
// authorizer's stringified context with principalId, or nil on a route
// without the authorizer; it becomes requestContext.authorizer, as in API
// Gateway.
func proxyEvent(r *http.Request, body []byte, sp stagePath, tpl, requestID string, authCtx map[string]string, now time.Time) events.APIGatewayProxyRequest {
	h, mh := requestHeaders(r)
	q, mq := queryParams(r)
	ev := events.APIGatewayProxyRequest{
		Resource:                        tpl,
		Path:                            sp.route,
		HTTPMethod:                      r.Method,
		Headers:                         h,
		MultiValueHeaders:               mh,
		QueryStringParameters:           q,
		MultiValueQueryStringParameters: mq,
		PathParameters:                  pathParams(tpl, sp.route),
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:        localAccount,
			ResourceID:       resourceID(tpl),
			Stage:            sp.stage,
			DomainName:       r.Host,
			RequestID:        requestID,
			Protocol:         r.Proto,
			Identity:         events.APIGatewayRequestIdentity{SourceIP: sourceIP(r), UserAgent: r.UserAgent()},
			ResourcePath:     tpl,
			Path:             sp.full,
			HTTPMethod:       r.Method,
			RequestTime:      now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(),
			APIID:            localAPIID,
		},
	}
	if authCtx != nil {
		ev.RequestContext.Authorizer = map[string]any{}
		for k, v := range authCtx {
			ev.RequestContext.Authorizer[k] = v
		}
	}
	ev.Body, ev.IsBase64Encoded = proxyBody(body)
	return ev
}

// errBadLambdaResponse reports a Lambda proxy response API Gateway would
// answer with 502 "Internal server error".
var errBadLambdaResponse = errors.New("localgateway: malformed Lambda proxy response")

// proxyResponse decodes a Lambda proxy integration response. A name in
// multiValueHeaders replaces the same name in headers, as in API Gateway.
func proxyResponse(out []byte) (int, http.Header, []byte, error) {
	var resp events.APIGatewayProxyResponse
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&resp); err != nil {
		return 0, nil, nil, fmt.Errorf("%w: %w", errBadLambdaResponse, err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return 0, nil, nil, fmt.Errorf("%w: statusCode %d", errBadLambdaResponse, resp.StatusCode)
	}
	h := http.Header{}
	for k, v := range resp.Headers {
		h[http.CanonicalHeaderKey(k)] = []string{v}
	}
	for k, vs := range resp.MultiValueHeaders {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	for k, vs := range h {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				return 0, nil, nil, fmt.Errorf("%w: line break in header %s", errBadLambdaResponse, k)
			}
		}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("%w: body: %w", errBadLambdaResponse, err)
		}
		body = b
	}
	return resp.StatusCode, h, body, nil
}

// errBadAuthorizerResponse reports authorizer output API Gateway rejects
// with a 500 (AuthorizerConfigurationException): no principalId, no
// policy, or a context value that is not a string, number or boolean.
var errBadAuthorizerResponse = errors.New("localgateway: malformed authorizer response")

// decision is the authorizer's result as API Gateway applies it.
type decision struct {
	allow   bool
	authCtx map[string]string // context, stringified, with principalId
}

type statement struct {
	Action   stringList `json:"Action"`
	Effect   string     `json:"Effect"`
	Resource stringList `json:"Resource"`
}

// stringList is an IAM field that may be one string or a list of them.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// decide applies an authorizer response to the request's methodArn: an
// explicit Deny wins; otherwise an Allow that covers the ARN allows;
// otherwise the request is denied (implicit deny). Context values come out
// as strings, as $context.authorizer.<key> does in API Gateway.
func decide(out []byte, arn string) (decision, error) {
	var resp struct {
		PrincipalID    string `json:"principalId"`
		PolicyDocument *struct {
			Version   string      `json:"Version"`
			Statement []statement `json:"Statement"`
		} `json:"policyDocument"`
		Context map[string]json.RawMessage `json:"context"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return decision{}, fmt.Errorf("%w: %w", errBadAuthorizerResponse, err)
	}
	if resp.PrincipalID == "" || resp.PolicyDocument == nil || len(resp.PolicyDocument.Statement) == 0 {
		return decision{}, fmt.Errorf("%w: principalId and policyDocument.Statement are required", errBadAuthorizerResponse)
	}
	ctx := map[string]string{gatewayresponses.PrincipalIDKey: resp.PrincipalID}
	for k, raw := range resp.Context {
		v, err := contextValue(raw)
		if err != nil {
			return decision{}, fmt.Errorf("%w: context key %q: %w", errBadAuthorizerResponse, k, err)
		}
		if k != gatewayresponses.PrincipalIDKey {
			ctx[k] = v
		}
	}
	allow, deny := false, false
	for _, st := range resp.PolicyDocument.Statement {
		if !matchesAny(st.Action, "execute-api:Invoke") || !matchesAny(st.Resource, arn) {
			continue
		}
		switch st.Effect {
		case "Allow":
			allow = true
		case "Deny":
			deny = true
		default:
			return decision{}, fmt.Errorf("%w: Effect %q", errBadAuthorizerResponse, st.Effect)
		}
	}
	return decision{allow: allow && !deny, authCtx: ctx}, nil
}

// contextValue stringifies a context value: strings as they are, numbers
// as written, booleans as true/false, null as "". Objects and arrays are
// rejected, as API Gateway does.
func contextValue(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", errors.New("empty value")
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '{', '[':
		return "", errors.New("objects and arrays are not allowed")
	case 'n':
		return "", nil
	case 't', 'f':
		var b bool
		err := json.Unmarshal(raw, &b)
		return strconv.FormatBool(b), err
	default:
		var n json.Number
		err := json.Unmarshal(raw, &n)
		return n.String(), err
	}
}

// matchesAny reports whether one IAM pattern (with * and ? wildcards)
// matches s.
func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if p == "*" || globMatch(p, s) {
			return true
		}
	}
	return false
}

// globMatch matches IAM wildcards: * any run of characters (including
// /), ? exactly one character; everything else literally.
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// proxyBody is a request body as a Lambda proxy event carries it: the
// text when it is valid UTF-8, else base64 with isBase64Encoded set.
func proxyBody(body []byte) (string, bool) {
	if utf8.Valid(body) {
		return string(body), false
	}
	return base64.StdEncoding.EncodeToString(body), true
}
