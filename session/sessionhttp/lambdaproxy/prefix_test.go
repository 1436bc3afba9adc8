package lambdaproxy_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// The refresh cookie's Path is the path under which the browser really
// calls the refresh route. testdata/shapes holds real-shaped refresh events
// for the three ways a browser reaches an API Gateway API, as REST (payload
// 1.0) and HTTP API (payload 2.0) events; every route below is reached by
// replacing the refresh route's path in them.
var shapes = []struct {
	name, file string
	prefix     string // what the browser sees in front of /auth/...
}{
	{"REST execute-api stage prod", "v1-execute-api-stage", "/prod"},
	{"REST custom domain base path v1", "v1-custom-domain-base-path", "/v1"},
	{"REST custom domain root", "v1-custom-domain-root", ""},
	{"HTTP API execute-api stage prod", "v2-execute-api-stage", "/prod"},
	{"HTTP API custom domain base path v1", "v2-custom-domain-base-path", "/v1"},
	{"HTTP API custom domain root", "v2-custom-domain-root", ""},
}

const refreshRoute = "/auth/session/refresh"

// sendShape invokes h through aws-lambda-go with the shape's event for
// POST route, carrying cookies and body.
func sendShape(t *testing.T, h http.Handler, file, route string, cookies []*http.Cookie, body string) result {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "shapes", file+".json"))
	if err != nil {
		t.Fatal(err)
	}
	raw = []byte(strings.ReplaceAll(string(raw), refreshRoute, route))
	if strings.HasPrefix(file, "v2-") {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		for _, c := range cookies {
			ev.Cookies = append(ev.Cookies, c.Name+"="+c.Value)
		}
		ev.Body = body
		var resp events.APIGatewayV2HTTPResponse
		invoke(t, h, ev, &resp)
		hd := http.Header{}
		for k, v := range resp.Headers {
			hd.Add(k, v)
		}
		return result{status: resp.StatusCode, header: hd, setCookies: resp.Cookies, body: resp.Body}
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		ev.MultiValueHeaders["cookie"] = append(ev.MultiValueHeaders["cookie"], c.Name+"="+c.Value)
		ev.Headers["cookie"] = c.Name + "=" + c.Value
	}
	ev.Body = body
	var resp events.APIGatewayProxyResponse
	invoke(t, h, ev, &resp)
	hd := http.Header{}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			hd.Add(k, v)
		}
	}
	sc := hd.Values("Set-Cookie")
	hd.Del("Set-Cookie")
	return result{status: resp.StatusCode, header: hd, setCookies: sc, body: resp.Body}
}

// refreshCookie returns the one refresh cookie Set-Cookie of r and whether
// it clears the cookie.
func refreshCookie(t *testing.T, r result) (c *http.Cookie, cleared bool) {
	t.Helper()
	c = parseSetCookies(t, r.setCookies)[names.RefreshCookieName]
	if c == nil {
		t.Fatalf("%d %s: no %s in %q", r.status, r.body, names.RefreshCookieName, r.setCookies)
	}
	return c, c.MaxAge < 0 && c.Value == "" && c.Expires.Before(time.Unix(1, 0))
}

func TestRefreshCookiePathFromEvent(t *testing.T) {
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	for _, mode := range []struct {
		name        string
		stagePrefix string // STAGE_PREFIX
	}{
		{"derived", ""},
		{"STAGE_PREFIX overrides", "/override"},
	} {
		e := newEnvWith(t, srv, func(c *session.Config) { c.StagePrefix = mode.stagePrefix })
		// The session API and the demo sign-in route behind one Lambda: the
		// mux sees the routes' own paths, the prefix travels in the context.
		mux := http.NewServeMux()
		mux.Handle("/auth/demo/signin", sessionhttp.DemoSignInHandler(e.m, sessionhttp.Options{Logger: quiet}))
		mux.Handle("/", e.h)
		for _, sh := range shapes {
			want := sh.prefix + refreshRoute
			if mode.stagePrefix != "" {
				want = mode.stagePrefix + refreshRoute
			}
			t.Run(mode.name+"/"+sh.name, func(t *testing.T) {
				tok := e.signIn(t)

				r := sendShape(t, mux, sh.file, refreshRoute, []*http.Cookie{ac(tok.Access.Value), rc(tok.Refresh.Value)}, "")
				if c, cleared := refreshCookie(t, r); r.status != 200 || cleared || c.Path != want {
					t.Fatalf("refresh: %d, refresh cookie Path %q (cleared %v), want %q", r.status, c.Path, cleared, want)
				}

				r = sendShape(t, mux, sh.file, refreshRoute, []*http.Cookie{rc("not-a-token")}, "")
				if c, cleared := refreshCookie(t, r); r.status != 401 || !cleared || c.Path != want {
					t.Fatalf("failed refresh: %d, refresh cookie Path %q (cleared %v), want %q", r.status, c.Path, cleared, want)
				}

				r = sendShape(t, mux, sh.file, "/auth/signout", []*http.Cookie{ac(tok.Access.Value)}, "")
				if c, cleared := refreshCookie(t, r); r.status != 200 || !cleared || c.Path != want {
					t.Fatalf("sign-out: %d, refresh cookie Path %q (cleared %v), want %q", r.status, c.Path, cleared, want)
				}

				r = sendShape(t, mux, sh.file, "/auth/demo/signin", nil, `{"userId":"`+sessiontest.UniqueUser("demo")+`"}`)
				if c, cleared := refreshCookie(t, r); r.status != 200 || cleared || c.Path != want {
					t.Fatalf("demo sign-in: %d %s, refresh cookie Path %q (cleared %v), want %q", r.status, r.body, c.Path, cleared, want)
				}

				r = sendShape(t, mux, sh.file, "/auth/session/other", nil, "")
				if r.status != 404 || len(r.setCookies) != 0 {
					t.Fatalf("unknown route: %d %q", r.status, r.setCookies)
				}
			})
		}
	}
}
