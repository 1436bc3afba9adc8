package sessionhttp_test

import (
	"net/http"
	"testing"

	"github.com/sessiongate/sessiongate/session/sessionhttp"
)

// BenchmarkRefresh measures one refresh request end to end in process: the
// handler, securecookie decode and encode, and one Lua round trip to a real
// redis-server on loopback. Each iteration refreshes with the token the
// previous one returned, with the access cookie it set, as a browser
// would.
func BenchmarkRefresh(b *testing.B) {
	f := newFixture(b, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	tok, err := f.m.Create(b.Context(), sessionCreate("bench"))
	if err != nil {
		b.Fatal(err)
	}
	access, cur := tok.Access.Value, tok.Refresh.Value
	b.ReportAllocs()
	for b.Loop() {
		w := serve(h, post("/auth/session/refresh", sdk, f.sessionCookies(access, cur)...))
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
		lines := w.Header().Values("Set-Cookie")
		a, err := http.ParseSetCookie(lines[0])
		if err != nil {
			b.Fatal(err)
		}
		c, err := http.ParseSetCookie(lines[1])
		if err != nil {
			b.Fatal(err)
		}
		access, cur = a.Value, c.Value
	}
}

// BenchmarkRefreshNoCookie measures the routine first-load probe: a refresh
// with no cookie at all, which never reaches the store.
func BenchmarkRefreshNoCookie(b *testing.B) {
	f := newFixture(b, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	b.ReportAllocs()
	for b.Loop() {
		if w := serve(h, post("/auth/session/refresh", sdk)); w.Code != http.StatusUnauthorized {
			b.Fatal(w.Code)
		}
	}
}
