package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

const appOrigin = "https://app.example.com"

// authorizerContext is requestContext.authorizer as API Gateway passes it
// to a REST proxy integration after the authorizer rotated the access
// token: principalId plus the context values, stringified.
func authorizerContext() map[string]any {
	return map[string]any{"principalId": "ed", "userId": "ed", "sessionId": "s-1", "roles": "editor",
		"claims": "{}", "setCookie": "__Host-sAccessToken=rotated; Path=/; HttpOnly; Secure; SameSite=Lax",
		"frontToken": "eyJ1aWQiOiJlZCJ9"}
}

func TestCreateNote(t *testing.T) {
	h, err := newHandler(func(k string) (string, bool) {
		if k == "ALLOWED_ORIGINS" {
			return appOrigin, true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	call := func(t *testing.T, body string, b64 bool, auth map[string]any, origin ...string) events.APIGatewayProxyResponse {
		t.Helper()
		o := appOrigin
		if len(origin) > 0 {
			o = origin[0]
		}
		resp, err := h(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/notes",
			Body: body, IsBase64Encoded: b64, Headers: map[string]string{"x-user-id": "mallory", "Origin": o},
			RequestContext: events.APIGatewayProxyRequestContext{Authorizer: auth}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	t.Run("created by the signed-in user, rotated cookie passed on", func(t *testing.T) {
		resp := call(t, `{"text":"buy milk"}`, false, authorizerContext())
		var n note
		if err := json.Unmarshal([]byte(resp.Body), &n); err != nil || resp.StatusCode != 201 {
			t.Fatalf("got %d %s (%v)", resp.StatusCode, resp.Body, err)
		}
		if n.Author != "ed" || n.Text != "buy milk" || n.ID == "" {
			t.Errorf("note %+v: want author ed (not the client's x-user-id), the text and an id", n)
		}
		if got := resp.MultiValueHeaders["Set-Cookie"]; !slices.Equal(got, []string{"__Host-sAccessToken=rotated; Path=/; HttpOnly; Secure; SameSite=Lax"}) {
			t.Errorf("Set-Cookie %q: the rotated cookie must reach the browser", got)
		}
		if got := resp.MultiValueHeaders["front-token"]; !slices.Equal(got, []string{"eyJ1aWQiOiJlZCJ9"}) {
			t.Errorf("front-token %q", got)
		}
		if resp.Headers["Access-Control-Allow-Origin"] != appOrigin || resp.Headers["Access-Control-Allow-Credentials"] != "true" {
			t.Errorf("CORS headers %v: the app's origin must be allowed with credentials", resp.Headers)
		}
	})
	t.Run("another origin gets no CORS", func(t *testing.T) {
		resp := call(t, `{"text":"x"}`, false, authorizerContext(), "https://evil.example")
		if resp.StatusCode != 201 || resp.Headers["Access-Control-Allow-Origin"] != "" {
			t.Fatalf("got %d, headers %v", resp.StatusCode, resp.Headers)
		}
	})
	t.Run("base64 body", func(t *testing.T) {
		resp := call(t, base64.StdEncoding.EncodeToString([]byte(`{"text":"b"}`)), true, authorizerContext())
		if resp.StatusCode != 201 {
			t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
		}
	})
	for name, body := range map[string]string{
		"not JSON":   `text=x`,
		"no text":    `{}`,
		"blank text": `{"text":"  "}`,
		"too long":   `{"text":"` + strings.Repeat("a", maxText+1) + `"}`,
	} {
		t.Run("400 "+name, func(t *testing.T) {
			if resp := call(t, body, false, authorizerContext()); resp.StatusCode != 400 {
				t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
			}
		})
	}
	t.Run("no identity: 401 with CORS, handler not called", func(t *testing.T) {
		resp := call(t, `{"text":"x"}`, false, nil)
		if resp.StatusCode != 401 || resp.Headers["Access-Control-Allow-Origin"] != appOrigin {
			t.Fatalf("got %d %s, headers %v: the SDK must be able to read the 401", resp.StatusCode, resp.Body, resp.Headers)
		}
	})
}

func TestNewHandlerRefusesBadOrigins(t *testing.T) {
	_, err := newHandler(func(k string) (string, bool) { return "*", k == "ALLOWED_ORIGINS" })
	if err == nil {
		t.Fatal(`ALLOWED_ORIGINS "*" was accepted`)
	}
}
