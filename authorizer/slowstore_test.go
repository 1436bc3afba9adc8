package authorizer_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// slowFor is how long each slowdown keeps Redis from answering.
const slowFor = 8 * time.Second

// slowdown makes Redis slow one way. start returns once the slowdown is in
// effect — every command Redis receives from then on waits until it ends —
// and end returns once it is over.
type slowdown struct {
	name       string
	start, end func(t *testing.T, e *env)
}

// TestSlowStoreAnswersWithinDeadline makes Redis slow in the two ways an
// operator sees it — every client paused (CLIENT PAUSE, as during a
// failover) and the server busy in one long command (DEBUG SLEEP) — and
// checks that the authorizer answers with a store failure (500, cookies
// untouched) instead of hanging until the Lambda times out, even though
// the invocation's own deadline is far away; then that it answers again
// once Redis is. The bound checked is the slowness itself (8s from the
// moment the slowdown was asked for, so it cannot have ended earlier), not
// a performance figure. Nothing waits on a timer: each slowdown is known to
// be in effect before the invocation starts (see startDebugSleep).
func TestSlowStoreAnswersWithinDeadline(t *testing.T) {
	e := newEnv(t, envOptions{redisArgs: []string{"--enable-debug-command", "local"}})
	tok := e.signIn(sessiontest.UniqueUser("slow"), nil, nil)
	event := restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok.Access)}})
	pause := strconv.FormatInt(slowFor.Milliseconds(), 10)
	var sleep *debugSleep
	slowdowns := []slowdown{
		{"CLIENT PAUSE",
			// Redis replies once the pause is in effect.
			func(t *testing.T, e *env) { mustDo(t, e, "CLIENT", "PAUSE", pause, "ALL") },
			func(t *testing.T, e *env) { mustDo(t, e, "CLIENT", "UNPAUSE") }},
		{"DEBUG SLEEP",
			func(t *testing.T, e *env) { sleep = startDebugSleep(t, e.srv.Addr(), slowFor) },
			func(t *testing.T, e *env) { sleep.wait(t) }},
	}
	for _, s := range slowdowns {
		t.Run(s.name, func(t *testing.T) {
			if r := e.invoke(event); r.err != nil || r.effect(t) != "Allow" {
				t.Fatalf("not healthy before the slowdown: %v", r.err)
			}
			asked := time.Now()
			s.start(t, e)
			// A Lambda-like context: the function's deadline is 25s away.
			ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
			defer cancel()
			start := time.Now()
			out, err := e.inv.Invoke(ctx, event)
			answered := time.Now()
			if !errors.Is(err, authorizer.ErrStoreUnavailable) || out != nil {
				t.Fatalf("want a store failure (500) and no response, got %v %s", err, out)
			}
			if waited := answered.Sub(asked); waited >= slowFor {
				t.Fatalf("the authorizer answered %s after the slowdown was asked for, when Redis may already have been fast again", waited)
			}
			t.Logf("%s: store failure after %s (Redis slow for %s)", s.name, answered.Sub(start).Round(time.Millisecond), slowFor)
			s.end(t, e)
			if r := e.invoke(event); r.err != nil || r.effect(t) != "Allow" {
				t.Fatalf("after the slowdown: %v", r.err)
			}
		})
	}
}

func mustDo(t *testing.T, e *env, args ...string) {
	t.Helper()
	if _, err := e.srv.Do(args...); err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
}

// debugSleep is a DEBUG SLEEP in progress on a connection of its own.
type debugSleep struct {
	conn net.Conn
	r    *bufio.Reader
}

