package sessionhttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// emfLine is one CloudWatch Embedded Metric Format line of the session
// API.
type emfLine struct {
	AWS struct {
		Timestamp         int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	} `json:"_aws"`
	Route           string `json:"Route"`
	Outcome         string `json:"Outcome"`
	Requests        *int   `json:"Requests"`
	SessionsEvicted *int   `json:"SessionsEvicted"`
}

// metricLines parses every line of buf, checking the parts every line
// shares: the namespace, the dimension sets, Requests = 1, the timestamp
// of clock, and the metric declarations matching the values present.
func metricLines(t *testing.T, buf *syncBuffer, clock *sessiontest.Clock) []emfLine {
	t.Helper()
	buf.mu.Lock()
	text := buf.b.String()
	buf.b.Reset()
	buf.mu.Unlock()
	var out []emfLine
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if l == "" {
			continue
		}
		var e emfLine
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("metric line %s: %v", l, err)
		}
		if len(e.AWS.CloudWatchMetrics) != 1 {
			t.Fatalf("metric line %s: want one metric directive", l)
		}
		d := e.AWS.CloudWatchMetrics[0]
		dims, _ := json.Marshal(d.Dimensions)
		if d.Namespace != sessionhttp.MetricNamespace || sessionhttp.MetricNamespace != "sessiongate" || string(dims) != `[["Route","Outcome"],["Outcome"]]` {
			t.Fatalf("metric line %s: namespace or dimensions", l)
		}
		want := []string{sessionhttp.MetricRequests}
		if e.SessionsEvicted != nil {
			want = append(want, sessionhttp.MetricSessionsEvicted)
		}
		var got []string
		for _, m := range d.Metrics {
			if m.Unit != "Count" {
				t.Fatalf("metric line %s: unit %q", l, m.Unit)
			}
			got = append(got, m.Name)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || e.Requests == nil || *e.Requests != 1 {
			t.Fatalf("metric line %s: metrics %v, want %v and Requests 1", l, got, want)
		}
		if e.AWS.Timestamp != clock.Now().UnixMilli() {
			t.Fatalf("metric line %s: timestamp, want %d", l, clock.Now().UnixMilli())
		}
		out = append(out, e)
	}
	return out
}

// wantMetric checks that exactly one line was written since the last call,
// for route and outcome, with evicted sessions (0: no SessionsEvicted).
func wantMetric(t *testing.T, buf *syncBuffer, clock *sessiontest.Clock, route, outcome string, evicted int) {
	t.Helper()
	ls := metricLines(t, buf, clock)
	if len(ls) != 1 {
		t.Fatalf("want one metric line for %s/%s, got %d: %+v", route, outcome, len(ls), ls)
	}
	e := ls[0]
	if e.Route != route || e.Outcome != outcome {
		t.Fatalf("metric %s/%s, want %s/%s", e.Route, e.Outcome, route, outcome)
	}
	switch {
	case evicted == 0 && e.SessionsEvicted != nil:
		t.Fatalf("SessionsEvicted %d on a line without eviction", *e.SessionsEvicted)
	case evicted > 0 && (e.SessionsEvicted == nil || *e.SessionsEvicted != evicted):
		t.Fatalf("SessionsEvicted %v, want %d", e.SessionsEvicted, evicted)
	}
}

