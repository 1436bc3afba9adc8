package lambdaproxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessionhttp/lambdaproxy"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// TestGolden feeds real-shaped API Gateway events (testdata/*.json) through
// the session API and pins the exact proxy response JSON
// (testdata/golden/*.json). Only deterministic answers are pinned: the ones
// that set no new token.
func TestGolden(t *testing.T) {
	e := newEnv(t, nil)
	h := lambda.NewHandler(lambdaproxy.Handler(e.h))
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no events: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := h.Invoke(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, out, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Fatalf("response differs from %s:\n got: %s\nwant: %s", golden, pretty.Bytes(), want)
			}
		})
	}
}

// echo reports what the converted request looked like.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	w.Header().Add("Set-Cookie", "a=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
	w.Header().Add("Set-Cookie", "b=2; Path=/")
	w.Header().Add("X-Multi", "1")
	w.Header().Add("X-Multi", "2")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "host": r.Host,
		"cookies": cookies, "body": string(b), "requestId": sessionhttp.RequestID(r.Context()),
	})
})

type echoed struct {
	Method, Path, Query, Host, Body, RequestID string
	Cookies                                    []string
}

func TestRequestV1(t *testing.T) {
	ev := events.APIGatewayProxyRequest{
		HTTPMethod: "POST", Path: "/auth/signout",
		Headers:                         map[string]string{"cookie": "c=3", "Host": "api.example.com"},
		MultiValueHeaders:               map[string][]string{"Cookie": {"a=1; b=2"}, "cookie": {"c=3"}, "Host": {"api.example.com"}},
		MultiValueQueryStringParameters: map[string][]string{"x": {"1", "2"}},
		QueryStringParameters:           map[string]string{"x": "2"},
		Body:                            "aGVsbG8=", IsBase64Encoded: true,
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "rid-1", Stage: "prod", Path: "/prod/auth/signout"},
	}
	resp, err := lambdaproxy.ServeV1(context.Background(), echo, ev)
	if err != nil {
		t.Fatal(err)
	}
	var got echoed
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	want := echoed{Method: "POST", Path: "/auth/signout", Query: "x=1&x=2", Host: "api.example.com", Body: "hello", RequestID: "rid-1",
		Cookies: []string{"a=1", "b=2", "c=3"}}
	if !equalEcho(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if sc := resp.MultiValueHeaders["Set-Cookie"]; len(sc) != 2 || resp.Headers != nil {
		t.Fatalf("Set-Cookie must be two multiValueHeaders entries: %v / %v", resp.MultiValueHeaders, resp.Headers)
	}
	if _, ok := resp.MultiValueHeaders["Content-Length"]; ok {
		t.Fatal("Content-Length must be left to API Gateway")
	}
	// Without multiValueHeaders, headers are used.
	ev.MultiValueHeaders, ev.MultiValueQueryStringParameters = nil, nil
	resp, _ = lambdaproxy.ServeV1(context.Background(), echo, ev)
	_ = json.Unmarshal([]byte(resp.Body), &got)
	if strings.Join(got.Cookies, ";") != "c=3" || got.Query != "x=2" {
		t.Fatalf("fallback to headers: %+v", got)
	}
}

func TestRequestV2(t *testing.T) {
	for _, tc := range []struct {
		name, stage, rawPath, wantPath string
		cookies                        []string
		cookieHeader                   string
		wantCookies                    string
	}{
		{"stage stripped", "prod", "/prod/auth/session/refresh", "/auth/session/refresh", []string{"a=1", "b=2"}, "", "a=1;b=2"},
		{"default stage kept", "$default", "/prod/auth/x", "/prod/auth/x", []string{"a=1"}, "", "a=1"},
		{"stage only", "prod", "/prod", "/", nil, "", ""},
		{"stage-like prefix kept", "prod", "/production/x", "/production/x", nil, "", ""},
		{"cookies array wins over header", "prod", "/prod/x", "/x", []string{"a=1"}, "z=9", "a=1"},
		{"header used without array", "prod", "/prod/x", "/x", nil, "z=9; y=8", "z=9;y=8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: tc.rawPath, RawQueryString: "q=1", Cookies: tc.cookies,
				Headers: map[string]string{"host": "h.example"},
				RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: tc.stage, RequestID: "r2",
					HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}}}
			if tc.cookieHeader != "" {
				ev.Headers["cookie"] = tc.cookieHeader
			}
			resp, err := lambdaproxy.ServeV2(context.Background(), echo, ev)
			if err != nil {
				t.Fatal(err)
			}
			var got echoed
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatal(err)
			}
			if got.Path != tc.wantPath || strings.Join(got.Cookies, ";") != tc.wantCookies || got.Query != "q=1" || got.RequestID != "r2" || got.Host != "h.example" {
				t.Fatalf("got %+v", got)
			}
			if len(resp.Cookies) != 2 || resp.Headers["X-Multi"] != "1, 2" || resp.Headers["Set-Cookie"] != "" {
				t.Fatalf("response: cookies %q headers %v", resp.Cookies, resp.Headers)
			}
		})
	}
}

func TestBadEvents(t *testing.T) {
	h := lambdaproxy.Handler(echo)
	for name, ev := range map[string]string{
		"not json":       `[1,2]`,
		"no method v1":   `{"path":"/x"}`,
		"relative path":  `{"httpMethod":"GET","path":"x"}`,
		"bad base64":     `{"httpMethod":"POST","path":"/x","body":"!!","isBase64Encoded":true}`,
		"bad method v2":  `{"version":"2.0","rawPath":"/x","requestContext":{"http":{"method":"G T"}}}`,
		"wrong types v2": `{"version":"2.0","rawPath":5}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := h(context.Background(), json.RawMessage(ev)); !errors.Is(err, lambdaproxy.ErrBadEvent) {
				t.Fatalf("err = %v, want ErrBadEvent", err)
			}
		})
	}
}

func TestBinaryBodyIsBase64(t *testing.T) {
	bin := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte{0xff, 0xfe, 0}) })
	resp, err := lambdaproxy.ServeV1(context.Background(), bin, events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/"})
	if err != nil || !resp.IsBase64Encoded || resp.Body != "//4A" || resp.StatusCode != 200 {
		t.Fatalf("%+v %v", resp, err)
	}
}

func equalEcho(a, b echoed) bool {
	return a.Method == b.Method && a.Path == b.Path && a.Query == b.Query && a.Host == b.Host && a.Body == b.Body &&
		a.RequestID == b.RequestID && strings.Join(a.Cookies, ";") == strings.Join(b.Cookies, ";")
}

// FuzzHandler: any event either converts and gets an answer with a real
// status, or is rejected with ErrBadEvent; nothing panics.
func FuzzHandler(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"version":"2.0","rawPath":"/a%2Fb","cookies":["a=b"],"requestContext":{"stage":"s","http":{"method":"GET"}}}`))
	h := lambdaproxy.Handler(echo)
	f.Fuzz(func(t *testing.T, ev []byte) {
		out, err := h(context.Background(), json.RawMessage(ev))
		if err != nil {
			if !errors.Is(err, lambdaproxy.ErrBadEvent) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		switch r := out.(type) {
		case events.APIGatewayProxyResponse:
			if r.StatusCode != 200 {
				t.Fatalf("status %d", r.StatusCode)
			}
		case events.APIGatewayV2HTTPResponse:
			if r.StatusCode != 200 || len(r.Cookies) != 2 {
				t.Fatalf("status %d cookies %q", r.StatusCode, r.Cookies)
			}
		default:
			t.Fatalf("answer of type %T", out)
		}
	})
}
