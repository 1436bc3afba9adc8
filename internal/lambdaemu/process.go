package lambdaemu

import (
	"fmt"
	"os/exec"
	"sync"
)

// outputLimit bounds the output kept of one process: its last 16 KiB.
const outputLimit = 16 << 10

// Process is one function process started by Runtime.Start.
type Process struct {
	cmd    *exec.Cmd
	out    *tail
	exited chan struct{} // closed when the process has exited
	err    error         // how it exited; set before exited is closed
}

// Start execs the binary at path as a function process of rt: its
// environment is exactly env (KEY=VALUE) plus AWS_LAMBDA_RUNTIME_API and
// AWS_LAMBDA_FUNCTION_NAME. Its stdout and stderr are kept (the last 16
// KiB) for Output. Close, or the end of the test, kills it.
func (rt *Runtime) Start(path string, env ...string) (*Process, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return nil, errClosed
	}
	select {
	case <-rt.initErrs: // the previous process's; this one starts afresh
	default:
	}
	cmd := exec.Command(path)
	cmd.Env = append(append([]string(nil), env...),
		"AWS_LAMBDA_RUNTIME_API="+rt.Addr(), "AWS_LAMBDA_FUNCTION_NAME="+rt.name)
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("lambdaemu: start %s: %w", rt.name, err)
	}
	p := &Process{cmd: cmd, out: out, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	rt.procs = append(rt.procs, p)
	return p, nil
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Kill kills the process, if it still runs, and waits for it to exit.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Output is the last 16 KiB the process wrote to stdout and stderr.
func (p *Process) Output() string { return p.out.String() }

// state says whether the process runs, or how it exited.
func (p *Process) state() string {
	select {
	case <-p.exited:
		if p.err != nil {
			return "exited: " + p.err.Error()
		}
		return "exited"
	default:
		return "running"
	}
}

// tail keeps the last outputLimit bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - outputLimit; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
