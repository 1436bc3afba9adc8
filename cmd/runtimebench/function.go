package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sessiongate/sessiongate/internal/lambdaemu"
)

// invokeTimeout bounds one invocation; it is also the deadline the
// function is told (Lambda-Runtime-Deadline-Ms). Generous: a run on a busy
// machine must not fail for it.
const invokeTimeout = 10 * time.Second

// errExited ends an invocation whose process exited.
var errExited = errors.New("the function's process exited")

// function is one Lambda function: its Runtime API and its one process.
type function struct {
	name  string
	rt    *lambdaemu.Runtime
	proc  *lambdaemu.Process
	alive context.Context // the run's; also cancelled with errExited when proc exits
}

// startFunction serves a Runtime API for name and execs bin against it with
// exactly env. Its invocations end when ctx does.
func startFunction(ctx context.Context, name, bin string, env []string) (*function, error) {
	rt, err := lambdaemu.Listen(name)
	if err != nil {
		return nil, err
	}
	fn := &function{name: name, rt: rt}
	if fn.proc, err = rt.Start(bin, env...); err != nil {
		return fn, err
	}
	alive, exited := context.WithCancelCause(ctx)
	go func() {
		<-fn.proc.Exited()
		exited(errExited)
	}()
	fn.alive = alive
	return fn, nil
}

// invoke hands event to the function and returns the time from the hand-off
// to the arrival of its answer at the Runtime API. Anything but an Allow
// policy for the session's user is an error: a run that measured a denial
// or a failure would measure the wrong path.
func (fn *function) invoke(event []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(fn.alive, invokeTimeout)
	defer cancel()
	start := time.Now()
	res, err := fn.rt.Invoke(ctx, event)
	if err != nil {
		return 0, fn.failed(err)
	}
	took := res.At.Sub(start)
	if res.Kind != lambdaemu.Response {
		var e struct{ ErrorType, ErrorMessage string }
		_ = json.Unmarshal(res.Body, &e)
		return 0, fn.failed(fmt.Errorf("a function error (%s): %s", e.ErrorType, e.ErrorMessage))
	}
	var answer struct {
		PrincipalID    string `json:"principalId"`
		PolicyDocument struct {
			Statement []struct{ Effect string }
		} `json:"policyDocument"`
	}
	if err := json.Unmarshal(res.Body, &answer); err != nil {
		return 0, fn.failed(fmt.Errorf("the answer is not a policy: %w", err))
	}
	if s := answer.PolicyDocument.Statement; answer.PrincipalID != user || len(s) != 1 || s[0].Effect != "Allow" {
		return 0, fn.failed(fmt.Errorf("the answer is not an Allow for %s", user))
	}
	return took, nil
}

// failed describes an invocation that went wrong, with the end of the
// process's output (the functions log allow-listed fields only).
func (fn *function) failed(err error) error {
	out := fn.proc.Output()
	if len(out) > 2000 {
		out = out[len(out)-2000:]
	}
	return fmt.Errorf("%s: %w\n--- end of its output ---\n%s", fn.name, err, out)
}
