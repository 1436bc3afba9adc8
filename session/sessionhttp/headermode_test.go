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

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// The header-mode scenarios on every transport are in package lambdaproxy's
// tests (headermode_test.go); these cover the helpers and the logs.

func TestRequestsHeaderMode(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{"header"}, true},
		{[]string{"Header"}, true},
		{[]string{" HEADER "}, true},
		{[]string{"header", "header"}, true},
		{[]string{"header,header"}, true},
		{[]string{"cookie"}, false},
		{[]string{""}, false},
		{[]string{"headers"}, false},
		{[]string{"header", "cookie"}, false},
		{[]string{"header,cookie"}, false},
		{[]string{"header,"}, false},
	} {
		h := http.Header{}
		for _, v := range tc.values {
			h.Add("st-auth-mode", v)
		}
		if got := sessionhttp.RequestsHeaderMode(h); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.values, got, tc.want)
		}
	}
}

func TestSignInHeaderMode(t *testing.T) {
	f := newFixture(t, nil)
	planted := f.create(t)
	r := post("/login", map[string]string{"st-auth-mode": "header"}, f.accessCookie(planted.Access.Value))
	r = r.WithContext(sessionhttp.WithPathPrefix(r.Context(), "/prod"))
	w := httptest.NewRecorder()
	tok, err := sessionhttp.SignIn(w, r, f.m, session.CreateInput{UserID: "alice", Claims: map[string]any{"tenant": "t1"}})
	if err != nil {
		t.Fatal(err)
	}
	h := w.Header()
	if h.Get("st-access-token") != tok.Access.Value || h.Get("st-refresh-token") != tok.Refresh.Value || h.Get("front-token") != tok.FrontToken {
		t.Fatalf("header tokens %v do not match the returned tokens", h)
	}
	if ft := sessiontest.DecodeFrontToken(t, h.Get("front-token")); ft.UID != "alice" || ft.UP["tenant"] != "t1" {
		t.Fatalf("front-token %+v", ft)
	}
	// Only the clearing of the cookie the request carried: no session
	// cookie is set in header mode.
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Value != "" || c.MaxAge >= 0 {
			t.Fatalf("header-mode sign-in set a cookie: %q", h.Values("Set-Cookie"))
		}
		if c.Name == f.cfg.RefreshCookieName && c.Path != "/prod/auth/session/refresh" {
			t.Fatalf("refresh cookie cleared at %q", c.Path)
		}
	}
	if len(h.Values("Set-Cookie")) != 2 {
		t.Fatalf("want the carried cookies cleared on two lines: %q", h.Values("Set-Cookie"))
	}
	if _, err := f.m.Validate(context.Background(), planted.Access.Value); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("fixation: the planted session survived: %v", err)
	}
	if _, err := f.m.Validate(context.Background(), h.Get("st-access-token")); err != nil {
		t.Fatalf("st-access-token: %v", err)
	}

	// Without cookies, nothing but the headers.
	w = httptest.NewRecorder()
	if _, err := sessionhttp.SignIn(w, post("/login", map[string]string{"st-auth-mode": "header"}), f.m, sessionCreate("h")); err != nil {
		t.Fatal(err)
	}
	if len(w.Header().Values("Set-Cookie")) != 0 || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("header mode without cookies: %v", w.Header())
	}

	// A bearer token of another session is revoked too, in either mode.
	for _, mode := range []string{"header", "cookie"} {
		other := f.create(t)
		r := post("/login", map[string]string{"st-auth-mode": mode, "Authorization": "Bearer " + other.Access.Value})
		if _, err := sessionhttp.SignIn(httptest.NewRecorder(), r, f.m, sessionCreate("h")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.Validate(context.Background(), other.Access.Value); !errors.Is(err, session.ErrUnknown) {
			t.Fatalf("%s mode: the bearer's session survived sign-in: %v", mode, err)
		}
	}
}

func TestHeaderTokens(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.create(t)
	want := map[string]string{"st-access-token": tok.Access.Value, "st-refresh-token": tok.Refresh.Value,
		"front-token": tok.FrontToken, "Cache-Control": "no-store"}
	got := sessionhttp.HeaderTokens(tok)
	if len(got) != len(want) {
		t.Fatalf("HeaderTokens %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s = %q, want %q", k, got[k], v)
		}
	}
	h := http.Header{}
	sessionhttp.WriteHeaderTokens(h, tok)
	for k, v := range want {
		if vs := h.Values(k); len(vs) != 1 || vs[0] != v {
			t.Fatalf("WriteHeaderTokens %s = %q", k, vs)
		}
	}
	if len(h.Values("Set-Cookie")) != 0 {
		t.Fatal("WriteHeaderTokens wrote a cookie")
	}
}

