package main

// What TestLoadRedisRestart waits for, and why each signal is sound.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// gatewayPoolSize is cmd/localgateway's storePoolSize: the connections of
// the gateway's Redis client, and so the number of failed dials after which
// that client stops dialling (see waitDialBackoff).
const gatewayPoolSize = 32

// waitFor waits until the load's count of what has reached n; it fails the
// test if the load ends first, or takes more than a minute per thousand.
func waitFor(t *testing.T, what string, count func() int64, n int64, stopped <-chan struct{}) {
	t.Helper()
	budget := time.Duration(1+n/1000) * time.Minute
	limit := time.Now().Add(budget)
	for count() < n {
		select {
		case <-stopped:
			t.Fatalf("the load ended after %d %s, before %d", count(), what, n)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(limit) {
			t.Fatalf("the load had %d %s, not %d, after %s", count(), what, n, budget)
		}
	}
}

// The dial back-off. go-redis counts the dials of a client's pool that fail
// (every attempt refused); at PoolSize failures it stops dialling: every
// new connection fails at once with the last dial error until a background
// dial, retried once a second, succeeds. Around a restart that makes "the
// first successful request" a false signal: a dial refused just before
// Redis listens is retried (redisstore's DialerRetries) just after, and a
// request can succeed over that connection while the back-off, opened by
// other failed dials, still fails every request that needs a new one — for
// up to a second after Redis is back. So the test makes sure the back-off
// is open before the restart, and closes the window only once it has
// ended.

// waitDialBackoff returns once the gateway's Redis client has certainly
// stopped dialling: the test's own requests through the gateway, sent one
// after another after Redis stopped, have failed 2 × gatewayPoolSize times.
// Each such failure either counted a failed dial (every connection of
// before the stop is dead, so each needs a new one) or failed at once
// because the back-off was open already; and the back-off cannot end while
// Redis is down.
func waitDialBackoff(t *testing.T, base string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	for failed := 0; failed < 2*gatewayPoolSize; {
		status, err := signIn(client, base)
		switch {
		case err != nil:
			t.Fatalf("a sign-in during the outage: %v", err)
		case status < 500:
			t.Fatalf("a sign-in during the outage answered %d: Redis is not down", status)
		}
		failed++
	}
}

// redisLogSize is the size of the server's log now (sessiontest keeps it as
// redis.log in Dir).
func redisLogSize(t *testing.T, srv *sessiontest.Server) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(srv.Dir(), "redis.log"))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// waitDialRearmed returns once the gateway's Redis client has left its dial
// back-off: the background dial that ends it connects and closes again
// without sending a command, which the restarted Redis, logging verbosely,
// writes to its log (after offset from) as a closed connection whose last
// command is NULL. No other client of this Redis closes a connection that
// way: the gateway's connections all send HELLO first, the launcher's PING.
func waitDialRearmed(t *testing.T, srv *sessiontest.Server, from int64) {
	t.Helper()
	path := filepath.Join(srv.Dir(), "redis.log")
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(data)) > from {
			for line := range strings.SplitSeq(string(data[from:]), "\n") {
				if strings.Contains(line, "Client closed connection") && strings.Contains(line, " cmd=NULL ") {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the gateway's Redis client did not dial the restarted Redis within 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// probe returns at the first request through the gateway that needs Redis
// and succeeds: a sign-in answered 200, then GET /api/me with its cookies
// answered 200 (the load's own calls). It fails the test when none
// succeeds within 30s.
func probe(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for {
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Timeout: 10 * time.Second, Jar: jar}
		status, err := signIn(client, base)
		if err == nil && status == http.StatusOK {
			status, err = send(client, "GET", base+"/api/me", nil, nil)
			if err == nil && status == http.StatusOK {
				return
			}
		}
		last = fmt.Sprintf("status %d, error %v", status, err)
		if time.Now().After(deadline) {
			t.Fatalf("no request through the gateway succeeded within 30s of its Redis client dialling again (last: %s)", last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// signIn signs a probe user in through the demo route, as the load does.
func signIn(c *http.Client, base string) (int, error) {
	return send(c, "POST", base+"/auth/demo/signin", []byte(`{"userId":"restart-probe","roles":["user"]}`),
		map[string]string{"rid": "anti-csrf", "content-type": "application/json"})
}

func send(c *http.Client, method, url string, body []byte, hdr map[string]string) (int, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}