// startDebugSleep sends DEBUG SLEEP on a new connection to the Redis at
// addr and returns once Redis is executing it.
//
// Why that can be known, and how. A Redis busy in DEBUG SLEEP answers
// nobody, so nothing read over the protocol (CLIENT LIST, INFO) can show it
// has begun; and Redis writes replies only when its event loop is about to
// wait again, so not even the reply to a command pipelined before DEBUG
// SLEEP leaves the server before the sleep ends. The kernel, though, keeps
// count of the bytes on each side of the connection, and /proc/net/tcp
// shows them for every socket of this network namespace: tx_queue of our
// end is what we wrote that the server's TCP has not acknowledged yet, and
// rx_queue of the server's end is what its TCP received that redis-server
// has not read. So:
//
//  1. once our tx_queue is 0, the server's TCP has received the whole
//     command (acknowledged bytes have arrived; the count only grows);
//  2. once, in a later reading, the server's rx_queue is 0, redis-server
//     has read() it — and Redis executes the commands of what it reads in
//     the same call, before it serves any other client or returns to its
//     event loop (no I/O threads, no CLIENT PAUSE at that moment: the
//     launcher enables neither, and the CLIENT PAUSE case ends with
//     UNPAUSE before this one starts).
//
// Both counts can only say "done" after it happened, never before, so the
// signal cannot report a sleep that has not begun. Any command Redis
// receives afterwards — the authorizer's — waits for the sleep to end.
// Linux only: elsewhere the test is skipped.
func startDebugSleep(t *testing.T, addr string, d time.Duration) *debugSleep {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("seeing that Redis has begun a DEBUG SLEEP reads /proc/net/tcp, which only Linux has")
	}
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	secs := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	cmd := fmt.Sprintf("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$%d\r\n%s\r\n", len(secs), secs)
	if _, err := conn.Write([]byte(cmd)); err != nil {
		t.Fatal(err)
	}
	local, remote := procAddr(conn.LocalAddr()), procAddr(conn.RemoteAddr())
	deadline := time.Now().Add(10 * time.Second)
	received := false // (1) seen in an earlier reading
	for {
		socks, err := readProcNetTCP()
		if err != nil {
			t.Fatal(err)
		}
		ours, ok1 := socks[local+" "+remote]
		theirs, ok2 := socks[remote+" "+local]
		if !ok1 || !ok2 {
			t.Fatalf("the connection %s → %s is not in /proc/net/tcp (found ours %v, the server's %v)", local, remote, ok1, ok2)
		}
		if received && theirs.rx == 0 {
			return &debugSleep{conn: conn, r: bufio.NewReader(conn)}
		}
		received = received || ours.tx == 0
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not read DEBUG SLEEP within 10s (unacknowledged %d bytes, unread %d)", ours.tx, theirs.rx)
		}
		time.Sleep(time.Millisecond)
	}
}

// wait returns once Redis has answered the DEBUG SLEEP: the sleep is over.
func (s *debugSleep) wait(t *testing.T) {
	t.Helper()
	if err := s.conn.SetReadDeadline(time.Now().Add(2 * slowFor)); err != nil {
		t.Fatal(err)
	}
	line, err := s.r.ReadString('\n')
	if err != nil || line != "+OK\r\n" {
		t.Fatalf("DEBUG SLEEP answered %q, %v", line, err)
	}
}

// procAddr renders a TCP address as /proc/net/tcp does: the IPv4 address
// as the hex of its four bytes read as a host-order integer, then the port.
func procAddr(a net.Addr) string {
	ta := a.(*net.TCPAddr)
	ip := ta.IP.To4()
	if ip == nil {
		return "not-ipv4:" + ta.String()
	}
	return fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip), ta.Port)
}

// queues are a socket's tx_queue and rx_queue.
type queues struct{ tx, rx uint64 }

// readProcNetTCP reads the IPv4 TCP sockets of this network namespace,
// keyed "local remote" in procAddr's form.
func readProcNetTCP() (map[string]queues, error) {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil, err
	}
	socks := map[string]queues{}
	lines := strings.Split(string(data), "\n")
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		txs, rxs, ok := strings.Cut(f[4], ":")
		if !ok {
			return nil, fmt.Errorf("/proc/net/tcp: queues %q", f[4])
		}
		tx, err1 := strconv.ParseUint(txs, 16, 64)
		rx, err2 := strconv.ParseUint(rxs, 16, 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("/proc/net/tcp: %w", err)
		}
		socks[f[1]+" "+f[2]] = queues{tx: tx, rx: rx}
	}
	return socks, nil
}
