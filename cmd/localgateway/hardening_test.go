package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// rawExchange sends req (raw HTTP/1.1 bytes) on a new connection to the
// gateway at base, half-closes the connection's write side when
// closeWrite is set, and reads until the gateway closes the connection.
// A connection still open at the generous deadline fails the test: the
// gateway held it. It returns the response read, if any.
func rawExchange(t *testing.T, base, req string, closeWrite bool) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	if closeWrite {
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
	}
	// Far beyond the gateway's read timeout: reaching it means the
	// connection was held open, not that the gateway was slow.
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the gateway held the connection open (read so far: %q)", got)
	}
	if len(got) == 0 {
		return nil
	}
	res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
	if err != nil {
		t.Fatalf("not an HTTP response: %v: %q", err, got)
	}
	return res
}

// A request that announces a body and does not send it is answered 408
// and its connection closed once -read-timeout has passed, on every kind
// of route that reads a body; one whose body is cut short gets 400. (The
// gateway's timeout is short here so that the test does not wait long;
// the test itself waits only for the observed close.)
func TestAnnouncedBodyNotSentIsAnswered(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	timeouts := []string{"-read-timeout", "2s", "-read-header-timeout", "2s"}
	for _, c := range []struct {
		name string
		args []string
		path string
	}{
		{"REST, Lambda proxy route", nil, "/auth/session/refresh"},
		{"REST, the demo sign-in", nil, "/auth/demo/signin"},
		{"REST, HTTP route under a stage", []string{"-stage", "prod"}, "/prod/api/admin"},
		{"HTTP API, Lambda route", []string{"-http-api"}, "/auth/session/refresh"},
		{"HTTP API, the demo sign-in", []string{"-http-api"}, "/auth/demo/signin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g := startGateway(t, map[string]string{"REDIS_URL": srv.URL()}, time.Now, append(slices.Clone(timeouts), c.args...)...)
			head := "POST " + c.path + " HTTP/1.1\r\nHost: " + strings.TrimPrefix(g.URL, "http://") +
				"\r\nrid: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n"

			res := rawExchange(t, g.URL, head, false)
			if res == nil || res.StatusCode != http.StatusRequestTimeout {
				t.Fatalf("no body: got %v, want 408", status(res))
			}
			if !res.Close {
				t.Error("408 without Connection: close")
			}

			res = rawExchange(t, g.URL, head+"{\"us", true)
			if res == nil || res.StatusCode != http.StatusBadRequest {
				t.Fatalf("body cut short: got %v, want 400", status(res))
			}
		})
	}
}

func status(res *http.Response) string {
	if res == nil {
		return "the connection closed without an answer"
	}
	return res.Status
}