// One metric line per request, on every route and outcome the alarms and
// dashboards rely on.
func TestMetrics(t *testing.T) {
	f := newFixture(t, func(c *session.Config) { c.MaxSessionsPerUser = 2 })
	var buf syncBuffer
	opts := sessionhttp.Options{Logger: quiet, Metrics: &buf, Now: f.clock.Now}
	h := sessionhttp.New(f.m, opts)
	demo := sessionhttp.DemoSignInHandler(f.m, opts)
	ctx := context.Background()

	t.Run("refresh ok", func(t *testing.T) {
		tok := f.create(t)
		if w := serve(h, post("/auth/session/refresh", sdk, f.sessionCookies(tok.Access.Value, tok.Refresh.Value)...)); w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		wantMetric(t, &buf, f.clock, sessionhttp.RouteRefresh, sessionhttp.OutcomeOK, 0)
	})
	t.Run("refresh unauthorised", func(t *testing.T) {
		serve(h, post("/auth/session/refresh", sdk))
		wantMetric(t, &buf, f.clock, "refresh", "unauthorised", 0)
		serve(h, post("/auth/session/refresh", sdk, f.refreshCookie("forged")))
		wantMetric(t, &buf, f.clock, "refresh", "unauthorised", 0)
	})
	t.Run("refresh theft", func(t *testing.T) {
		tok, _ := theft(t, f, h)
		buf.reset()
		// The stolen pair: the first refresh token and the access cookie
		// issued with it, two generations old.
		if w := serve(h, post("/auth/session/refresh", sdk, f.sessionCookies(tok.Access.Value, tok.Refresh.Value)...)); w.Code != 401 || !strings.Contains(w.Body.String(), "theft") {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		wantMetric(t, &buf, f.clock, "refresh", sessionhttp.OutcomeTheft, 0)
	})
	t.Run("sign-out", func(t *testing.T) {
		tok := f.create(t)
		serve(h, post("/auth/signout", sdk, f.accessCookie(tok.Access.Value)))
		wantMetric(t, &buf, f.clock, sessionhttp.RouteSignOut, "ok", 0)
		serve(h, post("/auth/signout", sdk, f.accessCookie(tok.Access.Value)))
		wantMetric(t, &buf, f.clock, "signout", "unauthorised", 0)
	})
	t.Run("refused before the route", func(t *testing.T) {
		serve(h, post("/auth/signout", map[string]string{"Origin": origin})) // no rid
		wantMetric(t, &buf, f.clock, "signout", sessionhttp.OutcomeForbidden, 0)
		serve(h, httptest.NewRequest(http.MethodGet, "/auth/session/refresh", nil))
		wantMetric(t, &buf, f.clock, "refresh", sessionhttp.OutcomeBadRequest, 0)
		// A preflight and an unknown path are not session API requests.
		p := httptest.NewRequest(http.MethodOptions, "/auth/session/refresh", nil)
		p.Header.Set("Origin", origin)
		serve(h, p)
		serve(h, post("/auth/nowhere", sdk))
		if ls := metricLines(t, &buf, f.clock); len(ls) != 0 {
			t.Fatalf("preflight or unknown path counted: %+v", ls)
		}
	})
	t.Run("sign-in and eviction", func(t *testing.T) {
		user := sessiontest.UniqueUser("evict")
		for i := range 3 {
			w := httptest.NewRecorder()
			tok, err := h.SignIn(w, post("/login", nil), session.CreateInput{UserID: user})
			if err != nil {
				t.Fatal(err)
			}
			// The limit is 2: the third sign-in ends the least recently used.
			wantEvicted := 0
			if i == 2 {
				wantEvicted = 1
			}
			if len(tok.Evicted) != wantEvicted {
				t.Fatalf("sign-in %d evicted %v", i, tok.Evicted)
			}
			wantMetric(t, &buf, f.clock, sessionhttp.RouteSignIn, "ok", wantEvicted)
			f.clock.Advance(time.Second)
		}
		w := serve(demo, demoRequest(`{"userId":"`+user+`"}`))
		if w.Code != 200 {
			t.Fatalf("demo sign-in %d %s", w.Code, w.Body)
		}
		wantMetric(t, &buf, f.clock, "signin", "ok", 1)
		serve(demo, demoRequest(`{"userId":""}`))
		wantMetric(t, &buf, f.clock, "signin", sessionhttp.OutcomeBadRequest, 0)
		if _, err := h.SignIn(httptest.NewRecorder(), post("/login", nil), session.CreateInput{UserID: " padded "}); !errors.Is(err, session.ErrInvalidInput) {
			t.Fatalf("padded user id: %v", err)
		}
		wantMetric(t, &buf, f.clock, "signin", "bad_request", 0)
		if l, err := f.m.ListUser(ctx, user); err != nil || len(l) != 2 {
			t.Fatalf("the user has %d sessions (%v), want the limit", len(l), err)
		}
	})
	t.Run("self-service", func(t *testing.T) {
		tok := f.create(t)
		serve(h, get("/auth/sessions", f.accessCookie(tok.Access.Value)))
		wantMetric(t, &buf, f.clock, sessionhttp.RouteSessions, "ok", 0)
		serve(h, del("/auth/sessions/"+strings.Repeat("0", 32), f.accessCookie(tok.Access.Value)))
		wantMetric(t, &buf, f.clock, sessionhttp.RouteEndSession, sessionhttp.OutcomeNotFound, 0)
		serve(h, post("/auth/sessions/revoke-others", sdk, f.accessCookie(tok.Access.Value)))
		wantMetric(t, &buf, f.clock, sessionhttp.RouteRevokeOthers, "ok", 0)
		serve(h, get("/auth/sessions"))
		wantMetric(t, &buf, f.clock, "sessions", "unauthorised", 0)
		f.clock.Advance(f.cfg.ReauthWindow + time.Second)
		serve(h, post("/auth/sessions/revoke-others", sdk, f.accessCookie(tok.Access.Value)))
		wantMetric(t, &buf, f.clock, "revoke-others", sessionhttp.OutcomeReauth, 0)
	})
	// Last: it stops the server.
	t.Run("store error", func(t *testing.T) {
		tok := f.create(t)
		f.srv.Stop()
		if w := serve(h, post("/auth/session/refresh", sdk, f.sessionCookies(tok.Access.Value, tok.Refresh.Value)...)); w.Code != 503 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		wantMetric(t, &buf, f.clock, "refresh", sessionhttp.OutcomeStoreError, 0)
		if w := serve(demo, demoRequest(`{"userId":"x"}`)); w.Code != 503 {
			t.Fatalf("demo sign-in with the store down: %d", w.Code)
		}
		wantMetric(t, &buf, f.clock, "signin", "store_error", 0)
	})
}

// theft makes a session whose first refresh token the next refresh
// reports as stolen: rotated out, its successor used, the grace window
// over. It returns the session's tokens (tok.Refresh.Value is the stolen
// one, tok.Access.Value the access cookie stolen with it) and every token
// and Set-Cookie line the two rotations issued. The legitimate browser
// refreshes with the cookies each rotation set.
func theft(t *testing.T, f fixture, h http.Handler) (tok session.Tokens, issued []string) {
	t.Helper()
	tok = f.create(t)
	access, next := tok.Access.Value, tok.Refresh.Value
	for range 2 {
		w := serve(h, post("/auth/session/refresh", sdk, f.sessionCookies(access, next)...))
		if w.Code != 200 {
			t.Fatalf("refresh %d %s", w.Code, w.Body)
		}
		access, next = setCookieNamed(t, w, f.cfg.AccessCookieName).Value, refreshSetCookie(t, w).Value
		issued = append(issued, w.Header().Values("Set-Cookie")...)
		issued = append(issued, access, next)
	}
	f.clock.Advance(f.cfg.Grace + time.Second)
	return tok, issued
}

func demoRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/auth/demo/signin", strings.NewReader(body))
	r.Header.Set("rid", "session")
	r.Header.Set("Origin", origin)
	return r
}

