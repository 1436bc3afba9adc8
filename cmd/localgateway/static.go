package main

import (
	"net/http"

	frontendexample "github.com/sessiongate/sessiongate/frontend-example"
)

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
