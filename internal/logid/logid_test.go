package logid_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"testing"

	"github.com/sessiongate/sessiongate/internal/logid"
)

// The hash is the authorizer's rule, byte for byte: the first 12 hex
// characters of HMAC-SHA256(salt, id).
func TestHashIsTruncatedHMAC(t *testing.T) {
	salt := []byte("pepper")
	for _, id := range []string{"", "alice", "0123456789abcdef0123456789abcdef", "ünïcode"} {
		mac := hmac.New(sha256.New, salt)
		mac.Write([]byte(id))
		want := hex.EncodeToString(mac.Sum(nil))[:12]
		if got := logid.New(salt).Hash(id); got != want {
			t.Errorf("Hash(%q) = %s, want %s", id, got, want)
		}
		if got := logid.Hash(salt, id); got != want {
			t.Errorf("logid.Hash(%q) = %s, want %s", id, got, want)
		}
	}
	// A known vector, so that a change of rule cannot go unnoticed.
	if got := logid.Hash([]byte("key"), "The quick brown fox jumps over the lazy dog"); got != "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"[:12] {
		t.Fatalf("vector: %s", got)
	}
}

func TestSaltMatters(t *testing.T) {
	a, b := logid.New([]byte("one")), logid.New([]byte("two"))
	if a.Hash("alice") == b.Hash("alice") {
		t.Fatal("different salts gave the same hash")
	}
	if a.Hash("alice") == a.Hash("bob") {
		t.Fatal("different ids gave the same hash")
	}
}

func TestRandomSaltWhenUnset(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	x, y := logid.FromEnv(env(nil)), logid.FromEnv(env(map[string]string{"LOG_SALT": ""}))
	if x.Hash("alice") == y.Hash("alice") {
		t.Fatal("two processes without LOG_SALT must not share a salt")
	}
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(x.Hash("alice")) {
		t.Fatalf("hash %q", x.Hash("alice"))
	}
	if first, again := x.Hash("alice"), x.Hash("alice"); first != again {
		t.Fatal("one Hasher must be stable")
	}
	s1, s2 := logid.FromEnv(env(map[string]string{"LOG_SALT": "shared"})), logid.New([]byte("shared"))
	if s1.Hash("alice") != s2.Hash("alice") {
		t.Fatal("LOG_SALT is the salt")
	}
}

func TestSaltIsCopiedAndRedacted(t *testing.T) {
	salt := []byte("mutable")
	h := logid.New(salt)
	before := h.Hash("alice")
	salt[0] = 'X'
	if h.Hash("alice") != before {
		t.Fatal("New must copy the salt")
	}
	for _, s := range []string{fmt.Sprint(h), fmt.Sprintf("%v %+v %#v %s", h, h, h, h), h.LogValue().String()} {
		if regexp.MustCompile(`mutable|utable`).MatchString(s) {
			t.Fatalf("salt printed: %s", s)
		}
	}
}

func ExampleHasher_Hash() {
	h := logid.New([]byte("LOG_SALT value"))
	fmt.Println(len(h.Hash("user-42")))
	// Output: 12
}
