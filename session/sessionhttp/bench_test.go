package sessionhttp_test

import (
	"net/http"
	"testing"

	"github.com/sessiongate/sessiongate/session/sessionhttp"
)

// BenchmarkRefresh measures one refresh request end to end in process: the
// handler, securecookie decode and encode, and one Lua round trip to a real
// redis-server on loopback. Each iteration refreshes with the token the
// previous one returned, as a browser would.
func BenchmarkRefresh(b *testing.B) {
	f := newFixture(b, nil)
	h := sessionhttp.New(f.m, sessionhttp.Options{Logger: quiet})
	tok, err := f.m.Create(b.Context(), sessionCreate("bench"))
	if err != nil {
		b.Fatal(err)
	}
	cur := tok.Refresh.Value
	b.ReportAllocs()
	for b.Loop() {
		w := serve(h, post("/auth/session/refresh", sdk, &http.Cookie{Name: "sRefreshToken", Value: cur}))
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
		c, err := http.ParseSetCookie(w.Header().Values("Set-Cookie")[1])
		if err != nil {
			b.Fatal(err)
		}
		cur = c.Value
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
