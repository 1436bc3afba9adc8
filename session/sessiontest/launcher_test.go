package sessiontest

import (
	"bufio"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func TestServerStartSetGetStopRestart(t *testing.T) {
	s := StartServer(t, Options{Persist: true})
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") || s.Addr() == "127.0.0.1:6379" {
		t.Fatalf("Addr() = %q, want a free loopback port", s.Addr())
	}
	if want := "redis://" + s.Addr() + "/0"; s.URL() != want {
		t.Fatalf("URL() = %q, want %q", s.URL(), want)
	}
	mustDo(t, s, "PONG", "PING")
	mustDo(t, s, "OK", "SET", "greeting", "hello world\r\nwith CRLF")
	mustDo(t, s, "hello world\r\nwith CRLF", "GET", "greeting")
	if _, err := s.Do("GET", "missing"); !errors.Is(err, ErrNil) {
		t.Fatalf("GET missing: err = %v, want ErrNil", err)
	}
	if _, err := s.Do("NOSUCHCOMMAND"); !errors.Is(err, ErrReply) || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: err = %v, want ErrReply with the server's message", err)
	}
	mustDo(t, s, "2", "RPUSH", "list", "a", "b")
	mustDo(t, s, "a\nb", "LRANGE", "list", "0", "-1")
	if info := mustDo(t, s, "", "INFO", "persistence"); infoField(info, "aof_enabled") != "1" {
		t.Fatalf("Persist: aof_enabled = %q, want 1", infoField(info, "aof_enabled"))
	}

	addr := s.Addr()
	s.Stop()
	s.Stop() // idempotent
	if s.Running() {
		t.Fatal("Running() after Stop")
	}
	if _, err := s.Do("PING"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("PING after Stop: err = %v, want connection refused", err)
	}

	s.Restart()
	if s.Addr() != addr {
		t.Fatalf("Restart moved the server from %s to %s", addr, s.Addr())
	}
	mustDo(t, s, "hello world\r\nwith CRLF", "GET", "greeting")
	mustDo(t, s, "a\nb", "LRANGE", "list", "0", "-1")
}

func TestServerWithoutPersistForgetsOnRestart(t *testing.T) {
	s := StartServer(t, Options{Args: []string{"--maxmemory", "10mb"}})
	mustDo(t, s, "10485760", "CONFIG", "GET", "maxmemory") // reply is "maxmemory\n10485760"; checked below
	mustDo(t, s, "OK", "SET", "k", "v")
	s.Kill()
	s.Restart()
	if _, err := s.Do("GET", "k"); !errors.Is(err, ErrNil) {
		t.Fatalf("GET after restart without Persist: err = %v, want ErrNil", err)
	}
}

func TestServersAreIndependent(t *testing.T) {
	a := StartServer(t, Options{})
	b := StartServer(t, Options{})
	if a.Addr() == b.Addr() {
		t.Fatalf("two servers share %s", a.Addr())
	}
	mustDo(t, a, "OK", "SET", "k", "a")
	if _, err := b.Do("GET", "k"); !errors.Is(err, ErrNil) {
		t.Fatalf("b sees a's key: %v", err)
	}
}

func TestClusterThreeMasters(t *testing.T) {
	c := StartCluster(t, ClusterOptions{})
	nodes := c.Nodes()
	if len(nodes) != 3 || len(c.Addrs()) != 3 {
		t.Fatalf("got %d nodes, %d addrs, want 3", len(nodes), len(c.Addrs()))
	}
	addrs := c.Addrs()
	if want := "redis://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2]; c.URL() != want {
		t.Fatalf("URL() = %q, want %q", c.URL(), want)
	}
	for _, s := range nodes {
		info := mustDo(t, s, "", "CLUSTER", "INFO")
		for field, want := range map[string]string{
			"cluster_state": "ok", "cluster_slots_assigned": "16384", "cluster_known_nodes": "3", "cluster_size": "3",
		} {
			if got := infoField(info, field); got != want {
				t.Errorf("%s: %s = %q, want %q", s.Addr(), field, got, want)
			}
		}
	}
	// A key lives on exactly one master; the others redirect.
	var owners, moved int
	for _, s := range nodes {
		_, err := s.Do("SET", "{user:42}:session", "x")
		switch {
		case err == nil:
			owners++
		case errors.Is(err, ErrReply) && strings.Contains(err.Error(), "MOVED"):
			moved++
		default:
			t.Fatalf("SET on %s: %v", s.Addr(), err)
		}
	}
	if owners != 1 || moved != 2 {
		t.Fatalf("owners = %d, MOVED = %d, want 1 and 2", owners, moved)
	}
}

func TestClusterKillMasterPromotesReplica(t *testing.T) {
	c := StartCluster(t, ClusterOptions{Masters: 3, ReplicasPerMaster: 1})
	if len(c.Nodes()) != 6 {
		t.Fatalf("got %d nodes, want 6", len(c.Nodes()))
	}
	replica := c.Replicas(0)[0]
	if role := infoField(mustDo(t, replica, "", "INFO", "replication"), "role"); role != "slave" {
		t.Fatalf("replica role before failover = %q, want slave", role)
	}
	killed := c.KillMaster(0)
	if killed != c.Masters()[0] || killed.Running() {
		t.Fatal("KillMaster(0) did not kill and return master 0")
	}
	if _, err := killed.Do("PING"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("PING to killed master: err = %v, want connection refused", err)
	}
	if role := infoField(mustDo(t, replica, "", "INFO", "replication"), "role"); role != "master" {
		t.Fatalf("replica role after failover = %q, want master", role)
	}
	for _, s := range c.Nodes()[1:] {
		if st := infoField(mustDo(t, s, "", "CLUSTER", "INFO"), "cluster_state"); st != "ok" {
			t.Errorf("%s: cluster_state = %q after failover, want ok", s.Addr(), st)
		}
	}
}

