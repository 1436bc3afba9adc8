package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The browser example is served at "/" from the binary itself.
func TestServesBrowserExample(t *testing.T) {
	g := startGateway(t, map[string]string{}, time.Now)
	for path, want := range map[string]string{
		"/":                              "supertokens-session.js",
		"/app.js":                        "window.sgState",
		"/style.css":                     "{",
		"/vendor/supertokens-session.js": "supertokensSession",
		"/vendor/supertokens-website.js": "supertokensWebsite",
		"/nothing-here.js":               "404",
	} {
		resp, err := http.Get(g.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if path == "/nothing-here.js" {
			if resp.StatusCode != 404 {
				t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: status %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
}
