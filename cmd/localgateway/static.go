package main

import (
	"encoding/json"
	"net/http"

	frontendexample "github.com/sessiongate/sessiongate/frontend-example"
)

// exampleConfigPath is where the browser example reads where the API is:
// outside the stage, like the example itself.
const exampleConfigPath = "/example-config.json"

// staticHandler serves the browser example (frontend-example, embedded in
// the binary) for what the API does not match, so `go run
// ./cmd/localgateway` needs no other files and no build step.
func staticHandler() (http.Handler, error) {
	fs := http.FileServerFS(frontendexample.Files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The page must never be served stale across SDK updates.
		w.Header().Set("Cache-Control", "no-cache")
		fs.ServeHTTP(w, r)
	}), nil
}

// exampleSettings is the body of GET /example-config.json.
type exampleSettings struct {
	// APIPrefix is what the browser example puts before every API path:
	// "/prod" under -stage prod, "" at the root. The example then calls
	// <apiPrefix>/api/me, <apiPrefix>/auth/session/refresh, ...
	APIPrefix string `json:"apiPrefix"`
	// AccessCookieName and RefreshCookieName are the session cookies'
	// names in the session API's configuration as the gateway derives it
	// (__Host-sAccessToken and __Secure-sRefreshToken with the template's
	// COOKIE_SECURE=true). The example does not read them (its cookies
	// are HttpOnly, the SDK never sees them); the browser tests do, to
	// assert the exact names. Left out when the API has no session API.
	AccessCookieName  string `json:"accessCookieName,omitempty"`
	RefreshCookieName string `json:"refreshCookieName,omitempty"`
}

// exampleConfig answers GET /example-config.json with settings, e.g.
// {"apiPrefix":"/prod","accessCookieName":"__Host-sAccessToken",
// "refreshCookieName":"__Secure-sRefreshToken"}.
func exampleConfig(settings exampleSettings) http.Handler {
	body, _ := json.Marshal(settings) // a struct of strings always encodes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}
