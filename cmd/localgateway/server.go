package main

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// The HTTP server's bounds (see "Timeouts" in the package documentation).
const (
	// defaultReadHeaderTimeout bounds reading a request's headers
	// (-read-header-timeout).
	defaultReadHeaderTimeout = 10 * time.Second
	// defaultReadTimeout bounds reading a whole request, headers and body
	// (-read-timeout): a client that announces a body and does not send it
	// is answered 408 and disconnected when it ends.
	defaultReadTimeout = 30 * time.Second
	// idleTimeout closes a keep-alive connection left unused this long.
	idleTimeout = 120 * time.Second
	// maxHeaderBytes bounds a request's headers.
	maxHeaderBytes = 64 << 10
)

// newServer is the gateway's HTTP server: h behind the read, header and
// idle timeouts, and server errors logged at warn level. There is no
// write timeout: every integration is bounded by its own (29 s, API
// Gateway's), and a client that stops reading its answer holds only its
// own connection.
func newServer(h http.Handler, s settings, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.readHeaderTimeout,
		ReadTimeout:       s.readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// bodyProblem is why a request body could not be read.
type bodyProblem int

const (
	bodyOK       bodyProblem = iota
	bodyTooLarge             // more than the limit
	bodyTimeout              // not received within -read-timeout
	bodyBroken               // cut short, or any other read error
)

// readBody reads r's body, at most limit bytes. Past the limit, or when
// the body does not arrive in time (the server's ReadTimeout ends the
// read), or when the client cuts it short, it returns the problem; the
// caller answers it (writeBodyProblem for the timeout and the cut).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bodyProblem) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	var ne net.Error
	switch {
	case err == nil:
		return body, bodyOK
	case errors.As(err, &tooLarge):
		return nil, bodyTooLarge
	case errors.As(err, &ne) && ne.Timeout():
		return nil, bodyTimeout
	default:
		return nil, bodyBroken
	}
}

// writeBodyProblem answers a body that did not arrive: 408 when it was
// not received in time, 400 when it was cut short; the connection is
// closed after the answer, as nothing more can be read from it in order.
func writeBodyProblem(w http.ResponseWriter, p bodyProblem) {
	status, msg := http.StatusBadRequest, `{"message":"Bad Request"}`
	if p == bodyTimeout {
		status, msg = http.StatusRequestTimeout, `{"message":"Request Timeout"}`
	}
	w.Header().Set("Connection", "close")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}
