package lambdaemu

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary a function process (see TestMain).
const helperEnv = "LAMBDAEMU_TEST_FUNCTION=1"

// TestMain lets the test binary serve as a Lambda function: a minimal
// Runtime API client whose event {"do": ...} says what to do.
func TestMain(m *testing.M) {
	if os.Getenv("LAMBDAEMU_TEST_FUNCTION") == "1" {
		helperFunction()
		return
	}
	os.Exit(m.Run())
}

// helperFunction answers {"do":"echo"} with {"pid":..,"event":..},
// {"do":"fail"} with the error "boom", exits on {"do":"exit"} and never
// answers {"do":"hang"}.
func helperFunction() {
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	for {
		res, err := http.Get(base + "next")
		if err != nil {
			os.Exit(2)
		}
		event, _ := io.ReadAll(res.Body)
		res.Body.Close()
		id := res.Header.Get("Lambda-Runtime-Aws-Request-Id")
		var ev struct{ Do string }
		_ = json.Unmarshal(event, &ev)
		switch ev.Do {
		case "echo":
			out, _ := json.Marshal(map[string]any{"pid": os.Getpid(), "event": json.RawMessage(event)})
			_, _ = http.Post(base+id+"/response", "application/json", bytes.NewReader(out))
		case "fail":
			_, _ = http.Post(base+id+"/error", "application/json", strings.NewReader(`{"errorMessage":"boom","errorType":"errorString"}`))
		case "exit":
			os.Exit(3)
		case "hang":
			select {}
		}
	}
}

// TestRuntimeProtocol drives a Runtime as a function process would, over
// HTTP: the headers of .../next, a response, and a refused unknown id.
func TestRuntimeProtocol(t *testing.T) {
	rt := NewRuntime(t, "Fn")
	base := "http://" + rt.Addr() + "/2018-06-01/runtime/"
	deadline := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := rt.Invoke(ctx, []byte(`{"n":1}`))
		done <- out{res, err}
	}()

	res, err := http.Get(base + "invocation/next")
	if err != nil {
		t.Fatal(err)
	}
	event, _ := io.ReadAll(res.Body)
	res.Body.Close()
	id := res.Header.Get("Lambda-Runtime-Aws-Request-Id")
	if string(event) != `{"n":1}` || id == "" {
		t.Fatalf("next: event %s, request id %q", event, id)
	}
	if got := res.Header.Get("Lambda-Runtime-Deadline-Ms"); got != strconv.FormatInt(deadline.UnixMilli(), 10) {
		t.Errorf("deadline header %q, want the invocation context's %d", got, deadline.UnixMilli())
	}
	if got := res.Header.Get("Lambda-Runtime-Invoked-Function-Arn"); got != "arn:aws:lambda:local:000000000000:function:Fn" {
		t.Errorf("function ARN %q", got)
	}

	post := func(path, body string) int {
		t.Helper()
		res, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post("invocation/not-"+id+"/response", `{}`); code != http.StatusBadRequest {
		t.Errorf("response for an unknown request id: %d, want 400", code)
	}
	if code := post("invocation/"+id+"/response", `{"ok":true}`); code != http.StatusAccepted {
		t.Errorf("response: %d, want 202", code)
	}
	got := <-done
	if got.err != nil || got.res.Kind != Response || string(got.res.Body) != `{"ok":true}` || got.res.At.IsZero() {
		t.Fatalf("Invoke returned %+v, %v", got.res, got.err)
	}
	if code := post("invocation/"+id+"/response", `{}`); code != http.StatusBadRequest {
		t.Errorf("a second response for one invocation: %d, want 400", code)
	}

	go func() {
		res, err := rt.Invoke(ctx, []byte(`{}`))
		done <- out{res, err}
	}()
	if code := post("init/error", `{"errorMessage":"bad config","errorType":"Runtime.ExitError"}`); code != http.StatusAccepted {
		t.Errorf("init error: %d, want 202", code)
	}
	if got := <-done; got.err != nil || got.res.Kind != InitError || !strings.Contains(string(got.res.Body), "bad config") {
		t.Fatalf("Invoke after an init error returned %+v, %v", got.res, got.err)
	}
}

type invokeAnswer struct {
	status        int
	functionError string
	errorType     string
	body          map[string]any
}

func invoke(t *testing.T, s *Server, name, event string) invokeAnswer {
	t.Helper()
	res, err := http.Post(s.URL()+"/2015-03-31/functions/"+name+"/invocations", "application/json", strings.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := invokeAnswer{status: res.StatusCode, functionError: res.Header.Get("X-Amz-Function-Error"),
		errorType: res.Header.Get("X-Amzn-ErrorType")}
	if err := json.Unmarshal(b, &a.body); err != nil {
		t.Fatalf("%s: body is not a JSON object: %s", name, b)
	}
	return a
}

// TestServer runs the test binary as two functions through the Invoke
// API: responses, function errors, a process that exits (and is replaced),
// a timeout, an unknown function, an oversized event.
func TestServer(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := StartServer(t,
		Function{Name: "Echo", Path: self, Env: []string{helperEnv}},
		Function{Name: "Slow", Path: self, Env: []string{helperEnv}, Timeout: 200 * time.Millisecond},
	)

	first := invoke(t, s, "Echo", `{"do":"echo"}`)
	if first.status != 200 || first.functionError != "" || first.body["pid"] == nil {
		t.Fatalf("echo: %+v", first)
	}
	if ev, _ := first.body["event"].(map[string]any); ev["do"] != "echo" {
		t.Errorf("the event did not arrive unchanged: %+v", first.body)
	}
	if a := invoke(t, s, "Echo", `{"do":"fail"}`); a.status != 200 || a.functionError != "Unhandled" || a.body["errorMessage"] != "boom" {
		t.Errorf("fail: %+v", a)
	}
	if a := invoke(t, s, "Echo", `{"do":"echo"}`); a.body["pid"] != first.body["pid"] {
		t.Errorf("after a function error the process was replaced: %+v, then %+v", first.body, a.body)
	}
	if a := invoke(t, s, "Echo", `{"do":"exit"}`); a.status != 200 || a.functionError != "Unhandled" || a.body["errorType"] != "Runtime.ExitError" {
		t.Errorf("exit: %+v", a)
	}
	if a := invoke(t, s, "Echo", `{"do":"echo"}`); a.status != 200 || a.body["pid"] == nil || a.body["pid"] == first.body["pid"] {
		t.Errorf("after an exit: %+v (first process %v)", a, first.body["pid"])
	}
	if n := s.Invocations("Echo"); n != 5 {
		t.Errorf("Invocations(Echo) = %d, want 5", n)
	}

	if a := invoke(t, s, "Slow", `{"do":"hang"}`); a.status != 200 || a.functionError != "Unhandled" || a.body["errorType"] != "Sandbox.Timedout" {
		t.Errorf("hang: %+v", a)
	}
	if a := invoke(t, s, "Nope", `{}`); a.status != 404 || a.errorType != "ResourceNotFoundException" {
		t.Errorf("unknown function: %+v", a)
	}
	big := `{"pad":"` + strings.Repeat("x", MaxPayload) + `"}`
	if a := invoke(t, s, "Echo", big); a.status != http.StatusRequestEntityTooLarge || a.errorType != "RequestTooLargeException" {
		t.Errorf("oversized event: %+v", a)
	}
}