// Header-mode requests log the same allow-listed fields, and no token:
// neither a bearer token sent nor one answered.
func TestLogsAllowListHeaderMode(t *testing.T) {
	f := newFixture(t, nil)
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: logger})
	tok := f.create(t)
	bearer := func(path, auth string) *http.Request {
		return post(path, map[string]string{"st-auth-mode": "header", "Authorization": auth})
	}
	secrets := []string{tok.Refresh.Value, tok.Access.Value, "forged-secret-2"}
	w := serve(h, bearer("/auth/session/refresh", "Bearer "+tok.Refresh.Value))
	if w.Code != 200 {
		t.Fatalf("refresh: %d %s", w.Code, w.Body)
	}
	secrets = append(secrets, w.Header().Get("st-access-token"), w.Header().Get("st-refresh-token"))
	serve(h, bearer("/auth/session/refresh", "Bearer forged-secret-2 "+tok.Refresh.Value)) // malformed
	serve(h, bearer("/auth/session/refresh", "Bearer "+tok.Access.Value))                  // access as refresh
	serve(h, bearer("/auth/signout", "Bearer "+w.Header().Get("st-access-token")))

	lines := strings.Split(strings.TrimSpace(buf.b.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want one record per request, got %d:\n%s", len(lines), buf.b.String())
	}
	allowed := map[string]bool{"time": true, "level": true, "msg": true, "request_id": true, "route": true, "outcome": true, "reason": true}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		for k := range rec {
			if !allowed[k] {
				t.Fatalf("log field %q is not on the allow-list: %s", k, l)
			}
		}
	}
	for _, s := range secrets {
		if s == "" || strings.Contains(buf.b.String(), s) {
			t.Fatalf("a token reached the logs (or is empty)")
		}
	}
	for i, want := range []string{`"reason":"refreshed"`, `"reason":"malformed_bearer"`, `"reason":"unknown_session"`, `"reason":"signed_out"`} {
		if !strings.Contains(lines[i], want) {
			t.Fatalf("record %d: want %s in %s", i, want, lines[i])
		}
	}
}

// FuzzHeaderModeRequest: whatever Authorization and st-auth-mode a request
// carries, the session API answers a clean 401 (a forged value never
// decodes, so the store is never consulted), never a 5xx or a panic, and
// never echoes the value.
func FuzzHeaderModeRequest(f *testing.F) {
	for _, s := range []string{
		"", "Bearer", "Bearer x", "bearer x", "Bearer a b", "Basic dXNlcjpwYXNz", "sAccessToken=x; sRefreshToken=y",
		"Bearer " + strings.Repeat("A", 10<<10), "Bearer tökén", "Bearer \x00", "Bearer a,Bearer b",
	} {
		f.Add(s, "header")
	}
	f.Add("Bearer x", "cookie")
	f.Add("Bearer x", "")
	fx := newFixture(f, nil)
	h := sessionhttp.New(fx.m, sessionhttp.Options{Logger: quiet})
	// fixed is every header text an answer carries whatever the request:
	// an input found in it is not an echo.
	var fixed strings.Builder
	for _, path := range []string{"/auth/session/refresh", "/auth/signout"} {
		for k, vs := range serve(h, post(path, sdk)).Header() {
			fixed.WriteString(k + ": " + strings.Join(vs, "\n") + "\n")
		}
	}
	f.Fuzz(func(t *testing.T, auth, mode string) {
		for _, path := range []string{"/auth/session/refresh", "/auth/signout"} {
			r := httptest.NewRequest(http.MethodPost, path, nil)
			r.Header.Set("rid", "session")
			r.Header["Authorization"] = []string{auth}
			r.Header["St-Auth-Mode"] = []string{mode}
			w := serve(h, r)
			if w.Code != http.StatusUnauthorized || w.Body.String() != `{"message":"unauthorised"}` {
				t.Fatalf("%s: %d %s", path, w.Code, w.Body)
			}
			if w.Header().Get("front-token") != "remove" {
				t.Fatalf("%s: front-token %q", path, w.Header().Get("front-token"))
			}
			a := strings.TrimSpace(auth)
			for k, vs := range w.Header() {
				for _, v := range vs {
					if a != "" && strings.Contains(v, a) && !strings.Contains(fixed.String(), a) {
						t.Fatalf("%s: header %s echoes the Authorization value", path, k)
					}
				}
			}
		}
	})
}
