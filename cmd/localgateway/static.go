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

// exampleConfig answers GET /example-config.json with the prefix the
// browser example puts before every API path: {"apiPrefix":"/prod"} under
// -stage prod, {"apiPrefix":""} at the root. The example then calls
// <apiPrefix>/api/me, <apiPrefix>/auth/session/refresh, ...
func exampleConfig(apiPrefix string) http.Handler {
	body, _ := json.Marshal(struct {
		APIPrefix string `json:"apiPrefix"`
	}{apiPrefix}) // a struct of one string always encodes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}
