package sessionhttp_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// The demo sign-in refuses a user id that a backend would see trimmed, or
// that hides characters, before any session exists (session.ValidateNewUserID).
func TestParseDemoSignInRefusesAmbiguousUserIDs(t *testing.T) {
	for name, id := range map[string]string{
		"leading space":       ` alice`,
		"trailing space":      `alice `,
		"trailing NBSP":       `alice\u00a0`,
		"leading BOM":         `\ufeffalice`,
		"zero-width inside":   `ali\u200bce`,
		"RTL override inside": `ali\u202ece`,
	} {
		_, err := sessionhttp.ParseDemoSignIn([]byte(`{"userId":"` + id + `"}`))
		if !errors.Is(err, sessionhttp.ErrBadRequest) || !errors.Is(err, session.ErrInvalidInput) {
			t.Errorf("%s: %v, want a bad request", name, err)
		}
	}
	if in, err := sessionhttp.ParseDemoSignIn([]byte(`{"userId":"Jane Doe"}`)); err != nil || in.UserID != "Jane Doe" {
		t.Errorf("space inside: %+v %v", in, err)
	}
}

// A demo sign-in whose body does not arrive in time is 408, one cut
// short 400; both close the connection, create nothing, and say what
// happened without the read error's text (it names addresses).
func TestDemoSignInBodyReadErrors(t *testing.T) {
	f := newFixture(t, nil)
	h := sessionhttp.DemoSignInHandler(f.m, sessionhttp.Options{Logger: quiet})
	user := sessiontest.UniqueUser("d")
	for _, c := range []struct {
		name string
		err  error
		code int
		msg  string
	}{
		{"deadline passed", timeoutError{}, http.StatusRequestTimeout, "did not arrive in time"},
		{"cut short", io.ErrUnexpectedEOF, http.StatusBadRequest, "cut short"},
	} {
		body := io.MultiReader(strings.NewReader(`{"userId":"`+user+`"`), failingReader{c.err})
		r := httptest.NewRequest(http.MethodPost, "/auth/demo/signin", body)
		r.Header.Set("rid", "session")
		w := serve(h, r)
		if w.Code != c.code || !strings.Contains(w.Body.String(), c.msg) || w.Header().Get("Connection") != "close" {
			t.Errorf("%s: %d %q Connection %q, want %d saying %q and close", c.name, w.Code, w.Body, w.Header().Get("Connection"), c.code, c.msg)
		}
		if strings.Contains(w.Body.String(), c.err.Error()) || len(w.Header().Values("Set-Cookie")) != 0 {
			t.Errorf("%s: %q %v", c.name, w.Body, w.Header().Values("Set-Cookie"))
		}
	}
	if l, err := f.m.ListUser(t.Context(), user); err != nil || len(l) != 0 {
		t.Fatalf("sessions after failed reads: %v %v", l, err)
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// timeoutError is what a connection's read returns once its deadline has
// passed (a net.Error whose Timeout is true).
type timeoutError struct{}

func (timeoutError) Error() string   { return "read tcp 127.0.0.1:8080->127.0.0.1:50000: i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
