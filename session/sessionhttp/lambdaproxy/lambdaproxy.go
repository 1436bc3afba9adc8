package lambdaproxy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/session/sessionhttp"
)

// ErrBadEvent wraps every rejection of an event that cannot be turned into
// an HTTP request. The Lambda invocation then fails and API Gateway answers
// 502; such events do not come from API Gateway.
var ErrBadEvent = errors.New("lambdaproxy: bad event")

// maxBody bounds a request body (API Gateway's own limit is 10 MB; the
// session API takes no body).
const maxBody = 1 << 20

// Handler adapts h to a Lambda handler for API Gateway proxy events. The
// payload version is chosen from the event: "version":"2.0" is an HTTP API
// payload 2.0 event (events.APIGatewayV2HTTPRequest), anything else a REST
// API or payload 1.0 event (events.APIGatewayProxyRequest). The answer has
// the matching shape. Pass it to lambda.Start.
func Handler(h http.Handler) func(ctx context.Context, event json.RawMessage) (any, error) {
	return func(ctx context.Context, event json.RawMessage) (any, error) {
		var probe struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(event, &probe); err != nil {
			return nil, fmt.Errorf("%w: not a JSON object", ErrBadEvent)
		}
		if probe.Version == "2.0" {
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(event, &ev); err != nil {
				return nil, fmt.Errorf("%w: payload 2.0 event does not decode", ErrBadEvent)
			}
			return ServeV2(ctx, h, ev)
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(event, &ev); err != nil {
			return nil, fmt.Errorf("%w: payload 1.0 event does not decode", ErrBadEvent)
		}
		return ServeV1(ctx, h, ev)
	}
}

// ServeV1 serves one REST API (payload 1.0) event through h.
func ServeV1(ctx context.Context, h http.Handler, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	r, err := RequestV1(ctx, ev)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	rec := newRecorder()
	h.ServeHTTP(rec, r)
	return rec.v1(), nil
}

// ServeV2 serves one HTTP API (payload 2.0) event through h.
func ServeV2(ctx context.Context, h http.Handler, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	r, err := RequestV2(ctx, ev)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	rec := newRecorder()
	h.ServeHTTP(rec, r)
	return rec.v2(), nil
}

// RequestV1 converts a payload 1.0 event to an *http.Request. The URL path
// is the route's own path and the context carries the prefix in front of it
// (sessionhttp.WithPathPrefix), both from SplitPathV1. Headers come from
// multiValueHeaders when present (every entry: HTTP/2 clients send one
// Cookie entry per cookie), else from headers. The request id is put in the
// context for sessionhttp's logs.
func RequestV1(ctx context.Context, ev events.APIGatewayProxyRequest) (*http.Request, error) {
	h := http.Header{}
	if len(ev.MultiValueHeaders) > 0 {
		// Keys in sorted order: two keys that differ only in case ("Cookie",
		// "cookie") merge into one header in the same order every time.
		for _, k := range slices.Sorted(maps.Keys(ev.MultiValueHeaders)) {
			for _, v := range ev.MultiValueHeaders[k] {
				h.Add(k, v)
			}
		}
	} else {
		for k, v := range ev.Headers {
			h.Add(k, v)
		}
	}
	q := url.Values{}
	if len(ev.MultiValueQueryStringParameters) > 0 {
		for _, k := range slices.Sorted(maps.Keys(ev.MultiValueQueryStringParameters)) {
			for _, v := range ev.MultiValueQueryStringParameters[k] {
				q.Add(k, v)
			}
		}
	} else {
		for k, v := range ev.QueryStringParameters {
			q.Add(k, v)
		}
	}
	prefix, path, _ := SplitPathV1(ev)
	return build(ctx, ev.HTTPMethod, path, prefix, q.Encode(), h, ev.Body, ev.IsBase64Encoded, ev.RequestContext.DomainName, ev.RequestContext.RequestID)
}

// RequestV2 converts a payload 2.0 event to an *http.Request. The URL path
// is the route's own path and the context carries the prefix in front of it
// (sessionhttp.WithPathPrefix), both from SplitPathV2. Cookies come from
// the "cookies" array as one Cookie header; when the array is empty, a
// cookie header in "headers" is used instead.
func RequestV2(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	h := http.Header{}
	for k, v := range ev.Headers {
		if len(ev.Cookies) > 0 && strings.EqualFold(k, "cookie") {
			continue
		}
		h.Add(k, v)
	}
	if len(ev.Cookies) > 0 {
		h.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	prefix, path, _ := SplitPathV2(ev)
	return build(ctx, ev.RequestContext.HTTP.Method, path, prefix, ev.RawQueryString, h, ev.Body, ev.IsBase64Encoded, ev.RequestContext.DomainName, ev.RequestContext.RequestID)
}

func build(ctx context.Context, method, path, prefix, rawQuery string, h http.Header, body string, b64 bool, domain, requestID string) (*http.Request, error) {
	if method == "" || !validMethod(method) {
		return nil, fmt.Errorf("%w: missing or malformed HTTP method", ErrBadEvent)
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("%w: path must start with /", ErrBadEvent)
	}
	// The event's path becomes the request's URL.Path as it is, never
	// decoded: HTTP APIs deliver it decoded already (rawPath), REST APIs
	// as the client encoded it, and decoding a decoded path again turns
	// "%39…" into "9…" — a session id out of a string that was not one.
	// The session API's own paths are plain ASCII (its ids are hex), so an
	// encoded byte can only make a path no route matches or an id no
	// session has (404), and any byte in the path is the handler's to
	// refuse, never a malformed event (5xx).
	u := &url.URL{Path: path, RawQuery: rawQuery}
	var (
		b   []byte
		err error
	)
	if b64 {
		if b, err = base64.StdEncoding.DecodeString(body); err != nil {
			return nil, fmt.Errorf("%w: body is not base64", ErrBadEvent)
		}
	} else {
		b = []byte(body)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrBadEvent, maxBody)
	}
	if requestID != "" {
		ctx = sessionhttp.ContextWithRequestID(ctx, requestID)
	}
	ctx = sessionhttp.WithPathPrefix(ctx, prefix)
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadEvent, err)
	}
	r.Header = h
	r.Host = h.Get("Host")
	if r.Host == "" {
		r.Host = domain
	}
	r.RequestURI = u.RequestURI()
	return r, nil
}