func get(path string, cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Origin", origin)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

func del(path string, cookies ...*http.Cookie) *http.Request {
	r := get(path, cookies...)
	r.Method = http.MethodDelete
	r.Header.Set("rid", "session")
	return r
}

// A theft is logged once, at warn, with the session and user ids as salted
// hashes and nothing that could replay a token.
func TestTheftLoggedWithHashes(t *testing.T) {
	f := newFixture(t, nil)
	var logs syncBuffer
	salt := []byte("log salt of this test")
	h := sessionhttp.New(f.m, sessionhttp.Options{
		Logger:  slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		LogSalt: salt,
	})
	for _, mode := range []string{"cookie", "header"} {
		t.Run(mode, func(t *testing.T) {
			logs.reset()
			tok, issued := theft(t, f, h)
			secrets := append([]string{tok.Access.Value, tok.Refresh.Value}, issued...)
			r := post("/auth/session/refresh", sdk, f.sessionCookies(tok.Access.Value, tok.Refresh.Value)...)
			if mode == "header" {
				r = post("/auth/session/refresh", map[string]string{"Authorization": "Bearer " + tok.Refresh.Value, "st-auth-mode": "header"})
			}
			if w := serve(h, r); w.Code != 401 || w.Body.String() != `{"message":"token theft detected"}` {
				t.Fatalf("theft: %d %s", w.Code, w.Body)
			}
			text := logs.String()
			var thefts []map[string]any
			for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Fatal(err)
				}
				if rec["outcome"] == sessionhttp.OutcomeTheft {
					thefts = append(thefts, rec)
				}
			}
			if len(thefts) != 1 {
				t.Fatalf("want the theft logged once, got %d:\n%s", len(thefts), text)
			}
			rec := thefts[0]
			if rec["level"] != "WARN" || rec["route"] != "refresh" || rec["reason"] != "token_theft" {
				t.Fatalf("theft record %v", rec)
			}
			if want := logid.Hash(salt, tok.SessionID); rec["sid"] != want {
				t.Fatalf("sid %v, want the salted hash %s", rec["sid"], want)
			}
			if rec["uid"] != logid.Hash(salt, tok.UserID) {
				t.Fatalf("uid %v, want the salted hash %s", rec["uid"], logid.Hash(salt, tok.UserID))
			}
			for _, raw := range []string{tok.SessionID, tok.UserID} {
				if strings.Contains(text, raw) {
					t.Fatalf("a raw id reached the logs: %s", raw)
				}
			}
			for _, s := range secrets {
				if s != "" && strings.Contains(text, s) {
					t.Fatal("a token or cookie reached the logs")
				}
			}
			if strings.Contains(strings.ToLower(text), "cookie") || strings.Contains(text, "Bearer") {
				t.Fatalf("the logs mention a credential:\n%s", text)
			}
		})
	}
}

