package lambdaemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Function is one Lambda function of a Server.
type Function struct {
	Name    string        // the name it is invoked by: a SAM logical id, for instance
	Path    string        // the binary (see Build)
	Env     []string      // its whole environment, KEY=VALUE
	Timeout time.Duration // per invocation; DefaultTimeout when zero
}

// Server is the Lambda Invoke API in front of the processes of its
// functions, on a loopback port.
type Server struct {
	url string
	fns map[string]*function
}

type function struct {
	Function
	rt *Runtime

	invocations atomic.Int64
	mu          sync.Mutex // one invocation at a time
	proc        *Process
}

// Errors an invocation can end with besides the function's own.
var (
	errTimedOut = errors.New("lambdaemu: task timed out")
	errExited   = errors.New("lambdaemu: runtime exited without answering")
)

// StartServer serves the Invoke API for fns on a free loopback port until
// the test ends. Each function gets its own Runtime; its process starts on
// its first invocation.
func StartServer(tb testing.TB, fns ...Function) *Server {
	tb.Helper()
	s := &Server{fns: map[string]*function{}}
	for _, f := range fns {
		if f.Timeout <= 0 {
			f.Timeout = DefaultTimeout
		}
		if _, dup := s.fns[f.Name]; dup || f.Name == "" {
			tb.Fatalf("lambdaemu: function name %q is empty or given twice", f.Name)
		}
		s.fns[f.Name] = &function{Function: f, rt: NewRuntime(tb, f.Name)}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("lambdaemu: invoke API: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", s.serveInvoke)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() { _ = srv.Close() })
	s.url = "http://" + ln.Addr().String()
	return s
}

// URL is the endpoint, as `sam local start-lambda` prints it:
// http://127.0.0.1:<port>.
func (s *Server) URL() string { return s.url }

// Invocations is how many invocations of the function name the Server has
// handed to its runtime (whatever their outcome).
func (s *Server) Invocations(name string) int {
	f, ok := s.fns[name]
	if !ok {
		return 0
	}
	return int(f.invocations.Load())
}

func (s *Server) serveInvoke(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	f, ok := s.fns[name]
	if !ok {
		writeAPIError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	event, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestContentException", "unreadable request body")
		return
	}
	if len(event) > MaxPayload {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", MaxPayload))
		return
	}
	res, err := f.invoke(r.Context(), event)
	switch {
	case err != nil:
		typ := "Runtime.ExitError"
		if errors.Is(err, errTimedOut) {
			typ = "Sandbox.Timedout"
		}
		body, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": typ})
		writeFunctionError(w, body)
	case res.Kind == Response:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(res.Body)
	default:
		writeFunctionError(w, res.Body)
	}
}

// invoke runs one invocation, starting the function's process first when
// none runs. A process that does not answer (it timed out, exited, or the
// caller went away) is killed, as Lambda discards the sandbox; the next
// invocation starts a new one.
func (f *function) invoke(ctx context.Context, event []byte) (Result, error) {
	f.invocations.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.proc != nil {
		select {
		case <-f.proc.Exited():
			f.proc = nil
		default:
		}
	}
	if f.proc == nil {
		p, err := f.rt.Start(f.Path, f.Env...)
		if err != nil {
			return Result{}, err
		}
		f.proc = p
	}
	ctx, cancel := context.WithTimeoutCause(ctx, f.Timeout, fmt.Errorf("%w after %s", errTimedOut, f.Timeout))
	defer cancel()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	proc := f.proc
	go func() {
		select {
		case <-proc.Exited():
			stop(fmt.Errorf("%w (%s)", errExited, proc.state()))
		case <-ctx.Done():
		}
	}()
	res, err := f.rt.Invoke(ctx, event)
	if err != nil {
		f.proc.Kill()
		f.proc = nil
	}
	return res, err
}

// writeFunctionError answers a function error as the Invoke API does: 200,
// X-Amz-Function-Error: Unhandled, the error document as the body.
func writeFunctionError(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Function-Error", "Unhandled")
	_, _ = w.Write(body)
}

// writeAPIError answers an error of the Invoke API itself.
func writeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	body, _ := json.Marshal(map[string]string{"Type": "User", "Message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
