package lambdaemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// MaxPayload is Lambda's limit on a synchronous invocation's request and
// response payload: 6 MB.
const MaxPayload = 6 << 20

// DefaultTimeout is the deadline of an invocation whose context has none,
// and a Function's timeout unless it sets one. Generous, because the
// machine running the tests may be busy.
const DefaultTimeout = 30 * time.Second

// Kind is what a function process posted for an invocation.
type Kind string

// The kinds of Result.
const (
	Response  Kind = "response"   // POST /runtime/invocation/{id}/response
	Error     Kind = "error"      // POST /runtime/invocation/{id}/error
	InitError Kind = "init-error" // POST /runtime/init/error
)

// Result is what a function process posted to the Runtime API.
type Result struct {
	Kind Kind
	Body []byte    // the response, or the {"errorMessage","errorType"} document
	At   time.Time // when it arrived
}

// Runtime is the Lambda Runtime API of one function, on a loopback port.
// Its methods are safe for concurrent use; invocations are served one at a
// time, in order.
type Runtime struct {
	name, arn string
	tb        testing.TB // nil for a Runtime of Listen
	ln        net.Listener
	srv       *http.Server

	next     chan *invocation // unbuffered: an event is handed to a waiting GET .../next
	initErrs chan []byte
	invoking sync.Mutex // one invocation at a time

	mu      sync.Mutex
	current *invocation // handed out and not answered yet
	seq     int
	procs   []*Process
	closed  bool

	closeOnce sync.Once
}

type invocation struct {
	id       string
	event    []byte
	deadline time.Time
	result   chan Result // buffered 1; one sender: whoever clears current
}

// NewRuntime serves the Runtime API of the function name on a free
// loopback port until the test ends (or Close).
func NewRuntime(tb testing.TB, name string) *Runtime {
	tb.Helper()
	rt, err := Listen(name)
	if err != nil {
		tb.Fatal(err)
	}
	rt.tb = tb
	tb.Cleanup(rt.Close)
	return rt
}

// Listen is NewRuntime for a program that is not a test (cmd/runtimebench):
// the Runtime serves until Close, which the caller must call, and logs
// nothing then (Process.Output has what each process wrote).
func Listen(name string) (*Runtime, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdaemu: runtime API for %s: %w", name, err)
	}
	rt := &Runtime{name: name, arn: "arn:aws:lambda:local:000000000000:function:" + name, ln: ln,
		next: make(chan *invocation), initErrs: make(chan []byte, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", rt.serveNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", rt.serveResult(Response))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", rt.serveResult(Error))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", rt.serveInitError)
	rt.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rt.srv.Serve(ln) }()
	return rt, nil
}

// Addr is the host:port for AWS_LAMBDA_RUNTIME_API.
func (rt *Runtime) Addr() string { return rt.ln.Addr().String() }

// Close kills every process started by Start and stops serving. When the
// test of a NewRuntime has failed, it logs each process's output first. It
// is called at the end of such a test and may be called earlier; later
// calls do nothing.
func (rt *Runtime) Close() {
	rt.closeOnce.Do(func() {
		rt.mu.Lock()
		rt.closed = true
		procs := rt.procs
		rt.mu.Unlock()
		for _, p := range procs {
			p.Kill()
			if out := p.Output(); rt.tb != nil && rt.tb.Failed() && out != "" {
				rt.tb.Logf("lambdaemu: output of the %s process (%s):\n%s", rt.name, p.state(), out)
			}
		}
		_ = rt.srv.Close()
	})
}

// Invoke hands event to the function process (which asks for it with GET
// .../invocation/next, whenever it is ready) and waits for what it posts.
// The deadline the process is given is ctx's, or DefaultTimeout from now.
// An error means nothing was posted before ctx ended: the error is
// context.Cause(ctx).
func (rt *Runtime) Invoke(ctx context.Context, event []byte) (Result, error) {
	rt.invoking.Lock()
	defer rt.invoking.Unlock()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultTimeout)
	}
	rt.mu.Lock()
	rt.seq++
	inv := &invocation{id: fmt.Sprintf("00000000-0000-4000-8000-%012d", rt.seq), event: event, deadline: deadline,
		result: make(chan Result, 1)}
	rt.mu.Unlock()
	defer func() {
		rt.mu.Lock()
		if rt.current == inv {
			rt.current = nil // abandoned: a late answer is refused
		}
		rt.mu.Unlock()
	}()

	select {
	case rt.next <- inv:
	case body := <-rt.initErrs:
		return Result{Kind: InitError, Body: body, At: time.Now()}, nil
	case <-ctx.Done():
		return Result{}, context.Cause(ctx)
	}
	select {
	case res := <-inv.result:
		return res, nil
	case body := <-rt.initErrs:
		return Result{Kind: InitError, Body: body, At: time.Now()}, nil
	case <-ctx.Done():
		select {
		case res := <-inv.result: // posted just before the process exited
			return res, nil
		default:
			return Result{}, context.Cause(ctx)
		}
	}
}

func (rt *Runtime) serveNext(w http.ResponseWriter, r *http.Request) {
	select {
	case inv := <-rt.next:
		rt.mu.Lock()
		rt.current = inv
		rt.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", rt.arn)
		_, _ = w.Write(inv.event)
	case <-r.Context().Done():
	}
}

// tooLarge is what Lambda answers for a response over MaxPayload.
var tooLarge = []byte(fmt.Sprintf(`{"errorMessage":"Response payload size exceeded maximum allowed payload size (%d bytes).","errorType":"Function.ResponseSizeTooLarge"}`, MaxPayload))

func (rt *Runtime) serveResult(kind Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
		if err != nil {
			http.Error(w, `{"errorMessage":"unreadable body","errorType":"InvalidRequest"}`, http.StatusBadRequest)
			return
		}
		if len(body) > MaxPayload {
			kind, body = Error, tooLarge
		}
		rt.mu.Lock()
		inv := rt.current
		if inv == nil || inv.id != r.PathValue("id") {
			rt.mu.Unlock()
			http.Error(w, `{"errorMessage":"no such invocation in progress","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
			return
		}
		rt.current = nil
		rt.mu.Unlock()
		inv.result <- Result{Kind: kind, Body: body, At: time.Now()}
		w.WriteHeader(http.StatusAccepted)
	}
}

func (rt *Runtime) serveInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	select {
	case rt.initErrs <- body:
	default: // one already waits; Lambda reports the first
	}
	w.WriteHeader(http.StatusAccepted)
}

// errClosed reports a Start after Close.
var errClosed = errors.New("lambdaemu: runtime closed")
