package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"
)

// echoResponse is what the built-in HTTP backend answers: the request as
// it arrived, every header with its name in lower case (several values of
// one name joined with ", ").
type echoResponse struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
}

// echoHandler is the HTTP backend of /api/me and /api/admin: it shows
// which headers API Gateway's integration request mapping delivered, so
// headers["x-user-id"] is the mapped principalId.
func echoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := echoResponse{Method: r.Method, Path: r.URL.Path, Headers: map[string]string{}}
		for k, vs := range r.Header {
			out.Headers[strings.ToLower(k)] = strings.Join(vs, ", ")
		}
		if r.Host != "" {
			out.Headers["host"] = r.Host
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
}

// startEcho serves echoHandler on its own loopback listener and returns
// its base URL and the server (to shut down).
func startEcho() (string, *http.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: echoHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), srv, nil
}