func validMethod(m string) bool {
	for _, c := range []byte(m) {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return len(m) <= 16
}

// recorder is the http.ResponseWriter a handler writes into; its contents
// become the proxy response.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{h: http.Header{}} }

func (r *recorder) Header() http.Header { return r.h }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

var _ io.Writer = (*recorder)(nil)

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func (r *recorder) bodyString() (string, bool) {
	b := r.body.Bytes()
	if utf8.Valid(b) {
		return string(b), false
	}
	return base64.StdEncoding.EncodeToString(b), true
}

// v1 renders a payload 1.0 response: every header in multiValueHeaders, so
// Set-Cookie has one entry per cookie. Content-Length is dropped (API
// Gateway computes it).
func (r *recorder) v1() events.APIGatewayProxyResponse {
	mv := map[string][]string{}
	for k, vs := range r.h {
		if k == "Content-Length" {
			continue
		}
		mv[k] = append([]string(nil), vs...)
	}
	body, b64 := r.bodyString()
	return events.APIGatewayProxyResponse{StatusCode: r.code(), MultiValueHeaders: mv, Body: body, IsBase64Encoded: b64}
}

// v2 renders a payload 2.0 response: Set-Cookie values in the cookies
// array, one per cookie; other headers single-valued (repeated values
// comma-joined, which HTTP allows for every header but Set-Cookie).
func (r *recorder) v2() events.APIGatewayV2HTTPResponse {
	hs := map[string]string{}
	var cookies []string
	keys := make([]string, 0, len(r.h))
	for k := range r.h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch k {
		case "Set-Cookie":
			cookies = append(cookies, r.h[k]...)
		case "Content-Length":
		default:
			hs[k] = strings.Join(r.h[k], ", ")
		}
	}
	body, b64 := r.bodyString()
	return events.APIGatewayV2HTTPResponse{StatusCode: r.code(), Headers: hs, Body: body, IsBase64Encoded: b64, Cookies: cookies}
}
