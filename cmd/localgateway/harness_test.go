package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
)

// lineWriter collects output and signals the listening line.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan string
}

func newLineWriter() *lineWriter { return &lineWriter{ready: make(chan string, 1)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for _, line := range strings.Split(w.buf.String(), "\n") {
		if u, ok := strings.CutPrefix(line, "localgateway: listening on "); ok {
			select {
			case w.ready <- u:
			default:
			}
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// gw is a local gateway running in-process for one test.
type gw struct {
	URL    string
	Stderr *lineWriter
	// Access and Refresh are the session cookies' names in this gateway's
	// configuration (cookieNames).
	Access, Refresh string
	cancel          context.CancelFunc
	done            chan error
}

// startGateway runs the gateway on a free loopback port with env as its
// whole environment and the given clock, and stops it (checking a clean
// shutdown) when the test ends.
func startGateway(t *testing.T, env map[string]string, now func() time.Time, args ...string) *gw {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newLineWriter(), newLineWriter()
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	g := &gw{Stderr: stderr, cancel: cancel, done: make(chan error, 1)}
	go func() {
		g.done <- runWith(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), lookup, stdout, stderr, now)
	}()
	select {
	case g.URL = <-stdout.ready:
	case err := <-g.done:
		cancel()
		t.Fatalf("gateway did not start: %v\nstderr:\n%s", err, stderr)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatalf("gateway did not print its listening line\nstderr:\n%s", stderr)
	}
	g.Access, g.Refresh = cookieNames(t, env, args...)
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-g.done:
			if err != nil {
				t.Errorf("gateway shutdown: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("gateway did not shut down")
		}
	})
	return g
}

// defaultAccessCookie is the access cookie's name in the default session
// configuration (session.DefaultConfig, what a deployment with
// COOKIE_SECURE=true and no COOKIE_DOMAIN uses). Events of stubbed
// functions carry it, so that they look like what a browser sends.
var defaultAccessCookie = session.DefaultConfig().AccessCookieName

// cookieNames are the session cookies' names for a gateway started with
// env and args, read from the session API's configuration as the gateway
// derives it — never typed. With the deployed template (COOKIE_SECURE=true,
// no COOKIE_DOMAIN) they are session.DefaultCookieNames' __Host- and
// __Secure- prefixed names.
func cookieNames(t *testing.T, env map[string]string, args ...string) (access, refresh string) {
	t.Helper()
	cfg, ok := configureFor(t, env, args...).configs[sessionAPIFunction]
	if !ok {
		t.Fatalf("no session API configuration for %v", args)
	}
	return cfg.AccessCookieName, cfg.RefreshCookieName
}

// client is a browser-like client: a cookie jar (which, like browsers,
// treats loopback as a secure context) and no redirects.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 15 * time.Second}}
}

type result struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r result) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %q", err, r.Body)
	}
	return m
}

// do sends a request; hdr are extra headers as name, value pairs.
func (c *client) do(method, path, body string, hdr ...string) result {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return result{Status: res.StatusCode, Header: res.Header, Body: b}
}

// cookie returns the jar's value of a cookie for path.
func (c *client) cookie(path, name string) string {
	req, _ := http.NewRequest("GET", c.base+path, nil)
	for _, ck := range c.hc.Jar.Cookies(req.URL) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setCookieNames lists the cookie names of the Set-Cookie lines.
func setCookieNames(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Set-Cookie") {
		name, _, _ := strings.Cut(v, "=")
		out = append(out, name)
	}
	return out
}