// Sign-out revokes every authentic session the request presents: both of
// two access cookies (one tossed beside the user's) and the bearer token.
func TestSignOutRevokesEveryPresentedSession(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	victim, tossed, bearer := f.create(t), f.create(t), f.create(t)
	r := post("/auth/signout", map[string]string{"rid": "session", "Authorization": "Bearer " + bearer.Access.Value},
		f.accessCookie(tossed.Access.Value), f.accessCookie("junk"), f.accessCookie(victim.Access.Value))
	if w := serve(h, r); w.Code != 200 || w.Body.String() != `{"status":"OK"}` {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for name, tok := range map[string]session.Tokens{"victim": victim, "tossed": tossed, "bearer": bearer} {
		if _, err := f.m.Validate(context.Background(), tok.Access.Value); !errors.Is(err, session.ErrUnknown) {
			t.Errorf("%s's session survived sign-out: %v", name, err)
		}
	}
}

// Sign-in stores the summary of the request's User-Agent, which the
// sessions list shows.
func TestSignInRecordsUserAgent(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	demo := sessionhttp.DemoSignInHandler(f.m, sessionhttp.Options{Logger: quiet})
	const ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
	want := session.SummarizeUserAgent(ua)
	if want == "" {
		t.Fatal("the summary of a Safari User-Agent is empty")
	}
	user := sessiontest.UniqueUser("ua")
	r := post("/login", map[string]string{"User-Agent": ua})
	if _, err := sessionhttp.SignIn(httptest.NewRecorder(), r, f.m, session.CreateInput{UserID: user}); err != nil {
		t.Fatal(err)
	}
	r = post("/login", map[string]string{"User-Agent": ua})
	if _, err := h.SignIn(httptest.NewRecorder(), r, session.CreateInput{UserID: user}); err != nil {
		t.Fatal(err)
	}
	r = demoRequest(`{"userId":"` + user + `"}`)
	r.Header.Set("User-Agent", ua)
	if w := serve(demo, r); w.Code != 200 {
		t.Fatalf("demo %d %s", w.Code, w.Body)
	}
	// An explicit UserAgent wins over the header.
	r = post("/login", map[string]string{"User-Agent": ua})
	if _, err := sessionhttp.SignIn(httptest.NewRecorder(), r, f.m, session.CreateInput{UserID: user, UserAgent: "curl/8.5.0"}); err != nil {
		t.Fatal(err)
	}
	l, err := f.m.ListUser(context.Background(), user)
	if err != nil || len(l) != 4 {
		t.Fatalf("%d sessions, %v", len(l), err)
	}
	n := 0
	for _, in := range l {
		switch in.Agent {
		case want:
			n++
		case session.SummarizeUserAgent("curl/8.5.0"):
		default:
			t.Fatalf("agent %q", in.Agent)
		}
	}
	if n != 3 {
		t.Fatalf("%d sessions with the request's agent, want 3", n)
	}
}

// In plain net/http the self-service routes are found under any clean
// prefix, and ending the current session clears the refresh cookie at the
// Path it has under that prefix.
func TestSelfServicePlainHTTPRouting(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	if h.SessionsPath() != "/auth/sessions" {
		t.Fatalf("SessionsPath %q", h.SessionsPath())
	}
	tok := f.create(t)
	if w := serve(h, get("/prod/auth/sessions", f.accessCookie(tok.Access.Value))); w.Code != 200 || !strings.Contains(w.Body.String(), tok.SessionID) {
		t.Fatalf("list under /prod: %d %s", w.Code, w.Body)
	}
	for _, p := range []string{"/prod/auth/sessions/", "/auth/sessions/a/b", "/a;b/auth/sessions/" + tok.SessionID, "/auth/sessionsx/" + tok.SessionID} {
		if w := serve(h, del(p, f.accessCookie(tok.Access.Value))); w.Code != 404 || w.Body.String() != `{"message":"not found"}` {
			t.Errorf("%s: %d %s, want the unknown-path 404", p, w.Code, w.Body)
		}
	}
	if w := serve(h, del("/auth/sessions/revoke-others", f.accessCookie(tok.Access.Value))); w.Code != 405 || w.Header().Get("Allow") != "POST, OPTIONS" {
		t.Fatalf("DELETE revoke-others: %d %v", w.Code, w.Header())
	}
	w := serve(h, del("/v1/auth/sessions/"+tok.SessionID, f.accessCookie(tok.Access.Value)))
	if c := refreshSetCookie(t, w); w.Code != 200 || c.Path != "/v1/auth/session/refresh" || c.MaxAge >= 0 || w.Header().Get("front-token") != "remove" {
		t.Fatalf("ending the current session: %d, refresh cookie %+v", w.Code, c)
	}
}

// One credential decides on the self-service routes, chosen as the
// authorizer chooses it: a request in header mode is answered by its
// bearer token alone, so a victim's expired bearer token beside a cookie
// planted for another user is a 401, never the planter's list; without
// header mode the cookies decide.
func TestSelfServiceOneCredentialDecides(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	victim := f.create(t)
	f.clock.Advance(f.cfg.AccessTTL) // the victim's bearer token has expired
	planted := f.create(t)
	r := get("/auth/sessions", f.accessCookie(planted.Access.Value))
	r.Header.Set("Authorization", "Bearer "+victim.Access.Value)
	r.Header.Set(sessionhttp.HeaderAuthMode, "header")
	if w := serve(h, r); w.Code != 401 || strings.Contains(w.Body.String(), planted.SessionID) {
		t.Fatalf("header mode, expired bearer beside a planted cookie: %d %s; want 401", w.Code, w.Body)
	}
	r.Header.Del(sessionhttp.HeaderAuthMode)
	if w := serve(h, r); w.Code != 200 || !strings.Contains(w.Body.String(), planted.SessionID) {
		t.Fatalf("cookie mode: the cookie decides, as on a protected route: %d %s", w.Code, w.Body)
	}
}
