package session

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func testCodec(t testing.TB) (codec, codec) {
	k, err := ParseKeys(newKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := GenerateKeys(nil)
	k2, _ := ParseKeys(v2)
	return newCodec(k, 3600), newCodec(append(k2, k...), 3600)
}

func TestTokenRoundTrip(t *testing.T) {
	c, rotated := testCodec(t)
	tok := token{tag: userTag("u"), gen: 1<<40 + 7}
	copy(tok.handle[:], "0123456789abcdef")
	v, err := c.encode("sAccessToken", tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range []codec{c, rotated} {
		got, err := cc.decode("sAccessToken", v)
		if err != nil || got != tok {
			t.Fatalf("decode: %v %+v", err, got)
		}
	}
	if _, err := c.decode("sRefreshToken", v); !errors.Is(err, ErrUnknown) {
		t.Fatalf("cookie name not bound: %v", err)
	}
	if len(v) > 200 {
		t.Fatalf("cookie value is %d bytes", len(v))
	}
}

func TestParseKeysReportsEveryProblemWithoutKeys(t *testing.T) {
	good, _ := GenerateKeys(nil)
	short := "c2hvcnQ=:c2hvcnQ="
	_, err := ParseKeys(good + "," + short + ",nocolon,!!!:???")
	if err == nil {
		t.Fatal("bad keys accepted")
	}
	msg := err.Error()
	for _, want := range []string{"pair 2: hash key must be 32 or 64 bytes", "pair 3: want", "pair 4: hash key is not base64"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in %q", want, msg)
		}
	}
	for _, part := range strings.FieldsFunc(good, func(r rune) bool { return r == ':' }) {
		if strings.Contains(msg, part) {
			t.Fatal("error message prints key material")
		}
	}
	k, _ := ParseKeys(good)
	if s := strings.Join([]string{k[0].String(), k[0].GoString()}, ""); strings.Contains(s, string(k[0].Hash[:4])) || !strings.Contains(s, "redacted") {
		t.Fatal("KeyPair prints its bytes")
	}
	// URL-safe and unpadded forms are accepted.
	url := strings.NewReplacer("+", "-", "/", "_", "=", "").Replace(good)
	if _, err := ParseKeys(url); err != nil {
		t.Fatalf("URL-safe keys: %v", err)
	}
}

func TestConfigFromEnvListsEveryProblem(t *testing.T) {
	env := map[string]string{
		"SESSION_KEYS":         "",
		"SESSION_ACCESS_TTL":   "soon",
		"SESSION_ROTATE_AFTER": "20m",
		"COOKIE_SECURE":        "maybe",
		"COOKIE_SAMESITE":      "sideways",
		"ALLOWED_ORIGINS":      "*,https://ok.example.com,ftp://x",
		"ANTI_CSRF":            "tokens",
	}
	_, err := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"SESSION_KEYS", "SESSION_ACCESS_TTL", "SESSION_ROTATE_AFTER (20m0s) must be > 0 and < SESSION_ACCESS_TTL", "COOKIE_SECURE", "COOKIE_SAMESITE", "* is not allowed", `"ftp://x"`, "ANTI_CSRF"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "ok.example.com") {
		t.Error("a valid origin was reported")
	}
	keys, _ := GenerateKeys(nil)
	env = map[string]string{"SESSION_KEYS": keys, "SESSION_ACCESS_TTL": "6s", "SESSION_ROTATE_AFTER": "2s", "SESSION_GRACE": "0s", "SESSION_IDLE_TIMEOUT": "6s", "SESSION_ABSOLUTE_TIMEOUT": "6s", "COOKIE_SECURE": "false", "INSECURE_COOKIES": "true", "ALLOWED_ORIGINS": "http://127.0.0.1:8080/"}
	c, err := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("short lifetimes rejected: %v", err)
	}
	if c.AccessTTL != 6*time.Second || !c.InsecureCookies || c.AllowedOrigins[0] != "http://127.0.0.1:8080" || c.RefreshCookiePath() != "/auth/session/refresh" || c.ReauthWindow != 6*time.Second {
		t.Fatalf("parsed %+v", c)
	}
}

