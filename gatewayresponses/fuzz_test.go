package gatewayresponses_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/authorizer"
	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

// FuzzLoad: Load never panics, and whatever it accepts evaluates without
// panicking.
func FuzzLoad(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("..", "deploy", "openapi.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	src, err := gr.ParseSource([]byte(integrationExamples))
	if err != nil {
		f.Fatal(err)
	}
	r, err := src.Render(gr.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(r.Files[gr.FileOpenAPI])
	f.Add([]byte(`{"x-amazon-apigateway-gateway-responses":{"UNAUTHORIZED":{"statusCode":401}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		api, err := gr.Load(data, gr.LocalVars("https://a.example", "http://127.0.0.1:1"))
		if err != nil {
			return
		}
		for _, typ := range gr.KnownResponseTypes() {
			if _, err := api.EvaluateGatewayResponse(typ, map[string]string{"body": "{}"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range api.Routes {
			if r.Type == gr.Mock {
				_, _ = r.EvaluateMock(nil)
				continue
			}
			req, _ := http.NewRequest("GET", "http://x/", nil)
			if _, err := r.BackendRequestHeader(req, nil); err != nil {
				t.Fatal(err)
			}
			_, _ = r.ClientResponse(200, http.Header{}, nil, nil)
			_, _ = r.BackendURI("/a/b/c")
			_, _ = api.Match("GET", r.Path)
		}
	})
}

// FuzzContextValues: whatever the authorizer's context holds, no header
// line carries a line break, and a non-empty JSON body is passed as is.
func FuzzContextValues(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("..", "deploy", "openapi.json"))
	if err != nil {
		f.Fatal(err)
	}
	api, err := gr.Load(data, gr.LocalVars("https://a.example", "http://127.0.0.1:1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("a=b; Path=/", "tok", `{"message":"x"}`, "u1")
	f.Add("a=b\r\nX-Evil: 1", "t\n", "", "")
	f.Fuzz(func(t *testing.T, cookie, front, body, user string) {
		ctx := map[string]string{authorizer.CtxSetCookie: cookie, authorizer.CtxFrontToken: front,
			authorizer.CtxBody: body, gr.PrincipalIDKey: user}
		r, err := api.EvaluateGatewayResponse(gr.AccessDenied, ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkNoBreaks(t, r.Header)
		if strings.TrimSpace(body) != "" && string(r.Body) != body {
			t.Fatalf("body %q, want %q", r.Body, body)
		}
		route, err := api.Match("GET", "/api/me")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", "http://x/api/me", nil)
		h, err := route.BackendRequestHeader(req, ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkNoBreaks(t, h)
	})
}

func checkNoBreaks(t *testing.T, h http.Header) {
	t.Helper()
	for k, vs := range h {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") || v == "" {
				t.Fatalf("header %s: %q", k, v)
			}
		}
	}
}
