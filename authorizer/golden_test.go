package authorizer_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden feeds realistic API Gateway events (testdata/*.event.json:
// REST and HTTP API REQUEST events with cookies or a bearer token, TOKEN
// events) to the authorizer over a stub of the session engine and compares
// the exact response with testdata/*.golden.json. In events,
// {{ACCESS_NAME}} is replaced by the configured access cookie name (the
// default, __Host-sAccessToken), {{ACCESS}} by a valid access token (the
// cookie's value, or the bearer token), {{TOSSED}} by that of a revoked
// session (a tossed copy, a stale cookie) and {{ATTACKER}} by a valid one
// of another user (a tossed copy that would swap the user: refused as
// ambiguous). In responses, values that change on every run (session
// id, a new cookie or access token, front-token, dates) are replaced by
// placeholders.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.event.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden events: %v", err)
	}
	rotate := map[string]bool{"rest-rotated": true, "rest-bearer-header-mode": true, "http-bearer-rotated": true, "token-rotated": true}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".event.json")
		t.Run(name, func(t *testing.T) {
			e := newStubEnv(t, envOptions{rules: testRules})
			tok := e.signIn("user-golden", []string{"viewer"}, map[string]any{"plan": "pro"})
			tossed := e.signIn("user-tossed", nil, nil)
			e.revoke(tossed)
			attacker := e.signIn("user-attacker", nil, nil)
			if rotate[name] {
				e.stub.rotateNext(tok.SessionID)
			}
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in = bytes.ReplaceAll(in, []byte("{{ACCESS_NAME}}"), []byte(e.cfg.AccessCookieName))
			in = bytes.ReplaceAll(in, []byte("{{ACCESS}}"), []byte(tok.Access.Value))
			in = bytes.ReplaceAll(in, []byte("{{ATTACKER}}"), []byte(attacker.Access.Value))
			in = bytes.ReplaceAll(in, []byte("{{TOSSED}}"), []byte(tossed.Access.Value))
			res := e.invoke(in)
			var got []byte
			if res.err != nil {
				got, _ = json.MarshalIndent(map[string]string{"error": res.err.Error()}, "", "  ")
			} else {
				var buf bytes.Buffer
				if err := json.Indent(&buf, res.raw, "", "  "); err != nil {
					t.Fatal(err)
				}
				got = buf.Bytes()
				got = bytes.ReplaceAll(got, []byte(tok.SessionID), []byte("{{SESSION_ID}}"))
				c := res.context(t)
				if sc, _ := c["setCookie"].(string); sc != "" {
					nc := setCookieValue(t, sc)
					got = bytes.ReplaceAll(got, []byte(nc.Value), []byte("{{NEW_ACCESS}}"))
					got = expiresRE.ReplaceAll(got, []byte("Expires={{EXPIRES}}"))
				}
				if at, _ := c["accessToken"].(string); at != "" {
					got = bytes.ReplaceAll(got, []byte(at), []byte("{{NEW_ACCESS}}"))
				}
				if ft, _ := c["frontToken"].(string); ft != "" {
					got = bytes.ReplaceAll(got, []byte(ft), []byte("{{FRONT_TOKEN}}"))
				}
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("response differs from %s:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

var expiresRE = regexp.MustCompile(`Expires=[^;"]+`)