func TestFrontTokenIsJSONWithClaims(t *testing.T) {
	m := &Manager{cfg: DefaultConfig()}
	issued := time.UnixMilli(1_700_000_000_123)
	ft := m.frontToken("abc", State{UserID: "ü\"x", Roles: []string{"a"}, Claims: []byte(`{"k":1}`), AccessIssued: issued})
	want := `{"uid":"ü\"x","ate":1700000900123,"up":{"k":1,"sub":"ü\"x","sessionId":"abc","roles":["a"],"iat":1700000000,"exp":1700000900}}`
	raw := mustB64(t, ft)
	if !bytes.Equal(raw, []byte(want)) {
		t.Fatalf("front token\n got %s\nwant %s", raw, want)
	}
}

// FuzzDecodeCookie feeds arbitrary cookie values to the decoder: it must
// never panic, and anything it accepts must re-encode to the same token.
func FuzzDecodeCookie(f *testing.F) {
	c, _ := testCodec(f)
	tok := token{tag: userTag("u"), gen: 3, issued: 1_795_253_061_123}
	v, _ := c.encode("sAccessToken", tok)
	f.Add(v)
	f.Add("")
	f.Add("MTY5|x|y")
	f.Add(strings.Repeat("A", 300))
	f.Fuzz(func(t *testing.T, s string) {
		got, err := c.decode("sAccessToken", s)
		if err != nil {
			if !errors.Is(err, ErrUnknown) {
				t.Fatalf("decode error %v is not ErrUnknown", err)
			}
			return
		}
		v2, err := c.encode("sAccessToken", got)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := c.decode("sAccessToken", v2); err != nil || back != got {
			t.Fatal("accepted token does not round-trip")
		}
	})
}

// FuzzUnmarshalToken checks the inner token format on its own.
func FuzzUnmarshalToken(f *testing.F) {
	h := [16]byte{1, 2, 3}
	f.Add(token{handle: h, tag: userTag("u"), gen: 1}.marshal())
	f.Add(token{handle: h, tag: userTag("u"), gen: 1 << 40, issued: 1_795_253_061_123, pending: true}.marshal())
	f.Add(append(append([]byte{1}, h[:]...), 1)) // version 1: refused
	f.Add([]byte{3})
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := unmarshalToken(b)
		if err == nil && !bytes.Equal(tok.marshal(), b) {
			t.Fatalf("non-canonical token accepted: %x", b)
		}
	})
}

func TestAntiCSRF(t *testing.T) {
	c := DefaultConfig()
	c.AllowedOrigins = []string{"https://app.example.com"}
	for _, tc := range []struct {
		mode, method, origin string
		rid, want            bool
	}{
		{AntiCSRFCustomHeader, "GET", "https://evil.example", false, true},
		{AntiCSRFCustomHeader, "HEAD", "", false, true},
		{AntiCSRFCustomHeader, "OPTIONS", "", false, true},
		{AntiCSRFCustomHeader, "POST", "", false, false},
		{AntiCSRFCustomHeader, "POST", "", true, true},
		{AntiCSRFCustomHeader, "POST", "https://app.example.com", true, true},
		{AntiCSRFCustomHeader, "POST", "https://evil.example", true, false},
		{AntiCSRFCustomHeader, "DELETE", "null", true, false},
		{AntiCSRFCustomHeader, "post", "", false, false},
		{AntiCSRFNone, "POST", "https://evil.example", false, true},
	} {
		c.AntiCSRF = tc.mode
		if got := c.AntiCSRFOK(tc.method, tc.rid, tc.origin); got != tc.want {
			t.Errorf("%+v: got %v", tc, got)
		}
	}
}