// The timeout flags are checked with the rest of the configuration.
func TestReadTimeoutFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-read-timeout", "0s"}, "-read-timeout (0s) and -read-header-timeout (10s) must be > 0"},
		{[]string{"-read-header-timeout", "-1s"}, "must be > 0"},
		{[]string{"-read-timeout", "5s", "-read-header-timeout", "6s"}, "-read-header-timeout (6s) must be <= -read-timeout (5s)"},
	} {
		if err := runErr(t, map[string]string{}, c.args...); !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	s, problems, err := parseFlags(nil, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil || len(problems) > 0 || s.readTimeout != defaultReadTimeout || s.readHeaderTimeout != defaultReadHeaderTimeout {
		t.Fatalf("defaults: %+v %v %v", s, problems, err)
	}
	if srv := newServer(http.NotFoundHandler(), s, slog.New(slog.NewTextHandler(io.Discard, nil))); srv.ReadTimeout != defaultReadTimeout ||
		srv.ReadHeaderTimeout != defaultReadHeaderTimeout || srv.IdleTimeout != idleTimeout || srv.MaxHeaderBytes != maxHeaderBytes {
		t.Errorf("server bounds: read %s, header %s, idle %s, max header %d", srv.ReadTimeout, srv.ReadHeaderTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
}

// The demo sign-in is served on a loopback address, and elsewhere only
// with the switch.
func TestDecideDemoSignIn(t *testing.T) {
	for _, c := range []struct {
		ip       string
		insecure bool
		on, warn bool
	}{
		{"127.0.0.1", false, true, false},
		{"127.0.0.2", false, true, false},
		{"::1", false, true, false},
		{"127.0.0.1", true, true, false},
		{"0.0.0.0", false, false, false},
		{"::", false, false, false},
		{"192.168.1.5", false, false, false},
		{"10.0.0.1", false, false, false},
		{"fe80::1", false, false, false},
		{"0.0.0.0", true, true, true},
		{"192.168.1.5", true, true, true},
	} {
		d := decideDemoSignIn(&net.TCPAddr{IP: net.ParseIP(c.ip), Port: 8080}, c.insecure, "/auth/demo/signin")
		if d.on != c.on || d.insecure != c.warn {
			t.Errorf("%s, insecure %v: on %v insecure %v, want %v %v", c.ip, c.insecure, d.on, d.insecure, c.on, c.warn)
		}
		if !strings.Contains(d.line, "POST /auth/demo/signin") {
			t.Errorf("%s: line %q does not name the route", c.ip, d.line)
		}
	}
}

// loopbackURL is base with its host replaced by 127.0.0.1 (a gateway
// listening on 0.0.0.0 prints that address).
func loopbackURL(t *testing.T, base string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return "http://127.0.0.1:" + port
}

// End to end: on a loopback address the demo sign-in works; on every
// interface it is off (403, no cookie) unless -insecure-demo-signin or
// INSECURE_DEMO_SIGNIN=true turns it on; the start-up lines say which,
// and name the switch when it is used.
func TestDemoSignInOnlyOnLoopbackUnlessSwitched(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	for _, c := range []struct {
		name     string
		env      map[string]string
		args     []string
		on       bool
		line     string
		switches string
	}{
		{"loopback", nil, nil, true, "is on: it signs in anyone, and 127.0.0.1:", "none"},
		{"loopback, switch set", map[string]string{"INSECURE_DEMO_SIGNIN": "true"}, nil, true, "is a loopback address", "none"},
		{"every interface", nil, []string{"-addr", "0.0.0.0:0"}, false, "is off: [::]:", "none"},
		{"every interface, switch false", map[string]string{"INSECURE_DEMO_SIGNIN": "false"}, []string{"-addr", "0.0.0.0:0"}, false, "is off", "none"},
		{"every interface, flag", nil, []string{"-addr", "0.0.0.0:0", "-insecure-demo-signin"}, true, "which is not a loopback address (-insecure-demo-signin)", "INSECURE_DEMO_SIGNIN"},
		{"every interface, variable", map[string]string{"INSECURE_DEMO_SIGNIN": "true"}, []string{"-addr", "0.0.0.0:0"}, true, "anyone who can reach it can sign in as anyone", "INSECURE_DEMO_SIGNIN"},
		{"every interface, flag=false beats the variable", map[string]string{"INSECURE_DEMO_SIGNIN": "true"}, []string{"-addr", "0.0.0.0:0", "-insecure-demo-signin=false"}, false, "is off", "none"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"REDIS_URL": srv.URL()}
			for k, v := range c.env {
				env[k] = v
			}
			g := startGateway(t, env, time.Now, c.args...)
			log := g.Stderr.String()
			if !strings.Contains(log, "localgateway: ") || !strings.Contains(log, c.line) {
				t.Errorf("no start-up line with %q:\n%s", c.line, log)
			}
			if want := "localgateway: insecure switches in use: " + c.switches + "\n"; !strings.Contains(log, want) {
				t.Errorf("no line %q:\n%s", want, log)
			}
			base := loopbackURL(t, g.URL)
			r := newClient(t, base).do("POST", "/auth/demo/signin", `{"userId":"`+sessiontest.UniqueUser("alice")+`","roles":["admin"]}`, "rid", "x", "Origin", base)
			switch {
			case c.on && (r.Status != 200 || len(r.Header.Values("Set-Cookie")) == 0):
				t.Errorf("demo sign-in: %d %s, want 200 with cookies", r.Status, r.Body)
			case !c.on && (r.Status != 403 || len(r.Header.Values("Set-Cookie")) != 0 || !strings.Contains(string(r.Body), "demo sign-in is off")):
				t.Errorf("demo sign-in: %d %v %s, want 403 saying it is off, no cookie", r.Status, r.Header.Values("Set-Cookie"), r.Body)
			}
		})
	}
	if err := runErr(t, map[string]string{"INSECURE_DEMO_SIGNIN": "maybe"}); !strings.Contains(err.Error(), `INSECURE_DEMO_SIGNIN: "maybe" must be true or false`) {
		t.Errorf("INSECURE_DEMO_SIGNIN=maybe: %v", err)
	}
}

// The functions' insecure combinations are refused at start-up, naming
// the switch, and accepted with it set in the gateway's environment; the
// start-up line names the switches in use.
func TestInsecureSwitchesThroughTheGateway(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	for _, c := range []struct {
		name     string
		env      map[string]string
		refusal  string // without the switches
		switches string // with them
	}{
		{"insecure cookies", map[string]string{"COOKIE_SECURE": "false"}, "set INSECURE_COOKIES=true", "INSECURE_COOKIES"},
		{"cross-site without anti-CSRF", map[string]string{"COOKIE_SAMESITE": "none", "ANTI_CSRF": "none"},
			"set INSECURE_CROSS_SITE_WITHOUT_CSRF=true", "INSECURE_CROSS_SITE_WITHOUT_CSRF"},
		{"http origin", map[string]string{"ALLOWED_ORIGINS": "http://app.example.com"}, "set INSECURE_HTTP_ORIGINS=true", "INSECURE_HTTP_ORIGINS"},
		{"two of them", map[string]string{"COOKIE_SECURE": "false", "ALLOWED_ORIGINS": "http://app.example.com"},
			"set INSECURE_HTTP_ORIGINS=true", "INSECURE_COOKIES, INSECURE_HTTP_ORIGINS"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"REDIS_URL": srv.URL()}
			for k, v := range c.env {
				env[k] = v
			}
			if err := runErr(t, env); !strings.Contains(err.Error(), c.refusal) {
				t.Fatalf("without the switch: %v, want %q", err, c.refusal)
			}
			for _, sw := range []string{session.SwitchInsecureCookies, session.SwitchCrossSiteWithoutCSRF, session.SwitchHTTPOrigins} {
				env[sw] = "true"
			}
			g := startGateway(t, env, time.Now)
			if want := "localgateway: insecure switches in use: " + c.switches + "\n"; !strings.Contains(g.Stderr.String(), want) {
				t.Errorf("no line %q:\n%s", want, g.Stderr)
			}
			if _, insecure := c.env["COOKIE_SECURE"]; insecure {
				r := newClient(t, g.URL).do("POST", "/auth/demo/signin", `{"userId":"`+sessiontest.UniqueUser("alice")+`"}`, "rid", "x")
				for _, v := range r.Header.Values("Set-Cookie") {
					if strings.Contains(v, "; Secure") {
						t.Errorf("Secure cookie with COOKIE_SECURE=false: %d %s", r.Status, v)
					}
				}
				if r.Status != 200 {
					t.Errorf("demo sign-in: %d %s", r.Status, r.Body)
				}
			}
		})
	}
}

// Every variable the session configuration reads reaches the in-process
// functions from the gateway's environment (configVariables), the
// insecure switches included.
func TestConfigVariablesCoverTheSessionConfiguration(t *testing.T) {
	read := map[string]bool{}
	_, _ = session.ConfigFromEnv(func(k string) (string, bool) { read[k] = true; return "", false })
	for k := range read {
		if !slices.Contains(configVariables, k) {
			t.Errorf("session.ConfigFromEnv reads %s, which the gateway's environment cannot set (configVariables)", k)
		}
	}
	if !read[session.SwitchInsecureCookies] {
		t.Fatalf("recorded only %v", read)
	}
}