func TestRESPReader(t *testing.T) {
	tests := []struct {
		name, in, want string
		isErr, isNil   bool
		bad            bool
	}{
		{name: "status", in: "+OK\r\n", want: "OK"},
		{name: "error", in: "-ERR nope\r\n", want: "ERR nope", isErr: true},
		{name: "integer", in: ":-42\r\n", want: "-42"},
		{name: "bulk", in: "$5\r\na\r\nbc\r\n", want: "a\r\nbc"},
		{name: "empty bulk", in: "$0\r\n\r\n", want: ""},
		{name: "nil bulk", in: "$-1\r\n", isNil: true},
		{name: "nil array", in: "*-1\r\n", isNil: true},
		{name: "nested array", in: "*2\r\n*2\r\n:1\r\n+a\r\n$1\r\nb\r\n", want: "1\na\nb"},
		{name: "bad type", in: "?x\r\n", bad: true},
		{name: "bad integer", in: ":x\r\n", bad: true},
		{name: "short bulk", in: "$5\r\nab\r\n", bad: true},
		{name: "bulk without CRLF", in: "$2\r\nabcd", bad: true},
		{name: "negative length", in: "$-2\r\n", bad: true},
		{name: "huge length", in: "$99999999999\r\n", bad: true},
		{name: "empty", in: "", bad: true},
		{name: "too deep", in: strings.Repeat("*1\r\n", 40) + ":1\r\n", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := readReply(bufio.NewReader(strings.NewReader(tt.in)), 0)
			if tt.bad {
				if err == nil {
					t.Fatalf("readReply(%q) = %+v, want an error", tt.in, r)
				}
				return
			}
			if err != nil {
				t.Fatalf("readReply(%q): %v", tt.in, err)
			}
			if r.text != tt.want || r.isErr != tt.isErr || r.isNil != tt.isNil {
				t.Fatalf("readReply(%q) = %+v, want text %q isErr %v isNil %v", tt.in, r, tt.want, tt.isErr, tt.isNil)
			}
		})
	}
}

func TestEncodeCommand(t *testing.T) {
	got := string(encodeCommand([]string{"SET", "k", "a\r\nb", ""}))
	want := "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n$0\r\n\r\n"
	if got != want {
		t.Fatalf("encodeCommand = %q, want %q", got, want)
	}
}

// FuzzReadReply feeds arbitrary bytes to the reply reader: it must return a
// reply or an error, never panic or allocate beyond the claimed input.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "-ERR x\r\n", ":1\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*2\r\n+a\r\n$1\r\nb\r\n", "*-1\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := readReply(bufio.NewReader(strings.NewReader(string(in))), 0)
		if err == nil && len(r.text) > len(in) {
			t.Fatalf("reply text (%d bytes) longer than the input (%d bytes)", len(r.text), len(in))
		}
	})
}

// mustDo runs a command and, when want is not empty, checks the reply
// contains it (exactly equal for single-line replies).
func mustDo(t *testing.T, s *Server, want string, args ...string) string {
	t.Helper()
	got, err := s.Do(args...)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	if want != "" && got != want && !(strings.Contains(got, "\n") && strings.HasSuffix(got, "\n"+want)) {
		t.Fatalf("%s = %q, want %q", strings.Join(args, " "), got, want)
	}
	return got
}

func TestStartupFailureShowsLogTail(t *testing.T) {
	RequireRedis(t)
	s := newServer(t, baseArgs(false), []string{"--no-such-directive", "x"}, false)
	err := s.startFresh()
	if err == nil {
		t.Fatal("redis-server started with a bad directive")
	}
	if !strings.Contains(err.Error(), "exited during startup") || !strings.Contains(err.Error(), "no-such-directive") {
		t.Fatalf("error lacks the server's log tail: %v", err)
	}
	if s.Running() {
		t.Fatal("Running() after failed start")
	}
}

// recordingTB records how RequireRedis stops a test.
type recordingTB struct {
	testing.TB
	fatal, skip string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Fatal(args ...any) {
	r.fatal = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recordingTB) Skip(args ...any) {
	r.skip = fmt.Sprint(args...)
	runtime.Goexit()
}

func TestRequireRedisWhenMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		r := &recordingTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			RequireRedis(r)
		}()
		<-done
		switch {
		case ci == "true" && (r.fatal == "" || r.skip != ""):
			t.Errorf("CI=true: fatal %q skip %q, want a failure", r.fatal, r.skip)
		case ci == "" && (r.skip == "" || r.fatal != ""):
			t.Errorf("CI unset: fatal %q skip %q, want a skip", r.fatal, r.skip)
		}
		if msg := r.fatal + r.skip; !strings.Contains(msg, "redis-server and redis-cli not found") {
			t.Errorf("message %q does not name the missing binaries", msg)
		}
	}
}
