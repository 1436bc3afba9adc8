package sessiontest

// The launcher: real redis-server processes for tests, standalone or as a
// cluster. It uses only the standard library and speaks the few RESP
// commands it needs itself, so that nothing but the store under test
// imports a Redis client.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Launcher timing. Startup polls quickly so tests stay fast; the limits are
// generous because the machine running the tests may be busy.
const (
	pollInterval  = 20 * time.Millisecond
	startLimit    = 10 * time.Second
	stopLimit     = 10 * time.Second
	dialTimeout   = 2 * time.Second
	doDeadline    = 10 * time.Second
	portAttempts  = 8
	logTailLines  = 25
	reservedPort  = 6379 // a system redis-server may listen here; never use it
	clusterBusOff = 10000
)

// ErrReply is wrapped by every error that Server.Do returns for an error
// reply from the server (for example "ERR unknown command"); the server's
// message follows it in the error text.
var ErrReply = errors.New("sessiontest: redis error reply")

// ErrNil is returned by Server.Do when the server answered with a nil reply
// (GET of a missing key, for instance).
var ErrNil = errors.New("sessiontest: nil reply")

// errAddrInUse reports that a freshly chosen port was taken between choosing
// it and redis-server binding it; the launcher then picks another port.
var errAddrInUse = errors.New("sessiontest: address already in use")

// RedisServerPath returns the redis-server binary path, or "" when it is not
// installed (not found on PATH).
func RedisServerPath() string { return lookPath("redis-server") }

// RedisCLIPath returns the redis-cli binary path, or "" when it is not
// installed (not found on PATH).
func RedisCLIPath() string { return lookPath("redis-cli") }

func lookPath(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}

// RequireRedis stops the test when redis-server or redis-cli is missing: it
// fails the test when the environment variable CI is "true" (CI must never
// pass by skipping the real-Redis tests) and skips it otherwise. Run
// `make test` (scripts/install-test-deps.sh) to install them.
func RequireRedis(tb testing.TB) {
	tb.Helper()
	var missing []string
	if RedisServerPath() == "" {
		missing = append(missing, "redis-server")
	}
	if RedisCLIPath() == "" {
		missing = append(missing, "redis-cli")
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("sessiontest: %s not found on PATH; install the Debian packages redis-server and redis-tools (scripts/install-test-deps.sh does this)",
		strings.Join(missing, " and "))
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + " — failing because CI=true")
	}
	tb.Skip(msg)
}

// Options configures StartServer. The zero value is a throw-away in-memory
// server.
type Options struct {
	// Persist turns on the append-only file (appendonly yes, fsync
	// always) in the server's temporary directory, so that data survives
	// Stop and Restart. Default false: --save "" --appendonly no.
	Persist bool
	// Args are extra redis-server arguments, appended last so they win,
	// for example []string{"--maxmemory", "10mb"}.
	Args []string
}

// Server is one redis-server process on a loopback port, owned by a test.
// It is stopped and killed when the test ends (tb.Cleanup). Its methods
// are safe for concurrent use, except that Stop and Restart must not race
// with each other.
type Server struct {
	tb      testing.TB
	bin     string
	dir     string
	logPath string
	args    []string // everything but --port and --cluster-port
	cluster bool

	mu   sync.Mutex
	port int
	proc *process
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // set before done is closed
}

// StartServer starts a redis-server on a free loopback port with its own
// directory in tb.TempDir(), waits until it answers PING, and registers a
// cleanup that kills it. It fails the test (with the tail of the server's
// log) when the server does not come up within 10s.
func StartServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	RequireRedis(tb)
	s := newServer(tb, baseArgs(opts.Persist), opts.Args, false)
	if err := s.startFresh(); err != nil {
		tb.Fatal(err)
	}
	return s
}

func baseArgs(persist bool) []string {
	args := []string{"--bind", "127.0.0.1", "--daemonize", "no", "--save", ""}
	if persist {
		return append(args, "--appendonly", "yes", "--appendfsync", "always")
	}
	return append(args, "--appendonly", "no")
}

// newServer prepares (but does not start) a server and registers its
// cleanup. It must be called from the test goroutine.
func newServer(tb testing.TB, base, extra []string, cluster bool) *Server {
	dir := tb.TempDir()
	args := append([]string{}, base...)
	args = append(args, "--dir", dir)
	args = append(args, extra...)
	s := &Server{
		tb:      tb,
		bin:     RedisServerPath(),
		dir:     dir,
		logPath: filepath.Join(dir, "redis.log"),
		args:    args,
		cluster: cluster,
	}
	tb.Cleanup(s.kill)
	return s
}

// Addr returns the server's address, "127.0.0.1:port".
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrLocked()
}

func (s *Server) addrLocked() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// URL returns the server's URL for database 0, "redis://127.0.0.1:port/0".
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Dir returns the server's working directory (data files and redis.log).
func (s *Server) Dir() string { return s.dir }

// Running reports whether the server process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return false
	}
	select {
	case <-s.proc.done:
		return false
	default:
		return true
	}
}

