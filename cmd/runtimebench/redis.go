package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/sessiongate/sessiongate/session/redisstore"
)

// redisServer is a redis-server this command started: in-memory, on a free
// loopback port, as the tests start theirs (session/sessiontest).
type redisServer struct {
	cmd    *exec.Cmd
	exited chan struct{}
	url    string
}

// startRedis starts redis-server from PATH with its files in dir and waits
// until it answers PING (at most 10s).
func startRedis(ctx context.Context, dir string) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server is not on PATH: install it (scripts/install-test-deps.sh) or pass -redis URL")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--daemonize", "no",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", "redis.log")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	s := &redisServer{cmd: cmd, exited: make(chan struct{}), url: fmt.Sprintf("redis://127.0.0.1:%d/0", port)}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: s.url})
	if err != nil {
		s.stop()
		return nil, err
	}
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := rdb.Ping(pctx).Err()
		cancel()
		if err == nil {
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("redis-server exited at start-up (see %s/redis.log)", dir)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("redis-server did not answer PING within 10s: %w", err)
		}
	}
}

// stop kills the server and waits for it to exit.
func (s *redisServer) stop() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// freePort is a loopback port nothing listens on at this moment.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