// Stop stops the server (SIGTERM, then waits for it to exit; SIGKILL if it
// does not within 10s). Clients then get "connection refused". It is
// idempotent. With Options.Persist the data is flushed to the append-only
// file and Restart brings it back.
func (s *Server) Stop() {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGTERM)
}

// Kill kills the server with SIGKILL, as a crash would, and waits for it to
// exit. It is idempotent.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGKILL)
}

func (s *Server) kill() { s.Kill() }

func (s *Server) stopLocked(sig syscall.Signal) {
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return
	case <-time.After(stopLimit):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Restart starts the server again on the same port and directory (stopping
// it first if it is running) and waits until it answers PING. It fails the
// test when the port has been taken in the meantime or the server does not
// come up.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.startLocked(); err != nil {
		s.tb.Fatal(err)
	}
}

// startFresh picks a free port and starts the server, choosing another port
// when the first one was taken in the meantime. Safe to call from any
// goroutine (it does not touch tb).
func (s *Server) startFresh() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	for range portAttempts {
		s.port, err = freePort(s.cluster)
		if err != nil {
			return err
		}
		err = s.startLocked()
		if !errors.Is(err, errAddrInUse) {
			return err
		}
	}
	return fmt.Errorf("sessiontest: no free port after %d attempts: %w", portAttempts, err)
}

func (s *Server) startLocked() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("sessiontest: open server log: %w", err)
	}
	logStart, _ := logf.Seek(0, io.SeekEnd)
	args := append([]string{"--port", strconv.Itoa(s.port)}, s.args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("sessiontest: start %s: %w", s.bin, err)
	}
	logf.Close() // the child holds its own descriptor
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.proc = p

	addr := s.addrLocked()
	deadline := time.Now().Add(startLimit)
	var last error
	for {
		select {
		case <-p.done:
			s.proc = nil
			tail := s.logTail(logStart)
			if strings.Contains(tail, "Address already in use") {
				return fmt.Errorf("%w: port %d", errAddrInUse, s.port)
			}
			return fmt.Errorf("sessiontest: redis-server on %s exited during startup (%v); log tail:\n%s", addr, p.err, tail)
		default:
		}
		reply, err := do(addr, "PING")
		if err == nil && reply == "PONG" {
			return nil
		}
		last = err
		if time.Now().After(deadline) {
			s.stopLocked(syscall.SIGKILL)
			return fmt.Errorf("sessiontest: redis-server on %s did not answer PING within %v (last: %v); log tail:\n%s",
				addr, startLimit, last, s.logTail(logStart))
		}
		time.Sleep(pollInterval)
	}
}

// logTail returns the last lines of the server log written since offset.
func (s *Server) logTail(offset int64) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if offset > 0 && offset <= int64(len(b)) {
		b = b[offset:]
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return strings.Join(lines, "\n")
}

// freePort returns a loopback port that was free a moment ago (and, for a
// cluster node, whose bus port, port+10000, was free too).
func freePort(cluster bool) (int, error) {
	var last error
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			last = err
			continue
		}
		port := l.Addr().(*net.TCPAddr).Port
		if port == reservedPort || (cluster && port+clusterBusOff > 65535) {
			l.Close()
			continue
		}
		if cluster {
			bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+clusterBusOff)))
			if err != nil {
				l.Close()
				last = err
				continue
			}
			bus.Close()
		}
		l.Close()
		return port, nil
	}
	return 0, fmt.Errorf("sessiontest: find a free loopback port: %v", last)
}

// Do sends one command on a new connection and returns the reply rendered
// as text: a status or bulk string as is, an integer in decimal, an array as
// its elements (rendered the same way) joined by "\n". A nil reply returns
// ErrNil; an error reply returns an error wrapping ErrReply. Examples:
//
//	s.Do("INFO", "commandstats")
//	s.Do("CONFIG", "RESETSTAT")
//	s.Do("CLIENT", "PAUSE", "500")
//
// A stopped server gives a dial error wrapping syscall.ECONNREFUSED.
func (s *Server) Do(args ...string) (string, error) {
	return do(s.Addr(), args...)
}

func do(addr string, args ...string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("sessiontest: Do needs a command")
	}
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return "", fmt.Errorf("sessiontest: %w", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(doDeadline)); err != nil {
		return "", fmt.Errorf("sessiontest: %w", err)
	}
	if _, err := conn.Write(encodeCommand(args)); err != nil {
		return "", fmt.Errorf("sessiontest: send %s: %w", args[0], err)
	}
	r, err := readReply(bufio.NewReader(conn), 0)
	if err != nil {
		return "", fmt.Errorf("sessiontest: %s: %w", args[0], err)
	}
	if r.isErr {
		return "", fmt.Errorf("%w: %s", ErrReply, r.text)
	}
	if r.isNil {
		return "", ErrNil
	}
	return r.text, nil
}

// infoField returns one field of an INFO reply ("" when absent).
func infoField(info, name string) string {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), name+":"); ok {
			return v
		}
	}
	return ""
}
